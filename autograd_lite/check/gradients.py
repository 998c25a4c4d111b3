"""``check_gradients``: a whole hand-written backward pass judged in one call, entry by entry.

Your gradients are named after inputs of ``loss_fn`` or after any variable it assigns. The
function is traced once on Values; each checked variable gets its own nodes (see
:mod:`autograd_lite.check.watch`), so one backward pass gives the engine's gradient of every
name. Your numbers are judged against it entry by entry; finite differences cross-check the
engine:

- per entry (the step rule and kink rule of :mod:`autograd_lite.check.checks`) for gradients of
  at most ``_PER_ENTRY_MAX`` entries, where that is cheap;
- otherwise along ``_DIRECTIONS`` random directions and on ``_SAMPLES`` sampled entries (seeded
  by the name, so every run is the same). Entries upstream of a relu or abs at exactly 0, and
  every entry of a gradient whose directional check shows a kink, are probed one by one where
  yours differs from the engine, since there any value between the one-sided slopes is right;
- when the engine's gradient and the directional differences disagree, every entry is probed.

When ``loss_fn`` cannot run on Values (a float array filled with Values), every entry is judged
by finite differences alone, and the report names the line that cut the graph.
"""

from __future__ import annotations

import difflib
import math
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core import GraphCutError, Value, entry_label, on_compare, topological_order
from ..core import gradients as engine_gradients
from ..core.rules import FLOAT_MATH
from ..core.value import describe_node
from .checks import (
    FloatArray,
    _agrees,
    _check_keywords,
    _check_tolerances,
    _Evaluator,
    _Input,
    _join,
    _judge_yours,
    _Probe,
    _probe,
    _probe_line,
    _read_expected,
    _read_inputs,
    _relative,
    _slopes,
    _trace,
    check_shape,
)
from .instrument import instrument
from .report import (
    KINK,
    OK,
    UNCLEAR,
    WRONG,
    CheckedGradient,
    GradientEntry,
    GradientReport,
    Tolerances,
)
from .watch import Watched, WatchSession, entry_labels, watched_now, watching

__all__ = ["check_gradients"]

# Four evaluations of loss_fn per entry: a fixed limit keeps the choice (and so every verdict)
# the same from run to run, which a time budget would not.
_PER_ENTRY_MAX = 50
_DIRECTIONS = 2
_SAMPLES = 4
_KINK_PROBES_MAX = 200
_KINK_OPS = ("relu", "abs")


