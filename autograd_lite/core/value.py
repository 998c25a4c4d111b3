"""The ``Value`` node: a float that remembers the operation and inputs that made it.

A ``Value`` holds no calculus: each operator looks up its rule in :mod:`autograd_lite.rules`,
computes the forward float, and records ``(parents, rule)`` on a new node.
``backward()`` hands off to :mod:`autograd_lite.core.engine`. What a node stores (its slots) is
:class:`~autograd_lite.core.node.Node`, the base class the engine works with.

The math methods (``x.exp()``, ``x.tanh()``, ``x.sqrt()``...) are not written here: every
rule of the table that names a ``method`` gets one, installed on the class when this module is
imported, with the rule's docstring (``help(Value)`` and ``dir(Value)`` list them). Type
checkers and IDEs see them through the base class :class:`~autograd_lite.core.op_names.OpMethods`,
whose declarations are generated from the same table.
"""

from __future__ import annotations

import itertools
import math
import numbers
import sys
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from typing import Any, NoReturn

from . import custom as _custom
from . import rules as R
from .engine import backward as _backward
from .engine import zero_grad as _zero_grad
from .errors import AnomalyError, DomainError, TracingError, graph_cut_error
from .modes import DEFAULT_MODE, Mode, compare_hook, current_mode
from .node import Node, describe_node, to_float
from .op_names import OpMethods

__all__ = ["Number", "TracedValue", "Value", "as_value", "describe_node"]

Number = int | float


def _binary_operator(
    rule_name: str, symbol: str, name: str
) -> Callable[[Value, Value | Number], Value]:
    """The method for ``value <symbol> other``: a new node made by the rule ``R.<rule_name>``.

    The same steps as :func:`_binary`, written out in the method itself: building a node is
    the hot path of every graph, and one Python call less is about a quarter of its cost.
    The rule is looked up in the rules module on every call, as ``_binary(R.ADD, ...)`` does,
    so a rule replaced there (a test's deliberately wrong derivative) is the one used.
    """
    rules_namespace = vars(R)

    def operator(self: Value, other: Value | Number) -> Value:
        if other.__class__ is not Value:
            lifted = _lift(other, symbol)
            if lifted is None:
                return NotImplemented  # type: ignore[no-any-return]
            other = lifted
        rule: R.Rule = rules_namespace[rule_name]
        try:
            out = rule.forward(self.data, other.data)
        except DomainError as err:
            raise _located(err, rule, (self, other)) from None
        mode = _mode()
        if mode is DEFAULT_MODE:
            node: Value = _new(Value)
            node.data = out
            node.grad = 0.0
            node.label = None
            node._rule = rule
            node._a = self
            node._b = other
            node._created = next(_creation_counter)
            return node
        return _record_special(rule, out, (self, other), mode)

    operator.__name__ = name
    operator.__qualname__ = f"Value.{name}"
    operator.__doc__ = f"``self {symbol} other`` as a new node (rule {rule_name.lower()!r})."
    return operator


