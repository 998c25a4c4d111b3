"""An exercise to grade: the reference forward pass, the gradients to produce, inputs, points.

A teacher writes an exercise as a small Python file (see ``docs/grading.md``) or picks a built-in
one by name (:data:`autograd_lite.grade.builtin.BUILTIN`);
:func:`autograd_lite.grade.load.load_exercise` reads either.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "Exercise",
    "ExerciseError",
    "Gradient",
    "exercise_from_module",
    "exercise_from_source",
]

FloatArray = npt.NDArray[np.float64]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?")


class ExerciseError(ValueError):
    """An exercise that cannot be used as written: the message names what is wrong."""


@dataclass(frozen=True)
class Gradient:
    """One gradient a student must produce.

    Attributes:
        name: the gradient's name in the check: a parameter (``"W1"``), a variable the forward
            pass assigns (``"h"``), or in a layer exercise an attribute (``"dense1.dweights"``).
        answer: a Python expression read in the student's namespace after their code (and the
            exercise's driver) ran: a variable (``"dW1"``), a call (``"backward(X)['W1']"``)
            or an attribute (``"dense1.dweights"``).
        points: what a correct gradient is worth.
    """

    name: str
    answer: str
    points: float = 1.0


@dataclass(frozen=True)
class Exercise:
    """What to grade.

    Attributes:
        name: a short identifier (``"two_layer"``), used in file names and pseudonyms.
        title: one line shown to students and teachers.
        instructions: Markdown opening the starter notebook.
        constants: arrays the student's code is given but that are not differentiated (``X``,
            ``y``).
        parameters: arrays the student's code is given and whose gradients may be asked for.
        gradients: the gradients to produce, in the order a backward pass computes them.
        forward: the reference forward pass ``forward(**parameters) -> loss`` (it reads the
            constants from its closure or module); None in a layer exercise.
        layers: for a layer exercise, ``layers() -> (objects, X, y)``: the reference layer
            objects (forward already run on the fixed inputs), as
            :func:`~autograd_lite.check_layers` takes them; the student's gradient arrays are
            set on them before the check.
        driver: code run in the student's namespace after their code, before the answers
            are read (e.g. build their layer objects with the fixed weights and run a pass).
        starter: the code cell students start from.
        source: text identifying the exercise's content (hashed into cache keys).
    """

    name: str
    title: str
    instructions: str
    constants: Mapping[str, npt.NDArray[Any]]
    parameters: Mapping[str, FloatArray]
    gradients: tuple[Gradient, ...]
    forward: Callable[..., Any] | None = None
    layers: Callable[[], tuple[Mapping[str, Any], Any, Any]] | None = None
    driver: str = ""
    starter: str = ""
    source: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if (self.forward is None) == (self.layers is None):
            raise ExerciseError(f"exercise {self.name!r}: give exactly one of forward or layers")
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", self.name):
            raise ExerciseError(f"exercise name {self.name!r}: use letters, digits, _ and -")
        if not self.gradients:
            raise ExerciseError(f"exercise {self.name!r}: no gradients to grade")
        seen: set[str] = set()
        for g in self.gradients:
            if not isinstance(g, Gradient):
                raise ExerciseError(f"exercise {self.name!r}: {g!r} is not a Gradient")
            if not _NAME.fullmatch(g.name) or g.name in seen:
                raise ExerciseError(f"exercise {self.name!r}: bad or repeated gradient {g.name!r}")
            if not (isinstance(g.points, int | float) and 0 <= g.points < 1e6):
                raise ExerciseError(f"exercise {self.name!r}: points of {g.name!r} must be >= 0")
            try:
                compile(g.answer, "<answer>", "eval")
            except SyntaxError as error:
                raise ExerciseError(
                    f"exercise {self.name!r}: answer of {g.name!r} is not an expression: {error}"
                ) from None
            seen.add(g.name)
        both = set(self.constants) & set(self.parameters)
        if both:
            raise ExerciseError(
                f"exercise {self.name!r}: {sorted(both)} both constant and parameter"
            )

    @property
    def max_score(self) -> float:
        """The points of all gradients together."""
        return float(sum(g.points for g in self.gradients))

    @property
    def given(self) -> dict[str, FloatArray]:
        """Every array the student's code is given, constants then parameters (copies)."""
        return {k: np.array(v) for k, v in {**self.constants, **self.parameters}.items()}

    def digest(self) -> str:
        """A hash of the exercise's content: its source, inputs, answers and points."""
        h = hashlib.sha256()
        h.update(self.name.encode() + b"\0" + self.source.encode() + b"\0" + self.driver.encode())
        for key, value in sorted(self.given.items()):
            h.update(key.encode() + b"\0" + str(value.dtype).encode() + str(value.shape).encode())
            h.update(np.ascontiguousarray(value).tobytes())
        for g in self.gradients:
            h.update(f"{g.name}\0{g.answer}\0{g.points!r}\0".encode())
        return h.hexdigest()


