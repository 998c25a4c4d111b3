"""Graded records cached by the submission's content, in a folder whose files are not trusted.

A record is stored under the hash of the submission's bytes, the exercise's digest and the
package version, written atomically (a temporary file renamed into place), so a grader killed
at any moment leaves either the whole record or none. Reading never trusts the folder: a
symlink, a file too large, text that is not the JSON of a record, or a record whose fields do
not match the exercise is ignored, and the submission is graded again.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

import autograd_lite

from .exercise import Exercise
from .judge import MAX_DRAWING, RECORD_VERSION

__all__ = ["Cache", "cache_key", "valid_record"]

_MAX_BYTES = 8 * 2**20
_VERDICTS = {"ok", "WRONG", "missing", "unjudged"}
_CELLS = {"ok", "WRONG", "kink", "unclear"}
_STATUSES = {
    "ran",
    "error",
    "driver error",
    "timeout",
    "memory",
    "output flood",
    "killed",
    "no result",
}


def cache_key(content: bytes, exercise: Exercise) -> str:
    """The key of a submission's record: its bytes, the exercise, the package version."""
    h = hashlib.sha256()
    for part in (content, exercise.digest().encode(), autograd_lite.__version__.encode()):
        h.update(hashlib.sha256(part).digest())
    h.update(str(RECORD_VERSION).encode())
    return h.hexdigest()


class Cache:
    """Records by key in ``folder`` (created when first written)."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise ValueError(f"cache key must be 64 hex digits, got {key!r}")
        return self.folder / f"{key}.json"

    def get(self, key: str, exercise: Exercise) -> dict[str, Any] | None:
        """The valid record stored under ``key``, or None."""
        try:
            fd = os.open(self._path(key), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            return None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_BYTES:
                return None
            raw = os.read(fd, _MAX_BYTES + 1)
        finally:
            os.close(fd)
        try:
            record = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return None
        if not isinstance(record, dict) or record.get("key") != key:
            return None
        return record if valid_record(record, exercise) else None

    def put(self, key: str, record: dict[str, Any]) -> None:
        """Store ``record`` under ``key`` atomically."""
        path = self._path(key)
        self.folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps({**record, "key": key}, allow_nan=False)
        fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _number(value: Any, low: float, high: float) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and low <= value <= high
    )


def _text(value: Any, limit: int = 20000) -> bool:
    return isinstance(value, str) and len(value) <= limit


def valid_record(record: dict[str, Any], exercise: Exercise) -> bool:
    """Whether ``record`` has exactly the layout :func:`~autograd_lite.grade.judge.judge` writes
    for ``exercise``, with values in range (the score the sum of the points)."""
    try:
        if record.get("version") != RECORD_VERSION or record.get("exercise") != exercise.name:
            return False
        if record.get("status") not in _STATUSES:
            return False
        if not all(_text(record.get(k)) for k in ("message", "output", "diagnosis")):
            return False
        drawing = record.get("drawing")
        if not _text(drawing, MAX_DRAWING) or (
            drawing and not drawing.startswith(("<svg", "<?xml"))
        ):
            return False
        if not _number(record.get("seconds"), 0, 1e6):
            return False
        isolation = record.get("isolation")
        if not isinstance(isolation, dict) or not all(
            _text(k, 40) and _text(v, 300) for k, v in isolation.items()
        ):
            return False
        rows = record.get("gradients")
        if not isinstance(rows, list) or len(rows) != len(exercise.gradients):
            return False
        total = 0.0
        for row, g in zip(rows, exercise.gradients, strict=True):
            if not isinstance(row, dict) or row.get("name") != g.name:
                return False
            if row.get("answer") != g.answer or row.get("max_points") != g.points:
                return False
            verdict = row.get("verdict")
            if verdict not in _VERDICTS or not _text(row.get("detail"), 1000):
                return False
            if row.get("points") != (g.points if verdict == "ok" else 0.0):
                return False
            shape, cells = row.get("shape"), row.get("cells")
            if not isinstance(shape, list) or not all(_number(n, 0, 1e7) for n in shape):
                return False
            if not isinstance(cells, list) or len(cells) > 400:
                return False
            if not all(c in _CELLS for c in cells):
                return False
            total += float(row["points"])
        if not _number(record.get("score"), 0, 1e7) or abs(record["score"] - total) > 1e-9:
            return False
        if record.get("max_score") != exercise.max_score:
            return False
        causes, mistakes = record.get("root_causes"), record.get("mistakes")
        if not isinstance(causes, list) or not all(_text(c, 500) for c in causes):
            return False
        if not isinstance(mistakes, list):
            return False
        for m in mistakes:
            if not isinstance(m, dict) or not all(
                _text(m.get(k), 2000) for k in ("gradient", "kind", "message")
            ):
                return False
        return True
    except (TypeError, KeyError, AttributeError):
        return False
