"""gradcheck: the engine against central differences, and the checker against wrong rules.

Every rule of the table is checked twice: as registered (gradcheck must pass) and with a
deliberately wrong derivative swapped in (gradcheck must flag every entry); the swap is undone
after each test and checked to be undone.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import GradientCheckError, Value, gradcheck
from autograd_lite import rules as R
from autograd_lite.check.report import KINK, OK, UNCLEAR, WRONG
from autograd_lite.core.fast import unary_method
from autograd_lite.core.value import _record as record
from autograd_lite.core.value import apply

from .op_table import OPS


def call(name: str) -> Callable[..., Any]:
    """A function applying the rule ``name`` as the table holds it when called."""
    params = OPS[name].params

    def f(*xs: Any) -> Any:
        rule = R.RULES[name]
        return apply(rule.with_param(params[0]) if params else rule, list(xs))

    return f


def swap(patch: pytest.MonkeyPatch, rule: R.Rule) -> None:
    """Put ``rule`` in the table, in its module attribute, and in Value's method for it."""
    patch.setitem(R.RULES, rule.name, rule)
    for key, value in list(vars(R).items()):
        if isinstance(value, R.Rule) and value.name == rule.name and key.isupper():
            patch.setattr(R, key, rule)
    if rule.method is not None and not rule.attribute:  # x.tanh() binds its rule
        patch.setattr(Value, rule.method, unary_method(Value, rule, rule.method, record))


def wrong_version(rule: R.Rule) -> R.Rule:
    """The same rule with every local derivative d replaced by 1.5 d + 0.1."""
    original = rule.local_grads

    def wrong_grads(*args: Any) -> tuple[Any, ...]:
        return tuple(1.5 * d + 0.1 for d in original(*args))

    # A fresh cache of bound rules: the original's cache holds the right derivatives.
    return dataclasses.replace(rule, local_grads=wrong_grads, _bound={})


@pytest.fixture
def restored_rules() -> Iterator[pytest.MonkeyPatch]:
    before = dict(R.RULES)
    with pytest.MonkeyPatch.context() as patch:
        yield patch
    assert before == R.RULES, "the rule table was not restored"
    for key, value in vars(R).items():
        if isinstance(value, R.Rule) and key.isupper():
            assert value is before[value.name], f"rules.{key} was not restored"


@pytest.mark.parametrize("name", sorted(OPS))
def test_gradcheck_passes_every_registered_rule(name: str) -> None:
    fn, point = call(name), OPS[name].typical
    report = gradcheck(fn, *point)
    assert report.ok, str(report)
    assert [e.verdict for e in report.entries] == [OK] * len(point)


@pytest.mark.parametrize("name", sorted(OPS))
def test_gradcheck_catches_a_wrong_derivative_for_every_rule(
    name: str, restored_rules: pytest.MonkeyPatch
) -> None:
    fn, point = call(name), OPS[name].typical
    swap(restored_rules, wrong_version(R.RULES[name]))
    report = gradcheck(fn, *point)
    assert not report.ok
    assert [e.verdict for e in report.entries] == [WRONG] * len(point), str(report)
    with pytest.raises(GradientCheckError):
        gradcheck(fn, *point, raise_exception=True)


def test_after_the_wrong_rule_is_undone_gradcheck_passes_again(
    restored_rules: pytest.MonkeyPatch,
) -> None:
    fn, point = call("tanh"), OPS["tanh"].typical
    with pytest.MonkeyPatch.context() as patch:
        swap(patch, wrong_version(R.TANH))
        assert not gradcheck(fn, *point).ok
    assert gradcheck(fn, *point).ok


def test_a_wrong_tanh_rule_is_caught_inside_a_numpy_network(
    restored_rules: pytest.MonkeyPatch,
) -> None:
    # The classic slip: d tanh = 1 - out instead of 1 - out**2.
    swap(restored_rules, dataclasses.replace(R.TANH, local_grads=lambda m, out, x: (1.0 - out,)))

    def net(x: Any, W: Any) -> Any:
        return np.sum(np.tanh(np.dot(W, x)) ** 2)

    report = gradcheck(net, [1.0, -2.0], [[0.3, 0.1], [-0.2, 0.5]])
    assert {e.name for e in report.mismatches} == {"x[0]", "x[1]", "W[0,0]", "W[0,1]", "W[1,0]",
                                                   "W[1,1]"}  # fmt: skip
    assert "WRONG" in str(report).splitlines()[3]


