"""Every rule in the table, checked against sympy's exact derivative and central differences."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest
import sympy as sp

from autograd_lite import DomainError, Value, rules
from autograd_lite.core.value import apply

from .op_table import OPS, arity_ok, bound_rules
from .oracles import central_difference, close, exact_gradient, real_number


def _cases() -> list[tuple[rules.Rule, tuple[float, ...]]]:
    return [
        (rule, point)
        for name, case in OPS.items()
        for rule in bound_rules(name)
        for point in case.points
        if arity_ok(name, point)
    ]


def _engine_gradient(rule: rules.Rule, point: tuple[float, ...]) -> list[float]:
    leaves = [Value(v) for v in point]
    apply(rule, leaves).backward()
    return [leaf.grad for leaf in leaves]


def _forward_or_none(rule: rules.Rule, point: Sequence[float]) -> float | None:
    try:
        return rule.forward(*point)
    except DomainError:
        return None


def test_every_rule_has_a_row() -> None:
    assert set(rules.RULES) == set(OPS)


@pytest.mark.parametrize(("rule", "point"), _cases(), ids=repr)
def test_rule_matches_sympy_and_finite_differences(
    rule: rules.Rule, point: tuple[float, ...]
) -> None:
    out = _forward_or_none(rule, point)
    if out is None or not all(math.isfinite(x) for x in point):
        return  # domain errors and NaN: test_forward_values_match_sympy
    if not math.isfinite(out):
        return  # overflow is inf (docs/conventions.md): so is the derivative, near 1.8e308
    if rule.kinks and point[0] in rule.kinks:
        return  # test_kinks_use_the_documented_convention
    engine = _engine_gradient(rule, point)
    exact = exact_gradient(OPS[rule.name].sympy, rule.param, point)
    for i, (e, x) in enumerate(zip(engine, exact, strict=True)):
        if not math.isfinite(x):
            continue  # sympy: not a finite real derivative (0 ** x at 0, (-2) ** x)
        # Relative 1e-12, plus an absolute floor for exact results below float resolution
        # (tanh'(50) is 1.8e-43 but 1 - tanh(50)**2 is 0.0 in float64).
        assert close(e, x, rel=1e-12, abs_=1e-15), (rule, point, i, e, x)
    for i in range(len(point)):
        if not math.isfinite(engine[i]):
            continue
        try:
            fd = central_difference(rule.forward, point, i)
        except DomainError:
            continue  # the point sits on the domain's edge (0 ** 2.5 at 0)
        assert close(engine[i], fd, rel=1e-5, abs_=1e-7), (rule, point, i, engine[i], fd)


@pytest.mark.parametrize(("rule", "point"), _cases(), ids=repr)
def test_forward_values_match_sympy(rule: rules.Rule, point: tuple[float, ...]) -> None:
    out = _forward_or_none(rule, point)
    if not all(math.isfinite(x) for x in point):
        assert out is not None and math.isnan(out)  # NaN in, NaN out: never a domain error
        return
    symbols = sp.symbols(f"x0:{len(point)}", real=True)
    expr = OPS[rule.name].sympy(rule.param, *symbols)
    # Exact rationals (every float is one): at 40-digit Floats, log(1 + x) at x = -1 or
    # exp(x) - 1 at 0 would keep a rounding residue.
    subs = {s: sp.Rational(v) for s, v in zip(symbols, point, strict=True)}
    exact = real_number(expr.subs(subs), {})
    if out is None:
        # Outside the domain sympy gives no finite real number, or one too large for a
        # float (exp(710)).
        assert math.isnan(exact) or abs(exact) > 1.7e308, (rule, point, exact)
        with pytest.raises(DomainError) as info:
            apply(rule, [Value(x, label="here") for x in point])
        assert info.value.op == rule.name and "'here'" in str(info.value)
        return
    assert close(out, exact, rel=1e-13, abs_=1e-300), (rule, point, out, exact)


@pytest.mark.parametrize("rule", [r for r in rules.RULES.values() if r.kinks], ids=repr)
def test_kinks_use_the_documented_convention(rule: rules.Rule) -> None:
    # At a kink the one-sided derivatives differ (sympy, piece by piece); the engine takes
    # 0 there, as PyTorch does.
    left, right = OPS[rule.name].pieces or (None, None)
    assert left is not None and right is not None, f"{rule.name} has kinks but no pieces"
    x = sp.Symbol("x", real=True)
    for kink in rule.kinks:
        slopes = {float(sp.diff(piece(None, x), x).subs(x, kink)) for piece in (left, right)}
        assert len(slopes) == 2, (rule, slopes)
        assert _engine_gradient(rule, (kink,)) == [0.0]


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


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"method": "twice"}, "give it a numpy= forward"),
        ({"functions": ("twice",), "numpy": abs}, None),
        ({"functions": ("exp",), "numpy": abs}, "already taken"),
    ],
)
def test_register_checks_what_the_rest_of_the_package_needs(
    kwargs: dict[str, object], words: str | None
) -> None:
    try:
        if words is None:
            rule = rules.register(
                "test_twice", "2x", lambda x: 2 * x, lambda m, out, x: (2.0,), 1, **kwargs
            )
            assert rule.functions == ("twice",)
        else:
            with pytest.raises(ValueError, match=words):
                rules.register(
                    "test_twice", "2x", lambda x: 2 * x, lambda m, out, x: (2.0,), 1, **kwargs
                )
    finally:
        rules.RULES.pop("test_twice", None)
    with pytest.raises(ValueError, match="one-input rule"):
        rules.register("test_pair", "p", rules.add, rules.add_grads, 2, method="pair", numpy=abs)
    assert "test_pair" not in rules.RULES
