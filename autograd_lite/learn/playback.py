"""The replay page of a recorded training run: one offline HTML file, a notebook view, a widget.

The page (``playback.js`` and ``playback.css`` beside this file, inlined; nothing is fetched)
shows, frame by frame, the decision boundary over the data (the fitted curve for 1-D
regression), the network as a diagram (every neuron a small picture of its output over the
input plane, every weight a line coloured by its sign and as thick as it is large), the loss
and accuracy curves with a cursor, and play, pause, step, scrub and speed controls. Clicking a
weight shows its value and gradient at that step and the chain rule that produced its
gradient on one sample, written as :func:`autograd_lite.explain` writes it.

The page computes every neuron's output from the recorded parameters (so the file holds
parameters, not pictures); ``window.autogradLitePlayback`` exposes those numbers, which is how
the tests check that the frame at step k is the model at step k.
"""

from __future__ import annotations

import base64
import functools
import html
import importlib.resources
import math
import os
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt

from ..core.files import write_atomically
from ..draw.page import script_json

if TYPE_CHECKING:
    from .record import Recorder

__all__ = [
    "forward",
    "make_widget",
    "notebook_html",
    "page",
    "recording_json",
    "save",
    "static_svg",
    "widget_class",
]

_ASSETS: Final = importlib.resources.files("autograd_lite.learn")
_PAD: Final = 0.1  # the drawn plane reaches 10% beyond the data on each side


def _floats(array: npt.ArrayLike) -> str:
    """Little-endian float64 bytes in base64: exact numbers, NaN included, ~11 chars each."""
    raw = np.ascontiguousarray(np.asarray(array, dtype="<f8")).tobytes()
    return base64.b64encode(raw).decode("ascii")


def _bounds(rec: Recorder) -> tuple[list[float], list[float]]:
    points = np.asarray(rec.train.rows)
    if rec.test is not None:
        points = np.vstack([points, np.asarray(rec.test.rows)])
    low, high = points.min(axis=0), points.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    return (low - _PAD * span).tolist(), (high + _PAD * span).tolist()


def _targets(targets: npt.NDArray[Any]) -> list[float]:
    flat = np.asarray(targets, dtype=np.float64)
    if flat.ndim == 2:  # one-hot rows or one-output rows: the class, or the number
        flat = flat.argmax(axis=1) if flat.shape[1] > 1 else flat[:, 0]
    return [float(v) for v in flat]


def recording_json(rec: Recorder) -> dict[str, Any]:
    """The recording as the page reads it; see :meth:`Recorder.to_json`."""
    f = rec.frames
    if f == 0:
        raise ValueError(
            "the recording has no frames: call rec.step(loss) in the training loop "
            "(or train with fit(..., record=True))"
        )
    low, high = _bounds(rec)
    structure = rec.structure
    sample = rec.sample
    data: dict[str, Any] = {
        "version": 1,
        "nin": rec.model.nin,
        "layers": [
            {"size": len(layer.neurons), "activation": layer.activation}
            for layer in rec.model.layers
        ],
        "names": rec.names,
        "kind": "regression" if rec.regression else "classification",
        "decision": "argmax" if rec.model.nout > 1 else "sign",
        "grid": {"low": low, "high": high, "n": rec.grid},
        "train": {
            "X": _floats(rec.train.rows),
            "y": _targets(rec.train.targets),
        },
        "test": None
        if rec.test is None
        else {"X": _floats(rec.test.rows), "y": _targets(rec.test.targets)},
        "frames": {
            "count": f,
            "steps": rec.steps[:f].tolist(),
            "every": rec.every,
            "params": _floats(rec.params[:f]),
            "grads": _floats(rec.grads[:f]),
            # As decimal numbers (null for none): a notebook's stored copy of the page then
            # compares equal on another processor, whose BLAS may round the scores otherwise.
            "scores": [
                [None if math.isnan(v) else v for v in row] for row in rec.scores[:f].tolist()
            ],
        },
        "explain": {
            "sample": sample,
            "x": rec.train.rows[sample],
            "y": _targets(rec.train.targets[sample : sample + 1])[0],
            "root": structure.root,
            "names": structure.names,
            "definitions": structure.definitions,
            "leaves": structure.leaves,
            "terms": structure.terms,
            "hidden": structure.hidden,
            "params": structure.param_terms,
            "values": _floats(rec.node_values[:f]),
            "grads": _floats(rec.node_grads[:f]),
            "locals": _floats(rec.locals[:f]),
        },
    }
    return data


@functools.cache
def _assets() -> tuple[str, str]:
    script = (_ASSETS / "playback.js").read_text(encoding="utf-8")
    style = (_ASSETS / "playback.css").read_text(encoding="utf-8")
    return script, style


def page(rec: Recorder, *, title: str = "autograd_lite") -> str:
    """The replay page of ``rec`` as one self-contained HTML file."""
    if not isinstance(title, str):
        raise TypeError(f"title must be a str, got {type(title).__name__}")
    data = script_json(recording_json(rec))
    script, style = _assets()
    name = html.escape(title)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{name}: training replay</title>
