"""The Value node: construction, operators, comparisons, and errors for bad input."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import DivisionByZeroError, DomainError, OverflowDomainError, Value


def test_construction_converts_real_numbers() -> None:
    for raw in (3, 3.0, True, np.float32(3.0), np.int64(3), np.float64(3.0), Fraction(3, 1)):
        v = Value(raw)
        assert type(v.data) is float
    assert Value(True).data == 1.0
    v = Value(2.5, label="x")
    assert (v.data, v.grad, v.label, v.op, v.parents, v.is_leaf) == (2.5, 0.0, "x", "", (), True)


def test_nan_and_inf_data_are_allowed() -> None:
    assert math.isnan(Value(float("nan")).data)
    assert Value(float("inf")).data == math.inf


@pytest.mark.parametrize("bad", ["3", None, 1 + 2j, [1.0], object()])
def test_non_real_data_is_a_type_error_naming_type_and_value(bad: object) -> None:
    with pytest.raises(TypeError) as info:
        Value(bad)
    message = str(info.value)
    assert type(bad).__name__ in message
    assert repr(bad) in message


def test_label_must_be_a_string() -> None:
    with pytest.raises(TypeError, match="label must be a str"):
        Value(1.0, label=3)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["a", None, 2j, [1]])
def test_bad_operands_are_type_errors(bad: object) -> None:
    x = Value(1.0, label="x")
    for op in (
        lambda: x + bad,
        lambda: bad + x,
        lambda: x - bad,
        lambda: bad - x,
        lambda: x * bad,
        lambda: bad * x,
        lambda: x / bad,
        lambda: bad / x,
        lambda: x**bad,
        lambda: bad**x,
    ):
        with pytest.raises(TypeError) as info:
            op()
        assert type(bad).__name__ in str(info.value)


def test_operator_results_and_op_names() -> None:
    a, b = Value(6.0, label="a"), Value(3.0, label="b")
    cases = {
        "add": (a + b, 9.0),
        "sub": (a - b, 3.0),
        "mul": (a * b, 18.0),
        "div": (a / b, 2.0),
        "neg": (-a, -6.0),
        "vpow": (b**b, 27.0),
    }
    for op, (node, expected) in cases.items():
        assert node.op == op and node.data == expected
    assert (a + b).parents == (a, b)
    assert (+a) is a


def test_numbers_on_either_side() -> None:
    x = Value(4.0)
    assert [(x + 1).data, (1 + x).data, (x - 1).data, (1 - x).data] == [5.0, 5.0, 3.0, -3.0]
    assert [(x * 2).data, (2 * x).data, (x / 2).data, (2 / x).data] == [8.0, 8.0, 2.0, 0.5]
    assert [(x**2).data, (2**x).data] == [16.0, 16.0]
    assert (x**2).op == "pow" and (2**x).op == "rpow"


def test_subtraction_and_division_gradients_with_numbers_on_either_side() -> None:
    x = Value(4.0)
    for build, expected in [
        (lambda: x - 1, 1.0),
        (lambda: 1 - x, -1.0),
        (lambda: x / 2, 0.5),
        (lambda: 2 / x, -2.0 / 16.0),
    ]:
        x.grad = 0.0
        build().backward()
        assert x.grad == expected


def test_value_exponent_gradients() -> None:
    a, b = Value(2.0), Value(3.0)
    y = a**b
    y.backward()
    assert a.grad == pytest.approx(3.0 * 2.0**2, rel=1e-15)
    assert b.grad == pytest.approx(8.0 * math.log(2.0), rel=1e-15)
    b.grad = 0.0
    z = 2**b
    z.backward()
    assert b.grad == pytest.approx(8.0 * math.log(2.0), rel=1e-15)


def test_numpy_scalars_mix_with_values() -> None:
    x = Value(1.0)
    for y in (np.float64(2.0) + x, x + np.float64(2.0), np.float32(2.0) * x, x * np.int64(3)):
        assert isinstance(y, Value)


def test_numpy_object_arrays_broadcast_over_values() -> None:
    arr = np.array([Value(1.0), Value(2.0)], dtype=object)
    x = Value(10.0)
    for out in (arr + x, x + arr, x * arr, arr - x, x / arr):
        assert out.shape == (2,) and all(isinstance(v, Value) for v in out)
    assert [v.data for v in x - arr] == [9.0, 8.0]


def test_comparisons_compare_data_and_equality_is_identity() -> None:
    a, b = Value(1.0), Value(2.0)
    assert a < b and a <= b and b > a and b >= a and a < 1.5 and b > 1
    assert max([a, b]) is b
    assert sorted([b, a]) == [a, b]
    assert Value(1.0) != Value(1.0)
    assert len({a, b, a}) == 2
    assert np.maximum(b, 0) is b
    with pytest.raises(TypeError, match="str"):
        _ = a < "x"


def test_module_functions_accept_values_and_numbers() -> None:
    x = Value(0.5)
    for name in al.OP_FUNCTIONS:
        f = getattr(al, name)
        node = f(x)
        assert isinstance(node, Value)
        assert isinstance(f(0.5), float)
        assert f(0.5) == node.data
    assert al.exp(1) == math.e
    with pytest.raises(DomainError):
        al.log(-1.0)
    with pytest.raises(TypeError, match="str"):
        al.exp("1")  # type: ignore[call-overload]


def test_log_domain_error_names_op_value_and_label() -> None:
    for bad, word in ((-1.0, "negative"), (0.0, "zero")):
        with pytest.raises(DomainError) as info:
            Value(bad, label="prob").log()
        message = str(info.value)
        assert "log" in message and word in message and repr(bad) in message
        assert "'prob'" in message
        assert info.value.op == "log"


def test_negative_base_to_a_non_integer_power() -> None:
    with pytest.raises(DomainError, match=r"negative base.*-8\.0 \*\* 0\.5.*'base'"):
        Value(-8.0, label="base") ** 0.5
    with pytest.raises(DomainError, match="negative base"):
        Value(-8.0) ** Value(1 / 3)
    with pytest.raises(DomainError, match="negative base"):
        (-2.0) ** Value(0.5)
    assert (Value(-2.0) ** 3).data == -8.0  # an integer power is fine


def test_division_by_zero() -> None:
    with pytest.raises(DivisionByZeroError, match=r"division by zero.*'denominator'"):
        Value(1.0) / Value(0.0, label="denominator")
    with pytest.raises(ZeroDivisionError):
        1 / Value(0.0)
    with pytest.raises(ZeroDivisionError, match="zero to a negative power"):
        Value(0.0) ** -1


def test_overflow_is_inf_for_every_op() -> None:
    # One policy (docs/conventions.md): a result too large for a float is inf, as in IEEE
    # 754, PyTorch and NumPy. Before, x ** 2 and exp raised while x * x gave inf.
    big, tiny = Value(1e200), Value(1e-320)
    assert (big * big).data == (big**2).data == math.inf
    assert Value(1000.0, label="logit").exp().data == math.inf
    assert (Value(10.0) ** 400).data == math.inf
    assert (Value(-10.0) ** 401).data == -math.inf
    assert (tiny**-1).data == (1 / tiny).data == math.inf
    assert (10.0 ** Value(400.0)).data == math.inf
    with pytest.raises(OverflowDomainError, match="too large for a float") as info:
        Value(10**400)
    assert isinstance(info.value, OverflowError)


def test_a_failed_operation_leaves_nodes_and_gradients_untouched() -> None:
    x = Value(-1.0, label="x")
    y = x * 3
    y.backward()
    before = (x.data, x.grad, y.data, y.grad, y.parents)
    for bad in (lambda: x.log(), lambda: y / 0, lambda: x**0.5, lambda: y + "a"):
        with pytest.raises((DomainError, TypeError)):
            bad()
    assert (x.data, x.grad, y.data, y.grad, y.parents) == before


def test_repr_shows_data_grad_label_and_op() -> None:
    x = Value(2.0, label="x")
    y = x * x
    assert repr(x) == "Value(data=2, grad=0, label='x')"
    assert repr(y) == "Value(data=4, grad=0, op='*')"


def test_sum_values_and_dot_are_single_nodes() -> None:
    xs = [Value(float(i)) for i in range(5)]
    s = al.sum_values(xs)
    assert s.op == "sum" and s.data == 10.0 and len(s.parents) == 5
    w = [Value(1.0), Value(2.0)]
    d = al.dot(w, [3.0, 4.0])
    lin = al.dot(w, [3.0, 4.0], bias=0.5)
    assert (d.op, d.data, lin.op, lin.data) == ("dot", 11.0, "linear", 11.5)
    with pytest.raises(ValueError, match="2 weights but 3 inputs"):
        al.dot(w, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="empty"):
        al.sum_values([])


# ---------------------------------------------------------------- PyTorch habits


def test_item_is_the_float_a_node_holds() -> None:
    x = Value(3, label="x")
    y = x * x
    assert x.item() == 3.0 and type(x.item()) is float
    assert y.item() == 9.0 and type(y.item()) is float


def test_detach_is_a_new_leaf_with_the_same_number_and_no_graph() -> None:
    x = Value(3.0, label="x")
    y = x * x
    d = y.detach()
    assert d is not y and d.is_leaf and d.parents == () and d.op == ""
    assert (d.data, d.label, d.grad) == (9.0, y.label, 0.0)
    z = x * d  # d is a constant: dz/dx = d = 9, not 3 x^2 = 27
    z.backward()
    assert x.grad == 9.0 and d.grad == 3.0
    assert y.grad == 0.0  # nothing flows back through the detached copy
    d.data = 1.0
    assert y.data == 9.0  # a copy: changing it leaves the original alone
