"""``check_layers``: a network of layer objects (forward/backward classes) judged in one call.

The learner has run their own forward and backward passes, as in a training loop, so every
object holds its gradients (``dweights``, ``dbiases``, ``dinputs``...). The check finds each
object's parameters, input and output from one watched run of its ``forward``
(:mod:`autograd_lite.check.layer_objects`), replays the whole forward pass on deep copies
(parameters as Values, each object's input watched), and judges every stored gradient entry
by entry with :func:`~autograd_lite.check.gradients.check_gradients`. The learner's objects
are never touched: the same attributes, the same arrays, the same bits.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..core.arrays import float_array
from ..core.value_array import as_data_array, as_value_array
from .gradients import check_gradients
from .layer_objects import (
    INPUT,
    LayerFacts,
    Snapshot,
    explore,
    find_gradients,
    method_location,
    source_place,
)
from .report import CheckedGradient, GradientReport, Tolerances
from .watch import watch

__all__ = ["Blame", "LayerReport", "check_layers", "fit_shape", "gradient_of"]

FloatArray = npt.NDArray[np.float64]

# Two runs of the same forward at the same point must agree to this relative precision;
# a random mask or global state changes values by far more.
_SAME_RUN_RTOL = 1e-9


@dataclass(frozen=True)
class Blame:
    """The learner's method that stores one checked gradient.

    Attributes:
        gradient: the checked name, ``"dense2.dweights"``.
        method: ``"dense2.backward"``.
        file: the source file (a notebook cell's name in Jupyter); "" when unknown.
        line: the line that stores the gradient (or the method's ``def`` line); 0 when unknown.
        overwritten_by: set when the stored array shares memory with a gradient a later
            backward step wrote in place: that step's method, which is then the one to fix.
    """

    gradient: str
    method: str
    file: str
    line: int
    overwritten_by: str = ""

    def where(self) -> str:
        """``dense2.backward (net.py:23)``."""
        place = source_place(self.file, self.line)
        return f"{self.method} ({place})" if place else self.method


class LayerReport(GradientReport):
    """The report of :func:`check_layers` or :func:`check_backward`: a
    :class:`~autograd_lite.check.report.GradientReport` whose gradients are the learner's
    attributes (``dense2.dweights``) and whose root causes name the method to fix.

    Attributes:
        blame: checked gradient name -> the :class:`Blame` (object, method, file, line).
        shared: pairs of checked gradients whose arrays share memory.
    """

    def __init__(
        self,
        inner: GradientReport,
        kind_name: str,
        blame: Mapping[str, Blame],
        shared: Sequence[tuple[str, str]],
        notes: Sequence[str],
    ) -> None:
        super().__init__(
            inner.kind,
            inner.entries,
            unchecked=inner.unchecked,
            loss=inner.loss,
            tolerances=inner.tolerances,
            notes=[*notes, *inner.notes],
            gradients=inner.gradients,
            mistakes=inner.mistakes,
        )
        self._kind_name = kind_name
        self.blame: dict[str, Blame] = dict(blame)
        self.shared: tuple[tuple[str, str], ...] = tuple(shared)

    def _root_names(self) -> list[str]:
        return GradientReport.root_causes.fget(self)  # type: ignore[attr-defined,no-any-return]

    @property
    def root_causes(self) -> list[str]:
        """The first wrong step of each bug, as the method that computes it:
        ``"relu1.backward (net.py:31): relu1.dinputs"``."""
        out = []
        for name in self._root_names():
            b = self.blame.get(name)
            if b is None:
                out.append(name)
            elif b.overwritten_by:
                out.append(f"{b.overwritten_by}: {name} (overwritten in place)")
            else:
                out.append(f"{b.where()}: {name}")
        return out

    def inherited(self, name: str) -> list[str]:
        """The root causes (by gradient name) downstream of the wrong gradient ``name``."""
        causes = set(self._root_names())
        for g in self.gradients:
            if g.name == name:
                return [d for d in g.downstream if d in causes]
        raise KeyError(f"no checked gradient named {name!r}")

    def summary(self) -> str:
        """One line: how many entries got each verdict, and what was not checked."""
        line = super().summary()
        return self._kind_name + line[len(self.kind) :]

    def diagnosis(self) -> str:
        """In words: which method to fix first, and which gradients merely inherit its error."""
        causes = self._root_names()
        sentences = [m.message for m in self.leading_mistakes()]
        for name in causes:
            g = next(g for g in self.gradients if g.name == name)
            n = sum(1 for e in self.entries if e.gradient == name and e.verdict == "WRONG")
            b = self.blame.get(name)
            what = f"{n} wrong {'entry' if n == 1 else 'entries'}"
            if b is not None and b.overwritten_by:
                sentences.append(
                    f"{name} has {what}, but its array is shared with a gradient computed "
                    f"later: {b.overwritten_by} changed it in place after it was stored. Fix "
                    f"{b.overwritten_by.split(' ')[0]}: work on a copy of the gradient it is "
                    "given (dvalues.copy())."
                )
                continue
            where = b.where() if b is not None else name
            if g.downstream:
                sentences.append(
                    f"First wrong step: {where}, which stores {name} ({what}); every checked "
                    f"gradient between it and the loss ({', '.join(g.downstream)}) is right, so "
                    "the mistake is in that method."
                )
            else:
                sentences.append(
                    f"First wrong step: {where}, which stores {name} ({what}); it is the first "
                    "gradient the backward pass computes, so the mistake is in that method."
                )
        heirs = [n for n in self.wrong_names if n not in causes]
        if heirs:
            sentences.append(
                f"{', '.join(heirs)} {'is' if len(heirs) == 1 else 'are'} wrong too, but "
                "computed from the root cause: fix it first and check again."
            )
        return " ".join(sentences)

    def _gradient_lines(self) -> list[str]:
        lines = super()._gradient_lines()
        if not lines:
            return lines
        causes = set(self._root_names())
        out = [lines[0]]
        for g, text in zip(self.gradients, lines[1:], strict=True):
            b = self.blame.get(g.name)
            if b is not None:
                text = text.replace(f"{g.name} (input, ", f"{g.name} ({b.where()}, ", 1)
                text = text.replace(f"{g.name} (variable, ", f"{g.name} ({b.where()}, ", 1)
            if g.name in causes:
                text += "  <- root cause"
            out.append(text)
        return out


def gradient_of(report: GradientReport, name: str) -> CheckedGradient:
    """The checked gradient called ``name`` in ``report`` (KeyError naming the known ones)."""
    for g in report.gradients:
        if g.name == name:
            return g
    known = ", ".join(g.name for g in report.gradients)
    raise KeyError(f"no checked gradient named {name!r}; checked: {known}")


# ---------------------------------------------------------------------- check_layers


def check_layers(
    layers: Sequence[Any] | Mapping[str, Any],
    X: Any,
    y: Any = None,
    *,
    outputs: Mapping[str, str] | None = None,
    gradients: Mapping[str, Mapping[str, str]] | None = None,
    dinputs: Mapping[str, Any] | None = None,
    rtol: float = 1e-4,
    atol: float = 1e-8,
    eps: float = 1e-6,
    fd_rtol: float = 1e-3,
    fd_atol: float = 1e-5,
) -> LayerReport:
    """Check the gradients a network of layer objects stored in its backward pass, in one call.

    Run your own forward and backward passes first, as in your training loop; then pass the
    objects in forward order, the last one the loss (or the combined softmax + loss) whose
    ``forward(output, y)`` gives the loss. The check finds, from one run of each
    ``forward`` on a copy, which arrays are its parameters (float arrays it reads:
    ``weights``, ``W``...), which attribute records its input and which is its output
    (whatever their names), and pairs the gradients stored by ``backward`` with them:
    ``d<name>`` for a parameter (``dweights``, ``dW``, ``db``), ``dinputs`` / ``dx`` for the
    input. The engine's truth comes from the same forward code run on Values; every entry is
    judged as in :func:`~autograd_lite.check_gradients`.

    The report's gradients are named after your attributes (``dense2.dweights``) and
    ``report.root_causes`` names the method to fix with its file and line
    (``"dense2.backward (net.py:23): dense2.dweights"``). A loss whose ``forward`` returns one
    loss per sample is averaged, as ``Loss.calculate`` does.

    Nothing is modified: forward and the check run on deep copies, and numpy's and Python's
    global random states are put back. A forward that gives different values at the same point
    (a dropout mask drawn on each call) stops the check with an error: no verdict is possible.

    Args:
        layers: the objects in forward order, as a list (named ``ClassName_i``) or a dict
            ``{"dense1": dense1, "relu1": relu1, ..., "loss": loss_activation}``.
        X: the batch the forward pass was run on.
        y: the labels passed to the last object's ``forward`` (None: it takes one argument).
        outputs: object name -> the attribute its forward stores the output in, where the
            check cannot tell by itself.
        gradients: object name -> {gradient attribute: parameter name or ``"input"``} for
            gradient names the check does not recognise (``{"fc": {"grad_w": "w"}}``).
        dinputs: object name -> the gradient of its input, for a ``backward`` that returns it
            instead of storing it (``dinputs={"relu": dx_relu}``).
        rtol, atol, eps, fd_rtol, fd_atol: as in :func:`~autograd_lite.check_gradients`.

    Returns:
        A :class:`LayerReport`.

    Raises:
        TypeError: an object without ``forward``; layers that is not a list or dict.
        ValueError: a forward that is not deterministic or whose stored output does not match
            a re-run (parameters changed after backward), a gradient with NaN (located at the
            method that produced it first), a shape mismatch (``transposed`` when it is one),
            nothing to check, or an output that cannot be found.

    Example:
        >>> import numpy as np
        >>> from autograd_lite import check_layers
        >>> class Dense:
        ...     def __init__(self, W):
        ...         self.W = W
        ...     def forward(self, x):
        ...         self.x = x
        ...         self.out = x @ self.W
        ...     def backward(self, d):
        ...         self.dW = self.x.T @ d
        ...         self.dx = d @ self.W.T
        >>> class Squares:
        ...     def forward(self, out, y):
        ...         self.out = out
        ...         return np.sum((out - y) ** 2)
        ...     def backward(self, y):
        ...         self.dx = 2 * (self.out - y)
        >>> X, y = np.array([[1.0, 2.0]]), np.array([[0.5]])
        >>> dense, loss = Dense(np.array([[0.3], [-0.2]])), Squares()
        >>> dense.forward(X)
        >>> round(float(loss.forward(dense.out, y)), 4)
        0.36
        >>> loss.backward(y); dense.backward(loss.dx)
        >>> check_layers({"dense": dense, "loss": loss}, X, y).ok
        True
    """
    keys, objects = _named(layers)
    Xf = float_array(X, "check_layers: X")
    y_given = y if y is None else np.asarray(y).copy()
    snapshot = Snapshot(objects)
    try:
        return _check(
            keys,
            objects,
            Xf,
            y_given,
            dict(outputs or {}),
            dict(gradients or {}),
            dict(dinputs or {}),
            Tolerances(rtol, atol, eps, fd_rtol, fd_atol),
        )
    finally:
        if snapshot.changed():
            snapshot.restore()
        else:
            snapshot.restore_random()


def _named(layers: object) -> tuple[list[str], list[Any]]:
    if isinstance(layers, Mapping):
        keys = [str(k) for k in layers]
        objects = list(layers.values())
    elif isinstance(layers, list | tuple):
        objects = list(layers)
        keys = [f"{type(obj).__name__}_{i}" for i, obj in enumerate(objects)]
    else:
        raise TypeError(
            "check_layers: layers must be a list of your layer objects in forward order or a "
            f"dict of name -> object, got {type(layers).__name__}"
        )
    if not objects:
        raise ValueError("check_layers: layers is empty; pass the objects in forward order")
    if len({id(o) for o in objects}) != len(objects):
        raise ValueError(
            "check_layers: the same object appears twice in layers; each object has one set of "
            "stored gradients, so a layer used twice cannot be checked this way"
        )
    return keys, objects


def _check(
    keys: list[str],
    objects: list[Any],
    X: FloatArray,
    y: Any,
    outputs: dict[str, str],
    overrides: dict[str, Mapping[str, str]],
    given: dict[str, Any],
    tol: Tolerances,
) -> LayerReport:
    for name in [*outputs, *overrides, *given]:
        if name not in keys:
            raise ValueError(f"check_layers: no object named {name!r} (objects: {', '.join(keys)})")
    facts, run = explore(keys, objects, X, y, outputs)
    _require_same_runs(keys, objects, X, y, facts, run.outputs)
    _require_stored_match(facts, X, run.outputs)
    _require_finite_forward(facts, run.outputs)
    inputs_seen = [X, *run.outputs[:-1]]
    expected: dict[str, FloatArray] = {}
    blame: dict[str, Blame] = {}
    originals: dict[str, Any] = {}
    params: dict[str, tuple[int, str]] = {}
    watched: dict[int, str] = {}
    notes: list[str] = []
    for i, fact in enumerate(facts):
        found = find_gradients(fact, overrides.get(fact.key, {}), want_input=True)
        notes += fact.notes
        for target, attr in found.items():
            name = f"{fact.key}.{attr}"
            raw = getattr(fact.obj, attr)
            shape = (
                np.shape(inputs_seen[i]) if target == INPUT else np.shape(getattr(fact.obj, target))
            )
            what = f"{fact.key}.{target}" if target != INPUT else f"{fact.key}'s input"
            mine, note = fit_shape(name, float_array(raw, name), shape, what, fact)
            if note:
                notes.append(note)
            expected[name] = mine
            originals[name] = raw
            file, line = method_location(fact.obj, "backward", attr)
            blame[name] = Blame(name, f"{fact.key}.backward", file, line)
            if target == INPUT:
                watched[i] = name
            else:
                params[name] = (i, target)
        if fact.key in given:
            name = f"{fact.key}.dinputs"
            if i in watched:
                raise ValueError(
                    f"check_layers: dinputs[{fact.key!r}] given, but {fact.key} stores its "
                    f"input's gradient itself ({watched[i]})"
                )
            mine, note = fit_shape(
                name,
                float_array(given[fact.key], f"dinputs[{fact.key!r}]"),
                np.shape(inputs_seen[i]),
                f"{fact.key}'s input",
                fact,
            )
            expected[name] = mine
            originals[name] = given[fact.key]
            file, line = method_location(fact.obj, "backward")
            blame[name] = Blame(name, f"{fact.key}.backward", file, line)
            watched[i] = name
    if not expected:
        raise ValueError(
            "check_layers: found no stored gradient to check on any object ("
            + "; ".join(notes or ["no d<name> attributes"])
            + "). Run your backward pass first, or name the gradients: gradients={'dense1': "
            "{'grad_w': 'W'}}"
        )
    _require_finite_gradients(facts, expected, blame)
    shared = _shared(originals, facts, blame, watched, notes)
    fresh = _Copies(objects)
    last = len(objects) - 1
    loss_note: list[str] = []

    def loss_fn(**kw: Any) -> Any:
        try:
            return forward_pass(fresh.make(), kw)
        except ValueError as err:
            if not fresh.shallow or "read-only" not in str(err):
                raise
            fresh.shallow = False  # forward writes into an array it already held
            return forward_pass(fresh.make(), kw)

    def forward_pass(objs: list[Any], kw: dict[str, Any]) -> Any:
        tracing = False
        for name, value in kw.items():
            i, attr = params[name]
            tracing = tracing or (isinstance(value, np.ndarray) and value.dtype == object)
            setattr(objs[i], attr, _arrayish(value))
        # On Values, X.dot(W) needs the DataArray's fast .dot; on floats numpy's own is faster.
        a: Any = as_data_array(X.copy()) if tracing or not kw else X.copy()
        result: Any = None
        for i, (obj, fact) in enumerate(zip(objs, facts, strict=True)):
            if i in watched:
                a = _arrayish(watch(watched[i], a))
            args = (a, y) if i == last and y is not None else (a,)
            result = obj.forward(*args)
            if i < last:
                a = result if fact.returns else getattr(obj, fact.output_attr)
        if result is None:
            result = getattr(objs[last], facts[last].output_attr)
        if isinstance(result, np.ndarray) and result.size > 1:
            if not loss_note:
                loss_note.append(
                    f"{keys[last]}.forward returns {result.size} losses (one per sample); "
                    "their mean is the loss, as Loss.calculate takes it"
                )
            return np.mean(result)
        return result

    inputs = {name: getattr(objects[i], attr) for name, (i, attr) in params.items()}
    inner = (
        check_gradients(
            loss_fn,
            inputs,
            expected,
            rtol=tol.rtol,
            atol=tol.atol,
            eps=tol.eps,
            fd_rtol=tol.fd_rtol if tol.fd_rtol is not None else 1e-3,
            fd_atol=tol.fd_atol if tol.fd_atol is not None else 1e-5,
        )
        if inputs
        else _check_without_params(loss_fn, expected, tol)
    )
    return LayerReport(inner, "check_layers", blame, shared, [*loss_note, *notes])


class _Copies:
    """Fresh copies of the learner's objects for each run of the forward pass.

    Objects that hold only arrays and plain values are copied shallowly from a private deep
    copy whose arrays are read-only (forward rebinds its attributes, so nothing is shared that
    a run changes); a forward that writes into an array it already held, or objects holding
    other objects, get a deep copy per run.
    """

    def __init__(self, objects: list[Any]) -> None:
        self._template = copy.deepcopy(objects)
        self.shallow = all(_flat(obj) for obj in self._template)
        if self.shallow:
            for obj in self._template:
                for value in vars(obj).values():
                    if isinstance(value, np.ndarray):
                        value.flags.writeable = False

    def make(self) -> list[Any]:
        if self.shallow:
            return [copy.copy(obj) for obj in self._template]
        return copy.deepcopy(self._template)


def _flat(obj: Any) -> bool:
    attrs = getattr(obj, "__dict__", None)
    if not isinstance(attrs, dict) or hasattr(type(obj), "__copy__"):
        return False
    plain = (np.ndarray, int, float, complex, str, bytes, bool, type(None), np.generic)
    return all(isinstance(v, plain) for v in attrs.values())


def _check_without_params(
    loss_fn: Any, expected: dict[str, FloatArray], tol: Tolerances
) -> GradientReport:
    # check_gradients needs an input; a network of parameter-free objects gets a dummy one.
    def with_dummy(_unused: Any = 0.0, **kw: Any) -> Any:
        return loss_fn(**kw)

    return check_gradients(
        lambda __autograd_lite_zero: with_dummy() + 0.0 * __autograd_lite_zero,
        {"__autograd_lite_zero": 0.0},
        expected,
        rtol=tol.rtol,
        atol=tol.atol,
        eps=tol.eps,
        fd_rtol=tol.fd_rtol if tol.fd_rtol is not None else 1e-3,
        fd_atol=tol.fd_atol if tol.fd_atol is not None else 1e-5,
    )


def _arrayish(value: Any) -> Any:
    # Values keep numpy's idioms working; floats get the fast .dot with Values.
    if isinstance(value, np.ndarray):
        return as_value_array(value) if value.dtype == object else as_data_array(value)
    return value


# ---------------------------------------------------------------------- refusing to judge


def _runs(objects: list[Any], X: FloatArray, y: Any, facts: list[LayerFacts]) -> list[Any]:
    """The float forward pass on fresh deep copies: every object's output."""
    objs = copy.deepcopy(objects)
    a: Any = X.copy()
    outs = []
    last = len(objs) - 1
    with np.errstate(all="ignore"):
        for i, (obj, fact) in enumerate(zip(objs, facts, strict=True)):
            result = obj.forward(*((a, y) if i == last and y is not None else (a,)))
            if i < last:
                result = result if fact.returns else getattr(obj, fact.output_attr)
            elif result is None:
                result = getattr(obj, fact.output_attr)
            outs.append(result)
            a = result
    return outs


def _differs(a: Any, b: Any) -> bool:
    x = np.asarray(a, dtype=np.float64)
    z = np.asarray(b, dtype=np.float64)
    if x.shape != z.shape:
        return True
    if not (np.isfinite(x).all() and np.isfinite(z).all()):
        return not np.array_equal(x, z, equal_nan=True)
    scale = max(1.0, float(np.max(np.abs(x))) if x.size else 1.0)
    return bool(np.max(np.abs(x - z), initial=0.0) > _SAME_RUN_RTOL * scale)


def _require_same_runs(
    keys: list[str],
    objects: list[Any],
    X: FloatArray,
    y: Any,
    facts: list[LayerFacts],
    first: list[Any],
) -> None:
    second = _runs(objects, X, y, facts)
    for key, obj, a, b in zip(keys, objects, first, second, strict=True):
        if _differs(a, b):
            raise ValueError(
                f"check_layers: {key}.forward ({type(obj).__name__}) gives different values when "
                "run twice on the same input and parameters (a random mask drawn on each call, "
                "or global state), so no gradient can be judged against it: the finite "
                "differences would compare losses of different functions. No verdict. Make the "
                "forward repeatable: draw the mask once outside forward and store it on the "
                f"object (forward then reads self.mask), seed a generator inside forward, or "
                "check with the layer switched off (dropout rate 0 or evaluation mode)."
            )


def _require_stored_match(facts: list[LayerFacts], X: FloatArray, outs: list[Any]) -> None:
    given = [X, *outs[:-1]]
    for fact, seen in zip(facts, given, strict=True):
        for attr in fact.input_attrs:
            stored = getattr(fact.obj, attr, None)
            if isinstance(stored, np.ndarray) and _differs(stored, seen):
                raise ValueError(
                    f"check_layers: {fact.key}.{attr} (the input its last forward stored) is not "
                    "what the check computes for it from X and the parameters now. The stored "
                    "gradients belong to another point: a different batch, or parameters "
                    "changed after the backward pass (an optimizer step). Check right after "
                    "backward, before the update, with the X that forward was given. No verdict."
                )
    for fact, out in zip(facts[:-1], outs[:-1], strict=False):
        if not fact.output_attr:
            continue
        stored = getattr(fact.obj, fact.output_attr, None)
        if isinstance(stored, np.ndarray) and _differs(stored, out):
            raise ValueError(
                f"check_layers: {fact.key}.{fact.output_attr} as stored by your last forward "
                f"differs from a re-run of {fact.key}.forward at the same input and "
                "parameters: forward is random (a dropout mask drawn on each call) or the "
                "parameters changed after your backward pass. Your gradients belong to "
                "another function than the one the check can rebuild. No verdict. Draw the "
                "mask once and store it on the object, or seed it inside forward, and check "
                "right after backward."
            )


def _require_finite_forward(facts: list[LayerFacts], outs: list[Any]) -> None:
    for fact, out in zip(facts, outs, strict=True):
        try:
            arr = np.asarray(out, dtype=np.float64)
        except (TypeError, ValueError):
            continue
        if not np.isfinite(arr).all():
            bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0]) if arr.ndim else ()
            file, line = method_location(fact.obj, "forward")
            where = f" ({source_place(file, line)})" if file else ""
            raise ValueError(
                f"check_layers: {fact.key}.forward{where} produces {float(arr[bad])!r} at "
                f"index {list(bad)} from finite inputs: the forward pass must be finite at the "
                "point checked (clip probabilities before a log, shift logits by their max "
                "before exp). No verdict."
            )


