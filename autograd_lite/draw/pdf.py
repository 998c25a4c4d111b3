"""A one-page PDF showing a drawing's PNG: what nbconvert's LaTeX export includes.

nbconvert turns every SVG output into PDF with Inkscape before a LaTeX export, unless the
output already carries ``application/pdf``; without Inkscape the export fails. A drawing's
notebook display therefore carries this PDF too. It is written here, with no PDF library: the
PNG's compressed pixel rows are copied as they are into an image XObject, and the PDF reader
undoes PNG's row filters itself (``/Predictor 15``). The PNG's four channels (red, green, blue,
alpha; resvg paints on white, so alpha is always opaque) are read through a ``DeviceN`` colour
space whose tint transform drops the alpha: no pixel is decoded or re-encoded in Python.
"""

from __future__ import annotations

import struct
from typing import Final

__all__ = ["png_to_pdf"]

_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
_CHANNELS: Final = {0: 1, 2: 3, 4: 2, 6: 4}  # PNG colour type -> samples per pixel


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    if not png.startswith(_SIGNATURE):
        raise ValueError("png_to_pdf: the data is not a PNG file (no PNG signature)")
    out = []
    at = len(_SIGNATURE)
    while at + 8 <= len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind = png[at + 4 : at + 8]
        body = png[at + 8 : at + 8 + length]
        if len(body) != length:
            raise ValueError("png_to_pdf: the PNG file is truncated")
        out.append((kind, body))
        at += 12 + length
        if kind == b"IEND":
            break
    return out


def png_to_pdf(png: bytes, width_pt: float, height_pt: float) -> bytes:
    """A one-page PDF of ``width_pt`` x ``height_pt`` points showing the PNG, page-filling.

    Args:
        png: an 8-bit, non-interlaced PNG: grey, RGB or RGBA (what resvg writes).
        width_pt, height_pt: the page size (the drawing's size; the pixels may be denser).

    Returns:
        The PDF file's bytes.

    Raises:
        ValueError: the data is no PNG, or one of a kind this writer does not copy (16-bit,
            palette or interlaced), or a page size is not positive.

    Example:
        >>> from autograd_lite.draw.raster import svg_to_png
        >>> png = svg_to_png('<svg xmlns="http://www.w3.org/2000/svg" width="10pt" '
        ...                  'height="10pt" viewBox="0 0 10 10"/>')
        >>> png_to_pdf(png, 10, 10)[:8]
        b'%PDF-1.4'
    """
    if not (width_pt > 0 and height_pt > 0):
        raise ValueError(
            f"png_to_pdf: the page size must be positive, got {width_pt} x {height_pt}"
        )
    chunks = _chunks(png)
    header = next((body for kind, body in chunks if kind == b"IHDR"), None)
    if header is None or len(header) != 13:
        raise ValueError("png_to_pdf: the PNG file has no header")
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if depth != 8 or colour not in _CHANNELS or interlace != 0:
        raise ValueError(
            "png_to_pdf: only 8-bit, non-interlaced grey, RGB or RGBA PNGs are copied, got "
            f"depth {depth}, colour type {colour}, interlace {interlace}"
        )
    pixels = b"".join(body for kind, body in chunks if kind == b"IDAT")
    channels = _CHANNELS[colour]
    if channels == 3:
        space = b"/DeviceRGB"
    elif channels == 1:
        space = b"/DeviceGray"
    else:
        # Grey+alpha or RGB+alpha: read every sample, keep the colour, drop the alpha.
        names = b"[/Grey /Alpha]" if channels == 2 else b"[/Red /Green /Blue /Alpha]"
        base = b"/DeviceGray" if channels == 2 else b"/DeviceRGB"
        space = b"[/DeviceN " + names + b" " + base + b" 6 0 R]"
    image = (
        (
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /BitsPerComponent 8 "
            b"/ColorSpace %s /Filter /FlateDecode /DecodeParms << /Predictor 15 /Colors %d "
            b"/BitsPerComponent 8 /Columns %d >> /Length %d >>\nstream\n"
            % (width, height, space, channels, width, len(pixels))
        )
        + pixels
        + b"\nendstream"
    )
    draw = b"q %.3f 0 0 %.3f 0 0 cm /Im0 Do Q" % (width_pt, height_pt)
    drop = b"{pop}"
    domain = b" ".join([b"0 1"] * channels)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.3f %.3f] "
        b"/Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>" % (width_pt, height_pt),
        image,
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(draw), draw),
        b"<< /FunctionType 4 /Domain [%s] /Range [%s] /Length %d >>\nstream\n%s\nendstream"
        % (domain, b" ".join([b"0 1"] * max(1, channels - 1)), len(drop), drop),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
