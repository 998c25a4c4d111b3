"""Seed 004: a learner's notebook with a 2-layer tanh network, samples as columns, softmax and
cross-entropy averaged over the 3 samples.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .common import (
    OK,
    WRONG,
    FloatArray,
    HandGradient,
    PrintedForward,
    SeedCase,
    arr,
    every,
    softmax_by_column,
)

NB4 = "004_9631732c4a400696.txt"
_NB4_X = arr([[1, 2, 4], [-2, -5, -8]])
NB4_LABELS = np.array([0, 1, 2])
_NB4_Y = np.eye(3)[:, NB4_LABELS]  # one-hot, classes down the rows, samples across columns
_NB4_W1 = arr([[0.5, 0.5], [0.5, -0.5]])
_NB4_B1 = arr([[0.5], [0.5]])
_NB4_W2 = arr([[-1, 1], [1, -1], [-2, 1]])
_NB4_B2 = arr([[-0.1]])  # one bias shared by every class and sample
_NB4_N = 3


def _nb4_loss_from_A2(A2: Any) -> Any:
    return -np.sum(_NB4_Y * np.log(A2)) / _NB4_N


def _nb4_loss_from_Z2(Z2: Any) -> Any:
    return _nb4_loss_from_A2(softmax_by_column(Z2))


def _nb4_loss_from_A1(A1: Any) -> Any:
    return _nb4_loss_from_Z2(np.dot(_NB4_W2, A1) + _NB4_B2)


def _nb4_loss_from_Z1(Z1: Any) -> Any:
    return _nb4_loss_from_A1(np.tanh(Z1))


def _nb4_trace(X: Any, W1: Any, b1: Any, W2: Any, b2: Any) -> dict[str, Any]:
    Z1 = np.dot(W1, X) + b1
    A1 = np.tanh(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = softmax_by_column(Z2)
    return {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2, "loss": _nb4_loss_from_A2(A2)}


def _nb4_loss(X: Any, W1: Any, b1: Any, W2: Any, b2: Any) -> Any:
    return _nb4_trace(X, W1, b1, W2, b2)["loss"]


def _nb4_true_all(
    X: FloatArray, W1: FloatArray, b1: FloatArray, W2: FloatArray, b2: FloatArray
) -> dict[str, FloatArray]:
    f = _nb4_trace(X, W1, b1, W2, b2)
    dZ2 = (f["A2"] - _NB4_Y) / _NB4_N
    dA1 = np.dot(W2.T, dZ2)
    dZ1 = dA1 * (1.0 - f["A1"] ** 2)
    return {
        "A2": -_NB4_Y / f["A2"] / _NB4_N,
        "Z2": dZ2,
        "A1": dA1,
        "Z1": dZ1,
        "W2": np.dot(dZ2, f["A1"].T),
        "b2": arr([[np.sum(dZ2)]]),
        "W1": np.dot(dZ1, X.T),
        "b1": np.sum(dZ1, axis=1, keepdims=True),
        "X": np.dot(W1.T, dZ1),
    }


_NB4_INPUTS = {"X": _NB4_X, "W1": _NB4_W1, "b1": _NB4_B1, "W2": _NB4_W2, "b2": _NB4_B2}
_NB4_FWD = _nb4_trace(**_NB4_INPUTS)


def _nb4_true_params(
    X: FloatArray, W1: FloatArray, b1: FloatArray, W2: FloatArray, b2: FloatArray
) -> dict[str, FloatArray]:
    g = _nb4_true_all(X, W1, b1, W2, b2)
    return {name: g[name] for name in ("X", "W1", "b1", "W2", "b2")}


def _nb4_true_from_A2(A2: FloatArray) -> dict[str, FloatArray]:
    return {"A2": -_NB4_Y / A2 / _NB4_N}


def _nb4_dl_dz2(Z2: FloatArray) -> FloatArray:
    return np.asarray((softmax_by_column(Z2) - _NB4_Y) / _NB4_N)


def _nb4_true_from_Z2(Z2: FloatArray) -> dict[str, FloatArray]:
    return {"Z2": _nb4_dl_dz2(Z2)}


def _nb4_dl_da1(A1: FloatArray) -> FloatArray:
    return np.asarray(np.dot(_NB4_W2.T, _nb4_dl_dz2(np.dot(_NB4_W2, A1) + _NB4_B2)))


def _nb4_true_from_A1(A1: FloatArray) -> dict[str, FloatArray]:
    return {"A1": _nb4_dl_da1(A1)}


def _nb4_true_from_Z1(Z1: FloatArray) -> dict[str, FloatArray]:
    A1 = np.tanh(Z1)
    return {"Z1": _nb4_dl_da1(A1) * (1.0 - A1**2)}


def _nb4_local_tanh(Z1: Any) -> Any:
    return np.sum(np.tanh(Z1))


def _nb4_true_local_tanh(Z1: FloatArray) -> dict[str, FloatArray]:
    return {"Z1": 1.0 - np.tanh(Z1) ** 2}


def nb4_hand_backward() -> dict[str, FloatArray]:
    """The notebook's backward pass, its bug included, recomputed from the exact inputs."""
    f = _nb4_trace(**_NB4_INPUTS)
    A2, A1 = f["A2"], f["A1"]
    dA2 = -_NB4_Y / A2 / _NB4_N
    sumterm = np.sum(A2 * dA2, axis=0)
    # The right step is A2 * dA2 - A2 * sumterm; the notebook multiplies by A2 once more.
    dZ2 = A2 * dA2 - A2 * (A2 * sumterm)
    dA1 = np.dot(_NB4_W2.T, dZ2)
    dZ1 = dA1 * (1.0 - A1 * A1)
    return {
        "A2": dA2,
        "Z2": dZ2,
        "W2": np.dot(dZ2, A1.T),
        "b2": np.sum(dZ2, axis=1),
        "A1": dA1,
        "Z1": dZ1,
        "W1": np.dot(dZ1, _NB4_X.T),
        "b1": np.sum(dZ1, axis=1, keepdims=True),
    }


