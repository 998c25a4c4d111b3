# %% [markdown]
# # 2. Checking hand-derived gradients
#
# Deriving backpropagation by hand is how most people learn it, and it is easy to get a
# derivation almost right. `check_gradients` answers, entry by entry, whether your numbers are
# right:
#
# ```python
# report = check_gradients(loss_fn, inputs={"W1": W1, "b1": b1}, expected={"W1": my_dW1})
# ```
#
# - `loss_fn(**inputs)` is **your own numpy forward pass**. autograd_lite runs it on numpy arrays
#   of `Value`s (`np.dot`, `np.exp`, `np.log`, `np.tanh`, `np.maximum`, `np.sum(..., axis=...)`
#   all work on them), so you do not rewrite anything.
# - `expected` holds the gradients you derived, with the shapes of their inputs, for any subset
#   of the inputs.
# - For every entry the report shows your number, the engine's gradient, an independent
#   central finite-difference estimate, the errors, and a verdict: **ok**, **WRONG**, or
#   **kink** (the function has a corner there, like relu at 0, so there is no single right
#   answer).
#
# This page runs the check on five notebooks written by learners deriving backpropagation by
# hand. Each section rebuilds a learner's example with the same numbers (the code here is ours,
# written in the same style), feeds the learner's printed gradients to `check_gradients`,
# draws the graph with the checked inputs coloured (red WRONG, green ok), explains each bug
# found, and checks a corrected derivation.

# %%
import textwrap

import numpy as np

from autograd_lite import check_gradients, check_layers, draw_graph, grad

bugs = {}  # what each section finds, summarised at the end


def relu(z):
    return np.maximum(z, 0)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# %% [markdown]
# ## 1. A 2-3-2 network with a sigmoid layer and a softmax
#
# *A learner's notebook* writes every derivative of a tiny network as a pure-Python function:
# two inputs, three sigmoid units, two softmax outputs, and the cross-entropy of target class 0.
# Here is the same network as a numpy forward pass.

# %%
x = np.array([1.0, -1.0])
W = np.array([[1.0, 1.0, 1.0], [-1.0, -1.0, -1.0]])
b = np.zeros(3)
V = np.array([[1.0, 1.0], [-1.0, -1.0], [-1.0, -1.0]])
c = np.zeros(2)


def loss_232(x, W, b, V, c):
    h = sigmoid(np.dot(x, W) + b)  # 3 hidden units
    o = np.dot(h, V) + c  # 2 logits
    y = np.exp(o) / np.sum(np.exp(o))  # softmax
    return -np.log(y[0])  # cross-entropy; the target is class 0


net_232 = {"x": x, "W": W, "b": b, "V": V, "c": c}
print("loss =", loss_232(**net_232))

# %% [markdown]
# The notebook printed these gradients for the parameters:

# %%
by_hand_232 = {
    "V": np.array([[-0.44039853898894116, 0.44039853898894116]] * 3),
    "c": np.array([-0.5, 0.5]),
    "W": np.zeros((2, 3)),
    "b": np.zeros(3),
}
report = check_gradients(loss_232, inputs=net_232, expected=by_hand_232)
report

# %% [markdown]
# Every entry is ok. `x` was not in `expected`, so the report lists it as not checked.
#
# `report.loss` is the graph the check built from your forward pass. Drawn with
# `highlight=report`, it shows the arrays you named: one box per input (and per variable you
# checked, and the loss), with its shape and a cell per entry coloured by verdict (green ok,
# red WRONG; values where nothing was checked). Hover a cell for its numbers.

# %% tags=["graph"]
draw_graph(report.loss, highlight=report)

# %% [markdown]
# `view="values"` draws the same graph one scalar at a time, with the engine's gradient in
# every box: the checked inputs are coloured by verdict.

# %% tags=["graph"]
draw_graph(report.loss, highlight=report, view="values")

# %% [markdown]
# **No bug, but a weak test.** The two columns of `V` are equal, so the two logits are equal
# whatever the hidden layer computes, the softmax is always (0.5, 0.5) and the loss is log 2
# for *every* `x`, `W` and `b`. The zero gradients for `W` and `b` are exactly right, but a
# wrong formula for them would very likely give zero here too. A check is only as strong as
# the point it is made at. With two different columns the loss does depend on `W`:

# %%
print("loss with random W:", loss_232(x, np.random.default_rng(0).normal(size=(2, 3)), b, V, c))
V_distinct = np.array([[1.0, -1.0], [-1.0, 0.5], [0.5, 1.0]])
print("dloss/dW with distinct columns of V:")
print(grad(loss_232, argnums=1)(x, W, b, V_distinct, c))
bugs["1. 2-3-2 sigmoid/softmax"] = (
    report,
    "no bug; V's equal columns make the loss constant in x, W and b, so the zeros prove little",
)

# %% [markdown]
# ## 2. A 3-layer relu network with a softmax and a summed binary cross-entropy
#
# *A learner's notebook* trains a small network on one sample: three relu layers of three units,
# each adding a constant bias of 0.3, a softmax, and a binary cross-entropy summed over the
# three classes. It derives the weight gradients `g_ko`, `g_jk`, `g_ij` by hand.

