"""check_gradients at assignment size: prints seconds per check and the ratio to the 5 s target.

    python benchmarks/bench_check.py            # every workload
    python benchmarks/bench_check.py svm layers # just these

Workloads
  bn-mlp  a manual backward pass through a batch-norm MLP (batch 32, 3x10 embedding, hidden
          64, 27 classes; 26 gradients, about 17,000 entries), with the "bessel" bug, checked
          in one call (learn.exercises.batchnorm_mlp)
  conv    a naive-loop conv-relu-pool layer, x(2,3,16,16), w(3,3,3,3), b(3): 1,620 entries,
          its output array made with np.zeros_like so it holds Values
  conv-float  the same layer written with np.zeros (a float array filled in a loop): the
          forward cannot run on Values, so every entry is judged by finite differences
          alone; at x(2,3,16,16) and at a smaller x(1,3,8,8)
  layers  check_layers on a 3-layer network of layer classes in the NNFS style (dense 2->32,
          relu, dense 32->32, relu, dense 32->10, softmax + cross-entropy in one object),
          batch 64: every stored gradient (dweights, dbiases, dinputs) of every object in one
          call; target 0.5 s
  svm     check_loss_and_grads on the classic naive-loop SVM starter code (dW preallocated
          with np.zeros, dW += 2 * reg * W) at a dev-set size: 50 samples, W 3073 x 10;
          target 5 s
"""

from __future__ import annotations

import sys
import time
from typing import Any

import numpy as np

from autograd_lite import check_gradients, check_layers, check_loss_and_grads, grads, values
from autograd_lite.learn.exercises import batchnorm_mlp

TARGET_S = 5.0
LAYERS_TARGET_S = 0.5


class Dense:
    def __init__(self, weights: Any, biases: Any) -> None:
        self.weights = weights
        self.biases = biases

    def forward(self, inputs: Any) -> None:
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases

    def backward(self, dvalues: Any) -> None:
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)


class ReLU:
    def forward(self, inputs: Any) -> None:
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues: Any) -> None:
        self.dinputs = dvalues.copy()
        self.dinputs[self.inputs <= 0] = 0


class SoftmaxLoss:
    def forward(self, inputs: Any, y_true: Any) -> Any:
        exp_values = np.exp(inputs - np.max(inputs, axis=1, keepdims=True))
        self.output = exp_values / np.sum(exp_values, axis=1, keepdims=True)
        clipped = np.clip(self.output, 1e-7, 1 - 1e-7)
        return np.mean(-np.log(clipped[range(len(clipped)), y_true]))

    def backward(self, dvalues: Any, y_true: Any) -> None:
        self.dinputs = dvalues.copy()
        self.dinputs[range(len(dvalues)), y_true] -= 1
        self.dinputs = self.dinputs / len(dvalues)


