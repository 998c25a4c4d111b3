"""``check_gradients``: a whole hand-written backward pass judged in one call, entry by entry.

This module is the public entry; it runs the steps in order, each in its own module, and every
call goes down through them, never back:

1. :mod:`~autograd_lite.check.inputs` reads ``inputs``, ``expected`` and the tolerances;
2. :mod:`~autograd_lite.check.instrument` finds the variables ``loss_fn`` assigns and watches
   them (:mod:`~autograd_lite.check.watch`), and :mod:`~autograd_lite.check.trace` runs
   ``loss_fn`` once on Values and lists the checked gradients with their nodes;
3. :mod:`~autograd_lite.check.walk` takes the engine's gradient of every node in one walk
   back from the loss, while :mod:`~autograd_lite.check.causes` learns which checked
   gradients lie downstream of which and :mod:`~autograd_lite.check.kinks` which nodes feed a
   kink;
4. :mod:`~autograd_lite.check.differences` cross-checks the engine by finite differences;
5. :mod:`~autograd_lite.check.judge` gives every entry its verdict;
6. :mod:`~autograd_lite.check.report` holds the result (root causes from ``causes``).

When ``loss_fn`` cannot run on Values (a float array filled with Values), every entry is judged
by finite differences alone, and the report names the line that cut the graph.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..core import GraphCutError, Value, entry_label, on_compare
from ..core import gradients as engine_gradients
from ..core.value import describe_node
from .causes import Downstream, backward_order
from .choices import follow_choices
from .differences import Evaluator, cross_check
from .findings import report_mistakes
from .inputs import check_keywords, check_tolerances, read_expected, read_inputs
from .instrument import Instrumented, instrument
from .judge import judge_gradient, judge_gradient_by_differences
from .kinks import Kinks
from .report import CheckedGradient, GradientEntry, GradientReport, Tolerances
from .trace import Target, refuse_labels, require_seen, targets, trace
from .walk import walk
from .watch import WatchSession, watched_now, watching

__all__ = ["check_gradients"]


def check_gradients(
    loss_fn: Callable[..., Any],
    inputs: Mapping[str, Any],
    expected: Mapping[str, Any],
    *,
    rtol: float = 1e-4,
    atol: float = 1e-8,
    eps: float = 1e-6,
    fd_rtol: float = 1e-3,
    fd_atol: float = 1e-5,
) -> GradientReport:
    """Check a hand-derived backward pass, entry by entry, against the engine in one call.

    ``loss_fn(**inputs)`` is your forward pass in ordinary numpy, returning one scalar; it is
    called with every input as leaf Values (an object array labelled ``W1[0,1]`` etc., or a
    single Value for a plain number). ``expected`` maps names to your gradients of the loss:

    - an input's name (``"W1"``): d(loss)/d(W1), in W1's shape;
    - the name of any variable ``loss_fn`` assigns (``"h"``, ``"logits"``): d(loss)/d(that
      variable), as PyTorch's ``retain_grad()`` gives it: every later use of the variable
      counts, and it is a value in its own right even where numpy returns the same objects
      (a reshape, ``x.max(...)``, fancy indexing). A variable must be assigned once, outside
      loops; otherwise mark the value you mean with :func:`autograd_lite.watch`.

    Integer data that is not differentiated (class labels used as indices) belongs in
    ``loss_fn``'s closure, not in ``inputs``. Inputs not in ``expected`` are not checked.

    Each entry's verdict (see :mod:`autograd_lite.check.report`): ``"ok"`` when
    ``|yours - engine| <= atol + rtol * |engine|``; ``"WRONG"`` otherwise; ``"kink"`` at a
    point of non-differentiability when yours lies between the one-sided slopes; ``"unclear"``
    when the engine and the finite differences disagree beyond ``fd_atol + fd_rtol * |fd|``
    (``loss_fn`` hides part of itself from the engine). How each gradient was cross-checked by
    finite differences is in ``report.cross_checks``; ``report.root_causes`` names the first
    wrong step of each bug (see :class:`~autograd_lite.check.report.GradientReport`).

    The defaults suit numbers copied from printed output: ``rtol=1e-4`` accepts about five
    significant digits, ``atol=1e-8`` accepts numpy's eight printed decimals of a small number
    yet still flags 1e-7 where the gradient is 0. Pass ``rtol=1e-9`` to hold full-precision
    numbers to full precision. Nothing you pass is modified; ``loss_fn`` is only called on
    copies. Numbers may be anything ``np.asarray`` reads, torch tensors included.

    Args:
        loss_fn: the forward pass, called with the inputs as keyword arguments.
        inputs: input name -> number, nested list or array (Values are read as data).
        expected: input or variable name -> your gradient, in that input's or variable's shape.
        rtol: relative tolerance between your value and the engine's.
        atol: absolute tolerance between your value and the engine's.
        eps: finite-difference step, relative: ``h = eps * max(1, |entry|)``.
        fd_rtol: relative tolerance between the engine and the finite differences.
        fd_atol: absolute tolerance between the engine and the finite differences.

    Returns:
        A :class:`~autograd_lite.check.report.GradientReport`.

    Raises:
        TypeError: a non-callable ``loss_fn``, a name ``loss_fn`` does not take or needs but
            ``inputs`` lacks, non-numeric numbers, integer labels in ``inputs`` used as
            indices, or ``loss_fn`` returning something that is not a Value (e.g. a float).
        ValueError: a name in ``expected`` that is neither an input nor a variable of
            ``loss_fn``, a variable assigned more than once or in a loop, a shape mismatch,
            NaN or inf among your numbers, or ``loss_fn`` returning more than one number.

    Example:
        >>> import numpy as np
        >>> from autograd_lite import check_gradients
        >>> X = np.array([[1.0, 2.0], [3.0, -1.0]])
        >>> W = np.array([[0.5], [-0.25]])
        >>> def loss(W):
        ...     h = np.tanh(np.dot(X, W))
        ...     return np.sum(h ** 2)
        >>> dh = 2 * np.tanh(X @ W)
        >>> dW = np.dot(X.T, dh * (1 - np.tanh(X @ W) ** 2))
        >>> report = check_gradients(loss, inputs={"W": W}, expected={"h": dh, "W": dW})
        >>> report.ok, report.root_causes
        (True, [])
    """
    if not callable(loss_fn):
        raise TypeError(f"check_gradients: loss_fn must be callable, got {type(loss_fn).__name__}")
    tol = check_tolerances(rtol=rtol, atol=atol, eps=eps, fd_rtol=fd_rtol, fd_atol=fd_atol)
    rtol, atol, eps, fd_rtol, fd_atol = (
        tol[k] for k in ("rtol", "atol", "eps", "fd_rtol", "fd_atol")
    )
    ins = read_inputs(inputs)
    mine = read_expected(expected, ins)
    shared = _shared_memory(expected)
    check_keywords(loss_fn, [i.name for i in ins])
    by_input = {i.name: i for i in ins}
    variables = [name for name in mine if name not in by_input]
    found = instrument(loss_fn, variables) if variables else Instrumented(loss_fn, {})
    fn = found.fn
    watched = frozenset(variables)

    def call(args: dict[str, Any]) -> object:
        return fn(**args)

    session = WatchSession(watched, True)
    cut: GraphCutError | None = None
    ties: set[Value] = set()
    close = 10.0 * eps  # a step of an input moves what it feeds by about this much

    exact: dict[Value, str] = {}

    def tie(v: Value, other: object, number: float) -> None:
        # A comparison of near-equal numbers (max, np.maximum) is a kink the graph hides;
        # of equal numbers, a kink exactly here.
        if abs(v.data - number) <= close * max(1.0, abs(number)):
            ties.add(v)
            if isinstance(other, Value):
                ties.add(other)
            if v.data == number:
                exact.setdefault(v, f"a tie of {describe_node(v)} with {number:g}")

    try:
        with watching(session), on_compare(tie):
            leaves, loss = trace(call, ins, "loss_fn")
    except GraphCutError as err:
        refuse_labels(err, ins, mine)
        if err.call != "float()" and not err.call.startswith("math."):
            raise
        cut = err
    except IndexError as err:
        refuse_labels(err, ins, mine)
        raise
    tolerances = Tolerances(rtol, atol, eps, fd_rtol, fd_atol)
    unchecked = [
        entry_label(i.name, index)
        for i in ins
        if i.name not in mine
        for index in np.ndindex(i.array.shape)
    ]
    point = {i.name: i.array.copy() for i in ins}
    if cut is not None:
        evaluate = Evaluator(call, ins, None, "loss_fn", watched)
        if not evaluate.on_floats:
            raise cut
        require_seen(variables, evaluate.shapes, ins, found.unreadable)
        checked = targets(ins, mine, variables, evaluate.shapes, {}, found.lines, point)
        report = _by_differences(checked, evaluate, point, cut, tolerances, unchecked)
        report.notes = (*shared, *report.notes)
        return _with_sources(report, found.sources)

    require_seen(variables, {n: w.shape for n, w in session.seen.items()}, ins, found.unreadable)
    for name in variables:
        if not watched_now(session, name):
            lines = found.lines
            where = f" (assigned at line {lines[name]})" if name in lines else ""
            raise ValueError(
                f"check_gradients: variable {name!r}{where} was changed in place after it was "
                "assigned (its entries were replaced), so its value at assignment is not what "
                f"the rest of loss_fn uses. Mark its final value instead: put {name} = "
                f"autograd_lite.watch({name!r}, {name}) after the last change."
            )
    evaluate = Evaluator(call, ins, loss.data, "loss_fn", watched)
    checked = targets(ins, mine, variables, {}, session.seen, found.lines, point, leaves)
    report = _with_engine(
        checked, loss, evaluate, point, tolerances, unchecked, leaves, ties, exact
    )
    report.notes = (*shared, *report.notes)
    return _with_sources(report, found.sources)


def _with_sources(report: GradientReport, sources: Mapping[str, str]) -> GradientReport:
    """Each checked variable's expression as written, for drawings (``X @ W1 + b1``)."""
    report.gradients = tuple(
        dataclasses.replace(g, source=sources.get(g.name, "")) for g in report.gradients
    )
    return report


