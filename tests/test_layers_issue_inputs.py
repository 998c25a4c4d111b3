"""Every input of issue 20, each with a wrong gradient: the check raises (no verdict) or
reports not ok. None gives ``ok == True`` for a wrong gradient."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from autograd_lite import check_backward, check_gradients, check_layers, check_loss_and_grads
from tests.assignment_code import svm_loss_naive
from tests.layer_nets import Dense, Dropout, SoftmaxCCE, nnfs_net

rng = np.random.default_rng(20)
X = rng.standard_normal((5, 3))
W = rng.standard_normal((3, 4))


def _dropout_loss_fn() -> Any:
    def loss(W: Any) -> Any:
        h = np.tanh(X @ W)
        return np.sum((h * (np.random.rand(*h.shape) > 0.5)) ** 2)

    h = np.tanh(X @ W)
    return check_gradients(loss, {"W": W}, {"W": X.T @ (2 * h * (1 - h**2))})


def _dropout_layers() -> Any:
    r = np.random.default_rng(1)
    Xd, y = r.standard_normal((6, 3)), r.integers(0, 4, 6)
    d1, drop = Dense(r.standard_normal((3, 5)), np.zeros((1, 5))), Dropout(0.4)
    d2, loss = Dense(r.standard_normal((5, 4)), np.zeros((1, 4))), SoftmaxCCE()
    d1.forward(Xd)
    drop.forward(d1.output)
    d2.forward(drop.output)
    loss.forward(d2.output, y)
    loss.backward(loss.output, y)
    d2.backward(loss.dinputs)
    drop.backward(d2.dinputs)
    d1.backward(drop.dinputs)
    return check_layers({"d1": d1, "drop": drop, "d2": d2, "loss": loss}, Xd, y)


def _clip_saturated() -> Any:
    p = np.array([0.5, 1.0])
    return check_gradients(
        lambda p: np.sum(np.log(np.clip(p, 1e-7, 1 - 1e-7))), {"p": p}, {"p": np.array([2.0, 1.0])}
    )


def _named_after_use() -> Any:
    def loss(W: Any) -> Any:
        z = X @ W
        a = np.tanh(z)
        z1 = z  # noqa: F841 (named after tanh used z)
        return np.sum(a)

    return check_gradients(loss, {"W": W}, {"z1": np.zeros((5, 4))})


def _in_place_relu() -> Any:
    layers, Xn, y = nnfs_net(np.random.default_rng(1), bug="in_place", where="relu1")
    return check_layers(layers, Xn, y)


def _optimizer_step_after_backward() -> Any:
    layers, Xn, y = nnfs_net(np.random.default_rng(0), bug="dbiases_mean", where="dense1")
    layers["dense2"].weights -= 0.1 * layers["dense2"].dweights
    return check_layers(layers, Xn, y)


def _transposed() -> Any:
    layers, Xn, y = nnfs_net(np.random.default_rng(1), bug="dweights_no_T", where="dense2")
    return check_layers(layers, Xn, y)


def _relu_at_zero_wrong_dW1() -> Any:
    W1 = np.zeros((3, 4))

    def loss(W1: Any) -> Any:
        return np.sum((np.maximum(X @ W1, 0) @ W.T) ** 2)

    return check_gradients(loss, {"W1": W1}, {"W1": np.ones((3, 4))})


def _svm_starter_wrong() -> Any:
    r = np.random.default_rng(2)
    Ws, Xs, ys = 0.01 * r.standard_normal((8, 3)), r.standard_normal((6, 8)), r.integers(0, 3, 6)
    return check_loss_and_grads(svm_loss_naive, Ws, Xs, ys, 0.1, "reg_once")


def _flat_bias_wrong_values() -> Any:
    layers, Xn, y = nnfs_net(np.random.default_rng(3))
    layers["dense1"].dbiases = layers["dense1"].dbiases.reshape(-1) * 1.5
    return check_layers(layers, Xn, y)


def _nan_in_a_gradient() -> Any:
    layers, Xn, y = nnfs_net(np.random.default_rng(4))
    layers["dense2"].dweights = layers["dense2"].dweights.copy()
    layers["dense2"].dweights[0, 0] = np.nan
    return check_layers(layers, Xn, y)


def _step_crossing_a_clip_bound() -> Any:
    p = np.array([0.9 - 5e-8])
    return check_gradients(
        lambda p: -np.sum(np.log(np.clip(p, 1e-7, 0.9))), {"p": p}, {"p": np.array([-0.5])}
    )


def _backward_pair_wrong() -> Any:
    def forward(x: Any, w: Any) -> tuple[Any, Any]:
        return x @ w, (x, w)

    def backward(dout: Any, cache: Any) -> tuple[Any, Any]:
        x, w = cache
        return dout @ w.T, x.T @ dout * 1.01

    return check_backward(forward, backward, (X, W), np.ones((5, 4)))


CASES: dict[str, Callable[[], Any]] = {
    "dropout in loss_fn": _dropout_loss_fn,
    "dropout layer": _dropout_layers,
    "np.clip at a saturated probability": _clip_saturated,
    "a name taken after its value was used": _named_after_use,
    "relu backward writing into dvalues": _in_place_relu,
    "parameters changed after backward": _optimizer_step_after_backward,
    "transposed dweights": _transposed,
    "relu at exactly 0, wrong dW1": _relu_at_zero_wrong_dW1,
    "SVM starter code, wrong dW": _svm_starter_wrong,
    "(n,) bias gradient with wrong values": _flat_bias_wrong_values,
    "NaN in a stored gradient": _nan_in_a_gradient,
    "a step crossing a clip bound": _step_crossing_a_clip_bound,
    "forward/backward pair": _backward_pair_wrong,
}


@pytest.mark.parametrize("name", list(CASES))
def test_no_input_of_the_issue_passes_a_wrong_gradient(name: str) -> None:
    try:
        report = CASES[name]()
    except ValueError:
        return  # refused: no verdict
    assert not report.ok, report.to_text(max_ok_rows=0)