def exercise_from_module(module: ModuleType, name: str) -> Exercise:
    """Build an :class:`Exercise` from a teacher's module (see ``docs/grading.md``).

    The module defines ``GRADIENTS`` (name -> answer expression, or (answer, points)), ``INPUTS``
    or ``PARAMETERS`` and ``CONSTANTS`` (name -> array), and ``forward(**parameters)`` or
    ``layers()``; optionally ``TITLE``, ``INSTRUCTIONS``, ``DRIVER`` and ``STARTER``.
    """
    found = vars(module)
    raw = found.get("GRADIENTS")
    if not isinstance(raw, Mapping) or not raw:
        raise ExerciseError(f"exercise {name!r}: GRADIENTS must be a non-empty dict")
    gradients = []
    for key, spec in raw.items():
        answer, points = (spec, 1.0) if isinstance(spec, str) else tuple(spec)
        gradients.append(Gradient(str(key), str(answer), float(points)))
    parameters = found.get("PARAMETERS", found.get("INPUTS"))
    if not isinstance(parameters, Mapping):
        raise ExerciseError(f"exercise {name!r}: define PARAMETERS (name -> array)")
    constants = found.get("CONSTANTS", {})
    if not isinstance(constants, Mapping):
        raise ExerciseError(f"exercise {name!r}: CONSTANTS must be a dict of arrays")
    return Exercise(
        name=str(found.get("NAME", name)),
        title=str(found.get("TITLE", name)),
        instructions=str(found.get("INSTRUCTIONS", "")),
        constants={k: _array(name, k, v) for k, v in constants.items()},
        parameters={k: _array(name, k, v, floats=True) for k, v in parameters.items()},
        gradients=tuple(gradients),
        forward=found.get("forward"),
        layers=found.get("layers"),
        driver=str(found.get("DRIVER", "")),
        starter=str(found.get("STARTER", "")),
        source=str(found.get("__source__", "")),
    )


def _array(exercise: str, key: str, value: Any, floats: bool = False) -> FloatArray:
    out = np.array(value)
    if out.dtype == object or (floats and out.dtype.kind not in "fiub"):
        raise ExerciseError(f"exercise {exercise!r}: {key} is not an array of numbers")
    return out.astype(np.float64) if floats else out


def exercise_from_source(source: str, name: str, filename: str = "<exercise>") -> Exercise:
    """An exercise from the text of a teacher's exercise file (as :func:`load_exercise`)."""
    module_name = f"autograd_lite_exercise_{hashlib.sha256(source.encode()).hexdigest()[:16]}"
    spec = importlib.util.spec_from_loader(module_name, loader=None, origin=filename)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__file__ = filename
    # The forward pass's source must be readable to check its variables: register the text
    # with linecache through the module's globals and sys.modules.
    import linecache

    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    sys.modules[module_name] = module
    try:
        exec(compile(source, filename, "exec"), module.__dict__)
    except Exception as error:
        del sys.modules[module_name]
        raise ExerciseError(f"exercise file {filename}: {type(error).__name__}: {error}") from None
    module.__dict__["__source__"] = source
    return exercise_from_module(module, name)
