"""The array view: a check report over arrays drawn as the arrays a learner named.

Learners think in named arrays (``X``, ``W1``, ``z1``, ``a1``, ``loss``), not in the thousands of
scalars the engine traced. :func:`array_facts` reads a :func:`~autograd_lite.check_gradients`
report into one :class:`ArrayFacts` per input, checked variable and the loss: its shape, the
expression that computes it (as written in ``loss_fn``), the arrays it is computed from (found
in the traced graph) and every entry's numbers and verdict. :func:`arrays_svg` draws them top
to bottom in the order the forward pass computes them, like the lines of the code: one box per
array with a heatmap of its entries (red WRONG, green ok; values where nothing was checked),
arrows from each array to the arrays computed from it, the first wrong step outlined in red.
Hovering a cell gives its numbers, hovering a box its chain rule and its wrong entries.
"""

from __future__ import annotations

import math
import re
import textwrap
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from ..core.engine import topological_order
from ..core.value import Value
from .svgkit import (
    INK,
    MUTED,
    VERDICT_COLOURS,
    attr,
    diverging,
    svg_document,
    text,
    text_width,
    title,
)
from .text import format_number

__all__ = ["ArrayFacts", "ArraysFacts", "array_facts", "arrays_svg", "is_array_report"]

FloatArray = npt.NDArray[np.float64]

MAX_WIDTH: Final = 1600
"""The drawing's width never exceeds this many px: rows of boxes wrap."""

_KIND_OF_VERDICT: Final = {"ok": "ok", "WRONG": "wrong", "kink": "kink", "unclear": "unclear"}
_HEAT_WIDTH: Final = 300.0  # a heatmap's largest size in px
_HEAT_HEIGHT: Final = 150.0
_MAX_CELL: Final = 24.0
_MIN_CELL: Final = 2.0
_BOX_PAD: Final = 10.0
_GAP_X: Final = 28.0
_GAP_Y: Final = 46.0
_MARGIN: Final = 20.0
_MAX_TITLE: Final = 60  # characters of a box's heading before it is shortened
_ENTRIES_LISTED: Final = 12
_MERGE_ABOVE: Final = 256  # larger arrays draw runs of equal verdicts as one rect


@dataclass(frozen=True)
class ArrayFacts:
    """One named array of a checked forward pass.

    Attributes:
        name: its name (``"W1"``, ``"z1"``; the loss is called by its label, else ``"loss"``).
        kind: ``"input"``, ``"variable"`` or ``"loss"``.
        shape: its shape (``()`` for a number).
        op: the expression that computes it as written (``X @ W1 + b1``); for an array whose
            line could not be read, the operations found between it and its inputs.
        line: the line of ``loss_fn`` that assigns it (0 for inputs, the loss, or unknown).
        element: the id of its box in the SVG (``a_W1``).
        inputs: the arrays it is computed from (their nodes feed its nodes directly).
        consumers: the arrays computed from it.
        values: its entries' values at the point checked.
        yours: your gradient (None when it was not checked).
        engine: the engine's gradient (None when it was not checked).
        numerical: finite differences, NaN where not probed (None when not checked).
        verdicts: each entry's verdict (``"ok"``, ``"WRONG"``...), flat in C order, or None.
        root_cause: True for the first wrong step of a bug (``report.root_causes``).
        finding: what is wrong with its gradient (the first of ``report.mistakes``), or "".
    """

    name: str
    kind: str
    shape: tuple[int, ...]
    op: str
    line: int
    element: str
    inputs: tuple[str, ...]
    consumers: tuple[str, ...]
    values: FloatArray
    yours: FloatArray | None
    engine: FloatArray | None
    numerical: FloatArray | None
    verdicts: tuple[str, ...] | None
    root_cause: bool
    finding: str = ""

    @property
    def counts(self) -> dict[str, int]:
        """How many entries got each verdict."""
        out: dict[str, int] = {}
        for v in self.verdicts or ():
            out[v] = out.get(v, 0) + 1
        return out

    def chain_rule(self, loss: str) -> str:
        """How its gradient is made from its consumers' gradients, in words."""
        if self.kind == "loss":
            return f"∂{loss}/∂{loss} = 1"
        if not self.consumers:
            return f"∂{loss}/∂{self.name}: nothing named uses {self.name}"
        terms = [f"∂{loss}/∂{c} · ∂{c}/∂{self.name}" for c in self.consumers]
        return f"∂{loss}/∂{self.name} = " + " + ".join(terms)


