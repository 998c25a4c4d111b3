"""Optimizers that move parameters against their gradients: SGD (with momentum), Adam, AdamW.

An optimizer holds leaf ``Value`` parameters, in one or more groups with their own options.
``step()`` reads each ``.grad`` and writes the new number straight into ``.data``, so an
update never builds graph nodes.
``zero_grad()`` clears the gradients (leaves accumulate them across ``backward()`` calls).

A learning-rate schedule is a function ``schedule(step) -> lr`` called before every update
with the 0-based index of that update; the optimizer's ``lr`` is set to what it returns
(:mod:`autograd_lite.learn.schedules` has the usual ones). ``state_dict()`` and
``load_state_dict()`` save and resume an optimizer with its moments.
"""

from __future__ import annotations

import math
import numbers
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from ..core.value import Value, describe_node

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "Schedule"]

Schedule = Callable[[int], float]
"""``schedule(step) -> learning rate`` for the 0-based update number ``step``."""


def _check_rate(who: str, what: str, x: object, *, positive: bool) -> float:
    # numpy scalars (np.float32(0.1), np.int64(1)) are numbers too; bools are not.
    if isinstance(x, bool | np.bool_) or not isinstance(x, numbers.Real):
        raise TypeError(f"{who}: {what} must be a number, got {type(x).__name__} {x!r}")
    try:
        value = float(x)
    except OverflowError:  # an int of hundreds of digits
        value = math.inf
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


_STATE_FORMAT = "autograd_lite.optimizer_state"
_MAX_STEPS = 2**53  # beyond this, steps + 1 is not a distinct float in the bias corrections


