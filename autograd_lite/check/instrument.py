"""Find where a function assigns the variables a check asks about, and watch them there.

:func:`instrument` reads the function's source (a ``.py`` file or a notebook cell: IPython
keeps cells in :mod:`linecache`), finds the one statement that assigns each requested name,
and recompiles the function with ``name = watch("name", name)`` after that statement (at the
start of a ``with`` block for ``with ... as name``, around the value of ``(name := ...)``). The
new function has the same globals, closure cells, defaults and line numbers, so tracebacks
still point at your code. A name assigned more than once, or inside a loop, is ambiguous: the
error names the lines and points to :func:`~autograd_lite.check.watch.watch`.

The check judges the code that is loaded, never a newer copy of its file: the source read
back is compiled as it stands and its code object compared with the function's own (bytecode,
constants, names, nested code, recursively). When they differ (the file was edited after the
import, or the function was compiled under another file's name) the source is not used, and
only explicit :func:`~autograd_lite.check.watch.watch` calls can provide variables.

Names bound by one chained assignment (``z = h = W * 2``) are one value: after watching, every
one of them refers to the watched value, so each name's gradient counts the uses of all, as
PyTorch's ``retain_grad()`` does. Any other local name found holding the very same object when
a variable is watched is refused (see :func:`~autograd_lite.check.watch.watch_assigned`).
"""

from __future__ import annotations
import __future__

import ast
import builtins
import copy
import inspect
import linecache
import math
import symtable
import textwrap
import types
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .watch import watch_assigned

__all__ = ["Assignment", "Instrumented", "assignments", "instrument"]

_WATCH = "__autograd_lite_watch__"
_LOCALS = "__autograd_lite_locals__"
_INNER = "__autograd_lite_fn__"
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_WITH = (ast.With, ast.AsyncWith)
# The __future__ features that change how a function body compiles (annotations of nested
# defs stay strings): the recompiled function must be compiled as the loaded one was.
_FUTURE_FLAGS = __future__.annotations.compiler_flag
_CO_NESTED = inspect.CO_NESTED


@dataclass(frozen=True)
class Assignment:
    """One place a name is bound in the function body.

    Attributes:
        line: the line number in the file or cell.
        in_loop: True inside a for/while loop (or a comprehension, for ``:=``).
        statement: the statement that binds it (an Assign, AugAssign, AnnAssign, With...).
        explicit: True when the statement is already ``name = watch("name", ...)``.
        walrus: the ``name := value`` expression, when that is what binds it.
    """

    line: int
    in_loop: bool
    statement: ast.stmt
    explicit: bool
    walrus: ast.NamedExpr | None = None

    @property
    def where(self) -> str:
        """``"inside a loop"`` or ``"inside a comprehension"``."""
        if self.walrus is not None and not isinstance(self.statement, _LOOPS):
            return "inside a comprehension" if self.in_loop else ""
        return "inside a loop"


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
    if isinstance(stmt, _WITH):
        return [item.optional_vars for item in stmt.items if item.optional_vars is not None]
    return []