@dataclass(frozen=True)
class ArraysFacts:
    """Every named array of a report, in the order the forward pass computes them.

    Attributes:
        arrays: the arrays, inputs and variables in forward order, the loss last.
        loss: the loss's name.
        summary: the report's summary line.
        diagnosis: the report's diagnosis in words ("" when there is none).
    """

    arrays: tuple[ArrayFacts, ...]
    loss: str
    summary: str
    diagnosis: str

    def __getitem__(self, name: str) -> ArrayFacts:
        """The array called ``name``."""
        for a in self.arrays:
            if a.name == name:
                return a
        raise KeyError(f"no array named {name!r}; arrays: {', '.join(a.name for a in self.arrays)}")

    def to_json(self) -> dict[str, Any]:
        """The facts as JSON-ready data (non-finite numbers become strings)."""
        return {
            "loss": self.loss,
            "summary": self.summary,
            "diagnosis": self.diagnosis,
            "arrays": [
                {
                    "name": a.name,
                    "kind": a.kind,
                    "shape": list(a.shape),
                    "op": a.op,
                    "line": a.line,
                    "element": a.element,
                    "inputs": list(a.inputs),
                    "consumers": list(a.consumers),
                    "chain": a.chain_rule(self.loss),
                    "root_cause": a.root_cause,
                    "finding": a.finding,
                    "values": _json_list(a.values),
                    "yours": None if a.yours is None else _json_list(a.yours),
                    "engine": None if a.engine is None else _json_list(a.engine),
                    "numerical": None if a.numerical is None else _json_list(a.numerical),
                    "verdicts": None if a.verdicts is None else list(a.verdicts),
                    "counts": a.counts,
                }
                for a in self.arrays
            ],
        }


def is_array_report(highlight: Any, root: Value) -> bool:
    """True for a ``check_gradients`` report drawn on its own graph with an array checked."""
    gradients = getattr(highlight, "gradients", None) or ()
    return (
        getattr(highlight, "kind", None) == "check_gradients"
        and getattr(highlight, "loss", None) is root
        and any(len(g.shape) > 0 for g in gradients)
    )


