"""Gradients computed from your choice at a kink: judged against that choice, not the engine's.

At an exact kink (relu at 0, a tie in ``np.maximum``) any value between the one-sided slopes
is right, so your variable's entries there get the verdict ``"kink"`` even where your choice
differs from the engine's (relu'(0) = 0 where numpy's ``np.maximum(z, 0)`` passes ``z``
through). Every gradient you compute *from* that variable then carries your choice: a correct
``dW1 = X.T @ dZ1`` differs from the engine's, which carries the engine's choice.

:func:`follow_choices` gives such gradients a second reference: the engine's gradient plus the
change your choice makes, ``J^T (yours - engine)`` through the variable's nodes, computed by
one walk back from ``sum((yours - engine) * node)``. An entry judged ``"WRONG"`` against the
engine that agrees with this reference becomes ``"ok"`` with the note "ok, follows your choice
at the kink". Nothing is ever turned from ok to WRONG here, and only variables whose every
entry is ok or kink count as a choice.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from ..core import enable_grad, sum_values, walk_backward
from ..core.value import Value
from .judge import agrees
from .report import KINK, OK, WRONG, GradientEntry, Tolerances
from .trace import Target

__all__ = ["follow_choices"]


def follow_choices(
    targets: Sequence[Target],
    entries: list[GradientEntry],
    below: Mapping[str, set[str]],
    tol: Tolerances,
) -> list[GradientEntry]:
    """``entries`` with the WRONG ones that follow your choice at a kink turned ok.

    Args:
        targets: the checked gradients (inputs and variables).
        entries: every judged entry, each naming its gradient and node.
        below: gradient name -> the checked gradients between it and the loss.
        tol: the tolerances the entries were judged with.
    """
    by_gradient: dict[str, list[int]] = {}
    for i, e in enumerate(entries):
        by_gradient.setdefault(e.gradient, []).append(i)
    chosen: dict[str, list[tuple[Value, float]]] = {}
    for t in targets:
        mine = [entries[i] for i in by_gradient.get(t.name, [])]
        if t.kind != "variable" or any(e.verdict not in (OK, KINK) for e in mine):
            continue
        deltas = [
            (e.node, e.expected - e.engine)
            for e in mine
            if e.verdict == KINK
            and e.node is not None
            and e.expected is not None
            and not agrees(e.expected, e.engine, tol.rtol, tol.atol)
        ]
        if deltas:
            chosen[t.name] = deltas
    if not chosen:
        return entries
    out = list(entries)
    for t in targets:
        wrong = [i for i in by_gradient.get(t.name, []) if entries[i].verdict == WRONG]
        candidates = [v for v in chosen if v in below.get(t.name, set())]
        if not wrong or not candidates:
            continue
        # The choice nearest to this gradient: the one with the most gradients below it.
        v = max(candidates, key=lambda name: len(below.get(name, set())))
        shift = _shift(chosen[v])
        for i in wrong:
            e = entries[i]
            if e.node is None or e.expected is None:
                continue
            reference = e.engine + shift.get(e.node, 0.0)
            if agrees(e.expected, reference, tol.rtol, tol.atol):
                note = (
                    f"ok, follows your choice at the kink: your {v} takes another valid "
                    f"one-sided slope there than the engine, which gives {reference:.6g} here "
                    f"(the engine's own choice gives {e.engine:.6g})"
                )
                out[i] = dataclasses.replace(
                    e, verdict=OK, note="; ".join(n for n in (note, e.note) if n)
                )
    return out


def _shift(deltas: list[tuple[Value, float]]) -> dict[Value, float]:
    """d/d(node) of ``sum(delta * chosen node)``: what your choice adds to each gradient."""
    with enable_grad():
        root = sum_values([node * delta for node, delta in deltas])
    return walk_backward(root, None)
