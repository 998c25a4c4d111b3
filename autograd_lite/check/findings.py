"""A check's findings: :func:`~autograd_lite.check.mistakes.recognise` run on each wrong gradient.

:func:`find_mistakes` builds the recogniser's :class:`~autograd_lite.check.mistakes.MistakeContext`
from what a check holds: your numbers and the engine's, the forward values of the checked
names, the problem's sizes (batch size, classes, a dropout's keep probability) and, for a first
wrong step only, each consumer's contribution to its gradient, read off the part of the
check's graph between it and the next checked variables. Consumers are named after the
checked variable they lead to (``"bnvar"``), or ``"the loss"``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..core import Value
from ..core.rules import FLOAT_MATH
from .causes import root_causes
from .mistakes import Factor, MistakeContext, named_factors, recognise
from .report import KINK, UNCLEAR, WRONG, CheckedGradient, GradientEntry, Mistake, Tolerances

__all__ = ["CheckedFacts", "find_mistakes", "report_mistakes"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_LOSS = "the loss"
_CLASS_NAMES = ("logit", "score", "prob")


@dataclass(frozen=True)
class CheckedFacts:
    """One checked gradient as the recogniser needs it.

    Attributes:
        name: the input's or variable's name.
        kind: ``"input"`` or ``"variable"``.
        yours: your gradient.
        engine: the engine's gradient (NaN where the engine could not follow the function).
        value: the input's or variable's forward value (NaN where unknown).
        nodes: its entries' nodes in the check's graph, flat in C order (None where unknown).
        wrong: the entries judged ``"WRONG"``.
        ignore: the entries not held against a finding (kinks, unclear).
        inherits: the wrong gradients downstream whose error it may merely carry.
        downstream: the checked gradients between it and the loss.
        numerical: its finite-difference estimates (NaN where not probed).
    """

    name: str
    kind: str
    yours: FloatArray
    engine: FloatArray
    value: FloatArray
    nodes: Sequence[Value | None]
    wrong: BoolArray
    ignore: BoolArray
    inherits: tuple[str, ...] = ()
    downstream: tuple[str, ...] = ()
    numerical: FloatArray | None = None


def find_mistakes(
    checked: Sequence[CheckedFacts],
    loss: Value | None,
    *,
    rtol: float,
    atol: float,
    gradient_of: Mapping[Value, float] | None = None,
    fd_rtol: float = 1e-3,
    fd_atol: float = 1e-5,
    inputs: Sequence[str] = (),
) -> list[Mistake]:
    """The findings of every wrong gradient, in the order given (backward order).

    Gradients without a WRONG entry get none. A gradient the engine could not compute (a
    forward pass judged by finite differences alone) is held against its finite differences,
    to the tolerance its entries were judged with, and only for the kinds that need nothing
    else (scale, sign, transpose, axes, routing).

    Args:
        checked: every checked gradient of the report.
        loss: the graph the check built (None when it built none).
        rtol, atol: the check's agreement rule.
        gradient_of: d(loss)/d(node) for the graph's nodes, from the check's walk; without
            it (or without ``loss``) no gradient is split by consumer.
        fd_rtol, fd_atol: the tolerances between the engine and finite differences.
        inputs: every input's name, checked or not; when each is ``d...`` (check_backward's
            ``dx``, ``dw``) they are gradients' names already, and messages use them as they are.

    Returns:
        The :class:`~autograd_lite.check.mistakes.Mistake` findings.
    """
    judged = [c for c in checked if np.all(np.isfinite(c.engine))]
    wrong = [c for c in judged if c.wrong.any()]
    estimated = [
        c
        for c in checked
        if c.wrong.any()
        and not np.all(np.isfinite(c.engine))
        and c.numerical is not None
        and np.all(np.isfinite(c.numerical))
    ]
    if not wrong and not estimated:
        return []
    values = {c.name: c.value for c in checked if np.all(np.isfinite(c.value))}
    context = MistakeContext(
        rtol=rtol,
        atol=atol,
        values=values,
        gradients={c.name: c.engine for c in judged},
        paths=_LazyPaths(checked, wrong, loss, gradient_of),
        factors=_factors(checked, values, loss),
        ignore={c.name: c.ignore for c in checked},
        inherits={c.name: c.inherits for c in checked if c.inherits},
        wrong=frozenset(c.name for c in checked if c.wrong.any()),
        display=_display(checked, inputs),
        judged={c.name: c.wrong for c in checked},
    )
    by_differences = MistakeContext(
        rtol=max(rtol, fd_rtol),
        atol=atol + fd_atol,
        values=values,
        factors=context.factors,
        ignore=context.ignore,
        display=context.display,
        judged=context.judged,
    )
    found: list[Mistake] = []
    for c in checked:
        if c in wrong:
            found += recognise(c.name, c.yours, c.engine, context)
        elif c in estimated and c.numerical is not None:
            found += recognise(c.name, c.yours, c.numerical, by_differences)
    return found


def report_mistakes(
    gradients: Sequence[CheckedGradient],
    entries: Sequence[GradientEntry],
    loss: Value | None,
    tolerances: Tolerances,
    gradient_of: Mapping[Value, float] | None = None,
    *,
    inputs: Sequence[str] = (),
) -> list[Mistake]:
    """:func:`find_mistakes` on a report's parts, before the report is made.

    Args:
        gradients: the checked gradients, in backward order.
        entries: every checked entry (``.gradient`` names its gradient).
        loss: the graph the check built.
        tolerances: the check's tolerances.
        gradient_of: d(loss)/d(node) for the graph's nodes, from the check's walk.
        inputs: every input's name, checked or not.

    Returns:
        The findings, for ``GradientReport(..., mistakes=...)``.
    """
    rows: dict[str, list[GradientEntry]] = {}
    for e in entries:
        rows.setdefault(e.gradient or e.name.split("[", 1)[0], []).append(e)
    wrong = {name for name, group in rows.items() if any(e.verdict == WRONG for e in group)}
    causes = set(root_causes(gradients, wrong))
    checked = []
    for g in gradients:
        group = rows.get(g.name, [])
        if len(group) != g.engine.size:
            continue
        yours = np.array([math.nan if e.expected is None else e.expected for e in group])
        value = np.array([math.nan if e.node is None else e.node.data for e in group])
        verdicts = np.array([e.verdict for e in group]).reshape(g.shape)
        heirs = tuple(d for d in g.downstream if d in causes) if g.name in wrong else ()
        checked.append(
            CheckedFacts(
                g.name,
                g.kind,
                yours.reshape(g.shape),
                g.engine,
                value.reshape(g.shape),
                [e.node for e in group],
                verdicts == WRONG,
                (verdicts == KINK) | (verdicts == UNCLEAR),
                heirs,
                g.downstream,
                g.numerical,
            )
        )
    fd = {"fd_rtol": tolerances.fd_rtol, "fd_atol": tolerances.fd_atol}
    return find_mistakes(
        checked,
        loss,
        rtol=tolerances.rtol,
        atol=tolerances.atol,
        gradient_of=gradient_of,
        inputs=inputs,
        **{k: v for k, v in fd.items() if v is not None},
    )


def _display(checked: Sequence[CheckedFacts], inputs: Sequence[str]) -> dict[str, str]:
    """What a learner calls each gradient: ``dW1`` for W1. Names that already are gradients'
    stay as they are: a layer's ``dense2.dweights``, and the inputs of a check whose every
    input is named ``d...`` (check_backward's ``dx``, ``dw``)."""
    names = list(inputs) or [c.name for c in checked if c.kind == "input"]
    gradient_named = bool(names) and all(re.match(r"d[A-Za-z]", n) for n in names)
    out = {}
    for c in checked:
        as_is = "." in c.name or (c.kind == "input" and gradient_named)
        out[c.name] = c.name if as_is else "d" + c.name
    return out


# ---------------------------------------------------------------------- the problem's sizes


def _factors(
    checked: Sequence[CheckedFacts], values: Mapping[str, FloatArray], loss: Value | None
) -> list[Factor]:
    divisor = _loss_divisor(loss)
    batch = _batch_size(checked, divisor)
    classes = None
    for c in checked:
        is_class = any(word in c.name.lower() for word in _CLASS_NAMES)
        if c.kind == "variable" and c.engine.ndim == 2 and is_class:
            classes = int(c.engine.shape[1])
            break
    sizes = sorted({n for c in checked for n in c.engine.shape if n > 2})
    found = named_factors(batch=batch, classes=classes, keep=_keep(values), sizes=sizes)
    if divisor is not None and divisor != batch:
        # np.mean over every entry: the loss divides by more than the batch size.
        named = f"the {divisor} entries the loss averages over"
        fix, undo = f"divide by {divisor}", f"multiply by {divisor}"
        found.insert(1, Factor(float(divisor), named, fix, undo))
    return found


def _loss_divisor(loss: Value | None) -> int | None:
    """The n of a loss that ends in ``/ n`` (or ``* (1/n)``): what it averages over."""
    if loss is None or loss.op not in ("div", "mul") or len(loss.parents) != 2:
        return None
    other = loss.parents[1]
    if not other.is_leaf or other.data == 0:
        return None
    n = other.data if loss.op == "div" else 1.0 / other.data
    return round(n) if n > 1 and abs(n - round(n)) < 1e-9 else None


def _batch_size(checked: Sequence[CheckedFacts], divisor: int | None) -> int | None:
    """The batch size N, from the loss's divisor and the variables' leading axis.

    The leading axis most variables share is N when the loss divides by a multiple of it
    (a mean over the batch, or over every entry) or by nothing; otherwise the divisor is.
    """
    leading = Counter(
        c.engine.shape[0] for c in checked if c.kind == "variable" and c.engine.ndim >= 2
    )
    axis = int(leading.most_common(1)[0][0]) if leading else None
    if axis is not None and axis > 1 and (divisor is None or divisor % axis == 0):
        return axis
    return divisor


def _keep(values: Mapping[str, FloatArray]) -> float | None:
    """A dropout's keep probability p: two same-shaped values whose ratio is only 0 or 1/p."""
    arrays = [v for v in values.values() if v.ndim >= 1 and v.size >= 4]
    for a in arrays:
        for b in arrays:
            if a is b or a.shape != b.shape:
                continue
            live = b != 0
            if not live.all():
                continue
            ratio = a / b
            kept = ratio != 0
            if kept.all() or not kept.any():
                continue
            scale = ratio[kept]
            if np.allclose(scale, scale[0], rtol=1e-9, atol=0.0) and scale[0] > 1.0:
                return float(1.0 / scale[0])
    return None


# ---------------------------------------------------------------------- consumers' parts


class _LazyPaths(Mapping[str, Mapping[str, FloatArray]]):
    """Gradient name -> consumer -> contribution, computed by one walk on first use."""

    def __init__(
        self,
        checked: Sequence[CheckedFacts],
        wrong: Sequence[CheckedFacts],
        loss: Value | None,
        gradient_of: Mapping[Value, float] | None,
    ) -> None:
        self._checked = checked
        self._wrong = wrong
        self._loss = loss
        self._gradient_of = gradient_of
        self._paths: dict[str, dict[str, FloatArray]] | None = None

    def _computed(self) -> dict[str, dict[str, FloatArray]]:
        if self._paths is None:
            loss, grads = self._loss, self._gradient_of
            self._paths = {}
            if loss is not None and grads is not None:
                self._paths = _contributions(self._checked, self._wrong, loss, grads)
        return self._paths

    def __getitem__(self, name: str) -> Mapping[str, FloatArray]:
        if not any(c.name == name and not c.inherits for c in self._wrong):
            raise KeyError(name)  # only first wrong steps are split: no walk for the rest
        return self._computed()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._computed())

    def __len__(self) -> int:
        return len(self._computed())