def _same_value_names(stmt: ast.stmt) -> tuple[str, ...]:
    """The names a chained assignment (``z = h = value``) binds to one object."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) > 1:
        return tuple(t.id for t in stmt.targets if isinstance(t, ast.Name))
    return ()


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


def _walruses(stmt: ast.stmt) -> Iterable[tuple[ast.NamedExpr, bool]]:
    """The ``:=`` expressions of one statement's own expressions, each with whether it sits in
    a comprehension (a loop). Nested statements and scopes are visited on their own."""
    stack: list[tuple[ast.AST, bool]] = [
        (child, False)
        for child in ast.iter_child_nodes(stmt)
        if not isinstance(child, ast.stmt | ast.excepthandler | ast.match_case)
    ]
    while stack:
        node, looped = stack.pop()
        if isinstance(node, _SCOPES):
            continue
        if isinstance(node, ast.NamedExpr):
            yield node, looped
        inner = looped or isinstance(node, _COMPREHENSIONS)
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))


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
        if isinstance(stmt, _SCOPES):
            continue
        # A walrus binds in the function's scope too.
        for node, in_comprehension in _walruses(stmt):
            name = node.target.id
            if name in wanted:
                explicit = _is_watch_call(node.value, name)
                loop = in_loop or in_comprehension
                found[name].append(Assignment(node.lineno, loop, stmt, explicit, node))
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
            f"check_gradients: {name!r} is assigned {places[0].where} in {where} (line "
            f"{lines}), so it holds a different value on every pass. {fix}"
        )
    return None


def _watch_call(name: str, value: ast.expr, same: tuple[str, ...], line: int) -> ast.Call:
    """``__watch__(name, value, __locals__(), same, line)``: see ``watch_assigned``."""
    return ast.Call(
        func=ast.Name(_WATCH, ast.Load()),
        args=[
            ast.Constant(name),
            value,
            ast.Call(ast.Name(_LOCALS, ast.Load()), [], []),
            ast.Tuple([ast.Constant(n) for n in same], ast.Load()),
            ast.Constant(line),
        ],
        keywords=[],
    )


def _assign(name: str, value: ast.expr, at: ast.AST) -> ast.stmt:
    stmt = ast.Assign(targets=[ast.Name(name, ast.Store())], value=value)
    return ast.copy_location(stmt, at)


def _watch_statements(names: list[str], at: ast.stmt, line: int) -> list[ast.stmt]:
    """Watch ``names`` (bound by ``at``); the other names ``at`` binds to the same object
    are then bound to the watched value too, so every use goes through it."""
    same = tuple(dict.fromkeys([*_same_value_names(at), *names]))
    out: list[ast.stmt] = []
    previous = names[0]
    for name in names:
        out.append(_assign(name, _watch_call(name, ast.Name(previous, ast.Load()), same, line), at))
        previous = name
    out += [
        _assign(other, ast.Name(previous, ast.Load()), at) for other in same if other != previous
    ]
    return out


def _insert(
    body: list[ast.stmt], after: dict[int, list[str]], lines: dict[int, int]
) -> list[ast.stmt]:
    out: list[ast.stmt] = []
    for stmt in body:
        if not isinstance(stmt, _SCOPES):
            for field_name in ("body", "orelse", "finalbody"):
                block = getattr(stmt, field_name, None)
                if isinstance(block, list) and block:
                    setattr(stmt, field_name, _insert(block, after, lines))
            for handler in getattr(stmt, "handlers", []):
                handler.body = _insert(handler.body, after, lines)
            for case in getattr(stmt, "cases", []):
                case.body = _insert(case.body, after, lines)
        out.append(stmt)
        names = after.get(id(stmt))
        if not names:
            continue
        watching = _watch_statements(names, stmt, lines[id(stmt)])
        if isinstance(stmt, _WITH):
            # `with ... as name:` binds name for the block: watch it where the block starts.
            stmt.body = [*watching, *stmt.body]
        else:
            out += watching
    return out


def _wrap_walrus(node: ast.NamedExpr, line: int) -> None:
    name = node.target.id
    node.value = ast.copy_location(_watch_call(name, node.value, (name,), line), node.value)


# ---------------------------------------------------------------------- the loaded code


class _Unreadable(Exception):
    """The function's source cannot be searched for assignments."""


def _source_tree(fn: types.FunctionType) -> ast.FunctionDef:
    wrapped = getattr(fn, "__wrapped__", None)
    if wrapped is not None:
        inner = getattr(wrapped, "__qualname__", type(wrapped).__name__)
        raise _Unreadable(
            f"it is a wrapper made by a decorator (functools.wraps) around {inner}(), whose "
            "variables cannot be watched through it: pass the undecorated function "
            f"({fn.__name__}.__wrapped__)"
        )
    try:
        source = inspect.getsource(fn)
    except (OSError, TypeError) as err:
        raise _Unreadable(f"its source cannot be read ({err})") from None
    try:
        tree = ast.parse(textwrap.dedent(source))
    except SyntaxError as err:
        raise _Unreadable(f"its source does not parse on its own ({err.msg})") from None
    ast.increment_lineno(tree, fn.__code__.co_firstlineno - 1)
    defs = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name == fn.__code__.co_name
    ]
    if not defs:
        raise _Unreadable("its source is not a def statement (a lambda?)")
    return defs[0]


