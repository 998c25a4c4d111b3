"""Tracing: run a function once on Values to record its graph, and flatten its arguments.

:func:`trace` lifts the example arguments into leaf Values (numbers, nested lists, tuples and
dicts, numpy arrays, Values, and any object with a ``.parameters()`` method such as an
``autograd_lite.nn`` model), runs ``f`` on them in tracing mode, and returns a
:class:`TracedGraph`: the nodes in topological order, each an input, a captured Value, a
constant or an op.

``f`` runs twice. A leaf that is a new object on each run was made inside ``f`` (the ``1`` of
``1 - x``): it is a *constant* and its number goes into the code. A leaf that is the same
object both times lives outside ``f`` (a model's parameter that ``f`` closes over): it is
*captured*, and its current ``.data`` is read on every call. The second run also checks that
``f`` builds the same graph every time; a function that draws random numbers would not, and
its compiled code would freeze one draw.

:class:`ArgSpec` remembers the structure of each argument so that new arguments of the same
structure can be flattened into one list of floats, and gradients put back into that shape.
"""

from __future__ import annotations

import math
import numbers
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..core.engine import topological_order
from ..core.errors import TracingError
from ..core.modes import tracing
from ..core.rules import Rule
from ..core.value import Value

__all__ = ["ArgSpec", "TracedGraph", "TracedNode", "trace"]

INPUT, CAPTURED, CONSTANT, OP = "input", "captured", "constant", "op"


@dataclass(frozen=True)
class TracedNode:
    """One vertex of a traced graph.

    Attributes:
        kind: ``"input"`` (a flattened argument), ``"captured"`` (a Value from outside ``f``),
            ``"constant"`` (a number made inside ``f``) or ``"op"``.
        label: the Value's label (for inputs, the argument path such as ``x[0]``), or None.
        rule: the op's rule (None for leaves).
        parents: indices of the op's inputs in the node list.
        value: the number at trace time (what a constant is compiled to).
        slot: the input slot (inputs) or the index into ``captured`` (captured), else -1.
    """

    kind: str
    label: str | None
    rule: Rule | None
    parents: tuple[int, ...]
    value: float
    slot: int = -1


@dataclass(frozen=True)
class TracedGraph:
    """What :func:`trace` recorded.

    Attributes:
        nodes: every node the output depends on, inputs first, the output last.
        input_nodes: for each input slot, the index of its node, or -1 if ``f`` ignores it.
        input_labels: a name for each input slot (argument path or the Value's label).
        captured: the Values ``f`` reads from outside, in slot order.
        specs: the structure of each argument.
    """

    nodes: tuple[TracedNode, ...]
    input_nodes: tuple[int, ...]
    input_labels: tuple[str, ...]
    captured: tuple[Value, ...]
    specs: tuple[ArgSpec, ...]

    @property
    def output(self) -> int:
        """Index of the output node (the last one)."""
        return len(self.nodes) - 1


# --------------------------------------------------------------------------- argument structure


class ArgSpec(ABC):
    """The structure of one argument: flattens new values of it and rebuilds gradients.

    Use :meth:`of` to build one from an example.
    """

    size: int
    """Number of scalar slots."""

    @abstractmethod
    def lift(self, x: Any, inputs: list[Value], labels: list[str]) -> Any:
        """The argument with every scalar replaced by a leaf Value (appended to ``inputs``)."""

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
    def of(x: Any, path: str) -> ArgSpec:
        """The spec of example argument ``x`` whose name in messages is ``path``."""
        if isinstance(x, Value):
            return _ValueSpec(path)
        if hasattr(x, "parameters") and callable(x.parameters):
            return _ParamsSpec(x, path)
        if isinstance(x, np.ndarray):
            return _ArraySpec(x, path)
        if isinstance(x, list | tuple):
            return _SequenceSpec(x, path)
        if isinstance(x, dict):
            return _DictSpec(x, path)
        _real(x, path)
        return _NumberSpec(path)


