"""messages.py: the errors name the node, its inputs and what to do."""

from __future__ import annotations

import math

import pytest

from autograd_lite import DivisionByZeroError, DomainError, Value
from autograd_lite.core import rules as R
from autograd_lite.core.messages import (
    backward_anomaly,
    derivative_failed,
    forward_anomaly,
    located,
    sum_anomaly,
)


def test_a_forward_domain_error_names_its_input_nodes() -> None:
    x = Value(-1.0, label="x")
    err = located(DomainError("log of -1.0", "log", (-1.0,)), R.LOG, (x,))
    assert type(err) is DomainError and err.op == "log" and err.inputs == (-1.0,)
    assert str(err) == "log of -1.0 [inputs: 'x' leaf = -1.0]"
    with pytest.raises(DomainError, match=r"\[inputs: 'x' leaf = -1.0\]"):
        x.log()


def test_a_failed_derivative_says_an_input_changed_after_the_forward_pass() -> None:
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    out = a / b
    b.data = 0.0
    err = derivative_failed(out, ZeroDivisionError("float division by zero"))
    assert isinstance(err, DivisionByZeroError)
    text = str(err)
    assert "derivative of div" in text and "'b' leaf = 0.0" in text
    assert "the forward would now raise" in text and "No .grad was changed" in text


def test_anomaly_messages_say_where_the_number_came_from() -> None:
    x = Value(math.inf, label="x")
    text = forward_anomaly(R.MUL, math.inf, (x, Value(2.0)))
    assert "came in through input 'x' leaf = inf, which is a leaf" in text
    y = Value(1.0, label="y")
    node = y * 2.0
    assert "first node where it appeared" in forward_anomaly(R.EXP, math.inf, (node,))
    text = backward_anomaly(node, 0, math.nan, 2.0, math.nan)
    assert (
        "input #0 ('y' leaf = 1.0)" in text and "upstream grad nan x local derivative 2.0" in text
    )
    text = sum_anomaly(node, y, 1e308, 1e308, math.inf)
    assert text.startswith("backward: adding up the gradient of 'y' leaf = 1.0 gave inf")
