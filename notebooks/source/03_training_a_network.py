# %% [markdown]
# # 3. Training a network
#
# The same `Value`s that make one neuron make a whole network. This page uses the pieces
# autograd_lite ships for that:
#
# - `autograd_lite.nn`: `Neuron`, `Layer` and `MLP` modules whose parameters are Values;
# - `autograd_lite.losses`: `cross_entropy` (softmax with the max shift), `hinge`, `mse`, ...;
# - `autograd_lite.optim`: `SGD` and `Adam`;
# - `autograd_lite.datasets`: small seeded data sets (`make_moons`, `spiral`, `blobs`, `xor`);
# - `fit`, a training loop with a progress bar, and `autograd_lite.plot` for loss curves and
#   decision boundaries (it needs matplotlib: `pip install autograd_lite[plot]`).
#
# It trains two classifiers: a network that separates the two moons, and a softmax classifier
# for the 3-class spiral. Then it saves a trained model and loads it back.

# %%
import json
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from autograd_lite import MLP, Adam, draw_graph, evaluate, fit
from autograd_lite.datasets import make_moons, spiral
from autograd_lite.plot import plot_decision_boundary, plot_history

plt.rcParams["figure.dpi"] = 72  # small figures keep this page light

# %% [markdown]
# ## What a network is made of
#
# `MLP(2, [3, 3, 1])` has two inputs, two hidden layers of three relu neurons and one linear
# output. Every parameter is a leaf `Value` with a stable dotted name, which is also its label:

# %%
tiny = MLP(2, [3, 3, 1], seed=0)
print(tiny)
print(len(tiny.parameters()), "parameters, the first four:")
for name, p in tiny.named_parameters()[:4]:
    print(f"  {name:22} {p.data:+.4f}")

# %% [markdown]
# Calling the model on one sample builds the graph of its output. Each neuron's weighted sum is
# one `linear` node (`w·x + b`), followed by its activation. `group="layer"` draws each layer
# as a box, which keeps a network's graph readable:

# %% tags=["graph"]
out = tiny([0.5, -1.0])  # a one-output network returns the node itself
out.backward()
draw_graph(out, group="layer", show_data=False)

# %% [markdown]
# `view="network"` draws the network as a network instead: each neuron a circle filled by its
# output (orange positive, blue negative), each weight a line coloured by its sign and as wide
# as it is large, the layers as columns from the inputs to the output. Hover a circle or a line
# for its numbers; `overlay="grad"` shows the gradients instead. `.interactive()` (or
# `.save("net.html")`) gives a page where you click a neuron for its chain rule and step
# through the forward and backward pass.

# %% tags=["graph"]
draw_graph(out, view="network")

# %% [markdown]
# ## Two moons
#
# 100 points in two interleaving half circles: no straight line separates them.

# %%
X, y = make_moons(100, noise=0.1, seed=0)
print(X.shape, y.shape, "classes:", np.bincount(y))

# %% [markdown]
# A 2-16-16-1 relu network with one output score, trained with the hinge loss (the max-margin
# loss: a point counts until its score is on the right side by a margin of 1). `fit` runs
# full-batch steps of Adam and shows a progress bar with the loss and the training accuracy.
# Every step builds the graph of the loss over all 100 samples and runs `backward()` on it.
# `record=4` keeps a frame of every 4th step for the replay further down.

# %%
model = MLP(2, [16, 16, 1], seed=0)
history = fit(
    model,
    X,
    y,
    loss="hinge",
    optimizer=Adam(model.parameters(), lr=0.02),
    epochs=80,
    desc="moons",
    record=4,  # keep a frame every 4th step, to replay the training below
)
print(f"{len(model.parameters())} parameters, {history.nodes_per_step} graph nodes per step")
trained = evaluate(model, X, y, loss="hinge")
print(f"after training: loss {trained.loss:.4f}, accuracy {trained.accuracy:.0%}")

# %% tags=["plot"]
fig = plot_history(history, title="two moons")

# %% [markdown]
# The decision regions: the model is evaluated on a grid over the plane (in one vectorised numpy
# pass, no graph needed), and each point is coloured by the class it would get.

# %% tags=["plot"]
fig = plot_decision_boundary(model, X, y)

# %% [markdown]
# ## Watch it learn
#
# A recorded `history` shows in a notebook as a replay of the training. Press play (or drag the
# slider, or click the curves) and watch the decision boundary bend step by step. On the left
# is the network: every neuron is a small picture of its output over the plane (blue where it
# is positive, orange where negative), every weight a line coloured by its sign and as thick as
# it is large. Click a weight: the panel gives its value and gradient at that step, and the
# chain rule that produced the gradient on one sample, written out as `explain(loss)` writes
# it. The page computes the pictures from the recorded parameters, so what you see at step k
# is the model at step k.
#
# `history.save("training.html")` writes the same page as one file that works offline (send
# it, open it in any browser); `history.widget()` gives it as a widget you can drive from
# Python (`w.go_to(0)`, `w.playing = True`). Each frame holds the parameters and the step's
# gradients, allocated up front: `history.recording` says how much memory that takes.

