"""The network view: one box per neuron of an ``nn`` model, layers side by side.

A neuron is found from the labels :mod:`autograd_lite.nn` gives (``layers.1.neurons.2.w.3``,
``...b``, ``...z``, ``...a``) and the cluster rules of :mod:`autograd_lite.draw.clusters`,
which also put a hand-written neuron's ``w * x`` and sums into it. Its box is a small table
of its weights (four to a row), bias, weighted sum ``z`` and activation ``a``, each with
``data`` and ``grad``, under a short name: ``L1.N2`` is ``layers.1.neurons.2``. Values outside
any neuron (the inputs, the loss) are drawn as boxes of their own. Edges join boxes wherever
one's value is an input of the other's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Final

import graphviz

from ..check.explain import node_names
from ..core.value import Value
from .clusters import group_key_function, group_paths
from .highlight import STYLES
from .text import DrawOptions, captions_for, escape_record_field, new_digraph, record_label

__all__ = ["LEGEND", "draw_network", "network_size", "short_name"]

LEGEND: Final = (
    "Ln.Nm: layer n, neuron m (layers.n.neurons.m)\n"
    "wk: weight of input k   b: bias   z = w·x + b   a: activation\n"
    "each cell: name, data, ∇ grad"
)

_WEIGHTS_PER_ROW: Final = 4
_NEURON_PATH: Final = re.compile(r"(?:^|\.)neurons\.\d+$")
_PART: Final = re.compile(r"([A-Za-z]+)\.(\d+)")
_INK: Final = "#1a1a1a"


def short_name(path: str) -> str:
    """The short name of a neuron path: ``layers.1.neurons.2`` is ``L1.N2``.

    Example:
        >>> short_name("layers.1.neurons.2"), short_name("neurons.0")
        ('L1.N2', 'N0')
    """
    return ".".join(f"{word[0].upper()}{number}" for word, number in _PART.findall(path))


def neuron_of(order: list[Value]) -> dict[Value, str]:
    """Each node inside a neuron, mapped to the neuron's path (``layers.1.neurons.2``)."""
    key_of = group_key_function("neuron")
    assert key_of is not None
    return {
        node: path[-1]
        for node, path in group_paths(order, key_of).items()
        if path and _NEURON_PATH.search(path[-1])
    }


def network_size(order: list[Value]) -> tuple[int, str]:
    """How many boxes the network view draws, and the same in words."""
    neurons = neuron_of(order)
    others = sum(1 for node in order if node not in neurons)
    count = len(set(neurons.values()))
    return count + others, f"{count} neurons and {others} other values"


def draw_network(
    order: list[Value],
    ids: dict[Value, str],
    kinds: dict[Value, str],
    legend: str,
    options: DrawOptions,
) -> tuple[graphviz.Digraph, dict[Value, str], int, int]:
    """Build the network view's digraph.

    Returns:
        The digraph, each node's drawing element id, and the numbers of boxes and operations
        drawn (0: operations are inside the boxes).
    """
    neurons = neuron_of(order)
    captions = captions_for(order, options.show_grad, legend)
    if neurons:
        captions.append(LEGEND)
    dot = new_digraph(options.rankdir, captions)
    # A layer's neurons keep their numbered order because every node's out-edges are laid
    # out in the order they are written (neuron by neuron). Invisible edges inside a rank
    # would do it too, but Graphviz before 2.44 loses flat edges between record nodes and
    # fails the whole drawing.
    dot.attr(nodesep="0.12", ranksep="0.35", ordering="out")
    names = node_names(order[-1], order)
    members: dict[str, list[Value]] = {}
    for node in order:
        if node in neurons:
            members.setdefault(neurons[node], []).append(node)
    box_of = {path: "n_" + short_name(path).replace(".", "_") for path in members}
    elements = {node: box_of[path] for node, path in neurons.items()}

    for layer, paths in _layers(members):
        with dot.subgraph(name=f"layer_{layer}") as rank:
            rank.attr(rank="same")
            for path in paths:
                attrs = _neuron_attrs(path, members[path], names, kinds, options)
                rank.node(box_of[path], id=box_of[path], **attrs)
    for node in order:
        if node not in neurons:
            rank_kind = "source" if not node.parents else "sink" if node is order[-1] else ""
            attrs = _value_box(node, ids[node], names, kinds, options)
            if rank_kind:
                with dot.subgraph() as rank:
                    rank.attr(rank=rank_kind)
                    rank.node(ids[node], **attrs)
            else:
                dot.node(ids[node], **attrs)

    seen: set[tuple[str, str]] = set()
    for node in order:
        head = elements.get(node, ids[node])
        for parent in node.parents:
            tail = elements.get(parent, ids[parent])
            if tail != head and (tail, head) not in seen:
                seen.add((tail, head))
                dot.edge(tail, head, id=f"{tail}-{head}", color="#888888", arrowsize="0.5")
    boxes = len(members) + sum(1 for node in order if node not in neurons)
    return dot, elements, boxes, 0


