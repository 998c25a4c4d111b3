"""Compiling: a traced function becomes straight-line Python or fused numpy code."""

from __future__ import annotations

from .compiler import CompiledFunction
from .compiler import compile as compile

# compile is importable by name but out of __all__, so `import *` keeps the builtin.
__all__ = ["CompiledFunction"]
