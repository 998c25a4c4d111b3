"""Judging entries: the verdict on one number, given the engine's value and the finite differences.

Three kinds of judgement, one function each:

- :func:`judge_yours`: your hand-derived number against the engine's, with the difference
  quotients when the entry was probed (``check_gradients``);
- :func:`judge_yours_by_differences`: your number against the difference quotients alone,
  when the function cannot run on Values (``check_gradients`` on a cut graph);
- :func:`judge_engine`: the engine's number against the difference quotients (``gradcheck``).

:func:`judge_gradient` and :func:`judge_gradient_by_differences` judge every entry of one
checked gradient, probing the entries near a kink one by one. The verdicts and their meaning
are in :mod:`autograd_lite.check.report`; how the quotients are taken, and the kink rule, in
:mod:`autograd_lite.check.differences`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from ..core.arrays import entry_label
from ..core.value import Value
from .differences import CrossCheck, Evaluator, Probe, entry_probe
from .inputs import FloatArray
from .report import KINK, OK, UNCLEAR, WRONG, GradientEntry, Tolerances
from .trace import Target
from .watch import entry_labels

__all__ = [
    "agrees",
    "judge_engine",
    "judge_gradient",
    "judge_gradient_by_differences",
    "judge_yours",
    "judge_yours_by_differences",
]

_KINK_PROBES_MAX = 200


def agrees(value: float, reference: float, rtol: float, atol: float, noise: float = 0.0) -> bool:
    """``|value - reference| <= atol + rtol * |reference| + noise``."""
    return abs(value - reference) <= atol + rtol * abs(reference) + noise


def _relative(error: float, reference: float) -> float:
    if reference != 0:
        return error / abs(reference)
    return 0.0 if error == 0 else math.inf


def _fd_estimate(g: float, p: Probe, rtol: float, atol: float) -> tuple[float, bool]:
    """The finite-difference estimate to show, and whether it agrees with the engine's g.

    The small step rescues a point within h of a kink, where the large step straddles it.
    """
    if agrees(g, p.central, rtol, atol, p.noise):
        return p.central, True
    if agrees(g, p.central_small, rtol, atol, p.noise_small):
        return p.central_small, True
    return p.central, False


def _join(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


def _slopes(p: Probe) -> str:
    return f"slope {p.left_small:.6g} from the left, {p.right_small:.6g} from the right"


def _kink_hint(kink_source: str) -> str:
    if not kink_source:
        return ""
    if kink_source.startswith("a tie"):
        return f"on the path of {kink_source}, where the engine follows the number numpy picked"
    return f"on the path of {kink_source}, where the engine takes slope 0"


# ---------------------------------------------------------------------- one entry


def judge_yours(
    name: str,
    yours: float,
    g: float,
    p: Probe | None,
    node: Value,
    kink_source: str,
    tol: Tolerances,
    gradient: str = "",
) -> GradientEntry:
    """The verdict on one of your numbers, given the engine's ``g`` and, when the entry was
    probed, its difference quotients ``p``."""
    assert tol.fd_rtol is not None and tol.fd_atol is not None
    error = abs(yours - g)
    relative = _relative(error, g)
    hint = _kink_hint(kink_source)
    nan = math.nan
    one_sided = (p.left_small, p.right_small) if p is not None else (nan, nan)

    def entry(verdict: str, numerical: float, *notes: str) -> GradientEntry:
        return GradientEntry(
            name,
            yours,
            g,
            numerical,
            error,
            relative,
            verdict,
            _join(*notes, hint),
            one_sided,
            node,
            gradient,
        )

    agree = agrees(yours, g, tol.rtol, tol.atol)
    if p is None:
        if not math.isfinite(g):
            return entry(UNCLEAR, nan, f"the engine's gradient is {g!r}")
        return entry(OK if agree else WRONG, nan)
    if not math.isfinite(g):
        return entry(UNCLEAR, p.central, f"the engine's gradient is {g!r}")
    if p.error:
        return entry(OK if agree else WRONG, p.central, f"not cross-checked: {p.error}")
    if p.kink and not kink_source:
        # No op sits at its kink here: the function is differentiable at this point and the
        # step crossed a kink nearby (a clip bound, a relu input close to 0). The engine's
        # slope is the answer when the side that does not cross confirms it.
        side = next(
            (
                (name_, s)
                for name_, s in (("left", p.left_small), ("right", p.right_small))
                if agrees(g, s, tol.fd_rtol, tol.fd_atol, p.noise_small)
            ),
            None,
        )
        if side is not None:
            return entry(
                OK if agree else WRONG,
                side[1],
                "differentiable here; a kink lies within the finite-difference step, and the "
                f"slope from the {side[0]} confirms the engine",
            )
    if p.kink:
        lo, hi = min(p.left_small, p.right_small, g), max(p.left_small, p.right_small, g)
        slack = tol.atol + tol.rtol * max(abs(lo), abs(hi))
        if lo - slack <= yours <= hi + slack:
            return entry(KINK, p.central, f"not differentiable here: {_slopes(p)}")
        return entry(
            WRONG,
            p.central,
            f"not differentiable here ({_slopes(p)}), and yours is outside that range",
        )
    numerical, confirmed = _fd_estimate(g, p, tol.fd_rtol, tol.fd_atol)
    if not confirmed:
        matches = (
            " (yours matches the finite differences)"
            if agrees(yours, numerical, tol.rtol, tol.atol)
            else ""
        )
        return entry(
            UNCLEAR,
            numerical,
            f"the engine's gradient and the finite differences disagree{matches}: loss_fn may "
            "hide part of its computation from the engine (.data, float(), int(), a branch on "
            "a value) or jump near this point",
        )
    return entry(OK if agree else WRONG, numerical)


def judge_yours_by_differences(
    name: str, yours: float, p: Probe, tol: Tolerances, gradient: str = ""
) -> GradientEntry:
    """The verdict on one of your numbers by the difference quotients alone (no engine)."""
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
            None,
            gradient,
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
        if agrees(yours, estimate, rtol, atol, noise):
            return entry(OK, estimate)
    return entry(WRONG, p.central)


def judge_engine(
    name: str,
    g: float,
    p: Probe,
    node: Value,
    kink_source: str,
    *,
    rtol: float,
    atol: float,
    gradient: str = "",
) -> GradientEntry:
    """The verdict on the engine's gradient ``g``, given the difference quotients."""
    hint = _kink_hint(kink_source)

    def entry(verdict: str, numerical: float, *notes: str) -> GradientEntry:
        error = abs(g - numerical)
        return GradientEntry(
            name,
            None,
            g,
            numerical,
            error,
            _relative(error, numerical),
            verdict,
            _join(*notes, hint),
            (p.left_small, p.right_small),
            node,
            gradient,
        )

    if p.error:
        return entry(UNCLEAR, math.nan, f"no finite differences: {p.error}")
    if p.kink:
        lo, hi = min(p.left_small, p.right_small), max(p.left_small, p.right_small)
        slack = atol + rtol * max(abs(lo), abs(hi))
        if lo - slack <= g <= hi + slack:
            return entry(KINK, p.central, f"not differentiable here: {_slopes(p)}")
        return entry(
            WRONG,
            p.central,
            f"not differentiable here ({_slopes(p)}); the engine's value is outside that range",
        )
    if not math.isfinite(g):
        return entry(UNCLEAR, p.central, f"the engine's gradient is {g!r}")
    numerical, confirmed = _fd_estimate(g, p, rtol, atol)
    if confirmed and not (
        agrees(g, p.central, rtol, atol) or agrees(g, p.central_small, rtol, atol)
    ):
        # Only the rounding-noise allowance makes them agree: f is too large next to its
        # slope for differences at this step to confirm (or refute, or see a kink) anything.
        return entry(
            UNCLEAR,
            numerical,
            f"finite differences cannot tell: rounding noise of f (about {p.noise:.2g}) is "
            "larger than the tolerance; check at a larger eps or on a smaller function",
        )
    return entry(OK if confirmed else WRONG, numerical)