_NB4_ROOT_BUG = (
    "dLossdZ2 = prod2 - A2 * sumprod, but sumprod is already A2 * sumterm, so the second term "
    "is A2**2 * sumterm: the softmax backward must be A2 * dLossdA2 - A2 * sumterm, which here "
    "is (A2 - Yonehot) / 3"
)
_NB4_INHERITED = "is the right chain step, but inherits the wrong dLossdZ2 (" + _NB4_ROOT_BUG + ")."

NB4_CASES = (
    SeedCase(
        name="nb4_tanh_columns.parameters",
        notebook=NB4,
        cells="In [3]-[8]",
        summary="2-layer tanh net, samples as columns, softmax, cross-entropy averaged over 3 "
        "samples: dLossdW2, dLossdW1, dLossdb1",
        inputs=dict(_NB4_INPUTS),
        loss=_nb4_loss,
        true_grads=_nb4_true_params,
        hand={
            "W2": HandGradient(
                "dLossdW2",
                arr(
                    [
                        [-0.04995162, -0.19110853],
                        [0.25383057, -0.33159091],
                        [0.03490578, 0.05526051],
                    ]
                ),
                every(WRONG, (3, 2)),
                bug="dLossdW2 = dLossdZ2 @ A1.T " + _NB4_INHERITED,
            ),
            "W1": HandGradient(
                "dLossdW1",
                arr([[-0.22463172, 0.73086196], [-0.01204015, 0.02338504]]),
                every(WRONG, (2, 2)),
                bug="dLossdW1 = dLossdZ1 @ X.T " + _NB4_INHERITED,
            ),
            "b1": HandGradient(
                "dLossdb1",
                arr([[-0.10875015], [-0.01273163]]),
                every(WRONG, (2, 1)),
                bug="dLossdb1 = sum(dLossdZ1, axis=1) " + _NB4_INHERITED,
            ),
        },
        replay=nb4_hand_backward,
    ),
    SeedCase(
        name="nb4_tanh_columns.b2",
        notebook=NB4,
        cells="In [3], [7]",
        summary="dLossdb2 for the single shared output bias b2 (shape (1, 1))",
        inputs=dict(_NB4_INPUTS),
        loss=_nb4_loss,
        true_grads=_nb4_true_params,
        hand={
            "b2": HandGradient(
                "dLossdb2",
                arr([-0.20047191, -0.33175936, 0.0579668]),
                every(WRONG, (3,)),
                bug="dLossdb2 = sum(dLossdZ2, axis=1) has shape (3,), one number per class, but "
                "b2 is a single (1, 1) bias broadcast over every class and sample, so its "
                "gradient is the sum of all of dLossdZ2: exactly 0, since adding one number to "
                "every logit leaves a softmax unchanged. Read as per-class biases the three "
                "numbers are still wrong, because dLossdZ2 is (" + _NB4_ROOT_BUG + ").",
                shape_mismatch=True,
            )
        },
        replay=nb4_hand_backward,
    ),
    SeedCase(
        name="nb4_tanh_columns.dLossdA2",
        notebook=NB4,
        cells="In [6]",
        summary="dLoss/dA2 for the softmax output A2",
        inputs={"A2": np.asarray(_NB4_FWD["A2"])},
        loss=_nb4_loss_from_A2,
        true_grads=_nb4_true_from_A2,
        hand={
            "A2": HandGradient(
                "dLossdA2",
                arr(
                    [
                        [-0.71514359, -0.0, -0.0],
                        [-0.0, -35.77877846, -0.0],
                        [-0.0, -0.0, -0.47114596],
                    ]
                ),
                every(OK, (3, 3)),
            )
        },
        replay=nb4_hand_backward,
    ),
    SeedCase(
        name="nb4_tanh_columns.dLossdZ2",
        notebook=NB4,
        cells="In [7]",
        summary="dLoss/dZ2 through the column softmax",
        inputs={"Z2": np.asarray(_NB4_FWD["Z2"])},
        loss=_nb4_loss_from_Z2,
        true_grads=_nb4_true_from_Z2,
        hand={
            "Z2": HandGradient(
                "dLossdZ2",
                arr(
                    [
                        [-2.60914798e-01, 3.31453475e-02, 2.72975400e-02],
                        [1.53165977e-03, -3.33304401e-01, 1.33828888e-05],
                        [7.24185355e-02, 1.52031947e-01, -1.66483685e-01],
                    ]
                ),
                every(WRONG, (3, 3)),
                bug=_NB4_ROOT_BUG + ".",
            )
        },
        rtol=1e-7,
        replay=nb4_hand_backward,
    ),
    SeedCase(
        name="nb4_tanh_columns.dLossdA1",
        notebook=NB4,
        cells="In [7]",
        summary="dLoss/dA1, the gradient arriving at the hidden layer's output",
        inputs={"A1": np.asarray(_NB4_FWD["A1"])},
        loss=_nb4_loss_from_A1,
        true_grads=_nb4_true_from_A1,
        hand={
            "A1": HandGradient(
                "dLossdA1",
                arr(
                    [[0.11760939, -0.67051364, 0.30568321], [-0.19002792, 0.51848169, -0.13919953]]
                ),
                every(WRONG, (2, 3)),
                bug="dLossdA1 = W2.T @ dLossdZ2 " + _NB4_INHERITED,
            )
        },
        replay=nb4_hand_backward,
    ),
    SeedCase(
        name="nb4_tanh_columns.dLossdZ1",
        notebook=NB4,
        cells="In [8]",
        summary="dLoss/dZ1 through tanh",
        inputs={"Z1": np.asarray(_NB4_FWD["Z1"])},
        loss=_nb4_loss_from_Z1,
        true_grads=_nb4_true_from_Z1,
        hand={
            "Z1": HandGradient(
                "dLossdZ1",
                arr(
                    [
                        [1.17609387e-01, -2.81598525e-01, 5.52389862e-02],
                        [-1.34256294e-02, 6.95258383e-04, -1.25854146e-06],
                    ]
                ),
                every(WRONG, (2, 3)),
                bug="dLossdZ1 = dLossdA1 * (1 - A1**2) " + _NB4_INHERITED,
            )
        },
        rtol=1e-7,
        replay=nb4_hand_backward,
    ),
    SeedCase(
        name="nb4_tanh_columns.dA1dZ1",
        notebook=NB4,
        cells="In [8]",
        summary="tanh derivative 1 - A1**2, entry by entry",
        inputs={"Z1": np.asarray(_NB4_FWD["Z1"])},
        loss=_nb4_local_tanh,
        true_grads=_nb4_true_local_tanh,
        hand={
            "Z1": HandGradient(
                "dA1dZ1",
                arr(
                    [
                        [1.00000000e00, 4.19974342e-01, 1.80706639e-01],
                        [7.06508249e-02, 1.34095068e-03, 9.04127676e-06],
                    ]
                ),
                every(OK, (2, 3)),
            )
        },
        rtol=1e-7,
    ),
)

