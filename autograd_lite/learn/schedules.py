"""Learning-rate schedules: step decay, exponential decay, cosine decay and linear warm-up.

A schedule is a callable ``schedule(step) -> lr`` for the 0-based update number ``step``;
give it to an optimizer (``SGD(params, lr=0.1, schedule=cosine_decay(0.1, 1000))``), which
sets its learning rate to ``schedule(step)`` before every update. The optimizer's own
``lr`` is then only the value before the first step. Each schedule is a small immutable
object with a readable repr, so a training log can print it.

The names follow optax (JAX); PyTorch's ``StepLR``, ``ExponentialLR``,
``CosineAnnealingLR`` and a linear warm-up compute the same numbers.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["cosine_decay", "exponential_decay", "linear_warmup", "step_decay"]


def _positive(who: str, what: str, x: object) -> float:
    """``x`` as a float if it is a finite real number > 0 (numpy scalars too), else raise."""
    number = _real(x)
    if number is None or not (math.isfinite(number) and number > 0):
        raise ValueError(f"{who}: {what} must be a finite number > 0, got {x!r}")
    return number


def _real(x: object) -> float | None:
    """``x`` as a float if it is a real number other than a bool, else None (inf if huge)."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):  # numpy bools are not Real
        return None
    try:
        return float(x)
    except OverflowError:  # an int of hundreds of digits
        return math.inf


def _count(who: str, what: str, n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"{who}: {what} must be an int >= 1, got {n!r}")
    return int(n)


def _step(who: str, step: object) -> int:
    if isinstance(step, bool) or not isinstance(step, numbers.Integral) or step < 0:
        raise ValueError(f"{who}: step must be an int >= 0, got {step!r}")
    return int(step)


def _decayed(schedule: object, lr: float, gamma: float, power: int, step: int) -> float:
    """``lr * gamma ** power``, or a ValueError naming the step where it leaves the floats."""
    try:
        rate = lr * gamma**power
    except OverflowError:
        rate = math.inf
    if not math.isfinite(rate):
        raise ValueError(
            f"{schedule!r}: the learning rate at step {step} is larger than the largest float "
            "(about 1.8e308); a gamma above 1 grows without bound"
        )
    return rate


def _store(obj: object, **fields: object) -> None:
    """Set fields of a frozen schedule to their checked, plain-Python values."""
    for name, value in fields.items():
        object.__setattr__(obj, name, value)


@dataclass(frozen=True)
# Lower-case class names: a schedule is used like a function (optax's names).
class step_decay:
    """``lr * gamma ** (step // step_size)``: multiply by ``gamma`` every ``step_size`` steps.

    Args:
        lr: the starting learning rate.
        step_size: steps between two decays.
        gamma: the factor, in (0, 1] for a decay.

    Example:
        >>> s = step_decay(0.1, step_size=10, gamma=0.5)
        >>> s(0), s(9), s(10), s(25)
        (0.1, 0.1, 0.05, 0.025)
    """

    lr: float
    step_size: int
    gamma: float = 0.1

    def __post_init__(self) -> None:
        _store(
            self,
            lr=_positive("step_decay", "lr", self.lr),
            step_size=_count("step_decay", "step_size", self.step_size),
            gamma=_positive("step_decay", "gamma", self.gamma),
        )

    def __call__(self, step: int) -> float:
        k = _step("step_decay", step)
        return _decayed(self, self.lr, self.gamma, k // self.step_size, k)


@dataclass(frozen=True)
class exponential_decay:
    """``lr * gamma ** step``: a fixed factor every step.

    Args:
        lr: the starting learning rate.
        gamma: the factor per step, e.g. 0.99.

    Example:
        >>> s = exponential_decay(1.0, gamma=0.5)
        >>> s(0), s(3)
        (1.0, 0.125)
    """

    lr: float
    gamma: float

    def __post_init__(self) -> None:
        _store(
            self,
            lr=_positive("exponential_decay", "lr", self.lr),
            gamma=_positive("exponential_decay", "gamma", self.gamma),
        )

    def __call__(self, step: int) -> float:
        k = _step("exponential_decay", step)
        return _decayed(self, self.lr, self.gamma, k, k)


@dataclass(frozen=True)
class cosine_decay:
    """Half a cosine from ``lr`` down to ``min_lr`` over ``total_steps``, then ``min_lr``.

    ``min_lr + (lr - min_lr) * (1 + cos(pi * step / total_steps)) / 2``.

    Args:
        lr: the starting learning rate.
        total_steps: steps to reach ``min_lr``.
        min_lr: the final learning rate (>= 0, below ``lr``).

    Example:
        >>> s = cosine_decay(1.0, total_steps=4)
        >>> [round(s(k), 4) for k in range(6)]
        [1.0, 0.8536, 0.5, 0.1464, 0.0, 0.0]
    """

    lr: float
    total_steps: int
    min_lr: float = 0.0

    def __post_init__(self) -> None:
        lr = _positive("cosine_decay", "lr", self.lr)
        total = _count("cosine_decay", "total_steps", self.total_steps)
        min_lr = _real(self.min_lr)
        if min_lr is None or not 0.0 <= min_lr <= lr:
            raise ValueError(f"cosine_decay: min_lr must be in [0, lr], got {self.min_lr!r}")
        _store(self, lr=lr, total_steps=total, min_lr=min_lr)

    def __call__(self, step: int) -> float:
        t = min(_step("cosine_decay", step), self.total_steps) / self.total_steps
        return self.min_lr + (self.lr - self.min_lr) * (1.0 + math.cos(math.pi * t)) / 2.0


@dataclass(frozen=True)
class linear_warmup:
    """Ramp linearly up to ``then(0)`` over ``warmup_steps``, then follow ``then``.

    During warm-up the rate is ``then(0) * (step + 1) / warmup_steps``; afterwards it is
    ``then(step - warmup_steps)``, so the schedule after it starts where warm-up ends.

    Args:
        then: the schedule after warm-up, or a number for a constant rate.
        warmup_steps: how many steps the ramp takes.

    Example:
        >>> s = linear_warmup(cosine_decay(0.1, total_steps=100), warmup_steps=4)
        >>> [round(s(k), 4) for k in (0, 1, 3, 4, 54, 104)]
        [0.025, 0.05, 0.1, 0.1, 0.05, 0.0]
    """

    then: Callable[[int], float] | float
    warmup_steps: int

    def __post_init__(self) -> None:
        _store(self, warmup_steps=_count("linear_warmup", "warmup_steps", self.warmup_steps))
        if not callable(self.then):
            _store(self, then=_positive("linear_warmup", "then", self.then))

    def _after(self, step: int) -> float:
        then = self.then
        return float(then(step)) if callable(then) else float(then)

    def __call__(self, step: int) -> float:
        step = _step("linear_warmup", step)
        if step < self.warmup_steps:
            return self._after(0) * (step + 1) / self.warmup_steps
        return self._after(step - self.warmup_steps)
