"""The training replay page in a real browser: Debian's chromium, headless, via playwright.

A learner trains on moons with ``fit(..., record=True)`` and opens ``history.save(...)``. The
page computes every neuron from the recorded parameters; the tests read those numbers back
(``window.autogradLitePlayback``) and the boundary's pixels, and compare them with the model
re-evaluated in Python with frame k's parameters. They press the controls, click a weight and
compare its chain rule with explain() run in Python, switch light and dark (system and
JupyterLab), and watch that nothing is fetched. Screenshots go to ``$AUTOGRAD_LITE_SCREENSHOTS``
(default: pytest's temporary folder) for a person to look at.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autograd_lite import MLP, explain, fit
from autograd_lite.datasets import make_moons
from autograd_lite.learn.losses import binary_cross_entropy_with_logits as bce
from autograd_lite.learn.record import Recorder


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("AUTOGRAD_LITE_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def open_tab(browser: Any, scheme: str = "light") -> tuple[Any, Any, list[str], list[str]]:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, color_scheme=scheme)
    tab = context.new_page()
    tab.set_default_timeout(8000)
    errors: list[str] = []
    requests: list[str] = []
    tab.on("pageerror", lambda err: errors.append(str(err)))
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tab.on("request", lambda request: requests.append(request.url))
    return context, tab, errors, requests


def close_tab(context: Any, errors: list[str], requests: list[str]) -> None:
    context.close()
    assert errors == [], f"the page reported errors: {errors}"
    fetched = [u for u in requests if not u.startswith(("file:", "data:", "about:", "blob:"))]
    assert fetched == [], f"the page fetched from the network: {fetched}"


@pytest.fixture(scope="module")
def moons_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path, np.ndarray, np.ndarray]:
    """A learner's run: MLP(2, [8, 8, 1]) on 80 moons points, 60 full-batch steps, recorded."""
    X, y = make_moons(80, noise=0.1, random_state=0)
    X_test, y_test = make_moons(40, noise=0.1, random_state=1)
    model = MLP(2, [8, 8, 1], seed=0)
    rec = Recorder(model, X, y, loss="bce", X_test=X_test, y_test=y_test, sample=5)
    history = fit(model, X, y, loss="bce", epochs=60, record=rec, progress=False)
    path = Path(history.save(tmp_path_factory.mktemp("replay") / "training.html"))
    return history, path, X, y


def model_at(rec: Recorder, frame: int) -> MLP:
    model = MLP(2, [8, 8, 1], seed=0)
    for p, v in zip(model.parameters(), rec.params[frame], strict=True):
        p.data = float(v)
    return model


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_each_frame_is_the_model_at_that_step(
    browser: Any, moons_run: Any, screenshots: Path, scheme: str
) -> None:
    history, path, _, _ = moons_run
    rec = history.recording
    context, tab, errors, requests = open_tab(browser, scheme)
    tab.goto(path.resolve().as_uri())
    api = "window.autogradLitePlayback"
    tab.wait_for_function(f"{api} !== undefined")
    assert tab.evaluate(f"{api}.frames") == rec.frames == 61
    assert tab.evaluate("document.documentElement.dataset.theme") == scheme
    points = np.asarray(tab.evaluate(f"{api}.points()"))
    assert points.shape == (rec.grid**2, 2)
    for frame in (0, 17, rec.frames - 1):
        model = model_at(rec, frame)
        expected = model.forward_array(points)[:, 0]
        shown = np.asarray(tab.evaluate(f"{api}.outputs({frame})"))[0]
        np.testing.assert_allclose(shown, expected, rtol=1e-9, atol=1e-12)
        # A hidden neuron's picture is that neuron's output over the plane.
        hidden = np.asarray(tab.evaluate(f"{api}.neuron({frame}, 1, 3)"))
        w = np.asarray([[p.data for p in n.w] for n in model.layers[0].neurons])
        b = np.asarray([n.b.data for n in model.layers[0].neurons])
        h1 = np.maximum(points @ w.T + b, 0.0)
        n3 = model.layers[1].neurons[3]
        z = h1 @ np.asarray([p.data for p in n3.w]) + n3.b.data
        np.testing.assert_allclose(hidden, np.maximum(z, 0.0), rtol=1e-9, atol=1e-12)
        # The boundary as drawn: the colour of each clear cell is the class Python predicts.
        tab.evaluate(f"{api}.go({frame})")
        classes = pixel_classes(tab, rec.grid)
        clear = (np.abs(expected) > 0.05) & ~under_dots(rec)
        predicted = (expected > 0).astype(int)
        assert clear.sum() > 0.6 * len(expected)
        assert (classes[clear] == predicted[clear]).all()
    tab.evaluate(f"{api}.select({rec.names.index('layers.1.neurons.2.w.4')})")
    assert tab.inner_text("#info h2") == "layers.1.neurons.2.w.4"
    tab.screenshot(path=str(screenshots / f"playback_{scheme}.png"), full_page=True)
    close_tab(context, errors, requests)


