"""The tape backend of ``compile``: a big traced graph run as a few numpy calls per level.

Straight-line source costs ``builtins.compile`` about 15 µs per line, so a graph of 65,000 ops
takes seconds to compile that way. A :class:`Tape` instead sorts the ops once into *groups*:
the ops of one kind (rule, parameter and number of inputs) at one topological level, where
the level of an op is one more than its deepest input's. No op of a group reads another, so

- forward, each group is one gather of its inputs from the array of node values, one
  computation, one scatter of the results. Arithmetic (``+ - * /``, sums, dot products) is
  one numpy expression, the same IEEE operations as the interpreter's; any other op calls the
  rule's own float function on each element, since numpy's ``tanh`` or ``power`` may differ
  from the interpreter's in the last bits;
- backward, in reverse, each group gathers its gradients and adds ``local derivative *
  gradient`` into its inputs' gradient slots (``np.add.at`` where an input repeats).

A chain of additions whose partial sums nothing else reads (what ``sum()`` over Values and a
neuron's ``b + w0*x0 + w1*x1...`` build) is one op of the schedule: ``np.add.accumulate`` adds
left to right, so its partial sums are the chain's own, bit for bit, and every number summed
gets the gradient of the chain's end. On micrograd's demo step that takes the schedule from
about 340 levels (one per addition of the L2 penalty's sum) to about 15.

The per-op numpy code is not written here. Each kind of op gets two small functions, written
once per tape from :mod:`autograd_lite.jit.codegen`: its forward expression and its local
derivatives, which codegen reads off the rule table (a derivative with an inactive branch,
relu's, becomes ``np.where(x0 <= 0.0, 0.0, g)``, so ``0 * inf`` through a relu that is off is 0
here too). Results are the interpreter's: an op that numpy flags or a rule refuses (a division
by zero, an undefined value, ``inf - inf``) sends the whole forward pass through the rules' own
float functions, node by node, which either gives the interpreter's numbers or raises its
error, located at the node.
"""

from __future__ import annotations

import builtins
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from ..core.errors import DomainError
from ..core.rules import Rule
from .symbolic import BinOp, Const, Expr, Neg, Var, forward_expr, local_grad_exprs
from .trace import TracedNode
from .writer import NUMPY_NAMESPACE, gated_product
from .writer import render as render_expr

__all__ = ["Tape"]

Array = np.ndarray[Any, Any]
Kernel = Callable[..., Any]


@dataclass(frozen=True)
class _Group:
    """Ops of one kind at one level: ``members[j]`` reads ``operands[k][j]`` as input k.

    A group of add chains (``rule`` None) has one column per chain: ``operands`` holds its
    first number and the terms, ``members`` its partial sums, the last row the chain's end.
    """

    rule: Rule | None
    members: Array  # shape (count,), or (length, count) for add chains
    operands: Array  # shape (arity, count)
    repeats: tuple[bool, ...]  # per input: does a node appear twice in that row? (chains: at all)
    wanted: tuple[bool, ...]  # per input: does any of its nodes need a gradient?
    forward: Kernel
    backward: Kernel | None  # None: no input needs a gradient (chains: see wanted)


_CHAIN = "add chain"


