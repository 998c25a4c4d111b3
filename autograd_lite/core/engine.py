"""Reverse-mode differentiation: topological order and the chain rule over a graph.

- :func:`topological_order` lists a graph's nodes inputs-first, iteratively and always in
  the same order for the same graph.
- :func:`backward` fills ``node.grad`` (what ``Value.backward`` calls).
- :func:`gradients` returns d(output)/d(inputs) without touching any ``.grad``, optionally as
  ``Value`` nodes that can be differentiated again (the base of ``grad(grad(f))``).

The float path of :func:`backward` is the hot loop; :func:`_backprop` is the general, plainer
version (Value gradients, anomaly checks) and the tests check the two agree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from operator import attrgetter
from typing import TYPE_CHECKING, Any, cast

from .custom import hooks_of
from .errors import AnomalyError
from .modes import current_mode
from .node import Node, describe_node, to_float
from .rules import ADD, FLOAT_MATH, MUL, SUB, FloatMath, Rule

if TYPE_CHECKING:
    from .value import Value

__all__ = ["backward", "gradients", "topological_order", "zero_grad"]


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, inputs before the nodes computed from them.

    Iterative depth-first search over the ordered parent tuples: deterministic, and no
    recursion limit (a chain a million nodes deep is fine). ``root`` is last.

    Args:
        root: the output node.

    Returns:
        The nodes, each once, leaves-first.
    """
    if not isinstance(root, Node):
        raise TypeError(f"topological_order: expected a Value, got {type(root).__name__}")
    order: list[Value] = []
    visited = {root}
    # Each stack entry is a node and an iterator over the parents still to visit.
    stack = [(root, iter(root.parents))]
    push = stack.append
    while stack:
        node, pending = stack[-1]
        for parent in pending:
            if parent not in visited:
                visited.add(parent)
                push((parent, iter(parent.parents)))
                break
        else:
            stack.pop()
            order.append(node)
    return order


def _check_seed(root: Value, gradient: Any, create_graph: bool) -> Any:
    if isinstance(gradient, Node):
        return gradient if create_graph else gradient.data
    return to_float(gradient, f"backward gradient for {describe_node(root)}")


def backward(root: Value, gradient: Any = 1.0, *, create_graph: bool = False) -> None:
    """Fill ``.grad`` of every node of ``root``'s graph with d(root)/d(node) * gradient.

    Leaves accumulate; intermediate nodes are reset first. See :meth:`Value.backward`.

    Args:
        root: the output node.
        gradient: the seed, 1.0 for a loss.
        create_graph: store gradients as differentiable ``Value`` nodes.
    """
    seed = _check_seed(root, gradient, create_graph)
    # The fast path declines a graph with gradient hooks (Value.register_hook) before
    # touching any gradient a caller can see; the general path below runs the hooks.
    if create_graph or current_mode().anomaly or not _float_backward(root, seed):
        grads = _backprop(root, seed, create_graph=create_graph)
        new = {node: node.grad + g if node._rule is None else g for node, g in grads.items()}
        if current_mode().anomaly:
            # Check before writing, so a failed call leaves every .grad as it was.
            for node, g in new.items():
                if not _is_finite(g):
                    raise AnomalyError(
                        f"backward: accumulating into {describe_node(node)} gave "
                        f"{(g.data if isinstance(g, Node) else g)!r}: it held {node.grad!r} "
                        "from earlier backward() calls (zero_grad() resets it).",
                        "accumulate",
                        "backward",
                    )
        for node, g in new.items():
            node.grad = g


def _float_backward(root: Value, seed: float) -> bool:
    """The hot loop of ``backward()``: float gradients, written into ``.grad``.

    1. :func:`_operation_nodes` finds the nodes operations made (leaves need no visit: they
       only receive), resets their gradients and sorts them newest first: creation order is a
       topological order, so no consumer counting is needed;
    2. each node passes its gradient to its inputs. add, sub and mul (most nodes of a typical
       graph) are written out here; every other rule is called through the table.
    Same order every time for the same graph. ``_backprop`` is the plain reference version
    and the tests check the two agree on random graphs.

    Returns False, having reset only intermediate gradients (as every backward does), when
    the graph has gradient hooks (see :func:`_operation_nodes`): the caller then takes the
    general path.
    """
    order = _operation_nodes(root)
    if order and order[-1] is _HOOKED:
        return False
    root.grad += seed
    add, sub, mul = ADD, SUB, MUL
    fm = FLOAT_MATH
    rule: Any
    a: Any
    b: Any
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
    return True


