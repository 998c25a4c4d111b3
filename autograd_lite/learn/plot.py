"""Figures of training: loss/accuracy curves and a classifier's decision regions (matplotlib).

matplotlib is an optional extra: ``pip install autograd_lite[plot]``. Without it, calling a
function here raises an ImportError that says so; importing this module always works.
Every function returns the matplotlib ``Figure`` (save it with ``fig.savefig(path)``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from ..core.modes import no_grad
from ..core.value import Value
from .nn import Module
from .training import History

__all__ = ["plot_decision_boundary", "plot_history"]

INSTALL_HINT = "pip install autograd_lite[plot]"


def _pyplot() -> Any:
    """matplotlib.pyplot, or an ImportError that says how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise ImportError(
            f"autograd_lite.plot needs matplotlib, which is not installed: {INSTALL_HINT} "
            "(or pip install matplotlib)"
        ) from err
    return plt


def _histories(history: Any) -> dict[str, dict[str, list[float]]]:
    """Normalise the accepted inputs to {name: {"loss": [...], "accuracy": [...]}}."""
    if isinstance(history, History):
        return {"": {"loss": history.loss, "accuracy": history.accuracy}}
    if isinstance(history, Mapping):
        if "loss" in history and not isinstance(history["loss"], History | Mapping):
            accuracy = list(history.get("accuracy", []))
            return {"": {"loss": list(history["loss"]), "accuracy": accuracy}}
        out: dict[str, dict[str, list[float]]] = {}
        for name, item in history.items():
            inner = _histories(item)
            if len(inner) != 1:
                raise TypeError(f"plot_history: entry {name!r} must be one History, not several")
            out[str(name)] = next(iter(inner.values()))
        if not out:
            raise ValueError("plot_history: got an empty mapping")
        return out
    raise TypeError(
        "plot_history: expected a History, a dict with a 'loss' list, or a dict of "
        f"name -> History; got {type(history).__name__}"
    )


