"""optim: SGD and Adam against hand-computed updates, schedules, no graph, all-or-nothing steps."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import Value
from autograd_lite.nn import MLP
from autograd_lite.optim import SGD, Adam


def _param(data: float, grad: float, label: str = "p") -> Value:
    p = Value(data, label=label)
    p.grad = grad
    return p


# ------------------------------------------------------------------ SGD by hand


def test_sgd_plain_step() -> None:
    p = _param(1.0, 0.5)
    SGD([p], lr=0.1).step()
    assert p.data == 1.0 - 0.1 * 0.5


def test_sgd_momentum_three_steps_by_hand() -> None:
    p = _param(1.0, 1.0)
    opt = SGD([p], lr=0.1, momentum=0.9)
    # velocity 1.0, 1.9, 2.71; the parameter moves by lr * velocity each time
    expected = [0.9, 0.71, 0.439]
    for want in expected:
        p.grad = 1.0
        opt.step()
        assert math.isclose(p.data, want, rel_tol=1e-14)
    assert math.isclose(opt.velocity[0], 2.71, rel_tol=1e-14)


def test_sgd_weight_decay_by_hand() -> None:
    p = _param(2.0, 0.5)
    SGD([p], lr=0.1, weight_decay=0.1).step()
    assert math.isclose(p.data, 2.0 - 0.1 * (0.5 + 0.1 * 2.0), rel_tol=1e-15)  # 1.93


def test_sgd_momentum_with_weight_decay_by_hand() -> None:
    p = _param(1.0, 0.0)
    opt = SGD([p], lr=0.5, momentum=0.5, weight_decay=1.0)
    opt.step()  # g' = 0 + 1.0 = 1.0, v = 1.0, p = 1 - 0.5 = 0.5
    assert p.data == 0.5
    p.grad = 0.0
    opt.step()  # g' = 0.5, v = 0.5 * 1.0 + 0.5 = 1.0, p = 0.5 - 0.5 = 0.0
    assert p.data == 0.0


# ------------------------------------------------------------------ Adam by hand


def test_adam_two_steps_by_hand() -> None:
    p = _param(1.0, 0.5)
    opt = Adam([p], lr=0.1, betas=(0.9, 0.999), eps=1e-8)
    opt.step()
    # m = 0.05, v = 0.00025; corrected: m^ = 0.5, v^ = 0.25, sqrt(v^) = 0.5
    assert math.isclose(p.data, 1.0 - 0.1 * 0.5 / (0.5 + 1e-8), rel_tol=1e-14)
    first = p.data
    p.grad = -1.0
    opt.step()
    # m = 0.9 * 0.05 - 0.1 = -0.055;  v = 0.999 * 0.00025 + 0.001 = 0.00124975
    # m^ = -0.055 / 0.19;  v^ = 0.00124975 / 0.001999
    m_hat = -0.055 / 0.19
    v_hat = 0.00124975 / 0.001999
    assert math.isclose(opt.m[0], -0.055, rel_tol=1e-14)
    assert math.isclose(opt.v[0], 0.00124975, rel_tol=1e-14)
    assert math.isclose(p.data, first - 0.1 * m_hat / (math.sqrt(v_hat) + 1e-8), rel_tol=1e-13)


def test_adam_weight_decay_adds_to_the_gradient() -> None:
    a, b = _param(2.0, 0.5), _param(2.0, 0.5 + 0.01 * 2.0)
    Adam([a], lr=0.1, weight_decay=0.01, betas=(0.5, 0.5)).step()
    Adam([b], lr=0.1, betas=(0.5, 0.5)).step()
    assert a.data == b.data


@pytest.mark.parametrize(
    "make", [lambda ps: SGD(ps, lr=0.1, momentum=0.5), lambda ps: Adam(ps, lr=0.1)]
)
def test_optimizers_minimise_a_quadratic_through_the_engine(make: object) -> None:
    x, y = Value(3.0, label="x"), Value(-2.0, label="y")
    opt = make([x, y])  # type: ignore[operator]
    for _ in range(300):
        opt.zero_grad()
        ((x - 1.0) ** 2 + 2.0 * (y + 0.5) ** 2).backward()
        opt.step()
    assert abs(x.data - 1.0) < 1e-3 and abs(y.data + 0.5) < 1e-3


# ------------------------------------------------------------------ behaviour


def test_step_builds_no_graph_and_keeps_parameters_leaves() -> None:
    model = MLP(2, [3, 1], seed=0)
    model([1.0, 2.0]).backward()
    opt = Adam(model.parameters(), lr=0.01)
    before = [p.data for p in model.parameters()]
    opt.step()
    assert all(p.is_leaf and type(p.data) is float for p in model.parameters())
    assert [p.data for p in model.parameters()] != before


def test_zero_grad_clears_the_parameters() -> None:
    p, q = _param(1.0, 3.0), _param(2.0, -1.0)
    opt = SGD([p, q], lr=0.1)
    opt.zero_grad()
    assert (p.grad, q.grad) == (0.0, 0.0)


def test_schedule_sets_lr_before_each_update() -> None:
    p = _param(0.0, 1.0)
    seen: list[int] = []

    def schedule(step: int) -> float:
        seen.append(step)
        return 0.1 / (1 + step)

    opt = SGD([p], lr=1.0, schedule=schedule)
    for _ in range(3):
        p.grad = 1.0
        opt.step()
    assert seen == [0, 1, 2] and opt.steps == 3
    assert math.isclose(p.data, -(0.1 + 0.05 + 0.1 / 3), rel_tol=1e-14)
    assert math.isclose(opt.lr, 0.1 / 3, rel_tol=1e-15)


def test_a_gradient_that_is_a_value_is_read_as_its_data() -> None:
    p = Value(1.0)
    p.grad = Value(0.5)  # what backward(create_graph=True) leaves
    SGD([p], lr=0.1).step()
    assert p.data == 0.95


def test_non_finite_gradient_updates_nothing_and_names_the_parameter() -> None:
    good, bad = _param(1.0, 0.5, "w.0"), _param(2.0, math.nan, "w.1")
    opt = SGD([good, bad], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match=r"'w\.1' leaf = 2\.0 is nan; no parameter was updated"):
        opt.step()
    assert (good.data, bad.data, opt.steps, opt.velocity) == (1.0, 2.0, 0, [0.0, 0.0])
    adam = Adam([good, bad], lr=0.1)
    bad.grad = math.inf
    with pytest.raises(ValueError, match="is inf"):
        adam.step()
    assert (good.data, adam.m, adam.v) == (1.0, [0.0, 0.0], [0.0, 0.0])


def test_a_bad_schedule_value_updates_nothing() -> None:
    p = _param(1.0, 0.5)
    opt = SGD([p], lr=0.1, schedule=lambda step: -1.0)
    with pytest.raises(ValueError, match=r"schedule\(0\) must be finite and >= 0"):
        opt.step()
    assert p.data == 1.0 and opt.steps == 0


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: SGD([], lr=0.1), ValueError, "got no parameters"),
        (lambda: SGD([1.0], lr=0.1), TypeError, r"params\[0\] is a float, not a Value"),
        (lambda: SGD([Value(1.0) * 2], lr=0.1), ValueError, "only leaves can be optimized"),
        (lambda: SGD([Value(1.0)], lr=0.0), ValueError, "lr must be finite and > 0"),
        (lambda: SGD([Value(1.0)], lr="0.1"), TypeError, "lr must be a number"),
        (
            lambda: SGD([Value(1.0)], lr=0.1, momentum=1.0),
            ValueError,
            r"momentum must be in \[0, 1\)",
        ),
        (lambda: SGD([Value(1.0)], lr=0.1, weight_decay=-1), ValueError, "weight_decay must be"),
        (lambda: Adam([Value(1.0)], betas=(0.9,)), TypeError, "betas must be a pair"),
        (lambda: Adam([Value(1.0)], betas=(0.9, 1.5)), ValueError, r"betas\[1\] must be in"),
        (lambda: Adam([Value(1.0)], eps=0.0), ValueError, "eps must be finite and > 0"),
        (lambda: Adam([Value(1.0)], schedule=3), TypeError, "schedule must be callable"),
    ],
)
def test_bad_arguments_are_named(make: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        make()  # type: ignore[operator]


_P = Value(1.0)


# ------------------------------------------------------------------ PyTorch habits


def _train(opt: SGD | Adam, params: list[Value], steps: int) -> None:
    for k in range(steps):
        for i, p in enumerate(params):
            p.grad = math.sin(p.data * (i + 1) + k)  # any deterministic gradient
        opt.step()


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
        lambda ps: Adam(ps, lr=0.05, betas=(0.8, 0.99), weight_decay=0.01),
    ],
)
def test_state_dict_round_trip_resumes_exactly(make: object) -> None:
    import json

    a = [Value(0.5), Value(-1.0), Value(2.0)]
    opt_a = make(a)  # type: ignore[operator]
    _train(opt_a, a, 4)
    saved = json.loads(json.dumps(opt_a.state_dict()))  # plain data, JSON-safe
    b = [Value(p.data) for p in a]
    opt_b = make(b)  # type: ignore[operator]
    opt_b.load_state_dict(saved)
    assert opt_b.steps == 4 and opt_b.state_dict() == opt_a.state_dict()
    _train(opt_a, a, 3)
    _train(opt_b, b, 3)
    assert [p.data for p in a] == [p.data for p in b]


def test_load_state_dict_refuses_a_mismatch_and_changes_nothing() -> None:
    params = [Value(1.0), Value(2.0)]
    opt = SGD(params, lr=0.1, momentum=0.5)
    _train(opt, params, 2)
    before = opt.state_dict()
    with pytest.raises(ValueError, match="from 'Adam', not SGD"):
        opt.load_state_dict(Adam(params).state_dict())
    with pytest.raises(ValueError, match="groups do not match"):
        opt.load_state_dict(SGD([Value(1.0)], lr=0.1).state_dict())
    bad = {**before, "state": {"velocity": [0.1, float("nan")]}}
    with pytest.raises(TypeError, match=r"state\['velocity'\]\[1\] must be a finite number"):
        opt.load_state_dict(bad)
    with pytest.raises(ValueError, match="momentum must be in"):
        group = {**before["param_groups"][0], "momentum": 2.0}
        opt.load_state_dict({**before, "param_groups": [group]})
    assert opt.state_dict() == before
    with pytest.raises(TypeError, match="expected the dict that state_dict"):
        opt.load_state_dict({"velocity": [0.0, 0.0]})


def test_param_groups_have_their_own_options() -> None:
    slow, fast = _param(1.0, 1.0), _param(1.0, 1.0)
    opt = SGD([{"params": [slow]}, {"params": [fast], "lr": 0.5}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.params == [slow, fast] and opt.param_groups[1]["momentum"] == 0.0
    opt.step()
    assert (slow.data, fast.data) == (0.9, 0.5)
    opt.param_groups[0]["lr"] = 0.2  # editing a group changes the next step, as in PyTorch
    opt.step()
    assert math.isclose(slow.data, 0.7, rel_tol=1e-15)
    opt.lr = 0.01  # sets every group
    assert [g["lr"] for g in opt.param_groups] == [0.01, 0.01]
    with pytest.raises(KeyError, match=r"unknown option\(s\) \['betas'\]"):
        SGD([{"params": [slow], "betas": (0.9, 0.9)}], lr=0.1)
    with pytest.raises(TypeError, match="all Values or all parameter-group dicts"):
        SGD([slow, {"params": [fast]}], lr=0.1)
    with pytest.raises(ValueError, match=r"params\[1\].*in two parameter groups"):
        Adam([{"params": [slow]}, {"params": [slow]}])


def test_a_step_that_would_overflow_a_parameter_changes_nothing() -> None:
    # Regression (issue 11): step() checked gradients, not the result, and wrote -inf.
    w, v = Value(1.0, label="w"), Value(2.0, label="v")
    w.grad, v.grad = 1e300, 1.0
    opt = al.SGD([v, w], lr=1e10, momentum=0.9)
    with pytest.raises(ValueError, match=r"would set 'w' leaf = 1.0 to -inf.*no parameter"):
        opt.step()
    assert (v.data, w.data, opt.steps, opt.velocity) == (2.0, 1.0, 0, [0.0, 0.0])


# ---------------------------------------------------------------- issue 21


def test_tied_weights_listed_twice_are_one_parameter_updated_once() -> None:
    # Regression (issue 21, finding 15): SGD([w, w]) refused "listed twice"; PyTorch keeps
    # one copy of a tied parameter, and so do we.
    w = Value(1.0, label="w")
    w.grad = 0.5
    opt = SGD([w, w], lr=0.1)
    assert opt.params == [w] and opt.param_groups[0]["params"] == [w]
    opt.step()
    assert w.data == 0.95


def test_module_parameters_list_a_tied_weight_once() -> None:
    from autograd_lite.nn import Module

    class Tied(Module):
        def __init__(self) -> None:
            self.w = Value(1.0)
            self.again = self.w

    model = Tied()
    assert model.parameters() == [model.w]
    assert [name for name, _ in model.named_parameters()] == ["w"]
    SGD(model.parameters(), lr=0.1)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda s: s["state"]["v"].__setitem__(0, -1.0),
            r"state\['v'\]\[0\] is -1.0.*cannot be negative",
        ),
        (lambda s: s.update(steps=10**400), r"steps is more than"),
        (
            lambda s: s["state"]["m"].__setitem__(0, 10**400),
            r"state\['m'\]\[0\] must be a finite number",
        ),
    ],
    ids=["negative-v", "huge-steps", "huge-m"],
)
def test_adam_load_state_dict_refuses_impossible_state_and_changes_nothing(
    edit: Any, message: str
) -> None:
    # Regression (issue 21, finding 12): Adam.load_state_dict accepted v < 0 and
    # steps = 10**400; the next step() failed after some parameters had changed.
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    a.grad, b.grad = 0.5, -0.5
    opt = Adam([a, b], lr=0.1)
    opt.step()
    state = opt.state_dict()
    before = (opt.state_dict(), a.data, b.data)
    bad = opt.state_dict()
    edit(bad)
    with pytest.raises((ValueError, TypeError), match=message):
        opt.load_state_dict(bad)
    assert (opt.state_dict(), a.data, b.data) == before
    opt.load_state_dict(state)


def test_a_step_that_raises_midway_leaves_every_parameter_as_it_was() -> None:
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    a.grad, b.grad = 0.5, -0.5
    opt = Adam([a, b], lr=0.1)
    opt.v[1] = -1.0  # set by hand: sqrt of a negative number fails on the second parameter
    with pytest.raises(ValueError):
        opt.step()
    assert (a.data, b.data, opt.m, opt.steps) == (1.0, 2.0, [0.0, 0.0], 0)


def test_optimizers_take_numpy_scalars_and_refuse_huge_rates_clearly() -> None:
    # Regression (issue 21, findings 14 and 15): SGD(lr=10**400) raised OverflowError.
    with pytest.raises(ValueError, match="lr must be finite and > 0"):
        SGD([Value(1.0)], lr=10**400)
    w = Value(1.0)
    w.grad = 1.0
    opt = Adam([w], lr=np.float32(0.5), betas=(np.float64(0.9), np.float32(0.99)))
    opt.step()
    state = opt.state_dict()
    state["steps"] = np.int64(state["steps"])
    state["state"] = {k: [np.float32(x) for x in v] for k, v in state["state"].items()}
    opt.load_state_dict(state)
    assert opt.steps == 1 and type(opt.steps) is int and type(opt.m[0]) is float