def test_a_newly_registered_rule_with_a_wrong_derivative_is_caught() -> None:
    def cube(x: float) -> float:
        return x**3

    def cube_grads_wrong(m: Any, out: Any, x: Any) -> tuple[Any, ...]:
        return (2.0 * x * x,)  # should be 3 x^2

    rule = R.register("test_cube_wrong", "cube", cube, cube_grads_wrong, 1)
    try:
        report = gradcheck(lambda x: apply(rule, [x]) + x, 1.5)
        entry = report["x"]
        assert entry.verdict == WRONG
        assert entry.engine == pytest.approx(2 * 1.5**2 + 1)
        assert entry.numerical == pytest.approx(3 * 1.5**2 + 1, rel=1e-8)
    finally:
        del R.RULES["test_cube_wrong"]
    assert "test_cube_wrong" not in R.RULES


# ---------------------------------------------------------------- arguments and results


def test_numbers_values_lists_and_arrays_are_all_arguments() -> None:
    def f(a: Any, v: Any, xs: Any, M: Any) -> Any:
        return (a * v).tanh() + np.sum(np.dot(M, xs) ** 2) * a

    report = gradcheck(
        f, 0.5, Value(-1.5, label="v"), [1.0, 2.0], np.array([[0.1, 0.2], [0.3, 0.4]])
    )
    assert report.ok
    assert [e.name for e in report.entries] == [
        "a", "v", "xs[0]", "xs[1]", "M[0,0]", "M[0,1]", "M[1,0]", "M[1,1]",
    ]  # fmt: skip
    assert report.unchecked == ()


def test_star_args_are_named_by_position() -> None:
    report = gradcheck(lambda *xs: xs[0] * xs[1], 2.0, 3.0)
    assert [e.name for e in report.entries] == ["xs[0]", "xs[1]"]


def test_the_engine_column_is_sympys_exact_derivative() -> None:
    x, y = sp.symbols("x y", real=True)
    expr = x * sp.sin(y) + sp.exp(x * y) / (1 + y**2)
    point = {x: sp.Rational(3, 10), y: sp.Rational(-7, 10)}
    report = gradcheck(lambda a, b: a * b.sin() + (a * b).exp() / (1 + b**2), 0.3, -0.7)
    for entry, symbol in zip(report.entries, (x, y), strict=True):
        exact = float(sp.diff(expr, symbol).evalf(30, subs=point))
        assert math.isclose(entry.engine, exact, rel_tol=1e-13)
        assert math.isclose(entry.numerical, exact, rel_tol=1e-8)
        assert entry.abs_error == abs(entry.engine - entry.numerical)


def test_the_arguments_passed_are_not_touched() -> None:
    v = Value(0.8, label="v")
    v.grad = 5.0
    W = np.array([[1.0, 2.0]])
    gradcheck(lambda v, W: v * np.sum(W), v, W)
    assert (v.data, v.grad, v.label) == (0.8, 5.0, "v")
    np.testing.assert_array_equal(W, [[1.0, 2.0]])


def test_relu_at_zero_is_a_kink_and_not_a_failure() -> None:
    report = gradcheck(lambda x, y: x.relu() * 3.0 + y, 0.0, 1.0)
    assert report.ok
    assert report.verdicts() == {"x": KINK, "y": OK}
    assert report["x"].one_sided == pytest.approx((0.0, 3.0))


def test_where_the_function_cannot_be_evaluated_a_step_away_the_verdict_is_unclear() -> None:
    report = gradcheck(lambda x: x.log(), 1e-7)  # x - h < 0
    assert report.verdicts() == {"x": UNCLEAR}
    assert not report.ok
    assert "log" in report["x"].note


