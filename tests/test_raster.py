"""autograd_lite.draw.raster: PNG painted in-process, checked by decoding the pixels."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from autograd_lite import Value, check_gradients, draw_graph
from autograd_lite.draw import raster
from autograd_lite.draw import render as R

SQUARE = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="72pt" height="36pt" viewBox="0 0 72 36">'
    '<rect x="0" y="0" width="36" height="36" fill="#ff0000"/></svg>'
)


def _image(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image.convert("RGB")


def test_points_become_pixels_at_the_scale_and_the_drawing_fills_them() -> None:
    image = _image(raster.svg_to_png(SQUARE, scale=1.0))
    assert image.size == (96, 48)  # 72 pt = 1 inch = 96 px
    assert image.getpixel((10, 10)) == (255, 0, 0)  # the left half is the red square
    assert image.getpixel((80, 10)) == (255, 255, 255)  # the rest is the white background
    assert _image(raster.svg_to_png(SQUARE)).size == (192, 96)  # default: twice as sharp


def test_a_huge_drawing_is_scaled_down_to_max_side(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(raster, "MAX_SIDE", 300)
    huge = SQUARE.replace('width="72pt" height="36pt"', 'width="7200pt" height="3600pt"')
    image = _image(raster.svg_to_png(huge))
    assert image.size == (300, 150)
    assert image.getpixel((10, 10)) == (255, 0, 0)


def test_svg_size_reads_points_and_pixels() -> None:
    assert raster.svg_size(SQUARE) == (72.0, 36.0)
    assert raster.svg_size('<svg width="96px" height="48">') == (72.0, 48.0)
    with pytest.raises(ValueError, match="width and a height"):
        raster.svg_size("<svg></svg>")


@pytest.mark.parametrize("scale", [0, -1.0, True, "2"])
def test_a_bad_scale_is_refused(scale: object) -> None:
    with pytest.raises(ValueError, match="scale must be a positive number"):
        raster.svg_to_png(SQUARE, scale=scale)  # type: ignore[arg-type]


def test_save_png_without_dot_paints_the_graph(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(R, "dot_program", lambda: None)
    monkeypatch.delenv(R.ENV_VAR, raising=False)
    x, w = Value(2.0, "x"), Value(-3.0, "w")
    y = (x * w + 1.0).tanh()
    y.backward()
    drawing = draw_graph(y)
    out = drawing.save(tmp_path / "neuron.png")
    image = _image(out.read_bytes())
    width, height = raster.svg_size(drawing.svg())
    assert image.size == (round(width * 96 / 72 * 2), round(height * 96 / 72 * 2))
    colours = image.getcolors(maxcolors=1 << 20)
    assert colours is not None
    dark = sum(n for n, (r, g, b) in colours if r + g + b < 200)
    white = sum(n for n, rgb in colours if rgb == (255, 255, 255))
    assert white > 0.6 * width * height  # a white page...
    assert dark > 500  # ...with lines and text drawn on it


def test_a_wrong_entry_is_red_in_the_png(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(R, "dot_program", lambda: None)
    monkeypatch.delenv(R.ENV_VAR, raising=False)
    report = check_gradients(lambda x: x * x, {"x": 3.0}, {"x": 5.0})
    image = _image(draw_graph(report.loss, highlight=report).pipe("png"))
    colours = image.getcolors(maxcolors=1 << 20)
    assert colours is not None
    assert any(rgb == (0xF6, 0xB0, 0xB0) for _, rgb in colours)  # the WRONG fill colour