def _shared_memory(expected: Mapping[str, Any]) -> list[str]:
    """A note for each pair of your gradients stored in the same memory."""
    arrays = [(n, a) for n, a in expected.items() if isinstance(a, np.ndarray)]
    notes = []
    for i, (a, x) in enumerate(arrays):
        for b, z in arrays[i + 1 :]:
            if np.shares_memory(x, z):
                notes.append(
                    f"expected[{a!r}] and expected[{b!r}] share memory: one was written through "
                    "the other after it was computed (a relu backward setting dvalues[mask] = 0 "
                    "without .copy() overwrites the gradient it was given), so the earlier one "
                    "no longer holds what its step computed and its verdicts judge the "
                    "overwritten numbers. Copy before writing in place, then check again."
                )
    return notes


def _require_repeatable(evaluate: Evaluator, point: dict[str, Any], here: float) -> None:
    """Refuse to judge a loss_fn that gives different values at the same point."""
    again = evaluate(point)
    if again == here or abs(again - here) <= 1e-12 * max(1.0, abs(here)):
        return
    raise ValueError(
        f"check_gradients: loss_fn gives different values at the same point ({here!r}, then "
        f"{again!r}): it draws random numbers on each call (a dropout mask) or reads state that "
        "changes. Finite differences would compare losses of different functions, so no "
        "gradient can be judged. No verdict. Make it repeatable: draw the mask once outside "
        "loss_fn and use it from the closure (or pass it as an input that is not checked), "
        "or seed a generator inside loss_fn (rng = np.random.default_rng(0))."
    )