@dataclass
class _Target:
    """One checked gradient: an input or a variable, with its nodes in the traced graph."""

    name: str
    kind: str
    shape: tuple[int, ...]
    nodes: list[Value]
    line: int
    mine: FloatArray
    value: FloatArray  # the input's or variable's numbers at the point


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
    _check_tolerances(rtol=rtol, atol=atol, eps=eps, fd_rtol=fd_rtol, fd_atol=fd_atol)
    ins = _read_inputs(inputs)
    mine = _read_expected(expected, ins)
    _check_keywords(loss_fn, [i.name for i in ins])
    by_input = {i.name: i for i in ins}
    variables = [name for name in mine if name not in by_input]
    found = instrument(loss_fn, variables) if variables else None
    fn = found.fn if found is not None else loss_fn
    watched = frozenset(variables)

    def call(args: dict[str, Any]) -> object:
        return fn(**args)

    session = WatchSession(watched, True)
    cut: GraphCutError | None = None
    ties: set[Value] = set()
    close = 10.0 * eps  # a step of an input moves what it feeds by about this much

    def tie(v: Value, other: object, number: float) -> None:
        # A comparison of near-equal numbers (max, np.maximum) is a kink the graph hides.
        if abs(v.data - number) <= close * max(1.0, abs(number)):
            ties.add(v)
            if isinstance(other, Value):
                ties.add(other)

    try:
        with watching(session), on_compare(tie):
            leaves, loss = _trace(call, ins, "loss_fn")
    except GraphCutError as err:
        _refuse_labels(err, ins, mine)
        if err.call != "float()" and not err.call.startswith("math."):
            raise
        cut = err
    except IndexError as err:
        _refuse_labels(err, ins, mine)
        raise
    lines = found.lines if found is not None else {}
    tolerances = Tolerances(rtol, atol, eps, fd_rtol, fd_atol)
    unchecked = [
        entry_label(i.name, index)
        for i in ins
        if i.name not in mine
        for index in np.ndindex(i.array.shape)
    ]
    point = {i.name: i.array.copy() for i in ins}
    if cut is not None:
        evaluate = _Evaluator(call, ins, None, "loss_fn", watched)
        if not evaluate.on_floats:
            raise cut
        _require_seen(variables, evaluate.shapes, ins, found)
        targets = _targets(ins, mine, variables, evaluate.shapes, {}, lines, point, evaluate)
        return _judge_by_differences(targets, evaluate, point, cut, tolerances, unchecked)

    _require_seen(variables, {n: w.shape for n, w in session.seen.items()}, ins, found)
    for name in variables:
        if not watched_now(session, name):
            where = f" (assigned at line {lines[name]})" if name in lines else ""
            raise ValueError(
                f"check_gradients: variable {name!r}{where} was changed in place after it was "
                "assigned (its entries were replaced), so its value at assignment is not what "
                f"the rest of loss_fn uses. Mark its final value instead: put {name} = "
                f"autograd_lite.watch({name!r}, {name}) after the last change."
            )
    evaluate = _Evaluator(call, ins, loss.data, "loss_fn", watched)
    here = evaluate(point)
    targets = _targets(
        ins, mine, variables, {}, session.seen, lines, point, evaluate, leaves=leaves
    )
    return _judge_with_engine(
        targets, loss, evaluate, point, here, tolerances, unchecked, leaves, ties
    )


# ---------------------------------------------------------------------- what is checked


def _refuse_labels(err: Exception, ins: list[_Input], mine: Mapping[str, FloatArray]) -> None:
    labels = [i.name for i in ins if i.integer and i.name not in mine]
    if not labels:
        return
    names = ", ".join(f"inputs[{n!r}]" for n in labels)
    raise TypeError(
        f"check_gradients: loss_fn used a Value as an integer ({err}). {names} "
        f"{'holds' if len(labels) == 1 else 'hold'} integers, probably labels or indices; every "
        "input becomes Values to be differentiated. Keep labels out of inputs: use them from "
        f"loss_fn's closure or as a default argument (def loss(W, {labels[0]}={labels[0]}): ...)."
    ) from err


