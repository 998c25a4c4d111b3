"""``check_loss_and_grads``: functions that return their own gradients, as course starter code does.

Two shapes, both checked in one call:

- ``loss, dW = svm_loss_naive(W, X, y, reg)``: the gradient of the first argument;
- ``loss, grads = model.loss(X, y)`` with ``grads = {"W1": ..., "b1": ...}`` keyed like
  ``model.params`` (or like a dict passed as the first argument).

Your gradients come from your own run on float copies; the engine's truth from the same code
run with the differentiated arrays as Values (:class:`~autograd_lite.core.value_array.ValueArray`,
so ``dW = np.zeros(W.shape); dW += 2 * reg * W`` still runs: the float ``dW`` gets the numbers).
Where the forward pass itself cuts the graph, every entry is judged by finite differences
alone, as :func:`~autograd_lite.check_gradients` does.
"""

from __future__ import annotations

import copy
import inspect
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from ..core.arrays import float_array
from ..core.value_array import as_data_array, as_value_array
from .gradients import check_gradients
from .layers import Blame, LayerReport
from .report import Tolerances

__all__ = ["check_loss_and_grads"]

FloatArray = npt.NDArray[np.float64]


def check_loss_and_grads(
    fn: Callable[..., Any],
    *args: Any,
    kwargs: Mapping[str, Any] | None = None,
    rtol: float = 1e-4,
    atol: float = 1e-8,
    eps: float = 1e-6,
    fd_rtol: float = 1e-3,
    fd_atol: float = 1e-5,
) -> LayerReport:
    """Check a function that returns ``(loss, gradient)`` against the engine, in one call.

    - ``check_loss_and_grads(svm_loss_naive, W, X_dev, y_dev, 0.000005)``: ``fn`` returns
      ``(loss, dW)``, ``dW`` the gradient of the first argument;
    - ``check_loss_and_grads(model.loss, X, y)``: ``fn`` returns ``(loss, grads)``, a dict
      keyed like ``model.params`` (``"W1"``, ``"b1"``...), or like the dict passed as the
      first argument.

    Nothing you pass is modified: every call runs on deep copies (of the model too).

    Args:
        fn: the loss function, or a model's bound ``loss`` method.
        *args: its positional arguments.
        kwargs: its keyword arguments, if any.
        rtol, atol, eps, fd_rtol, fd_atol: as in :func:`~autograd_lite.check_gradients`.

    Returns:
        A :class:`~autograd_lite.check.layers.LayerReport`; gradients are named ``dW`` (the
        first argument's name with a ``d``) or by their dict key.

    Raises:
        TypeError: ``fn`` does not return ``(loss, gradient)``, or the gradients cannot be
            paired with arguments or parameters.
        ValueError: a gradient of the wrong shape, NaN among yours, or a loss that differs
            between two runs at the same point (random masks: no verdict).

    Example:
        >>> import numpy as np
        >>> from autograd_lite import check_loss_and_grads
        >>> def loss_and_grad(W, X, reg):
        ...     dW = np.zeros(W.shape)
        ...     loss = np.sum(X.dot(W) ** 2) + reg * np.sum(W * W)
        ...     dW += 2 * X.T.dot(X.dot(W))
        ...     dW += 2 * reg * W
        ...     return loss, dW
        >>> W, X = np.array([[0.5, -1.0], [2.0, 0.25]]), np.array([[1.0, 2.0]])
        >>> check_loss_and_grads(loss_and_grad, W, X, 0.1).ok
        True
    """
    if not callable(fn):
        raise TypeError(f"check_loss_and_grads: fn must be callable, got {type(fn).__name__}")
    tol = Tolerances(rtol, atol, eps, fd_rtol, fd_atol)
    kw = dict(kwargs or {})
    first = _run(fn, args, kw)
    second = _run(fn, args, kw)
    loss0, grads = first
    if not _same(loss0, second[0]):
        raise ValueError(
            f"check_loss_and_grads: {_name(fn)} gives different losses ({_number(loss0)!r} and "
            f"{_number(second[0])!r}) when called twice with the same arguments: it draws "
            "random numbers (a dropout mask) or reads changing state, so no gradient can be "
            "judged against it. No verdict. Seed the generator inside the function, pass the "
            "mask in, or check with dropout switched off."
        )
    model = getattr(fn, "__self__", None)
    method = getattr(fn, "__func__", None)
    if isinstance(grads, Mapping):
        return _check_dict(fn, model, method, args, kw, grads, tol)
    return _check_first(fn, args, kw, grads, tol)


def _run(fn: Callable[..., Any], args: tuple[Any, ...], kw: dict[str, Any]) -> tuple[Any, Any]:
    model = getattr(fn, "__self__", None)
    call = fn
    if model is not None and hasattr(fn, "__func__") and hasattr(model, "__dict__"):
        call = fn.__func__.__get__(copy.deepcopy(model))  # the learner's model stays as it is
    with np.errstate(all="ignore"):
        result = call(*copy.deepcopy(args), **copy.deepcopy(kw))
    if not (isinstance(result, tuple) and len(result) == 2):
        raise TypeError(
            f"check_loss_and_grads: {_name(fn)} must return (loss, gradient), got "
            f"{type(result).__name__}"
            + (f" of length {len(result)}" if isinstance(result, tuple | list) else "")
        )
    return result[0], result[1]


def _number(x: Any) -> float:
    try:
        return float(np.asarray(x, dtype=np.float64).reshape(-1)[0])
    except (TypeError, ValueError, IndexError):
        return math.nan


def _same(a: Any, b: Any) -> bool:
    x, y = _number(a), _number(b)
    return x == y or abs(x - y) <= 1e-12 * max(1.0, abs(x))


