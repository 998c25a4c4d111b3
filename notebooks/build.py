"""Build the tutorial notebooks from their sources and run them, keeping stored outputs current.

Each notebook ``notebooks/NN_name.ipynb`` is generated from ``notebooks/source/NN_name.py``, a
Python file whose cells are separated by marker lines::

    # %% [markdown]
    # # A title
    # Markdown text, one comment line per line.

    # %%
    x = Value(2.0, label="x")

    # %% tags=["graph"]
    draw_graph(x * x)

A ``# %%`` line starts a code cell, ``# %% [markdown]`` a markdown cell (its lines lose their
leading ``# ``); ``tags=[...]`` (a JSON list) becomes the cell's metadata tags. The tags the test
suite holds cells to are ``graph`` (must display an ``image/svg+xml`` output) and ``plot`` (must
display an ``image/png``).

Usage::

    python notebooks/build.py            # rebuild and run every notebook, write the README figure
    python notebooks/build.py 02 03      # only the notebooks whose names start with these
    python notebooks/build.py --check    # run them in memory; exit 1 if a stored one is stale

Notebooks run in a fresh Jupyter kernel (nbclient) in this folder, importing autograd_lite from
this checkout, with ``AUTOGRAD_LITE_RENDERER=wasm`` so every stored SVG comes from the
in-process Graphviz and no system Graphviz is needed. ``tests/test_notebooks.py`` imports this
module to run the same build and compare it with what is stored.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SOURCE_DIR = HERE / "source"
DOCS_DIR = ROOT / "docs"
README_FIGURE = DOCS_DIR / "neuron_graph.svg"

CELL_TIMEOUT = 180
"""Seconds one cell may run before the build fails (the slowest, a training run, takes ~15 s)."""

# A drawing is stored twice: as SVG for front ends that show images, and as HTML that fits
# the output's width (autograd_lite.draw.page.fit_to_width).
MAX_OUTPUT_BYTES = 400_000
"""Largest stored size of one output (its JSON text); keeps the notebooks light on a code host."""

GRAPH_TAG = "graph"
PLOT_TAG = "plot"
REQUIRED_MIME = {GRAPH_TAG: "image/svg+xml", PLOT_TAG: "image/png"}
"""What a cell with each tag must display."""

_MARKER = re.compile(r"^# %%(?P<rest>.*)$")
_MARKER_REST = re.compile(r"^\s*(?P<markdown>\[markdown\])?\s*(?:tags=(?P<tags>\[.*\]))?\s*$")


@dataclass(frozen=True)
class Cell:
    """One cell of a notebook source: ``kind`` is ``"code"`` or ``"markdown"``."""

    kind: str
    source: str
    tags: tuple[str, ...] = field(default=())


def parse_source(text: str, name: str = "<source>") -> list[Cell]:
    """Split a notebook source into cells (see the module docstring for the format).

    Args:
        text: the source file's text.
        name: its name, for error messages.

    Returns:
        The cells in order. Blank lines around a cell's text are dropped.

    Raises:
        ValueError: text before the first marker, a malformed marker line, an empty cell, or a
            markdown line that is not a comment.

    Example:
        >>> cells = parse_source('# %% [markdown]\\n# Hi\\n# %% tags=["graph"]\\nx = 1\\n')
        >>> [(c.kind, c.source, c.tags) for c in cells]
        [('markdown', 'Hi', ()), ('code', 'x = 1', ('graph',))]
    """
    cells: list[Cell] = []
    header: tuple[str, tuple[str, ...], int] | None = None
    body: list[str] = []

    def close() -> None:
        if header is None:
            return
        kind, tags, line_no = header
        lines = body
        if kind == "markdown":
            lines = []
            for offset, line in enumerate(body, start=line_no + 1):
                if line.strip() and not line.startswith("#"):
                    raise ValueError(
                        f"{name}:{offset}: a markdown cell's lines must start with '#': {line!r}"
                    )
                lines.append(line[2:] if line.startswith("# ") else line[1:])
        source = "\n".join(lines).strip("\n")
        if not source.strip():
            raise ValueError(f"{name}:{line_no}: empty {kind} cell")
        cells.append(Cell(kind, source, tags))

    for line_no, line in enumerate(text.splitlines(), start=1):
        marker = _MARKER.match(line)
        if marker is None:
            if header is None and line.strip():
                raise ValueError(f"{name}:{line_no}: text before the first '# %%' cell marker")
            body.append(line)
            continue
        rest = _MARKER_REST.match(marker.group("rest"))
        if rest is None:
            raise ValueError(
                f"{name}:{line_no}: malformed cell marker {line!r}; expected '# %%', "
                "'# %% [markdown]' or '# %% tags=[\"graph\"]'"
            )
        close()
        tags: tuple[str, ...] = ()
        if rest.group("tags"):
            parsed = json.loads(rest.group("tags"))
            if not isinstance(parsed, list) or not all(isinstance(t, str) for t in parsed):
                raise ValueError(f"{name}:{line_no}: tags must be a JSON list of strings")
            tags = tuple(parsed)
        header = ("markdown" if rest.group("markdown") else "code", tags, line_no)
        body = []
    close()
    if not cells:
        raise ValueError(f"{name}: no cells")
    return cells


def sources() -> list[Path]:
    """The notebook sources, in order (``source/NN_*.py``)."""
    return sorted(SOURCE_DIR.glob("[0-9][0-9]_*.py"))


def notebook_path(source: Path) -> Path:
    """Where the notebook built from ``source`` is stored."""
    return HERE / f"{source.stem}.ipynb"


def notebook_from_source(source: Path) -> nbformat.NotebookNode:
    """A notebook (without outputs) holding the cells of ``source``.

    Cell ids are ``nb<notebook number>-<cell index>`` (``nb01-000``), so rebuilding gives the
    same file.
    """
    cells = parse_source(source.read_text(encoding="utf-8"), source.name)
    number = source.stem.split("_", 1)[0]
    nb: nbformat.NotebookNode = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for index, cell in enumerate(cells):
        if cell.kind == "markdown":
            node = nbformat.v4.new_markdown_cell(cell.source)
        else:
            node = nbformat.v4.new_code_cell(cell.source)
        node.id = f"nb{number}-{index:03d}"
        if cell.tags:
            node.metadata["tags"] = list(cell.tags)
        nb.cells.append(node)
    return nb


def kernel_env() -> dict[str, str]:
    """The kernel's environment: this checkout first on the path, the in-process renderer."""
    env = dict(os.environ)
    env["AUTOGRAD_LITE_RENDERER"] = "wasm"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    # Plain-text progress bars and no colour codes: what is stored must not depend on a terminal.
    env.pop("FORCE_COLOR", None)
    env["NO_COLOR"] = "1"
    return env


