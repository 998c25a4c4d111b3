"""The op rules: every primitive, described whole, in one table.

This is the only module that knows calculus, and the only place that names the ops. Each
primitive is a pair of named functions registered together with what the rest of the package
needs to know about it:

- ``forward(*inputs) -> float`` computes the output from plain floats and raises
  :class:`~autograd_lite.core.errors.DomainError` for inputs outside the domain;
- ``local_grads(m, out, *inputs) -> tuple`` returns d(out)/d(input) for every input;
- ``numpy``: the forward on float64 arrays, element-wise (compiled batched code and ``nn``'s
  array predictions use it); outside the domain it gives inf or NaN as numpy does;
- ``kinks``: the inputs where the derivative jumps (relu and abs at 0), for the checkers;
- ``formula``/``latex``: how ``explain`` writes the op (``"{0} * {1}"``); by default
  ``name(args)``; ``symbol`` is how drawings label it;
- the names users call it by: ``method`` on ``Value``, ``functions`` in ``autograd_lite`` and in
  formulas (``arctan``, ``atan``), and the numpy ``ufunc`` that reaches it on arrays of Values
  (numpy's object loops call the method of the ufunc's name: ``np.exp(a)`` calls ``v.exp()``).

``Value``'s methods, the functions, compiled code, ``nn``, the checkers, ``explain``, drawings
and the formula parser all read this table, so adding an op is one ``register`` call here (and
one row of the tests' op table).

``local_grads`` is written once and serves two purposes: ``m`` is a small namespace of math
functions (``exp``, ``log``, ``pow``, ``sin``, ``cos``). With :data:`FLOAT_MATH` and float
arguments it gives numbers (ordinary ``backward()``); with the engine's Value namespace and
Value arguments it builds new graph nodes, which is how ``create_graph=True`` and higher-order
derivatives work without a second set of rules. So a rule may only use arithmetic operators,
comparisons, and ``m``.

Rules reuse the forward output ``out`` where that is cheaper (``exp``, ``tanh``, ``sigmoid``).

Conventions at special points (the table is docs/conventions.md): a derivative that is
infinite or undefined is ``inf`` or ``nan``, never an exception, and a NaN stays connected to
the graph so that every higher derivative is NaN too. The derivative of a branch the forward
pass did not take (relu below 0) is :data:`INACTIVE`, a zero that stays zero whatever
gradient arrives (``0 * inf`` is 0 there, as in PyTorch and JAX); every other zero follows
IEEE arithmetic (``0 * inf`` is nan).

Two rules take a constant parameter (``x ** 3`` and ``2 ** x``): the parameter is bound with
:meth:`Rule.with_param`, which returns a cached rule whose functions no longer take it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from .errors import DivisionByZeroError, DomainError, MissingRuleError

if TYPE_CHECKING:
    import numpy as np
else:
    from .lazy_numpy import np

__all__ = ["FLOAT_MATH", "INACTIVE", "RULES", "FloatMath", "Rule", "get_rule", "register"]


def _numpy(name: str) -> Callable[..., Any]:
    """``numpy.<name>``, looked up at each call (:mod:`.lazy_numpy`): scalar code never
    loads numpy."""

    def forward(*args: Any, **kwargs: Any) -> Any:
        return getattr(np, name)(*args, **kwargs)

    forward.__name__ = forward.__qualname__ = name
    return forward


_INF = math.inf
_NAN = math.nan
_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


@dataclass(frozen=True, eq=False)
class Rule:
    """One primitive operation: its forward and derivatives, and everything else about it.

    Attributes:
        name: key in :data:`RULES` and what ``Value.op`` reports (``"mul"``).
        symbol: short text for drawings and reprs (``"*"``, ``"tanh"``, ``"**2"``).
        forward: ``forward(*inputs) -> float`` on plain floats.
        local_grads: ``local_grads(m, out, *inputs) -> tuple`` of partial derivatives.
        arity: number of inputs, or ``None`` for n-ary ops.
        param: the bound constant of a parametrised rule (``2.0`` in ``x ** 2``), else None.
        parametrised: True for a rule that needs :meth:`with_param` before use.
        numpy: the forward on float64 arrays, element-wise, or None for an op that compiled
            code writes as Python arithmetic (``a + b``); never raises, but numpy's
            floating-point errors can be turned into exceptions with ``np.errstate``.
        kinks: inputs of a one-input op where its derivative jumps (``(0.0,)`` for relu).
        formula: how ``explain`` writes the op, a ``str.format`` template of the input names
            ``{0}``, ``{1}``... and the parameter ``{p}``; ``""`` writes ``name(inputs)``.
        latex: the same in LaTeX; ``""`` writes ``\\operatorname{name}(inputs)``.
        method: the ``Value`` method that applies it (``"tanh"``), or None.
        attribute: True if ``method`` is a property rather than a method (``v.real``).
        functions: names of the function in ``autograd_lite`` and in formulas; the first
            is the main one, the others aliases (``("arctan", "atan")``).
        ufunc: the numpy ufunc that computes it on object arrays of Values, or None.
        activation: True if ``nn`` neurons accept it as their activation.
        doc: one line for the method's and the functions' docstrings.
    """

    name: str
    symbol: str
    forward: Callable[..., float]
    local_grads: Callable[..., tuple[Any, ...]]
    arity: int | None
    param: float | None = None
    parametrised: bool = False
    numpy: Callable[..., Any] | None = None
    kinks: tuple[float, ...] = ()
    formula: str = ""
    latex: str = ""
    method: str | None = None
    attribute: bool = False
    functions: tuple[str, ...] = ()
    ufunc: str | None = None
    activation: bool = False
    doc: str = ""
    _bound: dict[float, Rule] = field(default_factory=dict, repr=False, compare=False)

    def with_param(self, param: float) -> Rule:
        """Return this parametrised rule with its constant bound (cached per value).

        Args:
            param: the constant, e.g. the exponent of ``x ** 2``.

        Returns:
            A rule whose ``forward``/``local_grads``/``numpy`` have the usual signatures.
        """
        if not self.parametrised:
            raise TypeError(f"rule {self.name!r} takes no parameter")
        bound = self._bound.get(param)
        if bound is None:
            bound = dataclasses.replace(
                self,
                symbol=self.symbol.format(_fmt(param)),
                forward=partial(self.forward, param),
                local_grads=partial(self.local_grads, param),
                numpy=partial(self.numpy, param) if self.numpy is not None else None,
                param=param,
                parametrised=False,
                _bound={},
            )
            if len(self._bound) < 1024:  # a loop over many exponents must not grow memory forever
                self._bound[param] = bound
        return bound

    def text(self, inputs: list[str], param: str = "") -> str:
        """The op applied to ``inputs`` (already formatted) as ``explain`` writes it."""
        if self.formula and (self.arity is None or len(inputs) == self.arity):
            return self.formula.format(*inputs, p=param)
        return f"{self.name}({', '.join(inputs)})"

    def latex_text(self, inputs: list[str], param: str = "") -> str:
        """The op applied to ``inputs`` (already LaTeX) in LaTeX."""
        if self.latex and (self.arity is None or len(inputs) == self.arity):
            return self.latex.format(*inputs, p=param)
        return f"\\operatorname{{{self.name}}}\\left({', '.join(inputs)}\\right)"

    def __repr__(self) -> str:
        extra = f", param={self.param!r}" if self.param is not None else ""
        return f"Rule({self.name!r}{extra})"


RULES: dict[str, Rule] = {}
"""Every primitive by name. Tests loop over this table against sympy and finite differences."""


def register(
    name: str,
    symbol: str,
    forward: Callable[..., float],
    local_grads: Callable[..., tuple[Any, ...]],
    arity: int | None,
    *,
    parametrised: bool = False,
    numpy: Callable[..., Any] | None = None,
    kinks: tuple[float, ...] = (),
    formula: str = "",
    latex: str = "",
    method: str | None = None,
    attribute: bool = False,
    functions: tuple[str, ...] = (),
    ufunc: str | None = None,
    activation: bool = False,
    doc: str = "",
) -> Rule:
    """Add a primitive to :data:`RULES` and return its rule.

    Args:
        name: unique op name.
        symbol: text for drawings; for parametrised rules a ``str.format`` template.
        forward: forward function on floats.
        local_grads: derivative function, see the module docstring.
        arity: number of inputs, or None for n-ary.
        parametrised: True if the functions take the constant as their first argument.
        numpy, kinks, formula, latex, method, attribute, functions, ufunc, activation, doc:
            as the :class:`Rule` attributes of the same names.

    Returns:
        The registered :class:`Rule`.
    """
    if name in RULES:
        raise ValueError(f"a rule named {name!r} is already registered")
    if method or functions or activation:
        # Methods, functions and activations take one Value; compiled code and nn's array
        # predictions call the numpy forward.
        if arity != 1 or parametrised:
            raise ValueError(
                f"rule {name!r}: only a one-input rule without a parameter can have a method, "
                "functions or be an activation"
            )
        if numpy is None:
            raise ValueError(f"rule {name!r}: give it a numpy= forward (compile and nn use it)")
    taken = {n for r in RULES.values() for n in r.functions}
    clash = taken & set(functions)
    if clash:
        raise ValueError(f"rule {name!r}: function name(s) {sorted(clash)} already taken")
    rule = Rule(
        name, symbol, forward, local_grads, arity,
        parametrised=parametrised, numpy=numpy, kinks=kinks, formula=formula, latex=latex,
        method=method, attribute=attribute, functions=functions, ufunc=ufunc,
        activation=activation, doc=doc,
    )  # fmt: skip
    RULES[name] = rule
    return rule


def get_rule(name: str) -> Rule:
    """Look up a rule by op name, with an error that names the op when it is missing."""
    try:
        return RULES[name]
    except KeyError:
        known = ", ".join(sorted(RULES))
        raise MissingRuleError(f"no derivative rule for op {name!r}; known ops: {known}") from None


def _fmt(x: float) -> str:
    return f"{x:g}"


class FloatMath:
    """The math namespace rules use on plain floats.

    Derivatives never raise: where one is infinite or undefined it is ``inf`` or ``nan``,
    as in PyTorch (``sqrt'(0)`` is ``inf``).
    """

    @staticmethod
    def exp(x: float) -> float:
        try:
            return math.exp(x)
        except OverflowError:
            return _INF

    @staticmethod
    def log(x: float) -> float:
        if x > 0:
            return math.log(x)
        return -_INF if x == 0 else _NAN

    @staticmethod
    def pow(x: float, e: float) -> float:
        try:
            return math.pow(x, e)
        except ZeroDivisionError:
            return _INF
        except OverflowError:
            return _INF
        except ValueError:  # 0 ** negative or a negative base to a non-integer power
            return _INF if x == 0 else _NAN

    @staticmethod
    def sin(x: float) -> float:
        return math.sin(x) if not math.isinf(x) else _NAN

    @staticmethod
    def cos(x: float) -> float:
        return math.cos(x) if not math.isinf(x) else _NAN


FLOAT_MATH = FloatMath()


def _undefined(op: str, x: float, what: str) -> DomainError:
    return DomainError(f"{op}: {what} is undefined (input {x!r})", op, (x,))


class _Inactive(float):
    """The float 0.0, except that its product with anything is 0.0 (inf and nan included)."""

    __slots__ = ()

    def __mul__(self, other: object) -> float:
        return 0.0

    __rmul__ = __mul__

    def __repr__(self) -> str:
        return "INACTIVE"


INACTIVE: float = _Inactive(0.0)
"""The local derivative of an input whose branch the forward pass did not take.

``upstream * INACTIVE`` is 0.0 even for an infinite or NaN upstream gradient, so
``sqrt(relu(x))`` at ``x = -1`` has derivative 0 as in PyTorch (``threshold_backward``) and
JAX (``select``). The engine's Value path treats it the same way (see ``engine._scale``).
"""


# --------------------------------------------------------------------------- arithmetic
# Compiled code writes these as Python operators, so they have no ``numpy`` forward.
# The float backward (core/fast.py, _pass_gradients) writes the derivatives of add, sub and
# mul out instead of calling add_grads, sub_grads and mul_grads; tests/test_fast.py holds
# the copies equal to these rules.


def add(a: float, b: float) -> float:
    return a + b


def add_grads(m: Any, out: Any, a: Any, b: Any) -> tuple[Any, ...]:
    return (1.0, 1.0)


ADD = register("add", "+", add, add_grads, 2, formula="{0} + {1}", latex="{0} + {1}", ufunc="add")


def sub(a: float, b: float) -> float:
    return a - b


def sub_grads(m: Any, out: Any, a: Any, b: Any) -> tuple[Any, ...]:
    return (1.0, -1.0)


SUB = register(
    "sub", "-", sub, sub_grads, 2, formula="{0} - {1}", latex="{0} - {1}", ufunc="subtract"
)


def mul(a: float, b: float) -> float:
    return a * b


def mul_grads(m: Any, out: Any, a: Any, b: Any) -> tuple[Any, ...]:
    return (b, a)


MUL = register(
    "mul", "*", mul, mul_grads, 2, formula="{0} * {1}", latex="{0} \\cdot {1}", ufunc="multiply"
)


def div(a: float, b: float) -> float:
    if b == 0:
        raise DivisionByZeroError(f"div: division by zero ({a!r} / {b!r})", "div", (a, b))
    return a / b


def div_grads(m: Any, out: Any, a: Any, b: Any) -> tuple[Any, ...]:
    return (1.0 / b, -out / b)


DIV = register(
    "div", "/", div, div_grads, 2,
    formula="{0} / {1}", latex="\\frac{{{0}}}{{{1}}}", ufunc="divide",
)  # fmt: skip


def neg(a: float) -> float:
    return -a


def neg_grads(m: Any, out: Any, a: Any) -> tuple[Any, ...]:
    return (-1.0,)


NEG = register("neg", "-", neg, neg_grads, 1, formula="-{0}", latex="-{0}", ufunc="negative")


# --------------------------------------------------------------------------- powers


def _check_pow(op: str, base: float, exponent: float) -> float:
    if base < 0 and not float(exponent).is_integer():
        raise DomainError(
            f"{op}: a negative base to a non-integer power has no real value "
            f"({base!r} ** {exponent!r})",
            op,
            (base, exponent),
        )
    if base == 0 and exponent < 0:
        raise DivisionByZeroError(
            f"{op}: zero to a negative power is a division by zero ({base!r} ** {exponent!r})",
            op,
            (base, exponent),
        )
    try:
        return math.pow(base, exponent)
    except OverflowError:
        # Overflow is inf, as for x * x (IEEE 754, PyTorch, NumPy); negative to an odd power
        # keeps its sign.
        odd = base < 0 and float(exponent).is_integer() and math.fmod(exponent, 2.0) != 0
        return -_INF if odd else _INF


def pow_const(n: float, x: float) -> float:
    return _check_pow("pow", x, n)


def pow_const_grads(n: float, m: Any, out: Any, x: Any) -> tuple[Any, ...]:
    if n == 0:
        return (0.0,)
    return (n * m.pow(x, n - 1.0),)


POW = register(
    "pow", "**{}", pow_const, pow_const_grads, 1, parametrised=True,
    formula="{0} ** {p}", latex="{{{0}}}^{{{p}}}",
)  # fmt: skip
"""``x ** n`` with a constant exponent n."""


def rpow(c: float, x: float) -> float:
    return _check_pow("rpow", c, x)


def rpow_grads(c: float, m: Any, out: Any, x: Any) -> tuple[Any, ...]:
    if c == 0:
        return (0.0,)  # 0 ** x is 0 for x > 0 and 1 at x = 0: slope 0, as in PyTorch
    # For c < 0, log(c) is nan: c ** x is not a differentiable function of a real x. The
    # product keeps the nan connected to out, so higher derivatives are nan as well.
    return (out * m.log(c),)


RPOW = register(
    "rpow", "{}**", rpow, rpow_grads, 1, parametrised=True,
    formula="{p} ** {0}", latex="{{{p}}}^{{{0}}}",
)  # fmt: skip
"""``c ** x`` with a constant base c."""


def vpow(a: float, b: float) -> float:
    return _check_pow("vpow", a, b)


def vpow_grads(m: Any, out: Any, a: Any, b: Any) -> tuple[Any, ...]:
    # As PyTorch: d/da is 0 where b == 0, d/db is 0 where a == 0 and b >= 0; elsewhere
    # log(a) of a negative a is nan, kept connected to the graph for higher derivatives.
    # Compared with >= and <= because a and b may be Values, whose == is identity.
    d_base = 0.0 if b >= 0 and b <= 0 else b * m.pow(a, b - 1.0)
    d_exponent = 0.0 if a >= 0 and a <= 0 and b >= 0 else out * m.log(a)
    return (d_base, d_exponent)


VPOW = register(
    "vpow", "**", vpow, vpow_grads, 2,
    formula="{0} ** {1}", latex="{{{0}}}^{{{1}}}", ufunc="power",
)  # fmt: skip
"""``a ** b`` where both are Values."""


# --------------------------------------------------------------------------- functions
# One input each. Everything a user calls them by comes from here: ``x.tanh()``,
# ``autograd_lite.tanh(x)``, ``np.tanh(array_of_values)``, ``tanh(x)`` in a formula.


def exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return _INF  # above 709.78: inf, as for any overflow (IEEE 754, PyTorch)


def exp_grads(m: Any, out: Any, x: Any) -> tuple[Any, ...]:
    return (out,)


EXP = register(
    "exp", "exp", exp, exp_grads, 1, numpy=_numpy("exp"),
    method="exp", functions=("exp",), ufunc="exp",
    doc="``e ** x``; ``inf`` above 709.78 (overflow is inf, as for ``x * x``).",
)  # fmt: skip


def log(x: float) -> float:
    if not x > 0 and not math.isnan(x):
        raise _undefined("log", x, f"log of {'zero' if x == 0 else 'a negative number'}")
    return math.log(x)


def log_grads(m: Any, out: Any, x: Any) -> tuple[Any, ...]:
    return (1.0 / x,)


LOG = register(
    "log", "log", log, log_grads, 1, numpy=_numpy("log"),
    method="log", functions=("log",), ufunc="log",
    doc="Natural logarithm. Raises DomainError for inputs <= 0.",
)  # fmt: skip


def tanh(x: float) -> float:
    return math.tanh(x)


def tanh_grads(m: Any, out: Any, x: Any) -> tuple[Any, ...]:
    return (1.0 - out * out,)


TANH = register(
    "tanh", "tanh", tanh, tanh_grads, 1, numpy=_numpy("tanh"),
    method="tanh", functions=("tanh",), ufunc="tanh", activation=True,
    doc="Hyperbolic tangent (``tanh(1000)`` is exactly 1.0).",
)  # fmt: skip


def sigmoid(x: float) -> float:
    # Two branches so that exp never sees a large positive argument.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def sigmoid_array(x: Any) -> Any:
    # The same two branches, element-wise: exp only ever sees a non-positive argument.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_grads(m: Any, out: Any, x: Any) -> tuple[Any, ...]:
    return (out * (1.0 - out),)


SIGMOID = register(
    "sigmoid", "sigmoid", sigmoid, sigmoid_grads, 1, numpy=sigmoid_array,
    method="sigmoid", functions=("sigmoid",), activation=True,
    doc="Logistic function ``1 / (1 + e**-x)``, computed without overflow.",
)  # fmt: skip


def relu(x: float) -> float:
    return 0.0 if x <= 0 else x  # NaN falls through unchanged


def relu_array(x: Any) -> Any:
    return np.maximum(x, 0.0)  # NaN falls through, as in the rule


def relu_grads(m: Any, out: Any, x: Any) -> tuple[Any, ...]:
    # As PyTorch's threshold_backward: blocked at x <= 0, passed otherwise (NaN included).
    return (INACTIVE if x <= 0 else 1.0,)


RELU = register(
    "relu", "relu", relu, relu_grads, 1, numpy=relu_array, kinks=(0.0,),
    method="relu", functions=("relu",), activation=True,
    doc="``max(0, x)``; its derivative at 0 is taken as 0.",
)  # fmt: skip


def abs_(x: float) -> float:
    return abs(x)


def abs_grads(m: Any, out: Any, x: Any) -> tuple[Any, ...]:
    return (1.0 if x > 0 else (-1.0 if x < 0 else 0.0),)


ABS = register(
    "abs", "abs", abs_, abs_grads, 1, numpy=_numpy("abs"), kinks=(0.0,),
    method="abs", functions=("abs",), ufunc="absolute",
    doc="``|x|``; its derivative at 0 is taken as 0.",
)  # fmt: skip


def _check_periodic(op: str, x: float) -> None:
    if math.isinf(x):
        raise DomainError(f"{op}: {op} of {x!r} is undefined (no limit at infinity)", op, (x,))


def sin(x: float) -> float:
    _check_periodic("sin", x)
    return math.sin(x)


def sin_grads(m: Any, out: Any, x: Any) -> tuple[Any, ...]:
    return (m.cos(x),)


SIN = register(
    "sin", "sin", sin, sin_grads, 1, numpy=_numpy("sin"),
    method="sin", functions=("sin",), ufunc="sin", doc="Sine. Raises DomainError for ``±inf``.",
)  # fmt: skip


def cos(x: float) -> float:
    _check_periodic("cos", x)
    return math.cos(x)


def cos_grads(m: Any, out: Any, x: Any) -> tuple[Any, ...]:
    return (-m.sin(x),)


COS = register(
    "cos", "cos", cos, cos_grads, 1, numpy=_numpy("cos"),
    method="cos", functions=("cos",), ufunc="cos", doc="Cosine. Raises DomainError for ``±inf``.",
)  # fmt: skip


def sqrt(x: float) -> float:
    if x < 0:
        raise _undefined("sqrt", x, "the square root of a negative number")
    return math.sqrt(x)


def sqrt_grads(m: Any, out: Any, x: Any) -> tuple[Any, ...]:
    return (0.5 * m.pow(x, -0.5),)  # inf at 0, where 0.5 / out would divide by zero


SQRT = register(
    "sqrt", "sqrt", sqrt, sqrt_grads, 1, numpy=_numpy("sqrt"), latex="\\sqrt{{{0}}}",
    method="sqrt", functions=("sqrt",), ufunc="sqrt",
    doc="Square root; its derivative at 0 is inf. Raises DomainError for inputs < 0.",
)  # fmt: skip


def softplus(x: float) -> float:
    # log(1 + e**x) = max(x, 0) + log(1 + e**-|x|): exp never sees a positive argument.
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def softplus_grads(m: Any, out: Any, x: Any) -> tuple[Any, ...]:
    # sigmoid(x) = e**x / (1 + e**x) = e**(x - softplus(x)), and x - out <= 0: no overflow.
    return (m.exp(x - out),)


SOFTPLUS = register(
    "softplus", "softplus", softplus, softplus_grads, 1, numpy=partial(_numpy("logaddexp"), 0.0),
    method="softplus", functions=("softplus",), activation=True,
    doc="``log(1 + e**x)``, a smooth relu, computed without overflow; its derivative is "
    "sigmoid(x).",
)  # fmt: skip


def log1p(x: float) -> float:
    if not x > -1 and not math.isnan(x):
        raise _undefined("log1p", x, "log(1 + x) for x <= -1")
    return math.log1p(x)  # accurate for tiny x, where log(1 + x) loses every digit


def log1p_grads(m: Any, out: Any, x: Any) -> tuple[Any, ...]:
    return (1.0 / (1.0 + x),)


LOG1P = register(
    "log1p", "log1p", log1p, log1p_grads, 1, numpy=_numpy("log1p"),
    latex="\\ln\\left(1 + {0}\\right)",
    method="log1p", functions=("log1p",), ufunc="log1p",
    doc="``log(1 + x)``, accurate near 0. Raises DomainError for inputs <= -1.",
)  # fmt: skip


def expm1(x: float) -> float:
    try:
        return math.expm1(x)  # accurate for tiny x, where exp(x) - 1 loses every digit
    except OverflowError:
        return _INF  # overflow is inf (docs/conventions.md)


def expm1_grads(m: Any, out: Any, x: Any) -> tuple[Any, ...]:
    return (out + 1.0,)


EXPM1 = register(
    "expm1", "expm1", expm1, expm1_grads, 1, numpy=_numpy("expm1"), latex="e^{{{0}}} - 1",
    method="expm1", functions=("expm1",), ufunc="expm1",
    doc="``e ** x - 1``, accurate near 0; ``inf`` above 709.78.",
)  # fmt: skip


def exp2(x: float) -> float:
    try:
        return math.pow(2.0, x)
    except OverflowError:
        return _INF  # overflow is inf (docs/conventions.md)


def exp2_grads(m: Any, out: Any, x: Any) -> tuple[Any, ...]:
    return (out * _LN2,)


EXP2 = register(
    "exp2", "exp2", exp2, exp2_grads, 1, numpy=_numpy("exp2"), latex="2^{{{0}}}",
    method="exp2", functions=("exp2",), ufunc="exp2",
    doc="``2 ** x``; ``inf`` for inputs of 1024 and above.",
)  # fmt: skip


def _check_log(op: str, x: float) -> None:
    if not x > 0 and not math.isnan(x):
        raise _undefined(op, x, f"{op} of {'zero' if x == 0 else 'a negative number'}")


def log2(x: float) -> float:
    _check_log("log2", x)
    return math.log2(x)


def log2_grads(m: Any, out: Any, x: Any) -> tuple[Any, ...]:
    return (1.0 / (x * _LN2),)


LOG2 = register(
    "log2", "log2", log2, log2_grads, 1, numpy=_numpy("log2"),
    latex="\\log_{{2}}\\left({0}\\right)",
    method="log2", functions=("log2",), ufunc="log2",
    doc="Base-2 logarithm. Raises DomainError for inputs <= 0.",
)  # fmt: skip


def log10(x: float) -> float:
    _check_log("log10", x)
    return math.log10(x)


def log10_grads(m: Any, out: Any, x: Any) -> tuple[Any, ...]:
    return (1.0 / (x * _LN10),)


LOG10 = register(
    "log10", "log10", log10, log10_grads, 1, numpy=_numpy("log10"),
    latex="\\log_{{10}}\\left({0}\\right)",
    method="log10", functions=("log10",), ufunc="log10",
    doc="Base-10 logarithm. Raises DomainError for inputs <= 0.",
)  # fmt: skip


def _half_exp(m: Any, x: Any) -> Any:
    # e**x / 2 as e**(x - log 2): finite for every x whose sinh and cosh are.
    return m.exp(x - _LN2)


def sinh(x: float) -> float:
    try:
        return math.sinh(x)
    except OverflowError:
        return math.copysign(_INF, x)  # overflow is inf (docs/conventions.md)


def sinh_grads(m: Any, out: Any, x: Any) -> tuple[Any, ...]:
    return (_half_exp(m, x) + _half_exp(m, -x),)


SINH = register(
    "sinh", "sinh", sinh, sinh_grads, 1, numpy=_numpy("sinh"), latex="\\sinh\\left({0}\\right)",
    method="sinh", functions=("sinh",), ufunc="sinh",
    doc="Hyperbolic sine; ``±inf`` beyond +-710.47.",
)  # fmt: skip


def cosh(x: float) -> float:
    try:
        return math.cosh(x)
    except OverflowError:
        return _INF  # overflow is inf (docs/conventions.md)


def cosh_grads(m: Any, out: Any, x: Any) -> tuple[Any, ...]:
    return (_half_exp(m, x) - _half_exp(m, -x),)


COSH = register(
    "cosh", "cosh", cosh, cosh_grads, 1, numpy=_numpy("cosh"), latex="\\cosh\\left({0}\\right)",
    method="cosh", functions=("cosh",), ufunc="cosh",
    doc="Hyperbolic cosine; ``inf`` beyond +-710.47.",
)  # fmt: skip


def arctan(x: float) -> float:
    return math.atan(x)


def arctan_grads(m: Any, out: Any, x: Any) -> tuple[Any, ...]:
    return (1.0 / (1.0 + x * x),)


ARCTAN = register(
    "arctan", "arctan", arctan, arctan_grads, 1, numpy=_numpy("arctan"),
    latex="\\arctan\\left({0}\\right)",
    method="arctan", functions=("arctan", "atan"), ufunc="arctan",
    doc="Inverse tangent, in (-pi/2, pi/2).",
)  # fmt: skip


def square(x: float) -> float:
    return x * x


def square_grads(m: Any, out: Any, x: Any) -> tuple[Any, ...]:
    return (2.0 * x,)


SQUARE = register(
    "square", "square", square, square_grads, 1, numpy=_numpy("square"), latex="{{{0}}}^{{2}}",
    method="square", functions=("square",), ufunc="square",
    doc="``x * x`` as one node.",
)  # fmt: skip


def reciprocal(x: float) -> float:
    if x == 0:
        raise DivisionByZeroError(
            f"reciprocal: 1 / x of zero is a division by zero (input {x!r})", "reciprocal", (x,)
        )
    return 1.0 / x


def reciprocal_grads(m: Any, out: Any, x: Any) -> tuple[Any, ...]:
    return (-out * out,)


RECIPROCAL = register(
    "reciprocal", "reciprocal", reciprocal, reciprocal_grads, 1, numpy=_numpy("reciprocal"),
    latex="\\frac{{1}}{{{0}}}",
    method="reciprocal", functions=("reciprocal",), ufunc="reciprocal",
    doc="``1 / x`` as one node. Raises DivisionByZeroError at 0.",
)  # fmt: skip


# numpy treats a Value like a number that might be complex: np.var, np.std and
# np.linalg.norm call conjugate() on every element, np.real(v) reads v.real. On real numbers
# both are the identity.


def identity(x: float) -> float:
    return x


def identity_grads(m: Any, out: Any, x: Any) -> tuple[Any, ...]:
    return (1.0,)


CONJUGATE = register(
    "conjugate", "conj", identity, identity_grads, 1, numpy=_numpy("conjugate"),
    latex="\\overline{{{0}}}",
    method="conjugate", functions=("conjugate", "conj"), ufunc="conjugate",
    doc="The complex conjugate: x itself on real numbers (np.var and np.std call it).",
)  # fmt: skip

REAL = register(
    "real", "real", identity, identity_grads, 1, numpy=_numpy("real"),
    latex="\\operatorname{{Re}}\\left({0}\\right)",
    method="real", attribute=True, functions=("real",),
    doc="The real part: x itself (``v.real`` is a property, as on Python numbers).",
)  # fmt: skip


# --------------------------------------------------------------------------- n-ary


def sum_(*xs: float) -> float:
    total = 0.0
    for x in xs:
        total += x
    return total


def sum_grads(m: Any, out: Any, *xs: Any) -> tuple[Any, ...]:
    return (1.0,) * len(xs)


SUM = register("sum", "sum", sum_, sum_grads, None)
"""One node for ``x0 + x1 + ... + xn`` instead of a chain of n additions."""


def dot(*wx: float) -> float:
    n = len(wx) // 2
    total = 0.0
    for w, x in zip(wx[:n], wx[n:], strict=True):
        total += w * x
    return total


def dot_grads(m: Any, out: Any, *wx: Any) -> tuple[Any, ...]:
    n = len(wx) // 2
    return (*wx[n:], *wx[:n])


DOT = register("dot", "dot", dot, dot_grads, None)
"""``w0*x0 + ... + wn*xn`` as one node; inputs are ``(w0..wn, x0..xn)``."""


def linear(*wxb: float) -> float:
    return dot(*wxb[:-1]) + wxb[-1]


def linear_grads(m: Any, out: Any, *wxb: Any) -> tuple[Any, ...]:
    n = (len(wxb) - 1) // 2
    return (*wxb[n:-1], *wxb[:n], 1.0)


LINEAR = register("linear", "w·x+b", linear, linear_grads, None)
"""``w·x + b`` as one node (a neuron's weighted sum); inputs are ``(w0..wn, x0..xn, b)``."""


def logsumexp(*xs: float) -> float:
    if any(math.isnan(x) for x in xs):
        return _NAN
    top = max(xs)
    if math.isinf(top):
        return top  # +inf, or -inf when every input is
    # Shifted by the largest input: every exponent is <= 0 and the largest term is 1.
    return top + math.log(sum([math.exp(x - top) for x in xs]))


def logsumexp_array(*xs: Any) -> Any:
    rows = np.array(np.broadcast_arrays(*xs), dtype=np.float64)
    top = np.max(rows, axis=0)
    shift = np.where(np.isfinite(top), top, 0.0)
    return shift + np.log(np.sum(np.exp(rows - shift), axis=0))


def logsumexp_grads(m: Any, out: Any, *xs: Any) -> tuple[Any, ...]:
    # softmax(x)_k = e**(x_k - out), and x_k - out <= 0: no overflow.
    return tuple(m.exp(x - out) for x in xs)


LOGSUMEXP = register(
    "logsumexp", "logsumexp", logsumexp, logsumexp_grads, None, numpy=logsumexp_array,
)  # fmt: skip
"""``log(e**x0 + ... + e**xn)`` as one node, computed with the max shift; its derivatives are
the softmax of the inputs. The losses' cross-entropy and log-softmax are built on it."""