class Value(Node, OpMethods):
    """A scalar node in a computation graph.

    Args:
        data: the number (int, float, bool and numpy real scalars are converted to float;
            NaN and inf are allowed).
        _children: micrograd's way to add an op: the input nodes of a node whose value
            you computed yourself. Assign ``out._backward`` a closure that adds
            ``local_derivative * out.grad`` to each input's grad (see
            :mod:`autograd_lite.core.custom`). Leave empty for an ordinary leaf.
        _op: the op's name for drawings and ``_op`` (``"tanh"``), with ``_children``.
        label: an optional name used in reprs, error messages and drawings (may also be
            passed second, as ``Value(2.0, "x")``).

    Attributes:
        data: the float value.
        grad: d(root)/d(this node) after ``root.backward()``; 0.0 before. Leaves accumulate
            across ``backward()`` calls, intermediate nodes are recomputed by each call.
        label: the name given, or None.

    Example:
        >>> from autograd_lite import Value
        >>> x = Value(2.0, label="x")
        >>> y = x * x + 3 * x
        >>> y.backward()
        >>> x.grad
        7.0
    """

    # The slots live in Node (see autograd_lite.core.node); none are added here.
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
        self._rule = None
        self._created = 0
        self._a = None
        self._b = None
        if _children or _op:
            _attach_user_op(self, _children, _op)

    # ------------------------------------------------------------------ graph facts

    @property
    def op(self) -> str:
        """Name of the operation that produced this node (``"mul"``); ``""`` for a leaf."""
        rule = self._rule
        return rule.name if rule is not None else ""

    @property
    def parents(self) -> tuple[Value, ...]:
        """The inputs of the operation that produced this node, in order (``()`` for a leaf)."""
        if self._b is not None:
            return (self._a, self._b)
        if self._rule is None:  # a leaf's _a holds its gradient hooks, if any
            return ()
        a = self._a
        return a if a.__class__ is tuple else (a,)

    @property
    def rule(self) -> R.Rule | None:
        """The :class:`~autograd_lite.rules.Rule` that produced this node (None for a leaf)."""
        return self._rule

    @property
    def is_leaf(self) -> bool:
        """True for a node no operation produced (an input, a parameter, a constant)."""
        return self._rule is None

    @property
    def dtype(self) -> Any:
        """numpy's view of a Value: an object scalar, ``np.dtype(object)``.

        numpy reads it where it treats a reduction's result as an array:
        ``np.linalg.norm(x, ord=3)`` raises the sum of ``|x|**3`` to ``1/3`` with
        ``dtype=result.dtype``.
        """
        import numpy

        return numpy.dtype(object)

    # micrograd's names, read-only, so code written for micrograd (the lecture's draw_dot,
    # a hand-written topological sort) walks our graphs.

    @property
    def _prev(self) -> frozenset[Value]:
        """micrograd's name for the inputs: the set of parent nodes."""
        return frozenset(self.parents)

    @property
    def _op(self) -> str:
        """micrograd's op string (``"+"``, ``"*"``, ``"tanh"``, ``"**2"``, ``"ReLU"``...).

        ``""`` for a leaf.
        """
        rule = self._rule
        if rule is None:
            return ""
        return _MICROGRAD_SYMBOLS.get(rule.name, rule.symbol)

    @property
    def _backward(self) -> Callable[[], None]:
        """micrograd's one-node step: add ``self.grad * local derivative`` to each input's grad.

        For a node made with ``Value(data, _children, _op)`` it is the closure you assigned.
        ``backward()`` does the whole walk; this is for stepping through it by hand.
        """
        return _custom.manual_backward(self)

    @_backward.setter
    def _backward(self, fn: Callable[[], object]) -> None:
        grads = self._rule.local_grads if self._rule is not None else None
        if not isinstance(grads, _custom.UserGrads):
            raise AttributeError(
                f"cannot set _backward of {describe_node(self)}: only a node made the "
                "micrograd way, Value(data, _children, _op), takes a user-written _backward "
                "(built-in ops and leaves keep their rule)"
            )
        if not callable(fn):
            raise TypeError(f"_backward must be callable, got {type(fn).__name__} {fn!r}")
        grads.backward = fn

    def __repr__(self) -> str:
        parts = [f"data={self.data:.6g}", f"grad={_fmt_grad(self.grad)}"]
        if self.label is not None:
            parts.append(f"label={self.label!r}")
        if self._rule is not None:
            parts.append(f"op={self._rule.symbol!r}")
        return f"Value({', '.join(parts)})"

    # ------------------------------------------------------------------ arithmetic

    # The operators with a Value on the left run once per operation of every graph, so they
    # are made by _binary_operator with node creation written out (see there).
    __add__ = _binary_operator("ADD", "+", "__add__")
    __sub__ = _binary_operator("SUB", "-", "__sub__")
    __mul__ = _binary_operator("MUL", "*", "__mul__")
    __truediv__ = _binary_operator("DIV", "/", "__truediv__")

    def __radd__(self, other: Number) -> Value:
        lifted = _lift(other, "+")
        if lifted is None:
            return NotImplemented
        return _binary(R.ADD, lifted, self)

    def __rsub__(self, other: Number) -> Value:
        lifted = _lift(other, "-")
        if lifted is None:
            return NotImplemented
        return _binary(R.SUB, lifted, self)

    def __rmul__(self, other: Number) -> Value:
        lifted = _lift(other, "*")
        if lifted is None:
            return NotImplemented
        return _binary(R.MUL, lifted, self)

    def __rtruediv__(self, other: Number) -> Value:
        lifted = _lift(other, "/")
        if lifted is None:
            return NotImplemented
        return _binary(R.DIV, lifted, self)

    def __neg__(self) -> Value:
        return _unary(R.NEG, self)

    def __pos__(self) -> Value:
        return self

    def __pow__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            return _binary(R.VPOW, self, other)
        if _wants_reflection(other):
            return NotImplemented
        return _unary(R.POW.with_param(to_float(other, "operand of **")), self)

    def __rpow__(self, other: Number) -> Value:
        if _wants_reflection(other):
            return NotImplemented
        return _unary(R.RPOW.with_param(to_float(other, "operand of **")), self)

    def __abs__(self) -> Value:
        return _unary(R.RULES["abs"], self)

    # A plain number would cut the graph silently; the error names the call and the fix.

    def __float__(self) -> NoReturn:
        raise graph_cut_error("float()", describe_node(self), sys._getframe(1))

    def __int__(self) -> NoReturn:
        raise graph_cut_error("int()", describe_node(self), sys._getframe(1))

    def __index__(self) -> NoReturn:
        raise graph_cut_error("int()", describe_node(self), sys._getframe(1))

    # The math methods (exp, log, tanh, ... one per rule of the table with a ``method``) are
    # installed from the rule table below the class: see _install_methods.

    # ------------------------------------------------------------------ comparisons
    # They compare data and return bools, so max(), sorted() and np.maximum work.
    # == and hash stay identity-based: a node is a graph vertex, not a number.

    # While compile() traces, a comparison would freeze a branch, so it raises instead.

    def __lt__(self, other: Value | Number) -> bool:
        return self.data < _compared(self, other, "<")

    def __le__(self, other: Value | Number) -> bool:
        return self.data <= _compared(self, other, "<=")

    def __gt__(self, other: Value | Number) -> bool:
        return self.data > _compared(self, other, ">")

    def __ge__(self, other: Value | Number) -> bool:
        return self.data >= _compared(self, other, ">=")

    def __bool__(self) -> bool:
        # Every object is true by default; kept, except while compile() traces.
        if _mode().tracing:
            raise _decision_error(self, "bool()")
        return True

    # ------------------------------------------------------------------ gradients

    def backward(self, gradient: Any = 1.0, *, create_graph: bool = False) -> None:
        """Compute the gradient of this node with respect to every node of its graph.

        The graph is walked once in reverse topological order (iteratively: a graph a million
        nodes deep is fine). Afterwards ``node.grad`` holds d(self)/d(node) times ``gradient``.

        Accumulation, as in PyTorch: gradients of *leaves* (inputs, parameters) are added to
        what they already hold, so calling ``backward()`` on several losses sums them; call
        :meth:`zero_grad` (or an optimizer's) to start again. Gradients of *intermediate*
        nodes are reset and recomputed by every call, so re-running a notebook cell does not
        double what a drawing shows.

        Args:
            gradient: the seed d(final)/d(self); 1.0 for a loss.
            create_graph: if True, gradients are themselves ``Value`` nodes in a new graph,
                so they can be differentiated again (higher-order derivatives).

        Example:
            >>> from autograd_lite import Value
            >>> a = Value(3.0)
            >>> b = a + a
            >>> c = b * b * a
            >>> c.backward()
            >>> a.grad    # d/da (2a)^2 a = 12 a^2
            108.0
        """
        _backward(self, gradient, create_graph=create_graph)

    def register_hook(self, fn: Callable[[Any], Any]) -> _custom.HookHandle:
        """Call ``fn(grad)`` with the gradient flowing into this node during ``backward()``.

        For a computed node ``grad`` is d(root)/d(node), before it flows on to the node's
        inputs; for a leaf it is what this ``backward()`` call adds to ``.grad``. If ``fn``
        returns a number, that number replaces the gradient (it is what flows on, or what
        is added); if it returns None the gradient is unchanged. Hooks run in registration
        order, also for ``gradients()``/``grad()``; a graph with hooks takes the engine's
        general path (slower than the fast one).

        Args:
            fn: ``fn(grad) -> None | float`` (``grad`` is a Value under ``create_graph``).

        Returns:
            A handle whose ``remove()`` takes the hook off.

        Example:
            >>> from autograd_lite import Value
            >>> x = Value(3.0); h = x * x
            >>> handle = h.register_hook(lambda g: g * 10)
            >>> (h + 1).backward(); x.grad      # 10 * dh/dx
            60.0
            >>> handle.remove()
        """
        return _custom.add_hook(self, fn)

    def zero_grad(self) -> None:
        """Set ``grad`` to 0.0 on every node of this node's graph (leaves included)."""
        _zero_grad(self)

    @staticmethod
    def _derivative_node(rule: R.Rule, out: float, parents: tuple[Value, ...]) -> Value:
        # For the engine's derivative graphs (create_graph=True), where inf and nan are
        # answers, not errors: sqrt'(0) is the node 0 ** -0.5 = inf, which ** refuses.
        node = Value(out)
        if _mode().grad_enabled:
            node._rule = rule
            _set_parents(node, parents)
            node._created = next(_creation_counter)
        return node