# ---------------------------------------------------------------------- one checked gradient


def judge_gradient(
    t: Target,
    engine: FloatArray,
    check: CrossCheck,
    kink_source: Mapping[Value, str],
    near: set[Value],
    evaluate: Evaluator,
    point: dict[str, FloatArray],
    here: float,
    tol: Tolerances,
) -> tuple[list[GradientEntry], FloatArray]:
    """Every entry of ``t`` judged against the engine's gradient ``engine``.

    Entries probed by the cross-check are judged with their quotients; so are entries near a
    kink (any value between the one-sided slopes is right there), up to ``_KINK_PROBES_MAX``.

    Returns:
        The entries, and the finite-difference estimates in ``t``'s shape (NaN where none).
    """
    numerical = np.full(t.shape, math.nan)
    entries: list[GradientEntry] = []
    kink_probes = 0
    labels = entry_labels(t.name, t.shape)
    for index, node, name in zip(np.ndindex(t.shape), t.nodes, labels, strict=True):
        yours = float(t.mine[index])
        g = float(engine[index])
        probe = check.probes.get(index)
        # Near a kink any value between the one-sided slopes is right: probe the entry.
        close = node in near or (check.kink and not agrees(yours, g, tol.rtol, tol.atol))
        if probe is None and close and kink_probes < _KINK_PROBES_MAX:
            kink_probes += 1
            probe = entry_probe(evaluate, point, t, index, here, tol.eps)
        entry = judge_yours(name, yours, g, probe, node, kink_source.get(node, ""), tol, t.name)
        numerical[index] = entry.numerical
        entries.append(entry)
    return entries, numerical


def judge_gradient_by_differences(
    t: Target, evaluate: Evaluator, point: dict[str, FloatArray], here: float, tol: Tolerances
) -> tuple[list[GradientEntry], FloatArray]:
    """Every entry of ``t`` judged by central differences alone (the graph was cut)."""
    numerical = np.full(t.shape, math.nan)
    entries: list[GradientEntry] = []
    for index in np.ndindex(t.shape):
        probe = entry_probe(evaluate, point, t, index, here, tol.eps)
        name = entry_label(t.name, index)
        entry = judge_yours_by_differences(name, float(t.mine[index]), probe, tol, t.name)
        numerical[index] = entry.numerical
        entries.append(entry)
    return entries, numerical