def execute(nb: nbformat.NotebookNode, *, timeout: int = CELL_TIMEOUT) -> float:
    """Run ``nb`` top to bottom in a fresh kernel, in place; return the seconds it took.

    Raises:
        nbclient.exceptions.CellExecutionError: a cell raised (the message shows the cell and
            the traceback).
    """
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=timeout,
        resources={"metadata": {"path": str(HERE)}},
        # Timestamps in the file would make every rebuild a change.
        record_timing=False,
        # One stream output per name, with carriage returns applied: a progress bar is
        # stored as its final line, not as every intermediate state.
        coalesce_streams=True,
    )
    started = time.perf_counter()
    client.execute(env=kernel_env())
    return time.perf_counter() - started


def output_size(output: Any) -> int:
    """Bytes one output takes in the stored notebook (its JSON text)."""
    return len(json.dumps(output, ensure_ascii=False).encode("utf-8"))


def largest_output(nb: nbformat.NotebookNode) -> tuple[int, int]:
    """``(cell index, bytes)`` of the largest output in ``nb`` (``(-1, 0)`` when none)."""
    best = (-1, 0)
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            size = output_size(output)
            if size > best[1]:
                best = (index, size)
    return best


def problems(nb: nbformat.NotebookNode) -> list[str]:
    """What is wrong with an executed notebook's outputs, one message each (empty: nothing).

    Checks: no error outputs; every ``graph`` cell displays SVG and every ``plot`` cell PNG;
    no output above :data:`MAX_OUTPUT_BYTES`.
    """
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        where = f"cell {index} ({first_line(cell.source)!r})"
        outputs = cell.get("outputs", [])
        for output in outputs:
            if output.output_type == "error":
                found.append(f"{where} raised {output.ename}: {output.evalue}")
            size = output_size(output)
            if size > MAX_OUTPUT_BYTES:
                found.append(f"{where} has a {size}-byte output (limit {MAX_OUTPUT_BYTES})")
        shown = {mime for output in outputs for mime in output.get("data", {})}
        for tag in cell.metadata.get("tags", []):
            mime = REQUIRED_MIME.get(tag)
            if mime is not None and mime not in shown:
                found.append(f"{where} is tagged {tag!r} but displays no {mime}")
    return found