def _operation_nodes(root: Value) -> list[Value]:
    """The non-leaf nodes of ``root``'s graph, newest first, each with ``grad`` reset to 0.0.

    One visit per node and one set lookup per edge into another operation node; leaves are
    never entered. Sorting by creation number replaces counting each node's consumers.

    A graph with gradient hooks gives a list ending in :data:`_HOOKED` instead: a computed
    node with hooks has a rule of another class (``HookedRule``), and a leaf with hooks
    holds them in ``_a``, which is None for every other leaf. Both are seen here, where
    every node and edge is already visited.
    """
    if root._rule is None:
        return [_HOOKED] if root._a is not None else []
    seen = {root}
    remember = seen.add
    stack = [root]
    push = stack.append
    pop = stack.pop
    hooked = False
    while stack:
        node = pop()
        node.grad = 0.0
        if node._rule.__class__ is not Rule:
            hooked = True
        a = node._a
        b = node._b
        if b is not None:
            if b._rule is not None:
                if b not in seen:
                    remember(b)
                    push(b)
            elif b._a is not None:
                hooked = True
        if a.__class__ is tuple:
            for p in a:
                if p._rule is not None:
                    if p not in seen:
                        remember(p)
                        push(p)
                elif p._a is not None:
                    hooked = True
        elif a._rule is not None:
            if a not in seen:
                remember(a)
                push(a)
        elif a._a is not None:
            hooked = True
    if hooked:
        return [_HOOKED]
    return sorted(seen, key=_creation_number, reverse=True)


_HOOKED: Any = object()
"""What :func:`_operation_nodes` returns, alone in its list, for a graph with gradient hooks."""


_creation_number = attrgetter("_created")


class ValueMath:
    """The math namespace rules use when building gradient graphs out of Values."""

    @staticmethod
    def exp(x: Any) -> Any:
        return _call_method(x, "exp") if isinstance(x, Node) else FloatMath.exp(x)

    @staticmethod
    def log(x: Any) -> Any:
        return _call_method(x, "log") if isinstance(x, Node) else FloatMath.log(x)

    @staticmethod
    def pow(x: Any, e: Any) -> Any:
        if isinstance(x, Node) or isinstance(e, Node):
            return x**e
        return FloatMath.pow(x, e)

    @staticmethod
    def sin(x: Any) -> Any:
        return _call_method(x, "sin") if isinstance(x, Node) else math.sin(x)

    @staticmethod
    def cos(x: Any) -> Any:
        return _call_method(x, "cos") if isinstance(x, Node) else math.cos(x)


VALUE_MATH = ValueMath()


def _call_method(x: Node, op: str) -> Any:
    # Every node is a Value, and Value's math methods are installed from the rule table:
    # the call records the op's node without the engine importing value.
    return getattr(x, op)()


def _value(x: Node) -> Value:
    # Every node is a Value; the engine sees them as Nodes so that it need not import value.
    return cast("Value", x)


def _is_finite(x: Any) -> bool:
    return math.isfinite(x.data if isinstance(x, Node) else x)


def _scale(g: Any, d: Any) -> Any:
    """g * d, without building nodes for the common constant factors 1 and -1."""
    if d.__class__ is float:
        if d == 1.0:
            return g
        if d == -1.0:
            return -g
    return g * d


