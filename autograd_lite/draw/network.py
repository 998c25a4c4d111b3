"""Find an ``nn`` model's layers, neurons and weighted connections in a computation graph.

A neuron is found from the labels :mod:`autograd_lite.nn` gives (``layers.1.neurons.2.w.3``,
``...b``, ``...z``, ``...a``) and the cluster rules of :mod:`autograd_lite.draw.clusters`,
which also put a hand-written neuron's ``w * x`` and sums into it. A layer is every neuron
under one path (``layers.1``, or a custom Module's attribute name such as ``encoder``), and
layers are ordered by where the forward pass computes them, not by their names. Each weight
``w.k`` is traced to the value it multiplies: another neuron's output, or an input of the
network. :mod:`autograd_lite.draw.network_diagram` draws what this module finds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from ..check.explain import node_names
from ..core.value import Value
from .clusters import group_key_function, group_paths

__all__ = ["Connection", "Layer", "Network", "Neuron", "find_network", "network_size", "short_name"]

_NEURON_PATH: Final = re.compile(r"(?:^|\.)neurons\.\d+$")
_SHORT: Final = {"layers": "L", "neurons": "N"}
# Ops whose inputs are (w0..wn-1, x0..xn-1[, b]): the fused weighted sums nn builds.
_WEIGHTED_SUMS: Final = ("dot", "linear")


def short_name(path: str) -> str:
    """The short name of a neuron path: ``layers.1.neurons.2`` is ``L1.N2``.

    Other parts stay as they are, so neurons of different layers never share a name.

    Example:
        >>> short_name("layers.1.neurons.2"), short_name("neurons.0"), short_name("l2.neurons.3")
        ('L1.N2', 'N0', 'l2.N3')
    """
    parts = path.split(".")
    out: list[str] = []
    i = 0
    while i < len(parts):
        word = parts[i]
        if word in _SHORT and i + 1 < len(parts) and parts[i + 1].isdigit():
            out.append(_SHORT[word] + parts[i + 1])
            i += 2
        else:
            out.append(word)
            i += 1
    return ".".join(out)


def element_id(path: str) -> str:
    """The SVG id of a neuron's drawing: ``n_L1_N2`` for ``layers.1.neurons.2``."""
    return "n_" + re.sub(r"[^A-Za-z0-9]", "_", short_name(path))


@dataclass
class Neuron:
    """One neuron found in the graph.

    Attributes:
        path: its place in the model (``layers.1.neurons.2``).
        element: its drawing's id (``n_L1_N2``).
        index: its number in its layer (the ``2`` of ``neurons.2``).
        members: every node inside it (weights, bias, sums, activation), all samples.
        outputs: its output node per sample (the ``.a`` node, else ``.z``).
        activation: the output's operation (``relu``, ``tanh``...; ``linear`` for none).
        weights: ``(k, leaf)`` for each weight ``w.k``, in order of k.
        bias: the bias leaf, if any.
    """

    path: str
    element: str
    index: int
    members: list[Value] = field(default_factory=list)
    outputs: list[Value] = field(default_factory=list)
    activation: str = ""
    weights: list[tuple[int, Value]] = field(default_factory=list)
    bias: Value | None = None


@dataclass
class Layer:
    """The neurons under one path, in the order of their numbers."""

    name: str
    neurons: list[Neuron]


@dataclass(frozen=True)
class Connection:
    """A weighted edge: ``source`` (a neuron's or an input's element) into a neuron.

    ``weight`` is the leaf ``w.k`` of the target neuron that multiplies the source.
    """

    source: str
    target: str
    k: int
    weight: Value


@dataclass
class Network:
    """What the network view draws: inputs, layers in forward order, connections, the output.

    Attributes:
        inputs: element id -> the input's name and its values (one per sample).
        layers: the layers, first to last.
        connections: every weighted edge, once (the same for every sample).
        output: the root's element id when the root is not a neuron's output (a loss), else "".
        feeds_output: elements of the neurons whose outputs reach the root outside any neuron.
        elements: every node of the graph -> the element it is drawn in.
    """

    inputs: dict[str, tuple[str, list[Value]]]
    layers: list[Layer]
    connections: list[Connection]
    output: str
    feeds_output: list[str]
    elements: dict[Value, str]


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
    """How many circles the network view draws, and the same in words."""
    neurons = neuron_of(order)
    count = len(set(neurons.values()))
    inputs = len({_input_key(n, {}) for n in order if n not in neurons and not n.parents})
    return count + inputs + 1, f"{count} neurons and about {inputs} inputs"


