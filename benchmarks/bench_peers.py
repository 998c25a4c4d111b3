"""The W1 step written by hand and in the vectorised tools users compare against.

Not a test: ``benchmarks/bench.py`` times these. Every step computes the same loss as W1
(MLP 2-16-16-1 relu, 100 points, ``mean(relu(1 - y * score)) + 1e-4 * sum(p * p)``) and its
gradients with respect to every weight and bias, in float64 on the CPU. A tool that is not
installed gives None, and the table says "skipped".

- :func:`careful_float_step`: plain Python floats, written the way a careful person would
  (weights as nested lists read once, local names, no per-point allocations beyond the
  activations): the honest "as fast as hand-written Python gets" reference;
- :func:`numpy_step`: the same by hand with numpy matrix products;
- :func:`torch_step`, :func:`jax_step`, :func:`hips_autograd_step`: the tools' own
  reverse mode on the vectorised loss (JAX jit-compiled, float64).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

ALPHA = 1e-4
SIZES = [2, 16, 16, 1]

Step = Callable[[], Any]


def initial_weights(seed: int = 0) -> list[tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]]:
    """(W of shape (in, out), b of shape (out,)) per layer, the same for every tool."""
    rng = np.random.default_rng(seed)
    return [
        (rng.uniform(-1.0, 1.0, (nin, nout)), np.zeros(nout))
        for nin, nout in itertools.pairwise(SIZES)
    ]


# --------------------------------------------------------------------------- by hand


def careful_float_step(X: list[list[float]], Y: list[float], seed: int = 0) -> Step:
    """W1 forward and backward with Python floats, written carefully for speed."""
    layers = [(W.T.tolist(), b.tolist()) for W, b in initial_weights(seed)]
    (W1, b1), (W2, b2), (W3, b3) = layers
    w3 = W3[0]
    n = len(X)
    scale = 1.0 / n
    two_alpha = 2.0 * ALPHA
    rows1 = list(zip(W1, b1, strict=True))
    rows2 = list(zip(W2, b2, strict=True))
    data = list(zip(X, Y, strict=True))
    width1, width2 = len(b1), len(b2)

    def step() -> tuple[float, Any]:
        gW1 = [[0.0, 0.0] for _ in range(width1)]
        gb1 = [0.0] * width1
        gW2 = [[0.0] * width1 for _ in range(width2)]
        gb2 = [0.0] * width2
        gw3 = [0.0] * width2
        gb3 = 0.0
        total = 0.0
        for (x0, x1), y in data:
            h1 = []
            for (wa, wb), b in rows1:
                z = wa * x0 + wb * x1 + b
                h1.append(z if z > 0.0 else 0.0)
            h2 = []
            for w, b in rows2:
                z = b
                for wk, hk in zip(w, h1, strict=False):
                    z += wk * hk
                h2.append(z if z > 0.0 else 0.0)
            score = b3[0]
            for wk, hk in zip(w3, h2, strict=False):
                score += wk * hk
            margin = 1.0 - y * score
            if margin <= 0.0:
                continue
            total += margin
            d_score = -y * scale
            gb3 += d_score
            d_h1 = [0.0] * width1
            for j in range(width2):
                if h2[j] > 0.0:
                    d = d_score * w3[j]
                    gw3[j] += d_score * h2[j]
                    gb2[j] += d
                    row, grow = W2[j], gW2[j]
                    for k in range(width1):
                        grow[k] += d * h1[k]
                        d_h1[k] += d * row[k]
            for k in range(width1):
                if h1[k] > 0.0:
                    d = d_h1[k]
                    gb1[k] += d
                    g = gW1[k]
                    g[0] += d * x0
                    g[1] += d * x1
        reg = 0.0
        for ws, gs in ((W1, gW1), (W2, gW2)):
            for w, g in zip(ws, gs, strict=False):
                for k, v in enumerate(w):
                    reg += v * v
                    g[k] += two_alpha * v
        for bs, gs in ((b1, gb1), (b2, gb2)):
            for k, v in enumerate(bs):
                reg += v * v
                gs[k] += two_alpha * v
        for k, v in enumerate(w3):
            reg += v * v
            gw3[k] += two_alpha * v
        reg += b3[0] * b3[0]
        gb3 += two_alpha * b3[0]
        return total * scale + ALPHA * reg, (gW1, gb1, gW2, gb2, gw3, gb3)

    return step


def numpy_step(X: np.ndarray[Any, Any], Y: np.ndarray[Any, Any], seed: int = 0) -> Step:
    """W1 forward and backward by hand with numpy."""
    (W1, b1), (W2, b2), (W3, b3) = initial_weights(seed)
    n = len(X)

    def step() -> tuple[float, Any]:
        z1 = X @ W1 + b1
        h1 = np.maximum(z1, 0.0)
        z2 = h1 @ W2 + b2
        h2 = np.maximum(z2, 0.0)
        score = (h2 @ W3 + b3)[:, 0]
        margin = 1.0 - Y * score
        active = margin > 0.0
        params = (W1, b1, W2, b2, W3, b3)
        loss = margin[active].sum() / n + ALPHA * sum(float((p * p).sum()) for p in params)
        d_score = np.where(active, -Y / n, 0.0)[:, None]
        gW3 = h2.T @ d_score + 2 * ALPHA * W3
        gb3 = d_score.sum(0) + 2 * ALPHA * b3
        d_z2 = (d_score @ W3.T) * (z2 > 0.0)
        gW2 = h1.T @ d_z2 + 2 * ALPHA * W2
        gb2 = d_z2.sum(0) + 2 * ALPHA * b2
        d_z1 = (d_z2 @ W2.T) * (z1 > 0.0)
        gW1 = X.T @ d_z1 + 2 * ALPHA * W1
        gb1 = d_z1.sum(0) + 2 * ALPHA * b1
        return loss, (gW1, gb1, gW2, gb2, gW3, gb3)

    return step


# --------------------------------------------------------------------------- the tools


def torch_step(X: np.ndarray[Any, Any], Y: np.ndarray[Any, Any], seed: int = 0) -> Step | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    Xt, Yt = torch.tensor(X), torch.tensor(Y)
    params = [torch.tensor(a, requires_grad=True) for layer in initial_weights(seed) for a in layer]

    def step() -> Any:
        for p in params:
            p.grad = None
        h = Xt
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i + 2 < len(params):
                h = torch.relu(h)
        loss = torch.relu(1 - Yt * h[:, 0]).mean() + ALPHA * sum((p * p).sum() for p in params)
        loss.backward()
        return loss

    return step


def _vectorised_loss(np_: Any, maximum: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    def loss(params: Any, X: Any, Y: Any) -> Any:
        h = X
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i + 2 < len(params):
                h = maximum(h, 0.0)
        margins = maximum(1.0 - Y * h[:, 0], 0.0)
        return np_.mean(margins) + ALPHA * sum(np_.sum(p * p) for p in params)

    return loss


def jax_step(X: np.ndarray[Any, Any], Y: np.ndarray[Any, Any], seed: int = 0) -> Step | None:
    try:
        import jax
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_platforms", "cpu")
    import jax.numpy as jnp

    loss = _vectorised_loss(jnp, jnp.maximum)
    step_fn = jax.jit(jax.value_and_grad(loss))
    params = [jnp.asarray(a) for layer in initial_weights(seed) for a in layer]
    Xj, Yj = jnp.asarray(X), jnp.asarray(Y)

    def step() -> Any:
        value, grads = step_fn(params, Xj, Yj)
        return jax.block_until_ready((value, grads))

    return step


def hips_autograd_step(
    X: np.ndarray[Any, Any], Y: np.ndarray[Any, Any], seed: int = 0
) -> Step | None:
    try:
        import autograd
        import autograd.numpy as anp
    except ImportError:
        return None
    loss = _vectorised_loss(anp, anp.maximum)
    step_fn = autograd.value_and_grad(loss)
    params = [a for layer in initial_weights(seed) for a in layer]

    def step() -> Any:
        return step_fn(params, X, Y)

    return step


def version(module: str) -> str | None:
    """The installed version of a peer, or None."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed(module)
    except PackageNotFoundError:
        return None
