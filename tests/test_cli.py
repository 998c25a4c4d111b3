"""The ``graph`` command: ``python -m autograd_lite graph "tanh(x*w + b)" --at ... -o g.svg``."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd_lite.draw import render as R
from autograd_lite.draw.cli import main

ROOT = Path(__file__).resolve().parents[1]
NEURON = ["tanh(x*w + b)", "--at", "x=2", "w=-3", "b=6.88"]


def svg_texts(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    return [
        " ".join("".join(el.itertext()).split())
        for el in root.iter()
        if el.tag.rsplit("}", 1)[-1] == "text"
    ]


def test_draws_the_neuron(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "graph.svg"
    assert main([*NEURON, "-o", str(out), "--renderer", "wasm"]) == 0
    texts = svg_texts(out)
    for expected in ["x", "w", "b", "tanh", "*", "+", "grad -1.503", "grad 1.002", "grad 1"]:
        assert expected in texts
    printed = capsys.readouterr().out
    assert "tanh(x*w + b) = 0.7064" in printed
    assert "d/dx = -1.503" in printed and "d/dw = 1.002" in printed and "d/db = 0.501" in printed
    assert f"wrote {out}" in printed


def test_options_reach_the_drawing(tmp_path: Path) -> None:
    out = tmp_path / "g.dot"
    args = [*NEURON, "-o", str(out), "--rankdir", "TB", "--digits", "2", "--edge-labels"]
    assert main([*args, "--no-data"]) == 0
    source = out.read_text(encoding="utf-8")
    assert "rankdir=TB" in source and "grad -1.5" in source and "data " not in source
    assert 'label="local -3\\nadds -1.5"' in source
    assert main([*NEURON, "-o", str(out), "--no-grad"]) == 0
    assert "grad " not in out.read_text(encoding="utf-8")


def test_no_backward_draws_the_caption(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "g.svg"
    assert main([*NEURON, "-o", str(out), "--no-backward", "--renderer", "wasm"]) == 0
    assert any("gradients not computed yet" in t for t in svg_texts(out))
    assert "d/dx" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("formula", "words"),
    [
        ("__import__('os')", "calling '__import__' at column 1 is not allowed"),
        ("__import__('os').system('echo hacked')", "not allowed"),
        ("x.__class__", "attribute access"),
        ("open('/etc/passwd')", "calling 'open'"),
        ("x +", "cannot parse"),
        ("x * q", "variable 'q'"),
        ("log(w)", "cannot compute"),
    ],
)
def test_bad_formulas_exit_2_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], formula: str, words: str
) -> None:
    out = tmp_path / "g.svg"
    assert main([formula, "--at", "x=2", "w=-3", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and words in err
    assert not out.exists()


@pytest.mark.parametrize("assignment", ["x", "x=", "x=abc", "1x=2", "=3"])
def test_bad_assignments_exit_2(capsys: pytest.CaptureFixture[str], assignment: str) -> None:
    assert main(["x", "--at", assignment]) == 2
    assert "--at" in capsys.readouterr().err


def test_bad_options_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["x", "--at", "x=1", "--rankdir", "XY"]) == 2
    assert main(["x", "--at", "x=1", "--digits", "0", "-o", str(tmp_path / "g.svg")]) == 2
    assert "digits" in capsys.readouterr().err
    assert main(["x", "--at", "x=1", "-o", str(tmp_path / "g.jpeg")]) == 2
    assert main(["x*x", "--at", "x=1", "--max-nodes", "2", "-o", str(tmp_path / "g.svg")]) == 2
    assert "max_nodes=2" in capsys.readouterr().err
    assert main([]) == 2


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "--at NAME=VALUE" in capsys.readouterr().out


def test_pdf_without_dot_exits_1_naming_what_to_install(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(R, "dot_program", lambda: None)
    out = tmp_path / "g.pdf"
    assert main([*NEURON, "-o", str(out)]) == 1
    assert "apt-get install graphviz" in capsys.readouterr().err
    assert not out.exists()


def test_unwritable_output_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*NEURON, "-o", str(tmp_path / "missing" / "g.dot")]) == 1
    assert "error:" in capsys.readouterr().err


def test_formula_starting_with_minus_after_double_dash(tmp_path: Path) -> None:
    out = tmp_path / "g.dot"
    assert main(["--at", "x=1", "-o", str(out), "--", "-x*2"]) == 0
    assert "neg" in out.read_text(encoding="utf-8") or '"-"' in out.read_text(encoding="utf-8")


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run(
        [sys.executable, "-m", "autograd_lite", "graph", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_python_dash_m_graph(tmp_path: Path) -> None:
    done = _run(*NEURON, "-o", "graph.svg", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "wrote graph.svg" in done.stdout
    assert "tanh" in svg_texts(tmp_path / "graph.svg")


def test_python_dash_m_graph_refuses_import(tmp_path: Path) -> None:
    done = _run("__import__('os').system('touch pwned')", "-o", "g.svg", cwd=tmp_path)
    assert done.returncode == 2
    assert "not allowed" in done.stderr
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "g.svg").exists()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["x * 2", "--at", "x=1", "x=2"], "gives 'x' twice"),
        (["x + 1" + "0" * 400, "--at", "x=1"], "too large for a float"),
        (["x\udcff", "--at", "x=1"], "not UTF-8 text at column 2"),
        (["sin(x)", "--at", "x=inf"], "sin of inf is undefined"),
    ],
    ids=["twice", "309+digits", "non-utf8", "sin-inf"],
)
def test_bad_formulas_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    # Regression (issue 11): these printed a traceback and exited 1, or took the last --at.
    assert main([*args, "-o", str(tmp_path / "g.svg")]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    assert not (tmp_path / "g.svg").exists()


@pytest.mark.skipif(os.name != "posix", reason="FIFOs are POSIX")
def test_graph_onto_a_fifo_fails_and_leaves_it_a_fifo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Regression (issue 21, finding 3): `graph x -o full.svg` onto a copy of /dev/full exited 0
    # and the device became a regular file; a FIFO stands in for it without root.
    import stat

    fifo = tmp_path / "full.svg"
    os.mkfifo(fifo)
    assert main([*NEURON, "-o", str(fifo), "--renderer", "bundled"]) == 1
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert "not a regular file" in capsys.readouterr().err