def _backprop(root: Value, seed: Any, *, create_graph: bool) -> dict[Value, Any]:
    """The general chain rule: a dict from every node to d(root)/d(node) * seed.

    With ``create_graph`` the local derivatives are computed from the nodes themselves
    (so the result is a differentiable graph); otherwise from their float data. Inside
    ``detect_anomaly()`` every contribution is checked for NaN/inf.
    """
    anomaly = current_mode().anomaly
    order = topological_order(root)
    grads: dict[Value, Any] = {root: seed}
    for node in reversed(order):
        parents = node.parents
        hooks = hooks_of(node)
        if hooks is not None and node in grads:  # every consumer has passed its gradient
            grads[node] = hooks.apply(grads[node])
        if not parents:
            continue
        g = grads[node]
        rule = node._rule
        assert rule is not None
        if create_graph:
            local = rule.local_grads(VALUE_MATH, node, *parents)
        else:
            local = rule.local_grads(FLOAT_MATH, node.data, *[p.data for p in parents])
        for index, (p, d) in enumerate(zip(parents, local, strict=True)):
            contribution = _scale(g, d)
            if anomaly and not _is_finite(contribution):
                raise AnomalyError(
                    _backward_anomaly(node, index, g, d, contribution), rule.name, "backward"
                )
            previous = grads.get(p)
            if previous is None:
                grads[p] = contribution
                continue
            total = previous + contribution
            if anomaly and not _is_finite(total):  # finite terms can overflow when summed
                raise AnomalyError(
                    _sum_anomaly(node, p, previous, contribution, total), rule.name, "backward"
                )
            grads[p] = total
    return grads


def _sum_anomaly(node: Value, p: Value, previous: Any, contribution: Any, total: Any) -> str:
    def number(x: Any) -> Any:
        return x.data if isinstance(x, Node) else x

    return (
        f"backward: adding up the gradient of {describe_node(p)} gave {number(total)!r}: "
        f"{number(previous)!r} so far + {number(contribution)!r} through {describe_node(node)}."
    )


def _backward_anomaly(node: Value, index: int, g: Any, d: Any, contribution: Any) -> str:
    value = contribution.data if isinstance(contribution, Node) else contribution
    g_ = g.data if isinstance(g, Node) else g
    d_ = d.data if isinstance(d, Node) else d
    rule = node._rule
    assert rule is not None
    parents = node.parents
    inputs = "; ".join(describe_node(p) for p in parents[:8])
    return (
        f"backward: {rule.name} gave a non-finite gradient {value!r} for its input #{index} "
        f"({describe_node(parents[index])}): upstream grad {g_!r} x local derivative "
        f"{d_!r}. Node: {describe_node(node)}, inputs [{inputs}]."
    )


def gradients(
    output: Value,
    inputs: Sequence[Value],
    gradient: Any = 1.0,
    *,
    create_graph: bool = False,
) -> list[Any]:
    """d(output)/d(input) for each input, without reading or writing any ``.grad``.

    Args:
        output: the node to differentiate.
        inputs: the nodes to differentiate with respect to (any nodes, not only leaves).
        gradient: the seed d(final)/d(output).
        create_graph: return ``Value`` nodes connected to the graph, so the results can be
            differentiated again; otherwise floats.

    Returns:
        One gradient per input; 0.0 for an input ``output`` does not depend on.

    Example:
        >>> from autograd_lite import Value
        >>> from autograd_lite.core.engine import gradients
        >>> x = Value(3.0)
        >>> (dx,) = gradients(x * x * x, [x], create_graph=True)
        >>> dx.data, gradients(dx, [x])[0]   # 3x^2 and 6x
        (27.0, 18.0)
    """
    if not isinstance(output, Node):
        raise TypeError(f"gradients: output must be a Value, got {type(output).__name__}")
    for i, x in enumerate(inputs):
        if not isinstance(x, Node):
            raise TypeError(
                f"gradients: inputs[{i}] must be a Value, got {type(x).__name__} {x!r}"
            )
    seed = _check_seed(output, gradient, create_graph)
    grads = _backprop(output, seed, create_graph=create_graph)
    return [grads.get(x, 0.0) for x in inputs]


def zero_grad(root: Value) -> None:
    """Set ``grad`` to 0.0 on every node of ``root``'s graph."""
    for node in topological_order(root):
        node.grad = 0.0
