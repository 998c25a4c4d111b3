"""Which cluster (layer, neuron) each node of a drawing sits in, and writing clusters as DOT."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, Final

import graphviz

from ..core.value import Value
from .text import escape_text

__all__ = ["GROUPS", "ClusterTree", "Group", "group_key_function", "group_paths", "label_path"]

GROUPS: Final = {"layer": ("layers",), "neuron": ("layers", "neurons")}


Group = str | Callable[[Value], str | None] | None


def group_key_function(group: Group) -> Callable[[Value], tuple[str, ...]] | None:
    if group is None:
        return None
    if callable(group):
        user_key = group

        def key(node: Value) -> tuple[str, ...]:
            name = user_key(node)
            return (str(name),) if name is not None else ()

        return key
    if isinstance(group, str) and group in GROUPS:
        names = GROUPS[group]
        return lambda node: label_path(node.label, names)
    raise ValueError(f"group must be 'layer', 'neuron', a callable or None, got {group!r}")


def label_path(label: str | None, names: tuple[str, ...]) -> tuple[str, ...]:
    """The cluster path a dotted label names.

    Every ``<name>.<number>`` part with a name in ``names`` opens one level:
    ``layers.0.neurons.3.w.1`` gives ``("layers.0", "layers.0.neurons.3")`` for
    ``("layers", "neurons")``. The last part names the node itself and opens nothing.
    """
    if not label:
        return ()
    parts = label.split(".")
    return tuple(
        ".".join(parts[: i + 1])
        for i in range(1, len(parts) - 1)
        if parts[i].isdigit() and parts[i - 1] in names
    )


def group_paths(
    order: list[Value], key_of: Callable[[Value], tuple[str, ...]]
) -> dict[Value, tuple[str, ...]]:
    """Each node's cluster path: its own, else the one its neighbours give it.

    1. A node whose key names a cluster is in it (``own``).
    2. Walking inputs-first, a computed node joins the one cluster that its clustered leaf
       inputs (parameters) are in (``w * x`` joins ``w``'s neuron), else the cluster that
       *all* its inputs are in (``tanh`` of a neuron's sum). So ``out - 1.0``, the start
       of a loss, stays out of the last neuron: its constant input is in no cluster.
    3. Walking outputs-first, a node still outside joins the cluster all its consumers are
       in, if it is an unlabelled constant or one of its inputs is in that cluster too
       (``0 + w0*x0`` from Python's ``sum()`` inside a neuron).
    """
    inputs = {node: node.parents for node in order}
    paths: dict[Value, tuple[str, ...]] = {}
    own: set[Value] = set()
    for node in order:  # inputs before the nodes computed from them
        path = key_of(node)
        if path:
            paths[node] = path
            own.add(node)
        elif inputs[node]:
            from_params = {paths[p] for p in inputs[node] if p in own and not inputs[p]}
            from_all = {paths.get(p, ()) for p in inputs[node]}
            if len(from_params) == 1:
                paths[node] = from_params.pop()
            elif len(from_all) == 1 and () not in from_all:
                paths[node] = from_all.pop()

    consumers: dict[Value, list[Value]] = {}
    for node in order:
        for parent in inputs[node]:
            consumers.setdefault(parent, []).append(node)
    for node in reversed(order):  # consumers before the nodes they use
        if node in paths or node not in consumers:
            continue
        targets = {paths.get(c, ()) for c in consumers[node]}
        if len(targets) != 1 or () in targets:
            continue
        target = targets.pop()
        constant = not inputs[node] and not node.label
        if constant or any(paths.get(p) == target for p in inputs[node]):
            paths[node] = target
    return paths


MAX_CLUSTER_DEPTH = 32
"""Clusters nest at most this deep in a drawing (deeper levels join their ancestor)."""


class ClusterTree:
    """Node statements sorted into nested clusters, nodes in first-seen order.

    A list holds ``("node", id, attrs)`` and ``("cluster", path)`` entries.
    """

    def __init__(self) -> None:
        self._items: dict[tuple[str, ...], list[tuple[Any, ...]]] = {(): []}

    def add_node(self, path: tuple[str, ...], node_id: str, attrs: dict[str, Any]) -> None:
        """Put a node statement into the cluster at ``path``, creating it and its parents.

        Only the first :data:`MAX_CLUSTER_DEPTH` levels become clusters: a label that nests
        deeper (``layers.0.layers.0....`` a thousand times) is framed at that depth.
        """
        path = path[:MAX_CLUSTER_DEPTH]
        for depth in range(1, len(path) + 1):
            prefix = path[:depth]
            if prefix not in self._items:
                self._items[prefix] = []
                self._items[path[: depth - 1]].append(("cluster", prefix))
        self._items[path].append(("node", node_id, attrs))

    def emit(self, dot: graphviz.Digraph) -> None:
        """Write the node statements and clusters into ``dot``."""
        self._emit(dot, (), iter(range(len(self._items))))

    def _emit(self, graph: graphviz.Digraph, path: tuple[str, ...], numbers: Iterator[int]) -> None:
        entries = self._items[path]
        # Clusters first, in natural order (layers.2 before layers.10), then loose nodes.
        sub_paths = sorted((e[1] for e in entries if e[0] == "cluster"), key=natural_key)
        for sub_path in sub_paths:
            with graph.subgraph(name=f"cluster_{next(numbers)}") as sub:
                sub.attr(
                    label=escape_text(sub_path[-1]),
                    style="rounded,dashed",
                    color="#888888",
                    fontcolor="#555555",
                    fontsize="10",
                )
                self._emit(sub, sub_path, numbers)
        for entry in entries:
            if entry[0] == "node":
                graph.node(entry[1], **entry[2])


def natural_key(path: tuple[str, ...]) -> list[tuple[int, int, str]]:
    """Sort key for cluster paths that orders numbered parts by number."""
    parts = re.split(r"(\d+)", path[-1])
    return [(1, int(p), "") if p.isdigit() else (0, 0, p) for p in parts]