class Optimizer(ABC):
    """What every optimizer shares: parameter groups, ``lr``, ``steps``, the schedule hook.

    Parameters come as a list of leaf Values, or, as in PyTorch, as a list of *groups*:
    dicts with ``"params"`` and any of the optimizer's options (``lr``, ``momentum``...),
    the constructor's arguments filling in the rest. ``param_groups`` holds the groups with
    every option spelled out; changing an option there changes the next steps.

    Subclasses name their options in ``_DEFAULT_NAMES``, check them in ``_check_option``,
    keep per-parameter state as lists of floats named in ``_STATE_NAMES``, and implement
    ``_update(grads)``.

    Args:
        params: leaf Values (e.g. ``model.parameters()``), each once, or a list of groups.
        defaults: every option's value for groups that do not give it (``lr`` included).
        schedule: optional ``schedule(step) -> lr``, called before each update; it sets the
            learning rate of every group.

    Attributes:
        params: all the parameters, group after group. param_groups: the groups.
        steps: updates done so far. lr: the first group's learning rate (setting it sets
        every group's).
    """

    _STATE_NAMES: tuple[str, ...] = ()
    _NONNEGATIVE_STATE: tuple[str, ...] = ()

    def __init__(
        self,
        params: Iterable[Value] | Iterable[dict[str, Any]],
        defaults: dict[str, Any],
        *,
        schedule: Schedule | None = None,
    ) -> None:
        name = type(self).__name__
        if isinstance(params, Value) or not hasattr(params, "__iter__"):
            hint = " (pass model.parameters())" if hasattr(params, "parameters") else ""
            raise TypeError(
                f"{name}: params must be an iterable of Values or of parameter-group dicts, "
                f"got {type(params).__name__}{hint}"
            )
        given: list[Any] = list(params)
        if not given:
            raise ValueError(f"{name}: got no parameters to optimize")
        if all(isinstance(g, dict) for g in given):
            raw_groups: list[dict[str, Any]] = [dict(g) for g in given]
        elif any(isinstance(g, dict) for g in given):
            raise TypeError(f"{name}: params must be all Values or all parameter-group dicts")
        else:
            raw_groups = [{"params": given}]
        defaults = {k: self._check_option(k, v) for k, v in defaults.items()}
        self.param_groups: list[dict[str, Any]] = []
        self.params: list[Value] = []
        seen: set[int] = set()
        for gi, raw in enumerate(raw_groups):
            where = f"param_groups[{gi}]"
            if "params" not in raw:
                raise KeyError(f"{name}: {where} has no 'params'")
            unknown = sorted(set(raw) - {"params"} - set(defaults))
            if unknown:
                raise KeyError(
                    f"{name}: {where} has unknown option(s) {unknown}; known: {sorted(defaults)}"
                )
            group_params = list(raw["params"])
            unique: list[Value] = []
            group_seen: set[int] = set()
            if not group_params:
                raise ValueError(f"{name}: {where} got no parameters to optimize")
            for p in group_params:
                i = len(self.params)
                if not isinstance(p, Value):
                    raise TypeError(f"{name}: params[{i}] is a {type(p).__name__}, not a Value")
                if not p.is_leaf:
                    raise ValueError(
                        f"{name}: params[{i}] ({describe_node(p)}) is computed from other nodes; "
                        "only leaves can be optimized"
                    )
                if id(p) in group_seen:
                    continue  # tied weights: one parameter, updated once (as PyTorch does)
                if id(p) in seen:
                    raise ValueError(
                        f"{name}: params[{i}] ({describe_node(p)}) is in two parameter groups; "
                        "a parameter can have only one set of options"
                    )
                seen.add(id(p))
                group_seen.add(id(p))
                unique.append(p)
                self.params.append(p)
            group = {"params": unique}
            for option, default in defaults.items():
                group[option] = (
                    self._check_option(option, raw[option]) if option in raw else default
                )
            self.param_groups.append(group)
        if schedule is not None and not callable(schedule):
            raise TypeError(f"{name}: schedule must be callable as schedule(step) -> lr")
        self.schedule = schedule
        self.steps = 0

    def _check_option(self, option: str, value: Any) -> Any:
        """Validate one option (``lr`` here; subclasses add theirs) and return its value."""
        if option == "lr":
            return _check_rate(type(self).__name__, "lr", value, positive=True)
        raise KeyError(f"{type(self).__name__}: unknown option {option!r}")

    @property
    def lr(self) -> float:
        """The learning rate of the first group; setting it sets every group's."""
        value: float = self.param_groups[0]["lr"]
        return value

    @lr.setter
    def lr(self, value: float) -> None:
        value = _check_rate(type(self).__name__, "lr", value, positive=False)
        for group in self.param_groups:
            group["lr"] = value

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
        # The result is checked too (a finite gradient times a large rate can overflow):
        # on failure parameters, moments and rates go back to what they were.
        before = [p.data for p in self.params]
        lrs = [group["lr"] for group in self.param_groups]
        moments = {
            key: list(value)
            for key, value in vars(self).items()
            if isinstance(value, list) and key not in ("params", "param_groups")
        }

        def restore() -> None:
            for p, data in zip(self.params, before, strict=True):
                p.data = data
            for group, rate in zip(self.param_groups, lrs, strict=True):
                group["lr"] = rate
            for key, saved in moments.items():
                getattr(self, key)[:] = saved

        try:
            if self.schedule is not None:
                lr = self.schedule(self.steps)
                self.lr = _check_rate(name, f"schedule({self.steps})", lr, positive=False)
            self._update(grads)
        except BaseException:
            restore()  # whatever failed, no parameter, moment or rate is left half-updated
            raise
        bad = next((p for p in self.params if not math.isfinite(p.data)), None)
        if bad is not None:
            value = bad.data
            restore()
            raise ValueError(
                f"{name}.step: the update would set {describe_node(bad)} to {value!r} "
                f"(gradient {grads[self.params.index(bad)]!r}, lr {self.lr!r}); no parameter "
                "was updated. Lower the learning rate or clip the gradients."
            )
        self.steps += 1

    def _groups(self, grads: list[float]) -> Iterator[tuple[dict[str, Any], int, Value, float]]:
        """Each parameter with its group, its index in ``params`` and its gradient."""
        i = 0
        for group in self.param_groups:
            for p in group["params"]:
                yield group, i, p, grads[i]
                i += 1

    @abstractmethod
    def _update(self, grads: list[float]) -> None:
        """Apply the update rule, given one finite float gradient per parameter."""

    # ------------------------------------------------------------------ state

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume: steps, options per group, per-parameter moments.

        Parameters are referred to by their index in :attr:`params`; the dict holds only
        numbers, strings and lists (JSON can store it).

        Example:
            >>> from autograd_lite import Value
            >>> from autograd_lite.optim import SGD
            >>> w = Value(1.0); w.grad = 0.5
            >>> opt = SGD([w], lr=0.1, momentum=0.9); opt.step()
            >>> opt.state_dict()["state"]
            {'velocity': [0.5]}
        """
        groups = []
        start = 0
        for group in self.param_groups:
            count = len(group["params"])
            options = {k: _plain(v) for k, v in group.items() if k != "params"}
            groups.append({**options, "params": list(range(start, start + count))})
            start += count
        return {
            "format": _STATE_FORMAT,
            "optimizer": type(self).__name__,
            "steps": self.steps,
            "param_groups": groups,
            "state": {k: list(getattr(self, k)) for k in self._STATE_NAMES},
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Resume from :meth:`state_dict`, all or nothing.

        The optimizer must be of the same kind, over the same number of parameters in groups
        of the same sizes. Everything is checked before anything changes.

        Raises:
            TypeError: ``state`` is not such a mapping, or holds something not a number.
            ValueError: it is from another optimizer or does not fit these parameters.
        """
        name = type(self).__name__
        if not isinstance(state, Mapping) or state.get("format") != _STATE_FORMAT:
            raise TypeError(
                f"{name}.load_state_dict: expected the dict that state_dict() returns, "
                f"got {type(state).__name__}"
            )
        if state.get("optimizer") != name:
            raise ValueError(
                f"{name}.load_state_dict: the state is from {state.get('optimizer')!r}, not {name}"
            )
        groups = state.get("param_groups")
        if not isinstance(groups, list) or [
            len(g.get("params", ())) if isinstance(g, Mapping) else -1 for g in groups
        ] != [len(g["params"]) for g in self.param_groups]:
            raise ValueError(
                f"{name}.load_state_dict: the state's parameter groups do not match this "
                f"optimizer's ({[len(g['params']) for g in self.param_groups]} parameters). "
                "Nothing was changed."
            )
        steps = state.get("steps")
        if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or int(steps) < 0:
            raise TypeError(f"{name}.load_state_dict: steps must be an int >= 0, got {steps!r:.40}")
        steps = int(steps)
        if steps > _MAX_STEPS:
            raise ValueError(
                f"{name}.load_state_dict: steps is more than the {_MAX_STEPS:,} "
                "updates a float can count exactly; this is not a saved state. Nothing was "
                "changed."
            )
        options = []
        for group in groups:
            checked = {}
            for k, v in group.items():
                if k != "params":
                    checked[k] = self._check_option(k, tuple(v) if isinstance(v, list) else v)
            options.append(checked)
        moments: dict[str, list[float]] = {}
        raw = state.get("state")
        for k in self._STATE_NAMES:
            values = raw.get(k) if isinstance(raw, Mapping) else None
            if not isinstance(values, list) or len(values) != len(self.params):
                raise ValueError(
                    f"{name}.load_state_dict: state[{k!r}] must be a list of "
                    f"{len(self.params)} numbers. Nothing was changed."
                )
            moments[k] = [_state_float(name, k, i, v) for i, v in enumerate(values)]
            if k in self._NONNEGATIVE_STATE:
                negative = next((i for i, v in enumerate(moments[k]) if v < 0), None)
                if negative is not None:
                    raise ValueError(
                        f"{name}.load_state_dict: state[{k!r}][{negative}] is "
                        f"{moments[k][negative]!r}, but it is an average of squares and "
                        "cannot be negative. Nothing was changed."
                    )
        for group, checked in zip(self.param_groups, options, strict=True):
            group.update(checked)
        for k, values in moments.items():
            setattr(self, k, values)
        self.steps = steps


