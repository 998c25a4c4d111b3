"""Learning: modules, losses, optimizers, datasets, the training loop, plots and the demo."""

from __future__ import annotations

from . import datasets, losses, nn, optim, plot, record, schedules, training
from .losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge,
    log_softmax,
    mse,
    softmax,
)
from .nn import MLP, Layer, Module, Neuron
from .optim import SGD, Adam, AdamW, Optimizer
from .plot import plot_decision_boundary, plot_history
from .record import Recorder
from .training import History, evaluate, fit

__all__ = [
    "MLP",
    "SGD",
    "Adam",
    "AdamW",
    "History",
    "Layer",
    "Module",
    "Neuron",
    "Optimizer",
    "Recorder",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "datasets",
    "evaluate",
    "fit",
    "hinge",
    "log_softmax",
    "losses",
    "mse",
    "nn",
    "optim",
    "plot",
    "plot_decision_boundary",
    "plot_history",
    "record",
    "schedules",
    "softmax",
    "training",
]
