"""jit.writer: source text that reads back as exactly what the expressions and graphs say.

Random expression trees are written out and evaluated by Python, against a direct walk of the
tree; names, comments, sums and the program pieces are checked as the text they produce.
"""

from __future__ import annotations

import math
import struct
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import rules
from autograd_lite.jit.symbolic import BinOp, Compare, Const, Expr, Neg, Select, Var
from autograd_lite.jit.trace import trace
from autograd_lite.jit.writer import (
    NUMPY_NAMESPACE,
    RESERVED_NAMES,
    SCALAR_NAMESPACE,
    Names,
    backward_terms,
    float_literal,
    forward_line,
    gradient_term,
    input_lines,
    label_comment,
    node_flags,
    node_variables,
    render,
    return_gradients,
    sum_lines,
    without_empty_blocks,
)

from .test_symbolic import evaluate


def _bits(x: float) -> bytes:
    return struct.pack("<d", x)


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_a_float_literal_reads_back_as_the_same_float(x: float) -> None:
    back = eval(float_literal(x), dict(SCALAR_NAMESPACE))
    assert _bits(back) == _bits(x) or (math.isnan(x) and math.isnan(back))


_LEAVES = st.sampled_from([Var("a"), Var("b"), Var("c")]) | st.builds(
    Const, st.floats(-4.0, 4.0, allow_nan=False).filter(lambda v: v != 0.0)
)


def _extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    return (
        st.builds(BinOp, st.sampled_from(["+", "-", "*", "/"]), children, children)
        | st.builds(Neg, children)
        | st.builds(
            Select,
            st.builds(Compare, st.sampled_from(["<", "<=", ">", ">="]), children, children),
            children,
            children,
        )
    )


EXPRESSIONS = st.recursive(_LEAVES, _extend, max_leaves=12)


@settings(max_examples=300)
@given(EXPRESSIONS, st.lists(st.floats(-3.0, 3.0), min_size=3, max_size=3))
def test_written_expressions_compute_what_the_tree_says(e: Expr, xs: list[float]) -> None:
    env = dict(zip("abc", xs, strict=True))
    try:
        want = evaluate(e, env)
    except ZeroDivisionError:
        return  # the tree divides by zero: nothing to compare
    names = {"a": "va", "b": "vb", "c": "vc"}
    text = render(e, names)
    got = eval(text, dict(SCALAR_NAMESPACE, va=xs[0], vb=xs[1], vc=xs[2]))
    # The fewest parentheses, and still Python's order: the same float, bit for bit.
    assert _bits(got) == _bits(want) or (math.isnan(got) and math.isnan(want)), text
    # The numpy flavour (np.where for a choice) over an array of the same samples.
    arrays = {k: np.array([v, v]) for k, v in zip(("va", "vb", "vc"), xs, strict=True)}
    with np.errstate(all="ignore"):
        batch = eval(render(e, names, numpy=True), dict(NUMPY_NAMESPACE, np=np, **arrays))
    assert np.allclose(np.broadcast_to(batch, (2,)), want, rtol=1e-15, atol=0.0, equal_nan=True)


def test_equal_strength_on_the_right_keeps_its_parentheses() -> None:
    a, b, c = Var("a"), Var("b"), Var("c")
    assert render(BinOp("-", a, BinOp("-", b, c)), {}) == "a - (b - c)"
    assert render(BinOp("-", BinOp("-", a, b), c), {}) == "a - b - c"
    assert render(Neg(Const(-2.0)), {}) == "-(-2.0)"
    assert render(a, {"a": "-1.5"}) == "-1.5" and render(BinOp("*", a, b), {"a": "-1.5"}) == (
        "-1.5 * b"
    )


def test_names_are_unique_and_leave_the_gradient_name_free() -> None:
    names = Names()
    got = [names.allocate(base) for base in ("x", "x", "d_x", "x", "np", "x_2")]
    assert len(set(got)) == len(got)
    assert got[:2] == ["x", "x_2"]
    assert not ({*got, *(f"d_{n}" for n in got)} & RESERVED_NAMES)
    assert "d_x" not in got  # d_x is x's gradient variable


def test_sums_keep_their_order_and_continue_after_sixteen_terms() -> None:
    terms = [f"t{k}" for k in range(20)] + ["-u"]
    lines = sum_lines("    ", "g", terms)
    assert lines[0] == "    g = " + " + ".join(f"t{k}" for k in range(16))
    assert lines[1] == "    g = g + t16 + t17 + t18 + t19 - u"
    namespace = {f"t{k}": float(k) for k in range(20)} | {"u": 0.5}
    exec("\n".join(line.strip() for line in lines), namespace)
    assert namespace["g"] == sum(range(20)) - 0.5


