"""The math functions as free functions that accept a ``Value`` or a plain number.

``exp(x)`` on a Value records a node; on a number it returns a float computed by the same
rule (with the same domain errors), so one function body serves traced and plain code. The
functions are made from the rule table (:data:`OP_FUNCTIONS`, one per name a rule lists in
``functions``). Also the n-ary ops :func:`sum_values` and :func:`dot`, one node instead of a
chain.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol, cast, overload

from . import rules as R
from .forward import Dual, apply_rule
from .node import to_float
from .value import Number, Value, _record, apply, as_value

__all__ = ["OP_FUNCTIONS", "OpFunction", "dot", "sum_values"]


class OpFunction(Protocol):
    """A one-input op as a function: a Value gives a new node, a number gives a float."""

    __name__: str

    @overload
    def __call__(self, x: Value, /) -> Value: ...
    @overload
    def __call__(self, x: Number, /) -> float: ...


def _op_function(name: str, rule: R.Rule) -> OpFunction:
    op = rule.name

    def function(x: Value | Number) -> Value | float:
        if isinstance(x, Value):
            return _record(rule, (x,))
        if isinstance(x, Dual):  # forward mode (jvp): the same functions serve dual numbers
            return apply_rule(rule, (x,))
        return rule.forward(to_float(x, name))

    function.__name__ = function.__qualname__ = name
    function.__module__ = "autograd_lite"
    # Objects, not the strings of the annotations above: tools that read the signature
    # (inspect, the API reference) would look the names up in autograd_lite, not here.
    function.__annotations__ = {"x": Value | Number, "return": Value | float}
    function.__doc__ = (
        f"{rule.doc or f'The ``{op}`` op.'}\n\n"
        "Accepts a Value (returns a new node) or a number (returns a float)."
    )
    return cast(OpFunction, function)


OP_FUNCTIONS: dict[str, OpFunction] = {
    name: _op_function(name, rule) for rule in R.RULES.values() for name in rule.functions
}
"""Every op function by name (``"exp"``, ``"tanh"``...), made from the rule
table; ``autograd_lite`` exports each under its name."""

globals().update(OP_FUNCTIONS)
if TYPE_CHECKING:  # what type checkers see of them: op_names.pyi, generated from the table
    from .op_names import *  # noqa: F403
# abs stays importable by name but out of __all__, so `import *` keeps the builtin.
__all__ += sorted(name for name in OP_FUNCTIONS if name != "abs")


def _as_values(items: Iterable[Value | Number], what: str) -> list[Value]:
    """The items as Values; numbers become constant leaves (the usual case costs no call)."""
    if isinstance(items, Value | str | bytes) or not hasattr(items, "__iter__"):
        raise TypeError(
            f"{what} must be an iterable of Values or numbers (a list, tuple or array), got "
            f"{type(items).__name__} {items!r:.60}"
        )
    out = list(items)
    for i, item in enumerate(out):
        if item.__class__ is not Value:
            out[i] = as_value(item)
    return out  # type: ignore[return-value]


def sum_values(values: Iterable[Value | Number]) -> Value:
    """The sum of many terms as one ``sum`` node (not a chain of additions).

    Backward through one n-ary node is faster than through n binary ones, and a drawing
    stays small.

    Args:
        values: Values and/or numbers (numbers become constant leaves). At least one.

    Returns:
        A Value.

    Example:
        >>> from autograd_lite import Value, sum_values
        >>> xs = [Value(float(i)) for i in range(4)]
        >>> s = sum_values(xs); s.backward(); s.data, xs[2].grad
        (6.0, 1.0)
    """
    terms = _as_values(values, "sum_values: values")
    if not terms:
        raise ValueError("sum_values: needs at least one term, got an empty iterable")
    return apply(R.SUM, terms)


def dot(
    weights: Iterable[Value | Number],
    inputs: Iterable[Value | Number],
    bias: Value | Number | None = None,
) -> Value:
    """``w0*x0 + ... + wn*xn (+ bias)`` as one node (``dot`` or ``linear``).

    A neuron's weighted sum as one fused node: one object instead of 2n, and a single
    rule in backward.

    Args:
        weights: the w's.
        inputs: the x's, as many as weights.
        bias: optional b; with it the node's op is ``linear``.

    Returns:
        A Value.

    Example:
        >>> from autograd_lite import Value, dot
        >>> w = [Value(1.0), Value(2.0)]
        >>> y = dot(w, [3.0, 4.0], bias=0.5); y.backward(); y.data, w[1].grad
        (11.5, 4.0)
    """
    ws = _as_values(weights, "dot: weights")
    xs = _as_values(inputs, "dot: inputs")
    if len(ws) != len(xs):
        raise ValueError(f"dot: {len(ws)} weights but {len(xs)} inputs; they must match")
    if not ws:
        raise ValueError("dot: needs at least one weight and input")
    if bias is None:
        return apply(R.DOT, [*ws, *xs])
    return apply(R.LINEAR, [*ws, *xs, as_value(bias)])