def _contributions(
    checked: Sequence[CheckedFacts],
    wrong: Sequence[CheckedFacts],
    loss: Value,
    grads: Mapping[Value, float],
) -> dict[str, dict[str, FloatArray]]:
    """Each first wrong step split by consumer, named after the checked variable it leads to.

    Only the part of the graph between the gradient's nodes and the next checked variables
    (or the loss) is visited: from the checked variables downstream of it, nearest first,
    back through parents, stopping at checked nodes, until every consumer is accounted for.
    An edge into the gradient's node adds ``grads[child] * local`` (the engine's gradient of
    the consumer, from the check's walk, times the rule's local derivative).
    The parts must add up to the engine's gradient and every unnamed consumer's gradient
    must come from the variables visited, or the gradient gets no parts at all: nothing is
    claimed from stale numbers or half-known consumers.
    """
    by_name = {c.name: c for c in checked}
    named: dict[Value, str] = {}
    for c in checked:
        for node in c.nodes:
            if node is not None:
                named.setdefault(node, c.name)
    out: dict[str, dict[str, FloatArray]] = {}
    for c in wrong:
        if c.inherits:
            continue  # it may only carry a downstream error: no step of its own to split
        parts = _split(c, by_name, named, loss, grads)
        if parts is not None:
            out[c.name] = parts
    return out


