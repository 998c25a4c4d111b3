"""ValueArray and DataArray: numpy idioms on Values, against central differences."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from autograd_lite.core import grads, values
from autograd_lite.core.value_array import ValueArray, as_data_array, as_value_array


def _central(f: Any, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        up = f(x)
        x[i] = old - h
        down = f(x)
        x[i] = old
        g[i] = (up - down) / (2 * h)
    return g


IDIOMS = {
    "clip_log": lambda p: -np.sum(np.log(np.clip(p, 1e-7, 0.95))),
    "maximum_scalar_exp": lambda p: np.sum(np.exp(np.maximum(p, 0.6))),
    "where_log": lambda p: np.sum(np.log(np.where(p > 0.55, p, 1.0))),
    "max_then_exp": lambda p: np.exp(np.max(p)) + np.sum(np.tanh(np.sort(p))),
    "fancy_index_log": lambda p: np.sum(np.log(np.clip(p, 0.2, 0.8)[[0, 2, 3]])),
    "minimum_sqrt": lambda p: np.sum(np.sqrt(np.minimum(p, 0.7))),
}


@pytest.mark.parametrize("name", sorted(IDIOMS))
def test_idioms_run_and_differentiate(name: str) -> None:
    f = IDIOMS[name]
    point = np.array([0.5, 1.0, 0.3, 0.9])  # 1.0 saturates the clip; none within a step of a bound
    leaves = values(point, "p")
    loss = f(as_value_array(leaves))
    loss.backward()
    np.testing.assert_allclose(loss.data, f(point.copy()), rtol=1e-12)
    np.testing.assert_allclose(grads(leaves), _central(f, point.copy()), rtol=1e-6, atol=1e-8)


def test_plain_object_arrays_still_fail_the_way_numpy_does() -> None:
    # Regression for the issue: the bare float numpy hands back breaks np.log.
    p = values(np.array([0.5, 1.0]), "p")
    with pytest.raises(TypeError):
        np.log(np.clip(p, 1e-7, 1 - 1e-7))


def test_float_out_array_gets_the_numbers() -> None:
    W = as_value_array(values(np.array([[1.0, -2.0], [0.5, 3.0]]), "W"))
    dW = np.zeros(W.shape)
    dW += 2 * 0.1 * W
    assert dW.dtype == np.float64
    np.testing.assert_allclose(dW, 0.2 * np.array([[1.0, -2.0], [0.5, 3.0]]))


@pytest.mark.parametrize(
    "form",
    ["matmul", "np.dot", "X.dot", "row.dot", "W.dot", "values@values"],
)
def test_products_are_one_dot_node_per_entry(form: str) -> None:
    rng = np.random.default_rng(0)
    Xf, Wf = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    leaves = values(Wf, "W")
    W, X = as_value_array(leaves), as_data_array(Xf.copy())
    out = {
        "matmul": lambda: X @ W,
        "np.dot": lambda: np.dot(X, W),
        "X.dot": lambda: X.dot(W),
        "row.dot": lambda: X[1].dot(W),
        "W.dot": lambda: W.T.dot(X[1]),
        "values@values": lambda: W.T @ W,
    }[form]()
    assert isinstance(out, ValueArray)
    assert all(e.op == "dot" for e in out.reshape(-1))
    loss = np.sum(out * out)
    loss.backward()
    f = {
        "matmul": lambda w: np.sum((Xf @ w) ** 2),
        "np.dot": lambda w: np.sum((Xf @ w) ** 2),
        "X.dot": lambda w: np.sum((Xf @ w) ** 2),
        "row.dot": lambda w: np.sum((Xf[1] @ w) ** 2),
        "W.dot": lambda w: np.sum((w.T @ Xf[1]) ** 2),
        "values@values": lambda w: np.sum((w.T @ w) ** 2),
    }[form]
    np.testing.assert_allclose(grads(leaves), _central(f, Wf.copy()), rtol=1e-6, atol=1e-8)


def test_data_array_on_floats_is_numpys_dot() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    assert np.array_equal(as_data_array(a).dot(b), a.dot(b))
