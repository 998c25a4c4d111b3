"""Grading on a Dask distributed cluster: a real LocalCluster of four worker processes.

The scheduling is Dask's; these tests check that the grader hands it self-contained tasks
(the submission's bytes and the exercise by name or by its file's text) and gets the same
records as the local process pool.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autograd_lite.grade import Limits, grade
from autograd_lite.grade.sample import sample_class

distributed = pytest.importorskip("distributed")

LIMITS = Limits(seconds=4)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    with distributed.LocalCluster(
        n_workers=4, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
        yield local


def test_a_class_on_four_dask_workers_matches_the_pool(cluster: Any, tmp_path: Path) -> None:
    mix = {"correct": 2, "buggy": 3, "crash": 1, "hang": 1, "missing": 1}
    labels = sample_class(tmp_path / "subs", 8, mix=mix)
    on_dask = grade(
        tmp_path / "subs",
        "two_layer",
        tmp_path / "dask",
        limits=LIMITS,
        scheduler=cluster.scheduler_address,
    )
    assert on_dask.graded == 8
    workers = {e.record["worker"] for e in on_dask.entries if "worker" in e.record}
    on_pool = grade(tmp_path / "subs", "two_layer", tmp_path / "pool", limits=LIMITS, workers=2)
    for lab, a, b in zip(labels, on_dask.entries, on_pool.entries, strict=True):
        assert a.record["score"] == b.record["score"], lab
        assert a.record["root_causes"] == b.record["root_causes"], lab
        assert a.record["status"] == b.record["status"], lab
        assert (a.record["score"] == 9.0) == lab.full_marks
    assert on_dask.summary.root_causes.keys() == on_pool.summary.root_causes.keys()
    assert workers == set()  # records carry nothing about where they ran


def test_a_teachers_exercise_file_travels_to_the_workers(cluster: Any, tmp_path: Path) -> None:
    (tmp_path / "ex.py").write_text(
        "import numpy as np\n"
        "PARAMETERS = {'w': np.array([0.5, -1.0])}\n"
        "GRADIENTS = {'w': 'dw'}\n"
        "def forward(w):\n    return (w**3).sum()\n",
        encoding="utf-8",
    )
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "right.py").write_text("dw = 3 * w**2\n", encoding="utf-8")
    (subs / "wrong.py").write_text("dw = 2 * w\n", encoding="utf-8")
    result = grade(
        subs,
        tmp_path / "ex.py",
        tmp_path / "out",
        names=True,
        limits=LIMITS,
        scheduler=cluster.scheduler_address,
    )
    assert result.scores() == {"right": 1.0, "wrong": 0.0}
