"""The backward pass written out step by step, the way learners derive it by hand.

:func:`explain` returns an :class:`Explanation`: for each node, in backward order, its
definition and its chain-rule step with the numbers filled in::

    dL/dh1 = dL/do1 * do1/dh1 + dL/do2 * do2/dh1 = (-0.5)(1.0) + (0.5)(1.0) = 0.0

It displays as text (``print``), as an HTML table in Jupyter, and exports Markdown and LaTeX
worksheets. The gradients and each edge's local derivative come from one
:func:`autograd_lite.core.walk_backward`, the engine's own walk of the chain rule: this module
only formats, it knows no calculus.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from ..core.engine import topological_order, walk_backward
from ..core.foreign import from_micrograd, is_micrograd_like
from ..core.rules import Rule
from ..core.value import Value

__all__ = ["ChainStep", "ChainTerm", "Explanation", "explain", "node_names"]


@dataclass(frozen=True)
class ChainTerm:
    """One term ``dL/dchild * dchild/dnode`` of a node's chain-rule sum.

    Attributes:
        child: the name of a node computed from this node.
        upstream: d(root)/d(child).
        local: d(child)/d(node), summed over every input slot of ``child`` that this node
            fills (``x * x`` gives ``x + x``).
        from_root: True when ``child`` is the root, whose own derivative is 1: the term is
            just the local derivative.
    """

    child: str
    upstream: float
    local: float
    from_root: bool


@dataclass(frozen=True)
class ChainStep:
    """One node's line of the backward pass.

    Attributes:
        position: 1 for the root, then counting in backward order.
        name: the node's label, or a generated name (``L`` for an unlabelled root, else ``n7``
            with 7 its index in :func:`~autograd_lite.core.engine.topological_order`).
        node: the node itself.
        op: its operation's name, ``""`` for a leaf.
        operands: the names of its inputs, in order.
        value: its data.
        grad: d(root)/d(node), as the engine computes it.
        terms: the chain-rule terms that sum to ``grad`` (empty for the root), ordered by
            the consumers' names as people number them (``o2`` before ``o10``).
        stored_grad: what ``node.grad`` held when :func:`explain` ran (it is not changed).
    """

    position: int
    name: str
    node: Value
    op: str
    operands: tuple[str, ...]
    value: float
    grad: float
    terms: tuple[ChainTerm, ...]
    stored_grad: float

    @property
    def is_root(self) -> bool:
        """True for the node being differentiated."""
        return self.position == 1

    @property
    def accumulated_note(self) -> str:
        """A warning when a leaf's ``.grad`` differs from this pass's gradient, else ``""``.

        Leaves add up gradients over ``backward()`` calls, which is a common surprise.
        """
        stored, fresh = self.stored_grad, self.grad
        if not self.node.is_leaf or stored == 0.0 or math.isnan(stored) or math.isnan(fresh):
            return ""
        if math.isclose(stored, fresh, rel_tol=1e-9, abs_tol=1e-12):
            return ""
        return (
            f"{self.name}.grad holds {_num(stored)}, not {_num(fresh)}: leaf gradients add up "
            "over backward() calls (zero_grad() resets them)"
        )


class Explanation:
    """The chain rule at every node of a graph, in backward order, with numbers.

    Display it with ``print`` or in Jupyter (an HTML table); export it with
    :meth:`to_markdown` or :meth:`to_latex`. ``steps`` holds the numbers for programs.

    Attributes:
        root: the name of the differentiated node.
        steps: the steps shown, root first.
        total: the number of nodes in the graph.
        omitted: how many nodes ``max_nodes`` left out (the last ones in backward order).
        max_nodes: the limit that was asked for (None: no limit).
    """

    def __init__(
        self,
        root: str,
        steps: tuple[ChainStep, ...],
        total: int,
        max_nodes: int | None,
        max_terms: int | None,
        digits: int,
    ) -> None:
        self.root = root
        self.steps = steps
        self.total = total
        self.omitted = total - len(steps)
        self.max_nodes = max_nodes
        self.max_terms = max_terms
        self.digits = digits

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self) -> Iterator[ChainStep]:
        return iter(self.steps)

    def __getitem__(self, name: str) -> ChainStep:
        """The step of the node called ``name`` (its label or generated name)."""
        for step in self.steps:
            if step.name == name:
                return step
        shown = ", ".join(s.name for s in self.steps[:20])
        raise KeyError(f"no node named {name!r} in this explanation; shown nodes: {shown}")

    # ------------------------------------------------------------------ plain text

    def header(self) -> str:
        """One line: which node is differentiated, its value and the size of the graph."""
        root = self.steps[0]
        return (
            f"Backward pass of {self.root} = {_num(root.value, self.digits)} "
            f"({self.total} nodes, in backward order)"
        )

    def footer(self) -> str:
        """Says how many nodes were omitted, or ``""``."""
        if not self.omitted:
            return ""
        return (
            f"... {self.omitted} more node{'s' if self.omitted != 1 else ''} omitted "
            f"(max_nodes={self.max_nodes})"
        )

    def definition(self, step: ChainStep) -> str:
        """``h1 = tanh(n3) = 0.76``, or ``w = 0.5 (leaf)``."""
        value = _num(step.value, self.digits)
        if not step.op:
            return f"{step.name} = {value} (leaf)"
        rule = step.node.rule
        assert rule is not None
        return f"{step.name} = {_text_expression(rule, step.operands)} = {value}"

    def chain_rule(self, step: ChainStep) -> str:
        """The step's chain-rule line: symbols, then numbers, then the result."""
        d = self._d_text
        lhs = d(self.root, step.name)
        if step.is_root:
            return f"{lhs} = 1.0"
        terms, hidden = self._visible_terms(step)
        symbols: list[str] = []
        numbers: list[str] = []
        for term in terms:
            if term.from_root:
                rule = self.steps[0].node.rule
                assert rule is not None
                expression = _text_expression(rule, self.steps[0].operands)
                symbols.append(f"d({expression})/d{_wrap(step.name)}")
                numbers.append(f"({_num(term.local, self.digits)})")
            else:
                symbols.append(f"{d(self.root, term.child)} * {d(term.child, step.name)}")
                numbers.append(
                    f"({_num(term.upstream, self.digits)})({_num(term.local, self.digits)})"
                )
        if hidden:
            symbols.append(f"... ({hidden} more terms)")
            numbers.append("...")
        result = _num(step.grad, self.digits)
        if len(terms) == 1 and not hidden and terms[0].from_root:
            return f"{lhs} = {symbols[0]} = {result}"
        return f"{lhs} = {' + '.join(symbols)} = {' + '.join(numbers)} = {result}"

    def lines(self) -> list[str]:
        """The text form, line by line."""
        out = [self.header()]
        width = len(str(len(self.steps)))
        for step in self.steps:
            out.append(f"{step.position:>{width}}. {self.definition(step)}")
            pad = " " * (width + 2)
            out.append(f"{pad}{self.chain_rule(step)}")
            note = step.accumulated_note
            if note:
                out.append(f"{pad}note: {note}")
        if self.omitted:
            out.append(self.footer())
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def __repr__(self) -> str:
        return (
            f"<Explanation of {self.root}: {len(self.steps)} of {self.total} nodes shown; "
            "print() it for the steps>"
        )

    # ------------------------------------------------------------------ HTML

    def _repr_html_(self) -> str:
        e = html.escape
        rows = []
        for step in self.steps:
            note = step.accumulated_note
            note_html = (
                '<br><small style="color:#5a0000;background:#f8d7da;padding:0 3px">'
                f"note: {e(note)}</small>"
                if note
                else ""
            )
            rows.append(
                "<tr>"
                f"<td>{step.position}</td>"
                f"<td><code>{e(self.definition(step))}</code></td>"
                f"<td><code>{e(self.chain_rule(step))}</code>{note_html}</td>"
                f'<td style="text-align:right"><code>{e(_num(step.grad, self.digits))}</code></td>'
                "</tr>"
            )
        if self.omitted:
            rows.append(f'<tr><td colspan="4"><em>{e(self.footer())}</em></td></tr>')
        return (
            '<table class="autograd-lite-explain">'
            f"<caption>{e(self.header())}</caption>"
            "<thead><tr><th>#</th><th>node</th><th>chain rule</th>"
            f"<th>{e(self._d_text(self.root, 'node'))}</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
        )

    # ------------------------------------------------------------------ Markdown

    def to_markdown(self) -> str:
        """A Markdown worksheet: a heading and a numbered list of the steps.

        Formulas are code spans, so labels need no Markdown escaping.

        Returns:
            Markdown text.
        """
        root = self.steps[0]
        out = [
            f"### Backward pass of {_code(self.root)} = {_num(root.value, self.digits)} "
            f"({self.total} nodes, in backward order)",
            "",
        ]
        for step in self.steps:
            out.append(f"{step.position}. {_code(self.definition(step))}  ")
            out.append(f"   {_code(self.chain_rule(step))}")
            note = step.accumulated_note
            if note:
                out[-1] += "  "
                out.append(f"   *note:* {_code(note)}")
        if self.omitted:
            out += ["", f"*{self.footer()}*"]
        return "\n".join(out) + "\n"

    # ------------------------------------------------------------------ LaTeX

    def to_latex(self) -> str:
        """A LaTeX worksheet: one ``align*`` environment (needs ``\\usepackage{amsmath}``).

        Each node gets its definition and its chain-rule line with ∂ notation; labels are
        escaped, so any label is safe to paste.

        Returns:
            LaTeX source to paste into a document body.
        """
        d = self._d_latex
        root_step = self.steps[0]
        out = [
            # Names in comments are escaped too: TeX reads ^^M as an end of line even there.
            f"% Backward pass of {_latex_text(self.root)}, from autograd_lite.check.explain "
            "(needs \\usepackage{amsmath})",
            "\\begin{align*}",
        ]
        for step in self.steps:
            name = _latex_name(step.name)
            value = _latex_num(step.value, self.digits)
            if step.op:
                rule = step.node.rule
                assert rule is not None
                definition = f"{name} &= {_latex_expression(rule, step.operands)} = {value}"
            else:
                definition = f"{name} &= {value} \\quad \\text{{(leaf)}}"
            out.append(f"% {step.position}. {_latex_text(step.name)}")
            out.append(definition + " \\\\")
            lhs = d(self.root, step.name)
            if step.is_root:
                out.append(f"{lhs} &= 1 \\\\[6pt]")
                continue
            terms, hidden = self._visible_terms(step)
            symbols: list[str] = []
            numbers: list[str] = []
            for term in terms:
                if term.from_root:
                    rule = root_step.node.rule
                    assert rule is not None
                    expression = _latex_expression(rule, root_step.operands)
                    symbols.append(
                        f"\\frac{{\\partial}}{{\\partial {_latex_name(step.name)}}}"
                        f"\\left({expression}\\right)"
                    )
                    numbers.append(f"({_latex_num(term.local, self.digits)})")
                else:
                    symbols.append(f"{d(self.root, term.child)}\\,{d(term.child, step.name)}")
                    numbers.append(
                        f"({_latex_num(term.upstream, self.digits)})\\,"
                        f"({_latex_num(term.local, self.digits)})"
                    )
            if hidden:
                symbols.append(f"\\cdots \\text{{ ({hidden} more terms)}}")
                numbers.append("\\cdots")
            parts = [lhs, " + ".join(symbols)]
            if not (len(terms) == 1 and not hidden and terms[0].from_root):
                parts.append(" + ".join(numbers))
            parts.append(_latex_num(step.grad, self.digits))
            out.append(f"{parts[0]} &= {' = '.join(parts[1:])} \\\\[6pt]")
        out[-1] = out[-1].removesuffix(" \\\\[6pt]")  # no empty row at the end
        out.append("\\end{align*}")
        if self.omitted:
            out.append(f"% {self.footer()}")
        return "\n".join(out) + "\n"

    # ------------------------------------------------------------------ helpers

    def _visible_terms(self, step: ChainStep) -> tuple[tuple[ChainTerm, ...], int]:
        if self.max_terms is None or len(step.terms) <= self.max_terms:
            return step.terms, 0
        return step.terms[: self.max_terms], len(step.terms) - self.max_terms

    @staticmethod
    def _d_text(top: str, bottom: str) -> str:
        return f"d{_wrap(top)}/d{_wrap(bottom)}"

    @staticmethod
    def _d_latex(top: str, bottom: str) -> str:
        return f"\\frac{{\\partial {_latex_name(top)}}}{{\\partial {_latex_name(bottom)}}}"


