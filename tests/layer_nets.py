"""Layer-class networks in the styles learners write them, correct and with one bug each.

Two families, after the seeds: "nnfs" (002: ``forward`` stores ``output``/``outputs`` and
``inputs``, ``backward(dvalues)`` stores ``dweights``, ``dbiases``, ``dinputs``) and "affine"
(003: ``Affine(W, b)`` storing ``x``, ``out``, ``dW``, ``db``; activations returning their
output). A ``bug`` name switches one mistake on; the oracle for every gradient is written out
in :func:`true_gradients` with plain numpy (and cross-checked by central differences in the
tests), never by the engine.
"""

from __future__ import annotations

from typing import Any

import numpy as np

FloatArray = Any


class Dense:
    def __init__(self, weights: FloatArray, biases: FloatArray, bug: str = "") -> None:
        self.weights = weights
        self.biases = biases
        self.bug = bug

    def forward(self, inputs: FloatArray) -> None:
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases

    def backward(self, dvalues: FloatArray) -> None:
        self.dweights = np.dot(self.inputs.T, dvalues)
        if self.bug == "dweights_no_T":
            self.dweights = np.dot(dvalues.T, self.inputs)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        if self.bug == "dbiases_mean":
            self.dbiases = np.mean(dvalues, axis=0, keepdims=True)
        if self.bug == "dbiases_flat":
            self.dbiases = np.sum(dvalues, axis=0)
        self.dinputs = np.dot(dvalues, self.weights.T)
        if self.bug == "dinputs_scaled":
            self.dinputs = 2.0 * np.dot(dvalues, self.weights.T)


class ReLU:
    def __init__(self, bug: str = "") -> None:
        self.bug = bug

    def forward(self, inputs: FloatArray) -> None:
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues: FloatArray) -> None:
        if self.bug == "in_place":
            self.dinputs = dvalues  # no .copy(): the next line writes into dvalues
        else:
            self.dinputs = dvalues.copy()
        if self.bug == "mask_from_output_ge":
            self.dinputs[self.inputs < 0] = 0
        elif self.bug == "no_mask":
            pass
        else:
            self.dinputs[self.inputs <= 0] = 0


class Tanh:
    def forward(self, inputs: FloatArray) -> None:
        self.inputs = inputs
        self.output = np.tanh(inputs)

    def backward(self, dvalues: FloatArray) -> None:
        self.dinputs = dvalues * (1 - self.output**2)


class Sigmoid:
    def __init__(self, bug: str = "") -> None:
        self.bug = bug

    def forward(self, inputs: FloatArray) -> None:
        self.output = 1 / (1 + np.exp(-inputs))

    def backward(self, dvalues: FloatArray) -> None:
        if self.bug == "sigmoid_no_upstream":
            self.dinputs = self.output * (1 - self.output)
        else:
            self.dinputs = dvalues * self.output * (1 - self.output)


class SoftmaxCCE:
    """Softmax and categorical cross-entropy in one object (loss = mean over samples)."""

    def __init__(self, bug: str = "") -> None:
        self.bug = bug

    def forward(self, inputs: FloatArray, y_true: FloatArray) -> Any:
        exp_values = np.exp(inputs - np.max(inputs, axis=1, keepdims=True))
        self.output = exp_values / np.sum(exp_values, axis=1, keepdims=True)
        clipped = np.clip(self.output, 1e-7, 1 - 1e-7)
        return np.mean(-np.log(clipped[range(len(clipped)), y_true]))

    def backward(self, dvalues: FloatArray, y_true: FloatArray) -> None:
        samples = len(dvalues)
        self.dinputs = dvalues.copy()
        self.dinputs[range(samples), y_true] -= 1
        if self.bug != "softmax_no_mean":
            self.dinputs = self.dinputs / samples


class BCE:
    """Binary cross-entropy over sigmoid outputs, one loss per sample (returned by forward)."""

    def forward(self, y_pred: FloatArray, y_true: FloatArray) -> Any:
        clipped = np.clip(y_pred, 1e-7, 1 - 1e-7)
        losses = -(y_true * np.log(clipped) + (1 - y_true) * np.log(1 - clipped))
        return np.mean(losses, axis=-1)

    def backward(self, dvalues: FloatArray, y_true: FloatArray) -> None:
        clipped = np.clip(dvalues, 1e-7, 1 - 1e-7)
        outputs = len(dvalues[0])
        self.dinputs = -(y_true / clipped - (1 - y_true) / (1 - clipped)) / outputs
        self.dinputs = self.dinputs / len(dvalues)


