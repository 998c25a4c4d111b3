# %% [markdown]
# # 5. Backprop through a batch-norm MLP, one named gradient at a time
#
# Writing the backward pass of a whole network by hand, one intermediate variable at a time, is
# the exercise that makes backpropagation click. It is also long: the character-level MLP below
# (an embedding table, a hidden layer with batch normalisation and tanh, a softmax
# cross-entropy) has **26 gradients** to derive, from `dlogprobs` down to the embedding table
# `dC`, about 23,000 numbers in all. One slip early on and every gradient after it is wrong too.
#
# This notebook writes the forward pass and the backward pass the way a learner does, then
# checks **all 26 gradients in one call**:
#
# ```python
# report = check_gradients(loss_fn, inputs=parameters, expected=by_hand)
# ```
#
# `expected` may name any variable that `loss_fn` assigns (`bnvar`, `hpreact`, `logits`...), not
# only its inputs. The reference for each is the gradient of the loss with respect to that
# variable, as PyTorch's `retain_grad()` gives it. The report judges every entry, orders the
# gradients as the backward pass computes them, and `report.root_causes` names the **first
# wrong step**: the gradient that is wrong although everything between it and the loss is right.

# %%
import numpy as np

from autograd_lite import check_gradients, draw_graph

# %% [markdown]
# ## The data: which character comes next?
#
# Each example is three characters of context and the character that follows, taken from a
# few names (`.` marks the start and the end of a name). 27 characters in all.

# %%
names = [
    "emma",
    "olivia",
    "ava",
    "isabella",
    "sophia",
    "mia",
    "charlotte",
    "amelia",
    "harper",
    "evelyn",
    "abigail",
    "emily",
    "ella",
    "elizabeth",
    "camila",
    "luna",
]
chars = "." + "abcdefghijklmnopqrstuvwxyz"
index = {c: i for i, c in enumerate(chars)}

contexts, targets = [], []
for name in names:
    context = [0, 0, 0]
    for c in name + ".":
        contexts.append(context)
        targets.append(index[c])
        context = [*context[1:], index[c]]
X_all, Y_all = np.array(contexts), np.array(targets)

rng = np.random.default_rng(42)
batch = rng.choice(len(X_all), size=32, replace=False)
Xb, Yb = X_all[batch], Y_all[batch]
print(
    f"{len(X_all)} examples; a batch of {len(Xb)}, e.g. {chars[Xb[0][0]]}{chars[Xb[0][1]]}"
    f"{chars[Xb[0][2]]} -> {chars[Yb[0]]}"
)

# %% [markdown]
# ## The parameters
#
# A 10-dimensional embedding per character, 64 hidden units, 27 outputs. The gains, biases and
# output layer are small random numbers rather than the usual zeros, so that no gradient is
# trivially zero and every derivation step is exercised.

# %%
vocab, block, embed, hidden = 27, 3, 10, 64
n = len(Xb)
parameters = {
    "C": rng.standard_normal((vocab, embed)),
    "W1": rng.standard_normal((block * embed, hidden)) * (5 / 3) / (block * embed) ** 0.5,
    "b1": rng.standard_normal(hidden) * 0.1,
    "bngain": 1.0 + rng.standard_normal((1, hidden)) * 0.1,
    "bnbias": rng.standard_normal((1, hidden)) * 0.1,
    "W2": rng.standard_normal((hidden, vocab)) * 0.1,
    "b2": rng.standard_normal(vocab) * 0.1,
}
print({name: p.shape for name, p in parameters.items()})

# %% [markdown]
# ## The forward pass, every step its own variable
#
# Batch normalisation is written out in full: the mean, the deviations, their squares, the
# variance (with Bessel's correction, dividing by n - 1), its inverse square root, and the
# normalised, scaled and shifted result. The softmax is written out too, down to `logprobs`.
#
# `check_gradients` runs this very function on arrays of `Value`s, so each name assigned here
# can be checked.


# %%
def loss_fn(C, W1, b1, bngain, bnbias, W2, b2):
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
    return -logprobs[np.arange(n), Yb].sum() / n


print(f"loss = {loss_fn(**parameters):.4f}")

# %% [markdown]
# ## The backward pass by hand
#
# The same forward pass on plain floats, keeping every intermediate, then one line per
# gradient, from the loss back to the embedding table. The rules used, step by step:
#
# - the loss averages `-logprobs` at the targets, so `dlogprobs` is `-1/n` there and 0 elsewhere;
# - `log`, `exp`, `**-1` and `tanh` multiply by their local derivative (`1/probs`, `counts`,
#   `-counts_sum**-2`, `1 - h**2`);
# - a variable used twice (`counts`, `bndiff`, `hprebn`, `logits`) adds up the gradients from
#   both uses;
# - a broadcast in the forward pass (`counts_sum_inv`, `bnmeani`, `bnvar_inv`, `bngain`) is a
#   sum over the broadcast axis in the backward pass, and a sum is a broadcast;
# - `bnvar` divides by `n - 1`, so each `bndiff2` entry receives `dbnvar / (n - 1)`.
#
# The code below has one mistake in it, of the kind that is easy to make and hard to see.

