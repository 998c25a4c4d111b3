"""Benchmark: ``autograd_lite.compile`` on the W1 step and the spiral, against the peers.

Not a test: it prints figures. Run ``python benchmarks/bench_compile.py`` (``--quick`` for fewer
repeats). It installs nothing; micrograd (``pip install micrograd``) and PyTorch
(``pip install torch``) are used when present and reported as skipped otherwise.

W1 is micrograd's demo step: an MLP 2-16-16-1 with relu, 100 points, the max-margin loss
``mean(relu(1 - y * score))`` plus ``1e-4 * sum(p * p)`` over the parameters, forward and
backward. Engines timed on it, in ms per step (median):

- compiled: ``compile(loss, model, X, y)``, the whole step as straight-line Python;
- compiled batched: the per-sample loss with ``batch=("x", "y")``, numpy over the 100 points;
- plain floats: the same MLP's forward and backward written by hand with Python floats;
- interpreter: autograd_lite's Value graph (for reference);
- micrograd 0.1.0, with the cyclic garbage collector on and off;
- PyTorch, the same model vectorised, float64, one CPU thread.

Then compile time and time per call against graph size, for both backends (straight-line
source and the numpy tape), and the 3-class spiral (100 points per class) trained with compiled
batched steps until 90% training accuracy, with its wall time.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import platform
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

import autograd_lite as al
from autograd_lite.datasets import spiral
from autograd_lite.nn import MLP
from autograd_lite.optim import Adam

ALPHA = 1e-4
SIZES = [2, 16, 16, 1]


def w1_data(n: int = 100) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    rng = np.random.default_rng(0)
    X = rng.uniform(-2.0, 2.0, size=(n, 2))
    y = np.where(X[:, 0] * X[:, 1] > 0, 1.0, -1.0)
    return X, y


def median_ms(step: Callable[[], Any], repeats: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


# --------------------------------------------------------------------------- W1, ours


def w1_loss(model: MLP, X: Any, Y: Any) -> al.Value:
    """The whole W1 step's loss, written like micrograd's demo."""
    losses = [(1 + -y * model(x)).relu() for x, y in zip(X, Y, strict=True)]
    data_loss = al.sum_values(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * al.sum_values([p * p for p in model.parameters()])
    return data_loss + reg_loss


def w1_sample_loss(model: MLP, x: Any, y: Any) -> al.Value:
    """One sample's share of W1: its margin loss plus the penalty (the batch mean is W1)."""
    margin = (1 + -y * model(x)).relu()
    return margin + ALPHA * al.sum_values([p * p for p in model.parameters()])


def classic_w1_loss(layers: Any, X: Any, Y: Any) -> al.Value:
    """W1 as micrograd's demo builds it, binary ops only: ``layers`` is a list of layers, each
    a list of neurons ``[w0, ..., wn, b]`` of Values. About 65,000 ops: compile at scale."""
    losses = []
    for x, y in zip(X, Y, strict=True):
        h: list[Any] = list(x)
        for depth, layer in enumerate(layers):
            out = [sum((wi * hi for wi, hi in zip(n[:-1], h, strict=True)), n[-1]) for n in layer]
            h = [a.relu() for a in out] if depth < len(layers) - 1 else out
        losses.append((1 + -y * h[0]).relu())
    params = [p for layer in layers for n in layer for p in n]
    return sum(losses) * (1.0 / len(losses)) + ALPHA * sum(p * p for p in params)


def classic_layers(seed: int = 0) -> list[list[list[al.Value]]]:
    rng = np.random.default_rng(seed)
    return [
        [[al.Value(float(v)) for v in rng.uniform(-1, 1, nin + 1)] for _ in range(nout)]
        for nin, nout in itertools.pairwise(SIZES)
    ]


