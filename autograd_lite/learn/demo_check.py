"""The demo's first part: a backward pass derived by hand, with a bug, checked in one call.

A 2-3-2 tanh network with softmax cross-entropy on two samples, the way a learner writes it in
numpy: the forward pass, then the backward pass one named gradient at a time (dZ2, dW2, db2,
dA1, dZ1, dW1, db1). One line has the mistake learners make most with tanh: its derivative
written from the pre-activation, ``1 - Z1**2``, instead of from the output, ``1 - A1**2``.

:func:`run` checks every gradient in one :func:`~autograd_lite.check_gradients` call, prints
the report, its root cause and what the mistake is (``report.mistakes``: tanh's derivative
evaluated at the wrong variable), draws the named arrays with each checked entry coloured (red
wrong, green right), then fixes the line and checks again.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..check.gradients import check_gradients
from ..check.report import GradientReport

Array = npt.NDArray[np.float64]

X = np.array([[0.5, -1.2], [1.5, 0.3]])
"""Two samples, two features."""
LABELS = np.array([0, 1])
Y = np.eye(2)[LABELS]
"""One-hot targets."""
PARAMETERS: dict[str, Array] = {
    "W1": np.array([[0.8, -0.6, 0.3], [0.4, 0.9, -0.7]]),
    "b1": np.array([0.1, -0.2, 0.05]),
    "W2": np.array([[0.6, -0.4], [-0.9, 0.7], [0.5, 0.3]]),
    "b2": np.array([0.0, 0.1]),
}


def loss_fn(W1: Any, b1: Any, W2: Any, b2: Any) -> Any:
    z1 = X @ W1 + b1
    a1 = np.tanh(z1)
    z2 = a1 @ W2 + b2
    e = np.exp(z2 - np.max(z2, axis=1, keepdims=True))
    p = e / np.sum(e, axis=1, keepdims=True)
    return -np.sum(Y * np.log(p)) / len(X)


def backward_by_hand(W1: Array, b1: Array, W2: Array, b2: Array) -> dict[str, Array]:
    Z1 = X @ W1 + b1
    A1 = np.tanh(Z1)
    Z2 = A1 @ W2 + b2
    P = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    dZ2 = (P - Y) / len(X)
    dW2 = A1.T @ dZ2
    db2 = dZ2.sum(axis=0)
    dA1 = dZ2 @ W2.T
    dZ1 = dA1 * (1 - Z1**2)
    dW1 = X.T @ dZ1
    db1 = dZ1.sum(axis=0)
    return {"z2": dZ2, "W2": dW2, "b2": db2, "a1": dA1, "z1": dZ1, "W1": dW1, "b1": db1}


BUG = "dZ1 = dA1 * (1 - Z1**2)"
FIX = "dZ1 = dA1 * (1 - A1**2)"


def fixed_backward(W1: Array, b1: Array, W2: Array, b2: Array) -> dict[str, Array]:
    """:func:`backward_by_hand` with its one wrong line corrected: tanh' from the output."""
    by_hand = backward_by_hand(W1, b1, W2, b2)
    A1 = np.tanh(X @ W1 + b1)
    dZ1 = by_hand["a1"] * (1 - A1**2)
    return {**by_hand, "z1": dZ1, "W1": X.T @ dZ1, "b1": dZ1.sum(axis=0)}


@dataclass(frozen=True)
class CheckDemo:
    """What :func:`run` found: the two reports and the drawing it wrote."""

    report: GradientReport
    fixed: GradientReport
    drawing: Path | None


def check(backward: Any) -> GradientReport:
    """Check every gradient ``backward`` returns against the engine, in one call."""
    return check_gradients(loss_fn, inputs=PARAMETERS, expected=backward(**PARAMETERS))


def _draw(report: GradientReport, out_dir: Path) -> Path | None:
    try:
        from ..draw.graph import draw_graph
    except ImportError as err:
        print(f"skipping the drawing: autograd_lite.draw.graph is not available ({err})")
        return None
    if report.loss is None:
        print("skipping the drawing: the check built no graph")
        return None
    path = out_dir / "backprop_check.svg"
    # One box per named array (W1, z1, a1...), each entry a cell: readable at 1600 px.
    draw_graph(report.loss, highlight=report, view="arrays").save(path)
    return path


def run(out_dir: Path) -> CheckDemo:
    """Print the hand-derived backward pass, its check and root cause; write the drawing."""
    print("\n1. Checking a backward pass derived by hand\n")
    print("The forward pass, as a learner writes it in numpy (a 2-3-2 tanh network,")
    print("softmax cross-entropy, two samples):\n")
    print(_indented(inspect.getsource(loss_fn)) + "\n")
    print("The backward pass by hand, one named gradient at a time:\n")
    print(_indented(inspect.getsource(backward_by_hand)) + "\n")
    print(
        "All seven gradients are checked in one call: `expected` names the variables "
        "loss_fn assigns\n(z2, a1, z1) as well as its inputs:\n"
    )
    print('    report = al.check_gradients(loss_fn, inputs=params, expected={"z2": dZ2, ...})\n')
    report = check(backward_by_hand)
    print(_indented(report.to_text(max_ok_rows=0)))
    cause = report.root_causes[0] if report.root_causes else None
    if cause is not None:
        print(
            f"\nreport.root_causes == {report.root_causes}: yours next to the engine's for "
            f"{cause}:\n"
        )
        yours = backward_by_hand(**PARAMETERS)[cause]
        print(
            _indented(
                f"yours  = {np.array2string(yours, precision=5)}\n"
                f"engine = {np.array2string(report.engine[cause], precision=5)}"
            )
        )
    found = [m for m in report.mistakes if m.gradient == cause]
    if found:
        print(
            f"\nreport.mistakes says what is wrong, not only where (kind {found[0].kind!r}, "
            f"recomputed\nfrom the engine's numbers with that mistake made: every entry "
            f"matches):\n\n    {found[0].message}"
        )
    drawing = _draw(report, out_dir)
    if drawing is not None:
        print(
            "\nThe arrays, each box an array of the forward pass, each checked entry red "
            f"(wrong) or green (right): {drawing}"
        )
    print(f"\nThe fix: tanh'(z) = 1 - tanh(z)**2, so `{BUG}` becomes `{FIX}`.")
    fixed = check(fixed_backward)
    print(f"Checked again: {fixed.summary()}")
    return CheckDemo(report, fixed, drawing)


def _indented(text: str) -> str:
    return "\n".join("    " + line if line else line for line in text.rstrip().splitlines())
