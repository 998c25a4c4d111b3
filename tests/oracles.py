"""Test oracles that never use the engine: sympy's exact derivatives and central differences.

``SYMPY_RULES`` gives, for every rule name in ``autograd_lite.rules.RULES``, the same function
written in sympy, so tests can loop over the rule table and fail for a rule with no oracle.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import sympy as sp


def _sigmoid(x: Any) -> Any:
    return 1 / (1 + sp.exp(-x))


def _dot(*wx: Any) -> Any:
    n = len(wx) // 2
    return sp.Add(*[w * x for w, x in zip(wx[:n], wx[n:], strict=True)])


def _linear(*wxb: Any) -> Any:
    return _dot(*wxb[:-1]) + wxb[-1]


# name -> (sympy builder taking (param, *symbols))
SYMPY_RULES: dict[str, Callable[..., Any]] = {
    "add": lambda p, a, b: a + b,
    "sub": lambda p, a, b: a - b,
    "mul": lambda p, a, b: a * b,
    "div": lambda p, a, b: a / b,
    "neg": lambda p, a: -a,
    "pow": lambda p, x: x ** sp.nsimplify(p),
    "rpow": lambda p, x: sp.nsimplify(p) ** x,
    "vpow": lambda p, a, b: a**b,
    "exp": lambda p, x: sp.exp(x),
    "log": lambda p, x: sp.log(x),
    "tanh": lambda p, x: sp.tanh(x),
    "sigmoid": lambda p, x: _sigmoid(x),
    "relu": lambda p, x: sp.Max(0, x),
    "abs": lambda p, x: sp.Abs(x),
    "sin": lambda p, x: sp.sin(x),
    "cos": lambda p, x: sp.cos(x),
    "sum": lambda p, *xs: sp.Add(*xs),
    "dot": lambda p, *wx: _dot(*wx),
    "linear": lambda p, *wxb: _linear(*wxb),
}


def exact_gradient(
    builder: Callable[..., Any], param: float | None, point: Sequence[float], digits: int = 40
) -> list[float]:
    """Exact partial derivatives of ``builder(param, *symbols)`` at ``point``, as floats."""
    symbols = sp.symbols(f"x0:{len(point)}", real=True)
    expr = builder(param, *symbols)
    subs = {s: sp.Float(repr(v), digits) for s, v in zip(symbols, point, strict=True)}
    return [float(sp.diff(expr, s).evalf(digits, subs=subs)) for s in symbols]


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