def find_network(order: list[Value], ids: dict[Value, str]) -> Network | None:
    """Read the network out of a graph in topological order; None when it has no neurons.

    Args:
        order: the graph's nodes, inputs first (the root last).
        ids: each node's value id (``v<k>``), used for inputs and the output's element.
    """
    paths = neuron_of(order)
    if not paths:
        return None
    names = node_names(order[-1], order)
    neurons: dict[str, Neuron] = {}
    for node in order:
        path = paths.get(node)
        if path is None:
            continue
        if path not in neurons:
            neurons[path] = Neuron(path, element_id(path), int(path.rsplit(".", 1)[1]))
        _add_member(neurons[path], node)
    for neuron in neurons.values():
        _finish(neuron)

    elements: dict[Value, str] = {node: neurons[path].element for node, path in paths.items()}
    consumers: dict[Value, list[Value]] = {}
    for node in order:
        for parent in node.parents:
            consumers.setdefault(parent, []).append(node)

    inputs: dict[str, tuple[str, list[Value]]] = {}
    input_keys: dict[str, str] = {}
    sources: dict[Value, frozenset[str]] = {}
    for node in order:  # inputs first: a node's sources are known before its consumers ask
        if node in elements:
            sources[node] = frozenset([elements[node]])
        elif not node.parents:
            if node.label is None and _only_constant(node, consumers, paths):
                sources[node] = frozenset()
                continue
            key = _input_key(node, names)
            element = input_keys.setdefault(key, ids[node])
            inputs.setdefault(element, (key, []))[1].append(node)
            elements[node] = element
            sources[node] = frozenset([element])
        else:
            sources[node] = frozenset().union(*(sources[p] for p in node.parents))

    connections: dict[tuple[str, str, int], Connection] = {}
    for neuron in neurons.values():
        for k, weight in neuron.weights:
            for consumer in consumers.get(weight, []):
                for value in _multiplied(weight, consumer):
                    for source in sorted(sources.get(value, frozenset())):
                        if source != neuron.element:
                            edge = (source, neuron.element, k)
                            connections.setdefault(
                                edge, Connection(source, neuron.element, k, weight)
                            )

    root = order[-1]
    output = "" if root in paths else ids[root]
    feeds: list[str] = []
    if output:
        for node in order:
            if node in paths:
                continue
            elements.setdefault(node, output)
            for parent in node.parents:
                element = elements.get(parent, "")
                if parent in paths and element not in feeds:
                    feeds.append(element)
    return Network(
        inputs,
        _layers(neurons.values(), order),
        list(connections.values()),
        output,
        feeds,
        elements,
    )


def _add_member(neuron: Neuron, node: Value) -> None:
    neuron.members.append(node)
    label = node.label or ""
    local = label[len(neuron.path) + 1 :] if label.startswith(neuron.path + ".") else ""
    match = re.fullmatch(r"w\.(\d+)", local)
    if match is not None and not node.parents:
        neuron.weights.append((int(match.group(1)), node))
    elif local == "b" and not node.parents:
        neuron.bias = node


def _finish(neuron: Neuron) -> None:
    """Sort the weights and find the output node of each sample (``.a``, else ``.z``)."""
    neuron.weights.sort(key=lambda item: item[0])
    for suffix in (".a", ".z"):
        found = [n for n in neuron.members if (n.label or "") == neuron.path + suffix]
        if found:
            neuron.outputs = found
            break
    else:  # hand-written without labels: the members nothing else inside the neuron uses
        used = {p for n in neuron.members for p in n.parents}
        neuron.outputs = [n for n in neuron.members if n.parents and n not in used]
    ops = {n.op for n in neuron.outputs if n.op is not None}
    neuron.activation = next(iter(ops)) if len(ops) == 1 else ""
    if neuron.activation in (*_WEIGHTED_SUMS, "add"):
        neuron.activation = "linear"


def _multiplied(weight: Value, consumer: Value) -> Iterable[Value]:
    """The values ``weight`` multiplies in ``consumer`` (a product or a fused weighted sum)."""
    parents = consumer.parents
    if consumer.op in _WEIGHTED_SUMS:
        n = len(parents) // 2
        return [parents[n + i] for i in range(n) if parents[i] is weight]
    if consumer.op == "mul" and len(parents) == 2:
        return [p for p, q in (parents, parents[::-1]) if q is weight]
    return []


def _only_constant(
    node: Value, consumers: dict[Value, list[Value]], paths: dict[Value, str]
) -> bool:
    """An unlabelled leaf that no neuron uses (the ``1.0`` of ``out - 1.0``): not an input."""
    return all(c not in paths for c in consumers.get(node, []))


def _input_key(node: Value, names: dict[Value, str]) -> str:
    """Inputs of different samples with the same label are one input of the network."""
    return node.label if node.label else names.get(node, str(id(node)))


def _layers(neurons: Iterable[Neuron], order: list[Value]) -> list[Layer]:
    """Neurons grouped by their path's layer part, layers in the order they are computed."""
    position = {node: i for i, node in enumerate(order)}
    by_layer: dict[str, list[Neuron]] = {}
    for neuron in neurons:
        layer = neuron.path.rsplit("neurons.", 1)[0].rstrip(".")
        by_layer.setdefault(layer, []).append(neuron)

    def first(layer: str) -> int:
        return min(
            position[n] for neuron in by_layer[layer] for n in neuron.outputs or neuron.members
        )

    return [
        Layer(name or "layer", sorted(by_layer[name], key=lambda n: n.index))
        for name in sorted(by_layer, key=first)
    ]
