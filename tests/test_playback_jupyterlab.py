"""The training replay's widget inside a real JupyterLab, in headless Chromium.

JupyterLab is started as in tests/test_widget_jupyterlab.py (its ``lab`` fixture: 127.0.0.1,
a token, nothing fetched). A notebook written through the server's contents API trains a
small network with ``record=True`` and shows ``history.widget()``; the test clicks the page's
controls and reads the frame from Python, then moves the page from Python. Skipped where
JupyterLab, anywidget or chromium are missing (failed under ``CI=true``, as there).
"""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

from tests.browser import CHROMIUM, FLAGS
from tests.test_widget_jupyterlab import CELLS, _only_local, _write_notebook, lab, run_cell

__all__ = ["lab"]  # the fixture, shared

CELL_SOURCES = [
    # 0: a recorded training and its widget
    "from autograd_lite import MLP, fit\n"
    "from autograd_lite.datasets import make_moons\n"
    "X, y = make_moons(40, noise=0.1, random_state=0)\n"
    "history = fit(MLP(2, [6, 6, 1], seed=0), X, y, loss='bce', epochs=20, record=True,\n"
    "              progress=False)\n"
    "w = history.widget(height=560)\n"
    "w",
    # 1: what Python sees after clicks on the page
    "print('seen from python: frame', w.frame, 'of', w.frames)",
    # 2: Python moves the page
    "w.go_to(5); print('went to', w.frame)",
]


def _put_notebook(lab_url: str, tmp_path: Path) -> None:
    """Write playback.ipynb into the server's root through its contents API."""
    local = tmp_path / "playback.ipynb"
    _write_notebook(local, CELL_SOURCES)
    base, token = lab_url.split("/lab/")[0], lab_url.split("token=")[1]
    body = json.dumps(
        {"type": "notebook", "format": "json", "content": json.loads(local.read_text())}
    ).encode()
    request = urllib.request.Request(
        f"{base}/api/contents/playback.ipynb?token={token}", data=body, method="PUT"
    )
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=20) as response:
        assert response.status in (200, 201)


def test_the_replay_widget_plays_in_jupyterlab_and_follows_python(
    lab: str,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import sync_playwright

    folder = Path(os.environ.get("AUTOGRAD_LITE_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    _put_notebook(lab, tmp_path)
    outside: list[str] = []
    port = lab.split(":")[2].split("/")[0]
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            context.route("**/*", _only_local(port, outside))
            tab = context.new_page()
            tab.set_default_timeout(30000)
            tab.goto(lab.format("playback"))
            tab.locator(CELLS).nth(2).wait_for()
            tab.get_by_text("Python 3 (ipykernel) | Idle").wait_for()
            cell = run_cell(tab, 0)
            page = cell.frame_locator("iframe")
            status = page.locator("#status")
            status.wait_for()
            assert status.inner_text().startswith("step 20 (frame 21 of 21)")
            page.locator("#first").click()
            page.locator("#next").click()
            page.locator("#next").click()
            assert status.inner_text().startswith("step 2 (frame 3 of 21)")
            output = run_cell(tab, 1).locator(".jp-OutputArea-output")
            output.filter(has_text="seen from python").wait_for()
            assert output.inner_text().strip() == "seen from python: frame 2 of 21"
            run_cell(tab, 2).locator(".jp-OutputArea-output", has_text="went to 5").wait_for()
            page.locator("#status", has_text="step 5 (frame 6 of 21)").wait_for()
            # play runs in the notebook too
            page.locator("#play").click()
            page.locator("#status", has_text="frame 21 of 21").wait_for()
            cell.scroll_into_view_if_needed()
            tab.screenshot(path=str(folder / "playback_widget_jupyterlab.png"))
        finally:
            browser.close()
    assert outside == [], f"JupyterLab or the widget reached outside 127.0.0.1: {outside}"
