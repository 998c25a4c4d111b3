"""The check's one walk back from the loss: the engine's gradient of every node, by core's walk.

:func:`walk` runs :func:`autograd_lite.core.walk_backward` once, hands every edge to the
observers that read facts off it (:class:`~autograd_lite.check.causes.Downstream`,
:class:`~autograd_lite.check.kinks.Kinks`), and writes the gradients into ``.grad`` of the
check's own nodes (its leaves, watched nodes and everything computed from them) so that a
drawing of ``report.loss`` shows them. Values the checked function closes over keep their
``.grad``: no chain rule is written here, and no user node is touched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from ..core import topological_order, walk_backward
from ..core.value import Value

__all__ = ["EdgeObserver", "walk"]

EdgeObserver = Callable[[Value, int, Value, float, float], None]
"""``observer(node, index, parent, local, contribution)``, as ``walk_backward``'s ``on_edge``."""


def walk(
    loss: Value, own: Iterable[Value], observers: Sequence[EdgeObserver] = ()
) -> dict[Value, float]:
    """d(loss)/d(node) for every node of the graph, with each edge shown to ``observers``.

    Args:
        loss: the traced loss node.
        own: the check's own leaves and watched nodes; they and every node computed from them
            get their gradient in ``.grad``.
        observers: called once per edge, in the walk's order (reverse topological).

    Returns:
        A dict from every node of ``loss``'s graph to d(loss)/d(node).
    """
    mine = set(own)
    on_edge: EdgeObserver | None = None
    if observers:
        # An edge into a leaf that is not the check's own (a constant, a Value the function
        # closes over) teaches the observers nothing any checked gradient needs; a product
        # with a constant matrix makes half of all edges such edges.
        def on_edge(node: Value, index: int, parent: Value, local: float, part: float) -> None:
            if parent.rule is None and parent not in mine:
                return
            for observe in observers:
                observe(node, index, parent, local, part)

    # + 0.0 turns a -0.0 (a first contribution of -0.0, stored as is) into the 0.0 that
    # accumulating from 0.0, as backward() does into a leaf's .grad, gives; nothing else changes.
    grads = {node: g + 0.0 for node, g in walk_backward(loss, on_edge).items()}
    for node in topological_order(loss):
        if node in mine or any(p in mine for p in node.parents):
            mine.add(node)
            node.grad = grads[node]
    return grads
