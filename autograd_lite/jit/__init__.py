"""Compiling: a traced function becomes straight-line Python or fused numpy code."""

from __future__ import annotations

from .compiler import CompiledFunction, compile

__all__ = ["CompiledFunction", "compile"]
