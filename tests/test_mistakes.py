"""The catalogue of learners' mistakes: each kind recognised on realistic hand-derived layers.

Every layer below is a forward pass as a learner writes it in numpy and its backward pass
derived by hand (the correct one is checked to get no finding); each mistake is one line of
that backward pass changed the way learners get it wrong. ``report.mistakes`` must name the
kind and give the evidence. A property test holds the recogniser to its promise: a right
gradient gets no finding, and noise gets nothing but "no simple pattern" or a finding that
reproduces it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import check_gradients
from autograd_lite.check import Mistake
from autograd_lite.check.mistakes import (
    KINDS,
    NO_PATTERN,
    MistakeContext,
    named_factors,
    recognise,
)
from autograd_lite.learn.exercises import batchnorm_mlp

Grads = dict[str, np.ndarray]


def findings(loss_fn: Callable[..., Any], inputs: Grads, grads: Grads, name: str) -> list[Mistake]:
    report = check_gradients(loss_fn, inputs, grads)
    assert not report.ok
    assert {m.kind for m in report.mistakes} <= set(KINDS)
    return [m for m in report.mistakes if m.gradient == name]


def first(loss_fn: Callable[..., Any], inputs: Grads, grads: Grads, name: str) -> Mistake:
    found = findings(loss_fn, inputs, grads, name)
    assert found, f"no finding for {name}"
    assert found[0].message.startswith("d" + name)
    return found[0]


def assert_right(loss_fn: Callable[..., Any], inputs: Grads, grads: Grads) -> None:
    report = check_gradients(loss_fn, inputs, grads)
    assert report.ok, report.to_text()
    assert report.mistakes == []
    assert report.diagnosis() == ""


def sigmoid(x: Any) -> Any:
    return 1 / (1 + np.exp(-x))


# ---------------------------------------------------------------------- softmax classifier

RNG = np.random.default_rng(7)
N, D, C = 8, 3, 3
SX = RNG.standard_normal((N, D))
SY = RNG.integers(0, C, N)
SONE = np.eye(C)[SY]
SOFTMAX_INPUTS = {"W": RNG.standard_normal((D, C)), "b": RNG.standard_normal(C) * 0.1}


def softmax_loss(W: Any, b: Any) -> Any:
    logits = SX @ W + b
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    probs = e / e.sum(axis=1, keepdims=True)
    return -np.sum(np.log(probs[np.arange(N), SY])) / N


def softmax_backward(W: np.ndarray, b: np.ndarray, mistake: str = "") -> Grads:
    logits = SX @ W + b
    P = np.exp(logits - logits.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    dlogits = (P - SONE) / N
    if mistake == "no 1/N":
        dlogits = P - SONE
    if mistake == "sign":
        dlogits = (SONE - P) / N
    dW = SX.T @ dlogits
    if mistake == "transpose":
        dW = dlogits.T @ SX
    db = dlogits.mean(axis=0) if mistake == "mean" else dlogits.sum(axis=0)
    return {"logits": dlogits, "W": dW, "b": db}


def test_softmax_right() -> None:
    assert_right(softmax_loss, SOFTMAX_INPUTS, softmax_backward(**SOFTMAX_INPUTS))


def test_scale_batch_size_softmax() -> None:
    m = first(
        softmax_loss, SOFTMAX_INPUTS, softmax_backward(**SOFTMAX_INPUTS, mistake="no 1/N"), "logits"
    )
    assert m.kind == "scale"
    assert m.evidence["factor"] == 8.0 and m.evidence["named"] == "the batch size N"
    assert "8x too large; 8 is the batch size N: divide by N" in m.message


def test_scale_batch_size_inputs_only() -> None:
    # Only W and b checked (a function of its parameters): N is read off the loss's "/ 8".
    grads = softmax_backward(**SOFTMAX_INPUTS, mistake="no 1/N")
    del grads["logits"]
    m = first(softmax_loss, SOFTMAX_INPUTS, grads, "W")
    assert m.kind == "scale" and m.evidence["factor"] == 8.0
    assert m.evidence["named"] == "the batch size N"


def test_sign_softmax() -> None:
    m = first(
        softmax_loss, SOFTMAX_INPUTS, softmax_backward(**SOFTMAX_INPUTS, mistake="sign"), "logits"
    )
    assert m.kind == "sign" and m.evidence["factor"] == -1.0


def test_transpose_softmax_weights() -> None:
    m = first(
        softmax_loss, SOFTMAX_INPUTS, softmax_backward(**SOFTMAX_INPUTS, mistake="transpose"), "W"
    )
    assert m.kind == "transpose" and m.evidence["axes"] == (1, 0)


def test_reduction_mean_instead_of_sum_bias() -> None:
    found = findings(
        softmax_loss, SOFTMAX_INPUTS, softmax_backward(**SOFTMAX_INPUTS, mistake="mean"), "b"
    )
    m = found[0]
    assert m.kind == "reduction"
    assert (m.evidence["of"], m.evidence["how"], m.evidence["axes"]) == ("logits", "mean", (0,))
    assert m.evidence["meant"] == ("sum", (0,))
    # Also true, and said second: every entry is 1/8 of the engine's.
    assert [f.kind for f in found[1:]] == ["scale"] and found[1].evidence["factor"] == 1 / 8


# ---------------------------------------------------------------------- MSE regression

RX = RNG.standard_normal((5, 3))
RT = RNG.standard_normal((5, 2))
MSE_INPUTS = {"W": RNG.standard_normal((3, 2)), "b": RNG.standard_normal(2)}


def mse_loss(W: Any, b: Any) -> Any:
    pred = RX @ W + b
    return np.mean((pred - RT) ** 2)


def mse_backward(W: np.ndarray, b: np.ndarray, mistake: str = "") -> Grads:
    pred = RX @ W + b
    dpred = 2 * (pred - RT) / pred.size
    if mistake == "no 2":
        dpred = (pred - RT) / pred.size
    if mistake == "sign":
        dpred = 2 * (RT - pred) / pred.size
    return {"pred": dpred, "W": RX.T @ dpred, "b": dpred.sum(axis=0)}


def test_mse_right() -> None:
    assert_right(mse_loss, MSE_INPUTS, mse_backward(**MSE_INPUTS))


def test_scale_missing_two_mse() -> None:
    m = first(mse_loss, MSE_INPUTS, mse_backward(**MSE_INPUTS, mistake="no 2"), "pred")
    assert m.kind == "scale" and m.evidence["factor"] == 0.5
    assert m.evidence["named"] == "the 2 of a square's derivative"
    assert "2x too small" in m.message


def test_scale_mean_over_every_entry_mse() -> None:
    # np.mean divides by N * 2 = 10, not by the batch size N = 5: forgetting it is named so.
    grads = mse_backward(**MSE_INPUTS)
    grads["pred"] = grads["pred"] * 10
    m = first(mse_loss, MSE_INPUTS, grads, "pred")
    assert m.kind == "scale" and m.evidence["factor"] == 10
    assert m.evidence["named"] == "the 10 entries the loss averages over"


def test_sign_mse() -> None:
    m = first(mse_loss, MSE_INPUTS, mse_backward(**MSE_INPUTS, mistake="sign"), "pred")
    assert m.kind == "sign"


# ---------------------------------------------------------------------- two-layer ReLU MLP

MX = RNG.standard_normal((6, 4))
MR = RNG.standard_normal((6, 4))
MLP_INPUTS = {
    "W1": RNG.standard_normal((4, 4)),
    "b1": RNG.standard_normal(4) * 0.5,
    "W2": RNG.standard_normal((4, 4)) * 0.5,
}


def mlp_loss(W1: Any, b1: Any, W2: Any) -> Any:
    z1 = MX @ W1 + b1
    h = np.maximum(z1, 0)
    z2 = h @ W2
    out = np.tanh(z2)
    return np.sum(out * MR)


def mlp_backward(W1: np.ndarray, b1: np.ndarray, W2: np.ndarray, mistake: str = "") -> Grads:
    z1 = MX @ W1 + b1
    h = np.maximum(z1, 0)
    z2 = h @ W2
    out = np.tanh(z2)
    dout = MR
    dz2 = dout * (1 - out**2)
    if mistake == "tanh at z2":
        dz2 = dout * (1 - z2**2)
    dW2 = dz2.T @ h if mistake == "transpose" else h.T @ dz2
    dh = dz2 @ W2.T
    dz1 = dh * (z1 > 0)
    if mistake == "no mask":
        dz1 = dh
    if mistake == "mask of z2":
        dz1 = dh * (z2 > 0)
    return {
        "out": dout,
        "z2": dz2,
        "h": dh,
        "z1": dz1,
        "W2": dW2,
        "W1": MX.T @ dz1,
        "b1": dz1.sum(axis=0),
    }


def test_mlp_right() -> None:
    assert_right(mlp_loss, MLP_INPUTS, mlp_backward(**MLP_INPUTS))


def test_mask_missing_relu() -> None:
    m = first(mlp_loss, MLP_INPUTS, mlp_backward(**MLP_INPUTS, mistake="no mask"), "z1")
    assert m.kind == "mask"
    assert (m.evidence["how"], m.evidence["incoming"], m.evidence["active"]) == (
        "missing",
        "h",
        "z1",
    )
    assert "where z1 <= 0" in m.message


def test_mask_from_wrong_array_relu() -> None:
    m = first(mlp_loss, MLP_INPUTS, mlp_backward(**MLP_INPUTS, mistake="mask of z2"), "z1")
    assert m.kind == "mask"
    assert m.evidence["how"] == "wrong array"
    # out = tanh(z2) is positive exactly where z2 is: the same mask, both named.
    assert set(m.evidence["used"]) == {"z2", "out"}


def test_transpose_hidden_weights() -> None:
    m = first(mlp_loss, MLP_INPUTS, mlp_backward(**MLP_INPUTS, mistake="transpose"), "W2")
    assert m.kind == "transpose"


def test_local_derivative_tanh_output_layer() -> None:
    m = first(mlp_loss, MLP_INPUTS, mlp_backward(**MLP_INPUTS, mistake="tanh at z2"), "z2")
    assert m.kind == "local_derivative"
    assert (m.evidence["used"], m.evidence["meant"]) == ("1 - z2**2", "1 - out**2")
    assert "(out = tanh(z2))" in m.message


# ---------------------------------------------------------------------- batch norm (exercise)

BN = {"batch": 8, "vocab": 5, "block": 3, "embed": 3, "hidden": 6}


def bn_case(
    change: Callable[[Grads], None] | None = None, **options: Any
) -> tuple[Any, Grads, Grads]:
    ex = batchnorm_mlp(**{**BN, **options})
    grads = {k: v.copy() for k, v in ex.gradients.items()}
    if change is not None:
        change(grads)
    return ex.loss_fn, ex.inputs, grads


def test_batchnorm_right() -> None:
    assert_right(*bn_case())


def test_scale_bessel_batchnorm() -> None:
    m = first(*bn_case(bug="bessel"), "bndiff2")
    assert m.kind == "scale" and m.evidence["factor"] == 7 / 8
    assert m.evidence["named"] == "Bessel's correction (N-1)/N with N = 8"


def test_missing_path_batchnorm_mean() -> None:
    def forget(g: Grads) -> None:
        g["hprebn"] = g["bndiff"].copy()

    m = first(*bn_case(forget), "hprebn")
    assert m.kind == "missing_path" and m.evidence["path"] == "bnmeani"


def test_extra_path_batchnorm_mean() -> None:
    def twice(g: Grads) -> None:
        g["hprebn"] = g["bndiff"] + 2 * g["bnmeani"] / BN["batch"]

    m = first(*bn_case(twice), "hprebn")
    assert m.kind == "extra_path" and m.evidence["path"] == "bnmeani"


def test_scale_of_one_path_batchnorm() -> None:
    def no_n(g: Grads) -> None:
        g["hprebn"] = g["bndiff"] + g["bnmeani"]

    m = first(*bn_case(no_n), "hprebn")
    assert m.kind == "scale" and m.evidence["path"] == "bnmeani"
    assert m.evidence["factor"] == 8.0 and m.evidence["named"] == "the batch size N"


def test_sign_batchnorm_mean() -> None:
    def flipped(g: Grads) -> None:
        g["bnmeani"] = -g["bnmeani"]

    m = first(*bn_case(flipped), "bnmeani")
    assert m.kind == "sign"


def test_sign_of_one_path_batchnorm() -> None:
    def minus(g: Grads) -> None:
        g["hprebn"] = g["bndiff"] - g["bnmeani"] / BN["batch"]

    m = first(*bn_case(minus), "hprebn")
    assert m.kind == "sign" and m.evidence["path"] == "bnmeani"
    assert m.message == "dhprebn: the path through bnmeani has the wrong sign."


def test_local_derivative_tanh_batchnorm() -> None:
    m = first(*bn_case(bug="tanh"), "hpreact")
    assert m.kind == "local_derivative"
    assert (m.evidence["incoming"], m.evidence["used"]) == ("h", "1 - hpreact**2")
    assert "(h = tanh(hpreact))" in m.message


def test_missing_path_softmax_counts_sum() -> None:
    m = first(*bn_case(bug="counts_sum"), "counts")
    assert m.kind == "missing_path" and m.evidence["path"] == "counts_sum"


def test_local_derivative_exp_softmax() -> None:
    def exp_of_input(g: Grads) -> None:
        g["norm_logits"] = _forward_bn()["norm_logits"] * g["counts"]  # counts * dcounts meant

    m = first(*bn_case(exp_of_input), "norm_logits")
    assert m.kind == "local_derivative"
    assert (m.evidence["used"], m.evidence["meant"]) == ("norm_logits", "counts")


def test_reduction_keepdims_softmax() -> None:
    # vocab == batch: a row sum without keepdims lines up with the columns.
    def flat(g: Grads) -> None:
        f = _forward_bn(batch=5, vocab=5)
        dcounts_sum = g["counts_sum"][:, 0]  # (5,): keepdims forgotten
        g["counts"] = g["probs"] * f["counts_sum_inv"] + dcounts_sum

    m = first(*bn_case(flat, batch=5, vocab=5), "counts")
    assert m.kind == "reduction" and m.evidence["path"] == "counts_sum"


def test_axes_embedding_reshape() -> None:
    def swapped(g: Grads) -> None:
        g["emb"] = g["embcat"].reshape(BN["batch"], 3, 3).transpose(0, 2, 1).copy()

    m = first(*bn_case(swapped), "emb")
    assert m.kind == "axes" and m.evidence["axes"] == (0, 2, 1)


def _forward_bn(**options: Any) -> dict[str, np.ndarray]:
    """The exercise's forward intermediates, recomputed the way its backward does."""
    opts = {**BN, **options}
    ex = batchnorm_mlp(**opts)
    rng = np.random.default_rng(0)
    Xb = rng.integers(0, opts["vocab"], size=(opts["batch"], opts["block"]))
    p = ex.inputs
    emb = p["C"][Xb]
    hprebn = emb.reshape(opts["batch"], -1) @ p["W1"] + p["b1"]
    bndiff = hprebn - hprebn.mean(0, keepdims=True)
    bnvar = (bndiff**2).sum(0, keepdims=True) / (opts["batch"] - 1)
    h = np.tanh(p["bngain"] * bndiff * (bnvar + 1e-5) ** -0.5 + p["bnbias"])
    logits = h @ p["W2"] + p["b2"]
    norm_logits = logits - logits.max(1, keepdims=True)
    counts = np.exp(norm_logits)
    return {
        "norm_logits": norm_logits,
        "counts": counts,
        "counts_sum_inv": 1 / counts.sum(1, keepdims=True),
    }