# %%
rec = history.recording
print(f"{rec.frames} frames (every {rec.every} steps), {rec.memory_bytes / 1e6:.2f} MB held")
with tempfile.TemporaryDirectory() as folder:
    page = Path(history.save(Path(folder) / "training.html"))
    print(f"training.html: {page.stat().st_size / 1e6:.1f} MB, nothing fetched from the network")
rec  # history.recording: the same replay as `history` shows, and a repr without timings

# %% [markdown]
# ## The 3-class spiral
#
# Three arms winding around the origin, the data set of the *Neural Networks from Scratch* book.
# With three classes the network has three outputs, one score (logit) per class, and
# `loss="cross_entropy"` applies a softmax to them and takes the negative log-probability of the
# right class, averaged over the batch. The softmax is computed with the max shift
# (log-sum-exp), so large logits cannot overflow.

# %%
X3, y3 = spiral(60, 3, seed=0)
model3 = MLP(2, [16, 16, 3], init="scaled", seed=0)
history3 = fit(
    model3,
    X3,
    y3,
    loss="cross_entropy",
    optimizer=Adam(model3.parameters(), lr=0.05),
    epochs=120,
    desc="spiral",
)
print(f"{len(model3.parameters())} parameters, {history3.nodes_per_step} graph nodes per step")
trained = evaluate(model3, X3, y3, loss="cross_entropy")
print(f"after training: loss {trained.loss:.4f}, accuracy {trained.accuracy:.1%}")

# %% [markdown]
# `init="scaled"` draws the initial weights from a range that shrinks with the number of inputs
# (instead of the classic uniform(-1, 1)), which keeps the activations a steady size through
# the layers; it trains noticeably faster here. (The progress bar's accuracy is measured during
# each epoch, before that epoch's update; `evaluate` measures the final model.) The curves,
# and the regions:

# %% tags=["plot"]
fig = plot_history(history3, title="3-class spiral")

# %% tags=["plot"]
fig = plot_decision_boundary(model3, X3, y3)

# %% [markdown]
# `evaluate` scores a model on any data without building a graph. On fresh points from the same
# spiral (another seed) the accuracy is lower: 371 parameters fitted to 180 points learn some
# of their noise along with the spiral, as the ragged region borders above show.

# %%
X_new, y_new = spiral(60, 3, seed=1)
result = evaluate(model3, X_new, y_new, loss="cross_entropy")
print(f"new points: loss {result.loss:.4f}, accuracy {result.accuracy:.1%}")

# %% [markdown]
# ## Saving and loading a model
#
# `save(path)` writes every parameter to a JSON file, by name; `load(path)` reads it into a
# model of the same shape. Floats are written with all their digits, so the loaded model
# computes exactly the same outputs.

# %%
with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "spiral_model.json"
    model3.save(path)
    saved = json.loads(path.read_text())
    restored = MLP(2, [16, 16, 3], init="scaled", seed=123)  # different starting weights
    restored.load(path)

print("keys in the file:", list(saved))
print("outputs identical:", np.array_equal(restored.forward_array(X3), model3.forward_array(X3)))

# %% [markdown]
# Loading into a model of another shape fails with an error that says what does not match, and
# leaves the model as it was:

# %%
other = MLP(2, [8, 3], seed=0)
before = other.state_dict()
try:
    other.load_state_dict(model3.state_dict())
except KeyError as err:
    print("KeyError:", err.args[0])
print("model unchanged:", other.state_dict() == before)

# %% [markdown]
# ## Summary
#
# - `MLP(nin, sizes, activation=..., init=..., seed=...)` builds a seeded network of `Value`
#   parameters; `fit(model, X, y, loss=..., optimizer=..., epochs=...)` trains it and returns a
#   `History`; `evaluate` scores it.
# - `plot_history` and `plot_decision_boundary` return matplotlib figures
#   (`fig.savefig("moons.png")` writes one).
# - `fit(..., record=True)` (or `record=k`: every k-th step) records the training; the
#   `history` replays it in the notebook and `history.save("training.html")` writes the page.
# - `save`/`load` round-trip every parameter exactly through JSON.
#
# Every step of training is the backward pass of notebook 1 on a bigger graph: the progress
# bar's loss is `loss.data`, and the optimizer reads each parameter's `.grad`.
