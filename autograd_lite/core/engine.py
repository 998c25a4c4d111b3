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
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import TYPE_CHECKING, Any, cast

from . import rules as R
from .custom import hooks_of
from .errors import AnomalyError, DivisionByZeroError, DomainError, OverflowDomainError
from .modes import current_mode
from .node import Node, describe_node, to_float
from .rules import ADD, FLOAT_MATH, INACTIVE, MUL, SUB, FloatMath, Rule

if TYPE_CHECKING:
    from .value import Value

__all__ = ["backward", "gradients", "topological_order", "walk_backward", "zero_grad"]

EdgeCallback = Callable[["Value", int, "Value", float, float], None]
"""``on_edge(node, index, parent, local, contribution)``: see :func:`walk_backward`."""


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


def walk_backward(
    root: Value,
    on_edge: EdgeCallback | None = None,
    *,
    seed: float = 1.0,
) -> dict[Value, float]:
    """d(root)/d(node) * seed for every node of ``root``'s graph, by the plain chain rule.

    The same rules, order and arithmetic as ``backward()``, without reading or writing any
    node's ``.grad`` and without running gradient hooks: the walk that checking and
    explaining share with the engine.

    Args:
        root: the output node.
        on_edge: called once per edge as the walk uses it, as
            ``on_edge(node, index, parent, local, contribution)``, nodes in reverse
            topological order: ``local`` is d node / d parent (the rule's local derivative),
            ``contribution`` is ``grad[node] * local``, what the edge adds to
            ``grad[parent]``. A parent that appears twice among a node's parents (``x * x``)
            gets two calls.
        seed: d(final)/d(root); 1.0 for a loss.

    Returns:
        A dict from every node of the graph (``root`` included) to its gradient.

    Raises:
        DomainError: a local derivative failed because an input's ``.data`` was changed
            after the forward pass.

    Example:
        >>> from autograd_lite import Value
        >>> x = Value(3.0, label="x")
        >>> y = x * x
        >>> edges = []
        >>> grads = walk_backward(y, lambda n, i, p, d, c: edges.append((i, d, c)))
        >>> grads[x], edges
        (6.0, [(0, 3.0, 3.0), (1, 3.0, 3.0)])
    """
    seed = to_float(seed, "walk_backward: seed")
    grads: dict[Value, float] = {}
    for node in reversed(topological_order(root)):
        # Every consumer of node comes before it in this order, so its gradient is complete.
        g = grads.get(node, 0.0) if node is not root else seed
        grads[node] = g
        rule = node.rule
        if rule is None:
            continue
        parents = node.parents
        try:
            local = rule.local_grads(FLOAT_MATH, node.data, *[p.data for p in parents])
        except (ArithmeticError, ValueError) as err:
            raise _derivative_failed(node, err) from None
        for index, (parent, d) in enumerate(zip(parents, local, strict=True)):
            contribution = g * d
            if on_edge is not None:
                on_edge(node, index, parent, d, contribution)
            previous = grads.get(parent)
            grads[parent] = contribution if previous is None else previous + contribution
    return grads


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
    saved: list[Any] = []
    order = _operation_nodes(root, saved)
    if order and order[-1] is _HOOKED:
        return False
    if set(map(type, saved[1::2])) - {float}:
        # A leaf holds a Value gradient from backward(create_graph=True): a plain backward
        # adds to its number (as PyTorch does), instead of growing a graph onto it each call.
        for k in range(0, len(saved), 2):
            held = saved[k + 1]
            if isinstance(held, Node) and saved[k]._rule is None:
                saved[k].grad = held.data
    try:
        _float_chain_rule(order, root, seed)
    except BaseException:
        # All or nothing: every .grad back as it was (saved holds node, old grad pairs).
        for k in range(0, len(saved), 2):
            saved[k].grad = saved[k + 1]
        raise
    return True


def _derivative_failed(node: Node, err: BaseException) -> DomainError:
    """The error for a derivative that raised: the graph's data no longer fits its values.

    Derivatives never raise on the numbers a forward pass produced (inf and nan are answers),
    so the cause is an input whose ``.data`` was changed after the forward pass.
    """
    rule = node._rule
    assert rule is not None
    parents = _value(node).parents
    inputs = "; ".join(describe_node(p) for p in parents[:8])
    try:
        now = rule.forward(*[p.data for p in parents])
    except (ArithmeticError, ValueError) as forward_err:
        now_text = f"the forward would now raise ({forward_err})"
    else:
        now_text = f"the forward would now give {now!r}"
    kind = (
        DivisionByZeroError
        if isinstance(err, ZeroDivisionError)
        else OverflowDomainError
        if isinstance(err, OverflowError)
        else DomainError
    )
    return kind(
        f"backward: the derivative of {rule.name} at {describe_node(node)} failed "
        f"({type(err).__name__}: {err}); its inputs are now [{inputs}] and {now_text}: an "
        "input's .data was changed after the forward pass. Run the forward pass again. No "
        ".grad was changed.",
        rule.name,
        tuple(p.data for p in parents),
    )


def _float_chain_rule(order: list[Value], root: Value, seed: float) -> None:
    """Pass 2 of :func:`_float_backward`: each node passes its gradient to its inputs."""
    root.grad += seed
    add, sub, mul = ADD, SUB, MUL
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
        raise _derivative_failed(node, err) from None


