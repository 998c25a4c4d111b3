"""Code writing: expressions and traced graphs to Python source text.

The second half of compiling (:mod:`autograd_lite.jit.symbolic` derives the expressions).
Everything both programs write goes through here: the scalar and batched program of
:mod:`autograd_lite.jit.codegen` and the fused batched program of
:mod:`autograd_lite.jit.fused` share the names, the input lines, each op's forward line, each
gradient's terms and the return lines, and differ only in how they group ops.

Two flavours: *scalar* (plain floats; names bound in :data:`SCALAR_NAMESPACE` to the rules'
own float functions, so results and domain errors are the interpreter's, bit for bit) and
*numpy* (arrays of samples; names bound in :data:`NUMPY_NAMESPACE`, conditionals written as
``np.where``). A test checks, for every rule and at several points, that the written forward
and derivative text evaluates to exactly what the rule table computes.
"""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..core import rules as R
from .symbolic import (
    FORWARD_TEMPLATES,
    BinOp,
    Call,
    Compare,
    Const,
    Expr,
    Neg,
    Select,
    Var,
    forward_expr,
    gate,
    has_inactive_branch,
    local_grad_exprs,
    placeholders,
)

__all__ = [
    "FP_RAISE",
    "NUMPY_NAMESPACE",
    "RESERVED_NAMES",
    "SCALAR_NAMESPACE",
    "Names",
    "backward_terms",
    "float_literal",
    "forward_line",
    "gated_product",
    "gradient_term",
    "input_lines",
    "label_comment",
    "node_flags",
    "node_variables",
    "render",
    "return_gradients",
    "safe_comment",
    "sanitize",
    "sum_lines",
    "without_empty_blocks",
]

# Binding strength, as in Python's grammar: higher binds tighter.
_ATOM, _UNARY, _MUL, _ADD, _COMPARE, _TERNARY = 100, 14, 12, 11, 6, 1
_BINARY_PREC = {"+": _ADD, "-": _ADD, "*": _MUL, "/": _MUL}

# --------------------------------------------------------------------------- namespaces


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


def gated_product(grad: str, local: Expr, env: dict[str, str], numpy: bool) -> str | None:
    """``grad * local`` as source when ``local`` has an ``INACTIVE`` branch, else None.

    There the product is a selection, ``(0.0 if x <= 0.0 else d_out)``, so an infinite or
    NaN upstream gradient gives 0.0 through a relu that is off, as in the interpreter.
    """
    if not has_inactive_branch(local):
        return None
    text = _render(gate(Var("\0grad"), local), {**env, "\0grad": grad}, numpy)
    return _wrap(text, _MUL + 1)


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


# --------------------------------------------------------------------------- program pieces


class Names:
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
FP_RAISE = 'np.errstate(divide="raise", over="ignore", invalid="raise", under="ignore")'


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
    nodes: Sequence[Any], input_labels: Sequence[str], names: Names
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


def return_gradients(
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


def label_comment(label: str | None, variable: str | None) -> str:
    # Names like layers_0_neurons_3_w_1 say their label already; others keep it in a comment.
    if label is None or _PLAIN_LABEL.fullmatch(label):
        return ""
    return "  # " + safe_comment(label)


def gradient_term(
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


def sum_lines(indent: str, grad: str, terms: list[str]) -> list[str]:
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


def input_lines(
    nodes: Sequence[Any],
    input_nodes: Sequence[int],
    input_labels: Sequence[str],
    variables: Sequence[str | None],
    slot_batched: Sequence[bool],
) -> list[str]:
    """The lines that read the inputs: ``x = inputs[0]``, ``x = batched[0]`` for a batched
    slot (rows in slot order), and the captured Values after the slots."""
    lines = ["    # inputs"]
    batched_rows: dict[int, int] = {}
    for slot, i in enumerate(input_nodes):
        if slot_batched[slot]:
            batched_rows[slot] = len(batched_rows)
        if i < 0:
            continue
        source = f"batched[{batched_rows[slot]}]" if slot_batched[slot] else f"inputs[{slot}]"
        comment = label_comment(input_labels[slot], variables[i])
        lines.append(f"    {variables[i]} = {source}{comment}")
    n_slots = len(input_nodes)
    for i, node in enumerate(nodes):
        if node.kind == "captured":
            lines.append(
                f"    {variables[i]} = inputs[{n_slots + node.slot}]"
                f"{label_comment(node.label, variables[i])}"
            )
    return lines


def forward_line(
    indent: str, node: Any, variable: str | None, parent_texts: Sequence[str], numpy: bool
) -> str:
    """``variable = <the op's forward on its inputs>``, with the node's label as a comment
    when its variable name cannot show it."""
    inputs = [Var(f"x{k}") for k in range(len(parent_texts))]
    env = {f"x{k}": text for k, text in enumerate(parent_texts)}
    expr = forward_expr(node.rule, inputs, numpy=numpy)
    return (
        f"{indent}{variable} = {render(expr, env, numpy=numpy)}"
        f"{label_comment(node.label, variable)}"
    )


def backward_terms(
    node: Any,
    grad: str,
    out_text: str,
    parent_texts: Sequence[str],
    node_batched: bool,
    parent_batched: Sequence[bool],
    parent_needed: Sequence[bool],
) -> list[tuple[int, str]]:
    """What the node adds to each needed input's gradient: ``(k, "d_out * <local k>")``.

    The local derivatives are the rule's own (:func:`local_grad_exprs`); a batched node's term
    for a shared input is summed over the samples.
    """
    locals_ = local_grad_exprs(node.rule, len(node.parents))
    env = {f"x{k}": text for k, text in enumerate(parent_texts)}
    env["out"] = out_text
    refs = {f"x{k}" for k, batched in enumerate(parent_batched) if batched}
    if node_batched:
        refs.add("out")
    return [
        (k, gradient_term(grad, locals_[k], env, node_batched, parent_batched[k], refs))
        for k in range(len(node.parents))
        if parent_needed[k]
    ]
