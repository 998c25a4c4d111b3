"""explain(): every number against sympy, the four formats, limits, names and escaping."""

from __future__ import annotations

import html
import math
import re
from typing import Any

import pytest
import sympy as sp

import autograd_lite as al
from autograd_lite import Explanation, Value, explain
from autograd_lite.core.engine import topological_order

from .op_table import OPS

# ---------------------------------------------------------------- a small network


def network() -> tuple[Value, dict[str, Value]]:
    """2 inputs, 2 tanh hidden units, 2 outputs, softmax cross-entropy on class 1."""
    x1, x2 = Value(0.5, label="x1"), Value(-1.5, label="x2")
    w = {
        name: Value(v, label=name)
        for name, v in [("w11", 0.3), ("w12", -0.8), ("w21", 1.1), ("w22", 0.4)]
    }
    b1, b2 = Value(0.1, label="b1"), Value(-0.2, label="b2")
    k1 = al.dot([w["w11"], w["w12"]], [x1, x2], bias=b1)
    k2 = al.dot([w["w21"], w["w22"]], [x1, x2], bias=b2)
    k1.label, k2.label = "k1", "k2"
    h1, h2 = k1.tanh(), k2.tanh()
    h1.label, h2.label = "h1", "h2"
    v = {
        name: Value(val, label=name)
        for name, val in [("v11", 0.7), ("v12", -1.2), ("v21", -0.5), ("v22", 0.9)]
    }
    # Fused weighted sums, so o1 and o2 are h1's direct consumers (as in a hand derivation).
    o1 = al.dot([h1, h2], [v["v11"], v["v12"]])
    o2 = al.dot([h1, h2], [v["v21"], v["v22"]])
    o1.label, o2.label = "o1", "o2"
    e1, e2 = o1.exp(), o2.exp()
    e1.label, e2.label = "e1", "e2"
    y2 = e2 / (e1 + e2)
    y2.label = "y2"
    loss = -(y2.log())
    loss.label = "L"
    nodes = {n.label: n for n in topological_order(loss) if n.label is not None}
    return loss, nodes


def sympy_gradient(root: Value, target: Value) -> float:
    """d(root)/d(target) by sympy: the graph mirrored by the op table's rows, target a symbol."""
    symbol = sp.Symbol("target", real=True)
    expr: dict[Value, Any] = {}
    for node in topological_order(root):
        if node is target:
            expr[node] = symbol
        elif node.is_leaf:
            # The other leaves enter as 40-digit numbers: a smaller expression to differentiate.
            expr[node] = sp.Float(repr(node.data), 40)
        else:
            rule = node.rule
            assert rule is not None
            expr[node] = OPS[rule.name].sympy(rule.param, *[expr[p] for p in node.parents])
    derivative = sp.diff(expr[root], symbol)
    return float(derivative.evalf(30, subs={symbol: sp.Float(repr(target.data), 40)}))


def sympy_local(child: Value, parent: Value) -> float:
    """d(child)/d(parent) by sympy from the child's own op (repeated inputs summed)."""
    symbol = sp.Symbol("p", real=True)
    others = {p: sp.Float(repr(p.data), 40) for p in child.parents if p is not parent}
    args = [symbol if p is parent else others[p] for p in child.parents]
    rule = child.rule
    assert rule is not None
    expr = OPS[rule.name].sympy(rule.param, *args)
    return float(sp.diff(expr, symbol).evalf(30, subs={symbol: sp.Float(repr(parent.data), 40)}))


NUMBER = r"-?(?:\d+\.?\d*(?:e[-+]\d+)?|inf|nan)"


