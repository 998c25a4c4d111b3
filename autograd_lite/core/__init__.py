"""The engine: `Value` nodes, the op rule table, the backward pass and the transforms on it."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from . import rules
from .engine import backward, gradients, topological_order, walk_backward, zero_grad
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
from .functions import OP_FUNCTIONS, OpFunction, dot, sum_values
from .modes import (
    detect_anomaly,
    enable_grad,
    is_grad_enabled,
    no_grad,
    on_compare,
    set_grad_enabled,
)
from .value import Value, apply

if TYPE_CHECKING:
    from .arrays import data, entry_label, grads, values
    from .forward import Dual, jacfwd, jvp
    from .functional import grad, hessian, jacobian, jacrev, stop_gradient, value_and_grad, vjp

# The parts that work on numpy arrays load numpy, which takes longer to import than all the
# rest: they are imported on first use, so `import autograd_lite` and a scalar backward()
# never load numpy.
_LAZY = {
    "data": "arrays",
    "entry_label": "arrays",
    "grads": "arrays",
    "values": "arrays",
    "Dual": "forward",
    "jacfwd": "forward",
    "jvp": "forward",
    "grad": "functional",
    "hessian": "functional",
    "jacobian": "functional",
    "jacrev": "functional",
    "stop_gradient": "functional",
    "value_and_grad": "functional",
    "vjp": "functional",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


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
    "jacrev",
    "jvp",
    "no_grad",
    "on_compare",
    "rules",
    "set_grad_enabled",
    "stop_gradient",
    "sum_values",
    "topological_order",
    "value_and_grad",
    "values",
    "vjp",
    "walk_backward",
    "zero_grad",
]

# The op functions (exp, tanh, ...) come from the rule table. abs is importable by name but
# out of __all__, so `from autograd_lite.core import *` keeps the builtin.
globals().update(OP_FUNCTIONS)
if TYPE_CHECKING:  # what type checkers see of them: op_names.pyi, generated from the table
    from .op_names import *  # noqa: F403
__all__ += sorted(name for name in OP_FUNCTIONS if name != "abs")