def compile_table(points: tuple[int, ...] = (1, 15, 100), repeats: int = 5) -> list[str]:
    """Compile time and time per call against graph size, for both backends of ``compile``.

    The graph is ``classic_w1_loss`` on the first ``points`` samples (about 650 ops a point):
    ``backend="source"`` writes straight-line Python, ``backend="tape"`` level-scheduled numpy
    (what ``backend="auto"`` picks above ``TAPE_MIN_OPS``). The interpreter's step (build the
    graph, backward) is the reference for the run times. The last line checks the target:
    the 65,000-op graph compiles in at most 1 s.
    """
    X, Y = w1_data()
    layers = classic_layers()
    params = [p for layer in layers for neuron in layer for p in neuron]
    lines = [
        "| points | ops | compile s: source | tape | ms/call: source | tape | interpreter |",
        "|---|---|---|---|---|---|---|",
    ]
    tape_seconds = 0.0
    for n in points:
        Xn, Yn = X[:n], Y[:n]
        seconds: dict[str, float] = {}
        ms: dict[str, float] = {}
        ops = 0
        for backend in ("source", "tape"):
            gc.collect()
            t = time.perf_counter()
            compiled = al.compile(classic_w1_loss, layers, Xn, Yn, wrt="layers", backend=backend)
            seconds[backend] = time.perf_counter() - t
            ops = compiled.num_ops
            ms[backend] = median_ms(lambda c=compiled, x=Xn, y=Yn: c(layers, x, y), repeats)
            del compiled
        ms["interpreter"] = median_ms(partial(interpret, params, layers, Xn, Yn), repeats)
        tape_seconds = seconds["tape"]
        lines.append(
            f"| {n} | {ops:,} | {seconds['source']:.2f} | {seconds['tape']:.2f} | "
            f"{ms['source']:.2f} | {ms['tape']:.2f} | {ms['interpreter']:.2f} |"
        )
    lines.append(
        f"\ncompile of the {ops:,}-op graph on the tape: {tape_seconds:.2f} s (target <= 1 s)"
    )
    return lines


def interpret(params: list[al.Value], layers: Any, X: Any, Y: Any) -> None:
    """One interpreter step of ``classic_w1_loss``: build the graph, backward."""
    for p in params:
        p.grad = 0.0
    classic_w1_loss(layers, X.tolist(), Y.tolist()).backward()


# --------------------------------------------------------------------------- W1, plain floats


def plain_float_step(
    layers: list[tuple[list[list[float]], list[float]]], X: list[list[float]], Y: list[float]
) -> tuple[float, list[tuple[list[list[float]], list[float]]]]:
    """W1 forward and backward by hand with Python floats: the reference for 'as fast as it gets'.

    ``layers`` holds (weights[out][in], biases[out]); hidden layers use relu, the last is linear.
    Returns the loss and gradients of the same shape.
    """
    grads = [([[0.0] * len(w) for w in ws], [0.0] * len(bs)) for ws, bs in layers]
    n = len(X)
    total = 0.0
    last = len(layers) - 1
    for x, y in zip(X, Y, strict=True):
        acts = [x]
        pre = []
        h = x
        for depth, (ws, bs) in enumerate(layers):
            z = [
                sum(wi * hi for wi, hi in zip(w, h, strict=True)) + b
                for w, b in zip(ws, bs, strict=True)
            ]
            pre.append(z)
            h = z if depth == last else [v if v > 0 else 0.0 for v in z]
            acts.append(h)
        margin = 1.0 - y * h[0]
        if margin <= 0:
            continue
        total += margin
        dh = [-y / n]
        for depth in range(last, -1, -1):
            ws, _ = layers[depth]
            gw, gb = grads[depth]
            z = pre[depth]
            dz = dh if depth == last else [d if v > 0 else 0.0 for d, v in zip(dh, z, strict=True)]
            inp = acts[depth]
            for j, d in enumerate(dz):
                row = gw[j]
                for k, v in enumerate(inp):
                    row[k] += d * v
                gb[j] += d
            if depth:
                dh = [sum(dz[j] * ws[j][k] for j in range(len(dz))) for k in range(len(inp))]
    reg = 0.0
    for (ws, bs), (gw, gb) in zip(layers, grads, strict=True):
        for w, g in zip(ws, gw, strict=True):
            for k, v in enumerate(w):
                reg += v * v
                g[k] += 2 * ALPHA * v
        for j, b in enumerate(bs):
            reg += b * b
            gb[j] += 2 * ALPHA * b
    return total / n + ALPHA * reg, grads


def as_plain_layers(model: MLP) -> list[tuple[list[list[float]], list[float]]]:
    return [
        ([[w.data for w in n.w] for n in layer.neurons], [n.b.data for n in layer.neurons])
        for layer in model.layers
    ]


# --------------------------------------------------------------------------- peers


