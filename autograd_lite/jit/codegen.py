"""The compiled function's source: one line per op forward, one per gradient backward.

:func:`program` writes the function :func:`autograd_lite.compile` runs for a traced graph:
the scalar flavour on floats, or the batched flavour with one numpy call per op over all
samples. The expressions come from :mod:`autograd_lite.jit.symbolic` (read off the rule
table) and their text from :mod:`autograd_lite.jit.writer`, which the fused batched program
(:mod:`autograd_lite.jit.fused`) shares.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .writer import (
    FP_RAISE,
    Names,
    backward_terms,
    float_literal,
    forward_line,
    input_lines,
    node_flags,
    node_variables,
    return_gradients,
    sum_lines,
    without_empty_blocks,
)

__all__ = ["Program", "program"]


@dataclass(frozen=True)
class Program:
    """The source of one compiled function and what its lines stand for.

    Attributes:
        source: the Python source of one function named ``name``.
        name: the function's name.
        line_nodes: source line number (1-based) -> index of the node computed there.
        variables: the variable name of each node (None for constants, written inline).
        wrt_slots: the input slots whose gradients the function returns, in order; after
            them come the gradients of the captured Values.
    """

    source: str
    name: str
    line_nodes: dict[int, int]
    variables: tuple[str | None, ...]
    wrt_slots: tuple[int, ...]


def program(
    nodes: Sequence[Any],
    input_nodes: Sequence[int],
    input_labels: Sequence[str],
    wrt: Sequence[bool],
    batched: Sequence[bool] | None = None,
    name: str = "compiled",
) -> Program:
    """Write one function that computes a traced graph's output and gradients.

    The function reads its inputs, computes one line per op (forward), then one line per
    gradient in reverse order (backward): each node's gradient is the sum, over the nodes
    that used it, of their gradient times the local derivative from the rule table.

    Args:
        nodes: the graph's nodes in topological order, output last (each with ``kind``,
            ``label``, ``rule``, ``parents``, ``value``, ``slot`` as in
            :class:`autograd_lite.jit.trace.TracedNode`).
        input_nodes: node index per input slot (-1: unused).
        input_labels: a label per input slot, for names and comments.
        wrt: per input slot, whether its gradient is wanted.
        batched: per input slot, whether it is a batched row (numpy flavour); None writes
            the scalar function ``(inputs) -> (value, grads)``. Batched writes
            ``(inputs, batched, seed) -> (value, grads)`` with ``batched`` a 2-D array whose
            rows are the batched slots, and ``seed`` the gradient of the output.
        name: the function's name.

    Returns:
        The :class:`Program`.
    """
    n = len(nodes)
    output = n - 1
    slot_batched = list(batched) if batched is not None else [False] * len(input_nodes)
    is_batched, needs = node_flags(nodes, wrt, slot_batched)
    variables = node_variables(nodes, input_labels, Names())

    def text(i: int) -> str:
        v = variables[i]
        return v if v is not None else float_literal(nodes[i].value)

    lines = [f"def {name}(inputs):" if batched is None else f"def {name}(inputs, batched, seed):"]
    lines += input_lines(nodes, input_nodes, input_labels, variables, slot_batched)
    indent = "    "
    if batched is not None:
        lines.append("    # forward, one line per op; numpy reports domain errors")
        lines.append(f"    with {FP_RAISE}:")
        indent = "        "
    else:
        lines.append("    # forward, one line per op")
    line_nodes: dict[int, int] = {}
    for i, node in enumerate(nodes):
        if node.kind == "op":
            parents = [text(p) for p in node.parents]
            lines.append(forward_line(indent, node, variables[i], parents, is_batched[i]))
            line_nodes[len(lines)] = i
    if batched is not None:
        # In backward the rules give inf/nan without raising; so does numpy here.
        lines.append('    with np.errstate(all="ignore"):')

    # Backward: visit nodes output-first; when a node is reached, every node that used it has
    # already added its term, so its gradient line can be written.
    lines.append(f"{indent}# backward: d_v = sum over the nodes u that use v of d_u * du/dv")
    terms: list[list[str]] = [[] for _ in range(n)]
    for i in range(n - 1, -1, -1):
        node = nodes[i]
        if not needs[i]:
            continue
        grad = "d_" + str(variables[i])
        if i == output:
            lines.append(f"{indent}{grad} = {'seed' if batched is not None else '1.0'}")
        else:
            lines.extend(sum_lines(indent, grad, terms[i]))
        terms[i] = []
        if node.kind != "op":
            continue
        for k, term in backward_terms(
            node,
            grad,
            str(variables[i]),
            [text(p) for p in node.parents],
            is_batched[i],
            [is_batched[p] for p in node.parents],
            [needs[p] for p in node.parents],
        ):
            terms[node.parents[k]].append(term)

    wrt_slots = return_gradients(lines, text(output), nodes, input_nodes, variables, needs, wrt)
    lines = without_empty_blocks(lines)
    return Program("\n".join(lines) + "\n", name, line_nodes, tuple(variables), wrt_slots)
