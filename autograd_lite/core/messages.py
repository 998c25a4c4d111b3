"""The errors that describe nodes: where a domain error, a failed derivative or a NaN came from.

Kept apart from :mod:`.value` and :mod:`.engine` so that what a learner reads there is the
computation; this module only says, when something goes wrong, which node and which inputs.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .errors import DivisionByZeroError, DomainError, OverflowDomainError, TracingError
from .node import Node, describe_node

if TYPE_CHECKING:
    from .rules import Rule

__all__ = [
    "backward_anomaly",
    "decision_error",
    "derivative_failed",
    "forward_anomaly",
    "located",
    "sum_anomaly",
]


def located(err: DomainError, rule: Rule, parents: tuple[Node, ...]) -> DomainError:
    """A forward's domain error with the input nodes' labels added."""
    where = "; ".join(describe_node(p) for p in parents[:8])
    return type(err)(f"{err} [inputs: {where}]", err.op or rule.name, err.inputs)


def derivative_failed(node: Node, err: BaseException) -> DomainError:
    """The error for a derivative that raised: the graph's data no longer fits its values.

    Derivatives never raise on the numbers a forward pass produced (inf and nan are answers),
    so the cause is an input whose ``.data`` was changed after the forward pass.
    """
    rule = node._rule
    assert rule is not None
    parents = node.parents
    inputs = "; ".join(describe_node(p) for p in parents[:8])
    try:
        now = rule.forward(*[p.data for p in parents])
    except (ArithmeticError, ValueError) as forward_err:
        now_text = f"the forward would now raise ({forward_err})"
    else:
        now_text = f"the forward would now give {now!r}"
    kind = (
        DivisionByZeroError
        if isinstance(err, ZeroDivisionError)
        else OverflowDomainError
        if isinstance(err, OverflowError)
        else DomainError
    )
    return kind(
        f"backward: the derivative of {rule.name} at {describe_node(node)} failed "
        f"({type(err).__name__}: {err}); its inputs are now [{inputs}] and {now_text}: an "
        "input's .data was changed after the forward pass. Run the forward pass again. No "
        ".grad was changed.",
        rule.name,
        tuple(p.data for p in parents),
    )


def decision_error(v: Node, op: str) -> TracingError:
    """The error for a Python decision (``if v > 0``, ``bool(v)``) while compile() traces."""
    what = f"bool({describe_node(v)})" if op == "bool()" else f"{describe_node(v)} {op} ..."
    return TracingError(
        f"compile: f made a Python decision on a Value while being traced ({what}). The "
        "compiled code is straight-line: an if, while, max(), min() or sorted() that depends "
        "on a Value would be frozen at the example's values. Use relu() or abs() (compiled "
        "as conditional expressions), or decide outside f on plain numbers."
    )


def forward_anomaly(rule: Rule, out: float, parents: tuple[Node, ...]) -> str:
    """What ``detect_anomaly()`` says about an op whose result is NaN or infinite."""
    inputs = "; ".join(describe_node(p) for p in parents[:8])
    if len(parents) > 8:
        inputs += f"; ... ({len(parents)} inputs)"
    bad = [p for p in parents if not math.isfinite(p.data)]
    if bad:
        origin = (
            f"It came in through input {describe_node(bad[0])}, which is a leaf: "
            "the non-finite number was given, not computed."
            if bad[0]._rule is None
            else f"It came in through {describe_node(bad[0])}. {_first_appearance(bad[0])}"
        )
    else:
        origin = "This is the first node where it appeared: all its inputs are finite."
    return f"forward: {rule.name} produced {out!r} from inputs [{inputs}]. {origin}"


def _first_appearance(node: Node) -> str:
    """Follow non-finite inputs upstream (made while detection was off) to where it began."""
    while True:
        bad = [p for p in node.parents if not math.isfinite(p.data)]
        if not bad:
            break
        node = bad[0]
    if node._rule is None:
        return f"It first appeared as the given leaf {describe_node(node)}."
    inputs = "; ".join(describe_node(p) for p in node.parents[:8])
    return f"It first appeared at {describe_node(node)}, computed from finite [{inputs}]."


def _number(x: Any) -> Any:
    return x.data if isinstance(x, Node) else x


def backward_anomaly(node: Node, index: int, g: Any, d: Any, contribution: Any) -> str:
    """What ``detect_anomaly()`` says about a non-finite gradient passed along one edge."""
    rule = node._rule
    assert rule is not None
    parents = node.parents
    inputs = "; ".join(describe_node(p) for p in parents[:8])
    return (
        f"backward: {rule.name} gave a non-finite gradient {_number(contribution)!r} for its "
        f"input #{index} ({describe_node(parents[index])}): upstream grad {_number(g)!r} x "
        f"local derivative {_number(d)!r}. Node: {describe_node(node)}, inputs [{inputs}]."
    )


def sum_anomaly(node: Node, p: Node, previous: Any, contribution: Any, total: Any) -> str:
    """What ``detect_anomaly()`` says when finite gradients overflow as they are summed."""
    return (
        f"backward: adding up the gradient of {describe_node(p)} gave {_number(total)!r}: "
        f"{_number(previous)!r} so far + {_number(contribution)!r} through {describe_node(node)}."
    )
