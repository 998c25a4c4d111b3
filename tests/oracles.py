"""Test oracles that never use the engine: sympy's exact derivatives and central differences.

Each op written in sympy lives in the per-op test table, :mod:`tests.op_table`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import sympy as sp


def exact_gradient(
    builder: Callable[..., Any], param: float | None, point: Sequence[float], digits: int = 40
) -> list[float]:
    """Exact partial derivatives of ``builder(param, *symbols)`` at ``point``, as floats."""
    symbols = sp.symbols(f"x0:{len(point)}", real=True)
    expr = builder(param, *symbols)
    subs = {s: sp.Float(repr(v), digits) for s, v in zip(symbols, point, strict=True)}
    return [real_number(sp.diff(expr, s), subs, digits) for s in symbols]


def real_number(expr: Any, subs: dict[Any, Any], digits: int = 40) -> float:
    """``expr`` at ``subs`` as a float; NaN where it is not a finite real (zoo, complex, nan,
    or an evaluation that divides by zero)."""
    try:
        value = expr.evalf(digits, subs=subs)
    except (ZeroDivisionError, ValueError, TypeError):
        return math.nan
    if value.is_real and value.is_finite:
        return float(value)
    return math.nan


def central_difference(
    f: Callable[..., float],
    point: Sequence[float],
    index: int,
    rel_step: float = 1e-6,
    min_step: float = 0.0,
) -> float:
    """(f(x + h e_i) - f(x - h e_i)) / 2h with a step scaled to the coordinate.

    ``min_step`` bounds h from below, for functions that are smooth through 0, where a step
    relative to a tiny coordinate would be lost in rounding.
    """
    x = list(point)
    # A step relative to the coordinate keeps x - h inside the domain near a boundary
    # (log near 0) and above rounding for large coordinates.
    h = max(rel_step * (abs(x[index]) if x[index] != 0 else 1e-3), min_step)
    up = list(x)
    up[index] += h
    down = list(x)
    down[index] -= h
    return (f(*up) - f(*down)) / (2 * h)


def close(actual: float, expected: float, rel: float, abs_: float = 0.0) -> bool:
    """|actual - expected| <= rel * |expected| + abs_, with NaN/inf compared exactly."""
    if math.isnan(expected) or math.isinf(expected):
        return actual == expected or (math.isnan(actual) and math.isnan(expected))
    return abs(actual - expected) <= rel * abs(expected) + abs_