def explain(
    y: Value,
    max_nodes: int | None = 50,
    *,
    max_terms: int | None = 8,
    digits: int = 6,
) -> Explanation:
    """Write out the backward pass of ``y``: every node's chain-rule step, with numbers.

    The gradients are computed afresh (``y.backward()`` need not have run, and no ``.grad``
    is read for the numbers or written): d(y)/d(node) for every node of y's graph.

    Args:
        y: the node to differentiate (usually the loss). Label nodes to get readable
            names; unlabelled ones are called ``n<index>`` (``L`` for the root). A
            micrograd-style node (``data``, ``grad``, ``_prev``, ``_op``) works too: its
            ops are shown as user-defined, with derivatives from its ``_backward``.
        max_nodes: show at most this many nodes (the first ones in backward order) and say
            how many were left out; None shows all.
        max_terms: show at most this many terms of one chain-rule sum; None shows all.
        digits: significant digits of the printed numbers.

    Returns:
        An :class:`Explanation`.

    Example:
        >>> from autograd_lite import Value, explain
        >>> x, w = Value(2.0, label="x"), Value(-3.0, label="w")
        >>> h = (x * w).tanh(); h.label = "h"
        >>> print(explain(h * h))
        Backward pass of L = 0.999975 (5 nodes, in backward order)
        1. L = h * h = 0.999975
           dL/dL = 1.0
        2. h = tanh(n2) = -0.999988
           dL/dh = d(h * h)/dh = -1.99998
        3. n2 = x * w = -6.0
           dL/dn2 = dL/dh * dh/dn2 = (-1.99998)(2.45765e-05) = -4.91525e-05
        4. w = -3.0 (leaf)
           dL/dw = dL/dn2 * dn2/dw = (-4.91525e-05)(2.0) = -9.8305e-05
        5. x = 2.0 (leaf)
           dL/dx = dL/dn2 * dn2/dx = (-4.91525e-05)(-3.0) = 0.000147457
    """
    if is_micrograd_like(y):
        y = from_micrograd(y)
    if not isinstance(y, Value):
        raise TypeError(
            f"explain: y must be a Value, got {type(y).__name__} {y!r:.80} (a micrograd-style "
            "node, with data, grad, _prev and _op, works too)"
        )
    for name, limit, smallest in (("max_nodes", max_nodes, 1), ("max_terms", max_terms, 1)):
        if limit is not None and (
            not isinstance(limit, int) or isinstance(limit, bool) or limit < smallest
        ):
            raise ValueError(f"explain: {name} must be a positive int or None, got {limit!r}")
    if not isinstance(digits, int) or isinstance(digits, bool) or not 1 <= digits <= 17:
        raise ValueError(f"explain: digits must be an int from 1 to 17, got {digits!r}")

    order = topological_order(y)
    names = node_names(y, order)
    backward_order = order[::-1]
    shown = backward_order if max_nodes is None else backward_order[:max_nodes]
    wanted = set(shown)
    # For each wanted node, the nodes computed from it and d(child)/d(node), summed over
    # every input slot of the child it fills (x * x gives x + x).
    uses: dict[Value, dict[Value, float]] = {}

    def use(child: Value, index: int, parent: Value, local: float, contribution: float) -> None:
        if parent in wanted:
            slot = uses.setdefault(parent, {})
            slot[child] = slot.get(child, 0.0) + float(local)

    grad_of = walk_backward(y, use)
    steps = []
    for position, node in enumerate(shown, start=1):
        terms = tuple(
            sorted(
                (
                    ChainTerm(names[child], float(grad_of[child]), local, child is y)
                    for child, local in uses.get(node, {}).items()
                ),
                key=lambda term: _natural(term.child),
            )
        )
        stored = node.grad.data if isinstance(node.grad, Value) else float(node.grad)
        steps.append(
            ChainStep(
                position=position,
                name=names[node],
                node=node,
                op=node.op,
                operands=tuple(names[p] for p in node.parents),
                value=node.data,
                grad=float(grad_of[node]),
                terms=terms,
                stored_grad=stored,
            )
        )
    return Explanation(names[y], tuple(steps), len(order), max_nodes, max_terms, digits)


