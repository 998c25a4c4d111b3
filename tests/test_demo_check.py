"""demo_check: the demo's hand-derived backward pass, judged against finite differences.

The oracle is central differences of the loss written afresh here for each checked variable
(the loss as a function of z2, of a1, of z1 and of each input), never the engine.
"""

from __future__ import annotations

import contextlib
import io
import xml.etree.ElementTree as ET
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pytest

from autograd_lite.learn import demo_check as dc

Array = npt.NDArray[np.float64]
SVG = "{http://www.w3.org/2000/svg}"


def _softmax_ce(z2: Array) -> float:
    e = np.exp(z2 - z2.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    return float(-np.sum(dc.Y * np.log(p)) / len(dc.X))


def _losses() -> dict[str, tuple[Callable[[Array], float], Array]]:
    """Each checked name -> (the loss as a function of that variable alone, its value)."""
    P = dc.PARAMETERS
    z1 = dc.X @ P["W1"] + P["b1"]
    a1 = np.tanh(z1)
    return {
        "z2": (_softmax_ce, a1 @ P["W2"] + P["b2"]),
        "a1": (lambda a: _softmax_ce(a @ P["W2"] + P["b2"]), a1),
        "z1": (lambda z: _softmax_ce(np.tanh(z) @ P["W2"] + P["b2"]), z1),
        "W2": (lambda w: _softmax_ce(a1 @ w + P["b2"]), P["W2"]),
        "b2": (lambda b: _softmax_ce(a1 @ P["W2"] + b), P["b2"]),
        "W1": (lambda w: _softmax_ce(np.tanh(dc.X @ w + P["b1"]) @ P["W2"] + P["b2"]), P["W1"]),
        "b1": (lambda b: _softmax_ce(np.tanh(dc.X @ P["W1"] + b) @ P["W2"] + P["b2"]), P["b1"]),
    }


def _central(f: Callable[[Array], float], at: Array, eps: float = 1e-6) -> Array:
    grad = np.zeros_like(at)
    for i in np.ndindex(at.shape):
        up, down = at.copy(), at.copy()
        up[i] += eps
        down[i] -= eps
        grad[i] = (f(up) - f(down)) / (2 * eps)
    return grad


def _wrong_by_oracle(by_hand: dict[str, Array]) -> set[str]:
    wrong = set()
    for name, (f, at) in _losses().items():
        reference = _central(f, at)
        for i in np.ndindex(at.shape):
            if abs(by_hand[name][i] - reference[i]) > 1e-6 + 1e-4 * abs(reference[i]):
                wrong.add(f"{name}[{','.join(map(str, i))}]" if at.ndim > 1 else f"{name}[{i[0]}]")
    return wrong


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dc.CheckDemo, str]:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        result = dc.run(tmp_path_factory.mktemp("check"))
    return result, printed.getvalue()


def test_every_entry_is_judged_as_finite_differences_judge_it(
    demo_run: tuple[dc.CheckDemo, str],
) -> None:
    result, _ = demo_run
    expected_wrong = _wrong_by_oracle(dc.backward_by_hand(**dc.PARAMETERS))
    assert len(result.report.entries) == 4 + 6 + 6 + 6 + 2 + 6 + 3
    assert {e.name for e in result.report.mismatches} == expected_wrong
    assert {name.split("[")[0] for name in expected_wrong} == {"z1", "W1", "b1"}


def test_the_bug_is_named_as_the_root_cause_and_the_rest_as_inherited(
    demo_run: tuple[dc.CheckDemo, str],
) -> None:
    result, printed = demo_run
    assert result.report.root_causes == ["z1"]
    assert "First wrong step: z1" in printed
    assert "b1 and W1 are wrong too" in printed and "merely inherit" in printed
    assert "report.root_causes == ['z1']" in printed
    assert dc.BUG in printed and dc.FIX in printed


def test_the_fixed_pass_agrees_with_finite_differences_and_passes(
    demo_run: tuple[dc.CheckDemo, str],
) -> None:
    result, printed = demo_run
    assert _wrong_by_oracle(dc.fixed_backward(**dc.PARAMETERS)) == set()
    assert result.fixed.ok and len(result.fixed.entries) == len(result.report.entries)
    assert "Checked again: check_gradients: 33 ok (33 entries checked)" in printed


def test_the_learners_code_is_printed_as_it_ran(demo_run: tuple[dc.CheckDemo, str]) -> None:
    _, printed = demo_run
    assert "        dZ1 = dA1 * (1 - Z1**2)" in printed
    assert "        z1 = X @ W1 + b1" in printed


def test_the_drawing_marks_exactly_the_wrong_entries_red(
    demo_run: tuple[dc.CheckDemo, str],
) -> None:
    result, printed = demo_run
    assert result.drawing is not None and str(result.drawing) in printed
    root = ET.parse(result.drawing).getroot()
    marked: dict[str, set[str]] = {"verdict-wrong": set(), "verdict-ok": set()}
    for cell in root.iter(f"{SVG}rect"):
        classes = (cell.get("class") or "").split()
        hover = cell.find(f"{SVG}title")
        for kind in marked:
            if kind in classes and hover is not None and hover.text:
                marked[kind].add(hover.text.split(":", 1)[0])
    wrong = _wrong_by_oracle(dc.backward_by_hand(**dc.PARAMETERS))
    assert marked["verdict-wrong"] == wrong == {e.name for e in result.report.mismatches}
    assert marked["verdict-ok"] == {e.name for e in result.report.entries} - wrong
    width = float(root.get("width", "0").removesuffix("px"))
    assert width <= 1600  # was 10,194 px as a graph of scalars


def test_the_mistake_is_named_local_derivative_at_the_wrong_variable(
    demo_run: tuple[dc.CheckDemo, str],
) -> None:
    result, printed = demo_run
    (finding,) = [m for m in result.report.mistakes if m.gradient == "z1"]
    assert finding.kind == "local_derivative"
    assert (finding.evidence["used"], finding.evidence["meant"]) == ("1 - z1**2", "1 - a1**2")
    assert "1 - z1**2, where 1 - a1**2 was meant (a1 = tanh(z1))" in finding.message
    assert finding.message in printed
    assert result.report.diagnosis().startswith(finding.message)
    assert result.fixed.mistakes == []