def _require_reached(checked: list[Target], position: Mapping[Value, int]) -> None:
    """Refuse a variable none of whose entries feeds the loss: its gradient would be zeros."""
    for t in checked:
        if t.kind != "variable" or not t.nodes or any(n in position for n in t.nodes):
            continue
        where = f" (assigned at line {t.line})" if t.line else ""
        raise ValueError(
            f"check_gradients: variable {t.name!r}{where} never reaches the loss: nothing "
            "loss_fn returns is computed from it after it was named. This happens when the name "
            "is taken after the value was used (activation1.forward(dense1.output), then "
            "z1 = dense1.output): name the value before it is used, or mark it with "
            f"autograd_lite.watch({t.name!r}, value) where it is used."
        )


def _with_engine(
    checked: list[Target],
    loss: Value,
    evaluate: Evaluator,
    point: dict[str, Any],
    tol: Tolerances,
    unchecked: list[str],
    leaves: dict[str, list[Value]],
    ties: set[Value],
    exact: Mapping[Value, str],
) -> GradientReport:
    """Every entry judged against the engine, the engine cross-checked by finite differences."""
    here = evaluate(point)
    _require_repeatable(evaluate, point, here)
    own = [leaf for group in leaves.values() for leaf in group]
    own += [node for t in checked for node in t.nodes]
    downstream = Downstream({t.name: t.nodes for t in checked})
    kinks = Kinks(10.0 * tol.eps, ties, exact)
    grads = walk(loss, own, [downstream, kinks])
    below = {t.name: downstream.of(t.name, t.nodes) for t in checked}
    position = {node: i for i, node in enumerate(grads)}  # walk lists them in topological order
    _require_reached(checked, position)
    last = {t.name: max((position.get(n, -1) for n in t.nodes), default=-1) for t in checked}
    by_name = {t.name: t for t in checked}
    ordered = [by_name[n] for n in backward_order(list(by_name), below, last)]
    entries: list[GradientEntry] = []
    gradients: list[CheckedGradient] = []
    for t in ordered:
        engine = np.array([grads.get(n, 0.0) for n in t.nodes], dtype=np.float64)
        engine = engine.reshape(t.shape)
        check = cross_check(t, engine, evaluate, point, here, tol)
        judged, numerical = judge_gradient(
            t, engine, check, kinks.source, kinks.near, evaluate, point, here, tol
        )
        entries += judged
        after = tuple(u.name for u in ordered if u.name in below[t.name])
        gradients.append(
            CheckedGradient(t.name, t.kind, t.shape, t.line, check.text, after, engine, numerical)
        )
    entries = follow_choices(ordered, entries, below, tol)
    return GradientReport(
        "check_gradients",
        entries,
        unchecked=unchecked,
        loss=loss,
        tolerances=tol,
        notes=[evaluate.note],
        gradients=gradients,
        mistakes=report_mistakes(gradients, entries, loss, tol, grads, inputs=list(leaves)),
    )