# ---------------------------------------------------------------------- layer norm

LX = RNG.standard_normal((4, 4))
LR = RNG.standard_normal((4, 4))
LN_INPUTS = {"x": LX, "gamma": 1 + 0.1 * RNG.standard_normal(4), "beta": RNG.standard_normal(4)}


def ln_loss(x: Any, gamma: Any, beta: Any) -> Any:
    mu = x.mean(axis=1, keepdims=True)
    xmu = x - mu
    var = (xmu**2).mean(axis=1, keepdims=True)
    inv = (var + 1e-5) ** -0.5
    xhat = xmu * inv
    y = xhat * gamma + beta
    return np.sum(y * LR)


def ln_backward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, mistake: str = "") -> Grads:
    n = x.shape[1]
    mu = x.mean(axis=1, keepdims=True)
    xmu = x - mu
    var = (xmu**2).mean(axis=1, keepdims=True)
    inv = (var + 1e-5) ** -0.5
    xhat = xmu * inv
    dy = LR
    dbeta = dy.sum(axis=1) if mistake == "beta axis" else dy.sum(axis=0)
    dxhat = dy * gamma
    dinv = (dxhat * xmu).sum(axis=1, keepdims=True)
    dvar = -0.5 * (var + 1e-5) ** -1.5 * dinv
    dxmu = dxhat * inv + 2 * xmu * dvar / n
    if mistake == "no var path":
        dxmu = dxhat * inv
    if mistake == "var path twice":
        dxmu = dxhat * inv + 4 * xmu * dvar / n
    if mistake == "bessel":
        dxmu = dxhat * inv + 2 * xmu * dvar / (n - 1)
    dmu = -dxmu.sum(axis=1, keepdims=True)
    dx = dxmu + dmu / n
    if mistake == "keepdims":
        dx = dxmu - dxmu.sum(axis=1) / n
    return {
        "y": dy,
        "xhat": dxhat,
        "var": dvar,
        "xmu": dxmu,
        "mu": dmu,
        "x": dx,
        "gamma": (dy * xhat).sum(axis=0),
        "beta": dbeta,
    }