def _wrap(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return as_value_array(value) if value.dtype == object else as_data_array(value.copy())
    return copy.deepcopy(value)


def _mine(name: str, raw: Any, shape: tuple[int, ...], fn: Callable[..., Any]) -> FloatArray:
    mine = float_array(raw, f"check_loss_and_grads: {name}")
    if mine.shape != shape:
        transposed = mine.ndim == 2 and mine.shape == shape[::-1] and shape[0] != shape[1]
        raise ValueError(
            f"check_loss_and_grads: {name} from {_name(fn)} has shape {mine.shape} but what it "
            f"is the gradient of has shape {shape}"
            + (
                ": it is transposed. Swap the product's operands or transpose it (.T); do not "
                "reshape, which would scramble the entries."
                if transposed
                else "; a gradient has the shape of what it is the gradient of"
            )
        )
    bad = ~np.isfinite(mine)
    if bad.any():
        index = [int(i) for i in np.argwhere(bad)[0]] if mine.ndim else []
        raise ValueError(
            f"check_loss_and_grads: {name}{index} from {_name(fn)} is "
            f"{float(mine[tuple(index)])!r}; only finite gradients can be checked"
        )
    return mine


def _check_first(
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kw: dict[str, Any],
    grads: Any,
    tol: Tolerances,
) -> LayerReport:
    if not args or not isinstance(args[0], np.ndarray) or args[0].dtype.kind != "f":
        raise TypeError(
            f"check_loss_and_grads: {_name(fn)} returned a {type(grads).__name__} gradient; it is "
            "taken as the gradient of the first argument, which must be a float array"
        )
    name = "d" + _first_parameter(fn)
    mine = _mine(name, grads, args[0].shape, fn)
    rest = args[1:]

    def loss_fn(**values: Any) -> Any:
        with np.errstate(all="ignore"):
            result = fn(_wrap(values[name]), *[_wrap(a) for a in rest], **copy.deepcopy(kw))
        return result[0]

    inner = check_gradients(loss_fn, {name: args[0]}, {name: mine}, **_tolerances(tol))
    file, line = _location(fn, [name])
    blame = {name: Blame(name, _name(fn), file, line)}
    return LayerReport(inner, "check_loss_and_grads", blame, (), [])


def _check_dict(
    fn: Callable[..., Any],
    model: Any,
    method: Any,
    args: tuple[Any, ...],
    kw: dict[str, Any],
    grads: Mapping[str, Any],
    tol: Tolerances,
) -> LayerReport:
    params = getattr(model, "params", None) if model is not None else None
    from_model = isinstance(params, Mapping) and all(k in params for k in grads)
    if not from_model:
        if not (args and isinstance(args[0], Mapping) and all(k in args[0] for k in grads)):
            raise TypeError(
                f"check_loss_and_grads: {_name(fn)} returned gradients keyed "
                f"{', '.join(map(repr, grads))}, but they match neither the model's params "
                "dict (pass the bound method: model.loss) nor a dict given as the first argument"
            )
        params = args[0]
    assert isinstance(params, Mapping)
    point: dict[str, Any] = {}
    expected: dict[str, FloatArray] = {}
    for key in grads:
        if not isinstance(key, str):
            raise TypeError(f"check_loss_and_grads: gradient keys must be str, got {key!r}")
        shape = np.shape(params[key])
        expected[key] = _mine(f"grads[{key!r}]", grads[key], shape, fn)
        point[key] = params[key]
    template = copy.deepcopy(model) if from_model else None

    def loss_fn(**values: Any) -> Any:
        with np.errstate(all="ignore"):
            if template is not None:
                obj = copy.deepcopy(template)
                for key, value in values.items():
                    obj.params[key] = _wrap(value)
                result = method(obj, *[_wrap(a) for a in args], **copy.deepcopy(kw))
            else:
                given = copy.deepcopy(dict(args[0]))
                for key, value in values.items():
                    given[key] = _wrap(value)
                result = fn(given, *[_wrap(a) for a in args[1:]], **copy.deepcopy(kw))
        return result[0]

    inner = check_gradients(loss_fn, point, expected, **_tolerances(tol))
    blame = {}
    for key in grads:
        file, line = _location(fn, [f"grads['{key}']", f'grads["{key}"]'])
        blame[key] = Blame(key, _name(fn), file, line)
    return LayerReport(inner, "check_loss_and_grads", blame, (), [])


def _tolerances(tol: Tolerances) -> dict[str, float]:
    return {
        "rtol": tol.rtol,
        "atol": tol.atol,
        "eps": tol.eps,
        "fd_rtol": tol.fd_rtol if tol.fd_rtol is not None else 1e-3,
        "fd_atol": tol.fd_atol if tol.fd_atol is not None else 1e-5,
    }


def _name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)


def _first_parameter(fn: Callable[..., Any]) -> str:
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # a callable with no signature to read (some builtins)
        return "W"
    for p in parameters:
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            return p.name
    return "W"


def _location(fn: Callable[..., Any], targets: list[str]) -> tuple[str, int]:
    """(file, line) of the last line of ``fn`` assigning one of ``targets`` (or its def)."""
    code = getattr(getattr(fn, "__func__", fn), "__code__", None)
    if code is None:
        return "", 0
    try:
        lines, first = inspect.getsourcelines(fn)
    except (OSError, TypeError):
        return code.co_filename, code.co_firstlineno
    found = 0
    for offset, text in enumerate(lines):
        for target in targets:
            if re.match(rf"^\s*{re.escape(target)}\s*(\[.*\])?\s*[-+*/]?=(?!=)", text):
                found = first + offset
    return code.co_filename, found or code.co_firstlineno
