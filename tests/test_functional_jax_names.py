"""vjp, jacrev and stop_gradient: the JAX names, against central differences and PyTorch.

The oracles never use the engine: central differences written here on plain-float versions
of the functions, and ``torch.func`` where PyTorch is installed.
"""

from __future__ import annotations

import math
from collections import namedtuple
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import Value, grad, jacfwd, jacrev, stop_gradient, vjp


def _fd_jacobian(f: Callable[[list[float]], list[float]], x: Sequence[float]) -> np.ndarray:
    """d f_k / d x_i by central differences on plain floats: shape (outputs, inputs)."""
    columns = []
    for i in range(len(x)):
        h = 1e-6 * max(1.0, abs(x[i]))
        up, down = list(x), list(x)
        up[i] += h
        down[i] -= h
        columns.append((np.array(f(up)) - np.array(f(down))) / (2 * h))
    return np.array(columns).T


def _three_outputs(v: Sequence[Any]) -> list[Any]:
    x, y, z = v
    return [
        x * y * z,
        (x * x + y).tanh() if isinstance(x, Value) else math.tanh(x * x + y),
        x / (1 + z * z),
    ]


# ------------------------------------------------------------------ vjp


@pytest.mark.parametrize("point", [[0.3, -1.2, 2.0], [1.5, 0.25, -0.7], [-2.0, 3.0, 0.1]])
@pytest.mark.parametrize("cotangent", [[1.0, 0.0, 0.0], [0.5, -2.0, 3.0]])
def test_vjp_is_the_cotangent_times_the_jacobian(
    point: list[float], cotangent: list[float]
) -> None:
    out, pull = vjp(lambda v: _three_outputs(v), point)
    assert out == pytest.approx(_three_outputs(point), rel=1e-15)
    (g,) = pull(cotangent)
    expected = np.array(cotangent) @ _fd_jacobian(_three_outputs, point)
    assert isinstance(g, list) and np.allclose(g, expected, rtol=1e-7, atol=1e-9)


def test_vjp_with_several_primals_of_several_kinds() -> None:
    def f(a: Any, w: Any, b: Any) -> Any:
        return (w[0, 0] * a + w[1, 1] * b["c"]).exp() * w[0, 1] - w[1, 0]

    w = np.array([[0.5, -1.0], [2.0, 0.3]])
    out, pull = vjp(f, 0.7, w, {"c": -0.4})
    assert isinstance(out, float)
    ga, gw, gb = pull(2.0)

    def plain(flat: list[float]) -> list[float]:
        a, w00, w01, w10, w11, c = flat
        return [math.exp(w00 * a + w11 * c) * w01 - w10]

    fd = 2.0 * _fd_jacobian(plain, [0.7, *w.ravel(), -0.4])[0]
    assert isinstance(ga, float) and math.isclose(ga, fd[0], rel_tol=1e-7)
    assert isinstance(gw, np.ndarray) and gw.shape == (2, 2)
    assert np.allclose(gw.ravel(), fd[1:5], rtol=1e-7, atol=1e-10)
    assert isinstance(gb, dict) and math.isclose(gb["c"], fd[5], rel_tol=1e-7)


def test_vjp_output_keeps_its_structure_and_pull_can_be_called_again() -> None:
    out, pull = vjp(lambda x: np.array([[x, 2 * x], [x * x, 1.0]], dtype=object), 3.0)
    assert isinstance(out, np.ndarray) and out.dtype == np.float64
    assert out.tolist() == [[3.0, 6.0], [9.0, 1.0]]
    c = np.array([[1.0, 1.0], [1.0, 5.0]])
    assert pull(c) == (1.0 + 2.0 + 6.0,)
    assert pull(c) == (9.0,)  # the graph is kept; pulling again gives the same
    out, pull = vjp(lambda x, y: (x + y, x - y), 1.0, 2.0)
    assert out == (3.0, -1.0) and pull((1.0, 1.0)) == (2.0, 0.0)


def test_vjp_of_a_constant_output_is_zero() -> None:
    out, pull = vjp(lambda x: 4.0, 2.0)
    assert out == 4.0 and pull(1.0) == (0.0,)


def test_vjp_inside_grad_stays_differentiable() -> None:
    # d/dx of (d/dx sin(x) x) = d/dx (cos x * x + sin x) = 2 cos x - x sin x
    def first(x: Any) -> Any:
        _, pull = vjp(lambda t: al.sin(t) * t, x)
        return pull(1.0)[0]

    x = 0.8
    assert math.isclose(grad(first)(x), 2 * math.cos(x) - x * math.sin(x), rel_tol=1e-13)


