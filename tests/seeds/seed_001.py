"""Seed 001: a learner's notebook with a 3-layer relu network in numpy (a 1-D sample), a constant
bias 0.3 on every layer, softmax output and a binary cross-entropy summed over the 3 classes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .common import (
    WRONG,
    FloatArray,
    HandGradient,
    PrintedForward,
    SeedCase,
    arr,
    every,
    np_relu,
    softmax_by_column,
    softmax_vjp,
)

NB1 = "001_90a676609b4a7627.txt"
_NB1_I = arr([0.1, 0.2, 0.7])
_NB1_W_IJ = arr([[0.1, 0.2, 0.3], [0.3, 0.2, 0.7], [0.4, 0.3, 0.9]])
_NB1_W_JK = arr([[0.2, 0.3, 0.5], [0.3, 0.5, 0.7], [0.6, 0.4, 0.8]])
_NB1_W_KO = arr([[0.1, 0.4, 0.8], [0.3, 0.7, 0.2], [0.5, 0.2, 0.9]])
_NB1_T = arr([1.0, 0.0, 0.0])
NB1_BIAS = 0.3  # the same constant on every layer, never trained
NB1_LEARNING_RATE = 0.01
NB1_STOP_LOSS = 0.01


def _nb1_bce_sum(p: Any) -> Any:
    return np.sum((_NB1_T * np.log(p) + (1 - _NB1_T) * np.log(1 - p)) * (-1.0))


def nb1_trace(i: Any, w_ij: Any, w_jk: Any, w_ko: Any) -> dict[str, Any]:
    j = np.dot(i, w_ij) + NB1_BIAS
    j_out = np_relu(j)
    k = np.dot(j_out, w_jk) + NB1_BIAS
    k_out = np_relu(k)
    o = np.dot(k_out, w_ko) + NB1_BIAS
    o_out = softmax_by_column(o)
    losses = (_NB1_T * np.log(o_out) + (1 - _NB1_T) * np.log(1 - o_out)) * (-1.0)
    return {
        "j": j,
        "j_out": j_out,
        "k": k,
        "k_out": k_out,
        "o": o,
        "o_out": o_out,
        "L": losses,
        "loss": np.sum(losses),
    }


def _nb1_loss(i: Any, w_ij: Any, w_jk: Any, w_ko: Any) -> Any:
    return nb1_trace(i, w_ij, w_jk, w_ko)["loss"]


def _nb1_dl_do(p: FloatArray) -> FloatArray:
    """dL/do with the full softmax Jacobian, L = -sum(t log p + (1 - t) log(1 - p))."""
    dl_dp = -_NB1_T / p + (1.0 - _NB1_T) / (1.0 - p)
    return softmax_vjp(p, dl_dp, axis=0)


def _nb1_true(
    i: FloatArray, w_ij: FloatArray, w_jk: FloatArray, w_ko: FloatArray
) -> dict[str, FloatArray]:
    f = nb1_trace(i, w_ij, w_jk, w_ko)
    dl_do = _nb1_dl_do(f["o_out"])
    dl_dk = np.dot(w_ko, dl_do) * (f["k"] > 0)
    dl_dj = np.dot(w_jk, dl_dk) * (f["j"] > 0)
    return {
        "i": np.dot(w_ij, dl_dj),
        "w_ij": np.outer(i, dl_dj),
        "w_jk": np.outer(f["j_out"], dl_dk),
        "w_ko": np.outer(f["k_out"], dl_do),
    }


def _nb1_loss_from_k_out(k_out: Any) -> Any:
    return _nb1_bce_sum(softmax_by_column(np.dot(k_out, _NB1_W_KO) + NB1_BIAS))


def _nb1_true_from_k_out(k_out: FloatArray) -> dict[str, FloatArray]:
    p = softmax_by_column(np.dot(k_out, _NB1_W_KO) + NB1_BIAS)
    return {"k_out": np.dot(_NB1_W_KO, _nb1_dl_do(p))}


def nb1_hand_step(
    i: FloatArray, w_ij: FloatArray, w_jk: FloatArray, w_ko: FloatArray, diagonal_of: str
) -> dict[str, FloatArray]:
    """The notebook's derivation, bugs included, recomputed from exact inputs.

    ``diagonal_of`` names the matrix whose diagonal scales ``dL_dk`` in ``g_ij``. The step-by-step
    cells take ``np.diag(w_ij)``; the training function as displayed takes ``np.diag(w_jk)``, yet
    its printed result is replayed bit for bit only with ``w_ij`` (its source was edited after
    it ran).
    """
    f = nb1_trace(i, w_ij, w_jk, w_ko)
    p = f["o_out"]
    # Only the diagonal p(1-p) of the softmax Jacobian; this reduces to p - t.
    delta = (-_NB1_T / p + (1.0 - _NB1_T) / (1.0 - p)) * (p - p * p)
    dl_dk_out = np.dot(w_ko, delta)
    diagonal = np.diag(w_ij if diagonal_of == "w_ij" else w_jk)
    return {
        "w_ko": np.outer(f["k_out"], delta),
        "k_out": dl_dk_out,
        "w_jk": np.outer(f["j_out"], dl_dk_out),
        "w_ij": np.outer(i, dl_dk_out * diagonal),
    }


_NB1_INPUTS = {"i": _NB1_I, "w_ij": _NB1_W_IJ, "w_jk": _NB1_W_JK, "w_ko": _NB1_W_KO}
_NB1_FWD = nb1_trace(**_NB1_INPUTS)
_NB1_SOFTMAX_BUG = (
    "uses only the diagonal p_j(1 - p_j) of the softmax Jacobian, as if softmax acted entry by "
    "entry like a sigmoid, and drops the off-diagonal -p_i p_j terms: the factor it uses "
    "simplifies to p - t, the softmax + categorical cross-entropy gradient, but this loss is a "
    "binary cross-entropy summed over the classes, whose dL/do_j is "
    "p_j[(p_j - t_j)/(p_j(1 - p_j)) - sum_m (p_m - t_m)/(1 - p_m)]"
)


def _nb1_replay() -> dict[str, FloatArray]:
    return nb1_hand_step(**_NB1_INPUTS, diagonal_of="w_ij")


NB1_CASES = (
    SeedCase(
        name="nb1_relu_softmax_bce.parameters",
        notebook=NB1,
        cells="In [77]-[98]",
        summary="3-layer relu net, bias 0.3, softmax, summed binary cross-entropy: g_ko, g_jk, "
        "g_ij (gradients for w_ko, w_jk, w_ij)",
        inputs=dict(_NB1_INPUTS),
        loss=_nb1_loss,
        true_grads=_nb1_true,
        printed_loss=3.2346279327622796,
        hand={
            "w_ko": HandGradient(
                "g_ko",
                arr(
                    [
                        [-1.0789328, 0.24456371, 0.83436909],
                        [-1.04385251, 0.236612, 0.80724051],
                        [-1.62909441, 0.36926987, 1.25982454],
                    ]
                ),
                every(WRONG, (3, 3)),
                bug="g_ko " + _NB1_SOFTMAX_BUG + ".",
            ),
            "w_jk": HandGradient(
                "g_jk",
                arr(
                    [
                        [0.33888014, 0.00741679, 0.13421573],
                        [0.29717182, 0.00650396, 0.11769687],
                        [0.57348947, 0.01255149, 0.22713432],
                    ]
                ),
                every(WRONG, (3, 3)),
                bug="g_jk = outer(j_out, dL_dk) is the right chain step (relu' = 1 here, though "
                "the factor is missing), but dL_dk inherits the wrong softmax delta of g_ko.",
            ),
            "w_ij": HandGradient(
                "g_ij",
                arr(
                    [
                        [0.00521354, 0.00022821, 0.01858372],
                        [0.01042708, 0.00045642, 0.03716743],
                        [0.03649478, 0.00159746, 0.13008602],
                    ]
                ),
                every(WRONG, (3, 3)),
                bug="g_ij multiplies dL_dk entry by entry with np.diag(w_ij), the first layer's "
                "own weights, where dL/dj_out = w_jk @ dL_dk, a full matrix-vector product over "
                "k, is needed (taking np.diag(w_jk), as the displayed training function does, "
                "is just as wrong); dL_dk itself also carries the wrong softmax delta.",
            ),
        },
        replay=_nb1_replay,
    ),
    SeedCase(
        name="nb1_relu_softmax_bce.dL_dk",
        notebook=NB1,
        cells="In [94], [96]",
        summary="dL/dk_out, the gradient arriving at the second hidden layer's output",
        inputs={"k_out": np.asarray(_NB1_FWD["k_out"])},
        loss=_nb1_loss_from_k_out,
        true_grads=_nb1_true_from_k_out,
        printed_loss=3.2346279327622796,
        hand={
            "k_out": HandGradient(
                "dL_dk",
                arr([0.52135406, 0.01141045, 0.20648574]),
                every(WRONG, (3,)),
                bug="w_ko @ delta is the right chain step, but delta " + _NB1_SOFTMAX_BUG + ".",
            )
        },
        replay=_nb1_replay,
    ),
)

NB1_FORWARD = PrintedForward(
    name="nb1_relu_softmax_bce",
    notebook=NB1,
    trace=lambda: {k: np.asarray(v) for k, v in nb1_trace(**_NB1_INPUTS).items()},
    printed={
        "j": arr([0.65, 0.57, 1.1]),
        "j_out": arr([0.65, 0.57, 1.1]),
        "k": arr([1.261, 1.22, 1.904]),
        "k_out": arr([1.261, 1.22, 1.904]),
        "o": arr([1.7441, 2.0392, 3.2664]),
        "o_out": arr([0.14438319, 0.19394426, 0.66167255]),
        "L": arr([1.93528448, 0.21560238, 1.08374107]),
        "loss": arr(3.2346279327622796),
    },
)

# The training run (In [99]-[107]): gradient descent with the hand-derived step, learning rate
# 0.01, until the summed loss is <= 0.01. The function as displayed takes np.diag(w_jk) in g_ij,
# but the printed result below is reproduced exactly (927 steps, the same loss to the last digit)
# only with np.diag(w_ij), as in the step-by-step cells: the source was edited after the run.
NB1_TRAINING_RESULT = {
    "w_ij": arr(
        [
            [0.09940437, 0.20408816, 0.32922893],
            [0.29880874, 0.20817633, 0.75845786],
            [0.39583058, 0.32861715, 1.10460249],
        ]
    ),
    "w_jk": arr(
        [
            [0.16126579, 0.42938604, 0.68898428],
            [0.26636851, 0.61639099, 0.87037136],
            [0.53769613, 0.63410452, 1.14424305],
        ]
    ),
    "w_ko": arr(
        [
            [0.6672003, 0.1980114, 0.4347883],
            [0.97509169, 0.45492945, -0.23002114],
            [1.53561836, -0.17588125, 0.24026289],
        ]
    ),
    "o_out": arr([0.99501222, 0.00221463, 0.00277314]),
    "loss": arr(0.009994345544873688),
    "steps": arr(927),
}
NB1_INITIAL = dict(_NB1_INPUTS)
