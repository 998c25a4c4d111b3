"""Drawings survive any notebook: the display bundle carries a PNG beside the SVG.

A notebook is executed for real (nbclient, a fresh kernel) with a values drawing, a network
diagram and an array view. nbconvert exports it to LaTeX on a machine without Inkscape (each
drawing's own PDF is included; the PDFs are rendered by MuPDF to see that they show it), and to
HTML with ``sanitize_html``, and also with its SanitizeHTML step, which strips SVG and styles
the way GitHub and untrusted notebooks do: a picture must remain, and Chromium must show it.
"""

from __future__ import annotations

import base64
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from autograd_lite import Value, draw_graph
from tests.test_page_browser import page, screenshots  # noqa: F401  (fixtures)

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
nbconvert = pytest.importorskip("nbconvert")
Image = pytest.importorskip("PIL.Image")

ROOT = Path(__file__).resolve().parent.parent

CELLS = [
    "from autograd_lite import MLP, Value, draw_graph",
    "x = Value(2.0, 'x'); y = (x * 3).tanh(); y.backward(); draw_graph(y)",
    "m = MLP(2, [3, 1], seed=0); loss = (m([0.5, -1.0]) - 1.0) ** 2; loss.backward()\n"
    "draw_graph(loss, view='network')",
    "from autograd_lite.learn import demo_check as dc\n"
    "r = dc.check(dc.backward_by_hand); draw_graph(r.loss, highlight=r)",
]


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    env_path = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env_path) if p)
    try:
        nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    finally:
        os.environ["PYTHONPATH"] = env_path
    path = tmp_path_factory.mktemp("display") / "drawings.ipynb"
    nbformat.write(nb, path)
    return path


def displays(path: Path) -> list[dict[str, Any]]:
    nb = nbformat.read(path, as_version=4)
    return [o for cell in nb.cells for o in cell.outputs if o.output_type == "execute_result"]


def test_each_drawing_displays_svg_and_png_and_no_html(executed: Path) -> None:
    outputs = displays(executed)
    assert len(outputs) == 3
    for output in outputs:
        assert sorted(output.data) == [
            "application/pdf",
            "image/png",
            "image/svg+xml",
            "text/plain",
        ]
        png = base64.b64decode(output.data["image/png"])
        width, height = Image.open(io.BytesIO(png)).size
        assert max(width, height) <= 1024 and min(width, height) > 50
        assert output.metadata["image/png"]["width"] > 0


def test_the_bundle_follows_include_and_exclude() -> None:
    drawing = draw_graph(Value(1.0, "x") * 2)
    data, _ = drawing._repr_mimebundle_(include=["image/png"])
    assert sorted(data) == ["image/png", "text/plain"]
    data, _ = drawing._repr_mimebundle_(exclude=["image/png"])
    assert sorted(data) == ["image/svg+xml", "text/plain"]


def test_latex_export_needs_no_inkscape(executed: Path, tmp_path: Path) -> None:
    pymupdf = pytest.importorskip("pymupdf")
    # A PATH without inkscape: nbconvert asks for it only to turn an SVG into a PDF, and every
    # drawing brings its own PDF.
    bare = tmp_path / "bin"
    bare.mkdir()
    env = {**os.environ, "PATH": str(bare) + os.pathsep + os.path.dirname(sys.executable)}
    assert shutil.which("inkscape", path=env["PATH"]) is None
    command = [sys.executable, "-m", "nbconvert", "--to", "latex", "--output-dir", str(tmp_path)]
    done = subprocess.run(
        [*command, str(executed)], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    tex = (tmp_path / "drawings.tex").read_text(encoding="utf-8")
    pictures = [line for line in tex.splitlines() if "\\adjustimage" in line]
    assert len(pictures) == 3 and all(".pdf" in line for line in pictures), pictures
    files = sorted((tmp_path / "drawings_files").glob("*.pdf"))
    assert len(files) == 3
    for file in files:  # each a page with the drawing on it: dark ink on white
        pixmap = pymupdf.open(file)[0].get_pixmap()
        samples = pixmap.samples
        assert min(samples) < 100 and max(samples) == 255


def sanitised_html(path: Path, strip_svg: bool) -> str:
    """nbconvert's HTML with ``sanitize_html``; with ``strip_svg`` also its SanitizeHTML step,
    which keeps only outputs it deems safe (PNG, JPEG, text) and bleaches HTML: no SVG left."""
    from nbconvert.preprocessors.sanitize import SanitizeHTML

    exporter = nbconvert.HTMLExporter(template_name="classic")
    exporter.sanitize_html = True
    if strip_svg:
        exporter.register_preprocessor(SanitizeHTML(), enabled=True)
    body, _ = exporter.from_filename(str(path))
    return str(body)


@pytest.mark.parametrize("strip_svg", [False, True])
def test_sanitised_html_still_shows_every_drawing(
    executed: Path,
    page: Any,  # noqa: F811
    screenshots: Path,  # noqa: F811
    strip_svg: bool,
) -> None:
    html = sanitised_html(executed, strip_svg)
    body = html.split("<body", 1)[1]
    assert "<svg" not in body and "<style" not in body  # no inline SVG or style survives
    kind = "png" if strip_svg else "svg+xml"
    assert body.count(f'src="data:image/{kind};base64,') == 3
    page.set_viewport_size({"width": 1300, "height": 900})
    # The template's scripts and fonts come from CDNs; the pictures must need neither (GitHub
    # runs no script either).
    offline = re.sub(r"<script\b.*?</script>", "", html, flags=re.DOTALL)
    offline = re.sub(r"<link[^>]*\bhref=\"https?:[^>]*>", "", offline)
    page.set_content(offline)
    shown = page.evaluate(
        """() => Array.from(document.querySelectorAll('img'))
             .filter((i) => i.src.startsWith('data:image/'))
             .map((i) => [i.naturalWidth, i.getBoundingClientRect().width])"""
    )
    assert len(shown) == 3 and all(natural > 50 and width > 50 for natural, width in shown)
    name = "sanitised_stripped" if strip_svg else "sanitised"
    page.screenshot(path=str(screenshots / f"{name}_notebook.png"), full_page=True)
