"""The code templates against the rule table, the expression printer, and name sanitising."""

from __future__ import annotations

import io
import keyword
import math
import operator
import threading
import tokenize
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite
from autograd_lite import rules
from autograd_lite.core.errors import DomainError
from autograd_lite.jit.symbolic import (
    FORWARD_TEMPLATES,
    BinOp,
    Const,
    Expr,
    Neg,
    Var,
    forward_expr,
    local_grad_exprs,
)
from autograd_lite.jit.writer import (
    NUMPY_NAMESPACE,
    RESERVED_NAMES,
    SCALAR_NAMESPACE,
    gated_product,
    render,
    safe_comment,
    sanitize,
)

from .op_table import OPS, arity_ok, bound_rules


def _rules() -> list[rules.Rule]:
    return [rule for name in sorted(rules.RULES) for rule in bound_rules(name)]


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def _evaluate(expr: Expr, env: dict[str, float], numpy: bool = False) -> Any:
    names = {f"v_{k}": v for k, v in env.items()}
    text = render(expr, {k: f"v_{k}" for k in env}, numpy=numpy)
    namespace = dict(NUMPY_NAMESPACE if numpy else SCALAR_NAMESPACE, np=np, **names)
    with np.errstate(all="ignore"):
        return eval(text, namespace)


def test_every_rule_has_a_template_or_a_numpy_forward() -> None:
    # An op is either arithmetic written with operators, or called by its name.
    for rule in rules.RULES.values():
        assert (rule.name in FORWARD_TEMPLATES) != (rule.numpy is not None), rule
        if rule.numpy is not None:
            assert SCALAR_NAMESPACE[rule.name] is rule.forward
            assert NUMPY_NAMESPACE[rule.name] is rule.numpy


def test_rule_without_numpy_forward_is_named() -> None:
    rule = rules.Rule("frobnicate", "f", lambda x: x, lambda m, out, x: (1.0,), 1)
    with pytest.raises(KeyError, match="frobnicate"):
        forward_expr(rule, [Var("x0")])


@pytest.mark.parametrize("rule", _rules(), ids=repr)
def test_templates_agree_with_the_rule_table_bit_for_bit(rule: rules.Rule) -> None:
    for point in OPS[rule.name].points:
        if not arity_ok(rule.name, point):
            continue
        try:
            expected = rule.forward(*point)
        except DomainError:
            continue
        arity = len(point)
        symbols = [Var(f"x{k}") for k in range(arity)]
        env = {f"x{k}": v for k, v in enumerate(point)}
        got = _evaluate(forward_expr(rule, symbols), env)
        assert _same(got, expected), (rule, point, got, expected)
        local = rule.local_grads(rules.FLOAT_MATH, expected, *point)
        derived = local_grad_exprs(rule, arity)
        env["out"] = expected
        for k, (d_expr, d) in enumerate(zip(derived, local, strict=True)):
            value = _evaluate(d_expr, env)
            assert _same(value, d), (rule, point, k, render(d_expr, {}), value, d)


@pytest.mark.parametrize("rule", _rules(), ids=repr)
def test_numpy_flavour_agrees_with_the_rule_table(rule: rules.Rule) -> None:
    points = [p for p in OPS[rule.name].points if arity_ok(rule.name, p)]
    for arity in sorted({len(p) for p in points}):
        rows = [p for p in points if len(p) == arity]
        valid = []
        for p in rows:
            try:
                valid.append((p, rule.forward(*p)))
            except DomainError:
                continue
        if not valid:
            continue
        columns = {f"x{k}": np.array([p[k] for p, _ in valid]) for k in range(arity)}
        symbols = [Var(f"x{k}") for k in range(arity)]
        out = _evaluate(forward_expr(rule, symbols, numpy=True), columns, numpy=True)
        for j, (_, expected) in enumerate(valid):
            assert math.isclose(out[j], expected, rel_tol=1e-13) or _same(out[j], expected)
        columns["out"] = np.array([e for _, e in valid])
        for k, d_expr in enumerate(local_grad_exprs(rule, arity)):
            d = np.broadcast_to(_evaluate(d_expr, columns, numpy=True), (len(valid),))
            for j, (p, expected) in enumerate(valid):
                want = rule.local_grads(rules.FLOAT_MATH, expected, *p)[k]
                assert math.isclose(d[j], want, rel_tol=1e-13) or _same(d[j], want), (
                    rule,
                    p,
                    k,
                    d[j],
                    want,
                )


def absolute_grad() -> Any:
    return local_grad_exprs(rules.RULES["abs"], 1)[0]


def test_branches_become_conditional_expressions() -> None:
    (relu,) = local_grad_exprs(rules.RULES["relu"], 1)
    assert render(relu, {"x0": "z"}) == "0.0 if z <= 0.0 else 1.0"
    assert render(relu, {"x0": "z"}, numpy=True) == "np.where(z <= 0.0, 0.0, 1.0)"
    # relu's 0.0 is the rules' INACTIVE: its product with the upstream gradient is a
    # selection, so inf or nan upstream gives 0.0 through a relu that is off.
    assert gated_product("d", relu, {"x0": "z"}, False) == "(0.0 if z <= 0.0 else d)"
    assert gated_product("d", relu, {"x0": "z"}, True) == "np.where(z <= 0.0, 0.0, d)"
    assert gated_product("d", absolute_grad(), {"x0": "z"}, False) is None
    (absolute,) = local_grad_exprs(rules.RULES["abs"], 1)
    assert render(absolute, {"x0": "z"}) == "1.0 if z > 0.0 else -1.0 if z < 0.0 else 0.0"
    forward = forward_expr(rules.RULES["relu"], [Var("z")])
    assert render(forward, {}) == "relu(z)"


