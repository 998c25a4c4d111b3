"""Seed 000: a learner's notebook deriving a 2-3-2 network with pure-Python scalar functions.
x (2) -> k = x W + b -> h = sigmoid(k) -> o = h V + c -> y = softmax(o) -> l = -log(y[target])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .common import (
    OK,
    FloatArray,
    HandGradient,
    PrintedForward,
    SeedCase,
    arr,
    every,
    np_sigmoid,
    softmax_jacobian,
)

NB0 = "000_daa309e7c176c8bb.txt"
_NB0_X = arr([1.0, -1.0])
_NB0_W = arr([[1.0, 1.0, 1.0], [-1.0, -1.0, -1.0]])
_NB0_B = arr([0.0, 0.0, 0.0])
_NB0_V = arr([[1.0, 1.0], [-1.0, -1.0], [-1.0, -1.0]])
_NB0_C = arr([0.0, 0.0])
_NB0_T = arr([1.0, 0.0])  # target class 0, one-hot
_NB0_TARGET = 0

# V's two columns are equal, so o[0] == o[1] whatever h is: the loss is log 2 for every x, W, b.
# The zero gradients below are therefore exactly right, but they would hide many bugs.
_NB0_DEGENERATE = (
    "V's two columns are equal, so o[0] == o[1] and the loss is log 2 whatever x, W and b are: "
    "the zero gradients for h, k, W and b are exact, and this example cannot catch a bug there."
)


def _nb0_trace(x: Any, W: Any, b: Any, V: Any, c: Any) -> dict[str, Any]:
    k = np.dot(x, W) + b
    h = np_sigmoid(k)
    o = np.dot(h, V) + c
    e = np.exp(o)
    y = e / np.sum(e)
    return {"k": k, "h": h, "o": o, "y": y, "loss": -np.log(y[_NB0_TARGET])}


def _nb0_loss(x: Any, W: Any, b: Any, V: Any, c: Any) -> Any:
    return _nb0_trace(x, W, b, V, c)["loss"]


def _nb0_true(
    x: FloatArray, W: FloatArray, b: FloatArray, V: FloatArray, c: FloatArray
) -> dict[str, FloatArray]:
    f = _nb0_trace(x, W, b, V, c)
    h = f["h"]
    dl_do = f["y"] - _NB0_T
    dl_dk = np.dot(V, dl_do) * h * (1.0 - h)
    return {
        "x": np.dot(W, dl_dk),
        "W": np.outer(x, dl_dk),
        "b": dl_dk,
        "V": np.outer(h, dl_do),
        "c": dl_do,
    }


def _nb0_loss_from_y(y: Any) -> Any:
    return -np.log(y[_NB0_TARGET])


def _nb0_true_from_y(y: FloatArray) -> dict[str, FloatArray]:
    return {"y": -_NB0_T / y}


def _nb0_loss_from_o(o: Any) -> Any:
    e = np.exp(o)
    return _nb0_loss_from_y(e / np.sum(e))


def _nb0_true_from_o(o: FloatArray) -> dict[str, FloatArray]:
    e = np.exp(o)
    return {"o": e / np.sum(e) - _NB0_T}


def _nb0_loss_from_h(h: Any) -> Any:
    return _nb0_loss_from_o(np.dot(h, _NB0_V) + _NB0_C)


def _nb0_true_from_h(h: FloatArray) -> dict[str, FloatArray]:
    return {"h": np.dot(_NB0_V, _nb0_true_from_o(np.dot(h, _NB0_V) + _NB0_C)["o"])}


def _nb0_loss_from_k(k: Any) -> Any:
    return _nb0_loss_from_h(np_sigmoid(k))


def _nb0_true_from_k(k: FloatArray) -> dict[str, FloatArray]:
    h = np_sigmoid(k)
    return {"k": _nb0_true_from_h(h)["h"] * h * (1.0 - h)}


def _nb0_jacobian_y_o(o_rows: Any) -> Any:
    # Row i of o_rows is a copy of o feeding output y_i, so d/do_rows[i, j] = dy_i/do_j.
    e = np.exp(o_rows)
    return np.trace(e / np.sum(e, axis=1, keepdims=True))


def _nb0_true_jacobian_y_o(o_rows: FloatArray) -> dict[str, FloatArray]:
    e = np.exp(o_rows[0])
    return {"o_rows": softmax_jacobian(e / np.sum(e))}


def _nb0_jacobian_o_h(h_rows: Any) -> Any:
    # Row i of h_rows is a copy of h feeding output o_i, so d/dh_rows[i, j] = do_i/dh_j.
    return np.trace(np.dot(h_rows, _NB0_V) + _NB0_C)


def _nb0_true_jacobian_o_h(h_rows: FloatArray) -> dict[str, FloatArray]:
    return {"h_rows": _NB0_V.T.copy()}


def _nb0_local_h_k(k: Any) -> Any:
    # h = sigmoid(k) acts entry by entry, so d sum(h) / dk_i = dh_i/dk_i.
    return np.sum(np_sigmoid(k))


def _nb0_true_local_h_k(k: FloatArray) -> dict[str, FloatArray]:
    h = np_sigmoid(k)
    return {"k": h * (1.0 - h)}


_NB0_INPUTS = {"x": _NB0_X, "W": _NB0_W, "b": _NB0_B, "V": _NB0_V, "c": _NB0_C}
_NB0_FWD = _nb0_trace(**_NB0_INPUTS)
_NB0_H_SIG2 = 0.8807970779778823  # sigmoid(2), as printed

NB0_CASES = (
    SeedCase(
        name="nb0_sigmoid_softmax.parameters",
        notebook=NB0,
        cells="In [5]-[8], [19], [26], [30], [35]",
        summary="2-3-2 net, sigmoid hidden layer, softmax, -log y[target]: dl/dV, dl/dc, "
        "dl/dW, dl/db",
        inputs=dict(_NB0_INPUTS),
        loss=_nb0_loss,
        true_grads=_nb0_true,
        printed_loss=0.6931471805599453,
        hand={
            "V": HandGradient(
                "dl_dv",
                arr([[-0.44039853898894116, 0.44039853898894116]] * 3),
                every(OK, (3, 2)),
            ),
            "c": HandGradient("dl_dc", arr([-0.5, 0.5]), every(OK, (2,))),
            "W": HandGradient(
                "dl_dw", arr([[0.0, 0.0, 0.0], [-0.0, -0.0, -0.0]]), every(OK, (2, 3))
            ),
            "b": HandGradient("dl_db", arr([0.0, 0.0, 0.0]), every(OK, (3,))),
        },
        notes=_NB0_DEGENERATE + " The dl_dv cell calls its helper with four arguments while the "
        "helper shown takes three: its output comes from an earlier version of the helper, yet "
        "the printed numbers (h_i * dl_do[j]) are right.",
    ),
    SeedCase(
        name="nb0_sigmoid_softmax.dl_dy",
        notebook=NB0,
        cells="In [9]",
        summary="dl/dy for l = -log y[target], y the softmax output",
        inputs={"y": np.asarray(_NB0_FWD["y"])},
        loss=_nb0_loss_from_y,
        true_grads=_nb0_true_from_y,
        printed_loss=0.6931471805599453,
        hand={"y": HandGradient("dl_dy", arr([-2.0, 0.0]), every(OK, (2,)))},
    ),
    SeedCase(
        name="nb0_sigmoid_softmax.dl_do",
        notebook=NB0,
        cells="In [11]",
        summary="dl/do through the softmax",
        inputs={"o": np.asarray(_NB0_FWD["o"])},
        loss=_nb0_loss_from_o,
        true_grads=_nb0_true_from_o,
        hand={"o": HandGradient("dl_do", arr([-0.5, 0.5]), every(OK, (2,)))},
    ),
    SeedCase(
        name="nb0_sigmoid_softmax.dl_dh",
        notebook=NB0,
        cells="In [13]",
        summary="dl/dh through o = h V + c",
        inputs={"h": arr([_NB0_H_SIG2] * 3)},
        loss=_nb0_loss_from_h,
        true_grads=_nb0_true_from_h,
        hand={"h": HandGradient("dl_dh", arr([0.0, 0.0, 0.0]), every(OK, (3,)))},
        notes=_NB0_DEGENERATE,
    ),
    SeedCase(
        name="nb0_sigmoid_softmax.dl_dk",
        notebook=NB0,
        cells="In [24]",
        summary="dl/dk through h = sigmoid(k)",
        inputs={"k": arr([2.0, 2.0, 2.0])},
        loss=_nb0_loss_from_k,
        true_grads=_nb0_true_from_k,
        hand={"k": HandGradient("dl_dk", arr([0.0, 0.0, 0.0]), every(OK, (3,)))},
        notes=_NB0_DEGENERATE,
    ),
    SeedCase(
        name="nb0_sigmoid_softmax.dy_do",
        notebook=NB0,
        cells="In [10]",
        summary="softmax Jacobian dy_i/do_j at o = (-h.sum(), -h.sum()), as trace of row copies",
        inputs={"o_rows": np.tile(np.asarray(_NB0_FWD["o"]), (2, 1))},
        loss=_nb0_jacobian_y_o,
        true_grads=_nb0_true_jacobian_y_o,
        hand={
            "o_rows": HandGradient("dy_do", arr([[0.25, -0.25], [-0.25, 0.25]]), every(OK, (2, 2)))
        },
    ),
    SeedCase(
        name="nb0_sigmoid_softmax.do_dh",
        notebook=NB0,
        cells="In [12]",
        summary="Jacobian do_i/dh_j of o = h V + c (= V[j][i]), as trace of row copies",
        inputs={"h_rows": np.tile(arr([_NB0_H_SIG2] * 3), (2, 1))},
        loss=_nb0_jacobian_o_h,
        true_grads=_nb0_true_jacobian_o_h,
        hand={
            "h_rows": HandGradient(
                "do_dh", arr([[1.0, -1.0, -1.0], [1.0, -1.0, -1.0]]), every(OK, (2, 3))
            )
        },
    ),
    SeedCase(
        name="nb0_sigmoid_softmax.dh_dk",
        notebook=NB0,
        cells="In [24]",
        summary="sigmoid derivative dh_i/dk_i at k = 2",
        inputs={"k": arr([2.0, 2.0, 2.0])},
        loss=_nb0_local_h_k,
        true_grads=_nb0_true_local_h_k,
        hand={"k": HandGradient("dh_dk", arr([0.10499358540350662] * 3), every(OK, (3,)))},
    ),
)

NB0_FORWARD = PrintedForward(
    name="nb0_sigmoid_softmax",
    notebook=NB0,
    trace=lambda: {k: np.asarray(v) for k, v in _nb0_trace(**_NB0_INPUTS).items()},
    printed={
        "k": arr([2.0, 2.0, 2.0]),
        "h": arr([_NB0_H_SIG2] * 3),
        "y": arr([0.5, 0.5]),
        "loss": arr(0.6931471805599453),
    },
    atol=1e-15,
)
