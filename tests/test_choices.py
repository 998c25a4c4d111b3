"""Gradients computed from your choice at an exact kink are judged against that choice."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import check_gradients

rng = np.random.default_rng(0)
X = rng.standard_normal((4, 3))
W2 = rng.standard_normal((5, 2))
Y = rng.standard_normal((4, 2))
W1 = np.zeros((3, 5))  # every relu input exactly 0: every entry of Z1 at the kink


def loss_fn(W1: Any, W2: Any) -> Any:
    Z1 = X @ W1
    A1 = np.maximum(Z1, 0)  # at a tie numpy passes Z1 through: the engine's slope is 1
    Z2 = A1 @ W2
    return np.sum((Z2 - Y) ** 2)


def by_hand(slope_at_zero: float) -> dict[str, np.ndarray]:
    Z1 = X @ W1
    A1 = np.maximum(Z1, 0)
    dZ2 = 2 * (A1 @ W2 - Y)
    dA1 = dZ2 @ W2.T
    dZ1 = dA1 * np.where(Z1 > 0, 1.0, np.where(Z1 == 0, slope_at_zero, 0.0))
    return {"Z2": dZ2, "A1": dA1, "Z1": dZ1, "W1": X.T @ dZ1, "W2": A1.T @ dZ2}


@pytest.mark.parametrize("slope", [0.0, 1.0, 0.5])
def test_a_correct_backward_with_any_valid_choice_has_no_wrong_entry(slope: float) -> None:
    # The issue's case: relu'(0) = 0 gave 11 WRONG entries in a correct dW1 = X.T @ dZ1.
    report = check_gradients(loss_fn, {"W1": W1, "W2": W2}, by_hand(slope))
    assert not report.mismatches, report.to_text(max_ok_rows=0)
    assert report.root_causes == []
    if slope == 0.0:
        followed = [e for e in report.entries if "follows your choice" in e.note]
        assert followed and all(e.gradient == "W1" for e in followed)


def test_a_wrong_gradient_computed_from_the_choice_stays_wrong() -> None:
    hand = by_hand(0.0)
    truth = X.T @ hand["Z1"]  # what the learner's own choice implies
    hand["W1"] = 2.0 * truth  # a bug after the kink
    report = check_gradients(loss_fn, {"W1": W1, "W2": W2}, hand)
    for e in report.entries:
        if e.gradient != "W1":
            continue
        i, j = (int(k) for k in e.name[3:-1].split(","))
        if abs(hand["W1"][i, j] - truth[i, j]) > 1e-8 + 1e-4 * abs(truth[i, j]):
            assert e.verdict in ("WRONG", "kink"), e
            assert "follows your choice" not in e.note


@settings(max_examples=20, deadline=None)
@given(i=st.integers(0, 2), j=st.integers(0, 4), factor=st.floats(0.05, 2.0))
def test_no_perturbed_entry_passes_as_following_the_choice(i: int, j: int, factor: float) -> None:
    hand = by_hand(0.0)
    right = hand["W1"][i, j]
    hand["W1"] = hand["W1"].copy()
    hand["W1"][i, j] += factor * max(abs(right), 1.0)
    report = check_gradients(loss_fn, {"W1": W1, "W2": W2}, hand)
    entry = report[f"W1[{i},{j}]"]
    # Judged against your choice (X.T @ dZ1) it is wrong; it may only be a kink if it also
    # lies between the one-sided slopes, never "ok, follows your choice".
    assert entry.verdict != "ok"
