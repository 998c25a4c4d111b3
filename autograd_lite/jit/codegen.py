"""Source text for every op: forward templates in one table, derivatives read off the rule table.

This module turns one op of a traced graph into Python source text, in two flavours: *scalar*
(plain floats, used by :func:`autograd_lite.compile`) and *numpy* (whole arrays of samples,
used by its batched mode).

- The forward expression of each op comes from the rule table: an op with a ``numpy``
  forward is a call of its name, bound to the rule's float forward (scalar) or numpy forward
  (batched); the arithmetic ops are written with Python's operators from
  :data:`FORWARD_TEMPLATES` (``lambda p, a, b: a * b``), so their text is produced by the
  same precedence rules Python uses to read it back.
- The local derivatives are *not* written a second time here. :func:`local_grad_exprs` runs
  the rule's own ``local_grads(m, out, *inputs)`` from :mod:`autograd_lite.rules` on symbols
  instead of floats, and the symbols record the arithmetic they see. A comparison inside a
  rule (``1.0 if x > 0 else 0.0`` in relu) cannot be decided on a symbol, so every branch is
  explored and the results are joined into a conditional expression (``np.where`` in the
  numpy flavour). So the only calculus in the package stays in ``rules.py``.

A test checks, for every rule and at several points, that the generated forward and derivative
text evaluates to exactly what the rule table computes, so the two cannot drift.
"""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core import rules as R

__all__ = [
    "FORWARD_TEMPLATES",
    "NUMPY_NAMESPACE",
    "RESERVED_NAMES",
    "SCALAR_NAMESPACE",
    "Expr",
    "float_literal",
    "forward_expr",
    "gated_product",
    "local_grad_exprs",
    "render",
    "safe_comment",
    "sanitize",
    "without_empty_blocks",
]

# --------------------------------------------------------------------------- expressions

# Binding strength, as in Python's grammar: higher binds tighter.
_ATOM, _UNARY, _MUL, _ADD, _COMPARE, _TERNARY = 100, 14, 12, 11, 6, 1
_BINARY_PREC = {"+": _ADD, "-": _ADD, "*": _MUL, "/": _MUL}


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


def _total(terms: Sequence[Expr]) -> Expr:
    """``t0 + t1 + ...`` left to right, the order the rules' loops add in."""
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return total


# --------------------------------------------------------------------------- the template table


def _dot(wx: Sequence[Expr]) -> Expr:
    n = len(wx) // 2
    return _total([w * x for w, x in zip(wx[:n], wx[n:], strict=True)])


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
    "sum": lambda p, *xs: _total(xs),
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


def _stack_rows(rows: Sequence[Any], n: int) -> Any:
    # Rows of a group's gradient: arrays of n samples, or 0.0 for a row nothing reached.
    return np.array([np.broadcast_to(r, (n,)) for r in rows])


class _NumpyMath:
    """The ``m`` namespace of the numpy flavour: element-wise, never raising (as FloatMath)."""

    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    pow = staticmethod(np.power)
    sin = staticmethod(np.sin)
    cos = staticmethod(np.cos)


_CALLED_OPS = [r for r in R.RULES.values() if r.name not in FORWARD_TEMPLATES]

SCALAR_NAMESPACE: dict[str, Any] = {
    # The rules' own forward where math.pow would raise on overflow (the engine gives inf).
    "pow": R.vpow,
    **{r.name: r.forward for r in _CALLED_OPS},
    "m": R.FLOAT_MATH,
    "inf": math.inf,
    "nan": math.nan,
}
"""What the names in scalar generated code mean: the rules' own functions."""

NUMPY_NAMESPACE: dict[str, Any] = {
    "pow": np.power,
    **{r.name: r.numpy for r in _CALLED_OPS},
    "stack_rows": _stack_rows,
    "m": _NumpyMath(),
    "inf": math.inf,
    "nan": math.nan,
}
"""What the same names mean in the numpy flavour (``np`` itself is bound too)."""

RESERVED_NAMES = frozenset(
    {*SCALAR_NAMESPACE, *NUMPY_NAMESPACE, "np", "inputs", "batched", "seed", "out", "n_samples"}
    | set(keyword.kwlist)
    | set(keyword.softkwlist)
    | {"None", "True", "False", "float", "int", "len", "range", "print"}
)
"""Names generated code uses itself; a node's variable never takes one of them."""


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
    return render(a, {}) == render(b, {}) and _blocks(a) == _blocks(b)


