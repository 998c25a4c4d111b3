"""Benchmark: the first drawing of a new process, cold and with the compiled renderer cached.

Not a test: it prints figures. Run ``python benchmarks/bench_draw.py``. Each figure is the
median of ``--repeats`` fresh Python processes that import autograd_lite, build a neuron, call
``backward()`` and render it with the in-process renderer; "cold" empties the cache folder
before every process, "cached" keeps the one the first process wrote. Then, in this process,
the cost of drawing ``MLP(2, [16, 16, 1])``'s loss on one sample: SVG, PNG, and the sizes of
the value view and the network view.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_CHILD = """
import time
start = time.perf_counter()
from autograd_lite import Value, draw_graph
x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(6.88, "b")
y = (x * w + b).tanh()
y.backward()
imported = time.perf_counter()
draw_graph(y, renderer="wasm").svg()
done = time.perf_counter()
print(imported - start, done - imported)
"""


def _first_drawing(cache: Path, cold: bool) -> tuple[float, float]:
    if cold:
        shutil.rmtree(cache, ignore_errors=True)
    env = dict(os.environ, AUTOGRAD_LITE_CACHE_DIR=str(cache))
    out = subprocess.run(
        [sys.executable, "-c", _CHILD], env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    return float(out[0]), float(out[1])


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        cache = Path(folder) / "cache"
        for label, cold in (("cold (no cache)", True), ("cached", False)):
            runs = [_first_drawing(cache, cold) for _ in range(args.repeats)]
            imports = statistics.median(r[0] for r in runs)
            draws = statistics.median(r[1] for r in runs)
            print(f"first drawing, new process, {label:16}: {_ms(draws)} (import {_ms(imports)})")

    from autograd_lite import MLP, Value, draw_graph
    from autograd_lite.draw import raster

    model = MLP(2, [16, 16, 1])
    out = model([Value(0.5, "x.0"), Value(-1.0, "x.1")])
    loss = ((out[0] if isinstance(out, list) else out) - 1.0) ** 2
    loss.label = "loss"
    loss.backward()
    for view in ("values", "network"):
        drawing = draw_graph(loss, view=view, max_nodes=None, renderer="wasm")
        start = time.perf_counter()
        svg = drawing.svg()
        svg_time = time.perf_counter() - start
        width, height = raster.svg_size(svg)
        print(
            f"MLP(2,[16,16,1]) {view:8} view: {drawing.num_values:4} boxes, SVG "
            f"{width:.0f} x {height:.0f} pt, {len(svg) / 1024:.0f} KiB, layout {_ms(svg_time)}"
        )
        start = time.perf_counter()
        png = raster.svg_to_png(svg)
        print(f"    PNG (resvg): {_ms(time.perf_counter() - start)}, {len(png) / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