def layer_network(batch: int = 64, hidden: int = 32, classes: int = 10) -> tuple[Any, Any, Any]:
    """The layers workload, forward and backward already run as in a training loop."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((batch, 2)), rng.integers(0, classes, batch)
    objects = {
        "dense1": Dense(0.5 * rng.standard_normal((2, hidden)), np.zeros((1, hidden))),
        "relu1": ReLU(),
        "dense2": Dense(0.3 * rng.standard_normal((hidden, hidden)), np.zeros((1, hidden))),
        "relu2": ReLU(),
        "dense3": Dense(0.3 * rng.standard_normal((hidden, classes)), np.zeros((1, classes))),
        "loss": SoftmaxLoss(),
    }
    a = X
    for name, obj in objects.items():
        if name == "loss":
            obj.forward(a, y)
        else:
            obj.forward(a)
            a = obj.output
    d = objects["loss"].output
    objects["loss"].backward(d, y)
    d = objects["loss"].dinputs
    for name in ("dense3", "relu2", "dense2", "relu1", "dense1"):
        objects[name].backward(d)
        d = objects[name].dinputs
    return objects, X, y


def svm_loss_naive(W: Any, X: Any, y: Any, reg: float) -> tuple[Any, Any]:
    """The classic starter code's shape: a float dW filled in loops, updated in place."""
    dW = np.zeros(W.shape)
    loss = 0.0
    for i in range(X.shape[0]):
        scores = X[i].dot(W)
        correct = scores[y[i]]
        for j in range(W.shape[1]):
            if j == y[i]:
                continue
            margin = scores[j] - correct + 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    loss /= X.shape[0]
    dW /= X.shape[0]
    loss += reg * np.sum(W * W)
    dW += 2 * reg * W
    return loss, dW


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

    CPU seconds, since the machine is shared; runs alternate (with, without, ...) so load
    changes hit both alike, and the minimum of each is kept. The time spent inside the
    recogniser is also measured directly (wall clock).
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
            for mode in ("with", "without"):
                pipeline.report_mistakes = timed_recognise if mode == "with" else skipped
                try:
                    run = timed_cpu(
                        lambda ex=ex: check_gradients(ex.loss_fn, ex.inputs, ex.gradients)
                    )
                    times[mode].append(run[1])  # CPU seconds: waiting for a core is not ours
                finally:
                    pipeline.report_mistakes = recognise
        report = check_gradients(ex.loss_fn, ex.inputs, ex.gradients)
        lead = report.leading_mistakes()
        with_, without = min(times["with"]), min(times["without"])
        print(
            f"bn-mlp {bug}: {without:.2f} s CPU without recognising mistakes, {with_:.2f} s with "
            f"({100 * (with_ / without - 1):+.1f}%, target +20%); inside the recogniser "
            f"{min(inside):.3f} s wall; finding: "
            f"{lead[0].kind if lead else None}"
        )


def timed_cpu(fn: Any) -> tuple[float, float]:
    start, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - start, time.process_time() - cpu


def bench_layers() -> None:
    objects, X, y = layer_network()
    report = check_layers(objects, X, y)
    print(
        f"layers: {len(report.entries)} entries in {len(report.gradients)} gradients, "
        f"ok={report.ok}"
    )
    # CPU seconds too: on a shared machine the wall clock also counts waiting for a core.
    runs = [timed_cpu(lambda: check_layers(objects, X, y)) for _ in range(3)]
    seconds, cpu = min(r[0] for r in runs), min(r[1] for r in runs)
    print(
        f"layers: {seconds:.2f} s per check, {cpu:.2f} s of CPU (target {LAYERS_TARGET_S} s, "
        f"ratio {seconds / LAYERS_TARGET_S:.2f} wall, {cpu / LAYERS_TARGET_S:.2f} CPU)"
    )


def bench_svm() -> None:
    rng = np.random.default_rng(1)
    W = 0.0001 * rng.standard_normal((3073, 10))
    Xs, ys = rng.standard_normal((50, 3073)), rng.integers(0, 10, 50)
    report = check_loss_and_grads(svm_loss_naive, W, Xs, ys, 5e-6)
    runs = [
        timed_cpu(lambda: check_loss_and_grads(svm_loss_naive, W, Xs, ys, 5e-6)) for _ in range(3)
    ]
    seconds, cpu = min(r[0] for r in runs), min(r[1] for r in runs)
    print(
        f"svm: {len(report.entries)} entries, ok={report.ok}, {seconds:.2f} s per check, "
        f"{cpu:.2f} s of CPU, best of 3 (target {TARGET_S} s, ratio {seconds / TARGET_S:.2f} "
        f"wall, {cpu / TARGET_S:.2f} CPU); each run "
        + ", ".join(f"{w:.2f} s ({c:.2f} s CPU)" for w, c in runs)
    )


def bench_bn_mlp() -> None:
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


def bench_conv() -> None:
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


WORKLOADS = {"layers": bench_layers, "svm": bench_svm, "bn-mlp": bench_bn_mlp, "conv": bench_conv}


def main(names: list[str]) -> None:
    """Run the named workloads (all of them when none is named)."""
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown:
        raise SystemExit(f"unknown workload {unknown}; choose from {', '.join(WORKLOADS)}")
    for name in names or list(WORKLOADS):
        WORKLOADS[name]()


if __name__ == "__main__":
    main(sys.argv[1:])