def _operation_nodes(root: Value, saved: list[Any]) -> list[Value]:
    """The non-leaf nodes of ``root``'s graph, newest first, each with ``grad`` reset to 0.0.

    ``saved`` receives ``node, grad`` pairs, for every node and leaf input, with the
    gradient each held before: what a failed backward puts back.

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
    keep = saved.append
    hooked = False
    while stack:
        node = pop()
        keep(node)
        keep(node.grad)
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
            else:
                keep(b)
                keep(b.grad)
                if b._a is not None:
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
                    if p._a is not None:
                        hooked = True
        elif a._rule is not None:
            if a not in seen:
                remember(a)
                push(a)
        else:
            keep(a)
            keep(a.grad)
            if a._a is not None:
                hooked = True
    if hooked:
        return [_HOOKED]
    return sorted(seen, key=_creation_number, reverse=True)


_HOOKED: Any = object()
"""What :func:`_operation_nodes` returns, alone in its list, for a graph with gradient hooks."""


_creation_number = attrgetter("_created")


class ValueMath:
    """The math namespace rules use when building gradient graphs out of Values.

    Like :class:`~autograd_lite.core.rules.FloatMath`, it never raises: where a derivative is
    infinite or undefined (``sqrt'(0)``, ``log`` of a negative base) the node holds ``inf``
    or ``nan``, as PyTorch's double backward gives, instead of the forward's domain error.
    """

    @staticmethod
    def exp(x: Any) -> Any:
        if isinstance(x, Node):
            return _derivative_node(R.EXP, FloatMath.exp(x.data), (x,))
        return FloatMath.exp(x)

    @staticmethod
    def log(x: Any) -> Any:
        if isinstance(x, Node):
            return _derivative_node(R.LOG, FloatMath.log(x.data), (x,))
        return FloatMath.log(x)

    @staticmethod
    def pow(x: Any, e: Any) -> Any:
        if isinstance(e, Node):
            if not isinstance(x, Node):
                rule = R.RPOW.with_param(float(x))
                return _derivative_node(rule, FloatMath.pow(x, e.data), (e,))
            return _derivative_node(R.VPOW, FloatMath.pow(x.data, e.data), (x, e))
        if isinstance(x, Node):
            e = float(e)
            return _derivative_node(R.POW.with_param(e), FloatMath.pow(x.data, e), (x,))
        return FloatMath.pow(x, e)

    @staticmethod
    def sin(x: Any) -> Any:
        if isinstance(x, Node):
            return _derivative_node(R.SIN, FloatMath.sin(x.data), (x,))
        return FloatMath.sin(x)

    @staticmethod
    def cos(x: Any) -> Any:
        if isinstance(x, Node):
            return _derivative_node(R.COS, FloatMath.cos(x.data), (x,))
        return FloatMath.cos(x)


def _derivative_node(rule: R.Rule, out: float, parents: tuple[Node, ...]) -> Value:
    """A node of ``rule`` holding ``out`` as computed, without the forward's domain checks.

    In derivative graphs ``inf`` and ``nan`` are answers, not errors (``sqrt'(0)`` is the
    node ``0 ** -0.5 = inf``, which the forward of ``**`` refuses).
    """
    values = tuple(_value(p) for p in parents)
    return values[0]._derivative_node(rule, out, values)


VALUE_MATH = ValueMath()


def _value(x: Node) -> Value:
    # Every node is a Value; the engine sees them as Nodes so that it need not import value.
    return cast("Value", x)


def _is_finite(x: Any) -> bool:
    return math.isfinite(x.data if isinstance(x, Node) else x)


def _scale(g: Any, d: Any) -> Any:
    """g * d, without building nodes for the common constant factors 1 and -1.

    An :data:`~autograd_lite.core.rules.INACTIVE` d (a branch not taken) gives 0.0 whatever
    g is, as its float product does on the float path.
    """
    if d is INACTIVE:
        return 0.0
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
        try:
            if create_graph:
                local = rule.local_grads(VALUE_MATH, node, *parents)
            else:
                local = rule.local_grads(FLOAT_MATH, node.data, *[p.data for p in parents])
        except AnomalyError:
            raise
        except (ArithmeticError, ValueError) as err:
            raise _derivative_failed(node, err) from None
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
    if isinstance(inputs, Node) or not hasattr(inputs, "__iter__"):
        raise TypeError(
            f"gradients: inputs must be a list of Values, got {type(inputs).__name__} "
            f"{inputs!r:.60} (write gradients(y, [x]) for one input)"
        )
    for i, x in enumerate(inputs):
        if not isinstance(x, Node):
            raise TypeError(f"gradients: inputs[{i}] must be a Value, got {type(x).__name__} {x!r}")
    seed = _check_seed(output, gradient, create_graph)
    grads = _backprop(output, seed, create_graph=create_graph)
    return [grads.get(x, 0.0) for x in inputs]


def zero_grad(root: Value) -> None:
    """Set ``grad`` to 0.0 on every node of ``root``'s graph."""
    for node in topological_order(root):
        node.grad = 0.0
