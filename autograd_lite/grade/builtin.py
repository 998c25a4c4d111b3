"""Built-in exercises: a neuron, softmax cross-entropy, a two-layer net, batch-norm MLP, layers.

Each is a function returning an :class:`~autograd_lite.grade.exercise.Exercise` with small fixed
inputs (drawn from a fixed seed), so every student is graded at the same point.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from .exercise import Exercise, FloatArray, Gradient

__all__ = [
    "BUILTIN",
    "Activation_ReLU",
    "Activation_Softmax_Loss_CategoricalCrossentropy",
    "Layer_Dense",
    "batchnorm_mlp",
    "layer_classes",
    "neuron",
    "softmax_ce",
    "two_layer",
]

_GIVEN = "The arrays {names} are defined for you; do not change them."


def neuron() -> Exercise:
    """A micrograd neuron: ``out = tanh(w . x + b)``; produce ``dn``, ``dw`` and ``db``."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal(3)

    def forward(w: Any, b: Any) -> Any:
        n = w @ x + b
        out = np.tanh(n)
        return out

    return Exercise(
        name="neuron",
        title="One neuron: out = tanh(w . x + b)",
        instructions=(
            "Compute the gradient of `out = tanh(w @ x + b)` with respect to the "
            "pre-activation `n`, the weights `w` and the bias `b`, by hand, in numpy: "
            "store them in `dn`, `dw` and `db`. " + _GIVEN.format(names="`x`, `w`, `b`")
        ),
        constants={"x": x},
        parameters={"w": rng.standard_normal(3), "b": np.array(0.3)},
        gradients=(Gradient("n", "dn"), Gradient("w", "dw", 2.0), Gradient("b", "db")),
        forward=forward,
        starter=(
            "import numpy as np\n\nn = w @ x + b\nout = np.tanh(n)\n\n"
            "dn = ...  # d out / d n\ndw = ...\ndb = ...\n"
        ),
        source=inspect.getsource(neuron),
    )


def softmax_ce() -> Exercise:
    """A linear softmax classifier: mean cross-entropy of ``X @ W``; produce ``dscores``, ``dW``."""
    rng = np.random.default_rng(2)
    X = rng.standard_normal((5, 4))
    y = rng.integers(0, 3, size=5)

    def forward(W: Any) -> Any:
        scores = X @ W
        shifted = scores - scores.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return -logp[np.arange(5), y].mean()

    return Exercise(
        name="softmax_ce",
        title="Softmax cross-entropy of a linear classifier",
        instructions=(
            "The loss is the mean cross-entropy of `softmax(X @ W)` against the labels `y`. "
            "Store d loss / d scores in `dscores` and d loss / d W in `dW`. "
            + _GIVEN.format(names="`X`, `y`, `W`")
        ),
        constants={"X": X, "y": y},
        parameters={"W": rng.standard_normal((4, 3)) * 0.5},
        gradients=(Gradient("scores", "dscores", 2.0), Gradient("W", "dW", 2.0)),
        forward=forward,
        starter=(
            "import numpy as np\n\nN = X.shape[0]\nscores = X @ W\n\ndscores = ...\ndW = ...\n"
        ),
        source=inspect.getsource(softmax_ce),
    )


