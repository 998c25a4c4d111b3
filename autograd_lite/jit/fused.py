"""The batched program: a traced graph run on all samples at once, with layers fused.

:func:`autograd_lite.jit.codegen.program` already writes a batched function with one numpy call
per op. For a neural network that is many small calls: a neuron's ``w·x + b`` over 16 inputs
is 32 of them. :func:`fused_program` writes the same computation with whole layers at once:

- a *dense group* is a set of ``linear`` (or ``dot``) nodes that read the same batched inputs
  with shared weights: one neuron per member. Forward it is one matrix product
  ``M = W @ X + b``; backward ``dW = dM @ X.T``, ``dX = W.T @ dM``.
- a *map group* applies one element-wise op (relu, tanh...) to every row of a group:
  ``A = maximum(M, 0.0)``, and its gradient is the rows' local derivative times ``dA``.

Everything else is written node by node as in the unfused program. The unfused program stays
the readable reference: the tests run both on the same graphs and compare.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .codegen import Program
from .symbolic import Var, forward_expr, local_grad_exprs
from .writer import (
    FP_RAISE,
    Names,
    backward_terms,
    float_literal,
    forward_line,
    gradient_term,
    input_lines,
    node_flags,
    node_variables,
    render,
    return_gradients,
    sum_lines,
    without_empty_blocks,
)

__all__ = ["fused_program"]


@dataclass
class _Group:
    kind: str  # "dense" or "map"
    members: list[int]
    source: int = -1  # the group whose matrix is this group's input, or -1
    xs: tuple[int, ...] = ()  # dense: the shared batched inputs
    weights: list[list[int]] = field(default_factory=list)  # dense: per member
    biases: list[int] = field(default_factory=list)  # dense linear: per member


def _dense_parts(node: Any) -> tuple[list[int], tuple[int, ...], int] | None:
    parents = node.parents
    if node.rule.name == "dot":
        k = len(parents) // 2
        return list(parents[:k]), tuple(parents[k:]), -1
    if node.rule.name == "linear":
        k = (len(parents) - 1) // 2
        return list(parents[:k]), tuple(parents[k : 2 * k]), parents[-1]
    return None


def _find_groups(nodes: Sequence[Any], is_batched: list[bool]) -> list[_Group]:
    by_key: dict[tuple[str, tuple[int, ...]], _Group] = {}
    for i, node in enumerate(nodes):
        if node.kind != "op" or not is_batched[i]:
            continue
        parts = _dense_parts(node)
        if parts is None:
            continue
        weights, xs, bias = parts
        if any(is_batched[w] for w in weights) or (bias >= 0 and is_batched[bias]):
            continue
        if not all(is_batched[x] for x in xs):
            continue
        group = by_key.setdefault((node.rule.name, xs), _Group("dense", [], xs=xs))
        group.members.append(i)
        group.weights.append(weights)
        if bias >= 0:
            group.biases.append(bias)
    groups = list(by_key.values())
    consumers: dict[int, list[int]] = {}
    for i, node in enumerate(nodes):
        for p in node.parents:
            consumers.setdefault(p, []).append(i)
    # Element-wise ops on every row of a group, in the rows' order, become one map group.
    k = 0
    while k < len(groups):
        members = groups[k].members
        position = {m: j for j, m in enumerate(members)}
        buckets: dict[tuple[str, float | None], dict[int, int]] = {}
        for m in members:
            for c in consumers.get(m, []):
                node = nodes[c]
                if node.kind == "op" and len(node.parents) == 1 and node.rule.arity == 1:
                    bucket = buckets.setdefault((node.rule.name, node.rule.param), {})
                    bucket.setdefault(position[m], c)
        for bucket in buckets.values():
            if len(bucket) == len(members):
                groups.append(_Group("map", [bucket[j] for j in range(len(members))], source=k))
        k += 1
    claimed: set[int] = set()
    for group in groups:
        group.members = [m for m in group.members]
        if claimed & set(group.members):
            group.kind = "dropped"
        claimed |= set(group.members)
    kept = [g for g in groups if g.kind != "dropped"]
    index = {id(g): j for j, g in enumerate(kept)}
    for g in kept:
        if g.kind == "map":
            source = groups[g.source]
            g.source = index.get(id(source), -1)
    rows = {tuple(g.members): j for j, g in enumerate(kept)}
    for g in kept:
        if g.kind == "dense":
            g.source = rows.get(g.xs, -1)
    return [g for g in kept if g.kind == "dense" or g.source >= 0]


@dataclass
class _Layout:
    """What the steps of :func:`fused_program` share: the graph, its groups and the names."""

    nodes: Sequence[Any]
    groups: list[_Group]
    group_of: list[int]  # node -> its group, or -1
    matrix: list[str]  # group -> the variable of its matrix (one row per member)
    variables: list[str | None]
    names: Names
    is_batched: list[bool]
    needs: list[bool]
    weight_var: dict[int, str] = field(default_factory=dict)  # dense group -> its W
    x_var: dict[int, str] = field(default_factory=dict)  # dense group -> its X

    def text(self, i: int) -> str:
        v = self.variables[i]
        return v if v is not None else float_literal(self.nodes[i].value)


def fused_program(
    nodes: Sequence[Any],
    input_nodes: Sequence[int],
    input_labels: Sequence[str],
    wrt: Sequence[bool],
    batched: Sequence[bool],
    name: str = "compiled",
) -> Program:
    """Like :func:`autograd_lite.jit.codegen.program` in batched mode, with layers as matrices.

    Same arguments and the same function signature ``(inputs, batched, seed)``.
    """
    is_batched, needs = node_flags(nodes, wrt, batched)
    names = Names()
    variables = node_variables(nodes, input_labels, names)
    groups = _find_groups(nodes, is_batched)
    group_of = [-1] * len(nodes)
    for g, group in enumerate(groups):
        for m in group.members:
            group_of[m] = g
    matrix = [names.allocate(f"M{g}") for g in range(len(groups))]
    layout = _Layout(nodes, groups, group_of, matrix, variables, names, is_batched, needs)
    order = _unit_order(nodes, len(groups), group_of)

    lines = [f"def {name}(inputs, batched, seed):", "    n_samples = batched.shape[1]"]
    lines += input_lines(nodes, input_nodes, input_labels, variables, batched)
    lines.append("    # forward: whole layers as matrices (one row per neuron), the rest per op")
    lines.append(f"    with {FP_RAISE}:")
    line_nodes = _forward_lines(layout, order, _rows_needed(layout), lines)
    lines.append('    with np.errstate(all="ignore"):')
    lines.append(f"{_INDENT}# backward")
    _backward_lines(layout, order, lines)
    output = len(nodes) - 1
    wrt_slots = return_gradients(
        lines, layout.text(output), nodes, input_nodes, variables, needs, wrt
    )
    lines = without_empty_blocks(lines)
    return Program("\n".join(lines) + "\n", name, line_nodes, tuple(variables), wrt_slots)


_INDENT = "        "


def _rows_needed(layout: _Layout) -> list[bool]:
    """Which group members are also needed as single rows (read outside the groups)."""
    nodes, groups, group_of = layout.nodes, layout.groups, layout.group_of
    needed = [False] * len(nodes)
    needed[-1] = True  # the output
    for i, node in enumerate(nodes):
        g = group_of[i]
        for p in node.parents:
            pg = group_of[p]
            if pg < 0:
                continue
            uses_matrix = (
                g >= 0 and groups[g].source == pg and (groups[g].kind == "map" or p in groups[g].xs)
            )
            if not uses_matrix:
                needed[p] = True
    return needed


def _unit_order(nodes: Sequence[Any], n_groups: int, group_of: list[int]) -> list[int]:
    """Units (a group ``g``, or a single node ``i`` as ``n_groups + i``), each after the units
    it reads; among the ready ones, the one holding the earliest node first."""
    n = len(nodes)
    unit_of = [group_of[i] if group_of[i] >= 0 else n_groups + i for i in range(n)]
    unit_members: dict[int, list[int]] = {}
    for i in range(n):
        unit_members.setdefault(unit_of[i], []).append(i)
    deps: dict[int, set[int]] = {u: set() for u in unit_members}
    users: dict[int, set[int]] = {u: set() for u in unit_members}
    for i, node in enumerate(nodes):
        for p in node.parents:
            a, b = unit_of[p], unit_of[i]
            if a != b and a not in deps[b]:
                deps[b].add(a)
                users[a].add(b)
    waiting = {u: len(d) for u, d in deps.items()}
    ready = [(min(unit_members[u]), u) for u, c in waiting.items() if c == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        _, u = heapq.heappop(ready)
        order.append(u)
        for v in users[u]:
            waiting[v] -= 1
            if waiting[v] == 0:
                heapq.heappush(ready, (min(unit_members[v]), v))
    return order


def _forward_lines(
    layout: _Layout, order: list[int], rows_needed: list[bool], lines: list[str]
) -> dict[int, int]:
    """Append the forward pass; return source line -> node for the per-op lines."""
    line_nodes: dict[int, int] = {}
    n_groups = len(layout.groups)
    for u in order:
        if u >= n_groups:
            i = u - n_groups
            node = layout.nodes[i]
            if node.kind == "op":
                parents = [layout.text(p) for p in node.parents]
                lines.append(
                    forward_line(_INDENT, node, layout.variables[i], parents, layout.is_batched[i])
                )
                line_nodes[len(lines)] = i
            continue
        group = layout.groups[u]
        if group.kind == "dense":
            _dense_forward(layout, u, lines)
        else:
            rule = layout.nodes[group.members[0]].rule
            expr = forward_expr(rule, [Var("x0")], numpy=True)
            source = layout.matrix[group.source]
            lines.append(f"{_INDENT}{layout.matrix[u]} = {render(expr, {'x0': source}, True)}")
        for j, m in enumerate(group.members):
            if rows_needed[m]:
                lines.append(f"{_INDENT}{layout.variables[m]} = {layout.matrix[u]}[{j}]")
    return line_nodes


def _dense_forward(layout: _Layout, u: int, lines: list[str]) -> None:
    """``M = W @ X + b`` for dense group ``u``: one row of weights per member."""
    group, text = layout.groups[u], layout.text
    w = layout.weight_var[u] = layout.names.allocate(f"W{u}")
    rows = ", ".join("(" + ", ".join(text(x) for x in ws) + ",)" for ws in group.weights)
    lines.append(f"{_INDENT}{w} = np.array(({rows},))")
    if group.source >= 0:
        x = layout.matrix[group.source]
    else:
        x = layout.names.allocate(f"X{u}")
        lines.append(f"{_INDENT}{x} = np.array(({', '.join(text(i) for i in group.xs)},))")
    layout.x_var[u] = x
    bias = ""
    if group.biases:
        column = ", ".join(f"({text(i)},)" for i in group.biases)
        bias = f" + np.array(({column},))"
    lines.append(f"{_INDENT}{layout.matrix[u]} = {w} @ {x}{bias}")


def _backward_lines(layout: _Layout, order: list[int], lines: list[str]) -> None:
    """Append the backward pass: units in reverse order, each passing its gradient on."""
    nodes, n_groups = layout.nodes, len(layout.groups)
    terms: list[list[str]] = [[] for _ in nodes]
    output = len(nodes) - 1
    if layout.group_of[output] >= 0:
        terms[output].append("seed")  # the output is a row of a group
    matrix_terms: list[list[str]] = [[] for _ in layout.groups]
    for u in reversed(order):
        if u >= n_groups:
            _node_backward(layout, u - n_groups, terms, lines)
        elif any(layout.needs[m] for m in layout.groups[u].members):
            _group_backward(layout, u, terms, matrix_terms, lines)


def _node_backward(layout: _Layout, i: int, terms: list[list[str]], lines: list[str]) -> None:
    node, needs, is_batched = layout.nodes[i], layout.needs, layout.is_batched
    if not needs[i]:
        return
    grad = f"d_{layout.variables[i]}"
    if i == len(layout.nodes) - 1:
        lines.append(f"{_INDENT}{grad} = seed")
    else:
        lines.extend(sum_lines(_INDENT, grad, terms[i]))
    if node.kind != "op":
        return
    for k, term in backward_terms(
        node,
        grad,
        str(layout.variables[i]),
        [layout.text(p) for p in node.parents],
        is_batched[i],
        [is_batched[p] for p in node.parents],
        [needs[p] for p in node.parents],
    ):
        terms[node.parents[k]].append(term)


def _group_backward(
    layout: _Layout,
    u: int,
    terms: list[list[str]],
    matrix_terms: list[list[str]],
    lines: list[str],
) -> None:
    """``dM`` of group ``u`` (its rows' terms stacked), then what it passes on: through the
    map's local derivative, or ``dW = dM @ X.T``, ``db``, ``dX = W.T @ dM`` for a dense one."""
    group = layout.groups[u]
    grad = f"d_{layout.matrix[u]}"
    parts = matrix_terms[u]
    row_sums = [" + ".join(terms[m]) if terms[m] else "0.0" for m in group.members]
    if any(r != "0.0" for r in row_sums):
        parts.append(f"stack_rows(({', '.join(row_sums)},), n_samples)")
    lines.append(f"{_INDENT}{grad} = {' + '.join(parts)}")
    if group.kind == "map":
        (local,) = local_grad_exprs(layout.nodes[group.members[0]].rule, 1)
        env = {"x0": layout.matrix[group.source], "out": layout.matrix[u]}
        term = gradient_term(grad, local, env, True, True, {"x0", "out"})
        matrix_terms[group.source].append(term)
        return
    _dense_backward(layout, u, grad, terms, matrix_terms, lines)


def _dense_backward(
    layout: _Layout,
    u: int,
    grad: str,
    terms: list[list[str]],
    matrix_terms: list[list[str]],
    lines: list[str],
) -> None:
    group, needs, names = layout.groups[u], layout.needs, layout.names
    w, x = layout.weight_var[u], layout.x_var[u]
    if any(needs[wk] for ws in group.weights for wk in ws):
        dw = names.allocate(f"dW{u}")
        lines.append(f"{_INDENT}{dw} = ({grad} @ {x}.T).tolist()")
        for j, ws in enumerate(group.weights):
            for k, wk in enumerate(ws):
                if needs[wk]:
                    terms[wk].append(f"{dw}[{j}][{k}]")
    if any(needs[b] for b in group.biases):
        db = names.allocate(f"dB{u}")
        lines.append(f"{_INDENT}{db} = {grad}.sum(axis=1).tolist()")
        for j, b in enumerate(group.biases):
            if needs[b]:
                terms[b].append(f"{db}[{j}]")
    if any(needs[xi] for xi in group.xs):
        if group.source >= 0:
            matrix_terms[group.source].append(f"{w}.T @ {grad}")
        else:
            dx = names.allocate(f"dX{u}")
            lines.append(f"{_INDENT}{dx} = {w}.T @ {grad}")
            for k, xi in enumerate(group.xs):
                if needs[xi]:
                    terms[xi].append(f"{dx}[{k}]")
