"""A drawn computation graph: shown in Jupyter at the output's width, saved in any format.

:class:`GraphDrawing` is what :func:`~autograd_lite.draw.graph.draw_graph` returns. Laying it
out is :mod:`autograd_lite.draw.render`'s job; the interactive page is
:mod:`autograd_lite.draw.page`'s.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final

import graphviz

from ..core.files import write_atomically
from ..core.value import Value
from . import render as _render
from .facts import GraphFacts
from .page import InteractivePage, fit_to_width

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


class GraphDrawing:
    """A drawn computation graph: displays in Jupyter, saves to disk.

    Made by :func:`draw_graph`; not usually constructed directly.

    In a notebook it fits the output's width (click it for full size); :meth:`interactive`
    and ``save("graph.html")`` give a page to explore and to step through.

    Attributes:
        digraph: the ``graphviz.Digraph`` (edit it to restyle; the drawing follows).
        renderer: ``"auto"``, ``"dot"`` or ``"bundled"``, see :mod:`autograd_lite.draw.render`.
        num_values: how many value boxes the drawing has.
        num_ops: how many operation nodes it has.
        facts: what the interactive page shows of each node (None for a drawing made by hand).
        root: the Value drawn (None for a drawing made by hand).
    """

    def __init__(
        self,
        digraph: graphviz.Digraph,
        *,
        renderer: str,
        num_values: int,
        num_ops: int,
        facts: GraphFacts | None = None,
        root: Value | None = None,
    ) -> None:
        self.digraph = digraph
        self.renderer = renderer
        self.num_values = num_values
        self.num_ops = num_ops
        self.facts = facts
        self.root = root
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
            data = self.source.encode("utf-8")
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
        if self.facts is None:
            raise ValueError("this drawing has no node facts: make it with draw_graph()")
        return InteractivePage(self.svg(), self.facts)

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

    def _repr_svg_(self) -> str:
        return self.svg()

    def _repr_html_(self) -> str:
        return fit_to_width(self.svg())

    def _repr_mimebundle_(
        self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None
    ) -> dict[str, str]:
        wanted = "image/svg+xml"
        if (include is not None and wanted not in include) or (
            exclude is not None and wanted in exclude
        ):
            return {"text/plain": repr(self)}
        try:
            svg = self.svg()
            # Both: front ends that show HTML scale it to the output's width; the SVG stays for
            # those that do not (and for nbconvert exports).
            return {wanted: svg, "text/html": fit_to_width(svg)}
        except _render.RenderError as err:
            # A notebook cell should say what to install, not print a formatter traceback.
            return {"text/plain": f"{self!r}\ncannot render: {err}"}

    def __repr__(self) -> str:
        return f"<GraphDrawing: {self.num_values} values, {self.num_ops} operations>"
