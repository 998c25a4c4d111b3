"""fit's and evaluate's arguments checked: the data as rows and targets, the loss, the score.

:func:`prepare` turns ``(X, y, loss, accuracy)`` into a :class:`Plan`, raising a clear error
for data or a loss it cannot use; the training loop (:mod:`.training`) and the recorder of a
run (:mod:`.record`) both start from one. ``LOSSES`` holds the loss names ``fit`` accepts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..core.value import Value
from .losses import binary_cross_entropy_with_logits, cross_entropy, hinge, mse

__all__ = ["LOSSES", "AccuracyFunction", "LossFunction", "Outputs", "Plan", "prepare", "run_model"]

Outputs = list[list[Value]]
"""The model's outputs for a batch: one list of output nodes per sample."""
LossFunction = Callable[[Outputs, Any], Value]
AccuracyFunction = Callable[[list[list[float]], Any], float]

LOSSES: dict[str, LossFunction] = {
    "cross_entropy": cross_entropy,
    "mse": mse,
    "binary_cross_entropy_with_logits": binary_cross_entropy_with_logits,
    "bce": binary_cross_entropy_with_logits,
    "hinge": hinge,
}
"""Loss names :func:`fit` accepts (``"bce"`` is short for the logits form of binary CE)."""


def _as_rows(X: npt.ArrayLike) -> list[list[float]]:
    try:
        array = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f"fit: X must be a 2-D array of numbers ({err})") from None
    if array.ndim != 2 or array.shape[0] == 0:
        raise ValueError(
            f"fit: X must be a non-empty 2-D array (samples x inputs), got shape {array.shape}"
        )
    rows: list[list[float]] = array.tolist()
    return rows


def _targets(y: npt.ArrayLike, n: int) -> npt.NDArray[Any]:
    array = np.asarray(y)
    if array.ndim == 0 or len(array) != n:
        raise ValueError(f"fit: X has {n} samples but y has shape {array.shape}")
    if array.dtype.kind not in "biuf":
        raise TypeError(f"fit: y must hold numbers, got dtype {array.dtype}")
    return array


def _labels_for_hinge(y: npt.NDArray[Any]) -> npt.NDArray[Any]:
    values = set(np.unique(y).tolist())
    if values <= {0, 1}:
        return np.where(y > 0, 1.0, -1.0)
    if values <= {-1, 1}:
        return y.astype(np.float64)
    raise ValueError(f"fit: hinge needs labels 0/1 or -1/+1, got {sorted(values)[:6]}")


def _default_accuracy(loss: str) -> AccuracyFunction | None:
    if loss == "cross_entropy":
        return _argmax_accuracy
    if loss in ("binary_cross_entropy_with_logits", "bce"):
        return lambda out, y: _sign_accuracy(out, y, threshold=0.5)
    if loss == "hinge":
        return lambda out, y: _sign_accuracy(out, y, threshold=0.0)
    return None


def _argmax_accuracy(outputs: list[list[float]], y: Any) -> float:
    predicted = np.argmax(np.asarray(outputs), axis=1)
    labels = np.asarray(y)
    if labels.ndim == 2:  # one-hot or probability rows
        labels = np.argmax(labels, axis=1)
    return float(np.mean(predicted == labels))


def _sign_accuracy(outputs: list[list[float]], y: Any, threshold: float) -> float:
    scores = np.asarray(outputs, dtype=np.float64).reshape(len(outputs), -1)[:, 0]
    labels = np.asarray(y, dtype=np.float64).reshape(len(outputs), -1)[:, 0]
    return float(np.mean((scores > 0) == (labels > threshold)))


def run_model(model: Callable[..., Any], row: list[float]) -> list[Value]:
    out = model(row)
    if isinstance(out, Value):
        return [out]
    return list(out)


def _resolve_loss(loss: str | LossFunction) -> tuple[LossFunction, str | None]:
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(
                f"fit: unknown loss {loss!r}; use one of {', '.join(LOSSES)} "
                "or a function (outputs, targets) -> Value"
            )
        return LOSSES[loss], loss
    if not callable(loss):
        raise TypeError(f"fit: loss must be a name or a function, got {type(loss).__name__}")
    return loss, None


@dataclass
class Plan:
    """fit's checked arguments: the data as rows and targets, the loss, and how to score."""

    rows: list[list[float]]
    targets: npt.NDArray[Any]
    loss_fn: LossFunction
    loss_name: str | None
    score: AccuracyFunction | None


def prepare(
    X: npt.ArrayLike,
    y: npt.ArrayLike,
    loss: str | LossFunction,
    accuracy: AccuracyFunction | None,
) -> Plan:
    """Check the data and the loss (shared by :func:`fit` and :func:`evaluate`)."""
    rows = _as_rows(X)
    targets = _targets(y, len(rows))
    loss_fn, loss_name = _resolve_loss(loss)
    if loss_name == "hinge":
        targets = _labels_for_hinge(targets)
    if accuracy is None and loss_name is not None:
        accuracy = _default_accuracy(loss_name)
    return Plan(rows, targets, loss_fn, loss_name, accuracy)