def _split(
    c: CheckedFacts,
    by_name: Mapping[str, CheckedFacts],
    named: Mapping[Value, str],
    loss: Value,
    grads: Mapping[Value, float],
) -> dict[str, FloatArray] | None:
    targets = {node: flat for flat, node in enumerate(c.nodes) if node is not None}
    if len(targets) != c.engine.size:
        return None
    downstream = c.downstream or tuple(n for n, o in by_name.items() if o.kind == "variable")
    starts: list[tuple[str, list[Value]]] = []
    for d in reversed(downstream):  # backward order reversed: the nearest consumers first
        other = by_name.get(d)
        if other is not None and other.kind == "variable" and d != c.name:
            starts.append((d, [n for n in other.nodes if n is not None]))
    if loss not in named:
        starts.append((_LOSS, [loss]))
    labels: dict[Value, set[str]] = {}
    kids: dict[Value, list[tuple[Value, int]]] = {}
    edges: dict[tuple[Value, int], Value] = {}
    for through, nodes in starts:
        stack = list(nodes)
        seen = set(stack)
        while stack:
            node = stack.pop()
            labels.setdefault(node, set()).add(through)
            for index, parent in enumerate(node.parents):
                if parent in targets:
                    edges[(node, index)] = parent
                elif parent not in named:
                    kids.setdefault(parent, []).append((node, index))
                    if parent not in seen:
                        seen.add(parent)
                        stack.append(parent)
        parts = _parts(c, targets, edges, labels, kids, named, grads)
        if parts is not None:
            return parts
    return None


