"""fast_walk_backward against the plain walk it stands in for: the same gradients, bit for bit.

The plain walk (``walk_backward``, the engine's ``chain_rule`` with a callback per edge) is
the reference: on random graphs with wide ``dot`` and ``sum`` nodes (repeated inputs,
constants, relu kinks, infinite upstream gradients) the fast walk gives the same floats
(-0.0 and NaN included) and shows ``on_edge`` the same edges in the same order, or the edges of
just the nodes ``listens`` accepts.
"""

from __future__ import annotations

import math
import struct
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as al
from autograd_lite import DomainError, Value
from autograd_lite.core import apply, walk_backward
from autograd_lite.core.fast_walk import WIDE, fast_walk_backward
from autograd_lite.core.rules import INACTIVE, Rule


def _gate(*xs: float) -> float:
    return sum(x for x in xs if x > 0)


def _gate_grads(m: Any, out: Any, *xs: Any) -> tuple[Any, ...]:
    return tuple(INACTIVE if x <= 0 else 1.0 for x in xs)


# A wide op of the test's own whose inputs at or below 0 get INACTIVE, the relu convention:
# no rule of the table is both wide and kinked, and the fast walk must still honour it.
GATE = Rule("gate", "gate", _gate, _gate_grads, None)


def _bits(x: float) -> bytes:
    return struct.pack("<d", x)


def _same(a: float, b: float) -> bool:
    """Equal as floats are stored: -0.0 differs from 0.0, every NaN equals every NaN."""
    return (math.isnan(a) and math.isnan(b)) or _bits(a) == _bits(b)


def _wide(nodes: list[Value], start: int, width: int, kind: int) -> Value:
    picked = [nodes[(start + 7 * k) % len(nodes)] for k in range(width)]
    if kind == 0:
        return al.dot(picked, [0.5 - 0.25 * (k % 5) for k in range(width)])
    if kind == 1:
        return al.dot(picked, picked[::-1])  # every input twice
    if kind == 2:
        return al.sum_values([*picked, *picked[:3]])
    return apply(GATE, picked)


_MAKERS = [
    lambda a, b: a + b,
    lambda a, b: a - b,
    lambda a, b: a * b,
    lambda a, b: a * a,
    lambda a, b: a / (b * b + 1.0),
    lambda a, b: (a - b).tanh(),
    lambda a, b: (a - 0.5).relu() + b,
    lambda a, b: abs(a) * 0.3,
    lambda a, b: -a,
    lambda a, b: (b * 0.1).exp(),
]

_STEPS = st.lists(
    st.tuples(st.integers(0, len(_MAKERS) + 3), st.integers(0, 999), st.integers(0, 999)),
    min_size=1,
    max_size=25,
)
_STARTS = st.lists(
    st.sampled_from([0.0, -0.0, 0.5, -1.25, 2.0, 0.75]) | st.floats(-3, 3, allow_nan=False),
    min_size=3,
    max_size=5,
)


def _graph(steps: list[tuple[int, int, int]], start: list[float]) -> Value:
    nodes = [Value(v, label=f"x{i}") for i, v in enumerate(start)]
    for kind, i, j in steps:
        if kind >= len(_MAKERS):
            width = WIDE + j % 9  # wide enough for the numpy step, and some wider
            nodes.append(_wide(nodes, i, width, kind - len(_MAKERS)))
        else:
            nodes.append(_MAKERS[kind](nodes[i % len(nodes)], nodes[j % len(nodes)]))
    return nodes[-1]


def _edges(into: list[tuple[Any, ...]]) -> Any:
    return lambda node, index, parent, local, c: into.append((node, index, parent, local, c))


def _same_edges(fast: list[tuple[Any, ...]], plain: list[tuple[Any, ...]]) -> None:
    assert len(fast) == len(plain)
    for f, p in zip(fast, plain, strict=True):
        assert f[:3] == p[:3]
        assert f[3] is p[3] or _same(f[3], p[3])
        assert _same(f[4], p[4]), (f, p)


