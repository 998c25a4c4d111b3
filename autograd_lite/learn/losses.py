"""Loss functions built from ``Value`` ops: softmax, log-softmax, cross-entropy, MSE, BCE, hinge.

Every loss returns one ``Value`` (the mean over the samples given), so ``loss.backward()``
fills the parameters' gradients. The exponentials are shifted by the largest logit first
(the log-sum-exp trick), so logits of +1000 and -1000 give finite losses and gradients.

Shapes: a *sample's* logits are a sequence of Values or numbers (what a model returns for one
input); a *batch* is a sequence of those. ``mse``, ``binary_cross_entropy_with_logits`` and
``hinge`` compare element by element and accept any nesting (a batch of one-output lists
against a flat label vector is fine) as long as the element counts match.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from ..core.functions import OP_FUNCTIONS, dot, sum_values
from ..core.rules import RULES
from ..core.value import Value, apply, as_value

__all__ = [
    "SAMPLE_LOSSES",
    "bce_term",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "hinge",
    "hinge_term",
    "log_softmax",
    "logsumexp",
    "mse",
    "sample_cross_entropy",
    "softmax",
    "squared_error",
]

_exp, _relu, _softplus = (OP_FUNCTIONS[name] for name in ("exp", "relu", "softplus"))

Logits = Sequence[Value | float]
"""One sample's logits/scores/predictions."""
Batch = Sequence[Sequence[Value | float]]
"""Several samples' logits."""


def _is_sequence(x: object) -> bool:
    return hasattr(x, "__len__") and hasattr(x, "__getitem__") and not isinstance(x, str)


def _row(fn: str, logits: object) -> list[Value]:
    """One sample's logits as Values, checked."""
    if not _is_sequence(logits):
        raise TypeError(
            f"{fn}: expected a sequence of logits (Values or numbers), "
            f"got {type(logits).__name__} {logits!r}"
        )
    row: list[Value] = []
    for k, z in enumerate(cast("Sequence[Any]", logits)):
        if isinstance(z, Value):
            row.append(z)
        elif isinstance(z, numbers.Real) and not isinstance(z, bool):
            row.append(as_value(_number(fn, f"logit {k}", z)))
        else:
            nested = (
                " (a batch? use cross_entropy, or one row at a time)" if _is_sequence(z) else ""
            )
            raise TypeError(
                f"{fn}: logit {k} must be a Value or a number, got {type(z).__name__} {z!r}{nested}"
            )
    if not row:
        raise ValueError(f"{fn}: needs at least one logit, got none")
    return row


def logsumexp(row: Sequence[Value]) -> Value:
    """``log(sum_k exp(z_k))`` as one node of the ``logsumexp`` rule (shifted by the largest
    logit inside, so every exponent is <= 0; its derivatives are the softmax)."""
    return apply(RULES["logsumexp"], list(row))


def softmax(logits: Logits) -> list[Value]:
    """``exp(z_i) / sum_j exp(z_j)`` for one sample, computed with the max shift.

    Args:
        logits: one sample's logits (Values or numbers).

    Returns:
        The probabilities, one Value per logit; they sum to 1.

    Example:
        >>> from autograd_lite.losses import softmax
        >>> [round(p.data, 4) for p in softmax([1000.0, 0.0, -1000.0])]
        [1.0, 0.0, 0.0]
    """
    row = _row("softmax", logits)
    top = max(z.data for z in row)
    if not math.isfinite(top):
        top = 0.0
    exps = [_exp(z - top) for z in row]
    total = sum_values(exps)
    return [e / total for e in exps]


def log_softmax(logits: Logits) -> list[Value]:
    """``z_i - log(sum_j exp(z_j))`` for one sample, via log-sum-exp with the max shift.

    Args:
        logits: one sample's logits.

    Returns:
        The log-probabilities, one Value per logit (all finite for finite logits).

    Example:
        >>> from autograd_lite.losses import log_softmax
        >>> [round(p.data, 4) for p in log_softmax([1000.0, -1000.0])]
        [0.0, -2000.0]
    """
    row = _row("log_softmax", logits)
    total = logsumexp(row)
    return [z - total for z in row]