def _blocks(e: Expr) -> bool:
    """Does ``e`` hold an ``INACTIVE`` zero (a branch whose gradient is blocked)?"""
    if isinstance(e, Const):
        return e.inactive
    return isinstance(e, Select) and (_blocks(e.then) or _blocks(e.otherwise))


def _gated(grad: Expr, local: Expr) -> Expr:
    # grad * local, distributed over the branches so an INACTIVE one gives 0.0 outright.
    if isinstance(local, Select):
        return Select(local.test, _gated(grad, local.then), _gated(grad, local.otherwise))
    if isinstance(local, Const) and local.inactive:
        return Const(0.0)
    if isinstance(local, Const) and local.value == 1.0:
        return grad
    return grad * local


def gated_product(grad: str, local: Expr, env: dict[str, str], numpy: bool) -> str | None:
    """``grad * local`` as source when ``local`` has an ``INACTIVE`` branch, else None.

    There the product is a selection, ``(0.0 if x <= 0.0 else d_out)``, so an infinite or
    NaN upstream gradient gives 0.0 through a relu that is off, as in the interpreter.
    """
    if not _blocks(local):
        return None
    text = _render(_gated(Var("\0grad"), local), {**env, "\0grad": grad}, numpy)
    return _wrap(text, _MUL + 1)


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
            f"codegen: {rule.name}.local_grads returned {len(grads)} derivatives for "
            f"{arity} inputs"
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


# --------------------------------------------------------------------------- rendering


