"""jit.symbolic: expressions, the forward templates and derivatives derived from the rules.

The derived expressions are evaluated here by a small interpreter of the expression tree
(not by the code writer) and compared with sympy's exact derivatives from the per-op table.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

import pytest
import sympy as sp

from autograd_lite import rules
from autograd_lite.jit.symbolic import (
    FORWARD_TEMPLATES,
    BinOp,
    Call,
    Compare,
    Const,
    Expr,
    Neg,
    Select,
    Var,
    as_expr,
    call,
    forward_expr,
    gate,
    has_inactive_branch,
    local_grad_exprs,
    placeholders,
    total,
)

from .op_table import OPS, bound_rules
from .oracles import real_number

_BINARY: dict[str, Callable[[float, float], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_CALLS: dict[str, Callable[..., float]] = {
    "m.exp": math.exp,
    "m.log": math.log,
    "m.pow": math.pow,
    "m.sin": math.sin,
    "m.cos": math.cos,
    "pow": math.pow,
}


def evaluate(e: Expr, env: dict[str, float]) -> Any:
    """The value of an expression tree, walked directly (the writer is not involved)."""
    if isinstance(e, Var):
        return env[e.name]
    if isinstance(e, Const):
        return e.value
    if isinstance(e, BinOp | Compare):
        return _BINARY[e.op](evaluate(e.left, env), evaluate(e.right, env))
    if isinstance(e, Neg):
        return -evaluate(e.operand, env)
    if isinstance(e, Select):
        return evaluate(e.then if evaluate(e.test, env) else e.otherwise, env)
    if isinstance(e, Call):
        args = [evaluate(a, env) for a in e.args]
        fn = _CALLS.get(e.fn) or rules.RULES[e.fn].forward
        return fn(*args)
    raise TypeError(e)


# ------------------------------------------------------------------ expressions


def test_operators_build_trees_and_numbers_become_constants() -> None:
    x, y = Var("x0"), Var("x1")
    e = 2 * x + y / 4 - (-x)
    assert isinstance(e, BinOp) and e.op == "-"
    assert evaluate(e, {"x0": 3.0, "x1": 8.0}) == 2 * 3.0 + 8.0 / 4 + 3.0
    assert isinstance(1 - x, BinOp) and isinstance((1 - x).left, Const)
    assert evaluate(1 / x, {"x0": 4.0}) == 0.25
    assert isinstance(x < 1, Compare) and (x >= y).op == ">="


def test_a_python_decision_on_an_expression_is_refused() -> None:
    x = Var("x0")
    with pytest.raises(TypeError, match="non-comparison expression"):
        bool(x + 1)
    with pytest.raises(TypeError, match="outside a branch exploration"):
        bool(x > 0)


@pytest.mark.parametrize("bad", [True, "1", None, 1 + 2j])
def test_only_real_numbers_become_constants(bad: object) -> None:
    with pytest.raises(TypeError, match="cannot put"):
        as_expr(bad)
    assert as_expr(3).value == 3.0 and as_expr(rules.INACTIVE).inactive  # type: ignore[attr-defined]


def test_total_adds_left_to_right_and_placeholders_finds_the_names() -> None:
    a, b, c = Var("a"), Var("b"), Var("c")
    s = total([a, b, c])
    assert isinstance(s, BinOp) and isinstance(s.left, BinOp) and s.right is c  # (a + b) + c
    e = Select(a > 0, call("m.exp", b), -c * 2)
    assert placeholders(e) == {"a", "b", "c"}
    assert placeholders(Const(1.0)) == set()


def test_gate_distributes_over_branches_and_blocks_inactive_ones() -> None:
    g, x = Var("grad"), Var("x0")
    assert gate(g, Const(1.0)) is g
    assert gate(g, Const(0.0, inactive=True)).value == 0.0  # type: ignore[attr-defined]
    gated = gate(g, Select(x > 0, Const(1.0), Const(0.0, inactive=True)))
    assert isinstance(gated, Select) and gated.then is g
    assert evaluate(gated, {"grad": 5.0, "x0": -1.0}) == 0.0
    assert has_inactive_branch(Select(x > 0, Const(1.0), Const(0.0, inactive=True)))
    assert not has_inactive_branch(Select(x > 0, Const(1.0), Const(0.0)))


# ------------------------------------------------------------------ forward expressions


def _defined(rule: rules.Rule, point: tuple[float, ...]) -> bool:
    try:
        return math.isfinite(rule.forward(*point))
    except (ArithmeticError, ValueError):  # DomainError: (-2) ** 0.7 has no real value
        return False


@pytest.mark.parametrize("name", sorted(rules.RULES))
def test_forward_expressions_compute_the_rules_forward(name: str) -> None:
    point = OPS[name].typical
    for rule in [r for r in bound_rules(name) if _defined(r, point)]:
        e = forward_expr(rule, [Var(f"x{k}") for k in range(len(point))])
        assert (name in FORWARD_TEMPLATES) == (not isinstance(e, Call) or e.fn == "pow")
        got = evaluate(e, {f"x{k}": v for k, v in enumerate(point)})
        assert math.isclose(got, rule.forward(*point), rel_tol=1e-15), (rule, point)


def test_a_rule_without_template_or_numpy_forward_is_named() -> None:
    rule = rules.Rule("frob", "f", lambda x: x, lambda m, out, x: (1.0,), 1)
    with pytest.raises(KeyError, match="op 'frob' has no numpy forward"):
        forward_expr(rule, [Var("x0")])


# ------------------------------------------------------------------ derivatives


def _derivative_cases() -> list[tuple[rules.Rule, tuple[float, ...]]]:
    return [
        (rule, OPS[name].typical)
        for name in sorted(rules.RULES)
        for rule in bound_rules(name)
        if _defined(rule, OPS[name].typical)
    ]


@pytest.mark.parametrize(("rule", "point"), _derivative_cases(), ids=repr)
def test_derived_derivatives_are_sympys(rule: rules.Rule, point: tuple[float, ...]) -> None:
    grads = local_grad_exprs(rule, len(point))
    assert len(grads) == len(point)
    env = {f"x{k}": v for k, v in enumerate(point)}
    env["out"] = rule.forward(*point)
    symbols = sp.symbols(f"x0:{len(point)}", real=True)
    expr = OPS[rule.name].sympy(rule.param, *symbols)
    subs = {s: sp.Float(repr(v), 40) for s, v in zip(symbols, point, strict=True)}
    for k, g in enumerate(grads):
        assert placeholders(g) <= set(env)
        exact = real_number(sp.diff(expr, symbols[k]), subs)
        assert math.isclose(evaluate(g, env), exact, rel_tol=1e-12, abs_tol=1e-14), (rule, k)


def test_a_branching_rule_becomes_a_select_over_both_branches() -> None:
    (relu,) = local_grad_exprs(rules.RULES["relu"], 1)
    assert isinstance(relu, Select) and placeholders(relu) == {"x0"}
    assert evaluate(relu, {"x0": 2.0}) == 1.0 and evaluate(relu, {"x0": -2.0}) == 0.0


def test_derivations_are_cached_per_rule_parameter_and_arity() -> None:
    pow3 = rules.RULES["pow"].with_param(3.0)
    assert local_grad_exprs(pow3, 1) is local_grad_exprs(pow3, 1)
    three, two = local_grad_exprs(rules.RULES["sum"], 3), local_grad_exprs(rules.RULES["sum"], 2)
    assert (len(three), len(two)) == (3, 2)


def test_a_rule_that_decides_on_a_non_comparison_is_refused_with_its_name() -> None:
    def grads(m: Any, out: Any, x: Any) -> tuple[Any, ...]:
        return (1.0 if x else 0.0,)  # bool(x): not a comparison

    rule = rules.Rule("bad_branch", "b", lambda x: x, grads, 1)
    with pytest.raises(TypeError, match="derivatives of op 'bad_branch'"):
        local_grad_exprs(rule, 1)


def test_a_rule_returning_the_wrong_number_of_derivatives_is_refused() -> None:
    rule = rules.Rule("two_for_one", "t", lambda x: x, lambda m, out, x: (1.0, 2.0), 1)
    with pytest.raises(ValueError, match="returned 2 derivatives for 1 inputs"):
        local_grad_exprs(rule, 1)
