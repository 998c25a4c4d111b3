"""A small training loop: :func:`fit` runs epochs of minibatch steps and returns a History.

One step is: zero the gradients, run the model on every sample of the batch (building one
graph), compute the loss, ``backward()``, and let the optimizer update the parameters. A
``tqdm`` progress bar shows the epoch's loss and accuracy when output goes to a terminal or
a notebook (or when asked with ``progress=True``). :func:`evaluate` scores a model on data
without building a graph.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from .engine import topological_order
from .losses import binary_cross_entropy_with_logits, cross_entropy, hinge, mse
from .modes import no_grad
from .nn import Module
from .optim import Adam, Optimizer
from .value import Value

__all__ = ["LOSSES", "Evaluation", "History", "evaluate", "fit"]

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


@dataclass
class History:
    """What happened during :func:`fit`, one entry per epoch.

    Attributes:
        loss: mean training loss of each epoch (averaged over its samples).
        accuracy: training accuracy of each epoch, measured on the outputs the steps computed
            (so before each step's update); empty when there is no accuracy for the loss.
        lr: the learning rate at the end of each epoch.
        seconds: wall time of each epoch.
        steps: optimizer steps taken in all.
        nodes_per_step: graph nodes (values, leaves included) behind the first step's loss.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    steps: int = 0
    nodes_per_step: int = 0

    @property
    def epochs(self) -> int:
        """Epochs completed."""
        return len(self.loss)

    def as_dict(self) -> dict[str, Any]:
        """The history as plain lists and numbers (e.g. for JSON)."""
        return asdict(self)


@dataclass(frozen=True)
class Evaluation:
    """A model's mean loss and accuracy on some data (accuracy None when not defined)."""

    loss: float
    accuracy: float | None


def _in_notebook() -> bool:
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _progress_bar(enabled: bool | None, total: int, desc: str) -> Any:
    """A tqdm bar over epochs, or None when progress is off or nowhere to show it."""
    notebook = _in_notebook()
    if enabled is None:
        stream = sys.stderr
        enabled = notebook or (hasattr(stream, "isatty") and stream.isatty())
    if not enabled:
        return None
    # Imported here: tqdm is only needed when a bar is shown.
    if notebook:
        from tqdm.auto import tqdm
    else:
        from tqdm import tqdm
    return tqdm(total=total, desc=desc, unit="epoch", leave=True)


def _as_rows(X: npt.ArrayLike) -> list[list[float]]:
    try:
        array = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f"fit: X must be a 2-D array of numbers ({err})") from None
    if array.ndim != 2 or array.shape[0] == 0:
        raise ValueError(f"fit: X must be a non-empty 2-D array (samples x inputs), got shape "
                         f"{array.shape}")
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


def _run(model: Callable[..., Any], row: list[float]) -> list[Value]:
    out = model(row)
    if isinstance(out, Value):
        return [out]
    return list(out)


def _resolve_loss(loss: str | LossFunction) -> tuple[LossFunction, str | None]:
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"fit: unknown loss {loss!r}; use one of {', '.join(LOSSES)} "
                             "or a function (outputs, targets) -> Value")
        return LOSSES[loss], loss
    if not callable(loss):
        raise TypeError(f"fit: loss must be a name or a function, got {type(loss).__name__}")
    return loss, None


