"""Writing SVG by hand for the views laid out here: one font, escaping, text widths, colours.

The network diagram and the array view place every element themselves (they are layered
pictures with a known shape, no Graphviz needed). Both write their text in :data:`FONT` only,
so a PNG painted anywhere has one family, and estimate text widths with :func:`text_width`
(DejaVu Sans's average advance, a little generous, so labels never overlap).
"""

from __future__ import annotations

import math
from typing import Final
from xml.sax.saxutils import escape, quoteattr

from .text import clean_controls

__all__ = [
    "FONT",
    "INK",
    "MUTED",
    "NEGATIVE",
    "POSITIVE",
    "VERDICT_COLOURS",
    "attr",
    "diverging",
    "svg_document",
    "text",
    "text_width",
    "title",
]

FONT: Final = "DejaVu Sans, Verdana, Arial, sans-serif"
"""The one font family of the self-laid views (DejaVu Sans ships with most Linux systems;
Verdana has nearly the same metrics elsewhere)."""

INK: Final = "#1a1a1a"
MUTED: Final = "#5f6368"
POSITIVE: Final = "#e8710a"
"""Orange: a positive weight, value or gradient."""
NEGATIVE: Final = "#1967d2"
"""Blue: a negative one."""

VERDICT_COLOURS: Final = {
    "wrong": "#d93025",
    "ok": "#1e8e3e",
    "kink": "#7b42bc",
    "unclear": "#f9ab00",
    "mark": "#1967d2",
}
"""Cell and outline colour per highlight kind (red WRONG, green ok...)."""

_CHAR_EM: Final = 0.62  # DejaVu Sans averages ~0.6 em per character; digits are 0.636


def text_width(s: str, size: float) -> float:
    """The width in px that ``s`` takes at font size ``size`` (an upper estimate)."""
    return len(s) * size * _CHAR_EM


def attr(value: object) -> str:
    """An attribute value, quoted and escaped (control characters made printable)."""
    return quoteattr(clean_controls(str(value)))


def title(s: str) -> str:
    """A ``<title>`` child: what a browser shows on hover."""
    return f"<title>{escape(clean_controls(s))}</title>"


def text(
    x: float,
    y: float,
    s: str,
    *,
    size: float = 12,
    anchor: str = "start",
    weight: str = "normal",
    fill: str = INK,
    cls: str = "",
) -> str:
    """A ``<text>`` element at (x, y) (y is the baseline)."""
    klass = f" class={attr(cls)}" if cls else ""
    bold = ' font-weight="bold"' if weight != "normal" else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:g}" text-anchor="{anchor}" '
        f'fill="{fill}"{bold}{klass}>{escape(clean_controls(s))}</text>'
    )


def svg_document(width: float, height: float, body: list[str], *, label: str) -> str:
    """The whole SVG file: size in px, a white background, the one font, ``body`` inside."""
    w, h = math.ceil(width), math.ceil(height)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}px" height="{h}px" '
        f'viewBox="0 0 {w} {h}" font-family={attr(FONT)} role="img" aria-label={attr(label)}>\n'
        f'<rect width="{w}" height="{h}" fill="#ffffff"/>\n' + "\n".join(body) + "\n</svg>\n"
    )


def diverging(x: float, scale: float) -> str:
    """A colour for ``x`` on a white-centred scale: orange positive, blue negative.

    ``scale`` is the magnitude drawn at full strength; NaN and inf are grey.
    """
    if not math.isfinite(x):
        return "#9aa0a6"
    t = 0.0 if scale <= 0 else min(1.0, abs(x) / scale)
    end = POSITIVE if x > 0 else NEGATIVE
    rgb = [int(end[i : i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(255 + (c - 255) * t) for c in rgb]
    return "#" + "".join(f"{c:02x}" for c in mixed)
