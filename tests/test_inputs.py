"""inputs: what a check is given, read into float copies or refused with a clear error."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from autograd_lite import Value, check_gradients, gradcheck
from autograd_lite.check.inputs import check_tolerances, read_expected, read_inputs

W = np.array([0.5, -1.5])


def loss(W: Any) -> Any:
    return np.sum(np.tanh(W) ** 2)


def dloss(W: np.ndarray) -> np.ndarray:
    return 2 * np.tanh(W) * (1 - np.tanh(W) ** 2)


@pytest.mark.parametrize(
    "scalar", [np.float32(1e-6), np.float64(1e-6), np.float16(1e-3), np.int64(0)]
)
def test_numpy_scalars_are_numbers_for_every_tolerance(scalar: Any) -> None:
    eps = scalar if float(scalar) > 0 else 1e-6
    tol = check_tolerances(rtol=scalar, atol=scalar, eps=eps, fd_rtol=scalar, fd_atol=scalar)
    assert all(type(v) is float for v in tol.values())
    assert tol["rtol"] == float(scalar)


def test_check_gradients_accepts_eps_as_a_numpy_float32() -> None:
    report = check_gradients(loss, {"W": W}, {"W": dloss(W)}, eps=np.float32(1e-6))
    assert report.ok
    assert type(report.tolerances.eps) is float
    assert report.tolerances.eps == float(np.float32(1e-6))
    assert gradcheck(lambda x: x.tanh(), 0.5, eps=np.float32(1e-6), rtol=np.float64(1e-3)).ok


@pytest.mark.parametrize(
    ("value", "error"),
    [(True, TypeError), (np.bool_(True), TypeError), ("1e-6", TypeError), (math.inf, TypeError),
     (np.float32("nan"), TypeError), (-1e-6, ValueError), (0.5, ValueError)],
)  # fmt: skip
def test_bad_eps_is_an_error_naming_it(value: Any, error: type) -> None:
    with pytest.raises(error, match="eps"):
        check_tolerances(eps=value)


def test_inputs_become_float_copies_and_values_are_read_as_data() -> None:
    given = {"W": W, "b": Value(2.0), "n": 3, "L": [[1, 2]]}
    read = read_inputs(given)
    assert [(i.name, i.scalar, i.integer) for i in read] == [
        ("W", False, False),
        ("b", True, False),
        ("n", True, True),
        ("L", False, True),
    ]
    read[0].array[0] = 99.0
    assert W[0] == 0.5  # a copy
    assert read[1].array == 2.0 and read[3].array.dtype == np.float64


def test_a_non_finite_input_or_gradient_is_refused_naming_the_entry() -> None:
    with pytest.raises(ValueError, match=r"W\[1\] is nan"):
        read_inputs({"W": [0.0, math.nan]})
    ins = read_inputs({"W": W})
    with pytest.raises(ValueError, match=r"your value for W\[0\] is inf"):
        read_expected({"W": [math.inf, 0.0]}, ins)
    with pytest.raises(ValueError, match=r"shape \(3,\) but inputs\['W'\] has shape \(2,\)"):
        read_expected({"W": [0.0, 0.0, 0.0]}, ins)