def _plain(v: Any) -> Any:
    return list(v) if isinstance(v, tuple) else v


def _state_float(who: str, key: str, i: int, v: object) -> float:
    number: float | None = None
    if not isinstance(v, bool | np.bool_) and isinstance(v, numbers.Real):
        try:
            number = float(v)
        except OverflowError:
            number = None
    if number is None or not math.isfinite(number):
        raise TypeError(
            f"{who}.load_state_dict: state[{key!r}][{i}] must be a finite number, got {v!r}. "
            "Nothing was changed."
        )
    return number


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum and weight decay.

    For each parameter p with gradient g:
    ``g' = g + weight_decay * p``; ``v = momentum * v + g'`` (v starts at 0);
    ``p = p - lr * v`` (with momentum 0 this is ``p - lr * g'``).

    Args:
        params: leaf Values, or parameter groups (dicts with ``"params"`` and any of
            ``lr``, ``momentum``, ``weight_decay``).
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

    _STATE_NAMES = ("velocity",)

    def __init__(
        self,
        params: Iterable[Value] | Iterable[dict[str, Any]],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        *,
        schedule: Schedule | None = None,
    ) -> None:
        defaults = {"lr": lr, "momentum": momentum, "weight_decay": weight_decay}
        super().__init__(params, defaults, schedule=schedule)
        self.velocity = [0.0] * len(self.params)

    def _check_option(self, option: str, value: Any) -> Any:
        if option == "momentum":
            return _check_fraction("SGD", "momentum", value)
        if option == "weight_decay":
            return _check_rate("SGD", "weight_decay", value, positive=False)
        return super()._check_option(option, value)

    def _update(self, grads: list[float]) -> None:
        velocity = self.velocity
        for group, i, p, g in self._groups(grads):
            lr, mu, wd = group["lr"], group["momentum"], group["weight_decay"]
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
        params: leaf Values, or parameter groups (dicts with ``"params"`` and any of
            ``lr``, ``betas``, ``eps``, ``weight_decay``).
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

    _STATE_NAMES = ("m", "v")
    _NONNEGATIVE_STATE = ("v",)
    _DECOUPLED = False  # weight decay added to the gradient (L2), as torch.optim.Adam

    def __init__(
        self,
        params: Iterable[Value] | Iterable[dict[str, Any]],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        *,
        schedule: Schedule | None = None,
    ) -> None:
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay}
        super().__init__(params, defaults, schedule=schedule)
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    @property
    def betas(self) -> tuple[float, float]:
        """The first group's ``(b1, b2)``."""
        betas: tuple[float, float] = self.param_groups[0]["betas"]
        return betas

    @property
    def eps(self) -> float:
        """The first group's ``eps``."""
        eps: float = self.param_groups[0]["eps"]
        return eps

    def _check_option(self, option: str, value: Any) -> Any:
        who = type(self).__name__
        if option == "betas":
            if not isinstance(value, tuple | list) or len(value) != 2:
                raise TypeError(f"{who}: betas must be a pair (b1, b2), got {value!r}")
            return (
                _check_fraction(who, "betas[0]", value[0]),
                _check_fraction(who, "betas[1]", value[1]),
            )
        if option == "eps":
            return _check_rate(who, "eps", value, positive=True)
        if option == "weight_decay":
            return _check_rate(who, "weight_decay", value, positive=False)
        return super()._check_option(option, value)

    def _update(self, grads: list[float]) -> None:
        t = self.steps + 1
        m, v = self.m, self.v
        for group, i, p, g in self._groups(grads):
            b1, b2 = group["betas"]
            lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
            if wd and self._DECOUPLED:  # AdamW: shrink the parameter, apart from g
                p.data *= 1.0 - lr * wd
            elif wd:
                g += wd * p.data
            m[i] = b1 * m[i] + (1.0 - b1) * g
            v[i] = b2 * v[i] + (1.0 - b2) * g * g
            correction1 = 1.0 - b1**t
            correction2 = 1.0 - b2**t
            p.data -= lr * (m[i] / correction1) / (math.sqrt(v[i] / correction2) + eps)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter), as ``torch.optim.AdamW``.

    Weight decay here shrinks each parameter directly, ``p = p * (1 - lr * weight_decay)``,
    before the Adam step, instead of adding ``weight_decay * p`` to the gradient as
    :class:`Adam` does: the decay then no longer passes through Adam's scaling by
    ``1 / sqrt(v)``, so every parameter decays at the same rate. The defaults are PyTorch's
    (``weight_decay=0.01``, the rest as Adam). With ``weight_decay=0`` it is Adam.

    Args:
        params: leaf Values, or parameter groups (dicts with ``"params"`` and any of
            ``lr``, ``betas``, ``eps``, ``weight_decay``).
        lr: learning rate (> 0).
        betas: decay rates ``(b1, b2)`` of the two averages, each in [0, 1).
        eps: added to the denominator (> 0).
        weight_decay: the fraction of ``lr`` by which parameters shrink each step (>= 0).
        schedule: optional ``schedule(step) -> lr``.

    Example:
        >>> from autograd_lite import Value
        >>> from autograd_lite.optim import AdamW
        >>> w = Value(1.0); w.grad = 0.5
        >>> AdamW([w], lr=0.1, weight_decay=0.5).step(); round(w.data, 6)   # 0.95, then -0.1
        0.85
    """

    _DECOUPLED = True

    def __init__(
        self,
        params: Iterable[Value] | Iterable[dict[str, Any]],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
        *,
        schedule: Schedule | None = None,
    ) -> None:
        super().__init__(
            params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, schedule=schedule
        )
