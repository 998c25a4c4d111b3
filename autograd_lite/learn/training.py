"""A small training loop: :func:`fit` runs epochs of minibatch steps and returns a History.

One step is: zero the gradients, run the model on every sample of the batch (building one
graph), compute the loss, ``backward()``, and let the optimizer update the parameters. With
``compile=True`` the per-sample loss is traced once and every step runs it as generated numpy
code over the whole batch (:func:`autograd_lite.compile` in batched mode): the same losses and
updates, without building a graph per step. A ``tqdm`` progress bar shows the epoch's loss and
accuracy when output goes to a terminal or a notebook (or when asked with ``progress=True``).
:func:`evaluate` scores a model on data without building a graph.
"""

from __future__ import annotations

import importlib.util
import math
import numbers
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ..core.engine import topological_order
from ..core.errors import TracingError
from ..core.modes import no_grad
from ..core.value import Value
from ..jit.compiler import CompiledFunction
from .losses import SAMPLE_LOSSES
from .nn import Module
from .optim import Adam, Optimizer
from .plan import LOSSES, AccuracyFunction, LossFunction, Plan, prepare, run_model

if TYPE_CHECKING:
    from .record import Recorder

__all__ = ["LOSSES", "Evaluation", "History", "evaluate", "fit"]


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
        nodes_per_step: graph nodes (values, leaves included) behind the first step's loss
            (interpreter path; 0 on the compiled path, which builds no graph per step).
        path: ``"interpreter"`` or ``"compiled"``: how the steps were computed.
        compile_seconds: time spent tracing and generating the code (compiled path; it is not
            counted in ``seconds``).
        ops_per_sample: op nodes of the traced per-sample loss, i.e. lines of the compiled
            forward pass before fusing layers (compiled path; 0 otherwise).
        recording: the :class:`~autograd_lite.learn.record.Recorder` of ``fit(...,
            record=...)`` (None without): :meth:`save` writes its replay page, and a notebook
            shows the replay.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    steps: int = 0
    nodes_per_step: int = 0
    path: str = "interpreter"
    compile_seconds: float = 0.0
    ops_per_sample: int = 0
    recording: Recorder | None = field(default=None, repr=False, compare=False)

    @property
    def epochs(self) -> int:
        """Epochs completed."""
        return len(self.loss)

    def as_dict(self) -> dict[str, Any]:
        """The history as plain lists and numbers (e.g. for JSON); the recording is left out."""
        out = asdict(replace(self, recording=None))
        del out["recording"]
        return out

    def _recorded(self, what: str) -> Recorder:
        if self.recording is None:
            raise ValueError(
                f"History.{what}: this training was not recorded; train with "
                "fit(..., record=True) to replay it"
            )
        return self.recording

    def save(self, path: str | os.PathLike[str], *, title: str = "autograd_lite") -> str:
        """Write the replay page of a recorded training to ``path``; return the path.

        One offline HTML file (see :mod:`autograd_lite.learn.playback`). ValueError when
        the training was not recorded (``fit(..., record=True)``).

        Args:
            path: the HTML file to write.
            title: names the run in the browser's tab (``"<title>: training replay"``).

        Example:
            >>> history = fit(model, X, y, record=True)  # doctest: +SKIP
            >>> history.save("training.html")  # doctest: +SKIP
        """
        return self._recorded("save").save(path, title=title)

    def widget(self, *, height: int = 620) -> Any:
        """The replay as a notebook widget (needs ``anywidget``: ``autograd_lite[widget]``)."""
        return self._recorded("widget").widget(height=height)

    def _repr_html_(self) -> str | None:
        # A recorded training shows its replay in a notebook; otherwise the plain repr.
        return None if self.recording is None else self.recording._repr_html_()


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


def _live_display() -> bool:
    """False when a notebook runs with nobody watching (nbconvert, nbclient, papermill).

    Those run cells with ``allow_stdin=False``; a Jupyter front end with a person at it
    allows input. Without a live display, every refresh of a bar would be stored as its own
    line in the saved notebook.
    """
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    kernel = getattr(shell, "kernel", None)
    return bool(getattr(kernel, "_allow_stdin", True))


class _FinalLine:
    """Stands in for a progress bar where none can refresh: prints one line when done."""

    def __init__(self, total: int, desc: str) -> None:
        self.total = total
        self.desc = desc
        self.done = 0
        self.postfix: dict[str, str] = {}

    def set_postfix(self, shown: dict[str, str], refresh: bool = False) -> None:
        del refresh
        self.postfix = dict(shown)

    def update(self, n: int) -> None:
        self.done += n

    def close(self) -> None:
        shown = "".join(f", {k}={v}" for k, v in self.postfix.items())
        print(f"{self.desc}: {self.done}/{self.total} epochs{shown}", file=sys.stderr)


