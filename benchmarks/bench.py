"""The benchmark table: engine x workload, side by side in one run. Not a test: it prints.

    bash benchmarks/run.sh            # installs micrograd, autograd, JAX, PyTorch first, then this
    python benchmarks/bench.py        # with whatever is installed; missing engines are "skipped"

Workloads
  W1      micrograd's demo step: MLP 2-16-16-1 relu, 100 points, max-margin loss + 1e-4 L2,
          forward + backward (about 66,000 nodes in a Value graph)
  chain   y = y * 1.0000001 + 0.1, 100,000 steps deep (400,001 nodes), build + backward
  sum     builtin sum() of 100,000 Values, build + backward
  spiral  3-class spiral, 100 points per class, MLP 2-16-16-3, softmax cross-entropy, one
          full-batch training step; plus the time to train it to 90% accuracy

Columns: microseconds per node to build the graph and to run backward, milliseconds per step
(median), peak bytes allocated per node during build + backward (tracemalloc, a separate run),
and the step's speed-up over micrograd with its collector on (the default a user has).
Compiled engines build no graph at run time, so only their ms/step is shown; their node count
is the traced graph's op count. The W1 peers (bench_peers.py): a careful hand-written float
step, a hand-written numpy step, and the vectorised loss in PyTorch, JAX (jit) and HIPS
autograd, all float64 on the CPU.

The floor rows run W1's forward code with numbers that record no graph (bench_engine.Inert):
the cost of the user's own loops and one object per operation. micrograd / floor is the most
any Python-level engine running the same code could beat micrograd by.

After the table: the interpreter's targets as ratios of rows of this run, the import time
(fresh processes), the scaling of the interpreter from 10^3 to 10^6 nodes and the compile time
against graph size for both backends of compile, straight-line source and the numpy tape
(bench_compile.compile_table).
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import bench_peers as peers
import numpy as np
from bench_compile import (
    SIZES,
    compile_table,
    median_ms,
    spiral_run,
    w1_data,
    w1_loss,
    w1_sample_loss,
)
from bench_engine import Inert, chain_workload, count_nodes, sum_workload
from bench_scaling import per_node_growth, scaling_table

import autograd_lite as al
from autograd_lite.datasets import spiral
from autograd_lite.nn import MLP

sys.setrecursionlimit(10_000)


@dataclass
class Row:
    workload: str
    engine: str
    nodes: int | None = None
    build_us: float | None = None
    backward_us: float | None = None
    step_ms: float | None = None
    peak_bytes: float | None = None
    note: str = ""


def _median(xs: list[float]) -> float:
    return statistics.median(xs)


def graph_engine(
    workload: str, engine: str, build: Callable[[], Any], repeats: int, collector: bool = True
) -> Row:
    """Time build and backward of a graph engine (ours or micrograd) and measure its memory."""
    builds, backs = [], []
    nodes = 0
    enabled = gc.isenabled()
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
            if enabled:
                gc.enable()
            builds.append(t1 - t0)
            backs.append(t2 - t1)
            nodes = count_nodes(root)
            del root
        gc.collect()
        tracemalloc.start()
        root = build()
        root.backward()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        del root
    except RecursionError:
        tracemalloc.stop()
        return Row(workload, engine, note="fails: RecursionError")
    finally:
        if enabled:
            gc.enable()
    b, k = _median(builds), _median(backs)
    return Row(
        workload, engine, nodes, b / nodes * 1e6, k / nodes * 1e6, (b + k) * 1e3, peak / nodes
    )


def timed_step(
    workload: str,
    engine: str,
    step: Callable[[], Any],
    repeats: int,
    nodes: int | None = None,
    note: str = "",
) -> Row:
    return Row(workload, engine, nodes, step_ms=median_ms(step, repeats), note=note)


# ----------------------------------------------------------------------------- W1


def classic_w1(V: type) -> Callable[[], Any]:
    """W1 written the way micrograd's demo writes it, for any Value class: same code, same
    graph (binary nodes only), so per-node figures compare like with like."""
    import random

    rng = random.Random(0)
    layers = [
        [([V(rng.uniform(-1, 1)) for _ in range(nin)], V(0.0)) for _ in range(nout)]
        for nin, nout in itertools.pairwise(SIZES)
    ]
    params = [p for layer in layers for w, b in layer for p in (*w, b)]
    X, Y = w1_data()
    inputs = [[V(float(a)) for a in row] for row in X]
    labels = Y.tolist()

    def build() -> Any:
        for p in params:
            p.grad = 0.0
        losses = []
        for x, y in zip(inputs, labels, strict=True):
            h: list[Any] = x
            for depth, layer in enumerate(layers):
                out = [sum((wi * hi for wi, hi in zip(w, h, strict=True)), b) for w, b in layer]
                h = [a.relu() for a in out] if depth < len(layers) - 1 else out
            losses.append((1 + -y * h[0]).relu())
        reg = 1e-4 * sum(p * p for p in params)
        return sum(losses) * (1.0 / len(losses)) + reg

    return build


def floor_row(repeats: int, collector: bool) -> Row:
    """W1's forward code run with :class:`Inert` numbers: no graph, no backward."""
    build = classic_w1(Inert)
    times = []
    enabled = gc.isenabled()
    try:
        for _ in range(repeats):
            gc.collect()
            if not collector:
                gc.disable()
            t = time.perf_counter()
            build()
            times.append(time.perf_counter() - t)
            if enabled:
                gc.enable()
    finally:
        if enabled:
            gc.enable()
    name = "floor: same code, no graph" + ("" if collector else ", gc off")
    return Row(
        "W1",
        name,
        step_ms=_median(times) * 1e3,
        note="forward floats only; no engine can be faster",
    )