# %%
i = np.array([0.1, 0.2, 0.7])
w_ij = np.array([[0.1, 0.2, 0.3], [0.3, 0.2, 0.7], [0.4, 0.3, 0.9]])
w_jk = np.array([[0.2, 0.3, 0.5], [0.3, 0.5, 0.7], [0.6, 0.4, 0.8]])
w_ko = np.array([[0.1, 0.4, 0.8], [0.3, 0.7, 0.2], [0.5, 0.2, 0.9]])
t = np.array([1.0, 0.0, 0.0])
BIAS = 0.3


def loss_relu_net(i, w_ij, w_jk, w_ko):
    j_out = relu(np.dot(i, w_ij) + BIAS)
    k_out = relu(np.dot(j_out, w_jk) + BIAS)
    o = np.dot(k_out, w_ko) + BIAS
    p = np.exp(o) / np.sum(np.exp(o))  # softmax
    return -np.sum(t * np.log(p) + (1 - t) * np.log(1 - p))  # binary CE, summed


net_relu = {"i": i, "w_ij": w_ij, "w_jk": w_jk, "w_ko": w_ko}
print("loss =", loss_relu_net(**net_relu))

# %%
by_hand_relu = {
    "w_ko": np.array(
        [
            [-1.0789328, 0.24456371, 0.83436909],
            [-1.04385251, 0.236612, 0.80724051],
            [-1.62909441, 0.36926987, 1.25982454],
        ]
    ),
    "w_jk": np.array(
        [
            [0.33888014, 0.00741679, 0.13421573],
            [0.29717182, 0.00650396, 0.11769687],
            [0.57348947, 0.01255149, 0.22713432],
        ]
    ),
    "w_ij": np.array(
        [
            [0.00521354, 0.00022821, 0.01858372],
            [0.01042708, 0.00045642, 0.03716743],
            [0.03649478, 0.00159746, 0.13008602],
        ]
    ),
}
report = check_gradients(loss_relu_net, inputs=net_relu, expected=by_hand_relu)
report

# %% [markdown]
# All 27 entries are wrong. The graph is larger, so it is drawn without the data, each box
# showing the engine's gradient:

# %% tags=["graph"]
draw_graph(report.loss, highlight=report, show_data=False, view="values")

# %% [markdown]
# **The bugs.**
#
# 1. *The softmax treated as if it acted entry by entry.* The derivation multiplies
#    dL/dp_j by p_j(1 - p_j), the diagonal of the softmax Jacobian, and drops the
#    off-diagonal terms -p_i p_j. (The factor it gets simplifies to p - t, the well-known
#    gradient of softmax *with categorical* cross-entropy; this loss is a *binary*
#    cross-entropy summed over the classes, so it does not apply.) `g_ko` is wrong because of
#    it, and so is everything computed from it: `g_jk` takes a correct chain step from a wrong
#    start.
# 2. *An entry-wise product where a matrix product belongs.* `g_ij` multiplies the
#    gradient at the second layer by the diagonal of a weight matrix, entry by entry. Going back
#    through a layer needs the full matrix-vector product with `w_jk`, summing over every unit
#    of the next layer.
#
# The corrected backward pass, checked the same way:


# %%
def backward_relu_net(i, w_ij, w_jk, w_ko):
    j = np.dot(i, w_ij) + BIAS
    j_out = relu(j)
    k = np.dot(j_out, w_jk) + BIAS
    k_out = relu(k)
    p = np.exp(np.dot(k_out, w_ko) + BIAS)
    p = p / np.sum(p)
    dL_dp = -t / p + (1 - t) / (1 - p)
    dL_do = p * (dL_dp - np.sum(p * dL_dp))  # the full softmax Jacobian, transposed, times dL/dp
    dL_dk = np.dot(w_ko, dL_do) * (k > 0)  # back through w_ko, then relu
    dL_dj = np.dot(w_jk, dL_dk) * (j > 0)  # a matrix-vector product, then relu
    return {
        "w_ko": np.outer(k_out, dL_do),
        "w_jk": np.outer(j_out, dL_dk),
        "w_ij": np.outer(i, dL_dj),
    }


fixed = check_gradients(loss_relu_net, inputs=net_relu, expected=backward_relu_net(**net_relu))
print(fixed.summary())
bugs["2. 3-layer relu, softmax, binary CE"] = (
    report,
    "g_ko uses only the diagonal of the softmax Jacobian; g_jk inherits it; g_ij multiplies by "
    "the diagonal of a weight matrix instead of a matrix-vector product",
)

# %% [markdown]
# ## 3. Dense layers in the "Neural Networks from Scratch" style
#
# *A learner's notebook* follows the book step by step: one relu neuron, then a dense layer on a
# batch (samples as rows), its relu, and the softmax.
#
# ### One relu neuron
#
# The gradients of $\mathrm{relu}(x \cdot w + b)$, derived one multiplication at a time:

