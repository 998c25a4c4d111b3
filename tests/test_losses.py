"""losses: values against numpy formulas, gradients against sympy, extreme logits, bad input."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import Value
from autograd_lite.losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge,
    log_softmax,
    mse,
    softmax,
)

from .oracles import central_difference, close


def _sympy_gradient(build: Callable[[list[sp.Symbol]], sp.Expr], point: list[float]) -> list[float]:
    """Exact partial derivatives of ``build(symbols)`` at ``point`` (40 digits, as floats)."""
    symbols = list(sp.symbols(f"z0:{len(point)}", real=True))
    expr = build(symbols)
    subs = {s: sp.Float(repr(v), 40) for s, v in zip(symbols, point, strict=True)}
    return [float(sp.diff(expr, s).evalf(40, subs=subs)) for s in symbols]


def _np_softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


# ------------------------------------------------------------------ softmax / log_softmax


def test_softmax_sums_to_one_and_matches_numpy() -> None:
    z = [0.5, -1.25, 3.0, 0.0]
    probs = [p.data for p in softmax([Value(v) for v in z])]
    np.testing.assert_allclose(probs, _np_softmax(np.array(z)), rtol=1e-15)
    assert math.isclose(sum(probs), 1.0, rel_tol=1e-15)


def test_log_softmax_is_the_log_of_softmax() -> None:
    z = [0.5, -1.25, 3.0, 0.0]
    np.testing.assert_allclose(
        [v.data for v in log_softmax(z)], np.log(_np_softmax(np.array(z))), rtol=1e-14
    )


def test_softmax_and_log_softmax_of_extreme_logits_are_finite() -> None:
    z = [Value(1000.0), Value(-1000.0), Value(0.0)]
    assert [p.data for p in softmax(z)] == [1.0, 0.0, 0.0]
    assert [v.data for v in log_softmax(z)] == [0.0, -2000.0, -1000.0]
    log_softmax(z)[1].backward()
    assert all(math.isfinite(v.grad) for v in z)


def test_softmax_gradient_matches_sympy() -> None:
    point = [0.3, -1.2, 2.0]
    z = [Value(v) for v in point]
    probs = softmax(z)
    (probs[0] * 2.0 + probs[2]).backward()

    def build(s: list[sp.Symbol]) -> sp.Expr:
        total = sum(sp.exp(x) for x in s)
        return 2 * sp.exp(s[0]) / total + sp.exp(s[2]) / total

    for v, expected in zip(z, _sympy_gradient(build, point), strict=True):
        assert close(v.grad, expected, 1e-13, 1e-15)


# ------------------------------------------------------------------ cross-entropy


def _ce_sympy(points: list[list[float]], targets: list[list[float]]) -> list[float]:
    """Exact d(mean cross-entropy)/d(logits), flattened, from sympy."""
    flat = [v for row in points for v in row]
    k = len(points[0])

    def build(s: list[sp.Symbol]) -> sp.Expr:
        rows = [s[i * k : (i + 1) * k] for i in range(len(points))]
        losses = [
            -sum(
                t * (z - sp.log(sum(sp.exp(x) for x in row)))
                for t, z in zip(target, row, strict=True)
            )
            for row, target in zip(rows, targets, strict=True)
        ]
        return sum(losses) / len(points)

    return _sympy_gradient(build, flat)


def test_cross_entropy_gradient_is_softmax_minus_onehot_for_one_sample() -> None:
    point = [1.5, -0.5, 0.25]
    z = [Value(v) for v in point]
    loss = cross_entropy(z, 2)
    loss.backward()
    expected = _ce_sympy([point], [[0.0, 0.0, 1.0]])
    for v, e in zip(z, expected, strict=True):
        assert close(v.grad, e, 1e-13, 1e-15)
    np.testing.assert_allclose(
        [v.grad for v in z], _np_softmax(np.array(point)) - np.array([0, 0, 1]), rtol=1e-13
    )
    assert close(loss.data, -math.log(_np_softmax(np.array(point))[2]), 1e-14)


@settings(max_examples=15, deadline=None)
@given(
    logits=st.lists(st.lists(st.floats(-8, 8), min_size=3, max_size=3), min_size=1, max_size=4),
    data=st.data(),
)
def test_batch_cross_entropy_gradient_matches_sympy(
    logits: list[list[float]], data: st.DataObject
) -> None:
    classes = data.draw(st.lists(st.integers(0, 2), min_size=len(logits), max_size=len(logits)))
    z = [[Value(v) for v in row] for row in logits]
    cross_entropy(z, classes).backward()
    onehot = [[1.0 if j == c else 0.0 for j in range(3)] for c in classes]
    expected = _ce_sympy(logits, onehot)
    got = [v.grad for row in z for v in row]
    for g, e in zip(got, expected, strict=True):
        assert close(g, e, 1e-12, 1e-14)
    # and the closed form (softmax - onehot) / batch size
    closed = [
        (_np_softmax(np.array(row)) - np.array(t)) / len(logits)
        for row, t in zip(logits, onehot, strict=True)
    ]
    np.testing.assert_allclose(got, np.concatenate(closed), rtol=1e-12, atol=1e-15)


def test_probability_targets_give_softmax_minus_target() -> None:
    points = [[0.2, 1.0, -0.7], [2.0, -1.0, 0.5]]
    targets = [[0.1, 0.6, 0.3], [0.0, 0.0, 1.0]]
    z = [[Value(v) for v in row] for row in points]
    loss = cross_entropy(z, np.array(targets))
    loss.backward()
    for g, e in zip([v.grad for row in z for v in row], _ce_sympy(points, targets), strict=True):
        assert close(g, e, 1e-13, 1e-15)


def test_one_hot_and_index_targets_agree() -> None:
    a = [Value(0.3), Value(-0.2)]
    b = [Value(0.3), Value(-0.2)]
    la, lb = cross_entropy(a, 1), cross_entropy(b, [0.0, 1.0])
    la.backward()
    lb.backward()
    assert la.data == lb.data and [v.grad for v in a] == [v.grad for v in b]


def test_cross_entropy_of_extreme_logits_is_finite_with_exact_gradients() -> None:
    right = [Value(1000.0), Value(-1000.0)]
    wrong = [Value(1000.0), Value(-1000.0)]
    good, bad = cross_entropy(right, 0), cross_entropy(wrong, 1)
    assert good.data == 0.0 and bad.data == 2000.0
    good.backward()
    bad.backward()
    assert [v.grad for v in right] == [0.0, 0.0]
    assert [v.grad for v in wrong] == [1.0, -1.0]  # softmax (1, 0) - onehot (0, 1)
    batch = [[Value(1000.0), Value(-1000.0)], [Value(-1000.0), Value(1000.0)]]
    loss = cross_entropy(batch, np.array([1, 1]))
    loss.backward()
    assert loss.data == 1000.0 and all(math.isfinite(v.grad) for row in batch for v in row)


def test_cross_entropy_accepts_numbers_and_numpy_integers() -> None:
    assert close(cross_entropy([0.0, 0.0], np.int64(1)).data, math.log(2), 1e-15)
    assert close(cross_entropy([[0.0, 0.0]], [1.0]).data, math.log(2), 1e-15)


@pytest.mark.parametrize(
    ("logits", "target", "error", "message"),
    [
        ([1.0, 2.0], 2, ValueError, r"target is class 2, but there are 2 logits \(0\.\.1\)"),
        ([1.0, 2.0], -1, ValueError, "target is class -1"),
        ([1.0, 2.0], 0.5, ValueError, "not a whole class index"),
        ([1.0, 2.0], True, TypeError, "must be a class index or probabilities"),
        ([1.0, 2.0], [1.0, 0.0, 0.0], ValueError, "has 3 probabilities for 2 logits"),
        ([1.0, 2.0], [0.7, 0.7], ValueError, "sum to 1.4"),
        ([1.0, 2.0], [1.5, -0.5], ValueError, "negative or non-finite"),
        ([1.0, "x"], 0, TypeError, "logit 1 must be a Value or a number, got str"),
        ([], 0, TypeError, "non-empty sequence"),
        ([[1.0, 2.0], [3.0, 4.0]], [0], ValueError, "2 samples but 1 targets"),
        ([[1.0, 2.0], [3.0, 4.0]], 0, TypeError, "needs 2 targets"),
        ([[1.0, 2.0], [3.0, 4.0]], [0, 5], ValueError, r"target\[1\] is class 5"),
    ],
)
def test_cross_entropy_bad_input_is_named(
    logits: object, target: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        cross_entropy(logits, target)  # type: ignore[arg-type]


def test_softmax_rejects_a_batch_with_a_hint() -> None:
    with pytest.raises(TypeError, match="a batch"):
        softmax([[1.0, 2.0]])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="at least one logit"):
        log_softmax([])


# ------------------------------------------------------------------ mse


def test_mse_value_and_gradient() -> None:
    p = [Value(1.0), Value(3.0), Value(-2.0)]
    t = [0.0, 1.0, -2.5]
    loss = mse(p, t)
    loss.backward()
    assert close(loss.data, (1 + 4 + 0.25) / 3, 1e-15)
    expected = _sympy_gradient(
        lambda s: sum((x - sp.nsimplify(tt)) ** 2 for x, tt in zip(s, t, strict=True)) / 3,
        [1.0, 3.0, -2.0],
    )
    assert all(close(v.grad, e, 1e-14) for v, e in zip(p, expected, strict=True))


def test_mse_compares_elements_whatever_the_nesting() -> None:
    outputs = [[Value(0.5)], [Value(1.5)]]  # a batch of one-output model results
    assert mse(outputs, np.array([0.0, 1.0])).data == 0.25
    assert mse(Value(2.0), 1.0).data == 1.0
    with pytest.raises(ValueError, match="2 predictions but 3 targets"):
        mse(outputs, [1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="target 0 is a Value"):
        mse([Value(1.0)], [Value(1.0)])
    with pytest.raises(TypeError, match="targets must be numbers or sequences of them, got 'a'"):
        mse([Value(1.0)], ["a"])
    with pytest.raises(TypeError, match="targets must be numbers or sequences of them, got None"):
        mse([Value(1.0)], [None])


# ------------------------------------------------------------------ binary cross-entropy


def _bce_sympy(logits: list[float], targets: list[float]) -> list[float]:
    def build(s: list[sp.Symbol]) -> sp.Expr:
        terms = [
            -(
                sp.nsimplify(t) * sp.log(1 / (1 + sp.exp(-z)))
                + (1 - sp.nsimplify(t)) * sp.log(1 - 1 / (1 + sp.exp(-z)))
            )
            for z, t in zip(s, targets, strict=True)
        ]
        return sum(terms) / len(terms)

    return _sympy_gradient(build, logits)


def test_bce_with_logits_value_and_gradient_match_sympy_including_zero() -> None:
    logits = [0.0, 2.5, -1.5, 0.0, 30.0]
    targets = [1.0, 0.0, 1.0, 0.25, 1.0]
    z = [Value(v) for v in logits]
    loss = binary_cross_entropy_with_logits(z, targets)
    loss.backward()
    sig = 1 / (1 + np.exp(-np.array(logits)))
    t = np.array(targets)
    expected_loss = float(np.mean(-(t * np.log(sig) + (1 - t) * np.log(1 - sig))))
    assert close(loss.data, expected_loss, 1e-13)
    for v, e in zip(z, _bce_sympy(logits, targets), strict=True):
        assert close(v.grad, e, 1e-13, 1e-16)
    assert z[0].grad == (0.5 - 1.0) / 5  # sigmoid(0) - t at the kink of max(z, 0)


def test_bce_with_logits_of_extreme_logits_is_finite() -> None:
    z = [Value(1000.0), Value(-1000.0), Value(1000.0), Value(-1000.0)]
    loss = binary_cross_entropy_with_logits(z, [1, 0, 0, 1])
    assert loss.data == (0.0 + 0.0 + 1000.0 + 1000.0) / 4
    loss.backward()
    assert [v.grad for v in z] == [0.0, 0.0, 0.25, -0.25]


def test_bce_targets_must_be_in_zero_one() -> None:
    with pytest.raises(ValueError, match=r"target 1 is 2\.0, not in \[0, 1\]"):
        binary_cross_entropy_with_logits([0.0, 0.0], [1, 2])


def test_bce_gradient_matches_central_differences_on_a_batch() -> None:
    point = [0.7, -2.0, 4.0]
    targets = [1, 0, 0]

    def f(*zs: float) -> float:
        return binary_cross_entropy_with_logits(list(zs), targets).data

    z = [Value(v) for v in point]
    binary_cross_entropy_with_logits([[v] for v in z], np.array(targets)).backward()
    for i, v in enumerate(z):
        assert close(v.grad, central_difference(f, point, i), 1e-7, 1e-10)


# ------------------------------------------------------------------ hinge


def test_hinge_value_and_gradient() -> None:
    s = [Value(2.0), Value(0.5), Value(-0.3), Value(-2.0)]
    y = [1, 1, 1, -1]
    loss = hinge(s, y)
    loss.backward()
    assert close(loss.data, (0 + 0.5 + 1.3 + 0) / 4, 1e-15)
    # d/ds relu(1 - y s) = -y where the margin is violated, else 0; averaged over 4
    assert [v.grad for v in s] == [0.0, -0.25, -0.25, 0.0]


def test_hinge_margin_and_labels() -> None:
    assert hinge([0.5], [-1], margin=2.0).data == 2.5
    with pytest.raises(ValueError, match="labels must be -1 or \\+1 \\(for 0/1 use 2 \\* y - 1\\)"):
        hinge([0.5, 0.1], [1, 0])


@pytest.mark.parametrize(
    ("name", "targets"),
    [
        ("cross_entropy", [[1.0, 0.0, 0.0], [0.2, 0.5, 0.3]]),
        ("mse", [[0.5, -1.0, 2.0], [0.0, 0.0, 1.0]]),
        ("binary_cross_entropy_with_logits", [[1.0, 0.0, 0.25], [0.0, 1.0, 1.0]]),
        ("hinge", [[1.0, -1.0, 1.0], [-1.0, -1.0, 1.0]]),
    ],
)
def test_per_sample_losses_average_to_the_batch_loss(name: str, targets: list[list[float]]) -> None:
    # fit(compile=True) uses SAMPLE_LOSSES with the targets as Values; the interpreter the
    # batch loss. Same numbers and gradients.
    from autograd_lite.learn.losses import SAMPLE_LOSSES
    from autograd_lite.training import LOSSES

    logits = [[0.3, -1.2, 2.0], [30.0, -0.5, 0.0]]
    batch = [[Value(v) for v in row] for row in logits]
    loss = LOSSES[name](batch, np.array(targets))
    loss.backward()
    rows = [[Value(v) for v in row] for row in logits]
    per_sample = [
        SAMPLE_LOSSES[name](row, [Value(t) for t in target])
        for row, target in zip(rows, targets, strict=True)
    ]
    mean = (per_sample[0] + per_sample[1]) * 0.5
    mean.backward()
    assert close(mean.data, loss.data, 1e-13)
    for got_row, want_row in zip(rows, batch, strict=True):
        for got, want in zip(got_row, want_row, strict=True):
            assert close(got.grad, want.grad, 1e-12, 1e-15), (name, got.grad, want.grad)


def test_a_target_too_large_for_a_float_is_a_value_error_not_an_overflow() -> None:
    # Regression (issue 21, finding 14): cross_entropy(target=10**400) raised OverflowError.
    from autograd_lite import Value
    from autograd_lite.losses import cross_entropy, mse

    logits = [Value(1.0), Value(2.0)]
    with pytest.raises(
        ValueError, match=r"class an int of about 401 digits, but there are 2 logits"
    ):
        cross_entropy(logits, 10**400)
    with pytest.raises(ValueError, match="too large for a float"):
        cross_entropy(logits, [10**400, 0])
    with pytest.raises(ValueError, match="target 0 is too large for a float"):
        mse([Value(1.0)], [10**400])
    with pytest.raises(ValueError, match="logit 1 is too large for a float"):
        cross_entropy([1.0, 10**400], 0)
