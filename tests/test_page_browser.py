"""The interactive page and the notebook HTML in a real browser: Debian's chromium, headless.

Driven by playwright (``pip install playwright``; no browser download: it starts
``/usr/bin/chromium``). One browser serves the whole module. Without chromium these tests are
skipped on a developer's machine; under ``CI=true``, and wherever chromium exists, a browser
that cannot be started fails them. Screenshots of the dark-theme checks are written to
``$AUTOGRAD_LITE_SCREENSHOTS`` (default: pytest's temporary folder) for a person to look at.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autograd_lite import MLP, Value, check_gradients, draw_graph, explain
from autograd_lite.draw.page import fit_to_width


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1200, "height": 700})
    tab = context.new_page()
    tab.set_default_timeout(5000)
    errors: list[str] = []
    tab.on("pageerror", lambda err: errors.append(str(err)))
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    requests: list[str] = []
    tab.on("request", lambda request: requests.append(request.url))
    yield tab
    context.close()
    assert errors == [], f"the page reported errors: {errors}"
    fetched = [u for u in requests if not u.startswith(("file:", "data:", "about:"))]
    assert fetched == [], f"the page fetched from the network: {fetched}"


def fmt(x: float) -> str:
    return "0" if x == 0 else format(x, ".4g")


def reused_neuron() -> tuple[Value, Value, Value]:
    """y = tanh(x*w + x): x is used twice, so its grad is a sum of two contributions."""
    x, w = Value(2.0, "x"), Value(-0.3, "w")
    y = (x * w + x).tanh()
    y.label = "y"
    y.backward()
    return x, w, y


def open_page(page: Any, tmp_path: Path, drawing: Any, *, whole: bool = True) -> None:
    """Open the drawing's page; ``whole``: press fit, so that every node is on screen to click.

    The page opens zoomed to a readable size, which for most graphs here shows a part.
    """
    path = drawing.save(tmp_path / "graph.html")
    page.goto(path.resolve().as_uri())
    if whole:
        page.click("#fit")


# ---------------------------------------------------------------- clicking a node


def test_clicking_a_node_shows_its_numbers_chain_rule_and_paths(page: Any, tmp_path: Path) -> None:
    x, w, y = reused_neuron()
    open_page(page, tmp_path, draw_graph(y, edge_labels=True))
    page.click("#v0")  # x
    info = page.locator("#info")
    assert info.locator("h2").inner_text() == "x"
    assert info.locator(".data").inner_text() == "2"
    assert info.locator(".grad").inner_text() == fmt(x.grad)
    chain = info.locator(".sum").inner_text()
    assert chain.startswith("dy/dx = dy/dn2 * dn2/dx + dy/dn3 * dn3/dx")
    n2_grad = (1 - y.data**2) * 1.0  # d y / d(x*w) = tanh' * 1
    assert f"({fmt(n2_grad)})({fmt(w.data)}) + ({fmt(n2_grad)})(1)" in chain
    assert chain.endswith(f"= {fmt(x.grad)}")
    # its paths to the output are highlighted, the other input is not
    for element in ("v0", "v2", "v3", "v4", "op2", "op4", "v0-op2", "op4-v4"):
        assert "on-path" in (page.get_attribute(f"#{element}", "class") or ""), element
    assert "on-path" not in (page.get_attribute("#v1", "class") or "")


def test_clicking_an_operation_shows_each_inputs_local_derivative_and_contribution(
    page: Any, tmp_path: Path
) -> None:
    x, w, y = reused_neuron()
    open_page(page, tmp_path, draw_graph(y))
    page.click("#op2")  # x * w
    rows = page.locator("#info tr.input")
    assert rows.count() == 2
    n2_grad = 1 - y.data**2
    assert rows.nth(0).inner_text().split("\t") == ["x", fmt(w.data), fmt(n2_grad * w.data)]
    assert rows.nth(1).inner_text().split("\t") == ["w", fmt(x.data), fmt(n2_grad * x.data)]


def test_hover_shows_a_tip_and_clicking_empty_space_clears(page: Any, tmp_path: Path) -> None:
    x, _, y = reused_neuron()
    open_page(page, tmp_path, draw_graph(y))
    page.hover("#v0")
    assert page.locator("#tip").inner_text() == f"x: data 2, grad {fmt(x.grad)}"
    page.click("#v0")
    page.mouse.click(5, 690)
    assert "dimmed" not in (page.get_attribute("#view > svg", "class") or "")


# ---------------------------------------------------------------- stepping through


def test_step_through_forward_then_backward(page: Any, tmp_path: Path) -> None:
    x, w, y = reused_neuron()
    open_page(page, tmp_path, draw_graph(y))
    step = page.locator("#step-text")
    assert step.inner_text().startswith("done:")  # opens on the finished graph
    page.click("#first")
    assert step.inner_text().startswith("start")
    assert page.locator("#v0 text").nth(1).text_content() == "data ?"
    page.click("#next")
    assert step.inner_text() == "forward 1/5: x = 2 (leaf)"
    assert page.locator("#v0 text").nth(1).text_content() == "data 2"
    assert page.locator("#v4 text").nth(1).text_content() == "data ?"
    for _ in range(2):
        page.click("#next")
    assert step.inner_text() == f"forward 3/5: n2 = x * w = {fmt(x.data * w.data)}"
    for _ in range(3):
        page.click("#next")
    assert step.inner_text() == "backward: dy/dy = 1 (seed)"
    assert page.locator("#v4 text").nth(2).text_content() == "grad 1"
    assert page.locator("#v0 text").nth(2).text_content() == "grad ?"
    page.click("#next")  # tanh hands its grad to n3
    page.click("#next")  # n3 = n2 + x: x gets its first contribution
    first = 1 - y.data**2
    assert f"x.grad += {fmt(first)} × 1 = {fmt(first)} (now {fmt(first)})" in step.inner_text()
    assert page.locator("#v0 text").nth(2).text_content() == f"grad {fmt(first)}"
    page.click("#next")  # n2 = x * w: the second contribution completes the sum
    text = step.inner_text()
    assert text.startswith("done: backward 3/3: n2 passes grad")
    assert f"(now {fmt(x.grad)})" in text
    assert page.locator("#v0 text").nth(2).text_content() == f"grad {fmt(x.grad)}"
    page.click("#prev")
    assert page.locator("#v0 text").nth(2).text_content() == f"grad {fmt(first)}"


def test_slider_and_play(page: Any, tmp_path: Path) -> None:
    *_, y = reused_neuron()
    open_page(page, tmp_path, draw_graph(y))
    slider = page.locator("#slider")
    assert slider.get_attribute("max") == "9"  # 5 forward, the seed, 3 backward
    slider.evaluate("el => { el.value = 2; el.dispatchEvent(new Event('input')); }")
    assert page.locator("#step-text").inner_text() == "forward 2/5: w = -0.3 (leaf)"
    page.click("#play")
    page.wait_for_function("Number(document.getElementById('slider').value) >= 3", timeout=3000)
    page.click("#play")  # pause
    assert page.locator("#play").inner_text() == "play"


def test_pan_and_zoom_change_the_view_and_fit_restores_it(page: Any, tmp_path: Path) -> None:
    *_, y = reused_neuron()
    open_page(page, tmp_path, draw_graph(y))

    def view_box() -> list[float]:
        return [float(v) for v in page.get_attribute("#view > svg", "viewBox").split()]

    start = [float(v) for v in page.get_attribute("#view > svg", "data-whole").split()]
    assert view_box() == start  # open_page pressed fit
    page.mouse.move(400, 350)
    page.mouse.wheel(0, -400)  # zoom in
    zoomed = view_box()
    assert zoomed[2] < start[2] * 0.9
    page.mouse.move(400, 200)
    page.mouse.down()
    page.mouse.move(500, 250, steps=4)
    page.mouse.up()
    assert view_box()[0] < zoomed[0]  # dragged right: the view moved left
    page.click("#fit")
    assert view_box() == start


# ---------------------------------------------------------------- a check report


def test_a_reports_wrong_entry_shows_expected_and_reference_on_hover(
    page: Any, tmp_path: Path
) -> None:
    report = check_gradients(
        lambda x, w: (x * w).tanh(), {"x": 0.5, "w": -1.0}, {"x": 1.0, "w": 0.3}
    )
    entries = {e.name: e for e in report.entries}
    open_page(page, tmp_path, draw_graph(report.loss, highlight=report))
    wrong = [n for n in ("x", "w") if entries[n].verdict == "WRONG"]
    assert wrong
    for name in wrong:
        element = page.locator("g.node.wrong", has_text=name).first
        element.hover()
        tip = page.locator("#tip").inner_text()
        expected, reference = entries[name].expected, entries[name].engine
        assert tip == f"{name}: WRONG, expected {fmt(expected)}, reference {fmt(reference)}"  # type: ignore[arg-type]


# ---------------------------------------------------------------- network view and Jupyter


def test_network_view_click_a_neuron_lists_its_weights(page: Any, tmp_path: Path) -> None:
    model = MLP(2, [3, 1], seed=0)
    loss = (model([0.5, -1.0]) - 1.0) ** 2  # type: ignore[operator]
    loss.backward()
    open_page(page, tmp_path, draw_graph(loss, view="network"))
    page.click("#n_L0_N1")
    # the way to the loss lights up: the neuron and what its output feeds, not its inputs
    assert "on-path" in (page.get_attribute("#n_L1_N0", "class") or "")
    assert "on-path" not in (page.get_attribute("#n_L0_N0", "class") or "")
    forward_edges = page.locator("g.edge[id^='e_n_L0_N1_n_L1_N0_']")
    for k in range(forward_edges.count()):
        assert "on-path" in (forward_edges.nth(k).get_attribute("class") or "")
    names = page.locator("#info h2").all_inner_texts()
    assert names[:2] == ["layers.0.neurons.1.w.0", "layers.0.neurons.1.w.1"]
    assert "layers.0.neurons.1.b" in names


def test_the_notebook_frame_is_the_same_page(page: Any) -> None:
    *_, y = reused_neuron()
    frame_html = draw_graph(y).interactive()._repr_html_()
    page.set_content(f"<!DOCTYPE html><html><body>{frame_html}</body></html>")
    frame = page.frame_locator("iframe")
    frame.locator("#fit").click()
    frame.locator("#v1").click()
    assert frame.locator("#info h2").inner_text() == "w"


def test_a_drawing_fits_the_notebook_width_and_a_click_shows_full_size(page: Any) -> None:
    model = MLP(2, [4, 4, 1], seed=0)
    loss = (model([0.5, -1.0]) - 1.0) ** 2  # type: ignore[operator]
    loss.backward()
    html = fit_to_width(draw_graph(loss, max_nodes=None).svg())
    page.set_viewport_size({"width": 800, "height": 600})
    page.set_content(f'<!DOCTYPE html><html><body style="width:700px">{html}</body></html>')
    fitted = page.locator(".agl-fit svg").bounding_box()
    assert fitted["width"] <= 700
    assert page.evaluate("document.documentElement.scrollWidth") <= 800  # no sideways scroll
    page.click(".agl-fit label")
    assert page.locator(".agl-fit svg").bounding_box()["width"] > 700


# ---------------------------------------------------------------- dark themes

# Text in a dark JupyterLab or VS Code theme: light text on a dark page, unless set.
DARK_PAGE = (
    "<!DOCTYPE html><html><body style='background:#111111;color:#e8e8e8;"
    "font-family:sans-serif;padding:12px'>{}</body></html>"
)

LOW_CONTRAST = """() => {
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = (c) => {
    const f = (v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const bad = [];
  for (const el of document.querySelectorAll("body *")) {
    if (["STYLE", "SCRIPT"].includes(el.tagName) || el.closest("svg")) continue;
    const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const text = el.textContent.trim().slice(0, 40);
    if (ratio < 4.5) bad.push(el.tagName + ": " + text + " " + ratio.toFixed(2));
  }
  return bad;
}"""


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("AUTOGRAD_LITE_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_report_explain_and_drawing_are_readable_in_a_dark_theme(
    page: Any, screenshots: Path
) -> None:
    # a WRONG row and a kink row, each coloured
    report = check_gradients(
        lambda x, w: (x * w).relu(), {"x": 0.5, "w": 0.0}, {"x": 1.0, "w": 0.5}
    )
    x, w, y = reused_neuron()
    y2 = (x * x).relu() + (w * 0.0).relu()  # a kink note in explain
    parts = [report._repr_html_(), explain(y2)._repr_html_(), fit_to_width(draw_graph(y).svg())]
    page.set_content(DARK_PAGE.format("<hr>".join(parts)))
    page.screenshot(path=str(screenshots / "dark_theme.png"), full_page=True)
    assert page.evaluate(LOW_CONTRAST) == []
    # the drawing keeps its white card behind black text
    card = page.evaluate("getComputedStyle(document.querySelector('.agl-fit')).backgroundColor")
    assert card == "rgb(255, 255, 255)"


# ---------------------------------------------------------------- hostile labels


@pytest.mark.parametrize("label", ["<!--<script>", "</script><script>", "<!--", "]]>&<>"])
def test_a_label_that_opens_a_script_comment_leaves_clicking_and_stepping_working(
    page: Any, tmp_path: Path, label: str
) -> None:
    x = Value(2.0, label)
    y = (x * 3).tanh()
    y.backward()
    open_page(page, tmp_path, draw_graph(y))
    page.click("#v0")
    assert page.locator("#info h2").inner_text() == label
    page.click("#first")
    assert page.locator("#step-text").inner_text().startswith("start")
    page.click("#next")
    assert page.locator("#step-text").inner_text() == f"forward 1/4: {label} = 2 (leaf)"


# ---------------------------------------------------------------- issue 23: the page fixed

RED = "rgb(198, 40, 40)"


def one_wrong_one_ok() -> Any:
    """A report on tanh(x*w): x's gradient right, w's wrong."""
    local = 1 - math.tanh(-0.5) ** 2
    report = check_gradients(
        lambda x, w: (x * w).tanh(), {"x": 0.5, "w": -1.0}, {"x": -local, "w": 0.3}
    )
    assert {e.name: e.verdict for e in report.entries} == {"x": "ok", "w": "WRONG"}
    return report


def box_of(page: Any, name: str) -> Any:
    return page.locator("g.node", has=page.locator("text", has_text=name)).first


def test_only_wrong_entries_get_the_red_outline(page: Any, tmp_path: Path) -> None:
    report = one_wrong_one_ok()
    open_page(page, tmp_path, draw_graph(report.loss, highlight=report))
    stroke = "el => getComputedStyle(el.querySelector('polygon')).stroke"
    wrong, ok = box_of(page, "w"), box_of(page, "x")
    assert "wrong" in (wrong.get_attribute("class") or "")
    assert wrong.evaluate(stroke) == RED
    assert "wrong" not in (ok.get_attribute("class") or "")
    assert "verdict-ok" in (ok.get_attribute("class") or "")
    assert ok.evaluate(stroke) != RED
    assert page.locator("g.wrong").count() == 1


def network_page(page: Any, tmp_path: Path) -> tuple[Any, Any]:
    model = MLP(2, [3, 1], seed=0)
    loss = (model([0.5, -1.0]) - 1.0) ** 2  # type: ignore[operator]
    loss.backward()
    drawing = draw_graph(loss, view="network")
    open_page(page, tmp_path, drawing)
    return model, drawing


def test_each_cell_of_the_network_page_shows_its_own_tooltip(page: Any, tmp_path: Path) -> None:
    _, drawing = network_page(page, tmp_path)
    by_id = {n.id: n for n in drawing.facts.nodes}
    cells = page.locator("[data-value]")
    edges = page.locator("g.edge[data-w]")
    assert cells.count() + edges.count() >= 9  # 3 neurons of 2 weights, 1 of 3
    tips = []
    for k in range(cells.count()):
        cell = cells.nth(k)
        node = by_id[cell.get_attribute("data-value")]
        cell.hover()
        tip = page.locator("#tip").inner_text()
        assert tip == f"{node.name}: data {fmt(node.data)}, grad {fmt(node.grad)}"
        tips.append(tip)
    for k in range(edges.count()):
        point = edges.nth(k).evaluate(UNCOVERED_POINT)
        assert point is not None, "an edge lies wholly under others"
        page.mouse.move(point["x"], point["y"])
        tip = page.locator("#tip").inner_text()
        assert fmt(float(edges.nth(k).get_attribute("data-w"))) in tip
        tips.append(tip)
    assert len(set(tips)) == len(tips), "two cells showed the same tooltip"


def test_the_network_replay_changes_the_neuron_boxes(page: Any, tmp_path: Path) -> None:
    _, drawing = network_page(page, tmp_path)
    neurons = page.locator("#n_L0_N1, #n_L1_N0")
    # a neuron drawn as a table (a Graphviz record) shows each value's cell: name, data, ∇ grad
    cells = page.locator("#n_L0_N1 text").filter(has_text=re.compile(r"^(w0|w1|b|z|a)$"))
    if page.locator("#n_L0_N1 > polygon").count():  # a table, not a circle
        assert cells.count() == 5
    finished = [cells.nth(k).evaluate(NEXT_TEXTS) for k in range(cells.count())]
    # a neuron drawn as a circle shows its activation as a bare number
    numbers = page.locator("#n_L0_N1 text").filter(has_text=re.compile(r"^-?\d"))
    shown = numbers.all_inner_texts()
    page.click("#first")
    for k in range(neurons.count()):
        assert "pending" in (neurons.nth(k).get_attribute("class") or "")
    assert numbers.count() == 0 or set(page.locator("#n_L0_N1 text").all_inner_texts()) >= {"?"}
    for k in range(cells.count()):
        data, grad = cells.nth(k).evaluate(NEXT_TEXTS)
        assert data == "?" and grad == "∇ ?"
    # forward through every value: the neurons are computed, gradients still unknown
    forward = len(drawing.facts.nodes)
    for _ in range(forward):
        page.click("#next")
    for k in range(neurons.count()):
        assert "pending" not in (neurons.nth(k).get_attribute("class") or "")
    for k in range(cells.count()):
        data, grad = cells.nth(k).evaluate(NEXT_TEXTS)
        assert data == finished[k][0] and grad == "∇ ?"
    page.locator("#slider").evaluate(
        "el => { el.value = el.max; el.dispatchEvent(new Event('input')); }"
    )
    assert [cells.nth(k).evaluate(NEXT_TEXTS) for k in range(cells.count())] == finished
    assert numbers.all_inner_texts() == shown


# A point on an edge's line where nothing else lies on top (lines cross in the middle).
UNCOVERED_POINT = """el => {
  const shape = el.querySelector("line, path");
  const m = shape.getScreenCTM();
  const at = (t) => {
    let p;
    if (shape.tagName === "line") {
      const n = (a) => Number(shape.getAttribute(a));
      p = { x: n("x1") + t * (n("x2") - n("x1")), y: n("y1") + t * (n("y2") - n("y1")) };
    } else {
      p = shape.getPointAtLength(shape.getTotalLength() * t);
    }
    return { x: m.a * p.x + m.c * p.y + m.e, y: m.b * p.x + m.d * p.y + m.f };
  };
  for (const t of [0.5, 0.35, 0.65, 0.2, 0.8, 0.1, 0.9]) {
    const q = at(t);
    const hit = document.elementFromPoint(q.x, q.y);
    if (hit && el.contains(hit)) return q;
  }
  return null;
}"""


# A record cell's data and grad: the two texts after its name.
NEXT_TEXTS = """el => {
  const texts = Array.from(el.parentElement.querySelectorAll("text"));
  const k = texts.indexOf(el);
  return [texts[k + 1].textContent, texts[k + 2].textContent];
}"""


def test_the_side_panel_wraps_long_names_instead_of_cutting_them(page: Any, tmp_path: Path) -> None:
    name = "layers.0.neurons.12.weights_of_the_first_hidden_layer_for_input_number_3"
    y = (Value(2.0, name) * 3).tanh()
    y.backward()
    open_page(page, tmp_path, draw_graph(y))
    page.click("#v0")
    heading = page.locator("#info h2")
    assert heading.inner_text() == name
    overflow = "el => el.scrollWidth - el.clientWidth"
    assert page.locator("#info").evaluate(overflow) <= 0
    assert heading.evaluate(overflow) <= 0
    box = heading.bounding_box()
    assert box["x"] + box["width"] <= 1200


EFFECTIVE_TEXT_PX = """() => Array.from(document.querySelectorAll("#view svg text"))
  .filter((t) => t.getBoundingClientRect().width > 0)
  .map((t) => t.getScreenCTM().a * parseFloat(t.getAttribute("font-size")))"""


@pytest.mark.parametrize("what", ["graph", "report"])
def test_edge_labels_read_at_11_px_or_more_when_the_page_opens(
    page: Any, tmp_path: Path, what: str
) -> None:
    if what == "report":
        report = one_wrong_one_ok()
        drawing = draw_graph(report.loss, highlight=report, edge_labels=True)
    else:
        *_, y = reused_neuron()
        drawing = draw_graph(y, edge_labels=True)
    open_page(page, tmp_path, drawing, whole=False)
    sizes = page.evaluate(EFFECTIVE_TEXT_PX)
    assert sizes and min(sizes) >= 11 - 1e-6, sizes
    # a report opens on its WRONG entry
    if what == "report":
        box = page.locator("g.wrong").bounding_box()
        view = page.locator("#view").bounding_box()
        assert view["x"] <= box["x"] and box["x"] + box["width"] <= view["x"] + view["width"]
    # fit shows the whole drawing (smaller), readable brings the readable size back
    page.click("#fit")
    assert min(page.evaluate(EFFECTIVE_TEXT_PX)) < 11
    page.click("#readable")
    assert min(page.evaluate(EFFECTIVE_TEXT_PX)) >= 11 - 1e-6


def theme_of(target: Any) -> str:
    theme: str = target.evaluate("() => document.documentElement.dataset.theme")
    return theme


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_page_follows_the_systems_colour_scheme(
    browser: Any, tmp_path: Path, screenshots: Path, scheme: str
) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 700}, color_scheme=scheme)
    try:
        tab = context.new_page()
        report = one_wrong_one_ok()
        path = draw_graph(report.loss, highlight=report, edge_labels=True).save(
            tmp_path / "report.html"
        )
        tab.goto(path.resolve().as_uri())
        assert theme_of(tab) == scheme
        background = tab.evaluate("getComputedStyle(document.body).backgroundColor")
        assert (background == "rgb(255, 255, 255)") == (scheme == "light")
        box_of(tab, "w").click()
        tab.wait_for_timeout(300)  # the highlight's fade
        tab.screenshot(path=str(screenshots / f"page_report_{scheme}.png"))
        assert tab.evaluate(LOW_CONTRAST) == []
        # the WRONG box stays red in either theme, the ok one is not red
        stroke = "el => getComputedStyle(el.querySelector('polygon')).stroke"
        assert box_of(tab, "w").evaluate(stroke) == RED
        assert box_of(tab, "x").evaluate(stroke) != RED
        network_page(tab, tmp_path)
        tab.screenshot(path=str(screenshots / f"page_network_{scheme}.png"))
        assert tab.evaluate(LOW_CONTRAST) == []
    finally:
        context.close()


@pytest.mark.parametrize("notebook", ["dark", "light"])
def test_the_page_follows_jupyterlabs_theme_over_the_systems(
    browser: Any, screenshots: Path, notebook: str
) -> None:
    system = "light" if notebook == "dark" else "dark"
    context = browser.new_context(viewport={"width": 1200, "height": 760}, color_scheme=system)
    try:
        tab = context.new_page()
        *_, y = reused_neuron()
        frame_html = draw_graph(y, edge_labels=True).interactive()._repr_html_()
        light = "false" if notebook == "dark" else "true"
        tab.set_content(
            f"<!DOCTYPE html><html><body data-jp-theme-light='{light}'>{frame_html}</body></html>"
        )
        frame = tab.frame_locator("iframe")
        frame.locator("#v0").wait_for(state="attached")
        inner = tab.frames[1]
        inner.wait_for_function(f"document.documentElement.dataset.theme === '{notebook}'")
        tab.screenshot(path=str(screenshots / f"page_in_jupyterlab_{notebook}.png"))
        # switching JupyterLab's theme switches the page
        flipped = "true" if notebook == "dark" else "false"
        tab.evaluate(f"document.body.dataset.jpThemeLight = '{flipped}'")
        inner.wait_for_function(f"document.documentElement.dataset.theme === '{system}'")
    finally:
        context.close()


def test_without_scripts_the_page_shows_its_static_picture(browser: Any, tmp_path: Path) -> None:
    context = browser.new_context(
        viewport={"width": 1200, "height": 700}, java_script_enabled=False
    )
    try:
        tab = context.new_page()
        *_, y = reused_neuron()
        path = draw_graph(y).save(tmp_path / "graph.html")
        tab.goto(path.resolve().as_uri())
        drawing = tab.locator("#view > svg").bounding_box()
        assert drawing["width"] > 400 and drawing["height"] > 100
        assert tab.locator("#v4").is_visible()  # the output's box, drawn
        assert not tab.locator("#toolbar").is_visible()  # controls that would do nothing
        assert "scripts" in tab.locator("#info .hint").evaluate(
            "el => getComputedStyle(el, '::after').content"
        )
    finally:
        context.close()


@pytest.mark.parametrize("how", ["scripts stripped", "scripts off"])
def test_in_a_sanitised_notebook_the_interactive_page_falls_back_to_its_picture(
    browser: Any, how: str
) -> None:
    *_, y = reused_neuron()
    output = draw_graph(y).interactive()._repr_html_()
    if how == "scripts stripped":  # what a sanitiser leaves of it
        output = re.sub(r"<script\b.*?</script>", "", output, flags=re.S)
    context = browser.new_context(
        viewport={"width": 1000, "height": 700}, java_script_enabled=how != "scripts off"
    )
    try:
        tab = context.new_page()
        tab.set_content(f"<!DOCTYPE html><html><body>{output}</body></html>")
        picture = tab.locator(".agl-page img")
        assert picture.is_visible()
        assert picture.evaluate("img => img.complete && img.naturalWidth") > 400
        assert "needs scripts" in (picture.get_attribute("alt") or "")
        assert tab.locator("iframe").count() == 0
    finally:
        context.close()


def test_with_scripts_the_picture_becomes_the_interactive_page(page: Any) -> None:
    *_, y = reused_neuron()
    page.set_content(
        f"<!DOCTYPE html><html><body>{draw_graph(y).interactive()._repr_html_()}</body></html>"
    )
    assert page.locator(".agl-page img").count() == 0
    frame = page.frame_locator(".agl-page iframe")
    assert frame.locator("#step-text").inner_text().startswith("done:")


# ---------------------------------------------------------------- the array view's page


def demo_report() -> Any:
    from autograd_lite.learn import demo_check

    return demo_check.check(demo_check.backward_by_hand)


def open_arrays_page(page: Any, tmp_path: Path, report: Any) -> Any:
    drawing = draw_graph(report.loss, highlight=report)
    assert drawing.view == "arrays"
    page.goto(drawing.save(tmp_path / "arrays.html").resolve().as_uri())
    return drawing


def test_the_array_page_opens_readable_on_the_first_wrong_step(page: Any, tmp_path: Path) -> None:
    report = demo_report()
    open_arrays_page(page, tmp_path, report)
    assert min(page.evaluate(EFFECTIVE_TEXT_PX)) >= 11 - 1e-6
    box, view = page.locator("#a_z1").bounding_box(), page.locator("#view").bounding_box()
    assert view["x"] <= box["x"] and box["x"] + box["width"] <= view["x"] + view["width"]
    assert view["y"] <= box["y"] and box["y"] + box["height"] <= view["y"] + view["height"]
    assert "wrong" in (page.get_attribute("#a_z1", "class") or "")
    assert "wrong" not in (page.get_attribute("#a_a1", "class") or "")  # all ok: green


def test_clicking_an_array_cell_shows_its_entry_first_with_the_numbers(
    page: Any, tmp_path: Path
) -> None:
    report = demo_report()
    entry = next(e for e in report.entries if e.name == "z1[0,1]")
    open_arrays_page(page, tmp_path, report)
    page.click("#a_z1_1")  # z1[0,1]: row 0, column 1 of a 2x3 array
    assert page.locator("#info h2").inner_text() == "z1"
    first = page.locator("#info tr.entry").first.inner_text().split("\t")
    assert first[:5] == [
        "z1[0,1]",
        entry.verdict,
        fmt(entry.expected),  # type: ignore[arg-type]
        fmt(entry.engine),  # type: ignore[arg-type]
        fmt(entry.numerical),  # type: ignore[arg-type]
    ]
    assert page.locator("#info tr.entry").count() == 6
    assert "∂loss/∂z1 = ∂loss/∂a1 · ∂a1/∂z1" in page.locator("#info .sum").inner_text()
    # its paths to the loss are highlighted, the arrays it was made from are not
    for element in ("a_z1", "a_a1", "a_z2", "a_loss"):
        assert "on-path" in (page.get_attribute(f"#{element}", "class") or ""), element
    assert "on-path" not in (page.get_attribute("#a_W1", "class") or "")
    page.hover("#a_W1_0")
    assert page.locator("#tip").inner_text().startswith("W1[0,0]: WRONG")


def test_the_array_replay_walks_forward_then_back_through_the_chain_rules(
    page: Any, tmp_path: Path
) -> None:
    report = demo_report()
    drawing = open_arrays_page(page, tmp_path, report)
    names = [a.name for a in drawing.arrays.arrays]
    step = page.locator("#step-text")
    assert page.locator("#slider").get_attribute("max") == str(2 * len(names))
    page.click("#first")
    assert all("pending" in (page.get_attribute(f"#a_{n}", "class") or "") for n in names)
    page.click("#next")
    assert step.inner_text().startswith(f"forward 1/{len(names)}: {names[0]} = ")
    for _ in range(len(names)):
        page.click("#next")
    assert step.inner_text().startswith(f"backward 1/{len(names)}: ∂loss/∂loss = 1")
    assert "current" in (page.get_attribute("#a_loss", "class") or "")
    page.locator("#slider").evaluate(
        "el => { el.value = el.max; el.dispatchEvent(new Event('input')); }"
    )
    assert step.inner_text().startswith(f"done: backward {len(names)}/{len(names)}: ∂loss/∂")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_array_page_in_light_and_dark(
    browser: Any, tmp_path: Path, screenshots: Path, scheme: str
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 800}, color_scheme=scheme)
    try:
        tab = context.new_page()
        open_arrays_page(tab, tmp_path, demo_report())
        tab.click("#a_z1_1")
        tab.wait_for_timeout(300)  # the highlight's fade
        tab.screenshot(path=str(screenshots / f"page_arrays_{scheme}.png"))
        assert theme_of(tab) == scheme
        assert tab.evaluate(LOW_CONTRAST) == []
    finally:
        context.close()