def test_layernorm_right() -> None:
    assert_right(ln_loss, LN_INPUTS, ln_backward(**LN_INPUTS))


def test_reduction_wrong_axis_layernorm_beta() -> None:
    m = first(ln_loss, LN_INPUTS, ln_backward(**LN_INPUTS, mistake="beta axis"), "beta")
    assert m.kind == "reduction"
    assert (m.evidence["of"], m.evidence["how"], m.evidence["axes"]) == ("y", "sum", (1,))
    assert m.evidence["meant"] == ("sum", (0,))


def test_reduction_keepdims_layernorm() -> None:
    m = first(ln_loss, LN_INPUTS, ln_backward(**LN_INPUTS, mistake="keepdims"), "x")
    assert m.kind == "reduction" and m.evidence["path"] == "mu"


def test_missing_path_layernorm_var() -> None:
    m = first(ln_loss, LN_INPUTS, ln_backward(**LN_INPUTS, mistake="no var path"), "xmu")
    assert m.kind == "missing_path" and m.evidence["path"] == "var"


def test_extra_path_layernorm_var() -> None:
    m = first(ln_loss, LN_INPUTS, ln_backward(**LN_INPUTS, mistake="var path twice"), "xmu")
    assert m.kind == "extra_path" and m.evidence["path"] == "var"


