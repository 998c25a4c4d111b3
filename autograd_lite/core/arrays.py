"""Numpy interop: turn numbers into labelled leaf Values in an object array, and read results back.

A numpy array of dtype ``object`` holding :class:`Value` s runs an ordinary numpy forward pass
unchanged: ``np.dot(X, W) + b``, ``*``, ``/``, ``**``, ``np.sum(..., axis=0, keepdims=True)``,
``np.mean``, ``np.max`` (element comparisons), and the ufuncs ``np.exp``, ``np.log``,
``np.tanh``, ``np.sqrt``, ``np.abs`` (numpy calls the element's method of the same name).
This module provides the three conversions around such a pass:

- :func:`values` builds the leaves, labelled like the entries they stand for (``W[0,1]``);
- :func:`data` and :func:`grads` read the numbers and the gradients back as float arrays.

Two numpy behaviours worth knowing:

- ``np.maximum(x, 0)`` (relu) returns, entry by entry, either the Value ``x`` itself or the
  constant ``0``. Arithmetic on the result works, but ``np.exp``/``np.log``/``np.tanh`` of an
  entry that is the plain number ``0`` fails (numpy looks for an ``exp`` method on an int).
  Where that matters use ``np.frompyfunc(autograd_lite.relu, 1, 1)(x)``, which keeps Values.
- At a tie ``np.maximum`` keeps its first argument, so ``np.maximum(x, 0)`` at ``x == 0`` passes
  ``x`` through (derivative 1), while ``Value.relu`` takes the derivative there as 0.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from .errors import OverflowDomainError
from .node import too_large
from .value import Value

__all__ = ["data", "entry_label", "float_array", "grads", "is_number", "values"]

ObjectArray = npt.NDArray[np.object_]
FloatArray = npt.NDArray[np.float64]


def entry_label(name: str, index: tuple[int, ...]) -> str:
    """The label of one entry of an array called ``name``: ``W[0,1]``, ``b[2]``, or ``W`` for 0-d.

    Args:
        name: the array's name.
        index: the entry's index (empty for a 0-d array).

    Returns:
        The label.

    Example:
        >>> entry_label("W", (0, 1))
        'W[0,1]'
    """
    if not index:
        return name
    return f"{name}[{','.join(str(i) for i in index)}]"


def is_number(x: object) -> bool:
    """True for a real number a Value can hold (int, float, bool, numpy reals), False for a Value.

    Example:
        >>> is_number(True), is_number(2 + 0j), is_number("1")
        (True, False, False)
    """
    # bool is accepted like Value accepts it (True -> 1.0); complex, str, None are not.
    return isinstance(x, numbers.Real | np.bool_) and not isinstance(x, Value)


def float_array(array_like: object, what: str, *, allow_values: bool = False) -> FloatArray:
    """Convert numbers / nested lists / numeric arrays to a new float64 array, or raise.

    Strings are refused even though numpy would parse ``"1.5"``: a string among the numbers is
    almost always a mistake in the data.

    Args:
        array_like: a number, a (nested) list of numbers, or a numeric or object numpy array.
        what: how error messages name the argument, e.g. ``"inputs['W']"``.
        allow_values: read Values as their ``.data`` instead of refusing them.

    Returns:
        A new float64 array (never a view of the caller's array).

    Raises:
        TypeError: for strings, Values (without ``allow_values``) and other non-numbers,
            naming the entry.
        ValueError: for ragged nested lists.

    Example:
        >>> float_array([[1, 2], [3, 4]], "W").dtype
        dtype('float64')
    """
    if isinstance(array_like, Value):
        if allow_values:
            return np.array(array_like.data, dtype=np.float64)
        raise TypeError(f"{what}: expected numbers, got a Value ({array_like!r}); use its .data")
    if isinstance(array_like, str | bytes):
        raise TypeError(f"{what}: expected numbers, got {type(array_like).__name__} {array_like!r}")
    try:
        raw = np.asarray(array_like)
    except ValueError as err:  # ragged nested lists
        raise ValueError(f"{what}: not a regular array of numbers ({err})") from None
    if raw.dtype.kind in "biuf":
        return np.array(raw, dtype=np.float64)  # always a copy: the caller's array stays theirs
    if raw.dtype.kind == "O":
        out = np.empty(raw.shape, dtype=np.float64)
        for index, entry in np.ndenumerate(raw):
            if allow_values and isinstance(entry, Value):
                out[index] = entry.data
                continue
            if not is_number(entry):
                raise TypeError(
                    f"{what}: entry {list(index)} is {type(entry).__name__} {entry!r}, "
                    "not a real number"
                )
            try:
                out[index] = float(entry)
            except OverflowError:
                raise OverflowDomainError(
                    f"{what}: entry {list(index)}: {too_large(entry)}", what
                ) from None
        return out
    raise TypeError(
        f"{what}: expected real numbers, got an array of dtype {raw.dtype} "
        f"(first entry {raw.flat[0]!r})"
        if raw.size
        else f"{what}: expected real numbers, got an empty array of dtype {raw.dtype}"
    )


@overload
def values(array_like: float | np.floating[Any] | np.integer[Any], name: str = "W") -> Value: ...
@overload
def values(array_like: Sequence[Any] | npt.NDArray[Any], name: str = "W") -> ObjectArray: ...
def values(array_like: object, name: str = "W") -> Value | ObjectArray:
    """Leaf Values for a number or an array of numbers, each labelled by its position.

    A plain number (``int``, ``float``, ``bool``, a numpy scalar) gives a single :class:`Value`
    labelled ``name``, so ``b = values(0.3, "b")`` reads and prints like a number. Anything
    array-like (nested lists, numpy arrays, including 0-d arrays) gives an object array of the
    same shape whose entries are new leaves labelled ``name[i]`` (1-D), ``name[i,j]`` (2-D), and
    so on. The input is copied, never referenced.

    Args:
        array_like: a real number, a (nested) list of real numbers, or a numeric numpy array.
        name: the label stem.

    Returns:
        A Value for a number; otherwise a numpy array of dtype object holding Values.

    Raises:
        TypeError: for non-numeric entries (strings, None, complex, Values), naming the entry.
        ValueError: for ragged nested lists.

    Example:
        >>> import numpy as np
        >>> from autograd_lite import values, grads
        >>> W = values([[1.0, 2.0], [3.0, 4.0]], name="W")
        >>> W[0, 1].label
        'W[0,1]'
        >>> loss = np.sum(np.dot(np.array([1.0, -1.0]), W) ** 2)
        >>> loss.backward()
        >>> grads(W)
        array([[-4., -4.],
               [ 4.,  4.]])
    """
    if not isinstance(name, str):
        raise TypeError(f"values: name must be a str, got {type(name).__name__} {name!r}")
    if is_number(array_like):
        return Value(array_like, label=name)
    numbers_ = float_array(array_like, f"values(name={name!r})")
    out = np.empty(numbers_.shape, dtype=object)
    for index, x in np.ndenumerate(numbers_):
        out[index] = Value(float(x), label=entry_label(name, index))
    return out


def _entries(x: object, what: str) -> npt.NDArray[Any]:
    """An object array view of a Value list/array, for element-wise reading."""
    try:
        arr = np.asarray(x, dtype=object)
    except ValueError as err:
        raise ValueError(f"{what}: not a regular array ({err})") from None
    return arr


@overload
def data(x: Value | float) -> float: ...
@overload
def data(x: Sequence[Any] | npt.NDArray[Any]) -> FloatArray: ...
def data(x: object) -> float | FloatArray:
    """The numbers held by a Value or by an array/list of Values, as floats.

    Entries that are plain numbers (a constant such as the ``0`` that ``np.maximum(x, 0)``
    returns) are read as they are.

    Args:
        x: a Value, a number, or a (nested) list / numpy array of Values and numbers.

    Returns:
        A float for a single Value or number; otherwise a float64 array of the same shape.

    Example:
        >>> from autograd_lite import values, data
        >>> data(values([1, 2], "x") * 3)
        array([3., 6.])
    """
    if isinstance(x, Value):
        return x.data
    if is_number(x):
        return float(x)  # type: ignore[arg-type]
    arr = _entries(x, "data")
    out = np.empty(arr.shape, dtype=np.float64)
    for index, entry in np.ndenumerate(arr):
        if isinstance(entry, Value):
            out[index] = entry.data
        elif is_number(entry):
            out[index] = float(entry)
        else:
            raise TypeError(
                f"data: entry {list(index)} is {type(entry).__name__} {entry!r}, "
                "not a Value or a number"
            )
    return out


def _grad_of(v: Value) -> float:
    g = v.grad
    # After backward(create_graph=True) a gradient is itself a Value.
    return g.data if isinstance(g, Value) else float(g)


@overload
def grads(x: Value) -> float: ...
@overload
def grads(x: Sequence[Any] | npt.NDArray[Any]) -> FloatArray: ...
def grads(x: object) -> float | FloatArray:
    """The ``.grad`` of a Value, or of every Value in an array/list, as floats.

    Gradients that are Values (after ``backward(create_graph=True)``) are read as their data.

    Args:
        x: a Value, or a (nested) list / numpy array of Values.

    Returns:
        A float for a single Value; otherwise a float64 array of the same shape.

    Raises:
        TypeError: for an entry that is not a Value, e.g. the constant ``0`` that
            ``np.maximum(x, 0)`` puts where ``x < 0``: a constant has no gradient.

    Example:
        >>> from autograd_lite import values, grads
        >>> w = values([2.0, 3.0], "w")
        >>> (w[0] * w[1]).backward()
        >>> grads(w)
        array([3., 2.])
    """
    if isinstance(x, Value):
        return _grad_of(x)
    if is_number(x):
        raise TypeError(f"grads: got the number {x!r}; only Values have gradients")
    arr = _entries(x, "grads")
    out = np.empty(arr.shape, dtype=np.float64)
    for index, entry in np.ndenumerate(arr):
        if not isinstance(entry, Value):
            raise TypeError(
                f"grads: entry {list(index)} is {type(entry).__name__} {entry!r}, not a Value; "
                "a constant has no gradient (np.maximum(x, 0) returns the constant 0 where x < 0)"
            )
        out[index] = _grad_of(entry)
    return out
