"""The exceptions autograd_lite raises, so callers can catch them precisely.

Each one also subclasses the built-in exception a Python user would try first
(``ValueError``, ``ZeroDivisionError``, ``OverflowError``, ``FloatingPointError``),
so ``except ValueError`` keeps working.
"""

from __future__ import annotations

import linecache
import re
from types import FrameType


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


class GraphCutError(TypeError):
    """A Value was turned into a plain number (``float(v)``, ``int(v)``, ``math.exp(v)``, ...).

    A plain number carries no gradient, so the engine refuses rather than cut the graph
    silently. The message names the call and the line, and says what to write instead.

    Attributes:
        call: what was called: ``"float()"``, ``"int()"``, ``"index"`` or ``"math.exp"``.
        filename, lineno, line: where, in the caller's code ("" / 0 when unknown).
    """

    def __init__(self, message: str, call: str, filename: str, lineno: int, line: str) -> None:
        super().__init__(message)
        self.call = call
        self.filename = filename
        self.lineno = lineno
        self.line = line


def graph_cut_error(conversion: str, node: str, frame: FrameType | None) -> GraphCutError:
    """The error for ``float()``/``int()``/indexing of a Value, told from the caller's line.

    Only the caller's line is read (from the linecache), so building the message stays cheap.
    """
    filename = frame.f_code.co_filename if frame is not None else ""
    lineno = frame.f_lineno if frame is not None else 0
    line = linecache.getline(filename, lineno).strip() if frame is not None else ""
    where = f" at line {lineno} of {filename}: `{line}`" if line else ""
    called = re.search(r"\bmath\.(\w+)\s*\(", line)
    if called and conversion == "float()":
        call = f"math.{called.group(1)}"
        fix = (
            f"{call}() works on plain floats only: use np.{called.group(1)} or "
            f"autograd_lite.{called.group(1)} on Values"
        )
    elif conversion == "float()":
        call = conversion
        fix = (
            "a plain float carries no gradient. If a float array (np.zeros(shape), np.empty) "
            "is being filled with Values, make it with np.zeros_like(x) or dtype=object; if "
            "this is math.exp/math.log/..., use np.exp or autograd_lite.exp; to read the "
            "number on purpose, use .data"
        )
    else:
        call = conversion
        fix = (
            "a Value is not an integer. Integer labels or indices passed as inputs to a "
            "gradient check become Values: keep them in loss_fn's closure instead; to read "
            "the number on purpose, use int(v.data)"
        )
    message = f"{call} of a Value ({node}){where}: {fix}"
    return GraphCutError(message, call, filename, lineno, line)
