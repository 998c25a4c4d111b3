"""Checking: hand-derived and engine gradients judged against finite differences, and explained."""

from __future__ import annotations

from .assignment import check_loss_and_grads
from .backward import check_backward
from .explain import ChainStep, ChainTerm, Explanation, explain, node_names
from .gradcheck import gradcheck
from .gradients import check_gradients
from .layers import LayerReport, check_layers
from .mistakes import KINDS, recognise
from .report import CheckedGradient, GradientCheckError, GradientEntry, GradientReport, Mistake
from .watch import watch

__all__ = [
    "KINDS",
    "ChainStep",
    "ChainTerm",
    "CheckedGradient",
    "Explanation",
    "GradientCheckError",
    "GradientEntry",
    "GradientReport",
    "LayerReport",
    "Mistake",
    "check_backward",
    "check_gradients",
    "check_layers",
    "check_loss_and_grads",
    "explain",
    "gradcheck",
    "node_names",
    "recognise",
    "watch",
]
