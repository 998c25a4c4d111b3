"""Read graphs built by micrograd-style code: any class with ``data``, ``grad``, ``_prev``, ``_op``.

:func:`from_micrograd` copies such a graph into ``Value`` nodes, so drawing and ``explain``
work on micrograd's own ``Value`` and on the one a learner writes in the lecture, without
importing micrograd. Each copied op node is a user-defined op (see :mod:`.custom`) whose
local derivatives are found by running the original node's ``_backward`` once, with its
gradients put back afterwards: the original graph is left as it was.
"""

from __future__ import annotations

from typing import Any

from .value import Value

__all__ = ["from_micrograd", "is_micrograd_like"]


def is_micrograd_like(obj: object) -> bool:
    """True for a non-Value object with micrograd's ``data``, ``grad``, ``_prev`` and ``_op``."""
    return not isinstance(obj, Value) and all(
        hasattr(obj, name) for name in ("data", "grad", "_prev", "_op")
    )


def from_micrograd(root: Any) -> Value:
    """Copy a micrograd-style graph into ``Value`` nodes, keeping data, grad, labels and ops.

    Args:
        root: the output node of the graph: an object with ``data``, ``grad``, ``_prev``
            (its input nodes) and ``_op`` (the op's name), and optionally ``label`` and
            ``_backward``. A :class:`Value` is returned unchanged.

    Returns:
        The copy of ``root``. Its nodes hold the originals' ``data`` and ``grad``; an op node
        is a user-defined op whose derivatives come from the original's ``_backward``.

    Raises:
        TypeError: ``root``, or a node reached from it, is not shaped like that; the
            message names what is missing.

    Example:
        >>> class Tiny:   # the smallest micrograd-style node
        ...     def __init__(self, data, _prev=(), _op=""):
        ...         self.data, self.grad, self._prev, self._op = data, 0.0, set(_prev), _op
        >>> a = Tiny(2.0); b = Tiny(3.0); c = Tiny(6.0, (a, b), "*")
        >>> from_micrograd(c).op
        'user-defined *'
    """
    if isinstance(root, Value):
        return root
    _check(root, "root")
    copies: dict[int, Value] = {}
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if id(node) in copies:
            continue
        children = list(node._prev)
        if not expanded:
            stack.append((node, True))
            for child in reversed(children):
                if id(child) not in copies:
                    _check(child, f"an input of {_describe(node)}")
                    stack.append((child, False))
            continue
        copies[id(node)] = _copy(node, [copies[id(c)] for c in children], children)
    return copies[id(root)]


def _check(obj: object, what: str) -> None:
    missing = [n for n in ("data", "grad", "_prev", "_op") if not hasattr(obj, n)]
    if missing:
        raise TypeError(
            f"{what} is {type(obj).__name__} {obj!r:.60}, not a Value or a micrograd-style "
            f"node: it has no {', '.join(missing)}"
        )


def _describe(node: Any) -> str:
    label = getattr(node, "label", "")
    name = f"'{label}'" if isinstance(label, str) and label else "an unlabelled node"
    return f"{name} (op {node._op!r}, data={node.data!r})"


def _label(node: Any) -> str | None:
    label = getattr(node, "label", None)
    return label if isinstance(label, str) and label else None


def _copy(node: Any, parents: list[Value], originals: list[Any]) -> Value:
    data = float(node.data)
    if not parents:
        copy = Value(data, label=_label(node))
    else:
        copy = Value(data, tuple(parents), str(node._op) or "op", label=_label(node))
        local = _probe(node, originals)
        if local is not None:
            copy._backward = _push(copy, dict(zip(parents, local, strict=True)))
    copy.grad = float(node.grad)
    return copy


def _probe(node: Any, children: list[Any]) -> list[float] | None:
    """d(node)/d(child) for each child, by running the original's ``_backward`` once."""
    step = getattr(node, "_backward", None)
    if not callable(step):
        return None
    saved = node.grad
    saved_children = [c.grad for c in children]
    try:
        node.grad = 1.0
        for c in children:
            c.grad = 0.0
        step()
        return [float(c.grad) for c in children]
    except (ArithmeticError, TypeError, ValueError):
        return None
    finally:
        node.grad = saved
        for c, g in zip(children, saved_children, strict=True):
            c.grad = g


def _push(out: Value, local: dict[Value, float]) -> Any:
    def _backward() -> None:
        for parent, d in local.items():
            parent.grad += d * out.grad

    return _backward
