"""Turn DOT text into SVG, PNG or PDF bytes with the best Graphviz renderer this machine has.

Two renderers, both running Graphviz's layout:

- ``"dot"``: the system ``dot`` program, when it is on ``PATH``. Every format.
- ``"bundled"``: the ``graphviz-pure`` program that pip installs with autograd_lite (a port of
  Graphviz 16.1 to Rust, one self-contained executable for Linux, macOS and Windows; no system
  package, no network, no compile step, no cache). SVG, and PNG painted from that SVG by
  :mod:`autograd_lite.draw.raster`. Its SVG is byte for byte that of Graphviz 16.1 compiled to
  WebAssembly, which it replaced (see ``benchmarks/bench_draw.py``); ``"wasm"``, that
  renderer's name, is still accepted and means ``"bundled"``.

``renderer="auto"`` uses ``dot`` when present and ``bundled`` otherwise (and for SVG also when
``dot`` fails to run). The environment variable ``AUTOGRAD_LITE_RENDERER`` (``dot`` or
``bundled``) overrides what ``"auto"`` picks, for a machine whose ``dot`` is broken.

Each drawing runs the program once, as a child process: nothing is written to disk, and
nothing is loaded from a cache that another user could have planted.

Example:
    >>> from autograd_lite.draw.render import render
    >>> render("digraph { a -> b }").startswith(b"<?xml")
    True
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
from pathlib import Path
from typing import Final

from . import raster as _raster

__all__ = [
    "FORMATS",
    "RENDERERS",
    "RenderError",
    "available_renderers",
    "choose_renderer",
    "render",
]

RENDERERS: Final = ("dot", "bundled")
"""The renderers by name, in the order ``"auto"`` prefers them."""

ALIASES: Final = {"wasm": "bundled"}
"""Older renderer names still accepted, and the renderer each now means."""

FORMATS: Final = ("svg", "png", "pdf")
"""Output formats :func:`render` accepts."""

ENV_VAR: Final = "AUTOGRAD_LITE_RENDERER"

_INSTALL_DOT: Final = (
    "Install Graphviz so that `dot` is on PATH (Debian/Ubuntu: `sudo apt-get install graphviz`; "
    "macOS: `brew install graphviz`; Windows: `winget install graphviz`; "
    "conda: `conda install -c conda-forge graphviz`)"
)
_INSTALL_BUNDLED: Final = "`pip install graphviz-pure`"
_BUNDLED_PROGRAM: Final = "graphviz-pure"


class RenderError(RuntimeError):
    """No renderer can make the requested format here, or Graphviz rejected the DOT text."""


def dot_program() -> str | None:
    """Return the path of the system Graphviz ``dot`` program, or None if it is not on PATH.

    Returns:
        The absolute path, or None.

    Example:
        >>> path = dot_program()   # '/usr/bin/dot' where Graphviz is installed
    """
    return shutil.which("dot")


def bundled_program() -> str | None:
    """Return the path of the ``graphviz-pure`` program installed with the package, or None.

    It is looked up in the installed package's file list first, so it is found even when the
    environment's scripts folder is not on ``PATH`` (a notebook kernel started by full path).

    Returns:
        The absolute path, or None when ``graphviz-pure`` is not installed.

    Example:
        >>> path = bundled_program()   # '.../bin/graphviz-pure' after a pip install
    """
    try:
        files = importlib.metadata.distribution(_BUNDLED_PROGRAM).files or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    for entry in files:
        if entry.name in (_BUNDLED_PROGRAM, f"{_BUNDLED_PROGRAM}.exe"):
            path = Path(str(entry.locate()))
            if path.is_file():
                return str(path.resolve())
    return shutil.which(_BUNDLED_PROGRAM)


def bundled_available() -> bool:
    """Return True if the bundled renderer (``graphviz-pure``) is installed.

    Returns:
        Whether its program can be found.

    Example:
        >>> isinstance(bundled_available(), bool)
        True
    """
    return bundled_program() is not None


def available_renderers() -> list[str]:
    """List the renderers usable on this machine, in the order ``"auto"`` prefers them.

    Returns:
        A sublist of :data:`RENDERERS`.

    Example:
        >>> set(available_renderers()) <= {"dot", "bundled"}
        True
    """
    found = []
    if dot_program() is not None:
        found.append("dot")
    if bundled_available():
        found.append("bundled")
    return found


def renderer_name(renderer: object, where: str) -> str:
    """Return the renderer ``renderer`` names (``"auto"`` or one of :data:`RENDERERS`).

    Args:
        renderer: what the caller passed; an old name in :data:`ALIASES` is translated.
        where: the caller, for the error message (``"draw_graph"``).

    Returns:
        ``"auto"``, ``"dot"`` or ``"bundled"``.

    Raises:
        ValueError: ``renderer`` is none of those names.

    Example:
        >>> renderer_name("wasm", "draw_graph")
        'bundled'
    """
    if isinstance(renderer, str):
        name = ALIASES.get(renderer, renderer)
        if name in ("auto", *RENDERERS):
            return name
    choices = ", ".join(repr(r) for r in ("auto", *RENDERERS))
    raise ValueError(f"{where}: renderer must be one of {choices}, got {renderer!r:.60}")


def choose_renderer(fmt: str = "svg", renderer: str = "auto") -> str:
    """Decide which renderer makes ``fmt``, or explain what to install.

    Args:
        fmt: ``"svg"``, ``"png"`` or ``"pdf"``.
        renderer: ``"auto"``, ``"dot"`` or ``"bundled"``. ``"auto"`` honours the
            ``AUTOGRAD_LITE_RENDERER`` environment variable, then prefers ``dot``.

    Returns:
        ``"dot"`` or ``"bundled"``.

    Raises:
        ValueError: for an unknown format or renderer name.
        RenderError: if no installed renderer can make ``fmt``; the message says what to install.

    Example:
        >>> choose_renderer("svg") in ("dot", "bundled")
        True
    """
    fmt = _check_format(fmt)
    renderer = renderer_name(renderer, "render")
    if renderer == "auto":
        chosen = os.environ.get(ENV_VAR, "").strip().lower() or "auto"
        try:
            renderer = renderer_name(chosen, f"environment variable {ENV_VAR}")
        except ValueError:
            raise ValueError(
                f"environment variable {ENV_VAR}={os.environ[ENV_VAR]!r}: "
                f"expected one of {', '.join(RENDERERS)}"
            ) from None

    has_dot = dot_program() is not None
    if renderer == "dot" or (renderer == "auto" and has_dot):
        if not has_dot:
            raise RenderError(
                f"renderer 'dot' was asked for but `dot` is not on PATH. {_INSTALL_DOT}."
            )
        return "dot"
    if fmt == "pdf" and has_dot:
        raise RenderError(
            "the bundled renderer makes SVG and PNG, not PDF: use renderer='dot' "
            "(system Graphviz) or save as .svg or .png"
        )
    if fmt == "pdf":
        raise RenderError(
            "PDF output needs the Graphviz `dot` program, which is not on PATH (the bundled "
            f"renderer makes SVG and PNG). {_INSTALL_DOT}, or save as .svg or .png, which work "
            "without it."
        )
    if fmt == "png" and not _raster.raster_available():
        raise RenderError(
            "PNG output without the Graphviz `dot` program needs resvg, which is not installed: "
            f"`pip install resvg-py`. Or: {_INSTALL_DOT}. Or save as .svg, which works anyway."
        )
    if not bundled_available():
        raise RenderError(
            "no Graphviz renderer is available: `dot` is not on PATH and the bundled "
            f"renderer is not installed. Run {_INSTALL_BUNDLED}. Or: {_INSTALL_DOT}."
        )
    return "bundled"


def render(source: str, fmt: str = "svg", renderer: str = "auto") -> bytes:
    """Lay out and draw DOT text.

    Args:
        source: the graph in the DOT language.
        fmt: ``"svg"`` or ``"png"`` (any renderer; ``"bundled"`` paints PNG with resvg), or
            ``"pdf"`` (system ``dot`` only).
        renderer: ``"auto"``, ``"dot"`` or ``"bundled"``; see :func:`choose_renderer`.

    Returns:
        The drawing's bytes (UTF-8 XML for SVG).

    Raises:
        ValueError: for an unknown format or renderer name.
        RenderError: when no renderer can make ``fmt`` or Graphviz rejects the DOT text.

    Example:
        >>> svg = render("digraph { a -> b }", renderer="bundled")
        >>> b"<svg" in svg
        True
    """
    if not isinstance(source, str) or not source.strip():
        raise ValueError(f"render: source must be DOT text, got {source!r:.40}")
    fmt = _check_format(fmt)
    asked = renderer_name(renderer, "render")
    chosen = choose_renderer(fmt, asked)
    if chosen == "bundled":
        return _render_bundled(source, fmt)
    try:
        return _render_with_dot(source, fmt)
    except RenderError:
        # A `dot` that "auto" found may be broken (missing plugins, a stray program of that
        # name): SVG can still be drawn by the bundled one. An explicit renderer="dot" is obeyed.
        if asked != "auto" or fmt != "svg" or not bundled_available():
            raise
    return _render_svg_bundled(source)


def _render_bundled(source: str, fmt: str) -> bytes:
    svg = _render_svg_bundled(source)
    if fmt == "svg":
        return svg
    try:
        return _raster.svg_to_png(svg.decode("utf-8"))
    except _raster.RasterError as err:
        raise RenderError(str(err)) from err


def _check_format(fmt: object) -> str:
    if not isinstance(fmt, str):
        raise ValueError(
            f"format must be a str such as 'svg', got {type(fmt).__name__} {fmt!r:.40}"
        )
    fmt = fmt.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")
    return fmt


def _render_with_dot(source: str, fmt: str) -> bytes:
    import graphviz

    try:
        out: bytes = graphviz.pipe("dot", fmt, source.encode("utf-8"), quiet=True)
    except graphviz.ExecutableNotFound as err:
        raise RenderError(f"`dot` could not be run: {err}. {_INSTALL_DOT}.") from err
    except graphviz.CalledProcessError as err:
        detail = err.stderr.decode("utf-8", "replace").strip() if err.stderr else str(err)
        raise RenderError(f"Graphviz `dot` rejected the graph: {detail}") from err
    except OSError as err:  # the program exists but cannot start (no memory, no permission)
        raise RenderError(f"`dot` could not be run: {err}. {_INSTALL_DOT}.") from err
    return out


def _render_svg_bundled(source: str) -> bytes:
    program = bundled_program()
    if program is None:
        raise RenderError(
            f"the bundled renderer is not installed: run {_INSTALL_BUNDLED}. Or: {_INSTALL_DOT}."
        )
    try:
        done = subprocess.run(
            [program, "-Tsvg"],
            input=source.encode("utf-8"),
            capture_output=True,
            check=False,
        )
    except OSError as err:  # cannot start: no memory, a foreign platform's binary, no permission
        raise RenderError(
            f"the bundled renderer ({program}) could not be run: {err}. {_INSTALL_DOT}."
        ) from err
    if done.returncode != 0 or not done.stdout.lstrip().startswith(b"<"):
        detail = done.stderr.decode("utf-8", "replace").strip() or f"exit status {done.returncode}"
        raise RenderError(f"Graphviz (bundled, graphviz-pure) rejected the graph: {detail[:2000]}")
    return done.stdout