def test_derivatives_are_the_rules_not_a_copy() -> None:
    # tanh's rule reuses its output; the generated text does the same.
    (d,) = local_grad_exprs(rules.RULES["tanh"], 1)
    assert render(d, {"out": "h"}) == "1.0 - h * h"
    da, db = local_grad_exprs(rules.RULES["mul"], 2)
    assert (render(da, {"x1": "w"}), render(db, {"x0": "x"})) == ("w", "x")


# --------------------------------------------------------------------------- the printer

_OPS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}


@st.composite
def trees(draw: st.DrawFn, depth: int = 0) -> tuple[Expr, float]:
    if depth > 4 or draw(st.booleans()):
        v = draw(st.sampled_from([-2.5, -1.0, 0.5, 3.0, 7.0]))
        if draw(st.booleans()):
            return Var("a"), 1.25
        return Const(v), v
    kind = draw(st.sampled_from(["+", "-", "*", "/", "neg"]))
    left, lv = draw(trees(depth + 1))
    if kind == "neg":
        return Neg(left), -lv
    right, rv = draw(trees(depth + 1))
    if kind == "/" and rv == 0:
        return left, lv
    return BinOp(kind, left, right), _OPS[kind](lv, rv)


@settings(max_examples=300, deadline=None)
@given(trees())
def test_printed_expressions_evaluate_in_the_same_order(case: tuple[Expr, float]) -> None:
    # Float arithmetic is not associative: any lost parenthesis changes some result's bits.
    expr, expected = case
    got = eval(render(expr, {"a": "1.25"}), {})
    assert _same(got, expected)


# --------------------------------------------------------------------------- names, comments


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_sanitize_gives_a_safe_identifier(label: str) -> None:
    name = sanitize(label)
    assert name.isidentifier() and name.isascii()
    assert not keyword.iskeyword(name) and name not in RESERVED_NAMES
    assert not name.startswith("_") and len(name) <= 42


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_safe_comment_stays_one_comment(label: str) -> None:
    line = "x = 1.0  # " + safe_comment(label) + "\n"
    tokens = list(tokenize.generate_tokens(io.StringIO(line).readline))
    kinds = [t.type for t in tokens]
    assert kinds.count(tokenize.COMMENT) == 1
    assert tokenize.STRING not in kinds
    assert kinds.count(tokenize.NEWLINE) == 1


def _kinked_rule(name: str, start: threading.Barrier, done: threading.Barrier) -> rules.Rule:
    """An unregistered |x|-like rule whose first derivation takes its first decision while the
    other thread is taking its own: both explorations are under way at once."""
    first = [True]

    def local_grads(m: Any, out: Any, x: Any) -> tuple[Any, ...]:
        positive = x > 0
        if first[0]:
            start.wait(timeout=10)
            decided = bool(positive)
            done.wait(timeout=10)
            first[0] = False
        else:
            decided = bool(positive)
        if decided:
            return (1.0,)
        return (-1.0 if x < 0 else 0.0,)

    return rules.Rule(name, name, abs, local_grads, 1)


def test_concurrent_derivations_each_explore_their_own_branches() -> None:
    # Regression: the branch explorer was one module-level stack, so a comparison made in
    # one thread was answered by the other thread's explorer, and a derivative lost a branch.
    start, done = threading.Barrier(2), threading.Barrier(2)
    names = ("kink_a_threads", "kink_b_threads")
    found: dict[str, str] = {}

    def derive(name: str) -> None:
        (d,) = local_grad_exprs(_kinked_rule(name, start, done), 1)
        found[name] = render(d, {"x0": "z"})

    threads = [threading.Thread(target=derive, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    expected = "1.0 if z > 0.0 else -1.0 if z < 0.0 else 0.0"
    assert found == dict.fromkeys(names, expected)


def test_first_compiles_from_several_threads_give_the_right_gradients() -> None:
    fns = {
        "abs": (lambda x: abs(x) * 3.0, [-2.0, 0.5], lambda x: 3.0 * float(np.sign(x))),
        "relu": (lambda x: x.relu() * x, [-1.5, 2.0], lambda x: 2 * x if x > 0 else 0.0),
        "pow": (lambda x: x**3, [-1.0, 2.0], lambda x: 3 * x * x),
    }
    results: dict[tuple[str, float], float] = {}

    def run(name: str) -> None:
        f, points, _ = fns[name]
        compiled = autograd_lite.compile(f)
        for x in points:
            results[name, x] = compiled(x)[1][0]

    threads = [threading.Thread(target=run, args=(n,)) for n in fns for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert results == {(n, x): fns[n][2](x) for n in fns for x in fns[n][1]}
