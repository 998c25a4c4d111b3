"""Headless Debian Chromium for the tests that look at pages as a user does.

Playwright drives the system's ``chromium`` (nothing here can download a browser build). Locally a
missing Chromium skips those tests; with ``CI`` set it fails them, since .ci/run installs it. The
``browser`` fixture in ``tests/conftest.py`` launches one per test module.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying hosts this machine cannot reach.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch() -> Iterator[Any]:
    """Yield a launched Chromium, closed afterwards; skip or fail as the module says."""
    present = Path(CHROMIUM).exists()
    if not present and not os.environ.get("CI"):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as err:
        pytest.fail(f"playwright is not installed (pip install playwright): {err}")
    if not present:
        pytest.fail(f"CI=true but chromium is missing at {CHROMIUM}: .ci/run installs it")
    with sync_playwright() as driver:
        try:
            launched = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        except Exception as err:  # a browser that will not start is a failure, never a skip
            pytest.fail(f"chromium at {CHROMIUM} did not start: {err}")
        yield launched
        launched.close()
