"""Every rule in the table, checked against sympy's exact derivative and central differences."""

from __future__ import annotations

import math

import pytest

from autograd_lite import Value, rules
from autograd_lite.core.value import apply

from .oracles import SYMPY_RULES, central_difference, close, exact_gradient

# (param, point, smooth): smooth=False marks a kink where finite differences legitimately
# disagree with the engine's convention, checked separately below.
CASES: dict[str, list[tuple[float | None, tuple[float, ...], bool]]] = {
    "add": [(None, (1.5, -2.0), True), (None, (0.0, 0.0), True), (None, (10.0, 0.25), True)],
    "sub": [(None, (1.5, -2.0), True), (None, (-3.0, 7.25), True)],
    "mul": [(None, (1.5, -2.0), True), (None, (0.0, 4.0), True), (None, (-1e-5, 1e5), True)],
    "div": [(None, (1.5, -2.0), True), (None, (3.0, 1e-4), True), (None, (-7.0, 3.0), True)],
    "neg": [(None, (2.5,), True), (None, (0.0,), True)],
    "pow": [
        (2.0, (3.0,), True),
        (2.0, (-3.0,), True),
        (3.0, (-1.5,), True),
        (0.5, (4.0,), True),
        (-1.0, (0.25,), True),
        (-2.0, (-2.0,), True),
        (0.0, (5.0,), True),
        (1.0, (-2.0,), True),
        (2.5, (1e-3,), True),
    ],
    "rpow": [(2.0, (3.0,), True), (0.5, (-1.25,), True), (10.0, (0.3,), True)],
    "vpow": [(None, (2.0, 3.0), True), (None, (0.5, -1.5), True), (None, (3.0, 0.0), True)],
    "exp": [(None, (0.0,), True), (None, (-3.0,), True), (None, (700.0,), True),
            (None, (-700.0,), True)],
    "log": [(None, (1.0,), True), (None, (1e-8,), True), (None, (1e-300,), True),
            (None, (1e10,), True)],
    "tanh": [(None, (0.3,), True), (None, (-2.0,), True), (None, (50.0,), True),
             (None, (-50.0,), True), (None, (0.0,), True)],
    "sigmoid": [(None, (0.3,), True), (None, (-30.0,), True), (None, (30.0,), True),
                (None, (-700.0,), True), (None, (0.0,), True)],
    "relu": [(None, (0.7,), True), (None, (-0.7,), True), (None, (0.0,), False)],
    "abs": [(None, (0.7,), True), (None, (-0.7,), True), (None, (0.0,), False)],
    "sin": [(None, (0.0,), True), (None, (2.0,), True), (None, (-10.0,), True)],
    "cos": [(None, (0.0,), True), (None, (2.0,), True), (None, (-10.0,), True)],
    "sum": [(None, (1.0,), True), (None, (1.0, -2.0, 3.5), True)],
    "dot": [(None, (1.0, 2.0), True), (None, (1.0, -2.0, 0.5, 3.0, 4.0, -1.0), True)],
    "linear": [(None, (1.0, 2.0, 0.5), True), (None, (1.0, -2.0, 3.0, 4.0, 0.25), True)],
}


def _rule(name: str, param: float | None) -> rules.Rule:
    rule = rules.RULES[name]
    return rule.with_param(param) if rule.parametrised else rule


def _engine_gradient(rule: rules.Rule, point: tuple[float, ...]) -> list[float]:
    leaves = [Value(v) for v in point]
    apply(rule, leaves).backward()
    return [leaf.grad for leaf in leaves]


def test_every_rule_has_an_oracle_and_cases() -> None:
    assert set(rules.RULES) == set(SYMPY_RULES)
    assert set(rules.RULES) == set(CASES)


@pytest.mark.parametrize(
    ("name", "param", "point"),
    [(n, p, x) for n, cases in CASES.items() for p, x, smooth in cases if smooth],
)
def test_rule_matches_sympy_and_finite_differences(
    name: str, param: float | None, point: tuple[float, ...]
) -> None:
    rule = _rule(name, param)
    engine = _engine_gradient(rule, point)
    exact = exact_gradient(SYMPY_RULES[name], param, point)
    for i, (e, x) in enumerate(zip(engine, exact, strict=True)):
        # Relative 1e-12, plus an absolute floor for exact results below float resolution
        # (tanh'(50) is 1.8e-43 but 1 - tanh(50)**2 is 0.0 in float64).
        assert close(e, x, rel=1e-12, abs_=1e-15), (name, param, point, i, e, x)
    for i in range(len(point)):
        fd = central_difference(rule.forward, point, i)
        assert close(engine[i], fd, rel=1e-5, abs_=1e-7), (name, param, point, i, engine[i], fd)


def test_forward_values_match_sympy() -> None:
    import sympy as sp

    for name, cases in CASES.items():
        for param, point, _ in cases:
            rule = _rule(name, param)
            symbols = sp.symbols(f"x0:{len(point)}", real=True)
            expr = SYMPY_RULES[name](param, *symbols)
            exact = float(expr.evalf(40, subs=dict(zip(symbols, point, strict=True))))
            assert close(rule.forward(*point), exact, rel=1e-13, abs_=1e-300), (name, point)


@pytest.mark.parametrize("name", ["relu", "abs"])
def test_kinks_use_the_documented_convention(name: str) -> None:
    # At 0 the one-sided derivatives differ; the engine takes 0, as PyTorch does.
    assert _engine_gradient(rules.RULES[name], (0.0,)) == [0.0]
    assert central_difference(rules.RULES[name].forward, (0.0,), 0) != 0.0 or name == "abs"


def test_large_inputs_do_not_overflow() -> None:
    assert Value(1000.0).tanh().data == 1.0
    assert Value(-1000.0).tanh().data == -1.0
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).sigmoid().data == 1.0
    s = Value(-1000.0)
    y = s.sigmoid()
    y.backward()
    assert s.grad == 0.0 and math.isfinite(s.grad)


def test_parametrised_rules_are_cached_and_named() -> None:
    assert rules.POW.with_param(2.0) is rules.POW.with_param(2.0)
    assert rules.POW.with_param(2.0).symbol == "**2"
    assert rules.RPOW.with_param(0.5).symbol == "0.5**"
    with pytest.raises(TypeError, match="takes no parameter"):
        rules.MUL.with_param(2.0)


def test_missing_rule_is_an_error_naming_the_op() -> None:
    with pytest.raises(KeyError, match="no derivative rule for op 'frobnicate'"):
        rules.get_rule("frobnicate")
    assert rules.get_rule("mul") is rules.MUL


def test_register_refuses_duplicates() -> None:
    with pytest.raises(ValueError, match="already registered"):
        rules.register("mul", "*", rules.mul, rules.mul_grads, 2)
