"""Grade a folder of submissions: contained runs on every core or on Dask, cached, reported.

:func:`grade` is what ``autograd-lite grade`` and ``autograd_lite.grade(...)`` run. Each
submission is graded by :func:`grade_one` in a worker (a local process pool using every core,
or the workers of a Dask ``distributed`` scheduler); each finished record is cached at once
(atomically) and its feedback page written, so a grader interrupted at any point and started
again grades only what is not cached yet.
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import hashlib
import multiprocessing
import os
import secrets
import stat
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cache import Cache, cache_key
from .classreport import ClassSummary, StudentEntry, summarise, write_class_report
from .exercise import Exercise, ExerciseError, exercise_from_source
from .feedback import feedback_html, feedback_markdown
from .judge import judge
from .load import load_exercise
from .sandbox import Limits, remove_stale_scratch, run_submission

__all__ = ["ClassResult", "grade", "grade_one", "submissions_in"]

_MAX_SUBMISSION = 8 * 2**20
_SUFFIXES = (".py", ".ipynb")
_WINDOW = 4  # tasks in flight per worker


@dataclass
class ClassResult:
    """What :func:`grade` produced.

    Attributes:
        exercise: the exercise graded.
        entries: one per student, in file order (label, record, feedback page); a record
            here has no drawing (see ``students/<label>.svg``).
        summary: pass rates, common first wrong steps and mistakes.
        files: ``"html"``, ``"csv"``, ``"json"`` -> the class report's files.
        graded: how many submissions were run now (the others came from the cache).
        names: student name -> label used in the report (the name itself with ``names=True``).
        notes: what the teacher should know (containment that was not possible, ...).
    """

    exercise: Exercise
    entries: list[StudentEntry]
    summary: ClassSummary
    files: dict[str, Path]
    graded: int
    names: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def scores(self) -> dict[str, float]:
        """Label -> score."""
        return {e.label: float(e.record["score"]) for e in self.entries}


def submissions_in(folder: Path) -> list[Path]:
    """The ``.py`` and ``.ipynb`` files directly in ``folder`` (no hidden files, no symlinks)."""
    if not folder.is_dir():
        raise FileNotFoundError(f"grade: {folder} is not a folder of submissions")
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix in _SUFFIXES and not p.name.startswith(".") and not p.is_symlink()
    )


def _read(path: Path) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_SUBMISSION:
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(_MAX_SUBMISSION)
    finally:
        os.close(fd)


# What a worker needs to rebuild the exercise: ("builtin", name, "") or ("source", name, text).
ExerciseSpec = tuple[str, str, str]


def _spec(exercise: str | Path | Exercise) -> ExerciseSpec | None:
    if isinstance(exercise, Exercise):
        return None
    text = str(exercise)
    from .builtin import BUILTIN

    if text in BUILTIN:
        return ("builtin", text, "")
    return ("source", Path(text).stem, Path(text).read_text(encoding="utf-8"))


_FORKED: dict[str, Exercise] = {}  # exercises given as objects, inherited by forked workers


def _exercise_of(spec: ExerciseSpec | str) -> Exercise:
    if isinstance(spec, str):
        return _FORKED[spec]
    kind, name, text = spec
    if kind == "builtin":
        return load_exercise(name)
    return _cached_source(text, name)


_SOURCES: dict[str, Exercise] = {}


def _cached_source(text: str, name: str) -> Exercise:
    key = hashlib.sha256(text.encode()).hexdigest()
    if key not in _SOURCES:
        _SOURCES[key] = exercise_from_source(text, name, f"<exercise {name}>")
    return _SOURCES[key]


def grade_one(
    filename: str,
    content: bytes,
    spec: ExerciseSpec | str,
    limits: Limits,
    hide: Sequence[str],
) -> dict[str, Any]:
    """Run and judge one submission; the record (see :mod:`autograd_lite.grade.judge`).

    Runs in a worker: ``spec`` names the exercise (a built-in or a teacher file's text), so
    a worker on another machine needs nothing but this call.
    """
    exercise = _exercise_of(spec)
    run = run_submission(filename, content, exercise, limits=limits, hide=hide)
    return judge(exercise, run)


def _die_with_parent() -> None:
    # A pool worker dies with the grader (SIGKILL), so no worker outlives an interrupted run.
    ctypes.CDLL(None).prctl(1, 9, 0, 0, 0)


def _pseudonyms(names: Sequence[str], out: Path) -> dict[str, str]:
    """Stable pseudonyms: a keyed hash of each name with a secret kept in the report folder."""
    secret_file = out / ".pseudonym-key"
    secret = _read(secret_file) if secret_file.exists() else None
    if not secret or len(secret) != 32:
        secret = secrets.token_bytes(32)
        secret_file.write_bytes(secret)
        secret_file.chmod(0o600)
    return {
        n: "student-" + hashlib.blake2b(n.encode(), key=secret, digest_size=5).hexdigest()
        for n in names
    }


def grade(
    submissions: str | os.PathLike[str],
    exercise: str | Path | Exercise,
    out: str | os.PathLike[str],
    *,
    names: bool = False,
    limits: Limits | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    cache: str | os.PathLike[str] | None = None,
    progress: Callable[[str, dict[str, Any]], None] | None = None,
) -> ClassResult:
    """Grade every ``.py`` and ``.ipynb`` submission in a folder and write the reports.

    Each submission runs in its own contained process (see :mod:`autograd_lite.grade.sandbox`:
    time, memory, file size and process limits, a scratch folder holding only its own file, a
    scrubbed environment, and as root: no network, a read-only file system, the grader's
    folders covered, a user id of its own). Its gradients are judged by the package's checker
    in the grader. Records are cached by content, so a second run grades only what changed.

    Args:
        submissions: the folder of submissions; a student's name is the file's stem.
        exercise: a built-in's name (``"two_layer"``), a teacher's exercise file, or an
            :class:`~autograd_lite.grade.exercise.Exercise`.
        out: the report folder: ``class.html``, ``grades.csv``, ``grades.json`` and
            ``students/<label>.html`` / ``.md``.
        names: show students' names; by default they appear as stable pseudonyms (kept in
            ``grades.json`` is only the pseudonym; the key is ``out/.pseudonym-key``).
        limits: per-submission limits (default :class:`~autograd_lite.grade.sandbox.Limits`).
        workers: local worker processes (default: every core).
        scheduler: the address of a Dask ``distributed`` scheduler (``"tcp://host:8786"``)
            to grade on its workers instead (needs the ``[dask]`` extra); a
            ``distributed.Client`` is accepted too.
        cache: the cache folder (default ``out/.cache``).
        progress: called as ``progress(student, record)`` when each student is done.

    Returns:
        A :class:`ClassResult`.

    Raises:
        FileNotFoundError: ``submissions`` is not a folder.
        ExerciseError: the exercise cannot be loaded.

    Example:
        >>> import autograd_lite as al
        >>> result = al.grade("submissions/", "two_layer", "report/")  # doctest: +SKIP
        >>> result.summary.root_causes  # doctest: +SKIP
        {'z1': ['student-3f09a1c2d4', ...], ...}
    """
    folder, out_dir = Path(submissions), Path(out)
    files = submissions_in(folder)
    remove_stale_scratch()
    ex = load_exercise(exercise)
    spec: ExerciseSpec | str | None = _spec(exercise)
    if spec is None:
        _FORKED[ex.digest()] = ex
        spec = ex.digest()
        if scheduler is not None:
            raise ExerciseError("grade: give a Dask scheduler a built-in name or an exercise file")
    limits = limits or Limits()
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "students").mkdir(exist_ok=True)
    store = Cache(cache if cache is not None else out_dir / ".cache")
    hide = [str(folder.resolve()), str(out_dir.resolve()), str(store.folder.resolve())]
    if (
        not isinstance(exercise, Exercise)
        and str(exercise) not in ("",)
        and Path(str(exercise)).is_file()
    ):
        hide.append(str(Path(str(exercise)).resolve().parent))
    # A student is a file's stem; two files with one stem (ada.py, ada.ipynb) keep their names.
    stems = Counter(p.stem for p in files)
    student_of = {p: p.stem if stems[p.stem] == 1 else p.name for p in files}
    students = [student_of[p] for p in files]
    labels = {n: n for n in students} if names else _pseudonyms(students, out_dir)

    records: dict[str, dict[str, Any]] = {}
    todo: list[tuple[str, str, bytes, str]] = []
    for path in files:
        content = _read(path)
        if content is None:
            who = student_of[path]
            records[who] = _kept(out_dir, ex, labels[who], _unreadable(ex, path))
            continue
        key = cache_key(content, ex)
        cached = store.get(key, ex)
        if cached is not None:
            records[student_of[path]] = _kept(out_dir, ex, labels[student_of[path]], cached)
        else:
            todo.append((student_of[path], path.name, content, key))

    def finished(student: str, key: str, record: dict[str, Any]) -> None:
        store.put(key, record)
        records[student] = _kept(out_dir, ex, labels[student], record)
        if progress is not None:
            progress(student, record)

    runner = _on_dask if scheduler is not None else _on_pool
    for student, key, record in runner(todo, spec, limits, hide, workers, scheduler):
        finished(student, key, record)

    entries = []
    for student in students:
        record = records[student]
        entries.append(StudentEntry(labels[student], record, f"students/{labels[student]}.html"))
    notes = _notes(entries)
    report = write_class_report(out_dir, ex, entries, notes)
    return ClassResult(ex, entries, summarise(ex, entries), report, len(todo), labels, notes)


def _on_pool(
    todo: list[tuple[str, str, bytes, str]],
    spec: ExerciseSpec | str,
    limits: Limits,
    hide: list[str],
    workers: int | None,
    scheduler: Any,
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    if not todo:
        return
    count = workers or os.cpu_count() or 1
    context = multiprocessing.get_context("fork")
    waiting = iter(todo)
    with concurrent.futures.ProcessPoolExecutor(
        count, mp_context=context, initializer=_die_with_parent
    ) as pool:
        running: dict[concurrent.futures.Future[dict[str, Any]], tuple[str, str]] = {}

        def submit_next() -> None:
            for student, name, content, key in waiting:
                future = pool.submit(grade_one, name, content, spec, limits, hide)
                running[future] = (student, key)
                return

        try:
            # A window of a few tasks per worker: memory stays the same for any class size.
            for _ in range(_WINDOW * count):
                submit_next()
            while running:
                done, _ = concurrent.futures.wait(
                    running, return_when=concurrent.futures.FIRST_COMPLETED
                )
                for future in done:
                    student, key = running.pop(future)
                    submit_next()
                    yield student, key, future.result()
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _on_dask(
    todo: list[tuple[str, str, bytes, str]],
    spec: ExerciseSpec | str,
    limits: Limits,
    hide: list[str],
    workers: int | None,
    scheduler: Any,
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    if not todo:
        return
    try:
        import distributed
    except ImportError:
        raise ImportError(
            "grade(scheduler=...) needs Dask distributed: pip install 'autograd_lite[dask]'"
        ) from None
    dask: Any = distributed
    client = scheduler if isinstance(scheduler, dask.Client) else dask.Client(scheduler)
    waiting = iter(todo)
    running: dict[Any, tuple[str, str]] = {}
    flow = dask.as_completed()

    def submit_next() -> None:
        for student, name, content, key in waiting:
            future = client.submit(grade_one, name, content, spec, limits, hide, pure=False)
            running[future] = (student, key)
            flow.add(future)
            return

    try:
        cores = sum(client.nthreads().values()) or 1
        for _ in range(_WINDOW * cores):
            submit_next()
        for future in flow:
            student, key = running.pop(future)
            submit_next()
            record = future.result()
            future.release()
            yield student, key, record
    finally:
        for future in running:
            future.cancel()
        if client is not scheduler:
            client.close()


def _unreadable(exercise: Exercise, path: Path) -> dict[str, Any]:
    from .judge import judge_arrays

    record = judge_arrays(exercise, {}, not_run="no answer: the file could not be read")
    record.update(
        status="no result",
        message=f"{path.name}: not a regular file of at most {_MAX_SUBMISSION} bytes",
        output="",
        isolation={},
        seconds=0.0,
    )
    return record


def _kept(out: Path, exercise: Exercise, label: str, record: dict[str, Any]) -> dict[str, Any]:
    """Write the student's pages; return the record as kept in memory: without its drawing
    (the largest part, in ``students/<label>.svg`` and the cache), so the grader's memory
    does not grow with the drawings of the whole class."""
    _write_feedback(out, exercise, label, record)
    return {**record, "drawing": ""}


def _write_feedback(out: Path, exercise: Exercise, label: str, record: dict[str, Any]) -> None:
    for suffix, text in (
        (".html", feedback_html(record, label, exercise.title)),
        (".md", feedback_markdown(record, label, exercise.title)),
        (".svg", record["drawing"]),
    ):
        if not text:
            continue
        path = out / "students" / f"{label}{suffix}"
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)


def _notes(entries: Sequence[StudentEntry]) -> list[str]:
    seen: dict[str, set[str]] = {}
    for e in entries:
        for key, value in e.record["isolation"].items():
            seen.setdefault(key, set()).add(value)
    notes = [f"containment, {k}: {' | '.join(sorted(v))}" for k, v in sorted(seen.items())]
    if any("not isolated" in v for v in seen.get("network", ())):
        notes.append(
            "the grader did not run as root: submissions had network access, could read what "
            "the grader's user can read, and wrote outside their folder if the file system let them"
        )
    return notes
