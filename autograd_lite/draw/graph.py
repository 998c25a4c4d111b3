"""Draw a Value's computation graph: one box per value, a circle per neuron, or a box per array.

:func:`draw_graph` checks its options, then draws one of three views:

- ``view="values"`` (here): a ``graphviz.Digraph``, every value a box with its name, ``data``
  and ``grad``, every operation a small node between its inputs and its output;
- ``view="network"`` (:mod:`autograd_lite.draw.network_diagram`): an :mod:`autograd_lite.nn`
  model as neurons (circles) and weights (lines), laid out here without Graphviz;
- ``view="arrays"`` (:mod:`autograd_lite.draw.arrays_view`): a check report over arrays, one
  box per named array with a heatmap of its entries; the default for such a report.

It returns a :class:`~autograd_lite.draw.drawing.GraphDrawing`. The drawing depends only on
the graph and the options (nodes are numbered in :func:`~autograd_lite.topological_order`), so
the same graph always gives the same text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import graphviz

from ..check.explain import node_names
from ..core.engine import topological_order
from ..core.foreign import from_micrograd, is_micrograd_like
from ..core.value import Value
from .arrays_view import array_facts, arrays_svg, is_array_report
from .clusters import ClusterTree, Group, group_key_function, group_paths
from .drawing import GraphDrawing
from .facts import graph_facts
from .highlight import STYLES, highlight_kinds
from .network import find_network, network_size
from .network_diagram import OVERLAYS, network_svg
from .render import renderer_name
from .text import (
    DrawOptions,
    as_float,
    captions_for,
    edge_text,
    escape_text,
    local_grads,
    new_digraph,
    record_label,
)

__all__ = ["DEFAULT_MAX_NODES", "VIEWS", "GraphDrawing", "GraphTooLargeError", "draw_graph"]

DEFAULT_MAX_NODES: Final = 500
"""Largest graph :func:`draw_graph` draws unless told otherwise (boxes + op nodes)."""

RANKDIRS: Final = ("LR", "TB", "RL", "BT")
VIEWS: Final = ("values", "network", "arrays")
"""What one shape stands for: a value, a neuron or a named array."""


class GraphTooLargeError(ValueError):
    """The graph has more nodes than ``max_nodes``; the message says how to draw it anyway."""


def draw_graph(
    root: Value,
    *,
    view: str | None = None,
    rankdir: str = "LR",
    digits: int = 4,
    show_data: bool = True,
    show_grad: bool = True,
    highlight: Any = None,
    edge_labels: bool = False,
    group: Group = None,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    renderer: str = "auto",
    overlay: str | None = None,
) -> GraphDrawing:
    """Draw the computation graph that produced ``root``.

    In the default view every value is a box with its name, ``data`` and ``grad``; every
    operation is a small node (``*``, ``+``, ``tanh``...) between its inputs and its output.
    Unlabelled values carry the names :func:`~autograd_lite.explain` gives them (``n5``, and
    ``L`` for an unlabelled root), so a drawing and an explanation can be read side by side.
    Drawing before ``backward()`` works: the caption then says gradients are not computed yet.

    Two ways to see a network built with :mod:`autograd_lite.nn`:

    - ``view="network"`` draws the network as a network: each neuron a circle filled by its
      output (orange positive, blue negative), each weight a line coloured by its sign and as
      wide as it is large, layers as columns from the inputs to the loss, every number on
      hover. ``MLP(2, [16, 16, 1])`` fits a 16:9 slide (960 x 540 px; its PNG 1920 x 1080).
      A custom Module is drawn by its layers in the order the forward pass uses them, each
      headed by its attribute name. A graph without ``nn`` neurons is drawn as values.
    - ``group="layer"``/``"neuron"`` keeps every value and operation and only frames them by
      layer or neuron. Use it to follow the chain rule through a small network's neurons.

    A check report over arrays (``check_gradients`` on numpy code) is drawn by default as
    arrays: ``draw_graph(report.loss, highlight=report)`` gives one box per input, checked
    variable and the loss, with its shape, the line that computes it and a heatmap of its
    entries (red WRONG, green ok); hover a cell for its numbers, a box for its chain rule.

    Args:
        root: the output node (usually a loss): a Value, or any micrograd-style node
            (micrograd's own ``Value`` or one written in its lecture: an object with
            ``data``, ``grad``, ``_prev``, ``_op`` and optionally ``label``).
        view: ``"values"`` (one box per value), ``"network"`` (a circle per neuron) or
            ``"arrays"`` (a box per named array of a check report). None: ``"arrays"`` when
            drawing ``report.loss`` with ``highlight=report`` for a report over arrays,
            ``"values"`` otherwise.
        rankdir: ``"LR"`` (left to right), ``"TB"`` (top to bottom), ``"RL"`` or ``"BT"``.
        digits: significant digits of the numbers shown.
        show_data: show each value's ``data``.
        show_grad: show each value's ``grad``.
        highlight: what to colour.

            - a Value or an iterable of Values: drawn in blue;
            - a ``check_gradients``/``gradcheck`` report: each checked entry's node (when
              drawing ``report.loss``) or the node labelled with its name (when drawing your
              own graph) is red for WRONG, green for ok, purple for kink, yellow for
              unclear. Any object with ``entries`` or ``rows`` whose items have a ``name``
              and a ``verdict`` (or a bool ``ok``) works too;
            - a mapping from a Value or a label to a verdict (``"ok"``, ``"WRONG"``,
              ``"kink"``, ``"unclear"``, or a bool meaning ok): coloured the same way.
        edge_labels: label each input edge with the local derivative
            d(output)/d(input) and, after ``backward()``, the contribution
            ``output.grad * local`` it adds to the input's grad, so a reused node's grad is
            visibly the sum of its contributions (values view).
        group: ``"layer"`` clusters nodes by the ``layers.<i>`` part of their label,
            ``"neuron"`` also by ``neurons.<j>`` inside it, the way :mod:`autograd_lite.nn`
            labels parameters and nodes (``layers.0.neurons.3.w.1`` is in cluster
            ``layers.0`` and, inside it, ``layers.0.neurons.3``). A callable
            ``node -> str | None`` names each node's cluster itself. Nodes without a cluster
            of their own join their neighbours' (``w * x`` and ``tanh`` join the neuron of
            ``w``; a loss stays outside); the rules are in
            :func:`autograd_lite.draw.clusters.group_paths`. Values view only.
        max_nodes: refuse graphs with more drawn nodes (boxes + op nodes) than this,
            fast, instead of laying them out for minutes; None for no limit.
        renderer: ``"auto"``, ``"dot"`` or ``"bundled"``, see :mod:`autograd_lite.draw.render`
            (the values view; the others are laid out without Graphviz).
        overlay: what the network and array views show. None: weights and outputs (network),
            verdicts where checked and values elsewhere (arrays). ``"grad"``: each line
            d(loss)/d(w) and each circle d(loss)/d(output), each array's cells the engine's
            d(loss)/d(entry). ``"values"``: weights and outputs, every array's values.

    Returns:
        A :class:`GraphDrawing`: displays inline in Jupyter (SVG, and PNG for front ends that
        strip SVG);
        ``.save("g.svg" / "g.png" / "g.html")``, ``.interactive()``, ``.source``, ``.digraph``.

    Raises:
        GraphTooLargeError: the graph has more than ``max_nodes`` nodes.
        ValueError: an option has a value it does not accept.
        TypeError: ``root`` is not a Value.

    Example:
        >>> from autograd_lite import Value, draw_graph
        >>> x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(6.88, "b")
        >>> y = (x * w + b).tanh()
        >>> y.backward()
        >>> drawing = draw_graph(y, edge_labels=True)
        >>> "tanh" in drawing.source
        True
    """
    if is_micrograd_like(root):
        root = from_micrograd(root)
    if view is None:
        view = "arrays" if is_array_report(highlight, root) else "values"
    _check_options(root, view, rankdir, digits, max_nodes, group)
    if overlay not in OVERLAYS:
        raise ValueError(f"overlay must be None, 'grad' or 'values', got {overlay!r}")
    # Checked here, not when the drawing is first rendered (in a notebook, much later).
    renderer = renderer_name(renderer, "draw_graph")
    options = DrawOptions(rankdir, digits, show_data, show_grad, edge_labels)
    if view == "arrays":
        return _arrays_view(root, highlight, options, renderer, overlay)
    key_of = group_key_function(group)
    order = topological_order(root)
    _check_size(order, view, max_nodes)
    kinds, legend = highlight_kinds(highlight, order)
    ids = {node: f"v{i}" for i, node in enumerate(order)}
    network = find_network(order, ids) if view == "network" else None
    if network is not None:
        names = node_names(root, order)
        picture = network_svg(network, root, names[root], kinds, options, overlay)
        facts = graph_facts(order, ids, network.elements, highlight, kinds, digits)
        circles = len(network.inputs) + sum(len(layer.neurons) for layer in network.layers)
        return GraphDrawing(
            None,
            picture=picture,
            view="network",
            renderer=renderer,
            num_values=circles + (1 if network.output else 0),
            num_ops=0,
            facts=facts,
            root=root,
        )
    paths = group_paths(order, key_of) if key_of is not None else {}
    dot = _values_view(order, ids, kinds, legend, paths, options)
    num_boxes, num_ops = len(order), sum(1 for node in order if node.parents)
    facts = graph_facts(order, ids, {}, highlight, kinds, digits)
    return GraphDrawing(
        dot, renderer=renderer, num_values=num_boxes, num_ops=num_ops, facts=facts, root=root
    )


def _arrays_view(
    root: Value, highlight: Any, options: DrawOptions, renderer: str, overlay: str | None
) -> GraphDrawing:
    if not is_array_report(highlight, root):
        raise ValueError(
            "view='arrays' draws a check report over arrays: "
            "draw_graph(report.loss, highlight=report) with the report of check_gradients"
        )
    arrays = array_facts(highlight)
    return GraphDrawing(
        None,
        picture=arrays_svg(arrays, options.digits, overlay or "verdicts"),
        view="arrays",
        renderer=renderer,
        num_values=len(arrays.arrays),
        num_ops=0,
        arrays=arrays,
        root=root,
    )


def _check_options(
    root: Any,
    view: Any,
    rankdir: Any,
    digits: Any,
    max_nodes: Any,
    group: Any,
) -> None:
    if not isinstance(root, Value):
        raise TypeError(
            f"draw_graph: expected a Value, got {type(root).__name__} {root!r} (a "
            "micrograd-style node, with data, grad, _prev and _op, works too)"
        )
    if view not in VIEWS:
        raise ValueError(f"view must be one of {', '.join(map(repr, VIEWS))}, got {view!r}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 17:
        raise ValueError(f"digits must be an int from 1 to 17, got {digits!r}")
    if max_nodes is not None and (isinstance(max_nodes, bool) or not isinstance(max_nodes, int)):
        raise ValueError(f"max_nodes must be an int or None, got {max_nodes!r}")
    if view == "network" and group is not None:
        raise ValueError(
            "group= frames the values view; view='network' already draws one box per neuron: "
            "pass one of them"
        )


def _check_size(order: list[Value], view: str, max_nodes: int | None) -> None:
    """Refuse, before any DOT is built, a graph with more drawn nodes than ``max_nodes``."""
    if view == "network":
        total, what = network_size(order)
    else:
        num_ops = sum(1 for node in order if node.parents)
        total, what = len(order) + num_ops, f"{len(order)} values and {num_ops} operations"
    if max_nodes is not None and total > max_nodes:
        raise GraphTooLargeError(
            f"the graph has {total} nodes to draw ({what}), more than max_nodes={max_nodes}; "
            "laying it out would be slow and unreadable. Pass max_nodes=None (or a larger "
            "number) to draw it anyway, view='network' to draw an nn model one box per "
            "neuron (group='layer' frames its values by layer instead), or draw a smaller "
            "piece (one sample's loss, one neuron's output)."
        )


# --------------------------------------------------------------------------- the values view


def _values_view(
    order: list[Value],
    ids: dict[Value, str],
    kinds: dict[Value, str],
    legend: str,
    paths: dict[Value, tuple[str, ...]],
    options: DrawOptions,
) -> graphviz.Digraph:
    dot = new_digraph(options.rankdir, captions_for(order, options.show_grad, legend))
    names = node_names(order[-1], order)
    tree = ClusterTree()
    for node in order:
        path = paths.get(node, ())
        if node.parents:
            tree.add_node(path, _op_id(ids[node]), _op_attrs(node, ids[node]))
        tree.add_node(path, ids[node], _value_attrs(node, ids[node], names, kinds, options))
    tree.emit(dot)
    _add_edges(dot, order, ids, options)
    return dot


def _op_id(value_id: str) -> str:
    return f"op{value_id[1:]}"


def _value_attrs(
    node: Value, nid: str, names: dict[Value, str], kinds: dict[Value, str], options: DrawOptions
) -> dict[str, Any]:
    fields = [node.label if node.label else names[node]]
    if options.show_data:
        fields.append(f"data {options.number(node.data)}")
    if options.show_grad:
        fields.append(f"grad {options.number(node.grad)}")
    attrs = {"id": nid, "shape": "record", "label": record_label(fields, options.rankdir)}
    return attrs | STYLES.get(kinds.get(node, ""), {})


def _op_attrs(node: Value, nid: str) -> dict[str, Any]:
    rule = node.rule
    symbol = rule.symbol if rule is not None else node.op
    return {
        "id": _op_id(nid),
        "label": escape_text(symbol),
        "shape": "ellipse",
        "style": "filled",
        "fillcolor": "#eeeeee",
        "margin": "0.04,0.02",
        "height": "0.3",
        # Inputs enter in the order of the operation's arguments (w.0 above w.1) with every
        # renderer, not in whatever order crossing reduction prefers.
        "ordering": "in",
    }


def _add_edges(
    dot: graphviz.Digraph, order: list[Value], ids: dict[Value, str], options: DrawOptions
) -> None:
    """Input edges into each op node (with the chain-rule numbers if asked), then op -> value."""
    computed = any(as_float(node.grad) != 0.0 for node in order)
    number: Callable[[Any], str] = options.number
    for node in order:
        if not node.parents:
            continue
        op_id = _op_id(ids[node])
        locals_ = local_grads(node) if options.edge_labels else None
        for i, parent in enumerate(node.parents):
            attrs = {"id": f"{ids[parent]}-{op_id}"}
            if locals_ is not None:
                attrs["label"] = escape_text(edge_text(locals_[i], node.grad, computed, number))
            dot.edge(ids[parent], op_id, **attrs)
        dot.edge(op_id, ids[node], id=f"{op_id}-{ids[node]}")