# %%
neuron_inputs = {"x": np.array([1.0, -2.0, 3.0]), "w": np.array([-3.0, -1.0, 2.0]), "b": 1.0}


def neuron(x, w, b):
    return relu(np.dot(x, w) + b)


by_hand_neuron = {"x": [-3.0, -1.0, 2.0], "w": [1.0, -2.0, 3.0], "b": 1.0}
report = check_gradients(neuron, inputs=neuron_inputs, expected=by_hand_neuron)
report

# %% tags=["graph"]
draw_graph(report.loss, highlight=report, view="values")

# %% [markdown]
# All right. `bugs` keeps this one as a pass:

# %%
bugs["3a. one relu neuron"] = (report, "no bug")

# %% [markdown]
# ### A dense layer and its relu, on a batch
#
# The layer has 4 inputs and 3 neurons and sees 3 samples. Its backward pass starts from an
# upstream gradient `dvalues`, as if the layer sat inside a bigger network. To check it, turn
# that into a scalar loss: the gradient of `sum(dvalues * output)` with respect to the output
# is exactly `dvalues`, so its gradients with respect to the weights, biases and inputs are
# what the backward pass must return.

# %%
X = np.array([[1.0, 2.0, 3.0, 2.5], [2.0, 5.0, -1.0, 2.0], [-1.5, 2.7, 3.3, -0.8]])
weights = np.array([[0.2, 0.8, -0.5, 1.0], [0.5, -0.91, 0.26, -0.5], [-0.26, -0.27, 0.17, 0.87]]).T
biases = np.array([[2.0, 3.0, 0.5]])
dvalues = np.array([[1.0, 1.0, 1.0], [2.0, 2.0, 2.0], [3.0, 3.0, 3.0]])


def dense_relu(X, weights, biases):
    return np.sum(dvalues * relu(np.dot(X, weights) + biases))


layer = {"X": X, "weights": weights, "biases": biases}
print("layer output before relu:\n", np.dot(X, weights) + biases)

# %%
by_hand_layer = {
    "weights": np.array([[0.5, 0.5, 0.5], [20.1, 20.1, 20.1], [10.9, 10.9, 10.9], [4.1, 4.1, 4.1]]),
    "biases": np.array([[6.0, 6.0, 6.0]]),
    "X": np.array(
        [[0.44, -0.38, -0.07, 1.37], [0.88, -0.76, -0.14, 2.74], [1.32, -1.14, -0.21, 4.11]]
    ),
}
report = check_gradients(dense_relu, inputs=layer, expected=by_hand_layer)
report

# %% [markdown]
# Wrong are exactly neuron 1's column of `weights` and `biases`, and sample 1's row of `X`:

# %% tags=["graph"]
draw_graph(report.loss, highlight=report, show_data=False, view="values")

# %% [markdown]
# **The bug.** The dense layer's backward pass was given the upstream `dvalues` instead of the
# relu's backward output, so the relu derivative was skipped. It matters in exactly one place:
# sample 1's pre-activation for neuron 1 is -1.81, where relu is flat and must stop the gradient.
# Passing the gradient through the relu first fixes every entry.
#
# The check can find this step by itself. Name the layer's pre-activation `z` in the forward
# pass and give, under that name, the gradient the backward pass actually used for it
# (`dvalues`, passed straight through): one call then judges `z`, `weights`, `biases` and the
# learner's `dinputs` (the gradient for `X`) together, in the order the backward pass computes
# them, and says which step is first wrong.


# %%
def dense_relu_steps(X, weights, biases):
    z = np.dot(X, weights) + biases
    return np.sum(dvalues * relu(z))


whole = check_gradients(dense_relu_steps, inputs=layer, expected={**by_hand_layer, "z": dvalues})
print("root causes:", whole.root_causes)
print(textwrap.fill(whole.diagnosis(), width=90))

# %% [markdown]
# In the drawing, `z`'s own nodes (one per entry, labelled `z[0,0]`...) are coloured too: the
# wrong one is sample 1, neuron 1, where relu is flat.

# %% tags=["graph"]
draw_graph(whole.loss, highlight=whole, show_data=False, view="values")

# %% [markdown]
# The fix:

# %%
z = np.dot(X, weights) + biases
drelu = dvalues * (z > 0)  # relu's backward: the upstream gradient where z > 0, else 0
fixed = check_gradients(
    dense_relu,
    inputs=layer,
    expected={
        "weights": np.dot(X.T, drelu),
        "biases": np.sum(drelu, axis=0, keepdims=True),
        "X": np.dot(drelu, weights.T),
    },
)
print(fixed.summary())
bugs["3b. dense + relu, batch (later cell)"] = (
    report,
    "the dense backward is fed dvalues instead of the relu's dinputs: relu' skipped",
)

# %% [markdown]
# ### The same layer's relu, in an earlier cell
#
# An earlier cell of the notebook computes the relu's backward pass for the same layer and
# prints it. Checked against the layer output `z`:


# %%
def relu_part(z):
    return np.sum(dvalues * relu(z))


