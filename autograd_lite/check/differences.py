"""Finite differences: the checked function evaluated a step away, and its difference quotients.

How finite differences are taken. The step for an entry ``x`` is ``h = eps * max(1, |x|)``.
The function is evaluated at ``x``, ``x ± h`` and ``x ± h/10``; the central difference
``(f(x+h) - f(x-h)) / 2h`` is the estimate shown. Your function is first tried on plain float
copies of the inputs (fast, and independent of the engine); if it does not run on floats or gives
a different value there, it is evaluated on fresh Values built under ``no_grad()``. Either way
only copies are perturbed: your arrays, Values and their ``.grad`` are never touched.

The kink rule. At each step size the left and right difference quotients are compared. For a
smooth function they differ by about ``h * |f''|``, which shrinks tenfold with the step; across a
kink (relu or ``np.maximum`` at 0, ``abs`` at 0, a tie in ``np.max``) they differ by the jump in
slope, whatever the step. An entry is a **kink** when, at the small step, the two one-sided
quotients differ by more than the rounding-noise floor (``1000 ulp(f) / h``) and by more than half
their difference at the large step. There any value between the two one-sided slopes is a valid
answer (it is a subgradient convention), so a value in that range gets the verdict ``"kink"`` and
one outside it ``"WRONG"`` (see :mod:`autograd_lite.check.judge`).

How a whole gradient is cross-checked (:func:`cross_check`): per entry for gradients of at most
``PER_ENTRY_MAX`` entries; otherwise along ``DIRECTIONS`` random directions and on ``SAMPLES``
sampled entries (seeded by the name, so every run is the same), and on every entry when the
engine and the directional differences disagree.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.arrays import entry_label, is_number
from ..core.modes import no_grad
from ..core.value import Value
from .inputs import FloatArray, Input
from .report import Tolerances
from .trace import Call, Target
from .watch import WatchSession, watching

__all__ = [
    "DIRECTIONS",
    "PER_ENTRY_MAX",
    "SAMPLES",
    "CrossCheck",
    "EvaluationFailed",
    "Evaluator",
    "Probe",
    "cross_check",
    "entry_probe",
    "probe",
    "probe_line",
]

_ULP = float(np.finfo(np.float64).eps)
# Rounding in a loss built from many operations can reach many ulps of the loss; 1000 leaves
# room for that while staying far below any slope difference worth reporting.
_NOISE_ULPS = 1000.0
_REFINE = 10.0  # the second step is h / _REFINE
# How closely the function on floats must reproduce the traced loss to be trusted as the same
# function (summation order may differ between numpy's float and object loops).
_SAME_FUNCTION_RTOL = 1e-8

# Four evaluations of loss_fn per entry: a fixed limit keeps the choice (and so every verdict)
# the same from run to run, which a time budget would not.
PER_ENTRY_MAX = 50
DIRECTIONS = 2
SAMPLES = 4


# ---------------------------------------------------------------------- evaluating the function


def _as_float(result: object) -> float | None:
    """The number a call on floats (or on untraced Values) returned, or None if not one number."""
    if isinstance(result, Value):
        return result.data
    if is_number(result):
        return float(result)  # type: ignore[arg-type]
    if isinstance(result, np.ndarray) and result.size == 1:
        return _as_float(result.reshape(-1)[0])
    return None


class EvaluationFailed(Exception):
    """The function could not be evaluated at a perturbed point (outside its domain)."""


class Evaluator:
    """Evaluates the user's function at a float point, on floats when it runs on them.

    Float mode is tried once at the unperturbed point and kept only if it reproduces the traced
    loss; otherwise every evaluation builds fresh leaf Values under ``no_grad()``.

    Attributes:
        note: how the function is evaluated, in words, for the report.
        on_floats: True when it runs on float copies of the inputs.
        shapes: the shapes of the variables watched in the trial call on floats.
        error: what the trial call on floats raised, or None.
    """

    def __init__(
        self,
        call: Call,
        inputs: list[Input],
        traced: float | None,
        who: str,
        watched: frozenset[str] = frozenset(),
    ) -> None:
        self._call = call
        self._inputs = inputs
        self._who = who
        self._watched = watched
        self.note = ""
        self.on_floats = False
        self.shapes: dict[str, tuple[int, ...]] = {}
        point = {i.name: i.array for i in inputs}
        reason = ""
        try:
            with np.errstate(all="ignore"), watching(WatchSession(watched, False)) as session:
                on_floats = _as_float(call(self._float_args(point)))
            self.shapes = {name: w.shape for name, w in session.seen.items()}
        except Exception as err:  # any failure just means "does not run on floats"
            on_floats = None
            reason = f" ({type(err).__name__}: {err})"
            self.error: Exception | None = err
        else:
            self.error = None
        if traced is None:  # the function cannot run on Values: floats are all there is
            self.on_floats = on_floats is not None and math.isfinite(on_floats)
            self.note = f"finite differences: {who} evaluated on float copies of the inputs"
            return
        if on_floats is not None and abs(on_floats - traced) <= _SAME_FUNCTION_RTOL * max(
            1.0, abs(traced)
        ):
            self.on_floats = True
            self.note = f"finite differences: {who} evaluated on float copies of the inputs"
        else:
            if on_floats is not None:
                reason = f" (on floats it gives {on_floats!r}, on Values {traced!r})"
            self.note = (
                f"finite differences: {who} evaluated on fresh Values, since it does not run on "
                f"plain floats{reason}"
            )

    def _float_args(self, point: Mapping[str, FloatArray]) -> dict[str, Any]:
        # Copies, so a function that modifies its arguments in place cannot disturb the point.
        return {
            i.name: float(point[i.name]) if i.scalar else point[i.name].copy() for i in self._inputs
        }

    def _value_args(self, point: Mapping[str, FloatArray]) -> dict[str, Any]:
        args: dict[str, Any] = {}
        for i in self._inputs:
            arr = point[i.name]
            if i.scalar:
                args[i.name] = Value(float(arr))
            else:
                leaves = np.empty(arr.shape, dtype=object)
                for index, x in np.ndenumerate(arr):
                    leaves[index] = Value(float(x))
                args[i.name] = leaves
        return args

    def __call__(
        self, point: Mapping[str, FloatArray], deltas: dict[str, FloatArray] | None = None
    ) -> float:
        """The function's value at ``point``, with ``deltas`` added to watched variables."""
        session = WatchSession(self._watched, False, deltas or {})
        try:
            if self.on_floats:
                with np.errstate(all="ignore"), watching(session):
                    result = self._call(self._float_args(point))
            else:
                with no_grad(), watching(session):
                    result = self._call(self._value_args(point))
        except (ArithmeticError, ValueError) as err:
            raise EvaluationFailed(f"{self._who} raised {type(err).__name__}: {err}") from None
        number = _as_float(result)
        if number is None:
            raise EvaluationFailed(
                f"{self._who} returned {type(result).__name__} {result!r}, not a real number"
            )
        if not math.isfinite(number):
            raise EvaluationFailed(f"{self._who} returned {number!r}")
        return number


