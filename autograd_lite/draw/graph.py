"""Draw a Value's computation graph: one box per value, one small node per operation.

:func:`draw_graph` builds a ``graphviz.Digraph`` from a graph's nodes and returns a
:class:`GraphDrawing`, which shows itself inline in Jupyter (SVG), exposes the digraph and
its DOT source, and saves ``.svg`` and ``.png`` always and ``.pdf`` where system Graphviz exists.
Laying the graph out is :mod:`autograd_lite.draw.render`'s job.

The DOT text depends only on the graph and the options (nodes are numbered in
:func:`~autograd_lite.topological_order`), so the same graph always gives the same text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final

import graphviz

from ..core.engine import topological_order
from ..core.foreign import from_micrograd, is_micrograd_like
from ..core.rules import FLOAT_MATH
from ..core.value import Value
from . import render as _render

__all__ = ["DEFAULT_MAX_NODES", "GraphDrawing", "GraphTooLargeError", "draw_graph"]

DEFAULT_MAX_NODES: Final = 500
"""Largest graph :func:`draw_graph` draws unless told otherwise (value boxes + op nodes)."""

RANKDIRS: Final = ("LR", "TB", "RL", "BT")
GROUPS: Final = {"layer": ("layers",), "neuron": ("layers", "neurons")}
"""Named groupings: the numbered label parts (``layers.<i>``...) that open a cluster."""

NOT_COMPUTED_CAPTION: Final = (
    "gradients not computed yet: call backward() on the output to fill in grad"
)

_SAVE_FORMATS: Final = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}

# How a highlighted node looks, by kind. "mark" is a node passed in by the caller.
_STYLES: Final[dict[str, dict[str, str]]] = {
    "wrong": {"style": "filled", "fillcolor": "#f6b0b0", "color": "#c62828", "penwidth": "2"},
    "unclear": {"style": "filled", "fillcolor": "#fff1b8", "color": "#a07800"},
    "kink": {"style": "filled", "fillcolor": "#e3d7f7", "color": "#6a3fb5"},
    "ok": {"style": "filled", "fillcolor": "#bfe6cb", "color": "#2e7d32"},
    "mark": {"style": "filled", "fillcolor": "#cfe2ff", "color": "#1f5fbf", "penwidth": "2"},
}
_LEGEND: Final = {
    "wrong": "red: WRONG",
    "unclear": "yellow: unclear",
    "kink": "purple: kink",
    "ok": "green: ok",
}

# Verdict words a check report or mapping may use, and the kind each one maps to
# (autograd_lite.check.report uses "ok", "WRONG", "kink" and "unclear").
_VERDICTS: Final[dict[str, str | None]] = {
    "ok": "ok",
    "pass": "ok",
    "passed": "ok",
    "wrong": "wrong",
    "fail": "wrong",
    "failed": "wrong",
    "kink": "kink",
    "unclear": "unclear",
    "not checked": None,
    "unchecked": None,
    "skipped": None,
}

Group = str | Callable[[Value], str | None] | None


class GraphTooLargeError(ValueError):
    """The graph has more nodes than ``max_nodes``; the message says how to draw it anyway."""


class GraphDrawing:
    """A drawn computation graph: displays in Jupyter, saves to disk.

    Made by :func:`draw_graph`; not usually constructed directly.

    Attributes:
        digraph: the ``graphviz.Digraph`` (edit it to restyle; the drawing follows).
        renderer: ``"auto"``, ``"dot"`` or ``"wasm"``, see :mod:`autograd_lite.draw.render`.
        num_values: how many value boxes the drawing has.
        num_ops: how many operation nodes it has.
    """

    def __init__(
        self, digraph: graphviz.Digraph, *, renderer: str, num_values: int, num_ops: int
    ) -> None:
        self.digraph = digraph
        self.renderer = renderer
        self.num_values = num_values
        self.num_ops = num_ops
        self._svg_cache: tuple[str, str, str] | None = None

    @property
    def source(self) -> str:
        """The DOT text of the drawing."""
        text: str = self.digraph.source
        return text

    def pipe(self, fmt: str = "svg") -> bytes:
        """Render the drawing and return its bytes.

        Args:
            fmt: ``"svg"``, ``"png"`` or ``"pdf"`` (the last needs system Graphviz).

        Returns:
            The image bytes.

        Raises:
            autograd_lite.draw.render.RenderError: if no renderer here can make ``fmt``.

        Example:
            >>> from autograd_lite import Value, draw_graph
            >>> draw_graph(Value(1.0, "x") * 2).pipe("svg")[:5]
            b'<?xml'
        """
        return _render.render(self.source, fmt, self.renderer)

    def svg(self) -> str:
        """Return the drawing as SVG text (rendered once, then cached).

        Returns:
            The SVG document.

        Example:
            >>> from autograd_lite import Value, draw_graph
            >>> "<svg" in draw_graph(Value(1.0, "x") * 2).svg()
            True
        """
        source = self.source
        if self._svg_cache is None or self._svg_cache[:2] != (source, self.renderer):
            self._svg_cache = (source, self.renderer, self.pipe("svg").decode("utf-8"))
        return self._svg_cache[2]

    def save(self, path: str | Path, *, format: str | None = None) -> Path:
        """Write the drawing to a file.

        Args:
            path: where to write. The suffix picks the format: ``.svg`` and ``.png`` (work
                everywhere: without the system Graphviz ``dot``, PNG is painted in-process by
                resvg), ``.pdf`` (needs ``dot``), ``.dot``/``.gv`` (the DOT text).
            format: ``"svg"``, ``"png"``, ``"pdf"`` or ``"dot"`` to override the suffix.

        Returns:
            The path written.

        Raises:
            ValueError: if the format cannot be told from the suffix.
            autograd_lite.draw.render.RenderError: for PDF where ``dot`` is not installed; the
                message says what to install. Nothing is written then.

        Example:
            >>> from autograd_lite import Value, draw_graph
            >>> draw_graph(Value(1.0, "x") * 2).save("graph.svg")  # doctest: +SKIP
            PosixPath('graph.svg')
        """
        path = Path(path)
        fmt = (
            format.lower().lstrip(".")
            if format is not None
            else _SAVE_FORMATS.get(path.suffix.lower())
        )
        if fmt is None or fmt not in _SAVE_FORMATS.values():
            raise ValueError(
                f"cannot tell the format of {str(path)!r}: use a .svg, .png, .pdf, .dot or .gv "
                "file name, or pass format='svg'"
            )
        data = self.source.encode("utf-8") if fmt == "dot" else self.pipe(fmt)
        path.write_bytes(data)
        return path

    def _repr_svg_(self) -> str:
        return self.svg()

    def _repr_mimebundle_(
        self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None
    ) -> dict[str, str]:
        wanted = "image/svg+xml"
        if (include is not None and wanted not in include) or (
            exclude is not None and wanted in exclude
        ):
            return {"text/plain": repr(self)}
        try:
            return {wanted: self.svg()}
        except _render.RenderError as err:
            # A notebook cell should say what to install, not print a formatter traceback.
            return {"text/plain": f"{self!r}\ncannot render: {err}"}

    def __repr__(self) -> str:
        return f"<GraphDrawing: {self.num_values} values, {self.num_ops} operations>"


def draw_graph(
    root: Value,
    *,
    rankdir: str = "LR",
    digits: int = 4,
    show_data: bool = True,
    show_grad: bool = True,
    highlight: Any = None,
    edge_labels: bool = False,
    group: Group = None,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    renderer: str = "auto",
) -> GraphDrawing:
    """Draw the computation graph that produced ``root``.

    Every value is a box with its label, ``data`` and ``grad``; every operation is a small
    node (``*``, ``+``, ``tanh``...) between its inputs and its output. Drawing before
    ``backward()`` works: the caption then says that gradients are not computed yet.

    Args:
        root: the output node (usually a loss): a Value, or any micrograd-style node
            (micrograd's own ``Value`` or one written in its lecture: an object with
            ``data``, ``grad``, ``_prev``, ``_op`` and optionally ``label``).
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
            visibly the sum of its contributions.
        group: ``"layer"`` clusters nodes by the ``layers.<i>`` part of their label,
            ``"neuron"`` also by ``neurons.<j>`` inside it, the way :mod:`autograd_lite.nn`
            labels parameters and nodes (``layers.0.neurons.3.w.1`` is in cluster
            ``layers.0`` and, inside it, ``layers.0.neurons.3``). A callable
            ``node -> str | None`` names each node's cluster itself. Nodes without a cluster
            of their own join their neighbours' (``w * x`` and ``tanh`` join the neuron of
            ``w``; a loss stays outside); the rules are in ``_group_paths``.
        max_nodes: refuse graphs with more drawn nodes (value boxes + op nodes) than this,
            fast, instead of laying them out for minutes; None for no limit.
        renderer: ``"auto"``, ``"dot"`` or ``"wasm"``, see :mod:`autograd_lite.draw.render`.

    Returns:
        A :class:`GraphDrawing`: displays inline in Jupyter; ``.save("g.svg")``,
        ``.source``, ``.digraph``.

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
    if not isinstance(root, Value):
        raise TypeError(
            f"draw_graph: expected a Value, got {type(root).__name__} {root!r} (a "
            "micrograd-style node, with data, grad, _prev and _op, works too)"
        )
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 17:
        raise ValueError(f"digits must be an int from 1 to 17, got {digits!r}")
    if max_nodes is not None and (isinstance(max_nodes, bool) or not isinstance(max_nodes, int)):
        raise ValueError(f"max_nodes must be an int or None, got {max_nodes!r}")
    key_of = _group_key_function(group)

    order = topological_order(root)
    num_ops = sum(1 for node in order if node.parents)
    total = len(order) + num_ops
    if max_nodes is not None and total > max_nodes:
        raise GraphTooLargeError(
            f"the graph has {total} nodes to draw ({len(order)} values and {num_ops} "
            f"operations), more than max_nodes={max_nodes}; laying it out would be slow and "
            "unreadable. Pass max_nodes=None (or a larger number) to draw it anyway, with "
            "group='layer' to cluster a network's nodes by layer, or draw a smaller piece "
            "(one sample's loss, one neuron's output)."
        )

    ids = {node: f"v{i}" for i, node in enumerate(order)}
    computed = any(_as_float(node.grad) != 0.0 for node in order)
    kinds, legend = _highlight_kinds(highlight, order)
    paths = _group_paths(order, key_of) if key_of is not None else {}

    def number(x: Any) -> str:
        return _format_number(_as_float(x), digits)

    captions = []
    if show_grad and not computed:
        captions.append(NOT_COMPUTED_CAPTION)
    if legend:
        captions.append(legend)

    graph_attr = {"rankdir": rankdir, "fontname": "Helvetica"}
    if captions:
        graph_attr |= {"label": _escape_text("\n".join(captions)), "labelloc": "t"}
    dot = graphviz.Digraph(
        "autograd_lite",
        graph_attr=graph_attr,
        node_attr={"fontname": "Helvetica", "fontsize": "11"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9"},
    )

    tree = _ClusterTree()
    for node in order:
        nid = ids[node]
        path = paths.get(node, ())
        if node.parents:
            rule = node.rule
            symbol = rule.symbol if rule is not None else node.op
            tree.add_node(path, f"op{nid[1:]}", _op_attrs(symbol))
        attrs = {
            "shape": "record",
            "label": _record_label(_value_fields(node, show_data, show_grad, number), rankdir),
        }
        attrs |= _STYLES.get(kinds.get(node, ""), {})
        tree.add_node(path, nid, attrs)
    tree.emit(dot)

    for node in order:
        if not node.parents:
            continue
        op_id = f"op{ids[node][1:]}"
        locals_ = _local_grads(node) if edge_labels else None
        for i, parent in enumerate(node.parents):
            attrs = {}
            if locals_ is not None:
                attrs["label"] = _escape_text(_edge_text(locals_[i], node.grad, computed, number))
            dot.edge(ids[parent], op_id, **attrs)
        dot.edge(op_id, ids[node])

    return GraphDrawing(dot, renderer=renderer, num_values=len(order), num_ops=num_ops)


# --------------------------------------------------------------------------- labels and text


def _escape_text(text: str) -> graphviz.quoting.NoHtml:
    r"""Escape text for a plain DOT label (``\``, ``"``, ``&``, and newlines as ``\n``).

    Wrapped in ``nohtml`` so that text like ``<a>`` is not taken for an HTML label.
    """
    out = (
        _clean_controls(text)
        .replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("&", "&amp;")
    )
    return graphviz.nohtml(out)


# Characters with a meaning inside a record label, escaped with a backslash.
_RECORD_ESCAPES: Final = {c: "\\" + c for c in '\\{}|<>"'} | {"\n": "\\n", "&": "&amp;"}


def _escape_record_field(text: str) -> str:
    r"""Escape one record field: ``{ } | < >``, quotes, ``\``, ``&`` and newlines.

    Graphviz reads ``&name;`` in any label as an HTML entity, so ``&`` becomes ``&amp;``.
    """
    return "".join(_RECORD_ESCAPES.get(c, c) for c in _clean_controls(text))


_CONTROL: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _clean_controls(text: str) -> str:
    """Make text printable in SVG: a tab becomes a space, other control characters '?'."""
    text = text.replace("\r\n", "\n").replace("\t", " ")
    return _CONTROL.sub("?", text)


def _record_label(fields: list[str], rankdir: str) -> graphviz.quoting.NoHtml:
    body = " | ".join(_escape_record_field(f) for f in fields) if fields else " "
    # Records stack their fields across the rank direction; braces turn them back, so the
    # fields read left to right in every direction.
    return graphviz.nohtml(f"{{ {body} }}" if rankdir in ("LR", "RL") else body)


def _value_fields(
    node: Value, show_data: bool, show_grad: bool, number: Callable[[Any], str]
) -> list[str]:
    fields = []
    if node.label is not None and node.label != "":
        fields.append(node.label)
    if show_data:
        fields.append(f"data {number(node.data)}")
    if show_grad:
        fields.append(f"grad {number(node.grad)}")
    return fields


def _op_attrs(symbol: str) -> dict[str, Any]:
    return {
        "label": _escape_text(symbol),
        "shape": "ellipse",
        "style": "filled",
        "fillcolor": "#eeeeee",
        "margin": "0.04,0.02",
        "height": "0.3",
    }


def _format_number(x: float, digits: int) -> str:
    if x == 0.0:
        return "0"  # also for -0.0, which would read as a different number
    return format(x, f".{digits}g")


def _as_float(x: Any) -> float:
    """A gradient is a float, or a Value after ``backward(create_graph=True)``."""
    return float(x.data) if isinstance(x, Value) else float(x)


def _local_grads(node: Value) -> tuple[float, ...] | None:
    rule = node.rule
    if rule is None:
        return None
    inputs = [p.data for p in node.parents]
    try:
        grads = rule.local_grads(FLOAT_MATH, node.data, *inputs)
        return tuple(_as_float(g) for g in grads)
    except (ArithmeticError, ValueError, TypeError):
        return None


def _edge_text(
    local: float | None, out_grad: Any, computed: bool, number: Callable[[Any], str]
) -> str:
    if local is None:
        return "local ?"
    text = f"local {number(local)}"
    if computed:
        contribution = _as_float(out_grad) * local
        if math.isnan(contribution) and _as_float(out_grad) == 0.0:
            contribution = 0.0  # 0 * inf: nothing flows back along an edge with no gradient
        text += f"\nadds {number(contribution)}"
    return text


# --------------------------------------------------------------------------- highlighting


def _highlight_kinds(highlight: Any, order: list[Value]) -> tuple[dict[Value, str], str]:
    """Map nodes to a highlight kind (``wrong``, ``ok``, ``mark``...) and make the legend.

    A report is matched to the drawn graph by node where it knows its nodes (drawing
    ``report.loss``) and by label otherwise (drawing your own graph of the same function).
    """
    if highlight is None:
        return {}, ""
    if isinstance(highlight, Value):
        return {highlight: "mark"}, ""
    verdicts: dict[Any, str | None]
    if callable(getattr(highlight, "verdicts", None)):  # autograd_lite.check.report.GradientReport
        verdicts = {k: _verdict_kind(v) for k, v in highlight.verdicts().items()}
        if callable(getattr(highlight, "node_verdicts", None)):
            verdicts |= {k: _verdict_kind(v) for k, v in highlight.node_verdicts().items()}
    elif hasattr(highlight, "entries") or hasattr(highlight, "rows"):
        rows = highlight.entries if hasattr(highlight, "entries") else highlight.rows
        verdicts = {}
        for row in rows:
            kind = _verdict_of(row)
            verdicts[_row_field(row, "name")] = kind
            node = _row_field(row, "node")
            if isinstance(node, Value):
                verdicts[node] = kind
    elif isinstance(highlight, Mapping):
        verdicts = {key: _verdict_kind(value) for key, value in highlight.items()}
    elif isinstance(highlight, Iterable) and not isinstance(highlight, str):
        marked = list(highlight)
        for item in marked:
            if not isinstance(item, Value):
                raise TypeError(
                    "highlight: expected Values, a check_gradients report or a mapping of "
                    f"nodes to verdicts, got an iterable holding {type(item).__name__} {item!r}"
                )
        return dict.fromkeys(marked, "mark"), ""
    else:
        raise TypeError(
            "highlight: expected a Value, Values, a check_gradients report or a mapping of "
            f"nodes to verdicts, got {type(highlight).__name__}"
        )

    kinds: dict[Value, str] = {}
    for node in order:
        kind = verdicts.get(node)
        if kind is None and node.label is not None:
            kind = verdicts.get(node.label)
        if kind is not None:
            kinds[node] = kind
    counts = {k: sum(1 for v in kinds.values() if v == k) for k in _LEGEND}
    legend = ", ".join(f"{_LEGEND[k]} ({n})" for k, n in counts.items() if n)
    return kinds, legend


def _row_field(row: Any, name: str) -> Any:
    if isinstance(row, Mapping):
        return row.get(name)
    return getattr(row, name, None)


def _verdict_of(row: Any) -> str | None:
    verdict = _row_field(row, "verdict")
    if verdict is None:
        verdict = _row_field(row, "ok")
    return _verdict_kind(verdict)


def _verdict_kind(verdict: Any) -> str | None:
    if verdict is None:
        return None
    if isinstance(verdict, bool):
        return "ok" if verdict else "wrong"
    word = str(getattr(verdict, "value", verdict)).strip().lower()
    if word not in _VERDICTS:
        raise ValueError(
            f"highlight: unknown verdict {verdict!r}; expected one of "
            f"{', '.join(sorted(_VERDICTS))} or a bool"
        )
    return _VERDICTS[word]


# --------------------------------------------------------------------------- clusters


def _group_key_function(group: Group) -> Callable[[Value], tuple[str, ...]] | None:
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
        return lambda node: _label_path(node.label, names)
    raise ValueError(f"group must be 'layer', 'neuron', a callable or None, got {group!r}")


def _label_path(label: str | None, names: tuple[str, ...]) -> tuple[str, ...]:
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


def _group_paths(
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


class _ClusterTree:
    """Node statements sorted into nested clusters, nodes in first-seen order.

    A list holds ``("node", id, attrs)`` and ``("cluster", path)`` entries.
    """

    def __init__(self) -> None:
        self._items: dict[tuple[str, ...], list[tuple[Any, ...]]] = {(): []}

    def add_node(self, path: tuple[str, ...], node_id: str, attrs: dict[str, Any]) -> None:
        """Put a node statement into the cluster at ``path``, creating it and its parents."""
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
        sub_paths = sorted((e[1] for e in entries if e[0] == "cluster"), key=_natural_key)
        for sub_path in sub_paths:
            with graph.subgraph(name=f"cluster_{next(numbers)}") as sub:
                sub.attr(
                    label=_escape_text(sub_path[-1]),
                    style="rounded,dashed",
                    color="#888888",
                    fontcolor="#555555",
                    fontsize="10",
                )
                self._emit(sub, sub_path, numbers)
        for entry in entries:
            if entry[0] == "node":
                graph.node(entry[1], **entry[2])


def _natural_key(path: tuple[str, ...]) -> list[tuple[int, int, str]]:
    """Sort key for cluster paths that orders numbered parts by number."""
    parts = re.split(r"(\d+)", path[-1])
    return [(1, int(p), "") if p.isdigit() else (0, 0, p) for p in parts]
