"""Drawings as HTML: fitted to a notebook's width, and as an interactive page.

:func:`fit_to_width` wraps a drawing's SVG so that it scales down to the output's width;
clicking it shows it at full size (no script: a hidden checkbox toggles the style).

:class:`InteractivePage` is one self-contained HTML file (its script, style, SVG and numbers
inline; nothing fetched) that works opened from disk. It pans and zooms; clicking a node
shows its data, grad, each input's local derivative and contribution, and the chain-rule sum
that gives its gradient, and highlights its paths to the output; a step control replays the
forward pass and then the backward pass. A check report drawn as arrays (the array view) gets
the same page over its arrays: click a box or a heatmap cell for the array's operation, chain
rule and entries; the replay walks the arrays forward, then their chain rules backward. The
behaviour lives beside this file: ``page.js`` (pan, zoom, theme, replay controls) runs
``page_graph.js`` or ``page_arrays.js``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import importlib.resources
import json
from typing import Any, Final, Protocol

from ..core.files import write_atomically
from .facts import GraphFacts

__all__ = ["InteractivePage", "fit_to_width"]

_ASSETS: Final = importlib.resources.files("autograd_lite.draw")


class ArraysLike(Protocol):
    """The array view's facts (:class:`autograd_lite.draw.arrays_view.ArraysFacts`)."""

    @property
    def arrays(self) -> Any: ...

    def to_json(self) -> dict[str, Any]: ...


_FIT_STYLE: Final = """
.agl-fit{max-width:100%;overflow:hidden;background:#fff;border-radius:4px}
.agl-fit>input{display:none}
.agl-fit>label{display:block;cursor:zoom-in}
.agl-fit>label>svg{max-width:100%;height:auto;display:block}
.agl-fit>input:checked+label{cursor:zoom-out;overflow:auto;max-height:90vh}
.agl-fit>input:checked+label>svg{max-width:none}
"""


def fit_to_width(svg: str) -> str:
    """Wrap a drawing's SVG in HTML that scales it to the output's width; a click shows full size.

    Args:
        svg: the SVG document (an XML prolog and doctype are dropped).

    Returns:
        An HTML fragment for a notebook output.

    Example:
        >>> '<svg' in fit_to_width('<svg width="10pt" height="10pt"></svg>')
        True
    """
    body = svg[svg.index("<svg") :] if "<svg" in svg else svg
    key = "agl-" + hashlib.sha1(body.encode("utf-8")).hexdigest()[:12]
    return (
        f'<div class="agl-fit"><style>{_FIT_STYLE}</style>'
        f'<input type="checkbox" id="{key}">'
        f'<label for="{key}" title="click for full size (click again to fit)">{body}</label></div>'
    )


class InteractivePage:
    """A drawing as a self-contained interactive HTML page.

    Made by :meth:`GraphDrawing.interactive`. Displays in Jupyter (in an isolated frame) and
    ``html`` is the whole file, which :meth:`save` writes.

    Attributes:
        html: the page.
    """

    def save(self, path: str) -> str:
        """Write the page to ``path`` (UTF-8, all at once: never half a file) and return it."""
        write_atomically(path, self.html, caller="InteractivePage.save")
        return path

    def __init__(self, svg: str, facts: GraphFacts | ArraysLike) -> None:
        self.html = _page(svg, facts)
        self._svg = svg[svg.index("<svg") :]

    def _repr_html_(self) -> str:
        # The drawing as a picture, which a script replaces with the page in a frame (the
        # frame keeps the page's script and style apart from the notebook's). Where scripts
        # are stripped (an untrusted notebook, a sanitising viewer) the picture stays.
        picture = base64.b64encode(self._svg.encode("utf-8")).decode("ascii")
        return (
            '<div class="agl-page">'
            f'<img src="data:image/svg+xml;base64,{picture}" alt="{html.escape(_STATIC_NOTE)}" '
            f'title="{html.escape(_STATIC_NOTE)}" '
            'style="max-width:100%;height:auto;background:#fff;border-radius:4px">'
            f'<script type="application/json">{script_json(self.html)}</script>'
            f"<script>{_SWAP_SCRIPT}</script></div>"
        )

    def __repr__(self) -> str:
        return f"<InteractivePage: {len(self.html)} characters of HTML>"


_STATIC_NOTE: Final = (
    "computation graph (a static picture: the interactive page needs scripts, which are off "
    "here; trust the notebook or run the cell to get it)"
)

# Replaces the picture before it with the page, read from the JSON script beside it.
_SWAP_SCRIPT: Final = (
    "(function(){var me=document.currentScript,box=me&&me.parentElement;if(!box)return;"
    "var data=box.querySelector('script[type=\"application/json\"]'),img=box.querySelector('img');"
    "var frame=document.createElement('iframe');frame.srcdoc=JSON.parse(data.textContent);"
    "frame.title='interactive computation graph';"
    "frame.style.cssText='width:100%;height:640px;border:1px solid #8884;border-radius:4px';"
    "box.replaceChild(frame,img);})();"
)


def script_json(data: Any) -> str:
    """JSON text that is safe inside an HTML ``<script>`` element, whatever its strings hold.

    ``<``, ``>`` and ``&`` are written as ``\\u003c``-style escapes (JSON reads them back as
    the same characters), so a label such as ``</script>`` or ``<!--<script>`` cannot end the
    element early or make the browser read the rest of the page as part of it.
    """
    text = json.dumps(data, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _page(svg: str, facts: GraphFacts | ArraysLike) -> str:
    body = svg[svg.index("<svg") :]
    data = facts.to_json()
    # One script: the mode that reads these facts, then the page that runs it.
    script = "\n".join(
        (_ASSETS / name).read_text(encoding="utf-8")
        for name in ("page_graph.js", "page_arrays.js", "page.js")
    )
    style = (_ASSETS / "page.css").read_text(encoding="utf-8")
    if isinstance(facts, GraphFacts):
        root_name = next(n.name for n in facts.nodes if n.id == facts.root)
        title = html.escape(f"computation graph of {root_name}")
    else:
        title = html.escape(f"arrays of {data.get('loss', 'the loss')}")
    facts_json = script_json(data)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{style}</style>
</head>
<body class="static">
<header id="toolbar">
  <button id="first" title="back to the start">start</button>
  <button id="prev" title="previous step">&#x25C0;</button>
  <button id="play" title="play the forward and backward pass">play</button>
  <button id="next" title="next step">&#x25B6;</button>
  <input id="slider" type="range" min="0" max="0" value="0" aria-label="step">
  <span id="step-text"></span>
  <button id="fit" title="show the whole drawing">fit</button>
  <button id="readable" title="zoom to where the smallest text reads at 11 px">readable</button>
</header>
<main>
  <div id="view">{body}</div>
  <aside id="info"><p class="hint">Click a node to see its numbers and the chain rule.
  Drag to pan, scroll to zoom. Step through the forward and backward pass above.</p></aside>
</main>
<div id="tip" hidden></div>
<script type="application/json" id="facts">{facts_json}</script>
<script>{script}</script>
</body>
</html>
"""
