"""fast.py against the plain code it stands in for: same nodes, same derivatives, same gradients.

- every operator and method fast.install replaced gives the node the plain one gives (same
  number bit for bit, rule, parents, label, hooks, gradient), also under no_grad() and
  detect_anomaly(), and the same errors;
- the derivatives written out for add, sub and mul equal their rules' local_grads bit for
  bit;
- float_backward equals the plain chain_rule on random graphs up to rounding (the two add a
  node's shares in different orders: newest-first against depth-first), and bit for bit on
  graphs where every node has one consumer (no sums whose order could differ).
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as al
from autograd_lite import AnomalyError, DomainError, Value, detect_anomaly, no_grad
from autograd_lite.core import fast
from autograd_lite.core.engine import chain_rule
from autograd_lite.core.rules import FLOAT_MATH

finite = st.floats(-50, 50, allow_nan=False, allow_infinity=False)

BINARY = ["__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__"]
BINARY += ["__truediv__", "__rtruediv__"]
UNARY = sorted(name for name in fast.PLAIN if name not in BINARY)


def _same_node(fast_node: Any, plain_node: Any) -> None:
    assert type(fast_node) is type(plain_node) is Value
    assert math.isnan(fast_node.data) == math.isnan(plain_node.data)
    if not math.isnan(plain_node.data):
        assert fast_node.data == plain_node.data
    assert fast_node.rule is plain_node.rule
    # the same input nodes, except a number operand: a fresh constant leaf each time
    for got, want in zip(fast_node.parents, plain_node.parents, strict=True):
        assert got is want or (got.is_leaf and want.is_leaf and got.data == want.data)
    assert (fast_node.label, fast_node.grad) == (plain_node.label, plain_node.grad)
    assert fast_node.is_leaf == plain_node.is_leaf
    # the slots a learner does not see: no hooks yet, a creation number each
    assert fast_node._hooks is None and plain_node._hooks is None
    if not fast_node.is_leaf:
        assert min(fast_node._created, plain_node._created) > 0
        assert fast_node._created != plain_node._created


def test_install_replaced_the_arithmetic_and_every_one_input_method() -> None:
    assert set(BINARY) <= set(fast.PLAIN)
    assert {"__neg__", "__abs__", "tanh", "relu", "exp", "log"} <= set(fast.PLAIN)
    for name, plain in fast.PLAIN.items():
        assert vars(Value)[name] is not plain, name


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(BINARY), finite, finite, st.booleans())
def test_binary_operators_make_the_plain_node(name: str, a: float, b: float, number: bool) -> None:
    x = Value(a, label="x")
    other: Any = b if number else Value(b, label="y")
    fast_op, plain_op = getattr(Value, name), fast.PLAIN[name]
    try:
        expected = plain_op(x, other)
    except DomainError as err:
        with pytest.raises(type(err)) as caught:
            fast_op(x, other)
        assert str(caught.value) == str(err)
        return
    _same_node(fast_op(x, other), expected)


@pytest.mark.parametrize("name", BINARY)
def test_binary_operators_under_modes(name: str) -> None:
    x, y = Value(2.0, label="x"), Value(0.5, label="y")
    fast_op, plain_op = getattr(Value, name), fast.PLAIN[name]
    with no_grad():
        got, expected = fast_op(x, y), plain_op(x, y)
    assert got.is_leaf and expected.is_leaf and got.data == expected.data
    with detect_anomaly():
        _same_node(fast_op(x, y), plain_op(x, y))
        nan = Value(math.nan)
        with pytest.raises(AnomalyError) as plain_err:
            plain_op(x, nan)
        with pytest.raises(AnomalyError) as fast_err:
            fast_op(x, nan)
        assert str(fast_err.value) == str(plain_err.value)


@pytest.mark.parametrize("name", BINARY)
def test_binary_operators_leave_arrays_to_numpy(name: str) -> None:
    np = pytest.importorskip("numpy")
    x = Value(2.0)
    arr = np.array([1.0, 2.0])
    assert getattr(Value, name)(x, arr) is NotImplemented
    assert fast.PLAIN[name](x, arr) is NotImplemented


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("a", [-2.5, -0.5, 0.0, 0.3, 1.7, 40.0])
def test_one_input_methods_make_the_plain_node(name: str, a: float) -> None:
    x = Value(a, label="x")
    fast_m, plain_m = getattr(Value, name), fast.PLAIN[name]
    try:
        expected = plain_m(x)
    except DomainError as err:
        with pytest.raises(type(err)) as caught:
            fast_m(x)
        assert str(caught.value) == str(err)
        return
    _same_node(fast_m(x), expected)
    with no_grad():
        got, plain = fast_m(x), plain_m(x)
    assert got.is_leaf and plain.is_leaf
    assert got.data == plain.data or (math.isnan(got.data) and math.isnan(plain.data))


# ---------------------------------------------------------------- the inlined derivatives


@settings(max_examples=200, deadline=None)
@given(finite, finite, finite)
def test_inlined_derivatives_equal_the_rules(a: float, b: float, g: float) -> None:
    add, sub, mul = fast.INLINED_RULES
    # what fast._pass_gradients adds to a.grad and b.grad, next to the rule's own
    inlined = {add: (g, g), sub: (g, -g), mul: (g * b, g * a)}
    for rule, (ga, gb) in inlined.items():
        out = rule.forward(a, b)
        da, db = rule.local_grads(FLOAT_MATH, out, a, b)
        assert (ga, gb) == (g * da, g * db), rule.name
    # and what a whole backward of one such node writes
    for rule, expected in inlined.items():
        x, y = Value(a), Value(b)
        node = al.core.apply(rule, [x, y])
        node.backward(g)
        assert (x.grad, y.grad) == expected


# ---------------------------------------------------------------- whole backward passes

_MAKERS = [
    lambda a, b: a + b,
    lambda a, b: a - b,
    lambda a, b: a * b,
    lambda a, b: a * a,
    lambda a, b: 2.0 - a,
    lambda a, b: a * 0.5 + 1.0,
    lambda a, b: a / (b * b + 1.0),
    lambda a, b: (a - b).tanh(),
    lambda a, b: (a * a + 1.0).log(),
    lambda a, b: al.sum_values([a, b, a]),
    lambda a, b: al.dot([a, b], [b, 0.5], bias=a),
    lambda a, b: (a - 0.5).relu() + b.sigmoid(),
    lambda a, b: -a,
    lambda a, b: abs(a) * 0.3,
    lambda a, b: (b * 0.1).exp(),
]

_STEPS = st.lists(
    st.tuples(st.integers(0, len(_MAKERS) - 1), st.integers(0, 999), st.integers(0, 999)),
    min_size=1,
    max_size=30,
)


@settings(max_examples=80, deadline=None)
@given(_STEPS, st.lists(st.floats(-2, 2, allow_nan=False), min_size=3, max_size=3))
def test_fast_backward_equals_the_plain_chain_rule_to_rounding(
    steps: list[tuple[int, int, int]], start: list[float]
) -> None:
    leaves = [Value(v, label=f"x{i}") for i, v in enumerate(start)]
    nodes = list(leaves)
    for kind, i, j in steps:
        nodes.append(_MAKERS[kind](nodes[i % len(nodes)], nodes[j % len(nodes)]))
    root = nodes[-1]
    expected = chain_rule(root, 1.5)
    assert fast.float_backward(root, 1.5)
    for node in nodes:
        want = expected.get(node, 0.0)
        assert node.grad == pytest.approx(want, rel=1e-12, abs=1e-300), node


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, len(_MAKERS) - 1), min_size=1, max_size=30), finite)
def test_fast_backward_is_bit_for_bit_on_a_chain(kinds: list[int], start: float) -> None:
    # every node feeds exactly the next one through its first input, and the second input is
    # a fresh constant: no node receives two shares, so no summation order can differ
    x = Value(start / 25.0, label="x")
    node = x
    for kind in kinds:
        if kind in (3, 8, 9, 10, 14):  # makers using their first input twice, or not at all
            kind = 7
        node = _MAKERS[kind](node, Value(0.7))
    expected = chain_rule(node, 1.0)
    node.backward()
    assert x.grad == expected[x] or (math.isnan(x.grad) and math.isnan(expected[x]))
