"""``compile(f)``: trace a function once, then run it as generated straight-line Python.

The compiled function computes ``f``'s value and the gradient with respect to every argument
without building any ``Value`` at run time: one line of Python per op forward, one line per
gradient backward, read off the rule table (see :mod:`autograd_lite.jit.symbolic`). Its source is
kept in ``.source``, written the way one would by hand, so it also shows what backpropagation
does. With ``batch=`` the same graph runs on whole arrays of samples with numpy. A graph of more
than :data:`TAPE_MIN_OPS` ops runs on a numpy tape instead (:mod:`autograd_lite.jit.tape`):
Python compiles straight-line source at about 15 µs a line, too slow for 65,000 ops.

Example:
    >>> import autograd_lite as al
    >>> def f(x, w):
    ...     return (x * w).tanh()
    >>> step = al.compile(f, 0.5, -1.0)
    >>> value, (dx, dw) = step(2.0, 0.25)
    >>> round(value, 6), round(dx, 6), round(dw, 6)
    (0.462117, 0.196612, 1.572895)
"""

from __future__ import annotations

import builtins
import gc
import heapq
import linecache
import threading
import weakref
from collections.abc import Callable, Sequence
from itertools import count
from typing import Any

import numpy as np

from ..core.arguments import argument_names
from ..core.errors import DomainError
from ..core.flatten import as_float_array
from .codegen import Program, program
from .fused import fused_program
from .tape import Tape
from .trace import TracedGraph, trace
from .writer import NUMPY_NAMESPACE, SCALAR_NAMESPACE

__all__ = ["BACKENDS", "TAPE_MIN_OPS", "CompiledFunction", "compile"]

_REDUCTIONS = ("mean", "sum")
BACKENDS = ("auto", "source", "tape")
"""What ``compile(..., backend=)`` accepts: ``"source"`` writes straight-line Python (readable,
fastest per call, slow to compile when big), ``"tape"`` runs level-scheduled numpy groups
(quick to compile at any size, scalar mode only), ``"auto"`` picks by size."""

TAPE_MIN_OPS = 5_000
"""``backend="auto"`` runs a scalar-mode graph with more ops than this on the tape: straight-line
source of that size already takes about half a second to compile."""


