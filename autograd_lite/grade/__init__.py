"""Grading: run a class's submissions safely, judge their backward passes, report on all."""

from __future__ import annotations

import sys
import types
from typing import Any

from .autograder import Autograde, autograde
from .builtin import BUILTIN
from .cache import Cache, cache_key
from .classreport import ClassSummary, StudentEntry
from .exercise import Exercise, ExerciseError, Gradient
from .load import load_exercise
from .run import ClassResult, grade, grade_one
from .sandbox import Limits, Run, run_submission
from .starter import starter_notebook, write_starter

__all__ = [
    "BUILTIN",
    "Autograde",
    "Cache",
    "ClassResult",
    "ClassSummary",
    "Exercise",
    "ExerciseError",
    "Gradient",
    "Limits",
    "Run",
    "StudentEntry",
    "autograde",
    "cache_key",
    "grade",
    "grade_one",
    "load_exercise",
    "run_submission",
    "starter_notebook",
    "write_starter",
]


class _GradePart(types.ModuleType):
    """This part is also callable: ``autograd_lite.grade`` names both the part and the function
    :func:`grade` (``al.grade(...)``), whichever Python's import system left under the name."""

    def __call__(self, *args: Any, **kwargs: Any) -> ClassResult:
        return grade(*args, **kwargs)


sys.modules[__name__].__class__ = _GradePart
