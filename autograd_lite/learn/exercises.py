"""A manual backward pass to check: a character-level MLP with batch norm, derived by hand.

:func:`batchnorm_mlp` builds the exercise learners do when they first write backprop out in
full: an embedding table, one hidden layer with batch normalisation and tanh, and a softmax
cross-entropy over the next character, each step its own variable. It returns the forward pass
(for :func:`autograd_lite.check_gradients`), its inputs, and the 26 gradients derived by hand
in numpy, optionally with one realistic bug injected, so the check has something to find.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["BUGS", "Exercise", "batchnorm_mlp"]

FloatArray = npt.NDArray[np.float64]

BUGS = {
    "bessel": "dbndiff2 divides by n instead of n - 1 (the variance uses n - 1)",
    "counts_sum": "dcounts forgets the path through counts_sum",
    "tanh": "dhpreact uses 1 - hpreact**2 instead of 1 - h**2",
}
"""The bugs :func:`batchnorm_mlp` can inject, by name: what each one gets wrong."""

_EPS = 1e-5


@dataclass(frozen=True)
class Exercise:
    """A forward pass, the point to check it at, and gradients derived by hand.

    Attributes:
        loss_fn: the forward pass; ``loss_fn(**inputs)`` returns the mean cross-entropy.
        inputs: the parameters by name (``C``, ``W1``, ``b1``, ``bngain``, ``bnbias``, ``W2``,
            ``b2``); the batch itself (``Xb``, ``Yb``) is in ``loss_fn``'s closure.
        gradients: every intermediate and parameter by name -> d(loss)/d(it), by hand, in the
            order the backward pass computes them.
        bug: the injected bug's name (a key of :data:`BUGS`), or None.
    """

    loss_fn: Callable[..., Any]
    inputs: dict[str, FloatArray]
    gradients: dict[str, FloatArray]
    bug: str | None


def batchnorm_mlp(
    *,
    batch: int = 32,
    vocab: int = 27,
    block: int = 3,
    embed: int = 10,
    hidden: int = 64,
    seed: int = 0,
    bug: str | None = None,
) -> Exercise:
    """The batch-norm MLP exercise: forward pass, inputs and the hand-derived backward pass.

    Args:
        batch: examples in the batch.
        vocab: characters (classes).
        block: characters of context per example.
        embed: size of a character's embedding.
        hidden: hidden units.
        seed: seed of the random parameters and batch.
        bug: inject this bug (a key of :data:`BUGS`) into the hand-derived gradients.

    Returns:
        An :class:`Exercise`.

    Example:
        >>> from autograd_lite import check_gradients
        >>> from autograd_lite.learn.exercises import batchnorm_mlp
        >>> ex = batchnorm_mlp(batch=4, hidden=8, bug="bessel")
        >>> check_gradients(ex.loss_fn, ex.inputs, ex.gradients).root_causes
        ['bndiff2']
    """
    if bug is not None and bug not in BUGS:
        raise ValueError(f"batchnorm_mlp: unknown bug {bug!r}; known: {', '.join(BUGS)}")
    rng = np.random.default_rng(seed)
    Xb = rng.integers(0, vocab, size=(batch, block))
    Yb = rng.integers(0, vocab, size=batch)
    fan_in = block * embed
    inputs = {
        "C": rng.standard_normal((vocab, embed)),
        "W1": rng.standard_normal((fan_in, hidden)) * (5 / 3) / fan_in**0.5,
        "b1": rng.standard_normal(hidden) * 0.1,
        "bngain": 1.0 + rng.standard_normal((1, hidden)) * 0.1,
        "bnbias": rng.standard_normal((1, hidden)) * 0.1,
        "W2": rng.standard_normal((hidden, vocab)) * 0.1,
        "b2": rng.standard_normal(vocab) * 0.1,
    }

    def loss_fn(C: Any, W1: Any, b1: Any, bngain: Any, bnbias: Any, W2: Any, b2: Any) -> Any:
        n = Xb.shape[0]
        emb = C[Xb]
        embcat = emb.reshape(n, -1)
        hprebn = embcat @ W1 + b1
        bnmeani = hprebn.sum(0, keepdims=True) / n
        bndiff = hprebn - bnmeani
        bndiff2 = bndiff**2
        bnvar = bndiff2.sum(0, keepdims=True) / (n - 1)
        bnvar_inv = (bnvar + _EPS) ** -0.5
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

    grads = _backward(inputs, Xb, Yb, bug)
    return Exercise(loss_fn, inputs, grads, bug)


def _backward(
    p: dict[str, FloatArray], Xb: npt.NDArray[np.int64], Yb: npt.NDArray[np.int64], bug: str | None
) -> dict[str, FloatArray]:
    # The forward pass again on floats, keeping every intermediate.
    n = Xb.shape[0]
    emb = p["C"][Xb]
    embcat = emb.reshape(n, -1)
    hprebn = embcat @ p["W1"] + p["b1"]
    bnmeani = hprebn.sum(0, keepdims=True) / n
    bndiff = hprebn - bnmeani
    bndiff2 = bndiff**2
    bnvar = bndiff2.sum(0, keepdims=True) / (n - 1)
    bnvar_inv = (bnvar + _EPS) ** -0.5
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

    # The backward pass, one step per variable, loss first.
    g: dict[str, FloatArray] = {}
    dlogprobs = np.zeros((n, probs.shape[1]))
    dlogprobs[np.arange(n), Yb] = -1.0 / n
    g["logprobs"] = dlogprobs
    g["probs"] = dlogprobs / probs
    g["counts_sum_inv"] = (g["probs"] * counts).sum(1, keepdims=True)
    g["counts_sum"] = -(counts_sum**-2) * g["counts_sum_inv"]
    g["counts"] = g["probs"] * counts_sum_inv
    if bug != "counts_sum":
        g["counts"] = g["counts"] + g["counts_sum"]
    g["norm_logits"] = counts * g["counts"]
    g["logit_maxes"] = -g["norm_logits"].sum(1, keepdims=True)
    dlogits = g["norm_logits"].copy()
    dlogits[np.arange(n), logits.argmax(1)] += g["logit_maxes"][:, 0]
    g["logits"] = dlogits
    g["h"] = dlogits @ p["W2"].T
    g["W2"] = h.T @ dlogits
    g["b2"] = dlogits.sum(0)
    local = 1.0 - hpreact**2 if bug == "tanh" else 1.0 - h**2
    g["hpreact"] = local * g["h"]
    g["bngain"] = (bnraw * g["hpreact"]).sum(0, keepdims=True)
    g["bnbias"] = g["hpreact"].sum(0, keepdims=True)
    g["bnraw"] = p["bngain"] * g["hpreact"]
    g["bnvar_inv"] = (bndiff * g["bnraw"]).sum(0, keepdims=True)
    g["bnvar"] = -0.5 * (bnvar + _EPS) ** -1.5 * g["bnvar_inv"]
    divisor = n if bug == "bessel" else n - 1
    g["bndiff2"] = np.ones_like(bndiff2) * g["bnvar"] / divisor
    g["bndiff"] = g["bnraw"] * bnvar_inv + 2.0 * bndiff * g["bndiff2"]
    g["bnmeani"] = -g["bndiff"].sum(0, keepdims=True)
    g["hprebn"] = g["bndiff"] + g["bnmeani"] / n
    g["embcat"] = g["hprebn"] @ p["W1"].T
    g["W1"] = embcat.T @ g["hprebn"]
    g["b1"] = g["hprebn"].sum(0)
    g["emb"] = g["embcat"].reshape(emb.shape)
    dC = np.zeros_like(p["C"])
    np.add.at(dC, Xb, g["emb"])
    g["C"] = dC
    return g
