"""jit.fused: layers written as matrix products compute what the op-by-op program computes.

Each graph is traced once and written twice, by :func:`fused_program` and by the unfused
reference :func:`autograd_lite.jit.codegen.program`; both run on the same batch. The shared
weights' gradients are also checked against central differences of a plain-float version.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from autograd_lite import rules
from autograd_lite.core.value import apply
from autograd_lite.jit.codegen import program
from autograd_lite.jit.fused import fused_program
from autograd_lite.jit.trace import TracedGraph, trace
from autograd_lite.jit.writer import NUMPY_NAMESPACE

N_IN, N_OUT = 3, 4
RNG = np.random.default_rng(5)
W = RNG.normal(size=(N_OUT, N_IN))
B = RNG.normal(size=N_OUT)
V = RNG.normal(size=N_OUT)
X = RNG.normal(size=(7, N_IN))  # 7 samples


def _layer(kind: str, activation: str) -> Callable[..., Any]:
    """sum_j v_j * act(w_j . x + b_j), with one linear (or dot) node per neuron."""

    def f(w: Any, b: Any, v: Any, x: Any) -> Any:
        out = 0.0
        for j in range(N_OUT):
            if kind == "linear":
                pre = apply(rules.RULES["linear"], [*w[j], *x, b[j]])
            else:
                pre = apply(rules.RULES["dot"], [*w[j], *x]) + b[j]
            out = out + v[j] * getattr(pre, activation)()
        return out

    return f


def _plain(kind: str, activation: str) -> Callable[[np.ndarray, np.ndarray], float]:
    act = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0), "sigmoid": None}[activation]
    if act is None:

        def act(z: Any) -> Any:
            return 1.0 / (1.0 + np.exp(-z))

    def total(w: np.ndarray, x: np.ndarray) -> float:
        return float(np.sum(act(x @ w.T + B) @ V))

    return total


def _run(graph: TracedGraph, fused: bool, wrt: list[bool], batched: list[bool]) -> Any:
    parts = (graph.nodes, graph.input_nodes, graph.input_labels, wrt)
    prog = fused_program(*parts, batched) if fused else program(*parts, batched)
    namespace = dict(NUMPY_NAMESPACE, np=np)
    exec(prog.source, namespace)
    shared = [*W.ravel(), *B, *V]
    inputs = shared + [0.0] * N_IN  # batched slots hold a placeholder
    value, grads = namespace[prog.name](inputs, X.T.copy(), np.ones(len(X)))
    return prog, np.asarray(value), grads


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
@pytest.mark.parametrize("kind", ["linear", "dot"])
def test_fused_layers_equal_the_op_by_op_program(kind: str, activation: str) -> None:
    args = [W.tolist(), B.tolist(), V.tolist(), X[0].tolist()]
    graph = trace(_layer(kind, activation), args, ["w", "b", "v", "x"], "compile(f)")
    n_shared = W.size + B.size + V.size
    batched = [False] * n_shared + [True] * N_IN
    wrt = [True] * (n_shared + N_IN)
    fused, value, grads = _run(graph, True, wrt, batched)
    plain, value2, grads2 = _run(graph, False, wrt, batched)
    assert "@" in fused.source and "@" not in plain.source  # one matrix product per layer
    assert fused.wrt_slots == plain.wrt_slots == tuple(range(n_shared + N_IN))
    assert np.allclose(value, value2, rtol=1e-13, atol=1e-15)
    for g, g2 in zip(grads, grads2, strict=True):
        assert np.allclose(g, g2, rtol=1e-12, atol=1e-14)
    # The shared weights' gradients (summed over the samples) by central differences.
    total = _plain(kind, activation)
    assert math.isclose(float(np.sum(value)), total(W, X), rel_tol=1e-12)
    for index in [(0, 0), (1, 2), (3, 1)]:
        h = 1e-6
        up, down = W.copy(), W.copy()
        up[index] += h
        down[index] -= h
        numeric = (total(up, X) - total(down, X)) / (2 * h)
        slot = index[0] * N_IN + index[1]
        assert math.isclose(float(grads[slot]), numeric, rel_tol=1e-6, abs_tol=1e-8), index


def test_only_the_wanted_gradients_are_returned() -> None:
    args = [W.tolist(), B.tolist(), V.tolist(), X[0].tolist()]
    graph = trace(_layer("linear", "tanh"), args, ["w", "b", "v", "x"], "compile(f)")
    n_shared = W.size + B.size + V.size
    batched = [False] * n_shared + [True] * N_IN
    wrt = [False] * n_shared + [True] * N_IN  # the inputs' gradients only
    fused, _, grads = _run(graph, True, wrt, batched)
    plain, _, grads2 = _run(graph, False, wrt, batched)
    assert fused.wrt_slots == plain.wrt_slots == tuple(range(n_shared, n_shared + N_IN))
    assert len(grads) == N_IN
    for g, g2 in zip(grads, grads2, strict=True):
        assert np.shape(g) == (len(X),) and np.allclose(g, g2, rtol=1e-12, atol=1e-14)


def test_a_graph_without_layers_is_written_op_by_op() -> None:
    def f(a: Any, x: Any) -> Any:
        return (a * x[0] - x[1]).tanh() * x[0]

    graph = trace(f, [0.7, [0.5, -1.0]], ["a", "x"], "compile(f)")
    wrt, batched = [True, True, True], [False, True, True]
    parts = (graph.nodes, graph.input_nodes, graph.input_labels, wrt)
    fused = fused_program(*parts, batched)
    assert "@" not in fused.source
    namespace = dict(NUMPY_NAMESPACE, np=np)
    exec(fused.source, namespace)
    xs = np.array([[0.5, 1.5, -2.0], [-1.0, 0.25, 0.0]])
    value, (da, dx0, dx1) = namespace[fused.name]([0.7, 0.0, 0.0], xs, np.ones(3))
    t = np.tanh(0.7 * xs[0] - xs[1])
    assert np.allclose(value, t * xs[0], rtol=1e-15)
    assert np.isclose(da, np.sum((1 - t * t) * xs[0] * xs[0]), rtol=1e-14)
    assert np.allclose(dx0, (1 - t * t) * 0.7 * xs[0] + t, rtol=1e-14)
    assert np.allclose(dx1, -(1 - t * t) * xs[0], rtol=1e-14)