def _real(x: Any, path: str) -> float:
    if isinstance(x, numbers.Real) and not isinstance(x, bool | np.bool_):
        return float(x)
    raise TypeError(
        f"compile: {path} is {type(x).__name__} {x!r:.60}; arguments may hold real numbers, "
        "Values, lists, tuples, dicts, numpy arrays, or objects with .parameters() (a model)"
    )


class _NumberSpec(ArgSpec):
    def __init__(self, path: str) -> None:
        self.path = path
        self.size = 1

    def lift(self, x: Any, inputs: list[Value], labels: list[str]) -> Any:
        leaf = Value(_real(x, self.path), label=self.path)
        inputs.append(leaf)
        labels.append(self.path)
        return leaf

    def flatten(self, x: Any, out: list[float]) -> None:
        if x.__class__ is float:
            out.append(x)
        else:
            out.append(_real(x, self.path))

    def rebuild(self, flat: Iterator[Any]) -> Any:
        return next(flat)


class _ValueSpec(ArgSpec):
    def __init__(self, path: str) -> None:
        self.path = path
        self.size = 1

    def _check(self, x: Any) -> Value:
        if not isinstance(x, Value):
            raise TypeError(f"compile: {self.path} was a Value when traced, got {type(x).__name__}")
        if not x.is_leaf:
            raise ValueError(
                f"compile: {self.path} is a Value computed by a {x.op} node; pass a leaf "
                "(an input or parameter) or its .data"
            )
        return x

    def lift(self, x: Any, inputs: list[Value], labels: list[str]) -> Any:
        v = self._check(x)
        inputs.append(v)
        labels.append(v.label if v.label is not None else self.path)
        return v

    def flatten(self, x: Any, out: list[float]) -> None:
        out.append(self._check(x).data)

    def rebuild(self, flat: Iterator[Any]) -> Any:
        return next(flat)

    def values(self, x: Any) -> list[Value | None]:
        return [self._check(x)]