by_hand_drelu = np.array([[4.8, 1.21, 2.385], [8.9, 0.0, 0.2], [1.41, 1.051, 0.026]])
report = check_gradients(relu_part, inputs={"z": z}, expected={"z": by_hand_drelu})
report

# %% tags=["graph"]
draw_graph(report.loss, highlight=report, view="values")

# %% [markdown]
# **The bug.** The numbers are the relu's *outputs*: the backward pass started from a copy of
# the layer's output instead of from `dvalues` (which the cell defines and never uses). A
# useful way to diagnose a wrong gradient is to ask which function it *is* the gradient of.
# Here it is $\frac{1}{2}\sum \mathrm{relu}(z)^2$, and the check confirms it:


# %%
def half_sum_of_squares(z):
    return 0.5 * np.sum(relu(z) ** 2)


print(check_gradients(half_sum_of_squares, {"z": z}, {"z": by_hand_drelu}).summary())
bugs["3c. relu backward (earlier cell)"] = (
    report,
    "the relu backward starts from the layer's outputs instead of dvalues",
)

# %% [markdown]
# ### The softmax backward pass on a batch
#
# The notebook's softmax backward multiplies each sample's softmax Jacobian by its row of
# `dvalues`. Its printed result is right:

# %%
logits = np.array([[1.0, 2.0, 3.0, 4.0], [2.0, 3.0, 4.0, 5.0], [3.0, 4.0, 5.0, 6.0]])
dvalues_softmax = np.array([[0.1, 0.2, 0.3, 0.4], [0.2, 0.3, 0.4, 0.5], [0.3, 0.4, 0.5, 0.6]])


def softmax_rows(z):
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def softmax_part(logits):
    return np.sum(dvalues_softmax * softmax_rows(logits))


by_hand_dsoftmax = np.array([[-0.0079911, -0.01300762, -0.0116701, 0.03266881]] * 3)
report = check_gradients(softmax_part, {"logits": logits}, {"logits": by_hand_dsoftmax})
print(report.summary())
bugs["3d. softmax backward, batch"] = (report, "no bug")

# %% [markdown]
# ### The same layers as classes, checked in one call
#
# Later the notebook turns these steps into classes: `Dense_Layer` stores `outputs` and
# `inputs` in `forward` and `dinputs`, `dweights`, `dbiases` in `backward`; `reLU` masks the
# upstream gradient; the softmax and the cross-entropy become one object. Rebuilt here in the
# same style (with the notebook's last version of `backward`), on a small batch of three
# classes, after one forward and one backward pass as in a training loop:


# %%
class Dense_Layer:
    def __init__(self, n_inputs, n_neurons, rng):
        self.weights = 0.5 * rng.standard_normal((n_inputs, n_neurons))
        self.biases = 0.1 * rng.standard_normal((1, n_neurons))

    def forward(self, inputs):
        self.outputs = np.dot(inputs, self.weights) + self.biases
        self.inputs = inputs

    def backward(self, dvalues):
        self.dinputs = np.dot(dvalues, self.weights.T)
        self.dweighhts = np.dot(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=1, keepdims=True)


class reLU:
    def forward(self, inputs):
        self.outputs = np.maximum(0, inputs)
        self.inputs = inputs

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[self.inputs <= 0] = 0


class SoftMax_Loss_Class:
    def forward(self, inputs, y):
        exp_values = np.exp(inputs - np.max(inputs, axis=1, keepdims=True))
        self.outputs = exp_values / np.sum(exp_values, axis=1, keepdims=True)
        clipped = np.clip(self.outputs, 1e-7, 1 - 1e-7)
        return np.mean(-np.log(clipped[range(len(inputs)), y]))

    def backward(self, dvalues, y):
        samples = len(dvalues)
        self.dinputs = dvalues.copy()
        self.dinputs[range(samples), y] -= 1
        self.dinputs = self.dinputs / samples


def train_step(dense1, activation1, dense2, loss_activation, X, y):
    dense1.forward(X)
    activation1.forward(dense1.outputs)
    dense2.forward(activation1.outputs)
    loss_activation.forward(dense2.outputs, y)
    loss_activation.backward(loss_activation.outputs, y)
    dense2.backward(loss_activation.dinputs)
    activation1.backward(dense2.dinputs)
    dense1.backward(activation1.dinputs)


rng = np.random.default_rng(2)
X_spiral = rng.standard_normal((6, 2))
y_spiral = np.array([0, 1, 2, 0, 1, 2])
dense1, activation1 = Dense_Layer(2, 4, rng), reLU()
dense2, loss_activation = Dense_Layer(4, 3, rng), SoftMax_Loss_Class()
train_step(dense1, activation1, dense2, loss_activation, X_spiral, y_spiral)

# %% [markdown]
# The whole check is one line: the objects in forward order, the batch and the labels.
# `check_layers` works out which arrays each object reads and stores (whatever their names)
# and pairs each `d...` attribute with its array:

