"""Seed 003: a learner's notebook of layer classes (Relu, Sigmoid, Affine, Softmax,
SoftmaxWithLoss) with forward/backward, and derivatives by central differences.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .common import (
    OK,
    WRONG,
    FloatArray,
    HandGradient,
    SeedCase,
    arr,
    every,
    np_relu,
    np_sigmoid,
    softmax_vjp,
)

NB3 = "003_bfd6e20640a37d09.txt"
# The grid the activation layers are run on (In [2]) and the upstream gradient, zeros; the relu
# cell passes dupstream + 10, the sigmoid cell dupstream + 1, the softmax cell dupstream itself.
NB3_GRID = np.arange(-10, 10, 0.01)
_NB3_DUPSTREAM = np.zeros_like(NB3_GRID)
# arange lands on -2.13e-13 instead of 0: relu is differentiable there (slope 0), though any
# central difference with a step above 2e-13 straddles the kink.
_NB3_NEAR_ZERO = np.abs(NB3_GRID) < 1e-9


def _nb3_func_1(x: Any) -> Any:
    return x**2 + 5


def _nb3_true_func_1(x: FloatArray) -> dict[str, FloatArray]:
    return {"x": 2.0 * x}


def _nb3_func_2(x: Any) -> Any:
    return x[0] ** 2 + x[1] ** 3 + 1


def _nb3_true_func_2(x: FloatArray) -> dict[str, FloatArray]:
    return {"x": arr([2.0 * x[0], 3.0 * x[1] ** 2])}


def _nb3_relu(x: Any) -> Any:
    return np.sum((_NB3_DUPSTREAM + 10) * np_relu(x))


def _nb3_true_relu(x: FloatArray) -> dict[str, FloatArray]:
    return {"x": (_NB3_DUPSTREAM + 10) * (x > 0)}


def _nb3_sigmoid(x: Any) -> Any:
    return np.sum((_NB3_DUPSTREAM + 1) * np_sigmoid(x))


def _nb3_true_sigmoid(x: FloatArray) -> dict[str, FloatArray]:
    y = np_sigmoid(x)
    return {"x": (_NB3_DUPSTREAM + 1) * y * (1.0 - y)}


def _nb3_softmax(x: Any) -> Any:
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


def _nb3_softmax_loss(x: Any) -> Any:
    return np.sum(_NB3_DUPSTREAM * _nb3_softmax(x))


def _nb3_true_softmax_loss(x: FloatArray) -> dict[str, FloatArray]:
    return {"x": softmax_vjp(_nb3_softmax(x), _NB3_DUPSTREAM, axis=0)}


# The activation backward passes were plotted, not printed; their numbers are fully determined
# by the grid and the layer formulas, recomputed here.
_NB3_Y_SOFTMAX = _nb3_softmax(NB3_GRID)
_NB3_Y_SIGMOID = np_sigmoid(NB3_GRID)

NB3_CASES = (
    SeedCase(
        name="nb3_layers.central_difference_1d",
        notebook=NB3,
        cells="In [100]-[102]",
        summary="central difference (h = 1e-5) of x**2 + 5 at x = 1",
        inputs={"x": arr(1.0)},
        loss=_nb3_func_1,
        true_grads=_nb3_true_func_1,
        printed_loss=6.0,
        hand={"x": HandGradient("diff.d1_diff(func_1, 1)", arr(2.0000000000131024), every(OK, ()))},
    ),
    SeedCase(
        name="nb3_layers.central_difference_2d",
        notebook=NB3,
        cells="In [100], [104]",
        summary="central differences of x0**2 + x1**3 + 1 at (2, 3)",
        inputs={"x": arr([2.0, 3.0])},
        loss=_nb3_func_2,
        true_grads=_nb3_true_func_2,
        hand={
            "x": HandGradient("diff.dn_diff(func_2, input_val)", arr([4.0, 27.0]), every(OK, (2,)))
        },
    ),
    SeedCase(
        name="nb3_layers.relu_backward_grid",
        notebook=NB3,
        cells="In [2], [67]-[69]",
        summary="Relu.backward(dupstream + 10) on arange(-10, 10, 0.01): gradient of "
        "sum(10 * relu(x)); plotted, not printed",
        inputs={"x": NB3_GRID.copy()},
        loss=_nb3_relu,
        true_grads=_nb3_true_relu,
        hand={
            "x": HandGradient(
                "dx_relu",
                np.where(NB3_GRID > 0, 10.0, 0.0),
                every(OK, NB3_GRID.shape),
                straddles=_NB3_NEAR_ZERO,
            )
        },
        notes="x[1000] is -2.13e-13, where relu's slope is 0: central differences straddle the "
        "kink at 0, but no op sits at its kink, so the entry is judged against the engine (ok).",
    ),
    SeedCase(
        name="nb3_layers.sigmoid_backward_grid",
        notebook=NB3,
        cells="In [2], [70]-[72]",
        summary="Sigmoid.backward(dupstream + 1) = y(1 - y) on arange(-10, 10, 0.01): gradient "
        "of sum(sigmoid(x)); plotted, not printed",
        inputs={"x": NB3_GRID.copy()},
        loss=_nb3_sigmoid,
        true_grads=_nb3_true_sigmoid,
        hand={
            "x": HandGradient(
                "sigmoid.backward(dupstream+1)",
                _NB3_Y_SIGMOID * (1.0 - _NB3_Y_SIGMOID),
                every(OK, NB3_GRID.shape),
            )
        },
    ),
    SeedCase(
        name="nb3_layers.softmax_backward_grid",
        notebook=NB3,
        cells="In [2], [75], [76]",
        summary="Softmax.backward(dupstream) on arange(-10, 10, 0.01) with dupstream = 0: "
        "gradient of sum(dupstream * softmax(x)); plotted, not printed",
        inputs={"x": NB3_GRID.copy()},
        loss=_nb3_softmax_loss,
        true_grads=_nb3_true_softmax_loss,
        hand={
            "x": HandGradient(
                "softmax_dx",
                _NB3_Y_SOFTMAX - np.square(_NB3_Y_SOFTMAX),
                every(WRONG, NB3_GRID.shape),
                bug="Softmax.backward returns only the Jacobian's diagonal y - y**2 and ignores "
                "dupstream: the backward pass must return J^T dupstream = y * (dupstream - "
                "sum(y * dupstream)), which is 0 here because dupstream is 0.",
            )
        },
        # The hand values run down to 2e-11 at x = -10 while the truth is exactly 0: the verdict
        # holds for an absolute tolerance below that.
        atol=1e-12,
    ),
)
