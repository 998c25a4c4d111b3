"""A student's starter notebook generated from an exercise.

The notebook opens with the exercise's title and instructions, defines the fixed inputs (the
same arrays the grader gives), and leaves the exercise's starter code for the student to fill.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from .exercise import Exercise

__all__ = ["starter_notebook", "write_starter"]


def _cell(kind: str, source: str) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": kind, "metadata": {}, "source": source.splitlines(True)}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def _literal(value: np.ndarray) -> str:
    kind = "float" if value.dtype.kind == "f" else "int" if value.dtype.kind in "iub" else ""
    dtype = f", dtype={kind}" if kind else ""
    return (
        f"np.array({np.array2string(value, separator=', ', precision=17, threshold=10**9)}{dtype})"
    )


def starter_notebook(exercise: Exercise) -> dict[str, Any]:
    """The starter notebook of ``exercise`` as an nbformat-4 dict."""
    given = "\n".join(f"{k} = {_literal(v)}" for k, v in exercise.given.items())
    answers = ", ".join(f"`{g.answer}` ({g.points:g} pt)" for g in exercise.gradients)
    cells = [
        _cell("markdown", f"# {exercise.title}\n\n{exercise.instructions}"),
        _cell(
            "markdown",
            "The inputs below are the ones the grader uses; keep them as they are.\n\n"
            f"Graded: {answers}.",
        ),
        _cell("code", "import numpy as np\n\n" + given + "\n"),
        _cell("code", exercise.starter or "# your code\n"),
    ]
    for index, cell in enumerate(cells):  # nbformat 4.5: every cell has an id
        cell["id"] = f"{exercise.name}-{index}"
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
            "autograd_lite": {"exercise": exercise.name},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def write_starter(exercise: Exercise, path: str | Path) -> Path:
    """Write the starter notebook to ``path`` (``.ipynb``); returns the path."""
    target = Path(path)
    if target.suffix != ".ipynb":
        raise ValueError(f"starter notebook: {target} should end in .ipynb")
    target.write_text(json.dumps(starter_notebook(exercise), indent=1) + "\n", encoding="utf-8")
    return target
