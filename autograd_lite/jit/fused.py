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

from .codegen import (
    _FP_RAISE,
    _MUL,
    Const,
    Program,
    Var,
    _label_comment,
    _Names,
    _render,
    _return_gradients,
    _sum_lines,
    _term,
    _wrap,
    float_literal,
    forward_expr,
    gated_product,
    local_grad_exprs,
    node_flags,
    node_variables,
    render,
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
    n = len(nodes)
    output = n - 1
    is_batched, needs = node_flags(nodes, wrt, batched)
    names = _Names()
    variables = node_variables(nodes, input_labels, names)
    groups = _find_groups(nodes, is_batched)
    group_of = [-1] * n
    for g, group in enumerate(groups):
        for m in group.members:
            group_of[m] = g
    matrix = [names.allocate(f"M{g}") for g in range(len(groups))]

    def text(i: int) -> str:
        v = variables[i]
        return v if v is not None else float_literal(nodes[i].value)

    # Which members are also needed as single rows (read by a node outside the groups).
    row_needed = [False] * n
    row_needed[output] = True
    for i, node in enumerate(nodes):
        g = group_of[i]
        for p in node.parents:
            pg = group_of[p]
            if pg < 0:
                continue
            uses_matrix = g >= 0 and groups[g].source == pg and (
                groups[g].kind == "map" or p in groups[g].xs
            )
            if not uses_matrix:
                row_needed[p] = True

    # Units: a group, or a single node; ordered so each comes after the units it reads.
    unit_of = [group_of[i] if group_of[i] >= 0 else len(groups) + i for i in range(n)]
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

    lines = [f"def {name}(inputs, batched, seed):", "    n_samples = batched.shape[1]"]
    lines.append("    # inputs")
    batched_rows: dict[int, int] = {}
    for slot, i in enumerate(input_nodes):
        if batched[slot]:
            batched_rows[slot] = len(batched_rows)
        if i < 0:
            continue
        source = f"batched[{batched_rows[slot]}]" if batched[slot] else f"inputs[{slot}]"
        comment = _label_comment(input_labels[slot], variables[i])
        lines.append(f"    {variables[i]} = {source}{comment}")
    n_slots = len(input_nodes)
    for i, node in enumerate(nodes):
        if node.kind == "captured":
            lines.append(f"    {variables[i]} = inputs[{n_slots + node.slot}]")
    lines.append("    # forward: whole layers as matrices (one row per neuron), the rest per op")
    lines.append(f"    with {_FP_RAISE}:")
    ind = "        "
    line_nodes: dict[int, int] = {}
    weight_var: dict[int, str] = {}
    x_var: dict[int, str] = {}
    for u in order:
        if u >= len(groups):
            i = u - len(groups)
            node = nodes[i]
            if node.kind != "op":
                continue
            env = {f"x{k}": text(p) for k, p in enumerate(node.parents)}
            expr = forward_expr(node.rule, [Var(f"x{k}") for k in range(len(node.parents))],
                                numpy=is_batched[i])
            lines.append(f"{ind}{variables[i]} = {render(expr, env, numpy=is_batched[i])}")
            line_nodes[len(lines)] = i
            continue
        group = groups[u]
        if group.kind == "dense":
            w = names.allocate(f"W{u}")
            weight_var[u] = w
            rows = ", ".join("(" + ", ".join(text(x) for x in ws) + ",)" for ws in group.weights)
            lines.append(f"{ind}{w} = np.array(({rows},))")
            if group.source >= 0:
                x = matrix[group.source]
            else:
                x = names.allocate(f"X{u}")
                lines.append(f"{ind}{x} = np.array(({', '.join(text(i) for i in group.xs)},))")
            x_var[u] = x
            bias = ""
            if group.biases:
                column = ", ".join(f"({text(i)},)" for i in group.biases)
                bias = f" + np.array(({column},))"
            lines.append(f"{ind}{matrix[u]} = {w} @ {x}{bias}")
        else:
            rule = nodes[group.members[0]].rule
            expr = forward_expr(rule, [Var("x0")], numpy=True)
            lines.append(f"{ind}{matrix[u]} = {render(expr, {'x0': matrix[group.source]}, True)}")
        for j, m in enumerate(group.members):
            if row_needed[m]:
                lines.append(f"{ind}{variables[m]} = {matrix[u]}[{j}]")

    lines.append('    with np.errstate(all="ignore"):')
    lines.append(f"{ind}# backward")
    terms: list[list[str]] = [[] for _ in range(n)]
    if group_of[output] >= 0:
        terms[output].append("seed")  # the output is a row of a group
    matrix_terms: list[list[str]] = [[] for _ in groups]
    for u in reversed(order):
        if u >= len(groups):
            i = u - len(groups)
            node = nodes[i]
            if not needs[i]:
                continue
            grad = f"d_{variables[i]}"
            if i == output:
                lines.append(f"{ind}{grad} = seed")
            else:
                lines.extend(_sum_lines(ind, grad, terms[i]))
            if node.kind != "op":
                continue
            locals_ = local_grad_exprs(node.rule, len(node.parents))
            env = {f"x{k}": text(p) for k, p in enumerate(node.parents)}
            env["out"] = str(variables[i])
            refs = {f"x{k}" for k, p in enumerate(node.parents) if is_batched[p]}
            if is_batched[i]:
                refs.add("out")
            for k, p in enumerate(node.parents):
                if needs[p]:
                    term = _term(grad, locals_[k], env, is_batched[i], is_batched[p], refs)
                    terms[p].append(term)
            continue
        group = groups[u]
        if not any(needs[m] for m in group.members):
            continue
        grad = f"d_{matrix[u]}"
        parts = matrix_terms[u]  # read only here: extended in place
        row_sums = []
        for m in group.members:
            t = terms[m]
            row_sums.append(" + ".join(t) if t else "0.0")
        if any(r != "0.0" for r in row_sums):
            parts.append(f"stack_rows(({', '.join(row_sums)},), n_samples)")
        lines.append(f"{ind}{grad} = {' + '.join(parts)}")
        if group.kind == "map":
            rule = nodes[group.members[0]].rule
            (local,) = local_grad_exprs(rule, 1)
            env = {"x0": matrix[group.source], "out": matrix[u]}
            gated = gated_product(grad, local, env, True)
            if gated is not None:
                matrix_terms[group.source].append(gated)
            elif isinstance(local, Const) and local.value == 1.0:
                matrix_terms[group.source].append(grad)
            else:
                body = _wrap(_render(local, env, True), _MUL + 1)
                matrix_terms[group.source].append(f"{grad} * {body}")
            continue
        w, x = weight_var[u], x_var[u]
        if any(needs[wk] for ws in group.weights for wk in ws):
            dw = names.allocate(f"dW{u}")
            lines.append(f"{ind}{dw} = ({grad} @ {x}.T).tolist()")
            for j, ws in enumerate(group.weights):
                for k, wk in enumerate(ws):
                    if needs[wk]:
                        terms[wk].append(f"{dw}[{j}][{k}]")
        if any(needs[b] for b in group.biases):
            db = names.allocate(f"dB{u}")
            lines.append(f"{ind}{db} = {grad}.sum(axis=1).tolist()")
            for j, b in enumerate(group.biases):
                if needs[b]:
                    terms[b].append(f"{db}[{j}]")
        if any(needs[xi] for xi in group.xs):
            if group.source >= 0:
                matrix_terms[group.source].append(f"{w}.T @ {grad}")
            else:
                dx = names.allocate(f"dX{u}")
                lines.append(f"{ind}{dx} = {w}.T @ {grad}")
                for k, xi in enumerate(group.xs):
                    if needs[xi]:
                        terms[xi].append(f"{dx}[{k}]")

    wrt_slots = _return_gradients(lines, text(output), nodes, input_nodes, variables, needs, wrt)
    lines = without_empty_blocks(lines)
    return Program("\n".join(lines) + "\n", name, line_nodes, tuple(variables), wrt_slots)
