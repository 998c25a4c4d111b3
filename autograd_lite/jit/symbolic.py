"""Symbolic derivation: an op's forward and its local derivatives as expressions.

The first half of compiling (:mod:`autograd_lite.jit.writer` is the second: expressions to
source text). Nothing here knows about Python syntax or numpy.

- The forward expression of each op comes from the rule table: an op with a ``numpy``
  forward is a call of its name; the arithmetic ops are built from :data:`FORWARD_TEMPLATES`
  (``lambda p, a, b: a * b``).
- The local derivatives are *not* written a second time here. :func:`local_grad_exprs` runs
  the rule's own ``local_grads(m, out, *inputs)`` from :mod:`autograd_lite.rules` on symbols
  instead of floats, and the symbols record the arithmetic they see. A comparison inside a
  rule (``1.0 if x > 0 else 0.0`` in relu) cannot be decided on a symbol, so every branch is
  explored and the results are joined into a :class:`Select`. So the only calculus in the
  package stays in ``rules.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from ..core import rules as R

__all__ = [
    "FORWARD_TEMPLATES",
    "BinOp",
    "Call",
    "Compare",
    "Const",
    "Expr",
    "Neg",
    "Select",
    "Var",
    "as_expr",
    "call",
    "forward_expr",
    "gate",
    "has_inactive_branch",
    "local_grad_exprs",
    "placeholders",
    "total",
]

# --------------------------------------------------------------------------- expressions


class Expr:
    """A symbolic expression: what a template or a rule did to its (symbolic) inputs.

    Arithmetic operators and comparisons on an ``Expr`` build bigger ones; Python numbers are
    wrapped as constants. ``bool()`` of a comparison is answered by the branch explorer of
    :func:`local_grad_exprs`, and raises anywhere else.
    """

    __slots__ = ()

    def __add__(self, other: object) -> Expr:
        return BinOp("+", self, as_expr(other))

    def __radd__(self, other: object) -> Expr:
        return BinOp("+", as_expr(other), self)

    def __sub__(self, other: object) -> Expr:
        return BinOp("-", self, as_expr(other))

    def __rsub__(self, other: object) -> Expr:
        return BinOp("-", as_expr(other), self)

    def __mul__(self, other: object) -> Expr:
        return BinOp("*", self, as_expr(other))

    def __rmul__(self, other: object) -> Expr:
        return BinOp("*", as_expr(other), self)

    def __truediv__(self, other: object) -> Expr:
        return BinOp("/", self, as_expr(other))

    def __rtruediv__(self, other: object) -> Expr:
        return BinOp("/", as_expr(other), self)

    def __neg__(self) -> Expr:
        return Neg(self)

    def __lt__(self, other: object) -> Compare:
        return Compare("<", self, as_expr(other))

    def __le__(self, other: object) -> Compare:
        return Compare("<=", self, as_expr(other))

    def __gt__(self, other: object) -> Compare:
        return Compare(">", self, as_expr(other))

    def __ge__(self, other: object) -> Compare:
        return Compare(">=", self, as_expr(other))

    def __bool__(self) -> bool:
        raise TypeError(
            "codegen: a rule or template made a Python decision on a non-comparison "
            f"expression {self!r}; rules may only use arithmetic, comparisons and m"
        )


@dataclass(frozen=True, eq=False)
class Var(Expr):
    """A placeholder: ``"out"`` or ``"x0"``, ``"x1"``... (an op's inputs, in order)."""

    name: str


@dataclass(frozen=True, eq=False)
class Const(Expr):
    """A number written into the code; ``inactive`` marks the rules' ``INACTIVE`` zero."""

    value: float
    inactive: bool = False


@dataclass(frozen=True, eq=False)
class BinOp(Expr):
    """``left op right`` for op in + - * /."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, eq=False)
class Neg(Expr):
    """``-operand``."""

    operand: Expr


@dataclass(frozen=True, eq=False)
class Call(Expr):
    """``fn(args)``: a function of the generated code's namespace (``exp``, ``m.pow``)."""

    fn: str
    args: tuple[Expr, ...]


@dataclass(frozen=True, eq=False)
class Compare(Expr):
    """``left op right`` for op in < <= > >=; its truth is explored, never decided."""

    op: str
    left: Expr
    right: Expr

    def __bool__(self) -> bool:
        explorer = _EXPLORER.get()
        if explorer is None:
            raise TypeError(f"codegen: cannot decide {self!r} outside a branch exploration")
        return explorer.decide(self)


@dataclass(frozen=True, eq=False)
class Select(Expr):
    """``then if test else otherwise`` (``np.where(test, then, otherwise)`` for numpy)."""

    test: Compare
    then: Expr
    otherwise: Expr


def as_expr(x: object) -> Expr:
    """Wrap a Python number as a :class:`Const`; an Expr is returned as it is."""
    if isinstance(x, Expr):
        return x
    if x is R.INACTIVE:
        return Const(0.0, inactive=True)
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise TypeError(f"codegen: cannot put {type(x).__name__} {x!r} into generated code")
    return Const(float(x))


def call(fn: str, *args: object) -> Call:
    """``fn(*args)`` as an expression; numbers among ``args`` become constants."""
    return Call(fn, tuple(as_expr(a) for a in args))


def total(terms: Sequence[Expr]) -> Expr:
    """``t0 + t1 + ...`` left to right, the order the rules' loops add in."""
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total


# --------------------------------------------------------------------------- the template table


def _dot(wx: Sequence[Expr]) -> Expr:
    n = len(wx) // 2
    return total([w * x for w, x in zip(wx[:n], wx[n:], strict=True)])


Template = Callable[..., Expr]

FORWARD_TEMPLATES: dict[str, Template] = {
    "add": lambda p, a, b: a + b,
    "sub": lambda p, a, b: a - b,
    "mul": lambda p, a, b: a * b,
    "div": lambda p, a, b: a / b,
    "neg": lambda p, a: -a,
    "pow": lambda p, x: call("pow", x, p),
    "rpow": lambda p, x: call("pow", p, x),
    "vpow": lambda p, a, b: call("pow", a, b),
    "sum": lambda p, *xs: total(xs),
    "dot": lambda p, *wx: _dot(wx),
    "linear": lambda p, *wxb: _dot(wxb[:-1]) + wxb[-1],
}
"""Forward expression of the arithmetic ops (the rules without a ``numpy`` forward), written
with Python's own operators so the code needs no call for them.

Each template takes the rule's bound parameter (or None) and one symbolic input per operand.
Every other op is a call of its name, bound in :data:`SCALAR_NAMESPACE` to the rule's float
forward (so results and domain errors are the interpreter's, bit for bit) and in
:data:`NUMPY_NAMESPACE` to its numpy forward.
"""


def forward_expr(rule: R.Rule, inputs: Sequence[Expr], numpy: bool = False) -> Expr:
    """The forward expression of ``rule`` applied to ``inputs``.

    Args:
        rule: a rule (parametrised ones bound).
        inputs: one expression per operand.
        numpy: accepted for symmetry with :func:`render`; the numpy flavour differs only in
            what the names are bound to.

    Returns:
        The expression: the template of an arithmetic op, else a call of the op's name.

    Raises:
        KeyError: the rule has neither a template nor a numpy forward (names it).
    """
    template = FORWARD_TEMPLATES.get(rule.name)
    if template is not None:
        return template(rule.param, *inputs)
    if rule.numpy is None or rule.parametrised or rule.param is not None:
        raise KeyError(
            f"codegen: op {rule.name!r} has no numpy forward in the rule table and no "
            "template in FORWARD_TEMPLATES; give its register() call a numpy= function"
        )
    return call(rule.name, *inputs)


# --------------------------------------------------------------------------- derivatives


class _Explorer:
    """Answers a rule's comparisons along one path of the branch tree at a time."""

    def __init__(self, prefix: list[bool]) -> None:
        self.prefix = prefix
        self.path: list[tuple[Compare, bool]] = []
        self._decided: dict[int, bool] = {}

    def decide(self, test: Compare) -> bool:
        # The same comparison object asked twice (``a >= 0 and ...`` inside an if) gets the
        # same answer and is not a new branch.
        known = self._decided.get(id(test))
        if known is not None:
            return known
        depth = len(self.path)
        answer = self.prefix[depth] if depth < len(self.prefix) else True
        self.path.append((test, answer))
        self._decided[id(test)] = answer
        return answer


# The exploration under way in this thread (and asyncio task): a comparison is answered by its
# own derivation's explorer even when other threads derive rules at the same time.
_EXPLORER: ContextVar[_Explorer | None] = ContextVar("autograd_lite_explorer", default=None)
_MAX_PATHS = 64


def _run_path(fn: Callable[[], tuple[Any, ...]], prefix: list[bool]) -> _Run:
    explorer = _Explorer(prefix)
    token = _EXPLORER.set(explorer)
    try:
        result = fn()
    finally:
        _EXPLORER.reset(token)
    return explorer.path, tuple(as_expr(r) for r in result)


_Run = tuple[list[tuple[Compare, bool]], tuple[Expr, ...]]
"""One path through a rule's comparisons (each with the answer taken) and its result."""


def _explore(fn: Callable[[], tuple[Any, ...]]) -> list[_Run]:
    """Run ``fn`` along every path of its comparisons (depth first, True before False)."""
    runs = []
    prefix: list[bool] = []
    while True:
        path, result = _run_path(fn, prefix)
        runs.append((path, result))
        if len(runs) > _MAX_PATHS:
            raise ValueError(f"codegen: more than {_MAX_PATHS} branches in one rule")
        decisions = [answer for _, answer in path]
        while decisions and decisions[-1] is False:
            decisions.pop()
        if not decisions:
            return runs
        decisions[-1] = False
        prefix = decisions


def _join(runs: list[_Run], depth: int) -> tuple[Expr, ...]:
    """Fold the paths' results into nested :class:`Select` expressions."""
    if len(runs) == 1 and len(runs[0][0]) <= depth:
        return runs[0][1]
    test = runs[0][0][depth][0]
    yes = [r for r in runs if r[0][depth][1]]
    no = [r for r in runs if not r[0][depth][1]]
    then, otherwise = _join(yes, depth + 1), _join(no, depth + 1)
    return tuple(
        t if _same(t, o) else Select(test, t, o) for t, o in zip(then, otherwise, strict=True)
    )


def _same(a: Expr, b: Expr) -> bool:
    return _key(a) == _key(b)


def _key(e: Expr) -> tuple[Any, ...]:
    """The structure of ``e`` as nested tuples: equal keys, the same expression."""
    if isinstance(e, Var):
        return ("var", e.name)
    if isinstance(e, Const):
        return ("const", repr(e.value), e.inactive)  # repr: nan equals nan here
    if isinstance(e, BinOp | Compare):
        return (type(e).__name__, e.op, _key(e.left), _key(e.right))
    if isinstance(e, Neg):
        return ("neg", _key(e.operand))
    if isinstance(e, Call):
        return ("call", e.fn, *[_key(a) for a in e.args])
    if isinstance(e, Select):
        return ("select", _key(e.test), _key(e.then), _key(e.otherwise))
    raise TypeError(f"codegen: unknown expression {e!r}")


def has_inactive_branch(e: Expr) -> bool:
    """Does ``e`` hold an ``INACTIVE`` zero (a branch whose gradient is blocked)?"""
    if isinstance(e, Const):
        return e.inactive
    return isinstance(e, Select) and (
        has_inactive_branch(e.then) or has_inactive_branch(e.otherwise)
    )


def gate(grad: Expr, local: Expr) -> Expr:
    # grad * local, distributed over the branches so an INACTIVE one gives 0.0 outright.
    if isinstance(local, Select):
        return Select(local.test, gate(grad, local.then), gate(grad, local.otherwise))
    if isinstance(local, Const) and local.inactive:
        return Const(0.0)
    if isinstance(local, Const) and local.value == 1.0:
        return grad
    return grad * local


# Shared by all threads on purpose: an entry is immutable and the same whichever thread
# derives it first, so a race only means deriving it twice.
_DERIVED: dict[tuple[str, float | None, int], tuple[Expr, ...]] = {}


def local_grad_exprs(rule: R.Rule, arity: int) -> tuple[Expr, ...]:
    """d(out)/d(input k) of ``rule`` as expressions of ``Var("out")`` and ``Var("x<k>")``.

    Obtained by running ``rule.local_grads`` on symbols (see the module docstring); cached
    per rule, parameter and arity.

    Args:
        rule: a rule (parametrised ones bound).
        arity: the number of operands of this node (n-ary rules vary).

    Returns:
        One expression per operand.

    Example:
        >>> from autograd_lite import rules
        >>> [render(e, {}) for e in local_grad_exprs(rules.RULES["tanh"], 1)]
        ['1.0 - out * out']
    """
    key = (rule.name, rule.param, arity)
    cached = _DERIVED.get(key)
    if cached is not None:
        return cached
    symbols = [Var(f"x{k}") for k in range(arity)]
    out = Var("out")

    def run() -> tuple[Any, ...]:
        return tuple(rule.local_grads(_SYMBOLIC_MATH, out, *symbols))

    try:
        grads = _join(_explore(run), 0)
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"codegen: cannot derive source for the derivatives of op {rule.name!r}: {err}"
        ) from None
    if len(grads) != arity:
        raise ValueError(
            f"codegen: {rule.name}.local_grads returned {len(grads)} derivatives for {arity} inputs"
        )
    _DERIVED[key] = grads
    return grads


class _SymbolicMath:
    """The ``m`` namespace handed to rules during derivation: records calls as ``m.<fn>``."""

    @staticmethod
    def exp(x: object) -> Expr:
        return call("m.exp", x)

    @staticmethod
    def log(x: object) -> Expr:
        return call("m.log", x)

    @staticmethod
    def pow(x: object, e: object) -> Expr:
        return call("m.pow", x, e)

    @staticmethod
    def sin(x: object) -> Expr:
        return call("m.sin", x)

    @staticmethod
    def cos(x: object) -> Expr:
        return call("m.cos", x)


_SYMBOLIC_MATH = _SymbolicMath()


def placeholders(expr: Expr) -> set[str]:
    """The placeholder names an expression refers to."""
    found: set[str] = set()
    stack = [expr]
    while stack:
        e = stack.pop()
        if isinstance(e, Var):
            found.add(e.name)
        elif isinstance(e, BinOp | Compare):
            stack += [e.left, e.right]
        elif isinstance(e, Neg):
            stack.append(e.operand)
        elif isinstance(e, Call):
            stack += list(e.args)
        elif isinstance(e, Select):
            stack += [e.test, e.then, e.otherwise]
    return found