<style>{style}</style>
</head>
<body>
<header id="toolbar">
  <button id="first" title="back to the first frame">start</button>
  <button id="prev" title="previous frame">&#x25C0;</button>
  <button id="play" title="play the training">play</button>
  <button id="next" title="next frame">&#x25B6;</button>
  <input id="slider" type="range" min="0" max="0" value="0" aria-label="frame">
  <label>speed <select id="speed">
    <option value="0.25">0.25&#xD7;</option><option value="0.5">0.5&#xD7;</option>
    <option value="1" selected>1&#xD7;</option><option value="2">2&#xD7;</option>
    <option value="4">4&#xD7;</option></select></label>
  <span id="status"></span>
</header>
<main>
  <section id="network-box"><h2>the network <small>(click a weight or a neuron)</small></h2>
    <div id="network"></div></section>
  <section id="side">
    <h2 id="plane-title">decision boundary</h2>
    <canvas id="plane" width="360" height="360"></canvas>
    <h2>loss and accuracy <small>(click to go there)</small></h2>
    <canvas id="curves" width="360" height="170"></canvas>
    <div id="legend"></div>
  </section>
  <aside id="info"><p class="hint">Press play to watch the network learn. Click a weight line
  for its value, its gradient and the chain rule behind the gradient at that step.</p></aside>
</main>
<noscript><p>This page needs scripts to replay the training.</p></noscript>
<script type="application/json" id="recording">{data}</script>
<script>{script}</script>
</body>
</html>
"""


def save(rec: Recorder, path: str | os.PathLike[str], *, title: str = "autograd_lite") -> str:
    """Write ``rec``'s replay page to ``path`` (atomically) and return the path."""
    write_atomically(path, page(rec, title=title), caller="save")
    return os.fspath(path)


# ---------------------------------------------------------------------------- notebooks


def forward(rec: Recorder, frame: int, X: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """The network's outputs at ``frame`` for the rows of X, from the recorded parameters."""
    from .nn import _array_activation

    h = np.asarray(X, dtype=np.float64)
    params = rec.params[frame]
    at = 0
    for layer in rec.model.layers:
        n, nin = len(layer.neurons), layer.nin
        block = params[at : at + n * (nin + 1)].reshape(n, nin + 1)
        at += n * (nin + 1)
        h = _array_activation(layer.activation)(h @ block[:, :nin].T + block[:, nin])
    return h


def static_svg(rec: Recorder, size: int = 300) -> str:
    """The last frame as an SVG picture (the boundary or fitted curve, and the data)."""
    last = rec.frames - 1
    (x0, y0), (x1, y1) = (
        _bounds(rec)
        if rec.model.nin == 2
        else ([_bounds(rec)[0][0], 0.0], [_bounds(rec)[1][0], 1.0])
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}"><rect width="{size}" height="{size}" fill="#ffffff"/>'
    ]
    points = np.asarray(rec.train.rows)
    labels = np.asarray(_targets(rec.train.targets))
    if rec.model.nin == 2:
        n = 30
        xs = x0 + (np.arange(n) + 0.5) * (x1 - x0) / n
        ys = y1 - (np.arange(n) + 0.5) * (y1 - y0) / n
        grid = np.array([[x, y] for y in ys for x in xs])
        out = forward(rec, last, grid)
        cell = size / n
        colours = [_colour(row, rec.model.nout > 1 and not rec.regression) for row in out]
        for j in range(n):
            i = 0
            while i < n:  # one rectangle per run of cells of the same colour
                end = i
                while end + 1 < n and colours[j * n + end + 1] == colours[j * n + i]:
                    end += 1
                parts.append(
                    f'<rect x="{i * cell:.1f}" y="{j * cell:.1f}" '
                    f'width="{(end - i + 1) * cell + 0.6:.1f}" height="{cell + 0.6:.1f}" '
                    f'fill="{colours[j * n + i]}"/>'
                )
                i = end + 1
        for (px, py), label in zip(points, labels, strict=True):
            sx = (px - x0) / (x1 - x0) * size
            sy = (y1 - py) / (y1 - y0) * size
            fill = "#1f5fbf" if label > 0.5 else "#d9731f"
            parts.append(
                f'<circle cx="{sx:.1f}" cy="{sy:.1f}" r="3" fill="{fill}" stroke="#fff" '
                'stroke-width="0.7"/>'
            )
    else:
        xs = np.linspace(x0, x1, 120)
        out = forward(rec, last, xs[:, None])[:, 0]
        values = np.concatenate([out, labels])
        lo, hi = float(values.min()), float(values.max())
        hi = hi if hi > lo else lo + 1.0

        def sy(v: float) -> float:
            return size - 10 - (v - lo) / (hi - lo) * (size - 20)

        for px, label in zip(points[:, 0], labels, strict=True):
            sx = (px - x0) / (x1 - x0) * size
            parts.append(f'<circle cx="{sx:.1f}" cy="{sy(label):.1f}" r="2.5" fill="#d9731f"/>')
        path = " ".join(
            f"{(x - x0) / (x1 - x0) * size:.1f},{sy(v):.1f}" for x, v in zip(xs, out, strict=True)
        )
        parts.append(f'<polyline points="{path}" fill="none" stroke="#1f5fbf" stroke-width="2"/>')
    parts.append("</svg>")
    return "".join(parts)


