"""The notebook widget and the interactive page inside a real JupyterLab, in headless Chromium.

The test starts JupyterLab on 127.0.0.1 (a free port, a token, a temporary root folder and
configuration that fetches nothing: no news, no update check, no extension manager), writes a
notebook, runs its cells in the browser, clicks the widget's controls and steps it from
Python; a second, untrusted notebook with a stored interactive page shows its picture.
Skipped on a developer's machine without jupyterlab, anywidget or chromium; under ``CI=true``
a missing piece fails it. Screenshots (light and dark JupyterLab) go to
``$AUTOGRAD_LITE_SCREENSHOTS`` (default: pytest's temporary folder).
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import autograd_lite
from tests.browser import CHROMIUM, FLAGS

NOTEBOOK_CELLS = [
    # 0: the widget of a small graph
    "from autograd_lite import Value, draw_graph\n"
    "x, w = Value(2.0, 'x'), Value(-0.3, 'w')\n"
    "y = (x * w + x).tanh(); y.label = 'y'\n"
    "y.backward()\n"
    "widget = draw_graph(y, edge_labels=True).widget(height=520)\n"
    "widget",
    # 1: what Python sees after clicks on the page
    "print('seen from python:', widget.position, '|', widget.caption)",
    # 2: stepping backward from Python
    "widget.go_to(widget.last); widget.step(-1); widget.show(x)\n"
    "print('stepped to', widget.position)",
    # 3: the network diagram's widget
    "from autograd_lite import MLP\n"
    "model = MLP(2, [3, 1], seed=0)\n"
    "loss = (model([0.5, -1.0]) - 1.0) ** 2; loss.backward()\n"
    "network = draw_graph(loss, view='network').widget(height=420)\n"
    "network",
    # 4: the array view's widget (a check report over arrays)
    "from autograd_lite.learn import demo_check\n"
    "report = demo_check.check(demo_check.backward_by_hand)\n"
    "arrays = draw_graph(report.loss, highlight=report).widget(height=520)\n"
    "arrays",
    # 5: both driven from Python
    "network.go_to(0); network.step(); arrays.step(-1); arrays.show('z1[0,1]')\n"
    "print('both stepped', network.position, arrays.position)",
]

# The cells of the notebook in the open tab (JupyterLab keeps other tabs' panels, hidden).
CELLS = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell"

# Nothing in this server may reach the network.
SERVER_CONFIG = {
    # allow_root: CI runs as root; terminals: none needed
    "ServerApp": {
        "open_browser": False,
        "port_retries": 0,
        "allow_root": True,
        "terminals_enabled": False,
    },
    "LabApp": {
        "news_url": None,
        "check_for_updates_class": "jupyterlab.NeverCheckForUpdate",
        "extension_manager": "readonly",
    },
    "LanguageServerManager": {"autodetect": False},
    # the kernels are thrown away with the folder: no 5 s grace at shutdown
    "KernelManager": {"shutdown_wait_time": 0.5},
}
PAGE_CONFIG = {
    "disabledExtensions": {
        "@jupyterlab/apputils-extension:announcements": True,
        "@jupyterlab/extensionmanager-extension": True,
    }
}


def _missing() -> list[str]:
    missing = [m for m in ("jupyterlab", "anywidget") if importlib.util.find_spec(m) is None]
    if not Path(CHROMIUM).exists():
        missing.append(f"chromium ({CHROMIUM})")
    if importlib.util.find_spec("playwright") is None:
        missing.append("playwright")
    return missing


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _write_notebook(path: Path, sources: list[str], outputs: list[Any] | None = None) -> None:
    cells = [
        {
            "cell_type": "code",
            "execution_count": None if outputs is None else k + 1,
            "id": f"cell{k}",
            "metadata": {},
            "outputs": [] if outputs is None else outputs[k],
            "source": source,
        }
        for k, source in enumerate(sources)
    ]
    notebook = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(notebook), encoding="utf-8")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    missing = _missing()
    if missing and not os.environ.get("CI"):
        pytest.skip(f"needs {', '.join(missing)} (pip install jupyterlab anywidget playwright)")
    assert not missing, (
        f"CI=true but missing: {missing} (.ci/run and the [test] extra install them)"
    )
    home = tmp_path_factory.mktemp("lab")
    root = home / "notebooks"
    config = home / "config"
    (config / "labconfig").mkdir(parents=True)
    root.mkdir()
    (config / "jupyter_server_config.json").write_text(json.dumps(SERVER_CONFIG))
    (config / "labconfig" / "page_config.json").write_text(json.dumps(PAGE_CONFIG))
    _write_notebook(root / "widget.ipynb", NOTEBOOK_CELLS)
    _write_notebook(root / "stored.ipynb", ["page"], [[_stored_page_output()]])
    port, token = _free_port(), secrets.token_hex(16)
    source_root = str(Path(autograd_lite.__file__).resolve().parents[1])
    env = os.environ | {
        "JUPYTER_CONFIG_DIR": str(config),
        # trust signatures and the like; extensions and kernels still come from sys.prefix
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "IPYTHONDIR": str(home / "ipython"),
        # the kernel imports the autograd_lite under test, wherever it is run from
        "PYTHONPATH": os.pathsep.join([source_root, os.environ.get("PYTHONPATH", "")]),
    }
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
    ]
    log = (home / "server.log").open("w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail("JupyterLab did not start:\n" + (home / "server.log").read_text())
                time.sleep(0.3)
        yield f"{url}/lab/tree/{{}}.ipynb?token={token}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _stored_page_output() -> dict[str, Any]:
    """An interactive page's output as a notebook stores it (the notebook is not trusted)."""
    from autograd_lite import Value, draw_graph

    x, w = Value(2.0, "x"), Value(-0.3, "w")
    y = (x * w + x).tanh()
    y.backward()
    page = draw_graph(y).interactive()
    return {
        "output_type": "display_data",
        "data": {"text/html": page._repr_html_(), "text/plain": repr(page)},
        "metadata": {},
    }