def _number(fn: str, where: str, x: object) -> float:
    """A real number as a float; one too large for a float is a ValueError naming it."""
    try:
        return float(x)  # type: ignore[arg-type]
    except OverflowError:
        raise ValueError(
            f"{fn}: {where} is too large for a float (the largest is about 1.8e308)"
        ) from None


def _class_index(fn: str, t: object, k: int, where: str) -> int:
    if isinstance(t, bool) or not isinstance(t, numbers.Real):
        raise TypeError(f"{fn}: {where} must be a class index or probabilities, got {t!r}")
    if isinstance(t, numbers.Integral):
        index = int(t)  # exact, however large: no float in between
    else:
        value = _number(fn, where, t)
        if not value.is_integer():
            raise ValueError(f"{fn}: {where} {t!r} is not a whole class index")
        index = int(value)
    if not 0 <= index < k:
        digits = int(index.bit_length() * 0.30103) + 1
        shown = str(index) if index.bit_length() < 64 else f"an int of about {digits} digits"
        raise ValueError(f"{fn}: {where} is class {shown}, but there are {k} logits (0..{k - 1})")
    return index


def _probabilities(fn: str, t: object, k: int, where: str) -> list[float]:
    try:
        probs = [float(p) for p in t]  # type: ignore[attr-defined]
    except OverflowError:
        raise ValueError(f"{fn}: {where} has a probability too large for a float") from None
    except (TypeError, ValueError):
        raise TypeError(
            f"{fn}: {where} must be a class index or a list of {k} probabilities, got {t!r}"
        ) from None
    if len(probs) != k:
        raise ValueError(f"{fn}: {where} has {len(probs)} probabilities for {k} logits")
    if any(not (p >= 0.0 and math.isfinite(p)) for p in probs):
        raise ValueError(f"{fn}: {where} has a negative or non-finite probability: {probs}")
    if abs(sum(probs) - 1.0) > 1e-6:
        raise ValueError(f"{fn}: {where} probabilities sum to {sum(probs)!r}, not 1")
    return probs


def sample_cross_entropy(z: Sequence[Value], t: Sequence[Value | float] | int) -> Value:
    """One sample's cross-entropy ``logsumexp(z) * sum(t) - t·z`` for a probability row t,
    or ``logsumexp(z) - z[t]`` for a class index t.

    Both :func:`cross_entropy` and ``fit(compile=True)`` (with t a row of traced numbers)
    compute it here; no Python decision depends on z, so it compiles.
    """
    total = logsumexp(z)
    if isinstance(t, int):
        return total - z[t]
    weight: Value | float
    if all(isinstance(p, float) for p in t):
        weight = math.fsum(cast("Sequence[float]", t))
    else:
        weight = sum_values(t)
    # -sum_k t_k (z_k - lse) = lse * sum(t) - t·z, with the weighted sum as one node.
    scaled = total if isinstance(weight, float) and weight == 1.0 else total * weight
    return scaled - dot(t, z)


def _cross_entropy_one(row: list[Value], target: object, where: str) -> Value:
    k = len(row)
    if _is_sequence(target):
        return sample_cross_entropy(row, _probabilities("cross_entropy", target, k, where))
    return sample_cross_entropy(row, _class_index("cross_entropy", target, k, where))


def cross_entropy(logits: Logits | Batch, target: npt.ArrayLike) -> Value:
    """Softmax cross-entropy ``-sum_k t_k log softmax(z)_k``, averaged over a batch.

    Its gradient with respect to the logits is ``(softmax(z) - t) / batch_size``.

    Args:
        logits: one sample's logits, or a batch (a sequence of such sequences).
        target: for one sample, a class index or a list of probabilities (one-hot or soft);
            for a batch, one of those per sample (a list/array of indices, or a 2-D array of
            probabilities).

    Returns:
        The loss (the mean over the batch).

    Example:
        >>> from autograd_lite import Value
        >>> from autograd_lite.losses import cross_entropy
        >>> z = [Value(2.0), Value(0.0)]
        >>> loss = cross_entropy(z, 0); loss.backward()
        >>> round(loss.data, 4), round(z[0].grad, 4)    # grad = softmax - onehot
        (0.1269, -0.1192)
    """
    if not _is_sequence(logits) or len(logits) == 0:
        raise TypeError(f"cross_entropy: logits must be a non-empty sequence, got {logits!r}")
    if not _is_sequence(logits[0]):
        return _cross_entropy_one(_row("cross_entropy", logits), target, "target")
    batch = [_row("cross_entropy", row) for row in logits]
    targets = _batch_targets(target, len(batch))
    losses = [
        _cross_entropy_one(row, t, f"target[{i}]")
        for i, (row, t) in enumerate(zip(batch, targets, strict=True))
    ]
    return _mean(losses)


