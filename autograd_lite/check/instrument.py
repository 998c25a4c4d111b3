"""Find where a function assigns the variables a check asks about, and watch them there.

:func:`instrument` reads the function's source (a ``.py`` file or a notebook cell: IPython
keeps cells in :mod:`linecache`), finds the one statement that assigns each requested name,
and recompiles the function with ``name = watch("name", name)`` after that statement. The new
function has the same globals, closure cells, defaults and line numbers, so tracebacks still
point at your code. A name assigned more than once, or inside a loop, is ambiguous: the error
names the lines and points to :func:`~autograd_lite.check.watch.watch`.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
import types
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .watch import watch

__all__ = ["Assignment", "Instrumented", "assignments", "instrument"]

_WATCH = "__autograd_lite_watch__"
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


@dataclass(frozen=True)
class Assignment:
    """One place a name is bound in the function body.

    Attributes:
        line: the line number in the file or cell.
        in_loop: True inside a for/while loop.
        statement: the statement that binds it (an Assign, AugAssign, AnnAssign...).
        explicit: True when the statement is already ``name = watch("name", ...)``.
    """

    line: int
    in_loop: bool
    statement: ast.stmt
    explicit: bool


def _bound_names(target: ast.expr) -> Iterable[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, ast.Tuple | ast.List):
        for element in target.elts:
            yield from _bound_names(element)
    elif isinstance(target, ast.Starred):
        yield from _bound_names(target.value)


def _is_watch_call(value: ast.expr | None, name: str) -> bool:
    if not isinstance(value, ast.Call) or not value.args:
        return False
    func = value.func
    called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    first = value.args[0]
    return called == "watch" and isinstance(first, ast.Constant) and first.value == name


def _statement_targets(stmt: ast.stmt) -> list[ast.expr]:
    if isinstance(stmt, ast.Assign):
        return list(stmt.targets)
    if isinstance(stmt, ast.AugAssign | ast.AnnAssign):
        return [stmt.target]
    if isinstance(stmt, ast.For | ast.AsyncFor):
        return [stmt.target]
    if isinstance(stmt, ast.With | ast.AsyncWith):
        return [item.optional_vars for item in stmt.items if item.optional_vars is not None]
    return []


def _walk_statements(body: list[ast.stmt], in_loop: bool) -> Iterable[tuple[ast.stmt, bool]]:
    """Every statement of a function body (not of nested functions or classes), with loop flag."""
    for stmt in body:
        yield stmt, in_loop
        if isinstance(stmt, _SCOPES):
            continue
        inner = in_loop or isinstance(stmt, _LOOPS)
        for field_name in ("body", "orelse", "finalbody"):
            block = getattr(stmt, field_name, None)
            if isinstance(block, list):
                # A loop's else block runs once, but it is rare enough to count as in the loop.
                yield from _walk_statements(block, inner)
        for handler in getattr(stmt, "handlers", []):
            yield from _walk_statements(handler.body, inner)
        for case in getattr(stmt, "cases", []):
            yield from _walk_statements(case.body, inner)


def assignments(fn_def: ast.FunctionDef, names: Iterable[str]) -> dict[str, list[Assignment]]:
    """Where each of ``names`` is bound directly in ``fn_def``'s body, in source order."""
    wanted = set(names)
    found: dict[str, list[Assignment]] = {name: [] for name in wanted}
    for stmt, in_loop in _walk_statements(fn_def.body, False):
        for target in _statement_targets(stmt):
            for name in _bound_names(target):
                if name in wanted:
                    value = getattr(stmt, "value", None)
                    explicit = _is_watch_call(value, name)
                    loop = in_loop or isinstance(stmt, ast.For | ast.AsyncFor)
                    found[name].append(Assignment(stmt.lineno, loop, stmt, explicit))
        # A walrus binds in the function's scope too.
        for node in ast.walk(stmt) if not isinstance(stmt, _SCOPES) else ():
            if isinstance(node, ast.NamedExpr) and node.target.id in wanted:
                found[node.target.id].append(Assignment(node.lineno, True, stmt, False))
    return found


def _ambiguity(name: str, places: list[Assignment], where: str) -> str | None:
    if any(a.explicit for a in places):
        return None
    lines = ", ".join(str(a.line) for a in places)
    fix = (
        f"Mark the value you mean with {name} = autograd_lite.watch({name!r}, ...) (or give "
        "each value its own name)."
    )
    if len(places) > 1:
        return (
            f"check_gradients: {name!r} is assigned {len(places)} times in {where} (lines "
            f"{lines}), so which value's gradient to check is ambiguous. {fix}"
        )
    if places and places[0].in_loop:
        return (
            f"check_gradients: {name!r} is assigned inside a loop in {where} (line {lines}), so "
            f"it holds a different value on every pass. {fix}"
        )
    return None


def _watch_statement(name: str, at: ast.stmt) -> ast.stmt:
    call = ast.Call(
        func=ast.Name(_WATCH, ast.Load()),
        args=[ast.Constant(name), ast.Name(name, ast.Load())],
        keywords=[],
    )
    stmt = ast.Assign(targets=[ast.Name(name, ast.Store())], value=call)
    return ast.copy_location(stmt, at)


