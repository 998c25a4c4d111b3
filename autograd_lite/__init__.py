"""autograd_lite: a scalar reverse-mode automatic differentiation engine.

Build expressions from :class:`Value` nodes, call ``backward()``, read ``.grad``:

>>> from autograd_lite import Value
>>> x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
>>> y = (x * w + b).tanh()
>>> y.backward()
>>> round(w.grad, 4)
1.0019
"""

from __future__ import annotations

import importlib as _importlib
import importlib.machinery as _machinery
import sys as _sys
from types import ModuleType as _ModuleType
from typing import TYPE_CHECKING
from typing import Any as _Any

from .core import (
    OP_FUNCTIONS,
    AnomalyError,
    DivisionByZeroError,
    DomainError,
    GraphCutError,
    MissingRuleError,
    OverflowDomainError,
    TracingError,
    Value,
    backward,
    detect_anomaly,
    dot,
    enable_grad,
    from_micrograd,
    gradients,
    is_grad_enabled,
    no_grad,
    sum_values,
    topological_order,
    zero_grad,
)

# The op functions (exp, tanh, ...) come from the rule table.
globals().update(OP_FUNCTIONS)
if TYPE_CHECKING:
    # What type checkers and IDEs see of the op functions (op_names.pyi, generated from the
    # table) and of the names below that load on first use.
    from .check import (
        ChainStep,
        ChainTerm,
        CheckedGradient,
        Explanation,
        GradientCheckError,
        GradientEntry,
        GradientReport,
        check_gradients,
        explain,
        gradcheck,
        watch,
    )
    from .core import (
        Dual,
        data,
        grad,
        grads,
        hessian,
        jacfwd,
        jacobian,
        jvp,
        rules,
        value_and_grad,
        values,
    )
    from .core.op_names import *  # noqa: F403
    from .draw import GraphDrawing, GraphTooLargeError, RenderError, draw_graph
    from .jit import CompiledFunction
    from .jit import compile as compile
    from .learn import (
        MLP,
        SGD,
        Adam,
        History,
        Layer,
        Module,
        Neuron,
        Optimizer,
        binary_cross_entropy_with_logits,
        cross_entropy,
        datasets,
        evaluate,
        fit,
        hinge,
        log_softmax,
        losses,
        mse,
        nn,
        optim,
        plot,
        plot_decision_boundary,
        plot_history,
        schedules,
        softmax,
        training,
    )

# ``abs`` and ``compile`` are importable by name (``from autograd_lite import abs``) but kept
# out of ``__all__``, so ``from autograd_lite import *`` does not shadow the builtins.

# Everything outside the engine is imported when first used, so `import autograd_lite` stays
# fast: checking, drawing (graphviz, wasmtime), compiling and learning (tqdm) load on first
# access. One name per line: name -> the part that defines it.
_FROM_PARTS = {
    "Dual": "core",
    "data": "core",
    "grad": "core",
    "grads": "core",
    "hessian": "core",
    "jacfwd": "core",
    "jacobian": "core",
    "jvp": "core",
    "value_and_grad": "core",
    "values": "core",
    "ChainStep": "check",
    "ChainTerm": "check",
    "CheckedGradient": "check",
    "Explanation": "check",
    "GradientCheckError": "check",
    "GradientEntry": "check",
    "GradientReport": "check",
    "check_gradients": "check",
    "explain": "check",
    "gradcheck": "check",
    "watch": "check",
    "GraphDrawing": "draw",
    "GraphTooLargeError": "draw",
    "RenderError": "draw",
    "draw_graph": "draw",
    "CompiledFunction": "jit",
    "compile": "jit",
    "Adam": "learn",
    "History": "learn",
    "Layer": "learn",
    "MLP": "learn",
    "Module": "learn",
    "Neuron": "learn",
    "Optimizer": "learn",
    "SGD": "learn",
    "binary_cross_entropy_with_logits": "learn",
    "cross_entropy": "learn",
    "evaluate": "learn",
    "fit": "learn",
    "hinge": "learn",
    "log_softmax": "learn",
    "mse": "learn",
    "plot_decision_boundary": "learn",
    "plot_history": "learn",
    "softmax": "learn",
}

