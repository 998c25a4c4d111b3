"""The public face: one table in ``autograd_lite/__init__.py`` serves every public name.

Every name the package exported before the table (the 94 of the old ``__all__``, plus the
builtins' namesakes ``abs`` and ``compile`` and ``OP_FUNCTIONS``) still resolves to the same
object as its part's; the short top level stays short; the generated ``__init__.pyi`` matches
the table.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import autograd_lite as al
from autograd_lite import stub

# The old top level, name -> the module that defines it (written out, not read from the
# table, so that a row dropped from the table fails here).
OLD_NAMES = {
    **dict.fromkeys(
        [
            "AnomalyError",
            "DivisionByZeroError",
            "DomainError",
            "Dual",
            "GraphCutError",
            "MissingRuleError",
            "OverflowDomainError",
            "TracingError",
            "Value",
            "backward",
            "data",
            "detect_anomaly",
            "dot",
            "enable_grad",
            "from_micrograd",
            "grad",
            "gradients",
            "grads",
            "hessian",
            "is_grad_enabled",
            "jacfwd",
            "jacobian",
            "jvp",
            "no_grad",
            "sum_values",
            "topological_order",
            "value_and_grad",
            "values",
            "zero_grad",
            "OP_FUNCTIONS",
            "arctan",
            "atan",
            "conj",
            "conjugate",
            "cos",
            "cosh",
            "exp",
            "exp2",
            "expm1",
            "log",
            "log10",
            "log1p",
            "log2",
            "real",
            "reciprocal",
            "relu",
            "sigmoid",
            "sin",
            "sinh",
            "softplus",
            "sqrt",
            "square",
            "tanh",
            "abs",
        ],
        "autograd_lite.core",
    ),
    **dict.fromkeys(
        [
            "ChainStep",
            "ChainTerm",
            "CheckedGradient",
            "Explanation",
            "GradientCheckError",
            "GradientEntry",
            "GradientReport",
            "check_gradients",
            "explain",
            "gradcheck",
            "watch",
        ],
        "autograd_lite.check",
    ),
    **dict.fromkeys(
        ["GraphDrawing", "GraphTooLargeError", "RenderError", "draw_graph"], "autograd_lite.draw"
    ),
    **dict.fromkeys(["CompiledFunction", "compile"], "autograd_lite.jit"),
    **dict.fromkeys(
        [
            "MLP",
            "SGD",
            "Adam",
            "History",
            "Layer",
            "Module",
            "Neuron",
            "Optimizer",
            "binary_cross_entropy_with_logits",
            "cross_entropy",
            "evaluate",
            "fit",
            "hinge",
            "log_softmax",
            "mse",
            "plot_decision_boundary",
            "plot_history",
            "softmax",
        ],
        "autograd_lite.learn",
    ),
}
OLD_MODULES = {
    "datasets": "autograd_lite.learn.datasets",
    "losses": "autograd_lite.learn.losses",
    "nn": "autograd_lite.learn.nn",
    "optim": "autograd_lite.learn.optim",
    "plot": "autograd_lite.learn.plot",
    "schedules": "autograd_lite.learn.schedules",
    "training": "autograd_lite.learn.training",
    "rules": "autograd_lite.core.rules",
}


def test_the_old_lists_hold_the_94_names_of_the_old_all() -> None:
    old_all = (set(OLD_NAMES) | set(OLD_MODULES)) - {"abs", "compile", "OP_FUNCTIONS"}
    assert len(old_all) == 94


@pytest.mark.parametrize("name", sorted(OLD_NAMES))
def test_every_old_name_resolves_to_the_same_object(name: str) -> None:
    part = importlib.import_module(OLD_NAMES[name])
    assert getattr(al, name) is getattr(part, name)
    namespace: dict[str, object] = {}
    exec(f"from autograd_lite import {name}", namespace)
    assert namespace[name] is getattr(part, name)


@pytest.mark.parametrize("name", sorted(OLD_MODULES))
def test_every_old_module_name_is_the_part_module(name: str) -> None:
    module = importlib.import_module(OLD_MODULES[name])
    assert getattr(al, name) is module
    assert importlib.import_module(f"autograd_lite.{name}") is module
    assert module.__name__ == OLD_MODULES[name]  # it keeps its real name and spec
    assert module.__spec__ is not None and module.__spec__.name == OLD_MODULES[name]


def test_the_short_top_level_is_short_unique_and_resolves() -> None:
    assert len(al.__all__) <= 60
    assert len(set(al.__all__)) == len(al.__all__)
    for name in al.__all__:
        assert getattr(al, name) is not None
    # A builtin's namesake is importable but out of __all__: import * must not shadow it.
    assert "compile" not in al.__all__ and "abs" not in al.__all__
    namespace: dict[str, object] = {}
    exec("from autograd_lite import *", namespace)
    assert set(al.__all__) <= set(namespace)
    assert "hinge" not in namespace  # a kept name: importable by name only


def test_each_name_has_one_row_and_each_group_has_rows() -> None:
    rows = [name for group in al._TABLE.values() for name in group]
    assert len(rows) == len(set(rows))
    assert not set(rows) & set(al._KEPT)
    assert all(al._TABLE.values())
    # The API reference's front page lists each group with its names.
    assert al.__doc__ is not None
    for group, names in al._TABLE.items():
        line = next(line for line in al.__doc__.splitlines() if line.startswith(f"**{group}**"))
        # A builtin's namesake (compile) is listed where it is defined.
        assert all(f"`{name}`" in line or f".{name}`" in line for name in names)


def test_a_module_row_is_a_module_and_other_rows_are_not() -> None:
    for name in al._PLACES:
        is_module = type(getattr(al, name)) is type(al)
        assert is_module == (name in al._MODULES), name


def test_unknown_names_fail_clearly() -> None:
    with pytest.raises(AttributeError, match="'autograd_lite' has no attribute 'gradz'"):
        al.gradz  # noqa: B018
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("autograd_lite.not_a_part")
    with pytest.raises(ModuleNotFoundError):  # an attribute row is not a module
        importlib.import_module("autograd_lite.grad")


def test_kept_names_load_their_part_only_when_used() -> None:
    code = (
        "import sys, json\n"
        "import autograd_lite as al\n"
        "before = 'autograd_lite.learn' in sys.modules\n"
        "f = al.hinge\n"
        "print(json.dumps([before, 'autograd_lite.learn' in sys.modules, f.__module__]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [
        False,
        True,
        "autograd_lite.learn.losses",
    ]


def test_the_declarations_file_matches_the_table() -> None:
    on_disk = stub.STUB_PATH.read_text(encoding="utf-8")
    assert on_disk == stub.declarations(), (
        "autograd_lite/__init__.pyi is out of date with the table in autograd_lite/__init__.py: "
        "run `python -m autograd_lite.stub`"
    )
    for name, place in al._PLACES.items():
        assert f" import {name} as {name}\n" in on_disk, (name, place)


def test_writing_the_declarations_is_idempotent(tmp_path: Path) -> None:
    target = tmp_path / "__init__.pyi"
    assert stub.write_declarations(target) is True
    assert stub.write_declarations(target) is False
    assert target.read_text(encoding="utf-8") == stub.declarations()