@pytest.mark.parametrize("eps", [1e-19, 1e-13, 0.05, 1.0])
def test_eps_outside_its_useful_range_is_a_clear_error(eps: float) -> None:
    # Regression (issue 11): eps=1 reported a smooth function as a kink and ok; eps=1e-19
    # loses the step in rounding. Steps from 1e-12 to 1e-2 (relative) are accepted.
    with pytest.raises(ValueError, match="eps must be between 1e-12 and 1e-2"):
        gradcheck(lambda x: x * x, 1e3, eps=eps)
    assert gradcheck(lambda x: x.sin(), 0.5, eps=1e-2).ok
    assert gradcheck(lambda x: x.sin(), 0.5, eps=1e-12).entries[0].verdict != "WRONG"


def test_an_infinite_engine_gradient_is_unclear() -> None:
    report = gradcheck(lambda x: x**0.5 + x * 0.0, 0.0)
    assert report.verdicts() == {"x": UNCLEAR} and not report.ok


def test_raise_exception_returns_the_report_when_it_passes() -> None:
    report = gradcheck(lambda x: x * x, 3.0, raise_exception=True)
    assert report.ok and report.kind == "gradcheck"
    lines = str(report).splitlines()
    assert lines[0] == "gradcheck: 1 ok (1 entry checked)"
    assert lines[1].split() == ["entry", "engine", "finite", "diff", "abs", "err", "rel", "err",
                                "verdict"]  # fmt: skip


def test_node_verdicts_name_leaves_of_report_loss() -> None:
    report = gradcheck(lambda a, b: a * b, 2.0, 3.0)
    assert report.loss is not None and report.loss.data == 6.0
    assert {node.label: verdict for node, verdict in report.node_verdicts().items()} == {
        "a": OK,
        "b": OK,
    }
    assert set(report.node_verdicts()) == set(report.loss.parents)


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: gradcheck(lambda x: x), ValueError, "give the point to check at"),
        (lambda: gradcheck(lambda x: x, 1.0, 2.0), TypeError, "f takes 1 positional argument"),
        (lambda: gradcheck(lambda x, y: x, 1.0), TypeError, "f also needs argument(s) y"),
        (lambda: gradcheck(3, 1.0), TypeError, "f must be callable, got int"),
        (lambda: gradcheck(lambda x: 2.0, 1.0), TypeError, "f returned the float 2.0"),
        (lambda: gradcheck(lambda x: x * 2, [1.0, 2.0]), ValueError, "array of shape (2,)"),
        (lambda: gradcheck(lambda x: x, math.nan), ValueError, "argument 'x'"),
        (lambda: gradcheck(lambda x: x, [1.0, math.inf]), ValueError, "x[1] is inf"),
        (lambda: gradcheck(lambda x: x, "1"), TypeError, "argument 'x'"),
        (lambda: gradcheck(lambda x: x, 1.0, eps=-1.0), ValueError, "eps must be positive"),
        (lambda: gradcheck(lambda x: x, 1.0, raise_exception=1), TypeError, "raise_exception"),
    ],
)
def test_bad_calls_are_clear_errors(call: Callable[[], Any], error: type, words: str) -> None:
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)


# ---------------------------------------------------------------- the kink rule on random functions

UNARY: dict[str, Callable[[Value], Value]] = {
    "tanh": lambda v: v.tanh(),
    "sin": lambda v: v.sin(),
    "exp": lambda v: v.exp(),
    "sigmoid": lambda v: v.sigmoid(),
    "square": lambda v: v * v,
}
coefficient = st.floats(min_value=-5.0, max_value=5.0, allow_nan=False)
terms = st.lists(
    st.tuples(st.sampled_from(sorted(UNARY)), coefficient, coefficient, coefficient, coefficient),
    min_size=1,
    max_size=4,
)
point = st.floats(min_value=-2.0, max_value=2.0, allow_nan=False)


def smooth(x: Value, y: Value, spec: list[tuple[str, float, float, float, float]]) -> Value:
    total = x * 0.0
    for op, a, b, c, d in spec:
        total = total + a * UNARY[op](b * x + c * y + d)
    return total