def micrograd_step(gc_on: bool, repeats: int) -> float | None:
    try:
        from micrograd.engine import Value as MValue
        from micrograd.nn import MLP as MMLP
    except ImportError:
        return None
    X, Y = w1_data()
    model = MMLP(2, SIZES[1:])
    inputs = [[MValue(float(a)) for a in row] for row in X]

    def step() -> None:
        scores = [model(x) for x in inputs]
        losses = [(1 + -float(y) * s).relu() for y, s in zip(Y, scores, strict=True)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum(p * p for p in model.parameters())
        total = data_loss + reg_loss
        model.zero_grad()
        total.backward()

    was_enabled = gc.isenabled()
    try:
        if gc_on:
            gc.enable()
        else:
            gc.disable()
        return median_ms(step, repeats, warmup=1)
    finally:
        if was_enabled:
            gc.enable()
        gc.collect()


def torch_step(repeats: int) -> float | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    X, Y = w1_data()
    gen = torch.Generator().manual_seed(0)
    Xt = torch.tensor(X)
    Yt = torch.tensor(Y)
    params = []
    for nin, nout in itertools.pairwise(SIZES):
        weights = torch.rand(nin, nout, dtype=torch.float64, generator=gen) * 2 - 1
        params.append(weights.requires_grad_())
        params.append(torch.zeros(nout, dtype=torch.float64, requires_grad=True))

    def step() -> None:
        for p in params:
            p.grad = None
        h = Xt
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i + 2 < len(params):
                h = torch.relu(h)
        loss = torch.relu(1 - Yt * h[:, 0]).mean() + ALPHA * sum((p * p).sum() for p in params)
        loss.backward()

    return median_ms(step, repeats, warmup=20)


# --------------------------------------------------------------------------- the spiral


def spiral_run(seed: int = 0, max_seconds: float = 30.0) -> tuple[float, int, float, float]:
    """Train 2-16-16-3 on the spiral with compiled batched steps until 90% accuracy.

    Returns (seconds to 90%, steps, final accuracy, compile seconds).
    """
    X, y = spiral(100, 3, seed=seed)
    T = np.eye(3)[y]
    model = MLP(2, [16, 16, 3], init="scaled", seed=seed)

    def sample_loss(model: MLP, x: Any, t: Any) -> al.Value:
        z = model(x)
        # Cross-entropy with a one-hot target: log(sum(exp(z))) - sum(t * z). Logits of a
        # small net stay far below exp's overflow, so no max shift is needed.
        log_total = al.sum_values([zk.exp() for zk in z]).log()
        return log_total - al.sum_values([tk * zk for tk, zk in zip(t, z, strict=True)])

    start = time.perf_counter()
    step = al.compile(sample_loss, model, X, T, batch=("x", "t"), wrt="model")
    compile_seconds = time.perf_counter() - start
    opt = Adam(model.parameters(), lr=0.02)
    params = model.parameters()
    accuracy = 0.0
    steps = 0
    while time.perf_counter() - start < max_seconds:
        for p in params:
            p.grad = 0.0
        step.backward(model, X, T)
        opt.step()
        steps += 1
        if steps % 25 == 0:
            accuracy = numpy_accuracy(model, X, y)
            if accuracy >= 0.9:
                break
    return time.perf_counter() - start, steps, accuracy, compile_seconds


def numpy_accuracy(model: MLP, X: Any, y: Any) -> float:
    h = np.asarray(X, dtype=np.float64)
    for i, layer in enumerate(model.layers):
        W = np.array([[w.data for w in n.w] for n in layer.neurons])
        b = np.array([n.b.data for n in layer.neurons])
        h = h @ W.T + b
        if i < len(model.layers) - 1:
            h = np.maximum(h, 0.0)
    return float(np.mean(np.argmax(h, axis=1) == y))


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    fast, slow = (20, 2) if args.quick else (100, 5)

    print(
        f"# bench_compile  {time.strftime('%Y-%m-%d')}  Python {platform.python_version()}  "
        f"{platform.machine()}  numpy {np.__version__}"
    )
    X, Y = w1_data()
    model = MLP(2, SIZES[1:], seed=0)

    t = time.perf_counter()
    compiled = al.compile(w1_loss, model, X, Y, wrt="model", backend="source")
    compile_s = time.perf_counter() - t
    t = time.perf_counter()
    taped = al.compile(w1_loss, model, X, Y, wrt="model", backend="tape")
    compile_t = time.perf_counter() - t
    t = time.perf_counter()
    batched = al.compile(w1_sample_loss, model, X, Y, batch=("x", "y"), wrt="model")
    compile_b = time.perf_counter() - t
    print(
        f"compile time: straight-line {compile_s:.2f} s ({compiled.num_ops} ops), "
        f"tape {compile_t:.2f} s, batched {compile_b:.3f} s ({batched.num_ops} ops per sample)"
    )

    # The three agree (a sanity check, not a timing).
    value, (g, _, _) = compiled(model, X, Y)
    b_value, (bg, _, _) = batched(model, X, Y)
    plain_value, _ = plain_float_step(as_plain_layers(model), X.tolist(), Y.tolist())
    assert abs(value - b_value) < 1e-12 and abs(value - plain_value) < 1e-12, (value, b_value)
    assert max(abs(a - b) for a, b in zip(g, bg, strict=True)) < 1e-12
    t_value, (tg, _, _) = taped(model, X, Y)
    assert abs(value - t_value) < 1e-12
    assert max(abs(a - b) for a, b in zip(g, tg, strict=True)) < 1e-12

    Xl, Yl = X.tolist(), Y.tolist()
    rows: list[tuple[str, float | None]] = [
        ("autograd_lite compiled (straight-line)", median_ms(lambda: compiled(model, X, Y), fast)),
        ("autograd_lite compiled (numpy tape)", median_ms(lambda: taped(model, X, Y), fast)),
        ("autograd_lite compiled batched (numpy)", median_ms(lambda: batched(model, X, Y), fast)),
        (
            "plain floats, hand-written fwd+bwd",
            median_ms(lambda: plain_float_step(as_plain_layers(model), Xl, Yl), fast),
        ),
    ]

    def interpret() -> None:
        model.zero_grad()
        w1_loss(model, Xl, Yl).backward()

    rows.append(("autograd_lite interpreter (Value graph)", median_ms(interpret, slow * 2)))
    rows.append(("micrograd 0.1.0, collector on", micrograd_step(True, slow)))
    rows.append(("micrograd 0.1.0, collector off", micrograd_step(False, slow)))
    rows.append(("PyTorch vectorised, float64, 1 thread", torch_step(fast * 3)))

    print("\nW1: MLP 2-16-16-1 relu, 100 points, max-margin + L2, forward+backward")
    print(f"{'engine':42} {'ms/step':>10}")
    for name, ms in rows:
        print(f"{name:42} {'skipped' if ms is None else f'{ms:10.3f}':>10}")
    by_name = dict(rows)
    ours = by_name["autograd_lite compiled (straight-line)"]
    ours_b = by_name["autograd_lite compiled batched (numpy)"]
    plain = by_name["plain floats, hand-written fwd+bwd"]
    mg_on = by_name["micrograd 0.1.0, collector on"]
    mg_off = by_name["micrograd 0.1.0, collector off"]
    torch_ms = by_name["PyTorch vectorised, float64, 1 thread"]
    assert ours is not None and ours_b is not None and plain is not None

    def ratio(what: str, num: float | None, den: float | None, target: str) -> None:
        if num is None or den is None:
            print(f"  {what:58} skipped")
        else:
            print(f"  {what:58} {num / den:8.1f}x   (target {target})")

    print("\nratios")
    ratio("compiled: speed-up over micrograd, collector on", mg_on, ours, ">= 40x")
    ratio("compiled: speed-up over micrograd, collector off", mg_off, ours, ">= 10x")
    ratio("compiled: time / plain floats", ours, plain, "<= 3x")
    ratio("batched: speed-up over micrograd, collector on", mg_on, ours_b, ">= 200x")
    ratio("batched: time / vectorised PyTorch", ours_b, torch_ms, "<= 3x")

    print("\ncompile of the micrograd-style W1 loss (binary ops) against its size, both backends\n")
    print("\n".join(compile_table(repeats=3 if args.quick else 5)))

    seconds, steps, accuracy, compile_sp = spiral_run()
    print(
        f"\nspiral 3 x 100 points, MLP 2-16-16-3, Adam, compiled batched: "
        f"{accuracy:.1%} after {steps} steps in {seconds:.2f} s "
        f"(compile {compile_sp:.3f} s included; target 90% in < 5 s)"
    )


if __name__ == "__main__":
    main()
