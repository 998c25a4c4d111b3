"""A drawing as a notebook widget: the interactive page, stepped and pointed at from Python.

:meth:`GraphDrawing.widget() <autograd_lite.draw.drawing.GraphDrawing.widget>` returns a
:class:`GraphWidget`, an `anywidget <https://anywidget.dev>`_ widget, so it runs wherever
anywidget does (JupyterLab, Notebook 7, VS Code, Colab). It shows the drawing's interactive
page (click a node for its chain rule, step through the forward and backward pass) and keeps
the replay's step and the selected node in sync with Python: ``w.step()``, ``w.step(-1)``,
``w.go_to(0)`` and ``w.show(node)`` move the page, and a click on the page moves ``w.position``.
Every view has it: the values view, the network diagram and a check report's array view.

anywidget is an extra (``pip install autograd_lite[widget]``), imported only when a widget is
made; the rest of the package never loads it.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from typing import TYPE_CHECKING, Any, Final

from ..core.engine import topological_order
from ..core.value import Value
from .page import InteractivePage

if TYPE_CHECKING:
    from .drawing import GraphDrawing

__all__ = ["make_widget", "widget_class"]

_ASSETS: Final = importlib.resources.files("autograd_lite.draw")


def make_widget(drawing: GraphDrawing, *, height: int = 640) -> Any:
    """The widget of a drawing; see :meth:`GraphDrawing.widget`."""
    if isinstance(height, bool) or not isinstance(height, int) or not 200 <= height <= 4000:
        raise ValueError(
            f"widget: height must be a whole number of pixels, 200 to 4000, got {height!r}"
        )
    arrays = getattr(drawing, "arrays", None)
    if drawing.facts is not None:
        page = drawing.interactive()
        operations = sum(1 for n in drawing.facts.nodes if n.inputs)
        last = len(drawing.facts.nodes) + 1 + operations
    elif arrays is not None:
        page = InteractivePage(drawing.svg(), arrays)
        last = 2 * len(arrays.arrays)  # each array forward, then each chain rule backward
    else:
        raise ValueError("this drawing has no node facts: make it with draw_graph()")
    return widget_class()(drawing, page.html, last, height)


@functools.cache
def widget_class() -> type[Any]:
    """The widget class, defined on first use so that importing this module needs no anywidget."""
    try:
        import anywidget
        import traitlets
    except ImportError as err:
        raise ImportError(
            "drawing.widget() needs anywidget: pip install 'autograd_lite[widget]' "
            f"(or pip install anywidget), then restart the kernel ({err})"
        ) from err

    class GraphWidget(anywidget.AnyWidget):
        """A drawing's interactive page as a widget, driven from Python too.

        Attributes:
            position: the replay's step shown: 0 is the start, ``last`` the finished graph
                (the forward pass one value per step, then the seed, then one step per
                operation of the backward pass). Clicking the page's controls updates it.
            last: the final step.
            caption: what the page's step line says (updated by the page).
            selected: the id of the value shown in the page's panel (``""``: none).
            height: the widget's height in pixels.
        """

        _esm = (_ASSETS / "widget.js").read_text(encoding="utf-8")
        _css = (_ASSETS / "widget.css").read_text(encoding="utf-8")
        page = traitlets.Unicode("").tag(sync=True)
        position = traitlets.Int(0).tag(sync=True)
        last = traitlets.Int(0).tag(sync=True)
        caption = traitlets.Unicode("").tag(sync=True)
        selected = traitlets.Unicode("").tag(sync=True)
        height = traitlets.Int(640).tag(sync=True)

        def __init__(self, drawing: GraphDrawing, page: str, last: int, height: int) -> None:
            super().__init__(page=page, position=last, last=last, height=height)
            self._drawing = drawing

        def step(self, by: int = 1) -> int:
            """Move the replay ``by`` steps (negative: back), stopping at either end.

            Returns:
                The step now shown.

            Example:
                >>> w = draw_graph(y).widget()  # doctest: +SKIP
                >>> w.go_to(w.last); w.step(-1)  # doctest: +SKIP
            """
            if isinstance(by, bool) or not isinstance(by, int):
                raise TypeError(f"step: by must be a whole number of steps, got {by!r}")
            self.position = max(0, min(self.last, self.position + by))
            return int(self.position)

        def go_to(self, position: int) -> int:
            """Show the replay at ``position`` (0: the start; ``last``: the finished graph)."""
            if isinstance(position, bool) or not isinstance(position, int):
                raise TypeError(f"go_to: position must be a whole number, got {position!r}")
            if not 0 <= position <= self.last:
                raise ValueError(f"go_to: position must be 0 to {self.last}, got {position}")
            self.position = position
            return position

        def show(self, node: Value | str) -> None:
            """Select ``node`` in the page: its numbers, chain rule and paths to the output.

            Args:
                node: a Value of the drawn graph, or its name as the page and
                    :func:`~autograd_lite.explain` call it (``"x"``, ``"n5"``). In the
                    array view: an array's name (``"z1"``) or one entry (``"z1[0,1]"``).

            Raises:
                ValueError: the node (array, entry) is not in the drawing.
                TypeError: ``node`` is neither a Value nor a name (the array view: not a
                    name).
            """
            chosen = _value_id(self._drawing, node)
            if self.selected == chosen:
                self.selected = ""  # so that the page hears it again after other clicks
            self.selected = chosen

        def __repr__(self) -> str:
            return f"<GraphWidget: step {self.position} of {self.last}>"

    GraphWidget.__qualname__ = "GraphWidget"
    return GraphWidget


def _value_id(drawing: GraphDrawing, node: Value | str) -> str:
    facts = drawing.facts
    if facts is None:
        return _array_id(drawing, node)
    if isinstance(node, str):
        found = [n.id for n in facts.nodes if n.name == node]
        if not found:
            names = ", ".join(n.name for n in facts.nodes[:8])
            raise ValueError(f"show: no value named {node!r} in the drawing (names: {names}...)")
        return found[0]
    if not isinstance(node, Value):
        raise TypeError(f"show: expected a Value or its name, got {type(node).__name__}")
    root = drawing.root
    if root is not None:
        # The facts list the nodes in the same topological order.
        position = next((k for k, n in enumerate(topological_order(root)) if n is node), None)
        if position is not None:
            return facts.nodes[position].id
    raise ValueError(
        f"show: the Value {node!r} is not in the drawing's graph "
        "(draw the graph that contains it, or pass its name)"
    )


_ENTRY: Final = re.compile(r"^(?P<name>.+?)\[(?P<index>[\d, ]*)\]$")


def _array_id(drawing: GraphDrawing, node: Value | str) -> str:
    """The element id of an array (``"z1"``) or of one entry (``"z1[0,1]"``) in the array view."""
    arrays = getattr(drawing, "arrays", None)
    if not isinstance(node, str) or arrays is None:
        raise TypeError(
            "show: the array view shows named arrays: pass a name such as 'z1' or 'z1[0,1]', "
            f"got {type(node).__name__}"
        )
    by_name = {a.name: a for a in arrays.arrays}
    if node in by_name:
        return str(by_name[node].element)
    match = _ENTRY.match(node)
    if match and match["name"] in by_name:
        array = by_name[match["name"]]
        shape = tuple(int(n) for n in array.shape)
        index = tuple(int(k) for k in match["index"].replace(" ", "").split(",") if k)
        if len(index) == len(shape) and all(0 <= k < n for k, n in zip(index, shape, strict=True)):
            flat = 0
            for k, n in zip(index, shape, strict=True):
                flat = flat * n + k
            return f"{array.element}_{flat}"
        raise ValueError(f"show: {node!r} is outside {array.name}'s shape {shape}")
    names = ", ".join(by_name)
    raise ValueError(f"show: no array named {node!r} in the drawing (arrays: {names})")
