"""check_gradients on the five seed notebooks: exactly which hand derivations it flags.

Every case in ``tests/seeds`` (the notebooks rebuilt with their printed numbers) is run through
``check_gradients`` with the learner's printed gradients, and the report must give, entry by
entry, the verdict the seed data records: ``WRONG`` exactly where the derivation is wrong,
``kink`` where central differences straddle relu's kink, ``ok`` everywhere else. The engine's
column is held to the seed's analytic gradients, derived independently of the engine.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from autograd_lite import Value, check_gradients
from autograd_lite.check.report import KINK, OK, WRONG, GradientReport
from autograd_lite.core.arrays import entry_label

from . import seeds
from .seeds import CASES, SeedCase

VERDICT = {seeds.OK: OK, seeds.WRONG: WRONG, seeds.KINK: KINK}

checkable = [case for case in CASES if any(not h.shape_mismatch for h in case.hand.values())]
ids = [case.name for case in checkable]

# The derivations the report flags, (case, what the notebook printed): what a reader of the
# notebooks finds wrong, written out so that a change in the data cannot flip it silently.
FLAGGED = {
    ("nb1_relu_softmax_bce.parameters", "g_ko"),
    ("nb1_relu_softmax_bce.parameters", "g_jk"),
    ("nb1_relu_softmax_bce.parameters", "g_ij"),
    ("nb1_relu_softmax_bce.dL_dk", "dL_dk"),
    ("nb2_nnfs.dense_relu_cell98", "dense1.dweights"),
    ("nb2_nnfs.dense_relu_cell98", "dense1.dbiases"),
    ("nb2_nnfs.dense_relu_cell98", "dense1.dinputs"),
    ("nb2_nnfs.dense_relu_cell71", "dweights (from the updated weights)"),
    ("nb2_nnfs.dense_relu_cell71", "dbiases (from the updated biases)"),
    ("nb2_nnfs.relu_backward_cell71", "drelu"),
    ("nb3_layers.softmax_backward_grid", "softmax_dx"),
    ("nb4_tanh_columns.parameters", "dLossdW2"),
    ("nb4_tanh_columns.parameters", "dLossdW1"),
    ("nb4_tanh_columns.parameters", "dLossdb1"),
    ("nb4_tanh_columns.dLossdZ2", "dLossdZ2"),
    ("nb4_tanh_columns.dLossdA1", "dLossdA1"),
    ("nb4_tanh_columns.dLossdZ1", "dLossdZ1"),
}
# Printed with a shape its input does not have: check_gradients refuses it, naming the input.
SHAPE_MISMATCHES = {("nb4_tanh_columns.b2", "dLossdb2")}


def hand_gradients(case: SeedCase) -> dict[str, np.ndarray]:
    return {name: h.values for name, h in case.hand.items() if not h.shape_mismatch}


def expected_verdicts(case: SeedCase) -> dict[str, str]:
    return {
        entry_label(name, index): VERDICT[str(h.verdict[index])]
        for name, h in case.hand.items()
        if not h.shape_mismatch
        for index in np.ndindex(h.values.shape)
    }


def run(case: SeedCase, loss: Any = None) -> GradientReport:
    return check_gradients(
        loss or case.loss,
        case.inputs,
        hand_gradients(case),
        rtol=case.rtol,
        atol=case.atol,
    )


@pytest.mark.parametrize("case", checkable, ids=ids)
def test_the_report_flags_exactly_the_wrong_entries(case: SeedCase) -> None:
    report = run(case)
    expected = expected_verdicts(case)
    got = report.verdicts()
    assert got.keys() == expected.keys()
    differ = {name: (got[name], want) for name, want in expected.items() if got[name] != want}
    assert not differ, f"{len(differ)} verdicts differ, e.g. {list(differ.items())[:5]}"
    assert {e.name for e in report.mismatches} == {n for n, v in expected.items() if v == WRONG}
    assert report.ok == (WRONG not in expected.values())
    unchecked = [
        entry_label(name, index)
        for name, value in case.inputs.items()
        if name not in case.hand
        for index in np.ndindex(value.shape)
    ]
    assert list(report.unchecked) == unchecked


@pytest.mark.parametrize("case", checkable, ids=ids)
def test_the_engine_column_is_the_analytic_gradient(case: SeedCase) -> None:
    report = run(case)
    truth = case.true_grads(**case.inputs)
    engine = {e.name: e.engine for e in report.entries}
    for name in hand_gradients(case):
        for index in np.ndindex(case.inputs[name].shape):
            want = float(truth[name][index])
            got = engine[entry_label(name, index)]
            assert got == pytest.approx(want, rel=1e-9, abs=1e-12), entry_label(name, index)


def test_the_flagged_derivations_are_the_ones_a_reader_finds_wrong() -> None:
    flagged = set()
    for case in checkable:
        report = run(case)
        wrong = {e.name for e in report.mismatches}
        for name, h in case.hand.items():
            names = {entry_label(name, index) for index in np.ndindex(h.values.shape)}
            if names & wrong:
                flagged.add((case.name, h.printed_as))
    assert flagged == FLAGGED


def test_every_flagged_derivation_has_its_bug_explained() -> None:
    for case in CASES:
        for h in case.hand.values():
            if (case.name, h.printed_as) in FLAGGED | SHAPE_MISMATCHES:
                assert h.bug, (case.name, h.printed_as)


@pytest.mark.parametrize(
    "case", [c for c in CASES if any(h.shape_mismatch for h in c.hand.values())]
)
def test_a_gradient_printed_with_the_wrong_shape_is_refused_naming_the_input(
    case: SeedCase,
) -> None:
    for name, h in case.hand.items():
        if not h.shape_mismatch:
            continue
        assert (case.name, h.printed_as) in SHAPE_MISMATCHES
        with pytest.raises(ValueError) as info:
            check_gradients(case.loss, case.inputs, {name: h.values})
        message = str(info.value)
        assert f"expected[{name!r}] has shape {h.values.shape}" in message
        assert f"inputs[{name!r}] has shape {case.inputs[name].shape}" in message


def only_on_values(loss: Any) -> Any:
    """The same loss, refusing floats: makes check_gradients evaluate on fresh Values."""

    def on_values(**kwargs: Any) -> Any:
        for value in kwargs.values():
            first = np.asarray(value, dtype=object).reshape(-1)[0]
            if not isinstance(first, Value):
                raise TypeError("this forward pass takes Values only")
        return loss(**kwargs)

    return on_values


small = [case for case in checkable if sum(v.size for v in case.inputs.values()) <= 100]


@pytest.mark.parametrize("case", small, ids=[case.name for case in small])
def test_finite_differences_on_fresh_values_give_the_same_verdicts(case: SeedCase) -> None:
    report = run(case, only_on_values(case.loss))
    assert "fresh Values" in report.notes[0]
    assert report.verdicts() == expected_verdicts(case)


@pytest.mark.parametrize("case", small, ids=[case.name for case in small])
def test_the_default_tolerances_give_the_same_verdicts(case: SeedCase) -> None:
    # The softmax grid (atol 1e-12) is left out by size: its wrong values are as small as 2e-11.
    report = check_gradients(case.loss, case.inputs, hand_gradients(case))
    assert report.verdicts() == expected_verdicts(case)
