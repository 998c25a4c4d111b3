"""numpy booleans are numbers; turning a Value into a plain number is an error naming the fix."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd_lite import Value
from autograd_lite.core.errors import GraphCutError


def test_numpy_bools_and_ints_are_numbers_on_either_side() -> None:
    p = Value(0.25)
    assert (p - np.bool_(True)).data == -0.75
    assert (np.bool_(True) - p).data == 0.75
    assert (p * np.int64(3)).data == 0.75
    assert Value(np.bool_(False)).data == 0.0
    probs = np.array([Value(0.2), Value(0.8)], dtype=object)
    y = np.array([1])
    grads = [probs[j] - (j == y[0]) for j in range(2)]
    assert [g.data for g in grads] == [0.2, 0.8 - 1.0]


def test_math_exp_of_a_value_says_to_use_np_exp() -> None:
    v = Value(1.0, label="z")
    with pytest.raises(GraphCutError) as info:
        math.exp(v)
    message = str(info.value)
    assert info.value.call == "math.exp"
    assert "np.exp" in message and "autograd_lite.exp" in message
    assert "math.exp(v)" in message and info.value.lineno > 0


def test_filling_a_float_array_with_values_says_to_use_zeros_like() -> None:
    out = np.zeros(2)
    with pytest.raises(GraphCutError) as info:
        out[0] = Value(1.0)
    assert info.value.call == "float()"
    assert "np.zeros_like" in str(info.value) and "dtype=object" in str(info.value)
    assert out[0] == 0.0


def test_int_of_a_value_points_to_keeping_labels_in_the_closure() -> None:
    with pytest.raises(GraphCutError, match="closure") as info:
        int(Value(2.0))
    assert info.value.call == "int()"
    assert isinstance(info.value, TypeError)
