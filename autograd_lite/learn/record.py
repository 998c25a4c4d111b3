"""Recording a training run, step by step, so that a page can replay it: :class:`Recorder`.

A recorder keeps, at every ``every``-th optimizer step, a *frame*: the parameters, the
gradients the step used, the batch loss, the loss and accuracy on the training data (and on
test data when given), and the numbers of :func:`~autograd_lite.explain` for one sample's loss
(every node's value and gradient and every shown chain-rule term's local derivative), so the
page can write a weight's chain rule at that step as ``explain`` writes it. Neuron outputs
over the input plane are not stored: the page recomputes them from the parameters.

Memory is bounded and known up front: the frames live in arrays allocated when the recorder
is made (``max_frames`` rows, :attr:`Recorder.memory_bytes`). When they are full, every other
frame is dropped and ``every`` doubles, so a long run is still covered from start to end.

:func:`~autograd_lite.learn.training.fit` records with ``record=True`` (every step),
``record=k`` (every k-th step) or ``record=Recorder(...)`` (test data, another sample...);
a hand-written loop calls :meth:`Recorder.step` after ``backward()`` and before the
optimizer's step. :meth:`Recorder.save` writes the replay page (:mod:`.playback`).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from ..core.engine import topological_order, walk_backward
from ..core.modes import no_grad
from ..core.value import Value
from .nn import MLP
from .plan import AccuracyFunction, LossFunction, Plan, prepare, run_model

__all__ = ["Recorder"]

DRAWN_ACTIVATIONS: Final = ("tanh", "sigmoid", "relu", "softplus", "linear")
"""Activations the replay page computes (it draws every neuron from the parameters)."""

_MAX_TERMS: Final = 8  # explain()'s default: the page shows the same terms


@dataclass(frozen=True)
class _Structure:
    """The sample graph's nodes as explain() names them, fixed for the whole run.

    ``names`` are the explanation's steps that are not parameters (the inputs ``x.k``, every
    neuron's ``z`` and ``a``, the loss's own nodes), root first; ``definitions`` their
    definitions without the number, ``leaves`` which are leaves. ``terms[i]`` lists node i's
    shown chain-rule terms as (child node index, from the root); ``hidden[i]`` counts those
    left out. ``param_terms[p]`` says where parameter p's single term comes from: (its
    neuron's ``z`` node, the node whose value is dz/dparameter, or -1 for a bias: 1.0).
    ``positions[i]`` is node i's place in the graph's topological order, the same at every
    step (the sample's graph is built the same way each time), so later frames need only
    one walk of the engine's chain rule, not a whole explain().
    """

    root: str
    leaves: list[bool]
    positions: list[int]
    size: int
    names: list[str]
    definitions: list[str]
    terms: list[list[tuple[int, bool]]]
    hidden: list[int]
    param_terms: list[tuple[int, int]]

    @property
    def term_count(self) -> int:
        return sum(len(t) for t in self.terms)


class Recorder:
    """Frames of a training run of an :class:`~autograd_lite.nn.MLP`, for the replay page.

    Args:
        model: the MLP being trained (1 or 2 inputs: the page draws the input plane or line).
        X: training inputs, shape (samples, 1 or 2).
        y: training targets (as for :func:`~autograd_lite.fit`).
        loss: the loss name or function, as for ``fit`` (used for the per-frame scores and
            the explained sample's loss).
        accuracy: as for ``fit``; None uses the loss's default (none for ``"mse"``: the page
            then shows a regression).
        X_test: optional held-out inputs, scored at every frame.
        y_test: their targets.
        every: record every ``every``-th step (1: all of them).
        max_frames: the most frames kept (2 to 2000); past it, every other one is dropped and
            ``every`` doubles.
        grid: points per side of the grid the page draws neurons over (8 to 120).
        sample: the index in ``X`` of the sample whose chain rule the page explains.

    Attributes:
        memory_bytes: what the frame arrays take, allocated up front (the bound).
        frames: frames recorded so far.
        every: the current spacing of frames, in steps.

    Example:
        >>> from autograd_lite import MLP, SGD
        >>> from autograd_lite.datasets import make_moons
        >>> from autograd_lite.learn.losses import binary_cross_entropy_with_logits as bce
        >>> X, y = make_moons(20, random_state=0)
        >>> model = MLP(2, [4, 1], seed=0)
        >>> rec = Recorder(model, X, y, loss="bce", max_frames=50)
        >>> opt = SGD(model.parameters(), lr=0.1)
        >>> for _ in range(5):
        ...     opt.zero_grad()
        ...     loss = bce([[model(row)] for row in X.tolist()], y)
        ...     loss.backward()
        ...     recorded = rec.step(loss)
        ...     opt.step()
        >>> rec.finish(); rec.frames
        6
    """

    def __init__(
        self,
        model: MLP,
        X: npt.ArrayLike,
        y: npt.ArrayLike,
        *,
        loss: str | LossFunction = "cross_entropy",
        accuracy: AccuracyFunction | None = None,
        X_test: npt.ArrayLike | None = None,
        y_test: npt.ArrayLike | None = None,
        every: int = 1,
        max_frames: int = 400,
        grid: int = 40,
        sample: int = 0,
    ) -> None:
        if not isinstance(model, MLP):
            raise TypeError(
                f"Recorder: the replay page draws an nn.MLP's neurons; got {type(model).__name__}"
            )
        if model.nin not in (1, 2):
            raise ValueError(
                f"Recorder: the page draws the input line or plane, so the MLP must take 1 or 2 "
                f"inputs; {model!r} takes {model.nin}"
            )
        undrawn = {layer.activation for layer in model.layers} - set(DRAWN_ACTIVATIONS)
        if undrawn:
            raise ValueError(
                f"Recorder: the page cannot draw activation {sorted(undrawn)[0]!r}; "
                f"use one of {', '.join(DRAWN_ACTIVATIONS)}"
            )
        for name, number, low, high in (
            ("every", every, 1, 1_000_000),
            ("max_frames", max_frames, 2, 2000),
            ("grid", grid, 8, 120),
        ):
            if isinstance(number, bool) or not isinstance(number, int) or not low <= number <= high:
                raise ValueError(
                    f"Recorder: {name} must be an int from {low} to {high}, got {number!r}"
                )
        plan = prepare(X, y, loss, accuracy)
        if len(plan.rows[0]) != model.nin:
            raise ValueError(
                f"Recorder: X has {len(plan.rows[0])} columns but {model!r} takes {model.nin}"
            )
        test: Plan | None = None
        if (X_test is None) != (y_test is None):
            raise ValueError("Recorder: give both X_test and y_test, or neither")
        if X_test is not None and y_test is not None:
            test = prepare(X_test, y_test, loss, accuracy)
            if len(test.rows[0]) != model.nin:
                raise ValueError(
                    f"Recorder: X_test has {len(test.rows[0])} columns but the model takes "
                    f"{model.nin}"
                )
        if isinstance(sample, bool) or not isinstance(sample, int):
            raise TypeError(f"Recorder: sample must be an int index into X, got {sample!r}")
        if not 0 <= sample < len(plan.rows):
            raise ValueError(f"Recorder: sample must be 0 to {len(plan.rows) - 1}, got {sample}")

        self.model = model
        self.train = plan
        self.test = test
        self.every = every
        self.max_frames = max_frames
        self.grid = grid
        self.sample = sample
        self.names = [name for name, _ in model.named_parameters()]
        self._params = model.parameters()
        root = self._sample_loss()
        self.structure = _structure(root, self.names)
        n_params = len(self._params)
        n_nodes = len(self.structure.names)
        # The frames, allocated once: this is all the memory recording takes.
        self.steps = np.zeros(max_frames, dtype=np.int64)
        self.params = np.zeros((max_frames, n_params))
        self.grads = np.zeros((max_frames, n_params))
        self.scores = np.zeros((max_frames, 5))  # batch loss, train loss/acc, test loss/acc
        self.node_values = np.zeros((max_frames, n_nodes))
        self.node_grads = np.zeros((max_frames, n_nodes))
        self.locals = np.zeros((max_frames, self.structure.term_count))
        self.memory_bytes = sum(
            a.nbytes
            for a in (
                self.steps,
                self.params,
                self.grads,
                self.scores,
                self.node_values,
                self.node_grads,
                self.locals,
            )
        )
        self.frames = 0
        self.steps_seen = 0
        self.finished = False

    @property
    def regression(self) -> bool:
        """True when there is no accuracy (e.g. ``loss="mse"``): the page draws outputs."""
        return self.train.score is None

    def __repr__(self) -> str:
        return (
            f"<Recorder: {self.frames} frames of {self.steps_seen} steps, every {self.every}; "
            f"at most {self.max_frames} frames, {self.memory_bytes / 1e6:.2f} MB held>"
        )

    # ------------------------------------------------------------------ recording

    def step(self, loss: Value | float) -> bool:
        """Count one optimizer step; record it if it is one of every ``every``-th.

        Call it after ``loss.backward()`` and before ``optimizer.step()``: the frame holds
        the parameters that gave ``loss`` and the gradients the update is about to use.

        Args:
            loss: the step's batch loss (a Value or its number).

        Returns:
            True when this step was recorded.
        """
        if self.finished:
            raise RuntimeError("Recorder.step: finish() was called; make a new Recorder")
        number = loss.data if isinstance(loss, Value) else loss
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise TypeError(f"Recorder.step: loss must be a Value or a number, got {loss!r:.60}")
        index = self.steps_seen
        if index % self.every == 0 and self.frames == self.max_frames:
            self._thin()  # every other frame kept: a whole, smaller recording
        if index % self.every:
            self.steps_seen += 1
            return False
        grads = [p.grad.data if isinstance(p.grad, Value) else float(p.grad) for p in self._params]
        self._capture(index, float(number), grads)  # counted only once it is recorded
        self.steps_seen += 1
        return True

    def finish(self) -> None:
        """Record the model as it is now (after the last update) as the final frame.

        ``fit`` calls it; a hand-written loop calls it after its last step. Its gradients
        are NaN: no step was taken from it.
        """
        if self.finished:
            return
        if self.frames == self.max_frames:
            self._thin()
        self._capture(self.steps_seen, math.nan, [math.nan] * len(self._params))
        self.finished = True

    def _thin(self) -> None:
        """Keep every other frame (the first one included) and record half as often."""
        keep = np.arange(0, self.frames, 2)
        for array in (
            self.steps,
            self.params,
            self.grads,
            self.scores,
            self.node_values,
            self.node_grads,
            self.locals,
        ):
            array[: len(keep)] = array[keep]
        self.frames = len(keep)
        self.every *= 2

    def _capture(self, step: int, batch_loss: float, grads: list[float]) -> None:
        k = self.frames
        self.steps[k] = step
        self.params[k] = [p.data for p in self._params]
        self.grads[k] = grads
        train = _scores(self.model, self.train)
        test = _scores(self.model, self.test) if self.test is not None else (math.nan, math.nan)
        self.scores[k] = (batch_loss, *train, *test)
        values, grads, local = _walk(self._sample_loss(), self.structure)
        self.node_values[k] = values
        self.node_grads[k] = grads
        self.locals[k] = local
        self.frames += 1

    def _sample_loss(self) -> Value:
        """The chosen sample's loss under the model's current parameters (a fresh graph)."""
        s = self.sample
        outputs = [run_model(self.model, self.train.rows[s])]
        value = self.train.loss_fn(outputs, self.train.targets[s : s + 1])
        if not isinstance(value, Value):
            raise TypeError(f"Recorder: the loss returned {type(value).__name__}, not a Value")
        return value

    # ------------------------------------------------------------------ the page

    def to_json(self) -> dict[str, Any]:
        """The recording as the page reads it (numbers as base64 float64 arrays)."""
        from .playback import recording_json

        return recording_json(self)

    def html(self, *, title: str = "autograd_lite") -> str:
        """The replay page as one self-contained HTML file (nothing is fetched)."""
        from .playback import page

        return page(self, title=title)

    def save(self, path: str | os.PathLike[str], *, title: str = "autograd_lite") -> str:
        """Write the replay page to ``path`` (all at once: never half a file); return the path.

        Args:
            path: the HTML file to write.
            title: names the run in the browser's tab (``"<title>: training replay"``).

        Example:
            >>> history = fit(model, X, y, record=True)  # doctest: +SKIP
            >>> history.save("training.html")  # doctest: +SKIP
        """
        from .playback import save

        return save(self, path, title=title)

    def widget(self, *, height: int = 620) -> Any:
        """The replay as a notebook widget (needs ``anywidget``: ``autograd_lite[widget]``)."""
        from .playback import make_widget

        return make_widget(self, height=height)

    def _repr_html_(self) -> str:
        from .playback import notebook_html

        return notebook_html(self)


def _scores(model: MLP, plan: Plan) -> tuple[float, float]:
    """Mean loss and accuracy (NaN when there is none) of the model on the plan's data."""
    outputs = model.forward_array(np.asarray(plan.rows))
    with no_grad():
        value = plan.loss_fn([[Value(v) for v in row] for row in outputs.tolist()], plan.targets)
    loss = value.data if isinstance(value, Value) else float(value)
    if plan.score is None:
        return loss, math.nan
    return loss, plan.score(outputs.tolist(), plan.targets)


def _walk(root: Value, structure: _Structure) -> tuple[list[float], list[float], list[float]]:
    """The shown nodes' values and gradients and their terms' local derivatives.

    The numbers explain() prints, from the same walk it uses (:func:`walk_backward`): a
    term's local derivative is summed over every input slot the node fills in the child.
    """
    order = topological_order(root)
    if len(order) != structure.size:
        raise RuntimeError(
            f"Recorder: the sample's graph changed shape ({structure.size} nodes, now "
            f"{len(order)}); the model must compute the same graph at every step"
        )
    shown = [order[p] for p in structure.positions]
    wanted = {id(node): i for i, node in enumerate(shown)}
    slots: dict[tuple[int, int], float] = {}

    def use(child: Value, index: int, parent: Value, local: float, contribution: float) -> None:
        i = wanted.get(id(parent))
        if i is not None:
            key = (i, id(child))
            slots[key] = slots.get(key, 0.0) + float(local)

    grad_of = walk_backward(root, use)
    locals_ = [
        slots[(i, id(shown[child]))]
        for i, terms in enumerate(structure.terms)
        for child, _ in terms
    ]
    return [n.data for n in shown], [float(grad_of[n]) for n in shown], locals_


def _structure(root: Value, names: list[str]) -> _Structure:
    from ..check.explain import explain  # the checking part loads only when recording starts

    explanation = explain(root, max_nodes=None, max_terms=_MAX_TERMS)
    order = topological_order(root)
    # explain()'s steps are the nodes in reverse topological order.
    position = {id(node): k for k, node in enumerate(order)}
    params = set(names)
    shown = [s for s in explanation.steps if s.name not in params]
    index = {s.name: k for k, s in enumerate(shown)}
    definitions = []
    for s in shown:
        # The definition without its number: "z = linear(...)" (the page adds " = value",
        # and " (leaf)" for a leaf, as explain() does).
        text = explanation.definition(s).removesuffix(" (leaf)")
        definitions.append(text.rsplit(" = ", 1)[0])
    terms = [[(index[t.child], t.from_root) for t in s.terms[:_MAX_TERMS]] for s in shown]
    hidden = [max(0, len(s.terms) - _MAX_TERMS) for s in shown]
    by_name = {s.name: s for s in explanation.steps}
    param_terms: list[tuple[int, int]] = []
    for name in names:
        step = by_name.get(name)
        if step is None or len(step.terms) != 1:
            raise ValueError(
                f"Recorder: parameter {name} is not used exactly once by the sample's loss; "
                "the page explains plain MLP weights only"
            )
        child = by_name[step.terms[0].child]
        if name.endswith(".b"):
            source = -1
        else:
            # linear(w_0..w_{n-1}, x_0..x_{n-1}, b): dz/dw_k is the value of x_k.
            n = (len(child.operands) - 1) // 2
            source = index[child.operands[n + child.operands.index(name)]]
        param_terms.append((index[child.name], source))
    return _Structure(
        root=explanation.root,
        leaves=[not s.op for s in shown],
        positions=[position[id(s.node)] for s in shown],
        size=len(order),
        names=[s.name for s in shown],
        definitions=definitions,
        terms=terms,
        hidden=hidden,
        param_terms=param_terms,
    )