def test_every_number_of_a_small_network_matches_sympy() -> None:
    loss, _ = network()
    ex = explain(loss, max_nodes=None)
    assert len(ex) == ex.total == len(topological_order(loss))
    assert ex.steps[0].node is loss and ex.steps[0].grad == 1.0
    exact = {step.node: sympy_gradient(loss, step.node) for step in ex}
    for step in ex:
        expected = exact[step.node]
        assert step.grad == pytest.approx(expected, rel=1e-12, abs=1e-15), step.name
        for term in step.terms:
            child = next(s.node for s in ex if s.name == term.child)
            assert term.local == pytest.approx(sympy_local(child, step.node), rel=1e-12, abs=1e-15)
            assert term.upstream == pytest.approx(exact[child], rel=1e-12)
        # The printed line carries the same numbers, to the 6 digits printed.
        line = ex.chain_rule(step)
        printed_result = float(re.findall(NUMBER, line.rsplit("=", 1)[1])[0])
        assert printed_result == pytest.approx(expected, rel=1e-5, abs=1e-12)
        if len(step.terms) > 1:
            numbers = line.split(" = ")[2]
            factors = [float(f) for f in re.findall(rf"\(({NUMBER})\)", numbers)]
            expected_factors = []
            for term in step.terms:
                expected_factors += [term.upstream, term.local]
            assert factors == pytest.approx(expected_factors, rel=1e-5, abs=1e-12)


def test_the_hidden_unit_line_reads_like_a_hand_derivation() -> None:
    loss, nodes = network()
    ex = explain(loss, max_nodes=None)
    line = ex.chain_rule(ex["h1"])
    assert line.startswith("dL/dh1 = dL/do1 * do1/dh1 + dL/do2 * do2/dh1 = (")
    assert ex.definition(ex["h1"]) == f"h1 = tanh(k1) = {nodes['h1'].data:.6g}"
    assert ex.definition(ex["k1"]).startswith("k1 = linear(w11, w12, x1, x2, b1) = ")
    assert ex.definition(ex["x1"]) == "x1 = 0.5 (leaf)"
    assert ex.chain_rule(ex["L"]) == "dL/dL = 1.0"


def test_the_example_from_the_issue() -> None:
    h1 = Value(2.0, label="h1")
    o1, o2 = h1 + 1.0, h1 - 3.0
    o1.label, o2.label = "o1", "o2"
    loss = o1 * -0.5 + o2 * 0.5
    loss.label = "L"
    text = str(explain(loss))
    assert "dL/dh1 = dL/do1 * do1/dh1 + dL/do2 * do2/dh1 = (-0.5)(1.0) + (0.5)(1.0) = 0.0" in text


def test_a_root_input_shows_the_local_derivative_of_the_root() -> None:
    o = Value(3.0, label="o")
    ex = explain(o**2)
    assert str(ex).splitlines()[1:5] == [
        "1. L = o ** 2.0 = 9.0",
        "   dL/dL = 1.0",
        "2. o = 3.0 (leaf)",
        "   dL/do = d(o ** 2.0)/do = 6.0",
    ]
    x = Value(2.0, label="x")
    y = x * x
    y.label = "y"
    ex = explain(y * x)  # x feeds the root and y: one local term, one chain term
    assert ex.chain_rule(ex["x"]) == (
        "dL/dx = d(y * x)/dx + dL/dy * dy/dx = (4.0) + (2.0)(4.0) = 12.0"
    )


# ---------------------------------------------------------------- grads untouched


def test_explain_does_not_touch_grad_and_notes_accumulated_leaves() -> None:
    loss, _ = network()
    ex = explain(loss)
    assert all(n.grad == 0.0 for n in topological_order(loss))
    assert "note:" not in str(ex)
    loss.backward()
    before = {n: n.grad for n in topological_order(loss)}
    assert "note:" not in str(explain(loss))  # one backward: .grad agrees with the explanation
    loss.backward()  # leaves now hold twice their gradient
    ex = explain(loss, max_nodes=None)
    assert {n: n.grad for n in topological_order(loss)} == {
        n: (2 * g if n.is_leaf else g) for n, g in before.items()
    }
    w11 = ex["w11"]
    assert w11.stored_grad == pytest.approx(2 * w11.grad)
    assert "note: w11.grad holds" in str(ex) and "zero_grad()" in str(ex)
    assert ex["h1"].accumulated_note == ""  # intermediate nodes are recomputed, not summed


