"""training: fit's steps and history, progress bar switching, callbacks, evaluate, bad input."""

from __future__ import annotations

import io
import sys
import types
from typing import Any

import numpy as np
import pytest

from autograd_lite import Value, is_grad_enabled
from autograd_lite.core.engine import topological_order
from autograd_lite.core.errors import TracingError
from autograd_lite.datasets import blobs, make_moons, xor
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
    history = fit(
        model,
        X,
        y,
        loss="hinge",
        optimizer=Adam(model.parameters(), lr=0.05),
        epochs=60,
        progress=False,
    )
    assert history.accuracy[-1] >= 0.95
    # the same loss by hand with -1/+1 labels
    outputs = [model(row) for row in X.tolist()]
    assert evaluate(model, X, y, loss="hinge").loss == hinge(outputs, 2 * y - 1).data


def test_mse_has_no_accuracy_and_a_custom_accuracy_is_used() -> None:
    X = np.array([[0.0, 1.0], [1.0, 0.0]])
    y = np.array([1.0, -1.0])
    history = fit(MLP(2, [1], seed=0), X, y, loss="mse", epochs=2, progress=False)
    assert history.accuracy == []
    history = fit(
        MLP(2, [1], seed=0),
        X,
        y,
        loss="mse",
        epochs=2,
        progress=False,
        accuracy=lambda outputs, targets: 0.25,
    )
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
    args: dict[str, object] = {
        "X": np.zeros((4, 2)),
        "y": np.array([0, 1, 1, 0]),
        "progress": False,
        "epochs": 1,
    }
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
    history = fit(
        model, [[1.0]], [1.0], loss="mse", optimizer=SGD([w], lr=0.25), epochs=1, progress=False
    )
    assert history.loss == [0.25] and w.data == 0.75  # grad 2 (0.5 - 1) = -1


# --------------------------------------------------------------------------- compile=True


def _train_both(
    loss: str,
    X: np.ndarray,
    y: np.ndarray,
    sizes: list[int],
    *,
    batch_size: int | None,
    epochs: int = 3,
    make_optimizer: Any = None,
) -> tuple[History, History, np.ndarray, np.ndarray]:
    """The same training with compile=False and compile=True: histories and parameters."""
    results = []
    for compiled in (False, True):
        model = MLP(2, sizes, seed=1)
        optimizer = (make_optimizer or (lambda ps: Adam(ps, lr=0.02)))(model.parameters())
        history = fit(
            model,
            X,
            y,
            loss=loss,
            optimizer=optimizer,
            epochs=epochs,
            batch_size=batch_size,
            seed=4,
            progress=False,
            compile=compiled,
        )
        results.append((history, np.array([p.data for p in model.parameters()])))
    (slow, before), (fast, after) = results
    return slow, fast, before, after


def _assert_same_training(slow: History, fast: History, a: np.ndarray, b: np.ndarray) -> None:
    assert slow.path == "interpreter" and fast.path == "compiled"
    assert fast.steps == slow.steps and fast.epochs == slow.epochs
    np.testing.assert_allclose(fast.loss, slow.loss, rtol=1e-9, atol=0)
    np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-12)
    assert fast.accuracy == slow.accuracy


MOONS_X, MOONS_Y = make_moons(23, noise=0.1, seed=0)
BLOBS_X, BLOBS_Y = blobs(13, centers=3, seed=0)
TWO_COLUMNS = np.stack([MOONS_Y, 1 - MOONS_Y], axis=1)


@pytest.mark.parametrize(
    ("loss", "X", "y", "sizes", "batch_size"),
    [
        ("cross_entropy", BLOBS_X, BLOBS_Y, [5, 3], 4),  # class indices; batches 4,4,4,1
        ("cross_entropy", BLOBS_X, np.eye(3)[BLOBS_Y] * 0.7 + 0.1, [5, 3], 5),  # soft rows
        ("hinge", MOONS_X, MOONS_Y, [6, 1], 4),  # 0/1 labels mapped to -1/+1
        ("hinge", MOONS_X, 2 * TWO_COLUMNS - 1, [6, 2], 5),
        ("bce", MOONS_X, MOONS_Y, [6, 1], 7),
        ("binary_cross_entropy_with_logits", MOONS_X, TWO_COLUMNS * 0.8 + 0.1, [6, 2], 6),
        ("mse", MOONS_X, MOONS_Y.astype(float), [6, 1], 5),
        ("mse", MOONS_X, TWO_COLUMNS.astype(float), [6, 2], None),
    ],
)
def test_compiled_training_equals_the_interpreter_for_every_loss(
    loss: str, X: np.ndarray, y: np.ndarray, sizes: list[int], batch_size: int | None
) -> None:
    slow, fast, a, b = _train_both(loss, X, y, sizes, batch_size=batch_size)
    _assert_same_training(slow, fast, a, b)
    assert fast.nodes_per_step == 0 and fast.ops_per_sample > 0 and fast.compile_seconds > 0
    assert slow.nodes_per_step > 0 and slow.ops_per_sample == 0


