"""Forward-mode differentiation: dual numbers driven by the same rule table as ``backward()``.

A :class:`Dual` carries a number and its derivative along one direction (its *tangent*).
Every operation on duals looks up the op's rule in :mod:`autograd_lite.core.rules`, computes
the forward value with ``rule.forward`` and the tangent as
``sum_i local_grads[i] * tangent_i``, with ``rule.local_grads`` evaluated on floats. No
graph is recorded: memory stays constant however long the computation.

- :func:`jvp` is JAX's ``jvp``: the value of ``f`` and its directional derivative.
- :func:`jacfwd` builds a Jacobian column by column, one :func:`jvp` per input entry.
- :func:`hessian_forward_over_reverse` runs forward-over-reverse on a recorded graph: the
  reverse pass with dual numbers (whose tangents are vectors) for its local derivatives,
  giving the whole Hessian in one sweep without building gradient graphs
  (:func:`autograd_lite.hessian` uses it when it is the cheaper way).

Duals are first-order: a tangent is a float. Functions given to :func:`jvp` must use
arithmetic, comparisons and the methods or free functions of this package (``x.tanh()``,
``autograd_lite.exp(x)``); reading a float out of a dual, or calling :mod:`math` on it,
raises a TypeError naming the dual.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from . import rules as R
from .custom import UserGrads
from .engine import topological_order
from .errors import DomainError
from .node import Node, describe_node, is_real, to_float

if TYPE_CHECKING:
    import numpy as np

    from .value import Value
else:
    from .lazy_numpy import np

__all__ = [
    "Dual",
    "DualMath",
    "apply_rule",
    "has_user_ops",
    "hessian_forward_over_reverse",
    "jacfwd",
    "jvp",
]


def _is_real(x: object) -> bool:
    return is_real(x) and not isinstance(x, Node | Dual)


class _NoData(TypeError, AttributeError):
    """``Dual.data`` was read: a clear TypeError that ``hasattr`` still reads as "no such"."""


class Dual:
    """A number with the derivative of the computation along one direction.

    Attributes:
        primal: the value.
        tangent: d(value)/d(t) along the direction the inputs were seeded with.

    Example:
        >>> from autograd_lite.core.forward import Dual
        >>> x = Dual(2.0, 1.0)          # seed dx/dt = 1
        >>> y = x * x + x.sin()
        >>> round(y.primal, 6), round(y.tangent, 6)   # 2x + cos(x)
        (4.909297, 3.583853)
    """

    __slots__ = ("primal", "tangent")

    primal: float
    tangent: float

    def __init__(self, primal: float, tangent: float = 0.0) -> None:
        if not _is_real(primal) or not _is_real(tangent):
            raise TypeError(
                f"Dual: primal and tangent must be real numbers, got {primal!r} and {tangent!r}"
            )
        self.primal = float(primal)
        self.tangent = float(tangent)

    def __repr__(self) -> str:
        return f"Dual(primal={self.primal:.6g}, tangent={self.tangent:.6g})"

    @property
    def data(self) -> float:
        """Refused: a number read out of an input would drop its derivative.

        Raises:
            TypeError: always, naming what to write instead. It is an AttributeError too,
                so ``hasattr(dual, "data")`` is False: a Dual has no ``.data``.
        """
        raise _NoData(
            f"jvp: f read .data of its input ({self!r}); forward mode cannot follow a number "
            "read out of a Value (x * x.data would be differentiated as x times a constant). "
            "Write f with operations on its inputs only (x * x), or read .primal for the value."
        )

    # ------------------------------------------------------------------ arithmetic

    def __add__(self, other: Any) -> Dual:
        return _binary(R.ADD, self, other)

    def __radd__(self, other: Any) -> Dual:
        return _binary(R.ADD, other, self)

    def __sub__(self, other: Any) -> Dual:
        return _binary(R.SUB, self, other)

    def __rsub__(self, other: Any) -> Dual:
        return _binary(R.SUB, other, self)

    def __mul__(self, other: Any) -> Dual:
        return _binary(R.MUL, self, other)

    def __rmul__(self, other: Any) -> Dual:
        return _binary(R.MUL, other, self)

    def __truediv__(self, other: Any) -> Dual:
        return _binary(R.DIV, self, other)

    def __rtruediv__(self, other: Any) -> Dual:
        return _binary(R.DIV, other, self)

    def __neg__(self) -> Dual:
        return apply_rule(R.NEG, (self,))

    def __pos__(self) -> Dual:
        return self

    def __pow__(self, other: Any) -> Dual:
        if isinstance(other, Dual):
            return apply_rule(R.VPOW, (self, other))
        return apply_rule(R.POW.with_param(_real(other, "**")), (self,))

    def __rpow__(self, other: Any) -> Dual:
        return apply_rule(R.RPOW.with_param(_real(other, "**")), (self,))

    def __abs__(self) -> Dual:
        return apply_rule(R.ABS, (self,))

    # Comparisons look at the value, as the rules' kinks (relu, abs) need.
    def __lt__(self, other: Any) -> bool:
        return self.primal < _primal(other)

    def __le__(self, other: Any) -> bool:
        return self.primal <= _primal(other)

    def __gt__(self, other: Any) -> bool:
        return self.primal > _primal(other)

    def __ge__(self, other: Any) -> bool:
        return self.primal >= _primal(other)

    def __float__(self) -> float:
        raise TypeError(
            f"float() of {self!r} would drop its derivative: forward mode follows only "
            "arithmetic and this package's functions (x.exp(), autograd_lite.exp(x)...)"
        )

    # The math methods (x.exp(), x.tanh()...) are installed from the rule table below,
    # one per one-input rule that names a method, as on Value.


def _install_methods() -> None:
    """Give ``Dual`` the method of every one-input rule that names one (``d.tanh()``)."""
    for rule in R.RULES.values():
        if rule.method is None or rule.arity != 1 or rule.parametrised:
            continue

        def method(self: Dual, rule: R.Rule = rule) -> Dual:
            return apply_rule(rule, (self,))

        method.__name__ = rule.method
        method.__qualname__ = f"Dual.{rule.method}"
        method.__doc__ = rule.doc or f"The ``{rule.name}`` op."
        setattr(Dual, rule.method, property(method) if rule.attribute else method)


def _real(x: Any, op: str) -> float:
    if _is_real(x):
        return float(x)
    raise TypeError(f"forward mode: operand of {op} must be a number or a Dual, got {x!r:.60}")


def _primal(x: Any) -> float:
    return x.primal if isinstance(x, Dual) else _real(x, "a comparison")


def _binary(rule: R.Rule, a: Any, b: Any) -> Dual:
    return apply_rule(rule, (a, b))


def apply_rule(rule: R.Rule, inputs: Sequence[Any]) -> Dual:
    """Apply a rule to duals and numbers: forward value and tangent from the rule table.

    Args:
        rule: the op (parametrised rules bound with ``with_param``).
        inputs: Duals and real numbers (numbers are constants: tangent 0).

    Returns:
        The output dual.
    """
    primals: list[float] = []
    tangents: list[Any] = []
    for x in inputs:
        if isinstance(x, Dual):
            primals.append(x.primal)
            tangents.append(x.tangent)
        else:
            primals.append(_real(x, rule.symbol))
            tangents.append(None)
    out = rule.forward(*primals)
    local = rule.local_grads(R.FLOAT_MATH, out, *primals)
    tangent: Any = 0.0
    for d, t in zip(local, tangents, strict=True):
        # A constant input, or a zero tangent, adds nothing, even where its local derivative
        # is inf. (Tangents are floats, or numpy vectors inside hessian_forward_over_reverse.)
        if t is not None and (t.__class__ is not float or t != 0.0):
            tangent = tangent + float(d) * t
    return _dual(out, tangent)


def _dual(primal: float, tangent: Any) -> Dual:
    """A Dual without argument checks (the tangent may be a numpy vector internally)."""
    result = Dual.__new__(Dual)
    result.primal = primal
    result.tangent = tangent
    return result


class DualMath:
    """The math namespace of the rules on dual numbers (used by forward-over-reverse)."""

    @staticmethod
    def exp(x: Any) -> Any:
        return apply_rule(R.EXP, (x,)) if isinstance(x, Dual) else R.FLOAT_MATH.exp(x)

    @staticmethod
    def log(x: Any) -> Any:
        if isinstance(x, Dual):
            return _dual(R.FLOAT_MATH.log(x.primal), x.tangent / x.primal)
        return R.FLOAT_MATH.log(x)

    @staticmethod
    def pow(x: Any, e: Any) -> Any:
        if not isinstance(x, Dual) and not isinstance(e, Dual):
            return R.FLOAT_MATH.pow(x, e)
        base = x.primal if isinstance(x, Dual) else float(x)
        power = e.primal if isinstance(e, Dual) else float(e)
        value = R.FLOAT_MATH.pow(base, power)
        tangent: Any = 0.0
        if isinstance(x, Dual):
            tangent = tangent + _times(power * R.FLOAT_MATH.pow(base, power - 1.0), x.tangent)
        if isinstance(e, Dual):
            tangent = tangent + _times(value * R.FLOAT_MATH.log(base), e.tangent)
        return _dual(value, tangent)

    @staticmethod
    def sin(x: Any) -> Any:
        return apply_rule(R.SIN, (x,)) if isinstance(x, Dual) else math.sin(x)

    @staticmethod
    def cos(x: Any) -> Any:
        return apply_rule(R.COS, (x,)) if isinstance(x, Dual) else math.cos(x)


DUAL_MATH = DualMath()
_install_methods()


# --------------------------------------------------------------------------- transforms


def _seed(x: Any, t: Any, path: str) -> Any:
    """Pair each number of ``x`` with the matching tangent in ``t`` (same structure)."""
    if isinstance(x, np.ndarray) or isinstance(t, np.ndarray):
        xa = np.asarray(x, dtype=np.float64)
        ta = np.asarray(t, dtype=np.float64)
        if xa.shape != ta.shape:
            raise ValueError(f"jvp: {path} has shape {xa.shape} but its tangent {ta.shape}")
        out = np.empty(xa.shape, dtype=object)
        for index in np.ndindex(xa.shape):
            out[index] = Dual(float(xa[index]), float(ta[index]))
        return out
    if isinstance(x, list | tuple):
        if not isinstance(t, list | tuple) or len(t) != len(x):
            raise ValueError(f"jvp: {path} has {len(x)} entries but its tangent is {t!r:.60}")
        items = [_seed(a, b, f"{path}[{i}]") for i, (a, b) in enumerate(zip(x, t, strict=True))]
        return items if isinstance(x, list) else tuple(items)
    if isinstance(x, dict):
        if not isinstance(t, dict) or set(t) != set(x):
            raise ValueError(f"jvp: {path} is a dict; its tangent must have the same keys")
        return {k: _seed(v, t[k], f"{path}[{k!r}]") for k, v in x.items()}
    if not _is_real(x) or isinstance(x, bool):
        raise TypeError(
            f"jvp: {path} is {type(x).__name__} {x!r:.60}; primals must be real numbers, or "
            "lists, tuples, dicts or numpy arrays of them"
        )
    if not _is_real(t) or isinstance(t, bool):
        raise TypeError(f"jvp: the tangent of {path} must be a real number, got {t!r:.60}")
    # to_float: an int too large for a float is an OverflowDomainError naming it, as in grad.
    return Dual(to_float(x, f"jvp: {path}"), to_float(t, f"jvp: the tangent of {path}"))


def _split(result: Any, where: str) -> tuple[Any, Any]:
    """The primal and tangent parts of f's result, keeping its structure."""
    if isinstance(result, Dual):
        return result.primal, result.tangent
    if isinstance(result, np.ndarray):
        primal = np.empty(result.shape, dtype=np.float64)
        tangent = np.empty(result.shape, dtype=np.float64)
        for index in np.ndindex(result.shape):
            primal[index], tangent[index] = _split(result[index], where)
        return primal, tangent
    if isinstance(result, list | tuple):
        pairs = [_split(item, where) for item in result]
        kind = list if isinstance(result, list) else tuple
        return kind(p for p, _ in pairs), kind(t for _, t in pairs)
    if _is_real(result):
        return float(result), 0.0
    raise TypeError(
        f"{where}: f returned {type(result).__name__} {result!r:.60}; expected numbers or "
        "duals (or lists, tuples or arrays of them). A Value means f used reverse-mode nodes "
        "it closed over; pass them as arguments instead."
    )


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """Evaluate ``f`` and its derivative along ``tangents`` in one forward pass (JAX's ``jvp``).

    Args:
        f: a function of numbers (written with arithmetic and this package's functions).
        primals: the arguments of ``f``, a tuple or list: numbers, or lists, tuples, dicts
            or numpy arrays of numbers.
        tangents: the direction, shaped like ``primals``.

    Returns:
        ``(f(*primals), J(primals) @ tangents)``, each shaped like ``f``'s result (floats,
        or lists/tuples/arrays of floats).

    Example:
        >>> from autograd_lite.core.forward import jvp
        >>> jvp(lambda x, y: x * y + x.sin(), (0.0, 3.0), (1.0, 0.0))   # d/dx: y + cos(x)
        (0.0, 4.0)
    """
    if not callable(f):
        raise TypeError(f"jvp: f must be callable, got {type(f).__name__} {f!r}")
    if not isinstance(primals, list | tuple) or not isinstance(tangents, list | tuple):
        raise TypeError("jvp: primals and tangents must be tuples (or lists) of arguments")
    if len(primals) != len(tangents):
        raise ValueError(
            f"jvp: {len(primals)} primals but {len(tangents)} tangents; give one per argument"
        )
    args = [
        _seed(x, t, f"primals[{i}]") for i, (x, t) in enumerate(zip(primals, tangents, strict=True))
    ]
    name = getattr(f, "__name__", type(f).__name__)
    return _split(f(*args), f"jvp({name})")