def under_dots(rec: Recorder, size: int = 360, radius: float = 6.0) -> np.ndarray:
    """Grid cells whose sampled pixel a data point's dot may cover."""
    grid = rec.to_json()["grid"]
    (x0, y0), (x1, y1), n = grid["low"], grid["high"], grid["n"]
    assert rec.test is not None
    dots = np.vstack([np.asarray(rec.train.rows), np.asarray(rec.test.rows)])
    dx = (dots[:, 0] - x0) / (x1 - x0) * size
    dy = (y1 - dots[:, 1]) / (y1 - y0) * size
    j, i = np.divmod(np.arange(n * n), n)
    px = np.floor((i + 0.2) * size / n)
    py = np.floor((j + 0.2) * size / n)
    near = np.hypot(px[:, None] - dx[None, :], py[:, None] - dy[None, :]) < radius
    return np.asarray(near.any(axis=1))


def pixel_classes(tab: Any, n: int) -> np.ndarray:
    """Each grid cell's class read from the boundary canvas: nearer the blue or the orange."""
    found = tab.evaluate(
        """(n) => {
        const canvas = document.getElementById("plane");
        const ctx = canvas.getContext("2d");
        const style = getComputedStyle(document.documentElement);
        const rgb = (name) => {
          const v = parseInt(style.getPropertyValue(name).trim().slice(1), 16);
          return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
        };
        const pos = rgb("--pos"), neg = rgb("--neg");
        const out = [];
        for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) {
          // a fifth of a cell in from its left top (under_dots marks where a dot may cover it)
          const x = Math.floor(((i + 0.2) * canvas.width) / n);
          const y = Math.floor(((j + 0.2) * canvas.height) / n);
          const px = ctx.getImageData(x, y, 1, 1).data;
          const far = (c) => Math.hypot(px[0] - c[0], px[1] - c[1], px[2] - c[2]);
          out.push(far(pos) < far(neg) ? 1 : 0);
        }
        return out;
      }""",
        n,
    )
    return np.asarray(found)