def array_facts(report: Any) -> ArraysFacts:
    """Read a ``check_gradients`` report into its named arrays (see the module docstring).

    Args:
        report: a :class:`~autograd_lite.check.report.GradientReport` whose ``loss`` is set.

    Returns:
        An :class:`ArraysFacts`.
    """
    loss: Value = report.loss
    order = topological_order(loss)
    position = {node: i for i, node in enumerate(order)}
    loss_name = loss.label if loss.label and not _is_entry_label(loss.label) else "loss"

    members: dict[str, list[Value]] = {}
    checked: dict[str, list[Any]] = {}
    for entry in report.entries:
        stem = entry.gradient or entry.name.split("[", 1)[0]
        checked.setdefault(stem, []).append(entry)
        if entry.node is not None:
            members.setdefault(stem, []).append(entry.node)
    unchecked_shapes = _unchecked_inputs(report.unchecked, order, members)
    owner: dict[Value, str] = {}
    for name, nodes in members.items():
        for node in nodes:
            owner.setdefault(node, name)
    names = {g.name for g in report.gradients} | set(unchecked_shapes)
    if loss_name in names:
        loss_name = "the loss"
    owner[loss] = loss_name

    inputs = _flows(order, owner)
    consumers: dict[str, list[str]] = {}
    for name, sources in inputs.items():
        for source in sources:
            consumers.setdefault(source, []).append(name)

    found: list[ArrayFacts] = []
    causes = set(getattr(report, "root_causes", []))
    findings: dict[str, str] = {}
    for m in getattr(report, "mistakes", ()):
        findings.setdefault(m.gradient, m.message)
    for g in report.gradients:
        entries = checked.get(g.name, [])
        nodes = members.get(g.name, [])
        values = np.array([n.data for n in nodes], dtype=np.float64)
        if values.size != math.prod(g.shape):
            values = np.full(g.shape, math.nan)
        yours = np.array([_number(e.expected) for e in entries], dtype=np.float64)
        op = getattr(g, "source", "") or _ops_text(g.name, inputs)
        found.append(
            ArrayFacts(
                name=g.name,
                kind=g.kind,
                shape=tuple(g.shape),
                op="input" if g.kind == "input" else op,
                line=g.line,
                element=_element(g.name),
                inputs=tuple(inputs.get(g.name, ())),
                consumers=tuple(consumers.get(g.name, ())),
                values=values.reshape(g.shape),
                yours=yours.reshape(g.shape) if yours.size == values.size else None,
                engine=np.asarray(g.engine, dtype=np.float64),
                numerical=np.asarray(g.numerical, dtype=np.float64),
                verdicts=tuple(e.verdict for e in entries),
                root_cause=g.name in causes,
                finding=findings.get(g.name, ""),
            )
        )
    for name, shape in unchecked_shapes.items():
        values = np.array([n.data for n in members[name]], dtype=np.float64).reshape(shape)
        found.append(
            ArrayFacts(
                name, "input", shape, "input (not checked)", 0, _element(name), (),
                tuple(consumers.get(name, ())), values, None, None, None, None, False,
            )
        )  # fmt: skip
    # An entry the loss never uses is not in its graph.
    last = {
        name: max((position.get(n, 0) for n in nodes), default=0) for name, nodes in members.items()
    }
    found = _forward_order(found, last)
    found.append(
        ArrayFacts(
            loss_name, "loss", (), _ops_text(loss_name, inputs), 0, _element(loss_name),
            tuple(inputs.get(loss_name, ())), (), np.array(float(loss.data)), None, None, None,
            None, False,
        )
    )  # fmt: skip
    diagnosis = report.diagnosis() if callable(getattr(report, "diagnosis", None)) else ""
    return ArraysFacts(tuple(found), loss_name, report.summary(), diagnosis)


def _forward_order(arrays: list[ArrayFacts], last: dict[str, int]) -> list[ArrayFacts]:
    """Arrays after every array they are computed from; among those ready, inputs first, then
    the one whose last entry the forward pass computes first."""
    placed: set[str] = set()
    waiting = list(arrays)
    out: list[ArrayFacts] = []
    while waiting:
        ready = [a for a in waiting if all(s in placed or s not in last for s in a.inputs)]
        pick = min(ready or waiting, key=lambda a: (a.kind != "input", last.get(a.name, 0)))
        waiting.remove(pick)
        placed.add(pick.name)
        out.append(pick)
    return out


def _is_entry_label(label: str) -> bool:
    return bool(re.fullmatch(r".+\[[\d, ]+\]", label))


def _element(name: str) -> str:
    return "a_" + re.sub(r"[^A-Za-z0-9_]", "_", name)


def _number(x: float | None) -> float:
    return math.nan if x is None else float(x)


def _unchecked_inputs(
    unchecked: tuple[str, ...], order: list[Value], members: dict[str, list[Value]]
) -> dict[str, tuple[int, ...]]:
    """Inputs not in ``expected``: their leaves (labelled ``X[0,1]``), added to ``members``."""
    wanted = set(unchecked)
    leaves = {n.label: n for n in order if not n.parents and n.label in wanted}
    shapes: dict[str, tuple[int, ...]] = {}
    indices: dict[str, list[tuple[int, ...]]] = {}
    for label in unchecked:
        stem, _, rest = label.partition("[")
        index = tuple(int(i) for i in rest.rstrip("]").split(",") if i.strip()) if rest else ()
        indices.setdefault(stem, []).append(index)
    for stem, idx in indices.items():
        labels = [f"{stem}[{','.join(map(str, i))}]" if i else stem for i in idx]
        if all(lab in leaves for lab in labels):
            members[stem] = [leaves[lab] for lab in labels]
            shapes[stem] = tuple(max(i[d] for i in idx) + 1 for d in range(len(idx[0])))
    return shapes


