"""Gradient checks: your hand-derived gradient against the engine, the engine against numerics.

- :func:`check_gradients` asks "is my hand-derived gradient right?": it runs your numpy forward
  pass on Values, takes the engine's gradient, cross-checks it with central finite differences,
  and judges your numbers entry by entry.
- :func:`gradcheck` asks "is the engine right for my function?": it compares the engine's
  gradient with central finite differences for every argument.

Both return a :class:`~autograd_lite.check.report.GradientReport`.

How finite differences are taken. The step for an entry ``x`` is ``h = eps * max(1, |x|)``.
The function is evaluated at ``x``, ``x ± h`` and ``x ± h/10``; the central difference
``(f(x+h) - f(x-h)) / 2h`` is the estimate shown. Your function is first tried on plain float
copies of the inputs (fast, and independent of the engine); if it does not run on floats or gives
a different value there, it is evaluated on fresh Values built under ``no_grad()``. Either way
only copies are perturbed: your arrays, Values and their ``.grad`` are never touched.

The kink rule. At each step size the left and right difference quotients are compared. For a
smooth function they differ by about ``h * |f''|``, which shrinks tenfold with the step; across a
kink (relu or ``np.maximum`` at 0, ``abs`` at 0, a tie in ``np.max``) they differ by the jump in
slope, whatever the step. An entry is a **kink** when, at the small step, the two one-sided
quotients differ by more than the rounding-noise floor (``1000 ulp(f) / h``) and by more than half
their difference at the large step. There any value between the two one-sided slopes is a valid
answer (it is a subgradient convention), so a value in that range gets the verdict ``"kink"`` and
one outside it ``"WRONG"``. Entries upstream of a relu or abs node whose input is exactly 0 are
also pointed out in their row's note, since that is where the engine picks its convention
(derivative 0).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..core.arguments import keyword_parameters, positional_parameters
from ..core.arrays import entry_label, float_array, is_number, values
from ..core.engine import gradients, topological_order
from ..core.modes import enable_grad, no_grad
from ..core.value import Value, describe_node
from .report import KINK, OK, UNCLEAR, WRONG, GradientEntry, GradientReport, Tolerances
from .watch import WatchSession, watching

__all__ = ["gradcheck"]

FloatArray = npt.NDArray[np.float64]

_ULP = float(np.finfo(np.float64).eps)
# Rounding in a loss built from many operations can reach many ulps of the loss; 1000 leaves
# room for that while staying far below any slope difference worth reporting.
_NOISE_ULPS = 1000.0
_REFINE = 10.0  # the second step is h / _REFINE
# How closely the function on floats must reproduce the traced loss to be trusted as the same
# function (summation order may differ between numpy's float and object loops).
_SAME_FUNCTION_RTOL = 1e-8


# ---------------------------------------------------------------------- reading the inputs


@dataclass(frozen=True)
class _Input:
    """One input: its name, a float copy of its numbers, and whether it is a single number."""

    name: str
    array: FloatArray
    scalar: bool
    integer: bool = False  # given as integers (class labels, perhaps)


def _first_non_finite(array: FloatArray) -> tuple[int, ...] | None:
    """Index of the first NaN or inf (0-d arrays included), or None."""
    bad = ~np.isfinite(array)
    if not bad.any():
        return None
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(bad)), array.shape))


def _read_input(name: str, raw: object, what: str) -> _Input:
    scalar = isinstance(raw, Value) or is_number(raw)
    raw = _plain(raw)
    array = float_array(raw, what, allow_values=True)
    index = _first_non_finite(array)
    if index is not None:
        raise ValueError(
            f"{what}: {entry_label(name, index)} is {float(array[index])!r}; "
            "the point to check at must be finite"
        )
    integer = not isinstance(raw, Value) and np.asarray(raw).dtype.kind in "iu"
    return _Input(name, array, scalar, integer)


def _read_inputs(inputs: object) -> list[_Input]:
    if not isinstance(inputs, Mapping):
        raise TypeError(
            f"check_gradients: inputs must be a dict of name -> numbers, "
            f"got {type(inputs).__name__}"
        )
    if not inputs:
        raise ValueError("check_gradients: inputs is empty; give loss_fn's arguments by name")
    read = []
    for name, raw in inputs.items():
        if not isinstance(name, str):
            raise TypeError(f"check_gradients: input names must be str, got {name!r}")
        read.append(_read_input(name, raw, f"inputs[{name!r}]"))
    return read


def _plain(raw: object) -> object:
    """Torch tensors (even ones that require grad) as numpy arrays; anything else unchanged."""
    detach = getattr(raw, "detach", None)
    if callable(detach) and hasattr(raw, "numpy"):
        return detach().cpu().numpy()
    return raw


def _read_expected(expected: object, inputs: list[_Input]) -> dict[str, FloatArray]:
    """Your gradients by name, as float arrays; those of inputs checked against their shape
    (a variable's shape is known only once ``loss_fn`` has run: see :func:`check_shape`)."""
    if not isinstance(expected, Mapping):
        raise TypeError(
            f"check_gradients: expected must be a dict of input or variable name -> your "
            f"gradient, got {type(expected).__name__}"
        )
    if not expected:
        raise ValueError("check_gradients: expected is empty; there is nothing to check")
    by_name = {i.name: i for i in inputs}
    out: dict[str, FloatArray] = {}
    for name, raw in expected.items():
        if not isinstance(name, str):
            raise TypeError(f"check_gradients: expected's names must be str, got {name!r}")
        what = f"expected[{name!r}]"
        mine = float_array(_plain(raw), what, allow_values=True)
        if name in by_name:
            check_shape(name, mine, by_name[name].array.shape, f"inputs[{name!r}]")
        index = _first_non_finite(mine)
        if index is not None:
            raise ValueError(
                f"check_gradients: {what}: your value for {entry_label(name, index)} is "
                f"{float(mine[index])!r}; only finite numbers can be checked"
            )
        out[name] = mine
    return out


def check_shape(
    name: str, mine: FloatArray, shape: tuple[int, ...], what: str, noun: str = "input"
) -> None:
    """Raise when your gradient for ``name`` does not have the shape of ``what``."""
    if mine.shape != shape:
        hint = " (same number of entries: reshape it)" if mine.size == int(np.prod(shape)) else ""
        raise ValueError(
            f"check_gradients: expected[{name!r}] has shape {mine.shape} but {what} has "
            f"shape {shape}; a gradient has its {noun}'s shape{hint}"
        )


def _check_tolerances(**tolerances: float) -> None:
    for key, value in tolerances.items():
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or not math.isfinite(value)
        ):
            raise TypeError(f"{key} must be a finite number, got {value!r}")
        if value < 0 or (key == "eps" and value == 0):
            raise ValueError(f"{key} must be {'positive' if key == 'eps' else '>= 0'}, got {value}")
        if key == "eps" and not 1e-12 <= value <= 1e-2:
            # Above 1e-2 the step measures curvature, not slope (a smooth function looks like
            # a kink); below 1e-12 rounding noise swamps the difference.
            raise ValueError(
                f"eps must be between 1e-12 and 1e-2 (the step is eps * max(1, |x|)), got {value}"
            )


