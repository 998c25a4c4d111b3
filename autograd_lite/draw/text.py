"""The words and numbers written into a drawing's DOT: escaping, number format, edge labels."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import graphviz

from ..core.rules import FLOAT_MATH
from ..core.value import Value

__all__ = [
    "NOT_COMPUTED_CAPTION",
    "DrawOptions",
    "as_float",
    "captions_for",
    "clean_controls",
    "edge_text",
    "escape_record_field",
    "escape_text",
    "format_number",
    "local_grads",
    "new_digraph",
    "record_label",
]


def escape_text(text: str) -> graphviz.quoting.NoHtml:
    r"""Escape text for a plain DOT label (``\``, ``"``, ``&``, and newlines as ``\n``).

    Wrapped in ``nohtml`` so that text like ``<a>`` is not taken for an HTML label.
    """
    out = (
        clean_controls(text)
        .replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("&", "&amp;")
    )
    return graphviz.nohtml(out)


# Characters with a meaning inside a record label, escaped with a backslash.
_RECORD_ESCAPES: Final = {c: "\\" + c for c in '\\{}|<>"'} | {"\n": "\\n", "&": "&amp;"}


def escape_record_field(text: str) -> str:
    r"""Escape one record field: ``{ } | < >``, quotes, ``\``, ``&`` and newlines.

    Graphviz reads ``&name;`` in any label as an HTML entity, so ``&`` becomes ``&amp;``.
    """
    return "".join(_RECORD_ESCAPES.get(c, c) for c in clean_controls(text))


# Unicode categories drawn as escapes: controls, format characters (the bidirectional
# overrides that reorder the text after them, zero-width characters), private-use, surrogate
# and unassigned code points, and the line and paragraph separators.
_HIDDEN_CATEGORIES: Final = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})


def clean_controls(text: str) -> str:
    r"""Make text show as written in SVG, the way :func:`~autograd_lite.explain` shows it.

    A tab becomes a space and a newline stays (it breaks the line); every other control,
    format or separator character is written as its Python escape, so a right-to-left
    override (U+202E) reads ``\u202e`` instead of reversing the rest of the label.

    Example:
        >>> clean_controls("a\tb\u202ec\x00")
        'a b\\u202ec\\x00'
    """
    text = text.replace("\r\n", "\n").replace("\t", " ")
    return "".join(
        c.encode("unicode_escape").decode("ascii")
        if c != "\n" and unicodedata.category(c) in _HIDDEN_CATEGORIES
        else c
        for c in text
    )


def record_label(fields: list[str], rankdir: str) -> graphviz.quoting.NoHtml:
    body = " | ".join(escape_record_field(f) for f in fields) if fields else " "
    # Records stack their fields across the rank direction; braces turn them back, so the
    # fields read left to right in every direction.
    return graphviz.nohtml(f"{{ {body} }}" if rankdir in ("LR", "RL") else body)


def format_number(x: float, digits: int) -> str:
    if x == 0.0:
        return "0"  # also for -0.0, which would read as a different number
    return format(x, f".{digits}g")


def as_float(x: Any) -> float:
    """A gradient is a float, or a Value after ``backward(create_graph=True)``."""
    return float(x.data) if isinstance(x, Value) else float(x)


def local_grads(node: Value) -> tuple[float, ...] | None:
    rule = node.rule
    if rule is None:
        return None
    inputs = [p.data for p in node.parents]
    try:
        grads = rule.local_grads(FLOAT_MATH, node.data, *inputs)
        return tuple(as_float(g) for g in grads)
    except (ArithmeticError, ValueError, TypeError):
        return None


def edge_text(
    local: float | None, out_grad: Any, computed: bool, number: Callable[[Any], str]
) -> str:
    if local is None:
        return "local ?"
    text = f"local {number(local)}"
    if computed:
        contribution = as_float(out_grad) * local
        if math.isnan(contribution) and as_float(out_grad) == 0.0:
            contribution = 0.0  # 0 * inf: nothing flows back along an edge with no gradient
        text += f"\nadds {number(contribution)}"
    return text


NOT_COMPUTED_CAPTION: Final = (
    "gradients not computed yet: call backward() on the output to fill in grad"
)


@dataclass(frozen=True)
class DrawOptions:
    """The options every view of :func:`~autograd_lite.draw_graph` shares."""

    rankdir: str
    digits: int
    show_data: bool
    show_grad: bool
    edge_labels: bool

    def number(self, x: Any) -> str:
        return format_number(as_float(x), self.digits)


def new_digraph(rankdir: str, captions: list[str]) -> graphviz.Digraph:
    """An empty digraph with the drawing's fonts and its caption on top."""
    graph_attr = {"rankdir": rankdir, "fontname": "Helvetica"}
    if captions:
        graph_attr |= {"label": escape_text("\n".join(captions)), "labelloc": "t"}
    return graphviz.Digraph(
        "autograd_lite",
        graph_attr=graph_attr,
        node_attr={"fontname": "Helvetica", "fontsize": "11"},
        # Edge labels as large as the boxes' text: at 9 pt they were ~7 px on a fitted page.
        edge_attr={"fontname": "Helvetica", "fontsize": "11"},
    )


def captions_for(order: list[Value], show_grad: bool, legend: str) -> list[str]:
    """The lines above a drawing: gradients not computed yet, and the highlight legend."""
    captions = []
    if show_grad and not any(as_float(node.grad) != 0.0 for node in order):
        captions.append(NOT_COMPUTED_CAPTION)
    if legend:
        captions.append(legend)
    return captions
