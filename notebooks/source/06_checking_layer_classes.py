# %% [markdown]
# # 6. Checking your layer classes
#
# Many learners write backpropagation as **layer classes**: each layer has a `forward` method
# that stores its output, and a `backward` method that takes the gradient from the layer above
# (`dvalues`) and stores the gradients of its parameters and of its input (`dweights`,
# `dbiases`, `dinputs`). The network is trained by calling them in order, forward and then
# backward.
#
# `check_layers` checks every gradient those objects stored, **in one call**, after your own
# forward and backward passes have run, as in your training loop:
#
# ```python
# report = check_layers({"dense1": dense1, "relu1": relu1, "dense2": dense2, "loss": loss}, X, y)
# ```
#
# It runs each object's `forward` once on a copy to learn which arrays are its parameters, its
# input and its output (whatever you named them), pairs your `d...` attributes with them, and
# takes the truth from the same `forward` code run on `Value`s. Your objects are not touched.
# When something is wrong, `report.root_causes` names the **object and the method** to fix,
# with its file and line.

# %%
import numpy as np

from autograd_lite import check_backward, check_layers, draw_graph

# %% [markdown]
# ## A small network, written the usual way
#
# A dense layer, a relu, a second dense layer, and softmax with cross-entropy in one object,
# in the style of *Neural Networks from Scratch*. One mistake is hidden in the relu's backward
# pass.


# %%
class Dense:
    def __init__(self, n_inputs, n_neurons, rng):
        self.weights = 0.5 * rng.standard_normal((n_inputs, n_neurons))
        self.biases = np.zeros((1, n_neurons))

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.dot(inputs, self.weights) + self.biases

    def backward(self, dvalues):
        self.dweights = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = np.dot(dvalues, self.weights.T)


class ReLU:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[self.output < 0] = 0  # the mistake: output is never negative


class SoftmaxCrossEntropy:
    def forward(self, inputs, y_true):
        exp_values = np.exp(inputs - np.max(inputs, axis=1, keepdims=True))
        self.output = exp_values / np.sum(exp_values, axis=1, keepdims=True)
        clipped = np.clip(self.output, 1e-7, 1 - 1e-7)
        return np.mean(-np.log(clipped[range(len(inputs)), y_true]))

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        self.dinputs = dvalues.copy()
        self.dinputs[range(samples), y_true] -= 1
        self.dinputs = self.dinputs / samples


# %% [markdown]
# Some data (three classes of points), the objects, and one step of the training loop: the
# forward pass, then the backward pass.

# %%
rng = np.random.default_rng(0)
X = rng.standard_normal((8, 2))
y = np.array([0, 1, 2, 0, 1, 2, 0, 1])

dense1, relu1 = Dense(2, 5, rng), ReLU()
dense2, loss_activation = Dense(5, 3, rng), SoftmaxCrossEntropy()

dense1.forward(X)
relu1.forward(dense1.output)
dense2.forward(relu1.output)
loss = loss_activation.forward(dense2.output, y)

loss_activation.backward(loss_activation.output, y)
dense2.backward(loss_activation.dinputs)
relu1.backward(dense2.dinputs)
dense1.backward(relu1.dinputs)
print(f"loss {loss:.4f}")

# %% [markdown]
# ## Checking it in one call
#
# Pass the objects in forward order, the last one the loss, as a dict (the keys name them in
# the report) or as a list:

# %%
layers = {"dense1": dense1, "relu1": relu1, "dense2": dense2, "loss": loss_activation}
report = check_layers(layers, X, y)
print(report.summary())
print(report.root_causes)

# %% [markdown]
# The first wrong step is `relu1.backward`, which stores `relu1.dinputs`. Everything between it
# and the loss (`loss.dinputs`, `dense2.dinputs`, `dense2.dweights`, ...) is right; `dense1`'s
# gradients are wrong too, but only because they are computed from `relu1.dinputs`. The
# overview lists every gradient in the order the backward pass computes them:

# %%
print(report.diagnosis())
print(report.overview())

# %% [markdown]
# The wrong entries are the samples where the relu's input is negative: there the relu
# passes nothing back, but the mask `self.output < 0` never fires, because the relu's *output*
# is never negative. Its *input* is what decides:

# %%
for entry in report.mismatches[:4]:
    i, j = (int(k) for k in entry.name.split("[")[1].rstrip("]").split(","))
    print(
        f"{entry.name}: input {relu1.inputs[i, j]:+.3f}, yours {entry.expected:+.4f}, "
        f"engine {entry.engine:+.4f}"
    )

# %% [markdown]
# ## The fix
#
# Mask by the input, rerun the backward pass, and check again:


# %%
class ReLU:  # corrected
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[self.inputs <= 0] = 0


relu1 = ReLU()
relu1.forward(dense1.output)
dense2.forward(relu1.output)
loss_activation.forward(dense2.output, y)
loss_activation.backward(loss_activation.output, y)
dense2.backward(loss_activation.dinputs)
relu1.backward(dense2.dinputs)
dense1.backward(relu1.dinputs)

layers["relu1"] = relu1
report = check_layers(layers, X, y)
print(report.summary())
report

# %% [markdown]
# ## What the check refuses to judge
#
# A check must never pass a wrong gradient. Two situations give it no sound evidence, and it
# stops with an error that says why, instead of a verdict:
#
# - a forward pass that gives **different values at the same point**, such as dropout drawing
#   a new mask on every call: finite differences would compare losses of different functions;
# - objects whose stored arrays **do not match a re-run** of their forward pass, for example
#   after an optimizer step changed the weights: the stored gradients belong to another point.


# %%
class Dropout:
    def __init__(self, rate):
        self.keep = 1 - rate

    def forward(self, inputs):
        self.mask = np.random.binomial(1, self.keep, size=inputs.shape) / self.keep
        self.output = inputs * self.mask

    def backward(self, dvalues):
        self.dinputs = dvalues * self.mask


drop = Dropout(0.2)
dense1.forward(X)
relu1.forward(dense1.output)
drop.forward(relu1.output)
dense2.forward(drop.output)
loss_activation.forward(dense2.output, y)
loss_activation.backward(loss_activation.output, y)
dense2.backward(loss_activation.dinputs)
drop.backward(dense2.dinputs)
relu1.backward(drop.dinputs)
dense1.backward(relu1.dinputs)
try:
    check_layers(
        {"dense1": dense1, "relu1": relu1, "drop": drop, "dense2": dense2, "loss": loss_activation},
        X,
        y,
    )
except ValueError as err:
    print(err)

# %% [markdown]
# ## One layer at a time
#
# `check_backward(layer, inputs, dvalues)` checks a single object's backward pass for a given
# upstream gradient, without a network around it. (The same function checks function pairs
# such as `affine_forward` / `affine_backward(dout, cache)`.) Here a sigmoid whose backward pass
# forgets to multiply by the upstream gradient:


# %%
class Sigmoid:
    def forward(self, inputs):
        self.output = 1 / (1 + np.exp(-inputs))

    def backward(self, dvalues):
        self.dinputs = self.output * (1 - self.output)  # the upstream dvalues is missing


z = rng.standard_normal((1, 3))
report = check_backward(Sigmoid(), z, rng.standard_normal((1, 3)))
print(report.summary())
print(report.root_causes)

# %% [markdown]
# The graph the check built for it: `sum(dvalues * sigmoid(z))`, whose gradient with respect
# to `z` is what `backward` must store. Each input entry is labelled with the gradient judged
# there and coloured by its verdict (red: WRONG).

# %% tags=["graph"]
draw_graph(report.loss, highlight=report, view="values")
