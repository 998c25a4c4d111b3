"""plot: history curves, decision regions, and the message when matplotlib is missing."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from autograd_lite import Value
from autograd_lite.nn import MLP, Neuron
from autograd_lite.plot import plot_decision_boundary, plot_history
from autograd_lite.training import History

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def test_history_with_accuracy_has_two_panels_with_the_numbers(tmp_path: Path) -> None:
    history = History(loss=[1.0, 0.5, 0.25], accuracy=[0.5, 0.75, 1.0])
    fig = plot_history(history, title="run")
    loss_ax, acc_ax = fig.axes
    assert loss_ax.lines[0].get_ydata().tolist() == [1.0, 0.5, 0.25]
    assert loss_ax.lines[0].get_xdata().tolist() == [1, 2, 3]
    assert acc_ax.lines[0].get_ydata().tolist() == [0.5, 0.75, 1.0]
    assert fig._suptitle.get_text() == "run"
    fig.savefig(tmp_path / "h.png")
    assert (tmp_path / "h.png").read_bytes().startswith(PNG_SIGNATURE)


def test_history_without_accuracy_and_from_a_dict() -> None:
    fig = plot_history({"loss": [3.0, 2.0]})
    assert len(fig.axes) == 1 and fig.axes[0].lines[0].get_ydata().tolist() == [3.0, 2.0]
    fig = plot_history(History(loss=[1.0], accuracy=[]).as_dict())
    assert len(fig.axes) == 1


def test_several_runs_get_one_line_each_and_a_legend() -> None:
    runs = {
        "a": History(loss=[1.0, 0.1], accuracy=[0.2, 0.9]),
        "b": History(loss=[2.0, 1.0], accuracy=[0.1, 0.5]),
    }
    fig = plot_history(runs)
    assert [line.get_label() for line in fig.axes[0].lines] == ["a", "b"]
    assert fig.axes[0].get_legend() is not None


def test_bad_history_input_is_named() -> None:
    with pytest.raises(TypeError, match="expected a History"):
        plot_history([1.0, 2.0])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="empty mapping"):
        plot_history({})


def _region_colours(fig: object) -> np.ndarray:
    """The class drawn at each grid point: contourf's filled levels, read back from the plot."""
    ax = fig.axes[0]  # type: ignore[attr-defined]
    return np.asarray(ax.collections[0].get_array())


def test_decision_boundary_of_a_known_linear_model(tmp_path: Path) -> None:
    # score = x0: class 1 exactly on the right half-plane
    neuron = Neuron(2, activation="linear", seed=0)
    neuron.w[0].data, neuron.w[1].data, neuron.b.data = 1.0, 0.0, 0.0
    X = np.array([[-1.0, 0.0], [1.0, 0.0], [-0.5, 1.0], [0.5, -1.0]])
    y = np.array([0, 1, 1, 1])  # one point on the wrong side
    fig = plot_decision_boundary(neuron, X, y, resolution=20)
    ax = fig.axes[0]
    assert ax.get_title() == "decision regions (accuracy 75.0%)"
    scatter = ax.collections[-1]
    assert scatter.get_offsets().tolist() == X.tolist()
    assert scatter.get_array().tolist() == [0, 1, 1, 1]
    assert sorted(set(_region_colours(fig).tolist())) == [0.0, 1.0]
    fig.savefig(tmp_path / "b.png")
    assert (tmp_path / "b.png").read_bytes().startswith(PNG_SIGNATURE)


def test_multiclass_regions_and_a_plain_function_model_agree_with_the_module() -> None:
    model = MLP(2, [6, 3], seed=2)
    X = np.random.default_rng(0).normal(size=(30, 2))
    y = np.argmax(model.forward_array(X), axis=1)  # the model's own labels: 100% accuracy
    fig = plot_decision_boundary(model, X, y, resolution=15, title="mine")
    assert fig.axes[0].get_title() == "mine"

    def as_function(row: list[float]) -> list[Value]:
        return model(row)

    fig2 = plot_decision_boundary(as_function, X, y, resolution=15)
    assert fig2.axes[0].get_title() == "decision regions (accuracy 100.0%)"


def test_minus_one_plus_one_labels_and_sigmoid_threshold() -> None:
    model = MLP(2, [4, 1], output_activation="sigmoid", seed=0)
    X = np.random.default_rng(1).normal(size=(20, 2))
    probs = model.forward_array(X)[:, 0]
    labels = np.where(probs > 0.5, 1, -1)
    fig = plot_decision_boundary(model, X, labels, resolution=10)
    assert fig.axes[0].get_title() == "decision regions (accuracy 100.0%)"


def test_drawing_into_given_axes() -> None:
    fig, (left, right) = plt.subplots(1, 2)
    out = plot_decision_boundary(
        MLP(2, [1], seed=0), [[0.0, 0.0], [1.0, 1.0]], [0, 1], ax=right, resolution=5
    )
    assert out is fig and right.collections and not left.collections


@pytest.mark.parametrize(
    ("X", "y", "kwargs", "message"),
    [
        (np.zeros((3, 3)), [0, 1, 0], {}, r"X must have shape \(samples, 2\)"),
        (np.zeros((3, 2)), [0, 1], {}, "3 points but 2 labels"),
        (np.zeros((3, 2)), [0, 1, 0], {"resolution": 1}, "resolution must be an int >= 2"),
    ],
)
def test_decision_boundary_bad_input(
    X: np.ndarray, y: list[int], kwargs: dict[str, int], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        plot_decision_boundary(MLP(2, [1], seed=0), X, y, **kwargs)  # type: ignore[arg-type]


def test_missing_matplotlib_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    # A None entry in sys.modules makes the import fail, as when matplotlib is not installed.
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install autograd_lite\[plot\]"):
        plot_history(History(loss=[1.0]))
    with pytest.raises(ImportError, match=r"pip install autograd_lite\[plot\]"):
        plot_decision_boundary(MLP(2, [1], seed=0), [[0.0, 0.0]], [0])