def _imported_names(filename: str) -> list[str]:
    """The names the file (or notebook cell) binds by an import at its top level.

    The compiler emits ``np.tanh(x)`` differently when ``np`` was imported in the module
    being compiled, so the recompiled function must see the same imports as the loaded one.
    """
    try:
        table = symtable.symtable("".join(linecache.getlines(filename)), filename, "exec")
    except (SyntaxError, ValueError):
        return []
    return sorted(s.get_name() for s in table.get_symbols() if s.is_imported())


def _compile(
    fn: types.FunctionType, fn_def: ast.FunctionDef, imported: list[str]
) -> types.CodeType:
    """``fn_def`` compiled as ``fn`` was: in an outer function whose arguments are the watch
    helpers and ``fn``'s closure variables, under ``fn``'s file name and ``__future__`` flags,
    with ``imported`` bound by imports at the top (never run: only the function's code object
    is taken)."""
    fn_def = copy.copy(fn_def)
    fn_def.name = _INNER  # so a reference to its own name stays what it was (a global)
    fn_def.decorator_list = []
    free = list(fn.__code__.co_freevars)
    outer = ast.FunctionDef(
        name="__autograd_lite_outer__",
        args=ast.arguments(
            posonlyargs=[],
            args=[ast.arg(n) for n in [_WATCH, _LOCALS, *free]],
            kwonlyargs=[],
            kw_defaults=[],
            defaults=[],
        ),
        body=[fn_def, ast.Return(ast.Name(_INNER, ast.Load()))],
        decorator_list=[],
    )
    ast.copy_location(outer, fn_def)
    imports: list[ast.stmt] = [
        ast.copy_location(ast.Import([ast.alias("sys", name)]), fn_def) for name in imported
    ]
    module = ast.fix_missing_locations(ast.Module(body=[*imports, outer], type_ignores=[]))
    flags = fn.__code__.co_flags & _FUTURE_FLAGS
    code = compile(module, fn.__code__.co_filename, "exec", flags=flags, dont_inherit=True)
    outer_code = next(c for c in code.co_consts if isinstance(c, types.CodeType))
    inner = next(
        c for c in outer_code.co_consts if isinstance(c, types.CodeType) and c.co_name == _INNER
    )
    return inner.replace(co_name=fn.__code__.co_name, co_qualname=fn.__code__.co_qualname)


def _constant_key(value: object) -> object:
    """A constant as compared: floats by their bits' text (-0.0 is not 0.0, nan is nan)."""
    if isinstance(value, float | complex):
        return (
            type(value),
            repr(value) if not (isinstance(value, float) and math.isnan(value)) else "nan",
        )
    if isinstance(value, tuple | frozenset):
        items = [_constant_key(v) for v in value]
        return (
            type(value),
            tuple(sorted(items, key=repr)) if isinstance(value, frozenset) else tuple(items),
        )
    return (type(value), value)


def same_code(a: types.CodeType, b: types.CodeType) -> bool:
    """True when two code objects run the same program: the same bytecode, names, variables,
    flags and constants, nested code compared the same way (line numbers are not compared)."""
    fields = (
        "co_code",
        "co_names",
        "co_varnames",
        "co_freevars",
        "co_cellvars",
        "co_argcount",
        "co_posonlyargcount",
        "co_kwonlyargcount",
        "co_exceptiontable",
    )
    if any(getattr(a, f) != getattr(b, f) for f in fields):
        return False
    if a.co_flags & ~_CO_NESTED != b.co_flags & ~_CO_NESTED or a.co_name != b.co_name:
        return False
    if len(a.co_consts) != len(b.co_consts):
        return False
    for x, y in zip(a.co_consts, b.co_consts, strict=True):
        if isinstance(x, types.CodeType) or isinstance(y, types.CodeType):
            if not (isinstance(x, types.CodeType) and isinstance(y, types.CodeType)):
                return False
            if not same_code(x, y):
                return False
        elif _constant_key(x) != _constant_key(y):
            return False
    return True


