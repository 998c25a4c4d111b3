"""The math functions as free functions that accept a ``Value`` or a plain number.

``exp(x)`` on a Value records a node; on a number it returns a float computed by the same
rule (with the same domain errors), so one function body serves traced and plain code.
Also the n-ary ops :func:`sum_values` and :func:`dot`, one node instead of a chain.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import overload

from . import rules as R
from .node import to_float
from .value import Number, Value, _unary, apply, as_value

__all__ = [
    "abs", "cos", "dot", "exp", "log", "relu", "sigmoid", "sin", "sqrt", "sum_values", "tanh",
]

_SQRT = R.POW.with_param(0.5)


def _call(rule: R.Rule, x: Value | Number) -> Value | float:
    if isinstance(x, Value):
        return _unary(rule, x)
    return rule.forward(to_float(x, rule.name))


@overload
def exp(x: Value) -> Value: ...
@overload
def exp(x: Number) -> float: ...
def exp(x: Value | Number) -> Value | float:
    """``e ** x``. Raises OverflowDomainError for x above 709.78.

    Accepts a Value (returns a new node) or a number (returns a float).
    """
    return _call(R.EXP, x)


@overload
def log(x: Value) -> Value: ...
@overload
def log(x: Number) -> float: ...
def log(x: Value | Number) -> Value | float:
    """Natural logarithm. Raises DomainError for x <= 0.

    Accepts a Value (returns a new node) or a number (returns a float).
    """
    return _call(R.LOG, x)


@overload
def tanh(x: Value) -> Value: ...
@overload
def tanh(x: Number) -> float: ...
def tanh(x: Value | Number) -> Value | float:
    """Hyperbolic tangent; ``tanh(1000)`` is 1.0.

    Accepts a Value (returns a new node) or a number (returns a float).
    """
    return _call(R.TANH, x)


@overload
def sigmoid(x: Value) -> Value: ...
@overload
def sigmoid(x: Number) -> float: ...
def sigmoid(x: Value | Number) -> Value | float:
    """Logistic function ``1 / (1 + e**-x)``, computed without overflow.

    Accepts a Value (returns a new node) or a number (returns a float).
    """
    return _call(R.SIGMOID, x)


@overload
def relu(x: Value) -> Value: ...
@overload
def relu(x: Number) -> float: ...
def relu(x: Value | Number) -> Value | float:
    """``max(0, x)``; its derivative at 0 is taken as 0.

    Accepts a Value (returns a new node) or a number (returns a float).
    """
    return _call(R.RELU, x)


@overload
def abs(x: Value) -> Value: ...
@overload
def abs(x: Number) -> float: ...
def abs(x: Value | Number) -> Value | float:
    """``|x|``; its derivative at 0 is taken as 0.

    Accepts a Value (returns a new node) or a number (returns a float).
    """
    return _call(R.ABS, x)


@overload
def sin(x: Value) -> Value: ...
@overload
def sin(x: Number) -> float: ...
def sin(x: Value | Number) -> Value | float:
    """Sine.

    Accepts a Value (returns a new node) or a number (returns a float).
    """
    return _call(R.SIN, x)


@overload
def cos(x: Value) -> Value: ...
@overload
def cos(x: Number) -> float: ...
def cos(x: Value | Number) -> Value | float:
    """Cosine.

    Accepts a Value (returns a new node) or a number (returns a float).
    """
    return _call(R.COS, x)


@overload
def sqrt(x: Value) -> Value: ...
@overload
def sqrt(x: Number) -> float: ...
def sqrt(x: Value | Number) -> Value | float:
    """Square root, as ``x ** 0.5``; its derivative at 0 is inf.

    Accepts a Value (returns a new node) or a number (returns a float).
    """
    return _call(_SQRT, x)


def _as_values(items: Iterable[Value | Number]) -> list[Value]:
    """The items as Values; numbers become constant leaves (the usual case costs no call)."""
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
    terms = _as_values(values)
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
    ws = _as_values(weights)
    xs = _as_values(inputs)
    if len(ws) != len(xs):
        raise ValueError(f"dot: {len(ws)} weights but {len(xs)} inputs; they must match")
    if not ws:
        raise ValueError("dot: needs at least one weight and input")
    if bias is None:
        return apply(R.DOT, [*ws, *xs])
    return apply(R.LINEAR, [*ws, *xs, as_value(bias)])

