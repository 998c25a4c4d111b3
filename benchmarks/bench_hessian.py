"""Benchmark: ``hessian`` forward-over-reverse (float results) against reverse-over-reverse.

Not a test: it prints figures. Run ``python benchmarks/bench_hessian.py``. The same function of
n variables, a ring of ``tanh(v_i v_{i+1}) exp(v_i)`` terms, is differentiated twice both ways:

- forward-over-reverse: ``hessian(f)(*floats)``, one reverse sweep with dual numbers whose
  tangents are n-vectors (what ``hessian`` does when the result is floats);
- reverse-over-reverse: ``hessian(f)(*Values)``, gradients as graphs differentiated again
  (what ``hessian`` does when the result must stay differentiable).

Both give the same matrix to rounding; the table prints the median of 7 runs and the ratio.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import numpy as np

import autograd_lite as al
from autograd_lite import Value


def ring(*v: Any) -> Any:
    n = len(v)
    return al.sum_values([(v[i] * v[(i + 1) % n]).tanh() * v[i].exp() for i in range(n)])


def median_seconds(fn: Any, repeats: int = 7) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    print("| n | forward-over-reverse ms | reverse-over-reverse ms | ratio | max difference |")
    print("|---|---|---|---|---|")
    for n in (4, 12, 30, 60):
        args = [0.05 * i - 0.5 for i in range(n)]
        h = al.hessian(ring, argnums=tuple(range(n)))
        fwd = median_seconds(lambda: h(*args))  # noqa: B023 - timed at once, in this iteration
        rev = median_seconds(lambda: h(*[Value(a) for a in args]))  # noqa: B023
        exact = h(*args)
        nodes = np.vectorize(lambda v: v.data)(h(*[Value(a) for a in args])).astype(float)
        diff = float(np.max(np.abs(exact - nodes)))
        print(f"| {n} | {fwd * 1e3:.2f} | {rev * 1e3:.2f} | {rev / fwd:.1f}x | {diff:.1e} |")


if __name__ == "__main__":
    main()
