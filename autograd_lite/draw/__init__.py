"""Drawing: computation graphs as DOT, SVG, PNG and PDF, and the formula command line."""

from __future__ import annotations

from .drawing import GraphDrawing
from .graph import DEFAULT_MAX_NODES, GraphTooLargeError, draw_graph
from .render import RenderError

__all__ = ["DEFAULT_MAX_NODES", "GraphDrawing", "GraphTooLargeError", "RenderError", "draw_graph"]