def _flows(order: list[Value], owner: dict[Value, str]) -> dict[str, list[str]]:
    """Each array's source arrays, found in the graph.

    A node's frontier is the set of arrays whose nodes reach it through unnamed nodes only; a
    named node's sources are its parents' frontiers.
    """
    frontier: dict[Value, frozenset[str]] = {}
    inputs: dict[str, list[str]] = {}
    empty: frozenset[str] = frozenset()
    # Most nodes inherit their parents' very set: one shared object per distinct set keeps the
    # walk over an 800,000-node graph to identity checks instead of set unions.
    shared: dict[frozenset[str], frozenset[str]] = {empty: empty}
    get = owner.get
    for node in order:
        reach = empty
        parents = node.parents
        for parent in parents:
            f = frontier[parent]
            if f is not reach and not f <= reach:
                grown = reach | f
                reach = shared.setdefault(grown, grown)
        name = get(node)
        if name is None:
            frontier[node] = reach
            continue
        if parents:
            known = inputs.setdefault(name, [])
            known += sorted(s for s in reach if s != name and s not in known)
        own = frozenset([name])
        frontier[node] = shared.setdefault(own, own)
    return inputs


def _ops_text(name: str, inputs: dict[str, list[str]]) -> str:
    sources = inputs.get(name, [])
    return f"computed from {', '.join(sources)}" if sources else ""


def _json_list(a: FloatArray) -> list[float | str]:
    return [
        x if math.isfinite(x) else str(x) for x in np.asarray(a, dtype=np.float64).ravel().tolist()
    ]


# --------------------------------------------------------------------------- drawing


@dataclass
class _Box:
    array: ArrayFacts
    heading: str
    detail: str
    rows: int
    cols: int
    cell: float
    bins: tuple[int, int]  # entries per heatmap cell, down and across
    width: float
    height: float
    x: float = 0.0
    y: float = 0.0
    row: int = 0


CELLS: Final = ("verdicts", "values", "grad")
"""What a heatmap cell shows: its verdict (values where nothing was checked), its value, or the
engine's gradient d(loss)/d(entry)."""


