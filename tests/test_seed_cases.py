"""Self-consistency of the seed-notebook cases in ``tests/seeds``, with numpy alone.

These tests do not use the engine. They hold the data to account: each forward pass reproduces what
its notebook printed, the analytic gradients agree with central differences, every verdict on a
hand-derived gradient holds against both, and each diagnosed bug, replayed, gives back the printed
wrong numbers. A small forward-mode dual number stands in for ``Value`` to show the forward passes
run unchanged on numpy object arrays.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pytest

from .seeds import (
    CASES,
    CASES_BY_NAME,
    FORWARDS,
    NOT_REBUILT,
    OK,
    WRONG,
    PrintedForward,
    SeedCase,
)
from .seeds.seed_001 import (
    NB1_INITIAL,
    NB1_LEARNING_RATE,
    NB1_STOP_LOSS,
    NB1_TRAINING_RESULT,
    nb1_hand_step,
    nb1_trace,
)
from .seeds.seed_003 import (
    NB3_GRID,
)
from .seeds.seed_004 import (
    nb4_hand_backward,
)

EPS = 1e-6
# Central differences lose about machine-epsilon * |loss| / EPS to rounding.
ROUNDING = 4 * np.finfo(np.float64).eps / EPS

case_ids = [case.name for case in CASES]


def central_differences(
    loss: Callable[..., Any], inputs: Mapping[str, np.ndarray], name: str, step: float = EPS
) -> np.ndarray:
    """dloss/dinputs[name] by central differences, one entry at a time."""
    point = {key: np.array(value, dtype=np.float64) for key, value in inputs.items()}
    grad = np.zeros_like(point[name])
    for index in np.ndindex(grad.shape):
        start = point[name][index]
        point[name][index] = start + step
        up = float(loss(**point))
        point[name][index] = start - step
        down = float(loss(**point))
        point[name][index] = start
        grad[index] = (up - down) / (2 * step)
    return grad


def one_sided(
    loss: Callable[..., Any], inputs: Mapping[str, np.ndarray], name: str, index: tuple[int, ...]
) -> tuple[float, float]:
    """Left and right differences of the loss along one entry."""
    point = {key: np.array(value, dtype=np.float64) for key, value in inputs.items()}
    here = float(loss(**point))
    start = point[name][index]
    point[name][index] = start + EPS
    right = (float(loss(**point)) - here) / EPS
    point[name][index] = start - EPS
    left = (here - float(loss(**point))) / EPS
    return left, right


def close(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    return np.asarray(np.abs(a - b) <= atol + rtol * np.abs(b))


def kinks(case: SeedCase, name: str) -> np.ndarray:
    """Mask of the entries of input ``name`` that sit on (or within EPS of) a kink."""
    hand = case.hand.get(name)
    if hand is None or hand.shape_mismatch:
        return np.zeros(case.inputs[name].shape, dtype=bool)
    return hand.kink


# ------------------------------------------------------------------------------- the data itself


def test_case_names_are_unique_and_cover_all_five_notebooks() -> None:
    assert len(CASES_BY_NAME) == len(CASES)
    notebooks = {case.notebook for case in CASES}
    assert len(notebooks) == 5
    assert {record.notebook for record in NOT_REBUILT} <= notebooks


@pytest.mark.parametrize("case", CASES, ids=case_ids)
def test_case_is_well_formed(case: SeedCase) -> None:
    assert case.hand, "a case without a hand-derived gradient checks nothing"
    assert set(case.hand) <= set(case.inputs)
    for value in case.inputs.values():
        assert value.dtype == np.float64
    assert set(case.true_grads(**case.inputs)) == set(case.inputs)
    for name, hand in case.hand.items():
        assert hand.values.dtype == np.float64
        assert hand.verdict.shape == hand.values.shape
        assert set(np.unique(hand.verdict)) <= {OK, WRONG, "kink"}
        assert bool(hand.wrong.any()) == bool(hand.bug), f"{name}: a bug iff something is wrong"
        assert hand.shape_mismatch == (hand.values.shape != case.inputs[name].shape)


# ------------------------------------------------------------------------------- forward passes


@pytest.mark.parametrize("case", [c for c in CASES if c.printed_loss is not None], ids=str)
def test_forward_reproduces_the_printed_loss(case: SeedCase) -> None:
    assert case.printed_loss is not None
    assert float(case.loss(**case.inputs)) == pytest.approx(case.printed_loss, rel=1e-12)


@pytest.mark.parametrize("forward", FORWARDS, ids=[f.name for f in FORWARDS])
def test_forward_reproduces_the_printed_intermediates(forward: PrintedForward) -> None:
    ours = forward.trace()
    for name, printed in forward.printed.items():
        # numpy prints 8 decimals: anything within half a unit of the last digit is a match.
        np.testing.assert_allclose(ours[name], printed, rtol=0, atol=forward.atol, err_msg=name)


# ----------------------------------------------------------- analytic gradients and the verdicts


@pytest.mark.parametrize("case", CASES, ids=case_ids)
def test_analytic_gradients_agree_with_central_differences(case: SeedCase) -> None:
    truth = case.true_grads(**case.inputs)
    noise = ROUNDING * abs(float(case.loss(**case.inputs)))
    for name in case.inputs:
        numeric = central_differences(case.loss, case.inputs, name)
        smooth = ~kinks(case, name)
        agree = close(truth[name], numeric, rtol=1e-6, atol=1e-8 + noise)
        assert agree[smooth].all(), f"{name}: analytic {truth[name]} vs numeric {numeric}"


@pytest.mark.parametrize("case", CASES, ids=case_ids)
def test_verdicts_hold_against_analytic_and_numeric_gradients(case: SeedCase) -> None:
    truth = case.true_grads(**case.inputs)
    noise = ROUNDING * abs(float(case.loss(**case.inputs)))
    for name, hand in case.hand.items():
        if hand.shape_mismatch:
            continue
        numeric = central_differences(case.loss, case.inputs, name)
        ok = hand.verdict == OK
        wrong = hand.wrong
        vs_truth = close(hand.values, truth[name], case.rtol, case.atol)
        vs_numeric = close(hand.values, numeric, case.rtol, case.atol + noise)
        assert vs_truth[ok].all(), f"{name}: entries judged ok differ from the truth"
        # Central differences straddle a nearby kink at the entries hand.kink marks.
        smooth_ok = ok & ~hand.kink
        assert vs_numeric[smooth_ok].all(), f"{name}: entries judged ok differ from differences"
        assert not vs_truth[wrong].any(), f"{name}: entries judged wrong match the truth"
        assert not vs_numeric[wrong].any(), f"{name}: entries judged wrong match differences"


@pytest.mark.parametrize("case", [c for c in CASES if any(h.kink.any() for h in c.hand.values())])
def test_kinks_are_where_central_differences_straddle_a_kink(case: SeedCase) -> None:
    truth = case.true_grads(**case.inputs)
    for name, hand in case.hand.items():
        for index in zip(*np.nonzero(hand.kink), strict=True):
            left, right = one_sided(case.loss, case.inputs, name, index)
            assert not math.isclose(left, right, rel_tol=1e-3, abs_tol=1e-6)
            # The learner's value is one of the one-sided slopes, and is the true slope here.
            assert hand.values[index] == truth[name][index]
            assert min(left, right) - 1e-6 <= hand.values[index] <= max(left, right) + 1e-6


@pytest.mark.parametrize("case", [c for c in CASES if c.replay is not None], ids=str)
def test_replaying_the_diagnosed_derivation_gives_the_printed_numbers(case: SeedCase) -> None:
    assert case.replay is not None
    replayed = case.replay()
    for name, hand in case.hand.items():
        np.testing.assert_allclose(
            replayed[name], hand.values, rtol=0, atol=case.replay_atol, err_msg=name
        )


def test_every_notebook_with_a_wrong_derivation_has_its_bug_replayed() -> None:
    for case in CASES:
        if any(hand.wrong.any() for hand in case.hand.values()):
            # The softmax grid's hand values are recomputed from the formula, so no replay needed.
            assert case.replay is not None or case.name == "nb3_layers.softmax_backward_grid"


# ---------------------------------------------------------------------- notebook-specific facts


def test_nb0_loss_does_not_depend_on_the_first_layer() -> None:
    case = CASES_BY_NAME["nb0_sigmoid_softmax.parameters"]
    rng = np.random.default_rng(0)
    for _ in range(5):
        moved = dict(case.inputs)
        for name in ("x", "W", "b"):
            moved[name] = case.inputs[name] + rng.normal(size=case.inputs[name].shape)
        assert float(case.loss(**moved)) == pytest.approx(math.log(2), rel=1e-12)


@pytest.mark.parametrize(("diagonal_of", "replays"), [("w_ij", True), ("w_jk", False)])
def test_nb1_training_run_replays_only_with_the_diagonal_of_w_ij(
    diagonal_of: str, replays: bool
) -> None:
    weights = {name: value.copy() for name, value in NB1_INITIAL.items()}
    steps = 0
    while True:
        forward = nb1_trace(**weights)
        if forward["loss"] <= NB1_STOP_LOSS or steps > 2000:
            break
        step = nb1_hand_step(**weights, diagonal_of=diagonal_of)
        for name in ("w_ij", "w_jk", "w_ko"):
            weights[name] = weights[name] - NB1_LEARNING_RATE * step[name]
        steps += 1
    printed = NB1_TRAINING_RESULT
    matches = steps == int(printed["steps"]) and all(
        np.allclose(weights[name], printed[name], rtol=0, atol=1e-8)
        for name in ("w_ij", "w_jk", "w_ko")
    )
    assert matches == replays
    if replays:
        assert float(forward["loss"]) == float(printed["loss"])
        np.testing.assert_allclose(forward["o_out"], printed["o_out"], rtol=0, atol=1e-8)


def test_nb1_hand_delta_is_p_minus_t() -> None:
    forward = nb1_trace(**NB1_INITIAL)
    step = nb1_hand_step(**NB1_INITIAL, diagonal_of="w_ij")
    delta = forward["o_out"] - np.array([1.0, 0.0, 0.0])
    np.testing.assert_allclose(step["w_ko"], np.outer(forward["k_out"], delta), atol=1e-15)


def test_nb4_printed_db2_has_the_wrong_shape_and_the_true_one_is_zero() -> None:
    case = CASES_BY_NAME["nb4_tanh_columns.b2"]
    hand = case.hand["b2"]
    assert hand.values.shape == (3,)
    assert case.inputs["b2"].shape == (1, 1)
    truth = case.true_grads(**case.inputs)["b2"]
    assert truth.shape == (1, 1)
    assert abs(float(truth[0, 0])) < 1e-15
    numeric = central_differences(case.loss, case.inputs, "b2")
    assert abs(float(numeric[0, 0])) < 1e-9
    # Even read as three per-class biases, the printed numbers are not the true per-class sums.
    dz2 = CASES_BY_NAME["nb4_tanh_columns.dLossdZ2"]
    per_class = dz2.true_grads(**dz2.inputs)["Z2"].sum(axis=1)
    assert not close(hand.values, per_class, 1e-6, 1e-8).any()
    np.testing.assert_allclose(nb4_hand_backward()["b2"], hand.values, atol=1e-8)


def test_nb3_pipeline_backward_is_not_the_gradient_of_its_forward() -> None:
    """The unrebuildable random pipeline, in the notebook's structure on small numbers of ours.

    The forward takes a softmax down axis 0 and the loss picks y[:, t]; the backward returns
    (y - t) / N through the sigmoid and the affine layer. The printed loss is consistent with the
    axis-0 reading: every column then sums to 1 over N samples, which forces a loss >= N log N.
    """
    rng = np.random.default_rng(80)
    x = rng.integers(0, 10, size=(6, 2)).astype(np.float64)
    labels = np.array([0, 1, 2, 3, 1, 2])
    onehot = np.eye(4)[labels]
    w0 = rng.normal(size=(2, 4))
    b0 = rng.random((1, 4))

    def forward(w: np.ndarray, b: np.ndarray) -> float:
        a = 1.0 / (1.0 + np.exp(-(np.dot(x, w) + b)))
        e = np.exp(a - np.max(a, axis=0))
        y = e / np.sum(e, axis=0)
        return float(-np.sum(np.log(y[:, labels] + 1e-7)) / len(y))

    a = 1.0 / (1.0 + np.exp(-(np.dot(x, w0) + b0)))
    e = np.exp(a - np.max(a, axis=0))
    y = e / np.sum(e, axis=0)
    dz = (y - onehot) / len(y) * a * (1.0 - a)
    dw_backward = np.dot(x.T, dz)
    dw_numeric = central_differences(forward, {"w": w0, "b": b0}, "w")
    assert not np.allclose(dw_backward, dw_numeric, rtol=1e-2, atol=1e-4)
    n = 1000
    printed_loss = next(r for r in NOT_REBUILT if "loss" in r.printed).printed["loss"]
    assert n * math.log(n) - 1 < printed_loss < 2 * n * math.log(n)


# ------------------------------------------------------------ forward passes on object arrays


class Dual:
    """A forward-mode dual number standing in for ``Value``: refuses what it does not know."""

    __slots__ = ("dot", "val")

    def __init__(self, val: float, dot: float = 0.0) -> None:
        self.val = float(val)
        self.dot = float(dot)

    @staticmethod
    def _lift(other: object) -> Dual | None:
        if isinstance(other, Dual):
            return other
        if isinstance(other, int | float | np.integer | np.floating) and not isinstance(
            other, bool
        ):
            return Dual(float(other))
        return None

    def __add__(self, other: object) -> Dual:
        o = self._lift(other)
        return NotImplemented if o is None else Dual(self.val + o.val, self.dot + o.dot)

    __radd__ = __add__

    def __sub__(self, other: object) -> Dual:
        o = self._lift(other)
        return NotImplemented if o is None else Dual(self.val - o.val, self.dot - o.dot)

    def __rsub__(self, other: object) -> Dual:
        o = self._lift(other)
        return NotImplemented if o is None else Dual(o.val - self.val, o.dot - self.dot)

    def __mul__(self, other: object) -> Dual:
        o = self._lift(other)
        if o is None:
            return NotImplemented
        return Dual(self.val * o.val, self.dot * o.val + self.val * o.dot)

    __rmul__ = __mul__

    def __truediv__(self, other: object) -> Dual:
        o = self._lift(other)
        if o is None:
            return NotImplemented
        return Dual(self.val / o.val, (self.dot * o.val - self.val * o.dot) / o.val**2)

    def __rtruediv__(self, other: object) -> Dual:
        o = self._lift(other)
        return NotImplemented if o is None else o / self

    def __neg__(self) -> Dual:
        return Dual(-self.val, -self.dot)

    def __pow__(self, power: object) -> Dual:
        if not isinstance(power, int | float | np.integer | np.floating):
            return NotImplemented
        p = float(power)
        return Dual(self.val**p, p * self.val ** (p - 1) * self.dot)

    def exp(self) -> Dual:
        e = math.exp(self.val)
        return Dual(e, e * self.dot)

    def log(self) -> Dual:
        return Dual(math.log(self.val), self.dot / self.val)

    def tanh(self) -> Dual:
        t = math.tanh(self.val)
        return Dual(t, (1.0 - t * t) * self.dot)

    def _data(self, other: object) -> float:
        o = self._lift(other)
        if o is None:
            raise TypeError(f"cannot compare Dual with {type(other).__name__}")
        return o.val

    def __lt__(self, other: object) -> bool:
        return self.val < self._data(other)

    def __le__(self, other: object) -> bool:
        return self.val <= self._data(other)

    def __gt__(self, other: object) -> bool:
        return self.val > self._data(other)

    def __ge__(self, other: object) -> bool:
        return self.val >= self._data(other)


def duals(values: np.ndarray, directions: np.ndarray) -> np.ndarray:
    out = np.empty(values.shape, dtype=object)
    for index in np.ndindex(values.shape):
        out[index] = Dual(float(values[index]), float(directions[index]))
    return out


@pytest.mark.parametrize("case", CASES, ids=case_ids)
def test_forward_runs_unchanged_on_object_arrays(case: SeedCase) -> None:
    """Seeded random direction; the dual part must be the directional derivative."""
    rng = np.random.default_rng(3)
    directions = {}
    for name, value in case.inputs.items():
        directions[name] = np.where(kinks(case, name), 0.0, rng.normal(size=value.shape))
    result = case.loss(
        **{name: duals(value, directions[name]) for name, value in case.inputs.items()}
    )
    assert isinstance(result, Dual), f"the loss returned {type(result).__name__}, not a scalar"
    assert result.val == pytest.approx(float(case.loss(**case.inputs)), rel=1e-12, abs=1e-300)
    truth = case.true_grads(**case.inputs)
    expected = sum(float(np.sum(truth[name] * directions[name])) for name in case.inputs)
    assert result.dot == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_the_grid_is_the_notebook_grid() -> None:
    assert NB3_GRID.shape == (2000,)
    assert NB3_GRID[0] == -10.0
    assert NB3_GRID[1000] == pytest.approx(-2.1316282072803006e-13, rel=1e-9)
