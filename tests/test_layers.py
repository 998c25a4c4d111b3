"""check_layers: layer objects judged in one call, against oracles written in the test."""

from __future__ import annotations

import copy
import random
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd_lite.check.layers import check_layers
from tests.layer_nets import (
    BCE,
    Affine,
    Dense,
    Dropout,
    ReLU,
    Relu3,
    Sigmoid,
    SoftmaxCCE,
    SoftmaxWithLoss,
    Tanh,
    nnfs_net,
    softmax,
    true_gradients,
)

# (object, bug): each breaks exactly the gradients stored from that object on.
BUGS = [
    ("", ""),
    ("relu1", "no_mask"),
    ("dense2", "dbiases_mean"),
    ("dense1", "dbiases_mean"),
    ("dense2", "dinputs_scaled"),
    ("dense1", "dinputs_scaled"),
    ("loss", "softmax_no_mean"),
]
# The gradient each bug makes wrong first (the root cause), by bug.
ROOT = {
    "no_mask": "relu1.dinputs",
    "dbiases_mean": "{where}.dbiases",
    "dinputs_scaled": "{where}.dinputs",
    "softmax_no_mean": "loss.dinputs",
}


def _state(layers: dict[str, Any]) -> list[tuple[str, str, int, bytes]]:
    out = []
    for key, obj in layers.items():
        for attr, value in vars(obj).items():
            raw = value.tobytes() if isinstance(value, np.ndarray) else repr(value).encode()
            out.append((key, attr, id(value), raw))
    return out