def first_line(text: str) -> str:
    """The first non-blank line of a cell, to name it in messages."""
    return next((line for line in text.splitlines() if line.strip()), "")


# ------------------------------------------------------------------ comparing two runs

# What legitimately changes between two runs of the same notebook.
_VOLATILE = [
    (re.compile(r"0x[0-9a-fA-F]{6,}"), "0x…"),  # memory addresses in reprs
    # tqdm's elapsed<remaining and rate: "[00:12<00:00,  8.10epoch/s" or "1.23s/epoch"
    (re.compile(r"\d+:\d{2}(?::\d{2})?(?:<(?:\d+:\d{2}(?::\d{2})?|\?))?"), "T"),
    (re.compile(r"(?:\d+(?:\.\d+)?|\?)\s*(?:[a-z]+/s|s/[a-z]+)\b"), "R"),
    # durations printed as numbers with a time unit
    (re.compile(r"\b\d+(?:\.\d+)?\s?(?:ms|µs|s|sec|seconds)\b"), "D"),
    (re.compile(r"\s+"), " "),
]
_SVG_NS = "{http://www.w3.org/2000/svg}"


def normalize_text(text: str) -> str:
    """``text`` with addresses, timings, rates and durations replaced by placeholders."""
    for pattern, placeholder in _VOLATILE:
        text = pattern.sub(placeholder, text)
    return text.strip()


def svg_labels(svg: str) -> list[str]:
    """The sorted texts of every ``<text>`` element of an SVG document.

    Two renderers (or versions) lay a graph out differently byte by byte; the labels they
    draw are what must stay the same.
    """
    root = ET.fromstring(svg.encode("utf-8") if svg.lstrip().startswith("<?xml") else svg)
    return sorted("".join(t.itertext()).strip() for t in root.iter(f"{_SVG_NS}text"))


def _join(text: str | Sequence[str]) -> str:
    return text if isinstance(text, str) else "".join(text)


def comparable_output(output: Any) -> Any:
    """A version of one output that is equal for two runs that differ only in volatile ways."""
    kind = output["output_type"]
    if kind == "stream":
        return ("stream", output["name"], normalize_text(_join(output["text"])))
    if kind == "error":
        return ("error", output["ename"], normalize_text(output["evalue"]))
    data: dict[str, str | list[str]] = {}
    for mime, value in sorted(output.get("data", {}).items()):
        if mime == "image/svg+xml":
            data[mime] = svg_labels(_join(value))
        elif mime.startswith("image/"):
            data[mime] = "present"  # matplotlib's PNG bytes vary by version and platform
        elif isinstance(value, str | list):
            data[mime] = normalize_text(_join(value))
        else:
            data[mime] = json.dumps(value, sort_keys=True)
    return (kind, data)


def comparable(nb: nbformat.NotebookNode) -> list[Any]:
    """The notebook as a list of (cell type, source, tags, normalized outputs) per cell."""
    return [
        (
            cell.cell_type,
            cell.source,
            tuple(cell.metadata.get("tags", [])),
            [comparable_output(o) for o in cell.get("outputs", [])],
        )
        for cell in nb.cells
    ]


