"""The structure of a function's arguments: lifted into leaf Values, flattened, rebuilt.

An argument may be a real number, a :class:`~autograd_lite.Value`, a list, tuple (named ones
keep their type) or dict of arguments nested to any depth, a numpy array (of a real dtype, or of
dtype object holding numbers and Values) and, where :class:`Lifting` allows it, an object with
a ``.parameters()`` method such as an ``autograd_lite.nn`` model.

:meth:`ArgSpec.of` reads that structure from an example. The spec then

- *lifts* the argument: every scalar becomes a node to differentiate against (``grad`` and
  ``compile`` trace ``f`` on the lifted arguments);
- *flattens* a new argument of the same structure into floats (what compiled code reads);
- *rebuilds* a flat run of gradients into the argument's shape (what the user gets back).
"""

from __future__ import annotations

import numbers
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .arrays import entry_label
from .errors import OverflowDomainError
from .node import too_large
from .value import Value

__all__ = ["ArgSpec", "Lifting", "as_float_array"]


@dataclass(frozen=True)
class Lifting:
    """How an argument is read and lifted.

    Attributes:
        where: what error messages start with, e.g. ``"compile"`` or
            ``"grad(f): argument 0 ('x')"``.
        models: accept objects with ``.parameters()``: their parameters are the slots.
        new_nodes: lift a Value ``v`` to a new node ``v - 0.0`` connected to it (so the same
            Value passed twice gets two partial derivatives, and they stay differentiable with
            respect to ``v``); otherwise ``v`` itself is the slot, and it must be a leaf.
    """

    where: str
    models: bool = False
    new_nodes: bool = False


class ArgSpec(ABC):
    """The structure of one argument: flattens new values of it and rebuilds gradients.

    Use :meth:`of` to build one from an example.
    """

    size: int
    """Number of scalar slots."""

    def __init__(self, path: str, how: Lifting) -> None:
        self.path = path
        self.how = how

    @abstractmethod
    def lift(self, x: Any, inputs: list[Value], labels: list[str]) -> Any:
        """The argument with every scalar replaced by a node (appended to ``inputs``, with its
        label to ``labels``): a new leaf for a number, and for a Value what :class:`Lifting`
        says."""

    @abstractmethod
    def flatten(self, x: Any, out: list[float]) -> None:
        """Append the argument's numbers to ``out``, checking its structure."""

    @abstractmethod
    def rebuild(self, flat: Iterator[Any]) -> Any:
        """Take this argument's gradients from ``flat`` and return them shaped like it."""

    def values(self, x: Any) -> list[Value | None]:
        """The Value behind each slot (None where the slot is a plain number)."""
        return [None] * self.size

    @staticmethod
    def of(x: Any, path: str, how: Lifting) -> ArgSpec:
        """The spec of example argument ``x`` whose name in messages is ``path``.

        Raises:
            TypeError: naming the entry (``x[1]['w']``) that is not a real number, a Value
                or a supported container.
        """
        if isinstance(x, Value):
            return _ValueSpec(path, how)
        if how.models and hasattr(x, "parameters") and callable(x.parameters):
            return _ParamsSpec(x, path, how)
        if isinstance(x, np.ndarray):
            return _ArraySpec(x, path, how)
        if isinstance(x, list | tuple):
            return _SequenceSpec(x, path, how)
        if isinstance(x, dict):
            return _DictSpec(x, path, how)
        _real(x, path, how)
        return _NumberSpec(path, how)


def _real(x: Any, path: str, how: Lifting) -> float:
    if isinstance(x, numbers.Real) and not isinstance(x, bool | np.bool_):
        try:
            return float(x)
        except OverflowError:
            raise OverflowDomainError(f"{how.where}: {path} is {too_large(x)}", path) from None
    model = ", or objects with .parameters() (a model)" if how.models else ""
    raise TypeError(
        f"{how.where}: {path} is {type(x).__name__} {x!r:.60}; arguments may hold real numbers "
        f"(int, float), Values, and lists, tuples, dicts or numpy arrays of them{model}"
    )


def _leaf(x: Any, path: str, how: Lifting, inputs: list[Value], labels: list[str]) -> Value:
    leaf = Value(_real(x, path, how), label=path)
    inputs.append(leaf)
    labels.append(path)
    return leaf