class Tape:
    """A traced graph compiled to level-scheduled numpy groups (see the module docstring).

    Calling it with the flat input values (then the captured Values' numbers) returns
    ``(value, gradients)`` exactly as the function of a straight-line
    :class:`~autograd_lite.jit.codegen.Program` does: the gradients of the input slots in
    ``wrt``, in slot order, then one per captured Value.

    Args:
        nodes: the traced graph's nodes in topological order, output last.
        input_nodes: node index per input slot (-1: unused).
        wrt: per input slot, whether its gradient is wanted.
        where: prefix for error messages, e.g. ``"compile(loss)"``.

    Example:
        >>> import autograd_lite as al
        >>> step = al.compile(lambda x, y: (x * y).relu() + x, 2.0, 3.0, backend="tape")
        >>> step(2.0, 3.0)
        (8.0, (4.0, 2.0))
    """

    def __init__(
        self,
        nodes: Sequence[TracedNode],
        input_nodes: Sequence[int],
        wrt: Sequence[bool],
        where: str = "compile",
    ) -> None:
        self.nodes = tuple(nodes)
        self.where = where
        n = len(nodes)
        needs = [False] * n
        level = [0] * n
        start = np.zeros(n)
        keyed: dict[tuple[int, Rule | str, int], list[int]] = {}
        captured: list[tuple[int, int]] = []
        chains = _add_chains(nodes)
        for i, node in enumerate(nodes):
            rule = node.rule
            if rule is not None:
                parents = node.parents
                chain = chains.get(i)
                if chain is not None:
                    if i != chain[0][-1]:
                        continue  # a partial sum: the chain is scheduled at its end
                    depth = max([level[p] for p in chain[1]])
                    chain_needs = any([needs[p] for p in chain[1]])
                    for m in chain[0]:
                        level[m], needs[m] = depth + 1, chain_needs
                    key: tuple[int, Rule | str, int] = (depth, _CHAIN, len(chain[1]))
                elif len(parents) == 2:  # most ops: written out, the loop is compile's hot path
                    a, b = parents
                    depth = level[a] if level[a] > level[b] else level[b]
                    needs[i] = needs[a] or needs[b]
                    level[i] = depth + 1
                    key = (depth, rule, 2)
                else:
                    depth = max([level[p] for p in parents], default=0)
                    needs[i] = any([needs[p] for p in parents])
                    level[i] = depth + 1
                    key = (depth, rule, len(parents))
                members = keyed.get(key)
                if members is None:
                    keyed[key] = [i]
                else:
                    members.append(i)
            elif node.kind == "input":
                needs[i] = bool(wrt[node.slot])
            elif node.kind == "captured":
                needs[i] = True
                captured.append((node.slot, i))
            else:
                start[i] = node.value
        self._start = start
        n_slots = len(input_nodes)
        fed = [(slot, i) for slot, i in enumerate(input_nodes) if i >= 0]
        fed += [(n_slots + slot, i) for slot, i in captured]
        self._feed_from = np.array([s for s, _ in fed], dtype=np.intp)
        self._feed_to = np.array([i for _, i in fed], dtype=np.intp)
        self._output = n - 1
        wrt_slots = [s for s in range(n_slots) if wrt[s]]
        # An unused input's gradient is 0.0: read from a slot past the nodes that stays 0.
        self._grad_of = np.array(
            [input_nodes[s] if input_nodes[s] >= 0 else n for s in wrt_slots]
            + [i for _, i in sorted(captured)],
            dtype=np.intp,
        )
        self.wrt_slots = tuple(wrt_slots)
        kernels: dict[tuple[str, float | None, int], tuple[Kernel, Kernel]] = {}
        groups: list[_Group] = []
        for (_, kind, arity), tails in sorted(keyed.items(), key=_by_level):
            if isinstance(kind, str):  # add chains
                chain_rows = [chains[t] for t in tails]
                sums = np.array([c[0] for c in chain_rows], dtype=np.intp).T
                operands = np.array([c[1] for c in chain_rows], dtype=np.intp).T
                flat = operands.ravel().tolist()
                needed = any([needs[p] for p in flat]) and any([needs[t] for t in tails])
                groups.append(
                    _Group(
                        None, sums, operands, (len(set(flat)) < len(flat),), (needed,),
                        _partial_sums, None,
                    )
                )  # fmt: skip
                continue
            which = (kind.name, kind.param, arity)
            kernel = kernels.get(which)
            if kernel is None:
                kernel = kernels[which] = _kernels(kind, arity)
            operands = np.array([nodes[m].parents for m in tails], dtype=np.intp).T
            rows = operands.tolist()
            wanted = tuple(any([needs[p] for p in row]) for row in rows)
            repeats = tuple(len(set(row)) < len(row) for row in rows)
            backward = kernel[1] if any(wanted) and any([needs[m] for m in tails]) else None
            groups.append(
                _Group(
                    kind, np.array(tails, dtype=np.intp), operands,
                    repeats, wanted, kernel[0], backward,
                )
            )  # fmt: skip
        self.groups = tuple(groups)
        self.num_kernels = len(kernels)

    def __call__(self, inputs: Sequence[float]) -> tuple[float, tuple[float, ...]]:
        """Run forward and backward on the flat inputs (input slots, then captured numbers).

        Returns:
            ``(value, gradients)``, as described in the class docstring.

        Raises:
            DomainError: an op was asked for a value outside its domain (``log(0)``);
                :class:`~autograd_lite.core.errors.DivisionByZeroError` for ``x / 0``. The
                message names the node, its op and label, and its inputs.
        """
        values = self._start.copy()
        values[self._feed_to] = np.asarray(inputs, dtype=np.float64)[self._feed_from]
        gathered: list[Array] = []
        try:
            with np.errstate(divide="raise", over="ignore", invalid="raise", under="ignore"):
                for group in self.groups:
                    x = values[group.operands]
                    values[group.members] = group.forward(x)
                    gathered.append(x)
        except (ArithmeticError, ValueError):  # numpy's flag, or a rule's DomainError
            values = self._reference_forward(values)
            gathered = [values[group.operands] for group in self.groups]
        grads = np.zeros(len(values) + 1)  # one more: the 0.0 of an unused input
        grads[self._output] = 1.0
        with np.errstate(all="ignore"):
            for group, x in zip(reversed(self.groups), reversed(gathered), strict=True):
                members = group.members
                if group.rule is None:
                    # Add chains: every number summed gets the gradient of the chain's end.
                    if not group.wanted[0]:
                        continue
                    g = grads[members[-1]]
                    if group.repeats[0]:
                        np.add.at(grads, group.operands, np.broadcast_to(g, x.shape))
                    else:
                        grads[group.operands] += g
                    continue
                if group.backward is None:
                    continue
                terms = group.backward(grads[members], values[members], *x)
                for k, term in enumerate(terms):
                    if not group.wanted[k]:
                        continue
                    if group.repeats[k]:
                        np.add.at(grads, group.operands[k], term)
                    else:
                        grads[group.operands[k]] += term
        return float(values[self._output]), tuple(grads[self._grad_of].tolist())

    def _reference_forward(self, values: Array) -> Array:
        """The forward pass node by node with the rules' float functions (the interpreter's
        numbers and errors), for a call where numpy flagged an op."""
        out = values.tolist()
        for i, node in enumerate(self.nodes):
            rule = node.rule
            if rule is None:
                continue
            point = [out[p] for p in node.parents]
            try:
                out[i] = rule.forward(*point)
            except (ArithmeticError, ValueError) as err:
                raise self._located(err, i, point) from None
        return np.array(out)

    def _located(self, err: BaseException, i: int, point: list[float]) -> BaseException:
        node = self.nodes[i]
        assert node.rule is not None
        label = f", label {node.label!r}" if node.label is not None else ""
        inputs = ", ".join(
            f"{self._describe(p)} = {x!r}" for p, x in zip(node.parents, point, strict=True)
        )
        text = f"{err} [in {self.where}, node {i} of the tape ({node.rule.name}{label}); " \
               f"inputs: {inputs}]"  # fmt: skip
        if isinstance(err, DomainError):
            return type(err)(text, err.op, err.inputs)
        return type(err)(text)

    def _describe(self, i: int) -> str:
        node = self.nodes[i]
        if node.label is not None:
            return repr(node.label)
        return "constant" if node.kind == "constant" else f"node {i}"


