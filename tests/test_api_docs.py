"""The API reference (docs/build_api.py): it builds without a warning and shows the table.

Skipped where pdoc is not installed (it is in the ``test`` and ``dev`` extras).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

import autograd_lite as al

pytest.importorskip("pdoc")

BUILDER = Path(__file__).resolve().parents[1] / "docs" / "build_api.py"


def _builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_api", BUILDER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_reference_builds_and_lists_the_short_top_level_by_group(tmp_path: Path) -> None:
    builder = _builder()
    assert builder.main([str(tmp_path)]) == 0  # no warning from pdoc
    top = (tmp_path / "autograd_lite.html").read_text(encoding="utf-8")
    for group in al._TABLE:
        assert f"<strong>{group}</strong>" in top, group
    anchors = set(re.findall(r'id="([A-Za-z_][A-Za-z0-9_]*)"', top))
    # ``grade`` names both a function and its part (the part module is callable): pdoc
    # documents it as the part, on its own page, which holds the function.
    missing = [
        name
        for name in al.__all__
        if name not in anchors and not (tmp_path / "autograd_lite" / f"{name}.html").is_file()
    ]
    assert missing == [], f"names of __all__ without a section on the top page: {missing}"
    # compile, out of __all__ as the builtin's namesake, links to its own page.
    assert 'href="autograd_lite/jit/compiler.html#compile"' in top
    # The parts and the modules they list each have a page.
    for page in ("core", "check", "draw", "jit", "learn", "learn/nn", "learn/optim"):
        assert (tmp_path / "autograd_lite" / f"{page}.html").is_file(), page


def test_a_warning_fails_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "src" / "broken_docs"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(
        '"""A module whose annotation names nothing."""\n'
        "from __future__ import annotations\n\n\n"
        "def f(x: NoSuchType) -> int:  # noqa: F821\n"
        '    """Doubles."""\n'
        "    return 2 * x\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    monkeypatch.delitem(sys.modules, "broken_docs", raising=False)
    problems = _builder().build(tmp_path / "out", ("broken_docs",))
    assert any("NoSuchType" in p for p in problems), problems
