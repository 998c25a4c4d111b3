"""autograd_lite: a scalar reverse-mode automatic differentiation engine.

Build expressions from :class:`Value` nodes, call ``backward()``, read ``.grad``:

>>> from autograd_lite import Value
>>> x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
>>> y = (x * w + b).tanh()
>>> y.backward()
>>> round(w.grad, 4)
1.0019
"""

# ================================================================ the public names: one table
#
# Every public name is ONE row of ``_TABLE`` below: ``"name": "where it lives"``, the place
# being a module under autograd_lite ("core", "check", "learn", ...). Rows sit in groups, in
# the order a user meets them; the groups are the API reference's sections.
#
# - Rows in the groups before ``_KEPT`` are the short top level: ``__all__``, ``dir()``,
#   ``from autograd_lite import *`` and the API reference's index, in table order (a
#   builtin's name, ``compile`` or ``abs``, is importable but stays out of ``__all__`` so
#   ``import *`` never shadows the builtin).
# - Rows in ``_KEPT`` still resolve (``autograd_lite.grads``, ``from autograd_lite import
#   hinge``: code written against older versions keeps working) but stay out of the short
#   top level: they are documented in their part (``autograd_lite.core``, ``.learn``, ...).
# - A row whose place ends with its own name (``"nn": "learn.nn"``) is that module itself:
#   ``autograd_lite.nn``, ``import autograd_lite.nn`` and ``from autograd_lite.nn import MLP``
#   all give ``autograd_lite.learn.nn``.
# - Nothing loads before it is used: ``import autograd_lite`` loads the engine (core) only;
#   checking, drawing, compiling, learning and numpy load on first access to one of their
#   names (tests/test_import.py holds this).
#
# To add a public name: export it from its part's package (e.g. in
# autograd_lite/check/__init__.py), add ONE row here in its group, then run
# ``python -m autograd_lite.stub`` to regenerate ``__init__.pyi`` (the types mypy and IDEs
# see; tests/test_public_names.py fails, naming that command, while it is out of date).

from __future__ import annotations

import builtins as _builtins
import importlib as _importlib
import importlib.machinery as _machinery
import sys as _sys
from types import ModuleType as _ModuleType
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from .core import OP_FUNCTIONS as _OP_FUNCTIONS

__version__ = "0.1.0"

_TABLE: dict[str, dict[str, str]] = {
    "Values and the engine": {
        "Value": "core",
        "backward": "core",
        "no_grad": "core",
        "enable_grad": "core",
        "set_grad_enabled": "core",
        "is_grad_enabled": "core",
        "detect_anomaly": "core",
        "stop_gradient": "core",
        "values": "core",
        "data": "core",
        "grads": "core",
        "sum_values": "core",
        "dot": "core",
        "from_micrograd": "core",
        "DomainError": "core",
    },
    "Functions of Values (each also a method: x.tanh())": {
        "exp": "core",
        "log": "core",
        "tanh": "core",
        "sigmoid": "core",
        "relu": "core",
        "sqrt": "core",
        "sin": "core",
        "cos": "core",
    },
    "Transforms": {
        "grad": "core",
        "value_and_grad": "core",
        "jacobian": "core",
        "jacrev": "core",
        "jacfwd": "core",
        "jvp": "core",
        "vjp": "core",
        "hessian": "core",
    },
    "Checking gradients": {
        "check_gradients": "check",
        "check_layers": "check",
        "check_backward": "check",
        "check_loss_and_grads": "check",
        "gradcheck": "check",
        "explain": "check",
        "watch": "check",
        "GradientCheckError": "check",
    },
    "Drawing": {
        "draw_graph": "draw",
        "GraphDrawing": "draw",
    },
    "Compiling": {
        "compile": "jit.compiler",
        "CompiledFunction": "jit",
    },
    "Networks, optimisers and training": {
        "MLP": "learn",
        "Layer": "learn",
        "Neuron": "learn",
        "Module": "learn",
        "SGD": "learn",
        "Adam": "learn",
        "AdamW": "learn",
        "fit": "learn",
        "History": "learn",
        "Recorder": "learn",
        "evaluate": "learn",
        "mse": "learn",
        "cross_entropy": "learn",
    },
    "Grading a class": {
        "grade": "grade.run",
        "Exercise": "grade",
    },
}