def fit(
    model: Callable[..., Any],
    X: npt.ArrayLike,
    y: npt.ArrayLike,
    *,
    loss: str | LossFunction = "cross_entropy",
    optimizer: Optimizer | None = None,
    epochs: int = 100,
    batch_size: int | None = None,
    shuffle: bool = True,
    seed: int = 0,
    progress: bool | None = None,
    accuracy: AccuracyFunction | None = None,
    callback: Callable[[int, History], bool | None] | None = None,
    desc: str = "training",
) -> History:
    """Train ``model`` on ``(X, y)`` and return the per-epoch history.

    Args:
        model: a :class:`~autograd_lite.nn.Module` (or any callable taking one sample's
            inputs and returning a Value or a list of them).
        X: inputs, shape (samples, inputs).
        y: targets, one per sample (class indices, 0/1 labels, numbers or rows).
        loss: ``"cross_entropy"``, ``"mse"``, ``"binary_cross_entropy_with_logits"``
            (``"bce"``), ``"hinge"`` (0/1 labels are mapped to -1/+1), or a function
            ``loss(outputs, targets) -> Value`` given the batch's outputs (one list per sample)
            and the matching slice of ``y``.
        optimizer: defaults to ``Adam(model.parameters(), lr=0.01)``.
        epochs: passes over the data.
        batch_size: samples per step; None means the whole data set (full batch).
        shuffle: visit samples in a new random order each epoch (minibatches only).
        seed: seed of that order.
        progress: show a tqdm bar with loss and accuracy. None (default) shows it when
            stderr is a terminal or inside a notebook; False never; True always.
        accuracy: ``accuracy(outputs_as_floats, targets) -> float``; by default argmax for
            cross-entropy and the sign of the single output for bce and hinge (none for mse).
        callback: called as ``callback(epoch, history)`` after every epoch; returning True
            stops training.
        desc: the progress bar's title.

    Returns:
        A :class:`History`.

    Example:
        >>> from autograd_lite.nn import MLP
        >>> from autograd_lite.datasets import xor
        >>> X, y = xor(40, noise=0.1, seed=0)
        >>> model = MLP(2, [8, 2], seed=0)
        >>> history = fit(model, X, y, epochs=60, progress=False)
        >>> history.accuracy[-1]
        1.0
    """
    rows = _as_rows(X)
    targets = _targets(y, len(rows))
    loss_fn, loss_name = _resolve_loss(loss)
    if loss_name == "hinge":
        targets = _labels_for_hinge(targets)
    score = accuracy if accuracy is not None else (
        _default_accuracy(loss_name) if loss_name else None
    )
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"fit: epochs must be a positive int, got {epochs!r}")
    n = len(rows)
    if batch_size is None:
        batch_size = n
    elif isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"fit: batch_size must be a positive int or None, got {batch_size!r}")
    nin = getattr(model, "nin", None)
    if isinstance(nin, int) and len(rows[0]) != nin:
        raise ValueError(f"fit: X has {len(rows[0])} columns but {model!r} takes {nin} inputs")
    if optimizer is None:
        if not isinstance(model, Module):
            raise TypeError("fit: pass optimizer= for a model that is not an nn.Module")
        optimizer = Adam(model.parameters(), lr=0.01)
    elif not isinstance(optimizer, Optimizer):
        raise TypeError(f"fit: optimizer must be an Optimizer, got {type(optimizer).__name__}")

    rng = np.random.default_rng(seed)
    history = History()
    bar = _progress_bar(progress, epochs, desc)
    try:
        for epoch in range(epochs):
            started = time.perf_counter()
            order = rng.permutation(n) if shuffle and batch_size < n else np.arange(n)
            total_loss = 0.0
            correct = 0.0
            for start in range(0, n, batch_size):
                index = order[start : start + batch_size]
                batch_targets = targets[index]
                optimizer.zero_grad()
                outputs = [_run(model, rows[i]) for i in index]
                value = loss_fn(outputs, batch_targets)
                if not isinstance(value, Value):
                    raise TypeError(f"fit: the loss returned {type(value).__name__}, not a Value")
                if history.steps == 0:
                    history.nodes_per_step = len(topological_order(value))
                value.backward()
                optimizer.step()
                history.steps += 1
                total_loss += value.data * len(index)
                if score is not None:
                    floats = [[v.data for v in out] for out in outputs]
                    correct += score(floats, batch_targets) * len(index)
            history.loss.append(total_loss / n)
            if score is not None:
                history.accuracy.append(correct / n)
            history.lr.append(optimizer.lr)
            history.seconds.append(time.perf_counter() - started)
            if bar is not None:
                shown = {"loss": f"{history.loss[-1]:.4f}"}
                if score is not None:
                    shown["acc"] = f"{history.accuracy[-1]:.3f}"
                bar.set_postfix(shown, refresh=False)
                bar.update(1)
            if not math.isfinite(history.loss[-1]):
                raise FloatingPointError(
                    f"fit: the loss became {history.loss[-1]!r} in epoch {epoch}; "
                    "try a smaller learning rate"
                )
            if callback is not None and callback(epoch, history):
                break
    finally:
        if bar is not None:
            bar.close()
    return history


def evaluate(
    model: Callable[..., Any],
    X: npt.ArrayLike,
    y: npt.ArrayLike,
    *,
    loss: str | LossFunction = "cross_entropy",
    accuracy: AccuracyFunction | None = None,
) -> Evaluation:
    """The model's mean loss and accuracy on ``(X, y)``, without building a graph.

    Args:
        model: as for :func:`fit`.
        X: inputs, shape (samples, inputs).
        y: targets.
        loss: as for :func:`fit`.
        accuracy: as for :func:`fit`.

    Returns:
        An :class:`Evaluation`.

    Example:
        >>> from autograd_lite.nn import MLP
        >>> result = evaluate(MLP(2, [3], seed=0), [[0.0, 1.0], [1.0, 0.0]], [0, 2])
        >>> result.accuracy is not None
        True
    """
    rows = _as_rows(X)
    targets = _targets(y, len(rows))
    loss_fn, loss_name = _resolve_loss(loss)
    if loss_name == "hinge":
        targets = _labels_for_hinge(targets)
    score = accuracy if accuracy is not None else (
        _default_accuracy(loss_name) if loss_name else None
    )
    with no_grad():
        outputs = [_run(model, row) for row in rows]
        value = loss_fn(outputs, targets)
    floats = [[v.data for v in out] for out in outputs]
    return Evaluation(
        loss=value.data, accuracy=score(floats, targets) if score is not None else None
    )

