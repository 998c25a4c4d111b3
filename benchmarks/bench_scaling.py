"""How the interpreter and ``compile`` grow with graph size. Not a test: it prints tables.

    python benchmarks/bench_scaling.py            # 10^3 .. 10^6 nodes
    python benchmarks/bench_scaling.py --max 5    # up to 10^5 only

Interpreter (collector off while timing, as the graphs hold no cycles; medians):
  chain  y = y * 1.0000001 + 0.1, repeated: every node used once, depth = size
  dag    each new node is x * y, x + y or x - y of two earlier nodes picked at random among
         the last 1,000 (reuse and fan-out like a network's, not a chain's); the root sums
         the last 100 nodes
Per node: build and backward microseconds, and peak bytes during build + backward
(tracemalloc, a separate run). "nodes" counts the nodes reachable from the root.

compile: the micrograd-style W1 loss (binary ops only) from about 1,000 to 65,000 ops, on both
backends (bench_compile.compile_table).
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from bench_compile import compile_table
from bench_engine import count_nodes

import autograd_lite as al


def chain(n: int) -> Callable[[], al.Value]:
    def build() -> al.Value:
        y = al.Value(1.0)
        for _ in range(n // 2):
            y = y * 1.0000001 + 0.1
        return y

    return build


def dag(n: int, window: int = 1000, seed: int = 0) -> Callable[[], al.Value]:
    def build() -> al.Value:
        rng = random.Random(seed)
        pick = rng.random
        nodes = [al.Value(rng.uniform(0.5, 1.5)) for _ in range(10)]
        for i in range(n):
            m = len(nodes)
            lo = max(0, m - window)
            a = nodes[lo + int(pick() * (m - lo))]
            b = nodes[lo + int(pick() * (m - lo))]
            kind = i % 3
            nodes.append(a * b if kind == 0 else a + b if kind == 1 else a - b)
        return al.sum_values(nodes[-100:])

    return build


def measure(build: Callable[[], al.Value], repeats: int) -> tuple[int, float, float, float]:
    """(nodes, build µs/node, backward µs/node, peak bytes/node)."""
    builds, backs = [], []
    nodes = 0
    enabled = gc.isenabled()
    try:
        for _ in range(repeats):
            gc.collect()
            gc.disable()
            t0 = time.perf_counter()
            root = build()
            t1 = time.perf_counter()
            root.backward()
            t2 = time.perf_counter()
            builds.append(t1 - t0)
            backs.append(t2 - t1)
            nodes = count_nodes(root)
            del root
    finally:
        if enabled:
            gc.enable()
    gc.collect()
    tracemalloc.start()
    root = build()
    root.backward()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del root
    return (
        nodes,
        statistics.median(builds) / nodes * 1e6,
        statistics.median(backs) / nodes * 1e6,
        peak / nodes,
    )


def scaling_table(max_exponent: int = 6) -> list[str]:
    lines = [
        "| graph | nodes | build µs/node | backward µs/node | peak bytes/node |",
        "|---|---|---|---|---|",
    ]
    for name, make in (("chain", chain), ("dag", dag)):
        for exponent in range(3, max_exponent + 1):
            size = 10**exponent
            repeats = 7 if exponent <= 4 else (3 if exponent == 5 else 1)
            nodes, b, k, peak = measure(make(size), repeats)
            lines.append(f"| {name} | {nodes:,} | {b:.3f} | {k:.3f} | {peak:.0f} |")
    return lines


def per_node_growth(lines: list[str]) -> dict[str, float]:
    """backward µs/node at the largest size over 10^4, per graph kind, from the table."""
    rows: dict[str, list[tuple[int, float]]] = {}
    for line in lines[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows.setdefault(cells[0], []).append((int(cells[1].replace(",", "")), float(cells[3])))
    out = {}
    for name, values in rows.items():
        base = min(values, key=lambda v: abs(v[0] - 10**4))
        top = max(values)
        out[name] = top[1] / base[1]
    return out


def main(argv: Any = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max", type=int, default=6, help="largest size as a power of 10")
    args = parser.parse_args(argv)
    table = scaling_table(args.max)
    print("\n".join(table))
    for name, ratio in per_node_growth(table).items():
        print(
            f"{name}: backward per node at the largest size / at 10^4 = {ratio:.2f} (target <= 2)"
        )
    print()
    print("\n".join(compile_table()))


if __name__ == "__main__":
    main()
