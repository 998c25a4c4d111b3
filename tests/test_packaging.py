"""Packaging: license, one version, what the sdist carries, extras, the console script."""

from __future__ import annotations

import builtins
import configparser
import re
from pathlib import Path

import autograd_lite
from autograd_lite.__main__ import main

ROOT = Path(__file__).resolve().parent.parent


def _setup_cfg() -> configparser.ConfigParser:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    return config


def test_the_license_is_mit_by_the_authors() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "autograd_lite authors" in text
    assert _setup_cfg()["metadata"]["license"] == "MIT"


def test_the_version_is_written_once() -> None:
    assert _setup_cfg()["metadata"]["version"] == "attr: autograd_lite.__version__"
    assert re.fullmatch(r"\d+\.\d+\.\d+", autograd_lite.__version__)


def test_import_star_does_not_shadow_builtins() -> None:
    namespace: dict[str, object] = {}
    exec("from autograd_lite import *", namespace)
    shadowed = sorted(n for n in namespace if n in dir(builtins) and not n.startswith("__"))
    assert shadowed == []
    from autograd_lite import abs, compile  # still importable by name

    assert abs(-2.0) == 2.0 and callable(compile)


def test_metadata_extras_classifiers_and_console_script() -> None:
    config = _setup_cfg()
    classifiers = config["metadata"]["classifiers"]
    for version in ("3.11", "3.12", "3.13"):
        assert f"Programming Language :: Python :: {version}" in classifiers
    extras = config["options.extras_require"]
    assert "sympy" in extras["notebooks"] and "ipykernel" in extras["notebooks"]
    assert "ruff" in extras["dev"] and "mypy" in extras["dev"]
    script = config["options.entry_points"]["console_scripts"].strip()
    assert script == "autograd-lite = autograd_lite.__main__:main"
    assert main(["--help"]) == 0


def test_the_sdist_carries_what_the_tests_read() -> None:
    manifest = (ROOT / "MANIFEST.in").read_text(encoding="utf-8")
    for line in (
        "include LICENSE",
        "recursive-include tests *.py",
        "recursive-include tests/data *",
        "recursive-include notebooks *.ipynb *.py",
        "recursive-include docs *.svg",
    ):
        assert line in manifest