class _NumberSpec(ArgSpec):
    def __init__(self, path: str, how: Lifting) -> None:
        super().__init__(path, how)
        self.size = 1

    def lift(self, x: Any, inputs: list[Value], labels: list[str]) -> Any:
        return _leaf(x, self.path, self.how, inputs, labels)

    def flatten(self, x: Any, out: list[float]) -> None:
        if x.__class__ is float:
            out.append(x)
        else:
            out.append(_real(x, self.path, self.how))

    def rebuild(self, flat: Iterator[Any]) -> Any:
        return next(flat)


class _ValueSpec(ArgSpec):
    def __init__(self, path: str, how: Lifting) -> None:
        super().__init__(path, how)
        self.size = 1

    def _check(self, x: Any) -> Value:
        where = self.how.where
        if not isinstance(x, Value):
            raise TypeError(f"{where}: {self.path} was a Value when traced, got {type(x).__name__}")
        if not x.is_leaf and not self.how.new_nodes:
            raise ValueError(
                f"{where}: {self.path} is a Value computed by a {x.op} node; pass a leaf "
                "(an input or parameter) or its .data"
            )
        return x

    def lift(self, x: Any, inputs: list[Value], labels: list[str]) -> Any:
        v = self._check(x)
        label = v.label if v.label is not None else self.path
        if self.how.new_nodes:
            v = v - 0.0
            v.label = label
        inputs.append(v)
        labels.append(label)
        return v

    def flatten(self, x: Any, out: list[float]) -> None:
        out.append(self._check(x).data)

    def rebuild(self, flat: Iterator[Any]) -> Any:
        return next(flat)

    def values(self, x: Any) -> list[Value | None]:
        return [self._check(x)]


class _ParamsSpec(ArgSpec):
    def __init__(self, x: Any, path: str, how: Lifting) -> None:
        super().__init__(path, how)
        self.size = len(self._params(x))

    def _params(self, x: Any) -> list[Value]:
        where = self.how.where
        try:
            params = list(x.parameters())
        except AttributeError:
            raise TypeError(
                f"{where}: {self.path} was a model (an object with .parameters()) when traced, "
                f"got {type(x).__name__}"
            ) from None
        for i, p in enumerate(params):
            if not isinstance(p, Value) or not p.is_leaf:
                raise TypeError(
                    f"{where}: {self.path}.parameters()[{i}] must be a leaf Value, got {p!r:.60}"
                )
        if hasattr(self, "size") and len(params) != self.size:
            raise ValueError(
                f"{where}: {self.path} has {len(params)} parameters; it had {self.size} when "
                "traced (compile again for a different model)"
            )
        return params

    def lift(self, x: Any, inputs: list[Value], labels: list[str]) -> Any:
        for i, p in enumerate(self._params(x)):
            inputs.append(p)
            labels.append(p.label if p.label is not None else f"{self.path}[{i}]")
        return x

    def flatten(self, x: Any, out: list[float]) -> None:
        out.extend([p.data for p in self._params(x)])

    def rebuild(self, flat: Iterator[Any]) -> Any:
        return [next(flat) for _ in range(self.size)]

    def values(self, x: Any) -> list[Value | None]:
        return list(self._params(x))


class _ArraySpec(ArgSpec):
    def __init__(self, x: npt.NDArray[Any], path: str, how: Lifting) -> None:
        super().__init__(path, how)
        self.shape = tuple(x.shape)
        self.size = int(np.prod(self.shape, dtype=np.int64))
        self.object = x.dtype == object
        if not self.object and x.dtype.kind not in "iuf":
            raise TypeError(
                f"{how.where}: {path} is a numpy array of dtype {x.dtype}; only real (int, "
                "float) arrays, or object arrays of numbers and Values, are accepted"
            )

    def lift(self, x: Any, inputs: list[Value], labels: list[str]) -> Any:
        lifted = np.empty(self.shape, dtype=object)
        for index in np.ndindex(*self.shape):
            item = x[index]
            label = entry_label(self.path, index)
            if isinstance(item, Value):
                lifted[index] = _ValueSpec(label, self.how).lift(item, inputs, labels)
            else:
                lifted[index] = _leaf(item, label, self.how, inputs, labels)
        return lifted

    def flatten(self, x: Any, out: list[float]) -> None:
        if self.object:
            for index in np.ndindex(*self.shape):
                item = x[index]
                out.append(
                    item.data if isinstance(item, Value) else _real(item, self.path, self.how)
                )
            return
        a = as_float_array(x, self.path, self.how.where)
        if a.shape != self.shape:
            raise ValueError(
                f"{self.how.where}: {self.path} has shape {a.shape}; it had {self.shape} when "
                "traced"
            )
        out.extend(a.ravel().tolist())

    def rebuild(self, flat: Iterator[Any]) -> Any:
        entries = [next(flat) for _ in range(self.size)]  # row-major, like lift
        if entries and isinstance(entries[0], Value):
            out = np.empty(self.size, dtype=object)
            out[:] = entries
            return out.reshape(self.shape)
        return np.array(entries, dtype=np.float64).reshape(self.shape)

    def values(self, x: Any) -> list[Value | None]:
        if not self.object:
            return [None] * self.size
        return [x[i] if isinstance(x[i], Value) else None for i in np.ndindex(*self.shape)]