class Dropout:
    """Inverted dropout drawing a fresh mask on every forward (global numpy generator)."""

    def __init__(self, rate: float) -> None:
        self.keep = 1 - rate

    def forward(self, inputs: FloatArray) -> None:
        self.mask = np.random.binomial(1, self.keep, size=inputs.shape) / self.keep
        self.output = inputs * self.mask

    def backward(self, dvalues: FloatArray) -> None:
        self.dinputs = dvalues.copy()  # the bug of the issue: ignores the mask


# ---------------------------------------------------------------------- 003 style


class Affine:
    def __init__(self, W: FloatArray, b: FloatArray, bug: str = "") -> None:
        self.W = W
        self.b = b
        self.x = None
        self.out = None
        self.dW = None
        self.db = None
        self.bug = bug

    def forward(self, x: FloatArray) -> FloatArray:
        self.x = x
        self.out = np.dot(x, self.W) + self.b
        return self.out

    def backward(self, dupstream: FloatArray) -> FloatArray:
        dx = np.dot(dupstream, self.W.T)
        self.dW = np.dot(self.x.T, dupstream)
        if self.bug == "dW_transposed":
            self.dW = np.dot(dupstream.T, self.x)
        self.db = np.sum(dupstream, axis=0)
        return dx


class Relu3:
    def forward(self, x: FloatArray) -> FloatArray:
        self.mask = x <= 0
        self.out = x.copy()
        self.out[self.mask] = 0
        return self.out

    def backward(self, dupstream: FloatArray) -> FloatArray:
        dupstream[self.mask] = 0
        return dupstream


class SoftmaxWithLoss:
    def __init__(self, bug: str = "") -> None:
        self.bug = bug

    def forward(self, x: FloatArray, t: FloatArray) -> Any:
        self.t = t
        shifted = x - x.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        self.y = e / e.sum(axis=1, keepdims=True)
        self.loss = -np.sum(np.log(self.y[np.arange(len(t)), t] + 1e-7)) / len(t)
        return self.loss

    def backward(self, dupstream: float = 1) -> FloatArray:
        self.dx = self.y.copy()
        self.dx[np.arange(len(self.t)), self.t] -= 1
        if self.bug != "no_batch":
            self.dx = self.dx / len(self.t)
        return self.dx


# ---------------------------------------------------------------------- building and running


def nnfs_net(
    rng: np.random.Generator,
    *,
    n: int = 6,
    features: int = 3,
    hidden: int = 5,
    classes: int = 4,
    bug: str = "",
    where: str = "",
) -> tuple[dict[str, Any], FloatArray, FloatArray]:
    """dense1 -> relu1 -> dense2 -> softmax+CCE, forward and backward run; bug on one object."""
    X = rng.standard_normal((n, features))
    y = rng.integers(0, classes, size=n)
    dense1 = Dense(
        0.5 * rng.standard_normal((features, hidden)),
        0.1 * rng.standard_normal((1, hidden)),
        bug if where == "dense1" else "",
    )
    relu1 = ReLU(bug if where == "relu1" else "")
    dense2 = Dense(
        0.5 * rng.standard_normal((hidden, classes)),
        0.1 * rng.standard_normal((1, classes)),
        bug if where == "dense2" else "",
    )
    loss = SoftmaxCCE(bug if where == "loss" else "")
    dense1.forward(X)
    relu1.forward(dense1.output)
    dense2.forward(relu1.output)
    loss.forward(dense2.output, y)
    loss.backward(loss.output, y)
    dense2.backward(loss.dinputs)
    relu1.backward(dense2.dinputs)
    dense1.backward(relu1.dinputs)
    return {"dense1": dense1, "relu1": relu1, "dense2": dense2, "loss": loss}, X, y


def softmax(z: FloatArray) -> FloatArray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def true_gradients(layers: dict[str, Any], X: FloatArray, y: FloatArray) -> dict[str, FloatArray]:
    """The right gradients of the nnfs net, by hand in numpy (the test oracle)."""
    d1, d2 = layers["dense1"], layers["dense2"]
    z1 = X @ d1.weights + d1.biases
    h = np.maximum(0, z1)
    z2 = h @ d2.weights + d2.biases
    p = softmax(z2)
    dz2 = p.copy()
    dz2[np.arange(len(y)), y] -= 1
    dz2 /= len(y)
    dh = dz2 @ d2.weights.T
    dz1 = dh * (z1 > 0)
    return {
        "loss.dinputs": dz2,
        "dense2.dweights": h.T @ dz2,
        "dense2.dbiases": dz2.sum(axis=0, keepdims=True),
        "dense2.dinputs": dh,
        "relu1.dinputs": dz1,
        "dense1.dweights": X.T @ dz1,
        "dense1.dbiases": dz1.sum(axis=0, keepdims=True),
        "dense1.dinputs": dz1 @ d1.weights.T,
    }


# ---------------------------------------------------------------------- the seeds' classes