# Still resolving, out of the short top level (see the notes at the top of the file). Every
# function the rule table makes (``exp2``, ``softplus``, ...) resolves too, without a row.
_KEPT: dict[str, str] = {
    # modules
    "nn": "learn.nn",
    "optim": "learn.optim",
    "losses": "learn.losses",
    "datasets": "learn.datasets",
    "training": "learn.training",
    "schedules": "learn.schedules",
    "plot": "learn.plot",
    "rules": "core.rules",
    # the engine
    "gradients": "core",
    "zero_grad": "core",
    "topological_order": "core",
    "Dual": "core",
    "OP_FUNCTIONS": "core",
    "AnomalyError": "core",
    "DivisionByZeroError": "core",
    "GraphCutError": "core",
    "MissingRuleError": "core",
    "OverflowDomainError": "core",
    "TracingError": "core",
    # checking, drawing
    "ChainStep": "check",
    "ChainTerm": "check",
    "CheckedGradient": "check",
    "Explanation": "check",
    "GradientEntry": "check",
    "GradientReport": "check",
    "GraphTooLargeError": "draw",
    "RenderError": "draw",
    # learning
    "Optimizer": "learn",
    "binary_cross_entropy_with_logits": "learn",
    "hinge": "learn",
    "log_softmax": "learn",
    "softmax": "learn",
    "plot_decision_boundary": "learn",
    "plot_history": "learn",
}

# ================================================================ how the table is served

_PLACES: dict[str, str] = {n: p for group in _TABLE.values() for n, p in group.items()}
_PLACES.update(_KEPT)
_MODULES = {n: p for n, p in _PLACES.items() if p.rpartition(".")[2] == n}

__all__ = [n for n in _PLACES if n not in _KEPT and not hasattr(_builtins, n)]

# The API reference's front page: the short top level by group, written from the table.
if __doc__:
    __doc__ += "".join(
        f"\n**{group}**: "
        # A builtin's namesake is out of __all__, so its entry is where it is defined.
        + ", ".join(f"`{n}`" if n in __all__ else f"`{__name__}.{rows[n]}.{n}`" for n in rows)
        + "\n"
        for group, rows in _TABLE.items()
    )

# The rule table's functions are made when core loads, so they cost nothing to bind now.
globals().update(_OP_FUNCTIONS)


def __getattr__(name: str) -> _Any:
    place = _PLACES.get(name)
    if place is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = _importlib.import_module(f"{__name__}.{place}")
    value = module if name in _MODULES else getattr(module, name)
    globals()[name] = value  # later lookups are plain module attributes
    return value


def __dir__() -> list[str]:
    return [*__all__, *sorted(_MODULES), "__version__"]


if _TYPE_CHECKING:
    import importlib.abc

    _Finder = importlib.abc.MetaPathFinder
else:
    _Finder = object  # importlib.abc would load importlib.resources and pathlib


class _ModuleRows(_Finder):
    """Lets ``import autograd_lite.nn`` give the module of the ``"nn"`` row itself.

    Python's import statement looks for a file, not an attribute, so the module rows need
    this: a finder (``find_spec``) and loader (``create_module``, ``exec_module``) in one.
    """

    def find_spec(self, fullname: str, path: _Any, target: _Any = None) -> _Any:
        package, _, name = fullname.rpartition(".")
        if package != __name__ or name not in _MODULES:
            return None
        return _machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: _machinery.ModuleSpec) -> _ModuleType:
        module = _importlib.import_module(f"{__name__}.{_MODULES[spec.name.rpartition('.')[2]]}")
        spec.loader_state = module.__spec__  # the import system is about to overwrite it
        return module

    def exec_module(self, module: _ModuleType) -> None:
        # The module is loaded already; it keeps the spec of its real name.
        if module.__spec__ is not None and module.__spec__.loader is self:
            module.__spec__ = module.__spec__.loader_state


if not any(isinstance(finder, _ModuleRows) for finder in _sys.meta_path):
    _sys.meta_path.append(_ModuleRows())