def test_compiled_training_equals_the_interpreter_with_sgd_momentum_over_many_steps() -> None:
    slow, fast, a, b = _train_both(
        "cross_entropy",
        BLOBS_X,
        BLOBS_Y,
        [6, 6, 3],
        batch_size=5,
        epochs=8,
        make_optimizer=lambda ps: SGD(ps, lr=0.1, momentum=0.9),
    )
    assert fast.steps == 24  # three batches per epoch: 5, 5 and the short last one of 3
    _assert_same_training(slow, fast, a, b)


def test_compiled_training_reaches_the_same_accuracy_as_the_docstring_example() -> None:
    X, y = xor(40, noise=0.1, seed=0)
    model = MLP(2, [8, 2], seed=0)
    history = fit(model, X, y, epochs=60, progress=False, compile=True)
    assert history.accuracy[-1] == 1.0 and evaluate(model, X, y).accuracy == 1.0


def test_compiled_cross_entropy_follows_logits_far_from_the_traced_ones() -> None:
    # The interpreter shifts by max(logits) on every call; compiled code must not freeze the
    # shift seen at tracing (sample 0 has logits near 0, the others near +-3000).
    X = np.array([[0.001, 0.0], [3.0, 1.0], [-3.0, 0.5], [2.5, -1.0]])
    y = np.array([0, 1, 0, 2])
    slow, fast, a, b = _train_both(
        "cross_entropy",
        X * 1000.0,
        y,
        [3],
        batch_size=None,
        make_optimizer=lambda ps: SGD(ps, lr=1e-4),
    )
    assert all(np.isfinite(fast.loss)) and fast.loss[0] > 100
    _assert_same_training(slow, fast, a, b)


def test_compiled_bce_gradient_at_a_zero_logit_is_sigmoid_minus_target() -> None:
    # softplus'(0) = 0.5 exactly: the branch-free softplus must not lose it at the kink of
    # its relu. With w = 0 every logit is 0 and the gradient is mean((0.5 - t) * x).
    X = np.array([[1.0], [2.0], [3.0]])
    y = np.array([1.0, 0.0, 1.0])
    grads = []
    for compiled in (False, True):
        w = Value(0.0)
        fit(
            lambda row, w=w: w * row[0],
            X,
            y,
            loss="bce",
            optimizer=SGD([w], lr=1.0),
            epochs=1,
            progress=False,
            compile=compiled,
        )
        grads.append(-w.data)  # one SGD step with lr 1 from 0: w = -grad
    expected = float(np.mean((0.5 - y) * X[:, 0]))
    assert grads[0] == pytest.approx(expected, rel=1e-12)
    assert grads[1] == pytest.approx(expected, rel=1e-12)


def test_a_plain_function_model_trains_compiled_through_its_optimizer_parameters() -> None:
    X, y = make_moons(15, seed=2)
    results = []
    for compiled in (False, True):
        w = [Value(0.3), Value(-0.2)]
        b = Value(0.1)

        def model(row: list[float], w: list[Value] = w, b: Value = b) -> Value:
            return (w[0] * row[0] + w[1] * row[1] + b).tanh()

        history = fit(
            model,
            X,
            y,
            loss="mse",
            optimizer=SGD([*w, b], lr=0.3),
            epochs=4,
            batch_size=4,
            progress=False,
            compile=compiled,
        )
        results.append((history.loss, [v.data for v in (*w, b)]))
    (loss_a, params_a), (loss_b, params_b) = results
    np.testing.assert_allclose(loss_b, loss_a, rtol=1e-9)
    np.testing.assert_allclose(params_b, params_a, rtol=1e-9)


def test_compiled_training_of_some_parameters_matches_the_interpreter_on_all_of_them() -> None:
    # Parameters outside the optimizer are read live and still collect gradients (never
    # zeroed by the optimizer), as loss.backward() does; batches of one sample work too.
    X = np.array([[0.1, 0.2], [0.3, -0.1], [1.0, 2.0]])
    y = np.array([0, 1, 1])
    results = []
    for compiled in (False, True):
        model = MLP(2, [3, 2], seed=0)
        trained = model.parameters()[3:]
        fit(
            model,
            X,
            y,
            optimizer=SGD(trained, lr=0.1),
            batch_size=1,
            epochs=2,
            progress=False,
            compile=compiled,
        )
        results.append([(p.data, p.grad) for p in model.parameters()])
    np.testing.assert_allclose(results[1], results[0], rtol=1e-9, atol=1e-15)
    assert results[1][0][1] != 0.0  # a frozen weight's accumulated gradient


