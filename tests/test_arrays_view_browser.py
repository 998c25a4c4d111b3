"""The array view and the network diagram in headless Chromium, light and dark, at their own size.

Each drawing is shown inline at its default size (no zoom) on a light and on a dark page, and
screenshotted (into ``$AUTOGRAD_LITE_SCREENSHOTS`` when set, to be looked at). The browser's
own layout is then held to what "readable at first sight" means here: the drawing fits (the
check drawing 1600 px wide at most, the network 960 x 540), every word is in one font family
and at least 11 px, the red and green cells are the report's WRONG and ok entries, and every
weight line has its weight's colour. The drawing keeps its white card on a dark page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from autograd_lite import MLP, Layer, Module, Value, check_gradients, draw_graph
from autograd_lite.draw.svgkit import NEGATIVE, POSITIVE
from autograd_lite.learn import demo_check as dc
from autograd_lite.learn.exercises import batchnorm_mlp
from tests.test_page_browser import page, screenshots  # noqa: F401  (fixtures)

PAGES = {
    "light": "<!DOCTYPE html><html><body style='margin:16px;background:#ffffff'>{}</body></html>",
    "dark": "<!DOCTYPE html><html><body style='margin:16px;background:#111111;color:#e8e8e8'>"
    "{}</body></html>",
}

MEASURE = """() => {
  const svg = document.querySelector('svg');
  const box = svg.getBoundingClientRect();
  const texts = Array.from(svg.querySelectorAll('text'));
  const families = new Set(texts.map((t) => getComputedStyle(t).fontFamily));
  const sizes = texts.map((t) => parseFloat(getComputedStyle(t).fontSize));
  const cells = {};
  for (const r of svg.querySelectorAll('rect.cell')) {
    const kind = Array.from(r.classList).find((c) => c.startsWith('verdict-')) || 'value';
    const tip = r.querySelector('title').textContent;
    const run = tip.match(/: (\\d+) entries/);
    cells[kind] = (cells[kind] || 0) + (run ? Number(run[1]) : 1);
  }
  const lines = Array.from(svg.querySelectorAll('g.edge')).map((g) => [
    g.dataset.sign, getComputedStyle(g.querySelector('line')).stroke]);
  const card = svg.querySelector('rect').getAttribute('fill');
  return {width: box.width, height: box.height, families: Array.from(families),
          smallest: Math.min(...sizes), cells, lines, card};
}"""


def show(tab: Any, svg: str, theme: str, name: str, folder: Path) -> dict[str, Any]:
    tab.set_viewport_size({"width": 1700, "height": 1000})
    tab.set_content(PAGES[theme].format(svg[svg.index("<svg") :]))
    tab.screenshot(path=str(folder / f"{name}_{theme}.png"), full_page=True)
    measured: dict[str, Any] = tab.evaluate(MEASURE)
    assert len(measured["families"]) == 1, measured["families"]
    assert "DejaVu Sans" in measured["families"][0]
    assert measured["smallest"] >= 11
    assert measured["card"] == "#ffffff"  # a white card on a dark page too
    return measured


def report_cells(report: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for e in report.entries:
        key = "verdict-" + e.verdict.lower()
        counts[key] = counts.get(key, 0) + 1
    return counts


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_demos_check_drawing(page: Any, screenshots: Path, theme: str) -> None:  # noqa: F811
    report = dc.check(dc.backward_by_hand)
    svg = draw_graph(report.loss, highlight=report).svg()
    measured = show(page, svg, theme, "demo_check_arrays", screenshots)
    assert measured["width"] <= 1600  # the graph of scalars was 10,194 px wide
    assert measured["cells"] == report_cells(report)
    assert measured["cells"]["verdict-wrong"] == len(report.mismatches) == 14


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_batch_norm_mlp_report(page: Any, screenshots: Path, theme: str) -> None:  # noqa: F811
    ex = batchnorm_mlp(batch=8, hidden=16, bug="bessel")
    report = check_gradients(ex.loss_fn, ex.inputs, ex.gradients)
    svg = draw_graph(report.loss, highlight=report).svg()
    measured = show(page, svg, theme, "batchnorm_arrays", screenshots)
    assert measured["width"] <= 1600
    assert measured["cells"] == report_cells(report)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_mlp_2_16_16_1_network_diagram(page: Any, screenshots: Path, theme: str) -> None:  # noqa: F811
    model = MLP(2, [16, 16, 1], seed=0)
    loss = (model([Value(0.5, "x.0"), Value(-1.0, "x.1")]) - 1.0) ** 2  # type: ignore[operator]
    loss.label = "loss"
    loss.backward()
    measured = show(page, draw_graph(loss, view="network").svg(), theme, "mlp_network", screenshots)
    assert (measured["width"], measured["height"]) == (960, 540)
    colours = {"+": "rgb(232, 113, 10)", "-": "rgb(25, 103, 210)"}
    assert (POSITIVE, NEGATIVE) == ("#e8710a", "#1967d2")
    assert len(measured["lines"]) == 304
    assert all(stroke == colours[sign] for sign, stroke in measured["lines"])


class Net(Module):
    def __init__(self) -> None:
        self.encoder = Layer(2, 4, seed=1)
        self.hidden = Layer(4, 3, activation="tanh", seed=2)
        self.head = Layer(3, 1, activation="linear", seed=3)

    def forward(self, x: list[float]) -> Value:
        out = self.head(self.hidden(self.encoder(x)))
        return out[0] if isinstance(out, list) else out


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_custom_module(page: Any, screenshots: Path, theme: str) -> None:  # noqa: F811
    net = Net()
    loss = sum(((net([0.3 * k, -0.2 * k]) - 1.0) ** 2 for k in (1, 2, 3)), Value(0.0))
    loss.label = "loss"
    loss.backward()
    measured = show(
        page, draw_graph(loss, view="network").svg(), theme, "custom_module", screenshots
    )
    assert (measured["width"], measured["height"]) == (960, 540)
    assert len(measured["lines"]) == 2 * 4 + 4 * 3 + 3
    heads = page.evaluate(
        "() => Array.from(document.querySelectorAll('text.layer-label')).map((t) => t.textContent)"
    )
    assert heads[2::2] == ["encoder", "hidden", "head", "loss"]