@pytest.mark.parametrize(
    ("cotangent", "error", "message"),
    [
        ([1.0, 2.0], ValueError, r"shape \(2,\), but f's output has shape \(3,\)"),
        (1.0, ValueError, r"shape \(\), but f's output has shape \(3,\)"),
        ([1.0, True, 2.0], TypeError, "cotangent entry 1 must be a real number"),
        ("abc", TypeError, "the cotangent must be a number"),
    ],
)
def test_vjp_names_a_bad_cotangent(cotangent: Any, error: type[Exception], message: str) -> None:
    _, pull = vjp(lambda v: _three_outputs(v), [1.0, 2.0, 3.0])
    with pytest.raises(error, match=message):
        pull(cotangent)


def test_vjp_needs_a_callable_and_a_primal() -> None:
    with pytest.raises(TypeError, match="at least one primal"):
        vjp(lambda: 1.0)
    with pytest.raises(TypeError, match="f must be callable"):
        vjp(3.0, 1.0)  # type: ignore[arg-type]


def test_vjp_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    from torch.func import vjp as torch_vjp

    point = [0.3, -1.2, 2.0]
    cot = [0.5, -2.0, 3.0]

    def f_torch(v: Any) -> Any:
        x, y, z = v
        return torch.stack([x * y * z, torch.tanh(x * x + y), x / (1 + z * z)])

    _, torch_pull = torch_vjp(f_torch, torch.tensor(point, dtype=torch.float64))
    (expected,) = torch_pull(torch.tensor(cot, dtype=torch.float64))
    (ours,) = vjp(lambda v: _three_outputs(v), point)[1](cot)
    assert np.allclose(ours, expected.numpy(), rtol=1e-13, atol=1e-15)


# ------------------------------------------------------------------ jacrev


CASES: list[tuple[Callable[[Any], Any], Any]] = [
    (lambda v: [v[0] * v[1], v[0] + v[1], al.exp(v[0])], [2.0, 3.0]),
    (lambda x: al.tanh(x) * x, 0.4),
    (lambda v: [v[0] * v[1] * v[2]], np.array([1.5, -0.5, 2.0])),
    (
        lambda m: [m[0, 0] * m[1, 1] - m[0, 1] * m[1, 0], m[0, 1]],
        np.array([[1.0, 2.0], [3.0, 4.0]]),
    ),
]


@pytest.mark.parametrize(("f", "x"), CASES)
def test_jacrev_gives_jacfwd_array(f: Callable[[Any], Any], x: Any) -> None:
    reverse, forward = jacrev(f)(x), jacfwd(f)(x)
    assert type(reverse) is type(forward)
    assert np.shape(reverse) == np.shape(forward)
    assert np.allclose(reverse, forward, rtol=1e-13, atol=1e-15)


def test_jacrev_against_central_differences_and_its_name() -> None:
    point = [0.3, -1.2, 2.0]
    assert np.allclose(
        jacrev(_three_outputs)(point), _fd_jacobian(_three_outputs, point), rtol=1e-7
    )
    assert jacrev(_three_outputs).__name__ == "jacrev(_three_outputs)"
    with pytest.raises(TypeError, match="jacrev: argnums"):
        jacrev(_three_outputs, argnums="0")  # type: ignore[arg-type]


# ------------------------------------------------------------------ stop_gradient


def test_stop_gradient_cuts_the_path_but_keeps_the_number() -> None:
    x = Value(3.0, label="x")
    held = stop_gradient(x * x)
    assert held.data == 9.0 and held.is_leaf and held.label is None
    y = x * stop_gradient(x)  # the second factor is the constant 3
    y.backward()
    assert x.grad == 3.0
    assert stop_gradient(x).label == "x" and stop_gradient(x) is not x


def test_stop_gradient_in_a_transform() -> None:
    # f(x) = x * sg(x)**2: the gradient sees only the first factor, so it is x**2.
    assert grad(lambda x: x * stop_gradient(x) ** 2)(1.5) == 2.25


def test_stop_gradient_on_containers_and_numbers() -> None:
    Pair = namedtuple("Pair", "a b")
    a, b = Value(1.0), Value(2.0)
    out = stop_gradient([a, (b, 3), Pair(a, 4.5), {"w": b}])
    assert isinstance(out, list) and isinstance(out[1], tuple) and isinstance(out[2], Pair)
    assert out[0] is not a and out[0].data == 1.0 and out[1][1] == 3.0
    assert isinstance(out[1][1], float) and out[2].b == 4.5
    assert out[3]["w"].data == 2.0 and out[3]["w"] is not b
    arr = np.array([a, b * b], dtype=object)
    held = stop_gradient(arr)
    assert held.dtype == object and [v.data for v in held] == [1.0, 4.0]
    assert all(v.is_leaf for v in held)
    floats = np.array([1.0, 2.0])
    copy = stop_gradient(floats)
    assert copy is not floats and copy.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("bad", ["x", True, None, {"a": "b"}, [1.0, "y"]])
def test_stop_gradient_names_what_it_cannot_hold(bad: Any) -> None:
    with pytest.raises(TypeError, match="stop_gradient: expected a Value"):
        stop_gradient(bad)