def _flat_count(x: Any) -> int:
    if isinstance(x, np.ndarray):
        return int(x.size)
    if isinstance(x, list | tuple):
        return sum(_flat_count(item) for item in x)
    if isinstance(x, dict):
        return sum(_flat_count(item) for item in x.values())
    return 1


def _unit(x: Any, hot: int, start: Iterator[int]) -> Any:
    """``x``'s structure filled with 0.0, with 1.0 at flat entry ``hot`` (-1: none)."""
    if isinstance(x, np.ndarray):
        return np.array([float(next(start) == hot) for _ in range(x.size)]).reshape(x.shape)
    if isinstance(x, list | tuple):
        items = [_unit(item, hot, start) for item in x]
        return items if isinstance(x, list) else tuple(items)
    if isinstance(x, dict):
        return {k: _unit(v, hot, start) for k, v in x.items()}
    return float(next(start) == hot)


def _flatten(x: Any) -> list[float]:
    if isinstance(x, np.ndarray):
        return [float(v) for v in x.ravel()]
    if isinstance(x, list | tuple):
        return [v for item in x for v in _flatten(item)]
    return [float(x)]


def _shape(x: Any) -> tuple[int, ...]:
    if isinstance(x, np.ndarray):
        return tuple(x.shape)
    if isinstance(x, list | tuple):
        return (_flat_count(x),)
    return ()


