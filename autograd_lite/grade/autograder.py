"""Grade the notebook that is running, from an nbgrader or otter-grader test cell.

nbgrader and otter-grader run the student's notebook and then the teacher's test cells in the
same kernel; :func:`autograde` is what such a cell calls. It reads the answers from the
notebook's namespace (no sandbox of our own: the autograder's already contains the notebook),
judges them with the package's checker, and returns the score and the feedback text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .exercise import Exercise
from .feedback import feedback_text
from .judge import judge_arrays
from .load import load_exercise

__all__ = ["Autograde", "autograde"]


@dataclass(frozen=True)
class Autograde:
    """The result of :func:`autograde`.

    Attributes:
        score: the points earned.
        max_score: the points possible.
        text: the feedback, one line per gradient, the first wrong step and the mistakes.
        record: the full record (as in the class report's ``grades.json`` source).
    """

    score: float
    max_score: float
    text: str
    record: dict[str, Any]

    def __str__(self) -> str:
        return self.text


def autograde(exercise: str | Path | Exercise, namespace: Mapping[str, Any]) -> Autograde:
    """Judge the gradients defined in ``namespace`` (a notebook's ``globals()``).

    The exercise's driver, if any, runs on a copy of the namespace; each answer expression is
    read there; a missing or non-numeric answer gets no points and says why.

    Args:
        exercise: a built-in's name, a teacher's exercise file, or an Exercise.
        namespace: the student's variables, usually ``globals()``.

    Returns:
        An :class:`Autograde` with ``score``, ``max_score`` and ``text``.

    Example (an nbgrader autograder cell; the cell's last value is its partial credit):
        >>> from autograd_lite.grade import autograde  # doctest: +SKIP
        >>> result = autograde("two_layer", globals())  # doctest: +SKIP
        >>> print(result.text)  # doctest: +SKIP
        >>> result.score  # doctest: +SKIP
    """
    ex = load_exercise(exercise)
    scope = dict(namespace)
    problems: dict[str, str] = {}
    if ex.driver:
        try:
            exec(compile(ex.driver, "the exercise's driver", "exec"), scope)
        except Exception as error:  # the student's classes failing in the driver is a verdict
            problems = {
                g.name: f"the driver failed: {type(error).__name__}: {error}" for g in ex.gradients
            }
    answers = {}
    for g in ex.gradients:
        if g.name in problems:
            continue
        try:
            value = eval(g.answer, scope)
        except Exception as error:
            problems[g.name] = f"missing: {type(error).__name__}: {error}"
            continue
        try:
            answers[g.name] = np.array(value, dtype=np.float64)
        except (TypeError, ValueError) as error:
            problems[g.name] = f"not an array of numbers ({type(value).__name__}: {error})"
    record = judge_arrays(ex, answers, problems)
    record.update(status="ran", message="", output="", isolation={}, seconds=0.0)
    return Autograde(record["score"], record["max_score"], feedback_text(record, ex.title), record)
