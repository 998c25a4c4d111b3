"""The storage of a graph vertex, shared by :class:`~autograd_lite.Value` and the engine.

:class:`Node` holds a node's number, gradient, label, and the rule and inputs that made it;
it has no operators. :class:`~autograd_lite.Value` adds them. The engine walks and recognises
nodes through this base class, so it never imports ``value`` and ``value`` can import it:
no import cycle between the node and the backward pass.
"""

from __future__ import annotations

import itertools
import numbers
import sys
from typing import TYPE_CHECKING, Any

from .errors import OverflowDomainError

if TYPE_CHECKING:
    from .custom import Hooks
    from .rules import Rule
    from .value import Value

__all__ = [
    "Node",
    "describe_node",
    "is_real",
    "next_creation_number",
    "store_parents",
    "to_float",
    "too_large",
]

_REAL_FAST = (float, int)


def is_real(x: object) -> bool:
    """True for a real number: int, float, bool, numpy bools, ints and floats, Fraction..."""
    if isinstance(x, numbers.Real):  # bool, numpy ints and floats, Fraction...
        return True
    # numpy.bool_ is not a numbers.Real, but learners' code mixes it in (probs[j] - (j == y[i])).
    # Without numpy imported, no numpy.bool_ can exist: numpy is never imported here for it.
    np = sys.modules.get("numpy")
    return np is not None and isinstance(x, np.bool_)


class Node:
    """What every node stores; build nodes as :class:`~autograd_lite.Value`, never directly.

    Attributes:
        data: the float value.
        grad: the gradient the last ``backward()`` left (a float, or a Value with
            ``create_graph``).
        label: the name given, or None.
    """

    # _rule is the op that made the node (None for a leaf). Its inputs are kept in two slots,
    # not a tuple: one object per node halves what the cyclic garbage collector counts and
    # scans on large graphs. _a and _b are the inputs of a unary or binary op; an n-ary op
    # keeps a tuple in _a; a leaf has None in both. Read them through ``parents``.
    # _hooks holds the node's gradient hooks (see custom.py), None without any.
    # _created numbers the nodes operations make, in creation order (0 for leaves): a node's
    # inputs always exist before it, so newest-first is a valid order for backward.
    __slots__ = ("_a", "_b", "_created", "_hooks", "_rule", "data", "grad", "label")

    data: float
    grad: Any
    label: str | None
    _rule: Rule | None
    _a: Any
    _b: Any
    _hooks: Hooks | None
    _created: int

    @property
    def parents(self) -> tuple[Value, ...]:
        """The inputs of the operation that produced this node, in order (``()`` for a leaf)."""
        b = self._b
        if b is not None:
            return (self._a, b)
        a = self._a
        if a is None:
            return ()
        return a if a.__class__ is tuple else (a,)


def store_parents(node: Node, parents: tuple[Node, ...]) -> None:
    """Keep ``parents`` as ``node``'s inputs (in its two input slots, see :class:`Node`)."""
    if len(parents) == 2:
        node._a, node._b = parents
    elif len(parents) == 1:
        node._a, node._b = parents[0], None
    else:
        node._a, node._b = parents, None


next_creation_number = itertools.count(1).__next__
"""The next creation number of an operation node (1, 2, ...).

One C call, atomic under the GIL: threads building graphs at once still get distinct,
increasing numbers.
"""


def too_large(x: object) -> str:
    """Why ``float(x)`` overflowed, without printing a number of hundreds of digits.

    Example:
        >>> too_large(10**400)
        'an int of about 401 digits is too large for a float (the largest is about 1.8e308)'
    """
    if isinstance(x, int):
        digits = int(abs(x).bit_length() * 0.30103) + 1
        what = f"an int of about {digits} digits"
    else:
        what = f"{type(x).__name__} {str(x)[:40]}"
    return f"{what} is too large for a float (the largest is about 1.8e308)"


def to_float(x: object, what: str) -> float:
    """Convert a real number to float, or raise a TypeError naming its type and value.

    Args:
        x: an int, float, bool, numpy real or other ``numbers.Real`` (not a node).
        what: how the message names ``x``, e.g. ``"operand of +"``.

    Returns:
        ``float(x)``.

    Example:
        >>> to_float(3, "Value")
        3.0
    """
    if type(x) in _REAL_FAST or (is_real(x) and not isinstance(x, Node)):
        try:
            return float(x)  # type: ignore[arg-type]
        except OverflowError:
            raise OverflowDomainError(f"{what}: {too_large(x)}", what) from None
    raise TypeError(f"{what}: expected a real number or a Value, got {type(x).__name__} {x!r}")


def describe_node(v: Node) -> str:
    """A short description of a node for error messages: label, op and value.

    Example:
        >>> from autograd_lite import Value
        >>> describe_node(Value(2.0, label="x") * 3)
        'unlabelled mul node = 6.0'
    """
    name = f"'{v.label}'" if v.label is not None else "unlabelled"
    kind = f"{v._rule.name} node" if v._rule is not None else "leaf"
    return f"{name} {kind} = {v.data!r}"
