"""Where the traced graph passes a kink: which nodes feed a relu or abs at (or near) its kink.

There the function has no single slope, the engine takes the rule's convention (slope 0 for
relu and abs at 0), and any value between the one-sided slopes is a right answer, so the
judge probes such entries by finite differences and says why in their notes. :class:`Kinks`
learns this from the edges of the check's one walk back from the loss
(:func:`autograd_lite.check.walk.walk`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..core.value import Value, describe_node

__all__ = ["Kinks"]


class Kinks:
    """Edge observer: the kinks each node feeds into, exactly at and within ``close`` of one.

    Args:
        close: how far a kinked op's input may be from the kink to count as near it (a
            finite-difference step moves it about this much).
        ties: nodes already known to be near a kink the graph hides (``np.maximum`` of two
            near-equal numbers).
        exact: nodes at such a kink exactly (a tie of equal numbers), with its description.

    Attributes:
        source: node -> the kinked node at exactly its kink that it feeds into
            (``"relu of n7"``), for every node upstream of one.
        near: every node upstream of a kinked op within ``close`` of its kink, and of a tie.
    """

    def __init__(
        self,
        close: float = 0.0,
        ties: Iterable[Value] = (),
        exact: Mapping[Value, str] | None = None,
    ) -> None:
        self._close = close
        self.source: dict[Value, str] = dict(exact or {})
        self.near: set[Value] = set(ties)

    def listens(self, node: Value) -> bool:
        """Whether ``node``'s edges can pass anything on: it is kinked, or feeds a kink."""
        rule = node.rule
        return node in self.source or node in self.near or (rule is not None and bool(rule.kinks))

    def __call__(
        self, node: Value, index: int, parent: Value, local: float, contribution: float
    ) -> None:
        """Called by the walk once per edge, from ``node`` to its input ``parent``."""
        where = self.source.get(node)
        is_near = node in self.near
        rule = node.rule
        if rule is not None and rule.kinks and index == 0:
            x = parent.data
            if any(abs(x - k) <= self._close for k in rule.kinks):
                is_near = True
            if where is None and x in rule.kinks:
                where = f"{rule.name} of {describe_node(parent)}"
        if where is not None:
            self.source.setdefault(parent, where)
        if is_near:
            self.near.add(parent)
