"""Graph-building workloads for the benchmark table (``benchmarks/bench.py`` times them).

Each ``*_workload(V)`` returns a function that builds a graph with the Value class ``V``
(autograd_lite's or micrograd's), so both engines run the very same code.

Workloads:
  mlp    a 2-16-16-1 relu MLP, forward + backward over 100 points, max-margin loss
         (the classic demo step), written once with plain operators for both engines, and
         once more with our fused ``dot`` node per neuron
  chain  y = y * 1.0000001 + 0.1, 100,000 steps deep
  sum    builtin ``sum`` of 100,000 Values (and our one-node ``sum_values``)
"""

from __future__ import annotations

import itertools
import random
import sys
from collections.abc import Callable
from typing import Any

sys.setrecursionlimit(10_000)  # micrograd's recursive sort needs more than the default to try

import autograd_lite as al  # noqa: E402


class Inert:
    """A Value-like number that records no graph: each operation only makes a new float holder.

    Running a workload's code with it measures the floor: what the user's own Python code
    (loops, generator expressions, operator dispatch, one object per operation) costs before
    any engine records anything. No Python-level engine running the same code can be faster.
    """

    __slots__ = ("data", "grad")

    def __init__(self, data: float) -> None:
        self.data = data
        self.grad = 0.0

    def __add__(self, other: Any) -> Inert:
        return Inert(self.data + (other.data if type(other) is Inert else other))

    __radd__ = __add__

    def __mul__(self, other: Any) -> Inert:
        return Inert(self.data * (other.data if type(other) is Inert else other))

    __rmul__ = __mul__

    def relu(self) -> Inert:
        return Inert(self.data if self.data > 0 else 0.0)


def count_nodes(root: Any) -> int:
    """Nodes reachable from root, for either engine (iteratively)."""
    parents_of = (lambda v: v.parents) if isinstance(root, al.Value) else (lambda v: v._prev)
    seen = {id(root)}
    stack = [root]
    while stack:
        for p in parents_of(stack.pop()):
            if id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
    return len(seen)


def mlp_workload(V: type, fused: bool = False, n_points: int = 100) -> Callable[[], Any]:
    rng = random.Random(0)
    sizes = [2, 16, 16, 1]
    layers = [
        [([V(rng.uniform(-1, 1)) for _ in range(nin)], V(0.0)) for _ in range(nout)]
        for nin, nout in itertools.pairwise(sizes)
    ]
    points = [(rng.uniform(-2, 2), rng.uniform(-2, 2)) for _ in range(n_points)]
    labels = [rng.choice((-1.0, 1.0)) for _ in range(n_points)]

    def build() -> Any:
        losses = []
        for x, y in zip(points, labels, strict=True):
            h: list[Any] = list(x)
            for depth, layer in enumerate(layers):
                out = []
                for w, b in layer:
                    if fused:
                        act = al.dot(w, h, bias=b)
                    else:
                        act = sum((wi * hi for wi, hi in zip(w, h, strict=True)), b)
                    out.append(act.relu() if depth < len(layers) - 1 else act)
                h = out
            losses.append((1 + -y * h[0]).relu())
        return sum(losses) * (1.0 / len(losses))

    return build


def chain_workload(V: type, depth: int = 100_000) -> Callable[[], Any]:
    def build() -> Any:
        y = V(1.0)
        for _ in range(depth):
            y = y * 1.0000001 + 0.1
        return y

    return build


def sum_workload(V: type, n: int = 100_000, fused: bool = False) -> Callable[[], Any]:
    xs = [V(float(i % 7)) for i in range(n)]

    def build() -> Any:
        return al.sum_values(xs) if fused else sum(xs)

    return build
