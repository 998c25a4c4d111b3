"""jit.trace: what a traced graph records (inputs, captured Values, constants, ops) and what
tracing refuses (random graphs, decisions on Values, a Value passed twice, array results)."""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import TracingError, Value
from autograd_lite.jit.trace import CAPTURED, CONSTANT, INPUT, OP, TracedGraph, trace


def _replay(graph: TracedGraph, inputs: list[float], captured: list[float]) -> float:
    """The output recomputed from the recorded structure with the rules' float forwards."""
    values: list[float] = []
    for node in graph.nodes:
        if node.kind == INPUT:
            values.append(inputs[node.slot])
        elif node.kind == CAPTURED:
            values.append(captured[node.slot])
        elif node.kind == CONSTANT:
            values.append(node.value)
        else:
            assert node.rule is not None
            values.append(node.rule.forward(*(values[p] for p in node.parents)))
    return values[graph.output]


def test_inputs_constants_captured_values_and_ops_are_told_apart() -> None:
    w = Value(0.5, label="w")  # lives outside f: captured

    def f(x: Any, y: Any) -> Any:
        return (1.0 - x) * w + y.tanh()

    graph = trace(f, [2.0, -0.3], ["x", "y"], "compile(f)")
    kinds = [n.kind for n in graph.nodes]
    assert kinds.count(INPUT) == 2 and kinds.count(CAPTURED) == 1
    assert kinds.count(CONSTANT) == 1 and kinds.count(OP) == 4  # sub, mul, tanh, add
    assert graph.captured == (w,)
    assert graph.input_labels == ("x", "y")
    assert [graph.nodes[i].slot for i in graph.input_nodes] == [0, 1]
    (constant,) = [n for n in graph.nodes if n.kind == CONSTANT]
    assert constant.value == 1.0
    assert graph.output == len(graph.nodes) - 1 and graph.nodes[-1].rule.name == "add"  # type: ignore[union-attr]
    # Parents come before their op, and the structure recomputes the value.
    for i, node in enumerate(graph.nodes):
        assert all(p < i for p in node.parents)
    assert _replay(graph, [2.0, -0.3], [0.5]) == (1.0 - 2.0) * 0.5 + math.tanh(-0.3)
    assert _replay(graph, [1.5, 0.8], [2.0]) == (1.0 - 1.5) * 2.0 + math.tanh(0.8)


def test_nested_arguments_are_flattened_with_their_paths() -> None:
    def f(p: Any, xs: Any) -> Any:
        return p["a"] * xs[0, 1] + p["b"][1] - xs[1, 0]

    args = [{"a": 2.0, "b": [0.0, 3.0]}, np.array([[1.0, 4.0], [5.0, 6.0]])]
    graph = trace(f, args, ["p", "xs"], "compile(f)")
    assert len(graph.input_labels) == 3 + 4
    used = {graph.input_labels[s] for s, i in enumerate(graph.input_nodes) if i >= 0}
    assert len(used) == 4 and sum(i < 0 for i in graph.input_nodes) == 3  # unused: -1
    inputs = [2.0, 0.0, 3.0, 1.0, 4.0, 5.0, 6.0]
    assert _replay(graph, inputs, []) == 2.0 * 4.0 + 3.0 - 5.0


def test_a_model_argument_lifts_its_parameters() -> None:
    model = al.MLP(2, [2, 1], seed=0)

    def loss(m: Any, x: Any) -> Any:
        return m(x) ** 2

    graph = trace(loss, [model, [0.5, -1.0]], ["model", "x"], "compile(loss)")
    n_params = len(model.parameters())
    assert len(graph.input_labels) == n_params + 2
    assert graph.captured == ()  # the parameters are inputs, not captured Values
    assert _replay(graph, [p.data for p in model.parameters()] + [0.5, -1.0], []) == pytest.approx(
        loss(model, [0.5, -1.0]).data, rel=1e-15
    )


def test_a_function_returning_a_number_is_one_constant() -> None:
    graph = trace(lambda x: 3.0, [1.0], ["x"], "compile(f)")
    assert [n.kind for n in graph.nodes] == [CONSTANT] and graph.nodes[0].value == 3.0
    assert graph.input_nodes == (-1,)


def test_a_different_graph_on_the_second_run_is_refused() -> None:
    rng = random.Random(0)

    def noisy(x: Any) -> Any:
        return x * rng.random()  # a new constant each run

    with pytest.raises(TracingError, match=r"different graph.*random"):
        trace(noisy, [1.0], ["x"], "compile(noisy)")
    calls = iter(range(10))

    def growing(x: Any) -> Any:
        y = x
        for _ in range(next(calls) + 1):
            y = y * x
        return y

    with pytest.raises(TracingError, match="built 2 nodes, then 3"):
        trace(growing, [1.0], ["x"], "compile(growing)")


def test_decisions_and_reading_data_are_refused_while_tracing() -> None:
    with pytest.raises(TracingError):
        trace(lambda x: x if x > 0 else -x, [1.0], ["x"], "compile(f)")
    with pytest.raises(TracingError):
        trace(lambda x: x * x.data, [1.0], ["x"], "compile(f)")
    x = Value(2.0)
    assert type(x) is Value  # the leaf is back to a plain Value after a refused trace


def test_a_value_passed_twice_and_an_array_result_are_named() -> None:
    v = Value(1.0, label="v")
    with pytest.raises(ValueError, match="'v' appears twice among the arguments"):
        trace(lambda a, b: a * b, [v, v], ["a", "b"], "compile(f)")
    with pytest.raises(TypeError, match=r"compile\(f\): f must return one scalar Value.*shape"):
        trace(lambda x: np.array([x, x]), [1.0], ["x"], "compile(f)")