# %%
nnfs_layers = {
    "dense1": dense1,
    "activation1": activation1,
    "dense2": dense2,
    "loss_activation": loss_activation,
}
try:
    check_layers(nnfs_layers, X_spiral, y_spiral)
except ValueError as err:
    print(textwrap.fill(str(err), width=90))

# %% [markdown]
# The check stops before judging: `dbiases` is summed over the wrong axis (`axis=1` adds up
# each sample's row, giving one number per sample instead of one per neuron). With `axis=0`
# the shapes fit and the check runs:


# %%
def backward_axis0(self, dvalues):
    self.dinputs = np.dot(dvalues, self.weights.T)
    self.dweighhts = np.dot(self.inputs.T, dvalues)
    self.dbiases = np.sum(dvalues, axis=0, keepdims=True)


Dense_Layer.backward = backward_axis0
train_step(dense1, activation1, dense2, loss_activation, X_spiral, y_spiral)
report = check_layers(nnfs_layers, X_spiral, y_spiral)
print(report.summary())
for note in report.notes[:2]:
    print(textwrap.fill(note, width=90))

# %% [markdown]
# Every stored gradient is right, but `dweights` was never checked: the class stores it as
# `dweighhts`, so an optimizer reading `layer.dweights` would fail. With the name fixed, every
# gradient of every object is checked, and right:


# %%
def backward_fixed(self, dvalues):
    self.dinputs = np.dot(dvalues, self.weights.T)
    self.dweights = np.dot(self.inputs.T, dvalues)
    self.dbiases = np.sum(dvalues, axis=0, keepdims=True)


Dense_Layer.backward = backward_fixed
for layer in (dense1, dense2):
    del layer.dweighhts
train_step(dense1, activation1, dense2, loss_activation, X_spiral, y_spiral)
report = check_layers(nnfs_layers, X_spiral, y_spiral)
print(report.summary())
print(report.overview())
bugs["3e. NNFS layer classes"] = (
    report,
    "dbiases summed over axis=1 (per sample) instead of axis=0; dweights stored as "
    "dweighhts; right once both are fixed",
)

# %% [markdown]
# ## 4. Layer classes with forward and backward methods
#
# *A learner's notebook* writes `Relu`, `Sigmoid`, `Softmax` and `Affine` layers with `forward`
# and `backward` methods, and runs the activation layers on the grid
# `np.arange(-10, 10, 0.01)` with an upstream gradient `dupstream` of zeros.
#
# ### The softmax layer
#
# Its backward method returns `y - y**2`, whatever the upstream gradient:

# %%
grid = np.arange(-10, 10, 0.01)
dupstream = np.zeros_like(grid)


def softmax_1d(x):
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


def softmax_layer(x):
    return np.sum(dupstream * softmax_1d(x))


y = softmax_1d(grid)
by_hand_softmax = y - y**2
report = check_gradients(softmax_layer, {"x": grid}, {"x": by_hand_softmax}, atol=1e-12)
print(report.summary())
for entry in sorted(report.mismatches, key=lambda e: -e.abs_error)[:3]:
    print(f"  {entry.name:8}  yours {entry.expected:.6f}  engine {entry.engine:.6f}")

# %% [markdown]
# The true gradient here is exactly 0, because `dupstream` is 0, while the learner's numbers
# run from 0.0099 down to 2e-11. The default absolute tolerance (`atol=1e-8`) would accept the
# smallest of them as zero, so this check passes `atol=1e-12` to judge every entry.
#
# The grid has 2000 points, too many to draw. Five of them, with the same layer and the same
# formula, make a graph that fits on the page:

# %%
few = grid[::400]
y_few = softmax_1d(few)
dupstream_few = np.zeros_like(few)


def softmax_layer_few(x):
    return np.sum(dupstream_few * softmax_1d(x))


report_few = check_gradients(softmax_layer_few, {"x": few}, {"x": y_few - y_few**2}, atol=1e-12)
report_few

# %% tags=["graph"]
draw_graph(report_few.loss, highlight=report_few, view="values")

# %% [markdown]
# **The bug.** `y - y**2` is only the diagonal of the softmax Jacobian, and the backward method
# never uses `dupstream`. A layer's backward pass must return the Jacobian (transposed) times
# the upstream gradient: `y * (dupstream - sum(y * dupstream))`. With `dupstream = 0` the right
# answer is 0 everywhere, which also makes zero a weak test point; the corrected formula is
# checked here with an upstream gradient that is not zero:

# %%
upstream = np.cos(grid)


def softmax_layer_cos(x):
    return np.sum(upstream * softmax_1d(x))


fixed = check_gradients(
    softmax_layer_cos, {"x": grid}, {"x": y * (upstream - np.sum(y * upstream))}, atol=1e-12
)
print(fixed.summary())
bugs["4a. Softmax.backward"] = (
    report,
    "returns the Jacobian's diagonal y - y**2 and ignores dupstream",
)

