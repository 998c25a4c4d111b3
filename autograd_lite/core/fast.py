"""The fast paths: the same nodes and gradients as the plain code, in less time.

:func:`install` (called at the end of ``value.py``) replaces ``Value``'s arithmetic operators
and one-input methods by copies with ``_record``'s node construction written out
(:func:`binary_operator`, :func:`unary_method`): the same rule, the same node.
``tests/test_fast.py`` checks every replaced method against the plain one it replaced.

:func:`float_backward` is what ``Value.backward()`` runs for a graph of float gradients
without hooks, outside ``detect_anomaly()`` and ``create_graph``. It differs from
:func:`~autograd_lite.core.engine.chain_rule` in three ways, each for speed:

1. order: nodes are visited newest first by creation number (a node's inputs always exist
   before it, so that is a topological order), found by one visit per node, instead of a
   depth-first sort;
2. the gradients are written straight into ``.grad`` instead of a dict;
3. the derivatives of ``add``, ``sub`` and ``mul`` (most nodes of a typical graph) are
   written out in :func:`_pass_gradients` instead of calling their rules: ``1, 1``,
   ``1, -1`` and ``b, a``, the rules' ``add_grads``, ``sub_grads`` and ``mul_grads`` in
   :mod:`~autograd_lite.core.rules`. ``tests/test_fast.py`` holds the two equal, and
   compares whole backward passes with the plain walk on random graphs (equal up to
   rounding: the two add a node's shares in different orders).
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from .errors import DomainError
from .messages import derivative_failed, located
from .modes import DEFAULT_MODE, current_mode
from .node import Node, next_creation_number
from .rules import ABS, ADD, DIV, FLOAT_MATH, MUL, NEG, RULES, SUB, Rule

if TYPE_CHECKING:
    from .value import Value

__all__ = ["INLINED_RULES", "PLAIN", "binary_operator", "float_backward", "install", "unary_method"]

INLINED_RULES = (ADD, SUB, MUL)
"""The rules whose derivatives :func:`_pass_gradients` writes out instead of calling them."""


def float_backward(root: Value, seed: float) -> bool:
    """``backward()`` with float gradients, written into ``.grad``; False if it cannot.

    Returns False, having reset only intermediate gradients (as every backward does), when
    the graph has gradient hooks: the caller then runs the plain chain rule, which runs
    them. On any error every ``.grad`` is put back as it was.
    """
    saved: list[Any] = []
    order = _operation_nodes(root, saved)
    if order is None:
        return False
    if set(map(type, saved[1::2])) - {float}:
        # A leaf holds a Value gradient from backward(create_graph=True): a plain backward
        # adds to its number (as PyTorch does), instead of growing a graph onto it each call.
        for k in range(0, len(saved), 2):
            held = saved[k + 1]
            if isinstance(held, Node) and saved[k]._rule is None:
                saved[k].grad = held.data
    try:
        _pass_gradients(order, root, seed)
    except BaseException:
        # All or nothing: every .grad back as it was (saved holds node, old grad pairs).
        for k in range(0, len(saved), 2):
            saved[k].grad = saved[k + 1]
        raise
    return True


def _pass_gradients(order: list[Value], root: Value, seed: float) -> None:
    """Each node, newest first, adds its gradient times the local derivative to its inputs."""
    root.grad += seed
    add, sub, mul = INLINED_RULES
    fm = FLOAT_MATH
    rule: Any
    a: Any
    b: Any
    node = root
    try:
        for node in order:
            rule = node._rule
            g = node.grad
            a = node._a
            b = node._b
            if rule is mul:
                a.grad += g * b.data
                b.grad += g * a.data
            elif rule is add:
                a.grad += g
                b.grad += g
            elif rule is sub:
                a.grad += g
                b.grad -= g
            elif b is not None:
                da, db = rule.local_grads(fm, node.data, a.data, b.data)
                a.grad += g * da
                b.grad += g * db
            elif a.__class__ is not tuple:
                (da,) = rule.local_grads(fm, node.data, a.data)
                a.grad += g * da
            else:
                local = rule.local_grads(fm, node.data, *[p.data for p in a])
                for p, d in zip(a, local, strict=True):
                    p.grad += g * d
    except (ArithmeticError, ValueError) as err:
        raise derivative_failed(node, err) from None


def _operation_nodes(root: Value, saved: list[Any]) -> list[Value] | None:
    """The non-leaf nodes of ``root``'s graph, newest first, each with ``grad`` reset to 0.0.

    ``saved`` receives ``node, grad`` pairs, for every node and leaf input, with the
    gradient each held before: what a failed backward puts back. None if a node of the
    graph has gradient hooks.

    One visit per node and one set lookup per edge into another operation node; leaves are
    never entered. Sorting by creation number replaces counting each node's consumers.
    """
    if root._rule is None:
        return None if root._hooks is not None else []
    seen = {root}
    remember = seen.add
    stack = [root]
    push = stack.append
    pop = stack.pop
    keep = saved.append
    hooked = False
    while stack:
        node = pop()
        keep(node)
        keep(node.grad)
        node.grad = 0.0
        if node._hooks is not None:
            hooked = True
        a = node._a
        b = node._b
        if b is not None:
            if b._rule is not None:
                if b not in seen:
                    remember(b)
                    push(b)
            else:
                keep(b)
                keep(b.grad)
                if b._hooks is not None:
                    hooked = True
        if a.__class__ is tuple:
            for p in a:
                if p._rule is not None:
                    if p not in seen:
                        remember(p)
                        push(p)
                else:
                    keep(p)
                    keep(p.grad)
                    if p._hooks is not None:
                        hooked = True
        elif a._rule is not None:
            if a not in seen:
                remember(a)
                push(a)
        else:
            keep(a)
            keep(a.grad)
            if a._hooks is not None:
                hooked = True
    if hooked:
        return None
    return sorted(seen, key=_creation_number, reverse=True)


_creation_number = attrgetter("_created")


# ---------------------------------------------------------------------- faster operators

Record = Callable[..., Any]
Lift = Callable[[object, str], Any]


def binary_operator(
    value_class: type[Value], rule: Rule, symbol: str, name: str, record: Record, lift: Lift
) -> Callable[[Value, Any], Value]:
    """``Value.<name>``: ``self <symbol> other`` (``other <symbol> self`` for ``__r*__``).

    What ``value.py``'s operator does, with ``_record``'s node construction written out:
    building a node is the hot path of every graph, and one Python call less is about a
    quarter of its cost. Under a mode (``no_grad()``...) it hands over to ``_record``.
    """
    reflected = name.startswith("__r")
    new = object.__new__

    def operator(self: Value, other: Any) -> Value:
        if other.__class__ is not value_class:
            other = lift(other, symbol)
            if other is None:
                return NotImplemented  # type: ignore[no-any-return]
        if reflected:
            self, other = other, self
        try:
            out = rule.forward(self.data, other.data)
        except DomainError as err:
            raise located(err, rule, (self, other)) from None
        if current_mode() is not DEFAULT_MODE:
            return record(rule, (self, other), out)  # type: ignore[no-any-return]
        node = new(value_class)
        node.data = out
        node.grad = 0.0
        node.label = None
        node._rule = rule
        node._a = self
        node._b = other
        node._hooks = None
        node._created = next_creation_number()
        return node

    operator.__name__ = name
    operator.__qualname__ = f"Value.{name}"
    operator.__module__ = value_class.__module__
    left, right = ("other", "self") if reflected else ("self", "other")
    operator.__doc__ = f"``{left} {symbol} {right}`` as a new node (rule {rule.name!r})."
    return operator


def unary_method(
    value_class: type[Value], rule: Rule, name: str, record: Record
) -> Callable[[Value], Value]:
    """``Value.<name>()``: the one-input op ``rule`` on ``self``, construction written out."""
    new = object.__new__

    def method(self: Value) -> Value:
        try:
            out = rule.forward(self.data)
        except DomainError as err:
            raise located(err, rule, (self,)) from None
        if current_mode() is not DEFAULT_MODE:
            return record(rule, (self,), out)  # type: ignore[no-any-return]
        node = new(value_class)
        node.data = out
        node.grad = 0.0
        node.label = None
        node._rule = rule
        node._a = self
        node._b = None
        node._hooks = None
        node._created = next_creation_number()
        return node

    method.__name__ = name
    method.__qualname__ = f"Value.{name}"
    method.__module__ = value_class.__module__
    method.__doc__ = rule.doc or f"The ``{rule.name}`` op."
    return method


PLAIN: dict[str, Any] = {}
"""The plain methods of ``Value`` that :func:`install` replaced, by name (for the tests)."""

_BINARY = {"add": "+", "sub": "-", "mul": "*", "truediv": "/"}


def install(value_class: type[Value], record: Record, lift: Lift) -> None:
    """Replace ``Value``'s ``+ - * /`` (both sides), ``-x``, ``abs(x)`` and the table's
    one-input methods (``x.tanh()``...) by the versions above; :data:`PLAIN` keeps the plain
    ones."""
    rules = {"add": ADD, "sub": SUB, "mul": MUL, "truediv": DIV}
    for op, symbol in _BINARY.items():
        for name in (f"__{op}__", f"__r{op}__"):
            PLAIN[name] = value_class.__dict__[name]
            fast = binary_operator(value_class, rules[op], symbol, name, record, lift)
            setattr(value_class, name, fast)
    unary = {"__neg__": NEG, "__abs__": ABS}
    unary.update({r.method: r for r in RULES.values() if r.method is not None and not r.attribute})
    for name, rule in unary.items():
        PLAIN[name] = value_class.__dict__[name]
        setattr(value_class, name, unary_method(value_class, rule, name, record))