# %%
p = parameters
emb = p["C"][Xb]
embcat = emb.reshape(n, -1)
hprebn = embcat @ p["W1"] + p["b1"]
bnmeani = hprebn.sum(0, keepdims=True) / n
bndiff = hprebn - bnmeani
bndiff2 = bndiff**2
bnvar = bndiff2.sum(0, keepdims=True) / (n - 1)
bnvar_inv = (bnvar + 1e-5) ** -0.5
bnraw = bndiff * bnvar_inv
hpreact = p["bngain"] * bnraw + p["bnbias"]
h = np.tanh(hpreact)
logits = h @ p["W2"] + p["b2"]
logit_maxes = logits.max(1, keepdims=True)
norm_logits = logits - logit_maxes
counts = np.exp(norm_logits)
counts_sum = counts.sum(1, keepdims=True)
counts_sum_inv = counts_sum**-1
probs = counts * counts_sum_inv

dlogprobs = np.zeros_like(probs)
dlogprobs[np.arange(n), Yb] = -1.0 / n
dprobs = dlogprobs / probs
dcounts_sum_inv = (dprobs * counts).sum(1, keepdims=True)
dcounts_sum = -(counts_sum**-2) * dcounts_sum_inv
dcounts = dprobs * counts_sum_inv + dcounts_sum
dnorm_logits = counts * dcounts
dlogit_maxes = -dnorm_logits.sum(1, keepdims=True)
dlogits = dnorm_logits.copy()
dlogits[np.arange(n), logits.argmax(1)] += dlogit_maxes[:, 0]
dh = dlogits @ p["W2"].T
dW2 = h.T @ dlogits
db2 = dlogits.sum(0)
dhpreact = (1.0 - h**2) * dh
dbngain = (bnraw * dhpreact).sum(0, keepdims=True)
dbnbias = dhpreact.sum(0, keepdims=True)
dbnraw = p["bngain"] * dhpreact
dbnvar_inv = (bndiff * dbnraw).sum(0, keepdims=True)
dbnvar = -0.5 * (bnvar + 1e-5) ** -1.5 * dbnvar_inv
dbndiff2 = np.ones_like(bndiff2) * dbnvar / n
dbndiff = dbnraw * bnvar_inv + 2.0 * bndiff * dbndiff2
dbnmeani = -dbndiff.sum(0, keepdims=True)
dhprebn = dbndiff + dbnmeani / n
dembcat = dhprebn @ p["W1"].T
dW1 = embcat.T @ dhprebn
db1 = dhprebn.sum(0)
demb = dembcat.reshape(emb.shape)
dC = np.zeros_like(p["C"])
np.add.at(dC, Xb, demb)

by_hand = {
    "logprobs": dlogprobs,
    "probs": dprobs,
    "counts_sum_inv": dcounts_sum_inv,
    "counts_sum": dcounts_sum,
    "counts": dcounts,
    "norm_logits": dnorm_logits,
    "logit_maxes": dlogit_maxes,
    "logits": dlogits,
    "h": dh,
    "W2": dW2,
    "b2": db2,
    "hpreact": dhpreact,
    "bngain": dbngain,
    "bnbias": dbnbias,
    "bnraw": dbnraw,
    "bnvar_inv": dbnvar_inv,
    "bnvar": dbnvar,
    "bndiff2": dbndiff2,
    "bndiff": dbndiff,
    "bnmeani": dbnmeani,
    "hprebn": dhprebn,
    "embcat": dembcat,
    "W1": dW1,
    "b1": db1,
    "emb": demb,
    "C": dC,
}
print(f"{len(by_hand)} gradients, {sum(g.size for g in by_hand.values()):,} numbers")

# %% [markdown]
# ## All 26 gradients, checked in one call

# %%
report = check_gradients(loss_fn, inputs=parameters, expected=by_hand)
print(report.summary())
print(report.overview())

# %% [markdown]
# Seven gradients are wrong, from `bndiff2` all the way down to `C`. But they are not seven
# separate mistakes. The report says which one comes first:

# %%
print(report.root_causes)
print(report.diagnosis())

# %% [markdown]
# ## What the mistake is
#
# The diagnosis opens with it: `report.mistakes` says *what* is wrong, not only where. Each
# finding has a kind from a small vocabulary (`scale`, `sign`, `transpose`, `missing_path`,
# `local_derivative`, ...), one sentence, and the numbers behind it. A finding is only reported
# when the engine's gradient with that mistake made reproduces every entry of ours, so it is
# never a guess:

# %%
finding = report.mistakes[0]
print(finding.gradient, finding.kind)
print(finding.message)
print({k: finding.evidence[k] for k in ("factor", "named", "entries")})

