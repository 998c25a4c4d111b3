"""Shared test settings: hypothesis runs the same fixed examples on every run, CI or not.

``derandomize=True`` draws examples from a seed derived from each test, and ``database=None``
keeps no example database, so a failure found once cannot replay forever from a local
``.hypothesis/`` directory: the README's test command gives the same result every time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import settings

from tests.browser import launch

settings.register_profile("deterministic", derandomize=True, database=None, print_blob=True)
settings.load_profile("deterministic")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium for this test module (see tests/browser.py)."""
    yield from launch()
