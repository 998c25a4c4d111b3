"""Numpy interop: values() builds labelled leaves, data()/grads() read them back, and numpy
forward passes written for float arrays run unchanged on object arrays of Values with the true
gradients (oracles: central differences on the float version of the same function, sympy)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as al
from autograd_lite import Value, data, grads, values
from autograd_lite.core.arrays import entry_label

from .oracles import central_difference, close
from .seeds import CASES, SeedCase

# ---------------------------------------------------------------- helpers


def fd_gradients(fn: Callable[..., Any], inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """d fn / d inputs by central differences on floats, through tests/oracles.py."""
    names = list(inputs)
    shapes = [np.shape(inputs[n]) for n in names]
    sizes = [int(np.prod(s)) for s in shapes]
    flat = np.concatenate([np.asarray(inputs[n], dtype=float).reshape(-1) for n in names])

    def f(*point: float) -> float:
        arrays, start = {}, 0
        for name, shape, size in zip(names, shapes, sizes, strict=True):
            arrays[name] = np.array(point[start : start + size], dtype=float).reshape(shape)
            start += size
        return float(fn(**arrays))

    # No entry of these functions sits near a domain boundary, so the step can have a floor:
    # a step relative to an entry near 0 (rng.random can give 1e-5) would drown in rounding.
    grad = [central_difference(f, list(flat), i, min_step=1e-6) for i in range(flat.size)]
    out, start = {}, 0
    for name, shape, size in zip(names, shapes, sizes, strict=True):
        out[name] = np.array(grad[start : start + size]).reshape(shape)
        start += size
    return out


def engine_gradients(fn: Callable[..., Any], inputs: dict[str, np.ndarray]) -> dict[str, Any]:
    leaves = {name: values(arr, name) for name, arr in inputs.items()}
    loss = fn(**leaves)
    assert isinstance(loss, Value), f"the forward pass returned {type(loss).__name__}"
    loss.backward()
    return {name: grads(leaf) for name, leaf in leaves.items()}


def assert_same_gradients(fn: Callable[..., Any], inputs: dict[str, np.ndarray]) -> None:
    mine = engine_gradients(fn, inputs)
    oracle = fd_gradients(fn, inputs)
    for name in inputs:
        for index in np.ndindex(np.shape(inputs[name])):
            got, want = float(mine[name][index]), float(oracle[name][index])
            assert close(got, want, rel=1e-5, abs_=1e-7), (entry_label(name, index), got, want)


# ---------------------------------------------------------------- values()


def test_values_labels_every_entry_by_its_position() -> None:
    W = values([[1, 2, 3], [4, 5, 6]], name="W")
    assert W.shape == (2, 3) and W.dtype == object
    assert [v.label for v in W.reshape(-1)] == [
        "W[0,0]", "W[0,1]", "W[0,2]", "W[1,0]", "W[1,1]", "W[1,2]",
    ]  # fmt: skip
    assert all(v.is_leaf and v.grad == 0.0 and type(v.data) is float for v in W.reshape(-1))
    assert [v.label for v in values(np.arange(3.0), "b")] == ["b[0]", "b[1]", "b[2]"]
    assert values(np.zeros((1, 2, 2)), "T")[0, 1, 0].label == "T[0,1,0]"
    assert values([[1.0]], name="W").shape == (1, 1)


@pytest.mark.parametrize("number", [2, 2.5, True, np.float64(2.5), np.float32(0.5), np.int64(-3)])
def test_a_number_gives_a_single_value_labelled_by_the_name(number: Any) -> None:
    v = values(number, "b")
    assert isinstance(v, Value)
    assert v.label == "b" and v.data == float(number) and v.is_leaf


def test_a_0d_array_keeps_its_shape() -> None:
    arr = values(np.array(1.5), "c")
    assert isinstance(arr, np.ndarray) and arr.shape == ()
    assert arr[()].label == "c" and arr[()].data == 1.5


def test_values_copies_its_input() -> None:
    raw = np.array([1.0, 2.0])
    W = values(raw, "w")
    raw[0] = 100.0
    assert W[0].data == 1.0
    W[1].data = 7.0
    assert raw[1] == 2.0


def test_empty_arrays_give_empty_object_arrays() -> None:
    out = values(np.zeros((0, 3)), "E")
    assert out.shape == (0, 3) and out.dtype == object


@pytest.mark.parametrize(
    ("bad", "error", "words"),
    [
        (["1.0", "2.0"], TypeError, "dtype <U3"),
        ("1.0", TypeError, "str '1.0'"),
        ([1.0, None], TypeError, "entry [1] is NoneType None"),
        ([1 + 2j], TypeError, "complex"),
        ([[1.0, 2.0], [3.0]], ValueError, "not a regular array"),
        ([Value(1.0)], TypeError, "entry [0] is Value"),
        (Value(1.0), TypeError, "got a Value"),
        ({"a": 1}, TypeError, "dict"),
    ],
)
def test_values_rejects_non_numbers_naming_the_entry(
    bad: object, error: type[Exception], words: str
) -> None:
    with pytest.raises(error) as info:
        values(bad, "W")
    assert words in str(info.value)
    assert "values(name='W')" in str(info.value)


def test_values_name_must_be_a_string() -> None:
    with pytest.raises(TypeError, match="name must be a str"):
        values([1.0], name=3)  # type: ignore[call-overload]


# ---------------------------------------------------------------- data() and grads()


def test_data_and_grads_read_back_floats_of_the_same_shape() -> None:
    W = values([[1.0, 2.0], [3.0, 4.0]], "W")
    x = np.array([1.0, -1.0])
    loss = np.sum(np.dot(x, W) ** 2)  # (W00 - W10)^2 + (W01 - W11)^2
    loss.backward()
    np.testing.assert_array_equal(data(W), [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(grads(W), [[-4.0, -4.0], [4.0, 4.0]])
    assert data(W).dtype == np.float64 and grads(W).dtype == np.float64
    assert data(loss) == 8.0 and grads(loss) == 1.0
    assert isinstance(data(loss), float) and isinstance(grads(loss), float)


def test_data_and_grads_accept_lists_of_values_and_0d_arrays() -> None:
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    (a * b).backward()
    np.testing.assert_array_equal(grads([a, b]), [3.0, 2.0])
    np.testing.assert_array_equal(data([[a], [b]]), [[2.0], [3.0]])
    assert grads(np.array(a, dtype=object)).shape == ()
    assert data(2) == 2.0


def test_data_reads_plain_numbers_such_as_the_constants_np_maximum_returns() -> None:
    x = values([-1.0, 2.0], "x")
    out = np.maximum(x, 0)
    assert out[0] == 0 and not isinstance(out[0], Value)  # numpy hands back the constant 0
    np.testing.assert_array_equal(data(out), [0.0, 2.0])


def test_grads_of_a_constant_entry_is_an_error_naming_it() -> None:
    out = np.maximum(values([-1.0, 2.0], "x"), 0)
    with pytest.raises(TypeError, match=r"entry \[0\] is int 0, not a Value"):
        grads(out)
    with pytest.raises(TypeError, match="only Values have gradients"):
        grads(3.0)
    with pytest.raises(TypeError, match=r"entry \[1\] is str"):
        data([1.0, "x"])


def test_grads_reads_value_gradients_after_create_graph() -> None:
    w = values([2.0, 3.0], "w")
    (w[0] * w[0] * w[1]).backward(create_graph=True)
    assert isinstance(w[0].grad, Value)
    np.testing.assert_array_equal(grads(w), [12.0, 4.0])


# ---------------------------------------------------------------- notebook-style forward passes


def dense_tanh_mean(X: Any, W: Any, b: Any) -> Any:
    """np.dot(X, W) + b, tanh, column sums with keepdims, mean."""
    h = np.tanh(np.dot(X, W) + b)
    return np.mean(np.sum(h, axis=0, keepdims=True) ** 2)


def relu_net(X: Any, W1: Any, b1: Any, W2: Any) -> Any:
    """np.maximum(x, 0) as relu, then a sum of squares."""
    h = np.maximum(np.dot(X, W1) + b1, 0)
    return np.sum(np.dot(h, W2) ** 2) / 2.0


def softmax_cross_entropy_rows(X: Any, W: Any, b: Any) -> Any:
    """Max-shifted softmax over rows, np.log, mean over samples."""
    z = np.dot(X, W) + b
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    p = e / np.sum(e, axis=1, keepdims=True)
    targets = np.array([0, 2, 1])
    return -np.mean(np.log(p[np.arange(3), targets]))


def softmax_columns_sigmoid(W: Any, b: Any, X: Any) -> Any:
    """Samples as columns, sigmoid hidden layer, column softmax without shift, one-hot mask."""
    h = 1.0 / (1.0 + np.exp(-(np.dot(W, X) + b)))
    e = np.exp(h)
    p = e / np.sum(e, axis=0, keepdims=True)
    onehot = np.eye(2)[:, [1, 0, 1]]
    return -np.sum(onehot * np.log(p)) / 3


RNG = np.random.default_rng(7)
FORWARDS: list[tuple[Callable[..., Any], dict[str, np.ndarray]]] = [
    (
        dense_tanh_mean,
        {"X": RNG.normal(size=(4, 3)), "W": RNG.normal(size=(3, 2)), "b": RNG.normal(size=(1, 2))},
    ),
    (
        relu_net,
        {
            "X": RNG.normal(size=(5, 3)),
            "W1": RNG.normal(size=(3, 4)),
            "b1": RNG.normal(size=(4,)),
            "W2": RNG.normal(size=(4, 2)),
        },
    ),
    (
        softmax_cross_entropy_rows,
        {"X": RNG.normal(size=(3, 2)), "W": RNG.normal(size=(2, 3)), "b": np.zeros((1, 3))},
    ),
    (
        softmax_columns_sigmoid,
        {"W": RNG.normal(size=(2, 2)), "b": RNG.normal(size=(2, 1)), "X": RNG.normal(size=(2, 3))},
    ),
]


@pytest.mark.parametrize(("fn", "inputs"), FORWARDS, ids=[f.__name__ for f, _ in FORWARDS])
def test_numpy_forward_passes_give_the_finite_difference_gradients(
    fn: Callable[..., Any], inputs: dict[str, np.ndarray]
) -> None:
    assert_same_gradients(fn, inputs)


def test_the_same_forward_runs_on_floats_and_values_to_the_same_number() -> None:
    for fn, inputs in FORWARDS:
        on_floats = float(fn(**inputs))
        on_values = fn(**{name: values(arr, name) for name, arr in inputs.items()}).data
        assert math.isclose(on_floats, on_values, rel_tol=1e-12), fn.__name__


@settings(max_examples=25, deadline=None)
@given(
    st.integers(min_value=1, max_value=4),
    st.integers(min_value=1, max_value=3),
    st.integers(min_value=0, max_value=2**32 - 1),
)
def test_softmax_with_max_shift_on_random_shapes(rows: int, cols: int, seed: int) -> None:
    rng = np.random.default_rng(seed)

    def loss(z: Any, weights: Any) -> Any:
        e = np.exp(z - np.max(z, axis=1, keepdims=True))
        p = e / np.sum(e, axis=1, keepdims=True)
        return np.sum(weights * np.log(p))

    assert_same_gradients(
        loss,
        {
            "z": rng.normal(scale=3.0, size=(rows, cols + 1)),
            "weights": rng.random((rows, cols + 1)),
        },
    )


def test_softmax_cross_entropy_matches_sympy_exactly() -> None:
    x = np.array([0.5, -1.0])
    W0 = np.array([[0.3, -0.2, 0.1], [0.4, 0.25, -0.6]])
    b0 = np.array([0.05, -0.1, 0.2])

    def loss(W: Any, b: Any) -> Any:
        z = np.dot(x, W) + b
        e = np.exp(z - np.max(z))
        return -np.log(e[1] / np.sum(e))

    Ws = sp.Matrix(2, 3, sp.symbols("w0:6", real=True))
    bs = sp.symbols("b0:3", real=True)
    z = [sum(sp.nsimplify(x[i]) * Ws[i, j] for i in range(2)) + bs[j] for j in range(3)]
    expr = -sp.log(sp.exp(z[1]) / sum(sp.exp(zj) for zj in z))
    point = [*W0.reshape(-1), *b0]
    subs = {s: sp.nsimplify(v) for s, v in zip([*Ws, *bs], point, strict=True)}

    def exact(symbol: Any) -> float:
        return float(sp.diff(expr, symbol).evalf(30, subs=subs))

    W, b = values(W0, "W"), values(b0, "b")
    loss(W, b).backward()
    got = [*grads(W).reshape(-1), *grads(b)]
    for value, symbol in zip(got, [*Ws, *bs], strict=True):
        assert close(value, exact(symbol), 1e-12, 1e-14), symbol


def test_relu_by_np_maximum_passes_gradient_only_where_positive() -> None:
    z = values([-1.5, 0.5, 2.0], "z")
    out = np.sum(np.maximum(z, 0) * np.array([1.0, 2.0, 3.0]))
    out.backward()
    np.testing.assert_array_equal(grads(z), [0.0, 2.0, 3.0])


def test_frompyfunc_relu_keeps_values_so_ufuncs_work_afterwards() -> None:
    z = values([-1.0, 2.0], "z")
    with pytest.raises(TypeError):
        np.exp(np.maximum(z, 0))  # the constant 0 has no exp method: the documented pitfall
    relu = np.frompyfunc(al.relu, 1, 1)
    out = np.sum(np.exp(relu(z)))
    out.backward()
    np.testing.assert_allclose(grads(z), [0.0, math.exp(2.0)])


# ---------------------------------------------------------------- the seed notebooks' forwards


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_seed_forward_passes_run_unchanged_on_values_with_the_true_gradients(
    case: SeedCase,
) -> None:
    leaves = {name: values(arr, name) for name, arr in case.inputs.items()}
    result = case.loss(**leaves)
    loss = result if isinstance(result, Value) else np.asarray(result, dtype=object).reshape(-1)[0]
    assert isinstance(loss, Value)
    assert math.isclose(loss.data, float(case.loss(**case.inputs)), rel_tol=1e-12, abs_tol=1e-12)
    loss.backward()
    true = case.true_grads(**case.inputs)
    for name, leaf in leaves.items():
        # 1e-9 relative: the engine and the analytic formulas round differently.
        np.testing.assert_allclose(grads(leaf), true[name], rtol=1e-9, atol=1e-12, err_msg=name)
