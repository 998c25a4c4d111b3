"""The backward pass: the chain rule, from a graph's output back to every node.

:func:`topological_order` lists the nodes so that each comes after everything it was computed
from; :func:`chain_rule` walks that list backwards, passing each node's gradient to its parents
through the rule's local derivatives. That is all of reverse-mode differentiation; the rest of
the module builds on it: :func:`backward` (what ``Value.backward`` calls: it writes ``.grad``,
through a faster walk with the same result, :mod:`.fast`, where it can), :func:`gradients`
and :func:`walk_backward` (a callback per edge, for checking and explaining).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from . import rules as R
from .errors import AnomalyError
from .fast import float_backward
from .messages import backward_anomaly, derivative_failed, sum_anomaly
from .modes import current_mode
from .node import Node, describe_node, to_float
from .rules import FLOAT_MATH, INACTIVE, FloatMath

if TYPE_CHECKING:
    from .value import Value

__all__ = ["backward", "chain_rule", "gradients", "topological_order", "walk_backward", "zero_grad"]

EdgeCallback = Callable[["Value", int, "Value", Any, Any], None]
"""``on_edge(node, index, parent, local, contribution)``: see :func:`walk_backward`."""


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, inputs before the nodes computed from them; ``root`` last.

    An iterative depth-first search over the ordered parents: the same order every time, and
    no recursion limit (a chain a million nodes deep is fine).
    """
    if not isinstance(root, Node):
        raise TypeError(f"topological_order: expected a Value, got {type(root).__name__}")
    order: list[Value] = []
    visited = {root}
    # Each stack entry is a node and an iterator over the parents still to visit.
    stack = [(root, iter(root.parents))]
    while stack:
        node, pending = stack[-1]
        for parent in pending:
            if parent not in visited:
                visited.add(parent)
                stack.append((parent, iter(parent.parents)))
                break
        else:  # every parent is in order already: the node can follow them
            stack.pop()
            order.append(node)
    return order


def chain_rule(
    root: Value,
    seed: Any = 1.0,
    *,
    create_graph: bool = False,
    run_hooks: bool = True,
    on_edge: EdgeCallback | None = None,
) -> dict[Value, Any]:
    """d(root)/d(node) * seed for every node of ``root``'s graph: the backward pass.

    Outputs first: when a node's turn comes, every node computed from it has passed its
    share back; the node passes ``its gradient * d(node)/d(parent)`` on to each parent.

    Args:
        root: the output node.
        seed: d(final)/d(root); 1.0 for a loss.
        create_graph: compute with Values, so the gradients can be differentiated again.
        run_hooks: run the nodes' gradient hooks (``Value.register_hook``).
        on_edge: ``on_edge(node, index, parent, local, contribution)``, once per edge (see
            :func:`walk_backward`).

    Returns:
        A dict from every node of the graph to its gradient.
    """
    order = topological_order(root)
    # The numbers of the forward pass, read before any hook runs: a hook may change a
    # node's .data (say, an optimizer step), and derivatives are taken where the graph was.
    data = {node: node.data for node in order}
    grads: dict[Value, Any] = {root: seed}
    for node in reversed(order):
        if run_hooks and node._hooks is not None:
            grads[node] = node._hooks.apply(grads[node], create_graph)
        rule = node._rule
        if rule is None:  # a leaf: nothing further back
            continue
        g = grads[node]
        parents = node.parents
        try:
            if create_graph:
                local = rule.local_grads(VALUE_MATH, node, *parents)
            else:
                local = rule.local_grads(FLOAT_MATH, data[node], *[data[p] for p in parents])
        except AnomalyError:
            raise
        except (ArithmeticError, ValueError) as err:
            raise derivative_failed(node, err) from None
        for index, (parent, d) in enumerate(zip(parents, local, strict=True)):
            contribution = _scale(g, d)
            if on_edge is not None:
                on_edge(node, index, parent, d, contribution)
            if parent in grads:
                grads[parent] = grads[parent] + contribution
            else:
                grads[parent] = contribution
    return grads