def arrays_svg(facts: ArraysFacts, digits: int = 4, cells: str = "verdicts") -> str:
    """The array view's SVG (see the module docstring); never wider than :data:`MAX_WIDTH`.

    Args:
        facts: the arrays.
        digits: significant digits of the numbers shown.
        cells: what the heatmaps show, one of :data:`CELLS`.
    """
    if cells not in CELLS:
        raise ValueError(f"cells must be one of {', '.join(map(repr, CELLS))}, got {cells!r}")
    boxes = {a.name: _box(a, digits) for a in facts.arrays}
    head = _header_lines(facts, cells)
    top = _MARGIN + 20 * len(head) + 10
    rows = _rows(facts, boxes)
    y = top
    width = 0.0
    for index, row in enumerate(rows):
        x = _MARGIN
        for box in row:
            box.x, box.y, box.row = x, y, index
            x += box.width + _GAP_X
        width = max(width, x - _GAP_X + _MARGIN)
        y += max(b.height for b in row) + _GAP_Y
    height = y - _GAP_Y + _MARGIN
    width = max(width, max((text_width(s, 13) for s in head), default=0) + 2 * _MARGIN)
    width = min(width, MAX_WIDTH)
    # Centre each row.
    for row in rows:
        used = row[-1].x + row[-1].width - row[0].x
        shift = (width - used) / 2 - row[0].x
        for box in row:
            box.x += shift
    flows = [(boxes[source], boxes[a.name]) for a in facts.arrays for source in a.inputs]
    lanes = _lanes(flows, rows, width)
    left = min([0.0, *(x - _LANE_GAP for x in lanes.values())])
    right = max([width, *(x + _LANE_GAP for x in lanes.values())])
    if right - left > MAX_WIDTH:
        lanes, left, right = {}, 0.0, width  # no room beside the rows: arrows cross boxes
    for box in boxes.values():
        box.x -= left
    width = right - left
    body = [
        text(_MARGIN - left, _MARGIN + 14 + 20 * i, line, size=13, fill=INK if i == 0 else MUTED,
             weight="bold" if i == 0 else "normal", cls="caption")
        for i, line in enumerate(head)
    ]  # fmt: skip
    body.append(
        '<defs><marker id="agl-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        f'fill="{MUTED}"/></marker></defs>'
    )
    for source, target in flows:
        lane = lanes.get((source.array.name, target.array.name))
        if lane is None:
            body.append(_flow(source, target))
        else:
            below = max(b.y + b.height for b in rows[source.row]) + _GAP_Y / 3
            above = target.y - _GAP_Y / 3
            body.append(_lane_flow(source, target, lane - left, below, above))
    for a in facts.arrays:
        body.append(_draw_box(boxes[a.name], facts.loss, digits, cells))
    return svg_document(width, height, body, label=f"arrays of {facts.loss}: {facts.summary}")


_LANE_GAP: Final = 14.0


def _lanes(
    flows: list[tuple[_Box, _Box]], rows: list[list[_Box]], width: float
) -> dict[tuple[str, str], float]:
    """An x beside the rows for each arrow that would cross a row of boxes on its way down.

    Arrows from the left half of the drawing run down the left side, the others the right;
    each gets its own lane, 10 px from the next.
    """
    lanes: dict[tuple[str, str], float] = {}
    taken = {"left": 0, "right": 0}
    for source, target in flows:
        between = rows[source.row + 1 : target.row]
        if not between:
            continue
        centre = source.x + source.width / 2
        side = "right" if centre >= width / 2 else "left"
        if side == "right":
            edge = max(row[-1].x + row[-1].width for row in between)
            lanes[(source.array.name, target.array.name)] = edge + _LANE_GAP + 10 * taken[side]
        else:
            edge = min(row[0].x for row in between)
            lanes[(source.array.name, target.array.name)] = edge - _LANE_GAP - 10 * taken[side]
        taken[side] += 1
    return lanes


def _lane_flow(source: _Box, target: _Box, lane: float, below: float, above: float) -> str:
    """An arrow down a lane beside the rows: out of the source, along, down, into the target."""
    x1, y1 = source.x + source.width / 2, source.y + source.height
    x2, y2 = target.x + target.width / 2, target.y - 2
    return (
        f'<path class="flow" id={attr(f"f_{source.array.element}_{target.array.element}")} '
        f'd="M{x1:.1f},{y1:.1f} V{below:.1f} H{lane:.1f} V{above:.1f} H{x2:.1f} V{y2:.1f}" '
        f'fill="none" stroke="{MUTED}" stroke-width="1.4" stroke-opacity="0.7" '
        'stroke-linejoin="round" marker-end="url(#agl-arrow)"/>'
    )


def _header_lines(facts: ArraysFacts, cells: str) -> list[str]:
    lines = [facts.summary]
    if facts.diagnosis:
        lines += textwrap.wrap(facts.diagnosis, 100)
    if cells == "verdicts":
        lines += [
            "cells: red WRONG, green ok, purple kink, amber unclear; unchecked arrays show values",
            "(orange +, blue −). Hover a cell for its numbers, a box for its chain rule.",
        ]
    else:
        what = "values" if cells == "values" else f"the engine's gradients ∂{facts.loss}/∂entry"
        lines += [
            f"cells: {what} (orange +, blue −; each array on its own scale).",
            "Hover a cell for its numbers, a box for its chain rule.",
        ]
    return lines