def _by_differences(
    checked: list[Target],
    evaluate: Evaluator,
    point: dict[str, Any],
    cut: GraphCutError,
    tol: Tolerances,
    unchecked: list[str],
) -> GradientReport:
    """Every entry judged by central differences alone: loss_fn cannot run on Values."""
    here = evaluate(point)
    _require_repeatable(evaluate, point, here)
    where = f"line {cut.lineno} (`{cut.line}`)" if cut.line else "a line of loss_fn"
    text = "central differences alone on every entry: the engine could not follow loss_fn"
    entries: list[GradientEntry] = []
    gradients: list[CheckedGradient] = []
    # Variables, then inputs: without the graph there is no backward order to follow.
    for t in sorted(checked, key=lambda t: t.kind == "input"):
        judged, numerical = judge_gradient_by_differences(t, evaluate, point, here, tol)
        entries += judged
        nan = np.full(t.shape, math.nan)
        gradients.append(
            CheckedGradient(t.name, t.kind, t.shape, t.line, text, (), nan, numerical, False)
        )
    fix = (
        f"use np.{cut.call[5:]} or autograd_lite.{cut.call[5:]} instead"
        if cut.call.startswith("math.")
        else "make the array with np.zeros_like(x) or np.zeros(shape, dtype=object) so it "
        "can hold Values"
    )
    note = (
        f"loss_fn cannot run on Values: {cut.call} of a Value at {where} cut the graph, so "
        f"every entry was judged by finite differences alone (no engine column). To keep the "
        f"graph, {fix}."
    )
    return GradientReport(
        "check_gradients",
        entries,
        unchecked=unchecked,
        tolerances=tol,
        notes=[note, evaluate.note],
        gradients=gradients,
        mistakes=report_mistakes(gradients, entries, None, tol, inputs=list(point)),
    )


def _reference_gradients(loss: Value, nodes: list[Value]) -> list[float]:
    """d(loss)/d(node) by the engine's general chain rule, for testing the check's walk."""
    return [float(g) for g in engine_gradients(loss, nodes)]
