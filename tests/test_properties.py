"""Property tests: random expression DAGs, every leaf gradient against sympy's exact derivative.

Each example builds the same random DAG twice, once from Values and once from sympy symbols,
choosing every op of the rule table and reusing earlier subexpressions. Where the function is
smooth at the point (no relu/abs input at its kink), every leaf gradient must match sympy.
"""

from __future__ import annotations

import math
from typing import Any

import sympy as sp
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import autograd_lite as al
from autograd_lite import DomainError, Value, rules
from autograd_lite.core.value import apply

from .op_table import OPS as TABLE

OPS = sorted(rules.RULES)


@st.composite
def dags(draw: st.DrawFn) -> tuple[list[Value], list[Any], Value, Any, list[float], bool]:
    n_leaves = draw(st.integers(1, 4))
    points = [draw(st.floats(0.1, 2.5) | st.floats(-2.5, -0.1)) for _ in range(n_leaves)]
    symbols = list(sp.symbols(f"x0:{n_leaves}", real=True))
    leaves = [Value(p, label=f"x{i}") for i, p in enumerate(points)]
    nodes: list[Value] = list(leaves)
    exprs: list[Any] = list(symbols)
    smooth = True
    for _ in range(draw(st.integers(4, 16))):
        name = draw(st.sampled_from(OPS))
        rule = rules.RULES[name]
        param: float | None = None
        if rule.parametrised:
            param = draw(st.sampled_from(TABLE[name].params))
            rule = rule.with_param(param)
        arity = rule.arity or draw(st.sampled_from([2, 4] if name == "dot" else [1, 2, 3]))
        if name == "linear":
            arity = draw(st.sampled_from([3, 5]))
        picks = [draw(st.integers(0, len(nodes) - 1)) for _ in range(arity)]
        inputs = [nodes[i] for i in picks]
        if name == "vpow" and inputs[0].data <= 0:
            continue  # d/db a**b needs log(a): not real for a <= 0
        try:
            node = apply(rule, inputs)
        except DomainError:
            continue
        if not math.isfinite(node.data) or abs(node.data) > 1e4:
            continue
        local = rule.local_grads(rules.FLOAT_MATH, node.data, *[i.data for i in inputs])
        if not all(math.isfinite(d) for d in local):
            continue  # not differentiable here: (-2) ** x, 0 ** x
        if rule.kinks and min(abs(inputs[0].data - k) for k in rule.kinks) < 1e-9:
            smooth = False
        if name == "pow" and param is not None and param < 1 and abs(inputs[0].data) < 1e-9:
            smooth = False  # x ** 0.5 has an infinite slope at 0
        nodes.append(node)
        exprs.append(TABLE[name].sympy(param, *[exprs[i] for i in picks]))
    # Sum the last few nodes so earlier branches matter too.
    tail = list(range(max(n_leaves, len(nodes) - 3), len(nodes))) or [len(nodes) - 1]
    out = al.sum_values([nodes[i] for i in tail])
    out_expr = sp.Add(*[exprs[i] for i in tail])
    return leaves, symbols, out, out_expr, points, smooth


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dags())
def test_random_dag_gradients_match_sympy(
    case: tuple[list[Value], list[Any], Value, Any, list[float], bool],
) -> None:
    leaves, symbols, out, out_expr, points, smooth = case
    assume(smooth)
    event(f"nodes: {len(al.topological_order(out)) // 5 * 5}+")
    out.backward()
    subs = {s: sp.Float(repr(p), 40) for s, p in zip(symbols, points, strict=True)}
    for leaf, symbol in zip(leaves, symbols, strict=True):
        exact = float(sp.diff(out_expr, symbol).evalf(40, subs=subs))
        # Relative 1e-9; an absolute floor of 1e-9 times the output's scale covers exact
        # zeros produced by cancellation.
        scale = max(1.0, abs(out.data))
        assert abs(leaf.grad - exact) <= 1e-9 * abs(exact) + 1e-12 * scale, (
            leaf.label,
            leaf.grad,
            exact,
            out_expr,
        )