def _grid(shape: tuple[int, ...]) -> tuple[int, int]:
    if not shape:
        return 1, 1
    cols = shape[-1]
    return max(1, math.prod(shape[:-1])), max(1, cols)


def _box(a: ArrayFacts, digits: int) -> _Box:
    rows, cols = _grid(a.shape)
    cell = min(_MAX_CELL, _HEAT_WIDTH / cols, _HEAT_HEIGHT / rows)
    bins = (1, 1)
    if cell < _MIN_CELL:
        cell = _MIN_CELL
        bins = (
            math.ceil(rows * _MIN_CELL / _HEAT_HEIGHT),
            math.ceil(cols * _MIN_CELL / _HEAT_WIDTH),
        )
    shown_rows, shown_cols = math.ceil(rows / bins[0]), math.ceil(cols / bins[1])
    if a.kind == "loss":
        heading = f"{a.name} = {format_number(float(a.values), digits)}"
    elif a.kind == "input":
        heading = a.name
    else:
        heading = f"{a.name} = {a.op}"
    if len(heading) > _MAX_TITLE:
        heading = heading[: _MAX_TITLE - 1] + "…"
    detail = _detail(a)
    text_w = max(text_width(heading, 13), text_width(detail, 11))
    heat_w = 0.0 if a.kind == "loss" else shown_cols * cell
    heat_h = 0.0 if a.kind == "loss" else shown_rows * cell + 8
    width = max(text_w, heat_w, 96.0) + 2 * _BOX_PAD
    height = _BOX_PAD + 17 + 15 + heat_h + _BOX_PAD
    return _Box(a, heading, detail, shown_rows, shown_cols, cell, bins, width, height)


def _detail(a: ArrayFacts) -> str:
    shape = "×".join(str(d) for d in a.shape) if a.shape else "scalar"
    parts = [shape]
    if a.line:
        parts.append(f"line {a.line}")
    if a.kind == "input":
        parts.append("input")
    counts = a.counts
    if counts:
        parts.append(", ".join(f"{n} {v}" for v, n in sorted(counts.items(), key=_severity)))
    elif a.kind == "input":
        parts.append("not checked")
    if a.root_cause:
        parts.append("first wrong step")
    return " · ".join(parts)


def _severity(item: tuple[str, int]) -> int:
    return ("WRONG", "unclear", "kink", "ok").index(item[0]) if item[0] in _KIND_OF_VERDICT else 9


def _rows(facts: ArraysFacts, boxes: dict[str, _Box]) -> list[list[_Box]]:
    """Boxes by rank (an array one row below everything it is computed from), rows wrapped."""
    rank: dict[str, int] = {}
    for a in facts.arrays:  # forward order: sources first
        if a.inputs:
            rank[a.name] = 1 + max(rank.get(s, 0) for s in a.inputs)
        else:
            rank[a.name] = 0
    # An input sits just above the first array computed from it.
    by_name = {a.name: a for a in facts.arrays}
    for a in facts.arrays:
        if not a.inputs and a.consumers:
            rank[a.name] = max(0, min(rank[c] for c in a.consumers if c in by_name) - 1)
    ranks = sorted(set(rank.values()))
    rows: list[list[_Box]] = []
    limit = MAX_WIDTH - 2 * _MARGIN
    for r in ranks:
        row: list[_Box] = []
        used = 0.0
        for a in facts.arrays:
            if rank[a.name] != r:
                continue
            box = boxes[a.name]
            if row and used + _GAP_X + box.width > limit:
                rows.append(row)
                row, used = [], 0.0
            used += (_GAP_X if row else 0.0) + box.width
            row.append(box)
        if row:
            rows.append(row)
    return rows


