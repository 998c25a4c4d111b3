"""Running the checked function once on Values: its leaves, its loss node, what is checked.

:func:`trace` calls the function with every input as labelled leaf Values and returns the
leaves and the scalar loss node it computed. For ``check_gradients``, :func:`targets` then
lists the gradients to judge, each a :class:`Target`: an input with its leaves, or a variable
of ``loss_fn`` with the nodes :func:`~autograd_lite.check.watch.watch` made for it.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.arrays import is_number, values
from ..core.engine import topological_order
from ..core.modes import enable_grad
from ..core.value import Value, describe_node
from ..core.value_array import as_value_array
from .inputs import FloatArray, Input, check_shape
from .watch import Watched

__all__ = ["Call", "Target", "as_loss_node", "refuse_labels", "require_seen", "targets", "trace"]

Call = Callable[[dict[str, Any]], object]
"""The checked function, called with its inputs by name."""


def as_loss_node(result: object, who: str) -> Value:
    """The scalar Value a traced call returned, or a clear error about what it returned."""
    if isinstance(result, Value):
        return result
    if isinstance(result, np.ndarray):
        if result.size == 1:
            item = result.reshape(-1)[0]
            if isinstance(item, Value):
                return item
            result = item
        else:
            raise ValueError(
                f"{who} returned an array of shape {result.shape}; it must return one scalar "
                "Value (sum or average it: np.sum(...), np.mean(...))"
            )
    if isinstance(result, list | tuple):
        raise ValueError(
            f"{who} returned a {type(result).__name__} of length {len(result)}; it must return "
            "one scalar Value"
        )
    if is_number(result):
        raise TypeError(
            f"{who} returned the {type(result).__name__} {result!r}, not a Value: it must compute "
            "its result from the Values it is given (a plain number means the graph was cut, "
            "e.g. by .data, float() or a constant result)"
        )
    raise TypeError(
        f"{who} returned {type(result).__name__} {result!r}; it must return one scalar Value"
    )


def trace(call: Call, inputs: list[Input], who: str) -> tuple[dict[str, list[Value]], Value]:
    """Run the function once on labelled leaf Values and return the leaves and the loss node."""
    leaves: dict[str, list[Value]] = {}
    args: dict[str, Any] = {}
    # A check inside no_grad() must still record the graph it differentiates.
    with enable_grad():
        for i in inputs:
            if i.scalar:
                leaf = Value(float(i.array), label=i.name)
                leaves[i.name] = [leaf]
                args[i.name] = leaf
            else:
                arr = values(i.array, i.name)
                leaves[i.name] = list(arr.reshape(-1))
                # A copy: the function may modify its array, our leaves stay. A ValueArray:
                # np.clip, np.where, float out= arrays keep working on it.
                args[i.name] = as_value_array(arr.copy())
        try:
            result = call(args)
        except Exception as err:
            err.add_note(f"(raised by {who} when called on Values by the gradient check)")
            raise
    loss = as_loss_node(result, who)
    if not math.isfinite(loss.data):
        raise ValueError(
            f"{who} returned {loss.data!r} at the given inputs; it must be finite. "
            + _first_non_finite(loss)
        )
    return leaves, loss


def _first_non_finite(loss: Value) -> str:
    """Where the graph first leaves the finite numbers: the op, its inputs, its leaves."""
    for node in topological_order(loss):
        if math.isfinite(node.data) or not all(math.isfinite(p.data) for p in node.parents):
            continue
        inputs = ", ".join(f"{p.data:.6g}" for p in node.parents)
        op = node.op or "leaf"
        return (
            f"It is produced by {op}({inputs}) = {node.data!r} ({describe_node(node)}), the first "
            "non-finite number in the forward pass: clip before a log, shift logits by their "
            "max before exp, or move the point away from the edge of the domain."
        )
    return ""


# ---------------------------------------------------------------------- what is checked


@dataclass
class Target:
    """One checked gradient: an input or a variable, with its nodes in the traced graph.

    Attributes:
        name: the input's or variable's name.
        kind: ``"input"`` or ``"variable"``.
        shape: its shape.
        nodes: its entries' nodes, flat in C order (empty when the graph was cut).
        line: the line of ``loss_fn`` that assigns a variable (0 when unknown, or an input).
        mine: your gradient, in ``shape``.
        value: the input's or variable's numbers at the point.
    """

    name: str
    kind: str
    shape: tuple[int, ...]
    nodes: list[Value]
    line: int
    mine: FloatArray
    value: FloatArray


def refuse_labels(err: Exception, ins: list[Input], mine: Mapping[str, FloatArray]) -> None:
    """Raise a clear TypeError when ``err`` came from integer inputs used as indices."""
    labels = [i.name for i in ins if i.integer and i.name not in mine]
    if not labels:
        return
    names = ", ".join(f"inputs[{n!r}]" for n in labels)
    raise TypeError(
        f"check_gradients: loss_fn used a Value as an integer ({err}). {names} "
        f"{'holds' if len(labels) == 1 else 'hold'} integers, probably labels or indices; every "
        "input becomes Values to be differentiated. Keep labels out of inputs: use them from "
        f"loss_fn's closure or as a default argument (def loss(W, {labels[0]}={labels[0]}): ...)."
    ) from err


def require_seen(
    variables: list[str],
    shapes: Mapping[str, tuple[int, ...]],
    ins: list[Input],
    unreadable: str,
) -> None:
    """Raise when a variable named in ``expected`` was never assigned while loss_fn ran."""
    for name in variables:
        if name in shapes:
            continue
        known = [i.name for i in ins]
        close = difflib.get_close_matches(name, known + list(shapes), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        why = f" (its source could not be searched: {unreadable})" if unreadable else ""
        raise ValueError(
            f"check_gradients: expected[{name!r}] names no input (inputs: {', '.join(known)})"
            f"{hint} It is no variable of loss_fn either: no assignment to {name!r} ran{why}. "
            f"To check a value computed elsewhere, mark it with autograd_lite.watch({name!r}, "
            "value)."
        )


def targets(
    ins: list[Input],
    mine: Mapping[str, FloatArray],
    variables: list[str],
    shapes: Mapping[str, tuple[int, ...]],
    seen: Mapping[str, Watched],
    lines: Mapping[str, int],
    point: Mapping[str, FloatArray],
    leaves: Mapping[str, list[Value]] | None = None,
) -> list[Target]:
    """The checked inputs (in input order), then the checked variables.

    A variable's nodes and numbers come from ``seen`` (the trace); when the graph was cut,
    only its shape is known (from ``shapes``, an evaluation on floats).
    """
    out = []
    for i in ins:
        if i.name in mine:
            nodes = list(leaves[i.name]) if leaves is not None else []
            out.append(
                Target(i.name, "input", i.array.shape, nodes, 0, mine[i.name], point[i.name])
            )
    for name in variables:
        if name in seen:
            w = seen[name]
            shape = w.shape
            value = np.array([n.data for n in w.nodes]).reshape(shape)
            nodes = w.nodes
        else:
            shape = shapes[name]
            value = np.zeros(shape)
            nodes = []
        check_shape(name, mine[name], shape, f"variable {name!r} of loss_fn", "variable")
        out.append(Target(name, "variable", shape, nodes, lines.get(name, 0), mine[name], value))
    return out