def _check_keywords(fn: Callable[..., Any], names: list[str]) -> None:
    """Fail early, naming the input, when loss_fn cannot be called with these keywords."""
    params = keyword_parameters(fn)
    if not params.known:
        return
    if params.positional_only:
        raise TypeError(
            f"check_gradients: loss_fn's argument {params.positional_only[0]!r} is "
            "positional-only, but "
            "check_gradients passes the inputs by name"
        )
    own = ", ".join(params.names) or "none"
    for name in names:
        if name not in params.by_keyword and not params.any_keyword:
            raise TypeError(
                f"check_gradients: loss_fn takes no argument {name!r}, but inputs has it "
                f"(loss_fn's arguments: {own})"
            )
    for name in params.required:
        if name not in names:
            raise TypeError(
                f"check_gradients: loss_fn needs argument {name!r}, which is not in inputs "
                f"(inputs: {', '.join(names)})"
            )


def _argument_names(f: Callable[..., Any], count: int) -> list[str]:
    """Names for gradcheck's positional arguments, after checking f can take ``count``."""
    params = positional_parameters(f)
    most = params.most
    if most is not None and count > most:
        raise TypeError(f"gradcheck: f takes {most} positional argument(s) but {count} were given")
    if count < params.required:
        missing = ", ".join(params.names[count : params.required])
        raise TypeError(f"gradcheck: f also needs argument(s) {missing}, which were not given")
    return [params.name(i) for i in range(count)]


# ---------------------------------------------------------------------- evaluating the function