# %% [markdown]
# ### The relu layer, next to its corner
#
# The relu layer's backward pass (with `dupstream + 10` as the upstream gradient) is right. One
# entry is special: `np.arange` does not land exactly on 0 but on -2.1e-13, so the central
# differences there straddle relu's corner. The function is still differentiable at that
# point (slope 0), and no operation sits exactly at its corner, so the report judges the
# entry against the engine and confirms it with the one-sided slope that does not cross the
# corner: ok.


# %%
def relu_layer(x):
    return np.sum((dupstream + 10) * relu(x))


report = check_gradients(relu_layer, {"x": grid}, {"x": np.where(grid > 0, 10.0, 0.0)})
print(report.summary())
near = report["x[1000]"]
print(
    f"{near.name} = {grid[1000]:.3g}: yours {near.expected}, verdict {near.verdict}; one-sided "
    f"slopes {near.one_sided[0]:.3g} and {near.one_sided[1]:.3g}"
)
print(textwrap.fill(near.note, width=90))
bugs["4b. Relu.backward"] = (report, "no bug (x = -2.1e-13 sits next to relu's corner)")

# %% [markdown]
# ### The whole network of layer classes, in one call
#
# The notebook then chains `Affine -> Relu -> Affine -> SoftmaxWithLoss`. Its `Affine` stores
# `x`, `out`, `dW` and `db`; `Relu` and `Affine` *return* the gradient of their input from
# `backward` instead of storing it. `check_layers` reads what is stored, and takes a returned
# gradient through `dinputs=`. Rebuilt in the same style, with the notebook's
# `SoftmaxWithLoss` (its softmax normalises over `axis=0` and its loss and backward index
# `y[:, t]`):


# %%
class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def forward(self, x):
        self.x = x
        self.out = np.dot(x, self.W) + self.b
        return self.out

    def backward(self, dupstream):
        dx = np.dot(dupstream, self.W.T)
        self.dW = np.dot(self.x.T, dupstream)
        self.db = np.sum(dupstream, axis=0)
        return dx


class Relu:
    def forward(self, x):
        self.mask = x <= 0
        self.out = x.copy()
        self.out[self.mask] = 0
        return self.out

    def backward(self, dupstream):
        dupstream[self.mask] = 0
        return dupstream


class SoftmaxWithLoss:
    def softmax(self, x):
        x = x - x.max(axis=0)
        temp = np.exp(x)
        return temp / temp.sum(axis=0)

    def forward(self, x, t):
        self.t = t
        self.y = self.softmax(x)
        self.loss = -np.sum(np.log(self.y[:, t] + 1e-7)) / self.y.shape[0]
        return self.loss

    def backward(self, dupstream=1):
        self.dx = self.y.copy()
        self.dx[:, self.t] -= 1
        self.dx = self.dx / self.t.shape[0]
        return self.dx


def run_affine_net(affine1, relu_layer_, affine2, last, x, t):
    last.forward(affine2.forward(relu_layer_.forward(affine1.forward(x))), t)
    dx_relu = relu_layer_.backward(affine2.backward(last.backward()))
    affine1.backward(dx_relu)
    return dx_relu


rng = np.random.default_rng(3)
x_points = rng.standard_normal((5, 2))
t_labels = np.array([0, 1, 3, 2, 1])
affine1 = Affine(0.5 * rng.standard_normal((2, 4)), 0.1 * rng.standard_normal((1, 4)))
relu_obj = Relu()
affine2 = Affine(0.5 * rng.standard_normal((4, 4)), 0.1 * rng.standard_normal((1, 4)))
dx_relu = run_affine_net(affine1, relu_obj, affine2, SoftmaxWithLoss(), x_points, t_labels)

# %% [markdown]
# `dinputs={"relu": dx_relu}` is the only glue: the relu's returned gradient, which nothing
# stores.

# %%
last = SoftmaxWithLoss()
dx_relu = run_affine_net(affine1, relu_obj, affine2, last, x_points, t_labels)
affine_layers = {"affine1": affine1, "relu": relu_obj, "affine2": affine2, "loss": last}
report = check_layers(affine_layers, x_points, t_labels, dinputs={"relu": dx_relu})
print(report.summary())
print(textwrap.fill(report.diagnosis(), width=90))

# %% [markdown]
# **The bug.** `SoftmaxWithLoss.backward` returns `(y - t) / batch`, the gradient of a softmax
# over each sample's scores followed by the cross-entropy of its own label. Its `forward`
# computes something else: a softmax down each column (over the samples) and the log of
# `y[:, t]`, every sample's probability at every label. The backward pass is judged against
# the forward as written, and it does not match it. Written as intended (softmax over
# `axis=1`, one label per sample), forward and backward agree. `db` is a flat `(4,)` array
# for a `(1, 4)` bias: accepted, with a note, since numpy broadcasting applies it the same way.


# %%
class SoftmaxWithLoss:  # corrected
    def forward(self, x, t):
        self.t = t
        e = np.exp(x - x.max(axis=1, keepdims=True))
        self.y = e / e.sum(axis=1, keepdims=True)
        rows = np.arange(len(t))
        self.loss = -np.sum(np.log(self.y[rows, t] + 1e-7)) / len(t)
        return self.loss

    def backward(self, dupstream=1):
        self.dx = self.y.copy()
        self.dx[np.arange(len(self.t)), self.t] -= 1
        self.dx = self.dx / len(self.t)
        return self.dx


