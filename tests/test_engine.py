"""backward(): order, accumulation semantics, the classic bugs, deep graphs, modes."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as al
from autograd_lite import (
    AnomalyError,
    DivisionByZeroError,
    DomainError,
    Value,
    detect_anomaly,
    gradcheck,
    no_grad,
)
from autograd_lite.core.engine import chain_rule, gradients, topological_order

# ---------------------------------------------------------------- the classic bugs first


def test_x_plus_x_times_x() -> None:
    x = Value(3.0)
    y = (x + x) * x  # 2x^2
    y.backward()
    assert x.grad == 12.0


def test_b_is_a_plus_a_then_c_is_b_plus_b() -> None:
    a = Value(5.0)
    b = a + a
    c = b + b
    c.backward()
    assert (a.grad, b.grad, c.grad) == (4.0, 2.0, 1.0)


def test_reused_node_gets_the_sum_of_its_contributions() -> None:
    a = Value(3.0)
    b = a + a
    c = b * b * a  # 4a^3
    c.backward()
    assert a.grad == 12 * 9.0


def test_a_cubed_backward_twice_accumulates_on_leaves_only() -> None:
    a = Value(2.0)
    sq = a * a
    y = sq * a
    y.backward()
    assert a.grad == 12.0 and sq.grad == 2.0 and y.grad == 1.0
    y.backward()
    # the leaf accumulates (12 + 12); intermediate nodes are recomputed, not doubled
    assert a.grad == 24.0 and sq.grad == 2.0 and y.grad == 1.0


def test_zero_grad_on_a_root_clears_its_graph() -> None:
    a, b = Value(2.0), Value(3.0)
    y = a * b
    y.backward()
    y.zero_grad()
    assert (a.grad, b.grad, y.grad) == (0.0, 0.0, 0.0)
    al.zero_grad(y)
    y.backward()
    assert (a.grad, b.grad) == (3.0, 2.0)


def test_gradients_of_two_losses_sum_on_shared_leaves() -> None:
    w = Value(2.0)
    (w * 3).backward()
    (w * w).backward()
    assert w.grad == 3.0 + 4.0


def test_backward_seed_and_bad_seed() -> None:
    x = Value(2.0)
    y = x * x
    y.backward(gradient=0.5)
    assert x.grad == 2.0
    with pytest.raises(TypeError, match="str"):
        y.backward(gradient="1")
    assert x.grad == 2.0  # untouched by the failed call


def test_backward_on_a_leaf() -> None:
    x = Value(2.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0


# ---------------------------------------------------------------- order and size


def test_topological_order_is_inputs_first_and_deterministic() -> None:
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    assert order == topological_order(e)
    assert order[-1] is e
    position = {node: i for i, node in enumerate(order)}
    for node in order:
        for p in node.parents:
            assert position[p] < position[node]
    assert len(order) == len(set(order)) == 5


def test_deep_chain_of_a_million_nodes() -> None:
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y + 1.0
    y.backward()
    assert x.grad == 1.0
    assert y.data == 1_000_001.0


def test_sum_of_a_hundred_thousand_terms() -> None:
    xs = [Value(float(i)) for i in range(100_000)]
    s = sum(xs)
    s.backward()
    assert s.data == sum(range(100_000))
    assert all(x.grad == 1.0 for x in xs)
    t = al.sum_values(xs)
    t.backward()
    assert all(x.grad == 2.0 for x in xs)


# ---------------------------------------------------------------- the general engine


def _random_graph() -> tuple[list[Value], Value]:
    import random

    rng = random.Random(7)
    leaves = [Value(rng.uniform(0.5, 2.0), label=f"x{i}") for i in range(4)]
    nodes = list(leaves)
    for step in range(60):
        a, b = rng.choice(nodes), rng.choice(nodes)
        kind = step % 7
        if kind == 0:
            nodes.append(a * b)
        elif kind == 1:
            nodes.append(a + b.tanh())
        elif kind == 2:
            nodes.append((a * a + 1.0).log())
        elif kind == 3:
            nodes.append(a.sigmoid() / (b * b + 1.0))
        elif kind == 4:
            nodes.append(al.dot([a, b], [b, 2.0], bias=a))
        elif kind == 5:
            nodes.append((a - b).relu() + a.sin())
        else:
            nodes.append(al.sum_values([a, b, a]) ** 2 * 0.01)
    return leaves, al.sum_values(nodes[-10:])


def test_fast_backward_agrees_with_the_general_engine() -> None:
    leaves, y = _random_graph()
    y.backward()
    general = chain_rule(y, 1.0)
    graph_values = chain_rule(y, 1.0, create_graph=True)
    for leaf in leaves:
        # the two visit nodes in different (both valid) orders: sums may differ in the last bit
        assert leaf.grad == pytest.approx(general[leaf], rel=1e-13)
        assert graph_values[leaf].data == pytest.approx(general[leaf], rel=1e-12)


# The fast backward writes add, sub and mul out by hand and orders nodes by creation number;
# the reference (chain_rule) calls every rule through the table in depth-first order.
_STEPS = st.lists(
    st.tuples(st.integers(0, 11), st.integers(0, 10_000), st.integers(0, 10_000)),
    min_size=1,
    max_size=40,
)


_MAKERS: list[Callable[[Value, Value], Value]] = [
    lambda a, b: a + b,
    lambda a, b: a - b,
    lambda a, b: a * b,
    lambda a, b: a * a,  # one node as both inputs
    lambda a, b: 2.0 - a,
    lambda a, b: a * 0.5 + 1.0,
    lambda a, b: a / (b * b + 1.0),
    lambda a, b: (a - b).tanh(),
    lambda a, b: (a * a + 1.0).log(),
    lambda a, b: al.sum_values([a, b, a]),
    lambda a, b: al.dot([a, b], [b, 0.5], bias=a),
    lambda a, b: (a - 0.5).relu() + b.sigmoid(),
]


def _graph_from_steps(steps: list[tuple[int, int, int]]) -> tuple[list[Value], list[Value]]:
    leaves = [Value(0.3 + 0.4 * i, label=f"x{i}") for i in range(4)]
    nodes = list(leaves)
    for kind, i, j in steps:
        nodes.append(_MAKERS[kind](nodes[i % len(nodes)], nodes[j % len(nodes)]))
    return leaves, nodes[len(leaves) :]


@settings(max_examples=60, deadline=None)
@given(_STEPS, st.integers(0, 39))
def test_fast_backward_matches_the_reference_on_random_graphs(
    steps: list[tuple[int, int, int]], pick: int
) -> None:
    leaves, made = _graph_from_steps(steps)
    root = made[pick % len(made)]
    expected = chain_rule(root, 1.5)
    root.backward(1.5)
    for node in [*leaves, *made]:  # nodes outside root's graph keep their 0.0
        assert node.grad == pytest.approx(expected.get(node, 0.0), rel=1e-12, abs=1e-300), node
    # Leaves accumulate, operation nodes are recomputed: a second call doubles only leaves.
    first = {node: node.grad for node in [*leaves, *made]}
    root.backward(1.5)
    for node in [*leaves, *made]:
        twice = 2 * first[node] if node._rule is None else first[node]
        assert node.grad == pytest.approx(twice, rel=1e-12, abs=1e-300), node


def test_creation_order_is_a_topological_order_across_threads() -> None:
    x = Value(1.0)
    roots: list[Value] = []

    def build() -> None:
        y = x
        for _ in range(2000):
            y = y * 1.0001 + x
        roots.append(y)

    threads = [threading.Thread(target=build) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for y in roots:
        for node in topological_order(y):
            assert all(p._created < node._created for p in node.parents if p._rule is not None)
    total = al.sum_values(roots)
    total.backward()
    assert x.grad == pytest.approx(chain_rule(total, 1.0)[x], rel=1e-12)


def test_gradients_does_not_touch_grad_attributes() -> None:
    x, y = Value(2.0), Value(5.0)
    z = x * y
    assert gradients(z, [x, y, Value(1.0)]) == [5.0, 2.0, 0.0]
    assert (x.grad, y.grad, z.grad) == (0.0, 0.0, 0.0)
    with pytest.raises(TypeError, match=r"inputs\[0\]"):
        gradients(z, [3.0])  # type: ignore[list-item]


def test_create_graph_second_derivative() -> None:
    x = Value(0.7)
    y = x.tanh() * x
    y.backward(create_graph=True)
    first = x.grad
    assert isinstance(first, Value)
    t = math.tanh(0.7)
    assert first.data == pytest.approx(t + 0.7 * (1 - t * t), rel=1e-14)
    (second,) = gradients(first, [x])
    # d/dx [tanh + x sech^2] = 2 sech^2 - 2 x tanh sech^2
    sech2 = 1 - t * t
    assert second == pytest.approx(2 * sech2 - 2 * 0.7 * t * sech2, rel=1e-12)


# ---------------------------------------------------------------- modes


def test_no_grad_builds_no_graph_and_restores() -> None:
    w = Value(1.0)
    with no_grad():
        assert not al.is_grad_enabled()
        w2 = w * 0.5 + 1.0
        with al.enable_grad():
            w3 = w * 2.0
    assert al.is_grad_enabled()
    assert w2.parents == () and w2.data == 1.5 and w3.parents == (w, w3.parents[1])
    assert (w * 2.0).parents[0] is w


def test_no_grad_as_decorator() -> None:
    @no_grad()
    def update(v: Value) -> Value:
        return v - 0.1

    assert update(Value(1.0)).is_leaf


def test_no_grad_is_per_thread() -> None:
    seen: list[bool] = []
    with no_grad():
        t = threading.Thread(target=lambda: seen.append(al.is_grad_enabled()))
        t.start()
        t.join()
    assert seen == [True]


def test_anomaly_forward_names_op_inputs_and_first_node() -> None:
    x = Value(math.inf, label="x")
    zero = Value(0.0, label="zero")
    y = x * 2.0  # inf without detection is allowed
    assert y.data == math.inf
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        x * zero
    message = str(info.value)
    assert "mul" in message and "nan" in message and "'x'" in message and "'zero'" in message
    assert "leaf" in message
    assert info.value.phase == "forward"
    a = Value(1e300, label="big")
    with detect_anomaly(), pytest.raises(AnomalyError, match="first node where it appeared"):
        a * a


def test_anomaly_backward_names_the_node() -> None:
    x = Value(0.0, label="x")
    y = x**0.5  # sqrt'(0) is inf
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        y.backward()
    assert "backward" in str(info.value) and "pow" in str(info.value) and "'x'" in str(info.value)
    assert x.grad == 0.0  # nothing written when the check fails
    y.backward()  # without detection the infinite gradient is just computed
    assert x.grad == math.inf


# ---------------------------------------------------------------- issue 11 regressions


@pytest.mark.parametrize("create_graph", [False, True])
def test_backward_after_leaf_data_changed_is_a_clear_error_and_writes_nothing(
    create_graph: bool,
) -> None:
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    c = a / b
    d = c * a
    d.backward()
    before = [(n.grad) for n in (a, b, c, d)]
    b.data = 0.0  # the forward pass saw 2.0
    with pytest.raises(DivisionByZeroError) as info:
        d.backward(create_graph=create_graph)
    message = str(info.value)
    assert "div" in message and "'b' leaf = 0.0" in message and ".data was changed" in message
    assert [(n.grad) for n in (a, b, c, d)] == before


def test_sin_and_cos_of_infinity_are_domain_errors_naming_op_and_label() -> None:
    for op in ("sin", "cos"):
        for x in (math.inf, -math.inf):
            with pytest.raises(DomainError, match=rf"{op}.*'t'") as info:
                getattr(Value(x, label="t"), op)()
            assert info.value.op == op
            with detect_anomaly(), pytest.raises(DomainError, match=op):
                getattr(Value(x, label="t"), op)()
    report = gradcheck(lambda x: (x * 1e308).sin(), 1.7976931348623157)
    assert report.entries[0].verdict == "unclear" and "DomainError" in report.entries[0].note


def test_plain_backward_after_create_graph_does_not_grow_the_leaf_gradient_graph() -> None:
    # Regression (issue 11): 1,000 plain backward() calls grew x.grad to 4,008 nodes.
    x = Value(2.0)
    y = x * x * x
    y.backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == 12.0
    for _ in range(50):
        y.backward()
    assert x.grad == 12.0 * 51 and not isinstance(x.grad, Value)
