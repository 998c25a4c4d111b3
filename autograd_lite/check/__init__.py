"""Checking: hand-derived and engine gradients judged against finite differences, and explained."""

from __future__ import annotations

from .checks import check_gradients, gradcheck
from .explain import ChainStep, ChainTerm, Explanation, explain, node_names
from .report import GradientCheckError, GradientEntry, GradientReport

__all__ = [
    "ChainStep",
    "ChainTerm",
    "Explanation",
    "GradientCheckError",
    "GradientEntry",
    "GradientReport",
    "check_gradients",
    "explain",
    "gradcheck",
    "node_names",
]