def _require_finite_gradients(
    facts: list[LayerFacts], expected: dict[str, FloatArray], blame: dict[str, Blame]
) -> None:
    # Backward order: the last object's gradients first.
    for fact in reversed(facts):
        for name, mine in expected.items():
            if not name.startswith(fact.key + "."):
                continue
            bad = ~np.isfinite(mine)
            if bad.any():
                index = [int(i) for i in np.argwhere(bad)[0]] if mine.ndim else []
                value = float(mine[tuple(index)])
                raise ValueError(
                    f"check_layers: {name}[{', '.join(map(str, index))}] is {value!r}. It "
                    f"is produced in {blame[name].where()}: every gradient the backward pass "
                    "computes before it is finite (NaN from 0/0 or inf - inf, inf from a "
                    "division by 0 such as -y/p with p = 0: clip p first). No verdict."
                )


def fit_shape(
    name: str,
    mine: FloatArray,
    shape: tuple[int, ...],
    what: str,
    fact: LayerFacts,
    who: str = "check_layers",
) -> tuple[FloatArray, str]:
    """Your gradient in its target's shape: a (n,) bias gradient for a (1, n) parameter is
    accepted with a note; a transpose or any other mismatch is a ValueError saying which."""
    if mine.shape == tuple(shape):
        return mine, ""
    file, line = method_location(fact.obj, "backward", name.split(".", 1)[-1])
    where = f"{fact.key}.backward" + (f" ({source_place(file, line)})" if file else "")
    shape = tuple(shape)
    if len(shape) == 2 and shape[0] == 1 and mine.shape == (shape[1],):
        return mine.reshape(shape), (
            f"{name} has shape {mine.shape} for {what} of shape {shape}: accepted, since "
            "numpy broadcasting applies it to the (1, n) parameter the same way (keepdims=True "
            "in the sum would give the parameter's own shape)"
        )
    if mine.ndim == 2 and mine.shape == shape[::-1] and shape[0] != shape[1]:
        raise ValueError(
            f"{who}: {name} (stored by {where}) has shape {mine.shape} but {what} has "
            f"shape {shape}: it is transposed. Swap the product's operands or transpose "
            "it (.T); do not reshape, which would scramble the entries."
        )
    hint = ""
    if len(shape) == 2 and shape[0] == 1 and mine.ndim == 2 and mine.shape[1] == 1:
        hint = " It looks summed over the wrong axis: sum over the samples (axis=0)."
    raise ValueError(
        f"{who}: {name} (stored by {where}) has shape {mine.shape} but {what} has "
        f"shape {shape}; a gradient has the shape of what it is the gradient of.{hint}"
    )