def plot_history(history: History | Mapping[str, Any], *, title: str | None = None) -> Any:
    """Loss per epoch and, when recorded, accuracy per epoch, side by side.

    Args:
        history: a :class:`~autograd_lite.training.History`, its ``as_dict()``, or a mapping
            ``name -> History`` to compare several runs (one line each, with a legend).
        title: a title over the figure.

    Returns:
        The matplotlib Figure.

    Example:
        >>> from autograd_lite.training import History
        >>> fig = plot_history(History(loss=[1.0, 0.5], accuracy=[0.5, 0.9]))  # doctest: +SKIP
        >>> fig.savefig("history.png")                                         # doctest: +SKIP
    """
    runs = _histories(history)
    plt = _pyplot()
    with_accuracy = any(run["accuracy"] for run in runs.values())
    fig, axes = plt.subplots(
        1, 2 if with_accuracy else 1, figsize=(10 if with_accuracy else 5.5, 4)
    )
    axes = list(np.atleast_1d(axes))
    for name, run in runs.items():
        epochs = np.arange(1, len(run["loss"]) + 1)
        axes[0].plot(epochs, run["loss"], label=name or None)
        if with_accuracy and run["accuracy"]:
            epochs = np.arange(1, len(run["accuracy"]) + 1)
            axes[1].plot(epochs, run["accuracy"], label=name or None)
    axes[0].set(xlabel="epoch", ylabel="loss", title="training loss")
    if with_accuracy:
        axes[1].set(xlabel="epoch", ylabel="accuracy", title="training accuracy", ylim=(0, 1.02))
    for ax in axes:
        ax.grid(alpha=0.3)
        if len(runs) > 1:
            ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def _outputs(model: Callable[..., Any], points: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    if isinstance(model, Module):
        return model.forward_array(points)
    rows = []
    with no_grad():
        for p in points.tolist():
            out = model(p)
            values = [out] if isinstance(out, Value) else list(out)
            rows.append([v.data if isinstance(v, Value) else float(v) for v in values])
    return np.asarray(rows, dtype=np.float64).reshape(len(points), -1)


def _classes(outputs: npt.NDArray[np.float64], threshold: float) -> npt.NDArray[np.int64]:
    if outputs.shape[1] == 1:
        return (outputs[:, 0] > threshold).astype(np.int64)
    classes: npt.NDArray[np.int64] = np.argmax(outputs, axis=1).astype(np.int64)
    return classes


def plot_decision_boundary(
    model: Callable[..., Any],
    X: npt.ArrayLike,
    y: npt.ArrayLike,
    *,
    ax: Any = None,
    resolution: int = 200,
    padding: float = 0.25,
    threshold: float | None = None,
    title: str | None = None,
) -> Any:
    """The regions of the plane a 2-input classifier assigns to each class, with the data.

    The model is evaluated on a ``resolution`` x ``resolution`` grid covering the data (an
    :class:`~autograd_lite.nn.MLP` in one vectorised numpy pass, other models point by
    point without building a graph). One output is read as a score (class 1 where it is
    above ``threshold``), several as one score per class (the largest wins).

    Args:
        model: a Module or any callable taking ``[x0, x1]``.
        X: the points, shape (samples, 2).
        y: their labels (0/1 or -1/+1 for one output, class indices for several).
        ax: a matplotlib Axes to draw into; a new figure when None.
        resolution: grid points per side.
        padding: margin around the data, as a fraction of its range.
        threshold: decision threshold of a one-output model; 0.5 when the model's output
            activation is sigmoid, else 0.
        title: the plot title; by default the accuracy on (X, y).

    Returns:
        The matplotlib Figure.

    Example:
        >>> from autograd_lite.nn import MLP
        >>> from autograd_lite.datasets import make_moons
        >>> X, y = make_moons(50, seed=0)
        >>> fig = plot_decision_boundary(MLP(2, [8, 1], seed=0), X, y)   # doctest: +SKIP
    """
    points = np.asarray(X, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
        raise ValueError(
            f"plot_decision_boundary: X must have shape (samples, 2), got {points.shape}"
        )
    labels = np.asarray(y).reshape(-1)
    if len(labels) != len(points):
        raise ValueError(f"plot_decision_boundary: {len(points)} points but {len(labels)} labels")
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
        raise ValueError(
            f"plot_decision_boundary: resolution must be an int >= 2, got {resolution!r}"
        )
    if threshold is None:
        threshold = 0.5 if getattr(model, "output_activation", None) == "sigmoid" else 0.0
    plt = _pyplot()

    low, high = points.min(axis=0), points.max(axis=0)
    margin = padding * np.maximum(high - low, 1e-9)
    xs = np.linspace(low[0] - margin[0], high[0] + margin[0], resolution)
    ys = np.linspace(low[1] - margin[1], high[1] + margin[1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    grid_out = _outputs(model, grid)
    regions = _classes(grid_out, threshold).reshape(gx.shape)
    predicted = _classes(_outputs(model, points), threshold)
    # -1/+1 labels of a one-output model are shown as classes 0/1.
    truth = (labels > 0).astype(np.int64) if grid_out.shape[1] == 1 else labels.astype(np.int64)
    accuracy = float(np.mean(predicted == truth))

    n_classes = int(max(grid_out.shape[1], 2, regions.max() + 1, truth.max() + 1))
    from matplotlib.colors import ListedColormap

    colors = plt.get_cmap("tab10").colors[:n_classes]
    cmap = ListedColormap(colors)
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.5, 5))
    else:
        fig = ax.figure
    ax.contourf(gx, gy, regions, levels=np.arange(n_classes + 1) - 0.5, cmap=cmap, alpha=0.3)
    ax.scatter(
        points[:, 0],
        points[:, 1],
        c=truth,
        cmap=cmap,
        vmin=-0.5,
        vmax=n_classes - 0.5,
        s=18,
        edgecolors="black",
        linewidths=0.5,
    )
    ax.set(xlim=(xs[0], xs[-1]), ylim=(ys[0], ys[-1]), xlabel="x0", ylabel="x1")
    ax.set_title(title if title is not None else f"decision regions (accuracy {accuracy:.1%})")
    fig.tight_layout()
    return fig
