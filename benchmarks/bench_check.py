"""check_gradients at assignment size: prints seconds per check and the ratio to the 5 s target.

    python benchmarks/bench_check.py

Workloads
  bn-mlp  a manual backward pass through a batch-norm MLP (batch 32, 3x10 embedding, hidden
          64, 27 classes; 26 gradients, about 17,000 entries), with the "bessel" bug, checked
          in one call (learn.exercises.batchnorm_mlp)
  conv    a naive-loop conv-relu-pool layer, x(2,3,16,16), w(3,3,3,3), b(3): 1,620 entries,
          its output array made with np.zeros_like so it holds Values
  conv-float  the same layer written with np.zeros (a float array filled in a loop): the
          forward cannot run on Values, so every entry is judged by finite differences
          alone; at x(2,3,16,16) and at a smaller x(1,3,8,8)
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from autograd_lite import check_gradients, grads, values
from autograd_lite.learn.exercises import batchnorm_mlp

TARGET_S = 5.0


def conv_relu_pool(x: Any, w: Any, b: Any) -> Any:
    n, _, size, _ = x.shape
    k, _, kh, _ = w.shape
    out_size = size - kh + 1
    z = np.zeros_like(x[:, :k, :out_size, :out_size])
    for a in range(n):
        for o in range(k):
            for i in range(out_size):
                for j in range(out_size):
                    z[a, o, i, j] = np.sum(x[a, :, i : i + kh, j : j + kh] * w[o]) + b[o]
    r = np.maximum(z, 0)
    pooled = r.reshape(n, k, out_size // 2, 2, out_size // 2, 2).max(axis=(3, 5))
    return np.sum(pooled * pooled) / n


def conv_relu_pool_floats(x: Any, w: Any, b: Any) -> Any:
    """:func:`conv_relu_pool` with its output in ``np.zeros``: floats only, no graph."""
    n, _, size, _ = x.shape
    k, _, kh, _ = w.shape
    out_size = size - kh + 1
    z = np.zeros((n, k, out_size, out_size))
    for a in range(n):
        for o in range(k):
            for i in range(out_size):
                for j in range(out_size):
                    z[a, o, i, j] = np.sum(x[a, :, i : i + kh, j : j + kh] * w[o]) + b[o]
    r = np.maximum(z, 0)
    pooled = r.reshape(n, k, out_size // 2, 2, out_size // 2, 2).max(axis=(3, 5))
    return np.sum(pooled * pooled) / n


def timed(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def mistakes_overhead(repeats: int = 3) -> None:
    """bn-mlp with each bug: the check with and without recognising mistakes (target +20%).

    Runs alternate (with, without, with, ...) so load changes hit both alike; the minimum of
    each is kept. The time spent inside the recogniser is also measured directly.
    """
    import autograd_lite.check.gradients as pipeline

    recognise = pipeline.report_mistakes
    inside: list[float] = []

    def timed_recognise(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return recognise(*args, **kwargs)
        finally:
            inside.append(time.perf_counter() - start)

    def skipped(*args: Any, **kwargs: Any) -> Any:
        return []

    for bug in ("bessel", "counts_sum", "tanh"):
        ex = batchnorm_mlp(bug=bug)
        times: dict[str, list[float]] = {"with": [], "without": []}
        inside.clear()
        for _ in range(repeats):
            for mode, hook in (("with", timed_recognise), ("without", skipped)):
                pipeline.report_mistakes = hook
                try:
                    times[mode].append(
                        timed(lambda ex=ex: check_gradients(ex.loss_fn, ex.inputs, ex.gradients))
                    )
                finally:
                    pipeline.report_mistakes = recognise
        report = check_gradients(ex.loss_fn, ex.inputs, ex.gradients)
        lead = report.leading_mistakes()
        with_, without = min(times["with"]), min(times["without"])
        print(
            f"bn-mlp {bug}: {without:.2f} s without recognising mistakes, {with_:.2f} s with "
            f"({100 * (with_ / without - 1):+.1f}%); inside the recogniser {min(inside):.3f} s "
            f"= {100 * min(inside) / without:.1f}% of the check (target 20%); finding: "
            f"{lead[0].kind if lead else None}"
        )


def main() -> None:
    ex = batchnorm_mlp(bug="bessel")
    entries = sum(g.size for g in ex.gradients.values())
    report = check_gradients(ex.loss_fn, ex.inputs, ex.gradients)
    print(
        f"bn-mlp: {len(ex.gradients)} gradients, {entries} entries, root causes "
        f"{report.root_causes}"
    )
    seconds = timed(lambda: check_gradients(ex.loss_fn, ex.inputs, ex.gradients))
    ratio = seconds / TARGET_S
    print(f"bn-mlp: {seconds:.2f} s per check (target {TARGET_S} s, ratio {ratio:.2f})")
    mistakes_overhead()

    rng = np.random.default_rng(0)
    inputs = {
        "x": rng.standard_normal((2, 3, 16, 16)),
        "w": rng.standard_normal((3, 3, 3, 3)),
        "b": rng.standard_normal(3),
    }
    leaves = {name: values(v, name) for name, v in inputs.items()}
    conv_relu_pool(**leaves).backward()  # the right answer, from the engine, as a learner's
    expected = {name: grads(v) for name, v in leaves.items()}
    report = check_gradients(conv_relu_pool, inputs, expected)
    print(f"conv: {sum(v.size for v in inputs.values())} entries, ok={report.ok}")
    seconds = timed(lambda: check_gradients(conv_relu_pool, inputs, expected))
    print(f"conv: {seconds:.2f} s per check (target {TARGET_S} s, ratio {seconds / TARGET_S:.2f})")

    for shape in ((1, 3, 8, 8), (2, 3, 16, 16)):
        small = dict(inputs, x=rng.standard_normal(shape))
        leaves = {name: values(v, name) for name, v in small.items()}
        conv_relu_pool(**leaves).backward()
        expected = {name: grads(v) for name, v in leaves.items()}
        entries = sum(v.size for v in small.values())
        start = time.perf_counter()
        report = check_gradients(conv_relu_pool_floats, small, expected)
        seconds = time.perf_counter() - start
        print(
            f"conv-float x{shape}: {entries} entries by finite differences alone, "
            f"ok={report.ok}, {seconds:.2f} s per check ({seconds / entries * 1e3:.1f} ms "
            f"per entry; no target: the learner's forward runs twice per entry)"
        )


if __name__ == "__main__":
    main()
