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

from . import datasets, losses, nn, optim, plot, rules, training
from .arrays import data, grads, values
from .check import check_gradients, gradcheck
from .compile import CompiledFunction, compile
from .draw import GraphDrawing, GraphTooLargeError, draw_graph
from .engine import backward, gradients, topological_order, zero_grad
from .errors import (
    AnomalyError,
    DivisionByZeroError,
    DomainError,
    MissingRuleError,
    OverflowDomainError,
    TracingError,
)
from .explain import ChainStep, ChainTerm, Explanation, explain
from .functional import grad, hessian, value_and_grad
from .functions import abs, cos, dot, exp, log, relu, sigmoid, sin, sqrt, sum_values, tanh
from .losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge,
    log_softmax,
    mse,
    softmax,
)
from .modes import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .nn import MLP, Layer, Module, Neuron
from .optim import SGD, Adam, Optimizer
from .plot import plot_decision_boundary, plot_history
from .render import RenderError
from .report import GradientCheckError, GradientEntry, GradientReport
from .training import History, evaluate, fit
from .value import Value

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
    "abs",
    "backward",
    "binary_cross_entropy_with_logits",
    "check_gradients",
    "compile",
    "cos",
    "cross_entropy",
    "data",
    "datasets",
    "detect_anomaly",
    "dot",
    "draw_graph",
    "enable_grad",
    "evaluate",
    "exp",
    "explain",
    "fit",
    "grad",
    "gradcheck",
    "gradients",
    "grads",
    "hessian",
    "hinge",
    "is_grad_enabled",
    "log",
    "log_softmax",
    "losses",
    "mse",
    "nn",
    "no_grad",
    "optim",
    "plot",
    "plot_decision_boundary",
    "plot_history",
    "relu",
    "rules",
    "sigmoid",
    "sin",
    "softmax",
    "sqrt",
    "sum_values",
    "tanh",
    "topological_order",
    "training",
    "value_and_grad",
    "values",
    "zero_grad",
]