_MICROGRAD_SYMBOLS = {"relu": "ReLU"}


def _attach_user_op(node: Value, children: object, op: object) -> None:
    """Make ``node`` a user-defined op over ``children`` (see :mod:`.custom`)."""
    if not isinstance(op, str):
        raise TypeError(f"Value: _op must be a str, got {type(op).__name__} {op!r}")
    try:
        given = list(children)  # type: ignore[call-overload]
    except TypeError:
        raise TypeError(
            f"Value: _children must be a tuple or set of Values, got {type(children).__name__}"
        ) from None
    for i, child in enumerate(given):
        if not isinstance(child, Value):
            raise TypeError(
                f"Value: _children[{i}] must be a Value, got {type(child).__name__} {child!r:.60}"
            )
    if not given:
        raise ValueError(f"Value: _op={op!r} given without _children; a leaf has no op")
    mode = _mode()
    if mode.tracing:
        raise TracingError(
            f"compile: a user-defined op {op!r} (Value(data, _children, _op)) was built while f "
            "was being traced; its value was computed outside the graph, so compiled code could "
            "not recompute it. Use Value's own methods inside compiled functions."
        )
    if not mode.grad_enabled:
        return  # under no_grad() the result is a plain leaf, as for every op
    # Distinct inputs in first-seen order: micrograd keeps a set, and its closures add
    # every use of an input (x * x) into that one input's grad.
    parents = tuple(dict.fromkeys(given))
    _set_parents(node, parents)
    node._rule = _custom.user_rule(node, op or "op", len(parents))
    node._created = next(_creation_counter)
    node._created = next(_creation_counter)


