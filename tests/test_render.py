"""autograd_lite.draw.render: picking a renderer, both paths, and errors naming what to install."""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from pathlib import Path

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


# ---------------------------------------------------------------- the bundled renderer


def test_bundled_renders_svg_with_every_label() -> None:
    svg = render(SMALL, renderer="bundled")
    assert svg.startswith(b"<?xml")
    assert _svg_texts(svg) == ["alpha", "beta"]


def test_auto_falls_back_to_bundled_without_dot(
    no_dot: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = R._render_svg_bundled

    def spy(source: str) -> bytes:
        calls.append(source)
        return real(source)

    monkeypatch.setattr(R, "_render_svg_bundled", spy)
    assert choose_renderer("svg") == "bundled"
    svg = render(SMALL)
    assert calls == [SMALL]
    assert "alpha" in _svg_texts(svg)


def test_bundled_reports_bad_dot_text() -> None:
    with pytest.raises(RenderError, match="bundled"):
        render("digraph { a -> ", renderer="bundled")
    # and the shared instance still works afterwards
    assert b"<svg" in render(SMALL, renderer="bundled")


def test_bundled_is_safe_from_several_threads() -> None:
    results: list[bytes] = []
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            results.append(render(f'digraph {{ n{i} [label="t{i}"] }}', renderer="bundled"))
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
    assert "alpha" in _svg_texts(render(SMALL))  # drawn by the bundled renderer instead
    with pytest.raises(RenderError, match="not recognized"):
        render(SMALL, renderer="dot")  # an explicit choice is obeyed
    with pytest.raises(RenderError, match="not recognized"):
        render(SMALL, fmt="png")  # only SVG has a fallback


def test_environment_variable_overrides_auto(
    fake_dot: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(R.ENV_VAR, "bundled")
    assert choose_renderer("svg") == "bundled"
    assert choose_renderer("svg", renderer="dot") == "dot"  # an explicit choice wins
    monkeypatch.setenv(R.ENV_VAR, "graphviz-please")
    with pytest.raises(ValueError, match=R.ENV_VAR):
        choose_renderer("svg")


def test_unknown_format_or_renderer_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown format 'jpeg'"):
        render(SMALL, fmt="jpeg")
    with pytest.raises(
        ValueError, match="renderer must be one of 'auto', 'dot', 'bundled', got 'cairo'"
    ):
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


def test_explicit_bundled_pdf_says_svg_and_png_only(fake_dot: None) -> None:
    with pytest.raises(RenderError, match="SVG and PNG, not PDF"):
        render(SMALL, fmt="pdf", renderer="bundled")
    assert render(SMALL, fmt="png", renderer="bundled").startswith(b"\x89PNG")


def test_explicit_dot_without_dot(no_dot: None) -> None:
    with pytest.raises(RenderError, match="not on PATH"):
        render(SMALL, renderer="dot")


def test_nothing_installed_names_both_options(
    no_dot: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(R, "bundled_available", lambda: False)
    assert available_renderers() == []
    with pytest.raises(RenderError) as info:
        render(SMALL)
    assert "pip install graphviz-pure" in str(info.value)
    assert "apt-get install graphviz" in str(info.value)


def test_bundled_that_cannot_start_says_what_to_install(
    no_dot: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    not_a_program = tmp_path / "graphviz-pure"
    not_a_program.write_bytes(b"\x00 not an executable")  # no execute bit: cannot start
    monkeypatch.setattr(R, "bundled_program", lambda: str(not_a_program))
    with pytest.raises(RenderError, match="could not be run") as info:
        render(SMALL)
    assert "apt-get install graphviz" in str(info.value)


def test_bundled_fallback_is_installed() -> None:
    # It is a runtime dependency: a pip-only install must be able to draw.
    assert R.bundled_available()
    assert "bundled" in available_renderers()


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
    assert _svg_texts(render(source, renderer="dot")) == _svg_texts(
        render(source, renderer="bundled")
    )


# ---------------------------------------------------------------- trust (issue 21)

_CHILD_DRAWS = """
import os, sys
opened = []
watched = sys.argv[1]
def hook(event, args):
    if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.fsdecode(args[0])
        if path.startswith(watched):
            opened.append(path)
sys.addaudithook(hook)
from autograd_lite import Value, draw_graph
x, w = Value(2.0, "x"), Value(-3.0, "w")
y = (x * w).tanh()
y.backward()
svg = draw_graph(y, renderer="wasm").svg()  # the old name still means the bundled renderer
assert "tanh" in svg
print(repr(opened))
"""


def _child_env(home: Path) -> dict[str, str]:
    import os

    env = dict(os.environ)
    env.update(
        HOME=str(home),
        XDG_CACHE_HOME=str(home / "xdg"),
        AUTOGRAD_LITE_CACHE_DIR=str(home / "shared-cache"),
    )
    env.pop(R.ENV_VAR, None)
    return env


def test_drawing_reads_and_writes_nothing_in_cache_or_home_folders(tmp_path: Path) -> None:
    # Regression (issue 21, findings 2, 4, 13): the WebAssembly renderer cached machine code in
    # ~/.cache or $AUTOGRAD_LITE_CACHE_DIR, wrote it through a symlink planted there, loaded a
    # planted module with a recomputed digest, and hung on a FIFO at that path. The bundled
    # renderer runs the installed program and touches no cache at all.
    import os
    import subprocess
    import sys

    home = tmp_path / "home"
    cache = home / "shared-cache"
    cache.mkdir(parents=True)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    os.symlink(victim, cache / "graphviz-planted.cwasm")
    os.mkfifo(cache / "graphviz-fifo.cwasm")
    before = sorted(p.name for p in cache.iterdir())
    done = subprocess.run(
        [sys.executable, "-c", _CHILD_DRAWS, str(home)],
        env=_child_env(home),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"  # no file under HOME or the cache folder was opened
    assert victim.read_text() == "precious"
    assert sorted(p.name for p in cache.iterdir()) == before
    assert not (home / "xdg").exists()


def test_drawing_under_a_3_gib_address_space_limit_draws() -> None:
    # Regression (issue 21, finding 13): under `ulimit -v 3G` wasmtime could not reserve its
    # memory and drawing raised a raw WasmtimeError.
    import subprocess
    import sys

    child = (
        "import resource; resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))\n"
        "from autograd_lite.draw.render import render\n"
        "print(render('digraph { a -> b }', renderer='wasm')[:5].decode())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", child], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "<?xml"


def test_a_format_that_is_not_a_string_is_a_value_error() -> None:
    # Regression (issue 21, finding 14): save(format=5) and pipe(None) raised AttributeError.
    from autograd_lite import Value, draw_graph

    drawing = draw_graph(Value(1.0, "x") * 2)
    with pytest.raises(ValueError, match="format must be a str"):
        drawing.save("graph.svg", format=5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="format must be a str"):
        drawing.pipe(None)  # type: ignore[arg-type]
    assert not Path("graph.svg").exists()