def _progress_bar(enabled: bool | None, total: int, desc: str) -> Any:
    """A tqdm bar over epochs, or None when progress is off or nowhere to show it.

    In a notebook executed without a front end (nbconvert), a single summary line.
    """
    notebook = _in_notebook()
    if enabled is None:
        stream = sys.stderr
        enabled = notebook or (hasattr(stream, "isatty") and stream.isatty())
    if not enabled:
        return None
    if notebook and not _live_display():
        return _FinalLine(total, desc)
    # Imported here: tqdm is only needed when a bar is shown. The widget bar needs ipywidgets;
    # without it tqdm.auto would warn on every run, so the text bar is used instead.
    if notebook and importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.auto import tqdm
    else:
        from tqdm import tqdm
    return tqdm(total=total, desc=desc, unit="epoch", leave=True)


# --------------------------------------------------------------------------- compiled path
#
# fit(compile=True) compiles ONE sample's loss, f(params, x, t), in batched mode: x is a row of
# X and t the sample's target as numbers, so the code has no Python branch on the target. The
# per-sample losses are the losses module's own (SAMPLE_LOSSES), made of the same terms as the
# batch losses the interpreter uses; the batch loss is the mean of these.


class _Parameters:
    """The optimizer's parameters as the compiled function's differentiated argument.

    Passing them (rather than the model) makes any model work, a plain function closing over
    Values included: the Values the model uses are found among these inputs by identity.
    """

    def __init__(self, params: list[Value]) -> None:
        self.params = params

    def parameters(self) -> list[Value]:
        return self.params


def _numeric_targets(
    loss_name: str, targets: npt.NDArray[Any], n_outputs: int
) -> npt.NDArray[np.float64]:
    """The targets as one row of numbers per sample, shape (samples, outputs).

    Class indices (cross-entropy) become one-hot rows. The targets were already accepted by
    the interpreter's loss (see :func:`_check_targets`), so shapes and values are valid.
    """
    n = len(targets)
    if loss_name == "cross_entropy" and targets.ndim == 1:
        return np.eye(n_outputs)[targets.astype(np.int64)]
    return np.asarray(targets, dtype=np.float64).reshape(n, n_outputs)


def _check_targets(loss_fn: LossFunction, targets: npt.NDArray[Any], n_outputs: int) -> None:
    """Reject targets exactly as the interpreter path would, before anything is compiled.

    The interpreter's loss is evaluated once on zero outputs: it raises the same clear errors
    (a class index out of range, a BCE label outside [0, 1], a count mismatch...), so both
    paths accept the same targets.
    """
    with no_grad():
        loss_fn([[Value(0.0) for _ in range(n_outputs)] for _ in targets], targets)


def _compile_loss(
    model: Callable[..., Any],
    loss_name: str,
    params: _Parameters,
    X: npt.NDArray[np.float64],
    T: npt.NDArray[np.float64],
) -> CompiledFunction:
    sample_loss = SAMPLE_LOSSES[loss_name]

    def per_sample(params: _Parameters, x: Any, t: Any) -> Value:
        del params  # the model reads the same Values; they are found by identity
        return sample_loss(run_model(model, x), t)

    per_sample.__name__ = f"{loss_name}_per_sample"
    try:
        return CompiledFunction(per_sample, (params, X, T), batch=("x", "t"), wrt="params")
    except TracingError as err:
        raise TracingError(
            f"fit(compile=True): the model cannot be compiled ({err}); train it with compile=False"
        ) from err


def _float_outputs(model: Callable[..., Any], X: npt.NDArray[np.float64]) -> list[list[float]]:
    """The model's outputs for the rows of X as floats (for accuracy), building no graph."""
    if isinstance(model, Module):
        outputs: list[list[float]] = model.forward_array(X).tolist()
        return outputs
    with no_grad():
        return [[v.data for v in run_model(model, row)] for row in X.tolist()]