def test_scale_bessel_layernorm_path() -> None:
    m = first(ln_loss, LN_INPUTS, ln_backward(**LN_INPUTS, mistake="bessel"), "xmu")
    assert m.kind == "scale" and m.evidence["factor"] == pytest.approx(4 / 3)
    assert m.evidence["path"] == "var" and "Bessel" in m.evidence["named"]


# ---------------------------------------------------------------------- convolution (+ ReLU)

CX = RNG.standard_normal((1, 2, 5, 5))
CR = RNG.standard_normal((1, 2, 3, 3))
CONV_INPUTS = {"x": CX, "w": RNG.standard_normal((2, 2, 3, 3)), "b": RNG.standard_normal(2)}


def conv_loss(x: Any, w: Any, b: Any) -> Any:
    rows = [
        np.sum(x[0, :, i : i + 3, j : j + 3] * w[o]) + b[o]
        for o in range(2)
        for i in range(3)
        for j in range(3)
    ]
    z = np.array(rows, dtype=object).reshape(1, 2, 3, 3)
    r = np.maximum(z, 0)
    return np.sum(r * CR)


def conv_backward(x: np.ndarray, w: np.ndarray, b: np.ndarray, mistake: str = "") -> Grads:
    z = np.zeros((1, 2, 3, 3))
    for o in range(2):
        for i in range(3):
            for j in range(3):
                z[0, o, i, j] = np.sum(x[0, :, i : i + 3, j : j + 3] * w[o]) + b[o]
    dr = CR
    dz = dr if mistake == "no mask" else dr * (z > 0)
    dw = np.zeros_like(w)
    dx = np.zeros_like(x)
    for o in range(2):
        for i in range(3):
            for j in range(3):
                dw[o] += dz[0, o, i, j] * x[0, :, i : i + 3, j : j + 3]
                dx[0, :, i : i + 3, j : j + 3] += dz[0, o, i, j] * w[o]
    if mistake == "flipped":
        dw = dw[:, :, ::-1, ::-1].copy()
    if mistake == "channels":
        dw = dw.transpose(1, 0, 2, 3).copy()
    return {"r": dr, "z": dz, "w": dw, "b": dz.sum(axis=(0, 2, 3)), "x": dx}


def test_conv_right() -> None:
    assert_right(conv_loss, CONV_INPUTS, conv_backward(**CONV_INPUTS))


def test_axes_conv_kernel_flipped() -> None:
    m = first(conv_loss, CONV_INPUTS, conv_backward(**CONV_INPUTS, mistake="flipped"), "w")
    assert m.kind == "axes" and m.evidence["flipped"] == (2, 3)
    assert "rotated by 180 degrees" in m.message


def test_axes_conv_channels_swapped() -> None:
    m = first(conv_loss, CONV_INPUTS, conv_backward(**CONV_INPUTS, mistake="channels"), "w")
    assert m.kind == "axes" and m.evidence["axes"] == (1, 0, 2, 3)


def test_mask_missing_conv_relu() -> None:
    m = first(conv_loss, CONV_INPUTS, conv_backward(**CONV_INPUTS, mistake="no mask"), "z")
    assert m.kind == "mask"
    assert (m.evidence["how"], m.evidence["incoming"], m.evidence["active"]) == (
        "missing",
        "r",
        "z",
    )


# ---------------------------------------------------------------------- max pooling

PX = RNG.standard_normal((2, 1, 4, 4))
PR = RNG.standard_normal((2, 1, 2, 2))
PR3 = RNG.standard_normal((1, 1, 3, 3))
POOL_INPUTS = {"x": PX}
OVERLAP_INPUTS = {"x": PX[:1]}


def pool_loss(x: Any) -> Any:
    pooled = x.reshape(2, 1, 2, 2, 2, 2).max(axis=(3, 5))
    return np.sum(pooled * PR)


def pool_backward(x: np.ndarray, mistake: str = "") -> Grads:
    dx = np.zeros_like(x)
    for a in range(2):
        for i in range(2):
            for j in range(2):
                window = x[a, 0, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2]
                if mistake == "spread":
                    dx[a, 0, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2] = PR[a, 0, i, j] / 4
                elif mistake == "copied":
                    dx[a, 0, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2] = PR[a, 0, i, j]
                else:
                    p, q = np.unravel_index(np.argmax(window), (2, 2))
                    dx[a, 0, 2 * i + p, 2 * j + q] = PR[a, 0, i, j]
    if mistake == "spatial":
        dx = dx.transpose(0, 1, 3, 2).copy()
    return {"x": dx}


def overlap_loss(x: Any) -> Any:
    cells = [x[0, 0, i : i + 2, j : j + 2].max() for i in range(3) for j in range(3)]
    pooled = np.array(cells, dtype=object).reshape(1, 1, 3, 3)
    return np.sum(pooled * PR3)


