"""``Value``: a number that remembers the operation and the inputs that made it.

Every operation on Values goes through one function, :func:`_record`: it runs the op's rule
(from :mod:`~autograd_lite.core.rules`, the only module that knows calculus) on the inputs'
numbers and stores ``(rule, parents)`` on the new node. ``backward()`` then walks the graph
back from the output, applying the chain rule: the plain walk is the first thing in
:mod:`~autograd_lite.core.engine`.

Read this module and the top of ``engine.py`` for the whole idea. What you can skip:
``value_extras.py`` (comparisons, modes, numpy's view), ``custom.py`` (micrograd's names and
user-written ops, gradient hooks), ``fast.py`` (a faster backward and faster ``+ - * /``,
tested against the plain versions).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from typing import Any

from . import custom, fast
from . import rules as R
from .engine import backward as _backward
from .engine import zero_grad as _zero_grad
from .errors import DomainError, TracingError
from .messages import located
from .modes import DEFAULT_MODE, current_mode
from .node import Node, describe_node, next_creation_number, store_parents, to_float
from .op_names import OpMethods
from .value_extras import ValueExtras, install_methods, records_in, wants_reflection

__all__ = ["Number", "TracedValue", "Value", "apply", "as_value", "describe_node"]

Number = int | float


class Value(ValueExtras, custom.GradientHooks, custom.MicrogradNames, OpMethods):
    """A scalar node in a computation graph.

    Args:
        data: the number (int, float, bool and numpy real scalars become floats; NaN and
            inf are allowed).
        _children, _op: micrograd's way to add an op of your own (see
            :mod:`autograd_lite.core.custom`); leave them out for an ordinary leaf.
        label: an optional name for reprs, error messages and drawings (may also be
            passed second, as ``Value(2.0, "x")``).

    Attributes:
        data: the float value.
        grad: d(root)/d(this node) after ``root.backward()``; 0.0 before.
        label: the name given, or None.

    Example:
        >>> from autograd_lite import Value
        >>> x = Value(2.0, label="x")
        >>> y = x * x + 3 * x
        >>> y.backward()
        >>> x.grad
        7.0
    """

    # What a node stores, and its ``parents``, live in Node (node.py): no slots added here.
    __slots__ = ()

    def __init__(
        self,
        data: object,
        _children: Sequence[Value] | AbstractSet[Value] | str | None = (),
        _op: str = "",
        label: str | None = None,
    ) -> None:
        if _children.__class__ is str:  # Value(2.0, "x"): the label passed second
            if label is not None:
                raise TypeError(f"Value: label given twice ({_children!r} and {label!r})")
            label, _children = _children, ()
        if label is not None and not isinstance(label, str):
            raise TypeError(f"Value: label must be a str or None, got {type(label).__name__}")
        self.data = to_float(data, "Value")
        self.grad = 0.0
        self.label = label
        self._rule = None  # a leaf: no operation made it, it has no parents
        self._a = None
        self._b = None
        self._hooks = None
        self._created = 0
        if _children or _op:  # micrograd's Value(data, _children, _op)
            custom.attach_user_op(self, _children, _op)

    # ------------------------------------------------------------------ graph facts

    @property
    def rule(self) -> R.Rule | None:
        """The :class:`~autograd_lite.rules.Rule` that produced this node (None for a leaf)."""
        return self._rule

    @property
    def op(self) -> str:
        """Name of the operation that produced this node (``"mul"``); ``""`` for a leaf."""
        return self._rule.name if self._rule is not None else ""

    @property
    def is_leaf(self) -> bool:
        """True for a node no operation produced (an input, a parameter, a constant)."""
        return self._rule is None

    def item(self) -> float:
        """The number this node holds, as a float (PyTorch's ``tensor.item()``)."""
        return self.data

    def detach(self) -> Value:
        """A new leaf with the same number and label, cut off the graph (PyTorch's ``detach()``).

        Example:
            >>> from autograd_lite import Value
            >>> x = Value(3.0)
            >>> y = x * x.detach()      # d/dx of x * 3, not of x * x
            >>> y.backward(); x.grad
            3.0
        """
        return Value(self.data, label=self.label)

    def __repr__(self) -> str:
        g = self.grad
        parts = [f"data={self.data:.6g}", f"grad={g.data if isinstance(g, Value) else g:.6g}"]
        if self.label is not None:
            parts.append(f"label={self.label!r}")
        if self._rule is not None:
            parts.append(f"op={self._rule.symbol!r}")
        return f"Value({', '.join(parts)})"

    # ------------------------------------------------------------------ arithmetic
    # Each operator is its rule applied to (self, other); _lift makes a number a leaf.

    def __add__(self, other: Value | Number) -> Value:
        lifted = _lift(other, "+")
        return NotImplemented if lifted is None else _record(R.ADD, (self, lifted))

    def __radd__(self, other: Number) -> Value:
        lifted = _lift(other, "+")
        return NotImplemented if lifted is None else _record(R.ADD, (lifted, self))

    def __sub__(self, other: Value | Number) -> Value:
        lifted = _lift(other, "-")
        return NotImplemented if lifted is None else _record(R.SUB, (self, lifted))

    def __rsub__(self, other: Number) -> Value:
        lifted = _lift(other, "-")
        return NotImplemented if lifted is None else _record(R.SUB, (lifted, self))

    def __mul__(self, other: Value | Number) -> Value:
        lifted = _lift(other, "*")
        return NotImplemented if lifted is None else _record(R.MUL, (self, lifted))

    def __rmul__(self, other: Number) -> Value:
        lifted = _lift(other, "*")
        return NotImplemented if lifted is None else _record(R.MUL, (lifted, self))

    def __truediv__(self, other: Value | Number) -> Value:
        lifted = _lift(other, "/")
        return NotImplemented if lifted is None else _record(R.DIV, (self, lifted))

    def __rtruediv__(self, other: Number) -> Value:
        lifted = _lift(other, "/")
        return NotImplemented if lifted is None else _record(R.DIV, (lifted, self))

    def __pow__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            return _record(R.VPOW, (self, other))
        if wants_reflection(other):
            return NotImplemented
        # x ** 3: the exponent is a constant of the rule, not an input of the node.
        return _record(R.POW.with_param(to_float(other, "operand of **")), (self,))

    def __rpow__(self, other: Number) -> Value:
        if wants_reflection(other):
            return NotImplemented
        return _record(R.RPOW.with_param(to_float(other, "operand of **")), (self,))

    def __neg__(self) -> Value:
        return _record(R.NEG, (self,))

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return _record(R.ABS, (self,))

    # The math methods (x.exp(), x.tanh()...) are made from the rule table below the class.

    # ------------------------------------------------------------------ gradients

    def backward(self, gradient: Any = 1.0, *, create_graph: bool = False) -> None:
        """Fill ``node.grad`` with d(self)/d(node) * ``gradient`` for every node of the graph.

        As in PyTorch, leaves (inputs, parameters) add to what they hold, so several calls sum
        up (:meth:`zero_grad` starts again); intermediate nodes are recomputed by each call.

        Args:
            gradient: the seed d(final)/d(self); 1.0 for a loss.
            create_graph: make the gradients ``Value`` nodes of a new graph, so that they
                can be differentiated again (higher-order derivatives).

        Example:
            >>> from autograd_lite import Value
            >>> a = Value(3.0)
            >>> (a * a * a).backward(); a.grad
            27.0
        """
        _backward(self, gradient, create_graph=create_graph)

    def zero_grad(self) -> None:
        """Set ``grad`` to 0.0 on every node of this node's graph (leaves included)."""
        _zero_grad(self)


# ---------------------------------------------------------------------- making nodes


def _record(rule: R.Rule, parents: tuple[Value, ...], out: float | None = None) -> Value:
    """The one place an operation makes a node: ``rule`` applied to ``parents``.

    The rule's forward computes the number from the parents' numbers; the new node keeps
    ``(rule, parents)``, all that ``backward()`` needs to send gradients back. ``out`` is
    given only by the engine's derivative graphs (``create_graph``), where inf and nan are
    answers rather than domain errors.
    """
    if out is None:
        try:
            out = rule.forward(*[p.data for p in parents])
        except DomainError as err:  # log(-1): say which nodes were the inputs
            raise located(err, rule, parents) from None
    mode = current_mode()
    if mode is not DEFAULT_MODE and not records_in(mode, rule, out, parents):
        return Value(out)  # inside no_grad(): a plain leaf
    # No __init__: every field is set here. (While compile() traces, nodes are TracedValues,
    # a Value that refuses to show its .data to the traced function: see the end of the file.)
    node = object.__new__(TracedValue if mode.tracing else Value)
    node.data = out
    node.grad = 0.0
    node.label = None
    node._rule = rule
    store_parents(node, parents)  # node.parents gives them back
    node._hooks = None
    node._created = next_creation_number()  # newest-first is an order backward can use
    return node


def _lift(x: object, op: str) -> Value | None:
    """``x`` as a node: a number becomes a constant leaf; None for a numpy array (which
    then applies the op to each element itself)."""
    if isinstance(x, Value):
        return x
    if wants_reflection(x):
        return None
    return Value(to_float(x, f"operand of {op}"))


# x.exp(), x.tanh()...: one method per rule of the table that names one (value_extras.py).
install_methods(Value, _record)

# ---------------------------------------------------------------------- helpers


def apply(rule: R.Rule, inputs: Sequence[Value]) -> Value:
    """Apply any rule (n-ary included) to Value inputs and record the node.

    Args:
        rule: a rule from :data:`autograd_lite.rules.RULES` (parametrised ones bound).
        inputs: the input nodes, in the order the rule expects.

    Returns:
        The new node.
    """
    if rule.parametrised:
        raise TypeError(f"rule {rule.name!r} needs its parameter: use rule.with_param(...)")
    if rule.arity is not None and len(inputs) != rule.arity:
        raise TypeError(f"{rule.name} takes {rule.arity} inputs, got {len(inputs)}")
    parents = tuple(inputs)
    for p in parents:
        if not isinstance(p, Value):
            raise TypeError(f"{rule.name}: inputs must be Values, got {type(p).__name__} {p!r}")
    return _record(rule, parents)


def as_value(x: Value | Number, label: str | None = None) -> Value:
    """Return ``x`` if it is a Value, else a new leaf holding it."""
    if isinstance(x, Value):
        return x
    return Value(x, label)


# The engine's derivative graphs (create_graph) make their nodes with _record too.
Value._record = staticmethod(_record)  # type: ignore[attr-defined]

# Faster copies of the operators and methods above, with _record written out in each:
# the same rules and the same nodes (fast.py; tests/test_fast.py holds them equal).
fast.install(Value, _record, _lift)


# ---------------------------------------------------------------------- reads while tracing

# The slot itself, under the property TracedValue puts over it.
_SLOT_DATA: Any = Node.__dict__["data"]
_PACKAGE = __name__.split(".", 1)[0] + "."


def _read_traced_data(node: Value) -> float:
    if current_mode().tracing:
        caller = sys._getframe(1).f_globals
        if caller is not _VALUE_GLOBALS and not caller.get("__name__", "").startswith(_PACKAGE):
            raise TracingError(
                f"compile: f read .data of {describe_node(node)} while being traced. The "
                "number would be frozen into the compiled code: a branch on it, or a constant "
                "made from it, would not follow new arguments. Use Value operations on the "
                "Value itself (relu(), abs(), where a branch was meant; Value's own methods "
                "rather than a user-defined op built from x.data), or pass the number in as an "
                "argument."
            )
    value: float = _SLOT_DATA.__get__(node)
    return value


def _write_traced_data(node: Value, value: float) -> None:
    _SLOT_DATA.__set__(node, value)


class TracedValue(Value):
    """A node of a graph that ``compile`` is tracing: ``f`` may not read its ``.data``.

    Operations make these while :func:`autograd_lite.compile` traces, and the tracer gives
    its inputs and captured Values this class for the length of the trace. Reading ``.data``
    from outside autograd_lite then raises :class:`TracingError` instead of freezing the
    number into the compiled code; the package's own reads (an op reading its inputs, a
    loss shifting logits by a constant) are allowed. Outside tracing it is a plain Value.
    """

    __slots__ = ()

    data = property(_read_traced_data, _write_traced_data)


_VALUE_GLOBALS = globals()
