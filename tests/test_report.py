"""report: verdict rows as a table, HTML and an assertion; root causes from the gradients' order.

Reports are built here from hand-made rows, so what is tested is the report alone.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd_lite.check.report import (
    KINK,
    OK,
    UNCLEAR,
    WRONG,
    CheckedGradient,
    GradientCheckError,
    GradientEntry,
    GradientReport,
    Tolerances,
)

TOL = Tolerances(1e-4, 1e-8, 1e-6, 1e-3, 1e-5)


def row(
    name: str, verdict: str, yours: float = 1.0, engine: float = 1.0, note: str = ""
) -> GradientEntry:
    stem = name.split("[", 1)[0]
    error = abs(yours - engine)
    return GradientEntry(name, yours, engine, engine, error, error, verdict, note, gradient=stem)


def gradient(name: str, downstream: tuple[str, ...], placed: bool = True) -> CheckedGradient:
    nan = np.full((2,), math.nan)
    kind = "input" if name == "W" else "variable"
    return CheckedGradient(name, kind, (2,), 3, "central differences", downstream, nan, nan, placed)


def chain_report(verdicts: dict[str, str], placed: bool = True) -> GradientReport:
    # h is computed first in the backward pass, then z from h, then W from z and h.
    order = {"h": (), "z": ("h",), "W": ("h", "z")}
    entries = [
        row(f"{n}[{i}]", v, 2.0 if v == WRONG else 1.0) for n, v in verdicts.items() for i in (0, 1)
    ]
    return GradientReport(
        "check_gradients",
        entries,
        tolerances=TOL,
        gradients=[gradient(n, order[n], placed) for n in verdicts],
    )


def test_ok_means_no_wrong_and_no_unclear_row() -> None:
    assert chain_report({"h": OK, "z": KINK}).ok
    assert bool(chain_report({"h": OK, "z": KINK}))
    assert not chain_report({"h": OK, "z": UNCLEAR}).ok
    assert not chain_report({"h": WRONG, "z": OK})


def test_the_root_cause_is_the_wrong_gradient_whose_downstream_is_right() -> None:
    report = chain_report({"h": OK, "z": WRONG, "W": WRONG})
    assert report.wrong_names == ["z", "W"]
    assert report.root_causes == ["z"]
    assert report.inherited("W") == ["z"]
    assert report.inherited("z") == []
    with pytest.raises(KeyError, match="no checked gradient named 'q'"):
        report.inherited("q")
    text = report.diagnosis()
    assert text.startswith("First wrong step: z (line 3), with 2 wrong entries")
    assert "W is wrong too" in text


def test_two_independent_bugs_are_two_root_causes() -> None:
    order = {"a": (), "b": ()}
    entries = [row("a", WRONG, 2.0), row("b", WRONG, 2.0)]
    grads = [gradient(n, order[n]) for n in order]
    report = GradientReport("check_gradients", entries, tolerances=TOL, gradients=grads)
    assert report.root_causes == ["a", "b"]


def test_unplaced_gradients_are_never_root_causes() -> None:
    report = chain_report({"h": WRONG, "z": WRONG}, placed=False)
    assert report.root_causes == []
    assert "cannot name a first wrong step" in report.diagnosis()
    assert "order in the backward pass is unknown" in report.overview()


def test_the_text_table_lists_problems_first_and_shortens_only_ok_rows() -> None:
    entries = [row(f"h[{i}]", OK) for i in range(5)] + [row("h[5]", WRONG, 2.0, note="look")]
    report = GradientReport("check_gradients", entries, tolerances=TOL)
    lines = report.to_text(max_ok_rows=2).splitlines()
    assert lines[0] == "check_gradients: 1 WRONG, 5 ok (6 entries checked)"
    body = [line.split()[0] for line in lines if line.startswith("h[")]
    assert body == ["h[5]", "h[0]", "h[1]"]
    assert "... 3 more ok rows (to_text(max_ok_rows=None) lists them)" in lines
    assert "  h[5]: look" in lines
    assert len(report.to_text(max_ok_rows=None).splitlines()) == len(lines) + 2


def test_html_escapes_every_user_text_and_colours_problem_rows() -> None:
    entries = [row("<b>x</b>", WRONG, 2.0, note="<script>alert(1)</script>")]
    html = GradientReport("check_gradients", entries, tolerances=TOL)._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert 'class="verdict-wrong"' in html and "#f8d7da" in html


def test_assert_ok_raises_a_gradient_check_error_holding_the_report() -> None:
    report = chain_report({"h": WRONG})
    with pytest.raises(GradientCheckError) as info:
        report.assert_ok()
    assert info.value.report is report
    assert isinstance(info.value, AssertionError)
    assert str(info.value) == report.to_text()
    chain_report({"h": OK}).assert_ok()


def test_lookup_by_entry_name_and_the_verdict_maps() -> None:
    report = chain_report({"h": OK, "z": WRONG})
    assert report["z[1]"].verdict == WRONG
    assert report.verdicts() == {"h[0]": OK, "h[1]": OK, "z[0]": WRONG, "z[1]": WRONG}
    assert [e.name for e in report.mismatches] == ["z[0]", "z[1]"]
    with pytest.raises(KeyError, match=r"no checked entry named 'q'; checked: h\[0\]"):
        report["q"]
    assert report.node_verdicts() == {}  # hand-made rows carry no nodes
