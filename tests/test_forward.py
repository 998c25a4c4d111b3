"""forward: dual numbers through the rule table, against sympy and against reverse mode."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as al
from autograd_lite import Value
from autograd_lite.core import apply
from autograd_lite.core import rules as R
from autograd_lite.core.forward import (
    Dual,
    apply_rule,
    hessian_forward_over_reverse,
    jacfwd,
    jvp,
)

# Each unary rule on a point inside its domain, with sympy's version of the function.
_UNARY: dict[str, tuple[Callable[[Any], Any], float]] = {
    "exp": (sp.exp, 0.7),
    "log": (sp.log, 1.9),
    "tanh": (sp.tanh, -0.4),
    "sigmoid": (lambda x: 1 / (1 + sp.exp(-x)), 0.3),
    "relu": (lambda x: x, 1.3),  # right of the kink
    "abs": (lambda x: -x, -2.1),  # left of the kink
    "sin": (sp.sin, 0.9),
    "cos": (sp.cos, 0.9),
    "neg": (lambda x: -x, 0.5),
}


@pytest.mark.parametrize("name", sorted(_UNARY))
def test_every_unary_rule_against_sympy(name: str) -> None:
    fn, at = _UNARY[name]
    x = sp.Symbol("x")
    want = float(sp.diff(fn(x), x).subs(x, at))
    out = apply_rule(R.RULES[name], (Dual(at, 1.0),))
    assert out.primal == pytest.approx(float(fn(x).subs(x, at)), rel=1e-12)
    assert out.tangent == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "vpow"])
def test_every_binary_rule_against_sympy(name: str) -> None:
    a, b = sp.symbols("a b")
    exprs = {"add": a + b, "sub": a - b, "mul": a * b, "div": a / b, "vpow": a**b}
    at = {a: 1.7, b: -0.6}
    for ta, tb in ((1.0, 0.0), (0.0, 1.0), (0.3, -2.0)):
        out = apply_rule(R.RULES[name], (Dual(1.7, ta), Dual(-0.6, tb)))
        want = float((sp.diff(exprs[name], a) * ta + sp.diff(exprs[name], b) * tb).subs(at))
        assert out.tangent == pytest.approx(want, rel=1e-12, abs=1e-15)


def test_parametrised_and_n_ary_rules() -> None:
    x = Dual(1.5, 1.0)
    assert (x**3).tangent == pytest.approx(3 * 1.5**2, rel=1e-12)
    assert (2.0**x).tangent == pytest.approx(2.0**1.5 * math.log(2.0), rel=1e-12)
    assert x.sqrt().tangent == pytest.approx(0.5 / math.sqrt(1.5), rel=1e-12)
    w = [Dual(0.5, 1.0), Dual(-1.0, 0.0)]
    xs = [Dual(2.0, 0.0), Dual(3.0, 1.0)]
    out = apply_rule(R.LINEAR, (*w, *xs, 0.25))
    assert out.primal == pytest.approx(-1.75) and out.tangent == pytest.approx(2.0 - 1.0)


def _f(x: Any, y: Any) -> Any:
    return (x * y).tanh() * x.exp() + x**3 * y / (1 + y * y) + x.sigmoid() * y.sin() - 2**x


@settings(max_examples=40, deadline=None)
@given(
    st.floats(-2.0, 2.0),
    st.floats(-2.0, 2.0),
    st.floats(-1.0, 1.0),
    st.floats(-1.0, 1.0),
)
def test_jvp_agrees_with_reverse_mode(x: float, y: float, tx: float, ty: float) -> None:
    value, tangent = jvp(_f, (x, y), (tx, ty))
    gx, gy = al.grad(_f, argnums=(0, 1))(x, y)
    assert value == pytest.approx(_f(Value(x), Value(y)).data, rel=1e-12, abs=1e-12)
    assert tangent == pytest.approx(gx * tx + gy * ty, rel=1e-9, abs=1e-12)


def test_jvp_structures_and_errors() -> None:
    value, tangent = jvp(lambda v: [v[0] * v[1], v[0].exp()], ([1.0, 2.0],), ([1.0, 0.0],))
    assert value == [2.0, math.e] and tangent == [2.0, math.e]
    arr = np.array([[1.0, 2.0], [3.0, 4.0]])
    value, tangent = jvp(lambda a: a * a, (arr,), (np.ones((2, 2)),))
    assert np.array_equal(value, arr * arr) and np.array_equal(tangent, 2 * arr)
    assert jvp(lambda d: d["a"] * 3.0, ({"a": 2.0},), ({"a": 1.0},)) == (6.0, 3.0)
    assert jvp(al.exp, (0.0,), (2.0,)) == (1.0, 2.0)  # free functions take duals too
    with pytest.raises(ValueError, match="2 primals but 1 tangents"):
        jvp(_f, (1.0, 2.0), (1.0,))
    with pytest.raises(TypeError, match="primals must be real numbers"):
        jvp(_f, ("a", 2.0), (1.0, 0.0))
    with pytest.raises(TypeError, match="would drop its derivative"):
        jvp(lambda x: math.exp(x), (1.0,), (1.0,))
    with pytest.raises(al.DomainError, match="log"):
        jvp(lambda x: x.log(), (-1.0,), (1.0,))


def test_jacfwd_and_jacobian_agree_with_sympy() -> None:
    a, b, c = sp.symbols("a b c")
    exprs = [a * b * c, sp.sin(a) + b**2, sp.exp(c) / (1 + a * a)]
    at = {a: 0.4, b: -1.1, c: 0.8}
    want = np.array([[float(sp.diff(e, s).subs(at)) for s in (a, b, c)] for e in exprs])

    def f(v: Any) -> list[Any]:
        return [v[0] * v[1] * v[2], v[0].sin() + v[1] ** 2, v[2].exp() / (1 + v[0] * v[0])]

    point = [0.4, -1.1, 0.8]
    assert np.allclose(jacfwd(f)(point), want, rtol=1e-12)
    assert np.allclose(al.jacobian(f)(point), want, rtol=1e-12)
    assert np.allclose(al.jacfwd(f)(np.array(point)), want, rtol=1e-12)
    assert jacfwd(lambda x: x * x)(3.0) == 6.0
    assert al.jacobian(lambda x: x * x)(3.0) == 6.0
    assert al.jacobian(lambda v: v[0] * v[1])([2.0, 5.0]).shape == (2,)


def test_hessian_forward_over_reverse_matches_sympy_and_reverse_over_reverse() -> None:
    x, y = sp.symbols("x y")
    expr = sp.tanh(x * y) * sp.exp(x) + x**3 * y / (1 + y * y) - 2**x
    at = {x: 0.3, y: -1.2}
    want = np.array([[float(sp.diff(expr, p, q).subs(at)) for q in (x, y)] for p in (x, y)])

    def f(a: Any, b: Any) -> Any:
        return (a * b).tanh() * a.exp() + a**3 * b / (1 + b * b) - 2**a

    floats = al.hessian(f, argnums=(0, 1))(0.3, -1.2)  # forward-over-reverse
    assert floats.dtype == np.float64 and np.allclose(floats, want, rtol=1e-10)
    nodes = al.hessian(f, argnums=(0, 1))(Value(0.3), Value(-1.2))  # reverse-over-reverse
    assert np.allclose(np.vectorize(lambda v: v.data)(nodes), want, rtol=1e-10)
    a, b = Value(0.3), Value(-1.2)
    direct = hessian_forward_over_reverse(f(a, b), [a, b, Value(5.0)])  # an unused input: 0
    assert np.allclose(direct[:2, :2], want, rtol=1e-10) and not direct[2].any()


@pytest.mark.parametrize("name", sorted(R.RULES))
def test_every_rule_of_the_table_forward_and_forward_over_reverse_against_sympy(
    name: str,
) -> None:
    from .op_table import OPS

    rule = R.RULES[name]
    case = OPS[name]
    point = case.typical
    bound = rule.with_param(case.params[0]) if rule.parametrised else rule
    param = case.params[0] if rule.parametrised else None
    symbols = sp.symbols(f"x0:{len(point)}", real=True)
    builder = case.sympy
    if case.pieces is not None:  # sympy leaves higher derivatives at a kink unevaluated
        builder = case.pieces[0 if point[0] < rule.kinks[0] else 1]
    expr = builder(param, *symbols)
    at = dict(zip(symbols, point, strict=True))
    direction = [0.5 + 0.25 * i for i in range(len(point))]
    out = apply_rule(bound, [Dual(p, t) for p, t in zip(point, direction, strict=True)])
    want = sum(
        float(sp.diff(expr, s).subs(at)) * t for s, t in zip(symbols, direction, strict=True)
    )
    assert out.tangent == pytest.approx(want, rel=1e-9, abs=1e-12)
    leaves = [Value(p) for p in point]
    node = apply(bound, leaves)
    hessian = hessian_forward_over_reverse(node, leaves)
    exact = [[float(sp.diff(expr, a, b).subs(at)) for b in symbols] for a in symbols]
    assert np.allclose(hessian, exact, rtol=1e-9, atol=1e-12)
