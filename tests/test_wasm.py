"""autograd_lite.draw.wasm: the compiled module cached on disk, damaged caches, deep graphs."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograd_lite import Value, draw_graph
from autograd_lite.draw import GraphTooLargeError
from autograd_lite.draw.render import RenderError, render
from autograd_lite.draw.wasm import CACHE_ENV_VAR, WasmGraphviz, cache_directory

SMALL = 'digraph G { a [label="alpha"]; b [label="beta"]; a -> b }'


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache folder holding a compiled module (compiled once for this module's tests)."""
    folder = tmp_path_factory.mktemp("wasm-cache")
    first = WasmGraphviz(folder)
    assert not first.loaded_from_cache
    assert first.cache_file is not None and first.cache_file.exists()
    return folder


def test_a_new_instance_loads_the_cached_module_and_draws_the_same(warm_cache: Path) -> None:
    again = WasmGraphviz(warm_cache)
    assert again.loaded_from_cache
    assert again.render_svg(SMALL) == WasmGraphviz(None).render_svg(SMALL)
    assert [p.name for p in warm_cache.iterdir()] == [again.cache_file.name]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "damage",
    [
        lambda blob: blob[: len(blob) // 2],  # torn write
        lambda blob: blob[:100] + bytes([blob[100] ^ 0xFF]) + blob[101:],  # one flipped byte
        lambda blob: b"",  # empty file
    ],
    ids=["truncated", "flipped-byte", "empty"],
)
def test_a_damaged_cache_is_ignored_and_rewritten(
    warm_cache: Path, tmp_path: Path, damage: object
) -> None:
    source = next(warm_cache.iterdir())
    target = tmp_path / source.name
    target.write_bytes(damage(source.read_bytes()))  # type: ignore[operator]
    renderer = WasmGraphviz(tmp_path)
    assert not renderer.loaded_from_cache
    assert b"alpha" in renderer.render_svg(SMALL)
    assert target.read_bytes() == source.read_bytes() or WasmGraphviz(tmp_path).loaded_from_cache


def test_a_cache_with_a_valid_digest_but_foreign_bytes_is_rebuilt(
    warm_cache: Path, tmp_path: Path
) -> None:
    import hashlib

    name = next(warm_cache.iterdir()).name
    body = b"not a compiled module" * 10
    (tmp_path / name).write_bytes(hashlib.sha256(body).digest() + body)
    renderer = WasmGraphviz(tmp_path)
    assert not renderer.loaded_from_cache
    assert b"beta" in renderer.render_svg(SMALL)
    assert WasmGraphviz(tmp_path).loaded_from_cache


def test_an_unwritable_cache_folder_only_costs_time(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    renderer = WasmGraphviz(blocker / "cache")
    assert b"alpha" in renderer.render_svg(SMALL)
    assert blocker.read_text() == "a file where the cache folder should be"


def test_cache_directory_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "mine"))
    assert cache_directory() == tmp_path / "mine"
    monkeypatch.setenv(CACHE_ENV_VAR, "")
    assert cache_directory() is None
    monkeypatch.delenv(CACHE_ENV_VAR)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_directory() == tmp_path / "xdg" / "autograd_lite"


def _chain(links: int) -> Value:
    y = Value(1.0, "x")
    for i in range(links):
        y = y * 1.0001 if i % 2 else y + 0.5
    return y


def test_a_10000_link_chain_is_refused_by_max_nodes_with_advice() -> None:
    with pytest.raises(GraphTooLargeError, match=r"max_nodes=500.*max_nodes=None"):
        draw_graph(_chain(10_000))


def test_too_deep_for_the_wasm_stack_is_a_render_error_with_advice_not_a_trap() -> None:
    drawing = draw_graph(_chain(10_000), max_nodes=None, renderer="wasm")
    with pytest.raises(RenderError, match=r"nested too deeply.*call stack.*smaller piece.*dot"):
        drawing.svg()
    assert b"alpha" in render(SMALL, renderer="wasm")  # the shared instance was replaced