# ---------------------------------------------------------------- limits and names


def test_max_nodes_keeps_the_first_steps_and_says_how_many_were_left_out() -> None:
    loss, _ = network()
    total = len(topological_order(loss))
    ex = explain(loss, max_nodes=3)
    assert len(ex) == 3 and ex.omitted == total - 3
    footer = f"... {total - 3} more nodes omitted (max_nodes=3)"
    assert str(ex).splitlines()[-1] == footer
    assert footer in ex.to_markdown() and html.escape(footer) in ex._repr_html_()
    assert f"% {footer}" in ex.to_latex()
    assert len(explain(loss, max_nodes=None)) == total
    assert explain(loss, max_nodes=total).omitted == 0


def test_max_terms_shortens_long_sums() -> None:
    x = Value(1.0, label="x")
    loss = al.sum_values([x * float(i) for i in range(12)])
    line = explain(loss, max_terms=3).chain_rule(explain(loss, max_terms=3)["x"])
    assert "... (9 more terms)" in line and line.endswith("= 66.0")
    assert line.count(" * ") == 3
    assert "more terms" not in explain(loss, max_terms=None).chain_rule(explain(loss)["x"])


def test_generated_names_are_stable_and_unique() -> None:
    a = Value(1.5)
    h_1, h_2 = (a * 2.0).tanh(), (a * 3.0).sin()
    h_1.label = h_2.label = "h"  # a label used twice
    clash = a + 1.0
    clash.label = "L"  # a non-root node called L
    loss = h_1 * h_2 + clash
    first = [s.name for s in explain(loss)]
    assert first == [s.name for s in explain(loss)]
    assert len(set(first)) == len(first)
    assert {"h", "h#2", "L"} <= set(first) and first[0] == "L#2"
    index = topological_order(loss).index(a)
    assert f"n{index}" in first