def test_the_controls_play_pause_step_scrub_and_change_speed(browser: Any, moons_run: Any) -> None:
    _, path, _, _ = moons_run
    context, tab, errors, requests = open_tab(browser)
    tab.goto(path.resolve().as_uri())
    api = "window.autogradLitePlayback"
    last = tab.evaluate(f"{api}.frames") - 1
    assert tab.evaluate(f"{api}.frame()") == last  # opens on the trained model
    tab.click("#first")
    assert tab.evaluate(f"{api}.frame()") == 0
    tab.click("#next")
    tab.click("#next")
    assert tab.evaluate(f"{api}.frame()") == 2
    assert "step 2 (frame 3 of 61)" in tab.inner_text("#status")
    tab.click("#prev")
    assert tab.evaluate(f"{api}.frame()") == 1
    # play advances ...
    tab.click("#play")
    assert tab.inner_text("#play") == "pause"
    tab.wait_for_function(f"{api}.frame() >= 4")
    # ... pause stops
    tab.click("#play")
    stopped = tab.evaluate(f"{api}.frame()")
    tab.wait_for_timeout(400)
    assert tab.evaluate(f"{api}.frame()") == stopped and not tab.evaluate(f"{api}.playing()")
    # faster plays more frames in the same time
    tab.select_option("#speed", "4")
    tab.click("#play")
    tab.wait_for_function(f"{api}.frame() >= {stopped} + 12")
    tab.click("#play")
    # the keyboard: space plays and pauses, the arrows step (when no control has the focus)
    tab.evaluate("document.activeElement.blur()")
    tab.fill("#slider", "10")
    tab.evaluate("document.activeElement.blur()")
    tab.keyboard.press("ArrowRight")
    assert tab.evaluate(f"{api}.frame()") == 11
    tab.keyboard.press("ArrowLeft")
    tab.keyboard.press("ArrowLeft")
    assert tab.evaluate(f"{api}.frame()") == 9
    tab.keyboard.press(" ")
    assert tab.evaluate(f"{api}.playing()")
    tab.keyboard.press(" ")
    assert not tab.evaluate(f"{api}.playing()")
    # the slider scrubs
    tab.fill("#slider", "30")
    assert tab.evaluate(f"{api}.frame()") == 30
    assert "step 30 " in tab.inner_text("#status")
    # clicking the curves goes to that step (the right end: the last frame)
    box = tab.locator("#curves").bounding_box()
    tab.mouse.click(box["x"] + box["width"] - 11, box["y"] + 40)
    assert tab.evaluate(f"{api}.frame()") == last
    # play runs to the end and stops there
    tab.fill("#slider", str(last - 3))
    tab.click("#play")
    tab.wait_for_function(f"!{api}.playing()")
    assert tab.evaluate(f"{api}.frame()") == last
    close_tab(context, errors, requests)


def test_clicking_a_weight_shows_its_numbers_and_explains_chain_rule(
    browser: Any, moons_run: Any, screenshots: Path
) -> None:
    history, path, X, y = moons_run
    rec = history.recording
    context, tab, errors, requests = open_tab(browser)
    tab.goto(path.resolve().as_uri())
    frame = 12
    tab.evaluate(f"window.autogradLitePlayback.go({frame})")
    name = "layers.0.neurons.3.w.1"
    p = rec.names.index(name)
    tab.locator(f'line.hit[data-param="{p}"]').dispatch_event("click")
    info = tab.locator("#info")
    assert info.locator("h2").inner_text() == name
    assert "step 12" in info.inner_text()
    # explain() in Python, on the page's sample, with frame 12's parameters
    model = model_at(rec, frame)
    s = rec.sample
    loss = bce([[model(X[s].tolist())]], y[s : s + 1])
    e = explain(loss, max_nodes=None)
    lines = [line.strip() for line in info.locator("ol.chain li.chosen").inner_text().split("\n")]
    assert lines == [e.definition(e[name]), e.chain_rule(e[name])]
    nodes = ("L", "layers.2.neurons.0.z", "layers.0.neurons.3.a", "layers.0.neurons.3.z", "x.1")
    for node in nodes:
        assert tab.evaluate(f"window.autogradLitePlayback.nodeLines({frame}, {node!r})") == [
            e.definition(e[node]),
            e.chain_rule(e[node]),
        ]
    shown = info.locator("ol.chain").inner_text()
    assert e.chain_rule(e["layers.0.neurons.3.a"]) in shown
    assert info.locator("td.value").inner_text() == f"{rec.params[frame][p]:.6g}"
    assert info.locator("td.gradient").inner_text() == f"{rec.grads[frame][p]:.6g}"
    # every weight and bias of the network, at the first and last frame
    for f in (0, rec.frames - 1):
        model = model_at(rec, f)
        loss = bce([[model(X[s].tolist())]], y[s : s + 1])
        e = explain(loss, max_nodes=None)
        for q, param in enumerate(rec.names):
            got = tab.evaluate(f"window.autogradLitePlayback.chainLines({f}, {q})")
            assert got == [e.definition(e[param]), e.chain_rule(e[param])], param
    # hovering names the weight with its numbers at the frame shown
    hit = tab.locator(f'line.hit[data-param="{p}"]')
    hit.dispatch_event("mouseover")
    assert hit.get_attribute("title") == (
        f"{name} = {rec.params[frame][p]:.6g}, gradient {rec.grads[frame][p]:.6g} "
        "(click for its chain rule)"
    )
    # the selection follows the frame
    tab.click("#next")
    assert "step 13" in info.inner_text()
    # a bias, and a neuron
    bias = rec.names.index("layers.1.neurons.2.b")
    tab.locator(f'circle.bias[data-param="{bias}"]').dispatch_event("click")
    assert info.locator("h2").inner_text() == "layers.1.neurons.2.b"
    tab.locator('canvas.neuron[data-layer="1"][data-neuron="4"]').click()
    assert info.locator("h2").inner_text() == "layers.1.neurons.4"
    assert "layers.1.neurons.4.a = relu(layers.1.neurons.4.z)" in info.inner_text()
    tab.screenshot(path=str(screenshots / "playback_weight.png"), full_page=True)
    close_tab(context, errors, requests)