@settings(max_examples=60, deadline=None)
@given(terms, point, point)
def test_smooth_functions_never_get_a_kink_or_a_false_alarm(
    spec: list[tuple[str, float, float, float, float]], x: float, y: float
) -> None:
    report = gradcheck(lambda x, y: smooth(x, y, spec), x, y)
    assert report.ok and report.kinks == [], str(report)


@settings(max_examples=60, deadline=None)
@given(terms, point, point, st.floats(min_value=0.1, max_value=5.0), st.booleans())
def test_a_relu_or_abs_kink_at_the_point_is_always_found(
    spec: list[tuple[str, float, float, float, float]],
    x: float,
    y: float,
    jump: float,
    use_abs: bool,
) -> None:
    x0 = x

    def f(x: Value, y: Value) -> Value:
        at_zero = x - x0  # exactly 0 at the point checked
        bend = abs(at_zero) if use_abs else at_zero.relu()
        return jump * bend + smooth(x, y, spec)

    report = gradcheck(f, x, y)
    # The documented kink rule can only see a jump above the rounding noise of f at the small
    # step (1000 ulp(f) / h, h = 1e-7 max(1, |x|)); below it, no verdict may claim "ok" for a
    # slope the finite differences contradict, but "kink" cannot be required either.
    size = max(abs(f(Value(x), Value(y)).data), 1.0)
    noise_small = 1000 * math.ulp(size) / (1e-7 * max(1.0, abs(x)))
    if jump > 10 * noise_small:
        assert report["x"].verdict == KINK, str(report)
        assert report.ok
    else:
        assert report["x"].verdict in (KINK, OK, UNCLEAR), str(report)
        if report["x"].verdict == OK:
            entry = report["x"]
            assert abs(entry.engine - entry.numerical) <= 1e-5 + 1e-3 * abs(entry.numerical)


def test_a_kink_hidden_by_rounding_noise_is_unclear_not_ok() -> None:
    # Regression: slope 0 (engine) against 0.25 (differences) passed as "ok" because f is
    # 1.6e7, whose rounding noise at the step swallowed the difference.
    report = gradcheck(lambda x, y: 0.5 * (x - 0.3).relu() + 5 * (5 * y + 5).exp(), 0.3, 2.0)
    assert report["x"].verdict == UNCLEAR
    assert "rounding noise" in report["x"].note
    assert not report.ok


def test_a_subnormal_function_is_smooth_not_a_kink() -> None:
    # Regression: values near 1e-310 are spaced by an absolute 5e-324, so the noise floor
    # of the differences must not shrink with |f| below the normal range.
    report = gradcheck(lambda x, y: 1e-310 * (x + 0.5 * y + 0.1).tanh(), 0.3, -0.7)
    assert [e.verdict for e in report.entries] == [OK, OK], str(report)


def test_a_report_is_truthy_exactly_when_it_is_ok() -> None:
    # Regression: bool(report) was always True, so `assert gradcheck(f, x)` could never fail.
    good = gradcheck(lambda x: x * x, 1.5)
    wrong_mul = wrong_version(R.MUL)
    bad = gradcheck(lambda x: apply(wrong_mul, [x, x]), 1.5)
    assert good.ok and bool(good) is True
    assert not bad.ok and bool(bad) is False
    with pytest.raises(AssertionError):
        assert gradcheck(lambda x: apply(wrong_mul, [x, x]), 1.5)


def test_the_report_has_the_engines_and_the_differences_arrays_per_argument() -> None:
    x, W = 0.5, np.array([[0.25, -1.0], [2.0, 0.5]])
    report = gradcheck(lambda x, W: np.sum(np.tanh(W * x)), x, W)
    assert set(report.engine) == {"x", "W"} and set(report.numerical) == {"x", "W"}
    dW = x * (1 - np.tanh(W * x) ** 2)  # d/dW sum(tanh(W x)), written out by hand
    dx = float(np.sum(W * (1 - np.tanh(W * x) ** 2)))
    np.testing.assert_allclose(report.engine["W"], dW, rtol=1e-12)
    np.testing.assert_allclose(report.numerical["W"], dW, rtol=1e-6)
    assert report.engine["x"].shape == () and math.isclose(float(report.engine["x"]), dx)
    assert report.cross_checks["W"] == "central differences on each of its 4 entries"
