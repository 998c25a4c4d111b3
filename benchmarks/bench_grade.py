"""Grading a class of 200: prints wall time, the target ratio, the grader's memory, label agreement.

    python benchmarks/bench_grade.py [--size 200] [--timeout 3] [--skip-dask]

200 generated submissions of the two-layer exercise (autograd_lite.grade.sample: about 74
correct, 74 with one of four bugs, and about 7 each of crashing, hanging, missing-answer,
output-flooding, fork-bombing, snooping and escaping ones) are graded twice from scratch:

  pool  the local process pool (every core of this machine)
  dask  a Dask LocalCluster of 4 worker processes, one thread each

and then once more on the pool from the cache. For each it prints the wall time and its ratio
to the 120 s target, the grader process's resident memory at the start, after each quarter of
the class and at the end (flat: the records are small and nothing else is kept), and how many
students' grades disagree with the known labels (score full or not, first wrong step, run
status): 0 is the only good answer.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from autograd_lite.grade import Limits, grade
from autograd_lite.grade.sample import SampleSubmission, sample_class

TARGET_S = 120.0
STATUS = {
    "crash": {"error"},
    "hang": {"timeout"},
    "flood": {"output flood"},
    "fork": {"timeout", "killed"},
}


def rss_mib() -> float:
    with open("/proc/self/status", encoding="utf-8") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def disagreements(labels: list[SampleSubmission], result: Any) -> list[str]:
    wrong = []
    for lab, entry in zip(labels, result.entries, strict=True):
        r = entry.record
        if (r["score"] == r["max_score"]) != lab.full_marks:
            wrong.append(f"{lab.student} {lab.kind}: score {r['score']}")
        if lab.root_cause and r["root_causes"] != [lab.root_cause]:
            wrong.append(f"{lab.student} {lab.kind}: first wrong step {r['root_causes']}")
        if lab.kind in STATUS and r["status"] not in STATUS[lab.kind]:
            wrong.append(f"{lab.student} {lab.kind}: status {r['status']}")
    return wrong


def run(name: str, labels: list[SampleSubmission], subs: Path, out: Path, **options: Any) -> None:
    memory = [rss_mib()]
    done = [0]
    quarter = max(1, len(labels) // 4)

    def progress(student: str, record: dict[str, Any]) -> None:
        done[0] += 1
        if done[0] % quarter == 0:
            memory.append(rss_mib())

    start = time.perf_counter()
    result = grade(subs, "two_layer", out, progress=progress, **options)
    seconds = time.perf_counter() - start
    memory.append(rss_mib())
    wrong = disagreements(labels, result)
    print(
        f"{name:<6} {len(labels)} students, {result.graded} graded now: {seconds:6.1f} s "
        f"({seconds / TARGET_S:.2f} x the {TARGET_S:.0f} s target); grader RSS MiB "
        + " -> ".join(f"{m:.0f}" for m in memory)
        + f"; disagreements with the labels: {len(wrong)}"
    )
    for line in wrong[:10]:
        print("   ", line)
    statuses = result.summary.statuses
    print(
        f"       statuses {statuses}; first wrong steps "
        + ", ".join(f"{k}: {len(v)}" for k, v in result.summary.root_causes.items())
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=3.0)
    parser.add_argument("--skip-dask", action="store_true")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="bench-grade-"))
    try:
        labels = sample_class(base / "subs", args.size, outside=str(base / "escaped"))
        kinds: dict[str, int] = {}
        for lab in labels:
            kinds[lab.kind] = kinds.get(lab.kind, 0) + 1
        print(f"class: {kinds}; {os.cpu_count()} cores; load {os.getloadavg()[0]:.1f}")
        limits = Limits(seconds=args.timeout)
        run("pool", labels, base / "subs", base / "pool", limits=limits)
        run("cache", labels, base / "subs", base / "pool", limits=limits)
        if not args.skip_dask:
            from distributed import LocalCluster

            with LocalCluster(
                n_workers=4, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster:
                run(
                    "dask",
                    labels,
                    base / "subs",
                    base / "dask",
                    limits=limits,
                    scheduler=cluster.scheduler_address,
                )
        print(f"escaped file written: {(base / 'escaped').exists()}")
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
