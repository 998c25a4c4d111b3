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

The arguments' structure (what may be passed, flattening, rebuilding gradients) is
:mod:`autograd_lite.core.flatten`, shared with ``grad``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from ..core.engine import topological_order
from ..core.errors import TracingError
from ..core.flatten import ArgSpec, Lifting
from ..core.modes import tracing
from ..core.rules import Rule
from ..core.value import TracedValue, Value

__all__ = ["TracedGraph", "TracedNode", "trace"]

INPUT, CAPTURED, CONSTANT, OP = "input", "captured", "constant", "op"


class TracedNode(NamedTuple):
    """One vertex of a traced graph (a named tuple: a big graph has many, made quickly).

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


# --------------------------------------------------------------------------- tracing


def _run(
    f: Callable[..., Any], args: list[Any], where: str, watched: Sequence[Value]
) -> Value | float:
    # The leaves f gets or reads become TracedValues for the run, so that f reading their
    # .data is refused (the nodes operations make while tracing are TracedValues already).
    swapped = [v for v in watched if v.__class__ is Value]
    for v in swapped:
        v.__class__ = TracedValue
    try:
        with tracing():
            result = f(*args)
    finally:
        for v in swapped:
            v.__class__ = Value
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
    how = Lifting("compile", models=True)
    specs = tuple(ArgSpec.of(a, n, how) for a, n in zip(args, names, strict=True))
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
    first = _run(f, lifted, where, inputs)
    # The second run also watches the leaves the first one reached: the Values f captured.
    order = topological_order(first) if isinstance(first, Value) else []
    second = _run(f, lifted, where, [*inputs, *(v for v in order if v.is_leaf)])
    if not isinstance(first, Value):
        const = TracedNode(CONSTANT, None, None, (), first)
        return TracedGraph((const,), (-1,) * len(inputs), tuple(labels), (), specs)
    if not isinstance(second, Value):
        raise _nondeterministic(where, "it returned a Value once and a number the second time")
    again = topological_order(second)
    if len(order) != len(again):
        raise _nondeterministic(where, f"it built {len(order)} nodes, then {len(again)}")
    # Values hash by identity.
    index = {v: i for i, v in enumerate(order)}
    index2 = {w: i for i, w in enumerate(again)}
    position, position2 = index.__getitem__, index2.__getitem__
    nodes: list[TracedNode] = []
    captured: list[Value] = []
    input_nodes = [-1] * len(inputs)
    # One pass over both runs: this loop is most of compile's time on a big graph.
    for i, (v, w) in enumerate(zip(order, again, strict=True)):
        rule = v.rule
        if rule is not None:
            other = w.rule
            parents = tuple(map(position, v.parents))
            if other is not rule and (
                other is None or (other.name, other.param) != (rule.name, rule.param)
            ):
                raise _nondeterministic(where, f"node {i} was {_what(v)}, then {_what(w)}")
            if parents != tuple(map(position2, w.parents)):
                raise _nondeterministic(where, f"node {i} ({_what(v)}) took different inputs")
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
    return TracedGraph(tuple(nodes), tuple(input_nodes), tuple(labels), tuple(captured), specs)


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