def _by_level(item: tuple[tuple[int, Rule | str, int], list[int]]) -> tuple[int, int]:
    (level, _, _), members = item
    return level, members[0]


def _partial_sums(x: Array) -> Array:
    # add.accumulate adds strictly left to right: each partial sum is the one the chain's
    # own additions give, bit for bit.
    return np.add.accumulate(x)[1:]


def _add_chains(nodes: Sequence[TracedNode]) -> dict[int, tuple[list[int], list[int]]]:
    """Chains of additions ``((a + b) + c) + d...`` (``sum()`` over Values builds them),
    each to run as one ``np.add.accumulate``: every node of a chain -> (its partial sums in
    order, the numbers summed). Only partial sums that nothing else reads are chained, so all
    of them have the gradient of the chain's end."""
    every_input = itertools.chain.from_iterable([node.parents for node in nodes])
    uses = np.bincount(np.fromiter(every_input, dtype=np.intp), minlength=len(nodes)).tolist()

    def link(p: int) -> bool:
        rule = nodes[p].rule
        return uses[p] == 1 and rule is not None and rule.name == "add"

    previous: dict[int, tuple[int, int]] = {}  # partial sum -> (the one before, the term)
    for i, node in enumerate(nodes):
        rule = node.rule
        if rule is not None and rule.name == "add":
            a, b = node.parents
            if a != b and link(a):
                previous[i] = (a, b)
            elif a != b and link(b):
                previous[i] = (b, a)  # term + sum: addition commutes exactly
    continued = {before for before, _ in previous.values()}
    chains: dict[int, tuple[list[int], list[int]]] = {}
    for end in previous:
        if end in continued:
            continue
        sums, terms = [end], []
        at = end
        while at in previous:
            at, term = previous[at]
            sums.append(at)
            terms.append(term)
        sums.reverse()
        chain = (sums, [*nodes[at].parents, *reversed(terms)])
        for s in sums:
            chains[s] = chain
    return chains


