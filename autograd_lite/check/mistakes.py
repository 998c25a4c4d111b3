"""What is wrong with a hand-derived gradient: learners' mistakes recognised from the numbers.

:func:`recognise` takes one gradient (its name, your numbers, the engine's, and a
:class:`MistakeContext` with the rest of the problem: forward values, the other gradients,
each consumer's contribution to this one, the sizes of the problem) and returns the
:class:`Mistake` findings that explain it. A finding is only ever a recomputation: the
engine's gradient with that one mistake made must reproduce *every* entry of yours to the
check's tolerance, or it is not reported. A correct gradient gets no finding; a wrong one
that no mistake reproduces gets one finding of kind ``"no simple pattern"`` showing its
largest differences.

The vocabulary (:data:`KINDS`):

- ``scale``: every entry (or one path's part) is off by a constant factor, named when it is
  a size of the problem: the batch size N, 2, 1/2, Bessel's (n-1)/n, dropout's 1/p, the
  number of classes;
- ``sign``: every entry (or one path's part) has the wrong sign;
- ``transpose`` / ``axes``: yours is the engine's transposed, with axes permuted, or flipped
  along axes (a convolution kernel rotated by 180 degrees);
- ``reduction``: yours is another gradient summed or averaged over the wrong axis, or one
  path's reduced part is broadcast along the wrong axis (a missing ``keepdims=True``);
- ``missing_path`` / ``extra_path``: yours is the engine's without (or with twice) the
  contribution through a named consumer;
- ``mask``: yours differs exactly where an activation is inactive (or active): the mask is
  missing, inverted, or taken from the wrong array;
- ``local_derivative``: the step's incoming gradient is right but its own derivative is not,
  e.g. tanh's written from the pre-activation (``1 - z1**2`` where ``a1 = tanh(z1)``);
- ``routing``: a max's gradient spread over its window, copied to all of it, or written
  instead of accumulated where windows overlap;
- ``no simple pattern``: none of the above reproduces yours.

This module works on arrays only; :mod:`autograd_lite.check.report` builds the context from
a check's graph.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from .report import Mistake

__all__ = [
    "KINDS",
    "NO_PATTERN",
    "Factor",
    "Mistake",
    "MistakeContext",
    "named_factors",
    "recognise",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

NO_PATTERN = "no simple pattern"
KINDS: dict[str, str] = {
    "scale": "every entry, or one path's part, is off by a constant factor",
    "sign": "every entry, or one path's part, has the wrong sign",
    "transpose": "yours is the engine's transposed",
    "axes": "yours is the engine's with axes permuted or flipped",
    "reduction": "summed or averaged over the wrong axis, or broadcast along the wrong one",
    "missing_path": "the contribution through a named consumer is missing",
    "extra_path": "the contribution through a named consumer is counted twice",
    "mask": "yours differs exactly where an activation is inactive (or active)",
    "local_derivative": "the incoming gradient is right, the step's own derivative is not",
    "routing": "a max's gradient spread over its window, or written instead of accumulated",
    NO_PATTERN: "none of the above reproduces yours; the largest differences are shown",
}
"""Every kind a :class:`Mistake` can have, with what it means."""

_LARGEST = 3  # differences shown for "no simple pattern"
_PATHS_PAIRED = 6  # pairs of missing paths are tried when a gradient has at most this many
_WINDOWS_MAX = 20_000  # entries of an input whose overlapping pooling windows are tried


@dataclass(frozen=True)
class Factor:
    """A number of the problem that a wrong factor may be.

    Attributes:
        value: the number (``8.0``).
        name: what it is, to follow "8 is" (``"the batch size N"``).
        fix: what to do when yours is ``value`` times the right gradient (``"divide by N"``).
        fix_inverse: what to do when yours is ``1 / value`` times it (``"multiply by N"``).
        aside: whether to mention it when the factor is explained by another one first.
    """

    value: float
    name: str
    fix: str
    fix_inverse: str
    aside: bool = True


@dataclass(frozen=True)
class MistakeContext:
    """What :func:`recognise` knows about the problem besides the gradient itself.

    Attributes:
        rtol, atol: the check's agreement rule, ``|yours - x| <= atol + rtol * |x|``.
        values: forward values by name (inputs and variables of the forward pass).
        gradients: the engine's gradients of the other checked names.
        paths: gradient name -> consumer name -> that consumer's contribution to the
            engine's gradient (they add up to it), e.g. ``{"bnmeani": {"bndiff": ..,
            "bnvar": ..}}``. May compute lazily: it is read only when cheaper kinds fail.
        factors: numbers of the problem a factor is named after (see :func:`named_factors`).
        ignore: gradient name -> entries not held against a finding (kinks, unclear ones).
        inherits: gradient name -> wrong gradients downstream of it, whose error it may carry.
            Such a gradient is only tested for the kinds that need no step of its own (scale,
            sign, transpose, axes, reduction, routing).
        wrong: the names whose gradient you got wrong (a step is only said to have a right
            input when that input is not among them).
        display: name -> what messages call its gradient; ``"d" + name`` when absent.
        judged: name -> the entries a check judged WRONG (else: those outside the tolerance).
    """

    rtol: float = 1e-4
    atol: float = 1e-8
    values: Mapping[str, FloatArray] = field(default_factory=dict)
    gradients: Mapping[str, FloatArray] = field(default_factory=dict)
    paths: Mapping[str, Mapping[str, FloatArray]] = field(default_factory=dict)
    factors: Sequence[Factor] = ()
    ignore: Mapping[str, BoolArray] = field(default_factory=dict)
    inherits: Mapping[str, Sequence[str]] = field(default_factory=dict)
    wrong: frozenset[str] = frozenset()
    display: Mapping[str, str] = field(default_factory=dict)
    judged: Mapping[str, BoolArray] = field(default_factory=dict)


def named_factors(
    *,
    batch: int | None = None,
    classes: int | None = None,
    keep: float | None = None,
    sizes: Sequence[int] = (),
) -> list[Factor]:
    """The factors a learner's gradient is typically off by, named after the problem.

    Args:
        batch: the batch size N (a missing or extra 1/N; Bessel's (N-1)/N).
        classes: the number of classes C.
        keep: a dropout's keep probability p (a missing 1/p).
        sizes: other axis lengths n of the problem (Bessel's (n-1)/n over them).

    Returns:
        The factors, most specific first; 2 (a square's derivative) is always among them.

    Example:
        >>> [f.name for f in named_factors(batch=8)][:2]
        ['the batch size N', "Bessel's correction (N-1)/N with N = 8"]
    """
    out: list[Factor] = []
    if batch is not None and batch > 1:
        out.append(Factor(float(batch), "the batch size N", "divide by N", "multiply by N"))
        out.append(
            Factor(
                (batch - 1) / batch,
                f"Bessel's correction (N-1)/N with N = {batch}",
                "the variance divides by N - 1, so its gradient does too",
                "the variance divides by N, so its gradient does too",
            )
        )
    if classes is not None and classes > 1:
        out.append(
            Factor(float(classes), "the number of classes C", "divide by C", "multiply by C")
        )
    if keep is not None and 0.0 < keep < 1.0:
        out.append(
            Factor(
                1.0 / keep,
                f"1/p of dropout (p = {keep:g})",
                "divide by p once, not twice",
                "divide by p, as the forward pass does",
            )
        )
    out.append(Factor(2.0, "the 2 of a square's derivative", "drop the factor 2", "multiply by 2"))
    for n in sizes:
        if n > 2 and n != batch:
            out.append(
                Factor(
                    (n - 1) / n,
                    f"Bessel's correction (n-1)/n with n = {n}",
                    "the variance divides by n - 1, so its gradient does too",
                    "the variance divides by n, so its gradient does too",
                    aside=False,
                )
            )
    return out


# ---------------------------------------------------------------------- recognise


def recognise(
    name: str, yours: Any, engine: Any, context: MistakeContext | None = None
) -> list[Mistake]:
    """The mistakes that explain your gradient ``name``, each checked by recomputing it.

    Args:
        name: the gradient's name (``"W1"``); messages call it ``context.display[name]``,
            else ``d`` + name (``dW1``).
        yours: your gradient (anything ``np.asarray`` reads).
        engine: the engine's gradient, in the same shape.
        context: the rest of the problem; without one, only the kinds that need nothing but
            the two arrays (scale, sign, transpose, axes, routing) can be recognised.

    Returns:
        [] when yours agrees with the engine's (entries in ``context.ignore`` aside);
        otherwise every finding whose recomputation reproduces every entry of yours, most
        specific first, or a single ``"no simple pattern"`` finding.

    Raises:
        ValueError: the two arrays differ in shape, or either holds NaN or inf.

    Example:
        >>> import numpy as np
        >>> engine = np.array([[0.5, -1.0], [0.25, 2.0]])
        >>> [m.kind for m in recognise("W", -engine, engine)]
        ['sign']
    """
    ctx = context if context is not None else MistakeContext()
    mine = np.asarray(yours, dtype=np.float64)
    ref = np.asarray(engine, dtype=np.float64)
    if mine.shape != ref.shape:
        raise ValueError(
            f"recognise: {name!r}: yours has shape {mine.shape}, the engine's {ref.shape}"
        )
    if not (np.all(np.isfinite(mine)) and np.all(np.isfinite(ref))):
        raise ValueError(f"recognise: {name!r}: NaN or inf among the numbers")
    r = _Recogniser(name, mine, ref, ctx)
    if not r.wrong.any():
        return []
    found = r.whole()
    if not found and not r.heir:
        found = r.through_paths()
    if not found:
        found = [r.no_pattern()]
    return found


@dataclass
class _Recogniser:
    name: str
    yours: FloatArray
    engine: FloatArray
    ctx: MistakeContext
    wrong: BoolArray = field(init=False)
    skip: BoolArray = field(init=False)

    def __post_init__(self) -> None:
        skip = self.ctx.ignore.get(self.name)
        self.skip = (
            np.zeros(self.yours.shape, dtype=bool)
            if skip is None
            else np.asarray(skip, dtype=bool).reshape(self.yours.shape)
        )
        judged = self.ctx.judged.get(self.name)
        self.wrong = (
            ~self._close(self.engine) & ~self.skip
            if judged is None
            else np.asarray(judged, dtype=bool).reshape(self.yours.shape)
        )

    @property
    def count(self) -> int:
        return int(self.wrong.sum())

    @property
    def heir(self) -> bool:
        return bool(self.ctx.inherits.get(self.name))

    @property
    def d(self) -> str:
        return self.grad_of(self.name)

    def grad_of(self, name: str) -> str:
        return self.ctx.display.get(name, "d" + name)

    # -------------------------------------------------------------- verification

    def _close(self, candidate: FloatArray) -> BoolArray:
        c = self.ctx
        scale = np.maximum(np.abs(candidate), np.abs(self.yours))
        return np.asarray(np.abs(self.yours - candidate) <= c.atol + c.rtol * scale)

    def reproduces(self, candidate: FloatArray) -> bool:
        """The mistake's recomputation agrees with every entry of yours (ignored ones aside)."""
        if candidate.shape != self.yours.shape or not np.all(np.isfinite(candidate)):
            return False
        return bool(np.all(self._close(candidate) | self.skip))

    def finding(self, kind: str, message: str, candidate: FloatArray, **evidence: Any) -> Mistake:
        err = float(np.max(np.abs(self.yours - candidate), initial=0.0))
        return Mistake(
            self.name,
            kind,
            message,
            {"entries": int(self.wrong.sum()), "max_error": err, **evidence},
        )

    # -------------------------------------------------------------- whole gradient

    def whole(self) -> list[Mistake]:
        found: list[Mistake] = []
        kinds = [self.reductions, self.routings]
        if not self.heir:
            kinds += [self.masks, self.local_derivatives]
        for kind in kinds:
            found += kind()
        found += self.scales()
        if not found:
            found += self.permutations()
        return found

    def scales(self) -> list[Mistake]:
        e, y = self.engine, self.yours
        norm = float(np.sum(e * e))
        if norm == 0.0:
            return []
        fitted = float(np.sum(e * y)) / norm
        if fitted == 0.0 or not math.isfinite(fitted):
            return []
        factor, named = self._named(fitted)
        if named is None and factor not in (-1.0, 0.5, -0.5) and np.count_nonzero(e) < 2:
            return []  # one number is always some multiple of another: no pattern in that
        candidate = factor * e
        if not self.reproduces(candidate):
            return []
        if factor == -1.0:
            return [
                self.finding(
                    "sign",
                    f"{self.d}: every entry has the wrong sign (yours = -engine): a minus sign "
                    "is missing or extra (e.g. y - p where p - y was meant).",
                    candidate,
                    factor=-1.0,
                )
            ]
        what = _times(factor, "every entry")
        also = [
            f.name
            for f in self.ctx.factors
            if f is not named
            and f.aside
            and any(math.isclose(abs(factor), v, rel_tol=1e-9) for v in (f.value, 1 / f.value))
        ]
        aside = f" (the factor also equals {_names(also)})" if also and named is not None else ""
        return [
            self.finding(
                "scale",
                f"{self.d}: {what}{_factor_text(factor, named)}{aside}.",
                candidate,
                factor=factor,
                named=named.name if named is not None else "",
                also=tuple(also),
            )
        ]

    def _named(self, fitted: float) -> tuple[float, Factor | None]:
        """The named factor (or its inverse, or its negative) closest to ``fitted``, if any."""
        for f in self.ctx.factors:
            for value in (f.value, 1.0 / f.value):
                for sign in (1.0, -1.0):
                    if abs(fitted - sign * value) <= 1e-3 * abs(value):
                        return sign * value, f
        for simple in (-1.0, 0.5, -0.5):
            if abs(fitted - simple) <= 1e-6:
                return simple, None
        return fitted, None

    def permutations(self) -> list[Mistake]:
        e = self.engine
        found: list[Mistake] = []
        if e.ndim >= 2:
            for perm in itertools.permutations(range(e.ndim)):
                if perm == tuple(range(e.ndim)):
                    continue
                t = np.transpose(e, perm)
                if t.shape != e.shape:
                    continue
                for sign in (1.0, -1.0):
                    if self.reproduces(sign * t):
                        found.append(self._permuted(perm, sign, sign * t))
                        break
                if found:
                    return found
        for r in range(1, e.ndim + 1):
            for axes in itertools.combinations([a for a in range(e.ndim) if e.shape[a] > 1], r):
                t = np.flip(e, axes)
                for sign in (1.0, -1.0):
                    if self.reproduces(sign * t):
                        return [self._flipped(axes, sign, sign * t)]
        return found

    def _permuted(self, perm: tuple[int, ...], sign: float, t: FloatArray) -> Mistake:
        negated = " with the sign flipped" if sign < 0 else ""
        if len(perm) == 2:
            return self.finding(
                "transpose",
                f"{self.d}: yours is the engine's transposed{negated} (yours[i, j] = "
                f"engine[j, i]): swap the product's order, e.g. X.T @ dY rather than dY.T @ X.",
                t,
                axes=perm,
                factor=sign,
            )
        return self.finding(
            "axes",
            f"{self.d}: yours is the engine's with its axes in the order {perm}{negated}: "
            "transpose the axes back.",
            t,
            axes=perm,
            factor=sign,
        )

    def _flipped(self, axes: tuple[int, ...], sign: float, t: FloatArray) -> Mistake:
        negated = " with the sign flipped" if sign < 0 else ""
        rotated = " (rotated by 180 degrees)" if len(axes) == 2 else ""
        listed = " and ".join(str(a) for a in axes)
        kernel = t.ndim == 4 and axes == (2, 3)
        why = (
            "the forward pass is a correlation, so its weight gradient is not flipped"
            if kernel
            else "undo the flip"
        )
        return self.finding(
            "axes",
            f"{self.d}: yours is the engine's flipped along axis {listed}{rotated}{negated}: "
            f"{why}.",
            t,
            flipped=axes,
            factor=sign,
        )

    def reductions(self) -> list[Mistake]:
        y = self.yours
        for other, g in self.ctx.gradients.items():
            if other == self.name or g.size <= y.size or g.ndim == 0:
                continue
            meant = self._reduction_of(g, self.engine)
            if meant is None:
                continue  # the engine's is no plain reduction of it: no axis to call wrong
            for how, axes, candidate in _reduced(g, y.shape):
                if (how, axes) == meant or not np.any(candidate) or not self.reproduces(candidate):
                    continue
                right = f"; the {meant[0]} over {_axes_text(meant[1])} was meant"
                return [
                    self.finding(
                        "reduction",
                        f"{self.d}: yours is {self.grad_of(other)} {_past(how)} over "
                        f"{_axes_text(axes)}{right}.",
                        candidate,
                        of=other,
                        how=how,
                        axes=axes,
                        meant=meant,
                    )
                ]
        return []

    def _reduction_of(
        self, g: FloatArray, target: FloatArray
    ) -> tuple[str, tuple[int, ...]] | None:
        c = self.ctx
        for how, axes, candidate in _reduced(g, target.shape):
            close = np.abs(target - candidate) <= c.atol + c.rtol * np.abs(target)
            if np.all(close):
                return how, axes
        return None

    def _incoming(self) -> Iterator[tuple[str, FloatArray]]:
        """The step's possible inputs: the gradient of its one consumer, when the graph says
        which (else any same-shaped gradient of another checked name), and not one of yours
        that is wrong."""
        consumers = self.ctx.paths.get(self.name)
        if np.all(np.abs(self.engine) <= self.ctx.atol):
            return  # an engine gradient of 0 fits any derivative: nothing to tell them by
        for other, g in self.ctx.gradients.items():
            if other == self.name or other in self.ctx.wrong:
                continue
            if consumers is not None and list(consumers) != [other]:
                continue
            if g.shape == self.engine.shape and np.any(g):
                yield other, g

    def _same_shaped_values(self) -> Iterator[tuple[str, FloatArray]]:
        for other, v in self.ctx.values.items():
            if v.shape == self.engine.shape:
                yield other, v

    def masks(self) -> list[Mistake]:
        e = self.engine
        for source, g in self._incoming():
            structure = _mask_structure(e, g, self.ctx)
            if structure is None:
                continue
            active, s = structure
            by = self._mask_named(active, g)
            kept = f" * {_num(s)}" if s != 1.0 else ""
            n = int(np.sum(~active & (g != 0)))
            inactive = f"{n} {'entry' if n == 1 else 'entries'}"
            where = f"where {by} <= 0" if by else "where the engine's gradient is 0"
            fix = f"multiply by ({by} > 0)" if by else "multiply by the forward pass's mask"
            tried: list[tuple[FloatArray, str, dict[str, Any]]] = [
                (
                    g * s,
                    f"{self.d}: the mask is missing: yours passes {self.grad_of(source)}{kept} "
                    f"through at the {inactive} {where} too; {fix}.",
                    {"how": "missing"},
                ),
                (
                    g * s * ~active,
                    f"{self.d}: the mask is inverted: yours passes {self.grad_of(source)} where "
                    f"the activation is inactive and blocks it where active; {fix}.",
                    {"how": "inverted"},
                ),
            ]
            if s != 1.0:
                tried.append(
                    (
                        g,
                        f"{self.d}: the mask and the factor {_num(s)} are both missing: "
                        f"yours is {self.grad_of(source)} itself; {fix} and by {_num(s)}.",
                        {"how": "missing", "factor": s},
                    )
                )
            masks: list[list[str]] = []
            for _, v in self._same_shaped_values():
                wrong_mask = v > 0
                if np.array_equal(wrong_mask & (g != 0), active & (g != 0)):
                    continue
                same = self._masked_by(wrong_mask, g)
                if same in masks:
                    continue
                masks.append(same)
                also = "".join(f" (or {o} > 0, the same mask)" for o in same[1:])
                meant = f", where ({by} > 0) was meant" if by else ""
                tried.append(
                    (
                        g * s * wrong_mask,
                        f"{self.d}: the mask is taken from the wrong array: yours uses "
                        f"({same[0]} > 0){also}{meant}.",
                        {"how": "wrong array", "used": tuple(same)},
                    )
                )
            for candidate, message, extra in tried:
                if self.reproduces(candidate):
                    differ = int(np.sum(self.wrong))
                    return [
                        self.finding(
                            "mask",
                            message,
                            candidate,
                            incoming=source,
                            active=by,
                            differ=differ,
                            **extra,
                        )
                    ]
        return []

    def _mask_named(self, active: BoolArray, g: FloatArray) -> str:
        """The value whose positive entries are the mask: the gradient's own first."""
        names = self._masked_by(active, g)
        return names[0] if names else ""

    def _masked_by(self, mask: BoolArray, g: FloatArray) -> list[str]:
        seen = g != 0
        names = [
            other
            for other, v in self._same_shaped_values()
            if np.array_equal((v > 0) & seen, mask & seen)
        ]
        return sorted(names, key=lambda other: other != self.name)

    def local_derivatives(self) -> list[Mistake]:
        e, c = self.engine, self.ctx
        for source, g in self._incoming():
            live = g != 0
            if np.any(np.abs(e[~live]) > c.atol):
                continue  # the engine is not d(source) times a local derivative
            meant = self._derivative_matching(e, g)
            if meant is None or meant[0] == "relu":
                continue
            for form, (family, _, text), v_name, v in self._derivative_forms():
                with np.errstate(all="ignore"):
                    candidate = g * form(v)
                if not self.reproduces(candidate):
                    continue
                used = text.format(v=v_name)
                why = _derivative_why(meant, family, v_name, c.values)
                return [
                    self.finding(
                        "local_derivative",
                        f"{self.d}: {self.grad_of(source)} is right but the local derivative "
                        f"is {used}, where {meant[1]} was meant{why}.",
                        candidate,
                        incoming=source,
                        used=used,
                        meant=meant[1],
                    )
                ]
        return []

    def _derivative_forms(
        self,
    ) -> Iterator[tuple[Callable[[FloatArray], FloatArray], tuple[str, str, str], str, FloatArray]]:
        for v_name, v in self._same_shaped_values():
            for fn, how in _FORMS:
                yield fn, how, v_name, v

    def _derivative_matching(self, e: FloatArray, g: FloatArray) -> tuple[str, str, str] | None:
        c = self.ctx
        for fn, (family, _, text) in _FORMS:
            for v_name, v in self._same_shaped_values():
                with np.errstate(all="ignore"):
                    candidate = g * fn(v)
                close = np.abs(e - candidate) <= c.atol + c.rtol * np.abs(e)
                if np.all(np.isfinite(candidate)) and np.all(close):
                    return family, text.format(v=v_name), v_name
        return None

    def routings(self, part: FloatArray | None = None, through: str = "") -> list[Mistake]:
        c = part if part is not None else self.engine
        base = self.engine - c if part is not None else np.zeros_like(c)
        found: list[Mistake] = []
        what = f"the path through {through}" if through else "the max's gradient"
        for window in _windows(c.shape):
            sums, counts = _window_sums(c, window)
            if sums is None or counts is None:
                continue
            if np.any(counts > 1) or not np.any(c):
                continue
            size = int(np.prod(window))
            spread = _broadcast_windows(sums / size, window, c.shape)
            copied = _broadcast_windows(sums, window, c.shape)
            for candidate, how, text in (
                (base + spread, "spread", f"spread evenly over each {_window_text(window)}"),
                (base + copied, "copied", f"copied to every entry of each {_window_text(window)}"),
            ):
                if self.reproduces(candidate):
                    found.append(
                        self.finding(
                            "routing",
                            f"{self.d}: {what} is {text}; a max sends it only to the "
                            "window's largest entry.",
                            candidate,
                            how=how,
                            window=window,
                            path=through,
                        )
                    )
                    return found
        if part is None:
            found += self._overlapping()
        return found

    def _overlapping(self) -> list[Mistake]:
        x = self.ctx.values.get(self.name)
        if x is None or x.ndim < 2 or x.size > _WINDOWS_MAX:
            return []  # windows are walked one by one: a bound keeps a check's time bounded
        for other, g in self.ctx.gradients.items():
            if other == self.name or g.ndim != x.ndim or g.shape[:-2] != x.shape[:-2]:
                continue
            for k, s in ((2, 1), (3, 1), (3, 2)):
                out = tuple((n - k) // s + 1 for n in x.shape[-2:])
                if out != g.shape[-2:] or min(out) < 1:
                    continue
                winners = _argmax_windows(x, k, s)
                summed = _route(g, winners, x.shape, accumulate=True)
                close = np.abs(self.engine - summed)
                if np.any(close > self.ctx.atol + self.ctx.rtol * np.abs(self.engine)):
                    continue
                written = _route(g, winners, x.shape, accumulate=False)
                if self.reproduces(written):
                    return [
                        self.finding(
                            "routing",
                            f"{self.d}: where {k}x{k} windows (stride {s}) overlap, yours "
                            f"keeps only the last window's {self.grad_of(other)} (=) instead "
                            "of adding every window's (+=).",
                            written,
                            how="overwritten",
                            window=(k, k),
                            stride=s,
                            of=other,
                        )
                    ]
        return []

    # -------------------------------------------------------------- through one path

    def through_paths(self) -> list[Mistake]:
        paths = {
            k: np.asarray(v, dtype=np.float64).reshape(self.engine.shape)
            for k, v in self.ctx.paths.get(self.name, {}).items()
        }
        paths = {k: v for k, v in paths.items() if np.any(np.abs(v) > self.ctx.atol)}
        e = self.engine
        for through, part in paths.items():
            lone = len(paths) == 1
            only = " (its only path)" if lone else ""
            tried: list[tuple[str, FloatArray, str, dict[str, Any]]] = [
                (
                    "missing_path",
                    e - part,
                    f"{self.d} misses the path through {through}{only}: add its contribution.",
                    {"path": through},
                ),
                (
                    "extra_path",
                    e + part,
                    f"{self.d} counts the path through {through} twice: add it once.",
                    {"path": through},
                ),
                (
                    "sign",
                    e - 2 * part,
                    f"{self.d}: the path through {through} has the wrong sign.",
                    {"path": through, "factor": -1.0},
                ),
            ]
            for kind, candidate, message, extra in tried:
                if (not lone or kind != "sign") and self.reproduces(candidate):
                    return [self.finding(kind, message, candidate, **extra)]
        if 2 <= len(paths) <= _PATHS_PAIRED:
            for (a, pa), (b, pb) in itertools.combinations(paths.items(), 2):
                candidate = e - pa - pb
                if self.reproduces(candidate):
                    return [
                        self.finding(
                            "missing_path",
                            f"{self.d} misses the paths through {a} and {b}: add both.",
                            candidate,
                            path=(a, b),
                        )
                    ]
        for through, part in paths.items():
            for f in self.ctx.factors:
                for value in (f.value, 1.0 / f.value):
                    candidate = e + (value - 1.0) * part
                    if self.reproduces(candidate):
                        return [
                            self.finding(
                                "scale",
                                f"{self.d}: {_times(value, f'the path through {through}')}"
                                f"{_factor_text(value, f)}.",
                                candidate,
                                factor=value,
                                named=f.name,
                                path=through,
                            )
                        ]
            swapped = _swapped_broadcast(part)
            if swapped is not None and self.reproduces(e - part + swapped):
                return [
                    self.finding(
                        "reduction",
                        f"{self.d}: the path through {through} is broadcast along the wrong "
                        "axis: its reduced array lost its axis (keep keepdims=True).",
                        e - part + swapped,
                        path=through,
                    )
                ]
            routed = self.routings(part, through)
            if routed:
                return routed
        return []

    # -------------------------------------------------------------- nothing simple

    def no_pattern(self) -> Mistake:
        diff = np.where(self.wrong, np.abs(self.yours - self.engine), -1.0)  # wrong ones only
        order = np.argsort(diff, axis=None, kind="stable")[::-1][: min(_LARGEST, self.count)]
        largest = []
        for flat in order:
            index = tuple(int(i) for i in np.unravel_index(int(flat), diff.shape))
            largest.append((index, float(self.yours[index]), float(self.engine[index])))
        shown = "; ".join(
            f"{_index_text(self.name, i)}: yours {_num(y)}, engine {_num(g)}" for i, y, g in largest
        )
        inherited = self.ctx.inherits.get(self.name, ())
        heir = ""
        if inherited:
            carried = ", ".join(self.grad_of(n) for n in inherited)
            heir = f" It may only inherit the error of {carried}."
        return Mistake(
            self.name,
            NO_PATTERN,
            f"{self.d}: no simple pattern; the largest differences are {shown}.{heir}",
            {"entries": int(self.wrong.sum()), "largest": largest},
        )


# ---------------------------------------------------------------------- derivative forms


def _sigmoid(v: FloatArray) -> FloatArray:
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * v)))


_FORMS: list[tuple[Callable[[FloatArray], FloatArray], tuple[str, str, str]]] = [
    # (local derivative of v, (the function, where v sits, the formula as text))
    (lambda v: 1.0 - v**2, ("tanh", "output", "1 - {v}**2")),
    (lambda v: 1.0 - np.tanh(v) ** 2, ("tanh", "input", "1 - tanh({v})**2")),
    (lambda v: v * (1.0 - v), ("sigmoid", "output", "{v} * (1 - {v})")),
    (
        lambda v: _sigmoid(v) * (1.0 - _sigmoid(v)),
        ("sigmoid", "input", "sigmoid({v}) * (1 - sigmoid({v}))"),
    ),
    (lambda v: v, ("exp", "output", "{v}")),
    (lambda v: np.exp(v), ("exp", "input", "exp({v})")),
    (lambda v: 1.0 / v, ("log", "input", "1 / {v}")),
    (lambda v: 2.0 * v, ("square", "input", "2 * {v}")),
    (lambda v: (v > 0).astype(np.float64), ("relu", "input", "({v} > 0)")),
]

_FUNCTIONS: dict[str, Callable[[FloatArray], FloatArray]] = {
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "exp": np.exp,
}


def _derivative_why(
    meant: tuple[str, str, str], family: str, used_var: str, values: Mapping[str, FloatArray]
) -> str:
    """' (a1 = tanh(z1))' when the meant variable is the used one put through the function."""
    fn = _FUNCTIONS.get(meant[0])
    out, inp = values.get(meant[2]), values.get(used_var)
    if fn is None or out is None or inp is None or out.shape != inp.shape:
        return f" ({meant[0]}'s derivative)" if family != meant[0] else ""
    with np.errstate(all="ignore"):
        if np.allclose(fn(inp), out, rtol=1e-9, atol=1e-12):
            return f" ({meant[2]} = {meant[0]}({used_var}))"
    return ""


# ---------------------------------------------------------------------- masks


def _mask_structure(
    e: FloatArray, g: FloatArray, ctx: MistakeContext
) -> tuple[BoolArray, float] | None:
    """(active, s) when ``e == g * s`` where active and 0 elsewhere, with some entries off."""
    live = g != 0
    tol = ctx.atol + ctx.rtol * np.abs(g)
    active = (np.abs(e) > ctx.atol) & live
    if np.any(np.abs(e[~live]) > ctx.atol) or not np.any(active) or np.all(active | ~live):
        return None
    s = float(np.median(e[active] / g[active]))
    if not math.isfinite(s) or s == 0.0:
        return None
    if np.all(np.abs(e - g * s * active) <= tol * max(1.0, abs(s))):
        return active, s
    return None


# ---------------------------------------------------------------------- reductions


def _reduced(
    g: FloatArray, shape: tuple[int, ...]
) -> Iterator[tuple[str, tuple[int, ...], FloatArray]]:
    """g summed or averaged over each set of axes whose result has ``shape``'s size."""
    size = int(np.prod(shape))
    for r in range(1, g.ndim + 1):
        for axes in itertools.combinations(range(g.ndim), r):
            kept = [n for a, n in enumerate(g.shape) if a not in axes]
            if int(np.prod(kept)) != size:
                continue
            total = np.sum(g, axis=axes)
            yield "sum", axes, np.reshape(total, shape)
            yield "mean", axes, np.reshape(total / (g.size / size), shape)


def _swapped_broadcast(part: FloatArray) -> FloatArray | None:
    """A square part constant along one axis, broadcast along the other (a lost keepdims)."""
    if part.ndim != 2 or part.shape[0] != part.shape[1] or part.shape[0] < 2:
        return None
    for axis in (0, 1):
        if np.allclose(part, np.take(part, [0], axis=axis), rtol=1e-12, atol=0.0):
            return np.asarray(part.T)
    return None


# ---------------------------------------------------------------------- routing


def _windows(shape: tuple[int, ...]) -> Iterator[tuple[int, ...]]:
    """Non-overlapping window shapes over the last axes: k x k pools, rows, columns."""
    if len(shape) >= 2:
        h, w = shape[-2:]
        for k in (2, 3, 4):
            if h % k == 0 and w % k == 0:
                yield (k, k)
        if len(shape) == 2:
            if w > 1:
                yield (1, w)
            if h > 1:
                yield (h, 1)
    elif len(shape) == 1 and shape[0] > 1:
        for k in (2, 3, 4):
            if shape[0] % k == 0 and shape[0] != k:
                yield (k,)
        yield (shape[0],)


def _window_sums(
    c: FloatArray, window: tuple[int, ...]
) -> tuple[FloatArray | None, npt.NDArray[np.int64] | None]:
    """Per window: the sum of ``c`` and how many of its entries are nonzero."""
    lead = c.shape[: c.ndim - len(window)]
    split: list[int] = list(lead)
    for n, k in zip(c.shape[c.ndim - len(window) :], window, strict=True):
        split += [n // k, k]
    blocks = c.reshape(split)
    inner = tuple(len(lead) + 2 * i + 1 for i in range(len(window)))
    return np.sum(blocks, axis=inner), np.count_nonzero(blocks, axis=inner)


def _broadcast_windows(
    per_window: FloatArray, window: tuple[int, ...], shape: tuple[int, ...]
) -> FloatArray:
    out = per_window
    first = len(shape) - len(window)
    for i, k in enumerate(window):
        out = np.repeat(out, k, axis=first + i)
    return np.asarray(out.reshape(shape))


def _argmax_windows(x: FloatArray, k: int, s: int) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """(window's output index, its largest entry's index in x), windows in C order."""
    out = []
    rows, cols = ((n - k) // s + 1 for n in x.shape[-2:])
    for lead in np.ndindex(x.shape[:-2]):
        for i in range(rows):
            for j in range(cols):
                block = x[(*lead, slice(i * s, i * s + k), slice(j * s, j * s + k))]
                a, b = np.unravel_index(int(np.argmax(block)), block.shape)
                out.append(((*lead, i, j), (*lead, i * s + int(a), j * s + int(b))))
    return out


def _route(
    g: FloatArray,
    winners: list[tuple[tuple[int, ...], tuple[int, ...]]],
    shape: tuple[int, ...],
    *,
    accumulate: bool,
) -> FloatArray:
    out = np.zeros(shape)
    for at, to in winners:
        out[to] = out[to] + g[at] if accumulate else g[at]
    return out


# ---------------------------------------------------------------------- text


def _num(x: float) -> str:
    if x == round(x) and abs(x) < 1e6:
        return str(int(x))
    return f"{x:.6g}"


def _times(factor: float, what: str) -> str:
    """'every entry is 8x too large' / '... 8x too small' / '... 0.96875x the engine's'."""
    sign = "" if factor > 0 else ", with the sign flipped,"
    size = abs(factor)
    if size >= 1.0 and (size == round(size) or size >= 1.5):
        return f"{what}{sign} is {_num(size)}x too large"
    if size < 1.0 and 1.0 / size == round(1.0 / size):
        return f"{what}{sign} is {_num(1.0 / size)}x too small"
    return f"{what}{sign} is {_num(size)}x the engine's"


def _factor_text(factor: float, named: Factor | None) -> str:
    if named is None:
        return ""
    size = abs(factor)
    if math.isclose(size, named.value, rel_tol=1e-9):
        return f"; {_num(size)} is {named.name}: {named.fix}"
    return f"; {_num(named.value)} is {named.name}: {named.fix_inverse}"


def _names(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _past(how: str) -> str:
    return "summed" if how == "sum" else "averaged"


def _axes_text(axes: tuple[int, ...]) -> str:
    if len(axes) == 1:
        return f"axis {axes[0]}"
    return "axes " + ", ".join(str(a) for a in axes)


def _window_text(window: tuple[int, ...]) -> str:
    if len(window) == 2 and window[0] == 1:
        return "row"
    if len(window) == 2 and window[1] == 1:
        return "column"
    return "x".join(str(k) for k in window) + " window"


def _index_text(name: str, index: tuple[int, ...]) -> str:
    return f"{name}[{','.join(str(i) for i in index)}]" if index else name
