"""Nodes the engine treats specially: micrograd-style ops written by the user, gradient hooks.

micrograd's lecture adds an operation by making the output node itself and attaching a
closure that pushes the gradient into the inputs::

    out = Value(t, (x,), "tanh")
    def _backward():
        x.grad += (1 - t**2) * out.grad
    out._backward = _backward

Such a node gets a rule of its own (one per node, named ``"user-defined tanh"``) whose
``local_grads`` finds d(out)/d(input) by running the closure once with ``out.grad = 1`` and
the inputs' gradients at 0, then puts every ``.grad`` it touched back. The engine therefore
treats the node like any other (right order, once per ``backward()``, leaves accumulate,
intermediate nodes are recomputed), and drawings and ``explain`` show it, without a separate
code path. Because the closure only gives numbers, ``create_graph=True`` (higher order) cannot
pass through such a node and says so.

The module also holds micrograd's names on ``Value`` (:class:`MicrogradNames`: ``_prev``,
``_op`` and the manual ``_backward`` of ordinary nodes, used when learners walk a graph by hand
as the lecture does), and gradient hooks (:class:`Hooks`, in a node's own ``_hooks`` slot).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, Protocol

from .errors import TracingError
from .modes import current_mode
from .node import Node, describe_node, is_real, next_creation_number, store_parents, to_float
from .rules import FLOAT_MATH, Rule

__all__ = [
    "GradientHooks",
    "HookHandle",
    "Hooks",
    "MicrogradNames",
    "UserGrads",
    "add_hook",
    "attach_user_op",
    "hooks_of",
    "manual_backward",
    "user_rule",
]


class _Node(Protocol):
    """What this module needs of a node (a :class:`~autograd_lite.core.value.Value`)."""

    data: float
    grad: Any
    label: str | None

    @property
    def parents(self) -> tuple[Any, ...]: ...

    @property
    def rule(self) -> Rule | None: ...


class UserGrads:
    """The ``local_grads`` of one user-defined node: runs its ``_backward`` closure as a probe.

    Attributes:
        node: the node the closure belongs to.
        op: the op string the user gave (``"tanh"``).
        backward: the closure, or None until ``out._backward = ...`` is assigned.
    """

    __slots__ = ("backward", "node", "op")

    def __init__(self, node: _Node, op: str) -> None:
        self.node = node
        self.op = op
        self.backward: Callable[[], object] | None = None

    def __call__(self, m: Any, out: Any, *inputs: Any) -> tuple[float, ...]:
        node = self.node
        where = _describe(node, self.op)
        if m is not FLOAT_MATH:
            raise TypeError(
                f"{where} is a user-defined op: its _backward closure gives numbers, not a "
                "graph, so create_graph=True and derivatives of derivatives (grad of grad, "
                "hessian) cannot go through it. Build it from Value's own methods instead "
                "(e.g. x.tanh())."
            )
        fn = self.backward
        if fn is None:
            raise TypeError(
                f"{where} was built with Value(data, _children, _op) but has no _backward: "
                "assign the closure that adds to each input's grad (out._backward = _backward)"
            )
        parents = node.parents
        saved_out = node.grad
        saved = [p.grad for p in parents]
        try:
            node.grad = 1.0
            for p in parents:
                p.grad = 0.0
            fn()
            local = tuple(_number(p.grad, where) for p in parents)
        finally:
            node.grad = saved_out
            for p, g in zip(parents, saved, strict=True):
                p.grad = g
        return local


def _number(g: Any, where: str) -> float:
    data = getattr(g, "data", g)
    try:
        return float(data)
    except (TypeError, ValueError):
        raise TypeError(
            f"{where}: its _backward left an input's grad as {type(g).__name__} {g!r}; "
            "it must add numbers to the inputs' grad"
        ) from None


def _describe(node: _Node, op: str) -> str:
    name = f"'{node.label}'" if node.label else "unlabelled"
    return f"node {name} (user-defined op {op!r}, data={node.data!r})"


def _no_forward(*inputs: float) -> float:
    raise TypeError(
        "a user-defined op has no forward rule: its value was computed by the code that "
        "built the node, so it cannot be recomputed or compiled"
    )


def user_rule(node: _Node, op: str, arity: int) -> Rule:
    """A rule of its own for one user-defined node.

    Args:
        node: the node (its parents must already be set).
        op: the op string the user gave, shown in drawings and as ``_op``.
        arity: how many distinct inputs the node has.

    Returns:
        A :class:`~autograd_lite.core.rules.Rule` named ``"user-defined <op>"`` whose
        ``local_grads`` is a :class:`UserGrads`.
    """
    return Rule(
        name=f"user-defined {op}",
        symbol=op,
        forward=_no_forward,
        local_grads=UserGrads(node, op),
        arity=arity,
    )


def manual_backward(node: _Node) -> Callable[[], None]:
    """micrograd's ``node._backward``: add ``node.grad * d(node)/d(input)`` to each input's grad.

    For a user-defined node this is the closure the user assigned. For a leaf it does
    nothing. Used when a graph is walked by hand (``for v in reversed(topo): v._backward()``).
    """
    rule = node.rule
    if rule is None:
        return _nothing
    grads = rule.local_grads
    if isinstance(grads, UserGrads):
        return grads.backward if grads.backward is not None else _nothing  # type: ignore[return-value]

    def _backward() -> None:
        parents = node.parents
        local = rule.local_grads(FLOAT_MATH, node.data, *[p.data for p in parents])
        g = node.grad
        for p, d in zip(parents, local, strict=True):
            p.grad += g * d

    return _backward


def _nothing() -> None:
    return None


def attach_user_op(node: Node, children: object, op: object) -> None:
    """Make the new leaf ``node`` a user-defined op over ``children``: ``Value(d, _children, _op)``.

    Raises:
        TypeError: ``children`` is not a collection of Values, or ``op`` not a str.
        ValueError: ``op`` given without children.
        TracingError: called while ``compile()`` traces (the value was computed outside).
    """
    if not isinstance(op, str):
        raise TypeError(f"Value: _op must be a str, got {type(op).__name__} {op!r}")
    try:
        given = list(children)  # type: ignore[call-overload]
    except TypeError:
        raise TypeError(
            f"Value: _children must be a tuple or set of Values, got {type(children).__name__}"
        ) from None
    for i, child in enumerate(given):
        if not isinstance(child, Node):
            raise TypeError(
                f"Value: _children[{i}] must be a Value, got {type(child).__name__} {child!r:.60}"
            )
    if not given:
        raise ValueError(f"Value: _op={op!r} given without _children; a leaf has no op")
    mode = current_mode()
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
    store_parents(node, parents)
    node._rule = user_rule(node, op or "op", len(parents))  # type: ignore[arg-type]
    node._created = next_creation_number()


_MICROGRAD_SYMBOLS = {"relu": "ReLU"}


class MicrogradNames(Node):
    """micrograd's names on ``Value``, so code written for micrograd walks our graphs.

    The lecture's ``draw_dot`` and hand-written topological sort read ``_prev`` and ``_op``;
    stepping through a graph by hand calls ``_backward``.
    """

    __slots__ = ()

    @property
    def _prev(self) -> frozenset[Any]:
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
        return manual_backward(self)  # type: ignore[arg-type]

    @_backward.setter
    def _backward(self, fn: Callable[[], object]) -> None:
        grads = self._rule.local_grads if self._rule is not None else None
        if not isinstance(grads, UserGrads):
            raise AttributeError(
                f"cannot set _backward of {describe_node(self)}: only a node made the "
                "micrograd way, Value(data, _children, _op), takes a user-written _backward "
                "(built-in ops and leaves keep their rule)"
            )
        if not callable(fn):
            raise TypeError(f"_backward must be callable, got {type(fn).__name__} {fn!r}")
        grads.backward = fn


# --------------------------------------------------------------------------- gradient hooks
#
# Value.register_hook(fn): fn sees the gradient flowing into a node during backward() and may
# replace it. A node keeps its hooks in its own ``_hooks`` slot (None without any).
# backward() notices them while it collects the graph and then takes the engine's plain
# path, which runs them; graphs without hooks keep the fast path.


class Hooks:
    """The hooks of one node, in registration order."""

    __slots__ = ("fns",)

    def __init__(self) -> None:
        self.fns: list[Callable[[Any], Any]] = []

    def apply(self, grad: Any, create_graph: bool = False) -> Any:
        """Run every hook on the gradient; a hook returning something else than None replaces it.

        A hook returning a Value outside ``create_graph`` gives its number: a plain
        ``backward()`` leaves float gradients, as PyTorch's leaves no graph behind.
        """
        for fn in list(self.fns):
            result = fn(grad)
            if result is not None:
                grad = _hook_result(fn, result)
                if not create_graph and isinstance(grad, Node):
                    grad = grad.data
        return grad


def _hook_result(fn: Callable[[Any], Any], result: Any) -> Any:
    if isinstance(result, Node):  # a Value, under create_graph
        return result
    numpy = sys.modules.get("numpy")  # never imported here: without it no numpy bool exists
    if (
        isinstance(result, bool)
        or not is_real(result)
        or (numpy is not None and isinstance(result, numpy.bool_))
    ):
        name = getattr(fn, "__name__", type(fn).__name__)
        raise TypeError(
            f"gradient hook {name} returned {type(result).__name__} {result!r:.60}; a hook "
            "returns None (keep the gradient) or a number (replace it)"
        )
    return to_float(result, f"gradient hook {getattr(fn, '__name__', type(fn).__name__)}")


class GradientHooks(Node):
    """``register_hook`` on ``Value`` (a base class of it)."""

    __slots__ = ()

    def register_hook(self, fn: Callable[[Any], Any]) -> HookHandle:
        """Call ``fn(grad)`` with the gradient flowing into this node during ``backward()``.

        For a computed node ``grad`` is d(root)/d(node), before it flows on to the node's
        inputs; for a leaf it is what this ``backward()`` call adds to ``.grad``. If ``fn``
        returns a number, that number replaces the gradient (it is what flows on, or what
        is added); if it returns None the gradient is unchanged. Hooks run in registration
        order, also for ``gradients()``/``grad()``. A hook may change any ``.data``: the
        derivatives still use the numbers of the forward pass (docs/conventions.md).

        Args:
            fn: ``fn(grad) -> None | float`` (``grad`` is a Value under ``create_graph``;
                a Value returned from a plain ``backward()`` counts as its number).

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
        return add_hook(self, fn)


class HookHandle:
    """What :meth:`Value.register_hook` returns: ``remove()`` takes the hook off again."""

    __slots__ = ("_fn", "_node")

    def __init__(self, node: Node, fn: Callable[[Any], Any]) -> None:
        self._node = node
        self._fn = fn

    def remove(self) -> None:
        """Stop calling the hook (calling it twice is harmless)."""
        node = self._node
        hooks = node._hooks
        if hooks is None or self._fn not in hooks.fns:
            return
        hooks.fns.remove(self._fn)
        if not hooks.fns:  # back to an ordinary node, and to the fast path
            node._hooks = None


def hooks_of(node: Node) -> Hooks | None:
    """The node's hooks, or None."""
    return node._hooks


def add_hook(node: Node, fn: Callable[[Any], Any]) -> HookHandle:
    """Register ``fn`` as a gradient hook of ``node`` (see ``Value.register_hook``)."""
    if not callable(fn):
        raise TypeError(f"register_hook: the hook must be callable, got {type(fn).__name__}")
    if node._hooks is None:
        node._hooks = Hooks()
    node._hooks.fns.append(fn)
    return HookHandle(node, fn)
