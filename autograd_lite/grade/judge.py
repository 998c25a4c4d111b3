"""Judge a submission's arrays with the package's own checker and score them.

:func:`judge` turns a :class:`~autograd_lite.grade.sandbox.Run` into a plain record (a dict of
strings, numbers and lists, safe to store as JSON): each gradient's verdict and points, the
first wrong steps (``root_causes``), the mistakes recognised, the check's diagnosis, and each
entry's verdict for the drawing. The arrays are judged in the grader's process by
:func:`~autograd_lite.check_gradients` or :func:`~autograd_lite.check_layers`; the student's
process only ever hands over plain float arrays.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from ..check import GradientReport, check_gradients, check_layers
from .exercise import Exercise, FloatArray
from .sandbox import Run

__all__ = ["MAX_DRAWING", "RECORD_VERSION", "judge", "judge_arrays"]

RECORD_VERSION = 2
"""The version of the record's layout; a cached record of another version is graded again."""

_MAX_CELLS = 400  # entries per gradient kept for the grid of verdicts
MAX_DRAWING = 2 * 2**20
"""The largest drawing (SVG characters) a record keeps."""


def judge(exercise: Exercise, run: Run) -> dict[str, Any]:
    """The graded record of one run (see the module docstring)."""
    record = judge_arrays(exercise, run.answers, run.problems, not_run=_not_run(run))
    record.update(
        status=run.status,
        message=run.message,
        output=run.output,
        isolation=dict(run.isolation),
        seconds=round(run.seconds, 3),
    )
    return record


def _not_run(run: Run) -> str:
    if run.status in ("timeout", "output flood", "killed", "no result"):
        return f"no answer: the run was stopped ({run.status}: {run.message})"
    return ""


def judge_arrays(
    exercise: Exercise,
    answers: dict[str, FloatArray],
    problems: dict[str, str] | None = None,
    *,
    not_run: str = "",
) -> dict[str, Any]:
    """Judge ``answers`` (gradient name -> array) against the exercise; return the record.

    Args:
        exercise: the exercise.
        answers: the student's arrays by gradient name.
        problems: gradient name -> why it has no array.
        not_run: when set, every gradient without an array gets this as its detail.
    """
    problems = dict(problems or {})
    report, refused = _check(exercise, answers)
    by_gradient: dict[str, list[str]] = {}
    if report is not None:
        for entry in report.entries:
            by_gradient.setdefault(entry.gradient, []).append(entry.verdict)
    rows = []
    for g in exercise.gradients:
        verdicts = by_gradient.get(g.name, [])
        cells: list[str]
        if g.name not in answers:
            detail = problems.get(g.name) or not_run or "missing: not defined by the submission"
            verdict, cells = "missing", []
        elif g.name in refused:
            verdict, detail, cells = "unjudged", refused[g.name], []
        elif not verdicts:
            verdict, detail, cells = "unjudged", "the check did not reach it", []
        else:
            cells = verdicts
            counts = Counter(verdicts)
            if counts["WRONG"]:
                verdict = "WRONG"
                detail = f"{counts['WRONG']} of {len(verdicts)} entries wrong"
            elif counts["unclear"] or counts["kink"]:
                verdict = "unjudged"
                detail = (
                    f"{counts['unclear'] + counts['kink']} of {len(verdicts)} entries could not "
                    "be judged (at or near a kink, or numerically unclear): for the teacher "
                    "to review"
                )
            else:
                verdict, detail = "ok", f"all {len(verdicts)} entries right"
        shape = list(np.shape(answers[g.name])) if g.name in answers else []
        rows.append(
            {
                "name": g.name,
                "answer": g.answer,
                "verdict": verdict,
                "detail": detail,
                "points": g.points if verdict == "ok" else 0.0,
                "max_points": g.points,
                "shape": shape,
                "cells": cells[:_MAX_CELLS],
            }
        )
    mistakes = []
    root_causes: list[str] = []
    diagnosis = drawing = ""
    if report is not None:
        drawing = _drawing(report)
        root_causes = [str(r) for r in report.root_causes]
        mistakes = [
            {"gradient": m.gradient, "kind": m.kind, "message": m.message} for m in report.mistakes
        ]
        diagnosis = report.diagnosis()
    return {
        "version": RECORD_VERSION,
        "exercise": exercise.name,
        "score": float(sum(r["points"] for r in rows)),  # type: ignore[misc]
        "max_score": exercise.max_score,
        "gradients": rows,
        "root_causes": root_causes,
        "mistakes": mistakes,
        "diagnosis": diagnosis,
        "drawing": drawing,
    }


def _drawing(report: GradientReport) -> str:
    """The package's drawing of the check (wrong entries red) as SVG text, or "" if none."""
    from ..draw import draw_graph

    if report.loss is None:
        return ""
    try:
        svg = draw_graph(report.loss, highlight=report).svg()
    except Exception:  # a drawing that fails must not cost the student their grade
        return ""
    return svg if len(svg) <= MAX_DRAWING else ""


def _check(
    exercise: Exercise, answers: dict[str, FloatArray]
) -> tuple[GradientReport | None, dict[str, str]]:
    """The check of every answer the checker accepts, and why it refused the others."""
    refused: dict[str, str] = {}
    for bad in [k for k, v in answers.items() if not np.all(np.isfinite(v))]:
        refused[bad] = "contains NaN or infinity"
    names = [g.name for g in exercise.gradients if g.name in answers and g.name not in refused]
    if not names:
        return None, refused
    try:
        return _run_check(exercise, {n: answers[n] for n in names}), refused
    except (ValueError, TypeError) as error:
        if len(names) == 1:
            refused[names[0]] = _reason(error)
            return None, refused
    # One answer spoils the whole check (a wrong shape): find which, judge the others.
    keep = []
    for name in names:
        try:
            _run_check(exercise, {name: answers[name]})
            keep.append(name)
        except (ValueError, TypeError) as error:
            refused[name] = _reason(error)
    if not keep:
        return None, refused
    return _run_check(exercise, {n: answers[n] for n in keep}), refused


def _reason(error: Exception) -> str:
    return f"refused by the checker: {str(error).splitlines()[0][:300]}"


def _run_check(exercise: Exercise, expected: dict[str, FloatArray]) -> GradientReport:
    if exercise.forward is not None:
        return check_gradients(exercise.forward, dict(exercise.parameters), expected)
    assert exercise.layers is not None
    objects, X, y = exercise.layers()
    for name, array in expected.items():
        owner, _, attribute = name.partition(".")
        setattr(objects[owner], attribute, array)
    return check_layers(dict(objects), X, y)