def _kernels(rule: Rule, arity: int) -> tuple[Kernel, Kernel]:
    """The numpy forward ``(x0, x1...) -> out`` and backward ``(g, out, x0, x1...) -> terms``
    of one kind of op, from codegen's expressions of the rule table."""
    xs = [f"x{k}" for k in range(arity)]
    env = {x: x for x in xs}
    env["out"] = "out"
    expr = forward_expr(rule, [Var(x) for x in xs], numpy=True)
    terms = []
    for local in local_grad_exprs(rule, arity):
        gated = gated_product("g", local, env, True)
        if gated is not None:
            terms.append(gated)
        elif isinstance(local, Const) and local.value == 1.0:
            terms.append("g")
        elif isinstance(local, Const) and local.value == -1.0:
            terms.append("-g")
        else:
            terms.append(f"g * ({render_expr(local, env, numpy=True)})")
    args = ", ".join(xs)
    forward = render_expr(expr, env, numpy=True)
    source = (
        f"def forward(x):\n"
        f"    {args}{',' if arity == 1 else ''} = x\n"
        f"    return {forward}\n"
        f"def backward(g, out, {args}):\n"
        f"    return ({', '.join(terms)},)\n"
    )
    namespace: dict[str, Any] = dict(NUMPY_NAMESPACE)
    namespace["np"] = np
    exec(builtins.compile(source, f"<autograd_lite.tape {rule.name}>", "exec"), namespace)
    if _arithmetic(expr):
        return namespace["forward"], namespace["backward"]
    # numpy's exp, tanh, power... may differ from libm's in the last bits (np.tanh by up to 2
    # ulps): the rule's own float function gives the interpreter's value exactly.
    return partial(_elementwise, rule.forward), namespace["backward"]


def _arithmetic(expr: Expr) -> bool:
    """Is ``expr`` only + - * / of its inputs (the same IEEE operations in numpy)?"""
    if isinstance(expr, BinOp):
        return _arithmetic(expr.left) and _arithmetic(expr.right)
    if isinstance(expr, Neg):
        return _arithmetic(expr.operand)
    return isinstance(expr, Var | Const)


def _elementwise(forward: Callable[..., float], x: Array) -> Array:
    results = map(forward, *x.tolist())
    return np.fromiter(results, dtype=np.float64, count=x.shape[1])