def _batch_targets(target: object, n: int) -> Sequence[Any]:
    if isinstance(target, np.ndarray):
        target = target.tolist()
    if not _is_sequence(target):
        raise TypeError(
            f"cross_entropy: a batch of {n} samples needs {n} targets, "
            f"got {type(target).__name__} {target!r}"
        )
    if len(target) != n:  # type: ignore[arg-type]
        raise ValueError(f"cross_entropy: {n} samples but {len(target)} targets")  # type: ignore[arg-type]
    return target  # type: ignore[return-value]


def _mean(terms: list[Value]) -> Value:
    if len(terms) == 1:
        return terms[0]
    return sum_values(terms) * (1.0 / len(terms))


def _flatten(fn: str, what: str, x: object) -> list[Any]:
    """Flatten nested sequences/arrays to a list, keeping Values and numbers as elements."""
    if isinstance(x, np.ndarray):
        return list(x.ravel().tolist()) if x.dtype != object else _flatten(fn, what, x.tolist())
    if isinstance(x, Value | numbers.Real):
        return [x]
    if not _is_sequence(x):
        kinds = "Values or numbers" if what == "predictions" else "numbers"
        raise TypeError(f"{fn}: {what} must be {kinds} or sequences of them, got {x!r}")
    out: list[Any] = []
    for item in x:  # type: ignore[attr-defined]
        if isinstance(item, Value) or (
            isinstance(item, numbers.Real) and not isinstance(item, bool)
        ):
            out.append(item)
        else:
            out.extend(_flatten(fn, what, item))
    return out


def _pairs(fn: str, prediction: object, target: object) -> list[tuple[Value, float]]:
    preds = _flatten(fn, "predictions", prediction)
    targets = _flatten(fn, "targets", target)
    if len(preds) != len(targets):
        raise ValueError(
            f"{fn}: {len(preds)} predictions but {len(targets)} targets; they must match"
        )
    if not preds:
        raise ValueError(f"{fn}: needs at least one prediction")
    pairs: list[tuple[Value, float]] = []
    for i, (p, t) in enumerate(zip(preds, targets, strict=True)):
        if isinstance(t, Value):  # other elements are real numbers (bools count: True is 1)
            raise TypeError(f"{fn}: target {i} is a Value; targets must be plain numbers")
        pairs.append((as_value(p), _number(fn, f"target {i}", t)))
    return pairs


def mse(prediction: Value | float | Sequence[Any], target: npt.ArrayLike) -> Value:
    """Mean squared error ``mean((prediction - target) ** 2)`` over all elements.

    Args:
        prediction: a Value, a sequence of them, or a batch of model outputs.
        target: numbers with the same number of elements.

    Returns:
        The loss.

    Example:
        >>> from autograd_lite import Value
        >>> from autograd_lite.losses import mse
        >>> mse([Value(1.0), Value(3.0)], [0.0, 1.0]).data
        2.5
    """
    terms = [squared_error(p, t) for p, t in _pairs("mse", prediction, target)]
    return _mean(terms)


def bce_term(z: Value, t: Value | float) -> Value:
    """One element of the binary cross-entropy: ``t softplus(-z) + (1 - t) softplus(z)``.

    That is ``softplus(z) - t z``, written so that the gradient ``sigmoid(z) - t`` comes out
    as ``-sigmoid(-z)`` for t = 1: accurate for confident logits, where ``sigmoid(z) - 1``
    would cancel. The softplus rule never overflows. A label given as the number 0 or 1 (the
    interpreter) keeps only its term; a traced label (``fit(compile=True)``) keeps both.
    """
    if isinstance(t, float) and t in (0.0, 1.0):
        return _softplus(-z) if t == 1.0 else _softplus(z)
    return t * _softplus(-z) + (1.0 - t) * _softplus(z)


def squared_error(p: Value, t: Value | float) -> Value:
    """One element of :func:`mse`: ``(p - t) ** 2``."""
    return (p - t) ** 2


