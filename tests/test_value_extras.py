"""value_extras.py: what a Value does beyond recording operations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd_lite import AnomalyError, TracingError, Value
from autograd_lite.core import rules as R
from autograd_lite.core.modes import DEFAULT_MODE, Mode
from autograd_lite.core.value_extras import records_in, wants_reflection


def test_records_in_each_mode() -> None:
    x = Value(1.0, label="x")
    assert records_in(DEFAULT_MODE, R.EXP, math.e, (x,))
    assert not records_in(Mode(grad_enabled=False), R.EXP, math.e, (x,))
    with pytest.raises(AnomalyError, match="forward: exp produced inf"):
        records_in(Mode(anomaly=True), R.EXP, math.inf, (x,))
    with pytest.raises(TracingError, match="inside no_grad"):
        records_in(Mode(grad_enabled=False, tracing=True), R.EXP, math.e, (x,))


def test_wants_reflection_only_for_arrays() -> None:
    assert wants_reflection(np.array([1.0]))
    assert not wants_reflection(np.float64(1.0))
    assert not wants_reflection(1.0) and not wants_reflection(Value(1.0))


def test_comparisons_compare_numbers_and_conversions_refuse() -> None:
    x = Value(2.0)
    assert x > 1 and x >= Value(2.0) and x < 3.0 and x <= 2 and bool(x)
    assert max([Value(1.0), x]) is x
    with pytest.raises(TypeError, match="comparison <"):
        x < "3"  # noqa: B015
    with pytest.raises(TypeError, match="float"):
        float(x)
    assert x.dtype == np.dtype(object)
