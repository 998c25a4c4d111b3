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

from . import rules
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
from .functions import abs, cos, dot, exp, log, relu, sigmoid, sin, sqrt, sum_values, tanh
from .modes import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .render import RenderError
from .report import GradientCheckError, GradientEntry, GradientReport
from .value import Value

__version__ = "0.1.0"

__all__ = [
    "AnomalyError",
    "CompiledFunction",
    "DivisionByZeroError",
    "DomainError",
    "GradientCheckError",
    "GradientEntry",
    "GradientReport",
    "GraphDrawing",
    "GraphTooLargeError",
    "MissingRuleError",
    "OverflowDomainError",
    "RenderError",
    "TracingError",
    "Value",
    "abs",
    "backward",
    "check_gradients",
    "compile",
    "cos",
    "data",
    "detect_anomaly",
    "dot",
    "draw_graph",
    "enable_grad",
    "exp",
    "gradcheck",
    "gradients",
    "grads",
    "is_grad_enabled",
    "log",
    "no_grad",
    "relu",
    "rules",
    "sigmoid",
    "sin",
    "sqrt",
    "sum_values",
    "tanh",
    "topological_order",
    "values",
    "zero_grad",
]