def jacfwd(f: Callable[..., Any], argnums: int = 0) -> Callable[..., Any]:
    """The Jacobian of ``f`` with respect to one argument, by forward mode (one pass per entry).

    Cheaper than :func:`autograd_lite.jacobian` (reverse mode, one pass per output) when the
    argument has fewer entries than ``f`` has outputs.

    Args:
        f: a function of numbers returning a number or a list/tuple/array of numbers.
        argnums: which positional argument to differentiate.

    Returns:
        A function returning the Jacobian: a float for scalar in and out, else a float64
        array of shape ``output shape + argument shape`` (a list counts as 1-D).

    Example:
        >>> from autograd_lite.core.forward import jacfwd
        >>> jacfwd(lambda v: [v[0] * v[1], v[0] + v[1]])([2.0, 3.0])
        array([[3., 2.],
               [1., 1.]])
    """
    if not callable(f):
        raise TypeError(f"jacfwd: f must be callable, got {type(f).__name__} {f!r}")
    if isinstance(argnums, bool) or not isinstance(argnums, int):
        raise TypeError(f"jacfwd: argnums must be an int, got {argnums!r}")

    def jacobian_of_f(*args: Any) -> Any:
        if not -len(args) <= argnums < len(args):
            raise ValueError(f"jacfwd: argnums={argnums} but f got {len(args)} arguments")
        position = argnums % len(args)
        x = args[position]
        n = _flat_count(x)
        columns: list[list[float]] = []
        out_shape: tuple[int, ...] = ()
        for j in range(n):
            tangents = tuple(
                _unit(a, j if i == position else -1, iter(range(_flat_count(a))))
                for i, a in enumerate(args)
            )
            value, tangent = jvp(f, tuple(args), tangents)
            out_shape = _shape(value)
            columns.append(_flatten(tangent))
        m = len(columns[0]) if columns else _flat_count(f(*args))
        jac = np.array(columns, dtype=np.float64).reshape(n, m).T
        result = jac.reshape(out_shape + _shape(x))
        return float(result) if result.shape == () else result

    jacobian_of_f.__name__ = f"jacfwd({getattr(f, '__name__', 'f')})"
    return jacobian_of_f