def _as_loss_node(result: object, who: str) -> Value:
    """The scalar Value a traced call returned, or a clear error about what it returned."""
    if isinstance(result, Value):
        return result
    if isinstance(result, np.ndarray):
        if result.size == 1:
            item = result.reshape(-1)[0]
            if isinstance(item, Value):
                return item
            result = item
        else:
            raise ValueError(
                f"{who} returned an array of shape {result.shape}; it must return one scalar "
                "Value (sum or average it: np.sum(...), np.mean(...))"
            )
    if isinstance(result, list | tuple):
        raise ValueError(
            f"{who} returned a {type(result).__name__} of length {len(result)}; it must return "
            "one scalar Value"
        )
    if is_number(result):
        raise TypeError(
            f"{who} returned the {type(result).__name__} {result!r}, not a Value: it must compute "
            "its result from the Values it is given (a plain number means the graph was cut, "
            "e.g. by .data, float() or a constant result)"
        )
    raise TypeError(
        f"{who} returned {type(result).__name__} {result!r}; it must return one scalar Value"
    )


def _as_float(result: object) -> float | None:
    """The number a call on floats (or on untraced Values) returned, or None if not one number."""
    if isinstance(result, Value):
        return result.data
    if is_number(result):
        return float(result)  # type: ignore[arg-type]
    if isinstance(result, np.ndarray) and result.size == 1:
        return _as_float(result.reshape(-1)[0])
    return None


class _EvaluationFailed(Exception):
    """The function could not be evaluated at a perturbed point (outside its domain)."""


Call = Callable[[dict[str, Any]], object]


class _Evaluator:
    """Evaluates the user's function at a float point, on floats when it runs on them.

    Float mode is tried once at the unperturbed point and kept only if it reproduces the traced
    loss; otherwise every evaluation builds fresh leaf Values under ``no_grad()``.
    """

    def __init__(
        self,
        call: Call,
        inputs: list[_Input],
        traced: float | None,
        who: str,
        watched: frozenset[str] = frozenset(),
    ) -> None:
        self._call = call
        self._inputs = inputs
        self._who = who
        self._watched = watched
        self.note = ""
        self.on_floats = False
        self.shapes: dict[str, tuple[int, ...]] = {}
        point = {i.name: i.array for i in inputs}
        reason = ""
        try:
            with np.errstate(all="ignore"), watching(WatchSession(watched, False)) as session:
                on_floats = _as_float(call(self._float_args(point)))
            self.shapes = {name: w.shape for name, w in session.seen.items()}
        except Exception as err:  # any failure just means "does not run on floats"
            on_floats = None
            reason = f" ({type(err).__name__}: {err})"
            self.error: Exception | None = err
        else:
            self.error = None
        if traced is None:  # the function cannot run on Values: floats are all there is
            self.on_floats = on_floats is not None and math.isfinite(on_floats)
            self.note = f"finite differences: {who} evaluated on float copies of the inputs"
            return
        if on_floats is not None and abs(on_floats - traced) <= _SAME_FUNCTION_RTOL * max(
            1.0, abs(traced)
        ):
            self.on_floats = True
            self.note = f"finite differences: {who} evaluated on float copies of the inputs"
        else:
            if on_floats is not None:
                reason = f" (on floats it gives {on_floats!r}, on Values {traced!r})"
            self.note = (
                f"finite differences: {who} evaluated on fresh Values, since it does not run on "
                f"plain floats{reason}"
            )

    def _float_args(self, point: Mapping[str, FloatArray]) -> dict[str, Any]:
        # Copies, so a function that modifies its arguments in place cannot disturb the point.
        return {
            i.name: float(point[i.name]) if i.scalar else point[i.name].copy() for i in self._inputs
        }

    def _value_args(self, point: Mapping[str, FloatArray]) -> dict[str, Any]:
        args: dict[str, Any] = {}
        for i in self._inputs:
            arr = point[i.name]
            if i.scalar:
                args[i.name] = Value(float(arr))
            else:
                leaves = np.empty(arr.shape, dtype=object)
                for index, x in np.ndenumerate(arr):
                    leaves[index] = Value(float(x))
                args[i.name] = leaves
        return args

    def __call__(
        self, point: Mapping[str, FloatArray], deltas: dict[str, FloatArray] | None = None
    ) -> float:
        session = WatchSession(self._watched, False, deltas or {})
        try:
            if self.on_floats:
                with np.errstate(all="ignore"), watching(session):
                    result = self._call(self._float_args(point))
            else:
                with no_grad(), watching(session):
                    result = self._call(self._value_args(point))
        except (ArithmeticError, ValueError) as err:
            raise _EvaluationFailed(f"{self._who} raised {type(err).__name__}: {err}") from None
        number = _as_float(result)
        if number is None:
            raise _EvaluationFailed(
                f"{self._who} returned {type(result).__name__} {result!r}, not a real number"
            )
        if not math.isfinite(number):
            raise _EvaluationFailed(f"{self._who} returned {number!r}")
        return number