def w1_rows(repeats: int) -> list[Row]:
    X, Y = w1_data()
    Xl, Yl = X.tolist(), Y.tolist()
    model = MLP(2, SIZES[1:], seed=0)

    def ours_nn() -> al.Value:
        model.zero_grad()
        return w1_loss(model, Xl, Yl)

    classic = classic_w1(al.Value)
    rows = [
        graph_engine("W1", "autograd_lite interpreter", classic, repeats),
        graph_engine("W1", "autograd_lite interpreter, gc off", classic, repeats, False),
        graph_engine("W1", "autograd_lite nn.MLP (fused dot nodes)", ours_nn, repeats),
    ]
    rows[-1].note = "one w·x+b node per neuron"
    compiled = al.compile(w1_loss, model, X, Y, wrt="model", backend="source")
    taped = al.compile(w1_loss, model, X, Y, wrt="model", backend="tape")
    batched = al.compile(w1_sample_loss, model, X, Y, batch=("x", "y"), wrt="model")
    rows.append(
        timed_step(
            "W1",
            "autograd_lite compiled",
            lambda: compiled(model, X, Y),
            repeats * 10,
            compiled.num_ops,
            "straight-line source",
        )
    )
    rows.append(
        timed_step(
            "W1",
            "autograd_lite compiled, tape",
            lambda: taped(model, X, Y),
            repeats * 10,
            taped.num_ops,
            "auto picks it above 5,000 ops",
        )
    )
    rows.append(
        timed_step(
            "W1",
            "autograd_lite compiled batched",
            lambda: batched(model, X, Y),
            repeats * 20,
            batched.num_ops,
            "ops per sample",
        )
    )
    rows.append(
        timed_step(
            "W1",
            "plain floats, careful hand-written",
            peers.careful_float_step(Xl, Yl),
            repeats * 10,
        )
    )
    try:
        from micrograd.engine import Value as MValue
    except ImportError:
        rows.append(Row("W1", "micrograd", note="skipped: not installed"))
    else:
        theirs = classic_w1(MValue)
        rows.append(graph_engine("W1", "micrograd", theirs, max(2, repeats // 2)))
        rows.append(graph_engine("W1", "micrograd, gc off", theirs, max(2, repeats // 2), False))
    rows.append(floor_row(repeats, True))
    rows.append(floor_row(repeats, False))
    rows.append(
        timed_step(
            "W1",
            "numpy, hand-written vectorised",
            peers.numpy_step(X, Y),
            repeats * 40,
            note="float64",
        )
    )
    for engine, make, package, note in (
        ("PyTorch vectorised", peers.torch_step, "torch", "float64, 1 thread"),
        ("JAX jit vectorised", peers.jax_step, "jax", "float64, CPU"),
        ("HIPS autograd vectorised", peers.hips_autograd_step, "autograd", "float64"),
    ):
        step = make(X, Y)
        if step is None:
            rows.append(Row("W1", engine, note=f"skipped: {package} not installed"))
        else:
            rows.append(
                timed_step(
                    "W1",
                    engine,
                    step,
                    repeats * 40,
                    note=f"{package} {peers.version(package)}, {note}",
                )
            )
    return rows


def flatness(steps: int = 50) -> str:
    """Interpreter W1 step times over ``steps`` consecutive steps: first 10 vs last 10."""
    X, Y = w1_data()
    Xl, Yl = X.tolist(), Y.tolist()
    model = MLP(2, SIZES[1:], seed=0)
    times = []
    for _ in range(steps):
        t = time.perf_counter()
        model.zero_grad()
        w1_loss(model, Xl, Yl).backward()
        times.append(time.perf_counter() - t)
    first, last = _median(times[:10]) * 1e3, _median(times[-10:]) * 1e3
    return (
        f"W1 interpreter over {steps} steps (collector on): median of the first 10 "
        f"{first:.1f} ms, of the last 10 {last:.1f} ms (ratio {last / first:.2f})"
    )


# ----------------------------------------------------------------------------- spiral


def spiral_rows(repeats: int) -> tuple[list[Row], str]:
    X, y = spiral(100, 3, seed=0)
    T = np.eye(3)[y]
    model = MLP(2, [16, 16, 3], init="scaled", seed=0)
    Xl = X.tolist()

    def loss_graph() -> al.Value:
        model.zero_grad()
        return al.cross_entropy([model(x) for x in Xl], y.tolist())

    def sample_loss(model: MLP, x: Any, t: Any) -> al.Value:
        z = model(x)
        log_total = al.sum_values([zk.exp() for zk in z]).log()
        return log_total - al.sum_values([tk * zk for tk, zk in zip(t, z, strict=True)])

    batched = al.compile(sample_loss, model, X, T, batch=("x", "t"), wrt="model")
    rows = [
        graph_engine("spiral", "autograd_lite interpreter", loss_graph, max(2, repeats // 2)),
        timed_step(
            "spiral",
            "autograd_lite compiled batched",
            lambda: batched(model, X, T),
            repeats * 20,
            batched.num_ops,
            "ops per sample",
        ),
    ]
    seconds, steps, accuracy, compile_s = spiral_run()
    return rows, (
        f"spiral trained with compiled batched steps: {accuracy:.1%} after {steps} "
        f"Adam steps in {seconds:.2f} s (compile {compile_s:.3f} s included)"
    )


# ----------------------------------------------------------------------------- output


def _fmt(x: float | None, spec: str) -> str:
    return "" if x is None else format(x, spec)


def print_table(rows: list[Row]) -> None:
    reference = {r.workload: r.step_ms for r in rows if r.engine == "micrograd" and r.step_ms}
    header = (
        "| workload | engine | nodes | build µs/node | backward µs/node | ms/step "
        "| peak bytes/node | vs micrograd (gc on) | note |"
    )
    print(header)
    print("|" + "---|" * 9)
    for r in rows:
        ref = reference.get(r.workload)
        ratio = f"{ref / r.step_ms:.1f}x" if ref and r.step_ms and r.engine != "micrograd" else ""
        print(
            f"| {r.workload} | {r.engine} | {_fmt(r.nodes, ',')} | {_fmt(r.build_us, '.3f')} "
            f"| {_fmt(r.backward_us, '.3f')} | {_fmt(r.step_ms, '.2f')} "
            f"| {_fmt(r.peak_bytes, '.0f')} | {ratio} | {r.note} |"
        )


def _fresh_ms(body: str, tries: int) -> float:
    """Best of ``tries`` fresh processes: milliseconds ``body`` takes, bytecode cached.

    Run as a user's installed package runs: with cached bytecode (pip writes it at install).
    PYTHONDONTWRITEBYTECODE is dropped and one untimed run writes the cache first; otherwise
    every run would compile the package's source, which no installed package does.
    """
    code = f"import time; t = time.perf_counter()\n{body}\nprint((time.perf_counter() - t) * 1e3)"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    times = []
    for _ in range(tries + 1):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
        )
        times.append(float(out.stdout))
    return min(times[1:])


def import_ms(tries: int = 7) -> float:
    """``import autograd_lite``, then build and differentiate a small Value expression (what
    a user waits for before the first answer), in a fresh process: best of ``tries``."""
    return _fresh_ms(
        "import autograd_lite as al\n"
        "x = al.Value(2.0); y = (x * x + 3 * x).tanh() * x; y.backward()",
        tries,
    )


def import_lines(tries: int = 7) -> list[str]:
    """The import figures: ours, and numpy's alone for scale."""
    ours = import_ms(tries)
    numpy_alone = _fresh_ms("import numpy", tries)
    return [
        f"import autograd_lite + a small backward, fresh process, best of {tries}: "
        f"{ours:.0f} ms (target <= 60 ms); numpy is not imported on this path "
        f"(import numpy alone: {numpy_alone:.0f} ms)",
    ]


def ratio_lines(rows: list[Row]) -> list[str]:
    """The targets of the interpreter, each a ratio of two rows of this run."""
    ms = {(r.workload, r.engine): r.step_ms for r in rows if r.step_ms}
    ours_on = ms.get(("W1", "autograd_lite interpreter"))
    ours_off = ms.get(("W1", "autograd_lite interpreter, gc off"))
    mg_on = ms.get(("W1", "micrograd"))
    mg_off = ms.get(("W1", "micrograd, gc off"))
    if not (ours_on and ours_off and mg_on and mg_off):
        return ["W1 ratios: skipped (micrograd not installed)"]
    lines = [
        f"W1 interpreter vs micrograd, collector off: {mg_off / ours_off:.1f}x (target >= 8x)",
        f"W1 interpreter vs micrograd, collector on: {mg_on / ours_on:.1f}x (target >= 30x)",
    ]
    floor_on = ms.get(("W1", "floor: same code, no graph"))
    floor_off = ms.get(("W1", "floor: same code, no graph, gc off"))
    if floor_on and floor_off:
        lines += [
            f"W1 ceiling for any Python-level engine running this code (micrograd / floor): "
            f"{mg_off / floor_off:.1f}x collector off, {mg_on / floor_on:.1f}x on",
            f"W1 interpreter's graph overhead above the floor: "
            f"{ours_off - floor_off:.1f} ms collector off, {ours_on - floor_on:.1f} ms on",
        ]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per graph engine")
    parser.add_argument(
        "--max-size", type=int, default=6, help="largest scaling graph, as a power of 10"
    )
    args = parser.parse_args()
    cpu = os.cpu_count()
    print(
        f"autograd_lite {al.__version__} benchmark, {time.strftime('%Y-%m-%d %H:%M')}, "
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"{platform.system()} {platform.machine()}, {cpu} cores, "
        f"load average {os.getloadavg()[0]:.1f} at the start; medians\n"
    )
    rows = w1_rows(args.repeats)
    for name, make in (("chain", chain_workload), ("sum", sum_workload)):
        rows.append(graph_engine(name, "autograd_lite interpreter", make(al.Value), args.repeats))
        if name == "sum":
            rows.append(
                graph_engine(
                    name,
                    "autograd_lite sum_values (one node)",
                    sum_workload(al.Value, fused=True),
                    args.repeats,
                )
            )
        try:
            from micrograd.engine import Value as MValue
        except ImportError:
            rows.append(Row(name, "micrograd", note="skipped: not installed"))
        else:
            rows.append(graph_engine(name, "micrograd", make(MValue), 1))
    spiral_table, spiral_note = spiral_rows(args.repeats)
    rows += spiral_table
    print_table(rows)
    print()
    for line in ratio_lines(rows):
        print(line)
    print(flatness())
    print(spiral_note)
    for line in import_lines():
        print(line)
    print("\nScaling of the interpreter (collector off)\n")
    scaling = scaling_table(args.max_size)
    print("\n".join(scaling))
    print()
    for name, growth in per_node_growth(scaling).items():
        print(f"{name}: backward µs/node at the largest size / at 10^4: {growth:.2f} (target <= 2)")
    print(
        "\ncompile of the micrograd-style W1 loss (binary ops) against its size, both backends "
        "(auto picks the tape above 5,000 ops)\n"
    )
    print("\n".join(compile_table()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