# The short module paths users and notebooks import (`autograd_lite.nn`, `.rules`, ...) are the
# part modules themselves, so `autograd_lite.nn is autograd_lite.learn.nn`.
_SHORT_MODULES = {
    "datasets": "learn.datasets",
    "losses": "learn.losses",
    "nn": "learn.nn",
    "optim": "learn.optim",
    "plot": "learn.plot",
    "rules": "core.rules",
    "schedules": "learn.schedules",
    "training": "learn.training",
}


def __getattr__(name: str) -> _Any:
    part = _FROM_PARTS.get(name)
    if part is not None:
        value = getattr(_importlib.import_module(f"{__name__}.{part}"), name)
    elif name in _SHORT_MODULES:
        value = _importlib.import_module(f"{__name__}.{_SHORT_MODULES[name]}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # later lookups are plain module attributes
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | set(_FROM_PARTS) | set(_SHORT_MODULES))


if TYPE_CHECKING:
    import importlib.abc

    class _FinderAndLoader(importlib.abc.MetaPathFinder, importlib.abc.Loader):
        """What the finder below is, to type checkers."""

else:
    _FinderAndLoader = object  # importlib.abc would import importlib.resources and pathlib


class _ShortModuleFinder(_FinderAndLoader):
    """Makes `import autograd_lite.nn` give the part module `autograd_lite.learn.nn` itself.

    A meta path finder and loader by protocol (find_spec, create_module, exec_module).
    """

    def find_spec(self, fullname: str, path: _Any, target: _Any = None) -> _Any:
        prefix, _, short = fullname.rpartition(".")
        if prefix != __name__ or short not in _SHORT_MODULES:
            return None
        return _machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: _machinery.ModuleSpec) -> _ModuleType:
        short = spec.name.rpartition(".")[2]
        module = _importlib.import_module(f"{__name__}.{_SHORT_MODULES[short]}")
        spec.loader_state = module.__spec__  # the import system is about to replace it
        return module

    def exec_module(self, module: _ModuleType) -> None:
        # The part module keeps its own spec (its real name), not the short name's.
        alias = module.__spec__
        if alias is not None and alias.loader is self:
            module.__spec__ = alias.loader_state


if not any(isinstance(f, _ShortModuleFinder) for f in _sys.meta_path):
    _sys.meta_path.append(_ShortModuleFinder())

__version__ = "0.1.0"

__all__ = [
    "MLP",
    "SGD",
    "Adam",
    "AnomalyError",
    "ChainStep",
    "ChainTerm",
    "CheckedGradient",
    "CompiledFunction",
    "DivisionByZeroError",
    "DomainError",
    "Dual",
    "Explanation",
    "GradientCheckError",
    "GradientEntry",
    "GradientReport",
    "GraphCutError",
    "GraphDrawing",
    "GraphTooLargeError",
    "History",
    "Layer",
    "MissingRuleError",
    "Module",
    "Neuron",
    "Optimizer",
    "OverflowDomainError",
    "RenderError",
    "TracingError",
    "Value",
    "backward",
    "binary_cross_entropy_with_logits",
    "check_gradients",
    "cross_entropy",
    "data",
    "datasets",
    "detect_anomaly",
    "dot",
    "draw_graph",
    "enable_grad",
    "evaluate",
    "explain",
    "fit",
    "from_micrograd",
    "grad",
    "gradcheck",
    "gradients",
    "grads",
    "hessian",
    "hinge",
    "is_grad_enabled",
    "jacfwd",
    "jacobian",
    "jvp",
    "log_softmax",
    "losses",
    "mse",
    "nn",
    "no_grad",
    "optim",
    "plot",
    "plot_decision_boundary",
    "plot_history",
    "rules",
    "schedules",
    "softmax",
    "sum_values",
    "topological_order",
    "training",
    "value_and_grad",
    "values",
    "watch",
    "zero_grad",
]
__all__ += sorted(name for name in OP_FUNCTIONS if name != "abs")
