"""check_gradients never passes what it cannot judge: random loss functions, values that never
reach the loss, shared memory, shapes; and numpy idioms that hand back bare numbers run."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from autograd_lite import check_gradients


def test_a_fresh_dropout_mask_per_call_gets_no_verdict() -> None:
    # The false pass of issue 20: the backward ignores the mask, the check saw two losses at
    # the same point and called it a kink.
    rng = np.random.default_rng(0)
    X, W = rng.standard_normal((4, 3)), rng.standard_normal((3, 5))

    def loss(W: Any) -> Any:
        h = np.tanh(X @ W)
        mask = (np.random.rand(*h.shape) > 0.5) / 0.5
        return np.sum((h * mask) ** 2)

    h = np.tanh(X @ W)
    wrong = X.T @ (2 * h * (1 - h**2))  # ignores the mask
    with pytest.raises(ValueError, match=r"different values at the same point.*No verdict"):
        check_gradients(loss, {"W": W}, {"W": wrong})


def test_saturated_probabilities_through_clip_and_log() -> None:
    p = np.array([0.5, 1.0])

    def loss(p: Any) -> Any:
        return -np.sum(np.log(np.clip(p, 1e-7, 1 - 1e-7)))

    report = check_gradients(loss, {"p": p}, {"p": np.array([-2.0, 0.0])})
    assert report.ok, report
    wrong = check_gradients(loss, {"p": p}, {"p": np.array([-2.0, -1.0])})
    assert wrong["p[1]"].verdict == "WRONG" and wrong["p[0]"].verdict == "ok"


def test_a_name_taken_after_its_value_was_used_is_an_error() -> None:
    class Dense:
        def __init__(self, W: Any) -> None:
            self.W = W

        def forward(self, x: Any) -> None:
            self.output = x @ self.W

    X = np.array([[1.0, -2.0], [0.5, 3.0]])

    def loss(W: Any) -> Any:
        dense = Dense(W)
        dense.forward(X)
        a = np.tanh(dense.output)
        z1 = dense.output  # named after tanh used it
        return np.sum(a**2) + 0 * np.sum(z1.shape)

    W = np.array([[0.3, -0.1], [0.2, 0.4]])
    with pytest.raises(ValueError, match=r"variable 'z1'.*never reaches the loss"):
        check_gradients(loss, {"W": W}, {"z1": np.zeros((2, 2))})


def test_expected_arrays_sharing_memory_are_flagged_with_both_names() -> None:
    X = np.array([[1.0, -2.0], [0.5, 3.0]])
    W = np.array([[0.3, -0.1], [0.2, 0.4]])

    def loss(W: Any) -> Any:
        z = X @ W
        h = np.maximum(z, 0)
        return np.sum(h**2)

    z = X @ W
    dh = 2 * np.maximum(z, 0)
    dz = dh  # no .copy()
    dz[z <= 0] = 0
    report = check_gradients(loss, {"W": W}, {"h": dh, "z": dz, "W": X.T @ dz})
    assert any("expected['h'] and expected['z'] share memory" in n for n in report.notes)


@pytest.mark.parametrize(
    ("mine", "needle", "absent"),
    [
        (np.ones((3, 2)), "transposed", "reshape it"),
        (np.ones(3), "row flattened", None),
    ],
)
def test_shape_messages_say_what_is_the_case(mine: Any, needle: str, absent: Any) -> None:
    shape = (2, 3) if mine.ndim == 2 else (1, 3)
    W = np.ones(shape)
    with pytest.raises(ValueError, match=needle) as info:
        check_gradients(lambda W: np.sum(W * W), {"W": W}, {"W": mine})
    if absent:
        assert absent not in str(info.value)


@pytest.mark.parametrize(("yours", "verdict"), [(-1 / (0.9 - 5e-8), "ok"), (-0.5, "WRONG")])
def test_a_step_crossing_a_clip_bound_is_not_a_kink(yours: float, verdict: str) -> None:
    # p sits 5e-8 inside the bound 0.9: both steps (1e-6, 1e-7) cross it, yet the function is
    # differentiable here with slope -1/p. A value between the one-sided slopes is not right.
    p = np.array([0.9 - 5e-8, 0.5])

    def loss(p: Any) -> Any:
        return -np.sum(np.log(np.clip(p, 1e-7, 0.9)))

    report = check_gradients(loss, {"p": p}, {"p": np.array([yours, -2.0])})
    assert report["p[0]"].verdict == verdict
    assert "kink lies within the finite-difference step" in report["p[0]"].note


def test_an_exact_tie_in_np_maximum_is_a_kink() -> None:
    z = np.array([0.0, 1.5])
    report = check_gradients(
        lambda z: np.sum(np.maximum(z, 0) * 3.0), {"z": z}, {"z": np.array([0.0, 3.0])}
    )
    assert report["z[0]"].verdict == "kink"
    assert report.ok


def test_a_non_finite_loss_is_located_where_it_is_produced() -> None:
    W = np.array([1e200, 2.0])
    with (
        np.errstate(over="ignore"),
        pytest.raises(ValueError, match=r"returned nan.*produced by mul\(1e\+200, 1e\+200\) = inf"),
    ):
        check_gradients(lambda W: np.sum(W * W) - np.sum(W * W), {"W": W}, {"W": np.zeros(2)})