def _fmt_grad(g: Any) -> str:
    if isinstance(g, Value):
        return f"Value({g.data:.6g})"
    return f"{g:.6g}"


def _wants_reflection(other: object) -> bool:
    # numpy arrays (and array-likes) handle ``Value op array`` element-wise themselves.
    return hasattr(other, "__array_ufunc__") and not isinstance(other, numbers.Number)


def _lift(x: object, op: str) -> Value | None:
    """Wrap a number operand as a constant leaf, or raise TypeError naming it.

    Returns None for numpy arrays, which then apply the operation element-wise.
    """
    if type(x) is float:
        v = Value.__new__(Value)
        v.data = x
        v.grad = 0.0
        v.label = None
        v._rule = None
        v._created = 0
        v._a = None
        v._b = None
        return v
    if isinstance(x, Value):
        return x
    if _wants_reflection(x):
        return None
    return Value(to_float(x, f"operand of {op}"))


def _compared(v: Value, other: object, op: str) -> float:
    """The number ``v`` is compared with; raises while compile() traces; tells on_compare()."""
    if _mode().tracing:
        raise _decision_error(v, op)
    number = _data_of(other, op)
    hook = compare_hook()
    if hook is not None:
        hook(v, other, number)
    return number


def _data_of(x: object, op: str) -> float:
    if isinstance(x, Value):
        return x.data
    return to_float(x, f"comparison {op}")