class _SequenceSpec(ArgSpec):
    def __init__(self, x: list[Any] | tuple[Any, ...], path: str, how: Lifting) -> None:
        super().__init__(path, how)
        self.kind = type(x)
        self.children = [ArgSpec.of(item, f"{path}[{i}]", how) for i, item in enumerate(x)]
        self.size = sum(c.size for c in self.children)

    def _check(self, x: Any) -> Sequence[Any]:
        if isinstance(x, np.ndarray) and x.ndim >= 1:
            x = list(x)
        if not isinstance(x, list | tuple) or len(x) != len(self.children):
            got = f"{type(x).__name__} of {len(x)}" if hasattr(x, "__len__") else type(x).__name__
            raise ValueError(
                f"{self.how.where}: {self.path} must be a {self.kind.__name__} of "
                f"{len(self.children)} items as when traced, got {got}"
            )
        return x

    def _same_kind(self, items: list[Any]) -> Any:
        if self.kind is list:
            return items
        if hasattr(self.kind, "_fields"):  # a namedtuple keeps its type
            return self.kind(*items)
        return tuple(items)

    def lift(self, x: Any, inputs: list[Value], labels: list[str]) -> Any:
        return self._same_kind(
            [c.lift(i, inputs, labels) for c, i in zip(self.children, x, strict=True)]
        )

    def flatten(self, x: Any, out: list[float]) -> None:
        for c, item in zip(self.children, self._check(x), strict=True):
            if c.__class__ is _NumberSpec and item.__class__ is float:
                out.append(item)  # the common case, without a call
            else:
                c.flatten(item, out)

    def rebuild(self, flat: Iterator[Any]) -> Any:
        return self._same_kind([c.rebuild(flat) for c in self.children])

    def values(self, x: Any) -> list[Value | None]:
        return [v for c, i in zip(self.children, self._check(x), strict=True) for v in c.values(i)]


class _DictSpec(ArgSpec):
    def __init__(self, x: dict[Any, Any], path: str, how: Lifting) -> None:
        super().__init__(path, how)
        self.keys = list(x)
        self.children = [ArgSpec.of(x[k], f"{path}[{k!r}]", how) for k in self.keys]
        self.size = sum(c.size for c in self.children)

    def _check(self, x: Any) -> dict[Any, Any]:
        if not isinstance(x, dict) or list(x) != self.keys:
            raise ValueError(
                f"{self.how.where}: {self.path} must be a dict with keys {self.keys!r} (in "
                "that order) as when traced"
            )
        return x

    def lift(self, x: Any, inputs: list[Value], labels: list[str]) -> Any:
        pairs = zip(self.keys, self.children, strict=True)
        return {k: c.lift(x[k], inputs, labels) for k, c in pairs}

    def flatten(self, x: Any, out: list[float]) -> None:
        x = self._check(x)
        for k, c in zip(self.keys, self.children, strict=True):
            c.flatten(x[k], out)

    def rebuild(self, flat: Iterator[Any]) -> Any:
        return {k: c.rebuild(flat) for k, c in zip(self.keys, self.children, strict=True)}

    def values(self, x: Any) -> list[Value | None]:
        x = self._check(x)
        return [v for k, c in zip(self.keys, self.children, strict=True) for v in c.values(x[k])]


def as_float_array(x: Any, path: str, where: str = "compile") -> npt.NDArray[np.float64]:
    """``x`` as a float64 array, with an error naming ``path`` when it is not numeric.

    Args:
        x: array-like.
        path: the argument's name in messages.
        where: what the message starts with.

    Returns:
        ``np.asarray(x, dtype=np.float64)`` (no copy when ``x`` already is one).
    """
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{where}: {path} is not an array of real numbers ({err})") from None
    return a
