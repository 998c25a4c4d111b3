"""Grading a class: contained runs, verdicts against known labels, reports, cache, restarts.

One small class (12 generated submissions: correct, buggy and every hostile kind) is graded
once per module and inspected by several tests; the hostile kinds are the issue's: an infinite
loop, a fork bomb, a flood of output, reading the other submissions, writing outside the scratch
folder, plus a crash, a missing answer and a network connection.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite.grade import (
    Cache,
    ExerciseError,
    Limits,
    autograde,
    cache_key,
    grade,
    load_exercise,
    run_submission,
)
from autograd_lite.grade.feedback import feedback_markdown
from autograd_lite.grade.judge import RECORD_VERSION
from autograd_lite.grade.sample import BUGS, correct_two_layer, sample_class, two_layer_text

ROOT = os.geteuid() == 0
MIX = {k: 1 for k in ("crash", "hang", "missing", "flood", "fork", "snoop", "escape")}
MIX.update(correct=2, buggy=3)
LIMITS = Limits(seconds=4)


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, list[Any], Path, Path]:
    base = tmp_path_factory.mktemp("class")
    outside = base / "escaped.txt"
    labels = sample_class(base / "subs", 12, mix=MIX, outside=str(outside))
    result = grade(base / "subs", "two_layer", base / "out", limits=LIMITS, workers=2)
    return result, labels, base, outside


def _by_student(result: Any, labels: list[Any]) -> dict[str, tuple[Any, dict[str, Any]]]:
    return {lab.student: (lab, result.entries[i].record) for i, lab in enumerate(labels)}


def test_every_kind_gets_its_verdict_and_the_class_goes_on(graded: Any) -> None:
    result, labels, _, _ = graded
    assert {lab.kind for lab in labels} == set(MIX)
    assert len(result.entries) == 12 and result.graded == 12
    for lab, record in _by_student(result, labels).values():
        if lab.kind == "snoop" and not ROOT:
            continue  # not contained without root (docs/grading.md): the snooper finds files
        full = record["score"] == record["max_score"] == 9.0
        assert full == lab.full_marks, (lab, record["status"], record["message"][-300:])
        if lab.kind == "buggy":
            assert record["root_causes"] == [lab.root_cause]
            assert record["mistakes"], lab
        expected_status = {
            "crash": "error",
            "hang": "timeout",
            "flood": "output flood",
            "missing": "ran",
        }.get(lab.kind)
        if expected_status:
            assert record["status"] == expected_status, (lab, record["message"])
        if lab.kind == "fork":
            assert record["status"] in ("timeout", "killed"), record["message"]
        if lab.kind == "missing":
            verdicts = {r["name"]: r["verdict"] for r in record["gradients"]}
            assert verdicts["W2"] == "missing" and verdicts["W1"] == "WRONG"
        if lab.kind == "crash":
            assert "my code is broken" in record["message"]
            assert 'File "submission.py", line 3' in record["message"]


def test_output_is_capped_and_nothing_is_left_running(graded: Any) -> None:
    result, labels, _, _ = graded
    flood = next(r for lab, r in _by_student(result, labels).values() if lab.kind == "flood")
    assert len(flood["output"]) < LIMITS.output_kb * 1024 + 200
    assert "more bytes of output not kept" in flood["output"]
    if ROOT:  # every submission ran as a private uid >= 100000: none may survive the grading
        assert _live_sandbox_processes() == []


def _live_sandbox_processes() -> list[str]:
    """Processes of the private uids (>= 100000) that are not zombies awaiting their reaper."""
    left = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            uid = os.stat(f"/proc/{pid}").st_uid
            with open(f"/proc/{pid}/stat", "rb") as handle:
                state = handle.read().rsplit(b")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            continue
        if 100_000 <= uid < 1_000_000 and state not in (b"Z", b"X"):
            left.append(pid)
    return left


@pytest.mark.skipif(not ROOT, reason="the file system is contained only when grading as root")
def test_reading_others_and_writing_outside_are_contained(graded: Any) -> None:
    result, labels, _, outside = graded
    records = _by_student(result, labels)
    snoop = next(r for lab, r in records.values() if lab.kind == "snoop")
    escape = next(r for lab, r in records.values() if lab.kind == "escape")
    # The snooper asserts it read nothing: it ran to the end with full marks.
    assert snoop["status"] == "ran" and snoop["score"] == 9.0, snoop["message"]
    assert not outside.exists()
    assert "Read-only file system" in escape["output"] or "Permission denied" in escape["output"]
    assert "isolated" in escape["isolation"]["network"]
    assert escape["isolation"]["filesystem"].startswith("read-only except the scratch folder")


@pytest.mark.skipif(not ROOT, reason="a network namespace needs root")
def test_no_network(tmp_path: Path) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    code = f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
    run = run_submission("a.py", code.encode(), load_exercise("two_layer"), limits=LIMITS)
    server.close()
    assert run.status == "error"
    assert "ConnectionRefusedError" in run.message or "unreachable" in run.message


def test_the_class_report_matches_the_labels(graded: Any) -> None:
    result, labels, base, _ = graded
    records = _by_student(result, labels)
    n = len(labels)
    for g in result.exercise.gradients:
        right = sum(
            1
            for _, r in records.values()
            for row in r["gradients"]
            if row["name"] == g.name and row["verdict"] == "ok"
        )
        assert result.summary.pass_rates[g.name] == pytest.approx(right / n)
    expected: dict[str, list[str]] = {}
    for lab in labels:
        if lab.root_cause:
            expected.setdefault(lab.root_cause, []).append(result.names[lab.student])
    assert {k: sorted(v) for k, v in result.summary.root_causes.items()} == {
        k: sorted(v) for k, v in expected.items()
    }
    assert set(result.summary.mistakes) >= {"sign", "scale"}
    # CSV and JSON: one row per student, pseudonyms only, points per gradient.
    rows = list(csv.DictReader((base / "out" / "grades.csv").open(encoding="utf-8")))
    assert [r["student"] for r in rows] == [result.names[lab.student] for lab in labels]
    for row, lab in zip(rows, labels, strict=True):
        assert float(row["score"]) == records[lab.student][1]["score"]
        assert sum(float(row[f"d{g.name}"]) for g in result.exercise.gradients) == float(
            row["score"]
        )
    data = json.loads((base / "out" / "grades.json").read_text(encoding="utf-8"))
    assert len(data["students"]) == n
    page = (base / "out" / "class.html").read_text(encoding="utf-8")
    for lab in labels:
        assert lab.student not in page
        assert result.names[lab.student] in page
        assert (base / "out" / "students" / f"{result.names[lab.student]}.md").exists()
    assert "<script" not in page and "http" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )


def test_pseudonyms_are_stable_and_names_only_when_asked(graded: Any) -> None:
    result, labels, base, _ = graded
    again = grade(base / "subs", "two_layer", base / "out", limits=LIMITS)
    assert again.names == result.names and again.graded == 0
    named = grade(
        base / "subs",
        "two_layer",
        base / "named",
        limits=LIMITS,
        names=True,
        cache=base / "out" / ".cache",
    )
    assert named.graded == 0  # same content, same cache
    assert labels[0].student in (base / "named" / "class.html").read_text(encoding="utf-8")


def test_the_cache_regrades_only_what_changed_and_distrusts_its_files(graded: Any) -> None:
    result, labels, base, _ = graded
    ex = result.exercise
    subs = base / "subs"
    cache = Cache(base / "out" / ".cache")
    # A tampered record (full marks written into a buggy student's record) is graded again.
    buggy = next(lab for lab in labels if lab.kind == "buggy")
    path = next(subs.glob(f"{buggy.student}.*"))
    key = cache_key(path.read_bytes(), ex)
    stored = json.loads((cache.folder / f"{key}.json").read_text(encoding="utf-8"))
    assert cache.get(key, ex) is not None
    forged = {**stored, "score": 9.0}
    (cache.folder / f"{key}.json").write_text(json.dumps(forged), encoding="utf-8")
    assert cache.get(key, ex) is None
    # A symlink in place of a record is not followed.
    correct = next(lab for lab in labels if lab.kind == "correct")
    ckey = cache_key(next(subs.glob(f"{correct.student}.*")).read_bytes(), ex)
    (cache.folder / f"{ckey}.json").unlink()
    (cache.folder / f"{ckey}.json").symlink_to(cache.folder / f"{key}.json")
    assert cache.get(ckey, ex) is None
    # One changed submission.
    crash = next(lab for lab in labels if lab.kind == "crash")
    (subs / f"{crash.student}.py").write_text(correct_two_layer(), encoding="utf-8")
    again = grade(subs, "two_layer", base / "out", limits=LIMITS)
    assert again.graded == 3  # the forged, the symlinked and the changed one
    scores = {lab.student: again.entries[i].record["score"] for i, lab in enumerate(labels)}
    assert scores[crash.student] == 9.0 and scores[buggy.student] < 9.0


def test_results_are_plain_arrays_never_unpickled(tmp_path: Path) -> None:
    # The submission replaces numpy.savez so its answers file holds a pickled object.
    code = correct_two_layer() + (
        "import pickle, zipfile\n"
        "def savez(name, **arrays):\n"
        "    with zipfile.ZipFile(name, 'w') as z:\n"
        "        z.writestr('a0.npy', pickle.dumps(object()))\n"
        "np.savez = savez\n"
    )
    run = run_submission("a.py", code.encode(), load_exercise("two_layer"), limits=LIMITS)
    assert run.answers == {}
    assert set(run.problems) == {g.name for g in load_exercise("two_layer").gradients}


@pytest.mark.skipif(not ROOT, reason="files, forks and network are contained only as root")
def test_what_a_submission_sees(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "teacher"
    secret.mkdir()
    (secret / "exercise.py").write_text("REFERENCE = 'the solution'\n", encoding="utf-8")
    monkeypatch.setenv("GRADER_TOKEN", "s3cret")
    code = (
        "import os, sys, json, time\n"
        f"try:\n    seen = open({str(secret / 'exercise.py')!r}).read()\n"
        "except OSError as e:\n    seen = type(e).__name__\n"
        "forks = 0\n"
        "try:\n"
        "    for _ in range(200):\n"
        "        if os.fork() == 0:\n            time.sleep(30)\n            os._exit(0)\n"
        "        forks += 1\n"
        "except OSError as e:\n    stopped = type(e).__name__\n"
        "try:\n    open('isolation.json', 'w').write('{}')\n    forged = 'yes'\n"
        "except OSError as e:\n    forged = type(e).__name__\n"
        "try:\n    os.remove('isolation.json')\n    removed = 'yes'\n"
        "except OSError as e:\n    removed = type(e).__name__\n"
        "print(json.dumps({'forged': forged, 'removed': removed, 'seen': seen,"
        " 'env': sorted(os.environ), 'path': sys.path,"
        " 'forks': forks, 'stopped': stopped, 'uid': os.getuid()}))\n"
    )
    run = run_submission(
        "a.py", code.encode(), load_exercise("two_layer"), limits=LIMITS, hide=[secret]
    )
    facts = json.loads(run.output.splitlines()[0])
    assert "the solution" not in run.output and facts["seen"] in (
        "PermissionError",
        "FileNotFoundError",
    )
    assert "GRADER_TOKEN" not in facts["env"] and "s3cret" not in run.output
    assert not any(
        str(tmp_path) in p or ("/work" in p and "site-packages" not in p) for p in facts["path"]
    )
    assert facts["uid"] >= 100_000
    # Its record of containment is root's: it can neither rewrite nor remove it.
    assert facts["forged"] == facts["removed"] == "PermissionError"
    assert "isolated" in run.isolation["network"]
    # RLIMIT_NPROC on the private uid: the processes (Python itself counts) stop short of it.
    assert facts["stopped"] == "BlockingIOError" and facts["forks"] < LIMITS.processes
    assert _live_sandbox_processes() == []


def test_a_memory_hog_is_stopped_by_the_memory_limit() -> None:
    code = "import numpy as np\nx = np.ones(10**10)\n"
    run = run_submission("a.py", code.encode(), load_exercise("two_layer"), limits=LIMITS)
    assert run.status == "memory", (run.status, run.message)
    assert set(run.problems) == {g.name for g in load_exercise("two_layer").gradients}


def _cli(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "autograd_lite", *args],
        cwd=Path(__file__).parent.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _records(cache: Path) -> list[Path]:
    """The record files (pathlib's glob also matches the hidden .tmp- files being written)."""
    return [p for p in cache.glob("*.json") if not p.name.startswith(".")]


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_an_interrupted_grader_loses_nothing(tmp_path: Path, how: signal.Signals) -> None:
    labels = sample_class(tmp_path / "subs", 6, mix={"correct": 1, "buggy": 1}, notebooks=False)
    args = (
        "grade",
        str(tmp_path / "subs"),
        "--exercise",
        "two_layer",
        "--out",
        str(tmp_path / "out"),
    )
    first = _cli(*args, "--workers", "1")
    cache = tmp_path / "out" / ".cache"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(_records(cache)) < 2:
        time.sleep(0.05)
    os.killpg(first.pid, how)
    first.wait(timeout=60)
    done = len(_records(cache))
    assert 2 <= done < 6 or first.returncode == 0
    # Records are whole or absent (a kill mid-write leaves at most an ignored .tmp- file).
    for path in _records(cache):
        assert json.loads(path.read_text(encoding="utf-8"))["version"] == RECORD_VERSION
    second = _cli(*args, "--quiet")
    output, _ = second.communicate(timeout=300)
    assert second.returncode == 0, output.decode()
    assert f"({6 - done} graded now, {done} from the cache)" in output.decode()
    # The killed grader's scratch folders are gone (the restart removed them): any left
    # belongs to a live process.
    for folder in Path(tempfile.gettempdir()).glob("al-grade-*-*"):
        stat = Path(f"/proc/{folder.name.split('-')[2]}/stat")
        assert stat.exists() and b") Z " not in stat.read_bytes(), folder
    data = json.loads((tmp_path / "out" / "grades.json").read_text(encoding="utf-8"))
    assert [row["score"] for row in data["students"]] == [
        9.0 if lab.full_marks else pytest.approx(row["score"])
        for lab, row in zip(labels, data["students"], strict=True)
    ]
    assert [row["score"] == 9.0 for row in data["students"]] == [lab.full_marks for lab in labels]


def test_the_cli_refuses_an_unknown_exercise(tmp_path: Path) -> None:
    (tmp_path / "subs").mkdir()
    process = _cli(
        "grade", str(tmp_path / "subs"), "--exercise", "nope", "--out", str(tmp_path / "o")
    )
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 2
    assert "not a built-in" in output.decode()


# ----------------------------------------------------------------- exercises and autograde


def test_al_grade_is_the_function_and_the_part() -> None:
    import autograd_lite.grade as part

    assert callable(al.grade) and callable(part)
    assert al.Exercise is part.Exercise


def test_a_teachers_exercise_file(tmp_path: Path) -> None:
    (tmp_path / "ex.py").write_text(
        "import numpy as np\n"
        "TITLE = 'a square'\n"
        "CONSTANTS = {'c': np.array([1.0, 2.0])}\n"
        "PARAMETERS = {'w': np.array([0.5, -1.0])}\n"
        "GRADIENTS = {'w': ('dw', 3), 'u': 'du'}\n"
        "def forward(w):\n    u = w * CONSTANTS['c']\n    return (u**2).sum()\n",
        encoding="utf-8",
    )
    ex = load_exercise(tmp_path / "ex.py")
    assert ex.max_score == 4.0 and [g.name for g in ex.gradients] == ["w", "u"]
    # An answer may be a call of the student's function.
    (tmp_path / "calls.py").write_text(
        "import numpy as np\nPARAMETERS = {'w': np.array([0.5, -1.0])}\n"
        "GRADIENTS = {'w': 'backward(w)[0]'}\ndef forward(w):\n    return (w**3).sum()\n",
        encoding="utf-8",
    )

    def backward(w: Any) -> tuple[Any, ...]:
        return (3 * w**2,)

    assert (
        autograde(tmp_path / "calls.py", {"w": np.array([0.5, -1.0]), "backward": backward}).score
        == 1.0
    )
    right = {"c": np.array([1.0, 2.0]), "w": np.array([0.5, -1.0])}
    right["du"] = 2 * right["w"] * right["c"]
    right["dw"] = right["du"] * right["c"]
    assert autograde(tmp_path / "ex.py", right).score == 4.0
    wrong = {**right, "dw": right["du"]}
    result = autograde(tmp_path / "ex.py", wrong)
    assert result.score == 1.0 and "dw: WRONG" in result.text
    # An Exercise object goes to the pool's workers too; two files of one stem stay two students.
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "ada.py").write_text("dw = 2 * w * c * c\ndu = 2 * w * c\n", encoding="utf-8")
    (subs / "ada.ipynb").write_text(
        json.dumps({"cells": [{"cell_type": "code", "source": "dw = w\n", "metadata": {}}]}),
        encoding="utf-8",
    )
    graded = grade(subs, ex, tmp_path / "out", names=True, workers=1, limits=LIMITS)
    assert graded.scores() == {"ada.ipynb": 0.0, "ada.py": 4.0}
    (tmp_path / "bad.py").write_text("GRADIENTS = {}\n", encoding="utf-8")
    with pytest.raises(ExerciseError, match="GRADIENTS"):
        load_exercise(tmp_path / "bad.py")


