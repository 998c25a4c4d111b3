"""Every row of docs/conventions.md against PyTorch 2.13's values, recorded here.

The reference numbers were computed once with ``torch.float64`` tensors and
``torch.autograd.grad(..., create_graph=True)`` repeated for higher orders; the suite does not
need torch. Each derivative is taken three ways that must agree: ``grad`` nested to the
order wanted, ``backward()`` (the float path) and ``backward(create_graph=True)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

import autograd_lite as al
from autograd_lite import DivisionByZeroError, DomainError, Value

INF, NAN = math.inf, math.nan

Fn = Callable[[Any], Any]

# name, f, point, torch's derivatives of order 1, 2, ... at the point
TORCH_DERIVATIVES: list[tuple[str, Fn, float, list[float]]] = [
    ("relu'(0)", lambda x: x.relu(), 0.0, [0.0]),
    ("abs'(0)", lambda x: abs(x), 0.0, [0.0]),
    ("relu'(nan)", lambda x: x.relu(), NAN, [1.0]),
    # 0 * inf through an inactive branch: relu below 0 passes exactly 0.
    ("sqrt(relu(x)) at -1", lambda x: x.relu().sqrt(), -1.0, [0.0, 0.0, 0.0]),
    ("relu(x)**1.5 at -1", lambda x: x.relu() ** 1.5, -1.0, [0.0, 0.0, 0.0]),
    # ... but a product with a zero factor is IEEE arithmetic: 0 * inf is nan.
    ("sqrt(abs(x)) at 0", lambda x: abs(x).sqrt(), 0.0, [NAN]),
    ("sqrt(x * 0) at 1", lambda x: (x * 0.0).sqrt(), 1.0, [NAN]),
    # powers at 0
    ("sqrt at 0", lambda x: x.sqrt(), 0.0, [INF, -INF, INF]),
    ("x**1.5 at 0", lambda x: x**1.5, 0.0, [0.0, INF, -INF]),
    ("x**2 at 0", lambda x: x**2, 0.0, [0.0, 2.0, 0.0]),
    ("x**0 at 0", lambda x: x**0, 0.0, [0.0]),
    ("0**x at 0", lambda x: 0.0**x, 0.0, [0.0]),
    ("0**x at 2", lambda x: 0.0**x, 2.0, [0.0]),
    # NaN propagation: a NaN derivative stays NaN at every higher order.
    ("(-2)**x at 3", lambda x: (-2.0) ** x, 3.0, [NAN, NAN]),
    # overflow is inf
    ("x**2 at 1e200", lambda x: x**2, 1e200, [2e200]),
    ("exp at 1000", lambda x: x.exp(), 1000.0, [INF]),
]


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def by_grad(f: Fn, x: float, order: int) -> float:
    g = f
    for _ in range(order):
        g = al.grad(g)
    return float(g(x))


def by_backward(f: Fn, x0: float, create_graph: bool) -> float:
    x = Value(x0)
    f(x).backward(create_graph=create_graph)
    g = x.grad
    return g.data if isinstance(g, Value) else float(g)


@pytest.mark.parametrize(
    ("f", "x", "torch"),
    [row[1:] for row in TORCH_DERIVATIVES],
    ids=[r[0] for r in TORCH_DERIVATIVES],
)
def test_derivatives_agree_with_pytorch_at_every_order(f: Fn, x: float, torch: list[float]) -> None:
    got = [by_grad(f, x, order) for order in range(1, len(torch) + 1)]
    assert all(same(g, t) for g, t in zip(got, torch, strict=True)), (got, torch)
    assert same(by_backward(f, x, create_graph=False), torch[0])
    assert same(by_backward(f, x, create_graph=True), torch[0])


# x ** y: (a, b) -> torch's (d/dx, d/dy)
TORCH_POW: list[tuple[float, float, tuple[float, float]]] = [
    (0.0, 0.0, (0.0, 0.0)),
    (0.0, 2.0, (0.0, 0.0)),
    (0.0, 0.5, (INF, 0.0)),
    (0.0, 1.0, (1.0, 0.0)),
    (2.0, 0.0, (0.0, math.log(2.0))),
    (-2.0, 3.0, (12.0, NAN)),
]


@pytest.mark.parametrize(("a", "b", "torch"), TORCH_POW)
def test_x_to_the_y_agrees_with_pytorch_whichever_way_it_is_differentiated(
    a: float, b: float, torch: tuple[float, float]
) -> None:
    both = al.grad(lambda x, y: x**y, argnums=(0, 1))(a, b)
    assert all(same(g, t) for g, t in zip(both, torch, strict=True)), (both, torch)
    # With the exponent a plain number (x ** 2.0) the base's derivative is the same.
    assert same(al.grad(lambda x, y: x**y)(a, b), torch[0])
    assert same(al.grad(lambda x: x**b)(a), torch[0])
    x, y = Value(a), Value(b)
    (x**y).backward()
    assert same(x.grad, torch[0]) and same(y.grad, torch[1])


def test_second_derivatives_of_x_to_the_y_agree_with_pytorch_away_from_zero() -> None:
    # torch at (-2, 3): d2/dx2 = -12, d2/dxdy = nan (log of a negative base)
    h = al.hessian(lambda x, y: x**y, argnums=(0, 1))(-2.0, 3.0)
    assert h[0, 0] == -12.0 and math.isnan(h[0, 1])


# Where the engine raises and PyTorch returns a number (recorded for contrast).
TORCH_FORWARD_NUMBERS: list[tuple[str, Fn, float, float, type[Exception]]] = [
    ("1/x at 0", lambda x: 1.0 / x, 0.0, INF, DivisionByZeroError),
    ("x**-1 at 0", lambda x: x**-1, 0.0, INF, DivisionByZeroError),
    ("log at 0", lambda x: x.log(), 0.0, -INF, DomainError),
    ("log at -1", lambda x: x.log(), -1.0, NAN, DomainError),
    ("sin at inf", lambda x: x.sin(), INF, NAN, DomainError),
    ("cos at -inf", lambda x: x.cos(), -INF, NAN, DomainError),
    ("(-8)**(1/3)", lambda x: x ** (1 / 3), -8.0, NAN, DomainError),
]


@pytest.mark.parametrize(
    ("f", "x", "torch", "error"),
    [row[1:] for row in TORCH_FORWARD_NUMBERS],
    ids=[r[0] for r in TORCH_FORWARD_NUMBERS],
)
def test_undefined_results_and_poles_raise_a_domain_error_naming_the_op(
    f: Fn, x: float, torch: float, error: type[Exception]
) -> None:
    del torch  # PyTorch gives this number; the engine refuses (see docs/conventions.md)
    leaf = Value(x, label="here")
    with pytest.raises(error) as info:
        f(leaf)
    assert "'here'" in str(info.value) and info.value.op  # type: ignore[attr-defined]


def test_overflow_is_inf_in_every_op_and_in_compiled_code() -> None:
    big = Value(1e200)
    assert (big * big).data == (big**2).data == INF
    assert Value(1000.0).exp().data == (10.0 ** Value(400.0)).data == INF
    assert (Value(1e-320) ** -1).data == (1.0 / Value(1e-320)).data == INF
    step = al.compile(lambda x: x**2 + x.exp(), 1.0)
    assert step(1e200)[0] == INF


def test_inactive_relu_blocks_inf_in_compiled_code_too() -> None:
    step = al.compile(lambda x: x.relu().sqrt(), 1.0)
    assert step(-1.0) == (0.0, (0.0,))
    assert step(4.0) == (2.0, (0.25,))


# ---------------------------------------------------------------- issue 11: unclear errors


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: al.sum_values(None), TypeError, "sum_values: values must be an iterable"),
        (lambda: al.SGD(al.MLP(2, [1]), lr=0.1), TypeError, "pass model.parameters()"),
        (lambda: al.gradients(Value(1.0) * 2, Value(1.0)), TypeError, "gradients(y, [x])"),
        (lambda: Value(10**400), al.OverflowDomainError, "401 digits"),
        (lambda: Value(1.0) + 10**400, al.OverflowDomainError, "operand of +"),
        (lambda: al.grad(lambda x: x)(10**400), al.OverflowDomainError, "too large for a float"),
        (lambda: al.values([1, 10**400], "w"), al.OverflowDomainError, "entry [1]"),
        (lambda: al.gradcheck(lambda x: x.sin(), 0.5, eps=1), ValueError, "eps must be between"),
    ],
)
def test_bad_arguments_get_errors_that_say_what_was_wrong(
    call: Callable[[], Any], error: type[Exception], words: str
) -> None:
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)


def test_numpy_scalars_are_numbers_for_learning_rates_and_layer_sizes() -> None:
    import numpy as np

    model = al.MLP(np.int64(2), [np.int64(3), 1])
    assert len(model.parameters()) == 13
    assert al.SGD(model.parameters(), lr=np.float32(0.5)).lr == 0.5
