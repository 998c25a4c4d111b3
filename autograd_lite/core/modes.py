"""Context switches that change how operations record: ``no_grad``, ``set_grad_enabled``, ...

The current mode lives in one :class:`contextvars.ContextVar`, so it is per thread and per
asyncio task, and the hot path pays a single ``get()`` per operation to learn that nothing
special is on.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any, TypeVar, cast

__all__ = [
    "Mode",
    "current_mode",
    "detect_anomaly",
    "enable_grad",
    "is_grad_enabled",
    "no_grad",
    "set_grad_enabled",
    "tracing",
]


@dataclass(frozen=True)
class Mode:
    """How operations behave right now.

    Attributes:
        grad_enabled: False inside ``no_grad()``: results are leaves with no parents.
        anomaly: True inside ``detect_anomaly()``: NaN/inf results raise at once.
        tracing: True while :func:`autograd_lite.compile` traces a function: a Python
            decision on a Value (a comparison, ``bool(v)``) raises, because straight-line
            compiled code could not follow it.
    """

    grad_enabled: bool = True
    anomaly: bool = False
    tracing: bool = False


DEFAULT_MODE = Mode()
F = TypeVar("F", bound=Callable[..., Any])
_MODE: ContextVar[Mode] = ContextVar("autograd_lite_mode", default=DEFAULT_MODE)
current_mode = _MODE.get


class _Switch(AbstractContextManager[None]):
    """A mode change: a context manager (reusable and re-entrant) and a decorator.

    As a decorator it wraps plain functions, generator functions (the mode is set around each
    step of the generator, not around its creation) and ``async def`` functions (around the
    awaited body), as PyTorch's ``no_grad`` does.
    """

    def __init__(self, **changes: bool) -> None:
        self._changes = changes
        self._local = threading.local()  # each thread's stack of tokens for nested use

    def __enter__(self) -> None:
        mode = replace(_MODE.get(), **self._changes)
        # Back to the defaults means back to the very DEFAULT_MODE object: operations test it
        # by identity to take their fast path (e.g. inside detect_anomaly(False) at top level).
        token = _MODE.set(DEFAULT_MODE if mode == DEFAULT_MODE else mode)
        stack = self._local.__dict__.setdefault("tokens", [])
        stack.append(token)

    def __exit__(self, *exc_info: object) -> None:
        _MODE.reset(self._local.tokens.pop())

    def __call__(self, fn: F) -> F:
        changes = self._changes
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with _Switch(**changes):
                    return await fn(*args, **kwargs)

            return cast(F, run_async)
        if inspect.isgeneratorfunction(fn):

            @functools.wraps(fn)
            def run_generator(*args: Any, **kwargs: Any) -> Any:
                generator = fn(*args, **kwargs)
                sending: Any = None
                throwing: BaseException | None = None
                while True:
                    try:
                        with _Switch(**changes):
                            if throwing is None:
                                request = generator.send(sending)
                            else:
                                request = generator.throw(throwing)
                    except StopIteration as stop:
                        return stop.value
                    throwing = None
                    try:
                        sending = yield request
                    except GeneratorExit:
                        generator.close()
                        raise
                    except BaseException as err:  # thrown in by the caller: pass it on
                        throwing = err

            return cast(F, run_generator)

        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            with _Switch(**changes):
                return fn(*args, **kwargs)

        return cast(F, run)


def no_grad() -> AbstractContextManager[None]:
    """Build no graph inside this block: results of operations are plain leaves.

    Use it for parameter updates and for evaluating a model without recording.
    Works as a context manager and as a decorator.

    Example:
        >>> from autograd_lite import Value, no_grad
        >>> w = Value(1.0)
        >>> with no_grad():
        ...     w2 = w * 0.9
        >>> w2.parents
        ()
    """
    return _Switch(grad_enabled=False)


def enable_grad() -> AbstractContextManager[None]:
    """Record operations again inside a ``no_grad()`` block."""
    return _Switch(grad_enabled=True)


class _GradModeSet(AbstractContextManager[None]):
    """What :func:`set_grad_enabled` returns: the mode is already set; leaving a ``with``
    block over it restores the one before. Also a decorator."""

    def __init__(self, enabled: bool) -> None:
        self._enabled = enabled
        mode = replace(_MODE.get(), grad_enabled=enabled)
        self._token = _MODE.set(DEFAULT_MODE if mode == DEFAULT_MODE else mode)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info: object) -> None:
        _MODE.reset(self._token)

    def __call__(self, fn: F) -> F:
        # As a decorator the mode belongs to the calls of fn, not to the decoration.
        _MODE.reset(self._token)
        return _Switch(grad_enabled=self._enabled)(fn)


def set_grad_enabled(enabled: bool) -> AbstractContextManager[None]:
    """Switch graph recording on or off, as a call, a ``with`` block or a decorator.

    As PyTorch's ``torch.set_grad_enabled``: the call itself sets the mode (for the current
    thread or asyncio task, until changed again); used as ``with set_grad_enabled(flag):``
    the mode before the block comes back at its end; used as ``@set_grad_enabled(flag)`` it
    holds during each call of the decorated function only. Handy where a flag picks
    training or evaluation: ``with set_grad_enabled(training): loss = model(x)``.

    Args:
        enabled: True to record a graph (the default mode), False to record nothing, as in
            :func:`no_grad`.

    Returns:
        A context manager (and decorator); the mode is already set when it is returned.

    Raises:
        TypeError: ``enabled`` is not a bool (``0``/``1`` included: a slip for a flag).

    Example:
        >>> from autograd_lite import Value, is_grad_enabled, set_grad_enabled
        >>> with set_grad_enabled(False):
        ...     y = Value(2.0) * 3
        >>> y.parents, is_grad_enabled()
        ((), True)
    """
    if not isinstance(enabled, bool):
        raise TypeError(
            f"set_grad_enabled: enabled must be True or False, got {type(enabled).__name__} "
            f"{enabled!r}"
        )
    return _GradModeSet(enabled)


def is_grad_enabled() -> bool:
    """True when operations currently record a graph."""
    return _MODE.get().grad_enabled


def detect_anomaly(enabled: bool = True) -> AbstractContextManager[None]:
    """Raise :class:`~autograd_lite.core.errors.AnomalyError` where a NaN or inf first appears.

    In the forward pass every operation's result is checked; in ``backward()`` every
    gradient contribution is. The error names the op, its input values and the labels of
    the nodes involved. Off by default; costs one context-variable read per op when off.

    Args:
        enabled: pass False to switch detection off inside an outer detecting block.

    Example:
        >>> from autograd_lite import Value, detect_anomaly
        >>> with detect_anomaly():
        ...     y = Value(float("inf"), label="x") * 0.0   # doctest: +SKIP
        AnomalyError: mul produced nan ...
    """
    return _Switch(anomaly=enabled)


def tracing() -> AbstractContextManager[None]:
    """Record for :func:`autograd_lite.compile`'s tracer: the mode ``f`` runs in while traced.

    Inside this block operations record even within an outer ``no_grad()``, anomaly
    detection is off (the example's numbers are not the point), and a Python decision on a
    Value (``<``, ``bool(v)``) raises :class:`~autograd_lite.core.errors.TracingError`.

    Example:
        >>> from autograd_lite import Value
        >>> from autograd_lite.core.modes import tracing
        >>> with tracing():
        ...     (Value(1.0) * 2).op
        'mul'
    """
    return _Switch(tracing=True, grad_enabled=True, anomaly=False)


Comparison = Callable[[Any, Any, float], None]
_ON_COMPARE: ContextVar[Comparison | None] = ContextVar("autograd_lite_compare", default=None)
compare_hook = _ON_COMPARE.get
"""The callback :func:`on_compare` installed, or None (what Value comparisons consult)."""


@contextmanager
def on_compare(callback: Comparison) -> Iterator[None]:
    """Call ``callback(value, other, other_number)`` on every comparison of a Value inside.

    A comparison picks a branch (``max``, ``np.maximum``) without leaving a node in the graph;
    a gradient check uses this to find ties, where the function has a kink the graph hides.

    Args:
        callback: called before each comparison ``value < other`` (any of < <= > >=).
    """
    token = _ON_COMPARE.set(callback)
    try:
        yield
    finally:
        _ON_COMPARE.reset(token)
