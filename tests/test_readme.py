"""The README's Python examples run as printed (each block on its own, in a scratch folder)."""

from __future__ import annotations

import linecache
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_the_readme_has_examples() -> None:
    assert len(BLOCKS) >= 4


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AUTOGRAD_LITE_RENDERER", "wasm")
    namespace: dict[str, object] = {"__name__": "__readme__"}
    # Registered in linecache as IPython does for a cell, so inspect can read the source of
    # the functions a block defines (check_gradients looks for their variables there).
    filename = f"<README block {index}>"
    source = BLOCKS[index]
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)