# ---------------------------------------------------------------------- finite differences


@dataclass(frozen=True)
class _Probe:
    """Difference quotients of f along one entry, at step h and at step h / 10."""

    central: float
    central_small: float
    left: float
    right: float
    left_small: float
    right_small: float
    noise: float  # rounding noise of a difference quotient at step h
    noise_small: float
    error: str = ""

    @property
    def kink(self) -> bool:
        """One-sided slopes that disagree beyond noise and do not converge as the step shrinks."""
        gap = abs(self.right - self.left)
        gap_small = abs(self.right_small - self.left_small)
        return gap_small > 2.0 * self.noise_small and gap_small > 0.5 * gap


def _probe(
    evaluate: _Evaluator,
    point: dict[str, FloatArray],
    name: str,
    index: tuple[int, ...],
    here: float,
    eps: float,
) -> _Probe:
    arr = point[name]
    x0 = float(arr[index])
    h = eps * max(1.0, abs(x0))
    quotients: list[float] = []
    noises: list[float] = []
    try:
        for step in (h, h / _REFINE):
            up, down = x0 + step, x0 - step
            arr[index] = up
            f_up = evaluate(point)
            arr[index] = down
            f_down = evaluate(point)
            # The steps actually taken, after rounding x0 + step to a float.
            step_up, step_down = up - x0, x0 - down
            if step_up <= 0 or step_down <= 0:
                raise _EvaluationFailed(f"the step {step:.1e} is lost in rounding x0 = {x0!r}")
            quotients += [
                (f_up - f_down) / (step_up + step_down),
                (here - f_down) / step_down,
                (f_up - here) / step_up,
            ]
            scale = max(abs(here), abs(f_up), abs(f_down))
            # math.ulp keeps a floor for subnormal values, whose spacing is absolute.
            ulp = max(_ULP * scale, math.ulp(scale))
            noises.append(_NOISE_ULPS * ulp / min(step_up, step_down))
    except _EvaluationFailed as err:
        delta = float(arr[index]) - x0
        where = entry_label(name, index)
        if delta:
            where += f" {'+' if delta > 0 else '-'} {abs(delta):.1e}"
        nan = math.nan
        return _Probe(nan, nan, nan, nan, nan, nan, nan, nan, error=f"{err} at {where}")
    finally:
        arr[index] = x0
    central, left, right, central_s, left_s, right_s = quotients
    return _Probe(central, central_s, left, right, left_s, right_s, noises[0], noises[1])


def _probe_line(f: Callable[[float], float], here: float, h: float, where: str) -> _Probe:
    """Difference quotients of ``t -> f(t)`` at 0 (``f(0) == here``), at steps h and h / 10."""
    quotients: list[float] = []
    noises: list[float] = []
    try:
        for step in (h, h / _REFINE):
            f_up, f_down = f(step), f(-step)
            central = (f_up - f_down) / (2 * step)
            quotients += [central, (here - f_down) / step, (f_up - here) / step]
            scale = max(abs(here), abs(f_up), abs(f_down))
            noises.append(_NOISE_ULPS * _ULP * scale / step)
    except _EvaluationFailed as err:
        nan = math.nan
        return _Probe(nan, nan, nan, nan, nan, nan, nan, nan, error=f"{err} at {where}")
    central, left, right, central_s, left_s, right_s = quotients
    return _Probe(central, central_s, left, right, left_s, right_s, noises[0], noises[1])


def _agrees(value: float, reference: float, rtol: float, atol: float, noise: float = 0.0) -> bool:
    return abs(value - reference) <= atol + rtol * abs(reference) + noise


def _relative(error: float, reference: float) -> float:
    if reference != 0:
        return error / abs(reference)
    return 0.0 if error == 0 else math.inf