# A number as printed in an output: 3.2346279327622787, -0.073436127, 1e-06, 42.
_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
_RULER = re.compile(r"-{2,}")
# Matrix products (numpy's BLAS) round differently on different processors (their kernels
# add in different orders), and every result computed from them inherits that. How much a
# printed number may move, by how it is printed:
# - in full (15+ significant digits, repr of a float): its last four digits, 1e-11 relative.
#   A sum that cancels keeps the summands' absolute error, so a small result moves by many of
#   its own ulps (seen: 9.701082954282515e-05 against ...281626e-05, 650 ulps);
# - with 6 to 14 significant digits: one unit in its last digit (a value near a rounding
#   boundary prints either way: -0.073436127 against -0.073436126);
# - shorter prints (0.97, 12.5%) are results a reader reads: exactly, bar a few ulps.
# Numbers below 1e-12 in both runs are rounding residue (an error between two equal results,
# 1.4e-17 against 6.9e-18) and agree whatever their digits.
FULL_DIGITS = 15
FULL_RELATIVE = 1e-11
LAST_DIGIT_FROM = 6
ROUNDING_ULPS = 64
RESIDUE = 1e-12


def same_number(stored: str, fresh: str) -> bool:
    """Whether two printed numbers differ by no more than processors' rounding can explain."""
    if stored == fresh:
        return True
    a, b = Decimal(stored), Decimal(fresh)
    if not (a.is_finite() and b.is_finite()):
        return False
    largest = float(max(abs(a), abs(b)))
    if not math.isfinite(largest):
        return False
    if largest < RESIDUE:
        return True
    digits = max(len(d.as_tuple().digits) - _leading_zeros(d) for d in (a, b))
    tolerance = ROUNDING_ULPS * math.ulp(largest)
    if digits >= FULL_DIGITS:
        tolerance = max(tolerance, FULL_RELATIVE * largest)
    elif digits >= LAST_DIGIT_FROM:
        tolerance = max(tolerance, *(10.0 ** int(d.as_tuple().exponent) for d in (a, b)))
    return float(abs(a - b)) <= tolerance


def _leading_zeros(d: Decimal) -> int:
    digits = d.as_tuple().digits
    return next((i for i, x in enumerate(digits) if x != 0), len(digits))


def same_text(stored: str, fresh: str) -> bool:
    """Whether two texts are the same but for numbers that agree up to rounding.

    The words, punctuation and the count of numbers must be identical (a table's ``----``
    rulers may differ in width); each pair of numbers must pass :func:`same_number`.
    """
    if stored == fresh:
        return True
    if _words(stored) != _words(fresh):
        return False
    pairs = zip(_NUMBER.findall(stored), _NUMBER.findall(fresh), strict=True)
    return all(same_number(x, y) for x, y in pairs)


def _words(text: str) -> list[str]:
    # A text table's rulers are as wide as its widest cell, whose digits may be rounding.
    return [_RULER.sub("--", piece) for piece in _NUMBER.split(text)]


def same_output(stored: Any, fresh: Any) -> bool:
    """:func:`same_text` over the nested tuples, lists and dicts of :func:`comparable_output`."""
    if isinstance(stored, str) and isinstance(fresh, str):
        return same_text(stored, fresh)
    if isinstance(stored, tuple | list) and isinstance(fresh, tuple | list):
        return len(stored) == len(fresh) and all(map(same_output, stored, fresh))
    if isinstance(stored, dict) and isinstance(fresh, dict):
        return stored.keys() == fresh.keys() and all(
            same_output(stored[k], fresh[k]) for k in stored
        )
    return bool(stored == fresh)


