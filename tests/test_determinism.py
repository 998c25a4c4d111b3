"""The test suite itself is deterministic: hypothesis draws fixed examples and keeps no database."""

from __future__ import annotations

import subprocess
from pathlib import Path

from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent


def test_hypothesis_examples_are_fixed_on_every_run_ci_or_not() -> None:
    assert settings.default.derandomize is True
    assert settings.default.database is None


def test_no_hypothesis_example_database_is_in_the_checkout() -> None:
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert ".hypothesis/" in ignored
    tracked = subprocess.run(
        ["git", "ls-files", ".hypothesis"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert tracked.stdout == ""
