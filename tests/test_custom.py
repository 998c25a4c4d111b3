"""core.custom: user-defined (micrograd-style) ops, the manual ``_backward``, gradient hooks.

The derivatives a user op's closure gives are compared with central differences of the
user's own math; the hooks' effects with what the chain rule gives by hand.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from autograd_lite import Value, no_grad
from autograd_lite.core.custom import (
    Hooks,
    UserGrads,
    add_hook,
    hooks_of,
    manual_backward,
    user_rule,
)
from autograd_lite.core.engine import gradients
from autograd_lite.core.rules import FLOAT_MATH


def _user_mul_sin(a: Value, b: Value) -> Value:
    """out = a * sin(b), built the micrograd way with a hand-written closure."""
    out = Value(a.data * math.sin(b.data), (a, b), "a*sin(b)")

    def _backward() -> None:
        a.grad += math.sin(b.data) * out.grad
        b.grad += a.data * math.cos(b.data) * out.grad

    out._backward = _backward
    return out


def _central(f: Any, x: float, h: float = 1e-6) -> float:
    return (f(x + h) - f(x - h)) / (2 * h)


def test_the_probe_gives_the_closures_local_derivatives_and_restores_every_grad() -> None:
    a, b = Value(1.5, label="a"), Value(0.4, label="b")
    out = _user_mul_sin(a, b)
    a.grad, b.grad, out.grad = 7.0, -2.0, 3.0  # whatever was there before
    probe = out.rule.local_grads  # type: ignore[union-attr]
    assert isinstance(probe, UserGrads) and probe.op == "a*sin(b)"
    da, db = probe(FLOAT_MATH, out.data, a.data, b.data)
    assert math.isclose(da, _central(lambda t: t * math.sin(0.4), 1.5), rel_tol=1e-8)
    assert math.isclose(db, _central(lambda t: 1.5 * math.sin(t), 0.4), rel_tol=1e-8)
    assert (a.grad, b.grad, out.grad) == (7.0, -2.0, 3.0)


def test_a_user_op_takes_part_in_backward_like_any_node() -> None:
    a, b = Value(1.5), Value(0.4)
    y = _user_mul_sin(a, b) * a  # a is used twice: through the user op and directly
    y.backward()
    f = lambda t: t * math.sin(0.4) * t  # noqa: E731
    assert math.isclose(a.grad, _central(f, 1.5), rel_tol=1e-8)
    assert gradients(y, [b]) == [pytest.approx(1.5 * 1.5 * math.cos(0.4), rel=1e-12)]


def test_the_rule_of_a_user_op_is_its_own_and_cannot_run_forward() -> None:
    x = Value(2.0)
    out = Value(4.0, (x,), "square")
    rule = user_rule(out, "square", 1)
    assert (rule.name, rule.symbol, rule.arity) == ("user-defined square", "square", 1)
    with pytest.raises(TypeError, match="has no forward rule"):
        rule.forward(2.0)


def test_what_a_user_op_cannot_do_is_said_with_its_node() -> None:
    x = Value(2.0, label="x")
    out = Value(4.0, (x,), "square")
    out.label = "sq"
    with pytest.raises(TypeError, match=r"node 'sq' \(user-defined op 'square'.*has no _backward"):
        out.backward()
    out._backward = lambda: setattr(x, "grad", "oops")  # type: ignore[method-assign]
    with pytest.raises(TypeError, match="left an input's grad as str 'oops'"):
        out.backward()
    assert x.grad == 0.0  # the failed probe put the gradient back
    out._backward = lambda: None  # type: ignore[method-assign]
    with pytest.raises(TypeError, match="create_graph=True and derivatives of derivatives"):
        gradients(out, [x], create_graph=True)


@pytest.mark.parametrize(
    ("children", "op", "error", "words"),
    [
        ((Value(1.0),), 3, TypeError, "_op must be a str, got int"),
        (5, "f", TypeError, "_children must be a tuple or set of Values, got int"),
        ((Value(1.0), 2.0), "f", TypeError, r"_children\[1\] must be a Value, got float"),
        ((), "f", ValueError, "_op='f' given without _children"),
    ],
)
def test_bad_user_ops_are_named(children: Any, op: Any, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=words):
        Value(1.0, children, op)


def test_repeated_children_become_one_input_in_first_seen_order() -> None:
    x, y = Value(2.0), Value(3.0)
    out = Value(12.0, [y, x, y], "y*x*y")
    assert out.parents == (y, x)
    with no_grad():
        assert Value(12.0, (x, y), "x*y").is_leaf  # no graph under no_grad, as every op


def test_the_manual_backward_of_a_built_in_node_is_one_chain_rule_step() -> None:
    x = Value(0.3)
    y = x.tanh()
    y.grad = 2.0
    step = manual_backward(y)
    step()
    assert math.isclose(x.grad, 2.0 * _central(math.tanh, 0.3), rel_tol=1e-8)
    step()  # it adds, as micrograd's does
    assert math.isclose(x.grad, 4.0 * _central(math.tanh, 0.3), rel_tol=1e-8)
    leaf = Value(1.0)
    manual_backward(leaf)()  # a leaf has nothing to push
    assert leaf.grad == 0.0
    with pytest.raises(AttributeError, match="only a node made the micrograd way"):
        y._backward = lambda: None  # type: ignore[method-assign]


# ------------------------------------------------------------------ hooks


def test_hooks_run_in_order_and_a_number_replaces_the_gradient() -> None:
    seen: list[float] = []
    hooks = Hooks()
    hooks.fns += [lambda g: seen.append(g), lambda g: g * 10, lambda g: seen.append(g)]
    assert hooks.apply(0.5) == 5.0
    assert seen == [0.5, 5.0]
    hooks.fns.append(lambda g: Value(g + 1))  # a Value outside create_graph: its number
    assert hooks.apply(0.5) == 6.0


@pytest.mark.parametrize("bad", [True, "1", [1.0]])
def test_a_hook_returning_something_else_is_named(bad: Any) -> None:
    def odd_hook(g: float) -> Any:
        return bad

    hooks = Hooks()
    hooks.fns.append(odd_hook)
    with pytest.raises(TypeError, match="gradient hook odd_hook returned"):
        hooks.apply(1.0)


def test_a_hook_changes_what_flows_on_and_its_handle_takes_it_off() -> None:
    x = Value(3.0)
    h = x * x
    handle = add_hook(h, lambda g: g * 10)
    assert hooks_of(h) is not None
    (h + 1).backward()
    assert x.grad == 10 * 2 * 3.0
    handle.remove()
    handle.remove()  # harmless twice
    assert hooks_of(h) is None  # back to an ordinary node
    x.grad = 0.0
    (h + 1).backward()
    assert x.grad == 2 * 3.0
    with pytest.raises(TypeError, match="the hook must be callable, got int"):
        add_hook(h, 3)  # type: ignore[arg-type]