def _shared(
    originals: dict[str, Any],
    facts: list[LayerFacts],
    blame: dict[str, Blame],
    watched: dict[int, str],
    notes: list[str],
) -> list[tuple[str, str]]:
    """Pairs of gradients stored in the same memory; the later step is blamed for both."""
    order = {name: float(i) for i, name in watched.items()}
    names = [n for n in originals if isinstance(originals[n], np.ndarray)]
    pairs = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if not np.shares_memory(originals[a], originals[b]):
                continue
            pairs.append((a, b))
            # The object earlier in forward order runs its backward later: it wrote last.
            pos = {n: order.get(n, _owner_index(n, facts)) for n in (a, b)}
            earlier, later = sorted((a, b), key=lambda n: pos[n])
            writer = blame[earlier]
            blame[later] = Blame(
                later,
                blame[later].method,
                blame[later].file,
                blame[later].line,
                writer.where(),
            )
            notes.append(
                f"{a} and {b} are the same array in memory: {writer.where()} changed the "
                f"gradient it was given in place (e.g. dvalues[mask] = 0 without .copy()), so "
                f"{later} no longer holds what its backward computed"
            )
    return pairs


def _owner_index(name: str, facts: list[LayerFacts]) -> float:
    key = name.split(".", 1)[0]
    return next((float(i) for i, f in enumerate(facts) if f.key == key), math.inf)