def test_empty_with_blocks_go_and_their_comments_stay() -> None:
    lines = [
        "def f():",
        "    with np.errstate():",
        "        # nothing to compute",
        "    with np.errstate():",
        "        y = 1",
        "    return y",
    ]
    assert without_empty_blocks(lines) == [
        "def f():",
        "    # nothing to compute",
        "    with np.errstate():",
        "        y = 1",
        "    return y",
    ]


@pytest.mark.parametrize(
    ("label", "expected"),
    [(None, ""), ("w[0,1]", ""), ("layers.0.w", ""), ("x\ny", "  # 'x\\ny'")],
)
def test_a_label_the_name_cannot_show_goes_into_a_one_line_comment(
    label: str | None, expected: str
) -> None:
    assert label_comment(label, "v") == expected


def test_a_gradient_term_is_the_product_and_sums_a_shared_input_over_samples() -> None:
    local = BinOp("*", Var("x0"), Const(2.0))
    env = {"x0": "x"}
    assert gradient_term("d_y", local, env, False, False, set()) == "d_y * (x * 2.0)"
    assert gradient_term("d_y", Const(1.0), env, False, False, set()) == "d_y"
    assert gradient_term("d_y", Const(-1.0), env, False, False, set()) == "-d_y"
    # A batched node over a shared (unbatched) input: its gradient is summed over samples.
    summed = gradient_term("d_y", local, env, True, False, set())
    assert summed == "np.sum(d_y) * (x * 2.0)"
    dotted = gradient_term("d_y", local, env, True, False, {"x0"})
    assert dotted.startswith("np.dot(d_y, ")
    # relu off: the product is a choice, so an infinite gradient gives 0.0, not nan.
    (relu,) = backward_terms(_relu_node(), "d_y", "y", ["x"], False, [False], [True])  # (k, text)
    value = eval(relu[1], {"d_y": math.inf, "x": -1.0, "y": 0.0})
    assert relu[0] == 0 and value == 0.0


def _relu_node() -> Any:
    graph = trace(lambda x: x.relu(), [1.0], ["x"], "compile(f)")
    return graph.nodes[graph.output]


def test_the_program_pieces_of_a_small_graph_run_as_the_interpreter() -> None:
    def f(x: Any, w: Any) -> Any:
        return (x * w).tanh() + x

    graph = trace(f, [0.5, -1.25], ["x", "w"], "compile(f)")
    is_batched, needs = node_flags(graph.nodes, [True, True], [False, False])
    assert not any(is_batched) and all(needs)
    variables = node_variables(graph.nodes, graph.input_labels, Names())
    lines = ["def program(inputs):", *input_lines(graph.nodes, graph.input_nodes,
             graph.input_labels, variables, [False, False])]  # fmt: skip
    for i, node in enumerate(graph.nodes):
        if node.kind == "op":
            parents = [variables[p] or "" for p in node.parents]
            lines.append(forward_line("    ", node, variables[i], parents, numpy=False))
    lines.append(f"    d_{variables[graph.output]} = 1.0")
    grads: dict[int, list[str]] = {}
    for i in reversed(range(len(graph.nodes))):
        node = graph.nodes[i]
        if i != graph.output and i in grads:
            lines += sum_lines("    ", f"d_{variables[i]}", grads[i])
        if node.kind == "op":
            parents = [variables[p] or "" for p in node.parents]
            terms = backward_terms(
                node, f"d_{variables[i]}", variables[i] or "", parents, False,
                [False] * len(parents), [True] * len(parents),
            )  # fmt: skip
            for k, text in terms:
                grads.setdefault(node.parents[k], []).append(text)
    slots = return_gradients(
        lines, variables[graph.output] or "", graph.nodes, graph.input_nodes, variables,
        needs, [True, True],
    )  # fmt: skip
    assert slots == (0, 1)
    namespace = dict(SCALAR_NAMESPACE)
    exec("\n".join(lines), namespace)
    value, (dx, dw) = namespace["program"]([0.5, -1.25])
    t = math.tanh(0.5 * -1.25)
    assert value == t + 0.5
    assert math.isclose(dx, (1 - t * t) * -1.25 + 1.0, rel_tol=1e-15)
    assert math.isclose(dw, (1 - t * t) * 0.5, rel_tol=1e-15)
    assert rules.RULES["tanh"].forward is namespace["tanh"]  # the rule's own float function