def _parts(
    c: CheckedFacts,
    targets: Mapping[Value, int],
    edges: Mapping[tuple[Value, int], Value],
    labels: Mapping[Value, set[str]],
    kids: Mapping[Value, list[tuple[Value, int]]],
    named: Mapping[Value, str],
    grads: Mapping[Value, float],
) -> dict[str, FloatArray] | None:
    """The parts by consumer, or None while some consumer's gradient is not accounted for."""
    parts: dict[str, FloatArray] = {}
    for node in {node for node, _ in edges}:
        if node not in named and not _complete(node, kids.get(node, []), grads):
            return None
    for (node, index), parent in edges.items():
        key = " and ".join(sorted(labels[node]))
        part = parts.setdefault(key, np.zeros(c.engine.size))
        part[targets[parent]] += grads.get(node, 0.0) * _local(node, index)
    total = sum(parts.values(), np.zeros(c.engine.size)).reshape(c.engine.shape)
    if not np.allclose(total, c.engine, rtol=1e-9, atol=1e-12):
        return None
    return {k: v.reshape(c.engine.shape) for k, v in parts.items()}


def _complete(node: Value, kids: list[tuple[Value, int]], grads: Mapping[Value, float]) -> bool:
    """The node's gradient is what its visited consumers pass it: none was left unvisited."""
    passed = sum(grads.get(kid, 0.0) * _local(kid, index) for kid, index in kids)
    return math.isclose(passed, grads.get(node, 0.0), rel_tol=1e-9, abs_tol=1e-12)


def _local(node: Value, index: int) -> float:
    rule = node.rule
    if rule is None:
        return 0.0
    local = rule.local_grads(FLOAT_MATH, node.data, *[p.data for p in node.parents])
    return float(local[index])


def _order(checked: Sequence[CheckedFacts]) -> Callable[[str], int]:
    position = {c.name: i for i, c in enumerate(checked)}
    return lambda name: position.get(name, len(position))