def _natural(name: str) -> list[tuple[int, int | str]]:
    """Sort key ordering names as people number them: o2 before o10."""
    return [(0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", name)]


def node_names(root: Value, order: list[Value] | None = None) -> dict[Value, str]:
    """Name every node of ``root``'s graph the way :func:`explain` does.

    A node is called by its label (made printable; a repeated label gets ``#2``, ``#3``...),
    the unlabelled root ``L``, and any other unlabelled node ``n<index>``, its position in
    :func:`~autograd_lite.topological_order`. Drawings use the same names, so a drawing and
    an explanation of one graph can be read side by side.

    Args:
        root: the output node.
        order: ``topological_order(root)``, when the caller has it already.

    Returns:
        A dict from every node of the graph to its unique name.

    Example:
        >>> from autograd_lite import Value
        >>> x = Value(2.0, label="x")
        >>> sorted(node_names((x * 3).tanh()).values())
        ['L', 'n1', 'n2', 'x']
    """
    if order is None:
        order = topological_order(root)
    names: dict[Value, str] = {}
    taken: set[str] = set()

    def claim(node: Value, wanted: str, suffix: str) -> None:
        name, k = wanted, 1
        while name in taken:
            k += 1
            name = f"{wanted}{suffix}{k}"
        taken.add(name)
        names[node] = name

    # Labelled nodes first, so a generated name never takes a label a node was given.
    for node in order:
        label = _visible(node.label) if node.label is not None else ""
        if label.strip():
            claim(node, label, "#")
    if root not in names:
        claim(root, "L", "#")
    for index, node in enumerate(order):
        if node not in names:
            claim(node, f"n{index}", "#")
    return names


# ---------------------------------------------------------------------- formatting


# Line and paragraph separators: str.splitlines() breaks lines at them.
_INVISIBLE = ("Zl", "Zp")


def _visible(label: str) -> str:
    """The label with control and invisible characters written as escapes (``\\n``)."""
    return "".join(
        c.encode("unicode_escape").decode("ascii")
        if unicodedata.category(c) in _INVISIBLE or unicodedata.category(c)[0] == "C"
        else c
        for c in label
    )


def _num(x: float, digits: int = 6) -> str:
    """A number as learners write it: 6 significant digits, and ``1.0`` rather than ``1``."""
    text = f"{x:.{digits}g}"
    if text.lstrip("-").isdigit():
        text += ".0"
    return text


def _wrap(name: str) -> str:
    """Parenthesise a name that would read as an expression after ``d``."""
    if any(c.isspace() or c in "+-*/^()=" for c in name):
        return f"({name})"
    return name


def _shorten(operands: tuple[str, ...], limit: int = 8) -> list[str]:
    if len(operands) <= limit:
        return list(operands)
    return [*operands[: limit - 1], f"... ({len(operands)} inputs)", operands[-1]]


def _text_expression(rule: Rule, operands: tuple[str, ...]) -> str:
    """How a node was computed, from its rule's formula and its inputs' names."""
    param = _num(rule.param) if rule.param is not None else ""
    if rule.formula:
        return rule.text([_wrap(o) for o in operands], param)
    return rule.text(_shorten(operands), param)


def _code(text: str) -> str:
    """A Markdown code span that holds any text, backticks included."""
    longest, run = 0, 0
    for c in text:
        run = run + 1 if c == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


_LATEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "#": r"\#",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}


def _latex_text(text: str) -> str:
    return "".join(_LATEX_ESCAPES.get(c, c) for c in text)


def _latex_name(name: str) -> str:
    return f"\\text{{{_latex_text(name)}}}"


def _latex_num(x: float, digits: int) -> str:
    if math.isnan(x):
        return "\\text{NaN}"
    if math.isinf(x):
        return "\\infty" if x > 0 else "-\\infty"
    text = _num(x, digits)
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa} \\times 10^{{{int(exponent)}}}"
    return text


def _latex_expression(rule: Rule, operands: tuple[str, ...]) -> str:
    param = _latex_num(rule.param, 6) if rule.param is not None else ""
    return rule.latex_text([_latex_name(o) for o in _shorten(operands)], param)
