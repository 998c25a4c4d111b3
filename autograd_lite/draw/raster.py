"""Turn a drawing's SVG into PNG in-process, with resvg (the ``resvg-py`` package).

So a machine without system Graphviz still saves ``.png``: the in-process renderer lays the
graph out as SVG and resvg paints it. resvg was chosen by measurement (see the README's
drawing section): a 1.4 MB wheel with no dependencies, one wheel per platform for every Python
from 3.10 (Linux x86-64 and ARM, macOS Intel and Apple, Windows), MIT licensed, and it paints
the 16-16-1 network's drawing in tens of milliseconds. Text uses the system's fonts.
"""

from __future__ import annotations

import importlib.util
import re
from typing import Final

__all__ = [
    "DEFAULT_SCALE",
    "MAX_SIDE",
    "RasterError",
    "raster_available",
    "svg_size",
    "svg_to_png",
]

DEFAULT_SCALE: Final = 2.0
"""Pixels per CSS pixel of the PNG (2: sharp on slides and high-density screens)."""

MAX_SIDE: Final = 16000
"""Longest side of a PNG in pixels; larger drawings are scaled down to fit."""

# Graphviz writes the root element's size in points; 96 px per inch over 72 pt per inch.
_PX_PER_PT: Final = 96 / 72
_ROOT: Final = re.compile(r"<svg\b[^>]*>", re.DOTALL)
_LENGTH: Final = re.compile(r'\b(width|height)="([0-9.]+)(pt|px)?"')


# Graphviz names fonts "Helvetica,sans-Serif"; resvg knows the generic family only in lower
# case, and without it falls back to a serif font where Helvetica is not installed.
_FONT_FAMILY: Final = re.compile(r'font-family="([^"]*)"')


def _with_generic_font(svg: str) -> str:
    return _FONT_FAMILY.sub(
        lambda m: (
            f'font-family="{m.group(1).replace("sans-Serif", "sans-serif")}'
            + (',sans-serif"' if "sans-serif" not in m.group(1).lower() else '"')
        ),
        svg,
    )


class RasterError(RuntimeError):
    """The SVG could not be painted (resvg is missing or rejected it)."""


def raster_available() -> bool:
    """Return True if the in-process PNG painter (``resvg-py``) is installed.

    Example:
        >>> isinstance(raster_available(), bool)
        True
    """
    return importlib.util.find_spec("resvg_py") is not None


def svg_size(svg: str) -> tuple[float, float]:
    """Return the width and height of an SVG document in points, from its root element.

    Raises:
        ValueError: the document has no ``<svg>`` element with a numeric width and height.

    Example:
        >>> svg_size('<svg width="144pt" height="72pt"></svg>')
        (144.0, 72.0)
    """
    root = _ROOT.search(svg)
    sizes = dict[str, float]()
    if root is not None:
        for name, number, unit in _LENGTH.findall(root.group(0)):
            sizes[name] = float(number) / (_PX_PER_PT if unit == "px" else 1.0)
    if set(sizes) != {"width", "height"}:
        raise ValueError("the SVG has no <svg> element with a width and a height")
    return sizes["width"], sizes["height"]


def svg_to_png(svg: str, scale: float = DEFAULT_SCALE, *, max_side: int | None = None) -> bytes:
    """Paint an SVG document (as Graphviz or the self-laid views write it) into PNG bytes.

    Args:
        svg: the SVG text.
        scale: PNG pixels per CSS pixel (96 per inch); the result is made smaller if its
            longest side would exceed :data:`MAX_SIDE` pixels.
        max_side: a smaller limit on the longest side, if given (a notebook's display PNG).

    Returns:
        The PNG file's bytes.

    Raises:
        RasterError: ``resvg-py`` is not installed, or it cannot paint the document.
        ValueError: ``scale`` is not a positive number.

    Example:
        >>> svg_to_png('<svg xmlns="http://www.w3.org/2000/svg" width="10pt" height="10pt"'
        ...            ' viewBox="0 0 10 10"/>')[:4]
        b'\\x89PNG'
    """
    if isinstance(scale, bool) or not isinstance(scale, int | float) or not scale > 0:
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    if max_side is not None and (
        isinstance(max_side, bool) or not isinstance(max_side, int) or max_side < 1
    ):
        raise ValueError(f"max_side must be a positive int or None, got {max_side!r}")
    try:
        import resvg_py
    except ImportError as err:
        raise RasterError(
            "PNG output without the Graphviz `dot` program needs resvg: "
            "`pip install resvg-py` (a dependency of autograd_lite, so reinstalling it brings "
            "it back)"
        ) from err
    width, height = svg_size(svg)
    side = MAX_SIDE if max_side is None else min(MAX_SIDE, max_side)
    zoom = min(float(scale), side / (max(width, height, 1.0) * _PX_PER_PT))
    pixels = {"width": width * _PX_PER_PT * zoom, "height": height * _PX_PER_PT * zoom}
    root = _ROOT.search(svg)
    assert root is not None  # svg_size found it
    # resvg 0.5 does not read "pt" lengths: give the root its size in pixels; its viewBox
    # (which Graphviz always writes) maps the drawing onto them.
    sized = _LENGTH.sub(lambda m: f'{m.group(1)}="{pixels[m.group(1)]:.2f}"', root.group(0))
    document = _with_generic_font(svg[: root.start()] + sized + svg[root.end() :])
    try:
        return bytes(resvg_py.svg_to_bytes(svg_string=document, background="white"))
    except ValueError as err:
        raise RasterError(f"resvg could not paint the drawing: {err}") from err
