"""check.walk: the check's one walk, its observers shown only the edges they listen to.

The reference is the walk as first written: the plain ``walk_backward`` with every edge (but
those into leaves that are not the check's own) shown to every observer. On random graphs with
wide ``dot`` nodes, relu kinks at and near 0, and groups of checked nodes, ``walk`` must leave
``Downstream`` and ``Kinks`` knowing exactly what the reference taught them, return the same
gradients and write the same ``.grad``.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as al
from autograd_lite import Value
from autograd_lite.check.causes import Downstream
from autograd_lite.check.kinks import Kinks
from autograd_lite.check.walk import walk
from autograd_lite.core import topological_order, walk_backward

_MAKERS = [
    lambda a, b: a + b,
    lambda a, b: a * b,
    lambda a, b: a.relu() * b,
    lambda a, b: abs(a - b),
    lambda a, b: (a * 0.5).tanh(),
    lambda a, b: (a - b).relu(),
]


def _graph(
    steps: list[tuple[int, int, int]], start: list[float], width: int
) -> tuple[list[Value], list[Value], Value]:
    """(the check's own leaves, every node, the loss)."""
    own = [Value(v, label=f"x{i}") for i, v in enumerate(start)]
    closed_over = Value(0.25, label="c")  # a Value the checked function closes over
    nodes = [*own, closed_over]
    for kind, i, j in steps:
        if kind == len(_MAKERS):  # a row of constants times a column of nodes, as X[i].dot(W)
            col = [nodes[(i + k) % len(nodes)] for k in range(width)]
            nodes.append(al.dot(col, [0.1 * (k - 3) for k in range(width)]))
        else:
            nodes.append(_MAKERS[kind](nodes[i % len(nodes)], nodes[j % len(nodes)]))
    return own, nodes, al.sum_values(nodes[-3:]) if len(nodes) > 3 else nodes[-1]


def _reference(loss: Value, own: list[Value], observers: list[Any]) -> dict[Value, float]:
    mine = set(own)

    def on_edge(node: Value, index: int, parent: Value, local: float, part: float) -> None:
        if parent.rule is None and parent not in mine:
            return
        for observe in observers:
            observe(node, index, parent, local, part)

    grads = {node: g + 0.0 for node, g in walk_backward(loss, on_edge).items()}
    for node in topological_order(loss):
        if node in mine or any(p in mine for p in node.parents):
            mine.add(node)
            node.grad = grads[node]
    return grads


def _groups(nodes: list[Value], picks: list[int]) -> dict[str, list[Value]]:
    groups: dict[str, list[Value]] = {}
    for k, pick in enumerate(picks):
        groups[f"g{k}"] = [nodes[(pick + m) % len(nodes)] for m in range(1 + k % 3)]
    return groups


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, len(_MAKERS)), st.integers(0, 99), st.integers(0, 99)),
        min_size=1,
        max_size=20,
    ),
    st.lists(st.sampled_from([0.0, 1e-6, -1e-6, 0.5, -0.75, 2.0]), min_size=2, max_size=4),
    st.lists(st.integers(0, 99), min_size=1, max_size=4),
    st.integers(16, 40),
)
def test_the_observers_learn_what_the_every_edge_walk_teaches(
    steps: list[tuple[int, int, int]], start: list[float], picks: list[int], width: int
) -> None:
    own, nodes, loss = _graph(steps, start, width)
    groups = _groups(nodes, picks)
    ref_down, ref_kinks = Downstream(groups), Kinks(1e-5)
    expected = _reference(loss, own, [ref_down, ref_kinks])
    expected_grad = {node: node.grad for node in nodes}
    for node in nodes:
        node.grad = 0.0
    down, kinks = Downstream(groups), Kinks(1e-5)
    got = walk(loss, own, [down, kinks])
    assert got == expected
    assert {node: node.grad for node in nodes} == expected_grad
    assert kinks.source == ref_kinks.source
    assert kinks.near == ref_kinks.near
    for name, members in groups.items():
        assert down.of(name, members) == ref_down.of(name, members)


def test_a_dot_node_far_from_groups_and_kinks_shows_no_edge() -> None:
    w = [Value(0.1 * k, label=f"w{k}") for k in range(20)]
    y = al.dot(w, [1.0] * 20).tanh()
    seen: list[Value] = []

    class Counting(Kinks):
        def __call__(self, node: Value, *rest: Any) -> None:
            seen.append(node)
            super().__call__(node, *rest)

    walk(y, w, [Counting()])
    assert seen == []  # nothing is near a kink: no edge had anything to teach
    z = al.dot(w, [1.0] * 20).relu()  # the relu's input is 13.3: not near its kink
    walk(z, w, [Counting()])
    assert len(seen) == 1 and seen[0] is z  # the relu's own edge, asked because relu is kinked
