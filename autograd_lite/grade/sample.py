"""Generated submissions of the two-layer exercise: correct, buggy, crashing, hanging, hostile.

:func:`sample_class` writes a class of labelled submissions, so a teacher can try the grader
and the benchmark and tests can check the class report against the known labels.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

__all__ = ["KINDS", "SampleSubmission", "correct_two_layer", "sample_class", "two_layer_text"]

_FORWARD = """import numpy as np

N = X.shape[0]
z1 = X @ W1 + b1
h = np.tanh(z1)
scores = h @ W2 + b2
"""

# The correct backward pass, one line per gradient; a bug replaces one line.
_BACKWARD = {
    "dscores": (
        "shifted = scores - scores.max(axis=1, keepdims=True)\n"
        "probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)\n"
        "dscores = probs.copy()\ndscores[np.arange(N), y] -= 1\ndscores /= N\n"
    ),
    "dW2": "dW2 = h.T @ dscores\n",
    "db2": "db2 = dscores.sum(axis=0)\n",
    "dh": "dh = dscores @ W2.T\n",
    "dz1": "dz1 = (1 - h**2) * dh\n",
    "dW1": "dW1 = X.T @ dz1\n",
    "db1": "db1 = dz1.sum(axis=0)\n",
}

BUGS: dict[str, tuple[str, str, str]] = {
    # label: (line replaced, new text, the first wrong gradient's name in the check)
    "no_mean": (
        "dscores",
        _BACKWARD["dscores"].replace("dscores /= N\n", ""),
        "scores",
    ),
    "tanh_local": ("dz1", "dz1 = (1 - z1**2) * dh\n", "z1"),
    "sign_W2": ("dW2", "dW2 = -(h.T @ dscores)\n", "W2"),
    "db1_axis": ("db1", "db1 = dz1.sum(axis=0) * 2\n", "b1"),
}

KINDS = ("correct", "buggy", "crash", "hang", "missing", "flood", "fork", "snoop", "escape")
"""The kinds of submission :func:`sample_class` makes, in the order it cycles through them."""


def two_layer_text(bug: str | None = None) -> str:
    """A ``.py`` submission of the two-layer exercise, correct or with one bug of :data:`BUGS`."""
    lines = dict(_BACKWARD)
    if bug is not None:
        target, text, _ = BUGS[bug]
        lines[target] = text
    return _FORWARD + "".join(lines.values())


def correct_two_layer() -> str:
    """The correct two-layer submission."""
    return two_layer_text()


_HOSTILE = {
    "crash": "import numpy as np\nraise RuntimeError('my code is broken')\n",
    "hang": "while True:\n    pass\n",
    "missing": _FORWARD + "dW1 = X.T @ np.ones((4, 5))\n",  # one wrong answer, the rest missing
    "flood": "while True:\n    print('x' * 100000)\n",
    "fork": (
        "import os\nfor _ in range(10000):\n    try:\n        os.fork()\n"
        "    except OSError:\n        pass\nwhile True:\n    pass\n"
    ),
    "snoop": (
        "import glob, os\nstolen = []\nmine = os.getcwd()\n"
        "for p in glob.glob('{subs}/*') + glob.glob('/tmp/al-grade-*/*'):\n"
        "    if p.startswith(mine):\n        continue\n"
        "    try:\n        stolen.append(open(p, 'rb').read())\n    except OSError:\n        pass\n"
        "assert not stolen, 'read ' + str(len(stolen))\n" + _FORWARD + "".join(_BACKWARD.values())
    ),
    "escape": (
        "try:\n    open('{outside}', 'w').write('escaped')\nexcept OSError as e:\n"
        "    print('refused', e)\n" + _FORWARD + "".join(_BACKWARD.values())
    ),
}


@dataclass(frozen=True)
class SampleSubmission:
    """One generated submission and what a correct grader must say about it.

    Attributes:
        student: the student's name (the file's stem).
        kind: one of :data:`KINDS`.
        bug: the injected bug for ``"buggy"``, else None.
        root_cause: the first wrong gradient the check must name, or None.
        full_marks: whether it deserves every point.
    """

    student: str
    kind: str
    bug: str | None
    root_cause: str | None
    full_marks: bool


def sample_class(
    folder: Path,
    size: int,
    *,
    mix: dict[str, int] | None = None,
    outside: str = "/tmp/al-grade-escaped",
    notebooks: bool = True,
) -> list[SampleSubmission]:
    """Write ``size`` labelled submissions of the two-layer exercise into ``folder``.

    Args:
        folder: where to write them (created).
        size: how many.
        mix: kind -> weight (default: mostly correct and buggy, a few of each hostile kind).
        outside: the path the ``"escape"`` submissions try to write.
        notebooks: write every other correct or buggy submission as a notebook.

    Returns:
        The labels, one per file, in file order.
    """
    weights = mix or {
        "correct": 10,
        "buggy": 10,
        "crash": 1,
        "hang": 1,
        "missing": 1,
        "flood": 1,
        "fork": 1,
        "snoop": 1,
        "escape": 1,
    }
    # Kinds interleaved in proportion to their weights, so any prefix of the class is mixed.
    spread = [
        ((i + 0.5) / w, order, kind)
        for order, kind in enumerate(KINDS)
        if (w := weights.get(kind, 0)) > 0
        for i in range(w)
    ]
    cycle = [kind for _, _, kind in sorted(spread)]
    if not cycle:
        raise ValueError("sample_class: mix gives no submission kinds")
    folder.mkdir(parents=True, exist_ok=True)
    bugs = list(BUGS)
    labels = []
    for index in range(size):
        kind = cycle[index % len(cycle)]
        bug = bugs[index % len(bugs)] if kind == "buggy" else None
        student = f"student_{index:04d}"
        if kind in ("correct", "buggy"):
            text = two_layer_text(bug)
        else:
            text = _HOSTILE[kind].replace("{subs}", str(folder)).replace("{outside}", outside)
        text = f"# {student}: two-layer backward pass\n" + text  # each file its own content
        full = kind in ("correct", "snoop", "escape")
        cause = BUGS[bug][2] if bug else "W1" if kind == "missing" else None
        if notebooks and kind in ("correct", "buggy") and index % 2:
            (folder / f"{student}.ipynb").write_text(_notebook(text), encoding="utf-8")
        else:
            (folder / f"{student}.py").write_text(text, encoding="utf-8")
        labels.append(SampleSubmission(student, kind, bug, cause, full))
    return labels


def _notebook(code: str) -> str:
    head, _, tail = code.partition("scores = h @ W2 + b2\n")
    cells: list[dict[str, object]] = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# My backward pass"]},
        _cell("%matplotlib inline\n" + head + "scores = h @ W2 + b2\n"),
        _cell(tail),
    ]
    for index, cell in enumerate(cells):  # nbformat 4.5: every cell has an id
        cell["id"] = f"cell-{index}"
    notebook = {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(notebook, indent=1)


def _cell(source: str) -> dict[str, object]:
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": [],
        "source": source.splitlines(keepends=True),
    }