def overlap_backward(x: np.ndarray, mistake: str = "") -> Grads:
    dx = np.zeros_like(x)
    for i in range(3):
        for j in range(3):
            window = x[0, 0, i : i + 2, j : j + 2]
            p, q = np.unravel_index(np.argmax(window), (2, 2))
            if mistake == "overwritten":
                dx[0, 0, i + p, j + q] = PR3[0, 0, i, j]
            else:
                dx[0, 0, i + p, j + q] += PR3[0, 0, i, j]
    return {"pooled": PR3, "x": dx}


def test_pool_right() -> None:
    assert_right(pool_loss, POOL_INPUTS, pool_backward(**POOL_INPUTS))
    assert_right(overlap_loss, OVERLAP_INPUTS, overlap_backward(**OVERLAP_INPUTS))


def test_routing_spread_max_pool() -> None:
    m = first(pool_loss, POOL_INPUTS, pool_backward(**POOL_INPUTS, mistake="spread"), "x")
    assert m.kind == "routing"
    assert (m.evidence["how"], m.evidence["window"]) == ("spread", (2, 2))


def test_routing_copied_max_pool() -> None:
    m = first(pool_loss, POOL_INPUTS, pool_backward(**POOL_INPUTS, mistake="copied"), "x")
    assert m.kind == "routing"
    assert (m.evidence["how"], m.evidence["window"]) == ("copied", (2, 2))


def test_routing_overwritten_overlapping_pool() -> None:
    grads = overlap_backward(**OVERLAP_INPUTS, mistake="overwritten")
    assert not np.allclose(
        grads["x"], overlap_backward(**OVERLAP_INPUTS)["x"]
    )  # windows share a max
    m = first(overlap_loss, OVERLAP_INPUTS, grads, "x")
    assert m.kind == "routing"
    assert (m.evidence["how"], m.evidence["stride"], m.evidence["of"]) == (
        "overwritten",
        1,
        "pooled",
    )


def test_axes_max_pool_spatial_transposed() -> None:
    m = first(pool_loss, POOL_INPUTS, pool_backward(**POOL_INPUTS, mistake="spatial"), "x")
    assert m.kind == "axes" and m.evidence["axes"] == (0, 1, 3, 2)


# ---------------------------------------------------------------------- max over time

TX = RNG.standard_normal((3, 4))
TR = RNG.standard_normal(3)


def max_time_loss(x: Any) -> Any:
    return np.sum(x.max(axis=1) * TR)


def max_time_backward(x: np.ndarray, mistake: str = "") -> Grads:
    dx = np.zeros_like(x)
    if mistake == "spread":
        dx[:] = TR[:, None] / x.shape[1]
    else:
        dx[np.arange(3), x.argmax(axis=1)] = TR
    return {"x": dx}


def test_max_over_time_right() -> None:
    assert_right(max_time_loss, {"x": TX}, max_time_backward(TX))


def test_routing_spread_max_over_time() -> None:
    m = first(max_time_loss, {"x": TX}, max_time_backward(TX, "spread"), "x")
    assert m.kind == "routing" and m.evidence["window"] == (1, 4)
    assert "each row" in m.message


# ---------------------------------------------------------------------- vanilla RNN, 3 steps

NX = RNG.standard_normal((3, 2, 2))
NR = RNG.standard_normal((3, 2, 3))
RNN_INPUTS = {
    "Wxh": RNG.standard_normal((2, 3)),
    "Whh": RNG.standard_normal((3, 3)) * 0.5,
    "bh": RNG.standard_normal(3) * 0.1,
}


def rnn_loss(Wxh: Any, Whh: Any, bh: Any) -> Any:
    a1 = NX[0] @ Wxh + bh
    h1 = np.tanh(a1)
    a2 = NX[1] @ Wxh + h1 @ Whh + bh
    h2 = np.tanh(a2)
    a3 = NX[2] @ Wxh + h2 @ Whh + bh
    h3 = np.tanh(a3)
    return np.sum(h1 * NR[0]) + np.sum(h2 * NR[1]) + np.sum(h3 * NR[2])


def rnn_backward(Wxh: np.ndarray, Whh: np.ndarray, bh: np.ndarray, mistake: str = "") -> Grads:
    h1 = np.tanh(NX[0] @ Wxh + bh)
    a2 = NX[1] @ Wxh + h1 @ Whh + bh
    h2 = np.tanh(a2)
    h3 = np.tanh(NX[2] @ Wxh + h2 @ Whh + bh)
    dh3 = NR[2]
    da3 = dh3 * (1 - h3**2)
    dh2 = NR[1] + da3 @ Whh.T
    if mistake == "no carry":
        dh2 = NR[1]
    if mistake == "carry twice":
        dh2 = NR[1] + 2 * (da3 @ Whh.T)
    da2 = dh2 * (1 - a2**2) if mistake == "tanh at a2" else dh2 * (1 - h2**2)
    dh1 = NR[0] + da2 @ Whh.T
    da1 = dh1 * (1 - h1**2)
    dWhh = h1.T @ da2 + h2.T @ da3
    if mistake == "transpose":
        dWhh = da2.T @ h1 + da3.T @ h2
    return {
        "h3": dh3,
        "a3": da3,
        "h2": dh2,
        "a2": da2,
        "h1": dh1,
        "a1": da1,
        "Whh": dWhh,
        "Wxh": NX[0].T @ da1 + NX[1].T @ da2 + NX[2].T @ da3,
        "bh": da1.sum(0) + da2.sum(0) + da3.sum(0),
    }


def test_rnn_right() -> None:
    assert_right(rnn_loss, RNN_INPUTS, rnn_backward(**RNN_INPUTS))


def test_missing_path_rnn_carry() -> None:
    m = first(rnn_loss, RNN_INPUTS, rnn_backward(**RNN_INPUTS, mistake="no carry"), "h2")
    assert m.kind == "missing_path" and m.evidence["path"] == "a3"


def test_extra_path_rnn_carry() -> None:
    m = first(rnn_loss, RNN_INPUTS, rnn_backward(**RNN_INPUTS, mistake="carry twice"), "h2")
    assert m.kind == "extra_path" and m.evidence["path"] == "a3"