def as_value(x: Value | Number, label: str | None = None) -> Value:
    """Return ``x`` if it is a Value, else a new leaf holding it."""
    if isinstance(x, Value):
        return x
    return Value(x, label)


# ---------------------------------------------------------------------- node creation
# Kept small and flat: these run once per operation.

_new = object.__new__
_mode = current_mode
# Creation numbers for operation nodes. next() on an itertools.count is one C call, atomic
# under the GIL, so threads building graphs at once still get distinct, increasing numbers.
_creation_counter = itertools.count(1)


def _unary(rule: R.Rule, x: Value) -> Value:
    try:
        out = rule.forward(x.data)
    except DomainError as err:
        raise _located(err, rule, (x,)) from None
    mode = _mode()
    if mode is DEFAULT_MODE:
        node: Value = _new(Value)
        node.data = out
        node.grad = 0.0
        node.label = None
        node._rule = rule
        node._a = x
        node._b = None
        node._created = next(_creation_counter)
        return node
    return _record_special(rule, out, (x,), mode)


def _binary(rule: R.Rule, a: Value, b: Value) -> Value:
    try:
        out = rule.forward(a.data, b.data)
    except DomainError as err:
        raise _located(err, rule, (a, b)) from None
    mode = _mode()
    if mode is DEFAULT_MODE:
        node: Value = _new(Value)
        node.data = out
        node.grad = 0.0
        node.label = None
        node._rule = rule
        node._a = a
        node._b = b
        node._created = next(_creation_counter)
        return node
    return _record_special(rule, out, (a, b), mode)


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
    try:
        out = rule.forward(*[p.data for p in parents])
    except DomainError as err:
        raise _located(err, rule, parents) from None
    mode = _mode()
    if mode is DEFAULT_MODE:
        node: Value = _new(Value)
        node.data = out
        node.grad = 0.0
        node.label = None
        node._rule = rule
        _set_parents(node, parents)
        node._created = next(_creation_counter)
        return node
    return _record_special(rule, out, parents, mode)


def _set_parents(node: Value, parents: tuple[Value, ...]) -> None:
    if len(parents) == 2:
        node._a, node._b = parents
    elif len(parents) == 1:
        node._a, node._b = parents[0], None
    else:
        node._a, node._b = parents, None


def _record_special(rule: R.Rule, out: float, parents: tuple[Value, ...], mode: Mode) -> Value:
    if mode.tracing and not mode.grad_enabled:
        raise TracingError(
            f"compile: {rule.name} ran inside no_grad() while f was being traced; its result "
            "would be frozen into the compiled code at the example's values. Compute it "
            "outside f and pass it in as an argument."
        )
    if mode.anomaly and not math.isfinite(out):
        raise AnomalyError(_anomaly_message(rule, out, parents), rule.name, "forward")
    node = TracedValue(out) if mode.tracing else Value(out)
    if mode.grad_enabled:
        node._rule = rule
        _set_parents(node, parents)
        node._created = next(_creation_counter)
    return node