def _check_settings(
    model: Callable[..., Any],
    plan: Plan,
    optimizer: Optimizer | None,
    epochs: int,
    batch_size: int | None,
    compile: bool,
) -> tuple[Optimizer, int]:
    """Check fit's other arguments; return the optimizer to use and the batch size."""
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"fit: epochs must be a positive int, got {epochs!r}")
    if batch_size is None:
        batch_size = len(plan.rows)
    elif isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"fit: batch_size must be a positive int or None, got {batch_size!r}")
    nin = getattr(model, "nin", None)
    columns = len(plan.rows[0])
    if isinstance(nin, int) and columns != nin:
        raise ValueError(f"fit: X has {columns} columns but {model!r} takes {nin} inputs")
    if optimizer is None:
        if not isinstance(model, Module):
            raise TypeError("fit: pass optimizer= for a model that is not an nn.Module")
        optimizer = Adam(model.parameters(), lr=0.01)
    elif not isinstance(optimizer, Optimizer):
        raise TypeError(f"fit: optimizer must be an Optimizer, got {type(optimizer).__name__}")
    if not isinstance(compile, bool):
        raise TypeError(f"fit: compile must be True or False, got {compile!r}")
    if compile and plan.loss_name is None:
        raise ValueError(
            "fit: compile=True needs a loss name (" + ", ".join(LOSSES) + "); a custom "
            "loss function sees the whole batch and cannot be compiled per sample. "
            "Use compile=False with it."
        )
    return optimizer, batch_size


Step = Callable[[npt.NDArray[np.int64]], tuple[float, list[list[float]] | None]]
"""One optimizer step's gradients for the samples at ``index``: the batch's loss and, when
accuracy is measured, the model's outputs as floats (before the update)."""


def _interpreter_step(
    model: Callable[..., Any], plan: Plan, optimizer: Optimizer, history: History
) -> Step:
    """Steps that build the batch's graph and call ``backward()`` on its loss."""

    def step(index: npt.NDArray[np.int64]) -> tuple[float, list[list[float]] | None]:
        optimizer.zero_grad()
        outputs = [run_model(model, plan.rows[i]) for i in index]
        value = plan.loss_fn(outputs, plan.targets[index])
        if not isinstance(value, Value):
            raise TypeError(f"fit: the loss returned {type(value).__name__}, not a Value")
        if history.steps == 0:
            history.nodes_per_step = len(topological_order(value))
        value.backward()
        floats = [[v.data for v in out] for out in outputs] if plan.score is not None else None
        return value.data, floats

    return step


def _compiled_step(
    model: Callable[..., Any], plan: Plan, optimizer: Optimizer, history: History
) -> Step:
    """Steps that run the per-sample loss compiled once (batched) over the minibatch."""
    assert plan.loss_name is not None  # _check_settings refused compile=True without one
    with no_grad():
        n_outputs = len(run_model(model, plan.rows[0]))
    _check_targets(plan.loss_fn, plan.targets, n_outputs)
    X = np.asarray(plan.rows, dtype=np.float64)
    T = _numeric_targets(plan.loss_name, plan.targets, n_outputs)
    params = _Parameters(optimizer.params)
    started = time.perf_counter()
    compiled = _compile_loss(model, plan.loss_name, params, X, T)
    history.compile_seconds = time.perf_counter() - started
    history.path = "compiled"
    history.ops_per_sample = compiled.num_ops

    def step(index: npt.NDArray[np.int64]) -> tuple[float, list[list[float]] | None]:
        Xb, Tb = X[index], T[index]
        # Measured before the update, like the interpreter's outputs.
        floats = _float_outputs(model, Xb) if plan.score is not None else None
        optimizer.zero_grad()
        return compiled.backward(params, Xb, Tb), floats

    return step


def _run_epoch(
    step: Step,
    plan: Plan,
    optimizer: Optimizer,
    history: History,
    order: npt.NDArray[np.int64],
    batch_size: int,
    recorder: Recorder | None = None,
) -> None:
    """One pass over the samples in ``order``; appends the epoch's figures to ``history``.

    A recorder sees each step after its gradients and before the update.
    """
    started = time.perf_counter()
    n = len(order)
    total_loss = 0.0
    correct = 0.0
    for start in range(0, n, batch_size):
        index = order[start : start + batch_size]
        loss_value, floats = step(index)
        if recorder is not None:
            recorder.step(loss_value)
        optimizer.step()
        history.steps += 1
        total_loss += loss_value * len(index)
        if plan.score is not None and floats is not None:
            correct += plan.score(floats, plan.targets[index]) * len(index)
    history.loss.append(total_loss / n)
    if plan.score is not None:
        history.accuracy.append(correct / n)
    history.lr.append(optimizer.lr)
    history.seconds.append(time.perf_counter() - started)