last = SoftmaxWithLoss()
dx_relu = run_affine_net(affine1, relu_obj, affine2, last, x_points, t_labels)
affine_layers["loss"] = last
report = check_layers(affine_layers, x_points, t_labels, dinputs={"relu": dx_relu})
print(report.summary())
print(textwrap.fill(report.notes[0], width=90))
bugs["4c. Affine/Relu/SoftmaxWithLoss classes"] = (
    report,
    "SoftmaxWithLoss.backward returns (y - t) / batch, which does not match its forward "
    "(softmax over axis 0, log of y[:, t]); right once the forward is written as intended",
)

# %% [markdown]
# ## 5. A tanh network with samples as columns
#
# *A learner's notebook* puts samples in columns: `Z1 = W1 @ X + b1`, `A1 = tanh(Z1)`,
# `Z2 = W2 @ A1 + b2`, a softmax down each column, and the cross-entropy averaged over the three
# samples. One bias `b2` of shape (1, 1) is shared by all classes.

# %%
X = np.array([[1.0, 2.0, 4.0], [-2.0, -5.0, -8.0]])  # 2 features x 3 samples
Y = np.eye(3)[:, [0, 1, 2]]  # one-hot labels, one column per sample
W1 = np.array([[0.5, 0.5], [0.5, -0.5]])
b1 = np.array([[0.5], [0.5]])
W2 = np.array([[-1.0, 1.0], [1.0, -1.0], [-2.0, 1.0]])
b2 = np.array([[-0.1]])


def softmax_columns(Z):
    e = np.exp(Z)
    return e / np.sum(e, axis=0, keepdims=True)


def loss_from_logits(Z2):
    return -np.sum(Y * np.log(softmax_columns(Z2))) / Y.shape[1]


def loss_tanh_net(X, W1, b1, W2, b2):
    A1 = np.tanh(np.dot(W1, X) + b1)
    return loss_from_logits(np.dot(W2, A1) + b2)


net_tanh = {"X": X, "W1": W1, "b1": b1, "W2": W2, "b2": b2}
print("loss =", loss_tanh_net(**net_tanh))

# %%
by_hand_tanh = {
    "W2": np.array(
        [[-0.04995162, -0.19110853], [0.25383057, -0.33159091], [0.03490578, 0.05526051]]
    ),
    "W1": np.array([[-0.22463172, 0.73086196], [-0.01204015, 0.02338504]]),
    "b1": np.array([[-0.10875015], [-0.01273163]]),
}
report = check_gradients(loss_tanh_net, inputs=net_tanh, expected=by_hand_tanh)
report

# %% [markdown]
# Every checked entry is wrong. They are all computed from intermediates the notebook also
# printed: `dLossdZ2`, the gradient with respect to the logits `Z2`, and `dLossdA1 = W2.T @
# dLossdZ2`. Write the forward pass with those variables named and check the whole backward
# pass in one call: `expected` may name any variable the function assigns.


# %%
def loss_tanh_steps(X, W1, b1, W2, b2):
    Z1 = np.dot(W1, X) + b1
    A1 = np.tanh(Z1)
    Z2 = np.dot(W2, A1) + b2
    return loss_from_logits(Z2)


by_hand_dZ2 = np.array(
    [
        [-2.60914798e-01, 3.31453475e-02, 2.72975400e-02],
        [1.53165977e-03, -3.33304401e-01, 1.33828888e-05],
        [7.24185355e-02, 1.52031947e-01, -1.66483685e-01],
    ]
)
by_hand_whole = {"Z2": by_hand_dZ2, "A1": np.dot(W2.T, by_hand_dZ2), **by_hand_tanh}
whole = check_gradients(loss_tanh_steps, inputs=net_tanh, expected=by_hand_whole)
print("root causes:", whole.root_causes)
print(textwrap.fill(whole.diagnosis(), width=90))
print(whole.cross_checks["Z2"])

# %% [markdown]
# `Z2` is the first wrong step: everything between it and the loss is right, and `A1`, `W2`,
# `W1` and `b1` merely inherit its error.

# %% [markdown]
# **The bug.** The softmax backward step computes `A2 * dA2 - A2 * s` with `s` already holding
# `A2 * sum(A2 * dA2)`, so `A2` multiplies the second term twice. The right step is
# `A2 * (dA2 - sum(A2 * dA2))`, which for softmax with cross-entropy simplifies to
# `(A2 - Y) / 3`. `dW2`, `dA1`, `dZ1`, `dW1` and `db1` are correct chain steps that inherit it.
#
# The notebook's `db2` has a second problem: it has one number per class, shape (3,), but `b2`
# is a single (1, 1) bias broadcast over every class and sample. `check_gradients` refuses it
# and names the mismatch:

