"""``ValueArray``: an object array of Values that keeps every numpy idiom of a forward pass working.

On a plain object array numpy hands back bare numbers where a function picks a constant:
``np.clip`` returns the bound for clipped entries, ``np.maximum(x, 0)`` the ``0``,
``np.where(mask, x, 0.0)`` the ``0.0``. The next ``np.log`` or ``np.exp`` then fails, because
numpy's object loop calls the entry's own ``log`` method and a float has none. And a float
array preallocated for a gradient (``dW = np.zeros(W.shape)``) refuses ``dW += 2 * reg * W``
with a casting error once ``W`` holds Values.

A :class:`ValueArray` is an ``ndarray`` view that intercepts numpy's protocols:

- before a ufunc whose object loop calls a method (``log``, ``exp``, ``tanh``, ...), bare
  numbers among its operands become constant Values (a constant's gradient is 0, which is the
  true derivative of a clipped or masked entry);
- a ufunc writing into a float ``out=`` array gets the numbers of the Values it computed: such
  an array holds the function's own float bookkeeping (a gradient it computes for itself), not
  a value the engine differentiates;
- results that are object arrays come back as ValueArrays, so the next call is covered too;
- a matrix product (``@``, ``np.dot``, ``x.dot(W)``) of 1-D or 2-D operands makes each output
  entry one ``dot`` node (rule ``dot``: the sum of products in one node) instead of a chain of
  a multiplication and an addition per term, with each row of a float operand turned into
  constant Values once: the same values and gradients, several times fewer nodes.

Everything else is numpy's own behaviour: element access returns the entry itself (a Value or
a bare number), and values and gradients are exactly those of the plain object array.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from itertools import repeat
from typing import Any

import numpy as np
import numpy.typing as npt

from .rules import DOT
from .value import Value, _record

__all__ = ["DataArray", "ValueArray", "as_data_array", "as_value_array"]

# Ufuncs whose object loop uses Python operators (+, *, <, abs(), ...), which bare numbers
# support; every other ufunc calls a method of the entry (x.log(), x.exp(), ...).
_OPERATOR_UFUNCS = frozenset(
    {
        "add",
        "subtract",
        "multiply",
        "true_divide",
        "divide",
        "floor_divide",
        "power",
        "float_power",
        "negative",
        "positive",
        "absolute",
        "maximum",
        "minimum",
        "fmax",
        "fmin",
        "matmul",
        "clip",
        "greater",
        "greater_equal",
        "less",
        "less_equal",
        "equal",
        "not_equal",
        "logical_and",
        "logical_or",
        "logical_not",
        "logical_xor",
        "isfinite",
        "isnan",
        "isinf",
        "sign",
    }
)


class ValueArray(np.ndarray):
    """An object array of Values on which the numpy idioms of a forward pass keep working.

    Make one with :func:`as_value_array`; everything numpy computes from it is one too.

    Example:
        >>> import numpy as np
        >>> from autograd_lite.core import values
        >>> from autograd_lite.core.value_array import as_value_array
        >>> p = as_value_array(values([0.5, 1.0], "p"))
        >>> loss = -np.sum(np.log(np.clip(p, 1e-7, 1 - 1e-7)))
        >>> round(loss.data, 4)
        0.6931
    """

    __array_priority__ = 20.0

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        args = [_plain(x) for x in inputs]
        if ufunc.__name__ == "matmul" and method == "__call__" and not kwargs:
            product = _matmul(*args)
            if product is not None:
                return _wrap(product)
        if ufunc.__name__ not in _OPERATOR_UFUNCS:
            args = [_constants_as_values(x) for x in args]
        out = kwargs.get("out")
        if out is None:
            return _wrap(getattr(ufunc, method)(*args, **kwargs))
        targets = tuple(_plain(o) for o in out)
        floats = [o for o in targets if isinstance(o, np.ndarray) and o.dtype.kind in "fc"]
        if not floats or ufunc.nout != 1 or method != "__call__":
            kwargs["out"] = targets
            return _wrap(getattr(ufunc, method)(*args, **kwargs))
        # The function's own float bookkeeping: it gets the numbers, not the Values.
        del kwargs["out"]
        result = np.asarray(ufunc(*args, **kwargs))
        target = targets[0]
        target[...] = _numbers(result) if result.dtype == object else result
        return out[0]

    def __array_function__(
        self,
        func: Callable[..., Any],
        types: Iterable[Any],
        args: Iterable[Any],
        kwargs: Mapping[str, Any],
    ) -> Any:
        plain = _unwrap(tuple(args))
        if func is np.dot and len(plain) == 2 and not kwargs:
            product = _matmul(*plain)
            if product is not None:
                return _wrap(product)
        return _wrap(func(*plain, **_unwrap(dict(kwargs))))

    def dot(self, b: Any, out: Any = None) -> Any:
        """``self.dot(b)``, as fast as ``self @ b`` (ndarray.dot does not ask numpy's protocols)."""
        return _method_dot(self, b, out)


class DataArray(np.ndarray):
    """A float array whose ``.dot`` with Values makes one ``dot`` node per entry, like ``@``.

    ``X.dot(W)`` and ``X[i].dot(W)`` are ndarray methods that numpy runs without asking the
    operands' protocols, so with ``W`` holding Values they would build a chain of two nodes
    per term. A gradient check hands the data of a forward pass over as DataArray views to
    make those calls as fast as ``X @ W``; on floats it is numpy's own ``dot``.
    """

    def dot(self, b: Any, out: Any = None) -> Any:
        """``self.dot(b)``: one ``dot`` node per entry when ``b`` holds Values."""
        return _method_dot(self, b, out)

    def __array_function__(
        self,
        func: Callable[..., Any],
        types: Iterable[Any],
        args: Iterable[Any],
        kwargs: Mapping[str, Any],
    ) -> Any:
        # Let a ValueArray operand answer (np.dot(X, W) with W holding Values).
        if any(issubclass(t, ValueArray) for t in types):
            return NotImplemented
        return super().__array_function__(func, types, args, kwargs)


def as_data_array(array: npt.NDArray[Any]) -> DataArray:
    """``array`` viewed as a :class:`DataArray` (the same memory)."""
    return np.asarray(array).view(DataArray)


def _method_dot(a: Any, b: Any, out: Any) -> Any:
    if out is None:
        product = _matmul(_plain_any(a), _plain_any(b))
        if product is not None:
            return _wrap(product)
    result = np.ndarray.dot(_plain_any(a), _plain_any(b), out)
    return _wrap(result)


def _plain_any(x: Any) -> Any:
    return x.view(np.ndarray) if isinstance(x, ValueArray | DataArray) else x


def as_value_array(array: npt.NDArray[Any]) -> ValueArray:
    """``array`` (an object array of Values and numbers) viewed as a :class:`ValueArray`.

    The view shares the entries: no Value is copied or replaced.
    """
    return np.asarray(array, dtype=object).view(ValueArray)


def _plain(x: Any) -> Any:
    return x.view(np.ndarray) if isinstance(x, ValueArray) else x


def _unwrap(x: Any) -> Any:
    if isinstance(x, ValueArray):
        return x.view(np.ndarray)
    if isinstance(x, list | tuple):
        return type(x)(_unwrap(item) for item in x)
    if isinstance(x, dict):
        return {key: _unwrap(item) for key, item in x.items()}
    return x


def _wrap(result: Any) -> Any:
    if isinstance(result, np.ndarray) and not isinstance(result, ValueArray):
        return result.view(ValueArray) if result.dtype == object else result
    if isinstance(result, tuple):
        return tuple(_wrap(r) for r in result)
    return result


def _constants_as_values(x: Any) -> Any:
    if not isinstance(x, np.ndarray) or x.dtype != object:
        return x
    flat = x.reshape(-1)
    if all(isinstance(e, Value) for e in flat):
        return x
    out = np.empty(x.shape, dtype=object)
    out.reshape(-1)[:] = [e if isinstance(e, Value) else Value(float(e)) for e in flat]
    return out


def _nodes(entries: npt.NDArray[Any]) -> list[Value]:
    if entries.dtype != object:
        return [Value(x) for x in entries.tolist()]
    listed = entries.tolist()
    if all(map(isinstance, listed, repeat(Value))):  # a column of weights: no Python loop
        return listed  # type: ignore[no-any-return]
    return [e if isinstance(e, Value) else Value(float(e)) for e in listed]


def _matmul(a: Any, b: Any) -> Any:
    """``a @ b`` with one ``dot`` node per output entry; None where numpy should do it."""
    a, b = np.asarray(a), np.asarray(b)
    if not (1 <= a.ndim <= 2 and 1 <= b.ndim <= 2) or object not in (a.dtype, b.dtype):
        return None
    if a.dtype.kind not in "biufO" or b.dtype.kind not in "biufO":
        return None
    left = a if a.ndim == 2 else a[None, :]
    right = b if b.ndim == 2 else b[:, None]
    if left.shape[1] != right.shape[0] or left.shape[1] == 0:
        return None  # numpy raises its own error, or gives zeros
    rows = [_nodes(row) for row in left]
    cols = [_nodes(col) for col in right.T]
    out = np.empty((len(rows), len(cols)), dtype=object)
    for i, row in enumerate(rows):
        for j, col in enumerate(cols):
            out[i, j] = _record(DOT, (*row, *col))  # dot(row, col), its inputs Values already
    if a.ndim == 1 and b.ndim == 1:
        return out[0, 0]
    if a.ndim == 1:
        return out[0]
    if b.ndim == 1:
        return out[:, 0]
    return out


def _numbers(x: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    flat = [e.data if isinstance(e, Value) else float(e) for e in x.reshape(-1)]
    return np.array(flat, dtype=np.float64).reshape(x.shape)
