"""What ``Value`` does beyond recording operations: modes, comparisons, numpy, number guards.

:class:`ValueExtras` is a base class of :class:`~autograd_lite.Value` holding the methods a
learner need not read to follow the chain rule: comparisons (which consult ``on_compare`` and
refuse while ``compile()`` traces), ``float()``/``int()`` (which raise a graph-cut error naming
the line), and ``dtype`` (numpy's view of a Value). :func:`records_in` is what
:func:`~autograd_lite.core.value._record` asks when a mode (``no_grad``, ``detect_anomaly``,
tracing) is on.
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

from .errors import AnomalyError, TracingError, graph_cut_error
from .messages import decision_error, forward_anomaly
from .modes import Mode, compare_hook, current_mode
from .node import Node, describe_node, to_float
from .rules import RULES, Rule

if TYPE_CHECKING:
    from .value import Value

__all__ = ["ValueExtras", "install_methods", "records_in", "wants_reflection"]


def records_in(mode: Mode, rule: Rule, out: float, parents: tuple[Node, ...]) -> bool:
    """Whether an op records its node under ``mode`` (False inside ``no_grad()``).

    Raises:
        TracingError: the op ran inside ``no_grad()`` while ``compile()`` traces.
        AnomalyError: inside ``detect_anomaly()``, the result is NaN or infinite.
    """
    if mode.tracing and not mode.grad_enabled:
        raise TracingError(
            f"compile: {rule.name} ran inside no_grad() while f was being traced; its result "
            "would be frozen into the compiled code at the example's values. Compute it "
            "outside f and pass it in as an argument."
        )
    if mode.anomaly and not math.isfinite(out):
        raise AnomalyError(forward_anomaly(rule, out, parents), rule.name, "forward")
    return mode.grad_enabled


def wants_reflection(other: object) -> bool:
    """True for a numpy array (or array-like): it applies ``Value op array`` per element."""
    return hasattr(other, "__array_ufunc__") and not isinstance(other, numbers.Number)


def _compared(v: Node, other: object, op: str) -> float:
    """The number ``v`` is compared with; raises while compile() traces; tells on_compare()."""
    if current_mode().tracing:
        raise decision_error(v, op)
    number = other.data if isinstance(other, Node) else to_float(other, f"comparison {op}")
    hook = compare_hook()
    if hook is not None:
        hook(v, other, number)
    return number


class ValueExtras(Node):
    """Comparisons, conversions and numpy's view of a Value (a base class of ``Value``)."""

    __slots__ = ()

    @property
    def dtype(self) -> Any:
        """numpy's view of a Value: an object scalar, ``np.dtype(object)``.

        numpy reads it where it treats a reduction's result as an array:
        ``np.linalg.norm(x, ord=3)`` raises the sum of ``|x|**3`` to ``1/3`` with
        ``dtype=result.dtype``.
        """
        import numpy

        return numpy.dtype(object)

    # A plain number would cut the graph silently; the error names the call and the fix.

    def __float__(self) -> NoReturn:
        raise graph_cut_error("float()", describe_node(self), sys._getframe(1))

    def __int__(self) -> NoReturn:
        raise graph_cut_error("int()", describe_node(self), sys._getframe(1))

    def __index__(self) -> NoReturn:
        raise graph_cut_error("int()", describe_node(self), sys._getframe(1))

    # Comparisons compare data and return bools, so max(), sorted() and np.maximum work.
    # == and hash stay identity-based: a node is a graph vertex, not a number.
    # While compile() traces, a comparison would freeze a branch, so it raises instead.

    def __lt__(self, other: object) -> bool:
        return self.data < _compared(self, other, "<")

    def __le__(self, other: object) -> bool:
        return self.data <= _compared(self, other, "<=")

    def __gt__(self, other: object) -> bool:
        return self.data > _compared(self, other, ">")

    def __ge__(self, other: object) -> bool:
        return self.data >= _compared(self, other, ">=")

    def __bool__(self) -> bool:
        # Every object is true by default; kept, except while compile() traces.
        if current_mode().tracing:
            raise decision_error(self, "bool()")
        return True


def install_methods(value_class: type[Value], record: Callable[..., Any]) -> None:
    """Give ``Value`` a method for every rule of the table that names one (``x.tanh()``).

    Each method is ``record(rule, (self,))``: the rule applied to the node; a rule marked
    ``attribute`` (``x.real``) becomes a property.
    """
    for rule in RULES.values():
        if rule.method is None:
            continue
        if rule.method in value_class.__dict__:
            raise TypeError(f"rule {rule.name!r}: Value already has an attribute {rule.method!r}")
        setattr(value_class, rule.method, _method(value_class, rule.method, rule, record))


def _method(value_class: type, name: str, rule: Rule, record: Callable[..., Any]) -> Any:
    def method(self: Value) -> Value:
        return record(rule, (self,))  # type: ignore[no-any-return]

    method.__name__ = name
    method.__qualname__ = f"Value.{name}"
    method.__module__ = value_class.__module__
    method.__doc__ = rule.doc or f"The ``{rule.name}`` op."
    return property(method, doc=method.__doc__) if rule.attribute else method
