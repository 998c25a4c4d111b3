"""Optimizers that move parameters against their gradients: SGD (with momentum) and Adam.

An optimizer holds a list of leaf ``Value`` parameters. ``step()`` reads each ``.grad`` and
writes the new number straight into ``.data``, so an update never builds graph nodes.
``zero_grad()`` clears the gradients (leaves accumulate them across ``backward()`` calls).

A learning-rate schedule is a function ``schedule(step) -> lr`` called before every update
with the 0-based index of that update; the optimizer's ``lr`` is set to what it returns.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable

from ..core.value import Value, describe_node

__all__ = ["SGD", "Adam", "Optimizer", "Schedule"]

Schedule = Callable[[int], float]
"""``schedule(step) -> learning rate`` for the 0-based update number ``step``."""


def _check_rate(who: str, what: str, x: object, *, positive: bool) -> float:
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise TypeError(f"{who}: {what} must be a number, got {type(x).__name__} {x!r}")
    value = float(x)
    ok = value > 0 if positive else value >= 0
    if not (ok and math.isfinite(value)):
        bound = "> 0" if positive else ">= 0"
        raise ValueError(f"{who}: {what} must be finite and {bound}, got {x!r}")
    return value


def _check_fraction(who: str, what: str, x: object) -> float:
    value = _check_rate(who, what, x, positive=False)
    if value >= 1.0:
        raise ValueError(f"{who}: {what} must be in [0, 1), got {x!r}")
    return value


class Optimizer(ABC):
    """What every optimizer shares: the parameter list, ``lr``, ``steps``, the schedule hook.

    Subclasses implement ``_update(grads)``, given one float gradient per parameter.

    Args:
        params: leaf Values (e.g. ``model.parameters()``), each once.
        lr: the learning rate.
        schedule: optional ``schedule(step) -> lr``, called before each update.

    Attributes:
        params: the parameters. lr: the current learning rate. steps: updates done so far.
    """

    def __init__(
        self, params: Iterable[Value], lr: float, *, schedule: Schedule | None = None
    ) -> None:
        name = type(self).__name__
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{name}: got no parameters to optimize")
        seen: set[int] = set()
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"{name}: params[{i}] is a {type(p).__name__}, not a Value")
            if not p.is_leaf:
                raise ValueError(
                    f"{name}: params[{i}] ({describe_node(p)}) is computed from other nodes; "
                    "only leaves can be optimized"
                )
            if id(p) in seen:
                raise ValueError(f"{name}: params[{i}] ({describe_node(p)}) is listed twice")
            seen.add(id(p))
        self.lr = _check_rate(name, "lr", lr, positive=True)
        if schedule is not None and not callable(schedule):
            raise TypeError(f"{name}: schedule must be callable as schedule(step) -> lr")
        self.schedule = schedule
        self.steps = 0

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0.0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its gradient, all or nothing.

        Every gradient is checked first: a NaN or infinite one (or a schedule returning a bad
        learning rate) raises ValueError naming it, and no parameter changes.
        """
        name = type(self).__name__
        grads: list[float] = []
        for p in self.params:
            g = p.grad
            g = g.data if isinstance(g, Value) else float(g)
            if not math.isfinite(g):
                raise ValueError(
                    f"{name}.step: the gradient of {describe_node(p)} is {g!r}; "
                    "no parameter was updated"
                )
            grads.append(g)
        if self.schedule is not None:
            lr = self.schedule(self.steps)
            self.lr = _check_rate(name, f"schedule({self.steps})", lr, positive=False)
        self._update(grads)
        self.steps += 1

    @abstractmethod
    def _update(self, grads: list[float]) -> None:
        """Apply the update rule, given one finite float gradient per parameter."""


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum and weight decay.

    For each parameter p with gradient g:
    ``g' = g + weight_decay * p``; ``v = momentum * v + g'`` (v starts at 0);
    ``p = p - lr * v`` (with momentum 0 this is ``p - lr * g'``).

    Args:
        params: leaf Values.
        lr: learning rate (> 0).
        momentum: in [0, 1).
        weight_decay: L2 penalty coefficient (>= 0).
        schedule: optional ``schedule(step) -> lr``.

    Example:
        >>> from autograd_lite import Value
        >>> from autograd_lite.optim import SGD
        >>> w = Value(1.0); w.grad = 0.5
        >>> SGD([w], lr=0.1).step(); w.data
        0.95
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        *,
        schedule: Schedule | None = None,
    ) -> None:
        super().__init__(params, lr, schedule=schedule)
        self.momentum = _check_fraction("SGD", "momentum", momentum)
        self.weight_decay = _check_rate("SGD", "weight_decay", weight_decay, positive=False)
        self.velocity = [0.0] * len(self.params)

    def _update(self, grads: list[float]) -> None:
        lr, mu, wd = self.lr, self.momentum, self.weight_decay
        velocity = self.velocity
        for i, (p, g) in enumerate(zip(self.params, grads, strict=True)):
            if wd:
                g += wd * p.data
            if mu:
                g = velocity[i] = mu * velocity[i] + g
            p.data -= lr * g


class Adam(Optimizer):
    """Adam: steps scaled by running averages of the gradient and its square.

    For update t = 1, 2, ... and each parameter with gradient g (plus ``weight_decay * p``):
    ``m = b1 m + (1 - b1) g``; ``v = b2 v + (1 - b2) g^2``;
    ``p = p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)``.

    Args:
        params: leaf Values.
        lr: learning rate (> 0).
        betas: decay rates ``(b1, b2)`` of the two averages, each in [0, 1).
        eps: added to the denominator (> 0).
        weight_decay: L2 penalty coefficient (>= 0).
        schedule: optional ``schedule(step) -> lr``.

    Example:
        >>> from autograd_lite import Value
        >>> from autograd_lite.optim import Adam
        >>> w = Value(1.0); w.grad = 0.5
        >>> Adam([w], lr=0.1).step(); round(w.data, 6)   # the first step moves by ~lr
        0.9
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        *,
        schedule: Schedule | None = None,
    ) -> None:
        super().__init__(params, lr, schedule=schedule)
        if not isinstance(betas, tuple | list) or len(betas) != 2:
            raise TypeError(f"Adam: betas must be a pair (b1, b2), got {betas!r}")
        self.betas = (
            _check_fraction("Adam", "betas[0]", betas[0]),
            _check_fraction("Adam", "betas[1]", betas[1]),
        )
        self.eps = _check_rate("Adam", "eps", eps, positive=True)
        self.weight_decay = _check_rate("Adam", "weight_decay", weight_decay, positive=False)
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def _update(self, grads: list[float]) -> None:
        b1, b2 = self.betas
        t = self.steps + 1
        correction1 = 1.0 - b1**t
        correction2 = 1.0 - b2**t
        lr, eps, wd = self.lr, self.eps, self.weight_decay
        m, v = self.m, self.v
        for i, (p, g) in enumerate(zip(self.params, grads, strict=True)):
            if wd:
                g += wd * p.data
            m[i] = b1 * m[i] + (1.0 - b1) * g
            v[i] = b2 * v[i] + (1.0 - b2) * g * g
            p.data -= lr * (m[i] / correction1) / (math.sqrt(v[i] / correction2) + eps)