# %%
by_hand_db2 = np.array([-0.20047191, -0.33175936, 0.0579668])
try:
    check_gradients(loss_tanh_net, inputs=net_tanh, expected={"b2": by_hand_db2})
except ValueError as err:
    print("ValueError:", err)

# %% [markdown]
# The gradient of a broadcast bias is the sum over everything it was broadcast to: here the sum
# of all of dL/dZ2, which is exactly 0 (adding the same number to every logit leaves a softmax
# unchanged). The corrected backward pass, every parameter included:


# %%
def backward_tanh_net(X, W1, b1, W2, b2):
    A1 = np.tanh(np.dot(W1, X) + b1)
    A2 = softmax_columns(np.dot(W2, A1) + b2)
    dZ2 = (A2 - Y) / Y.shape[1]
    dZ1 = np.dot(W2.T, dZ2) * (1 - A1**2)
    return {
        "W2": np.dot(dZ2, A1.T),
        "b2": np.sum(dZ2, keepdims=True),
        "W1": np.dot(dZ1, X.T),
        "b1": np.sum(dZ1, axis=1, keepdims=True),
    }


fixed = check_gradients(loss_tanh_net, inputs=net_tanh, expected=backward_tanh_net(**net_tanh))
print(fixed.summary())
bugs["5. tanh network, samples as columns"] = (
    report,
    "the softmax backward multiplies by A2 twice; dW2, dW1, db1 inherit it; db2 has "
    "the wrong shape for a (1, 1) bias",
)

# %% [markdown]
# ## 6. What the mistake is, not only where
#
# Above, the report's diagnosis starts with `dZ2: no simple pattern`: the doubled `A2` is no
# mistake of a common kind, so the report shows its largest differences and stops there. Many
# slips are of a common kind, and then `report.mistakes` names it: the two learners make most
# often in this very step are forgetting to average over the 3 samples and writing `Y - A2`.
# A finding is only reported when the engine's gradient, with that mistake made, reproduces
# every entry of yours.


# %%
def backward_steps(X, W1, b1, W2, b2, slip):
    A1 = np.tanh(np.dot(W1, X) + b1)
    A2 = softmax_columns(np.dot(W2, A1) + b2)
    dZ2 = {"no 1/N": A2 - Y, "sign": (Y - A2) / Y.shape[1]}[slip]
    dZ1 = np.dot(W2.T, dZ2) * (1 - A1**2)
    return {"Z2": dZ2, "A1": np.dot(W2.T, dZ2), "W2": np.dot(dZ2, A1.T), "W1": np.dot(dZ1, X.T)}


for slip in ("no 1/N", "sign"):
    slipped = check_gradients(loss_tanh_steps, net_tanh, backward_steps(**net_tanh, slip=slip))
    first = slipped.mistakes[0]
    print(f"{slip}: kind {first.kind!r}")
    print(textwrap.fill(first.message, width=90, initial_indent="    ", subsequent_indent="    "))

# %% [markdown]
# ## What the checks found
#
# One line per check, with what it showed:

# %%
for name, (rep, finding) in bugs.items():
    verdicts = [e.verdict for e in rep.entries]
    counts = ", ".join(f"{verdicts.count(v)} {v}" for v in ("WRONG", "kink", "ok") if v in verdicts)
    print(f"{name}: {counts}")
    print(textwrap.fill(finding, width=90, initial_indent="    ", subsequent_indent="    "))

# %% [markdown]
# In words:
#
# - **2-3-2 sigmoid/softmax network:** right, but checked at a point where the loss does not
#   depend on `x`, `W` or `b`, so the zero gradients there prove little.
# - **3-layer relu network:** the softmax's Jacobian reduced to its diagonal (`g_ko`, and
#   `g_jk` after it), and a diagonal entry-wise product where a matrix-vector product belongs
#   (`g_ij`).
# - **Dense layers, NNFS style:** a dense backward fed the upstream gradient instead of the
#   relu's backward output (the relu derivative skipped), and a relu backward started from the
#   layer's outputs instead of the upstream gradient. The neuron and the batched softmax
#   backward are right. As classes, checked in one call with `check_layers`: `dbiases` summed
#   over the wrong axis and `dweights` stored as `dweighhts`.
# - **Layer classes:** `Softmax.backward` returns the Jacobian's diagonal and ignores the
#   upstream gradient. The relu layer is right (also next to its corner, where `np.arange`
#   passes 2e-13 from 0). Chained as a network and checked in one call with `check_layers`,
#   `SoftmaxWithLoss.backward` does not match its own forward.
# - **Tanh network, samples as columns:** the softmax backward multiplies by the softmax output
#   twice, and every parameter gradient inherits it; the shared bias's gradient has the wrong
#   shape.
#
# A pattern: most of these bugs sit in a softmax's backward pass, where the Jacobian is a full
# matrix rather than a diagonal, and most of the wrong numbers were right chain steps fed a
# wrong gradient by the layer after them. Naming the intermediates in the same call, as in
# sections 3 and 5, finds the first wrong step: `report.root_causes`.
