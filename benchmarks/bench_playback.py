"""Recording a training run for the replay page: what it costs. Not a test: it prints.

    python benchmarks/bench_playback.py

The issue's run: ``MLP(2, [16, 16, 1])`` on 200 moons points (100 more as test data), 200
full-batch Adam steps with ``fit(..., compile=True)``, once without recording and once with
``record=Recorder(...)``. Printed: seconds for each and the cost per recorded frame, the frame
arrays' size (allocated up front), the peak memory allocated while recording (tracemalloc, a
separate run: its tracing slows everything down), and the replay page's size and the time to
write it. The limits the issue sets: at most 50 MB while recording, at most 3 MB of page
(tests/test_playback.py holds both).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograd_lite import MLP, fit
from autograd_lite.datasets import make_moons
from autograd_lite.learn.record import Recorder

STEPS = 200


def run(record: bool) -> tuple[float, Recorder | None]:
    X, y = make_moons(200, noise=0.1, random_state=0)
    X_test, y_test = make_moons(100, noise=0.1, random_state=1)
    model = MLP(2, [16, 16, 1], seed=0)
    rec = Recorder(model, X, y, loss="bce", X_test=X_test, y_test=y_test) if record else None
    started = time.perf_counter()
    fit(model, X, y, loss="bce", epochs=STEPS, compile=True, progress=False, record=rec or False)
    return time.perf_counter() - started, rec


def main() -> None:
    plain, _ = run(record=False)
    recording, rec = run(record=True)
    assert rec is not None
    print(f"{STEPS} steps of MLP(2, [16, 16, 1]) on 200 moons points, compiled:")
    print(f"  without recording   {plain:7.2f} s")
    print(
        f"  recording           {recording:7.2f} s  ({rec.frames} frames, "
        f"{(recording - plain) / rec.frames * 1e3:.1f} ms per frame)"
    )
    print(f"  frame arrays        {rec.memory_bytes / 1e6:7.2f} MB (max_frames={rec.max_frames})")
    tracemalloc.start()
    run(record=True)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"  peak while recording{peak / 1e6:7.1f} MB (limit 50 MB)")
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        path = rec.save(Path(folder) / "training.html")
        seconds = time.perf_counter() - started
        size = os.path.getsize(path)
    print(f"  page                {size / 1e6:7.2f} MB (limit 3 MB), written in {seconds:.2f} s")


if __name__ == "__main__":
    main()
