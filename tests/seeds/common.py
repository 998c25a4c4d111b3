"""What every seed case is made of: the case types, verdicts and numpy helpers shared by the
five notebooks' modules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

OK = "ok"
WRONG = "wrong"
# Not differentiable at the point (or so close to a kink that central differences straddle it).
KINK = "kink"


@dataclass(frozen=True)
class HandGradient:
    """One gradient array a learner derived by hand and printed, with our verdict on it.

    Attributes:
        printed_as: the notebook's own name for the printed array.
        values: the numbers exactly as printed (rounded as numpy displayed them).
        verdict: per entry ``OK``, ``WRONG`` or ``KINK``; same shape as ``values``.
        bug: why the ``WRONG`` entries are wrong; empty when there are none.
        shape_mismatch: the printed array does not even have the input's shape.
        straddles: entries close enough to a kink that central differences straddle it,
            though the function is differentiable at the point (their verdict is OK).
    """

    printed_as: str
    values: FloatArray
    verdict: NDArray[np.str_]
    bug: str = ""
    shape_mismatch: bool = False
    straddles: NDArray[np.bool_] | None = None

    @property
    def wrong(self) -> NDArray[np.bool_]:
        """Mask of the entries judged wrong."""
        return np.asarray(self.verdict == WRONG)

    @property
    def kink(self) -> NDArray[np.bool_]:
        """Mask of the entries at or next to a kink, where finite differences legitimately
        disagree."""
        at = np.asarray(self.verdict == KINK)
        return at if self.straddles is None else at | self.straddles


@dataclass(frozen=True)
class SeedCase:
    """One scalar loss from a seed notebook and the hand-derived gradients printed for it.

    Attributes:
        name: ``"<notebook key>.<example>"``, unique.
        notebook: the seed file it comes from.
        cells: the notebook cells the numbers come from.
        summary: what the example computes.
        inputs: every differentiable input of ``loss``, float64 arrays (0-d for a scalar).
        loss: ``loss(**inputs)``, the forward pass; works on floats and on ``Value`` arrays.
        true_grads: ``true_grads(**inputs)``, analytic gradients of ``loss`` (float only).
        hand: the printed hand-derived gradients, keyed by input name (a subset of ``inputs``).
        printed_loss: the loss as the notebook printed it, if it printed one.
        rtol, atol: tolerances under which the verdicts hold, chosen from the print precision.
        replay: recomputes the printed numbers (wrong ones included) from the exact inputs by the
            derivation the notebook used, keyed like ``hand``.
        replay_atol: how closely ``replay`` must match the printed numbers.
    """

    name: str
    notebook: str
    cells: str
    summary: str
    inputs: dict[str, FloatArray]
    loss: Callable[..., Any]
    true_grads: Callable[..., dict[str, FloatArray]]
    hand: dict[str, HandGradient]
    printed_loss: float | None = None
    rtol: float = 1e-6
    atol: float = 1e-8
    replay: Callable[[], dict[str, FloatArray]] | None = None
    replay_atol: float = 1e-8
    notes: str = ""


@dataclass(frozen=True)
class PrintedForward:
    """Forward-pass values a notebook printed, to check our forward pass against.

    Attributes:
        name: unique key.
        notebook: the seed file.
        trace: ``trace()`` returns our forward pass's intermediates by name.
        printed: the printed intermediates, keyed like ``trace()``.
        atol: print precision.
    """

    name: str
    notebook: str
    trace: Callable[[], dict[str, FloatArray]]
    printed: dict[str, FloatArray]
    atol: float = 1e-8


@dataclass(frozen=True)
class NotRebuilt:
    """Something a notebook printed that cannot be rebuilt with the same numbers, and why."""

    notebook: str
    cells: str
    printed: dict[str, Any]
    reason: str
    bug: str = ""


def arr(values: Any) -> FloatArray:
    return np.array(values, dtype=np.float64)


def verdict_grid(rows: Any) -> NDArray[np.str_]:
    return np.array(rows, dtype="<U5")


def every(verdict: str, shape: tuple[int, ...]) -> NDArray[np.str_]:
    return np.full(shape, verdict, dtype="<U5")


def np_sigmoid(x: Any) -> Any:
    return 1.0 / (1.0 + np.exp(-x))


def np_relu(x: Any) -> Any:
    return np.maximum(x, 0)


def softmax_by_row(z: Any) -> Any:
    """Softmax of each row (samples as rows), shifted by the row max."""
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def softmax_by_column(z: Any) -> Any:
    """Softmax down axis 0 (samples as columns, or one 1-D vector), without a max shift."""
    e = np.exp(z)
    return e / np.sum(e, axis=0, keepdims=True)


def softmax_vjp(p: FloatArray, g: FloatArray, axis: int) -> FloatArray:
    """dL/dz from dL/dp for p = softmax(z) along ``axis``: p * (g - sum(p * g))."""
    return np.asarray(p * (g - np.sum(p * g, axis=axis, keepdims=True)))


def softmax_jacobian(p: FloatArray) -> FloatArray:
    return np.asarray(np.diag(p) - np.outer(p, p))