class _ParamsSpec(ArgSpec):
    def __init__(self, x: Any, path: str) -> None:
        self.path = path
        self.size = len(self._params(x))

    def _params(self, x: Any) -> list[Value]:
        try:
            params = list(x.parameters())
        except AttributeError:
            raise TypeError(
                f"compile: {self.path} was a model (an object with .parameters()) when traced, "
                f"got {type(x).__name__}"
            ) from None
        for i, p in enumerate(params):
            if not isinstance(p, Value) or not p.is_leaf:
                raise TypeError(
                    f"compile: {self.path}.parameters()[{i}] must be a leaf Value, got {p!r:.60}"
                )
        if hasattr(self, "size") and len(params) != self.size:
            raise ValueError(
                f"compile: {self.path} has {len(params)} parameters; it had {self.size} when "
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
    def __init__(self, x: npt.NDArray[Any], path: str) -> None:
        self.path = path
        self.shape = tuple(x.shape)
        self.size = int(np.prod(self.shape, dtype=np.int64))
        self.object = x.dtype == object
        if not self.object and x.dtype.kind not in "iuf":
            raise TypeError(f"compile: {path} is a numpy array of dtype {x.dtype}, not real")

    def _index_label(self, index: tuple[int, ...]) -> str:
        return f"{self.path}[{','.join(map(str, index))}]" if index else self.path

    def lift(self, x: Any, inputs: list[Value], labels: list[str]) -> Any:
        lifted = np.empty(self.shape, dtype=object)
        for index in np.ndindex(*self.shape):
            item = x[index]
            if isinstance(item, Value):
                lifted[index] = _ValueSpec(self._index_label(index)).lift(item, inputs, labels)
            else:
                label = self._index_label(index)
                leaf = Value(_real(item, label), label=label)
                inputs.append(leaf)
                labels.append(label)
                lifted[index] = leaf
        return lifted

    def flatten(self, x: Any, out: list[float]) -> None:
        if self.object:
            for index in np.ndindex(*self.shape):
                item = x[index]
                out.append(item.data if isinstance(item, Value) else _real(item, self.path))
            return
        a = as_float_array(x, self.path)
        if a.shape != self.shape:
            raise ValueError(
                f"compile: {self.path} has shape {a.shape}; it had {self.shape} when traced"
            )
        out.extend(a.ravel().tolist())

    def rebuild(self, flat: Iterator[Any]) -> Any:
        return np.array([next(flat) for _ in range(self.size)], dtype=np.float64).reshape(
            self.shape
        )

    def values(self, x: Any) -> list[Value | None]:
        if not self.object:
            return [None] * self.size
        return [x[i] if isinstance(x[i], Value) else None for i in np.ndindex(*self.shape)]


class _SequenceSpec(ArgSpec):
    def __init__(self, x: list[Any] | tuple[Any, ...], path: str) -> None:
        self.path = path
        self.kind = type(x)
        self.children = [ArgSpec.of(item, f"{path}[{i}]") for i, item in enumerate(x)]
        self.size = sum(c.size for c in self.children)

    def _check(self, x: Any) -> Sequence[Any]:
        if isinstance(x, np.ndarray) and x.ndim >= 1:
            x = list(x)
        if not isinstance(x, list | tuple) or len(x) != len(self.children):
            got = f"{type(x).__name__} of {len(x)}" if hasattr(x, "__len__") else type(x).__name__
            raise ValueError(
                f"compile: {self.path} must be a {self.kind.__name__} of {len(self.children)} "
                f"items as when traced, got {got}"
            )
        return x

    def lift(self, x: Any, inputs: list[Value], labels: list[str]) -> Any:
        items = [c.lift(i, inputs, labels) for c, i in zip(self.children, x, strict=True)]
        if self.kind is list:
            return items
        if hasattr(x, "_fields"):  # a namedtuple keeps its type
            return self.kind(*items)
        return tuple(items)

    def flatten(self, x: Any, out: list[float]) -> None:
        for c, item in zip(self.children, self._check(x), strict=True):
            if c.__class__ is _NumberSpec and item.__class__ is float:
                out.append(item)  # the common case, without a call
            else:
                c.flatten(item, out)

    def rebuild(self, flat: Iterator[Any]) -> Any:
        items = [c.rebuild(flat) for c in self.children]
        return items if self.kind is list else tuple(items)

    def values(self, x: Any) -> list[Value | None]:
        return [v for c, i in zip(self.children, self._check(x), strict=True) for v in c.values(i)]


class _DictSpec(ArgSpec):
    def __init__(self, x: dict[Any, Any], path: str) -> None:
        self.path = path
        self.keys = list(x)
        self.children = [ArgSpec.of(x[k], f"{path}[{k!r}]") for k in self.keys]
        self.size = sum(c.size for c in self.children)

    def _check(self, x: Any) -> dict[Any, Any]:
        if not isinstance(x, dict) or list(x) != self.keys:
            raise ValueError(
                f"compile: {self.path} must be a dict with keys {self.keys!r} (in that order) "
                "as when traced"
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


def as_float_array(x: Any, path: str) -> npt.NDArray[np.float64]:
    """``x`` as a float64 array, with an error naming ``path`` when it is not numeric."""
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f"compile: {path} is not an array of real numbers ({err})") from None
    return a


# --------------------------------------------------------------------------- tracing


def _run(f: Callable[..., Any], args: list[Any], where: str) -> Value | float:
    with tracing():
        result = f(*args)
    if isinstance(result, np.ndarray) and result.shape == ():
        result = result[()]
    if isinstance(result, Value):
        return result
    if isinstance(result, numbers.Real) and not isinstance(result, bool | np.bool_):
        return float(result)
    shape = f" of shape {result.shape}" if isinstance(result, np.ndarray) else ""
    raise TypeError(
        f"{where}: f must return one scalar Value (a loss), got {type(result).__name__}{shape}; "
        "reduce it first (e.g. with sum_values)"
    )


def trace(
    f: Callable[..., Any], args: Sequence[Any], names: Sequence[str], where: str
) -> TracedGraph:
    """Record the graph ``f(*args)`` builds (running ``f`` twice, see the module docstring).

    Args:
        f: the function; it must return a scalar Value (or a number: a constant).
        args: example arguments, one sample for batched ones.
        names: a name per argument, used in labels and messages.
        where: prefix for error messages, e.g. ``"compile(loss)"``.

    Returns:
        The graph.

    Raises:
        TracingError: ``f`` made a decision on a Value, or built a different graph the second
            time.
    """
    specs = tuple(ArgSpec.of(a, n) for a, n in zip(args, names, strict=True))
    inputs: list[Value] = []
    labels: list[str] = []
    lifted = [s.lift(a, inputs, labels) for s, a in zip(specs, args, strict=True)]
    slot_of: dict[int, int] = {}
    for slot, v in enumerate(inputs):
        if id(v) in slot_of:
            raise ValueError(
                f"{where}: the Value {labels[slot]!r} appears twice among the arguments "
                f"(as input {slot_of[id(v)]} and {slot}); pass it once"
            )
        slot_of[id(v)] = slot
    first = _run(f, lifted, where)
    second = _run(f, lifted, where)
    if not isinstance(first, Value):
        const = TracedNode(CONSTANT, None, None, (), first)
        return TracedGraph((const,), (-1,) * len(inputs), tuple(labels), (), specs)
    if not isinstance(second, Value):
        raise _nondeterministic(where, "it returned a Value once and a number the second time")
    order, again = topological_order(first), topological_order(second)
    if len(order) != len(again):
        raise _nondeterministic(where, f"it built {len(order)} nodes, then {len(again)}")
    index = {id(v): i for i, v in enumerate(order)}
    nodes: list[TracedNode] = []
    captured: list[Value] = []
    input_nodes = [-1] * len(inputs)
    for i, (v, w) in enumerate(zip(order, again, strict=True)):
        rule = v.rule
        if rule is not None:
            other = w.rule
            parents = tuple(index[id(p)] for p in v.parents)
            if (
                other is None
                or (other.name, other.param) != (rule.name, rule.param)
                or len(w.parents) != len(parents)
            ):
                raise _nondeterministic(where, f"node {i} was {_what(v)}, then {_what(w)}")
            nodes.append(TracedNode(OP, v.label, rule, parents, v.data))
            continue
        if w.rule is not None:
            raise _nondeterministic(where, f"node {i} was {_what(v)}, then {_what(w)}")
        found = slot_of.get(id(v))
        if found is not None:
            input_nodes[found] = i
            nodes.append(TracedNode(INPUT, labels[found], None, (), v.data, found))
        elif v is w:
            nodes.append(TracedNode(CAPTURED, v.label, None, (), v.data, len(captured)))
            captured.append(v)
        elif _same_number(v.data, w.data):
            nodes.append(TracedNode(CONSTANT, v.label, None, (), v.data))
        else:
            raise _nondeterministic(
                where, f"a constant made inside f was {v.data!r}, then {w.data!r} (random?)"
            )
    _check_same_edges(order, again, index, where)
    return TracedGraph(tuple(nodes), tuple(input_nodes), tuple(labels), tuple(captured), specs)


def _check_same_edges(
    order: list[Value], again: list[Value], index: dict[int, int], where: str
) -> None:
    index2 = {id(v): i for i, v in enumerate(again)}
    for i, (v, w) in enumerate(zip(order, again, strict=True)):
        if [index[id(p)] for p in v.parents] != [index2[id(p)] for p in w.parents]:
            raise _nondeterministic(where, f"node {i} ({_what(v)}) took different inputs")


def _same_number(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def _what(v: Value) -> str:
    return f"a {v.op} node" if v.rule is not None else "a leaf"


def _nondeterministic(where: str, detail: str) -> TracingError:
    return TracingError(
        f"{where}: f built a different graph when run again on the same arguments ({detail}). "
        "Compiled code replays one fixed graph, so f must not depend on random numbers or "
        "on state that changes between calls."
    )
