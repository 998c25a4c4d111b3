"""check_backward: one layer object or one forward/backward function pair, against oracles."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from autograd_lite import check_backward
from tests.assignment_code import (
    affine_backward,
    affine_backward_buggy,
    affine_forward,
    relu_backward,
    relu_forward,
)
from tests.layer_nets import Affine, Dense, ReLU, Relu3, Sigmoid, Tanh


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _verdicts_match(report: Any, truth: dict[str, np.ndarray], mine: dict[str, np.ndarray]) -> None:
    assert {g.name for g in report.gradients} == set(truth)
    for e in report.entries:
        g = e.gradient
        index = tuple(int(i) for i in e.name[len(g) + 1 : -1].split(",")) if "[" in e.name else ()
        right, yours = truth[g][index], mine[g].reshape(truth[g].shape)[index]
        close = abs(yours - right) <= 1e-8 + 1e-4 * abs(right)
        assert e.verdict == ("ok" if close else "WRONG"), (e, right)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("buggy", [False, True])
def test_affine_pair(seed: int, buggy: bool) -> None:
    rng = _rng(seed)
    x, w, b = rng.standard_normal((4, 2, 3)), rng.standard_normal((6, 5)), rng.standard_normal(5)
    dout = rng.standard_normal((4, 5))
    backward = affine_backward_buggy if buggy else affine_backward
    report = check_backward(affine_forward, backward, (x, w, b), dout)
    truth = {
        "dx": (dout @ w.T).reshape(x.shape),
        "dw": x.reshape(4, -1).T @ dout,
        "db": dout.sum(axis=0),
    }
    dx, dw, db = backward(dout, (x, w, b))
    _verdicts_match(report, truth, {"dx": dx, "dw": dw, "db": db})
    assert report.ok is not buggy
    if buggy:
        assert report.root_causes == [
            c for c in report.root_causes if c.startswith("affine_backward_buggy (assignment_code")
        ]
        assert report.root_causes[0].endswith(": db")


def test_relu_pair_and_settings_passed_through() -> None:
    rng = _rng(3)
    x, dout = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    report = check_backward(relu_forward, relu_backward, (x,), dout)
    assert report.ok
    np.testing.assert_array_equal(report.engine["dx"], dout * (x > 0))

    def scaled_forward(x: Any, settings: dict[str, float]) -> tuple[Any, Any]:
        settings["calls"] = settings.get("calls", 0) + 1  # mutates its dict, like bn_param
        return x * settings["scale"], settings["scale"]

    def scaled_backward(dout: Any, cache: Any) -> Any:
        return dout * cache

    settings = {"scale": 3.0}
    assert check_backward(scaled_forward, scaled_backward, (x, settings), dout).ok
    assert settings == {"scale": 3.0}  # deep copies only


def test_wrong_number_of_gradients() -> None:
    rng = _rng(4)
    x, w, b = rng.standard_normal((2, 3)), rng.standard_normal((3, 2)), rng.standard_normal(2)
    with pytest.raises(ValueError, match="returned 2 gradient"):
        check_backward(affine_forward, lambda d, c: (d, d), (x, w, b), np.ones((2, 2)))


def test_transposed_dw_from_a_pair() -> None:
    rng = _rng(5)
    x, w, b = rng.standard_normal((2, 3)), rng.standard_normal((3, 4)), rng.standard_normal(4)

    def backward(dout: Any, cache: Any) -> Any:
        x, w, _b = cache
        return dout @ w.T, dout.T @ x, dout.sum(axis=0)

    with pytest.raises(ValueError, match="transposed") as info:
        check_backward(affine_forward, backward, (x, w, b), np.ones((2, 4)))
    assert "reshape it" not in str(info.value)


@pytest.mark.parametrize("seed", [0, 1])
def test_layer_objects(seed: int) -> None:
    rng = _rng(seed)
    x = rng.standard_normal((5, 3))
    w, b = rng.standard_normal((3, 4)), rng.standard_normal((1, 4))
    dvalues = rng.standard_normal((5, 4))
    dense = Dense(w, b)
    before = {
        k: (id(v), v.tobytes() if isinstance(v, np.ndarray) else v) for k, v in vars(dense).items()
    }
    report = check_backward(dense, x, dvalues)
    assert {
        k: (id(v), v.tobytes() if isinstance(v, np.ndarray) else v) for k, v in vars(dense).items()
    } == before
    assert report.ok
    np.testing.assert_allclose(report.engine["dweights"], x.T @ dvalues, rtol=1e-12)
    np.testing.assert_allclose(report.engine["dinputs"], dvalues @ w.T, rtol=1e-12)
    d3 = rng.standard_normal((5, 3))
    for layer, truth in (
        (Tanh(), d3 * (1 - np.tanh(x) ** 2)),
        (Sigmoid(), d3 / (1 + np.exp(-x)) * (1 - 1 / (1 + np.exp(-x)))),
        (ReLU(), d3 * (x > 0)),
    ):
        r = check_backward(layer, x, d3)
        assert r.ok, r
        np.testing.assert_allclose(r.engine["dinputs"], truth, rtol=1e-9, atol=1e-12)
    bad = check_backward(Sigmoid("sigmoid_no_upstream"), x, d3)
    assert not bad.ok and bad.root_causes[0].startswith("Sigmoid.backward (layer_nets.py:")


def test_layer_returning_its_input_gradient() -> None:
    rng = _rng(6)
    x, d = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    report = check_backward(Relu3(), x, d)
    assert report.ok
    np.testing.assert_array_equal(report.engine["dinputs"], d * (x > 0))
    affine = Affine(rng.standard_normal((3, 2)), rng.standard_normal((1, 2)))
    d2 = rng.standard_normal((4, 2))
    r = check_backward(affine, x, d2)
    assert r.ok
    assert {g.name for g in r.gradients} == {"dW", "db", "dinputs"}
    assert any("db has shape (2,)" in n for n in r.notes)


def test_bad_arguments() -> None:
    with pytest.raises(TypeError, match="layer object"):
        check_backward(42, 1, 2)
    with pytest.raises(TypeError, match="inputs, dvalues"):
        check_backward(ReLU(), np.ones((2, 2)))
    with pytest.raises(ValueError, match="dvalues has shape"):
        check_backward(ReLU(), np.ones((2, 2)), np.ones((3, 2)))