def _colour(row: npt.NDArray[np.float64], argmax: bool) -> str:
    if argmax:
        palette = ("#f3c9a5", "#a9c4ee", "#b9e0b0", "#e8b3d6", "#d9d2a0", "#b6e3e6")
        return palette[int(np.argmax(row)) % len(palette)]
    t = math.tanh(float(row[0]))
    base = (31, 95, 191) if t > 0 else (217, 115, 31)
    # Eight shades: a stored picture does not change with the last digits of the outputs.
    a = 0.15 + 0.55 * round(abs(t) * 8) / 8
    r, g, b = (round(255 + (c - 255) * a) for c in base)
    return f"#{r:02x}{g:02x}{b:02x}"


_STATIC_NOTE: Final = (
    "the trained model's last frame (a static picture: the replay needs scripts, which are off "
    "here; trust the notebook or run the cell to get it)"
)

# Replaces the picture before it with the page, read from the JSON script beside it.
_SWAP_SCRIPT: Final = (
    "(function(){var me=document.currentScript,box=me&&me.parentElement;if(!box)return;"
    "var data=box.querySelector('script[type=\"application/json\"]'),img=box.querySelector('img');"
    "var frame=document.createElement('iframe');frame.srcdoc=JSON.parse(data.textContent);"
    "frame.title='training replay';"
    "frame.style.cssText='width:100%;height:660px;border:1px solid #8884;border-radius:4px';"
    "box.replaceChild(frame,img);})();"
)


def notebook_html(rec: Recorder) -> str:
    """What a notebook shows: the page in a frame; without scripts, a picture of the last frame."""
    picture = base64.b64encode(static_svg(rec).encode("utf-8")).decode("ascii")
    note = html.escape(_STATIC_NOTE)
    return (
        '<div class="agl-playback">'
        f'<img src="data:image/svg+xml;base64,{picture}" alt="{note}" title="{note}" '
        'style="max-width:100%;height:auto;border-radius:4px">'
        f'<script type="application/json">{script_json(page(rec))}</script>'
        f"<script>{_SWAP_SCRIPT}</script></div>"
    )


# ---------------------------------------------------------------------------- the widget


def make_widget(rec: Recorder, *, height: int = 620) -> Any:
    """The replay as an anywidget widget whose ``frame`` follows the page and Python."""
    if isinstance(height, bool) or not isinstance(height, int) or not 200 <= height <= 4000:
        raise ValueError(
            f"widget: height must be a whole number of pixels, 200 to 4000, got {height!r}"
        )
    return widget_class()(page(rec), rec.frames, height)


@functools.cache
def widget_class() -> type[Any]:
    """The widget class, defined on first use so that importing this module needs no anywidget."""
    try:
        import anywidget
        import traitlets
    except ImportError as err:
        raise ImportError(
            "widget() needs anywidget: pip install 'autograd_lite[widget]' "
            f"(or pip install anywidget), then restart the kernel ({err})"
        ) from err

    class PlaybackWidget(anywidget.AnyWidget):
        """A training replay as a widget: ``frame`` is the frame shown, in sync both ways.

        Attributes:
            frame: the frame shown (0 is the first recorded step); the page's controls set it.
            frames: how many frames there are.
            playing: True while the page plays; set it to play or pause from Python.
            height: the widget's height in pixels.
        """

        _esm = (_ASSETS / "playback_widget.js").read_text(encoding="utf-8")
        page = traitlets.Unicode("").tag(sync=True)
        frame = traitlets.Int(0).tag(sync=True)
        frames = traitlets.Int(0).tag(sync=True)
        playing = traitlets.Bool(False).tag(sync=True)
        height = traitlets.Int(620).tag(sync=True)

        def __init__(self, page: str, frames: int, height: int) -> None:
            super().__init__(page=page, frame=frames - 1, frames=frames, height=height)

        def go_to(self, frame: int) -> int:
            """Show ``frame`` (0 to ``frames - 1``; negative counts from the end)."""
            if isinstance(frame, bool) or not isinstance(frame, int):
                raise TypeError(f"go_to: frame must be a whole number, got {frame!r}")
            if not -self.frames <= frame < self.frames:
                raise ValueError(f"go_to: frame must be 0 to {self.frames - 1}, got {frame}")
            self.frame = frame % self.frames
            return int(self.frame)

        def step(self, by: int = 1) -> int:
            """Move ``by`` frames (negative: back), stopping at either end."""
            if isinstance(by, bool) or not isinstance(by, int):
                raise TypeError(f"step: by must be a whole number of frames, got {by!r}")
            self.frame = max(0, min(self.frames - 1, self.frame + by))
            return int(self.frame)

        def __repr__(self) -> str:
            return f"<PlaybackWidget: frame {self.frame} of {self.frames}>"

    PlaybackWidget.__qualname__ = "PlaybackWidget"
    return PlaybackWidget
