"""Function transforms in the JAX style: ``grad``, ``value_and_grad``, ``jacobian``, ``vjp``...

Also ``jacrev`` (JAX's name for :func:`jacobian`), ``hessian`` and ``stop_gradient``.

``grad(f)`` is a new function that returns the gradient of ``f`` instead of its value. It is
built on :func:`autograd_lite.core.engine.gradients`, so there is one engine and one rule table.

What an argument may be (for the arguments named by ``argnums``):

- a real number (``int``, ``float``, numpy real scalars; not ``bool`` or ``complex``): its
  gradient is a float;
- a :class:`~autograd_lite.Value`: its gradient is a ``Value`` connected to the graph, so it can
  be differentiated again;
- a ``list``, ``tuple`` or ``dict`` of those, nested to any depth, or a numpy array (of a real
  dtype, or of dtype object holding numbers and Values): the gradient has the same structure
  (a float array of the same shape for an array).

Higher order works to any order. The result is made of ``Value`` nodes in the caller's graph,
rather than floats, whenever it can be differentiated further: when an argument holds a
``Value``, or when the call happens while another ``grad``/``value_and_grad``/``hessian`` is
evaluating its function (so ``grad(grad(f))``, closures included, just work). Otherwise the
result is plain floats. Called inside ``no_grad()``, the transforms still differentiate ``f``
(they switch recording on for ``f`` alone) and return floats; ``no_grad()`` *inside* ``f`` is
respected: what it computes counts as a constant.

A function that returns a plain real number instead of a ``Value`` does not depend on its
arguments as far as the engine can see (for example ``lambda x: 3.0``): its derivative is 0.
Note that reading ``x.data`` or calling :mod:`math` functions also cuts the graph.

No ``.grad`` attribute is read or written: the user's nodes keep the gradients they had.
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import Any

import numpy as np

from .arguments import positional_parameters
from .engine import gradients, topological_order
from .flatten import ArgSpec, Lifting
from .forward import has_user_ops, hessian_forward_over_reverse
from .functions import sum_values
from .modes import enable_grad, is_grad_enabled
from .value import Value

__all__ = ["grad", "hessian", "jacobian", "jacrev", "stop_gradient", "value_and_grad", "vjp"]

# How many transforms are evaluating their function right now in this context. Inside one,
# results must stay differentiable even when the arguments are plain numbers, because the
# function may close over the outer transform's Values.
_DEPTH: ContextVar[int] = ContextVar("autograd_lite_transform_depth", default=0)


# --------------------------------------------------------------------------- public API


def grad(
    f: Callable[..., Any], argnums: int | Sequence[int] = 0, *, has_aux: bool = False
) -> Callable[..., Any]:
    """The gradient of a scalar function, as a new function.

    Args:
        f: a function of numbers/Values returning a scalar ``Value`` (or a real number,
            meaning a constant: its derivative is 0).
        argnums: which positional argument to differentiate with respect to (an int, negative
            counts from the end), or a tuple of them.
        has_aux: f returns a pair ``(output, aux)``; only ``output`` is differentiated and
            the new function returns ``(gradient, aux)``, as in JAX.

    Returns:
        A function taking the same arguments as ``f`` and returning the gradient with
        respect to ``args[argnums]``, shaped like that argument (a tuple of gradients when
        ``argnums`` is a tuple). See the module docstring for the supported argument types.

    Example:
        >>> from autograd_lite import grad
        >>> def f(x, y):
        ...     return x * x * y
        >>> grad(f)(3.0, 2.0)              # 2xy
        12.0
        >>> grad(f, argnums=(0, 1))(3.0, 2.0)
        (12.0, 9.0)
        >>> grad(grad(f))(3.0, 2.0)        # 2y
        4.0
    """
    spec = _ArgSpec(f, argnums, "grad", has_aux=has_aux)

    @functools.wraps(f)
    def gradient_of_f(*args: Any, **kwargs: Any) -> Any:
        value, result = _value_and_grad(spec, args, kwargs)
        return (result, value[1]) if has_aux else result

    gradient_of_f.__name__ = f"grad({spec.fname})"
    gradient_of_f.__qualname__ = gradient_of_f.__name__
    return gradient_of_f


def value_and_grad(
    f: Callable[..., Any], argnums: int | Sequence[int] = 0, *, has_aux: bool = False
) -> Callable[..., tuple[Any, Any]]:
    """Like :func:`grad`, but the new function returns ``(f(*args), gradient)``.

    One forward and one backward pass: cheaper than calling ``f`` and ``grad(f)``.

    Args:
        f: a function returning a scalar ``Value`` (or a real number: derivative 0).
        argnums: an int or a tuple of ints, as for :func:`grad`.
        has_aux: f returns ``(output, aux)``; the new function then returns
            ``((value, aux), gradient)``, as in JAX.

    Returns:
        A function returning ``(value, gradient)``; ``value`` is a float, or a ``Value``
        when the result must stay differentiable (see the module docstring).

    Example:
        >>> from autograd_lite import value_and_grad
        >>> value_and_grad(lambda x: x.tanh() * 2)(0.0)
        (0.0, 2.0)
    """
    spec = _ArgSpec(f, argnums, "value_and_grad", has_aux=has_aux)

    @functools.wraps(f)
    def value_and_gradient_of_f(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        return _value_and_grad(spec, args, kwargs)

    value_and_gradient_of_f.__name__ = f"value_and_grad({spec.fname})"
    value_and_gradient_of_f.__qualname__ = value_and_gradient_of_f.__name__
    return value_and_gradient_of_f


def hessian(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """The matrix of second derivatives of a scalar function, as a new function.

    The differentiated arguments are flattened into one vector of ``n`` numbers: in
    ``argnums`` order, each argument in its own order (row-major for arrays, depth-first for
    nested lists, insertion order for dicts). Entry ``[i, j]`` is d²f / (dv_i dv_j).

    Args:
        f: a function returning a scalar ``Value`` (or a real number: all zeros).
        argnums: an int or a tuple of ints, as for :func:`grad`.

    Returns:
        A function returning an ``(n, n)`` numpy array: ``float64``, or of dtype object
        holding ``Value`` nodes when the result must stay differentiable (inside another
        transform, or for ``Value`` arguments), so third derivatives work too.

    How: a float result is computed forward-over-reverse (one reverse sweep over f's graph
    with dual numbers carrying a tangent vector per node, see
    :func:`autograd_lite.core.forward.hessian_forward_over_reverse`), which creates no nodes;
    a differentiable result, or a graph with user-defined ops, is computed
    reverse-over-reverse (gradients as graphs, differentiated again).

    Example:
        >>> from autograd_lite import hessian
        >>> hessian(lambda x, y: x * x * y, argnums=(0, 1))(3.0, 2.0)
        array([[4., 6.],
               [6., 0.]])
    """
    spec = _ArgSpec(f, argnums, "hessian")

    @functools.wraps(f)
    def hessian_of_f(*args: Any, **kwargs: Any) -> Any:
        return _hessian(spec, args, kwargs)

    hessian_of_f.__name__ = f"hessian({spec.fname})"
    hessian_of_f.__qualname__ = hessian_of_f.__name__
    return hessian_of_f


def jacobian(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """The Jacobian of a function with several outputs, by reverse mode (one pass per output).

    Cheaper than :func:`autograd_lite.jacfwd` (forward mode, one pass per input entry) when
    ``f`` has fewer outputs than the argument has entries.

    Args:
        f: a function returning a Value or number, or a list, tuple or numpy array of them.
        argnums: an int or a tuple of ints, as for :func:`grad`.

    Returns:
        A function returning, for each differentiated argument, a float for a scalar output
        and argument, else a float64 array of shape ``output shape + argument shape`` (a list
        counts as 1-D); a tuple of those when ``argnums`` is a tuple.

    Example:
        >>> from autograd_lite import jacobian
        >>> jacobian(lambda v: [v[0] * v[1], v[0] + v[1]])([2.0, 3.0])
        array([[3., 2.],
               [1., 1.]])
    """
    return _jacobian_function(f, argnums, "jacobian")


def jacrev(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """The Jacobian by reverse mode: JAX's name for :func:`jacobian`, the twin of ``jacfwd``.

    ``jacrev(f)(x)`` and :func:`autograd_lite.jacfwd` ``(f)(x)`` give the same array (same
    shape, ``output shape + argument shape``); they differ in cost only: ``jacrev`` runs one
    reverse pass per output, ``jacfwd`` one forward pass per entry of the argument.

    Args:
        f: a function returning a Value or number, or a list, tuple or numpy array of them.
        argnums: an int or a tuple of ints, as for :func:`grad`.

    Returns:
        A function returning the Jacobian, as :func:`jacobian`'s does.

    Example:
        >>> from autograd_lite import jacrev
        >>> jacrev(lambda v: [v[0] * v[1], v[0] + v[1]])([2.0, 3.0])
        array([[3., 2.],
               [1., 1.]])
    """
    return _jacobian_function(f, argnums, "jacrev")


def _jacobian_function(
    f: Callable[..., Any], argnums: int | Sequence[int], who: str
) -> Callable[..., Any]:
    # jacobian and jacrev are one transform under two names; `who` names it in errors and reprs.
    spec = _ArgSpec(f, argnums, who)

    @functools.wraps(f)
    def jacobian_of_f(*args: Any, **kwargs: Any) -> Any:
        return _jacobian(spec, args, kwargs)

    jacobian_of_f.__name__ = f"{who}({spec.fname})"
    jacobian_of_f.__qualname__ = jacobian_of_f.__name__
    return jacobian_of_f


def vjp(f: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[[Any], tuple[Any, ...]]]:
    """``f``'s output at ``primals`` and a function pulling cotangents back through it (JAX's).

    ``out, pull = vjp(f, x, y)`` evaluates ``f(x, y)`` once, keeping its graph; ``pull(c)``
    returns the vector-Jacobian products ``(c @ J_x, c @ J_y)``: for each primal, the
    gradient of ``sum(c[k] * out[k])``, shaped like that primal. ``pull`` may be called any
    number of times (one reverse pass each); with ``c = 1.0`` on a scalar ``f`` it is
    :func:`grad` for every argument at once.

    Args:
        f: a function of the primals returning a Value or number, or a list, tuple or numpy
            array of them.
        *primals: the point: real numbers, Values, lists/tuples/dicts of them or numpy
            arrays, as for :func:`grad` (each primal is differentiated).

    Returns:
        ``(out, pull)``: ``out`` is f's output with every Value replaced by its float (a
        float, a list, a tuple or a float64 array; Values when the result must stay
        differentiable, see the module docstring), ``pull(cotangent)`` takes a cotangent of
        the output's shape (a number for a scalar output, else a sequence or array of
        numbers) and returns a tuple with one gradient per primal.

    Raises:
        TypeError: f is not callable, no primal is given, or the cotangent is not made of
            real numbers and Values.
        ValueError: the cotangent's shape is not the output's.

    Example:
        >>> from autograd_lite import vjp
        >>> out, pull = vjp(lambda x, y: [x * y, x + y], 2.0, 3.0)
        >>> out
        [6.0, 5.0]
        >>> pull([1.0, 10.0])          # (1*y + 10*1, 1*x + 10*1)
        (13.0, 12.0)
    """
    if not primals:
        raise TypeError("vjp: give at least one primal (the point at which f is evaluated)")
    spec = _ArgSpec(f, tuple(range(len(primals))), "vjp")
    where = f"vjp({spec.fname})"
    trace = _Trace(spec, primals, {}, scalar=False)
    outputs, out_shape = _outputs(trace.result, where)
    out = _primal_out(trace)

    def pull(cotangent: Any) -> tuple[Any, ...]:
        weights = _cotangent(cotangent, out_shape, where)
        terms = [w * o for w, o in zip(weights, outputs, strict=True) if isinstance(o, Value)]
        inputs = trace.flat_inputs
        if terms:
            with enable_grad():
                total = terms[0] if len(terms) == 1 else sum_values(terms)
                flat_grads = gradients(total, inputs, create_graph=trace.differentiable)
        else:  # f's outputs are constants: every product is 0
            flat_grads = [0.0] * len(inputs)
        flat = iter(trace.finish(g) for g in flat_grads)
        return tuple(arg.rebuild(flat) for arg in trace.specs)

    pull.__name__ = pull.__qualname__ = f"vjp({spec.fname}).pull"
    return out, pull


def stop_gradient(x: Any) -> Any:
    """``x`` as a constant: the same numbers, and no gradient flows back through it (JAX's).

    A Value becomes a new leaf holding the same number and label (``x.detach()``, as in
    PyTorch): what is computed from it records nothing about how ``x`` was made, so
    ``backward()`` stops there. Numbers are
    returned as floats; lists, tuples, dicts and numpy arrays are copied with each entry
    treated so (an array of dtype object stays an object array of leaves).

    Args:
        x: a Value, a real number, or a list, tuple, dict or numpy array of them, nested.

    Returns:
        The same structure, with each Value replaced by a fresh leaf.

    Raises:
        TypeError: ``x`` (or an entry of it) is not a Value, a real number or such a container.

    Example:
        >>> from autograd_lite import Value, stop_gradient
        >>> x = Value(3.0, label="x")
        >>> y = x * stop_gradient(x)       # the second factor counts as the constant 3
        >>> y.backward()
        >>> x.grad
        3.0
    """
    if isinstance(x, Value):
        return x.detach()
    if isinstance(x, np.ndarray):
        if x.dtype != object:
            return x.copy()
        out = np.empty(x.shape, dtype=object)
        for index, item in np.ndenumerate(x):
            out[index] = stop_gradient(item)
        return out
    if isinstance(x, list | tuple):
        items = [stop_gradient(item) for item in x]
        return items if isinstance(x, list) else type(x)(*items) if _is_named(x) else tuple(items)
    if isinstance(x, dict):
        return {key: stop_gradient(item) for key, item in x.items()}
    if isinstance(x, numbers.Real) and not isinstance(x, bool | np.bool_):
        return float(x)
    raise TypeError(
        f"stop_gradient: expected a Value, a real number or a list, tuple, dict or numpy array of "
        f"them, got {type(x).__name__} {x!r:.80}"
    )


def _is_named(x: tuple[Any, ...]) -> bool:
    return hasattr(x, "_fields")


# --------------------------------------------------------------------------- argnums


class _ArgSpec:
    """A transform's validated ``f`` and ``argnums`` and the names of f's parameters."""

    def __init__(
        self,
        f: Callable[..., Any],
        argnums: int | Sequence[int],
        transform: str,
        *,
        has_aux: bool = False,
    ) -> None:
        if not callable(f):
            raise TypeError(f"{transform}: f must be callable, got {type(f).__name__} {f!r}")
        if not isinstance(has_aux, bool):
            raise TypeError(f"{transform}: has_aux must be a bool, got {has_aux!r}")
        self.has_aux = has_aux
        self.f = f
        self.transform = transform
        self.fname = getattr(f, "__name__", type(f).__name__)
        self.single = _is_index(argnums)
        if self.single:
            self.argnums: tuple[int, ...] = (argnums,)  # type: ignore[assignment]
        elif isinstance(argnums, (tuple, list)) and argnums:
            bad = [a for a in argnums if not _is_index(a)]
            if bad:
                raise TypeError(
                    f"{transform}: argnums must hold ints, got {type(bad[0]).__name__} "
                    f"{bad[0]!r} in {argnums!r}"
                )
            self.argnums = tuple(argnums)
        else:
            raise TypeError(
                f"{transform}: argnums must be an int or a non-empty tuple of ints, "
                f"got {type(argnums).__name__} {argnums!r}"
            )
        self.parameters = positional_parameters(f)
        most = self.parameters.most
        if most is not None:
            for a in self.argnums:
                if not -most <= a < most:
                    raise ValueError(
                        f"{transform}: argnums={a} is out of range: {self.fname} takes "
                        f"{most} positional argument(s) {list(self.parameters.names)}"
                    )

    def resolve(self, nargs: int) -> tuple[int, ...]:
        """The argnums as non-negative positions, checked against the call's arguments."""
        positions = []
        for a in self.argnums:
            if not -nargs <= a < nargs:
                raise ValueError(
                    f"{self.transform}({self.fname}): argnums={a} is out of range: it was called "
                    f"with {nargs} positional argument(s). Arguments to differentiate must be "
                    "passed positionally (keyword arguments are held constant)."
                )
            positions.append(a % nargs)
        if len(set(positions)) != len(positions):
            raise ValueError(
                f"{self.transform}({self.fname}): argnums {self.argnums!r} names the same "
                "argument twice"
            )
        return tuple(positions)

    def arg_name(self, position: int) -> str:
        return self.parameters.name(position)


def _is_index(a: object) -> bool:
    return isinstance(a, (int, np.integer)) and not isinstance(a, (bool, np.bool_))


# --------------------------------------------------------------------------- arguments


def _contains_value(x: Any) -> bool:
    if isinstance(x, Value):
        return True
    if isinstance(x, np.ndarray):
        return x.dtype == object and any(_contains_value(item) for item in x.flat)
    if isinstance(x, (list, tuple)):
        return any(_contains_value(item) for item in x)
    if isinstance(x, dict):
        return any(_contains_value(item) for item in x.values())
    return False


# --------------------------------------------------------------------------- evaluation


class _Trace:
    """One evaluation of ``f`` on lifted arguments: the output and the nodes to differentiate."""

    def __init__(
        self,
        spec: _ArgSpec,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        *,
        scalar: bool = True,
    ) -> None:
        where = f"{spec.transform}({spec.fname})"
        self.positions = spec.resolve(len(args))
        # Differentiable results are wanted when the caller can differentiate further.
        self.differentiable = is_grad_enabled() and (
            _DEPTH.get() > 0 or _contains_value(args) or _contains_value(kwargs)
        )
        self.args = args
        self.inputs: list[list[Value]] = []
        self.specs: list[ArgSpec] = []
        lifted = list(args)
        depth = _DEPTH.set(_DEPTH.get() + 1)
        try:
            # f is traced even when the caller is inside no_grad(): differentiating it is the
            # point of the call. A no_grad() block inside f still makes constants.
            with enable_grad():
                for position in self.positions:
                    nodes: list[Value] = []
                    name = spec.arg_name(position)
                    how = Lifting(f"{where}: argument {position} ({name!r})", new_nodes=True)
                    arg = ArgSpec.of(args[position], name, how)
                    lifted[position] = arg.lift(args[position], nodes, [])
                    self.inputs.append(nodes)
                    self.specs.append(arg)
                result = spec.f(*lifted, **kwargs)
        finally:
            _DEPTH.reset(depth)
        self.aux: Any = None
        if spec.has_aux:
            if not isinstance(result, tuple | list) or len(result) != 2:
                raise TypeError(
                    f"{where}: with has_aux=True, f must return a pair (output, aux), got "
                    f"{type(result).__name__} {result!r:.80}"
                )
            result, self.aux = result
        self.result = result
        self.output: Value | float = _scalar_output(result, where) if scalar else 0.0

    @property
    def flat_inputs(self) -> list[Value]:
        return [node for nodes in self.inputs for node in nodes]

    def value(self) -> Any:
        if self.differentiable:
            return self.output if isinstance(self.output, Value) else Value(self.output)
        return self.output.data if isinstance(self.output, Value) else self.output

    def finish(self, g: Any) -> Any:
        """A computed derivative as the caller gets it: a float, or a Value when differentiable."""
        if self.differentiable:
            return g if isinstance(g, Value) else Value(g)
        return g.data if isinstance(g, Value) else float(g)


def _scalar_output(result: Any, where: str) -> Value | float:
    if isinstance(result, np.ndarray) and result.shape == ():
        result = result[()]
    if isinstance(result, Value):
        return result
    if isinstance(result, numbers.Real) and not isinstance(result, (bool, np.bool_)):
        return float(result)  # a constant: every derivative is 0
    if isinstance(result, np.ndarray):
        raise TypeError(
            f"{where}: f must return a scalar Value, but it returned a numpy array of shape "
            f"{result.shape}; reduce it to one entry first (e.g. out.sum() or out[0, 0])"
        )
    if isinstance(result, (list, tuple)):
        raise TypeError(
            f"{where}: f must return a scalar Value, but it returned a {type(result).__name__} "
            f"of {len(result)} items; reduce it first (e.g. with sum_values)"
        )
    raise TypeError(
        f"{where}: f must return a scalar Value (or a real number, whose derivative is 0), "
        f"but it returned {type(result).__name__} {result!r:.80}"
    )


def _first_derivatives(trace: _Trace, create_graph: bool) -> list[Any]:
    inputs = trace.flat_inputs
    if not isinstance(trace.output, Value):
        return [0.0] * len(inputs)
    with enable_grad():
        return gradients(trace.output, inputs, create_graph=create_graph)


def _value_and_grad(
    spec: _ArgSpec, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Any, Any]:
    trace = _Trace(spec, args, kwargs)
    flat = iter(trace.finish(g) for g in _first_derivatives(trace, trace.differentiable))
    per_argument = tuple(arg.rebuild(flat) for arg in trace.specs)
    value = (trace.value(), trace.aux) if spec.has_aux else trace.value()
    return value, per_argument[0] if spec.single else per_argument


def _hessian(spec: _ArgSpec, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    trace = _Trace(spec, args, kwargs)
    inputs = trace.flat_inputs
    n = len(inputs)
    if not trace.differentiable:
        output = trace.output
        if not isinstance(output, Value):
            return np.zeros((n, n), dtype=np.float64)
        if not has_user_ops(topological_order(output)):
            return hessian_forward_over_reverse(output, inputs)
    first = _first_derivatives(trace, create_graph=True)
    rows: list[list[Any]] = []
    with enable_grad():
        for g in first:
            if isinstance(g, Value):
                row = gradients(g, inputs, create_graph=trace.differentiable)
            else:  # a constant first derivative: its row is zero
                row = [0.0] * n
            rows.append([trace.finish(d) for d in row])
    if trace.differentiable:
        out = np.empty((n, n), dtype=object)
        for i, row in enumerate(rows):
            for j, d in enumerate(row):
                out[i, j] = d
        return out
    return np.array(rows, dtype=np.float64).reshape(n, n)


def _outputs(result: Any, where: str) -> tuple[list[Value | float], tuple[int, ...]]:
    """f's outputs as a flat list and the shape they had (``()`` for one)."""
    if isinstance(result, np.ndarray):
        flat = [_scalar_output(item, where) for item in result.ravel()]
        return flat, tuple(result.shape)
    if isinstance(result, list | tuple):
        return [_scalar_output(item, where) for item in result], (len(result),)
    return [_scalar_output(result, where)], ()


def _argument_shape(x: Any, count: int) -> tuple[int, ...]:
    if isinstance(x, np.ndarray):
        return tuple(x.shape)
    if isinstance(x, list | tuple | dict):
        return (count,)
    return ()


def _jacobian(spec: _ArgSpec, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    trace = _Trace(spec, args, kwargs, scalar=False)
    outputs, out_shape = _outputs(trace.result, f"{spec.transform}({spec.fname})")
    inputs = trace.flat_inputs
    rows: list[list[float]] = []
    with enable_grad():
        for out in outputs:
            if isinstance(out, Value):
                rows.append([float(getattr(g, "data", g)) for g in gradients(out, inputs)])
            else:
                rows.append([0.0] * len(inputs))
    matrix = np.array(rows, dtype=np.float64).reshape(len(outputs), len(inputs))
    results = []
    start = 0
    for position, nodes in zip(trace.positions, trace.inputs, strict=True):
        block = matrix[:, start : start + len(nodes)]
        start += len(nodes)
        shaped = block.reshape(out_shape + _argument_shape(args[position], len(nodes)))
        results.append(float(shaped) if shaped.shape == () else shaped)
    return results[0] if spec.single else tuple(results)


def _primal_out(trace: _Trace) -> Any:
    """f's output as :func:`vjp` returns it: its structure, with floats for Values."""
    result = trace.result
    if trace.differentiable:
        return result
    if isinstance(result, np.ndarray):
        return np.array([float(_data(item)) for item in result.ravel()]).reshape(result.shape)
    if isinstance(result, list | tuple):
        items = [float(_data(item)) for item in result]
        return items if isinstance(result, list) else tuple(items)
    return float(_data(result))


def _data(x: Any) -> Any:
    return x.data if isinstance(x, Value) else x


def _cotangent(c: Any, shape: tuple[int, ...], where: str) -> list[Any]:
    """The cotangent's entries in the output's order, checked against the output's shape."""
    if isinstance(c, Value) or (isinstance(c, numbers.Real) and not isinstance(c, bool)):
        entries = np.array([c], dtype=object).reshape(())
    elif isinstance(c, np.ndarray | list | tuple):
        entries = np.empty(np.shape(c) if isinstance(c, np.ndarray) else (len(c),), dtype=object)
        flat = list(c.ravel()) if isinstance(c, np.ndarray) else list(c)
        for i, item in enumerate(flat):
            entries.flat[i] = item
    else:
        raise TypeError(
            f"{where}: the cotangent must be a number, a Value, or a sequence or array of them "
            f"shaped like f's output {shape}, got {type(c).__name__} {c!r:.80}"
        )
    if entries.shape != shape:
        raise ValueError(
            f"{where}: the cotangent has shape {entries.shape}, but f's output has shape "
            f"{shape}; give one number per output"
        )
    weights = list(entries.ravel())
    for i, w in enumerate(weights):
        if isinstance(w, Value):
            continue
        if not isinstance(w, numbers.Real) or isinstance(w, bool | np.bool_):
            raise TypeError(
                f"{where}: cotangent entry {i} must be a real number or a Value, got "
                f"{type(w).__name__} {w!r:.80}"
            )
        weights[i] = float(w)
    return weights