def _require_seen(
    variables: list[str],
    shapes: Mapping[str, tuple[int, ...]],
    ins: list[_Input],
    found: Any,
) -> None:
    for name in variables:
        if name in shapes:
            continue
        known = [i.name for i in ins]
        close = difflib.get_close_matches(name, known + list(shapes), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        why = f" (its source could not be searched: {found.unreadable})" if found.unreadable else ""
        raise ValueError(
            f"check_gradients: expected[{name!r}] names no input (inputs: {', '.join(known)})"
            f"{hint} It is no variable of loss_fn either: no assignment to {name!r} ran{why}. "
            f"To check a value computed elsewhere, mark it with autograd_lite.watch({name!r}, "
            "value)."
        )


def _targets(
    ins: list[_Input],
    mine: Mapping[str, FloatArray],
    variables: list[str],
    shapes: Mapping[str, tuple[int, ...]],
    seen: Mapping[str, Watched],
    lines: Mapping[str, int],
    point: Mapping[str, FloatArray],
    evaluate: _Evaluator,
    leaves: Mapping[str, list[Value]] | None = None,
) -> list[_Target]:
    targets = []
    for i in ins:
        if i.name in mine:
            nodes = list(leaves[i.name]) if leaves is not None else []
            targets.append(
                _Target(i.name, "input", i.array.shape, nodes, 0, mine[i.name], point[i.name])
            )
    for name in variables:
        if name in seen:
            w = seen[name]
            shape = w.shape
            value = np.array([n.data for n in w.nodes]).reshape(shape)
            nodes = w.nodes
        else:
            shape = shapes[name]
            value = np.zeros(shape)
            nodes = []
        check_shape(name, mine[name], shape, f"variable {name!r} of loss_fn", "variable")
        targets.append(
            _Target(name, "variable", shape, nodes, lines.get(name, 0), mine[name], value)
        )
    return targets


# ---------------------------------------------------------------------- the graph's facts


@dataclass
class _GraphFacts:
    downstream: dict[str, set[str]]  # name -> checked names between it and the loss
    last: dict[str, int]  # name -> position of its last-computed node in topological order
    kink: dict[Value, str]  # node -> the relu/abs at exactly 0 it feeds into
    near: set[Value]  # nodes feeding a relu/abs within a finite-difference step of 0


def _backward_pass(
    loss: Value, targets: list[_Target], own: set[Value], eps: float, ties: set[Value]
) -> _GraphFacts:
    """The engine's gradients written into ``.grad`` of the check's own nodes, and the facts
    the report needs, in one walk back from the loss.

    Own nodes are the check's leaves and watched nodes and everything computed from them, so a
    drawing of ``report.loss`` shows their gradients; every other node (a Value ``loss_fn``
    closes over) gets its ``.grad`` back as it was. Alongside the chain rule, each node learns
    which checked gradients lie downstream of it (a bit mask, one bit per gradient) and whether
    it feeds a relu or abs at exactly 0. ``_reference_gradients`` is the plain version the
    tests compare this with.
    """
    order = topological_order(loss)
    saved: list[tuple[Value, Any]] = []
    for node in order:
        if node.rule is None:
            mine = node in own
        else:
            mine = any(p in own for p in node.parents)
        if mine:
            own.add(node)
        else:
            saved.append((node, node.grad))
        node.grad = 0.0
    group = {node: 1 << bit for bit, t in enumerate(targets) for node in t.nodes}
    mask: dict[Value, int] = {}
    kink: dict[Value, str] = {}
    near = set(ties)
    close = 10.0 * eps  # a step of loss_fn's inputs moves a relu's input about this far
    fm = FLOAT_MATH
    loss.grad = 1.0
    for node in reversed(order):
        rule = node.rule
        if rule is None:
            continue
        out = mask.get(node, 0) | group.get(node, 0)
        where = kink.get(node)
        is_near = node in near
        g = node.grad
        parents = node.parents
        for p, d in zip(
            parents, rule.local_grads(fm, node.data, *[p.data for p in parents]), strict=True
        ):
            p.grad += g * d
        if len(parents) == 1:
            (a,) = parents
            if rule.name in _KINK_OPS and abs(a.data) <= close:
                is_near = True
                if where is None and a.data == 0.0:
                    where = f"{rule.name} of {describe_node(a)}"
        if out:
            for p in parents:
                mask[p] = mask.get(p, 0) | out
        if where is not None:
            for p in parents:
                kink.setdefault(p, where)
        if is_near:
            near.update(parents)
    for node, grad in saved:
        node.grad = grad
    position = {node: i for i, node in enumerate(order)}
    downstream: dict[str, set[str]] = {}
    last: dict[str, int] = {}
    for bit, t in enumerate(targets):
        m = 0
        for node in t.nodes:
            m |= mask.get(node, 0)
        m &= ~(1 << bit)
        downstream[t.name] = {u.name for b, u in enumerate(targets) if m >> b & 1}
        last[t.name] = max((position.get(node, -1) for node in t.nodes), default=-1)
    return _GraphFacts(downstream, last, kink, near)


def _reference_gradients(loss: Value, nodes: list[Value]) -> list[float]:
    """d(loss)/d(node) by the engine's general chain rule, for testing ``_backward_pass``."""
    return [float(g) for g in engine_gradients(loss, nodes)]


def _backward_order(targets: list[_Target], facts: _GraphFacts | None) -> list[_Target]:
    """Closest to the loss first, as the backward pass reaches them.

    A gradient downstream of another has strictly fewer gradients downstream of itself, so
    sorting by that count puts every gradient after those it is computed from; unrelated ones
    come latest-computed first.
    """
    if facts is None:
        return sorted(targets, key=lambda t: t.kind == "input")  # variables, then inputs
    return sorted(targets, key=lambda t: (len(facts.downstream[t.name]), -facts.last[t.name]))


# ---------------------------------------------------------------------- finite differences


def _entry_line(
    evaluate: _Evaluator, point: dict[str, FloatArray], t: _Target, index: tuple[int, ...]
) -> Callable[[float], float]:
    if t.kind == "input":
        arr = point[t.name]
        x0 = float(arr[index])

        def along_input(step: float) -> float:
            arr[index] = x0 + step
            try:
                return evaluate(point)
            finally:
                arr[index] = x0

        return along_input
    delta = np.zeros(t.shape)

    def along_variable(step: float) -> float:
        delta[index] = step
        return evaluate(point, {t.name: delta})

    return along_variable


def _direction_line(
    evaluate: _Evaluator, point: dict[str, FloatArray], t: _Target, d: FloatArray
) -> Callable[[float], float]:
    if t.kind == "input":
        base = point[t.name]

        def along_input(step: float) -> float:
            return evaluate({**point, t.name: base + step * d})

        return along_input
    return lambda step: evaluate(point, {t.name: step * d})


def _entry_probe(
    evaluate: _Evaluator,
    point: dict[str, FloatArray],
    t: _Target,
    index: tuple[int, ...],
    here: float,
    eps: float,
) -> _Probe:
    if t.kind == "input":
        return _probe(evaluate, point, t.name, index, here, eps)
    x0 = float(t.value[index])
    h = eps * max(1.0, abs(x0))
    return _probe_line(_entry_line(evaluate, point, t, index), here, h, entry_label(t.name, index))


def _rng(name: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(name.encode()))


@dataclass
class _CrossCheck:
    probes: dict[tuple[int, ...], _Probe]
    text: str
    kink: bool = False  # a kink showed along a direction: probe disagreeing entries
    failed: str = ""  # the engine disagreed with the differences along a direction


def _cross_check(
    t: _Target,
    engine: FloatArray,
    evaluate: _Evaluator,
    point: dict[str, FloatArray],
    here: float,
    tol: Tolerances,
) -> _CrossCheck:
    eps = tol.eps
    size = int(np.prod(t.shape))
    indices = list(np.ndindex(t.shape))
    if size <= _PER_ENTRY_MAX:
        probes = {ix: _entry_probe(evaluate, point, t, ix, here, eps) for ix in indices}
        what = "entry" if size == 1 else f"each of its {size} entries"
        return _CrossCheck(probes, f"central differences on {what}")
    rng = _rng(t.name)
    h = eps * max(1.0, float(np.max(np.abs(t.value))))
    kink = False
    failed = ""
    assert tol.fd_rtol is not None and tol.fd_atol is not None
    for k in range(_DIRECTIONS):
        d = rng.standard_normal(t.shape)
        d /= float(np.linalg.norm(d))
        p = _probe_line(_direction_line(evaluate, point, t, d), here, h, f"{t.name} direction {k}")
        g = float(np.sum(engine * d))
        spread = float(np.linalg.norm(engine * d))
        if p.error:
            failed = failed or p.error
            continue
        if p.kink:
            kink = True
            lo, hi = min(p.left_small, p.right_small), max(p.left_small, p.right_small)
            slack = tol.fd_atol + tol.fd_rtol * max(abs(lo), abs(hi), spread)
            if not lo - slack <= g <= hi + slack:
                failed = failed or (
                    f"along a random direction the engine gives {g:.6g}, outside the one-sided "
                    f"slopes {p.left_small:.6g} and {p.right_small:.6g}"
                )
            continue
        agree = any(
            abs(g - c) <= tol.fd_atol + tol.fd_rtol * max(abs(c), spread) + noise
            for c, noise in ((p.central, p.noise), (p.central_small, p.noise_small))
        )
        if not agree:
            failed = failed or (
                f"along a random direction the engine gives {g:.6g}, finite differences "
                f"{p.central:.6g}"
            )
    if failed:
        probes = {ix: _entry_probe(evaluate, point, t, ix, here, eps) for ix in indices}
        return _CrossCheck(
            probes, f"central differences on each of its {size} entries ({failed})", kink, failed
        )
    picks = rng.choice(size, size=min(_SAMPLES, size), replace=False)
    probes = {
        indices[int(i)]: _entry_probe(evaluate, point, t, indices[int(i)], here, eps)
        for i in sorted(picks)
    }
    text = (
        f"central differences along {_DIRECTIONS} random directions and on {len(probes)} "
        f"sampled entries (seeded), since it has {size} entries"
    )
    if kink:
        text += "; a kink shows along a direction, so entries where yours differs are probed"
    return _CrossCheck(probes, text, kink)


# ---------------------------------------------------------------------- judging


def _judge_with_engine(
    targets: list[_Target],
    loss: Value,
    evaluate: _Evaluator,
    point: dict[str, FloatArray],
    here: float,
    tol: Tolerances,
    unchecked: list[str],
    leaves: dict[str, list[Value]],
    ties: set[Value],
) -> GradientReport:
    own = {leaf for group in leaves.values() for leaf in group}
    own.update(node for t in targets for node in t.nodes)
    facts = _backward_pass(loss, targets, own, tol.eps, ties)
    ordered = _backward_order(targets, facts)
    assert tol.fd_rtol is not None and tol.fd_atol is not None
    entries: list[GradientEntry] = []
    gradients: list[CheckedGradient] = []
    for t in ordered:
        engine = np.array([n.grad for n in t.nodes], dtype=np.float64).reshape(t.shape)
        check = _cross_check(t, engine, evaluate, point, here, tol)
        numerical = np.full(t.shape, math.nan)
        kink_probes = 0
        labels = entry_labels(t.name, t.shape)
        for index, node, name in zip(np.ndindex(t.shape), t.nodes, labels, strict=True):
            yours = float(t.mine[index])
            g = float(engine[index])
            source = facts.kink.get(node, "")
            probe = check.probes.get(index)
            # Near a kink any value between the one-sided slopes is right: probe the entry.
            near = node in facts.near or (check.kink and not _agrees(yours, g, tol.rtol, tol.atol))
            if probe is None and near and kink_probes < _KINK_PROBES_MAX:
                kink_probes += 1
                probe = _entry_probe(evaluate, point, t, index, here, tol.eps)
            if probe is not None:
                entry = _judge_yours(
                    name,
                    yours,
                    g,
                    probe,
                    node,
                    source,
                    rtol=tol.rtol,
                    atol=tol.atol,
                    fd_rtol=tol.fd_rtol,
                    fd_atol=tol.fd_atol,
                )
            else:
                entry = _judge_on_engine(name, yours, g, node, source, tol)
            entry = _in_gradient(entry, t.name)
            numerical[index] = entry.numerical
            entries.append(entry)
        gradients.append(
            CheckedGradient(
                t.name,
                t.kind,
                t.shape,
                t.line,
                check.text,
                tuple(u.name for u in ordered if u.name in facts.downstream[t.name]),
                engine,
                numerical,
            )
        )
    return GradientReport(
        "check_gradients",
        entries,
        unchecked=unchecked,
        loss=loss,
        tolerances=tol,
        notes=[evaluate.note],
        gradients=gradients,
    )


def _in_gradient(entry: GradientEntry, name: str) -> GradientEntry:
    return GradientEntry(
        entry.name,
        entry.expected,
        entry.engine,
        entry.numerical,
        entry.abs_error,
        entry.rel_error,
        entry.verdict,
        entry.note,
        entry.one_sided,
        entry.node,
        name,
    )


def _judge_on_engine(
    name: str, yours: float, g: float, node: Value, kink_source: str, tol: Tolerances
) -> GradientEntry:
    """Your number against the engine's, for an entry not probed one by one."""
    error = abs(yours - g)
    hint = f"on the path of {kink_source}, where the engine takes slope 0" if kink_source else ""
    if not math.isfinite(g):
        verdict, note = UNCLEAR, _join(f"the engine's gradient is {g!r}", hint)
    else:
        verdict = OK if _agrees(yours, g, tol.rtol, tol.atol) else WRONG
        note = hint
    nan = math.nan
    return GradientEntry(
        name, yours, g, nan, error, _relative(error, g), verdict, note, (nan, nan), node
    )


def _judge_by_differences(
    targets: list[_Target],
    evaluate: _Evaluator,
    point: dict[str, FloatArray],
    cut: GraphCutError,
    tol: Tolerances,
    unchecked: list[str],
) -> GradientReport:
    """Every entry judged by central differences alone: loss_fn cannot run on Values."""
    here = evaluate(point)
    where = f"line {cut.lineno} (`{cut.line}`)" if cut.line else "a line of loss_fn"
    text = "central differences alone on every entry: the engine could not follow loss_fn"
    entries: list[GradientEntry] = []
    gradients: list[CheckedGradient] = []
    assert tol.fd_rtol is not None and tol.fd_atol is not None
    for t in _backward_order(targets, None):
        numerical = np.full(t.shape, math.nan)
        for index in np.ndindex(t.shape):
            probe = _entry_probe(evaluate, point, t, index, here, tol.eps)
            entry = _in_gradient(
                _judge_by_probe(entry_label(t.name, index), float(t.mine[index]), probe, tol),
                t.name,
            )
            numerical[index] = entry.numerical
            entries.append(entry)
        gradients.append(
            CheckedGradient(
                t.name,
                t.kind,
                t.shape,
                t.line,
                text,
                (),
                np.full(t.shape, math.nan),
                numerical,
            )
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
    )


def _judge_by_probe(name: str, yours: float, p: _Probe, tol: Tolerances) -> GradientEntry:
    nan = math.nan
    assert tol.fd_rtol is not None and tol.fd_atol is not None
    rtol, atol = max(tol.rtol, tol.fd_rtol), tol.atol + tol.fd_atol

    def entry(verdict: str, numerical: float, note: str = "") -> GradientEntry:
        error = abs(yours - numerical) if math.isfinite(numerical) else nan
        return GradientEntry(
            name,
            yours,
            nan,
            numerical,
            error,
            _relative(error, numerical),
            verdict,
            note,
            (p.left_small, p.right_small),
        )

    if p.error:
        return entry(UNCLEAR, nan, f"no finite differences: {p.error}")
    if p.kink:
        lo, hi = min(p.left_small, p.right_small), max(p.left_small, p.right_small)
        slack = atol + rtol * max(abs(lo), abs(hi))
        if lo - slack <= yours <= hi + slack:
            return entry(KINK, p.central, f"not differentiable here: {_slopes(p)}")
        return entry(
            WRONG, p.central, f"not differentiable here ({_slopes(p)}), and yours is outside"
        )
    for estimate, noise in ((p.central, p.noise), (p.central_small, p.noise_small)):
        if _agrees(yours, estimate, rtol, atol, noise):
            return entry(OK, estimate)
    return entry(WRONG, p.central)