def _central(f: Any, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        up = f()
        x[i] = old - h
        down = f()
        x[i] = old
        g[i] = (up - down) / (2 * h)
    return g


def _nnfs_loss(layers: dict[str, Any], X: np.ndarray, y: np.ndarray) -> float:
    d1, d2 = layers["dense1"], layers["dense2"]
    p = softmax(np.maximum(0, X @ d1.weights + d1.biases) @ d2.weights + d2.biases)
    return float(np.mean(-np.log(p[np.arange(len(y)), y])))


def test_the_oracle_agrees_with_central_differences() -> None:
    layers, X, y = nnfs_net(np.random.default_rng(0))
    truth = true_gradients(layers, X, y)
    for key, attr in (("dense1", "weights"), ("dense2", "biases")):
        arr = getattr(layers[key], attr)
        fd = _central(lambda: _nnfs_loss(layers, X, y), arr)
        np.testing.assert_allclose(truth[f"{key}.d{attr}"], fd, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("where", "bug"), BUGS)
def test_every_verdict_matches_the_oracle(seed: int, where: str, bug: str) -> None:
    layers, X, y = nnfs_net(np.random.default_rng(seed), bug=bug, where=where)
    before = _state(layers)
    report = check_layers(layers, X, y)
    assert _state(layers) == before  # same attributes, same arrays, same bits
    truth = true_gradients(layers, X, y)
    assert {g.name for g in report.gradients} == set(truth)
    for e in report.entries:
        g = e.gradient
        index = tuple(int(i) for i in e.name[len(g) + 1 : -1].split(","))
        right = truth[g][index]
        yours = getattr(layers[g.split(".")[0]], g.split(".")[1])[index]
        assert e.expected == yours
        close = abs(yours - right) <= 1e-8 + 1e-4 * abs(right)
        assert e.verdict == ("ok" if close else "WRONG"), (e, right)
        np.testing.assert_allclose(e.engine, right, rtol=1e-9, atol=1e-12)
    assert report.ok == (bug == "")
    if bug:
        root = ROOT[bug].format(where=where)
        assert len(report.root_causes) == 1
        assert report.root_causes[0].startswith(f"{where}.backward (layer_nets.py:")
        assert report.root_causes[0].endswith(root)


def test_engine_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    layers, X, y = nnfs_net(np.random.default_rng(5), n=9, hidden=7)
    report = check_layers(layers, X, y)
    d1, d2 = layers["dense1"], layers["dense2"]
    t = {
        k: torch.tensor(v, requires_grad=True)
        for k, v in {"w1": d1.weights, "b1": d1.biases, "w2": d2.weights, "b2": d2.biases}.items()
    }
    logits = torch.relu(torch.tensor(X) @ t["w1"] + t["b1"]) @ t["w2"] + t["b2"]
    loss = torch.nn.functional.cross_entropy(logits, torch.tensor(y))
    loss.backward()
    for name, key in (
        ("dense1.dweights", "w1"),
        ("dense1.dbiases", "b1"),
        ("dense2.dweights", "w2"),
        ("dense2.dbiases", "b2"),
    ):
        np.testing.assert_allclose(report.engine[name], t[key].grad.numpy(), rtol=1e-9, atol=1e-12)


def test_a_list_names_objects_by_class_and_position() -> None:
    layers, X, y = nnfs_net(np.random.default_rng(0), bug="no_mask", where="relu1")
    report = check_layers(list(layers.values()), X, y)
    assert report.root_causes[0].startswith("ReLU_1.backward (layer_nets.py:")
    assert report.root_causes[0].endswith(": ReLU_1.dinputs")


def test_dropout_with_a_fresh_mask_stops_the_check() -> None:
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((6, 3)), rng.integers(0, 4, 6)
    d1 = Dense(rng.standard_normal((3, 5)), np.zeros((1, 5)))
    drop, d2, loss = (
        Dropout(0.3),
        Dense(rng.standard_normal((5, 4)), np.zeros((1, 4))),
        SoftmaxCCE(),
    )
    d1.forward(X)
    drop.forward(d1.output)
    d2.forward(drop.output)
    loss.forward(d2.output, y)
    loss.backward(loss.output, y)
    d2.backward(loss.dinputs)
    drop.backward(d2.dinputs)
    d1.backward(drop.dinputs)
    layers = {"dense1": d1, "drop": drop, "dense2": d2, "loss": loss}
    before = _state(layers)
    np_state, py_state = np.random.get_state(), random.getstate()
    with pytest.raises(ValueError, match=r"drop\.forward.*different values.*No verdict"):
        check_layers(layers, X, y)
    assert _state(layers) == before
    assert random.getstate() == py_state
    after = np.random.get_state()
    assert np.array_equal(after[1], np_state[1]) and after[2] == np_state[2]


def test_a_seeded_mask_stored_on_the_object_is_checked() -> None:
    class FixedDropout:
        def __init__(self, mask: np.ndarray) -> None:
            self.mask = mask

        def forward(self, inputs: np.ndarray) -> None:
            self.output = inputs * self.mask

        def backward(self, dvalues: np.ndarray) -> None:
            self.dinputs = dvalues.copy()  # ignores the mask: WRONG where it is 0

    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((6, 3)), rng.integers(0, 4, 6)
    d1 = Dense(rng.standard_normal((3, 5)), np.zeros((1, 5)))
    drop = FixedDropout(rng.binomial(1, 0.6, size=(6, 5)) / 0.6)
    d2, loss = Dense(rng.standard_normal((5, 4)), np.zeros((1, 4))), SoftmaxCCE()
    d1.forward(X)
    drop.forward(d1.output)
    d2.forward(drop.output)
    loss.forward(d2.output, y)
    loss.backward(loss.output, y)
    d2.backward(loss.dinputs)
    drop.backward(d2.dinputs)
    d1.backward(drop.dinputs)
    report = check_layers({"dense1": d1, "drop": drop, "dense2": d2, "loss": loss}, X, y)
    assert not report.ok
    assert report.root_causes[0].endswith("drop.dinputs")
    wrong = {
        e.name for e in report.entries if e.gradient == "drop.dinputs" and e.verdict == "WRONG"
    }
    expected_wrong = {
        f"drop.dinputs[{i},{j}]"
        for i, j in zip(*np.nonzero(drop.mask != 1), strict=True)
        if abs(d2.dinputs[i, j]) > 1e-8
    }
    assert wrong == expected_wrong


def test_parameters_changed_after_backward_stop_the_check() -> None:
    layers, X, y = nnfs_net(np.random.default_rng(0))
    layers["dense1"].weights -= 0.1 * layers["dense1"].dweights  # an optimizer step, in place
    with pytest.raises(ValueError, match="optimizer step"):
        check_layers(layers, X, y)


def test_a_relu_backward_in_place_is_blamed_with_both_names() -> None:
    layers, X, y = nnfs_net(np.random.default_rng(1), bug="in_place", where="relu1")
    report = check_layers(layers, X, y)
    assert ("dense2.dinputs", "relu1.dinputs") in report.shared or (
        "relu1.dinputs",
        "dense2.dinputs",
    ) in report.shared
    assert any(
        "relu1.dinputs and dense2.dinputs are the same array" in n
        or "dense2.dinputs and relu1.dinputs are the same array" in n
        for n in report.notes
    )
    assert report.root_causes == [
        next(c for c in report.root_causes if c.startswith("relu1.backward"))
    ]
    assert "dense2.dinputs" in report.root_causes[0]
    assert "Fix relu1.backward" in report.diagnosis()


def test_a_transposed_gradient_is_called_transposed() -> None:
    layers, X, y = nnfs_net(np.random.default_rng(1), bug="dweights_no_T", where="dense2")
    with pytest.raises(ValueError, match="transposed") as info:
        check_layers(layers, X, y)
    assert "reshape it" not in str(info.value)
    assert "dense2.backward (layer_nets.py:" in str(info.value)


def test_a_flat_bias_gradient_is_accepted_with_a_note() -> None:
    layers, X, y = nnfs_net(np.random.default_rng(1), bug="dbiases_flat", where="dense1")
    report = check_layers(layers, X, y)
    assert report.ok
    assert any("dense1.dbiases has shape (5,)" in n and "accepted" in n for n in report.notes)


def test_a_bias_summed_over_the_wrong_axis_is_explained() -> None:
    layers, X, y = nnfs_net(np.random.default_rng(1), n=6, hidden=5)
    layers["dense1"].dbiases = np.sum(layers["relu1"].dinputs, axis=1, keepdims=True)
    with pytest.raises(ValueError, match=r"wrong axis"):
        check_layers(layers, X, y)


def test_nan_is_located_at_the_method_that_produced_it() -> None:
    layers, X, y = nnfs_net(np.random.default_rng(1))
    layers["relu1"].dinputs = layers["relu1"].dinputs.copy()
    layers["relu1"].dinputs[2, 1] = np.nan
    layers["dense1"].dweights = layers["dense1"].dweights * np.nan
    with pytest.raises(ValueError, match=r"relu1\.dinputs\[2, 1\] is nan.*relu1\.backward"):
        check_layers(layers, X, y)


def test_a_misspelt_gradient_is_pointed_out() -> None:
    layers, X, y = nnfs_net(np.random.default_rng(1))
    d = layers["dense2"]
    d.dweighhts = d.__dict__.pop("dweights")
    report = check_layers(layers, X, y)
    assert any(
        "dense2.weights: no gradient found" in n and "dense2.dweighhts" in n for n in report.notes
    )
    assert "dense2.dweights" not in {g.name for g in report.gradients}


def test_affine_style_with_returned_gradients() -> None:
    rng = np.random.default_rng(3)
    x, t = rng.standard_normal((8, 2)), rng.integers(0, 3, 8)
    a1 = Affine(rng.standard_normal((2, 4)), 0.1 * rng.standard_normal((1, 4)))
    relu, a2 = Relu3(), Affine(rng.standard_normal((4, 3)), 0.1 * rng.standard_normal((1, 3)))
    loss = SoftmaxWithLoss()
    loss.forward(a2.forward(relu.forward(a1.forward(x))), t)
    d = a2.backward(loss.backward())
    d_relu_out = d.copy()
    dx_relu = relu.backward(d)
    a1.backward(dx_relu)
    layers = {"affine1": a1, "relu": relu, "affine2": a2, "loss": loss}
    report = check_layers(layers, x, t, dinputs={"relu": dx_relu, "affine2": d_relu_out})
    names = {g.name for g in report.gradients}
    assert names == {
        "loss.dx",
        "affine2.dW",
        "affine2.db",
        "affine2.dinputs",
        "relu.dinputs",
        "affine1.dW",
        "affine1.db",
    }
    # The oracle: the loss takes log(p + 1e-7), so dL/dp = -1 / (p + 1e-7) / n at the label.
    z1 = x @ a1.W + a1.b
    h = np.maximum(z1, 0)
    p = softmax(h @ a2.W + a2.b)
    rows = np.arange(8)
    dp = np.zeros_like(p)
    dp[rows, t] = -1.0 / (p[rows, t] + 1e-7) / 8
    dz = p * (dp - np.sum(p * dp, axis=1, keepdims=True))
    np.testing.assert_allclose(report.engine["loss.dx"], dz, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(report.engine["affine2.dW"], h.T @ dz, rtol=1e-9, atol=1e-12)
    for e in report.entries:
        if e.gradient == "loss.dx":
            i, j = (int(k) for k in e.name[len("loss.dx[") : -1].split(","))
            right = dz[i, j]
            close = abs(loss.dx[i, j] - right) <= 1e-8 + 1e-4 * abs(right)
            assert e.verdict == ("ok" if close else "WRONG")


def test_sigmoid_bce_saturated_entries_run_through_clip() -> None:
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((5, 3)), rng.integers(0, 2, (5, 2)).astype(float)
    dense = Dense(rng.standard_normal((3, 2)), np.array([[40.0, -1.0]]))  # sigmoid saturates
    sig, loss = Sigmoid(), BCE()
    dense.forward(X)
    sig.forward(dense.output)
    loss.forward(sig.output, y)
    loss.backward(sig.output, y)
    sig.backward(loss.dinputs)
    dense.backward(sig.dinputs)
    report = check_layers({"dense": dense, "sigmoid": sig, "loss": loss}, X, y)
    assert report.loss is not None
    # Where the sigmoid output is clipped, the true gradient of the loss is 0 and the
    # learner's (unclipped) formula is not: those entries, and only those, are wrong.
    clipped = (sig.output > 1 - 1e-7) | (sig.output < 1e-7)
    for e in report.entries:
        if e.gradient == "loss.dinputs":
            i, j = (int(k) for k in e.name[len("loss.dinputs[") : -1].split(","))
            assert (e.verdict == "WRONG") == bool(clipped[i, j]), e


def test_tanh_network_is_ok_and_objects_are_untouched() -> None:
    rng = np.random.default_rng(7)
    X, y = rng.standard_normal((4, 3)), rng.integers(0, 3, 4)
    d1, act = Dense(rng.standard_normal((3, 4)), np.zeros((1, 4))), Tanh()
    d2, loss = Dense(rng.standard_normal((4, 3)), np.zeros((1, 3))), SoftmaxCCE()
    d1.forward(X)
    act.forward(d1.output)
    d2.forward(act.output)
    loss.forward(d2.output, y)
    loss.backward(loss.output, y)
    d2.backward(loss.dinputs)
    act.backward(d2.dinputs)
    d1.backward(act.dinputs)
    layers = {"d1": d1, "tanh": act, "d2": d2, "loss": loss}
    before = _state(layers)
    assert check_layers(layers, X, y).ok
    assert _state(layers) == before


def test_bad_layers_argument() -> None:
    with pytest.raises(TypeError, match="list of your layer objects"):
        check_layers(object(), np.zeros((1, 1)))
    with pytest.raises(ValueError, match="empty"):
        check_layers([], np.zeros((1, 1)))
    with pytest.raises(TypeError, match="no forward method"):
        check_layers([object(), SoftmaxCCE()], np.zeros((1, 1)), np.zeros(1, dtype=int))


def test_relu_at_exactly_zero_follows_nothing_false() -> None:
    # A batch row of zeros with zero biases puts every relu input at exactly 0: a kink.
    layers, X, y = nnfs_net(np.random.default_rng(8))
    X = X.copy()
    X[0] = 0.0
    d1 = layers["dense1"]
    d1.biases = np.zeros_like(d1.biases)
    fresh = copy.deepcopy(layers)
    for obj in fresh.values():
        for attr in [a for a in vars(obj) if a.startswith("d") and a != "bug"]:
            delattr(obj, attr)
    f = fresh
    f["dense1"].forward(X)
    f["relu1"].forward(f["dense1"].output)
    f["dense2"].forward(f["relu1"].output)
    f["loss"].forward(f["dense2"].output, y)
    f["loss"].backward(f["loss"].output, y)
    f["dense2"].backward(f["loss"].dinputs)
    f["relu1"].backward(f["dense2"].dinputs)
    f["dense1"].backward(f["relu1"].dinputs)
    report = check_layers(f, X, y)
    # relu'(0) = 0 is a valid choice: nothing is called WRONG for it.
    assert not report.mismatches, report.to_text(max_ok_rows=0)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    which=st.sampled_from(
        [
            "dense1.dweights",
            "dense1.dbiases",
            "dense2.dweights",
            "dense2.dbiases",
            "relu1.dinputs",
            "loss.dinputs",
        ]
    ),
    factor=st.floats(0.02, 3.0),
    sign=st.sampled_from([-1.0, 1.0]),
)
def test_no_wrong_gradient_passes(seed: int, which: str, factor: float, sign: float) -> None:
    layers, X, y = nnfs_net(np.random.default_rng(seed))
    key, attr = which.split(".")
    obj = layers[key]
    grad = getattr(obj, attr).copy()
    flat = int(np.argmax(np.abs(grad)))
    index = np.unravel_index(flat, grad.shape)
    grad[index] += sign * factor * max(abs(grad[index]), 1e-3)
    setattr(obj, attr, grad)
    report = check_layers(layers, X, y)
    assert not report.ok
    name = f"{which}[{','.join(str(int(i)) for i in index)}]"
    assert report[name].verdict == "WRONG"


def test_a_relu_choice_at_exactly_zero_is_followed_upstream() -> None:
    # np.maximum(inputs, 0) passes inputs through at a tie (slope 1); the learner's mask takes
    # relu'(0) = 0. dense1's gradients computed from that choice are right for it.
    class ReLUFirstArg(ReLU):
        def forward(self, inputs: np.ndarray) -> None:
            self.inputs = inputs
            self.output = np.maximum(inputs, 0)

    rng = np.random.default_rng(9)
    X, y = rng.standard_normal((5, 3)), rng.integers(0, 4, 5)
    d1 = Dense(np.zeros((3, 4)), np.zeros((1, 4)))  # every relu input exactly 0
    relu, d2 = ReLUFirstArg(), Dense(rng.standard_normal((4, 4)), np.zeros((1, 4)))
    loss = SoftmaxCCE()
    d1.forward(X)
    relu.forward(d1.output)
    d2.forward(relu.output)
    loss.forward(d2.output, y)
    loss.backward(loss.output, y)
    d2.backward(loss.dinputs)
    relu.backward(d2.dinputs)
    d1.backward(relu.dinputs)
    report = check_layers({"dense1": d1, "relu1": relu, "dense2": d2, "loss": loss}, X, y)
    assert not report.mismatches, report.to_text(max_ok_rows=0)
    assert any("follows your choice" in e.note for e in report.entries)
    # The same network with a wrong dense1.dweights is still caught.
    d1.dweights = d1.dweights + 0.5
    assert not check_layers({"dense1": d1, "relu1": relu, "dense2": d2, "loss": loss}, X, y).ok
