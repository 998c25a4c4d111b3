"""The per-op test table: one row per rule of ``autograd_lite.rules.RULES``.

Every per-op test loops over :data:`OPS` (rules against sympy and central differences, the
``Value`` method, the ``autograd_lite`` functions, the numpy ufunc on arrays of Values, compile
in scalar and batched mode, drawings, explain, the formula CLI, random programs to third
order). Adding an op to the package is one rule entry plus one row here; a rule without a row
fails ``test_every_rule_has_a_row``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy as sp

Builder = Callable[..., Any]
"""``builder(param, *symbols)``: the op written in sympy (param is None unless parametrised)."""


@dataclass(frozen=True)
class OpCase:
    """What the tests need to know about one op.

    Attributes:
        sympy: the op in sympy, the oracle for forward values and exact derivatives.
        points: edge points: inside the domain on both sides of every branch, at kinks, at
            and beyond the domain's edges (a point whose forward raises DomainError is checked
            to raise it everywhere), large and tiny magnitudes, NaN.
        typical: one point well inside the domain and away from kinks.
        params: the constants a parametrised rule is tested with.
        domain: where random inputs are drawn, as ``(low, high)``, for every input.
        pieces: for an op with kinks, the sympy expressions left and right of the kink
            (sympy leaves higher derivatives of ``Abs``/``Max`` unevaluated).
        singular: inputs that random programs keep at least 0.2 away from 0 (None: all).
    """

    sympy: Builder
    points: tuple[tuple[float, ...], ...]
    typical: tuple[float, ...]
    params: tuple[float, ...] = ()
    domain: tuple[float, float] = (-2.0, 2.0)
    pieces: tuple[Builder, Builder] | None = None
    singular: tuple[int, ...] | None = ()


def _sigmoid(x: Any) -> Any:
    return 1 / (1 + sp.exp(-x))


def _dot(*wx: Any) -> Any:
    n = len(wx) // 2
    return sp.Add(*[w * x for w, x in zip(wx[:n], wx[n:], strict=True)])


NAN = float("nan")

OPS: dict[str, OpCase] = {
    "add": OpCase(
        lambda p, a, b: a + b,
        ((1.5, -2.0), (0.0, 0.0), (10.0, 0.25), (0.0, 3.25), (1e300, 1e300)),
        (0.7, -1.3),
    ),
    "sub": OpCase(lambda p, a, b: a - b, ((1.5, -2.0), (-3.0, 7.25)), (0.7, -1.3)),
    "mul": OpCase(lambda p, a, b: a * b, ((1.5, -2.0), (0.0, 4.0), (-1e-5, 1e5)), (0.7, -1.3)),
    "div": OpCase(
        lambda p, a, b: a / b,
        ((1.5, -2.0), (3.0, 1e-4), (-7.0, 3.0), (1.0, 0.0)),
        (0.7, -1.3),
        singular=(1,),
    ),
    "neg": OpCase(lambda p, a: -a, ((2.5,), (0.0,), (-1.0,)), (0.7,)),
    "pow": OpCase(
        lambda p, x: x ** sp.nsimplify(p),
        ((3.0,), (-3.0,), (0.25,), (0.0,), (2.0,), (-1.5,), (4.0,), (1e-3,), (-2.0,)),
        (0.7,),
        params=(2.0, 3.0, 0.5, -1.0, -2.0, 0.0, 1.0, 2.5),
        domain=(0.2, 2.0),
        singular=None,
    ),
    "rpow": OpCase(
        lambda p, x: sp.nsimplify(p) ** x,
        ((3.0,), (-1.25,), (0.0,), (0.5,), (0.3,)),
        (0.7,),
        params=(2.0, 0.5, 10.0, 3.0, -2.0),
    ),
    "vpow": OpCase(
        lambda p, a, b: a**b,
        ((2.0, 3.0), (0.5, -1.5), (3.0, 0.0), (0.0, 2.0), (-2.0, 3.0), (-8.0, 0.5)),
        (0.7, 1.3),
        domain=(0.2, 2.0),
        singular=(0,),
    ),
    "exp": OpCase(lambda p, x: sp.exp(x), ((0.0,), (-3.0,), (700.0,), (-700.0,), (710.0,)), (0.7,)),
    "log": OpCase(
        lambda p, x: sp.log(x),
        ((1.0,), (1e-8,), (1e-300,), (1e10,), (NAN,), (0.0,), (-1.0,)),
        (0.7,),
        domain=(0.2, 2.0),
        singular=None,
    ),
    "tanh": OpCase(lambda p, x: sp.tanh(x), ((0.3,), (-2.0,), (50.0,), (-50.0,), (0.0,)), (0.7,)),
    "sigmoid": OpCase(
        lambda p, x: _sigmoid(x), ((0.3,), (-30.0,), (30.0,), (-700.0,), (0.0,)), (0.7,)
    ),
    "relu": OpCase(
        lambda p, x: sp.Max(0, x),
        ((0.7,), (-0.7,), (0.0,), (NAN,)),
        (0.7,),
        pieces=(lambda p, x: sp.Integer(0), lambda p, x: x),
        singular=None,
    ),
    "abs": OpCase(
        lambda p, x: sp.Abs(x),
        ((0.7,), (-0.7,), (0.0,)),
        (-0.6,),
        pieces=(lambda p, x: -x, lambda p, x: x),
        singular=None,
    ),
    "sin": OpCase(lambda p, x: sp.sin(x), ((0.0,), (2.0,), (-10.0,)), (0.7,)),
    "cos": OpCase(lambda p, x: sp.cos(x), ((0.0,), (2.0,), (-10.0,)), (0.7,)),
    "sqrt": OpCase(
        lambda p, x: sp.sqrt(x),
        ((4.0,), (1e-6,), (2.0,), (1e300,), (0.0,), (-1.0,)),
        (0.7,),
        domain=(0.2, 2.0),
        singular=None,
    ),
    "softplus": OpCase(
        lambda p, x: sp.log(1 + sp.exp(x)),
        ((0.0,), (2.0,), (-2.0,), (30.0,), (-30.0,), (800.0,), (-800.0,), (NAN,)),
        (0.7,),
    ),
    "log1p": OpCase(
        lambda p, x: sp.log(1 + x),
        ((0.0,), (1e-10,), (-1e-10,), (-0.5,), (3.0,), (1e10,), (-1.0,), (-2.0,), (NAN,)),
        (0.7,),
        domain=(-0.8, 2.0),
    ),
    "expm1": OpCase(
        lambda p, x: sp.exp(x) - 1,
        ((0.0,), (1e-10,), (-1e-10,), (1.0,), (-30.0,), (700.0,), (710.0,)),
        (0.7,),
    ),
    "exp2": OpCase(
        lambda p, x: sp.Integer(2) ** x,
        ((0.0,), (0.5,), (-3.0,), (10.0,), (1023.5,), (1024.0,), (-1075.0,)),
        (0.7,),
    ),
    "log2": OpCase(
        lambda p, x: sp.log(x, 2),
        ((1.0,), (8.0,), (0.3,), (1e-300,), (0.0,), (-1.0,), (NAN,)),
        (0.7,),
        domain=(0.2, 2.0),
        singular=None,
    ),
    "log10": OpCase(
        lambda p, x: sp.log(x, 10),
        ((1.0,), (1000.0,), (0.3,), (1e-300,), (0.0,), (-1.0,), (NAN,)),
        (0.7,),
        domain=(0.2, 2.0),
        singular=None,
    ),
    "sinh": OpCase(
        lambda p, x: sp.sinh(x),
        ((0.0,), (1e-3,), (0.5,), (-2.0,), (700.0,), (-700.0,), (711.0,)),
        (0.7,),
    ),
    "cosh": OpCase(
        lambda p, x: sp.cosh(x),
        ((0.0,), (1e-3,), (0.5,), (-2.0,), (700.0,), (-700.0,), (-711.0,)),
        (0.7,),
    ),
    "arctan": OpCase(
        lambda p, x: sp.atan(x), ((0.0,), (1.0,), (-3.0,), (1e10,), (-1e300,)), (0.7,)
    ),
    "square": OpCase(lambda p, x: x**2, ((3.0,), (-1.5,), (0.0,), (1e150,)), (0.7,)),
    "reciprocal": OpCase(
        lambda p, x: 1 / x,
        ((2.0,), (-0.5,), (1e-300,), (0.0,), (NAN,)),
        (0.7,),
        domain=(0.2, 2.0),
        singular=None,
    ),
    "conjugate": OpCase(lambda p, x: sp.conjugate(x), ((1.5,), (-2.0,), (0.0,), (NAN,)), (0.7,)),
    "real": OpCase(lambda p, x: sp.re(x), ((1.5,), (-2.0,), (0.0,), (NAN,)), (0.7,)),
    "sum": OpCase(
        lambda p, *xs: sp.Add(*xs),
        ((1.0,), (1.0, -2.0, 3.5), (0.5, 0.25, -4.0, 8.0, 1e-3)),
        (0.7, -1.3, 2.1),
    ),
    "dot": OpCase(
        lambda p, *wx: _dot(*wx),
        ((1.0, 2.0), (1.0, -2.0, 0.5, 3.0, 4.0, -1.0)),
        (0.7, -1.3, 2.1, 0.4),
    ),
    "linear": OpCase(
        lambda p, *wxb: _dot(*wxb[:-1]) + wxb[-1],
        ((1.0, 2.0, 0.5), (1.0, -2.0, 3.0, 4.0, 0.25)),
        (0.7, -1.3, 2.1, 0.4, 0.3),
    ),
    "logsumexp": OpCase(
        lambda p, *xs: sp.log(sp.Add(*[sp.exp(x) for x in xs])),
        ((1.0,), (1.0, -2.0, 3.5), (1000.0, -1000.0), (0.0, 0.0, 0.0, 0.0), (-800.0, -801.0)),
        (0.7, -1.3, 2.1),
    ),
}
"""Every op, by rule name."""


def bound_rules(name: str) -> list[Any]:
    """The rule of ``name``, bound to each of its test constants if it is parametrised."""
    from autograd_lite import rules

    rule = rules.RULES[name]
    if rule.parametrised:
        return [rule.with_param(p) for p in OPS[name].params]
    return [rule]


def arity_ok(name: str, point: tuple[float, ...]) -> bool:
    """Whether ``point`` has an input count the op accepts (dot takes pairs)."""
    return not (name == "dot" and len(point) % 2)
