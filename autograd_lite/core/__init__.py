"""The engine: `Value` nodes, the op rule table, the backward pass and the transforms on it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import rules
from .arrays import data, entry_label, grads, values
from .engine import backward, gradients, topological_order, zero_grad
from .errors import (
    AnomalyError,
    DivisionByZeroError,
    DomainError,
    GraphCutError,
    MissingRuleError,
    OverflowDomainError,
    TracingError,
)
from .foreign import from_micrograd, is_micrograd_like
from .forward import Dual, jacfwd, jvp
from .functional import grad, hessian, jacobian, value_and_grad
from .functions import OP_FUNCTIONS, OpFunction, dot, sum_values
from .modes import detect_anomaly, enable_grad, is_grad_enabled, no_grad, on_compare
from .value import Value, apply

__all__ = [
    "OP_FUNCTIONS",
    "AnomalyError",
    "DivisionByZeroError",
    "DomainError",
    "Dual",
    "GraphCutError",
    "MissingRuleError",
    "OpFunction",
    "OverflowDomainError",
    "TracingError",
    "Value",
    "apply",
    "backward",
    "data",
    "detect_anomaly",
    "dot",
    "enable_grad",
    "entry_label",
    "from_micrograd",
    "grad",
    "gradients",
    "grads",
    "hessian",
    "is_grad_enabled",
    "is_micrograd_like",
    "jacfwd",
    "jacobian",
    "jvp",
    "no_grad",
    "on_compare",
    "rules",
    "sum_values",
    "topological_order",
    "value_and_grad",
    "values",
    "zero_grad",
]

# The op functions (exp, tanh, ...) come from the rule table. abs is importable by name but
# out of __all__, so `from autograd_lite.core import *` keeps the builtin.
globals().update(OP_FUNCTIONS)
if TYPE_CHECKING:  # what type checkers see of them: op_names.pyi, generated from the table
    from .op_names import *  # noqa: F403
__all__ += sorted(name for name in OP_FUNCTIONS if name != "abs")
