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

import sys as _sys

from .check import (
    ChainStep,
    ChainTerm,
    Explanation,
    GradientCheckError,
    GradientEntry,
    GradientReport,
    check_gradients,
    explain,
    gradcheck,
)
from .core import (
    OP_FUNCTIONS,
    AnomalyError,
    DivisionByZeroError,
    DomainError,
    Dual,
    MissingRuleError,
    OverflowDomainError,
    TracingError,
    Value,
    backward,
    data,
    detect_anomaly,
    dot,
    enable_grad,
    from_micrograd,
    grad,
    gradients,
    grads,
    hessian,
    is_grad_enabled,
    jacfwd,
    jacobian,
    jvp,
    no_grad,
    rules,
    sum_values,
    topological_order,
    value_and_grad,
    values,
    zero_grad,
)
from .draw import GraphDrawing, GraphTooLargeError, RenderError, draw_graph
from .jit import CompiledFunction
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

# The op functions (exp, tanh, ...) come from the rule table.
globals().update(OP_FUNCTIONS)

# ``abs`` and ``compile`` are importable by name (``from autograd_lite import abs``) but kept
# out of ``__all__``, so ``from autograd_lite import *`` does not shadow the builtins.
from .jit import compile as compile  # noqa: E402

# The short module paths users and notebooks import (`autograd_lite.nn`, `.rules`, ...) are the
# part modules themselves, so `import autograd_lite.nn` and `autograd_lite.learn.nn` agree.
for _module in (datasets, losses, nn, optim, plot, rules, schedules, training):
    _sys.modules[f"{__name__}.{_module.__name__.rsplit('.', 1)[1]}"] = _module
del _module

__version__ = "0.1.0"

__all__ = [
    "MLP",
    "SGD",
    "Adam",
    "AnomalyError",
    "ChainStep",
    "ChainTerm",
    "CompiledFunction",
    "DivisionByZeroError",
    "DomainError",
    "Dual",
    "Explanation",
    "GradientCheckError",
    "GradientEntry",
    "GradientReport",
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
    "zero_grad",
]
__all__ += sorted(name for name in OP_FUNCTIONS if name != "abs")
