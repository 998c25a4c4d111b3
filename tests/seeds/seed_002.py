"""Seed 002: a learner's notebook in the "Neural Networks from Scratch" style: one relu neuron,
dense layers with batches (samples as rows), the softmax Jacobian and its backward pass.
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
    np_relu,
    softmax_by_row,
    softmax_jacobian,
    softmax_vjp,
    verdict_grid,
)

NB2 = "002_43a24230a8604701.txt"

# One relu neuron, In [2]-[18]: the "loss" is the neuron's output itself (upstream gradient 1).
_NB2_X = arr([1.0, -2.0, 3.0])
_NB2_W = arr([-3.0, -1.0, 2.0])
_NB2_B = arr(1.0)


def _nb2_neuron(x: Any, w: Any, b: Any) -> Any:
    return np_relu(np.dot(x, w) + b)


def _nb2_true_neuron(x: FloatArray, w: FloatArray, b: FloatArray) -> dict[str, FloatArray]:
    on = float(np.dot(x, w) + b > 0)
    return {"x": w * on, "w": x * on, "b": arr(on)}


# Dense layer gradients with respect to its inputs, In [33]-[61]. The layer's inputs never
# appear in these cells; the loss is linear in them, so any values give the same gradient.
_NB2_WEIGHTS_1091 = arr([[0.2, 0.8, -0.5, 1], [0.5, 10.91, 0.26, -0.5], [-0.26, -0.27, 0.17, 0.87]])
_NB2_DVALUES_1 = arr([1.0, 1.0, 1.0])
_NB2_DVALUES_3 = arr([[1, 1, 1], [2, 2, 2], [3, 3, 3]])


def _nb2_dense_one(x: Any) -> Any:
    return np.sum(_NB2_DVALUES_1 * np.dot(_NB2_WEIGHTS_1091, x))


def _nb2_true_dense_one(x: FloatArray) -> dict[str, FloatArray]:
    return {"x": np.dot(_NB2_WEIGHTS_1091.T, _NB2_DVALUES_1)}


def _nb2_dense_batch(X: Any) -> Any:
    return np.sum(_NB2_DVALUES_3 * np.dot(X, _NB2_WEIGHTS_1091.T))


def _nb2_true_dense_batch(X: FloatArray) -> dict[str, FloatArray]:
    return {"X": np.dot(_NB2_DVALUES_3, _NB2_WEIGHTS_1091)}


# Dense layer + relu, In [71] and In [98]: 3 samples as rows, 4 features, 3 neurons; the upstream
# gradient dvalues makes the scalar loss sum(dvalues * relu(X @ weights + biases)).
_NB2_SAMPLES = arr([[1, 2, 3, 2.5], [2.0, 5.0, -1.0, 2], [-1.5, 2.7, 3.3, -0.8]])
_NB2_WEIGHTS = arr([[0.2, 0.8, -0.5, 1], [0.5, -0.91, 0.26, -0.5], [-0.26, -0.27, 0.17, 0.87]]).T
_NB2_BIASES = arr([[2, 3, 0.5]])
NB2_LEARNING_RATE = 0.001


def _nb2_dense_relu(X: Any, weights: Any, biases: Any) -> Any:
    return np.sum(_NB2_DVALUES_3 * np_relu(np.dot(X, weights) + biases))


def _nb2_true_dense_relu(
    X: FloatArray, weights: FloatArray, biases: FloatArray
) -> dict[str, FloatArray]:
    dz = _NB2_DVALUES_3 * (np.dot(X, weights) + biases > 0)
    return {
        "X": np.dot(dz, weights.T),
        "weights": np.dot(X.T, dz),
        "biases": np.sum(dz, axis=0, keepdims=True),
    }


def _nb2_relu_only(z: Any) -> Any:
    return np.sum(_NB2_DVALUES_3 * np_relu(z))


def _nb2_true_relu_only(z: FloatArray) -> dict[str, FloatArray]:
    return {"z": _NB2_DVALUES_3 * (z > 0)}


_NB2_Z = np.dot(_NB2_SAMPLES, _NB2_WEIGHTS) + _NB2_BIASES
_NB2_DENSE_RELU_INPUTS = {"X": _NB2_SAMPLES, "weights": _NB2_WEIGHTS, "biases": _NB2_BIASES}

# In [71] printed only the parameters after one step of -0.001 * gradient; the gradients it used
# are read back from them: (before - after) / 0.001.
NB2_CELL71_WEIGHTS_AFTER = arr(
    [
        [0.179515, 0.5003665, -0.262746],
        [0.742093, -0.9152577, -0.2758402],
        [-0.510153, 0.2529017, 0.1629592],
        [0.971328, -0.5021842, 0.8636583],
    ]
)
NB2_CELL71_BIASES_AFTER = arr([[1.98489, 2.997739, 0.497389]])
_NB2_CELL71_DWEIGHTS = (_NB2_WEIGHTS - NB2_CELL71_WEIGHTS_AFTER) / NB2_LEARNING_RATE
_NB2_CELL71_DBIASES = (_NB2_BIASES - NB2_CELL71_BIASES_AFTER) / NB2_LEARNING_RATE
_NB2_CELL71_BUG = (
    "the relu backward starts from a copy of relu_outputs instead of the upstream dvalues "
    "(which the cell defines and never uses), so every gradient is scaled by the layer's "
    "outputs; what it computes is the gradient of 0.5 * sum(relu(z)**2), not of "
    "sum(dvalues * relu(z))"
)
_NB2_CELL98_BUG = (
    "dense1.backward is given the upstream dvalues instead of activation1.dinputs, so the relu "
    "derivative is skipped: z[1, 1] = -1.81 < 0 should have zeroed that sample's gradient for "
    "neuron 1"
)


def _nb2_replay_cell71() -> dict[str, FloatArray]:
    relu_out = np_relu(_NB2_Z)
    return {
        "weights": np.dot(_NB2_SAMPLES.T, relu_out),
        "biases": np.sum(relu_out, axis=0, keepdims=True),
        "z": relu_out,
    }


def _nb2_replay_cell98() -> dict[str, FloatArray]:
    return {
        "X": np.dot(_NB2_DVALUES_3, _NB2_WEIGHTS.T),
        "weights": np.dot(_NB2_SAMPLES.T, _NB2_DVALUES_3),
        "biases": np.sum(_NB2_DVALUES_3, axis=0, keepdims=True),
        "z": _NB2_DVALUES_3 * (_NB2_Z > 0),
    }


# Softmax Jacobian, In [14]-[19], at the softmax output (0.7, 0.1, 0.2). The notebook gives no
# logits; log(p) is one set whose softmax is p.
_NB2_P = arr([0.7, 0.1, 0.2])


def _nb2_softmax_jacobian(z_rows: Any) -> Any:
    # Row i of z_rows is a copy of the logits feeding output i, so d/dz_rows[i, j] = dp_i/dz_j.
    return np.trace(softmax_by_row(z_rows))


def _nb2_true_softmax_jacobian(z_rows: FloatArray) -> dict[str, FloatArray]:
    return {"z_rows": softmax_jacobian(softmax_by_row(z_rows)[0])}


# Softmax backward with a batch, In [55].
_NB2_LOGITS = arr([[1, 2, 3, 4], [2, 3, 4, 5], [3, 4, 5, 6]])
_NB2_SOFTMAX_DVALUES = arr([[0.1, 0.2, 0.3, 0.4], [0.2, 0.3, 0.4, 0.5], [0.3, 0.4, 0.5, 0.6]])


def _nb2_softmax_backward(inputs: Any) -> Any:
    return np.sum(_NB2_SOFTMAX_DVALUES * softmax_by_row(inputs))


def _nb2_true_softmax_backward(inputs: FloatArray) -> dict[str, FloatArray]:
    return {"inputs": softmax_vjp(softmax_by_row(inputs), _NB2_SOFTMAX_DVALUES, axis=1)}


_NB2_BATCH_DINPUTS = arr(
    [[0.44, 11.44, -0.07, 1.37], [0.88, 22.88, -0.14, 2.74], [1.32, 34.32, -0.21, 4.11]]
)

NB2_CASES = (
    SeedCase(
        name="nb2_nnfs.neuron",
        notebook=NB2,
        cells="In [2]-[18]",
        summary="one relu neuron relu(x . w + b), gradients of its output",
        inputs={"x": _NB2_X, "w": _NB2_W, "b": _NB2_B},
        loss=_nb2_neuron,
        true_grads=_nb2_true_neuron,
        printed_loss=6.0,
        hand={
            "x": HandGradient("drelu_dx0..2", arr([-3.0, -1.0, 2.0]), every(OK, (3,))),
            "w": HandGradient("drelu_dw0..2", arr([1.0, -2.0, 3.0]), every(OK, (3,))),
            "b": HandGradient("drelu_db", arr(1.0), every(OK, ())),
        },
        notes="drelu_dw1 and drelu_dw2 are chained through drelu_dwx0 instead of drelu_dwx1 and "
        "drelu_dwx2; harmless because all three equal 1. The second 'wrt x2' line prints "
        "dmul_dx2 where dmul_dw2 (3.0) was meant. The update cell (In [23]) shows w moved by "
        "three steps and b by two, so it was run more than once; no gradient is involved.",
    ),
    SeedCase(
        name="nb2_nnfs.dense_dinputs_one_sample",
        notebook=NB2,
        cells="In [33], [48], [49], [59]",
        summary="gradient of sum(dvalues * (weights @ x)) for x, 3 neurons, 4 inputs "
        "(weights[1, 1] is 10.91 in these cells)",
        inputs={"x": np.zeros(4)},
        loss=_nb2_dense_one,
        true_grads=_nb2_true_dense_one,
        hand={"x": HandGradient("dinputs", arr([0.44, 11.44, -0.07, 1.37]), every(OK, (4,)))},
        notes="The cell multiplies every column sum by dvalues[0]; right here only because all "
        "three upstream values are 1. The inputs are not in the notebook and do not matter.",
    ),
    SeedCase(
        name="nb2_nnfs.dense_dinputs_batch",
        notebook=NB2,
        cells="In [61]",
        summary="batched: gradient of sum(dvalues * (X @ weights.T)) for X",
        inputs={"X": np.zeros((3, 4))},
        loss=_nb2_dense_batch,
        true_grads=_nb2_true_dense_batch,
        hand={"X": HandGradient("dinputs", _NB2_BATCH_DINPUTS, every(OK, (3, 4)))},
        notes="The layer's inputs are not in the notebook and do not matter.",
    ),
    SeedCase(
        name="nb2_nnfs.dense_relu_cell98",
        notebook=NB2,
        cells="In [98]",
        summary="dense layer + relu, loss sum(dvalues * relu(X @ weights + biases)): "
        "dweights, dbiases, dinputs",
        inputs=dict(_NB2_DENSE_RELU_INPUTS),
        loss=_nb2_dense_relu,
        true_grads=_nb2_true_dense_relu,
        hand={
            "weights": HandGradient(
                "dense1.dweights",
                arr([[0.5, 0.5, 0.5], [20.1, 20.1, 20.1], [10.9, 10.9, 10.9], [4.1, 4.1, 4.1]]),
                verdict_grid([[OK, WRONG, OK]] * 4),
                bug=_NB2_CELL98_BUG + "; neuron 1's column is wrong, the others are right.",
            ),
            "biases": HandGradient(
                "dense1.dbiases",
                arr([[6, 6, 6]]),
                verdict_grid([[OK, WRONG, OK]]),
                bug=_NB2_CELL98_BUG + "; the true dbiases are [[6, 4, 6]].",
            ),
            "X": HandGradient(
                "dense1.dinputs",
                arr(
                    [
                        [0.44, -0.38, -0.07, 1.37],
                        [0.88, -0.76, -0.14, 2.74],
                        [1.32, -1.14, -0.21, 4.11],
                    ]
                ),
                verdict_grid([[OK] * 4, [WRONG] * 4, [OK] * 4]),
                bug=_NB2_CELL98_BUG + "; sample 1's row is wrong, the others are right.",
            ),
        },
        replay=_nb2_replay_cell98,
    ),
    SeedCase(
        name="nb2_nnfs.relu_backward_cell98",
        notebook=NB2,
        cells="In [98]",
        summary="relu backward: gradient of sum(dvalues * relu(z)) for the layer output z",
        inputs={"z": _NB2_Z},
        loss=_nb2_relu_only,
        true_grads=_nb2_true_relu_only,
        hand={
            "z": HandGradient(
                "activation1.dinputs", arr([[1, 1, 1], [2, 0, 2], [3, 3, 3]]), every(OK, (3, 3))
            )
        },
        replay=_nb2_replay_cell98,
    ),
    SeedCase(
        name="nb2_nnfs.dense_relu_cell71",
        notebook=NB2,
        cells="In [71]",
        summary="the same dense layer + relu: the gradients behind the printed one-step update "
        "(dweights, dbiases read back as (before - after) / 0.001)",
        inputs=dict(_NB2_DENSE_RELU_INPUTS),
        loss=_nb2_dense_relu,
        true_grads=_nb2_true_dense_relu,
        hand={
            "weights": HandGradient(
                "dweights (from the updated weights)",
                _NB2_CELL71_DWEIGHTS,
                every(WRONG, (4, 3)),
                bug="dweights = inputs.T @ drelu, but " + _NB2_CELL71_BUG + ".",
            ),
            "biases": HandGradient(
                "dbiases (from the updated biases)",
                _NB2_CELL71_DBIASES,
                every(WRONG, (1, 3)),
                bug="dbiases = sum(drelu, axis=0), but " + _NB2_CELL71_BUG + ".",
            ),
        },
        # Read back from 7-8 printed decimals and divided by 0.001: good to about 1e-4.
        atol=1e-4,
        replay=_nb2_replay_cell71,
        replay_atol=1e-4,
    ),
    SeedCase(
        name="nb2_nnfs.relu_backward_cell71",
        notebook=NB2,
        cells="In [71]",
        summary="relu backward: gradient of sum(dvalues * relu(z)) for the layer output z",
        inputs={"z": _NB2_Z},
        loss=_nb2_relu_only,
        true_grads=_nb2_true_relu_only,
        hand={
            "z": HandGradient(
                "drelu",
                arr([[4.8, 1.21, 2.385], [8.9, 0.0, 0.2], [1.41, 1.051, 0.026]]),
                verdict_grid([[WRONG] * 3, [WRONG, OK, WRONG], [WRONG] * 3]),
                bug="drelu is wrong: " + _NB2_CELL71_BUG + "; only z[1, 1] (negative, so 0 "
                "either way) is right.",
            )
        },
        replay=_nb2_replay_cell71,
    ),
    SeedCase(
        name="nb2_nnfs.softmax_jacobian",
        notebook=NB2,
        cells="In [14]-[19]",
        summary="softmax Jacobian diag(p) - p p^T at p = (0.7, 0.1, 0.2), as trace of row copies",
        inputs={"z_rows": np.tile(np.log(_NB2_P), (3, 1))},
        loss=_nb2_softmax_jacobian,
        true_grads=_nb2_true_softmax_jacobian,
        hand={
            "z_rows": HandGradient(
                "np.diagflat(p) - np.dot(p, p.T)",
                arr([[0.21, -0.07, -0.14], [-0.07, 0.09, -0.02], [-0.14, -0.02, 0.16]]),
                every(OK, (3, 3)),
            )
        },
        notes="The notebook gives only p, not the logits; log(p) is our choice.",
    ),
    SeedCase(
        name="nb2_nnfs.softmax_backward_batch",
        notebook=NB2,
        cells="In [55]",
        summary="softmax backward per sample (Jacobian @ dvalues): gradient of "
        "sum(dvalues * softmax(inputs)) for inputs, samples as rows",
        inputs={"inputs": _NB2_LOGITS},
        loss=_nb2_softmax_backward,
        true_grads=_nb2_true_softmax_backward,
        hand={
            "inputs": HandGradient(
                "dinputs",
                arr([[-0.0079911, -0.01300762, -0.0116701, 0.03266881]] * 3),
                every(OK, (3, 4)),
            )
        },
        notes="The three rows agree because each row of dvalues differs from the first by a "
        "constant, which the softmax Jacobian sends to zero.",
    ),
)

NB2_FORWARDS = (
    PrintedForward(
        name="nb2_nnfs.neuron",
        notebook=NB2,
        trace=lambda: {
            "z": np.asarray(np.dot(_NB2_X, _NB2_W) + _NB2_B),
            "y": np.asarray(_nb2_neuron(_NB2_X, _NB2_W, _NB2_B)),
        },
        printed={"z": arr(6.0), "y": arr(6.0)},
        atol=0.0,
    ),
    PrintedForward(
        name="nb2_nnfs.dense_relu",
        notebook=NB2,
        trace=lambda: {"z": _NB2_Z, "relu": np.asarray(np_relu(_NB2_Z))},
        printed={
            "z": arr([[4.8, 1.21, 2.385], [8.9, -1.81, 0.2], [1.41, 1.051, 0.026]]),
            "relu": arr([[4.8, 1.21, 2.385], [8.9, 0.0, 0.2], [1.41, 1.051, 0.026]]),
        },
    ),
    PrintedForward(
        name="nb2_nnfs.softmax_batch",
        notebook=NB2,
        trace=lambda: {"probabilities": np.asarray(softmax_by_row(_NB2_LOGITS))},
        printed={"probabilities": arr([[0.0320586, 0.08714432, 0.23688282, 0.64391426]] * 3)},
    ),
)
