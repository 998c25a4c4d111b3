"""Benchmark: microseconds per node to build a graph and to run backward, ours vs micrograd.

Not a test: it prints figures. Run ``python benchmarks/bench_engine.py`` (``pip install
micrograd`` first to get the side-by-side columns and ratios).

Workloads:
  mlp    a 2-16-16-1 relu MLP, forward + backward over 100 points, max-margin loss
         (the classic demo step), written once with plain operators for both engines, and
         once more with our fused ``dot`` node per neuron
  chain  y = y * 1.0000001 + 0.1, 100,000 steps deep
  sum    builtin ``sum`` of 100,000 Values (and our one-node ``sum_values``)
"""

from __future__ import annotations

import argparse
import gc
import itertools
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

sys.setrecursionlimit(10_000)  # micrograd's recursive sort needs more than the default to try

import autograd_lite as al  # noqa: E402


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


def measure(build: Callable[[], Any], repeats: int, collector: bool) -> dict[str, Any]:
    builds, backs = [], []
    nodes = 0
    was_enabled = gc.isenabled()
    try:
        for _ in range(repeats):
            gc.collect()
            if not collector:
                gc.disable()
            t0 = time.perf_counter()
            root = build()
            t1 = time.perf_counter()
            root.backward()
            t2 = time.perf_counter()
            if was_enabled:
                gc.enable()
            nodes = count_nodes(root)
            builds.append(t1 - t0)
            backs.append(t2 - t1)
            del root
    except RecursionError:
        return {"error": "RecursionError"}
    finally:
        if was_enabled:
            gc.enable()
    b, k = statistics.median(builds), statistics.median(backs)
    return {
        "nodes": nodes,
        "build_us": b / nodes * 1e6,
        "backward_us": k / nodes * 1e6,
        "step_ms": (b + k) * 1e3,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    try:
        import micrograd.engine as mg
    except ImportError:
        mg = None
        print("micrograd not installed (pip install micrograd): its columns are skipped\n")

    engines: list[tuple[str, type, bool]] = [("autograd_lite", al.Value, False)]
    if mg is not None:
        engines.append(("micrograd", mg.Value, False))
    workloads: list[tuple[str, Callable[[type, bool], Callable[[], Any]]]] = [
        ("mlp", lambda V, f: mlp_workload(V, f)),
        ("chain", lambda V, f: chain_workload(V)),
        ("sum", lambda V, f: sum_workload(V, fused=f)),
    ]
    print(f"python {platform.python_version()} on {platform.machine()}, "
          f"{repeats_note(args.repeats)}")
    header = (f"{'workload':<10}{'engine':<24}{'collector':<10}{'nodes':>8}"
              f"{'build us/node':>15}{'backward us/node':>18}{'ms/step':>10}{'vs micrograd':>14}")
    print(header)
    print("-" * len(header))
    for wname, make in workloads:
        for collector in (True, False):
            rows: list[tuple[str, dict[str, Any]]] = []
            for ename, V, _ in engines:
                rows.append((ename, measure(make(V, False), args.repeats, collector)))
                if ename == "autograd_lite" and wname in ("mlp", "sum"):
                    rows.append(("autograd_lite (fused)",
                                 measure(make(V, True), args.repeats, collector)))
            ref = dict(rows).get("micrograd")
            for ename, r in rows:
                if "error" in r:
                    print(f"{wname:<10}{ename:<24}{'on' if collector else 'off':<10}"
                          f"{'fails: ' + r['error']:>51}")
                    continue
                ratio = ""
                if ref is not None and "error" not in ref and ename != "micrograd":
                    per_node_ref = ref["build_us"] + ref["backward_us"]
                    per_node = per_node_ref / (r["build_us"] + r["backward_us"])
                    ratio = f"{per_node:.1f}x node, {ref['step_ms'] / r['step_ms']:.1f}x step"
                print(f"{wname:<10}{ename:<24}{'on' if collector else 'off':<10}"
                      f"{r['nodes']:>8}{r['build_us']:>15.3f}{r['backward_us']:>18.3f}"
                      f"{r['step_ms']:>10.1f}{ratio:>24}")
    return 0


def repeats_note(n: int) -> str:
    return f"median of {n} runs"


if __name__ == "__main__":
    sys.exit(main())
