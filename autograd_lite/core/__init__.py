"""The engine: `Value` nodes, the op rule table, the backward pass and the transforms on it."""

from __future__ import annotations

from . import rules
from .arrays import data, entry_label, grads, values
from .engine import backward, gradients, topological_order, zero_grad
from .errors import (
    AnomalyError,
    DivisionByZeroError,
    DomainError,
    MissingRuleError,
    OverflowDomainError,
    TracingError,
)
from .foreign import from_micrograd, is_micrograd_like
from .functional import grad, hessian, value_and_grad
from .functions import abs, cos, dot, exp, log, relu, sigmoid, sin, sqrt, sum_values, tanh
from .modes import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .value import Value

__all__ = [
    "AnomalyError",
    "DivisionByZeroError",
    "DomainError",
    "MissingRuleError",
    "OverflowDomainError",
    "TracingError",
    "Value",
    "abs",
    "backward",
    "cos",
    "data",
    "detect_anomaly",
    "dot",
    "enable_grad",
    "entry_label",
    "exp",
    "from_micrograd",
    "grad",
    "gradients",
    "grads",
    "hessian",
    "is_grad_enabled",
    "is_micrograd_like",
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
    "value_and_grad",
    "values",
    "zero_grad",
]
