"""A drawn computation graph: shown in any notebook, saved in any format.

:class:`GraphDrawing` is what :func:`~autograd_lite.draw.graph.draw_graph` returns: either a
Graphviz digraph (the values view; laying it out is :mod:`autograd_lite.draw.render`'s job) or
a picture laid out by autograd_lite itself (the network and array views). Its notebook display
carries the SVG, a PNG of it and a one-page PDF of the PNG, so a notebook shows the drawing where
SVG is stripped (an untrusted JupyterLab, GitHub's viewer, sanitised HTML) and exports to
LaTeX/PDF without Inkscape. The interactive page is :mod:`autograd_lite.draw.page`'s.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import graphviz

from ..core.files import write_atomically
from ..core.value import Value
from . import raster as _raster
from . import render as _render
from .facts import GraphFacts
from .page import InteractivePage
from .pdf import png_to_pdf

if TYPE_CHECKING:
    from .arrays_view import ArraysFacts

__all__ = ["GraphDrawing"]

_SAVE_FORMATS: Final = {
    ".svg": "svg",
    ".png": "png",
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
    ".dot": "dot",
    ".gv": "dot",
}

SLIDE: Final = (1920, 1080)
"""The largest PNG of the network view, in pixels: a 16:9 slide."""

DISPLAY_PNG_SIDE: Final = 1024
"""Longest side in pixels of the PNG a notebook display carries beside the SVG."""


class GraphDrawing:
    """A drawn computation graph: displays in Jupyter, saves to disk.

    Made by :func:`draw_graph`; not usually constructed directly.

    In a notebook it shows as SVG, with a PNG beside it for front ends that strip SVG;
    :meth:`interactive` and ``save("graph.html")`` give a page to explore and to step through.

    Attributes:
        digraph: the ``graphviz.Digraph`` (edit it to restyle; the drawing follows), or None
            for a view laid out by autograd_lite itself (``view="network"``, ``"arrays"``).
        renderer: ``"auto"``, ``"dot"`` or ``"bundled"``, see :mod:`autograd_lite.draw.render`.
        num_values: how many value boxes (circles, arrays) the drawing has.
        num_ops: how many operation nodes it has.
        facts: what the interactive page shows of each node (None for a drawing made by hand).
        root: the Value drawn (None for a drawing made by hand).
        view: ``"values"``, ``"network"`` or ``"arrays"``.
        arrays: the array view's facts (names, shapes, operations, entries), else None.
    """

    def __init__(
        self,
        digraph: graphviz.Digraph | None,
        *,
        renderer: str,
        num_values: int,
        num_ops: int,
        facts: GraphFacts | None = None,
        root: Value | None = None,
        picture: str | None = None,
        view: str = "values",
        arrays: ArraysFacts | None = None,
    ) -> None:
        if (digraph is None) == (picture is None):
            raise ValueError("GraphDrawing: give either a digraph or a picture (SVG text)")
        self.digraph = digraph
        self.renderer = renderer
        self.num_values = num_values
        self.num_ops = num_ops
        self.facts = facts
        self.root = root
        self.view = view
        self.arrays = arrays
        self._picture = picture
        self._svg_cache: tuple[str, str, str] | None = None

    @property
    def source(self) -> str:
        """The DOT text of the drawing (the values view; the other views have no DOT).

        Raises:
            ValueError: the drawing was laid out without Graphviz (``view="network"`` or
                ``"arrays"``); use :meth:`svg`.
        """
        if self.digraph is None:
            raise ValueError(
                f"the {self.view} view is laid out by autograd_lite itself and has no DOT "
                "text; use .svg() for the picture"
            )
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
        if self._picture is None:
            return _render.render(self.source, fmt, self.renderer)
        if fmt == "svg":
            return self._picture.encode("utf-8")
        if fmt == "png":
            scale = _raster.DEFAULT_SCALE
            if self.view == "network":
                # A slide: at most 1920 x 1080, however tall a wide layer makes the drawing.
                width, height = (side * 96 / 72 for side in _raster.svg_size(self._picture))
                scale = min(scale, SLIDE[0] / width, SLIDE[1] / height)
            try:
                return _raster.svg_to_png(self._picture, scale)
            except _raster.RasterError as err:
                raise _render.RenderError(str(err)) from err
        if fmt == "pdf":
            # A page showing the PNG: these views have no vector PDF writer.
            width, height = _raster.svg_size(self._picture)
            return png_to_pdf(self.pipe("png"), width, height)
        raise _render.RenderError(
            f"the {self.view} view is written as SVG and painted as PNG or PDF; {fmt!r} is "
            "not available for it (save a .svg, .png or .pdf)"
        )

    def svg(self) -> str:
        """Return the drawing as SVG text (rendered once, then cached).

        Returns:
            The SVG document.

        Example:
            >>> from autograd_lite import Value, draw_graph
            >>> "<svg" in draw_graph(Value(1.0, "x") * 2).svg()
            True
        """
        if self._picture is not None:
            return self._picture
        source = self.source
        if self._svg_cache is None or self._svg_cache[:2] != (source, self.renderer):
            self._svg_cache = (source, self.renderer, self.pipe("svg").decode("utf-8"))
        return self._svg_cache[2]

    def save(self, path: str | Path, *, format: str | None = None) -> Path:
        """Write the drawing to a file.

        Args:
            path: where to write. The suffix picks the format: ``.svg`` and ``.png`` (work
                everywhere: without the system Graphviz ``dot``, PNG is painted in-process by
                resvg), ``.pdf`` (needs ``dot``), ``.html`` (the interactive page, one file
                that works offline), ``.dot``/``.gv`` (the DOT text).
            format: ``"svg"``, ``"png"``, ``"pdf"``, ``"html"`` or ``"dot"`` to override the
                suffix.

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
        if not str(path).strip():
            raise ValueError("save: the path is empty; give a file name such as 'graph.svg'")
        path = Path(path)
        if format is not None and not isinstance(format, str):
            raise ValueError(f"save: format must be a str such as 'svg', got {format!r:.40}")
        fmt = (
            format.lower().lstrip(".")
            if format is not None
            else _SAVE_FORMATS.get(path.suffix.lower())
        )
        if fmt is None or fmt not in _SAVE_FORMATS.values():
            raise ValueError(
                f"cannot tell the format of {str(path)!r}: use a .svg, .png, .pdf, .html, .dot or "
                ".gv file name, or pass format='svg'"
            )
        if fmt == "dot":
            data = self.source.encode("utf-8")  # a ValueError for the self-laid views
        elif fmt == "html":
            data = self.interactive().html.encode("utf-8")
        else:
            data = self.pipe(fmt)
        write_atomically(path, data, caller="GraphDrawing.save")
        return path

    def interactive(self) -> InteractivePage:
        """The drawing as an interactive page: pan, zoom, click a node, step through backward.

        Returns:
            An :class:`~autograd_lite.draw.page.InteractivePage`; it displays in Jupyter and
            its ``html`` is one self-contained file (``save("graph.html")`` writes it).

        Raises:
            ValueError: the drawing has no node facts (it was not made by ``draw_graph``).

        Example:
            >>> from autograd_lite import Value, draw_graph
            >>> y = (Value(2.0, "x") * 3).tanh(); y.backward()
            >>> "<svg" in draw_graph(y).interactive().html
            True
        """
        if self.facts is not None:
            return InteractivePage(self.svg(), self.facts)
        if self.arrays is not None:  # the array view: the page steps over its arrays
            return InteractivePage(self.svg(), self.arrays)
        raise ValueError("this drawing has no node facts: make it with draw_graph()")

    def widget(self, *, height: int = 640) -> Any:
        """The drawing as a notebook widget that Python can step through too.

        Needs anywidget (``pip install 'autograd_lite[widget]'``); runs in JupyterLab,
        Notebook 7, VS Code and Colab. It shows the interactive page; ``w.step()`` and
        ``w.step(-1)`` move the forward/backward replay, ``w.go_to(0)`` restarts it,
        ``w.show(node)`` selects a node, and ``w.position`` follows clicks on the page.

        Args:
            height: the widget's height in pixels (200 to 4000).

        Returns:
            A :class:`~autograd_lite.draw.widget` ``GraphWidget`` (an ``anywidget.AnyWidget``).

        Raises:
            ImportError: anywidget is not installed; the message says how to install it.
            ValueError: the drawing has no node facts, or ``height`` is out of range.

        Example:
            >>> from autograd_lite import Value, draw_graph
            >>> y = (Value(2.0, "x") * 3).tanh(); y.backward()
            >>> w = draw_graph(y).widget()  # doctest: +SKIP
            >>> w.go_to(0); w.step()  # doctest: +SKIP
            1
        """
        from .widget import make_widget

        return make_widget(self, height=height)

    def png(self, max_side: int | None = None) -> bytes:
        """The drawing as PNG bytes at twice its size (sharp on slides and high-density screens).

        The network view's PNG is at most 1920 x 1080 (a 16:9 slide), however tall it is.

        Args:
            max_side: if given, the PNG is scaled down so that neither side exceeds it.

        Returns:
            The PNG file's bytes.

        Raises:
            autograd_lite.draw.render.RenderError: no renderer here can make the SVG or PNG.

        Example:
            >>> from autograd_lite import Value, draw_graph
            >>> draw_graph(Value(1.0, "x") * 2).png()[:4]
            b'\\x89PNG'
        """
        if self._picture is not None and max_side is None:
            return self.pipe("png")  # the network view's PNG fits a slide
        svg = self.svg()
        try:
            return _raster.svg_to_png(svg, max_side=max_side)
        except _raster.RasterError as err:
            raise _render.RenderError(str(err)) from err

    def _repr_svg_(self) -> str:
        return self.svg()

    def _repr_mimebundle_(
        self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None
    ) -> tuple[dict[str, str], dict[str, Any]]:
        wanted = [
            mime
            for mime in ("image/svg+xml", "image/png", "application/pdf")
            if (include is None or mime in include) and (exclude is None or mime not in exclude)
        ]
        if not {"image/svg+xml", "image/png"} & set(wanted):
            return {"text/plain": repr(self)}, {}
        try:
            svg = self.svg()
        except _render.RenderError as err:
            # A notebook cell should say what to install, not print a formatter traceback.
            return {"text/plain": f"{self!r}\ncannot render: {err}"}, {}
        # No text/html: sanitisers (nbconvert's, GitHub's) strip the SVG out of HTML and leave
        # jumbled text, and it would outrank the PNG they keep.
        data = {"text/plain": repr(self)}
        metadata: dict[str, Any] = {}
        if "image/svg+xml" in wanted:
            data["image/svg+xml"] = svg
        if "image/png" in wanted and _raster.raster_available():
            png = _raster.svg_to_png(svg, max_side=DISPLAY_PNG_SIDE)
            data["image/png"] = base64.b64encode(png).decode("ascii")
            width, height = _raster.svg_size(svg)
            # Shown at the SVG's own size (the PNG has twice the pixels).
            metadata["image/png"] = {"width": round(width * 96 / 72)}
            if "application/pdf" in wanted:
                # nbconvert's LaTeX export includes this instead of asking Inkscape for a PDF.
                pdf = png_to_pdf(png, width, height)
                data["application/pdf"] = base64.b64encode(pdf).decode("ascii")
        return data, metadata

    def __repr__(self) -> str:
        if self.view == "values":
            return f"<GraphDrawing: {self.num_values} values, {self.num_ops} operations>"
        return f"<GraphDrawing ({self.view} view): {self.num_values} boxes>"