def two_layer() -> Exercise:
    """A two-layer net ``tanh(X W1 + b1) W2 + b2`` with softmax cross-entropy; seven gradients."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((4, 3))
    y = rng.integers(0, 3, size=4)

    def forward(W1: Any, b1: Any, W2: Any, b2: Any) -> Any:
        z1 = X @ W1 + b1
        h = np.tanh(z1)
        scores = h @ W2 + b2
        shifted = scores - scores.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return -logp[np.arange(4), y].mean()

    return Exercise(
        name="two_layer",
        title="Two-layer net: tanh hidden layer, softmax cross-entropy",
        instructions=(
            "Forward pass: `z1 = X @ W1 + b1`, `h = tanh(z1)`, `scores = h @ W2 + b2`, loss = "
            "mean cross-entropy of `softmax(scores)` against `y`. Write the backward pass by hand: "
            "`dscores`, `dW2`, `db2`, `dh`, `dz1`, `dW1`, `db1`. "
            + _GIVEN.format(names="`X`, `y`, `W1`, `b1`, `W2`, `b2`")
        ),
        constants={"X": X, "y": y},
        parameters={
            "W1": rng.standard_normal((3, 5)) * 0.7,
            "b1": rng.standard_normal(5) * 0.1,
            "W2": rng.standard_normal((5, 3)) * 0.7,
            "b2": rng.standard_normal(3) * 0.1,
        },
        gradients=(
            Gradient("scores", "dscores"),
            Gradient("W2", "dW2", 2.0),
            Gradient("b2", "db2"),
            Gradient("h", "dh"),
            Gradient("z1", "dz1"),
            Gradient("W1", "dW1", 2.0),
            Gradient("b1", "db1"),
        ),
        forward=forward,
        starter=(
            "import numpy as np\n\nN = X.shape[0]\nz1 = X @ W1 + b1\nh = np.tanh(z1)\n"
            "scores = h @ W2 + b2\n\n# your backward pass\ndscores = ...\ndW2 = ...\ndb2 = ...\n"
            "dh = ...\ndz1 = ...\ndW1 = ...\ndb1 = ...\n"
        ),
        source=inspect.getsource(two_layer),
    )


def batchnorm_mlp() -> Exercise:
    """The batch-norm MLP of notebook 05 (:mod:`autograd_lite.learn.exercises`), small."""
    from ..learn.exercises import batchnorm_mlp as build

    ex = build(batch=4, vocab=5, block=2, embed=3, hidden=4, seed=0)
    code = ex.loss_fn.__code__
    closure = ex.loss_fn.__closure__ or ()
    cells = dict(zip(code.co_freevars, (c.cell_contents for c in closure), strict=True))
    names = list(ex.gradients)
    return Exercise(
        name="batchnorm_mlp",
        title="Backprop ninja: the batch-norm MLP, one step at a time",
        instructions=(
            "Run the forward pass below, then write the backward pass by hand, one variable at a "
            "time, from `dlogprobs` back to `dC` (notebook 05). "
            + _GIVEN.format(names="`Xb`, `Yb`, `C`, `W1`, `b1`, `bngain`, `bnbias`, `W2`, `b2`")
        ),
        constants={"Xb": np.asarray(cells["Xb"]), "Yb": np.asarray(cells["Yb"])},
        parameters=dict(ex.inputs),
        gradients=tuple(Gradient(n, f"d{n}") for n in names),
        forward=ex.loss_fn,
        starter=_BN_STARTER + "".join(f"d{n} = ...\n" for n in names),
        source=inspect.getsource(batchnorm_mlp) + inspect.getsource(build),
    )


_BN_STARTER = """import numpy as np

n = Xb.shape[0]
emb = C[Xb]
embcat = emb.reshape(n, -1)
hprebn = embcat @ W1 + b1
bnmeani = hprebn.sum(0, keepdims=True) / n
bndiff = hprebn - bnmeani
bndiff2 = bndiff**2
bnvar = bndiff2.sum(0, keepdims=True) / (n - 1)
bnvar_inv = (bnvar + 1e-5) ** -0.5
bnraw = bndiff * bnvar_inv
hpreact = bngain * bnraw + bnbias
h = np.tanh(hpreact)
logits = h @ W2 + b2
logit_maxes = logits.max(1, keepdims=True)
norm_logits = logits - logit_maxes
counts = np.exp(norm_logits)
counts_sum = counts.sum(1, keepdims=True)
counts_sum_inv = counts_sum**-1
probs = counts * counts_sum_inv
logprobs = np.log(probs)
loss = -logprobs[np.arange(n), Yb].mean()