def test_compile_with_a_custom_loss_function_is_a_clear_error_that_changes_nothing() -> None:
    X, y = blobs(6, centers=2, seed=0)
    model = MLP(2, [3, 2], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"compile=True needs a loss name .*compile=False"):
        fit(model, X, y, loss=cross_entropy, epochs=1, progress=False, compile=True)
    assert model.state_dict() == before


def test_a_model_that_decides_on_values_cannot_be_compiled() -> None:
    w = Value(0.5)

    def model(row: list[float]) -> Value:
        z = w * row[0]
        return z if z > 0 else -z  # a Python branch on a Value: nothing to compile

    with pytest.raises(TracingError, match=r"fit\(compile=True\).*compile=False"):
        fit(
            model,
            [[1.0], [2.0]],
            [1.0, 0.0],
            loss="mse",
            optimizer=SGD([w], lr=0.1),
            progress=False,
            compile=True,
        )
    assert w.data == 0.5 and w.grad == 0.0


@pytest.mark.parametrize(
    ("loss", "y", "outputs", "message"),
    [
        ("cross_entropy", np.array([0, 1, 3, 1]), 2, "target\\[2\\] is class 3"),
        ("cross_entropy", np.array([0, 1, 0.5, 1]), 2, "not a whole class index"),
        ("bce", np.array([0, 1, 2, 1]), 1, "target 2 is 2.0, not in \\[0, 1\\]"),
        ("mse", np.zeros((4, 3)), 2, "8 predictions but 12 targets"),
    ],
)
def test_compiled_path_rejects_targets_like_the_interpreter(
    loss: str, y: np.ndarray, outputs: int, message: str
) -> None:
    X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.5, 0.5]])
    for compiled in (False, True):
        model = MLP(2, [outputs], seed=0)
        before = model.state_dict()
        with pytest.raises(ValueError, match=message):
            fit(model, X, y, loss=loss, epochs=1, progress=False, compile=compiled)
        assert model.state_dict() == before


def test_compile_must_be_a_bool() -> None:
    with pytest.raises(TypeError, match="compile must be True or False"):
        fit(MLP(2, [2], seed=0), [[0.0, 1.0]], [1], progress=False, compile="yes")  # type: ignore[arg-type]


def test_a_notebook_without_ipywidgets_gets_the_text_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    import tqdm

    from autograd_lite import training

    monkeypatch.setattr(training, "_in_notebook", lambda: True)
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "ipywidgets" else real_find_spec(name, *a),
    )
    bar = training._progress_bar(None, total=3, desc="t")
    try:
        assert type(bar) is tqdm.std.tqdm
    finally:
        bar.close()


def test_a_notebook_run_by_nbconvert_gets_one_summary_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Kernel:
        _allow_stdin = False  # what nbclient sends: nobody can type, nobody watches

    class ZMQInteractiveShell:
        kernel = Kernel()

    fake = types.ModuleType("IPython")
    fake.get_ipython = ZMQInteractiveShell  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", fake)
    X, y = xor(8, noise=0.0)
    fit(MLP(2, [4, 2], seed=0), X, y, epochs=3, desc="xor")
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "\r" not in err
    assert err.startswith("xor: 3/3 epochs, loss=") and "acc=" in err


def test_compiled_fits_leave_nothing_in_linecache() -> None:
    # Regression (issue 11): each fit(compile=True) kept 47 KiB of generated source forever.
    import gc
    import linecache

    X, y = xor(20, noise=0.1, seed=0)
    gc.collect()
    before = set(linecache.cache)
    for seed in range(5):
        fit(MLP(2, [4, 2], seed=seed), X, y, epochs=2, progress=False, compile=True)
    gc.collect()
    assert set(linecache.cache) - before == set()


def test_evaluate_takes_a_loss_that_returns_a_plain_number() -> None:
    # Regression (issue 21, finding 14): evaluate with a loss returning a float raised
    # AttributeError ('float' object has no attribute 'data').
    from autograd_lite.nn import MLP
    from autograd_lite.training import evaluate

    model = MLP(2, [1], seed=0)
    result = evaluate(model, [[0.0, 1.0]], [0.5], loss=lambda out, t: 0.25, accuracy=None)
    assert result.loss == 0.25
    with pytest.raises(TypeError, match="the loss returned str"):
        evaluate(model, [[0.0, 1.0]], [0.5], loss=lambda out, t: "low", accuracy=None)
