"""The result of a gradient check: one row per checked entry, as text, HTML, or an assertion.

:func:`autograd_lite.check_gradients` (your hand-derived numbers against the engine) and
:func:`autograd_lite.gradcheck` (the engine against finite differences) both return a
:class:`GradientReport`. Each row is a :class:`GradientEntry` whose ``verdict`` is one of:

- ``"ok"``: the value checked agrees with its reference within the tolerances;
- ``"WRONG"``: it does not;
- ``"kink"``: the function is not differentiable at this point along this entry (its left and
  right slopes differ), so there is no single right answer; the value checked lies between the
  two one-sided slopes, as any valid (sub)gradient convention does. A value outside that range is
  ``"WRONG"``;
- ``"unclear"``: the check could not decide, e.g. the engine's gradient and the finite
  differences disagree in :func:`check_gradients` (``loss_fn`` cut the graph by using ``.data``
  or ``float()``), or the function could not be evaluated a step away. The row's note says why.

``report.ok`` (and ``bool(report)``) is True when no row is ``"WRONG"`` or ``"unclear"``.

Rows are grouped by gradient (an input, or a variable of the forward pass checked by name),
in the order the backward pass reaches them. Per gradient, :attr:`GradientReport.gradients`
says how the engine was cross-checked and which checked gradients lie between it and the
loss; :attr:`GradientReport.root_causes` names the first wrong step of each bug,
``report.mistakes`` says what the mistake is (:class:`Mistake`: ``"dW: every entry is 8x too
large; 8 is the batch size N: divide by N."``; see :mod:`autograd_lite.check.mistakes`), and
``report.engine[name]`` / ``report.numerical[name]`` are arrays in the variable's shape.

For drawing, :meth:`GradientReport.node_verdicts` maps each checked entry's leaf ``Value`` (a
leaf of ``report.loss``, the graph the check built) to its verdict, and
:meth:`GradientReport.verdicts` maps entry names (the leaves' labels, ``"W1[0,1]"``) to verdicts.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ..core.value import Value
from .causes import root_causes

__all__ = [
    "KINK",
    "OK",
    "UNCLEAR",
    "VERDICTS",
    "WRONG",
    "CheckedGradient",
    "GradientCheckError",
    "GradientEntry",
    "GradientReport",
    "Mistake",
    "Tolerances",
]

OK = "ok"
WRONG = "WRONG"
KINK = "kink"
UNCLEAR = "unclear"
VERDICTS = (WRONG, UNCLEAR, KINK, OK)
"""Every verdict, in the order rows are listed (problems first)."""

ReportKind = Literal["check_gradients", "gradcheck"]

_ROW_COLOURS = {WRONG: "#f8d7da", UNCLEAR: "#fff3cd", KINK: "#e2e3f3", OK: ""}
_DEFAULT_OK_ROWS = 50


class GradientCheckError(AssertionError):
    """A gradient check failed; the message is the report's table.

    Raised by :meth:`GradientReport.assert_ok` and by ``gradcheck(..., raise_exception=True)``.

    Attributes:
        report: the failing report.
    """

    def __init__(self, report: GradientReport) -> None:
        super().__init__(report.to_text())
        self.report = report


@dataclass(frozen=True)
class GradientEntry:
    """One checked entry of one input.

    Attributes:
        name: the entry's name, ``"W1[0,1]"`` (the input's name alone for a scalar input).
        expected: the value being judged in :func:`check_gradients`: your number. None in
            :func:`gradcheck`, where the engine's gradient is what is judged.
        engine: the engine's gradient d(loss)/d(entry).
        numerical: the central finite-difference estimate (NaN when it could not be computed).
        abs_error: ``|expected - engine|`` (check_gradients) or ``|engine - numerical|``
            (gradcheck).
        rel_error: ``abs_error`` divided by the magnitude of the reference (engine, resp.
            numerical); 0 when both are 0, inf when only the reference is 0.
        verdict: ``"ok"``, ``"WRONG"``, ``"kink"`` or ``"unclear"``.
        note: why a row is a kink or unclear, or other facts worth knowing; may be empty.
        one_sided: the (left, right) difference quotients, whose disagreement reveals a kink.
        node: the Value this entry was given as in the graph the check built (a leaf for an
            input's entry, the variable's own node for a variable's entry).
        gradient: the input or variable the entry belongs to (``"W1"``).
    """

    name: str
    expected: float | None
    engine: float
    numerical: float
    abs_error: float
    rel_error: float
    verdict: str
    note: str = ""
    one_sided: tuple[float, float] = (math.nan, math.nan)
    node: Value | None = field(default=None, repr=False, compare=False)
    gradient: str = ""


@dataclass(frozen=True)
class Mistake:
    """What is wrong with one wrong gradient, said in one sentence (see ``report.mistakes``).

    Attributes:
        gradient: the gradient's name (``"W1"``, ``"h"``).
        kind: one of :data:`autograd_lite.check.mistakes.KINDS` (``"scale"``, ``"sign"``,
            ``"transpose"``, ``"axes"``, ``"reduction"``, ``"missing_path"``,
            ``"extra_path"``, ``"mask"``, ``"local_derivative"``, ``"routing"``,
            ``"no simple pattern"``).
        message: one sentence a learner can act on (``"dW: every entry is 8x too large; 8 is
            the batch size N: divide by N."``).
        evidence: the numbers behind it: always ``"entries"`` (how many of yours are wrong),
            and ``"max_error"`` (the largest difference between yours and the engine's
            gradient with the mistake made) unless the kind is ``"no simple pattern"``, whose
            ``"largest"`` lists (index, yours, engine's) of its largest differences; plus the
            kind's own (``"factor"``, ``"path"``, ``"incoming"``, ``"window"``...).
    """

    gradient: str
    kind: str
    message: str
    evidence: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Tolerances:
    """The numbers a report was judged with, shown under its table.

    Attributes:
        rtol, atol: |value - reference| <= atol + rtol * |reference| counts as agreement.
        eps: the finite-difference step, relative to max(1, |entry|).
        fd_rtol, fd_atol: the same test between the engine and finite differences
            (check_gradients only; gradcheck uses rtol and atol for that).
    """

    rtol: float
    atol: float
    eps: float
    fd_rtol: float | None = None
    fd_atol: float | None = None


@dataclass(frozen=True)
class CheckedGradient:
    """One checked gradient as a whole: an input, or a variable of the forward pass.

    Attributes:
        name: the input's or variable's name (``"W1"``, ``"h"``).
        kind: ``"input"`` or ``"variable"``.
        shape: its shape (``()`` for a single number).
        line: for a variable, the line of ``loss_fn`` that assigns it (0 when unknown).
        cross_check: how the engine's gradient was cross-checked by finite differences.
        downstream: the other checked gradients between this one and the loss (they feed
            into this one in the backward pass).
        engine: the engine's gradient, in the variable's shape (NaN where it was not computed).
        numerical: the finite-difference estimates, NaN for entries not probed one by one.
        placed: False when its place in the backward pass is unknown (``loss_fn`` cut the
            graph, so ``downstream`` is empty for want of knowledge, not because nothing is
            there): it is never named a root cause.
        source: for a variable, the expression its line assigns, as written (``X @ W1 + b1``);
            ``""`` for an input or when the source could not be read.
    """

    name: str
    kind: str
    shape: tuple[int, ...]
    line: int
    cross_check: str
    downstream: tuple[str, ...]
    engine: npt.NDArray[np.float64] = field(repr=False, compare=False)
    numerical: npt.NDArray[np.float64] = field(repr=False, compare=False)
    placed: bool = True
    source: str = ""


class GradientReport:
    """Entry-by-entry result of :func:`check_gradients` or :func:`gradcheck`.

    Print it for a text table (problem rows first), display it in Jupyter for an HTML table
    with problem rows highlighted, or call :meth:`assert_ok` in a test.

    Attributes:
        kind: ``"check_gradients"`` or ``"gradcheck"``.
        entries: every checked entry, in input order.
        unchecked: names of the entries that were not checked (inputs absent from
            ``expected``), in input order.
        loss: the output node of the graph the check built; its leaves are the entries' nodes.
        tolerances: the tolerances used.
        notes: remarks about the whole check (e.g. how finite differences were evaluated).
        gradients: one :class:`CheckedGradient` per checked name, in the order the backward
            pass reaches them (closest to the loss first).
        mistakes: what is wrong with each wrong gradient, one or more :class:`Mistake`
            findings per gradient, in backward order (see
            :mod:`autograd_lite.check.mistakes`): a finding is reported only when the
            engine's gradient with that mistake made reproduces every entry of yours; a
            correct gradient has none. Empty for :func:`~autograd_lite.gradcheck`.
    """

    def __init__(
        self,
        kind: ReportKind,
        entries: Sequence[GradientEntry],
        *,
        unchecked: Sequence[str] = (),
        loss: Value | None = None,
        tolerances: Tolerances,
        notes: Sequence[str] = (),
        gradients: Sequence[CheckedGradient] = (),
        mistakes: Sequence[Mistake] = (),
    ) -> None:
        self.kind: ReportKind = kind
        self.gradients: tuple[CheckedGradient, ...] = tuple(gradients)
        self.entries: tuple[GradientEntry, ...] = tuple(entries)
        self.unchecked: tuple[str, ...] = tuple(unchecked)
        self.loss = loss
        self.tolerances = tolerances
        self.notes: tuple[str, ...] = tuple(notes)
        self.mistakes: list[Mistake] = list(mistakes)

    # ------------------------------------------------------------------ verdicts

    @property
    def ok(self) -> bool:
        """True when no checked entry is ``"WRONG"`` or ``"unclear"`` (kinks are fine)."""
        return all(e.verdict in (OK, KINK) for e in self.entries)

    def __bool__(self) -> bool:
        """``report.ok``, so ``assert report`` and ``if report:`` mean what they say."""
        return self.ok

    @property
    def engine(self) -> dict[str, npt.NDArray[np.float64]]:
        """Name -> the engine's gradient, as an array in that input's or variable's shape."""
        return {g.name: g.engine for g in self.gradients}

    @property
    def numerical(self) -> dict[str, npt.NDArray[np.float64]]:
        """Name -> finite-difference estimates in its shape (NaN where not probed one by one)."""
        return {g.name: g.numerical for g in self.gradients}

    @property
    def cross_checks(self) -> dict[str, str]:
        """Name -> how the engine's gradient for it was cross-checked by finite differences."""
        return {g.name: g.cross_check for g in self.gradients}

    @property
    def wrong_names(self) -> list[str]:
        """The checked names with at least one ``"WRONG"`` entry, in backward order."""
        wrong = {_stem(e) for e in self.entries if e.verdict == WRONG}
        return [g.name for g in self.gradients if g.name in wrong]

    @property
    def root_causes(self) -> list[str]:
        """Names whose gradient is wrong while every checked gradient downstream is right.

        Downstream means between it and the loss: the gradients the backward pass computes
        before it and passes on to it. Each root cause is the first wrong step of a bug; the
        wrong gradients upstream of it may merely inherit its error. When ``loss_fn`` cut the
        graph, which gradient feeds which is unknown and no root cause is named.
        """
        return root_causes(self.gradients, set(self.wrong_names))

    def inherited(self, name: str) -> list[str]:
        """The root causes downstream of the wrong gradient ``name`` (whose error it may carry)."""
        causes = set(self.root_causes)
        for g in self.gradients:
            if g.name == name:
                return [d for d in g.downstream if d in causes]
        raise KeyError(f"no checked gradient named {name!r}")

    @property
    def mismatches(self) -> list[GradientEntry]:
        """The entries whose verdict is ``"WRONG"``."""
        return [e for e in self.entries if e.verdict == WRONG]

    @property
    def kinks(self) -> list[GradientEntry]:
        """The entries at a point where the function is not differentiable."""
        return [e for e in self.entries if e.verdict == KINK]

    @property
    def unclear(self) -> list[GradientEntry]:
        """The entries the check could not decide (see each one's note)."""
        return [e for e in self.entries if e.verdict == UNCLEAR]

    def __getitem__(self, name: str) -> GradientEntry:
        """The entry called ``name`` (``report["W1[0,1]"]``)."""
        for e in self.entries:
            if e.name == name:
                return e
        known = ", ".join(e.name for e in self.entries[:10])
        more = ", ..." if len(self.entries) > 10 else ""
        raise KeyError(f"no checked entry named {name!r}; checked: {known}{more}")

    def verdicts(self) -> dict[str, str]:
        """Entry name (the leaf's label, ``"W1[0,1]"``) -> verdict, for every checked entry."""
        return {e.name: e.verdict for e in self.entries}

    def node_verdicts(self) -> dict[Value, str]:
        """Leaf node -> verdict, for every checked entry: what a graph drawing highlights.

        The nodes are leaves of :attr:`loss`, the graph this check built from your inputs, so
        ``draw(report.loss, highlight=report)`` can colour them. (Value equality is identity,
        so the dict is keyed by node.) Unchecked inputs are absent. To match another graph of
        the same function, use :meth:`verdicts`, keyed by label.

        Returns:
            A dict from leaf Value to ``"ok"``, ``"WRONG"``, ``"kink"`` or ``"unclear"``.
        """
        return {e.node: e.verdict for e in self.entries if e.node is not None}

    def assert_ok(self) -> None:
        """Raise :class:`GradientCheckError` (an ``AssertionError``) with the table unless ok."""
        if not self.ok:
            raise GradientCheckError(self)

    # ------------------------------------------------------------------ text

    def summary(self) -> str:
        """One line: how many entries got each verdict, and what was not checked."""
        counts = [
            f"{n} {verdict}"
            for verdict in VERDICTS
            if (n := sum(e.verdict == verdict for e in self.entries))
        ]
        what = ", ".join(counts) if counts else "nothing checked"
        n = len(self.entries)
        line = f"{self.kind}: {what} ({n} {'entry' if n == 1 else 'entries'} checked)"
        if self.unchecked:
            line += f"; not checked: {self._unchecked_text()}"
        return line

    def leading_mistakes(self) -> list[Mistake]:
        """The findings a reader needs first: those of the first wrong steps.

        With only inputs checked (no order among them), every finding but "no simple
        pattern" ones; a wrong gradient that may merely inherit an error downstream is left
        to :attr:`mistakes`.
        """
        if not any(g.kind == "variable" for g in self.gradients):
            return [m for m in self.mistakes if m.kind != "no simple pattern"]
        causes = set(root_causes(self.gradients, set(self.wrong_names)))
        return [m for m in self.mistakes if m.gradient in causes]

    def diagnosis(self) -> str:
        """In words: what is wrong (the findings), the first wrong step, what merely inherits."""
        return " ".join([m.message for m in self.leading_mistakes()] + self._steps())

    def _diagnosis_after_findings(self) -> str:
        """:meth:`diagnosis` without the findings it opens with (HTML shows them apart)."""
        text = self.diagnosis()
        for m in self.leading_mistakes():
            text = text.removeprefix(m.message).lstrip()
        return text

    def _steps(self) -> list[str]:
        if self.kind != "check_gradients" or len(self.gradients) < 2:
            return []
        wrong = self.wrong_names
        # Inputs alone are leaves: none lies between another and the loss, so there is no
        # order among them to tell a first wrong step by.
        if not wrong or not any(g.kind == "variable" for g in self.gradients):
            return []
        causes = self.root_causes
        cut = not all(g.placed for g in self.gradients)
        if cut and not causes:
            return [
                f"{_names(wrong)} {'is' if len(wrong) == 1 else 'are'} wrong, but loss_fn cut "
                "the graph, so which checked gradient the backward pass computes from which is "
                "unknown: the check cannot name a first wrong step. Keep the graph whole (see "
                "the note below) to find it."
            ]
        sentences = []
        for cause in causes:
            g = next(g for g in self.gradients if g.name == cause)
            n = sum(1 for e in self.entries if _stem(e) == cause and e.verdict == WRONG)
            where = f" (line {g.line})" if g.line else ""
            what = f"{n} wrong {'entry' if n == 1 else 'entries'}"
            if cut:
                sentences.append(
                    f"First wrong step: {cause}{where}, with {what}; loss_fn cut the graph, so "
                    "which checked gradients lie between it and the loss is unknown, but every "
                    "checked variable other than it is right, so none carries an error to it."
                )
            elif g.downstream:
                sentences.append(
                    f"First wrong step: {cause}{where}, with {what}; every checked gradient "
                    f"between it and the loss ({', '.join(g.downstream)}) is right, so the "
                    f"mistake is in the step that computes {cause}'s gradient from them."
                )
            else:
                sentences.append(
                    f"First wrong step: {cause}{where}, with {what}; no checked gradient lies "
                    f"between it and the loss, so the mistake is in the step that computes "
                    f"{cause}'s gradient from the loss."
                )
        heirs = [name for name in wrong if name not in causes]
        if heirs:
            one = len(heirs) == 1
            it, are = ("it", "is") if one else ("they", "are")
            how = (
                f" and may be computed from {_names(causes)}"
                if cut
                else f", but the backward pass computes {'it' if one else 'them'} from "
                f"{_names(causes)}"
            )
            sentences.append(
                f"{_names(heirs)} {are} wrong too{how}, so {it} may merely inherit the error: "
                f"fix {_names(causes)} first and check again."
            )
        return sentences

    def overview(self) -> str:
        """One line per checked gradient, in the order the backward pass reaches them.

        Each line gives the name, whether it is an input or a variable (with the line that
        assigns it), its shape, how many entries got each verdict, how the engine's gradient
        was cross-checked, and ``<- root cause`` on the first wrong steps. Empty when only
        inputs were checked (they have no backward order among them).
        """
        return "\n".join(self._gradient_lines())

    def _unchecked_text(self) -> str:
        # Grouped by input: "X (6 entries), b2" reads better than six names.
        groups: dict[str, int] = {}
        for name in self.unchecked:
            stem = name.split("[", 1)[0]
            groups[stem] = groups.get(stem, 0) + 1
        return ", ".join(f"{stem} ({n} entries)" if n > 1 else stem for stem, n in groups.items())

    def _columns(self) -> list[str]:
        if self.kind == "check_gradients":
            return ["entry", "yours", "engine", "finite diff", "abs err", "rel err", "verdict"]
        return ["entry", "engine", "finite diff", "abs err", "rel err", "verdict"]

    def _cells(self, e: GradientEntry) -> list[str]:
        cells = [e.name]
        if self.kind == "check_gradients":
            cells.append(_num(e.expected))
        cells += [_num(e.engine), _num(e.numerical), _err(e.abs_error), _err(e.rel_error)]
        cells.append(e.verdict)
        return cells

    def _ordered(self) -> list[GradientEntry]:
        # Grouped by gradient in backward order, problems first within each (a stable sort).
        rank = {v: i for i, v in enumerate(VERDICTS)}
        group = {g.name: i for i, g in enumerate(self.gradients)}
        return sorted(
            self.entries,
            key=lambda e: (group.get(_stem(e), 0), rank.get(e.verdict, 0)),
        )

    def _gradient_lines(self) -> list[str]:
        if not any(g.kind == "variable" for g in self.gradients):
            return []
        out = (
            ["gradients, in the order the backward pass reaches them:"]
            if all(g.placed for g in self.gradients)
            else ["gradients (the graph was cut: their order in the backward pass is unknown):"]
        )
        for g in self.gradients:
            counts = [
                f"{n} {verdict}"
                for verdict in VERDICTS
                if (
                    n := sum(1 for e in self.entries if _stem(e) == g.name and e.verdict == verdict)
                )
            ]
            shape = "x".join(str(d) for d in g.shape) or "scalar"
            where = f", line {g.line}" if g.line else ""
            tag = "  <- root cause" if g.name in self.root_causes else ""
            out.append(
                f"  {g.name} ({g.kind}{where}, {shape}): {', '.join(counts)}; "
                f"cross-check: {g.cross_check}{tag}"
            )
        return out

    def _tolerance_text(self) -> str:
        t = self.tolerances
        if self.kind == "check_gradients":
            return (
                f"agreement: |yours - engine| <= atol + rtol*|engine| (atol={t.atol:g}, "
                f"rtol={t.rtol:g}); engine vs finite differences: fd_atol={t.fd_atol:g}, "
                f"fd_rtol={t.fd_rtol:g}; step eps={t.eps:g} x max(1, |entry|)"
            )
        return (
            f"agreement: |engine - finite diff| <= atol + rtol*|finite diff| (atol={t.atol:g}, "
            f"rtol={t.rtol:g}); step eps={t.eps:g} x max(1, |entry|)"
        )

    def to_text(self, max_ok_rows: int | None = _DEFAULT_OK_ROWS) -> str:
        """The report as a plain-text table, problem rows first.

        Args:
            max_ok_rows: list at most this many ``"ok"`` rows (all WRONG, unclear and kink rows
                are always listed); None lists every row.

        Returns:
            The summary line, the table, the notes and the tolerances, one per line.
        """
        rows = self._ordered()
        shown = rows
        hidden = 0
        if max_ok_rows is not None:
            problems = [e for e in rows if e.verdict != OK]
            oks = [e for e in rows if e.verdict == OK]
            shown = problems + oks[:max_ok_rows]
            hidden = len(oks) - len(oks[:max_ok_rows])
        header = self._columns()
        body = [self._cells(e) for e in shown]
        widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]

        def line(cells: list[str]) -> str:
            first = cells[0].ljust(widths[0])
            rest = [c.rjust(w) for c, w in zip(cells[1:-1], widths[1:-1], strict=True)]
            return "  ".join([first, *rest, cells[-1]]).rstrip()

        diagnosis = self.diagnosis()
        out = [self.summary(), *([diagnosis] if diagnosis else []), *self._gradient_lines()]
        out += [line(header), "  ".join("-" * w for w in widths)]
        out += [line(cells) for cells in body]
        if hidden:
            out.append(f"... {hidden} more ok rows (to_text(max_ok_rows=None) lists them)")
        notes = [f"  {e.name}: {e.note}" for e in shown if e.note]
        if notes:
            out.append("notes:")
            out += notes
        out += list(self.notes)
        out.append(self._tolerance_text())
        return "\n".join(out)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return self.to_text()

    # ------------------------------------------------------------------ HTML

    def _repr_html_(self) -> str:
        """An HTML table for Jupyter: WRONG rows red, unclear amber, kinks blue; text escaped."""
        esc = html.escape
        colour = "#155724;background:#d4edda" if self.ok else "#721c24;background:#f8d7da"
        parts = [
            '<div class="autograd-lite-report">',
            f'<p style="color:{colour};font-weight:bold;padding:2px 6px">{esc(self.summary())}</p>',
            *[
                f'<p class="mistake" style="font-weight:bold">{esc(m.message)}</p>'
                for m in self.leading_mistakes()
            ],
            *([f"<p>{esc(steps)}</p>"] if (steps := self._diagnosis_after_findings()) else []),
            *(
                [f"<pre>{esc(chr(10).join(self._gradient_lines()))}</pre>"]
                if self._gradient_lines()
                else []
            ),
            '<table style="border-collapse:collapse;font-family:monospace">',
            "<thead><tr>",
        ]
        for name in [*self._columns(), "note"]:
            parts.append(f'<th style="text-align:left;padding:2px 8px">{esc(name)}</th>')
        parts.append("</tr></thead><tbody>")
        for e in self._ordered():
            # Dark text on the light row colour: readable in dark notebook themes too.
            style = (
                f' style="background:{_ROW_COLOURS[e.verdict]};color:#1a1a1a"'
                if _ROW_COLOURS.get(e.verdict)
                else ""
            )
            parts.append(f'<tr class="verdict-{esc(e.verdict.lower())}"{style}>')
            cells = self._cells(e)
            for i, cell in enumerate(cells):
                weight = ";font-weight:bold" if i == len(cells) - 1 and e.verdict != OK else ""
                align = "left" if i in (0, len(cells) - 1) else "right"
                parts.append(
                    f'<td style="padding:2px 8px;text-align:{align}{weight}">{esc(cell)}</td>'
                )
            parts.append(f'<td style="padding:2px 8px">{esc(e.note)}</td></tr>')
        parts.append("</tbody></table>")
        for note in self.notes:
            parts.append(f"<p>{esc(note)}</p>")
        parts.append(f"<p><small>{esc(self._tolerance_text())}</small></p></div>")
        return "".join(parts)


def _stem(entry: GradientEntry | str) -> str:
    """The gradient an entry belongs to: ``"W1"`` for ``"W1[0,2]"``."""
    if isinstance(entry, GradientEntry):
        return entry.gradient or entry.name.split("[", 1)[0]
    return entry.split("[", 1)[0]


def _names(names: Sequence[str]) -> str:
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _num(x: float | None) -> str:
    if x is None:
        return "-"
    if math.isnan(x):
        return "n/a"
    return f"{x:.8g}"


def _err(x: float) -> str:
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "inf"
    return f"{x:.1e}"
