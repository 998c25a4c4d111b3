"""Context switches that change how operations record: ``no_grad`` and ``detect_anomaly``.

The current mode lives in one :class:`contextvars.ContextVar`, so it is per thread and per
asyncio task, and the hot path pays a single ``get()`` per operation to learn that nothing
special is on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace

__all__ = [
    "Mode",
    "current_mode",
    "detect_anomaly",
    "enable_grad",
    "is_grad_enabled",
    "no_grad",
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
_MODE: ContextVar[Mode] = ContextVar("autograd_lite_mode", default=DEFAULT_MODE)
current_mode = _MODE.get


@contextmanager
def _switch(**changes: bool) -> Iterator[None]:
    mode = replace(_MODE.get(), **changes)
    # Back to the defaults means back to the very DEFAULT_MODE object: operations test it by
    # identity to take their fast path (e.g. inside detect_anomaly(False) at top level).
    token = _MODE.set(DEFAULT_MODE if mode == DEFAULT_MODE else mode)
    try:
        yield
    finally:
        _MODE.reset(token)


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
    return _switch(grad_enabled=False)


def enable_grad() -> AbstractContextManager[None]:
    """Record operations again inside a ``no_grad()`` block."""
    return _switch(grad_enabled=True)


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
    return _switch(anomaly=enabled)



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
    return _switch(tracing=True, grad_enabled=True, anomaly=False)
