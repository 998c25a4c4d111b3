"""training: fit's steps and history, progress bar switching, callbacks, evaluate, bad input."""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest

from autograd_lite import Value, is_grad_enabled
from autograd_lite.datasets import blobs, make_moons, xor
from autograd_lite.engine import topological_order
from autograd_lite.losses import cross_entropy, hinge
from autograd_lite.nn import MLP
from autograd_lite.optim import SGD, Adam
from autograd_lite.training import History, evaluate, fit


def test_fit_learns_xor_and_records_one_entry_per_epoch() -> None:
    X, y = xor(40, noise=0.1, seed=0)
    model = MLP(2, [8, 2], seed=0)
    history = fit(model, X, y, epochs=60, progress=False)
    assert history.epochs == 60 and history.steps == 60
    assert len(history.accuracy) == len(history.lr) == len(history.seconds) == 60
    assert history.loss[-1] < 0.5 * history.loss[0]
    assert history.accuracy[-1] == 1.0
    assert evaluate(model, X, y).accuracy == 1.0


def test_one_full_batch_step_equals_the_manual_step() -> None:
    X, y = blobs(12, centers=3, std=1.0, seed=0)
    a, b = MLP(2, [4, 3], seed=1), MLP(2, [4, 3], seed=1)
    history = fit(a, X, y, optimizer=SGD(a.parameters(), lr=0.1), epochs=1, progress=False)

    outputs = [b(row) for row in X.tolist()]
    loss = cross_entropy(outputs, y)
    assert history.nodes_per_step == len(topological_order(loss))
    accuracy = np.mean(np.argmax([[v.data for v in o] for o in outputs], axis=1) == y)
    assert history.loss == [loss.data] and history.accuracy == [accuracy]
    loss.backward()
    SGD(b.parameters(), lr=0.1).step()
    assert a.state_dict() == b.state_dict()


def test_minibatches_count_steps_and_weight_the_epoch_loss() -> None:
    X, y = blobs(10, centers=2, seed=0)
    model = MLP(2, [3, 2], seed=0)
    seen: list[int] = []

    def loss(outputs: list[list[Value]], targets: np.ndarray) -> Value:
        seen.append(len(outputs))
        return cross_entropy(outputs, targets)

    history = fit(model, X, y, loss=loss, batch_size=4, epochs=2, progress=False)
    assert seen == [4, 4, 2, 4, 4, 2] and history.steps == 6
    assert history.accuracy == []  # a custom loss has no default accuracy


def test_fit_is_deterministic_for_fixed_seeds() -> None:
    X, y = make_moons(30, seed=0)
    runs = []
    for _ in range(2):
        model = MLP(2, [6, 1], seed=3)
        fit(model, X, y, loss="bce", batch_size=8, epochs=3, seed=5, progress=False)
        runs.append(model.state_dict())
    assert runs[0] == runs[1]


def test_hinge_maps_zero_one_labels_and_reports_accuracy() -> None:
    X, y = make_moons(40, noise=0.05, seed=0)
    model = MLP(2, [8, 8, 1], seed=0)
    history = fit(model, X, y, loss="hinge", optimizer=Adam(model.parameters(), lr=0.05),
                  epochs=60, progress=False)
    assert history.accuracy[-1] >= 0.95
    # the same loss by hand with -1/+1 labels
    outputs = [model(row) for row in X.tolist()]
    assert evaluate(model, X, y, loss="hinge").loss == hinge(outputs, 2 * y - 1).data


def test_mse_has_no_accuracy_and_a_custom_accuracy_is_used() -> None:
    X = np.array([[0.0, 1.0], [1.0, 0.0]])
    y = np.array([1.0, -1.0])
    history = fit(MLP(2, [1], seed=0), X, y, loss="mse", epochs=2, progress=False)
    assert history.accuracy == []
    history = fit(MLP(2, [1], seed=0), X, y, loss="mse", epochs=2, progress=False,
                  accuracy=lambda outputs, targets: 0.25)
    assert history.accuracy == [0.25, 0.25]


