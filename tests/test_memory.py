"""Graphs are freed by reference counting alone: no reference cycles, no leak across graphs."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Iterator

import pytest

import autograd_lite as al
from autograd_lite import Value


@pytest.fixture
def collector_off() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _build(params: list[Value], n: int = 300) -> Value:
    total: Value | float = 0.0
    for i in range(n):
        x = float(i % 5) - 2.0
        h = (params[0] * x + params[1]).tanh()
        h = al.dot(params[2:4], [h, h.relu()], bias=params[4]).sigmoid()
        total = total + (h - 0.5) ** 2 + (h.exp() / (1.0 + h)).log()
    assert isinstance(total, Value)
    return al.sum_values([total, al.sum_values(p * p for p in params)])


def test_a_dropped_graph_leaves_nothing_for_the_cyclic_collector(collector_off: None) -> None:
    params = [Value(0.1 * (i + 1), label=f"p{i}") for i in range(5)]
    loss = _build(params)
    loss.backward()
    loss.backward(create_graph=True)  # graphs of gradients must not form cycles either
    del loss
    assert gc.collect() == 0
    assert all(isinstance(p.grad, Value) for p in params)


def test_no_memory_growth_across_training_steps(collector_off: None) -> None:
    params = [Value(0.1 * (i + 1)) for i in range(5)]

    def step() -> None:
        loss = _build(params)
        loss.backward()
        with al.no_grad():
            for p in params:
                p.data -= 0.01 * p.grad
                p.grad = 0.0

    step()
    tracemalloc.start()
    try:
        step()
        first, _ = tracemalloc.get_traced_memory()
        for _ in range(20):
            step()
        last, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert last - first < 16_384  # a graph is ~1000 nodes; a leak would grow by ~100 KB a step