# --------------------------------------------------------------------------- forward-over-reverse


def has_user_ops(order: Sequence[Value]) -> bool:
    """True if a node of the graph is a user-defined op, whose rule cannot run on duals."""
    return any(
        node.rule is not None and isinstance(node.rule.local_grads, UserGrads) for node in order
    )


def hessian_forward_over_reverse(root: Value, inputs: Sequence[Value]) -> np.ndarray[Any, Any]:
    """The Hessian of ``root`` with respect to ``inputs``, forward-over-reverse, in one sweep.

    Every node gets a tangent *vector* with one entry per input (the inputs get the rows of
    the identity, other leaves 0): one forward sweep pushes them through the graph. Then one
    reverse sweep runs with every local derivative a :class:`Dual` whose tangent is such a
    vector, evaluated by the rules through :class:`DualMath`. The gradients' tangents are
    the Hessian's rows. No node is created; the vectors are numpy arrays.

    Args:
        root: a scalar output node.
        inputs: the nodes to differentiate with respect to.

    Returns:
        An ``(n, n)`` float64 array for n inputs.
    """
    n = len(inputs)
    order = topological_order(root)
    index = {node: i for i, node in enumerate(order)}
    data = [node.data for node in order]
    parents = [[index[p] for p in node.parents] for node in order]
    rules = [node.rule for node in order]
    zero = np.zeros(n)
    tangent: list[np.ndarray[Any, Any]] = [zero] * len(order)
    for k, x in enumerate(inputs):
        slot = index.get(x)
        if slot is not None:
            tangent[slot] = tangent[slot] + np.eye(n)[k]
    for i, rule in enumerate(rules):
        if rule is None:
            continue
        local = rule.local_grads(R.FLOAT_MATH, data[i], *[data[p] for p in parents[i]])
        total = zero
        for d, p in zip(local, parents[i], strict=True):
            if tangent[p] is not zero:
                total = total + float(d) * tangent[p]
        tangent[i] = total
    primal_grad = [0.0] * len(order)
    tangent_grad: list[Any] = [zero] * len(order)
    primal_grad[-1] = 1.0
    for i in range(len(order) - 1, -1, -1):
        rule = rules[i]
        if rule is None:
            continue
        g = _dual(primal_grad[i], tangent_grad[i])
        duals = [_dual(data[p], tangent[p]) for p in parents[i]]
        try:
            local = rule.local_grads(DUAL_MATH, _dual(data[i], tangent[i]), *duals)
        except DomainError as err:
            raise DomainError(f"{err} [at {describe_node(order[i])}]", err.op, err.inputs) from None
        for p, d in zip(parents[i], local, strict=True):
            if isinstance(d, Dual):
                primal_grad[p] += g.primal * d.primal
                tangent_grad[p] = tangent_grad[p] + g.tangent * d.primal + g.primal * d.tangent
            else:
                primal_grad[p] += g.primal * float(d)
                tangent_grad[p] = tangent_grad[p] + g.tangent * float(d)
    rows = [tangent_grad[index[x]] if x in index else zero for x in inputs]
    return np.array(rows, dtype=np.float64).reshape(n, n)


def _times(factor: float, tangent: Any) -> Any:
    """``factor * tangent``, where a tangent entry of exactly 0 is a symbolic zero (as in JAX):
    an inf or nan factor (``log`` of a negative base) does not turn it into nan."""
    if isinstance(tangent, np.ndarray):
        with np.errstate(invalid="ignore"):
            return np.where(tangent == 0.0, 0.0, factor * tangent)
    if tangent.__class__ is float and tangent == 0.0:
        return 0.0
    return factor * tangent