def test_callback_sees_each_epoch_and_can_stop() -> None:
    X, y = xor(8, noise=0.0)
    calls: list[int] = []

    def callback(epoch: int, history: History) -> bool:
        calls.append(epoch)
        return history.epochs == 3

    history = fit(MLP(2, [4, 2], seed=0), X, y, epochs=50, progress=False, callback=callback)
    assert calls == [0, 1, 2] and history.epochs == 3


def test_progress_bar_shows_loss_and_accuracy_only_when_asked(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    X, y = xor(8, noise=0.0)
    fit(MLP(2, [4, 2], seed=0), X, y, epochs=2, progress=False)
    fit(MLP(2, [4, 2], seed=0), X, y, epochs=2)  # stderr is captured: not a terminal
    assert capsys.readouterr().err == ""

    fit(MLP(2, [4, 2], seed=0), X, y, epochs=2, progress=True, desc="xor")
    err = capsys.readouterr().err
    assert "xor" in err and "loss=" in err and "acc=" in err and "2/2" in err

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    fit(MLP(2, [4, 2], seed=0), X, y, epochs=2)
    assert "loss=" in terminal.getvalue()


def test_evaluate_matches_the_loss_and_accuracy_and_records_no_graph() -> None:
    X, y = blobs(9, centers=3, seed=0)
    model = MLP(2, [3], seed=0)
    recording: list[bool] = []

    def watched(row: list[float]) -> list[Value]:
        recording.append(is_grad_enabled())
        return model(row)

    result = evaluate(watched, X, y)
    outputs = [model(row) for row in X.tolist()]
    assert result.loss == cross_entropy(outputs, y).data
    assert result.accuracy == np.mean(np.argmax([[v.data for v in o] for o in outputs], 1) == y)
    assert recording == [False] * 9


def test_a_non_finite_loss_stops_training_with_a_clear_error() -> None:
    X, y = xor(8, noise=0.0)
    model = MLP(2, [2, 1], seed=0)
    before = model.state_dict()

    def broken(outputs: list[list[Value]], targets: np.ndarray) -> Value:
        return outputs[0][0] * float("nan")

    with pytest.raises(ValueError, match="is nan; no parameter was updated"):
        fit(model, X, y, loss=broken, epochs=3, progress=False)
    assert model.state_dict() == before


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"X": np.zeros((4, 3))}, ValueError, "X has 3 columns but MLP"),
        ({"X": np.zeros(4)}, ValueError, "X must be a non-empty 2-D array"),
        ({"X": [["a", "b"]]}, TypeError, "X must be a 2-D array of numbers"),
        ({"y": np.zeros(3)}, ValueError, r"X has 4 samples but y has shape \(3,\)"),
        ({"y": np.array(["a"] * 4)}, TypeError, "y must hold numbers"),
        ({"epochs": 0}, ValueError, "epochs must be a positive int"),
        ({"batch_size": 0}, ValueError, "batch_size must be a positive int or None"),
        ({"loss": "l1"}, ValueError, "unknown loss 'l1'"),
        ({"loss": 3}, TypeError, "loss must be a name or a function"),
        ({"optimizer": "adam"}, TypeError, "optimizer must be an Optimizer"),
        ({"loss": "hinge", "y": np.array([0, 1, 2, 1])}, ValueError, "hinge needs labels 0/1"),
    ],
)
def test_bad_arguments_are_named(
    kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    args: dict[str, object] = {"X": np.zeros((4, 2)), "y": np.array([0, 1, 1, 0]),
                               "progress": False, "epochs": 1}
    args.update(kwargs)
    X, y = args.pop("X"), args.pop("y")
    with pytest.raises(error, match=message):
        fit(MLP(2, [2], seed=0), X, y, **args)  # type: ignore[arg-type]


def test_a_plain_function_model_needs_an_optimizer() -> None:
    w = Value(0.5)

    def model(row: list[float]) -> Value:
        return w * row[0]

    with pytest.raises(TypeError, match="pass optimizer="):
        fit(model, [[1.0]], [1.0], loss="mse", progress=False)
    history = fit(model, [[1.0]], [1.0], loss="mse", optimizer=SGD([w], lr=0.25), epochs=1,
                  progress=False)
    assert history.loss == [0.25] and w.data == 0.75  # grad 2 (0.5 - 1) = -1