def _insert_after(body: list[ast.stmt], after: dict[int, list[str]]) -> list[ast.stmt]:
    out: list[ast.stmt] = []
    for stmt in body:
        if not isinstance(stmt, _SCOPES):
            for field_name in ("body", "orelse", "finalbody"):
                block = getattr(stmt, field_name, None)
                if isinstance(block, list) and block:
                    setattr(stmt, field_name, _insert_after(block, after))
            for handler in getattr(stmt, "handlers", []):
                handler.body = _insert_after(handler.body, after)
            for case in getattr(stmt, "cases", []):
                case.body = _insert_after(case.body, after)
        out.append(stmt)
        for name in after.get(id(stmt), []):
            out.append(_watch_statement(name, stmt))
    return out


def _source_tree(fn: types.FunctionType) -> ast.FunctionDef:
    try:
        source = inspect.getsource(fn)
    except (OSError, TypeError) as err:
        raise _unreadable(fn, f"its source cannot be read ({err})") from None
    try:
        tree = ast.parse(textwrap.dedent(source))
    except SyntaxError as err:
        raise _unreadable(fn, f"its source does not parse on its own ({err.msg})") from None
    ast.increment_lineno(tree, fn.__code__.co_firstlineno - 1)
    defs = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name == fn.__code__.co_name
    ]
    if not defs:
        raise _unreadable(fn, "its source is not a def statement (a lambda?)")
    return defs[0]


class _Unreadable(Exception):
    """The function's source cannot be searched for assignments."""


def _unreadable(fn: Callable[..., Any], why: str) -> _Unreadable:
    return _Unreadable(why)


@dataclass(frozen=True)
class Instrumented:
    """The function to call instead of the user's, and what was found in its source.

    Attributes:
        fn: the function to call (the original when nothing had to be watched).
        lines: name -> line of the statement that assigns it.
        unreadable: why the source could not be searched ("" when it could).
    """

    fn: Callable[..., Any]
    lines: dict[str, int]
    unreadable: str = ""


def instrument(fn: Callable[..., Any], names: Iterable[str]) -> Instrumented:
    """``fn`` recompiled to watch ``names`` where it assigns them, and the line of each.

    Names that ``fn`` does not assign itself are left alone: a ``watch`` call elsewhere (in a
    helper) may provide them, and the check reports the ones nothing provided. So is a function
    whose source cannot be read (a lambda, a builtin): the reason is returned for that report.

    Args:
        fn: the loss function (a ``def``, in a file or a notebook cell).
        names: the variable names to watch.

    Returns:
        An :class:`Instrumented`.

    Raises:
        ValueError: a name is assigned more than once or in a loop (naming the lines and
            pointing to ``autograd_lite.watch``).
    """
    wanted = list(names)
    if not isinstance(fn, types.FunctionType):
        return Instrumented(fn, {}, f"it is a {type(fn).__name__}, not a function made by def")
    try:
        fn_def = _source_tree(fn)
    except _Unreadable as err:
        return Instrumented(fn, {}, str(err))
    where = f"{fn.__code__.co_name}()"
    found = assignments(fn_def, wanted)
    after: dict[int, list[str]] = {}
    lines: dict[str, int] = {}
    for name in wanted:
        places = found[name]
        problem = _ambiguity(name, places, where)
        if problem is not None:
            raise ValueError(problem)
        explicit = [a for a in places if a.explicit]
        if explicit:
            lines[name] = explicit[0].line
        elif places:
            after.setdefault(id(places[0].statement), []).append(name)
            lines[name] = places[0].line
    if not after:
        return Instrumented(fn, lines)
    fn_def.body = _insert_after(fn_def.body, after)
    fn_def.decorator_list = []
    free = list(fn.__code__.co_freevars)
    outer = ast.FunctionDef(
        name="__autograd_lite_outer__",
        args=ast.arguments(
            posonlyargs=[],
            args=[ast.arg(n) for n in [_WATCH, *free]],
            kwonlyargs=[],
            kw_defaults=[],
            defaults=[],
        ),
        body=[fn_def, ast.Return(ast.Name(fn_def.name, ast.Load()))],
        decorator_list=[],
    )
    ast.copy_location(outer, fn_def)
    module = ast.fix_missing_locations(ast.Module(body=[outer], type_ignores=[]))
    code = compile(module, fn.__code__.co_filename, "exec")
    outer_code = next(c for c in code.co_consts if isinstance(c, types.CodeType))
    inner = next(
        c
        for c in outer_code.co_consts
        if isinstance(c, types.CodeType) and c.co_name == fn_def.name
    )
    cells = dict(zip(fn.__code__.co_freevars, fn.__closure__ or (), strict=True))
    cells[_WATCH] = types.CellType(watch)
    new = types.FunctionType(
        inner,
        fn.__globals__,
        fn.__name__,
        fn.__defaults__,
        tuple(cells[n] for n in inner.co_freevars),
    )
    new.__kwdefaults__ = fn.__kwdefaults__
    new.__qualname__ = fn.__qualname__
    new.__doc__ = fn.__doc__
    return Instrumented(new, lines)
