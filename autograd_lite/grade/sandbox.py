"""Run one submission in its own contained process and collect the plain arrays it produced.

:func:`run_submission` copies the submission alone into a fresh scratch folder, starts
:mod:`autograd_lite.grade.child` there with a scrubbed environment, waits at most the time
limit while keeping only the first bytes of its output, kills its whole process group (and, as
root, every process of its private user id), then reads its results without trusting them:
no symlinks, regular files of bounded size, ``numpy.load(allow_pickle=False)``, float arrays
only.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import secrets
import select
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .exercise import Exercise, FloatArray

__all__ = ["Limits", "Run", "remove_stale_scratch", "run_submission"]

_CHILD = Path(__file__).with_name("child.py")
_RESULT_BYTES = 64 * 2**20


@dataclass(frozen=True)
class Limits:
    """What one submission may use.

    Attributes:
        seconds: wall-clock time limit; the process group is killed after it.
        memory_mb: address-space limit (RLIMIT_AS), in MiB.
        file_mb: largest file it may write (RLIMIT_FSIZE), in MiB.
        processes: processes and threads of its user (RLIMIT_NPROC; enforced when the grader
            runs as root, which gives each submission a user id of its own).
        output_kb: output kept for the feedback; output beyond ``flood_kb`` kills the run.
        flood_kb: output after which the run is stopped as flooding.
    """

    seconds: float = 10.0
    memory_mb: int = 1024
    file_mb: int = 16
    processes: int = 32
    output_kb: int = 16
    flood_kb: int = 4096

    def __post_init__(self) -> None:
        for name in ("seconds", "memory_mb", "file_mb", "processes", "output_kb", "flood_kb"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not value > 0:
                raise ValueError(f"Limits.{name} must be a positive number, got {value!r}")


@dataclass
class Run:
    """What a submission's run gave.

    Attributes:
        status: ``"ran"``, ``"error"`` (its code raised), ``"driver error"``, ``"timeout"``,
            ``"memory"``, ``"output flood"``, ``"killed"`` (by a signal, e.g. the CPU limit)
            or ``"no result"`` (it ended without writing one).
        message: what happened, in words (a traceback of the student's code when it raised).
        output: the first bytes of what it printed.
        answers: gradient name -> the array it gave.
        problems: gradient name -> why there is no array (``"missing: NameError: ..."``).
        isolation: what containment was applied (network, filesystem, user).
        seconds: wall-clock time of the run.
    """

    status: str
    message: str = ""
    output: str = ""
    answers: dict[str, FloatArray] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    isolation: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def _environment(scratch: str) -> dict[str, str]:
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": scratch,
        "TMPDIR": scratch,
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
    }


def run_submission(
    filename: str,
    content: bytes,
    exercise: Exercise,
    *,
    limits: Limits = Limits(),
    hide: Sequence[str | os.PathLike[str]] = (),
) -> Run:
    """Run one submission contained and return its arrays.

    Args:
        filename: the submission's file name; only its suffix (``.py`` or ``.ipynb``) is used.
        content: the file's bytes.
        exercise: what to run after it and which answers to read.
        limits: time, memory, file size, processes and output limits.
        hide: folders the submission must not see (the other submissions, the report, the
            cache, the exercise file's folder); covered when the platform allows (root).

    Returns:
        A :class:`Run`; never raises for anything the submission does.
    """
    suffix = ".ipynb" if filename.endswith(".ipynb") else ".py"
    scratch = tempfile.mkdtemp(prefix=f"al-grade-{os.getpid()}-")
    started = time.monotonic()
    try:
        root = Path(scratch)
        (root / f"submission{suffix}").write_bytes(content)
        np.savez(root / "inputs.npz", **exercise.given)  # type: ignore[arg-type]
        job = {
            "submission": f"submission{suffix}",
            "driver": exercise.driver,
            "answers": [[g.name, g.answer] for g in exercise.gradients],
            "hide": sorted({os.path.realpath(p) for p in hide}),
            "uid": 100_000 + secrets.randbelow(900_000),
            "limits": {
                "memory_mb": limits.memory_mb,
                "cpu_seconds": int(limits.seconds) + 1,
                "file_mb": limits.file_mb,
                "processes": limits.processes,
            },
        }
        (root / "job.json").write_text(json.dumps(job), encoding="utf-8")
        run = _execute(scratch, limits, int(job["uid"]))  # type: ignore[call-overload]
        run.seconds = time.monotonic() - started
        raw_isolation = _read_regular(root / "isolation.json", 4096)
        run.isolation = _string_map(raw_isolation) if raw_isolation else {}
        if run.status in ("ran", "error", "driver error", "memory", "no result"):
            _read_results(root, exercise, run)
        return run
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def remove_stale_scratch() -> int:
    """Remove the scratch folders of graders that were killed before they could (a folder's
    name holds the pid of the process that made it); returns how many were removed."""
    removed = 0
    for folder in Path(tempfile.gettempdir()).glob("al-grade-*-*"):
        pid = folder.name.split("-")[2]
        if not pid.isdigit() or folder.is_symlink() or not folder.is_dir():
            continue
        if _alive(int(pid)):
            continue  # its grader is alive (or the pid is reused): leave it
        shutil.rmtree(folder, ignore_errors=True)
        removed += 1
    return removed


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a running process (a zombie awaiting its reaper is not)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def _execute(scratch: str, limits: Limits, uid: int) -> Run:
    process = subprocess.Popen(
        [sys.executable, "-I", "-c", _CHILD.read_text(encoding="utf-8"), "job.json"],
        cwd=scratch,
        env=_environment(scratch),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + limits.seconds
    kept, total, status = bytearray(), 0, ""
    keep, flood = limits.output_kb * 1024, limits.flood_kb * 1024
    fd = process.stdout.fileno()
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                status = "timeout"
                break
            ready, _, _ = select.select([fd], [], [], min(left, 0.5))
            if not ready:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            total += len(chunk)
            if len(kept) < keep:
                kept += chunk[: keep - len(kept)]
            if total > flood:
                status = "output flood"
                break
    finally:
        _kill_all(process, uid)
        process.stdout.close()
    code = process.wait()
    output = kept.decode("utf-8", errors="replace")
    if total > len(kept):
        output += f"\n[... {total - len(kept)} more bytes of output not kept]"
    if status == "timeout":
        return Run("timeout", f"stopped after the time limit of {limits.seconds:g} s", output)
    if status == "output flood":
        return Run("output flood", f"stopped after printing more than {flood} bytes", output)
    if code < 0:
        name = signal.Signals(-code).name
        why = {
            "SIGXCPU": "the CPU time limit",
            "SIGXFSZ": "the file size limit",
            "SIGSEGV": "a crash",
        }.get(name, name)
        return Run("killed", f"the process was killed by {why} ({name})", output)
    return Run("no result" if code else "ran", "" if not code else f"exit code {code}", output)


def _kill_all(process: subprocess.Popen[bytes], uid: int) -> None:
    """Kill the submission's process group and, as root, every process of its private uid."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    if os.geteuid() != 0:
        return
    # A fork that called setsid() left the group; its private uid still names it.
    for _ in range(40):
        alive = _processes_of(uid)
        if not alive:
            return
        for pid in alive:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)


def _processes_of(uid: int) -> list[int]:
    """The live (not zombie) processes of ``uid``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.stat(f"/proc/{entry}").st_uid != uid:
                continue
        except FileNotFoundError:
            continue
        if _alive(int(entry)):
            found.append(int(entry))
    return found


def _read_regular(path: Path, limit: int) -> bytes | None:
    """The bytes of ``path`` if it is a regular file (no symlink) of at most ``limit`` bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(limit + 1)[:limit]
    finally:
        os.close(fd)


def _read_results(root: Path, exercise: Exercise, run: Run) -> None:
    raw = _read_regular(root / "result.json", 2**20)
    result = _json_object(raw)
    if result is None:
        if run.status == "ran":
            run.status, run.message = "no result", "the run ended without writing its answers"
        for g in exercise.gradients:
            run.problems[g.name] = "no answer: the run did not finish"
        return
    status = result.get("status")
    if run.status == "ran" and status in ("ran", "error", "driver error", "memory"):
        run.status = str(status)
    error = result.get("error")
    if isinstance(error, str) and error:
        run.message = error[:4000]
    given = result.get("answers") if isinstance(result.get("answers"), dict) else {}
    arrays: dict[str, Any] = {}
    blob = _read_regular(root / "answers.npz", _RESULT_BYTES)
    if blob is not None:
        try:
            with np.load(io.BytesIO(blob), allow_pickle=False) as archive:
                arrays = {key: archive[key] for key in archive.files[: len(exercise.gradients)]}
        except (ValueError, OSError, EOFError):
            arrays = {}
    for index, g in enumerate(exercise.gradients):
        array = arrays.get(f"a{index}")
        told = given.get(g.name) if isinstance(given, dict) else None
        if isinstance(array, np.ndarray) and array.dtype.kind in "fiub":
            run.answers[g.name] = np.array(array, dtype=np.float64)
        elif isinstance(told, str) and told != "given":
            run.problems[g.name] = told[:300]
        else:
            run.problems[g.name] = "missing: not defined by the submission"


def _json_object(raw: bytes | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _string_map(raw: bytes) -> dict[str, str]:
    value = _json_object(raw) or {}
    return {str(k)[:40]: str(v)[:300] for k, v in value.items() if isinstance(v, str)}
