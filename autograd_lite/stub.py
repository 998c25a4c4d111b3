"""Writes ``__init__.pyi``, the types of the public names, from the table in ``__init__.py``.

The package's names load on first use, so a type checker reading ``__init__.py`` cannot see
them; ``__init__.pyi`` declares each row of the table as the import it stands for. Run
``python -m autograd_lite.stub`` after adding a row; ``tests/test_public_names.py`` fails,
naming this command, while the file is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

import autograd_lite

__all__ = ["STUB_PATH", "declarations", "write_declarations"]

STUB_PATH = Path(autograd_lite.__file__).with_name("__init__.pyi")
"""Where the generated declarations live."""

# A comment, not a docstring: the API reference would show a stub's docstring as the
# package's.
_HEADER = """\
# Generated from the table in __init__.py by `python -m autograd_lite.stub`: do not edit.
# ruff: noqa: F403, I001, RUF022  (the imports and __all__ follow the table)

from .core.op_names import *

{imports}

__version__: str
_PLACES: dict[str, str]  # the table's rows, flattened: name -> where it lives

__all__ = [
{exports}
]
"""


def _import_line(name: str, place: str) -> str:
    package, _, last = place.rpartition(".")
    if last == name:  # a module row: the module itself
        return f"from .{package} import {name} as {name}"
    return f"from .{place} import {name} as {name}"


def declarations() -> str:
    """The text of ``__init__.pyi`` for the table as it is now."""
    places = autograd_lite._PLACES
    imports = "\n".join(sorted(_import_line(name, place) for name, place in places.items()))
    exports = "\n".join(f'    "{name}",' for name in autograd_lite.__all__)
    return _HEADER.format(imports=imports, exports=exports)


def write_declarations(path: Path = STUB_PATH) -> bool:
    """Rewrite the declarations file from the table; True if its text changed."""
    text = declarations()
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True


if __name__ == "__main__":
    changed = write_declarations()
    print(f"{STUB_PATH}: {'rewritten' if changed else 'already up to date'}")
    sys.exit(0)