def test_local_derivative_tanh_rnn() -> None:
    m = first(rnn_loss, RNN_INPUTS, rnn_backward(**RNN_INPUTS, mistake="tanh at a2"), "a2")
    assert m.kind == "local_derivative"
    assert (m.evidence["incoming"], m.evidence["used"], m.evidence["meant"]) == (
        "h2",
        "1 - a2**2",
        "1 - h2**2",
    )


def test_transpose_rnn_recurrent_weights() -> None:
    m = first(rnn_loss, RNN_INPUTS, rnn_backward(**RNN_INPUTS, mistake="transpose"), "Whh")
    assert m.kind == "transpose"


# ---------------------------------------------------------------------- LSTM, one step

LXS = RNG.standard_normal((2, 2))
LH = RNG.standard_normal((2, 2))
LC = RNG.standard_normal((2, 2))
LRH = RNG.standard_normal((2, 2))
LRC = RNG.standard_normal((2, 2))
LSTM_INPUTS = {
    "Wx": RNG.standard_normal((2, 8)),
    "Wh": RNG.standard_normal((2, 8)),
    "b": RNG.standard_normal(8),
}


def lstm_loss(Wx: Any, Wh: Any, b: Any) -> Any:
    a = LXS @ Wx + LH @ Wh + b
    ai = a[:, 0:2]
    ag = a[:, 6:8]
    i = 1 / (1 + np.exp(-ai))
    f = 1 / (1 + np.exp(-a[:, 2:4]))
    o = 1 / (1 + np.exp(-a[:, 4:6]))
    g = np.tanh(ag)
    c = f * LC + i * g
    h = o * np.tanh(c)
    return np.sum(h * LRH) + np.sum(c * LRC)


def lstm_backward(Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray, mistake: str = "") -> Grads:
    a = LXS @ Wx + LH @ Wh + b
    ai, ag = a[:, 0:2], a[:, 6:8]
    i, f, o = sigmoid(ai), sigmoid(a[:, 2:4]), sigmoid(a[:, 4:6])
    g = np.tanh(ag)
    c = f * LC + i * g
    dh = LRH
    dc = LRC + dh * o * (1 - np.tanh(c) ** 2)
    if mistake == "no h path":
        dc = LRC
    di, dg = dc * g, dc * i
    dai = di * sigmoid(i) * (1 - sigmoid(i)) if mistake == "sigmoid of i" else di * i * (1 - i)
    dag = dg * (1 - ag**2) if mistake == "tanh at ag" else dg * (1 - g**2)
    return {"h": dh, "c": dc, "i": di, "g": dg, "ai": dai, "ag": dag}


def test_lstm_right() -> None:
    assert_right(lstm_loss, LSTM_INPUTS, lstm_backward(**LSTM_INPUTS))


def test_missing_path_lstm_cell() -> None:
    m = first(lstm_loss, LSTM_INPUTS, lstm_backward(**LSTM_INPUTS, mistake="no h path"), "c")
    assert m.kind == "missing_path" and m.evidence["path"] == "h"


def test_local_derivative_sigmoid_lstm_gate() -> None:
    m = first(lstm_loss, LSTM_INPUTS, lstm_backward(**LSTM_INPUTS, mistake="sigmoid of i"), "ai")
    assert m.kind == "local_derivative"
    assert (m.evidence["used"], m.evidence["meant"]) == (
        "sigmoid(i) * (1 - sigmoid(i))",
        "i * (1 - i)",
    )


def test_local_derivative_tanh_lstm_candidate() -> None:
    m = first(lstm_loss, LSTM_INPUTS, lstm_backward(**LSTM_INPUTS, mistake="tanh at ag"), "ag")
    assert m.kind == "local_derivative" and m.evidence["meant"] == "1 - g**2"
    assert "(g = tanh(ag))" in m.message


# ---------------------------------------------------------------------- dropout

DX = RNG.standard_normal((4, 5))
DMASK = (RNG.random((4, 5)) < 0.8).astype(float)
DR = RNG.standard_normal((4, 5))
KEEP = 0.8


def dropout_loss(x: Any) -> Any:
    h = x * DMASK / KEEP
    y = np.tanh(h)
    return np.sum(y * DR)


def dropout_backward(x: np.ndarray, mistake: str = "") -> Grads:
    h = x * DMASK / KEEP
    y = np.tanh(h)
    dh = DR * (1 - y**2)
    dx = dh * DMASK / KEEP
    if mistake == "no 1/p":
        dx = dh * DMASK
    if mistake == "no mask":
        dx = dh / KEEP
    if mistake == "inverted":
        dx = dh * (1 - DMASK) / KEEP
    return {"y": DR, "h": dh, "x": dx}


def test_dropout_right() -> None:
    assert 0 < DMASK.sum() < DMASK.size
    assert_right(dropout_loss, {"x": DX}, dropout_backward(DX))


def test_scale_dropout_keep_probability() -> None:
    m = first(dropout_loss, {"x": DX}, dropout_backward(DX, "no 1/p"), "x")
    assert m.kind == "scale" and m.evidence["factor"] == pytest.approx(KEEP)
    assert m.evidence["named"] == "1/p of dropout (p = 0.8)"
    assert "1.25 is 1/p of dropout (p = 0.8): divide by p, as the forward pass does." in m.message


def test_mask_missing_dropout() -> None:
    m = first(dropout_loss, {"x": DX}, dropout_backward(DX, "no mask"), "x")
    assert m.kind == "mask" and (m.evidence["how"], m.evidence["incoming"]) == ("missing", "h")


def test_mask_inverted_dropout() -> None:
    m = first(dropout_loss, {"x": DX}, dropout_backward(DX, "inverted"), "x")
    assert m.kind == "mask" and m.evidence["how"] == "inverted"


# ---------------------------------------------------------------------- the recogniser itself