def backward(root: Value, gradient: Any = 1.0, *, create_graph: bool = False) -> None:
    """Fill ``.grad`` of every node of ``root``'s graph with d(root)/d(node) * gradient.

    Leaves accumulate; intermediate nodes are reset first. See :meth:`Value.backward`.

    Args:
        root: the output node.
        gradient: the seed, 1.0 for a loss.
        create_graph: store gradients as differentiable ``Value`` nodes.
    """
    seed = _check_seed(root, gradient, create_graph)
    anomaly = current_mode().anomaly
    # The fast path declines a graph with gradient hooks before touching any gradient a
    # caller can see; chain_rule runs the hooks.
    if not create_graph and not anomaly and float_backward(root, seed):
        return
    watch = _AnomalyWatch(root, seed) if anomaly else None
    grads = chain_rule(root, seed, create_graph=create_graph, on_edge=watch)
    new = {}
    for node, g in grads.items():
        held = node.grad
        if not create_graph and isinstance(held, Node):
            # A leaf holds a Value gradient from backward(create_graph=True): a plain
            # backward adds to its number (as PyTorch does).
            held = held.data
        new[node] = held + g if node._rule is None else g
    if anomaly:
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


def walk_backward(
    root: Value,
    on_edge: EdgeCallback | None = None,
    *,
    seed: float = 1.0,
) -> dict[Value, float]:
    """d(root)/d(node) * seed for every node of ``root``'s graph, by the plain chain rule.

    :func:`chain_rule` without gradient hooks and with a callback per edge: the walk that
    checking and explaining share with the engine. No node's ``.grad`` is read or left
    changed (a micrograd-style op's ``_backward`` closure is run once to find its local
    derivatives, with every ``.grad`` it touches put back).

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
    if not isinstance(root, Node):
        raise TypeError(f"walk_backward: expected a Value, got {type(root).__name__}")
    number = to_float(seed, "walk_backward: seed")
    return chain_rule(root, number, run_hooks=False, on_edge=on_edge)


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
    watch = _AnomalyWatch(output, seed) if current_mode().anomaly else None
    grads = chain_rule(output, seed, create_graph=create_graph, on_edge=watch)
    return [grads.get(x, 0.0) for x in inputs]


def zero_grad(root: Value) -> None:
    """Set ``grad`` to 0.0 on every node of ``root``'s graph."""
    for node in topological_order(root):
        node.grad = 0.0


# ---------------------------------------------------------------------- what the walk uses


def _check_seed(root: Value, gradient: Any, create_graph: bool) -> Any:
    if isinstance(gradient, Node):
        return gradient if create_graph else gradient.data
    return to_float(gradient, f"backward gradient for {describe_node(root)}")


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


def _is_finite(x: Any) -> bool:
    return math.isfinite(x.data if isinstance(x, Node) else x)


class _AnomalyWatch:
    """The ``on_edge`` of ``backward()`` inside ``detect_anomaly()``: raises at the first
    non-finite gradient passed along an edge or reached by adding shares up."""

    def __init__(self, root: Value, seed: Any) -> None:
        self.sums: dict[Value, Any] = {root: seed}

    def __call__(self, node: Value, index: int, parent: Value, d: Any, contribution: Any) -> None:
        rule = node._rule
        assert rule is not None
        if not _is_finite(contribution):
            g = self.sums.get(node, 0.0)
            message = backward_anomaly(node, index, g, d, contribution)
            raise AnomalyError(message, rule.name, "backward")
        previous = self.sums.get(parent)
        if previous is None:
            self.sums[parent] = contribution
            return
        total = previous + contribution
        if not _is_finite(total):  # finite terms can overflow when summed
            message = sum_anomaly(node, parent, previous, contribution, total)
            raise AnomalyError(message, rule.name, "backward")
        self.sums[parent] = total


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
    # Every node is a Value, whose class carries value.py's _record (value.py imports this
    # module, so this module does not import it).
    return parents[0].__class__._record(rule, parents, out)  # type: ignore[attr-defined, no-any-return]


VALUE_MATH = ValueMath()
