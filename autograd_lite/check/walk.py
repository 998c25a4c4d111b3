"""The check's one walk back from the loss: the engine's gradient of every node, by core's walk.

:func:`walk` runs :func:`~autograd_lite.core.fast_walk.fast_walk_backward` once (the engine's
walk with a wide node's edges in one numpy step, equal to
:func:`autograd_lite.core.walk_backward`), hands every edge to the observers that read facts off
it (:class:`~autograd_lite.check.causes.Downstream`,
:class:`~autograd_lite.check.kinks.Kinks`), and writes the gradients into ``.grad`` of the
check's own nodes (its leaves, watched nodes and everything computed from them) so that a
drawing of ``report.loss`` shows them. Values the checked function closes over keep their
``.grad``: no chain rule is written here, and no user node is touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from ..core.fast_walk import fast_walk_backward
from ..core.value import Value

__all__ = ["EdgeObserver", "walk"]


class EdgeObserver(Protocol):
    """Reads facts off the walk's edges; ``listens`` says which nodes' edges can teach it any."""

    def listens(self, node: Value) -> bool:
        """False when every edge from ``node`` to its inputs would leave the observer as it is."""
        ...

    def __call__(
        self, node: Value, index: int, parent: Value, local: float, contribution: float
    ) -> None:
        """Called once per edge, as ``walk_backward``'s ``on_edge``."""
        ...


def walk(
    loss: Value, own: Iterable[Value], observers: Sequence[EdgeObserver] = ()
) -> dict[Value, float]:
    """d(loss)/d(node) for every node of the graph, with each edge shown to ``observers``.

    Args:
        loss: the traced loss node.
        own: the check's own leaves and watched nodes; they and every node computed from them
            get their gradient in ``.grad``.
        observers: called once per edge, in the walk's order (reverse topological), for the
            edges of the nodes they listen to.

    Returns:
        A dict from every node of ``loss``'s graph to d(loss)/d(node), in topological order.
    """
    mine = set(own)
    on_edge = None
    listens = None
    if observers:
        # An edge into a leaf that is not the check's own (a constant, a Value the function
        # closes over) teaches the observers nothing any checked gradient needs; a product
        # with a constant matrix makes half of all edges such edges.
        def on_edge(node: Value, index: int, parent: Value, local: float, part: float) -> None:
            if parent.rule is None and parent not in mine:
                return
            for observe in observers:
                observe(node, index, parent, local, part)

        # Most nodes teach no observer anything (a product's thousands of edges, far from
        # every kink and checked gradient): their edges are not shown at all.
        def listens(node: Value) -> bool:
            return any(observe.listens(node) for observe in observers)

    # + 0.0 turns a -0.0 (a first contribution of -0.0, stored as is) into the 0.0 that
    # accumulating from 0.0, as backward() does into a leaf's .grad, gives; nothing else changes.
    grads = {node: g + 0.0 for node, g in fast_walk_backward(loss, on_edge, listens).items()}
    for node, g in grads.items():  # topological order: a node after what it is computed from
        if node in mine or not mine.isdisjoint(node.parents):
            mine.add(node)
            node.grad = g
    return grads