# %% [markdown]
# The factor is `(n - 1) / n`: our `dbndiff2` divides by `n`, while the forward pass divides
# the sum of `bndiff2` by `n - 1` (Bessel's correction). Each entry of `bndiff2` reaches `bnvar`
# with weight `1 / (n - 1)`, so that is what its gradient must carry. The other wrong ones
# (`bndiff`, `hprebn`, `W1`, `embcat`, `emb`, `C`) were computed from it and inherit the
# error; fixing them one by one would have been wasted work. (`bnmeani` and `b1` come out
# right anyway: the bug scales a term that sums to zero over the batch.)
#
# ## The fix, checked again

# %%
dbndiff2 = np.ones_like(bndiff2) * dbnvar / (n - 1)
dbndiff = dbnraw * bnvar_inv + 2.0 * bndiff * dbndiff2
dbnmeani = -dbndiff.sum(0, keepdims=True)
dhprebn = dbndiff + dbnmeani / n
dembcat = dhprebn @ p["W1"].T
dW1 = embcat.T @ dhprebn
db1 = dhprebn.sum(0)
demb = dembcat.reshape(emb.shape)
dC = np.zeros_like(p["C"])
np.add.at(dC, Xb, demb)
by_hand.update(
    bndiff2=dbndiff2,
    bndiff=dbndiff,
    bnmeani=dbnmeani,
    hprebn=dhprebn,
    embcat=dembcat,
    W1=dW1,
    b1=db1,
    emb=demb,
    C=dC,
)

fixed = check_gradients(loss_fn, inputs=parameters, expected=by_hand)
print(fixed.summary())
assert fixed.ok and fixed.root_causes == []

# %% [markdown]
# ## How each gradient was cross-checked
#
# Central differences on every entry of every intermediate would re-run the forward pass tens
# of thousands of times. The check probes each entry where that is cheap and, for the large
# variables, compares the engine with finite differences along random directions and on a
# sample of entries. Your numbers are still judged entry by entry, against the engine:

# %%
for name, how in fixed.cross_checks.items():
    print(f"{name:>15}: {how}")

# %% [markdown]
# ## Seeing the batch-norm steps
#
# The full graph has hundreds of thousands of nodes. With two examples, two hidden units and
# an embedding lookup standing in for the first layer, the batch-norm steps are small enough to
# look at entry by entry: each named array is a box with the line that computes it, each
# checked entry a cell coloured by its verdict (red WRONG, green ok), the first wrong step
# outlined in red. The same bug, `dbndiff2` dividing by `n` = 2 instead of `n - 1` = 1, is
# found again.

# %%
small_X, small_Y = np.array([[0], [1]]), np.array([1, 0])


def small_loss(W, gain):
    hprebn = W[small_X[:, 0]]
    bnmeani = hprebn.sum(0, keepdims=True) / 2
    bndiff = hprebn - bnmeani
    bndiff2 = bndiff**2
    bnvar = bndiff2.sum(0, keepdims=True) / (2 - 1)
    bnraw = bndiff * (bnvar + 1e-5) ** -0.5
    h = np.tanh(gain * bnraw)
    return -(h[np.arange(2), small_Y]).sum() / 2


W = np.array([[0.3, -0.8], [1.1, 0.4]])
gain = np.array([[1.2, 0.9]])
hprebn = W[small_X[:, 0]]
bndiff = hprebn - hprebn.mean(0, keepdims=True)
bnvar = (bndiff**2).sum(0, keepdims=True) / (2 - 1)
bnraw = bndiff * (bnvar + 1e-5) ** -0.5
h = np.tanh(gain * bnraw)
dh = np.zeros_like(h)
dh[np.arange(2), small_Y] = -1 / 2
dbnraw = gain * (1 - h**2) * dh
dbnvar = -0.5 * (bnvar + 1e-5) ** -1.5 * (bndiff * dbnraw).sum(0, keepdims=True)
small_report = check_gradients(
    small_loss,
    inputs={"W": W, "gain": gain},
    expected={"bnraw": dbnraw, "bnvar": dbnvar, "bndiff2": np.ones((2, 2)) * dbnvar / 2},
)
print(small_report.diagnosis())

# %% tags=["graph"]
draw_graph(small_report.loss, highlight=small_report, digits=3)

# %% [markdown]
# ## What to take away
#
# - Name your intermediates in the forward pass, derive one gradient per name, and check them
#   all at once: `expected` takes any variable `loss_fn` assigns.
# - Read `report.root_causes` first. Everything the report marks wrong upstream of a root cause
#   may only be inheriting its error.
# - Read `report.mistakes` next: a factor named after the problem (the batch size, Bessel's
#   `(n - 1) / n`, a 2), a flipped sign, a transpose, a missing or doubled path, a mask, a
#   local derivative at the wrong variable. When it says "no simple pattern", compare
#   `report.engine[name]` with yours.
