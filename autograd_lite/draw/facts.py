"""The numbers behind a drawing, per node: what the interactive page shows and replays.

:func:`graph_facts` reads a graph once: each node's name (the one :func:`explain` uses),
operation, ``data``, ``grad``, inputs with their local derivatives, the element of the drawing
it is drawn in, and a check report's verdict with the expected and reference numbers. The
forward replay follows :func:`~autograd_lite.topological_order`; the backward replay walks it
in reverse, the order in which the engine hands each node's gradient to its inputs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..check.explain import node_names
from ..core.value import Value
from .text import as_float, local_grads

__all__ = ["GraphFacts", "NodeFacts", "ReportNote", "graph_facts"]


@dataclass(frozen=True)
class ReportNote:
    """A check report's verdict on one node, with the numbers it was judged by."""

    verdict: str
    expected: float | None
    reference: float | None
    mistake: str = ""  # what is wrong with the entry's gradient (report.mistakes), if known


@dataclass(frozen=True)
class NodeFacts:
    """One value of the graph as the page shows it.

    Attributes:
        id: the value's id, ``v<position in topological order>``.
        name: its name, as :func:`~autograd_lite.explain` calls it.
        op: the operation that made it (``""`` for a leaf).
        formula: how it was made from its inputs' names (``x * w``, ``tanh(n4)``; ``""``).
        data, grad: its numbers (``grad`` as the engine left it).
        inputs: the ids of its inputs, in order.
        locals: d(this)/d(input) for each input (None where the rule cannot say).
        element: the id of the drawing element it is shown in (its own box, or its neuron's).
        note: a check report's verdict on it, or None.
    """

    id: str
    name: str
    op: str
    formula: str
    data: float
    grad: float
    inputs: tuple[str, ...]
    locals: tuple[float | None, ...]
    element: str
    note: ReportNote | None


@dataclass(frozen=True)
class GraphFacts:
    """Every node's facts in topological order, and whether gradients were computed."""

    nodes: tuple[NodeFacts, ...]
    root: str
    computed: bool
    digits: int

    def to_json(self) -> dict[str, Any]:
        """The facts as JSON-ready data (non-finite numbers become strings)."""
        return {
            "root": self.root,
            "computed": self.computed,
            "digits": self.digits,
            "nodes": [
                {
                    "id": n.id,
                    "name": n.name,
                    "op": n.op,
                    "formula": n.formula,
                    "data": _json_number(n.data),
                    "grad": _json_number(n.grad),
                    "inputs": list(n.inputs),
                    "locals": [None if x is None else _json_number(x) for x in n.locals],
                    "element": n.element,
                    "note": None
                    if n.note is None
                    else {
                        "verdict": n.note.verdict,
                        "expected": _optional(n.note.expected),
                        "reference": _optional(n.note.reference),
                        "mistake": n.note.mistake,
                    },
                }
                for n in self.nodes
            ],
        }


def graph_facts(
    order: list[Value],
    ids: Mapping[Value, str],
    elements: Mapping[Value, str],
    highlight: Any,
    kinds: Mapping[Value, str],
    digits: int,
) -> GraphFacts:
    """Collect the facts of a graph already drawn.

    Args:
        order: the graph's nodes in topological order (the root last).
        ids: each node's value id.
        elements: each node's drawing element id (defaults to its value id).
        highlight: the ``highlight`` given to ``draw_graph`` (a report gives the numbers).
        kinds: each highlighted node's kind (``"wrong"``, ``"ok"``...).
        digits: significant digits the page shows.
    """
    root = order[-1]
    names = node_names(root, order)
    numbers = _report_numbers(highlight)
    findings = _report_findings(highlight)
    nodes = []
    for node in order:
        kind = kinds.get(node)
        note = None
        if kind is not None and kind != "mark":
            expected, reference = numbers.get(node, numbers.get(node.label or "", (None, None)))
            mistake = findings.get(node, findings.get(node.label or "", ""))
            note = ReportNote(kind, expected, reference, mistake)
        grads = local_grads(node) if node.parents else ()
        nodes.append(
            NodeFacts(
                id=ids[node],
                name=names[node],
                op=node.op or "",
                formula=_formula(node, [names[p] for p in node.parents]),
                data=as_float(node.data),
                grad=as_float(node.grad),
                inputs=tuple(ids[p] for p in node.parents),
                locals=tuple(grads) if grads is not None else (None,) * len(node.parents),
                element=elements.get(node, ids[node]),
                note=note,
            )
        )
    computed = any(n.grad != 0.0 for n in nodes)
    return GraphFacts(tuple(nodes), ids[root], computed, digits)


def _formula(node: Value, operands: list[str]) -> str:
    """``x * w`` for an infix operator, ``tanh(n4)`` for a function, ``""`` for a leaf."""
    if not node.parents:
        return ""
    rule = node.rule
    symbol = rule.symbol if rule is not None else (node.op or "?")
    if len(operands) == 2 and not symbol.replace("_", "").isalnum():
        return f"{operands[0]} {symbol} {operands[1]}"
    return f"{symbol}({', '.join(operands)})"


def _report_numbers(highlight: Any) -> dict[Any, tuple[float | None, float | None]]:
    """Expected and reference numbers by node and by name, from a check report's entries."""
    entries = getattr(highlight, "entries", None)
    if entries is None or isinstance(highlight, Value):
        return {}
    numbers: dict[Any, tuple[float | None, float | None]] = {}
    for entry in entries:
        expected = getattr(entry, "expected", None)
        # check_gradients judges your number against the engine; gradcheck the engine's
        # against finite differences.
        reference = getattr(entry, "engine", None) if expected is not None else None
        if expected is None:
            expected = getattr(entry, "engine", None)
            reference = getattr(entry, "numerical", None)
        pair = (_float_or_none(expected), _float_or_none(reference))
        name = getattr(entry, "name", None)
        if name is not None:
            numbers[name] = pair
        node = getattr(entry, "node", None)
        if isinstance(node, Value):
            numbers[node] = pair
    return numbers


def _report_findings(highlight: Any) -> dict[Any, str]:
    """A WRONG entry's node and name -> the first finding about its gradient (a pattern)."""
    first: dict[str, str] = {}
    for m in getattr(highlight, "mistakes", None) or ():
        if m.kind != "no simple pattern":  # its numbers are the tip's own
            first.setdefault(m.gradient, m.message)
    found: dict[Any, str] = {}
    for entry in getattr(highlight, "entries", None) or ():
        message = first.get(getattr(entry, "gradient", ""))
        if message is None or getattr(entry, "verdict", "") != "WRONG":
            continue
        found[entry.name] = message
        if isinstance(entry.node, Value):
            found[entry.node] = message
    return found


def _float_or_none(x: Any) -> float | None:
    try:
        return None if x is None else float(x)
    except (TypeError, ValueError):
        return None


def _json_number(x: float) -> float | str:
    return x if math.isfinite(x) else str(x)


def _optional(x: float | None) -> float | str | None:
    return None if x is None else _json_number(x)