# ---------------------------------------------------------------------- instrumenting


@dataclass(frozen=True)
class Instrumented:
    """The function to call instead of the user's, and what was found in its source.

    Attributes:
        fn: the function to call (the original when nothing had to be watched).
        lines: name -> line of the statement that assigns it.
        unreadable: why the source could not be searched ("" when it could).
        sources: name -> the expression assigned to it, as written (``X @ W1 + b1``).
    """

    fn: Callable[..., Any]
    lines: dict[str, int]
    unreadable: str = ""
    sources: dict[str, str] = field(default_factory=dict)


def instrument(fn: Callable[..., Any], names: Iterable[str]) -> Instrumented:
    """``fn`` recompiled to watch ``names`` where it assigns them, and the line of each.

    Names that ``fn`` does not assign itself are left alone: a ``watch`` call elsewhere (in a
    helper) may provide them, and the check reports the ones nothing provided. So is a function
    whose source cannot be read (a lambda, a builtin, a decorator's wrapper) or whose source is
    not the code that is loaded (its file was edited since): the reason is returned for that
    report, and the function runs as loaded.

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
    # A module compiles its functions seeing its top-level imports; IPython compiles a cell's
    # statements one by one, each seeing none. Either way the code must come out the same.
    candidates = [_imported_names(fn.__code__.co_filename), []]
    imported: list[str] | None = None
    for names_imported in candidates:
        try:
            as_written = _compile(fn, fn_def, names_imported)
        except (SyntaxError, ValueError) as err:
            return Instrumented(fn, {}, f"its source does not compile on its own ({err})")
        if same_code(as_written, fn.__code__):
            imported = names_imported
            break
    if imported is None:
        where = fn.__code__.co_filename
        return Instrumented(
            fn,
            {},
            f"its source in {where} is not the code that is loaded (was the file edited "
            "after it was imported? reload the module, or restart the kernel)",
        )
    where = f"{fn.__code__.co_name}()"
    found = assignments(fn_def, wanted)
    after: dict[int, list[str]] = {}
    at_line: dict[int, int] = {}
    lines: dict[str, int] = {}
    walruses = False
    sources: dict[str, str] = {}
    for name in wanted:
        places = found[name]
        problem = _ambiguity(name, places, where)
        if problem is not None:
            raise ValueError(problem)
        explicit = [a for a in places if a.explicit]
        if explicit:
            lines[name] = explicit[0].line
        elif places:
            place = places[0]
            lines[name] = place.line
            sources[name] = (
                ast.unparse(place.walrus.value)
                if place.walrus is not None
                else _assigned_text(place.statement)
            )
            if place.walrus is not None:
                _wrap_walrus(place.walrus, place.line)
                walruses = True
            else:
                after.setdefault(id(place.statement), []).append(name)
                at_line[id(place.statement)] = place.line
    if not after and not walruses:
        return Instrumented(fn, lines, sources=sources)
    fn_def.body = _insert(fn_def.body, after, at_line)
    inner = _compile(fn, fn_def, imported)
    cells = dict(zip(fn.__code__.co_freevars, fn.__closure__ or (), strict=True))
    cells[_WATCH] = types.CellType(watch_assigned)
    cells[_LOCALS] = types.CellType(builtins.locals)
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
    return Instrumented(new, lines, sources=sources)


def _assigned_text(stmt: ast.stmt) -> str:
    """The right-hand side of a plain assignment as written (``""`` for any other binding)."""
    value = getattr(stmt, "value", None)
    if isinstance(stmt, ast.Assign | ast.AnnAssign) and value is not None:
        return ast.unparse(value)
    if isinstance(stmt, ast.AugAssign):
        symbol = _AUG_SYMBOLS.get(type(stmt.op), "?")
        return f"{ast.unparse(stmt.target)} {symbol}= {ast.unparse(stmt.value)}"
    return ""


_AUG_SYMBOLS = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.MatMult: "@",
    ast.Pow: "**",
}