# ---------------------------------------------------------------------- difference quotients


@dataclass(frozen=True)
class Probe:
    """Difference quotients of f along one entry, at step h and at step h / 10."""

    central: float
    central_small: float
    left: float
    right: float
    left_small: float
    right_small: float
    noise: float  # rounding noise of a difference quotient at step h
    noise_small: float
    error: str = ""

    @property
    def kink(self) -> bool:
        """One-sided slopes that disagree beyond noise and do not converge as the step shrinks."""
        gap = abs(self.right - self.left)
        gap_small = abs(self.right_small - self.left_small)
        return gap_small > 2.0 * self.noise_small and gap_small > 0.5 * gap


def _failed(error: str) -> Probe:
    nan = math.nan
    return Probe(nan, nan, nan, nan, nan, nan, nan, nan, error=error)


def probe(
    evaluate: Evaluator,
    point: dict[str, FloatArray],
    name: str,
    index: tuple[int, ...],
    here: float,
    eps: float,
) -> Probe:
    """Difference quotients along entry ``index`` of input ``name`` (``here`` = f(point))."""
    arr = point[name]
    x0 = float(arr[index])
    h = eps * max(1.0, abs(x0))
    quotients: list[float] = []
    noises: list[float] = []
    try:
        for step in (h, h / _REFINE):
            up, down = x0 + step, x0 - step
            arr[index] = up
            f_up = evaluate(point)
            arr[index] = down
            f_down = evaluate(point)
            # The steps actually taken, after rounding x0 + step to a float.
            step_up, step_down = up - x0, x0 - down
            if step_up <= 0 or step_down <= 0:
                raise EvaluationFailed(f"the step {step:.1e} is lost in rounding x0 = {x0!r}")
            quotients += [
                (f_up - f_down) / (step_up + step_down),
                (here - f_down) / step_down,
                (f_up - here) / step_up,
            ]
            scale = max(abs(here), abs(f_up), abs(f_down))
            # math.ulp keeps a floor for subnormal values, whose spacing is absolute.
            ulp = max(_ULP * scale, math.ulp(scale))
            noises.append(_NOISE_ULPS * ulp / min(step_up, step_down))
    except EvaluationFailed as err:
        delta = float(arr[index]) - x0
        where = entry_label(name, index)
        if delta:
            where += f" {'+' if delta > 0 else '-'} {abs(delta):.1e}"
        return _failed(f"{err} at {where}")
    finally:
        arr[index] = x0
    central, left, right, central_s, left_s, right_s = quotients
    return Probe(central, central_s, left, right, left_s, right_s, noises[0], noises[1])


