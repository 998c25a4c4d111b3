"""Build a Value graph from a formula written as text, safely: parsed with ``ast``, never eval'd.

The formula may use numbers, variable names, ``+ - * / **``, unary ``-``/``+``, parentheses,
the constants ``pi`` and ``e``, and one-argument calls of the functions in :data:`FUNCTIONS`.
Anything else (attribute access, subscripts, other calls, keywords, strings, comprehensions,
lambdas...) raises :class:`ExpressionError`, which names what was found and where.

Example:
    >>> from autograd_lite.draw.formula import evaluate
    >>> y, inputs = evaluate("tanh(x*w + b)", {"x": 2, "w": -3, "b": 6.88})
    >>> round(y.data, 4), sorted(inputs)
    (0.7064, ['b', 'w', 'x'])
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from typing import Final

from ..core.errors import DomainError
from ..core.functions import OP_FUNCTIONS
from ..core.value import Value

__all__ = ["CONSTANTS", "FUNCTIONS", "MAX_LENGTH", "ExpressionError", "evaluate", "parse"]

FUNCTIONS: Final[dict[str, Callable[[Value], Value]]] = dict(OP_FUNCTIONS)
"""The functions a formula may call, each with one argument: the op functions of the rule
table, under the same names as in ``autograd_lite`` (``tanh``, ``sqrt``...)."""

CONSTANTS: Final = {"pi": math.pi, "e": math.e}
"""Names with a fixed value (a variable of the same name takes precedence)."""

MAX_LENGTH: Final = 10_000
# Deeper formulas are refused before evaluation, which recurses once per level.
MAX_DEPTH: Final = 400
"""Longest formula accepted, in characters."""

_Operand = Value | float

_BINARY: Final[dict[type[ast.operator], Callable[[_Operand, _Operand], _Operand]]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}
_UNARY: Final[dict[type[ast.unaryop], Callable[[_Operand], _Operand]]] = {
    ast.USub: lambda a: -a,
    ast.UAdd: lambda a: a,
}
_ALLOWED: Final = (
    "numbers, variables, + - * / **, parentheses, pi, e and the functions " + ", ".join(FUNCTIONS)
)


class ExpressionError(ValueError):
    """A formula is malformed, uses something not allowed, or cannot be computed."""


def parse(text: str) -> ast.expr:
    """Parse a formula and check that it uses only the allowed syntax.

    Args:
        text: the formula, e.g. ``"tanh(x*w + b)"``.

    Returns:
        The checked expression tree.

    Raises:
        ExpressionError: for a syntax error or anything outside the allowed subset.

    Example:
        >>> import ast
        >>> isinstance(parse("x**2 + 1"), ast.BinOp)
        True
    """
    if not isinstance(text, str):
        raise ExpressionError(f"expected the formula as a str, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the formula is {len(text)} characters long; at most {MAX_LENGTH}")
    if not text.strip():
        raise ExpressionError("the formula is empty")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:  # a byte the shell could not decode (surrogateescape)
        raise ExpressionError(
            f"the formula holds a byte that is not UTF-8 text at column {err.start + 1}"
        ) from None
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        where = f" at column {err.offset}" if err.offset else ""
        raise ExpressionError(f"cannot parse {_shorten(text)}{where}: {err.msg}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError("the formula is nested too deeply") from None
    if _depth(tree.body) > MAX_DEPTH:
        raise ExpressionError(f"the formula is nested too deeply (more than {MAX_DEPTH} levels)")
    for node in ast.walk(tree.body):
        _check_node(node)
    return tree.body


def _depth(root: ast.AST) -> int:
    # Counted without recursion, so the answer does not depend on sys.getrecursionlimit().
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def evaluate(text: str, variables: Mapping[str, float | Value]) -> tuple[Value, dict[str, Value]]:
    """Compute a formula on Values, building its graph.

    Args:
        text: the formula, e.g. ``"tanh(x*w + b)"``.
        variables: a value for every variable the formula uses. Numbers become leaf Values
            labelled with their name; Values are used as they are.

    Returns:
        ``(output, inputs)``: the output node (a constant formula gives a leaf) and the leaf
        Values of the variables the formula uses, by name, in order of first use.

    Raises:
        ExpressionError: for disallowed syntax, a variable without a value, or a domain error
            (``log(-1)``), with a message naming it.

    Example:
        >>> y, inputs = evaluate("x * x", {"x": 3})
        >>> y.backward()
        >>> inputs["x"].grad
        6.0
    """
    tree = parse(text)
    inputs: dict[str, Value] = {}

    def lookup(name: str, node: ast.Name) -> Value | float:
        if name in inputs:
            return inputs[name]
        if name in variables:
            given = variables[name]
            value = given if isinstance(given, Value) else Value(given, label=name)
            inputs[name] = value
            return value
        if name in CONSTANTS:
            return CONSTANTS[name]
        known = ", ".join(sorted(variables)) or "none"
        raise ExpressionError(
            f"variable {name!r} (column {node.col_offset + 1}) has no value: give it one, "
            f"e.g. --at {name}=1.0 (variables given: {known})"
        )

    try:
        result = _evaluate(tree, lookup)
    except DomainError as err:  # log(-1), x / 0, exp(1000), ...
        raise ExpressionError(f"cannot compute {_shorten(text)}: {err}") from None
    except RecursionError:
        raise ExpressionError("the formula is nested too deeply") from None
    output = result if isinstance(result, Value) else Value(result)
    return output, inputs


def _shorten(text: str, limit: int = 80) -> str:
    """The formula for an error message, cut to ``limit`` characters."""
    text = text.strip()
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _check_node(node: ast.AST) -> None:
    """Raise ExpressionError unless ``node`` is in the allowed subset."""
    where = f" at column {node.col_offset + 1}" if isinstance(node, ast.expr) else ""
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            raise ExpressionError(
                f"operator {type(node.op).__name__}{where} is not allowed; allowed: {_ALLOWED}"
            )
    elif isinstance(node, ast.UnaryOp):
        if type(node.op) not in _UNARY:
            raise ExpressionError(
                f"operator {type(node.op).__name__}{where} is not allowed; allowed: {_ALLOWED}"
            )
    elif isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise ExpressionError(
                f"constant {node.value!r}{where} is not allowed: only real numbers are"
            )
    elif isinstance(node, ast.Name):
        if node.id.startswith("_"):
            raise ExpressionError(f"name {node.id!r}{where} is not allowed")
    elif isinstance(node, ast.Call):
        _check_call(node, where)
    elif isinstance(node, ast.Attribute):
        raise ExpressionError(
            f"attribute access ('.{node.attr}'){where} is not allowed; allowed: {_ALLOWED}"
        )
    elif not isinstance(node, ast.operator | ast.unaryop | ast.expr_context):
        raise ExpressionError(f"{type(node).__name__}{where} is not allowed; allowed: {_ALLOWED}")


def _check_call(node: ast.Call, where: str) -> None:
    if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
        called = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
        raise ExpressionError(
            f"calling {called!r}{where} is not allowed; the functions are " + ", ".join(FUNCTIONS)
        )
    if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
        raise ExpressionError(f"{node.func.id}(){where} takes exactly one argument")


def _evaluate(node: ast.expr, lookup: Callable[[str, ast.Name], Value | float]) -> Value | float:
    """Evaluate a checked tree.

    A number stays a float while it is only negated (``-3`` is a constant, not a ``neg``
    node); an operation between two numbers lifts the left one to a Value, so every
    operation goes through the engine and its domain checks (``(-8) ** (1/3)`` is an error,
    not a complex number).
    """
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        try:
            return float(node.value)
        except OverflowError:
            digits = int(abs(int(node.value)).bit_length() * 0.30103) + 1
            raise ExpressionError(
                f"the number at column {node.col_offset + 1} ({digits} digits) is too large "
                "for a float (the largest is about 1.8e308)"
            ) from None
    if isinstance(node, ast.Name):
        return lookup(node.id, node)
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)](_evaluate(node.operand, lookup))
    if isinstance(node, ast.BinOp):
        left = _evaluate(node.left, lookup)
        right = _evaluate(node.right, lookup)
        if not isinstance(left, Value) and not isinstance(right, Value):
            left = Value(left)
        return _BINARY[type(node.op)](left, right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        arg = _evaluate(node.args[0], lookup)
        return FUNCTIONS[node.func.id](arg if isinstance(arg, Value) else Value(arg))
    raise ExpressionError(f"{type(node).__name__} is not allowed")  # parse() rejects it first