class _Serials:
    """Numbers for the generated code's file names, reused once their function is gone.

    Each compiled function needs a file name of its own (its lines are shown in tracebacks
    through ``linecache``), but Python keeps every code object's file name it has seen
    interned: fresh numbers forever would grow memory by ~80 bytes a compile, without bound.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._free: list[int] = []
        self._next = count(1)

    def take(self) -> int:
        with self._lock:
            return heapq.heappop(self._free) if self._free else next(self._next)

    def give_back(self, serial: int, filename: str) -> None:
        linecache.cache.pop(filename, None)
        with self._lock:
            heapq.heappush(self._free, serial)


_SERIALS = _Serials()

ArgSelector = int | str | Sequence[int | str] | None


def compile(  # the package's compile; inside the package the builtin is builtins.compile
    f: Callable[..., Any] | None = None,
    /,
    *example_args: Any,
    batch: ArgSelector = None,
    reduce: str = "mean",
    wrt: ArgSelector = None,
    backend: str = "auto",
) -> Any:
    """Compile ``f`` into straight-line Python that returns its value and all its gradients.

    ``f`` takes positional arguments and returns one scalar ``Value`` (a loss). It is traced
    on example arguments: when they are given here, at once; otherwise on the first call
    (so ``compile`` works as a decorator). Later calls take new arguments of the same
    structure: the same argument kinds, lengths, shapes and dict keys.

    What an argument may be: a real number, a ``Value`` leaf, a list / tuple / dict of those
    (nested), a numpy array of reals, or an object with ``.parameters()`` returning leaf Values
    (an ``autograd_lite.nn`` model: its parameters' current ``.data`` is read on each call).

    Batched mode: ``batch`` names the arguments that hold a batch of samples on a leading
    axis (like ``X`` of shape ``(n, 2)`` and ``y`` of shape ``(n,)``). ``f`` is written for
    ONE sample (it receives ``X[i]`` and ``y[i]``), and the compiled function evaluates it for
    all samples at once with one numpy call per op, returning the mean (or, with
    ``reduce="sum"``, the sum) over the batch and its gradients: summed over the batch for the
    other arguments (parameters), per sample for the batched ones. Terms of ``f`` that do not
    depend on the sample (an L2 penalty on the weights) are computed once.

    Rules of tracing:

    - A Python decision on a Value inside ``f`` (``if`` on a comparison, ``bool(v)``,
      ``max()`` of Values) raises :class:`~autograd_lite.core.errors.TracingError`: straight-line
      code cannot follow it. ``relu`` and ``abs`` are fine: they compile to conditional
      expressions.
    - ``f`` runs twice while tracing; leaves it creates are constants, and Values it reads from
      outside (a model it closes over) are read afresh on every call, and their gradients are
      added by :meth:`CompiledFunction.backward`.
    - Reading ``.data`` of a Value ``f`` gets or reaches raises
      :class:`~autograd_lite.core.errors.TracingError`: the number would be frozen into the
      code and the compiled function would return wrong results for other arguments.
      Numbers ``f`` computes from plain Python numbers are constants, as in JAX.

    Args:
        f: the function. Omit it to get a decorator: ``@compile(batch="x")``.
        *example_args: arguments to trace on (for batched arguments, the whole batch; the
            first sample is traced). Omit to trace on the first call.
        batch: positions or names of the batched arguments, or None.
        reduce: how batched results combine: ``"mean"`` or ``"sum"``.
        wrt: positions or names of the arguments to differentiate (default all); the others'
            gradients are returned as None and cost nothing.
        backend: ``"auto"`` (default), ``"source"`` or ``"tape"``, see :data:`BACKENDS`.
            Both give the interpreter's values, gradients and errors; only ``"source"`` has
            a ``.source``.

    Returns:
        A :class:`CompiledFunction` (or a decorator when ``f`` is omitted).

    Example:
        >>> import numpy as np, autograd_lite as al
        >>> def loss(w, x, y):                     # one sample
        ...     return (w[0] * x[0] + w[1] * x[1] - y) ** 2
        >>> X, Y = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, 2.0])
        >>> step = al.compile(loss, [0.5, -0.5], X, Y, batch=("x", "y"), wrt="w")
        >>> value, (dw, dx, dy) = step([0.5, -0.5], X, Y)
        >>> value, [round(g, 6) for g in dw], dx
        (4.25, [-9.0, -13.0], None)
    """
    if f is None:
        if example_args:
            raise TypeError("compile: pass f before the example arguments")

        def decorate(g: Callable[..., Any]) -> CompiledFunction:
            return CompiledFunction(g, (), batch=batch, reduce=reduce, wrt=wrt, backend=backend)

        return decorate
    return CompiledFunction(f, example_args, batch=batch, reduce=reduce, wrt=wrt, backend=backend)


class CompiledFunction:
    """A traced function turned into generated Python (see :func:`compile`).

    Calling it returns ``(value, grads)``: the float value of ``f`` (the batch mean or sum in
    batched mode) and a tuple with one gradient per argument, shaped like the argument (a
    float for a number, an array for an array, a list of floats in ``.parameters()`` order
    for a model; None for arguments not in ``wrt``).

    Attributes:
        f: the original function.
        batch: the batched argument positions (empty for scalar mode).
        reduce: ``"mean"`` or ``"sum"`` (batched mode).
        fuse: batched mode writes each layer of neurons as one matrix product (see
            :mod:`autograd_lite.jit.fused`); False keeps one numpy call per op, the plain
            reference the fused code is tested against.
        backend: the backend asked for (see :data:`BACKENDS`); once traced, ``"auto"``
            becomes the one chosen, ``"source"`` or ``"tape"``.
    """

    def __init__(
        self,
        f: Callable[..., Any],
        example_args: Sequence[Any],
        *,
        batch: ArgSelector = None,
        reduce: str = "mean",
        wrt: ArgSelector = None,
        fuse: bool = True,
        backend: str = "auto",
    ) -> None:
        if not callable(f):
            raise TypeError(f"compile: f must be callable, got {type(f).__name__} {f!r:.60}")
        if reduce not in _REDUCTIONS:
            raise ValueError(f"compile: reduce must be 'mean' or 'sum', got {reduce!r}")
        if backend not in BACKENDS:
            raise ValueError(
                f"compile: backend must be one of {', '.join(map(repr, BACKENDS))}, got {backend!r}"
            )
        if backend == "tape" and batch is not None:
            raise ValueError(
                "compile: backend='tape' runs scalar mode only; batched mode (batch=...) "
                "writes numpy source, use backend='auto' or 'source'"
            )
        self.backend = backend
        self.f = f
        self.reduce = reduce
        self.fuse = fuse
        self._batch_request = batch
        self._wrt_request = wrt
        self.fname = getattr(f, "__name__", type(f).__name__)
        self.batch: tuple[int, ...] = ()
        self._graph: TracedGraph | None = None
        self._program: Program | None = None
        self._wrt_slots: tuple[int, ...] = ()
        self._fn: Callable[..., Any] | None = None
        if example_args:
            self._build(tuple(example_args))

    # ------------------------------------------------------------------ building

    def _where(self) -> str:
        return f"compile({self.fname})"

    def _positions(self, request: ArgSelector, names: list[str], what: str) -> tuple[int, ...]:
        if request is None:
            return ()
        items = [request] if isinstance(request, int | str) else list(request)
        positions = []
        for item in items:
            if isinstance(item, str):
                if item not in names:
                    raise ValueError(
                        f"{self._where()}: {what} names {item!r}, but f's arguments are {names}"
                    )
                positions.append(names.index(item))
            elif isinstance(item, int) and not isinstance(item, bool):
                if not -len(names) <= item < len(names):
                    raise ValueError(
                        f"{self._where()}: {what} position {item} is out of range for "
                        f"{len(names)} arguments"
                    )
                positions.append(item % len(names))
            else:
                raise TypeError(f"{self._where()}: {what} must hold ints or names, got {item!r}")
        return tuple(sorted(set(positions)))

    def _build(self, args: tuple[Any, ...]) -> None:
        # Tracing makes two Values per op and keeps them all: the cyclic collector would walk
        # them again and again (a third of the compile time of a 65,000-op graph). Nothing
        # here makes a cycle; whatever f does is collected after.
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._trace_and_generate(args)
        finally:
            if collecting:
                gc.enable()

    def _trace_and_generate(self, args: tuple[Any, ...]) -> None:
        names = argument_names(self.f, len(args))
        self.batch = self._positions(self._batch_request, names, "batch")
        wrt = self._positions(self._wrt_request, names, "wrt") or tuple(range(len(args)))
        self._wrt_args = frozenset(wrt)
        examples = list(args)
        self._sample_shapes: dict[int, tuple[int, ...]] = {}
        for position in self.batch:
            a = as_float_array(args[position], names[position])
            if a.ndim == 0 or a.shape[0] == 0:
                raise ValueError(
                    f"{self._where()}: batched argument {names[position]!r} needs a leading "
                    f"batch axis with at least one sample, got shape {a.shape}"
                )
            self._sample_shapes[position] = a.shape[1:]
            examples[position] = a[0] if a.ndim > 1 else float(a[0])
        graph = trace(self.f, examples, names, self._where())
        slot_batched: list[bool] = []
        slot_wrt: list[bool] = []
        for position, spec in enumerate(graph.specs):
            slot_batched += [position in self.batch] * spec.size
            slot_wrt += [position in self._wrt_args] * spec.size
        self._slot_batched = slot_batched
        self._n_args = len(args)
        if self.backend == "tape" or (
            self.backend == "auto" and not self.batch and _count_ops(graph) > TAPE_MIN_OPS
        ):
            tape = Tape(graph.nodes, graph.input_nodes, slot_wrt, self._where())
            self.backend = "tape"
            self._graph, self._program, self._fn = graph, None, tape
            self._wrt_slots = tape.wrt_slots
            return
        self.backend = "source"
        parts = (graph.nodes, graph.input_nodes, graph.input_labels)
        name = _identifier(self.fname)
        if not self.batch:
            prog = program(*parts, slot_wrt, None, name=name)
        elif self.fuse:
            prog = fused_program(*parts, slot_wrt, slot_batched, name=name)
        else:
            prog = program(*parts, slot_wrt, slot_batched, name=name)
        serial = _SERIALS.take()
        filename = f"<autograd_lite.compile {self.fname} #{serial}>"
        code = builtins.compile(prog.source, filename, "exec")
        namespace: dict[str, Any] = dict(NUMPY_NAMESPACE if self.batch else SCALAR_NAMESPACE)
        namespace["np"] = np
        exec(code, namespace)
        # Tracebacks through the generated code show its lines.
        linecache.cache[filename] = (len(prog.source), None, prog.source.splitlines(True), filename)
        # ... while this object lives: then the lines go too (1.8 MiB per 1,000 compiles),
        # and the name is free for the next compile.
        weakref.finalize(self, _SERIALS.give_back, serial, filename)
        self._graph, self._program, self._fn = graph, prog, namespace[prog.name]
        self._wrt_slots = prog.wrt_slots

    # ------------------------------------------------------------------ facts

    @property
    def source(self) -> str:
        """The generated Python source (one line per op forward, per gradient backward).

        Raises:
            RuntimeError: the function runs on the tape backend, which writes no source.
        """
        prog = self._require_program()
        return prog.source

    @property
    def graph(self) -> TracedGraph:
        """The traced graph the code was generated from."""
        return self._require()

    @property
    def num_ops(self) -> int:
        """How many op nodes the traced graph has (lines of the forward pass)."""
        return _count_ops(self.graph)

    def _require(self) -> TracedGraph:
        if self._graph is None:
            raise RuntimeError(
                f"{self._where()} has not been traced yet: call it once, or pass example "
                "arguments to compile()"
            )
        return self._graph

    def _require_program(self) -> Program:
        graph = self._require()
        if self._program is None:
            raise RuntimeError(
                f"{self._where()} runs on the tape backend ({_count_ops(graph):,} ops, more "
                f"than {TAPE_MIN_OPS:,} or backend='tape'), which writes no Python source; "
                "compile with backend='source' to get it"
            )
        return self._program

    def __repr__(self) -> str:
        if self._graph is None:
            return f"CompiledFunction({self.fname}, not traced yet)"
        mode = f", batch={list(self.batch)}, reduce={self.reduce!r}" if self.batch else ""
        tape = ", tape" if self.backend == "tape" else ""
        return f"CompiledFunction({self.fname}, {self.num_ops} ops{mode}{tape})"

    # ------------------------------------------------------------------ running

    def __call__(self, *args: Any) -> tuple[float, tuple[Any, ...]]:
        """Run the compiled code on new arguments of the traced structure.

        Returns:
            ``(value, grads)``: the value as a float and one gradient per argument.
        """
        value, flat_grads = self._run(args)
        return value, self._rebuild(args, flat_grads)[0]

    def backward(self, *args: Any) -> float:
        """Run it and add the gradients into ``.grad`` of every Value involved, like
        ``loss.backward()``: Value arguments, model parameters, and captured Values.

        Returns:
            The value.

        Example:
            >>> import autograd_lite as al
            >>> w = al.Value(3.0, label="w")
            >>> step = al.compile(lambda w, x: w * x, w, 2.0)
            >>> step.backward(w, 5.0), w.grad
            (15.0, 5.0)
        """
        value, flat_grads = self._run(args)
        grads, captured = self._rebuild(args, flat_grads)
        for position, (spec, arg, g) in enumerate(zip(self.graph.specs, args, grads, strict=True)):
            if position not in self._wrt_args or position in self.batch:
                continue  # batched arguments are data arrays: no Values to update
            flat = _flatten_grad(g)
            for v, d in zip(spec.values(arg), flat, strict=True):
                if v is not None:
                    v.grad += d
        for v, d in zip(self.graph.captured, captured, strict=True):
            v.grad += d
        return value

    def _run(self, args: tuple[Any, ...]) -> tuple[float, tuple[Any, ...]]:
        if self._fn is None:
            self._build(args)
        graph = self._require()
        fn = self._fn
        assert fn is not None
        if len(args) != self._n_args:
            raise TypeError(
                f"{self._where()}: expected {self._n_args} arguments as when traced, "
                f"got {len(args)}"
            )
        flat: list[float] = []
        batch = self.batch
        if not batch:
            for spec, arg in zip(graph.specs, args, strict=True):
                spec.flatten(arg, flat)
            flat.extend([v.data for v in graph.captured])
            if self._program is None:
                tape_value, tape_grads = fn(flat)  # the tape locates its errors itself
                return float(tape_value), tape_grads
            try:
                value, grads = fn(flat)
            except (ArithmeticError, ValueError) as err:
                raise self._explain(err) from None
            return value, grads
        rows, n = self._batched_rows(args)
        for position, (spec, arg) in enumerate(zip(graph.specs, args, strict=True)):
            if position not in batch:
                spec.flatten(arg, flat)
        flat.extend([v.data for v in graph.captured])
        output_batched = _depends_on_batch(graph, self._slot_batched)
        scale = 1.0 / n if self.reduce == "mean" else 1.0
        seed: Any = np.full(n, scale) if output_batched else scale * n
        try:
            value, grads = fn(_spread(flat, self._slot_batched), rows, seed)
        except (ArithmeticError, ValueError) as err:
            raise self._explain(err) from None
        if output_batched:
            total = float(np.sum(value))
            value = total / n if self.reduce == "mean" else total
        else:
            value = float(value) * (1.0 if self.reduce == "mean" else n)
        self._batch_size = n
        return value, grads

    def _batched_rows(self, args: tuple[Any, ...]) -> tuple[np.ndarray[Any, Any], int]:
        names = argument_names(self.f, len(args))
        blocks = []
        n = -1
        for position in self.batch:
            a = as_float_array(args[position], names[position])
            shape = self._sample_shapes[position]
            if a.ndim == 0 or a.shape[1:] != shape:
                raise ValueError(
                    f"{self._where()}: batched argument {names[position]!r} must have shape "
                    f"(n, {', '.join(map(str, shape))}{',' if len(shape) == 0 else ''}) as "
                    f"traced; got {a.shape}"
                )
            if n < 0:
                n = a.shape[0]
            elif a.shape[0] != n:
                raise ValueError(
                    f"{self._where()}: batched arguments disagree on the number of samples "
                    f"({n} and {a.shape[0]} for {names[position]!r})"
                )
            blocks.append(a.reshape(n, -1).T)
        if n == 0:
            raise ValueError(f"{self._where()}: the batch is empty")
        rows = np.ascontiguousarray(np.concatenate(blocks, axis=0))
        return rows, n

    def _rebuild(
        self, args: tuple[Any, ...], flat_grads: tuple[Any, ...]
    ) -> tuple[tuple[Any, ...], list[float]]:
        graph = self._require()
        per_slot: list[Any] = [None] * len(self._slot_batched)
        n_wrt = len(self._wrt_slots)
        batched = self._slot_batched
        n = getattr(self, "_batch_size", 1)
        for slot, g in zip(self._wrt_slots, flat_grads[:n_wrt], strict=True):
            if batched[slot]:
                per_slot[slot] = np.broadcast_to(np.asarray(g, dtype=np.float64), (n,))
            else:
                per_slot[slot] = float(g)
        captured = [float(g) for g in flat_grads[n_wrt:]]
        out: list[Any] = []
        start = 0
        for position, spec in enumerate(graph.specs):
            stop = start + spec.size
            if position not in self._wrt_args:
                out.append(None)
            elif position in self.batch:
                stacked = np.array(per_slot[start:stop], dtype=np.float64).T
                out.append(stacked.reshape((n, *self._sample_shapes[position])))
            else:
                out.append(spec.rebuild(iter(per_slot[start:stop])))
            start = stop
        return tuple(out), captured

    # ------------------------------------------------------------------ errors

    def _explain(self, err: BaseException) -> BaseException:
        """The error of an op in the generated code, located: node, label, line, sample."""
        graph, prog = self._require(), self._require_program()
        fn = self._fn
        tb = err.__traceback__
        frame = None
        while tb is not None:
            if fn is not None and tb.tb_frame.f_code is fn.__code__:
                frame = tb.tb_frame
                lineno = tb.tb_lineno
            tb = tb.tb_next
        if frame is None:
            return err
        index = prog.line_nodes.get(lineno)
        if index is None:
            return err
        node = graph.nodes[index]
        assert node.rule is not None
        values = []
        for p in node.parents:
            name = prog.variables[p]
            values.append(graph.nodes[p].value if name is None else frame.f_locals[name])
        where = (
            f"in {self._where()}, line {lineno} of .source: node "
            f"{prog.variables[index]!r} ({node.rule.name}"
            + (f", label {node.label!r}" if node.label is not None else "")
            + ")"
        )
        n = max((np.size(v) for v in values), default=1)
        for sample in range(n):
            point = [float(np.ravel(v)[sample if np.size(v) > 1 else 0]) for v in values]
            inputs = ", ".join(
                f"{_describe(graph.nodes[p].label, prog.variables[p])} = {x!r}"
                for p, x in zip(node.parents, point, strict=True)
            )
            at = f", sample {sample}" if self.batch else ""
            try:
                node.rule.forward(*point)
            except DomainError as inner:
                return type(inner)(
                    f"{inner} [{where}{at}; inputs: {inputs}]", inner.op, inner.inputs
                )
            except (ArithmeticError, ValueError) as inner:
                return type(inner)(f"{inner} [{where}{at}; inputs: {inputs}]")
        return type(err)(f"{err} [{where}]")


def _count_ops(graph: TracedGraph) -> int:
    return sum(1 for n in graph.nodes if n.kind == "op")


def _describe(label: str | None, variable: str | None) -> str:
    if label is not None:
        return repr(label)
    return variable if variable is not None else "constant"


def _identifier(name: str) -> str:
    from .writer import sanitize

    return "compiled_" + sanitize(name, "f")


def _spread(flat: list[float], slot_batched: list[bool]) -> list[float]:
    """Shared values indexed by slot (batched slots hold a placeholder 0.0)."""
    if not any(slot_batched):
        return flat
    out: list[float] = []
    it = iter(flat)
    for b in slot_batched:
        out.append(0.0 if b else next(it))
    out.extend(it)  # the captured values
    return out


def _depends_on_batch(graph: TracedGraph, slot_batched: list[bool]) -> bool:
    batched = [False] * len(graph.nodes)
    for i, node in enumerate(graph.nodes):
        if node.kind == "input":
            batched[i] = slot_batched[node.slot]
        elif node.kind == "op":
            batched[i] = any(batched[p] for p in node.parents)
    return batched[-1]


def _flatten_grad(g: Any) -> list[float]:
    """A gradient rebuilt by an ArgSpec, back to one flat list of floats (slot order)."""
    if isinstance(g, np.ndarray):
        return [float(x) for x in g.ravel()]
    if isinstance(g, list | tuple):
        return [x for item in g for x in _flatten_grad(item)]
    if isinstance(g, dict):
        return [x for item in g.values() for x in _flatten_grad(item)]
    return [float(g)]