# ---------------------------------------------------------------------- reads while tracing

# The slot itself, under the property TracedValue puts over it.
_SLOT_DATA: Any = Node.__dict__["data"]
_PACKAGE = __name__.split(".", 1)[0] + "."


def _read_traced_data(node: Value) -> float:
    if _mode().tracing:
        caller = sys._getframe(1).f_globals
        if caller is not _VALUE_GLOBALS and not caller.get("__name__", "").startswith(_PACKAGE):
            raise TracingError(
                f"compile: f read .data of {describe_node(node)} while being traced. The "
                "number would be frozen into the compiled code: a branch on it, or a constant "
                "made from it, would not follow new arguments. Use Value operations on the "
                "Value itself (relu(), abs(), where a branch was meant), or pass the number in "
                "as an argument."
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


def _decision_error(v: Value, op: str) -> TracingError:
    what = f"bool({describe_node(v)})" if op == "bool()" else f"{describe_node(v)} {op} ..."
    return TracingError(
        f"compile: f made a Python decision on a Value while being traced ({what}). The "
        "compiled code is straight-line: an if, while, max(), min() or sorted() that depends "
        "on a Value would be frozen at the example's values. Use relu() or abs() (compiled "
        "as conditional expressions), or decide outside f on plain numbers."
    )


def _anomaly_message(rule: R.Rule, out: float, parents: tuple[Value, ...]) -> str:
    inputs = "; ".join(describe_node(p) for p in parents[:8])
    if len(parents) > 8:
        inputs += f"; ... ({len(parents)} inputs)"
    bad = [p for p in parents if not math.isfinite(p.data)]
    if bad:
        origin = (
            f"It came in through input {describe_node(bad[0])}, which is a leaf: "
            "the non-finite number was given, not computed."
            if bad[0]._rule is None
            else f"It came in through {describe_node(bad[0])}. {_first_appearance(bad[0])}"
        )
    else:
        origin = "This is the first node where it appeared: all its inputs are finite."
    return f"forward: {rule.name} produced {out!r} from inputs [{inputs}]. {origin}"


def _first_appearance(node: Value) -> str:
    """Follow non-finite inputs upstream (made while detection was off) to where it began."""
    while True:
        bad = [p for p in node.parents if not math.isfinite(p.data)]
        if not bad:
            break
        node = bad[0]
    if node._rule is None:
        return f"It first appeared as the given leaf {describe_node(node)}."
    inputs = "; ".join(describe_node(p) for p in node.parents[:8])
    return f"It first appeared at {describe_node(node)}, computed from finite [{inputs}]."


def _located(err: DomainError, rule: R.Rule, parents: tuple[Value, ...]) -> DomainError:
    """Add the input nodes' labels to a domain error raised by a forward function."""
    where = "; ".join(describe_node(p) for p in parents[:8])
    located = type(err)(f"{err} [inputs: {where}]", err.op or rule.name, err.inputs)
    return located


# ---------------------------------------------------------------------- methods from the table


def _method(name: str, rule: R.Rule) -> Any:
    op = rule.name

    def method(self: Value) -> Value:
        # Looked up on every call, so the table stays the one place a rule lives.
        return _unary(R.RULES[op], self)

    method.__name__ = name
    method.__qualname__ = f"Value.{name}"
    method.__module__ = __name__
    method.__doc__ = rule.doc or f"The ``{op}`` op."
    return property(method, doc=method.__doc__) if rule.attribute else method


def _install_methods() -> None:
    """Give ``Value`` a method for every rule that names one (``x.tanh()``)."""
    for rule in R.RULES.values():
        if rule.method is None:
            continue
        if rule.method in Value.__dict__:
            raise TypeError(f"rule {rule.name!r}: Value already has an attribute {rule.method!r}")
        setattr(Value, rule.method, _method(rule.method, rule))


_install_methods()