def _layers(members: dict[str, list[Value]]) -> Iterator[tuple[int, list[str]]]:
    """Neuron paths grouped by layer, both in numbered order."""
    by_layer: dict[str, list[str]] = {}
    for path in members:
        layer = path.rsplit("neurons.", 1)[0]
        by_layer.setdefault(layer, []).append(path)
    for index, layer in enumerate(sorted(by_layer, key=_numbers)):
        yield index, sorted(by_layer[layer], key=_numbers)


def _numbers(path: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", path))


_MARKS: Final = {"wrong": "✗ ", "unclear": "? ", "kink": "~ ", "ok": "✓ ", "mark": "● "}
_SEVERITY: Final = ("wrong", "unclear", "kink", "mark", "ok")


def _neuron_attrs(
    path: str,
    nodes: list[Value],
    names: dict[Value, str],
    kinds: dict[Value, str],
    options: DrawOptions,
) -> dict[str, Any]:
    """A record: a title row, the weights four to a row, then b, z, a and any other values.

    The in-process renderer's Graphviz has no HTML-like labels, so the table is a record:
    each row a horizontal group of cells, each cell a value's name, data and grad.
    """
    weights, rest = [], []
    for node in nodes:
        local = _local_name(node, path, names)
        if re.fullmatch(r"w\d+", local) and not node.parents:
            weights.append((int(local[1:]), local, node))
        else:
            rest.append((local, node))
    weights.sort(key=lambda item: item[0])
    activation = next(
        (n.op for n in nodes if (n.label or "").endswith(".a") and n.op is not None), ""
    )
    entries = [(local, node) for _, local, node in weights] + rest
    rows = [escape_record_field(f"{short_name(path)}  {activation}".strip())]
    for start in range(0, len(entries), _WEIGHTS_PER_ROW):
        chunk = entries[start : start + _WEIGHTS_PER_ROW]
        rows.append("{ " + " | ".join(_cell(local, n, kinds, options) for local, n in chunk) + " }")
    body = " | ".join(rows)
    # Records stack top-level fields across the rank direction: with LR that is downwards,
    # as wanted; with TB the braces turn it back.
    label = body if options.rankdir in ("LR", "RL") else "{ " + body + " }"
    attrs: dict[str, Any] = {
        "shape": "record",
        "label": graphviz.nohtml(label),
        "style": "filled",
        "fillcolor": "white",
        "fontcolor": _INK,
        "fontsize": "9",
    }
    found = [kinds[n] for n in nodes if n in kinds]
    worst = next((k for k in _SEVERITY if k in found), None)
    if worst is not None:
        attrs |= STYLES[worst]
    return attrs


def _cell(local: str, node: Value, kinds: dict[Value, str], options: DrawOptions) -> str:
    lines = [_MARKS.get(kinds.get(node, ""), "") + local]
    if options.show_data:
        lines.append(options.number(node.data))
    if options.show_grad:
        lines.append("∇ " + options.number(node.grad))
    return escape_record_field("\n".join(lines))


def _local_name(node: Value, path: str, names: dict[Value, str]) -> str:
    """A node's name inside its neuron box: ``w3``, ``b``, ``z``, ``a``, or its explain name."""
    label = node.label or ""
    if label.startswith(path + "."):
        return label[len(path) + 1 :].replace(".", "")
    return names[node]


def _value_box(
    node: Value,
    nid: str,
    names: dict[Value, str],
    kinds: dict[Value, str],
    options: DrawOptions,
) -> dict[str, Any]:
    title = node.label if node.label else names[node]
    fields = [f"{title} = {node.op}" if node.parents else title]
    if options.show_data:
        fields.append(f"data {options.number(node.data)}")
    if options.show_grad:
        fields.append(f"grad {options.number(node.grad)}")
    # Fields stacked across the rank direction keep these boxes narrow beside the neurons.
    across = "TB" if options.rankdir in ("LR", "RL") else "LR"
    attrs = {"id": nid, "shape": "record", "label": record_label(fields, across)}
    return attrs | STYLES.get(kinds.get(node, ""), {})
