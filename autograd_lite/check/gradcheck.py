"""``gradcheck``: the engine's gradient of a scalar function against central finite differences.

It asks "is the engine right for my function?" (:func:`autograd_lite.check_gradients` asks
"is my hand-derived gradient right?"). The steps, each in its own module: read the arguments
(:mod:`~autograd_lite.check.inputs`), trace ``f`` once on Values
(:mod:`~autograd_lite.check.trace`), take the engine's gradient in one walk back from the
output (:mod:`~autograd_lite.check.walk`, noting kinks with :mod:`~autograd_lite.check.kinks`),
probe every entry by finite differences (:mod:`~autograd_lite.check.differences`), judge it
(:mod:`~autograd_lite.check.judge`) and return a
:class:`~autograd_lite.check.report.GradientReport`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.arrays import entry_label
from .differences import Evaluator, probe
from .inputs import argument_names, check_tolerances, read_input
from .judge import judge_engine
from .kinks import Kinks
from .report import CheckedGradient, GradientEntry, GradientReport, Tolerances
from .trace import trace
from .walk import walk

__all__ = ["gradcheck"]


def gradcheck(
    f: Callable[..., Any],
    *args: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = False,
) -> GradientReport:
    """Compare the engine's gradient of a scalar function with central finite differences.

    ``f(*args)`` is called with each argument as fresh leaf Values (a single Value for a number
    or a Value, an object array for a list or array) and must return one scalar Value. Every
    entry of every argument is checked: ``"ok"`` when
    ``|engine - fd| <= atol + rtol * |fd|`` (plus the rounding noise of the differences),
    ``"WRONG"`` otherwise, ``"kink"`` where f is not differentiable and the engine's value
    lies between the one-sided slopes. The defaults are PyTorch's for float64. The arguments
    you pass, and their ``.grad``, are not touched.

    Args:
        f: the function.
        *args: its arguments: numbers, Values, nested lists or numpy arrays.
        eps: finite-difference step, relative: ``h = eps * max(1, |entry|)``.
        atol: absolute tolerance between the engine and the finite differences.
        rtol: relative tolerance between the engine and the finite differences.
        raise_exception: raise :class:`~autograd_lite.check.report.GradientCheckError` (an
            ``AssertionError``) with the table when the check fails, instead of returning.
            PyTorch's ``torch.autograd.gradcheck`` raises by default; ours returns the report
            by default (so it can be printed or shown), and the report is truthy only when
            the check passes: ``assert gradcheck(f, x)`` fails exactly when torch's would.

    Returns:
        A :class:`~autograd_lite.check.report.GradientReport`; entries are named after f's
        parameters (``x``, ``W[0,1]``).

    Example:
        >>> from autograd_lite import gradcheck
        >>> gradcheck(lambda x, y: (x * y).tanh() + x.exp(), 0.5, -1.5).ok
        True
    """
    if not callable(f):
        raise TypeError(f"gradcheck: f must be callable, got {type(f).__name__}")
    if not args:
        raise ValueError(
            "gradcheck: give the point to check at, e.g. gradcheck(f, 1.0, [2.0, 3.0])"
        )
    if not isinstance(raise_exception, bool):
        raise TypeError(f"raise_exception must be True or False, got {raise_exception!r}")
    tol = check_tolerances(eps=eps, atol=atol, rtol=rtol)
    eps, atol, rtol = tol["eps"], tol["atol"], tol["rtol"]
    names = argument_names(f, len(args))
    ins = [
        read_input(name, arg, f"gradcheck argument {name!r}")
        for name, arg in zip(names, args, strict=True)
    ]

    def call(kwargs: dict[str, Any]) -> object:
        return f(*[kwargs[name] for name in names])

    leaves, loss = trace(call, ins, "f")
    kinks = Kinks()
    grads = walk(loss, [leaf for group in leaves.values() for leaf in group], [kinks])
    evaluate = Evaluator(call, ins, loss.data, "f")
    point = {i.name: i.array.copy() for i in ins}
    here = evaluate(point)

    entries: list[GradientEntry] = []
    gradients: list[CheckedGradient] = []
    for i in ins:
        name, shape = i.name, i.array.shape
        engine = np.array([grads.get(leaf, 0.0) for leaf in leaves[name]], dtype=np.float64)
        engine = engine.reshape(shape)
        numerical = np.full(shape, math.nan)
        for index, leaf in zip(np.ndindex(shape), leaves[name], strict=True):
            entry = judge_engine(
                entry_label(name, index),
                float(engine[index]),
                probe(evaluate, point, name, index, here, eps),
                leaf,
                kinks.source.get(leaf, ""),
                rtol=rtol,
                atol=atol,
                gradient=name,
            )
            numerical[index] = entry.numerical
            entries.append(entry)
        size = int(np.prod(shape))
        what = "entry" if size == 1 else f"each of its {size} entries"
        gradients.append(
            CheckedGradient(
                name, "input", shape, 0, f"central differences on {what}", (), engine, numerical
            )
        )
    report = GradientReport(
        "gradcheck",
        entries,
        loss=loss,
        tolerances=Tolerances(rtol, atol, eps),
        notes=[evaluate.note],
        gradients=gradients,
    )
    if raise_exception:
        report.assert_ok()
    return report