NB4_FORWARDS = (
    PrintedForward(
        name="nb4_tanh_columns",
        notebook=NB4,
        trace=lambda: {
            k: np.asarray(v) for k, v in _nb4_trace(**_NB4_INPUTS).items() if k != "loss"
        },
        printed={
            "Z1": arr([[0.0, -1.0, -1.5], [2.0, 4.0, 6.5]]),
            "A1": arr([[0.0, -0.76159416, -0.90514825], [0.96402758, 0.9993293, 0.99999548]]),
            "Z2": arr(
                [
                    [0.86402758, 1.66092346, 1.80514373],
                    [-1.06402758, -1.86092346, -2.00514373],
                    [0.86402758, 2.42251761, 2.71029199],
                ]
            ),
            "A2": arr(
                [
                    [0.46610686, 0.31533481, 0.28616887],
                    [0.06778628, 0.00931651, 0.0063363],
                    [0.46610686, 0.67534868, 0.70749484],
                ]
            ),
        },
    ),
    PrintedForward(
        name="nb4_tanh_columns.softmax_example",
        notebook=NB4,
        trace=lambda: {
            "A": np.asarray(
                softmax_by_column(
                    arr([[0.1, -0.1, -0.2], [-0.2, 0.2, 0.3], [-0.3, 0.1, 0.2], [0.4, -0.3, -0.5]])
                )
            )
        },
        printed={
            "A": arr(
                [
                    [0.26588694, 0.22779083, 0.20486076],
                    [0.19697389, 0.30748546, 0.3377583],
                    [0.17822935, 0.27822435, 0.30561635],
                    [0.35890983, 0.18649936, 0.15176459],
                ]
            )
        },
    ),
)
