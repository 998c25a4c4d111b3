"""Value.register_hook: hooks see and may replace the gradient flowing into a node."""

from __future__ import annotations

import math
from typing import Any

import pytest

import autograd_lite as al
from autograd_lite import Value

from .oracles import central_difference


def test_a_hook_on_a_computed_node_sees_its_gradient_and_can_replace_it() -> None:
    x = Value(0.5, label="x")
    h = (x * 3.0).tanh()
    seen: list[float] = []
    h.register_hook(seen.append)
    loss = h * h
    loss.backward()
    assert seen == [pytest.approx(2 * math.tanh(1.5), abs=1e-15)]
    want = central_difference(lambda v: math.tanh(3 * v) ** 2, [0.5], 0)
    assert x.grad == pytest.approx(want, rel=1e-7)
    handle = h.register_hook(lambda g: 0.0)  # cut the gradient here
    x.grad = 0.0
    loss.backward()
    assert x.grad == 0.0 and h.grad == 0.0 and len(seen) == 2
    handle.remove()
    handle.remove()  # twice is harmless
    x.grad = 0.0
    loss.backward()
    assert x.grad == pytest.approx(want, rel=1e-7)


def test_a_hook_on_a_leaf_sees_what_this_call_adds_and_hooks_run_in_order() -> None:
    w = Value(2.0, label="w")
    w.grad = 1.0  # left by an earlier backward: the hook does not see it
    calls: list[tuple[str, float]] = []
    w.register_hook(lambda g: calls.append(("first", g)) or g * 0.5)
    w.register_hook(lambda g: calls.append(("second", g)))
    (w * w * 3.0 + w).backward()
    assert calls == [("first", 13.0), ("second", 6.5)]
    assert w.grad == 1.0 + 6.5 and w.is_leaf and w.parents == ()


def test_hooks_run_for_gradients_and_create_graph_and_leave_drawings_alone() -> None:
    x = Value(1.5)
    y = x.sin()
    y.register_hook(lambda g: g * 2)
    (dx,) = al.gradients(y * y, [x])
    assert dx == pytest.approx(2 * 2 * math.sin(1.5) * math.cos(1.5), rel=1e-12)
    (y * y).backward(create_graph=True)
    assert isinstance(x.grad, Value)
    assert x.grad.data == pytest.approx(4 * math.sin(1.5) * math.cos(1.5), rel=1e-12)
    step = {s.name: s.grad for s in al.explain(y * y).steps}  # explain computes afresh
    assert y.op == "sin" and "sin" in al.draw_graph(y * y).source
    assert len(step) == 3


def test_a_hook_that_returns_something_else_is_a_clear_error() -> None:
    x = Value(1.0)
    h = x * 2.0
    h.register_hook(lambda g: "big")
    before = x.grad
    with pytest.raises(TypeError, match=r"returns None .* or a number"):
        (h * h).backward()
    assert x.grad == before
    with pytest.raises(TypeError, match="must be callable"):
        h.register_hook(3)  # type: ignore[arg-type]


def test_a_hook_on_a_user_defined_op() -> None:
    x = Value(0.2)
    out = Value(math.exp(x.data), (x,), "exp")

    def _backward() -> None:
        x.grad += out.data * out.grad

    out._backward = _backward
    out.register_hook(lambda g: g + 1.0)
    (out * 2.0).backward()
    assert x.grad == pytest.approx(3.0 * math.exp(0.2), rel=1e-12)
    assert out._backward is _backward


def test_a_model_trains_with_a_clipping_hook_on_every_parameter() -> None:
    model = al.MLP(2, [4, 1], seed=0)
    clipped: list[Any] = []

    def clip(g: float) -> float:
        clipped.append(g)
        return max(-0.1, min(0.1, g))

    for p in model.parameters():
        p.register_hook(clip)
    out = model([1.0, -2.0])
    ((out - 5.0) ** 2).backward()
    assert len(clipped) == len(model.parameters())
    assert all(abs(p.grad) <= 0.1 for p in model.parameters())


# ---------------------------------------------------------------- issue 21, item 10


def test_a_hook_returning_a_value_leaves_float_gradients_after_a_plain_backward() -> None:
    # PyTorch's plain backward leaves gradients without a graph; ours leaves floats.
    x = Value(3.0, label="x")
    h = x * x
    h.register_hook(lambda g: Value(g) * 2.0)  # returns a Value
    x.register_hook(lambda g: (g if isinstance(g, Value) else Value(g)) + 1.0)
    (h + 1.0).backward()
    assert type(x.grad) is float and type(h.grad) is float
    assert (h.grad, x.grad) == (2.0, 2.0 * 2 * 3.0 + 1.0)
    # with create_graph the Value a hook returns stays in the graph
    x.grad = 0.0
    (h + 1.0).backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == 13.0


def test_a_hook_returning_a_value_gives_floats_through_gradients_too() -> None:
    x = Value(1.5)
    y = x.sin()
    y.register_hook(lambda g: Value(g) * 3.0)
    (dx,) = al.gradients(y, [x])
    assert type(dx) is float and dx == 3.0 * math.cos(1.5)


def test_a_hook_that_changes_data_mid_backward_does_not_change_the_gradient() -> None:
    # loss = w**3 built as (w * w) * w: d loss / dw = 3 w^2 = 12 at w = 2, whatever a hook
    # does to w.data while backward runs (say, an optimizer step taken inside a hook).
    w = Value(2.0, label="w")
    h = w * w
    loss = h * w

    def step(g: float) -> None:
        w.data -= 0.5 * g  # h's gradient is w = 2: w.data becomes 1

    h.register_hook(step)
    loss.backward()
    assert w.grad == 12.0
    assert w.data == 1.0  # the hook did run


def test_a_leaf_hook_that_changes_data_leaves_the_other_gradients_alone() -> None:
    # b's hook runs before w's last derivative is taken (b * w's node is older): that
    # derivative still uses b = 1.
    w = Value(3.0, label="w")
    b = Value(1.0, label="b")
    y = w * w * w + w * b  # d/dw = 3 w^2 + b = 28, d/db = w = 3

    def shift(g: float) -> None:
        b.data = 100.0

    b.register_hook(shift)
    y.backward()
    assert (w.grad, b.grad) == (28.0, 3.0)


def test_hooks_live_in_their_own_slot_and_leave_rule_and_parents_alone() -> None:
    from autograd_lite.core.custom import Hooks, hooks_of

    x = Value(1.0)
    h = x * 2.0
    rule, parents = h.rule, h.parents
    assert hooks_of(h) is None and hooks_of(x) is None
    first = h.register_hook(lambda g: g * 3)
    second = x.register_hook(lambda g: None)
    assert (h.rule, h.parents) == (rule, parents) and x.is_leaf and x.parents == ()
    assert isinstance(hooks_of(h), Hooks) and isinstance(hooks_of(x), Hooks)
    first.remove()
    second.remove()
    assert hooks_of(h) is None and hooks_of(x) is None
