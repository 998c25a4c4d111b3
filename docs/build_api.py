"""Builds the API reference, HTML pages made from the docstrings by pdoc.

    python docs/build_api.py              # into docs/api (git ignores it)
    python docs/build_api.py OUT          # into OUT

The reference has the short top level, grouped as the table in ``autograd_lite/__init__.py``
groups it, then one page per part (core, check, draw, jit, learn) and per module a part
lists. Any warning pdoc gives (an annotation it cannot resolve, a module that fails to
import, a docstring it cannot convert) fails the build: it prints them and exits with 1.
On success it prints the pages written, their size and the time taken.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

MODULES = (
    "autograd_lite",
    "autograd_lite.core",
    "autograd_lite.check",
    "autograd_lite.draw",
    "autograd_lite.jit",
    "autograd_lite.jit.compiler",  # compile(): out of jit's __all__, as the builtin's namesake
    "autograd_lite.learn",
)
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "docs" / "api"


def build(out: Path, modules: tuple[str, ...] = MODULES) -> list[str]:
    """Write the reference of ``modules`` into ``out``; return pdoc's warnings (empty when all
    went well)."""
    import pdoc
    import pdoc.render

    # This checkout's package, whatever else is installed.
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))

    pdoc.render.configure(docformat="google", footer_text="autograd_lite API reference")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pdoc.pdoc(*modules, output_directory=out)
    return [f"{w.category.__name__}: {w.message}" for w in caught]


def main(argv: list[str]) -> int:
    """Build into ``argv[0]`` (or docs/api); 0 on success, 1 on any warning."""
    out = Path(argv[0]) if argv else DEFAULT_OUT
    start = time.perf_counter()
    problems = build(out)
    seconds = time.perf_counter() - start
    if problems:
        print(f"API reference: {len(problems)} problem(s):", *problems, sep="\n  ")
        return 1
    pages = sorted(out.rglob("*.html"))
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"API reference: {len(pages)} pages, {size / 1e6:.1f} MB in {out}, {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