def _show_epoch(bar: Any, history: History) -> None:
    shown = {"loss": f"{history.loss[-1]:.4f}"}
    if history.accuracy:
        shown["acc"] = f"{history.accuracy[-1]:.3f}"
    bar.set_postfix(shown, refresh=False)
    bar.update(1)


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
    compile: bool = False,
    record: bool | int | Recorder = False,
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
        compile: compute the steps with compiled batched code instead of building a graph per
            step (see :func:`autograd_lite.compile`): the per-sample loss is traced once on
            ``X[0]``, then each step runs it on the whole minibatch with numpy. Losses,
            gradients and updates equal the interpreter's up to rounding, and minibatches of
            any size (a shorter last one included) run through the same code. It needs a loss
            *name*: a custom loss function sees the whole batch and cannot be split into
            per-sample terms, so ``compile=True`` with a function raises ValueError (use
            ``compile=False`` for it). A model that makes Python decisions on Values cannot
            be traced: TracingError. Accuracy is measured on ``model.forward_array`` of the
            batch before the step (per-row calls for a model that is not an nn.Module).
        record: keep frames of the training to replay it (``history.save("training.html")``
            writes the page; a notebook shows it). True records every step, an int k every
            k-th, a :class:`~autograd_lite.learn.record.Recorder` records as it was made
            (test data, which sample to explain...). Frames are held in arrays allocated up
            front (``history.recording.memory_bytes``; 400 frames at most by default, thinned
            to every other one when full). Needs an :class:`~autograd_lite.nn.MLP` with 1 or
            2 inputs.

    Returns:
        A :class:`History` (``history.path`` says which path trained).

    Example:
        >>> from autograd_lite.nn import MLP
        >>> from autograd_lite.datasets import xor
        >>> X, y = xor(40, noise=0.1, seed=0)
        >>> model = MLP(2, [8, 2], seed=0)
        >>> history = fit(model, X, y, epochs=60, progress=False)
        >>> history.accuracy[-1]
        1.0
        >>> fast = fit(MLP(2, [8, 2], seed=0), X, y, epochs=60, progress=False, compile=True)
        >>> fast.path, fast.accuracy[-1]
        ('compiled', 1.0)
    """
    plan = prepare(X, y, loss, accuracy)
    optimizer, batch_size = _check_settings(model, plan, optimizer, epochs, batch_size, compile)
    recorder = _recorder(record, model, X, y, loss, accuracy)
    history = History(recording=recorder)
    make_step = _compiled_step if compile else _interpreter_step
    step = make_step(model, plan, optimizer, history)
    n = len(plan.rows)
    rng = np.random.default_rng(seed)
    bar = _progress_bar(progress, epochs, desc)
    try:
        for epoch in range(epochs):
            order = rng.permutation(n) if shuffle and batch_size < n else np.arange(n)
            _run_epoch(step, plan, optimizer, history, order, batch_size, recorder)
            if bar is not None:
                _show_epoch(bar, history)
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
    if recorder is not None:
        recorder.finish()
    return history


def _recorder(
    record: bool | int | Recorder,
    model: Callable[..., Any],
    X: npt.ArrayLike,
    y: npt.ArrayLike,
    loss: str | LossFunction,
    accuracy: AccuracyFunction | None,
) -> Recorder | None:
    """fit's record= as a Recorder (None: not recording)."""
    from .nn import MLP
    from .record import Recorder

    if isinstance(record, Recorder):
        if record.model is not model:
            raise ValueError("fit: record= is a Recorder of another model; make it for this one")
        if record.finished or record.steps_seen:
            raise ValueError("fit: this Recorder has recorded already; make a new one")
        return record
    if record is False:
        return None
    if record is not True and (isinstance(record, bool) or not isinstance(record, int)):
        raise TypeError(
            f"fit: record must be True, False, a step count or a Recorder, got {record!r}"
        )
    if not isinstance(model, MLP):
        raise TypeError(f"fit: record= replays an nn.MLP; got {type(model).__name__}")
    every = 1 if record is True else record
    if every < 1:
        raise ValueError(f"fit: record=k records every k-th step; k must be >= 1, got {every}")
    return Recorder(model, X, y, loss=loss, accuracy=accuracy, every=every)


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
    plan = prepare(X, y, loss, accuracy)
    with no_grad():
        outputs = [run_model(model, row) for row in plan.rows]
        value = plan.loss_fn(outputs, plan.targets)
    floats = [[v.data for v in out] for out in outputs]
    score = plan.score
    return Evaluation(
        loss=_loss_number(value),
        accuracy=score(floats, plan.targets) if score is not None else None,
    )


def _loss_number(value: object) -> float:
    """The loss as a float: a Value's data, or a plain real number (evaluation needs no graph)."""
    if isinstance(value, Value):
        return value.data
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:
            return math.inf
    raise TypeError(
        f"evaluate: the loss returned {type(value).__name__} {value!r:.60}, not a Value or a number"
    )