def probe_line(f: Callable[[float], float], here: float, h: float, where: str) -> Probe:
    """Difference quotients of ``t -> f(t)`` at 0 (``f(0) == here``), at steps h and h / 10."""
    quotients: list[float] = []
    noises: list[float] = []
    try:
        for step in (h, h / _REFINE):
            f_up, f_down = f(step), f(-step)
            central = (f_up - f_down) / (2 * step)
            quotients += [central, (here - f_down) / step, (f_up - here) / step]
            scale = max(abs(here), abs(f_up), abs(f_down))
            noises.append(_NOISE_ULPS * _ULP * scale / step)
    except EvaluationFailed as err:
        return _failed(f"{err} at {where}")
    central, left, right, central_s, left_s, right_s = quotients
    return Probe(central, central_s, left, right, left_s, right_s, noises[0], noises[1])


# ---------------------------------------------------------------------- along a checked gradient


def _entry_line(
    evaluate: Evaluator, point: dict[str, FloatArray], t: Target, index: tuple[int, ...]
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
    evaluate: Evaluator, point: dict[str, FloatArray], t: Target, d: FloatArray
) -> Callable[[float], float]:
    if t.kind == "input":
        base = point[t.name]

        def along_input(step: float) -> float:
            return evaluate({**point, t.name: base + step * d})

        return along_input
    return lambda step: evaluate(point, {t.name: step * d})


def entry_probe(
    evaluate: Evaluator,
    point: dict[str, FloatArray],
    t: Target,
    index: tuple[int, ...],
    here: float,
    eps: float,
) -> Probe:
    """Difference quotients along one entry of a checked input or variable."""
    if t.kind == "input":
        return probe(evaluate, point, t.name, index, here, eps)
    x0 = float(t.value[index])
    h = eps * max(1.0, abs(x0))
    return probe_line(_entry_line(evaluate, point, t, index), here, h, entry_label(t.name, index))


def _rng(name: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(name.encode()))


@dataclass
class CrossCheck:
    """How one gradient was cross-checked, and the entries probed one by one.

    Attributes:
        probes: index -> the difference quotients along that entry.
        text: the cross-check in words, for the report.
        kink: a kink showed along a direction: entries where yours differs need probing.
        failed: why the engine disagreed with the differences along a direction ("" if not).
    """

    probes: dict[tuple[int, ...], Probe]
    text: str
    kink: bool = False
    failed: str = ""


def cross_check(
    t: Target,
    engine: FloatArray,
    evaluate: Evaluator,
    point: dict[str, FloatArray],
    here: float,
    tol: Tolerances,
) -> CrossCheck:
    """The engine's gradient ``engine`` of ``t`` held to finite differences."""
    eps = tol.eps
    size = int(np.prod(t.shape))
    indices = list(np.ndindex(t.shape))
    if size <= PER_ENTRY_MAX:
        probes = {ix: entry_probe(evaluate, point, t, ix, here, eps) for ix in indices}
        what = "entry" if size == 1 else f"each of its {size} entries"
        return CrossCheck(probes, f"central differences on {what}")
    rng = _rng(t.name)
    h = eps * max(1.0, float(np.max(np.abs(t.value))))
    kink = False
    failed = ""
    assert tol.fd_rtol is not None and tol.fd_atol is not None
    for k in range(DIRECTIONS):
        d = rng.standard_normal(t.shape)
        d /= float(np.linalg.norm(d))
        p = probe_line(_direction_line(evaluate, point, t, d), here, h, f"{t.name} direction {k}")
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
        probes = {ix: entry_probe(evaluate, point, t, ix, here, eps) for ix in indices}
        return CrossCheck(
            probes, f"central differences on each of its {size} entries ({failed})", kink, failed
        )
    picks = rng.choice(size, size=min(SAMPLES, size), replace=False)
    probes = {
        indices[int(i)]: entry_probe(evaluate, point, t, indices[int(i)], here, eps)
        for i in sorted(picks)
    }
    text = (
        f"central differences along {DIRECTIONS} random directions and on {len(probes)} "
        f"sampled entries (seeded), since it has {size} entries"
    )
    if kink:
        text += "; a kink shows along a direction, so entries where yours differs are probed"
    return CrossCheck(probes, text, kink)
