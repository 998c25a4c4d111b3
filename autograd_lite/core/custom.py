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

The module also holds the micrograd-style manual ``_backward`` of ordinary nodes, used when
learners walk a graph by hand as the lecture does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, Protocol

from .rules import FLOAT_MATH, Rule

__all__ = [
    "HookHandle",
    "HookedRule",
    "Hooks",
    "UserGrads",
    "add_hook",
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


# --------------------------------------------------------------------------- gradient hooks
#
# Value.register_hook(fn): fn sees the gradient flowing into a node during backward() and may
# replace it. A leaf keeps its hooks in its otherwise unused ``_a`` slot; a computed node gets
# a HookedRule, a copy of its rule that also carries the hooks (the same name, symbol and
# derivatives, so drawings, explain and compile see the same op). backward() notices either
# while it counts the graph and then takes the engine's general path, which runs the hooks;
# graphs without hooks keep the fast path.


class Hooks:
    """The hooks of one node, in registration order."""

    __slots__ = ("fns",)

    def __init__(self) -> None:
        self.fns: list[Callable[[Any], Any]] = []

    def apply(self, grad: Any) -> Any:
        """Run every hook on the gradient; a hook returning something else than None replaces it."""
        for fn in list(self.fns):
            result = fn(grad)
            if result is not None:
                grad = _hook_result(fn, result)
        return grad


def _hook_result(fn: Callable[[Any], Any], result: Any) -> Any:
    if hasattr(result, "data") and hasattr(result, "parents"):  # a Value, under create_graph
        return result
    if isinstance(result, bool) or not isinstance(result, int | float):
        name = getattr(fn, "__name__", type(fn).__name__)
        raise TypeError(
            f"gradient hook {name} returned {type(result).__name__} {result!r:.60}; a hook "
            "returns None (keep the gradient) or a number (replace it)"
        )
    return float(result)


@dataclass(frozen=True, eq=False)
class HookedRule(Rule):
    """A computed node's rule together with the node's gradient hooks."""

    hooks: Hooks = field(default_factory=Hooks)
    inner: Rule | None = None


class HookHandle:
    """What :meth:`Value.register_hook` returns: ``remove()`` takes the hook off again."""

    __slots__ = ("_fn", "_node")

    def __init__(self, node: Any, fn: Callable[[Any], Any]) -> None:
        self._node = node
        self._fn = fn

    def remove(self) -> None:
        """Stop calling the hook (calling it twice is harmless)."""
        node = self._node
        hooks = hooks_of(node)
        if hooks is None or self._fn not in hooks.fns:
            return
        hooks.fns.remove(self._fn)
        if not hooks.fns:  # back to an ordinary node, and to the fast path
            rule = node._rule
            if rule is None:
                node._a = None
            elif isinstance(rule, HookedRule):
                node._rule = rule.inner


def hooks_of(node: Any) -> Hooks | None:
    """The node's hooks, or None."""
    rule = node._rule
    if rule is None:
        a = node._a
        return a if a.__class__ is Hooks else None
    return rule.hooks if isinstance(rule, HookedRule) else None


def add_hook(node: Any, fn: Callable[[Any], Any]) -> HookHandle:
    """Register ``fn`` as a gradient hook of ``node`` (see ``Value.register_hook``)."""
    if not callable(fn):
        raise TypeError(f"register_hook: the hook must be callable, got {type(fn).__name__}")
    hooks = hooks_of(node)
    if hooks is None:
        hooks = Hooks()
        rule = node._rule
        if rule is None:
            node._a = hooks
        else:
            same = {f.name: getattr(rule, f.name) for f in fields(Rule) if f.init}
            node._rule = HookedRule(**same, hooks=hooks, inner=rule)
    hooks.fns.append(fn)
    return HookHandle(node, fn)