def differences(stored: nbformat.NotebookNode, fresh: nbformat.NotebookNode) -> list[str]:
    """Where a fresh build differs from the stored notebook, one line per cell (empty: none)."""
    old, new = comparable(stored), comparable(fresh)
    if len(old) != len(new):
        return [f"the stored notebook has {len(old)} cells, its source makes {len(new)}"]
    found = []
    for index, (a, b) in enumerate(zip(old, new, strict=True)):
        if same_output(a, b):
            continue
        where = f"cell {index} ({first_line(b[1])!r})"
        if a[:3] != b[:3]:
            found.append(f"{where}: its source or tags differ from notebooks/source")
            continue
        if len(a[3]) != len(b[3]):
            found.append(f"{where}: {len(a[3])} outputs stored, {len(b[3])} now")
            continue
        outputs = enumerate(zip(a[3], b[3], strict=True))
        k, was, now = next((k, x, y) for k, (x, y) in outputs if not same_output(x, y))
        found.append(f"{where}: output {k} differs: {_first_difference(repr(was), repr(now))}")
    return found


def _first_difference(was: str, now: str, context: int = 100) -> str:
    """The neighbourhood of the first character where two texts differ, in both."""
    pairs = enumerate(zip(was, now, strict=False))
    at = next((i for i, (x, y) in pairs if x != y), min(len(was), len(now)))
    start = max(0, at - context)
    return f"stored ...{was[start : at + context]}... now ...{now[start : at + context]}..."


# ------------------------------------------------------------------ the README figure


def readme_figure() -> Any:
    """The picture in the README: one tanh neuron after ``backward()``, edges labelled.

    Returns:
        The :class:`autograd_lite.GraphDrawing`.
    """
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from autograd_lite import Value, draw_graph

    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1, x2w2 = x1 * w1, x2 * w2
    x1w1.label, x2w2.label = "x1*w1", "x2*w2"
    s = x1w1 + x2w2
    s.label = "s"
    n = s + b
    n.label = "n"
    out = n.tanh()
    out.label = "o"
    out.backward()
    return draw_graph(out, edge_labels=True, renderer="wasm")


# ------------------------------------------------------------------ command line


@dataclass
class BuildResult:
    """What building one notebook gave."""

    path: Path
    seconds: float
    largest: tuple[int, int]
    problems: list[str]
    changes: list[str]


def build(source: Path, *, write: bool = True) -> BuildResult:
    """Make the notebook of ``source``, run it, and (with ``write``) store it.

    Returns:
        A :class:`BuildResult`; ``changes`` lists how it differs from the stored notebook.
        A notebook with problems is not written.
    """
    path = notebook_path(source)
    nb = notebook_from_source(source)
    seconds = execute(nb)
    found = problems(nb)
    if path.exists():
        changes = differences(nbformat.read(path, as_version=4), nb)
    else:
        changes = ["not stored yet"]
    if write and not found:
        nbformat.validate(nb)
        nbformat.write(nb, path)
    return BuildResult(path, seconds, largest_output(nb), found, changes)


def _selected(prefixes: Iterable[str]) -> list[Path]:
    wanted = list(prefixes)
    chosen = [s for s in sources() if not wanted or any(s.stem.startswith(p) for p in wanted)]
    if not chosen:
        raise SystemExit(f"no notebook source matches {wanted} in {SOURCE_DIR}")
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("only", nargs="*", help="build only notebooks whose names start so")
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if a stored notebook is stale"
    )
    args = parser.parse_args(argv)
    status = 0
    for source in _selected(args.only):
        result = build(source, write=not args.check)
        cell, size = result.largest
        print(
            f"{result.path.name}: ran in {result.seconds:.1f} s, largest output "
            f"{size / 1000:.1f} kB (cell {cell})"
        )
        for line in result.problems:
            print(f"  problem: {line}")
        if result.problems:
            status = 1
        if args.check and result.changes:
            print("  stale: " + "; ".join(result.changes))
            status = 1
    if not args.only:
        drawing = readme_figure()
        if args.check:
            stored = README_FIGURE.read_text(encoding="utf-8") if README_FIGURE.exists() else ""
            if not stored or svg_labels(stored) != svg_labels(drawing.svg()):
                print(f"stale: {README_FIGURE.relative_to(ROOT)}")
                status = 1
        else:
            DOCS_DIR.mkdir(exist_ok=True)
            drawing.save(README_FIGURE)
            print(f"wrote {README_FIGURE.relative_to(ROOT)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