@pytest.mark.parametrize("notebook", ["dark", "light"])
def test_in_a_notebook_the_replay_follows_jupyterlabs_theme(
    browser: Any, moons_run: Any, screenshots: Path, notebook: str
) -> None:
    history, _, _, _ = moons_run
    system = "light" if notebook == "dark" else "dark"
    context, tab, errors, requests = open_tab(browser, system)
    light = "false" if notebook == "dark" else "true"
    tab.set_content(
        f"<!DOCTYPE html><html><body data-jp-theme-light='{light}'>{history._repr_html_()}"
        "</body></html>"
    )
    tab.frame_locator("iframe").locator("#plane").wait_for(state="attached")
    inner = tab.frames[1]
    inner.wait_for_function(f"document.documentElement.dataset.theme === '{notebook}'")
    background = inner.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == ("rgb(31, 31, 31)" if notebook == "dark" else "rgb(255, 255, 255)")
    tab.screenshot(path=str(screenshots / f"playback_in_jupyterlab_{notebook}.png"))
    flipped = "true" if notebook == "dark" else "false"
    tab.evaluate(f"document.body.dataset.jpThemeLight = '{flipped}'")
    inner.wait_for_function(f"document.documentElement.dataset.theme === '{system}'")
    close_tab(context, errors, requests)


def test_a_notebook_without_scripts_shows_the_last_frame_as_a_picture(
    browser: Any, moons_run: Any
) -> None:
    history, _, _, _ = moons_run
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.set_content(f"<!DOCTYPE html><html><body>{history._repr_html_()}</body></html>")
    picture = tab.locator(".agl-playback img")
    assert picture.count() == 1
    assert tab.locator("iframe").count() == 0
    assert picture.evaluate("img => img.naturalWidth") == 300
    context.close()


def test_a_one_input_regression_shows_the_fitted_curve(
    browser: Any, tmp_path: Path, screenshots: Path
) -> None:
    X = np.linspace(-3, 3, 40)[:, None]
    y = np.sin(X[:, 0])
    model = MLP(1, [8, 8, 1], activation="tanh", seed=0)
    history = fit(model, X, y, loss="mse", epochs=40, record=True, progress=False)
    rec = history.recording
    path = Path(history.save(tmp_path / "curve.html"))
    context, tab, errors, requests = open_tab(browser)
    tab.goto(path.resolve().as_uri())
    api = "window.autogradLitePlayback"
    assert tab.inner_text("#plane-title") == "the fitted curve"
    assert "accuracy" not in tab.inner_text("#status")
    points = np.asarray(tab.evaluate(f"{api}.points()"))
    assert points.shape[1] == 1
    for frame in (0, rec.frames - 1):
        check = MLP(1, [8, 8, 1], activation="tanh", seed=0)
        for p, v in zip(check.parameters(), rec.params[frame], strict=True):
            p.data = float(v)
        shown = np.asarray(tab.evaluate(f"{api}.outputs({frame})"))[0]
        np.testing.assert_allclose(shown, check.forward_array(points)[:, 0], rtol=1e-9, atol=1e-12)
    tab.screenshot(path=str(screenshots / "playback_regression.png"), full_page=True)
    close_tab(context, errors, requests)