def _given(name: str) -> dict[str, Any]:
    return load_exercise(name).given


def test_builtin_exercises_give_full_marks_to_a_correct_pass_only() -> None:
    # Each correct pass is derived by hand here; the oracle is the checker's engine and
    # finite differences, independent of these lines.
    ns = _given("neuron")
    n = ns["w"] @ ns["x"] + ns["b"]
    ns.update(dn=1 - np.tanh(n) ** 2)
    ns.update(dw=ns["dn"] * ns["x"], db=ns["dn"])
    assert autograde("neuron", ns).score == 4.0
    assert autograde("neuron", {**ns, "dw": -ns["dw"]}).score == 2.0

    ns = _given("softmax_ce")
    scores = ns["X"] @ ns["W"]
    p = np.exp(scores - scores.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    p[np.arange(5), ns["y"]] -= 1
    ns.update(dscores=p / 5)
    ns.update(dW=ns["X"].T @ ns["dscores"])
    assert autograde("softmax_ce", ns).score == 4.0
    assert autograde("softmax_ce", {**ns, "dscores": p}).score == 2.0  # dW still right

    ns = _given("two_layer")
    exec(correct_two_layer(), ns)
    assert autograde("two_layer", ns).score == 9.0
    for bug, (_, _, cause) in BUGS.items():
        ns = _given("two_layer")
        exec(two_layer_text(bug), ns)
        result = autograde("two_layer", ns)
        assert result.record["root_causes"] == [cause] and result.score < 9.0


def test_batchnorm_mlp_exercise() -> None:
    from autograd_lite.learn.exercises import _backward

    ex = load_exercise("batchnorm_mlp")
    ns = ex.given
    grads = _backward(ex.parameters, ns["Xb"], ns["Yb"], None)  # type: ignore[arg-type]
    ns.update({f"d{k}": v for k, v in grads.items()})
    assert autograde(ex, ns).score == ex.max_score == 26.0
    buggy = _backward(ex.parameters, ns["Xb"], ns["Yb"], "tanh")  # type: ignore[arg-type]
    ns.update({f"d{k}": v for k, v in buggy.items()})
    result = autograde(ex, ns)
    assert result.record["root_causes"] == ["hpreact"] and result.score < 26.0


LAYER_SOLUTION = """
class Layer_Dense:
    def __init__(self, n_inputs, n_neurons):
        self.weights = np.zeros((n_inputs, n_neurons))
        self.biases = np.zeros((1, n_neurons))
    def forward(self, inputs):
        self.inputs = inputs
        self.output = inputs @ self.weights + self.biases
    def backward(self, dvalues):
        self.dweights = self.inputs.T @ dvalues
        self.dbiases = dvalues.sum(axis=0, keepdims=True)
        self.dinputs = dvalues @ self.weights.T

class Activation_ReLU:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)
    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[self.inputs <= 0] = 0

class Activation_Softmax_Loss_CategoricalCrossentropy:
    def forward(self, inputs, y_true):
        e = np.exp(inputs - inputs.max(axis=1, keepdims=True))
        self.output = e / e.sum(axis=1, keepdims=True)
        return -np.log(self.output[range(len(y_true)), y_true]).mean()
    def backward(self, dvalues, y_true):
        self.dinputs = dvalues.copy()
        self.dinputs[range(len(dvalues)), y_true] -= 1
        self.dinputs = self.dinputs / len(dvalues)
"""


def test_layer_class_exercise_in_the_sandbox() -> None:
    ex = load_exercise("layer_classes")
    code = "import numpy as np\n" + LAYER_SOLUTION
    from autograd_lite.grade.judge import judge

    record = judge(ex, run_submission("a.py", code.encode(), ex, limits=LIMITS))
    assert record["score"] == 9.0, record
    wrong = code.replace("self.dinputs[self.inputs <= 0] = 0", "pass")
    record = judge(ex, run_submission("a.py", wrong.encode(), ex, limits=LIMITS))
    assert record["score"] < 9.0
    assert any("activation1" in c for c in record["root_causes"]), record["root_causes"]
    # Attributes are shown as they are named, not as d<name>.
    page = feedback_markdown(record, "ada", ex.title)
    assert "| `activation1.dinputs` | ✘ WRONG |" in page and "`dactivation1" not in page


def test_starter_notebook_filled_in_grades_full(tmp_path: Path) -> None:
    out = tmp_path / "starter.ipynb"
    process = _cli("exercise", "starter", "two_layer", "-o", str(out))
    assert process.wait(timeout=60) == 0
    notebook = json.loads(out.read_text(encoding="utf-8"))
    assert notebook["nbformat"] == 4
    # As handed out, it runs in a real kernel (its placeholders are Python's ...).
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nbclient.NotebookClient(
        nbformat.reads(out.read_text(encoding="utf-8"), 4), timeout=120
    ).execute()
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "bob.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    notebook["cells"][-1]["source"] = correct_two_layer().splitlines(True)
    (subs / "ada.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    result = grade(subs, "two_layer", tmp_path / "out", limits=LIMITS, workers=1, names=True)
    ada, bob = (e.record for e in result.entries)
    assert ada["score"] == 9.0, ada["message"]
    assert bob["score"] == 0.0 and bob["status"] == "ran"
    assert all("not an array of numbers (ellipsis" in r["detail"] for r in bob["gradients"])


NBGRADER_CELL = """
from autograd_lite.grade import autograde

result = autograde("two_layer", globals())
print(result.text)
result.score
"""


def test_the_nbgrader_cell_of_the_docs(capsys: pytest.CaptureFixture[str]) -> None:
    docs = (Path(__file__).parent.parent / "docs" / "grading.md").read_text(encoding="utf-8")
    assert NBGRADER_CELL.strip() in docs
    ns = _given("two_layer")
    exec(two_layer_text("sign_W2"), ns)
    *body, last = NBGRADER_CELL.strip().splitlines()
    exec("\n".join(body), ns)
    assert eval(last, ns) == 7.0  # nbgrader takes a number as the cell's partial credit
    assert "First wrong step: W2" in capsys.readouterr().out


def test_the_otter_test_of_the_docs() -> None:
    docs = (Path(__file__).parent.parent / "docs" / "grading.md").read_text(encoding="utf-8")
    start = docs.index("# otter: tests/backprop.py")
    code = docs[start : docs.index("```", start)]
    # Stand in for otter's decorator: it records the test function and its points.
    found: list[Any] = []
    stub = type(sys)("otter.test_files")
    stub.test_case = lambda **kw: lambda f: found.append((kw, f)) or f  # type: ignore[attr-defined]
    sys.modules.setdefault("otter", type(sys)("otter"))
    sys.modules["otter.test_files"] = stub
    try:
        exec(code, {})
    finally:
        del sys.modules["otter.test_files"]
    ns = _given("two_layer")
    exec(correct_two_layer(), ns)
    for _, test in found:
        test(ns)
    exec(two_layer_text("tanh_local"), ns)
    with pytest.raises(AssertionError, match="z1"):
        for _, test in found:
            test(ns)
