"""The tutorial notebooks run top to bottom, show what they promise, and are stored up to date.

Each notebook is rebuilt from ``notebooks/source/`` and executed in a fresh Jupyter kernel the way
``notebooks/build.py`` does it, with ``AUTOGRAD_LITE_RENDERER=wasm`` (so no system Graphviz is
used), then held to these rules:

- no cell raises;
- every cell tagged ``graph`` displays an ``image/svg+xml`` and every ``plot`` cell an
  ``image/png``;
- no output is larger than ``build.MAX_OUTPUT_BYTES``;
- the stored ``.ipynb`` has the same cells and, up to timings and memory addresses, the same
  outputs (SVGs compared by their text labels, PNGs by presence; numbers up to the rounding
  that differs between processors' BLAS kernels, see ``build.same_number``).

When the last rule fails after a deliberate change, run ``python notebooks/build.py`` and commit
the notebooks it rewrites.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
EXPECTED = {
    "01_values_and_graphs",
    "02_checking_hand_derived_gradients",
    "03_training_a_network",
    "04_higher_order",
    "05_backprop_through_batchnorm",
    "06_checking_layer_classes",
}


def _load_build() -> ModuleType:
    # notebooks/ is not a package; load its build script by path.
    spec = importlib.util.spec_from_file_location("notebook_build", NOTEBOOKS / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being created
    spec.loader.exec_module(module)
    return module


build = _load_build()
SOURCES = build.sources()
IDS = [s.stem for s in SOURCES]


# ------------------------------------------------------------------ the build script itself


def test_every_notebook_has_a_source_and_a_stored_copy() -> None:
    assert {s.stem for s in SOURCES} == EXPECTED
    stored = {p.stem for p in NOTEBOOKS.glob("*.ipynb")}
    assert stored == EXPECTED, "run python notebooks/build.py to write the missing notebooks"


def test_parse_source_splits_cells_and_reads_tags() -> None:
    text = (
        "# %% [markdown]\n# # Title\n#\n# Some *text*.\n\n"
        "# %%\nx = 1\n\n\n"
        '# %% tags=["graph", "extra"]\ndraw(x)\n'
    )
    cells = build.parse_source(text, "t.py")
    assert [(c.kind, c.source, c.tags) for c in cells] == [
        ("markdown", "# Title\n\nSome *text*.", ()),
        ("code", "x = 1", ()),
        ("code", "draw(x)", ("graph", "extra")),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x = 1\n# %%\ny = 2\n", "t.py:1: text before the first"),
        ("# %% [markdown]\nnot a comment\n", "t.py:2: a markdown cell's lines must start"),
        ("# %%\n\n# %%\ny = 2\n", "t.py:1: empty code cell"),
        ("# %% tags=graph\nx = 1\n", "t.py:1: malformed cell marker"),
        ("# %% tags=[1]\nx = 1\n", "t.py:1: tags must be a JSON list of strings"),
        ("", "t.py: no cells"),
    ],
)
def test_parse_source_rejects_malformed_sources(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("*", r"\*")):
        build.parse_source(text, "t.py")


def test_notebook_from_source_is_deterministic() -> None:
    first, second = (build.notebook_from_source(SOURCES[0]) for _ in range(2))
    assert first == second
    assert first.cells[0].id == "nb01-000"
    nbformat.validate(first)


def test_normalize_text_hides_timings_and_addresses_only() -> None:
    bar = "moons: 100%|##########| 80/80 [00:04<00:00, 17.51epoch/s, loss=0.0000, acc=1.000]"
    slower = "moons: 100%|##########| 80/80 [01:12<00:00,  1.10s/epoch, loss=0.0000, acc=1.000]"
    assert build.normalize_text(bar) == build.normalize_text(slower)
    assert build.normalize_text(bar) != build.normalize_text(bar.replace("loss=0.0000", "loss=0.1"))
    assert build.normalize_text("<Foo at 0x7f3a2b1c9d80>") == build.normalize_text(
        "<Foo at 0x55d0c0ffee00>"
    )
    assert build.normalize_text("took 3.2 s") == build.normalize_text("took 14 s")
    # Numbers that are results, not timings, are kept.
    assert build.normalize_text("accuracy 91.7%") != build.normalize_text("accuracy 90.6%")
    assert build.normalize_text("100 samples") != build.normalize_text("200 samples")


@pytest.mark.parametrize(
    ("stored", "fresh"),
    [
        # Seen on one AMD EPYC machine: OPENBLAS_CORETYPE=Haswell/Zen/Prescott against the
        # default kernel, in notebook 02's loss and its HTML table.
        ("loss = 3.2346279327622787", "loss = 3.2346279327622796"),
        ("<td>-0.073436127</td><td>0.5</td>", "<td>-0.073436126</td><td>0.5</td>"),
        ("grad 1.0000000000000002e-05", "grad 1.0000000000000004e-05"),
        ("W1: 12 entries", "W1: 12 entries"),
        # A small result of a sum that cancels: 650 of its own ulps (notebook 03, Prescott).
        ("[9.701082954282515e-05, 0.5]", "[9.701082954281626e-05, 0.5]"),
        # Errors between two equal results are rounding residue (notebook 06, Prescott).
        ("abs err 1.4e-17 rel err 3.8e-16", "abs err 6.9e-18 rel err 1.9e-16"),
        # A %g print drops trailing zeros: -0.07 is -0.070000000 at 9 digits. The table's
        # ruler is as wide as its widest cell.
        (
            "yours finite diff\n----- -----\n1 -0.07",
            "yours finite diff\n----- -------\n1 -0.069999999",
        ),
    ],
)
def test_outputs_that_differ_only_by_blas_rounding_are_the_same(stored: str, fresh: str) -> None:
    assert build.same_text(stored, fresh)
    assert build.same_output(("stream", "stdout", stored), ("stream", "stdout", fresh))


@pytest.mark.parametrize(
    ("stored", "fresh"),
    [
        ("accuracy 0.97", "accuracy 0.98"),  # short prints are read: they must match
        ("loss 0.5", "loss 0.50001"),
        ("-0.073436127", "-0.073436129"),  # two units in the last digit is not rounding
        ("loss = 3.2346279327622787", "loss = 3.2346279331622787"),  # 1e-10: a real change
        ("abs err 1e-11", "abs err 2e-11"),  # above the residue: read as printed
        ("loss = 3.2346279327622787", "loss = -3.2346279327622787"),
        ("dW 8 entries", "db 8 entries"),  # the words must be identical
        ("1 2", "1 2 3"),
        ("x 1e400", "x 1.0000000000000001e400"),
        ("x nan", "x 1.0"),
    ],
)
def test_outputs_that_differ_by_more_than_rounding_are_not_the_same(
    stored: str, fresh: str
) -> None:
    assert not build.same_text(stored, fresh)
    assert not build.same_output(
        ("display_data", {"text/plain": stored}), ("display_data", {"text/plain": fresh})
    )


def test_svg_labels_ignore_layout_but_not_text() -> None:
    def svg(x: float, label: str) -> str:
        return (
            '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
            f'<g><text x="{x}">{label}</text><text x="1">data 2</text></g></svg>'
        )

    assert build.svg_labels(svg(10.5, "grad 0.5")) == ["data 2", "grad 0.5"]
    assert build.svg_labels(svg(10.5, "grad 0.5")) == build.svg_labels(svg(99.0, "grad 0.5"))
    assert build.svg_labels(svg(10.5, "grad 0.5")) != build.svg_labels(svg(10.5, "grad 1"))


def test_problems_reports_errors_missing_images_and_large_outputs() -> None:
    nb = nbformat.v4.new_notebook()
    graph = nbformat.v4.new_code_cell("draw()")
    graph.metadata["tags"] = ["graph"]
    graph.outputs = [nbformat.v4.new_output("stream", name="stdout", text="no picture")]
    failing = nbformat.v4.new_code_cell("1 / 0")
    failing.outputs = [
        nbformat.v4.new_output(
            "error", ename="ZeroDivisionError", evalue="division by zero", traceback=[]
        )
    ]
    huge = nbformat.v4.new_code_cell("print('x' * n)")
    huge.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="x" * build.MAX_OUTPUT_BYTES)
    ]
    nb.cells = [graph, failing, huge]
    found = build.problems(nb)
    assert len(found) == 3
    assert "tagged 'graph' but displays no image/svg+xml" in found[0]
    assert "raised ZeroDivisionError" in found[1]
    assert "-byte output" in found[2]


def test_differences_name_the_cell_and_the_change() -> None:
    nb = build.notebook_from_source(SOURCES[0])
    code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    stored = nbformat.from_dict(nb)
    fresh = nbformat.from_dict(nb)
    stored.cells[code].outputs = [nbformat.v4.new_output("stream", name="stdout", text="a 1\n")]
    fresh.cells[code].outputs = [nbformat.v4.new_output("stream", name="stdout", text="a 2\n")]
    assert build.differences(stored, stored) == []
    (line,) = build.differences(stored, fresh)
    assert line.startswith(f"cell {code} ") and "output 0 differs" in line
    fresh.cells[code].source += "\n# edited"
    assert "source or tags differ" in build.differences(stored, fresh)[0]


# ------------------------------------------------------------------ the stored notebooks


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_stored_notebook_has_no_errors_and_shows_its_figures(source: Path) -> None:
    stored = nbformat.read(build.notebook_path(source), as_version=4)
    nbformat.validate(stored)
    assert build.problems(stored) == []
    tags = {t for c in stored.cells for t in c.metadata.get("tags", [])}
    assert build.GRAPH_TAG in tags  # every notebook draws at least one graph


def test_notebooks_with_plots_tag_them() -> None:
    for stem in ("03_training_a_network", "04_higher_order"):
        stored = nbformat.read(NOTEBOOKS / f"{stem}.ipynb", as_version=4)
        plots = [c for c in stored.cells if build.PLOT_TAG in c.metadata.get("tags", [])]
        assert plots, f"{stem} has no cell tagged 'plot'"


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_notebook_runs_on_a_fresh_kernel_and_matches_the_stored_copy(source: Path) -> None:
    fresh = build.notebook_from_source(source)
    build.execute(fresh)  # raises CellExecutionError, showing the cell, if a cell fails
    assert build.problems(fresh) == []
    stored = nbformat.read(build.notebook_path(source), as_version=4)
    changes = build.differences(stored, fresh)
    assert changes == [], (
        f"{build.notebook_path(source).name} is out of date; run python notebooks/build.py:\n"
        + "\n".join(changes)
    )


# ------------------------------------------------------------------ the README


def test_readme_figure_is_the_current_drawing() -> None:
    stored = build.README_FIGURE.read_text(encoding="utf-8")
    assert build.svg_labels(stored) == build.svg_labels(build.readme_figure().svg())


def test_readme_links_every_notebook_and_the_figure() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for stem in sorted(EXPECTED):
        assert f"notebooks/{stem}.ipynb" in readme
    assert "docs/neuron_graph.svg" in readme