def hinge_term(s: Value, y: Value | float, margin: float = 1.0) -> Value:
    """One element of :func:`hinge`: ``relu(margin - y s)`` for a label y of -1 or +1.

    A label given as a number (the interpreter) picks ``margin - s`` or ``margin + s``, with
    no multiplication node; a traced label (``fit(compile=True)``) multiplies.
    """
    if isinstance(y, float):
        return _relu(margin - s if y == 1.0 else margin + s)
    return _relu(margin - y * s)


def binary_cross_entropy_with_logits(
    logits: Value | float | Sequence[Any], target: npt.ArrayLike
) -> Value:
    """Binary cross-entropy of ``sigmoid(z)`` against labels in [0, 1], from the logits.

    Computed with the softplus rule (see :func:`bce_term`), which never overflows, so
    logits of +-1000 give finite losses and the gradient ``sigmoid(z) - t`` (per element,
    divided by the element count).

    Args:
        logits: one Value, a sequence, or a batch of one-output model results.
        target: labels (0/1 or probabilities), as many as logits.

    Returns:
        The mean loss.

    Example:
        >>> from autograd_lite.losses import binary_cross_entropy_with_logits as bce
        >>> round(bce([1000.0, -1000.0], [1, 0]).data, 6), bce([1000.0], [0]).data
        (0.0, 1000.0)
    """
    terms: list[Value] = []
    for i, (z, t) in enumerate(_pairs("binary_cross_entropy_with_logits", logits, target)):
        if not 0.0 <= t <= 1.0:
            raise ValueError(
                f"binary_cross_entropy_with_logits: target {i} is {t!r}, not in [0, 1]"
            )
        terms.append(bce_term(z, t))
    return _mean(terms)


def hinge(
    scores: Value | float | Sequence[Any], target: npt.ArrayLike, margin: float = 1.0
) -> Value:
    """The max-margin loss ``mean(relu(margin - y * score))`` with labels y in {-1, +1}.

    Args:
        scores: one Value, a sequence, or a batch of one-output model results.
        target: labels, each -1 or +1 (for 0/1 labels pass ``2 * y - 1``).
        margin: how far past zero a score must be to cost nothing.

    Returns:
        The mean loss.

    Example:
        >>> from autograd_lite.losses import hinge
        >>> hinge([2.0, 0.5, -0.3], [1, 1, 1]).data   # (0 + 0.5 + 1.3) / 3
        0.6
    """
    terms: list[Value] = []
    for i, (s, y) in enumerate(_pairs("hinge", scores, target)):
        if y in (1.0, -1.0):
            terms.append(hinge_term(s, y, margin))
        else:
            raise ValueError(
                f"hinge: target {i} is {y!r}; labels must be -1 or +1 (for 0/1 use 2 * y - 1)"
            )
    return _mean(terms)


# ---------------------------------------------------------------------- one sample at a time
# fit(compile=True) compiles ONE sample's loss with the sample's targets as traced numbers, so
# it needs the losses per sample, written without a Python decision on a target. They are the
# same terms the batch losses above are made of; the batch loss is the mean of these.

SampleLoss = Callable[[Sequence[Value], Sequence[Value]], Value]


def _sample_mse(z: Sequence[Value], t: Sequence[Value]) -> Value:
    return _mean([squared_error(zk, tk) for zk, tk in zip(z, t, strict=True)])


def _sample_bce(z: Sequence[Value], t: Sequence[Value]) -> Value:
    return _mean([bce_term(zk, tk) for zk, tk in zip(z, t, strict=True)])


def _sample_hinge(z: Sequence[Value], t: Sequence[Value]) -> Value:
    return _mean([hinge_term(zk, tk) for zk, tk in zip(z, t, strict=True)])


SAMPLE_LOSSES: dict[str, SampleLoss] = {
    "cross_entropy": sample_cross_entropy,
    "mse": _sample_mse,
    "binary_cross_entropy_with_logits": _sample_bce,
    "bce": _sample_bce,
    "hinge": _sample_hinge,
}
"""One sample's loss ``f(outputs, target_row)`` by loss name, for ``fit(compile=True)``: the
target row holds numbers (a one-hot row for a class index; labels of -1/+1 for hinge)."""
