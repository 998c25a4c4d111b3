"""The network view drawn as a network: neurons as circles, weights as lines, layers as columns.

Laid out here, without Graphviz: a layered picture has an obvious layout. Inputs form the first
column, each layer one column in the order the forward pass computes it, and the loss the last.
A circle's fill is the neuron's activation (orange positive, blue negative, white near 0); a
line's colour is its weight's sign and its width the weight's size, the thickest weight of the
network drawn 5 px wide. With ``overlay="grad"`` the lines show d(loss)/d(weight) instead, and
the circles d(loss)/d(activation). Every circle and line has a ``<title>``: a browser shows its
numbers on hover. The canvas is 960 x 540 px (16:9, a slide at 2x) until a layer has more
neurons than fit, then it grows downwards.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Final

from ..core.value import Value
from .network import Network, Neuron, short_name
from .svgkit import (
    INK,
    MUTED,
    NEGATIVE,
    POSITIVE,
    VERDICT_COLOURS,
    attr,
    diverging,
    svg_document,
    text,
    text_width,
    title,
)
from .text import DrawOptions, as_float

__all__ = ["HEIGHT", "OVERLAYS", "WIDTH", "network_svg"]

WIDTH: Final = 960
HEIGHT: Final = 540
OVERLAYS: Final = (None, "grad", "values")
"""What the drawing shows over its shapes: the view's default (None), gradients (``"grad"``) or
values (``"values"``: weights and outputs here, which is also this view's default)."""

_TOP: Final = 62  # below the layer names
_BOTTOM: Final = 58  # the legend
_MAX_PITCH: Final = 60.0
_MIN_PITCH: Final = 16.0
_MAX_EDGE: Final = 5.0
_MIN_EDGE: Final = 0.6
_SEVERITY: Final = ("wrong", "unclear", "kink", "mark", "ok")
_NAMES_SHOWN: Final = 8


def network_svg(
    network: Network,
    root: Value,
    root_name: str,
    kinds: dict[Value, str],
    options: DrawOptions,
    overlay: str | None,
) -> str:
    """The SVG of the network diagram (see the module docstring)."""
    columns = _columns(network)
    tallest = max(len(c) for c in columns)
    pitch = min(_MAX_PITCH, (HEIGHT - _TOP - _BOTTOM) / tallest)
    height = float(HEIGHT)
    if pitch < _MIN_PITCH:
        pitch = _MIN_PITCH
        height = _TOP + _BOTTOM + pitch * tallest
    radius = min(18.0, 0.38 * pitch)
    labels = [name for name, _ in network.inputs.values()]
    left = max((text_width(s, 12) for s in labels), default=0.0) + 16 + radius
    right = 120.0 if network.output else 40.0 + radius
    xs = _spread(left, WIDTH - right, len(columns))
    if network.output:
        xs[-1] = WIDTH - right + 14
    centre = (_TOP + height - _BOTTOM) / 2
    where: dict[str, tuple[float, float]] = {}
    for x, column in zip(xs, columns, strict=True):
        top = centre - pitch * (len(column) - 1) / 2
        for i, element in enumerate(column):
            where[element] = (x, top + i * pitch)

    body = [_header(network, xs, root_name)]
    body += _edges(network, where, radius, root_name, options, overlay)
    if network.output:
        body += _output_edges(network, where, radius)
    body += _inputs(network, where, radius, options)
    for layer in network.layers:
        scale = _scale(_neuron_number(n, overlay) for n in layer.neurons)
        for neuron in layer.neurons:
            body.append(
                _neuron(
                    neuron, where[neuron.element], radius, scale, kinds, root_name, options, overlay
                )
            )
    if network.output:
        body.append(_output(network.output, where[network.output], root, root_name, options))
    body += _legend(network, height, root_name, kinds, options, overlay)
    sizes = " → ".join(str(len(layer.neurons)) for layer in network.layers)
    return svg_document(
        WIDTH, height, body, label=f"network diagram: {len(network.inputs)} → {sizes}"
    )


def _columns(network: Network) -> list[list[str]]:
    columns = [list(network.inputs)]
    columns += [[n.element for n in layer.neurons] for layer in network.layers]
    if network.output:
        columns.append([network.output])
    return [c for c in columns if c]


def _spread(start: float, end: float, n: int) -> list[float]:
    if n == 1:
        return [(start + end) / 2]
    return [start + (end - start) * i / (n - 1) for i in range(n)]


def _header(network: Network, xs: list[float], root_name: str) -> str:
    parts = []
    heads = [("inputs", f"{len(network.inputs)}")] if network.inputs else []
    for layer in network.layers:
        acts = {n.activation for n in layer.neurons}
        act = acts.pop() if len(acts) == 1 else "mixed"
        heads.append((layer.name, f"{len(layer.neurons)} × {act}"))
    if network.output:
        heads.append((root_name, "output"))
    for x, (name, what) in zip(xs, heads, strict=False):
        parts.append(text(x, 24, name, size=13, anchor="middle", weight="bold", cls="layer-label"))
        parts.append(text(x, 41, what, size=11, anchor="middle", fill=MUTED, cls="layer-label"))
    return "\n".join(parts)


def _grad(node: Value) -> float:
    return as_float(node.grad)


def _edge_number(weight: Value, overlay: str | None) -> float:
    return _grad(weight) if overlay == "grad" else weight.data


def _edges(
    network: Network,
    where: dict[str, tuple[float, float]],
    radius: float,
    root_name: str,
    options: DrawOptions,
    overlay: str | None,
) -> list[str]:
    numbers = [_edge_number(c.weight, overlay) for c in network.connections]
    largest = max((abs(x) for x in numbers if math.isfinite(x)), default=0.0)
    names = {n.element: n.path for layer in network.layers for n in layer.neurons}
    names |= {element: name for element, (name, _) in network.inputs.items()}
    out = []
    # Thin lines first, so strong weights are drawn on top.
    for number, c in sorted(
        zip(numbers, network.connections, strict=True), key=lambda p: abs(p[0])
    ):
        (x1, y1), (x2, y2) = where[c.source], where[c.target]
        share = abs(number) / largest if largest > 0 and math.isfinite(number) else 0.0
        width = _MIN_EDGE + (_MAX_EDGE - _MIN_EDGE) * share
        colour = POSITIVE if number > 0 else NEGATIVE if number < 0 else "#9aa0a6"
        sign = "+" if number > 0 else "-" if number < 0 else "0"
        w, g = c.weight.data, _grad(c.weight)
        hover = (
            f"{c.weight.label or 'w'} = {options.number(w)}   "
            f"∂{root_name}/∂w = {options.number(g)}\n"
            f"from {short_name(names.get(c.source, c.source))} to {short_name(names[c.target])}"
        )
        out.append(
            f'<g class="edge" id={attr(f"e_{c.source}_{c.target}_{c.k}")} data-w="{w!r}" '
            f'data-grad="{g!r}" data-sign="{sign}">{title(hover)}'
            f'<line x1="{x1 + radius:.1f}" y1="{y1:.1f}" x2="{x2 - radius:.1f}" y2="{y2:.1f}" '
            f'stroke="{colour}" stroke-width="{width:.2f}" stroke-opacity="0.8" '
            'stroke-linecap="round"/></g>'
        )
    return out


def _output_edges(
    network: Network, where: dict[str, tuple[float, float]], radius: float
) -> list[str]:
    out = []
    x2, y2 = where[network.output]
    for element in network.feeds_output:
        x1, y1 = where[element]
        out.append(
            f'<line class="to-output" x1="{x1 + radius:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" '
            f'y2="{y2:.1f}" stroke="#9aa0a6" stroke-width="1.2"/>'
        )
    return out


def _values_text(values: Sequence[float], options: DrawOptions) -> str:
    shown = ", ".join(options.number(v) for v in values[:_NAMES_SHOWN])
    more = f", ... ({len(values)} samples)" if len(values) > _NAMES_SHOWN else ""
    return shown + more


def _inputs(
    network: Network, where: dict[str, tuple[float, float]], radius: float, options: DrawOptions
) -> list[str]:
    out = []
    means = {e: _mean([n.data for n in nodes]) for e, (_, nodes) in network.inputs.items()}
    scale = _scale(means.values())
    for element, (name, nodes) in network.inputs.items():
        x, y = where[element]
        several = len(nodes) > 1
        hover = f"input {name}\n{'values' if several else 'value'}: " + _values_text(
            [n.data for n in nodes], options
        )
        out.append(
            f'<g class="node value input" id={attr(element)}>{title(hover)}'
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" '
            f'fill="{diverging(means[element], scale)}" '
            f'stroke="{MUTED}" stroke-width="1.2"/>'
            + text(x - radius - 6, y + 4, name, size=12, anchor="end")
            + _inside(x, y, radius, means[element], scale)
            + "</g>"
        )
    return out


def _inside(x: float, y: float, radius: float, number: float, scale: float) -> str:
    """The number inside a circle (11 px), when the circle is big enough to hold it."""
    words = format(number, ".2g") if math.isfinite(number) else str(number)
    if radius < 13 or text_width(words, 11) > 1.9 * radius:
        return ""  # too small a circle: the number is on hover
    # White on a strong fill, dark ink on a pale one.
    ink = "#ffffff" if scale > 0 and abs(number) / scale > 0.6 else INK
    return text(x, y + 4, words, size=11, anchor="middle", fill=ink)


def _neuron_number(neuron: Neuron, overlay: str | None) -> float:
    values = [_grad(n) if overlay == "grad" else n.data for n in neuron.outputs]
    return _mean(values)


def _neuron(
    neuron: Neuron,
    at: tuple[float, float],
    radius: float,
    scale: float,
    kinds: dict[Value, str],
    root_name: str,
    options: DrawOptions,
    overlay: str | None,
) -> str:
    x, y = at
    number = _neuron_number(neuron, overlay)
    found = {kinds[n] for n in neuron.members if n in kinds}
    worst = next((k for k in _SEVERITY if k in found), None)
    stroke, width = (VERDICT_COLOURS[worst], 3.0) if worst else (MUTED, 1.2)
    verdict = f' data-verdict="{worst}"' if worst else ""
    return (
        f'<g class="node neuron" id={attr(neuron.element)}{verdict}>'
        f"{title(_neuron_text(neuron, kinds, root_name, options))}"
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="{diverging(number, scale)}" '
        f'stroke="{stroke}" stroke-width="{width:g}"/>'
        + _inside(x, y, radius, number, scale)
        + "</g>"
    )


def _neuron_text(
    neuron: Neuron, kinds: dict[Value, str], root_name: str, options: DrawOptions
) -> str:
    lines = [f"{neuron.path} ({short_name(neuron.path)}), {neuron.activation or 'output'}"]
    several = len(neuron.outputs) > 1
    out = "output per sample" if several else "output"
    lines.append(f"{out}: {_values_text([n.data for n in neuron.outputs], options)}")
    if options.show_grad:
        grads = [_grad(n) for n in neuron.outputs]
        lines.append(f"∂{root_name}/∂output: {_values_text(grads, options)}")
    if neuron.bias is not None:
        b = neuron.bias
        lines.append(f"b = {options.number(b.data)}   ∂{root_name}/∂b = {options.number(_grad(b))}")
    for k, w in neuron.weights[:_NAMES_SHOWN]:
        lines.append(
            f"w{k} = {options.number(w.data)}   ∂{root_name}/∂w{k} = {options.number(_grad(w))}"
        )
    if len(neuron.weights) > _NAMES_SHOWN:
        lines.append(f"... {len(neuron.weights)} weights in all")
    counts: dict[str, int] = {}
    for node in neuron.members:
        if node in kinds:
            counts[kinds[node]] = counts.get(kinds[node], 0) + 1
    if counts:
        lines.append("checked: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    return "\n".join(lines)


def _output(
    element: str, at: tuple[float, float], root: Value, root_name: str, options: DrawOptions
) -> str:
    x, y = at
    value = options.number(root.data)
    width = max(text_width(root_name, 13), text_width(value, 12)) + 20
    return (
        f'<g class="node value output" id={attr(element)}>{title(f"{root_name} = {value}")}'
        f'<rect x="{x:.1f}" y="{y - 22:.1f}" width="{width:.1f}" height="44" rx="8" '
        f'fill="#f1f3f4" stroke="{MUTED}" stroke-width="1.2"/>'
        + text(x + 10, y - 4, root_name, size=13, weight="bold")
        + text(x + 10, y + 14, value, size=12)
        + "</g>"
    )


def _legend(
    network: Network,
    height: float,
    root_name: str,
    kinds: dict[Value, str],
    options: DrawOptions,
    overlay: str | None,
) -> list[str]:
    if overlay == "grad":
        first = f"circle: a neuron, fill = ∂{root_name}/∂output (orange +, blue −)"
        second = f"line: a weight, colour = sign of ∂{root_name}/∂w, width = its size"
    else:
        first = "circle: a neuron, fill = its output (orange +, blue −); hover for numbers"
        second = "line: a weight, colour = its sign (orange +, blue −), width = its size"
    lines = [first, second]
    counts: dict[str, int] = {}
    for kind in kinds.values():
        counts[kind] = counts.get(kind, 0) + 1
    words = {
        "wrong": "red: WRONG",
        "ok": "green: ok",
        "kink": "purple: kink",
        "unclear": "amber: unclear",
    }
    marks = [f"{words[k]} ({n})" for k, n in counts.items() if k in words]
    if marks:
        lines.append("outline: " + ", ".join(marks) + " checked entries inside")
    elif options.show_grad and not any(_grad(n) != 0.0 for n in network.elements):
        lines.append("gradients not computed yet: call backward() on the output to fill in grad")
    y = height - _BOTTOM + 18
    return [
        text(16, y + 15 * i, line, size=11, fill=MUTED, cls="legend")
        for i, line in enumerate(lines)
    ]


def _mean(values: Sequence[float] | list[float]) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return sum(finite) / len(finite) if finite else math.nan


def _scale(numbers: Iterable[float]) -> float:
    finite = [abs(x) for x in numbers if math.isfinite(x)]
    return max(finite, default=0.0)
