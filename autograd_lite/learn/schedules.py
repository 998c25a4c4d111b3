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
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["cosine_decay", "exponential_decay", "linear_warmup", "step_decay"]


def _positive(who: str, what: str, x: object) -> float:
    if isinstance(x, bool) or not isinstance(x, int | float) or not (math.isfinite(x) and x > 0):
        raise ValueError(f"{who}: {what} must be a finite number > 0, got {x!r}")
    return float(x)


def _count(who: str, what: str, n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{who}: {what} must be an int >= 1, got {n!r}")
    return n


def _step(who: str, step: object) -> int:
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        raise ValueError(f"{who}: step must be an int >= 0, got {step!r}")
    return step


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
        _positive("step_decay", "lr", self.lr)
        _count("step_decay", "step_size", self.step_size)
        _positive("step_decay", "gamma", self.gamma)

    def __call__(self, step: int) -> float:
        return self.lr * self.gamma ** (_step("step_decay", step) // self.step_size)


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
        _positive("exponential_decay", "lr", self.lr)
        _positive("exponential_decay", "gamma", self.gamma)

    def __call__(self, step: int) -> float:
        return self.lr * self.gamma ** _step("exponential_decay", step)


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
        _positive("cosine_decay", "lr", self.lr)
        _count("cosine_decay", "total_steps", self.total_steps)
        if (
            isinstance(self.min_lr, bool)
            or not isinstance(self.min_lr, int | float)
            or not 0.0 <= self.min_lr <= self.lr
        ):
            raise ValueError(f"cosine_decay: min_lr must be in [0, lr], got {self.min_lr!r}")

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
        _count("linear_warmup", "warmup_steps", self.warmup_steps)
        if not callable(self.then):
            _positive("linear_warmup", "then", self.then)

    def _after(self, step: int) -> float:
        then = self.then
        return float(then(step)) if callable(then) else float(then)

    def __call__(self, step: int) -> float:
        step = _step("linear_warmup", step)
        if step < self.warmup_steps:
            return self._after(0) * (step + 1) / self.warmup_steps
        return self._after(step - self.warmup_steps)
