# Generated from the table in __init__.py by `python -m autograd_lite.stub`: do not edit.
# ruff: noqa: F403, I001, RUF022  (the imports and __all__ follow the table)

from .core.op_names import *

from .check import ChainStep as ChainStep
from .check import ChainTerm as ChainTerm
from .check import CheckedGradient as CheckedGradient
from .check import Explanation as Explanation
from .check import GradientCheckError as GradientCheckError
from .check import GradientEntry as GradientEntry
from .check import GradientReport as GradientReport
from .check import check_backward as check_backward
from .check import check_gradients as check_gradients
from .check import check_layers as check_layers
from .check import check_loss_and_grads as check_loss_and_grads
from .check import explain as explain
from .check import gradcheck as gradcheck
from .check import watch as watch
from .core import AnomalyError as AnomalyError
from .core import DivisionByZeroError as DivisionByZeroError
from .core import DomainError as DomainError
from .core import Dual as Dual
from .core import GraphCutError as GraphCutError
from .core import MissingRuleError as MissingRuleError
from .core import OP_FUNCTIONS as OP_FUNCTIONS
from .core import OverflowDomainError as OverflowDomainError
from .core import TracingError as TracingError
from .core import Value as Value
from .core import backward as backward
from .core import cos as cos
from .core import data as data
from .core import detect_anomaly as detect_anomaly
from .core import dot as dot
from .core import enable_grad as enable_grad
from .core import exp as exp
from .core import from_micrograd as from_micrograd
from .core import grad as grad
from .core import gradients as gradients
from .core import grads as grads
from .core import hessian as hessian
from .core import is_grad_enabled as is_grad_enabled
from .core import jacfwd as jacfwd
from .core import jacobian as jacobian
from .core import jacrev as jacrev
from .core import jvp as jvp
from .core import log as log
from .core import no_grad as no_grad
from .core import relu as relu
from .core import rules as rules
from .core import set_grad_enabled as set_grad_enabled
from .core import sigmoid as sigmoid
from .core import sin as sin
from .core import sqrt as sqrt
from .core import stop_gradient as stop_gradient
from .core import sum_values as sum_values
from .core import tanh as tanh
from .core import topological_order as topological_order
from .core import value_and_grad as value_and_grad
from .core import values as values
from .core import vjp as vjp
from .core import zero_grad as zero_grad
from .draw import GraphDrawing as GraphDrawing
from .draw import GraphTooLargeError as GraphTooLargeError
from .draw import RenderError as RenderError
from .draw import draw_graph as draw_graph
from .grade import Exercise as Exercise
from .grade.run import grade as grade
from .jit import CompiledFunction as CompiledFunction
from .jit.compiler import compile as compile
from .learn import Adam as Adam
from .learn import AdamW as AdamW
from .learn import History as History
from .learn import Layer as Layer
from .learn import MLP as MLP
from .learn import Module as Module
from .learn import Neuron as Neuron
from .learn import Optimizer as Optimizer
from .learn import Recorder as Recorder
from .learn import SGD as SGD
from .learn import binary_cross_entropy_with_logits as binary_cross_entropy_with_logits
from .learn import cross_entropy as cross_entropy
from .learn import datasets as datasets
from .learn import evaluate as evaluate
from .learn import fit as fit
from .learn import hinge as hinge
from .learn import log_softmax as log_softmax
from .learn import losses as losses
from .learn import mse as mse
from .learn import nn as nn
from .learn import optim as optim
from .learn import plot as plot
from .learn import plot_decision_boundary as plot_decision_boundary
from .learn import plot_history as plot_history
from .learn import schedules as schedules
from .learn import softmax as softmax
from .learn import training as training

__version__: str
_PLACES: dict[str, str]  # the table's rows, flattened: name -> where it lives

__all__ = [
    "Value",
    "backward",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "detect_anomaly",
    "stop_gradient",
    "values",
    "data",
    "grads",
    "sum_values",
    "dot",
    "from_micrograd",
    "DomainError",
    "exp",
    "log",
    "tanh",
    "sigmoid",
    "relu",
    "sqrt",
    "sin",
    "cos",
    "grad",
    "value_and_grad",
    "jacobian",
    "jacrev",
    "jacfwd",
    "jvp",
    "vjp",
    "hessian",
    "check_gradients",
    "check_layers",
    "check_backward",
    "check_loss_and_grads",
    "gradcheck",
    "explain",
    "watch",
    "GradientCheckError",
    "draw_graph",
    "GraphDrawing",
    "CompiledFunction",
    "MLP",
    "Layer",
    "Neuron",
    "Module",
    "SGD",
    "Adam",
    "AdamW",
    "fit",
    "History",
    "Recorder",
    "evaluate",
    "mse",
    "cross_entropy",
    "grade",
    "Exercise",
]