def _only_local(port: str, outside: list[str]) -> Any:
    def route(request_route: Any) -> None:
        local = (f"http://127.0.0.1:{port}/", f"ws://127.0.0.1:{port}/", "data:", "blob:", "about:")
        if request_route.request.url.startswith(local):
            request_route.continue_()
        else:
            outside.append(request_route.request.url)
            request_route.abort()

    return route


def run_cell(tab: Any, index: int) -> Any:
    """Run one cell; again if it was not taken (a key pressed while the kernel connects)."""
    cell = tab.locator(CELLS).nth(index)
    prompt = cell.locator(".jp-InputPrompt")
    for _ in range(3):
        cell.locator(".jp-InputArea-editor").click()
        tab.keyboard.press("Shift+Enter")
        try:
            tab.wait_for_function(
                "el => el.textContent.trim() !== '[ ]:'", arg=prompt.element_handle(), timeout=10000
            )
            return cell
        except Exception:
            continue
    pytest.fail(f"cell {index} was never run: its prompt stayed {prompt.inner_text()!r}")


def test_the_widget_steps_through_backward_inside_jupyterlab(lab: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    folder = Path(os.environ.get("AUTOGRAD_LITE_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    outside: list[str] = []
    port = lab.split(":")[2].split("/")[0]

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            context.route("**/*", _only_local(port, outside))
            tab = context.new_page()
            tab.set_default_timeout(30000)
            tab.goto(lab.format("widget"))
            tab.locator(CELLS).nth(2).wait_for()
            tab.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for()
            tab.get_by_text("Python 3 (ipykernel) | Idle").wait_for()

            # the cell runs, the widget renders the page
            cell = run_cell(tab, 0)
            frame = cell.frame_locator(".agl-widget iframe")
            step = frame.locator("#step-text")
            try:
                step.wait_for()
            except Exception:
                tab.screenshot(path=str(folder / "widget_jupyterlab_failure.png"))
                shown = cell.locator(".jp-Cell-outputWrapper").inner_text()
                pytest.fail(f"the widget did not render; the cell's output: {shown!r}")
            assert step.inner_text().startswith("done:")
            # clicks on the page reach Python
            frame.locator("#first").click()
            frame.locator("#next").click()
            assert step.inner_text() == "forward 1/5: x = 2 (leaf)"
            output = run_cell(tab, 1).locator(".jp-OutputArea-output")
            output.filter(has_text="seen from python").wait_for()
            assert output.inner_text().strip() == (
                "seen from python: 1 | forward 1/5: x = 2 (leaf)"
            )
            # Python steps the page backward and selects a node
            run_cell(tab, 2).locator(".jp-OutputArea-output", has_text="stepped to 8").wait_for()
            tab.wait_for_function(
                "() => { const f = document.querySelector('.agl-widget iframe');"
                " return f && f.contentDocument.getElementById('step-text')"
                ".textContent.startsWith('backward 2/3'); }"
            )
            assert frame.locator("#info h2").inner_text() == "x"
            # the selected node was panned into view
            view, box = frame.locator("#view").bounding_box(), frame.locator("#v0").bounding_box()
            assert view["x"] <= box["x"] and box["x"] + box["width"] <= view["x"] + view["width"]
            assert frame.locator("#slider").input_value() == "8"
            cell.scroll_into_view_if_needed()
            tab.screenshot(path=str(folder / "widget_jupyterlab_light.png"))

            # the network diagram and the array view, each a widget stepped from Python
            views = [run_cell(tab, 3), run_cell(tab, 4)]
            for view in views:
                text = view.frame_locator(".agl-widget iframe").locator("#step-text")
                text.wait_for()
                assert text.inner_text().startswith("done:")
            run_cell(tab, 5).locator(".jp-OutputArea-output", has_text="both stepped 1").wait_for()
            network = views[0].frame_locator(".agl-widget iframe")
            arrays = views[1].frame_locator(".agl-widget iframe")
            assert network.locator("#step-text").inner_text().startswith("forward 1/")
            assert "pending" in (network.locator("#n_L0_N0").get_attribute("class") or "")
            assert arrays.locator("#step-text").inner_text().startswith("backward 7/8: ")
            assert arrays.locator("#info h2").inner_text() == "z1"
            assert arrays.locator("#info tr.entry").first.inner_text().startswith("z1[0,1]")
            views[1].scroll_into_view_if_needed()
            tab.screenshot(path=str(folder / "widget_jupyterlab_arrays_light.png"))
            cell.scroll_into_view_if_needed()

            # JupyterLab's dark theme: the widget's page follows
            tab.locator(".lm-MenuBar-itemLabel", has_text="Settings").click()
            tab.locator(".lm-Menu-itemLabel", has_text="Theme").first.hover()
            tab.locator(".lm-Menu-itemLabel").get_by_text("JupyterLab Dark", exact=True).click()
            tab.wait_for_function(
                "() => document.querySelector('.agl-widget iframe')"
                ".contentDocument.documentElement.dataset.theme === 'dark'"
            )
            tab.wait_for_timeout(500)  # the theme's stylesheet swap
            tab.screenshot(path=str(folder / "widget_jupyterlab_dark.png"))
        finally:
            browser.close()
    assert outside == [], f"JupyterLab or the widget reached outside 127.0.0.1: {outside}"


def test_an_untrusted_notebook_shows_the_interactive_pages_picture(
    lab: str, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    folder = Path(os.environ.get("AUTOGRAD_LITE_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    outside: list[str] = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            context.route("**/*", _only_local(lab.split(":")[2].split("/")[0], outside))
            tab = context.new_page()
            tab.set_default_timeout(30000)
            tab.goto(lab.format("stored"))
            output = tab.locator(CELLS).first.locator(".jp-OutputArea-output")
            picture = output.locator("img")
            try:
                picture.wait_for()
            except Exception:
                tab.screenshot(path=str(folder / "page_untrusted_failure.png"))
                shown = output.first.inner_html()[:600] if output.count() else "no output"
                pytest.fail(f"no picture in the untrusted output: {shown!r}")
            tab.wait_for_function("img => img.complete", arg=picture.element_handle())
            assert picture.evaluate("img => img.naturalWidth") > 400
            assert output.locator("iframe").count() == 0  # JupyterLab sanitised the output
            tab.screenshot(path=str(folder / "page_untrusted_jupyterlab.png"))
        finally:
            browser.close()
    assert outside == [], f"JupyterLab reached outside 127.0.0.1: {outside}"