@settings(max_examples=120, deadline=None)
@given(_STEPS, _STARTS, st.sampled_from([1.0, -2.5, 0.0, math.inf, -math.inf, math.nan]))
def test_the_fast_walk_gives_the_plain_walks_gradients_and_edges(
    steps: list[tuple[int, int, int]], start: list[float], seed: float
) -> None:
    root = _graph(steps, start)
    plain_edges: list[tuple[Any, ...]] = []
    fast_edges: list[tuple[Any, ...]] = []
    plain = walk_backward(root, _edges(plain_edges), seed=seed)
    fast = fast_walk_backward(root, _edges(fast_edges), seed=seed)
    assert set(fast) == set(plain)
    for node, g in plain.items():
        assert _same(fast[node], g), (node, fast[node], g)
    _same_edges(fast_edges, plain_edges)


@settings(max_examples=60, deadline=None)
@given(_STEPS, _STARTS, st.integers(0, 3))
def test_on_edge_sees_the_edges_of_the_nodes_listens_accepts(
    steps: list[tuple[int, int, int]], start: list[float], every: int
) -> None:
    root = _graph(steps, start)
    accepted = {n for k, n in enumerate(al.core.topological_order(root)) if k % 4 == every}
    plain_edges: list[tuple[Any, ...]] = []
    fast_edges: list[tuple[Any, ...]] = []
    walk_backward(root, _edges(plain_edges))
    asked: list[Value] = []

    def listens(node: Value) -> bool:
        asked.append(node)
        return node in accepted

    fast_walk_backward(root, _edges(fast_edges), listens)
    _same_edges(fast_edges, [e for e in plain_edges if e[0] in accepted])
    assert len(asked) == len(set(asked))  # once per node
    assert all(not n.is_leaf for n in asked)


@settings(max_examples=40, deadline=None)
@given(_STEPS, _STARTS)
def test_the_gradients_come_in_topological_order(
    steps: list[tuple[int, int, int]], start: list[float]
) -> None:
    root = _graph(steps, start)
    order = list(fast_walk_backward(root))
    place = {node: k for k, node in enumerate(order)}
    assert order[-1] is root
    assert all(place[p] < place[n] for n in order for p in n.parents)


def test_a_wide_gate_gives_inactive_inputs_zero_even_from_an_infinite_gradient() -> None:
    xs = [Value(float(k % 3 - 1), label=f"x{k}") for k in range(WIDE + 2)]  # -1, 0, 1, ...
    top = apply(GATE, xs) * math.inf
    fast = fast_walk_backward(top)
    plain = walk_backward(top)
    for x in xs:
        assert _same(fast[x], plain[x])
        assert fast[x] == (math.inf if x.data > 0 else 0.0)


def test_a_changed_input_fails_as_in_the_plain_walk() -> None:
    x = Value(2.0, label="x")
    y = al.sum_values([x.log() for _ in range(WIDE)])
    x.data = -1.0  # changed after the forward pass: log's derivative 1/x is still defined
    assert fast_walk_backward(y)[x] == walk_backward(y)[x] == -float(WIDE)
    z = Value(4.0, label="z")
    w = al.sum_values([z.log() for _ in range(WIDE)]) * 2.0
    z.data = 0.0  # now log's derivative divides by zero
    with pytest.raises(DomainError) as plain:
        walk_backward(w)
    with pytest.raises(DomainError) as fast:
        fast_walk_backward(w)
    assert str(fast.value) == str(plain.value)


def test_refuses_what_is_not_a_value_and_a_seed_that_is_not_a_number() -> None:
    with pytest.raises(TypeError, match="expected a Value, got float"):
        fast_walk_backward(2.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="seed"):
        fast_walk_backward(Value(1.0), seed="1")  # type: ignore[arg-type]


def test_a_leaf_is_its_own_gradient() -> None:
    x = Value(3.0)
    assert fast_walk_backward(x, seed=2.0) == {x: 2.0} == walk_backward(x, seed=2.0)