def _fd_estimate(g: float, p: _Probe, rtol: float, atol: float) -> tuple[float, bool]:
    """The finite-difference estimate to show, and whether it agrees with the engine's g.

    The small step rescues a point within h of a kink, where the large step straddles it.
    """
    if _agrees(g, p.central, rtol, atol, p.noise):
        return p.central, True
    if _agrees(g, p.central_small, rtol, atol, p.noise_small):
        return p.central_small, True
    return p.central, False


def _kink_sources(loss: Value) -> dict[Value, str]:
    """Leaf -> description of a node at one of its rule's kinks (relu at 0) that the leaf
    feeds into."""
    source: dict[Value, str] = {}
    # Outputs first, so a node has heard from all its consumers before it tells its inputs.
    for node in reversed(topological_order(loss)):
        where = source.get(node)
        rule = node.rule
        if where is None and rule is not None and rule.kinks and node.parents[0].data in rule.kinks:
            where = f"{node.op} of {describe_node(node.parents[0])}"
        if where is not None:
            for parent in node.parents:
                source.setdefault(parent, where)
    return {node: where for node, where in source.items() if node.is_leaf}


def _join(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


def _slopes(p: _Probe) -> str:
    return f"slope {p.left_small:.6g} from the left, {p.right_small:.6g} from the right"


# ---------------------------------------------------------------------- tracing


def _trace(call: Call, inputs: list[_Input], who: str) -> tuple[dict[str, list[Value]], Value]:
    """Run the function once on labelled leaf Values and return the leaves and the loss node."""
    leaves: dict[str, list[Value]] = {}
    args: dict[str, Any] = {}
    # A check inside no_grad() must still record the graph it differentiates.
    with enable_grad():
        for i in inputs:
            if i.scalar:
                leaf = Value(float(i.array), label=i.name)
                leaves[i.name] = [leaf]
                args[i.name] = leaf
            else:
                arr = values(i.array, i.name)
                leaves[i.name] = list(arr.reshape(-1))
                args[i.name] = arr.copy()  # the function may modify its array; our leaves stay
        try:
            result = call(args)
        except Exception as err:
            err.add_note(f"(raised by {who} when called on Values by the gradient check)")
            raise
    loss = _as_loss_node(result, who)
    if not math.isfinite(loss.data):
        raise ValueError(f"{who} returned {loss.data!r} at the given inputs; it must be finite")
    return leaves, loss


def _fill_own_gradients(loss: Value, leaves: dict[str, list[Value]]) -> None:
    """Write d(loss)/d(node) into ``.grad`` of the nodes this check created, so a drawing of
    ``report.loss`` shows them. Only the check's own leaves and the nodes computed from them
    are touched: Values the user's function closes over keep their ``.grad``."""
    own = {leaf for group in leaves.values() for leaf in group}
    order = topological_order(loss)
    for node, g in zip(order, gradients(loss, order), strict=True):
        if node in own or any(p in own for p in node.parents):
            own.add(node)
            node.grad = g


def _prepare(
    call: Call,
    ins: list[_Input],
    leaves: dict[str, list[Value]],
    loss: Value,
    checked: list[str],
    who: str,
) -> tuple[dict[Value, float], _Evaluator, dict[str, FloatArray], float, dict[Value, str]]:
    """What both checks need after tracing: the engine's gradient of every checked leaf, the
    evaluator for finite differences with the point and the value there, and the kink notes."""
    flat = [leaf for name in checked for leaf in leaves[name]]
    engine = dict(zip(flat, gradients(loss, flat), strict=True))
    _fill_own_gradients(loss, leaves)
    evaluate = _Evaluator(call, ins, loss.data, who)
    point = {i.name: i.array.copy() for i in ins}
    return engine, evaluate, point, evaluate(point), _kink_sources(loss)


# ---------------------------------------------------------------------- judging


def _judge_yours(
    name: str,
    yours: float,
    g: float,
    p: _Probe,
    node: Value,
    kink_source: str,
    *,
    rtol: float,
    atol: float,
    fd_rtol: float,
    fd_atol: float,
) -> GradientEntry:
    """The verdict on one of your numbers, given the engine's value and the difference quotients."""
    error = abs(yours - g)
    relative = _relative(error, g)
    hint = f"on the path of {kink_source}, where the engine takes slope 0" if kink_source else ""

    def entry(verdict: str, numerical: float, *notes: str) -> GradientEntry:
        return GradientEntry(
            name,
            yours,
            g,
            numerical,
            error,
            relative,
            verdict,
            _join(*notes, hint),
            (p.left_small, p.right_small),
            node,
        )

    agree = _agrees(yours, g, rtol, atol)
    if not math.isfinite(g):
        return entry(UNCLEAR, p.central, f"the engine's gradient is {g!r}")
    if p.error:
        return entry(OK if agree else WRONG, p.central, f"not cross-checked: {p.error}")
    if p.kink:
        lo, hi = min(p.left_small, p.right_small, g), max(p.left_small, p.right_small, g)
        slack = atol + rtol * max(abs(lo), abs(hi))
        if lo - slack <= yours <= hi + slack:
            return entry(KINK, p.central, f"not differentiable here: {_slopes(p)}")
        return entry(
            WRONG,
            p.central,
            f"not differentiable here ({_slopes(p)}), and yours is outside that range",
        )
    numerical, confirmed = _fd_estimate(g, p, fd_rtol, fd_atol)
    if not confirmed:
        matches = (
            " (yours matches the finite differences)"
            if _agrees(yours, numerical, rtol, atol)
            else ""
        )
        return entry(
            UNCLEAR,
            numerical,
            f"the engine's gradient and the finite differences disagree{matches}: loss_fn may "
            "hide part of its computation from the engine (.data, float(), int(), a branch on "
            "a value) or jump near this point",
        )
    return entry(OK if agree else WRONG, numerical)


# ---------------------------------------------------------------------- gradcheck


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
    _check_tolerances(eps=eps, atol=atol, rtol=rtol)
    names = _argument_names(f, len(args))
    ins = [
        _read_input(name, arg, f"gradcheck argument {name!r}")
        for name, arg in zip(names, args, strict=True)
    ]

    def call(kwargs: dict[str, Any]) -> object:
        return f(*[kwargs[name] for name in names])

    leaves, loss = _trace(call, ins, "f")
    engine, evaluate, point, here, kink_sources = _prepare(call, ins, leaves, loss, names, "f")

    entries = []
    for name in names:
        for index, leaf in zip(np.ndindex(point[name].shape), leaves[name], strict=True):
            probe = _probe(evaluate, point, name, index, here, eps)
            entries.append(
                _judge_engine(
                    entry_label(name, index),
                    float(engine[leaf]),
                    probe,
                    leaf,
                    kink_sources.get(leaf, ""),
                    rtol=rtol,
                    atol=atol,
                )
            )
    report = GradientReport(
        "gradcheck",
        entries,
        loss=loss,
        tolerances=Tolerances(rtol, atol, eps),
        notes=[evaluate.note],
    )
    if raise_exception:
        report.assert_ok()
    return report


def _judge_engine(
    name: str, g: float, p: _Probe, node: Value, kink_source: str, *, rtol: float, atol: float
) -> GradientEntry:
    """The verdict on the engine's gradient, given the difference quotients."""
    hint = f"on the path of {kink_source}, where the engine takes slope 0" if kink_source else ""

    def entry(verdict: str, numerical: float, *notes: str) -> GradientEntry:
        error = abs(g - numerical)
        return GradientEntry(
            name,
            None,
            g,
            numerical,
            error,
            _relative(error, numerical),
            verdict,
            _join(*notes, hint),
            (p.left_small, p.right_small),
            node,
        )

    if p.error:
        return entry(UNCLEAR, math.nan, f"no finite differences: {p.error}")
    if p.kink:
        lo, hi = min(p.left_small, p.right_small), max(p.left_small, p.right_small)
        slack = atol + rtol * max(abs(lo), abs(hi))
        if lo - slack <= g <= hi + slack:
            return entry(KINK, p.central, f"not differentiable here: {_slopes(p)}")
        return entry(
            WRONG,
            p.central,
            f"not differentiable here ({_slopes(p)}); the engine's value is outside that range",
        )
    if not math.isfinite(g):
        return entry(UNCLEAR, p.central, f"the engine's gradient is {g!r}")
    numerical, confirmed = _fd_estimate(g, p, rtol, atol)
    if confirmed and not (
        _agrees(g, p.central, rtol, atol) or _agrees(g, p.central_small, rtol, atol)
    ):
        # Only the rounding-noise allowance makes them agree: f is too large next to its
        # slope for differences at this step to confirm (or refute, or see a kink) anything.
        return entry(
            UNCLEAR,
            numerical,
            f"finite differences cannot tell: rounding noise of f (about {p.noise:.2g}) is "
            "larger than the tolerance; check at a larger eps or on a smaller function",
        )
    return entry(OK if confirmed else WRONG, numerical)