def _flow(source: _Box, target: _Box) -> str:
    x1, y1 = source.x + source.width / 2, source.y + source.height
    x2, y2 = target.x + target.width / 2, target.y - 2
    bend = max(20.0, (y2 - y1) / 2)
    return (
        f'<path class="flow" id={attr(f"f_{source.array.element}_{target.array.element}")} '
        f'd="M{x1:.1f},{y1:.1f} C{x1:.1f},{y1 + bend:.1f} {x2:.1f},{y2 - bend:.1f} '
        f'{x2:.1f},{y2:.1f}" '
        f'fill="none" stroke="{MUTED}" stroke-width="1.4" stroke-opacity="0.7" '
        'marker-end="url(#agl-arrow)"/>'
    )


def _draw_box(box: _Box, loss: str, digits: int, cells: str) -> str:
    a = box.array
    counts = a.counts
    if "WRONG" in counts:
        stroke = VERDICT_COLOURS["wrong"]
    elif counts and set(counts) <= {"ok", "kink"}:
        stroke = VERDICT_COLOURS["ok"]
    else:
        stroke = MUTED
    width = 3.0 if a.root_cause else 1.5 if counts else 1.0
    shape = "x".join(str(d) for d in a.shape)
    parts = [
        f'<g class="array" id={attr(a.element)} data-name={attr(a.name)} data-shape={attr(shape)} '
        f"data-op={attr(a.op)} data-kind={attr(a.kind)}>",
        title(_box_text(a, loss, digits)),
        f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.1f}" height="{box.height:.1f}" '
        f'rx="6" fill="#ffffff" stroke="{stroke}" stroke-width="{width:g}"/>',
        text(box.x + _BOX_PAD, box.y + _BOX_PAD + 13, box.heading, size=13, weight="bold"),
        text(box.x + _BOX_PAD, box.y + _BOX_PAD + 30, box.detail, size=11, fill=MUTED),
    ]
    if a.kind != "loss":
        parts += _cells(box, digits, cells, loss)
    parts.append("</g>")
    return "\n".join(parts)


def _box_text(a: ArrayFacts, loss: str, digits: int) -> str:
    lines = [f"{a.name}: {a.kind}, shape {a.shape}", a.op if a.kind != "input" else ""]
    lines.insert(0, a.finding)  # what is wrong leads (empty when nothing is)
    if a.inputs:
        lines.append(f"computed from {', '.join(a.inputs)}")
    lines.append("chain rule: " + a.chain_rule(loss))
    if a.verdicts is not None and a.yours is not None and a.engine is not None:
        wrong = [i for i, v in enumerate(a.verdicts) if v == "WRONG"]
        if wrong:
            lines.append(f"{len(wrong)} WRONG entries:")
            for i in wrong[:_ENTRIES_LISTED]:
                lines.append(
                    f"  {_entry(a, i)}: yours {format_number(a.yours.flat[i], digits)}, "
                    f"engine {format_number(a.engine.flat[i], digits)}"
                )
            if len(wrong) > _ENTRIES_LISTED:
                lines.append(f"  ... {len(wrong) - _ENTRIES_LISTED} more")
    return "\n".join(line for line in lines if line)


def _entry(a: ArrayFacts, flat: int) -> str:
    if not a.shape:
        return a.name
    index = np.unravel_index(flat, a.shape)
    return f"{a.name}[{','.join(str(int(i)) for i in index)}]"