def test_bad_arguments() -> None:
    x = Value(1.0)
    with pytest.raises(TypeError, match="y must be a Value, got float"):
        explain(1.0)  # type: ignore[arg-type]
    for bad in (0, -1, True, 2.5):
        with pytest.raises(ValueError, match="max_nodes must be a positive int or None"):
            explain(x, max_nodes=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_terms"):
        explain(x, max_terms=0)
    with pytest.raises(ValueError, match="digits"):
        explain(x, digits=0)
    with pytest.raises(KeyError, match="no node named 'zz'"):
        explain(x)["zz"]


def test_digits_and_non_finite_numbers() -> None:
    x = Value(0.0, label="x")
    y = x**0.5  # sqrt'(0) = inf
    text = str(explain(y, digits=3))
    assert "dL/dx = d(x ** 0.5)/dx = inf" in text
    assert "\\infty" in explain(y).to_latex()
    assert "3.14" in str(explain(Value(math.pi, label="p") * 1.0, digits=3))


# ---------------------------------------------------------------- formats


HOSTILE = "<script>alert('x')</script> & $\\input{/etc/passwd}%_#^~|`tick`\nnext^^M\\input{x}"


def hostile_graph() -> Value:
    w = Value(2.0, label=HOSTILE)
    b = Value(0.5, label="b_1")
    loss = (w * b).tanh()
    loss.label = "loss{}"
    return loss


def test_text_lines() -> None:
    loss, _ = network()
    lines = str(explain(loss, max_nodes=None)).splitlines()
    assert lines[0].startswith("Backward pass of L = ")
    body = lines[1:]
    assert len(body) == 2 * len(topological_order(loss))
    for definition, chain in zip(body[::2], body[1::2], strict=True):
        assert re.match(r"^\s*\d+\. \S+ = ", definition)
        assert re.match(r"^\s+dL/d\S+ = ", chain)
    # A newline in a label is shown escaped: it cannot break the line structure.
    hostile = str(explain(hostile_graph())).splitlines()
    assert len(hostile) == 1 + 2 * 4
    assert any("\\nnext" in line for line in hostile)


def test_markdown_worksheet() -> None:
    md = explain(hostile_graph()).to_markdown()
    lines = md.splitlines()
    assert lines[0].startswith("### Backward pass of `loss{}` = ")
    numbered = [line for line in lines if re.match(r"^\d+\. ", line)]
    assert len(numbered) == 4
    # Every formula is one code span; the label's backticks need a longer fence.
    assert "``" in md and "`tick`" in md
    for line in numbered:
        assert re.match(r"^\d+\. (`+)[^`].*\1  $", line)
    # No line breaks escaped from a label
    assert all(not line.startswith("next") for line in lines)


def test_html_escapes_labels() -> None:
    page = explain(hostile_graph())._repr_html_()
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; $\\input" in page
    assert page.startswith('<table class="autograd-lite-explain">') and page.endswith("</table>")
    assert page.count("<tr>") == 1 + 4


def _latex_braces_balance(source: str) -> bool:
    depth = 0
    text = re.sub(r"\\[{}]", "", source)  # escaped braces are characters, not groups
    for line in text.splitlines():
        if line.startswith("%"):
            continue
        for c in line:
            depth += {"{": 1, "}": -1}.get(c, 0)
            if depth < 0:
                return False
    return depth == 0


def test_latex_worksheet_escapes_labels() -> None:
    tex = explain(hostile_graph()).to_latex()
    assert "\\begin{align*}" in tex and tex.rstrip().endswith("\\end{align*}")
    assert _latex_braces_balance(tex)
    escaped = (
        "\\textless{}script\\textgreater{}alert('x')\\textless{}/script\\textgreater{} \\& "
        "\\$\\textbackslash{}input\\{/etc/passwd\\}\\%\\_\\#\\textasciicircum{}"
        "\\textasciitilde{}\\textbar{}`tick`\\textbackslash{}nnext"
        "\\textasciicircum{}\\textasciicircum{}M\\textbackslash{}input\\{x\\}"
    )
    # TeX turns ^^M into an end of line even inside a comment: no raw ^ anywhere.
    assert "^" not in tex and "\\input{" not in tex
    assert f"\\text{{{escaped}}}" in tex
    body = [line for line in tex.splitlines() if not line.startswith("%")]
    assert "\\text{b\\_1}" in tex and "\\text{loss\\{\\}}" in tex
    # Inside align*, every row but the last ends with a line break.
    rows = body[body.index("\\begin{align*}") + 1 : body.index("\\end{align*}")]
    assert all(r.endswith(("\\\\", "\\\\[6pt]")) for r in rows[:-1]) and "\\\\" not in rows[-1]


def test_latex_chain_rule_rows() -> None:
    loss, _ = network()
    tex = explain(loss, max_nodes=None).to_latex()
    assert (
        "\\frac{\\partial \\text{L}}{\\partial \\text{h1}} &= "
        "\\frac{\\partial \\text{L}}{\\partial \\text{o1}}\\,"
        "\\frac{\\partial \\text{o1}}{\\partial \\text{h1}} + "
    ) in tex
    assert "\\text{h1} &= \\operatorname{tanh}\\left(\\text{k1}\\right) = " in tex
    assert "\\text{y2} &= \\frac{\\text{e2}}{\\text{n" in tex
    assert _latex_braces_balance(tex)


def test_repr_and_iteration() -> None:
    ex = explain(Value(2.0, label="a") * 3.0, max_nodes=2)
    assert isinstance(ex, Explanation)
    assert repr(ex) == "<Explanation of L: 2 of 3 nodes shown; print() it for the steps>"
    assert [s.position for s in ex] == [1, 2]
