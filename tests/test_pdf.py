"""autograd_lite.draw.pdf: a one-page PDF of a PNG, rendered back by MuPDF pixel for pixel."""

from __future__ import annotations

import io
import struct
import zlib

import pytest

from autograd_lite import MLP, Value, draw_graph
from autograd_lite.draw.pdf import png_to_pdf

pymupdf = pytest.importorskip("pymupdf")
Image = pytest.importorskip("PIL.Image")


def rendered(pdf: bytes, size: tuple[int, int]) -> list[tuple[int, ...]]:
    page = pymupdf.open(stream=pdf, filetype="pdf")[0]
    zoom = size[0] / page.rect.width
    pixmap = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom))
    assert (pixmap.width, pixmap.height) == size
    return list(Image.open(io.BytesIO(pixmap.tobytes("png"))).convert("RGB").getdata())


def test_a_drawings_pdf_shows_exactly_its_png() -> None:
    model = MLP(2, [4, 1], seed=0)
    loss = (model([Value(0.5, "x.0"), Value(-1.0, "x.1")]) - 1.0) ** 2  # type: ignore[operator]
    loss.backward()
    drawing = draw_graph(loss, view="network")
    png = drawing.png()
    image = Image.open(io.BytesIO(png)).convert("RGB")
    pdf = drawing.pipe("pdf")
    page = pymupdf.open(stream=pdf, filetype="pdf")[0]
    assert (page.rect.width, page.rect.height) == (720, 405)  # 960 x 540 px in points
    assert rendered(pdf, image.size) == list(image.getdata())


def _png(width: int, height: int, colour: int, rows: list[bytes]) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    data = zlib.compress(b"".join(b"\x00" + row for row in rows))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("colour", "pixel", "rgb"),
    [
        (2, b"\xff\x00\x00", (255, 0, 0)),
        (0, b"\x80", (128, 128, 128)),
        (6, b"\x00\x00\xff\xff", (0, 0, 255)),
    ],
)
def test_grey_rgb_and_rgba_pngs_are_copied(
    colour: int, pixel: bytes, rgb: tuple[int, int, int]
) -> None:
    png = _png(3, 2, colour, [pixel * 3, pixel * 3])
    assert set(rendered(png_to_pdf(png, 30, 20), (3, 2))) == {rgb}


def test_what_it_cannot_copy_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="not a PNG"):
        png_to_pdf(b"GIF89a", 10, 10)
    sixteen = _png(1, 1, 2, [b"\x00" * 6]).replace(b"\x08\x02", b"\x10\x02", 1)
    with pytest.raises(ValueError, match="only 8-bit"):
        png_to_pdf(sixteen, 10, 10)
    with pytest.raises(ValueError, match="positive"):
        png_to_pdf(_png(1, 1, 0, [b"\x00"]), 0, 10)