def float_literal(x: float) -> str:
    """Source text for a float that reads back as the same float (``inf``/``nan`` as names)."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return repr(float(x))


def render(expr: Expr, env: dict[str, str], numpy: bool = False) -> str:
    """Source text of ``expr`` with each placeholder replaced by ``env[name]``.

    Args:
        expr: the expression.
        env: placeholder name -> source text (a variable name or a number literal).
            Placeholders missing from it are written under their own name.
        numpy: write conditionals as ``np.where(...)`` instead of ``... if ... else ...``.

    Returns:
        Python source, with the fewest parentheses that keep Python's order of evaluation
        (so the generated code computes exactly what the expression says).
    """
    return _render(expr, env, numpy)[0]


def _leaf_text(text: str) -> tuple[str, int]:
    return text, (_UNARY if text.startswith("-") else _ATOM)


def _wrap(part: tuple[str, int], minimum: int) -> str:
    text, prec = part
    return f"({text})" if prec < minimum else text


def _render(e: Expr, env: dict[str, str], numpy: bool) -> tuple[str, int]:
    if isinstance(e, Var):
        return _leaf_text(env.get(e.name, e.name))
    if isinstance(e, Const):
        return _leaf_text(float_literal(e.value))
    if isinstance(e, BinOp):
        prec = _BINARY_PREC[e.op]
        left = _wrap(_render(e.left, env, numpy), prec)
        # Float arithmetic is not associative: a right operand of equal strength keeps its
        # parentheses.
        right = _wrap(_render(e.right, env, numpy), prec + 1)
        return f"{left} {e.op} {right}", prec
    if isinstance(e, Neg):
        return "-" + _wrap(_render(e.operand, env, numpy), _UNARY + 1), _UNARY
    if isinstance(e, Call):
        args = ", ".join(_render(a, env, numpy)[0] for a in e.args)
        return f"{e.fn}({args})", _ATOM
    if isinstance(e, Compare):
        left = _wrap(_render(e.left, env, numpy), _COMPARE + 1)
        right = _wrap(_render(e.right, env, numpy), _COMPARE + 1)
        return f"{left} {e.op} {right}", _COMPARE
    if isinstance(e, Select):
        test = _render(e.test, env, numpy)
        then = _render(e.then, env, numpy)
        otherwise = _render(e.otherwise, env, numpy)
        if numpy:
            return f"np.where({test[0]}, {then[0]}, {otherwise[0]})", _ATOM
        return (
            f"{_wrap(then, _TERNARY + 1)} if {_wrap(test, _TERNARY + 1)} "
            f"else {_wrap(otherwise, _TERNARY)}",
            _TERNARY,
        )
    raise TypeError(f"codegen: unknown expression {e!r}")


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


# --------------------------------------------------------------------------- names


_NOT_IDENTIFIER = re.compile(r"[^0-9A-Za-z_]+")
_MAX_NAME = 40


def sanitize(label: str, fallback: str = "v") -> str:
    """A user's label as a safe Python identifier (ASCII letters, digits and ``_`` only).

    Everything else becomes ``_``; the result never starts with a digit or ``_``, is never
    a keyword or a name generated code uses itself, and is at most 40 characters long.

    Args:
        label: any string.
        fallback: used when nothing of the label survives.

    Returns:
        The identifier.

    Example:
        >>> sanitize('layers.0.neurons.3.w.1'), sanitize('x"); import os #'), sanitize("2x")
        ('layers_0_neurons_3_w_1', 'x_import_os', 'v_2x')
    """
    name = _NOT_IDENTIFIER.sub("_", label).strip("_")[:_MAX_NAME].rstrip("_")
    name = re.sub("__+", "_", name)
    if not name:
        name = fallback
    if name[0].isdigit():
        name = "v_" + name
    if name in RESERVED_NAMES:
        name += "_"
    return name


def safe_comment(text: str, limit: int = 60) -> str:
    """``text`` quoted for a ``#`` comment that cannot end early or break the line.

    ``ascii()`` escapes every newline, control and non-ASCII character, so the comment stays
    on its one line whatever the label holds.
    """
    quoted = ascii(text)
    return quoted if len(quoted) <= limit else quoted[: limit - 3] + "..."


# --------------------------------------------------------------------------- whole programs


@dataclass(frozen=True)
class Program:
    """The source of one compiled function and what its lines stand for.

    Attributes:
        source: the Python source of one function named ``name``.
        name: the function's name.
        line_nodes: source line number (1-based) -> index of the node computed there.
        variables: the variable name of each node (None for constants, written inline).
        wrt_slots: the input slots whose gradients the function returns, in order; after
            them come the gradients of the captured Values.
    """

    source: str
    name: str
    line_nodes: dict[int, int]
    variables: tuple[str | None, ...]
    wrt_slots: tuple[int, ...]


class _Names:
    """Allocates a variable and its gradient variable (``x`` and ``d_x``) for each node."""

    def __init__(self) -> None:
        self.used: set[str] = set(RESERVED_NAMES)
        self.next: dict[str, int] = {}

    def allocate(self, base: str) -> str:
        k = self.next.get(base, 1)
        name = base if k == 1 else f"{base}_{k}"
        while name in self.used or "d_" + name in self.used:
            k += 1
            name = f"{base}_{k}"
        self.next[base] = k + 1
        self.used.add(name)
        self.used.add("d_" + name)
        return name


_TERMS_PER_LINE = 16
# Overflow is inf, as in the interpreter; a division by zero or an undefined value raises.
_FP_RAISE = 'np.errstate(divide="raise", over="ignore", invalid="raise", under="ignore")'


def node_flags(
    nodes: Sequence[Any], wrt: Sequence[bool], slot_batched: Sequence[bool]
) -> tuple[list[bool], list[bool]]:
    """Per node: does it vary over the batch, and is its gradient needed (it leads to a
    differentiated input or a captured Value)?"""
    n = len(nodes)
    is_batched = [False] * n
    needs = [False] * n
    for i, node in enumerate(nodes):
        if node.kind == "input":
            is_batched[i] = bool(slot_batched[node.slot])
            needs[i] = bool(wrt[node.slot])
        elif node.kind == "captured":
            needs[i] = True
        elif node.kind == "op":
            is_batched[i] = any(is_batched[p] for p in node.parents)
            needs[i] = any(needs[p] for p in node.parents)
    return is_batched, needs


def node_variables(
    nodes: Sequence[Any], input_labels: Sequence[str], names: _Names
) -> list[str | None]:
    """A variable name per node, from its label (``op<k>`` when it has none); None for
    constants, which are written as numbers."""
    variables: list[str | None] = [None] * len(nodes)
    op_counts: dict[str, int] = {}
    for i, node in enumerate(nodes):
        if node.kind == "constant":
            continue
        if node.kind == "input":
            label = input_labels[node.slot]
        elif node.label is not None:
            label = node.label
        elif node.kind == "captured":
            label = "captured"
        else:
            op = node.rule.name
            op_counts[op] = op_counts.get(op, 0) + 1
            label = f"{op}{op_counts[op]}"
        variables[i] = names.allocate(sanitize(label))
    return variables


def _return_gradients(
    lines: list[str],
    output_text: str,
    nodes: Sequence[Any],
    input_nodes: Sequence[int],
    variables: Sequence[str | None],
    needs: Sequence[bool],
    wrt: Sequence[bool],
) -> tuple[int, ...]:
    """Append the ``return value, (gradients...)`` lines; return the differentiated slots.

    Gradients come in slot order for the slots in ``wrt`` (0.0 for an unused input), then one
    per captured Value.
    """
    grads: list[str] = []
    wrt_slots = tuple(s for s in range(len(wrt)) if wrt[s])
    for slot in wrt_slots:
        i = input_nodes[slot]
        grads.append(f"d_{variables[i]}" if i >= 0 and needs[i] else "0.0")
    for i, node in enumerate(nodes):
        if node.kind == "captured":
            grads.append(f"d_{variables[i]}")
    lines.append(f"    return {output_text}, (")
    for k in range(0, len(grads), 8):
        lines.append("        " + ", ".join(grads[k : k + 8]) + ",")
    lines.append("    )")
    return wrt_slots


def program(
    nodes: Sequence[Any],
    input_nodes: Sequence[int],
    input_labels: Sequence[str],
    wrt: Sequence[bool],
    batched: Sequence[bool] | None = None,
    name: str = "compiled",
) -> Program:
    """Write one function that computes a traced graph's output and gradients.

    The function reads its inputs, computes one line per op (forward), then one line per
    gradient in reverse order (backward): each node's gradient is the sum, over the nodes
    that used it, of their gradient times the local derivative from the rule table.

    Args:
        nodes: the graph's nodes in topological order, output last (each with ``kind``,
            ``label``, ``rule``, ``parents``, ``value``, ``slot`` as in
            :class:`autograd_lite.jit.trace.TracedNode`).
        input_nodes: node index per input slot (-1: unused).
        input_labels: a label per input slot, for names and comments.
        wrt: per input slot, whether its gradient is wanted.
        batched: per input slot, whether it is a batched row (numpy flavour); None writes
            the scalar function ``(inputs) -> (value, grads)``. Batched writes
            ``(inputs, batched, seed) -> (value, grads)`` with ``batched`` a 2-D array whose
            rows are the batched slots, and ``seed`` the gradient of the output.
        name: the function's name.

    Returns:
        The :class:`Program`.
    """
    n = len(nodes)
    output = n - 1
    slot_batched = list(batched) if batched is not None else [False] * len(input_nodes)
    is_batched, needs = node_flags(nodes, wrt, slot_batched)
    variables = node_variables(nodes, input_labels, _Names())

    def text(i: int) -> str:
        v = variables[i]
        return v if v is not None else float_literal(nodes[i].value)

    lines: list[str] = []
    line_nodes: dict[int, int] = {}
    if batched is None:
        lines.append(f"def {name}(inputs):")
    else:
        lines.append(f"def {name}(inputs, batched, seed):")
    lines.append("    # inputs")
    batched_rows: dict[int, int] = {}
    for slot, i in enumerate(input_nodes):
        if slot_batched[slot]:
            batched_rows[slot] = len(batched_rows)
        if i < 0:
            continue
        source = (
            f"batched[{batched_rows[slot]}]" if slot_batched[slot] else f"inputs[{slot}]"
        )
        comment = _label_comment(input_labels[slot], variables[i])
        lines.append(f"    {variables[i]} = {source}{comment}")
    n_slots = len(input_nodes)
    for i, node in enumerate(nodes):
        if node.kind == "captured":
            lines.append(
                f"    {variables[i]} = inputs[{n_slots + node.slot}]"
                f"{_label_comment(node.label, variables[i])}"
            )

    indent = "    "
    if batched is not None:
        lines.append("    # forward, one line per op; numpy reports domain errors")
        lines.append(f"    with {_FP_RAISE}:")
        indent = "        "
    else:
        lines.append("    # forward, one line per op")
    for i, node in enumerate(nodes):
        if node.kind != "op":
            continue
        placeholder = [Var(f"x{k}") for k in range(len(node.parents))]
        env = {f"x{k}": text(p) for k, p in enumerate(node.parents)}
        expr = forward_expr(node.rule, placeholder, numpy=is_batched[i])
        lines.append(
            f"{indent}{variables[i]} = {render(expr, env, numpy=is_batched[i])}"
            f"{_label_comment(node.label, variables[i])}"
        )
        line_nodes[len(lines)] = i
    if batched is not None:
        # In backward the rules give inf/nan without raising; so does numpy here.
        lines.append('    with np.errstate(all="ignore"):')

    # Backward: visit nodes output-first; when a node is reached, every node that used it has
    # already added its term, so its gradient line can be written.
    lines.append(f"{indent}# backward: d_v = sum over the nodes u that use v of d_u * du/dv")
    terms: list[list[str]] = [[] for _ in range(n)]
    for i in range(n - 1, -1, -1):
        node = nodes[i]
        if not needs[i]:
            continue
        grad = "d_" + str(variables[i])
        if i == output:
            lines.append(f"{indent}{grad} = {'seed' if batched is not None else '1.0'}")
        else:
            lines.extend(_sum_lines(indent, grad, terms[i]))
        terms[i] = []
        if node.kind != "op":
            continue
        locals_ = local_grad_exprs(node.rule, len(node.parents))
        env = {f"x{k}": text(p) for k, p in enumerate(node.parents)}
        env["out"] = str(variables[i])
        batched_refs = {f"x{k}" for k, p in enumerate(node.parents) if is_batched[p]}
        if is_batched[i]:
            batched_refs.add("out")
        for k, p in enumerate(node.parents):
            if needs[p]:
                terms[p].append(
                    _term(grad, locals_[k], env, is_batched[i], is_batched[p], batched_refs)
                )

    wrt_slots = _return_gradients(lines, text(output), nodes, input_nodes, variables, needs, wrt)
    lines = without_empty_blocks(lines)
    return Program("\n".join(lines) + "\n", name, line_nodes, tuple(variables), wrt_slots)


def without_empty_blocks(lines: list[str]) -> list[str]:
    """``lines`` with every ``with ...:`` that holds only comments removed, its comments
    dedented: ``f = compile(lambda x: x)`` has no op to compute under ``np.errstate``.

    Only statement-free blocks go, so the line numbers of op lines before them are kept.
    """
    out: list[str] = []
    k = 0
    while k < len(lines):
        line = lines[k]
        stripped = line.lstrip()
        if stripped.startswith("with ") and line.endswith(":"):
            depth = len(line) - len(stripped)
            end = k + 1
            while end < len(lines) and (
                len(lines[end]) - len(lines[end].lstrip()) > depth
                or lines[end].lstrip().startswith("#")
            ):
                end += 1
            body = lines[k + 1 : end]
            if all(b.lstrip().startswith("#") for b in body):
                out.extend(" " * depth + b.lstrip() for b in body)
                k = end
                continue
        out.append(line)
        k += 1
    return out


_PLAIN_LABEL = re.compile(r"[0-9A-Za-z_.,\[\]]*")


def _label_comment(label: str | None, variable: str | None) -> str:
    # Names like layers_0_neurons_3_w_1 say their label already; others keep it in a comment.
    if label is None or _PLAIN_LABEL.fullmatch(label):
        return ""
    return "  # " + safe_comment(label)


def _term(
    grad: str,
    local: Expr,
    env: dict[str, str],
    node_batched: bool,
    parent_batched: bool,
    batched_refs: set[str],
) -> str:
    """One term of a parent's gradient: ``d_node * local`` (summed over samples if needed)."""
    local_batched = bool(placeholders(local) & batched_refs)
    if node_batched and not parent_batched:
        # A shared value used by every sample: its gradient adds up over the batch.
        if local_batched:
            return f"np.dot({grad}, {render(local, env, numpy=True)})"
        grad = f"np.sum({grad})"
    numpy = node_batched and local_batched
    gated = gated_product(grad, local, env, numpy)
    if gated is not None:
        return gated
    if isinstance(local, Const) and local.value == 1.0:
        return grad
    if isinstance(local, Const) and local.value == -1.0:
        return "-" + grad
    body, prec = _render(local, env, numpy)
    return f"{grad} * {_wrap((body, prec), _MUL + 1)}"


def _sum_lines(indent: str, grad: str, terms: list[str]) -> list[str]:
    """``grad = t1 + t2 + ...``, continued on further lines after 16 terms (same order)."""
    out = []
    for k in range(0, len(terms), _TERMS_PER_LINE):
        chunk = terms[k : k + _TERMS_PER_LINE]
        parts = [grad] if k else []
        for t in chunk:
            if not parts:
                parts.append(t)
            elif t.startswith("-"):
                parts.append(f"- {t[1:]}")
            else:
                parts.append(f"+ {t}")
        out.append(f"{indent}{grad} = {' '.join(parts)}")
    return out