def test_the_widgets_script_drives_the_page_both_ways(browser: Any, moons_run: Any) -> None:
    """playback_widget.js with a stand-in for anywidget's model (get/set/on/save_changes).

    The script is loaded as a module from a blob: URL made in the page (local, not fetched).
    """
    from importlib.resources import files

    history, _, _, _ = moons_run
    page_html = history.recording.html()
    script = (files("autograd_lite.learn") / "playback_widget.js").read_text(encoding="utf-8")
    context, tab, errors, requests = open_tab(browser)
    tab.set_content("<!DOCTYPE html><html><body><div id='host'></div></body></html>")
    tab.evaluate(
        """([page, script]) => {
          const values = { page, frame: 3, playing: false, height: 560 };
          const handlers = {};
          window.model = {
            get: (k) => values[k],
            set: (k, v) => { values[k] = v; (handlers["change:" + k] || []).forEach((h) => h()); },
            on: (e, h) => { (handlers[e] = handlers[e] || []).push(h); },
            off: () => {},
            save_changes: () => { window.saved = (window.saved || 0) + 1; },
            values,
          };
          const url = URL.createObjectURL(new Blob([script], { type: "text/javascript" }));
          const host = document.getElementById("host");
          return import(url).then((m) => m.default.render({ model: window.model, el: host }));
        }""",
        [page_html, script],
    )
    inner = tab.frame_locator("iframe")
    inner.locator("#plane").wait_for(state="attached")
    frame = tab.frames[1]
    frame.wait_for_function(
        "window.autogradLitePlayback && window.autogradLitePlayback.frame() === 3"
    )
    # Python sets frame -> the page goes there
    tab.evaluate("window.model.set('frame', 20)")
    frame.wait_for_function("window.autogradLitePlayback.frame() === 20")
    # the page's controls -> the model hears it
    inner.locator("#next").click()
    tab.wait_for_function("window.model.values.frame === 21 && window.saved > 0")
    tab.evaluate("window.model.set('playing', true)")
    frame.wait_for_function("window.autogradLitePlayback.frame() > 23")
    tab.evaluate("window.model.set('playing', false)")
    frame.wait_for_function("!window.autogradLitePlayback.playing()")
    assert tab.evaluate("window.model.values.playing") is False
    assert tab.locator("iframe").evaluate("f => f.style.height") == "560px"
    close_tab(context, errors, requests)


def test_three_classes_show_the_argmax_regions(
    browser: Any, tmp_path: Path, screenshots: Path
) -> None:
    from autograd_lite.datasets import make_spiral

    X, y = make_spiral(30, 3, random_state=0)
    model = MLP(2, [10, 3], init="scaled", seed=0)
    history = fit(model, X, y, loss="cross_entropy", epochs=30, record=3, progress=False)
    rec = history.recording
    path = Path(history.save(tmp_path / "spiral.html"))
    context, tab, errors, requests = open_tab(browser, "dark")
    tab.goto(path.resolve().as_uri())
    api = "window.autogradLitePlayback"
    points = np.asarray(tab.evaluate(f"{api}.points()"))
    last = rec.frames - 1
    check = MLP(2, [10, 3], init="scaled", seed=0)
    for p, v in zip(check.parameters(), rec.params[last], strict=True):
        p.data = float(v)
    expected = check.forward_array(points)
    shown = np.asarray(tab.evaluate(f"{api}.outputs({last})")).T
    np.testing.assert_allclose(shown, expected, rtol=1e-9, atol=1e-12)
    ordered = np.sort(expected, axis=1)
    clear = ordered[:, -1] - ordered[:, -2] > 1e-6
    decided = np.asarray(tab.evaluate(f"{api}.decide({last})"))
    assert (decided[clear] == expected.argmax(axis=1)[clear]).all()
    assert "accuracy" in tab.inner_text("#status")
    tab.screenshot(path=str(screenshots / "playback_spiral_dark.png"), full_page=True)
    close_tab(context, errors, requests)
