"""Reading what a check is given: the inputs, your gradients, the tolerances and the names.

Every public check starts here. Numbers become float64 copies (torch tensors and Values are
read as data; nothing passed in is ever modified), and anything the check cannot use is a
clear error naming the argument: a non-finite entry, a gradient of the wrong shape, a
tolerance that is not a finite number, a name ``loss_fn`` does not take.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..core.arguments import keyword_parameters, positional_parameters
from ..core.arrays import entry_label, float_array, is_number
from ..core.value import Value

__all__ = [
    "FloatArray",
    "Input",
    "argument_names",
    "check_keywords",
    "check_shape",
    "check_tolerances",
    "read_expected",
    "read_input",
    "read_inputs",
]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Input:
    """One input: its name, a float copy of its numbers, and whether it is a single number."""

    name: str
    array: FloatArray
    scalar: bool
    integer: bool = False  # given as integers (class labels, perhaps)


def _first_non_finite(array: FloatArray) -> tuple[int, ...] | None:
    """Index of the first NaN or inf (0-d arrays included), or None."""
    bad = ~np.isfinite(array)
    if not bad.any():
        return None
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(bad)), array.shape))


def read_input(name: str, raw: object, what: str) -> Input:
    """One input as an :class:`Input`; ``what`` names it in errors (``inputs['W']``)."""
    scalar = isinstance(raw, Value) or is_number(raw)
    raw = _plain(raw)
    array = float_array(raw, what, allow_values=True)
    index = _first_non_finite(array)
    if index is not None:
        raise ValueError(
            f"{what}: {entry_label(name, index)} is {float(array[index])!r}; "
            "the point to check at must be finite"
        )
    integer = not isinstance(raw, Value) and np.asarray(raw).dtype.kind in "iu"
    return Input(name, array, scalar, integer)


def read_inputs(inputs: object) -> list[Input]:
    """``check_gradients``' ``inputs``: a non-empty dict of name -> numbers."""
    if not isinstance(inputs, Mapping):
        raise TypeError(
            f"check_gradients: inputs must be a dict of name -> numbers, "
            f"got {type(inputs).__name__}"
        )
    if not inputs:
        raise ValueError("check_gradients: inputs is empty; give loss_fn's arguments by name")
    read = []
    for name, raw in inputs.items():
        if not isinstance(name, str):
            raise TypeError(f"check_gradients: input names must be str, got {name!r}")
        read.append(read_input(name, raw, f"inputs[{name!r}]"))
    return read


def _plain(raw: object) -> object:
    """Torch tensors (even ones that require grad) as numpy arrays; anything else unchanged."""
    detach = getattr(raw, "detach", None)
    if callable(detach) and hasattr(raw, "numpy"):
        return detach().cpu().numpy()
    return raw


def read_expected(expected: object, inputs: list[Input]) -> dict[str, FloatArray]:
    """Your gradients by name, as float arrays; those of inputs checked against their shape
    (a variable's shape is known only once ``loss_fn`` has run: see :func:`check_shape`)."""
    if not isinstance(expected, Mapping):
        raise TypeError(
            f"check_gradients: expected must be a dict of input or variable name -> your "
            f"gradient, got {type(expected).__name__}"
        )
    if not expected:
        raise ValueError("check_gradients: expected is empty; there is nothing to check")
    by_name = {i.name: i for i in inputs}
    out: dict[str, FloatArray] = {}
    for name, raw in expected.items():
        if not isinstance(name, str):
            raise TypeError(f"check_gradients: expected's names must be str, got {name!r}")
        what = f"expected[{name!r}]"
        mine = float_array(_plain(raw), what, allow_values=True)
        if name in by_name:
            check_shape(name, mine, by_name[name].array.shape, f"inputs[{name!r}]")
        index = _first_non_finite(mine)
        if index is not None:
            raise ValueError(
                f"check_gradients: {what}: your value for {entry_label(name, index)} is "
                f"{float(mine[index])!r}; only finite numbers can be checked"
            )
        out[name] = mine
    return out


def check_shape(
    name: str, mine: FloatArray, shape: tuple[int, ...], what: str, noun: str = "input"
) -> None:
    """Raise when your gradient for ``name`` does not have the shape of ``what``."""
    if mine.shape != shape:
        hint = ""
        if mine.ndim == 2 and mine.shape == shape[::-1] and shape[0] != shape[1]:
            # Reshaping a transpose would scramble it: say what it is.
            hint = (
                ": yours is transposed (swap the product's operands or use .T; reshaping would "
                "scramble the entries)"
            )
        elif len(shape) == 2 and shape[0] == 1 and mine.shape == (shape[1],):
            hint = (
                " (yours is its row flattened: reshape it with reshape(1, -1), or sum with "
                "keepdims=True)"
            )
        elif mine.size == int(np.prod(shape)) and 1 in shape + mine.shape:
            hint = " (same entries in another layout of a vector: reshape it)"
        raise ValueError(
            f"check_gradients: expected[{name!r}] has shape {mine.shape} but {what} has "
            f"shape {shape}; a gradient has its {noun}'s shape{hint}"
        )


def check_tolerances(**tolerances: object) -> dict[str, float]:
    """The tolerances as Python floats, after checking each is a finite number >= 0 and
    ``eps`` a usable step. numpy scalars are numbers too (``np.float32(1e-6)``); bools are not.
    """
    out: dict[str, float] = {}
    for key, value in tolerances.items():
        if not isinstance(value, int | float | np.integer | np.floating) or isinstance(value, bool):
            raise TypeError(f"{key} must be a finite number, got {value!r}")
        number = float(value)
        if not math.isfinite(number):
            raise TypeError(f"{key} must be a finite number, got {value!r}")
        if number < 0 or (key == "eps" and number == 0):
            raise ValueError(f"{key} must be {'positive' if key == 'eps' else '>= 0'}, got {value}")
        if key == "eps" and not 1e-12 <= number <= 1e-2:
            # Above 1e-2 the step measures curvature, not slope (a smooth function looks like
            # a kink); below 1e-12 rounding noise swamps the difference.
            raise ValueError(
                f"eps must be between 1e-12 and 1e-2 (the step is eps * max(1, |x|)), got {value}"
            )
        out[key] = number
    return out


def check_keywords(fn: Callable[..., Any], names: list[str]) -> None:
    """Fail early, naming the input, when loss_fn cannot be called with these keywords."""
    params = keyword_parameters(fn)
    if not params.known:
        return
    if params.positional_only:
        raise TypeError(
            f"check_gradients: loss_fn's argument {params.positional_only[0]!r} is "
            "positional-only, but "
            "check_gradients passes the inputs by name"
        )
    own = ", ".join(params.names) or "none"
    for name in names:
        if name not in params.by_keyword and not params.any_keyword:
            raise TypeError(
                f"check_gradients: loss_fn takes no argument {name!r}, but inputs has it "
                f"(loss_fn's arguments: {own})"
            )
    for name in params.required:
        if name not in names:
            raise TypeError(
                f"check_gradients: loss_fn needs argument {name!r}, which is not in inputs "
                f"(inputs: {', '.join(names)})"
            )


def argument_names(f: Callable[..., Any], count: int) -> list[str]:
    """Names for gradcheck's positional arguments, after checking f can take ``count``."""
    params = positional_parameters(f)
    most = params.most
    if most is not None and count > most:
        raise TypeError(f"gradcheck: f takes {most} positional argument(s) but {count} were given")
    if count < params.required:
        missing = ", ".join(params.names[count : params.required])
        raise TypeError(f"gradcheck: f also needs argument(s) {missing}, which were not given")
    return [params.name(i) for i in range(count)]