def _cells(box: _Box, digits: int, shown: str, loss: str) -> list[str]:
    a = box.array
    rows, cols = _grid(a.shape)
    down, across = box.bins
    values = a.values.reshape(rows, cols)
    verdicts = None
    prefix = ""
    if shown == "verdicts" and a.verdicts:
        verdicts = np.array(a.verdicts, dtype=object).reshape(rows, cols)
    elif shown == "grad" and a.engine is not None:
        values, prefix = a.engine.reshape(rows, cols), f"∂{loss}/∂"
    scale = float(np.nanmax(np.abs(values))) if values.size and np.isfinite(values).any() else 0.0
    x0, y0 = box.x + _BOX_PAD, box.y + _BOX_PAD + 38
    merge = rows * cols > _MERGE_ABOVE
    out = []
    for r in range(box.rows):
        c = 0
        while c < box.cols:
            colour, kind, tip = _cell_look(
                a, values, verdicts, r, c, box.bins, scale, digits, prefix
            )
            run = 1
            # Neighbours of the same verdict merge into one rect (a big all-green array is a
            # few rects, not thousands); cells that show numbers stay one per entry.
            while merge and kind and c + run < box.cols:
                nxt = _cell_look(a, values, verdicts, r, c + run, box.bins, scale, digits, prefix)
                if nxt[1] != kind:
                    break
                run += 1
            if run > 1:
                stop = min(cols, (c + run) * across)
                count = (stop - c * across) * (min(rows, (r + 1) * down) - r * down)
                where = _range(a.name, r, down, rows, c * across, stop)
                tip = f"{where}: {count} entries, all {_word(kind)}"
            gap = 0.6 if box.cell >= 6 else 0.0
            cls = f"cell verdict-{kind}" if kind else "cell"
            out.append(
                f'<rect class="{cls}" id="{a.element}_{r * box.cols + c}" '
                f'x="{x0 + c * box.cell:.2f}" y="{y0 + r * box.cell:.2f}" '
                f'width="{run * box.cell - gap:.2f}" height="{box.cell - gap:.2f}" '
                f'fill="{colour}" data-entries="{run}">{title(tip)}</rect>'
            )
            c += run
    return out


def _word(kind: str) -> str:
    return "WRONG" if kind == "wrong" else kind


def _range(name: str, r: int, down: int, rows: int, start: int, stop: int) -> str:
    row = f"{r * down}" if down == 1 else f"{r * down}:{min(rows, (r + 1) * down)}"
    return f"{name}[{row}, {start}:{stop}]"


def _cell_look(
    a: ArrayFacts,
    values: FloatArray,
    verdicts: npt.NDArray[Any] | None,
    r: int,
    c: int,
    bins: tuple[int, int],
    scale: float,
    digits: int,
    prefix: str,
) -> tuple[str, str, str]:
    """A heatmap cell's colour, its verdict kind ("" for a number) and its hover text.

    ``prefix`` goes before the entry's name in the hover text (``∂loss/∂`` for gradients).
    """
    down, across = bins
    rows = slice(r * down, (r + 1) * down)
    cols = slice(c * across, (c + 1) * across)
    if verdicts is not None:
        found = {_KIND_OF_VERDICT.get(str(v), "unclear") for v in verdicts[rows, cols].ravel()}
        kind = next(k for k in ("wrong", "unclear", "kink", "ok") if k in found)
        if bins == (1, 1):
            flat = r * values.shape[1] + c
            tip = _entry_text(a, flat, digits)
        else:
            stop = min(cols.stop, values.shape[1])
            where = _range(a.name, r, down, values.shape[0], cols.start, stop)
            tip = f"{where}: worst {_word(kind)}"
        return VERDICT_COLOURS[kind], kind, tip
    block = values[rows, cols]
    number = float(np.nanmean(block)) if np.isfinite(block).any() else math.nan
    if bins == (1, 1):
        tip = f"{prefix}{_entry(a, r * values.shape[1] + c)} = {format_number(number, digits)}"
    else:
        where = _range(
            a.name, r, down, values.shape[0], cols.start, min(cols.stop, values.shape[1])
        )
        tip = f"{prefix}{where}: mean {format_number(number, digits)}"
    return diverging(number, scale), "", tip


def _entry_text(a: ArrayFacts, flat: int, digits: int) -> str:
    def n(arr: FloatArray | None) -> str:
        return "-" if arr is None else format_number(float(arr.flat[flat]), digits)

    verdict = a.verdicts[flat] if a.verdicts else ""
    lines = [
        f"{_entry(a, flat)}: {verdict}",
        f"value {n(a.values)}",
        f"gradient: yours {n(a.yours)}, engine {n(a.engine)}, finite diff {n(a.numerical)}",
    ]
    return "\n".join(lines)
