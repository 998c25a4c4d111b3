"""Root causes: which checked gradients lie between which and the loss, and so which is first wrong.

The backward pass computes a gradient from those of the values computed from it: a checked
gradient "downstream" of another lies between it and the loss. :class:`Downstream` learns
this from the edges of the check's one walk back from the loss; :func:`backward_order` sorts
the checked gradients as the backward pass reaches them; :func:`root_causes` names the wrong
ones whose downstream gradients are all right: each is the first wrong step of a bug, and the
wrong gradients upstream of it may merely inherit its error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from ..core.value import Value

__all__ = ["Downstream", "Placed", "backward_order", "root_causes"]


class Downstream:
    """Edge observer: for each group of nodes (a checked gradient), the groups downstream of it.

    Each group gets a bit; every node learns the bits of the groups between it and the loss
    as the walk goes from the loss towards the leaves.

    Args:
        groups: name -> the nodes of that checked gradient.
    """

    def __init__(self, groups: Mapping[str, Sequence[Value]]) -> None:
        self._names = list(groups)
        self._group: dict[Value, int] = {
            node: 1 << bit for bit, nodes in enumerate(groups.values()) for node in nodes
        }
        self._mask: dict[Value, int] = {}

    def __call__(
        self, node: Value, index: int, parent: Value, local: float, contribution: float
    ) -> None:
        """Called by the walk once per edge, from ``node`` to its input ``parent``."""
        out = self._mask.get(node, 0) | self._group.get(node, 0)
        if out:
            self._mask[parent] = self._mask.get(parent, 0) | out

    def listens(self, node: Value) -> bool:
        """Whether ``node``'s edges pass bits on: it is in a group or downstream of one."""
        return node in self._mask or node in self._group

    def of(self, name: str, nodes: Sequence[Value]) -> set[str]:
        """The other groups downstream of any of ``nodes`` (the group ``name``)."""
        m = 0
        for node in nodes:
            m |= self._mask.get(node, 0)
        return {other for bit, other in enumerate(self._names) if m >> bit & 1 and other != name}


class Placed(Protocol):
    """A checked gradient with its place in the backward pass."""

    @property
    def name(self) -> str: ...

    @property
    def downstream(self) -> tuple[str, ...]: ...

    @property
    def placed(self) -> bool: ...

    @property
    def kind(self) -> str: ...


def backward_order(
    names: Sequence[str], downstream: Mapping[str, set[str]], last: Mapping[str, int]
) -> list[str]:
    """Closest to the loss first, as the backward pass reaches them.

    A gradient downstream of another has strictly fewer gradients downstream of itself, so
    sorting by that count puts every gradient after those it is computed from; unrelated ones
    come latest-computed first (``last``: position of a gradient's last node in topological
    order).
    """
    return sorted(names, key=lambda n: (len(downstream[n]), -last[n]))


def root_causes(gradients: Sequence[Placed], wrong: set[str]) -> list[str]:
    """The wrong gradients whose downstream gradients are all right, in the given order.

    A gradient whose place is unknown (not ``placed``: the graph was cut) is named only when
    no other checked variable is wrong: only variables can lie between a gradient and the loss
    (nothing is computed from an input), so then nothing wrong can reach it. Otherwise
    nothing can be said about what it inherits, and it is not named.
    """
    wrong_variables = {g.name for g in gradients if g.name in wrong and g.kind == "variable"}
    return [
        g.name
        for g in gradients
        if g.name in wrong
        and (
            not any(d in wrong for d in g.downstream)
            if g.placed
            else not wrong_variables - {g.name}
        )
    ]
