"""Writes ``op_names.pyi``, the typed declarations of the methods and functions made from the rules.

Run ``python -m autograd_lite.core.op_stubs`` after adding a rule that names a method or a
function; ``tests/test_op_stubs.py`` fails, naming this command, while the file is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import rules as R

__all__ = ["STUB_PATH", "declarations", "write_declarations"]

STUB_PATH = Path(__file__).with_name("op_names.pyi")
"""Where the generated declarations live."""

_HEADER = '''\
"""Generated from the rule table by ``python -m autograd_lite.core.op_stubs``: do not edit."""

from typing import overload

from .value import Value

__all__ = [
{exports}
]

class OpMethods:
{methods}
'''


def _method_lines(rule: R.Rule) -> list[str]:
    assert rule.method is not None
    if rule.attribute:
        return ["    @property", f"    def {rule.method}(self) -> Value: ..."]
    return [f"    def {rule.method}(self) -> Value: ..."]


def _function_lines(name: str) -> list[str]:
    return [
        "",
        "@overload",
        f"def {name}(x: Value, /) -> Value: ...",
        "@overload",
        f"def {name}(x: int | float, /) -> float: ...",
    ]


def declarations() -> str:
    """The text of ``op_names.pyi`` for the rule table as it is now."""
    methods: list[str] = []
    functions: list[str] = []
    names: list[str] = []
    for rule in sorted(R.RULES.values(), key=lambda r: r.name):
        if rule.method is not None:
            methods += _method_lines(rule)
        for name in rule.functions:
            names.append(name)
            functions += _function_lines(name)
    exports = "\n".join(f'    "{name}",' for name in sorted(names))
    text = _HEADER.format(exports=exports, methods="\n".join(methods) or "    ...")
    return text + "\n".join(functions) + "\n"


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
