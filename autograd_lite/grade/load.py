"""Find an exercise: a built-in by name, a teacher's file by path, loaded once per process."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .builtin import BUILTIN
from .exercise import Exercise, ExerciseError, exercise_from_source

__all__ = ["load_exercise"]

_LOADED: dict[str, Exercise] = {}


def load_exercise(spec: str | Path | Exercise) -> Exercise:
    """The exercise named by ``spec``: a built-in's name, a teacher's ``.py`` file, or itself.

    Args:
        spec: ``"two_layer"`` (see :data:`autograd_lite.grade.builtin.BUILTIN`), a path to a
            Python file, or an :class:`Exercise`.

    Returns:
        The exercise (loaded once per process and path content).

    Raises:
        ExerciseError: an unknown name or a file that does not define an exercise.
    """
    if isinstance(spec, Exercise):
        return spec
    text = str(spec)
    if text in BUILTIN:
        if text not in _LOADED:
            _LOADED[text] = BUILTIN[text]()
        return _LOADED[text]
    path = Path(text)
    if path.suffix != ".py" or not path.is_file():
        raise ExerciseError(
            f"exercise {text!r}: not a built-in ({', '.join(BUILTIN)}) nor a .py file"
        )
    source = path.read_text(encoding="utf-8")
    key = hashlib.sha256(source.encode()).hexdigest()
    if key not in _LOADED:
        _LOADED[key] = exercise_from_source(source, path.stem, str(path))
    return _LOADED[key]
