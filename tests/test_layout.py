"""The package layout rules, read from the source with :mod:`ast`.

- a part (``core``, ``check``, ``draw``, ``jit``, ``learn``) uses another only through its
  public names: no ``_private`` name is imported across parts;
- no import cycle between modules, counting imports inside functions (only imports under
  ``if TYPE_CHECKING:`` are left out: they never run);
- each part folder opens with a one-sentence docstring.

The checker itself is tested on a small package written to a temporary folder.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import autograd_lite

PACKAGE = Path(autograd_lite.__file__).parent
PARTS = ("core", "check", "draw", "jit", "learn", "grade")


@dataclass
class Imports:
    """The import graph of a package: module -> modules it imports, and private names used."""

    edges: dict[str, set[str]] = field(default_factory=dict)
    # (importer, imported module, name) for every ``from m import _name``
    private: list[tuple[str, str, str]] = field(default_factory=list)


def module_names(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every .py file of the package at ``root``."""
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of ``tree`` except those under ``if TYPE_CHECKING:``."""
    out: list[ast.AST] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        out.append(node)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                stack.extend(child.orelse)
                continue
            stack.append(child)
    return out


def read_imports(root: Path) -> Imports:
    """The import graph of the package at ``root``, inside-function imports included."""
    modules = module_names(root)
    top = root.name
    graph = Imports()
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = graph.edges.setdefault(name, set())
        for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names if a.name.split(".")[0] == top)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                if source.split(".")[0] != top:
                    continue
                for alias in node.names:
                    submodule = f"{source}.{alias.name}"
                    targets.add(submodule if submodule in modules else source)
                    if alias.name.startswith("_") and submodule not in modules:
                        graph.private.append((name, source, alias.name))
    return graph


def part_of(module: str) -> str:
    """``core`` for ``autograd_lite.core.value``; ``""`` for the top-level modules."""
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 2 or (len(pieces) == 2 and pieces[1] in PARTS) else ""


def private_across_parts(graph: Imports) -> list[str]:
    return [
        f"{importer} imports {name} from {source}"
        for importer, source, name in graph.private
        if part_of(importer) != part_of(source)
    ]


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules (first == last), or None. Iterative DFS."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for start in sorted(edges):
        if start in state:
            continue
        path = [start]
        state[start] = 1
        stack = [iter(sorted(edges.get(start, ())))]
        while stack:
            for nxt in stack[-1]:
                if nxt not in edges:
                    continue
                if state.get(nxt) == 1:
                    return [*path[path.index(nxt) :], nxt]
                if nxt not in state:
                    state[nxt] = 1
                    path.append(nxt)
                    stack.append(iter(sorted(edges[nxt])))
                    break
            else:
                stack.pop()
                state[path.pop()] = 2
    return None


def node_slot_reads(root: Path, slots: set[str]) -> list[str]:
    """``file:line .slot`` for every use of a node's private slot outside the ``core`` part.

    Counts attribute access (``node._rule``) and ``getattr``/``setattr`` with the slot's name
    as a literal string.
    """
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if relative.parts[0] == "core":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = None
            if isinstance(node, ast.Attribute) and node.attr in slots:
                name = node.attr
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {"getattr", "setattr", "hasattr", "delattr"}
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and node.args[1].value in slots
            ):
                name = str(node.args[1].value)
            if name is not None:
                found.append(f"{relative.as_posix()}:{node.lineno} .{name}")
    return found


# --------------------------------------------------------------------------- the package


def test_the_package_has_the_six_parts() -> None:
    folders = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists())
    assert folders == sorted(PARTS)


def test_no_private_name_is_imported_across_parts() -> None:
    assert private_across_parts(read_imports(PACKAGE)) == []


def test_nothing_outside_core_reads_a_nodes_private_slots() -> None:
    from autograd_lite.core.node import Node

    slots = {name for name in Node.__slots__ if name.startswith("_")}
    assert slots, "Node has private slots"
    reads = node_slot_reads(PACKAGE, slots)
    assert reads == [], (
        "outside core/, read a node through its public accessors (parents, rule, op, "
        f"is_leaf, data, label): {reads}"
    )


def test_no_import_cycle_between_modules() -> None:
    graph = read_imports(PACKAGE)
    assert "autograd_lite.core.engine" in graph.edges["autograd_lite.core.value"]
    assert find_cycle(graph.edges) is None


@pytest.mark.parametrize("part", PARTS)
def test_each_part_opens_with_a_one_sentence_docstring(part: str) -> None:
    tree = ast.parse((PACKAGE / part / "__init__.py").read_text(encoding="utf-8"))
    doc = ast.get_docstring(tree)
    assert doc is not None, f"{part}/__init__.py has no docstring"
    assert "\n" not in doc.strip() and re.fullmatch(r"[^.!?]+\.", doc.strip()), doc


# --------------------------------------------------------------------------- the checker


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "pkg"


def test_the_checker_finds_a_cycle_through_an_import_inside_a_function(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "__init__.py": "",
            "core/__init__.py": "",
            "core/a.py": "from .b import f\n",
            "core/b.py": "def f():\n    from . import a\n    return a\n",
        },
    )
    assert find_cycle(read_imports(root).edges) == ["pkg.core.a", "pkg.core.b", "pkg.core.a"]


def test_the_checker_ignores_type_checking_imports(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "__init__.py": "",
            "core/__init__.py": "",
            "core/a.py": "from .b import f\n",
            "core/b.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from .a import A\nelse:\n    pass\n"
                "def f(): ...\n"
            ),
        },
    )
    assert find_cycle(read_imports(root).edges) is None


def test_the_checker_finds_private_imports_across_parts_only(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "__init__.py": "",
            "core/__init__.py": "",
            "core/a.py": "_x = 1\n",
            "core/b.py": "from .a import _x\n",
            "jit/__init__.py": "",
            "jit/c.py": "def g():\n    from ..core.a import _x\n    return _x\n",
        },
    )
    assert private_across_parts(read_imports(root)) == ["pkg.jit.c imports _x from pkg.core.a"]


def test_the_checker_finds_private_slot_reads_outside_core_only(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "__init__.py": "",
            "core/__init__.py": "",
            "core/a.py": "def f(n):\n    return n._rule\n",
            "check/__init__.py": "",
            "check/b.py": "def g(n):\n    return n.rule, n._rule, getattr(n, '_a'), n.other\n",
        },
    )
    assert node_slot_reads(root, {"_rule", "_a"}) == ["check/b.py:2 ._rule", "check/b.py:2 ._a"]


# --------------------------------------------------------------------------- the tests' layout

TESTS = Path(__file__).parent
# Tests of the package as a whole rather than of one module.
WHOLE_PACKAGE = {
    "api_docs",
    "conventions",
    "determinism",
    "fuzz",
    "import",
    "layout",
    "memory",
    "micrograd",
    "notebooks",
    "packaging",
    "properties",
    "public_names",
    "readme",
    "reliability",
    "seed_cases",
}


def test_each_test_module_is_named_after_the_module_it_tests() -> None:
    modules = {p.stem for p in PACKAGE.rglob("*.py") if not p.stem.startswith("_")} | set(PARTS)
    stray = []
    for path in sorted(TESTS.glob("test_*.py")):
        name = path.stem.removeprefix("test_")
        if name in WHOLE_PACKAGE or name in modules:
            continue
        if not any(name.startswith(f"{m}_") for m in modules):
            stray.append(path.name)
    assert stray == [], (
        "name a test module test_<module>.py, or test_<module>_<aspect>.py when one module "
        f"has several: {stray}"
    )


# --------------------------------------------------------------------------- check/'s layers

# check/ from the public entries down: a module imports only modules on lower lines, so a call
# (following expected= from check_gradients, say) goes down through the modules, never back.
# A new check module takes its place here (modules listed but not yet written are skipped).
CHECK_LAYERS: tuple[tuple[str, ...], ...] = (
    ("__init__",),
    ("backward", "assignment"),  # public entries built on check_layers' report
    ("layers",),  # public entry built on check_gradients
    ("gradients", "gradcheck"),  # the public entries
    ("findings",),  # a check's findings: the recogniser's context from the check's graph
    ("mistakes", "choices"),  # common mistakes; gradients that follow your kink choice
    ("judge",),  # the verdict on each entry
    ("differences",),  # finite differences
    ("report",),  # the result objects
    ("causes", "kinks", "walk", "trace", "instrument", "explain", "layer_objects"),
    ("inputs",),  # reading what a check is given
    ("watch",),
)


def _check_level(module: str) -> int | None:
    short = module.removeprefix("autograd_lite.check").lstrip(".") or "__init__"
    for level, names in enumerate(CHECK_LAYERS):
        if short in names:
            return level
    return None


def test_every_check_module_has_a_layer() -> None:
    modules = [m for m in module_names(PACKAGE) if part_of(m) == "check"]
    assert [m for m in modules if _check_level(m) is None] == []


def test_the_check_modules_import_only_modules_below_them() -> None:
    graph = read_imports(PACKAGE)
    upward = [
        f"{importer} imports {imported}"
        for importer, targets in graph.edges.items()
        if part_of(importer) == "check"
        for imported in targets
        if part_of(imported) == "check"
        and (level := _check_level(importer)) is not None
        and (below := _check_level(imported)) is not None
        and below <= level
    ]
    assert upward == []