def test_no_pattern_shows_largest_differences() -> None:
    engine = np.array([[1.0, 2.0], [3.0, 4.0]])
    yours = engine + np.array([[0.0, 0.5], [-2.0, 0.0]])
    (m,) = recognise("W", yours, engine)
    assert m.kind == NO_PATTERN
    assert m.evidence["largest"][0] == ((1, 0), 1.0, 3.0)
    assert "W[1,0]: yours 1, engine 3" in m.message


def test_recognise_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="shape"):
        recognise("W", np.zeros((2, 2)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="NaN"):
        recognise("W", np.array([np.nan]), np.array([1.0]))


def test_named_factors() -> None:
    names = {f.name: f.value for f in named_factors(batch=32, classes=10, keep=0.5, sizes=[64])}
    assert names["the batch size N"] == 32
    assert names["Bessel's correction (N-1)/N with N = 32"] == 31 / 32
    assert names["the number of classes C"] == 10
    assert names["1/p of dropout (p = 0.5)"] == 2
    assert names["Bessel's correction (n-1)/n with n = 64"] == 63 / 64


ARRAYS = st.integers(0, 2**32 - 1).map(np.random.default_rng)


@settings(max_examples=60, deadline=None)
@given(ARRAYS, st.sampled_from([(), (1,), (5,), (3, 3), (4, 2), (2, 2, 2)]))
def test_right_gradient_never_gets_a_finding(
    rng: np.random.Generator, shape: tuple[int, ...]
) -> None:
    engine = rng.standard_normal(shape)
    context = _random_context(rng, shape)
    yours = engine * (1 + 1e-6 * rng.uniform(-1, 1, shape))  # within rtol=1e-4
    assert recognise("x", yours, engine, context) == []


@settings(max_examples=60, deadline=None)
@given(ARRAYS, st.sampled_from([(), (1,), (5,), (3, 3), (4, 2), (2, 2, 2)]))
def test_noise_gets_no_pattern_or_a_finding_that_reproduces_it(
    rng: np.random.Generator, shape: tuple[int, ...]
) -> None:
    engine = rng.standard_normal(shape)
    context = _random_context(rng, shape)
    yours = engine + rng.standard_normal(shape)
    found = recognise("x", yours, engine, context)
    assert found
    for m in found:
        if m.kind != NO_PATTERN:
            bound = context.atol + context.rtol * float(np.max(np.abs(yours)))
            assert m.evidence["max_error"] <= bound


def _random_context(rng: np.random.Generator, shape: tuple[int, ...]) -> MistakeContext:
    return MistakeContext(
        values={"x": rng.standard_normal(shape), "y": rng.standard_normal(shape)},
        gradients={"y": rng.standard_normal(shape), "z": rng.standard_normal((4, *shape))},
        paths={"x": {"y": rng.standard_normal(shape), "the loss": rng.standard_normal(shape)}},
        factors=named_factors(batch=4, sizes=shape),
    )


# ---------------------------------------------------------------------- the three shapes of code


def test_shape_function_pair_check_backward() -> None:
    from autograd_lite import check_backward

    def affine_forward(x: Any, w: Any, b: Any) -> Any:
        return x @ w + b, (x, w)

    def affine_backward(dout: np.ndarray, cache: Any) -> Any:
        x, w = cache
        return dout @ w.T, dout.T @ x, dout.sum(axis=0)  # dw transposed

    x, w, b = RNG.standard_normal((5, 3)), RNG.standard_normal((3, 3)), RNG.standard_normal(3)
    report = check_backward(affine_forward, affine_backward, (x, w, b), RNG.standard_normal((5, 3)))
    (m,) = report.mistakes
    assert (m.gradient, m.kind) == ("dw", "transpose")
    assert m.message.startswith("dw: yours is the engine's transposed")
    assert report.diagnosis().startswith(m.message)


def test_shape_layer_object_check_backward() -> None:
    from autograd_lite import check_backward

    class Dense:
        def __init__(self) -> None:
            self.weights = np.array([[0.5, -1.0], [2.0, 0.25]])
            self.biases = np.array([0.1, -0.3])

        def forward(self, inputs: Any) -> None:
            self.inputs = inputs
            self.output = inputs @ self.weights + self.biases

        def backward(self, dvalues: np.ndarray) -> None:
            self.dweights = -(self.inputs.T @ dvalues)  # a sign slipped in
            self.dbiases = dvalues.sum(axis=0)
            self.dinputs = dvalues @ self.weights.T

    report = check_backward(Dense(), RNG.standard_normal((4, 2)), RNG.standard_normal((4, 2)))
    (m,) = report.mistakes
    assert (m.gradient, m.kind) == ("dweights", "sign")
    assert m.message.startswith("dweights: every entry has the wrong sign")


def test_shape_loss_and_grads_function() -> None:
    from autograd_lite import check_loss_and_grads

    def loss_and_grad(W: np.ndarray, X: np.ndarray) -> tuple[Any, np.ndarray]:
        loss = np.sum(X.dot(W) ** 2)
        dW = X.T.dot(X.dot(W))  # the 2 of the square is missing
        return loss, dW

    W, X = RNG.standard_normal((3, 2)), RNG.standard_normal((4, 3))
    report = check_loss_and_grads(loss_and_grad, W, X)
    (m,) = report.mistakes
    assert m.kind == "scale" and m.evidence["factor"] == 0.5
    assert m.evidence["named"] == "the 2 of a square's derivative"


def test_judged_by_differences_alone_still_gets_a_finding() -> None:
    from autograd_lite import check_loss_and_grads

    def loss_and_grad(W: np.ndarray, X: np.ndarray) -> tuple[float, np.ndarray]:
        loss = float(np.sum(X.dot(W) ** 2))  # float() cuts the graph: differences only
        return loss, -2 * X.T.dot(X.dot(W))

    report = check_loss_and_grads(
        loss_and_grad, RNG.standard_normal((3, 2)), RNG.standard_normal((4, 3))
    )
    assert np.isnan(report.gradients[0].engine).all()
    (m,) = report.mistakes
    assert m.kind == "sign"


# ---------------------------------------------------------------------- where learners look


def test_text_and_diagnosis_lead_with_the_finding() -> None:
    report = check_gradients(*bn_case(bug="bessel"))
    finding = report.leading_mistakes()[0]
    assert finding.gradient == "bndiff2"
    lines = str(report).splitlines()
    assert lines[1].startswith(finding.message)  # right under the summary line
    assert report.diagnosis().startswith(finding.message)


def test_a_single_number_is_no_pattern_unless_the_factor_is_named() -> None:
    assert recognise("w", np.array([3.17]), np.array([1.0]))[0].kind == NO_PATTERN
    (m,) = recognise("w", np.array([0.5]), np.array([1.0]))
    assert m.kind == "scale" and m.evidence["factor"] == 0.5


def _square_check() -> Any:
    # d/dw (x*w - 1)**2 = 2 (x*w - 1) x; the learner's drops the 2.
    x, w = 0.5, -1.5
    return check_gradients(lambda x, w: (x * w - 1) ** 2, {"x": x, "w": w}, {"w": (x * w - 1) * x})


def test_notebook_html_leads_with_the_finding_in_a_browser(browser: Any) -> None:
    report = check_gradients(*bn_case(bug="bessel"))
    page = browser.new_page()
    try:
        page.set_content(f"<!DOCTYPE html><html><body>{report._repr_html_()}</body></html>")
        paragraphs = page.locator(".autograd-lite-report > p").all_inner_texts()
        assert paragraphs[0].startswith("check_gradients:")  # the summary line
        assert paragraphs[1] == report.leading_mistakes()[0].message
        assert page.locator("p.mistake").evaluate("p => getComputedStyle(p).fontWeight") == "700"
    finally:
        page.close()


def test_drawing_tooltip_leads_with_the_finding_in_a_browser(browser: Any, tmp_path: Any) -> None:
    from autograd_lite import draw_graph

    report = _square_check()
    (finding,) = report.mistakes
    assert "the 2 of a square's derivative" in finding.message
    path = draw_graph(report.loss, highlight=report).save(tmp_path / "graph.html")
    page = browser.new_page()
    try:
        page.goto(path.resolve().as_uri())
        page.click("#fit")
        page.locator("g.node.wrong", has_text="w").first.hover()
        tip = page.locator("#tip").inner_text()
        assert tip.startswith(finding.message + " [w: WRONG, expected ")
        page.locator("g.node.wrong", has_text="w").first.click()
        assert page.locator("#info p.mistake").inner_text() == finding.message
    finally:
        page.close()


def test_layer_report_html_leads_with_the_finding() -> None:
    from autograd_lite import check_backward

    def scale_forward(x: Any, w: Any) -> Any:
        return x * w, (x, w)

    def scale_backward(dout: np.ndarray, cache: Any) -> Any:
        x, w = cache
        return -dout * w, dout * x  # dx's sign flipped

    x, w = RNG.standard_normal((3, 2)), RNG.standard_normal((3, 2))
    report = check_backward(scale_forward, scale_backward, (x, w), RNG.standard_normal((3, 2)))
    (m,) = report.mistakes
    assert (m.gradient, m.kind) == ("dx", "sign")
    page = report._repr_html_()
    assert page.index(m.message) < page.index("First wrong step")
    assert str(report).splitlines()[1].startswith(m.message)


# ---------------------------------------------------------------------- multi-label BCE

BX = RNG.standard_normal((6, 3))
BY = (RNG.random((6, 4)) < 0.5).astype(float)
BCE_INPUTS = {"W": RNG.standard_normal((3, 4))}


def bce_loss(W: Any) -> Any:
    logits = BX @ W
    p = 1 / (1 + np.exp(-logits))
    return np.mean(-(BY * np.log(p) + (1 - BY) * np.log(1 - p)))


def bce_backward(W: np.ndarray, mistake: str = "") -> Grads:
    p = sigmoid(BX @ W)
    dlogits = (p - BY) / BY.size
    if mistake == "per sample":
        dlogits = (p - BY) / BY.shape[0]  # np.mean averaged over the classes too
    return {"logits": dlogits, "W": BX.T @ dlogits}


def test_bce_right() -> None:
    assert_right(bce_loss, BCE_INPUTS, bce_backward(**BCE_INPUTS))


def test_scale_number_of_classes_bce() -> None:
    m = first(bce_loss, BCE_INPUTS, bce_backward(**BCE_INPUTS, mistake="per sample"), "logits")
    assert m.kind == "scale" and m.evidence["factor"] == 4
    assert m.evidence["named"] == "the number of classes C"
    assert "4x too large; 4 is the number of classes C: divide by C" in m.message


def test_an_input_called_data_is_named_ddata() -> None:
    X = RNG.standard_normal((4, 2))

    def loss(data: Any, w: Any) -> Any:
        return np.sum((data @ w) ** 2)

    w = RNG.standard_normal(2)
    right = 2 * np.outer(X @ w, w)
    report = check_gradients(loss, {"data": X, "w": w}, {"data": -right})
    assert report.mistakes[0].message.startswith("ddata: every entry has the wrong sign")


def test_array_view_box_tooltip_and_panel_lead_with_the_finding(
    browser: Any, tmp_path: Any
) -> None:
    import xml.etree.ElementTree as ET

    from autograd_lite import draw_graph
    from autograd_lite.learn import demo_check

    report = demo_check.check(demo_check.backward_by_hand)
    (finding,) = [m for m in report.mistakes if m.gradient == "z1"]
    drawing = draw_graph(report.loss, highlight=report)
    assert drawing.view == "arrays"
    svg = ET.fromstring(drawing.svg())
    box = next(g for g in svg.iter("{http://www.w3.org/2000/svg}g") if g.get("id") == "a_z1")
    title = box.find("{http://www.w3.org/2000/svg}title")
    assert title is not None and (title.text or "").startswith(finding.message + "\n")
    page = browser.new_page()
    try:
        page.goto(drawing.save(tmp_path / "arrays.html").resolve().as_uri())
        page.click("#a_z1_1")
        assert page.locator("#info p.mistake").inner_text() == finding.message
    finally:
        page.close()
