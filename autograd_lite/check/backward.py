"""``check_backward``: one layer's backward pass judged against the engine's vector-Jacobian
product.

Two shapes of code are accepted:

- a layer object: ``check_backward(layer, inputs, dvalues)`` runs ``forward(inputs)`` and
  ``backward(dvalues)`` on a deep copy and judges what backward stored (``dinputs``,
  ``dweights``, ``dW``...; or returned, for the input's gradient);
- a function pair: ``check_backward(affine_forward, affine_backward, (x, w, b), dout)`` runs
  ``out, cache = affine_forward(x, w, b)`` and ``affine_backward(dout, cache)``, whose results
  are paired in order with the float-array arguments (``dx, dw, db``).

Either way the truth is the engine's gradient of ``sum(dvalues * output)`` through the same
forward code run on Values: exactly what a backward pass given ``dvalues`` must return.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ..core.arrays import float_array
from ..core.value_array import as_data_array, as_value_array
from .gradients import check_gradients
from .layer_objects import INPUT, Snapshot, explore, find_gradients, method_location
from .layers import Blame, LayerReport, fit_shape
from .report import Tolerances

__all__ = ["check_backward"]

FloatArray = npt.NDArray[np.float64]


def check_backward(
    layer: Any,
    *args: Any,
    rtol: float = 1e-4,
    atol: float = 1e-8,
    eps: float = 1e-6,
    fd_rtol: float = 1e-3,
    fd_atol: float = 1e-5,
) -> LayerReport:
    """Check one layer's backward pass, given the inputs and the upstream gradient.

    Two forms:

    - ``check_backward(layer, inputs, dvalues)``: ``layer`` has ``forward(inputs)`` and
      ``backward(dvalues)``; both run on a deep copy (your object is not touched), and every
      gradient backward stores (``dinputs``, ``dweights``, ``dbiases``, ``dW``, ``dx``...) or
      returns (the input's) is judged;
    - ``check_backward(forward_fn, backward_fn, (x, w, b), dout)``: ``forward_fn(x, w, b)``
      returns ``(out, cache)``, ``backward_fn(dout, cache)`` returns the gradients of the
      float-array arguments in order (``(dx, dw, db)``, or one array for one argument).
      Other arguments (a dict of settings, integer labels) are passed through unchanged.

    The truth is the engine's gradient of ``sum(dvalues * output)``, i.e. the vector-Jacobian
    product your backward pass computes. Gradients are named ``d<argument>`` (``dw``) for a
    function pair and by your attribute for a layer (``dweights``); ``report.root_causes``
    names the method or function and its line.

    Args:
        layer: a layer object, or the forward function of a pair.
        *args: ``inputs, dvalues`` for an object; ``backward_fn, arguments, dout`` for a pair.
        rtol, atol, eps, fd_rtol, fd_atol: as in :func:`~autograd_lite.check_gradients`.

    Returns:
        A :class:`~autograd_lite.check.layers.LayerReport`.

    Raises:
        TypeError: arguments that fit neither form.
        ValueError: shapes that do not match (``transposed`` when it is one), a backward
            that stores no gradient, a number of gradients that does not match the arguments.

    Example:
        >>> import numpy as np
        >>> from autograd_lite import check_backward
        >>> def affine_forward(x, w, b):
        ...     return x @ w + b, (x, w)
        >>> def affine_backward(dout, cache):
        ...     x, w = cache
        ...     return dout @ w.T, x.T @ dout, dout.sum(axis=0)
        >>> x, w, b = np.ones((2, 3)), np.full((3, 4), 0.5), np.zeros(4)
        >>> check_backward(affine_forward, affine_backward, (x, w, b), np.ones((2, 4))).ok
        True
    """
    tol = Tolerances(rtol, atol, eps, fd_rtol, fd_atol)
    if callable(getattr(layer, "forward", None)) and callable(getattr(layer, "backward", None)):
        if len(args) != 2:
            raise TypeError(
                "check_backward(layer, inputs, dvalues): give the layer's input and the upstream "
                f"gradient, got {len(args)} argument(s) after the layer"
            )
        return _check_object(layer, args[0], args[1], tol)
    if callable(layer) and len(args) == 3 and callable(args[0]):
        return _check_pair(layer, args[0], args[1], args[2], tol)
    raise TypeError(
        "check_backward: pass a layer object with forward and backward methods "
        "(check_backward(layer, inputs, dvalues)) or a function pair "
        "(check_backward(forward_fn, backward_fn, (x, w, b), dout))"
    )


def _tolerances(tol: Tolerances) -> dict[str, float]:
    return {
        "rtol": tol.rtol,
        "atol": tol.atol,
        "eps": tol.eps,
        "fd_rtol": tol.fd_rtol if tol.fd_rtol is not None else 1e-3,
        "fd_atol": tol.fd_atol if tol.fd_atol is not None else 1e-5,
    }


def _check_object(layer: Any, inputs: Any, dvalues: Any, tol: Tolerances) -> LayerReport:
    key = type(layer).__name__
    x = float_array(inputs, "check_backward: inputs")
    up = float_array(dvalues, "check_backward: dvalues")
    snapshot = Snapshot([layer])
    try:
        facts, run = explore([key], [layer], x, None, {}, loss_last=False)
        fact = facts[0]
        out_shape = np.shape(run.outputs[0])
        if up.shape != out_shape:
            raise ValueError(
                f"check_backward: dvalues has shape {up.shape} but {key}.forward's output has "
                f"shape {out_shape}; the upstream gradient has the output's shape"
            )
        ran = copy.deepcopy(layer)
        ran.forward(x.copy())
        returned = ran.backward(up.copy())
        fact.obj = ran
        found = find_gradients(fact, {}, want_input=True)
        notes = list(fact.notes)
        expected: dict[str, FloatArray] = {}
        blame: dict[str, Blame] = {}
        params: dict[str, str] = {}
        input_name = ""
        for target, attr in found.items():
            shape = x.shape if target == INPUT else np.shape(getattr(layer, target))
            what = f"{key}'s input" if target == INPUT else f"{key}.{target}"
            mine, note = fit_shape(
                attr, float_array(getattr(ran, attr), attr), shape, what, fact, "check_backward"
            )
            notes += [note] if note else []
            expected[attr] = mine
            file, line = method_location(layer, "backward", attr)
            blame[attr] = Blame(attr, f"{key}.backward", file, line)
            if target == INPUT:
                input_name = attr
            else:
                params[attr] = target
        if not input_name and isinstance(returned, np.ndarray):
            input_name = "dinputs"
            mine, note = fit_shape(
                input_name,
                float_array(returned, "backward's result"),
                x.shape,
                "input",
                fact,
                "check_backward",
            )
            expected[input_name] = mine
            file, line = method_location(layer, "backward")
            blame[input_name] = Blame(input_name, f"{key}.backward (returned)", file, line)
        if not expected:
            raise ValueError(
                f"check_backward: {key}.backward stored no gradient this check recognises and "
                f"returned {type(returned).__name__}; "
                + ("; ".join(notes) or "store self.dinputs (and d<parameter> for parameters)")
            )
        template = copy.deepcopy(layer)
        xin = x.copy()

        def loss_fn(**kw: Any) -> Any:
            obj = copy.deepcopy(template)
            for name, target in params.items():
                setattr(obj, target, _arrayish(kw[name]))
            a = _arrayish(kw[input_name]) if input_name else as_data_array(xin.copy())
            result = obj.forward(a)
            out = result if fact.returns else getattr(obj, fact.output_attr)
            return np.sum(up * out)

        point = {name: getattr(layer, target) for name, target in params.items()}
        if input_name:
            point[input_name] = x
        if not point:
            raise ValueError(f"check_backward: {key} has no parameter and no input gradient")
        inner = check_gradients(loss_fn, point, expected, **_tolerances(tol))
        return LayerReport(inner, "check_backward", blame, (), notes)
    finally:
        if snapshot.changed():
            snapshot.restore()
        else:
            snapshot.restore_random()


def _arrayish(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return as_value_array(value) if value.dtype == object else as_data_array(value)
    return value


def _check_pair(
    forward_fn: Callable[..., Any],
    backward_fn: Callable[..., Any],
    arguments: Any,
    dout: Any,
    tol: Tolerances,
) -> LayerReport:
    if not isinstance(arguments, Sequence) or isinstance(arguments, str | np.ndarray):
        raise TypeError(
            "check_backward(forward_fn, backward_fn, arguments, dout): arguments must be a "
            f"tuple of forward_fn's arguments, got {type(arguments).__name__}"
        )
    names = _parameter_names(forward_fn, len(arguments))
    args = list(arguments)
    checked = [i for i, a in enumerate(args) if _is_float_array(a)]
    if not checked:
        raise ValueError("check_backward: no argument is a float array; nothing to check")
    up = float_array(dout, "check_backward: dout")
    with np.errstate(all="ignore"):
        result = forward_fn(*copy.deepcopy(args))
    if not (isinstance(result, tuple) and len(result) == 2):
        raise TypeError(
            f"check_backward: {_name(forward_fn)} must return (out, cache), got "
            f"{type(result).__name__}"
        )
    out, cache = result
    if np.shape(out) != up.shape:
        raise ValueError(
            f"check_backward: dout has shape {up.shape} but {_name(forward_fn)}'s output has "
            f"shape {np.shape(out)}; the upstream gradient has the output's shape"
        )
    grads = backward_fn(up.copy(), cache)
    if isinstance(grads, np.ndarray):
        grads = (grads,)
    if not isinstance(grads, tuple | list) or len(grads) != len(checked):
        got = len(grads) if isinstance(grads, tuple | list) else type(grads).__name__
        raise ValueError(
            f"check_backward: {_name(backward_fn)} returned {got} gradient(s), but "
            f"{_name(forward_fn)} has {len(checked)} float-array argument(s) "
            f"({', '.join(names[i] for i in checked)}); return one gradient per argument, "
            "in order"
        )
    file, def_line = _function_location(backward_fn)
    expected: dict[str, FloatArray] = {}
    blame: dict[str, Blame] = {}
    notes: list[str] = []
    point: dict[str, FloatArray] = {}
    for i, g in zip(checked, grads, strict=True):
        name = f"d{names[i]}"
        arg = float_array(args[i], f"argument {names[i]}")
        mine = float_array(g, f"{_name(backward_fn)}'s {name}")
        if mine.shape != arg.shape:
            mine, note = _pair_shape(name, mine, arg.shape, names[i], backward_fn)
            notes.append(note)
        expected[name] = mine
        point[name] = arg
        line = _assignment_line(backward_fn, name) or def_line
        blame[name] = Blame(name, _name(backward_fn), file, line)
    index_of = {f"d{names[i]}": i for i in checked}
    frozen = copy.deepcopy(args)

    def loss_fn(**kw: Any) -> Any:
        call = copy.deepcopy(frozen)
        for name, i in index_of.items():
            call[i] = _arrayish(kw[name])
        out, _cache = forward_fn(*call)
        return np.sum(up * out)

    inner = check_gradients(loss_fn, point, expected, **_tolerances(tol))
    return LayerReport(inner, "check_backward", blame, (), notes)


def _pair_shape(
    name: str, mine: FloatArray, shape: tuple[int, ...], arg: str, fn: Callable[..., Any]
) -> tuple[FloatArray, str]:
    if len(shape) == 2 and shape[0] == 1 and mine.shape == (shape[1],):
        return mine.reshape(shape), (
            f"{name} has shape {mine.shape} for {arg} of shape {shape}: accepted, since numpy "
            "broadcasting applies it to the (1, n) argument the same way"
        )
    if mine.ndim == 2 and mine.shape == shape[::-1] and shape[0] != shape[1]:
        raise ValueError(
            f"check_backward: {name} (returned by {_name(fn)}) has shape {mine.shape} but {arg} "
            f"has shape {shape}: it is transposed. Swap the product's operands or transpose "
            "it (.T); do not reshape, which would scramble the entries."
        )
    raise ValueError(
        f"check_backward: {name} (returned by {_name(fn)}) has shape {mine.shape} but {arg} has "
        f"shape {shape}; a gradient has the shape of what it is the gradient of"
    )


def _is_float_array(x: object) -> bool:
    return isinstance(x, np.ndarray) and x.dtype.kind == "f"


def _name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)


def _parameter_names(fn: Callable[..., Any], count: int) -> list[str]:
    try:
        params = [
            p.name
            for p in inspect.signature(fn).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        params = []
    return [params[i] if i < len(params) else f"arg{i}" for i in range(count)]


def _function_location(fn: Callable[..., Any]) -> tuple[str, int]:
    code = getattr(fn, "__code__", None)
    if code is None:
        return "", 0
    return code.co_filename, code.co_firstlineno


def _assignment_line(fn: Callable[..., Any], name: str) -> int:
    """The line of ``fn`` that assigns ``name`` last (0 when the source is unknown)."""
    try:
        lines, first = inspect.getsourcelines(fn)
    except (OSError, TypeError):
        return 0
    found = 0
    for offset, text in enumerate(lines):
        stripped = text.strip()
        if stripped.startswith(f"{name} ") or stripped.startswith(f"{name}="):
            if "=" in stripped and "==" not in stripped.split("=", 1)[0]:
                found = first + offset
        elif stripped.startswith("return") and name in stripped and not found:
            found = first + offset
    return found