# your backward pass, one line per variable
"""


# The reference layer classes of the layer exercise, in the style of "Neural Networks from
# Scratch": forward stores its output, backward stores d<parameter> and dinputs.
class Layer_Dense:
    """A dense layer ``inputs @ weights + biases``."""

    def __init__(self, weights: FloatArray, biases: FloatArray) -> None:
        self.weights = np.array(weights, dtype=np.float64)
        self.biases = np.array(biases, dtype=np.float64)

    def forward(self, inputs: Any) -> None:
        self.inputs = inputs
        self.output = inputs @ self.weights + self.biases


class Activation_ReLU:
    """``max(0, inputs)``."""

    def forward(self, inputs: Any) -> None:
        self.inputs = inputs
        self.output = np.maximum(0, inputs)


class Activation_Softmax_Loss_CategoricalCrossentropy:
    """Softmax and the mean categorical cross-entropy in one object."""

    def forward(self, inputs: Any, y_true: Any) -> Any:
        shifted = inputs - inputs.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        self.output = exp / exp.sum(axis=1, keepdims=True)
        return -np.log(self.output[np.arange(len(y_true)), y_true]).mean()


_LAYER_DRIVER = """
dense1 = Layer_Dense(3, 5)
dense1.weights, dense1.biases = W1.copy(), b1.copy()
activation1 = Activation_ReLU()
dense2 = Layer_Dense(5, 3)
dense2.weights, dense2.biases = W2.copy(), b2.copy()
loss_activation = Activation_Softmax_Loss_CategoricalCrossentropy()
dense1.forward(X)
activation1.forward(dense1.output)
dense2.forward(activation1.output)
loss_activation.forward(dense2.output, y)
loss_activation.backward(loss_activation.output, y)
dense2.backward(loss_activation.dinputs)
activation1.backward(dense2.dinputs)
dense1.backward(activation1.dinputs)
"""


def layer_classes() -> Exercise:
    """A layer-class network (dense, relu, dense, softmax + loss), checked by ``check_layers``."""
    rng = np.random.default_rng(5)
    X = rng.standard_normal((4, 3))
    y = rng.integers(0, 3, size=4)
    params = {
        "W1": rng.standard_normal((3, 5)) * 0.7,
        "b1": rng.standard_normal((1, 5)) * 0.1,
        "W2": rng.standard_normal((5, 3)) * 0.7,
        "b2": rng.standard_normal((1, 3)) * 0.1,
    }

    def layers() -> tuple[dict[str, Any], Any, Any]:
        objects: dict[str, Any] = {
            "dense1": Layer_Dense(params["W1"], params["b1"]),
            "activation1": Activation_ReLU(),
            "dense2": Layer_Dense(params["W2"], params["b2"]),
            "loss_activation": Activation_Softmax_Loss_CategoricalCrossentropy(),
        }
        objects["dense1"].forward(X)
        objects["activation1"].forward(objects["dense1"].output)
        objects["dense2"].forward(objects["activation1"].output)
        objects["loss_activation"].forward(objects["dense2"].output, y)
        return objects, X, y

    attrs = [
        ("loss_activation.dinputs", 1.0),
        ("dense2.dweights", 2.0),
        ("dense2.dbiases", 1.0),
        ("dense2.dinputs", 1.0),
        ("activation1.dinputs", 1.0),
        ("dense1.dweights", 2.0),
        ("dense1.dbiases", 1.0),
    ]
    return Exercise(
        name="layer_classes",
        title="Layer classes: Dense, ReLU, Dense, Softmax + cross-entropy",
        instructions=(
            "Write the `backward` methods of the classes below, in the style of Neural Networks "
            "from Scratch: `Layer_Dense.backward(dvalues)` stores `dweights`, `dbiases` and "
            "`dinputs`; `Activation_ReLU.backward(dvalues)` stores `dinputs`; "
            "`Activation_Softmax_Loss_CategoricalCrossentropy.backward(dvalues, y_true)` stores "
            "`dinputs` (the gradient of the mean loss). The grader builds the network with fixed "
            "weights and runs one forward and backward pass."
        ),
        constants={"X": X, "y": y},
        parameters=params,
        gradients=tuple(Gradient(name, name, points) for name, points in attrs),
        layers=layers,
        driver=_LAYER_DRIVER,
        starter=_LAYER_STARTER,
        source=inspect.getsource(layer_classes) + _LAYER_DRIVER,
    )


_LAYER_STARTER = """import numpy as np


class Layer_Dense:
    def __init__(self, n_inputs, n_neurons):
        self.weights = 0.01 * np.random.randn(n_inputs, n_neurons)
        self.biases = np.zeros((1, n_neurons))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases

    def backward(self, dvalues):
        self.dweights = ...
        self.dbiases = ...
        self.dinputs = ...


class Activation_ReLU:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues):
        self.dinputs = ...


class Activation_Softmax_Loss_CategoricalCrossentropy:
    def forward(self, inputs, y_true):
        exp = np.exp(inputs - np.max(inputs, axis=1, keepdims=True))
        self.output = exp / np.sum(exp, axis=1, keepdims=True)
        return -np.mean(np.log(self.output[range(len(y_true)), y_true]))

    def backward(self, dvalues, y_true):
        self.dinputs = ...
"""

BUILTIN: dict[str, Callable[[], Exercise]] = {
    "neuron": neuron,
    "softmax_ce": softmax_ce,
    "two_layer": two_layer,
    "batchnorm_mlp": batchnorm_mlp,
    "layer_classes": layer_classes,
}
"""The built-in exercises by name."""