class Dense_Layer:
    """Seed 002's dense layer: ``outputs``/``inputs``; its last ``backward`` had two slips."""

    def __init__(self, weights: FloatArray, biases: FloatArray, slips: bool = True) -> None:
        self.weights = weights
        self.biases = biases
        self.slips = slips

    def forward(self, inputs: FloatArray) -> None:
        self.outputs = np.dot(inputs, self.weights) + self.biases
        self.inputs = inputs

    def backward(self, dvalues: FloatArray) -> None:
        self.dinputs = np.dot(dvalues, self.weights.T)
        if self.slips:
            self.dweighhts = np.dot(self.inputs.T, dvalues)
            self.dbiases = np.sum(dvalues, axis=1, keepdims=True)
        else:
            self.dweights = np.dot(self.inputs.T, dvalues)
            self.dbiases = np.sum(dvalues, axis=0, keepdims=True)


class reLU:
    def forward(self, inputs: FloatArray) -> None:
        self.outputs = np.maximum(0, inputs)
        self.inputs = inputs

    def backward(self, dvalues: FloatArray) -> None:
        self.dinputs = dvalues.copy()
        self.dinputs[self.inputs <= 0] = 0


class SoftMax_Loss_Class:
    def forward(self, inputs: FloatArray, y: FloatArray) -> Any:
        exp_values = np.exp(inputs - np.max(inputs, axis=1, keepdims=True))
        self.outputs = exp_values / np.sum(exp_values, axis=1, keepdims=True)
        clipped = np.clip(self.outputs, 1e-7, 1 - 1e-7)
        return np.mean(-np.log(clipped[range(len(inputs)), y]))

    def backward(self, dvalues: FloatArray, y: FloatArray) -> None:
        self.dinputs = dvalues.copy()
        self.dinputs[range(len(dvalues)), y] -= 1
        self.dinputs = self.dinputs / len(dvalues)


def seed_002_net(slips: bool) -> tuple[dict[str, Any], FloatArray, FloatArray]:
    """Seed 002's classes after one forward and backward pass, as its training loop runs them."""
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((6, 2)), np.array([0, 1, 2, 0, 1, 2])
    dense1 = Dense_Layer(
        0.5 * rng.standard_normal((2, 4)), 0.1 * rng.standard_normal((1, 4)), slips
    )
    activation1 = reLU()
    dense2 = Dense_Layer(
        0.5 * rng.standard_normal((4, 3)), 0.1 * rng.standard_normal((1, 3)), slips
    )
    loss_activation = SoftMax_Loss_Class()
    dense1.forward(X)
    activation1.forward(dense1.outputs)
    dense2.forward(activation1.outputs)
    loss_activation.forward(dense2.outputs, y)
    loss_activation.backward(loss_activation.outputs, y)
    dense2.backward(loss_activation.dinputs)
    activation1.backward(dense2.dinputs)
    dense1.backward(activation1.dinputs)
    layers = {
        "dense1": dense1,
        "activation1": activation1,
        "dense2": dense2,
        "loss_activation": loss_activation,
    }
    return layers, X, y


class SoftmaxWithLoss003:
    """Seed 003's SoftmaxWithLoss: softmax down the columns, log of y[:, t], (y - t) / batch."""

    def forward(self, x: FloatArray, t: FloatArray) -> Any:
        self.t = t
        shifted = x - x.max(axis=0)
        self.y = np.exp(shifted) / np.exp(shifted).sum(axis=0)
        self.loss = -np.sum(np.log(self.y[:, t] + 1e-7)) / self.y.shape[0]
        return self.loss

    def backward(self, dupstream: float = 1) -> FloatArray:
        self.dx = self.y.copy()
        self.dx[:, self.t] -= 1
        self.dx = self.dx / self.t.shape[0]
        return self.dx


def seed_003_net(loss: Any) -> tuple[dict[str, Any], FloatArray, FloatArray, FloatArray]:
    """Seed 003's Affine -> Relu -> Affine -> loss, run forward and backward; returns the
    layers, x, t and the relu's returned input gradient."""
    rng = np.random.default_rng(3)
    x, t = rng.standard_normal((5, 2)), np.array([0, 1, 3, 2, 1])
    affine1 = Affine(0.5 * rng.standard_normal((2, 4)), 0.1 * rng.standard_normal((1, 4)))
    relu = Relu3()
    affine2 = Affine(0.5 * rng.standard_normal((4, 4)), 0.1 * rng.standard_normal((1, 4)))
    loss.forward(affine2.forward(relu.forward(affine1.forward(x))), t)
    dx_relu = relu.backward(affine2.backward(loss.backward()))
    affine1.backward(dx_relu)
    return {"affine1": affine1, "relu": relu, "affine2": affine2, "loss": loss}, x, t, dx_relu
