"""The exceptions autograd_lite raises, so callers can catch them precisely.

Each one also subclasses the built-in exception a Python user would try first
(``ValueError``, ``ZeroDivisionError``, ``OverflowError``, ``FloatingPointError``),
so ``except ValueError`` keeps working.
"""

from __future__ import annotations


class DomainError(ValueError):
    """An operation was asked for a value outside its domain, e.g. ``log(-1)``.

    Raised at forward time, before any node is created, so the graph is unchanged.
    Attributes:
        op: the operation's name (``"log"``).
        inputs: the offending input values.
    """

    def __init__(self, message: str, op: str = "", inputs: tuple[float, ...] = ()) -> None:
        super().__init__(message)
        self.op = op
        self.inputs = inputs


class DivisionByZeroError(DomainError, ZeroDivisionError):
    """Division by zero (``x / 0`` or ``0 ** -1``)."""


class OverflowDomainError(DomainError, OverflowError):
    """The result does not fit in a float, e.g. ``exp(1000)``."""


class AnomalyError(FloatingPointError):
    """Raised inside ``detect_anomaly()`` where a NaN or infinity first appears.

    Attributes:
        op: the operation that produced it.
        phase: ``"forward"`` or ``"backward"``.
    """

    def __init__(self, message: str, op: str = "", phase: str = "forward") -> None:
        super().__init__(message)
        self.op = op
        self.phase = phase


class MissingRuleError(KeyError):
    """A node names an operation that has no derivative rule."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "missing rule"


class TracingError(TypeError):
    """:func:`autograd_lite.compile` met something in ``f`` that straight-line code cannot follow.

    For example an ``if`` on a comparison of Values, ``bool(v)``, ``max()`` of Values, or a
    ``no_grad()`` block inside ``f``: each would freeze a decision or a number at the example's
    values. The message says which and what to do instead.
    """
