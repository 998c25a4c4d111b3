"""causes: which checked gradients lie between which and the loss, and so which is first wrong.

The backward order is held to the forward pass written here; the verdicts to hand-derived
gradients of tanh, whose derivative is 1 - tanh².
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from autograd_lite import check_gradients

W = np.array([0.3, -0.5])


def chain(W: Any) -> Any:
    z = W * 2.0
    h = np.tanh(z)
    return np.sum(h * h)


def right(W: np.ndarray) -> dict[str, np.ndarray]:
    h = np.tanh(W * 2.0)
    dh = 2 * h
    dz = dh * (1 - h**2)
    return {"h": dh, "z": dz, "W": 2 * dz}


def test_the_first_wrong_step_is_the_root_cause_and_the_rest_inherit() -> None:
    want = right(W)
    report = check_gradients(chain, {"W": W}, {**want, "h": want["h"] * 1.5, "z": want["z"] * 1.5})
    assert [g.name for g in report.gradients] == ["h", "z", "W"]
    assert report.root_causes == ["h"]
    assert report.inherited("z") == ["h"]
    assert report.gradients[1].downstream == ("h",)
    assert "First wrong step: h" in report.diagnosis()


def test_a_cut_graph_names_no_root_cause_and_says_why() -> None:
    def cut(W: Any) -> Any:
        z = W * 2.0
        h = np.array([math.tanh(v) for v in z])  # math.tanh cuts the graph
        return np.sum(h * h)

    want = right(W)
    report = check_gradients(cut, {"W": W}, {"h": want["h"] * 1.5, "z": want["z"] * 1.5})
    assert report.wrong_names == ["h", "z"]
    assert report.root_causes == []
    assert not any(g.placed for g in report.gradients)
    diagnosis = report.diagnosis()
    assert "cut the graph" in diagnosis and "cannot name a first wrong step" in diagnosis
    text = str(report)
    assert "no checked gradient lies between" not in text
    assert "in the order the backward pass reaches them" not in text
    assert "root cause" not in text
    # A right pass through the same cut graph still passes, entry by entry.
    assert check_gradients(cut, {"W": W}, {"h": want["h"], "z": want["z"]}).ok
    # With one wrong variable, nothing wrong can lie between it and the loss: it is named,
    # and the input computed from it may inherit its error.
    one = check_gradients(
        cut, {"W": W}, {"h": want["h"], "z": want["z"] * 1.5, "W": want["W"] * 1.5}
    )
    assert one.wrong_names == ["z", "W"] and one.root_causes == ["z"]
    assert "every checked variable other than it is right" in one.diagnosis()
    assert "W is wrong too and may be computed from z" in one.diagnosis()


@pytest.mark.parametrize("scale", [1.0, 1.5])
def test_inputs_alone_have_no_order_to_tell_a_root_cause_by(scale: float) -> None:
    want = right(W)
    report = check_gradients(chain, {"W": W}, {"W": want["W"] * scale})
    assert "First wrong step" not in report.diagnosis()
    assert report.ok == (scale == 1.0)
