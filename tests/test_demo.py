"""demo: the quick mode runs the whole pipeline and writes valid PNG and SVG files."""

from __future__ import annotations

import contextlib
import io
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from autograd_lite.__main__ import main as cli_main
from autograd_lite.datasets import make_moons
from autograd_lite.learn import demo

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FILES = [
    "moons_decision_boundary.png",
    "spiral_decision_boundary.png",
    "loss_curves.png",
    "neuron.svg",
    "backprop_check.svg",
    "training.html",
]


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path, str]:
    """One quick demo run shared by the tests below: exit code, output folder, stdout."""
    out = tmp_path_factory.mktemp("demo") / "out"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = demo.main(["--quick", "--out", str(out), "--no-progress"])
    return code, out, printed.getvalue()


def test_quick_demo_succeeds_and_writes_every_file(quick_run: tuple[int, Path, str]) -> None:
    code, out, _ = quick_run
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)


def test_pngs_are_valid_images_of_a_sensible_size(quick_run: tuple[int, Path, str]) -> None:
    _, out, _ = quick_run
    for name in FILES[:3]:
        width, height = _png_size(out / name)
        assert 300 <= width <= 2000 and 300 <= height <= 2000, name


def test_svg_is_xml_drawing_one_neuron_with_its_parameter_names(
    quick_run: tuple[int, Path, str],
) -> None:
    _, out, _ = quick_run
    root = ET.parse(out / "neuron.svg").getroot()
    assert root.tag.endswith("svg")
    text = " ".join(t for t in root.itertext())
    assert "layers.0.neurons." in text and ".w.0" in text and ".w.1" in text
    assert "x.0" in text and "relu" in text
    assert "layers.1" not in text  # one first-layer neuron, not the network


def test_the_demo_opens_with_a_hand_derived_backward_pass_and_its_root_cause(
    quick_run: tuple[int, Path, str],
) -> None:
    _, out, printed = quick_run
    check, training = printed.split("2. Training two networks")
    assert check.index("1. Checking a backward pass derived by hand") < check.index("def loss_fn")
    assert "check_gradients: 14 WRONG, 19 ok (33 entries checked)" in check
    assert "First wrong step: z1" in check and "b1 and W1 are wrong too" in check
    assert f"(wrong) or green (right): {out / 'backprop_check.svg'}" in " ".join(check.split())
    assert "Checked again: check_gradients: 33 ok" in check
    assert "training accuracy" in training and "training accuracy" not in check


def test_the_replay_page_of_the_moons_training_is_written(quick_run: tuple[int, Path, str]) -> None:
    _, out, printed = quick_run
    page = (out / "training.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "autogradLitePlayback" in page
    assert "<title>two moons: training replay</title>" in page
    assert str(out / "training.html") in printed


def test_progress_and_results_are_printed(quick_run: tuple[int, Path, str]) -> None:
    _, out, printed = quick_run
    assert "epoch" in printed and "loss" in printed
    assert printed.count("training accuracy") == 2
    assert printed.count("with compiled batched steps") == 2
    assert printed.count("(compiled: traced once in") == 2
    assert "ops per sample" in printed and "ms per step" in printed
    assert str(out / "neuron.svg") in printed and "done in" in printed


def _numbers(printed: str) -> list[str]:
    """The lines that carry training results (per-epoch losses and accuracies)."""
    return [
        line
        for line in printed.splitlines()
        if line.lstrip().startswith("epoch") or (" training accuracy " in line and "after" in line)
    ]


def test_the_interpreter_path_prints_the_same_training(
    quick_run: tuple[int, Path, str], tmp_path: Path
) -> None:
    _, _, compiled = quick_run
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = demo.main(["--quick", "--out", str(tmp_path), "--no-progress", "--interpreter"])
    interpreted = printed.getvalue()
    assert code == 0 and sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)
    assert interpreted.count("with the interpreter") == 2
    assert "(interpreter:" in interpreted and "graph nodes per step" in interpreted
    # the same losses and accuracies, epoch by epoch (only the timing part differs)
    same = [line.split(" in ")[0] for line in _numbers(interpreted)]
    assert same == [line.split(" in ")[0] for line in _numbers(compiled)]
    assert len(same) == 2 * 10 + 2


def test_the_time_to_reach_the_target_is_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    easy = demo._Task("moons", "easy moons", [8, 8, 1], "uniform", "hinge", 0.05, 60, 0.9)
    monkeypatch.setattr(demo, "_tasks", lambda quick: [easy])
    monkeypatch.setattr(demo, "_data", lambda name, quick: make_moons(20, noise=0.0, seed=0))
    assert demo.main(["--out", str(tmp_path), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "moons: 90% training accuracy first reached in epoch" in printed
    assert "(compiling included)" in printed


def test_the_command_line_dispatches_to_the_demo(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["demo", "--help"])
    assert exit_info.value.code == 0
    help_text = capsys.readouterr().out
    assert "python -m autograd_lite demo" in help_text and "--quick" in help_text


def test_a_missed_accuracy_target_fails_the_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    impossible = demo._Task("moons", "tiny moons", [2, 1], "uniform", "hinge", 0.01, 1, 1.01)
    monkeypatch.setattr(demo, "_tasks", lambda quick: [impossible])

    def tiny(name: str, quick: bool) -> tuple[np.ndarray, np.ndarray]:
        return make_moons(10, seed=0)

    monkeypatch.setattr(demo, "_data", tiny)
    assert demo.main(["--out", str(tmp_path), "--no-progress"]) == 1
    assert "below the target" in capsys.readouterr().err


def test_an_out_path_that_is_a_file_is_a_one_line_error_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Regression (issue 21, finding 14): demo --out <existing file> ended in a traceback.
    taken = tmp_path / "notes.txt"
    taken.write_text("mine")
    assert demo.main(["--quick", "--out", str(taken), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --out") and "it is a file, not a folder" in err
    assert "Traceback" not in err and taken.read_text() == "mine"
