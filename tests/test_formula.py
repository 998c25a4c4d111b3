"""autograd_lite.draw.formula: formulas become Value graphs; anything else is refused."""

from __future__ import annotations

import math
import sys

import pytest

from autograd_lite import Value
from autograd_lite.draw.formula import FUNCTIONS, MAX_LENGTH, ExpressionError, evaluate, parse

AT = {"x": 2.0, "w": -3.0, "b": 6.88}


def test_neuron_formula_values_and_gradients() -> None:
    y, inputs = evaluate("tanh(x*w + b)", AT)
    assert list(inputs) == ["x", "w", "b"]  # order of first use
    assert [v.label for v in inputs.values()] == ["x", "w", "b"]
    assert y.op == "tanh"
    assert y.data == pytest.approx(math.tanh(2 * -3 + 6.88))
    y.backward()
    local = 1 - math.tanh(0.88) ** 2
    assert inputs["x"].grad == pytest.approx(-3 * local)
    assert inputs["w"].grad == pytest.approx(2 * local)
    assert inputs["b"].grad == pytest.approx(local)


def test_a_reused_variable_is_one_node() -> None:
    y, inputs = evaluate("x*x + x", {"x": 3})
    y.backward()
    assert list(inputs) == ["x"] and inputs["x"].grad == 7.0


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("x - w", 5.0),
        ("x / 4", 0.5),
        ("-x", -2.0),
        ("+x", 2.0),
        ("x ** 3", 8.0),
        ("2 ** x", 4.0),
        ("x ** x", 4.0),
        ("exp(0*x)", 1.0),
        ("log(x)", math.log(2)),
        ("relu(w)", 0.0),
        ("sigmoid(0*x)", 0.5),
        ("abs(w)", 3.0),
        ("sin(0*x)", 0.0),
        ("cos(0*x)", 1.0),
        ("sqrt(x*8)", 4.0),
        ("pi * x", 2 * math.pi),
        ("e ** 0 * x", 2.0),
        ("1.5e1 + x", 17.0),
        ("(x + 1) * (x - 1)", 3.0),
        ("3", 3.0),
    ],
)
def test_allowed_formulas(text: str, value: float) -> None:
    y, _ = evaluate(text, AT)
    assert isinstance(y, Value)
    assert y.data == pytest.approx(value)


def test_every_function_is_allowed() -> None:
    for name in FUNCTIONS:
        y, _ = evaluate(f"{name}(x)", {"x": 0.5})
        assert isinstance(y, Value) and y.parents


def test_constant_exponent_uses_the_power_rule() -> None:
    y, _ = evaluate("x ** 2", AT)
    assert y.op == "pow" and y.rule is not None and y.rule.symbol == "**2"
    y, _ = evaluate("x * -3", AT)
    assert [p.data for p in y.parents] == [2.0, -3.0]  # -3 is a constant, not a neg node


def test_a_variable_overrides_a_constant_name() -> None:
    y, inputs = evaluate("e * 2", {"e": 1.0})
    assert y.data == 2.0 and list(inputs) == ["e"]


def test_values_can_be_passed_in() -> None:
    x = Value(2.0, "my x")
    y, inputs = evaluate("x * x", {"x": x})
    assert inputs["x"] is x and y.parents == (x, x)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("__import__('os')", "calling '__import__'"),
        ("__import__('os').system('ls')", "not allowed"),
        ("os.system('ls')", "calling 'os.system'"),
        ("x.real", "attribute access ('.real')"),
        ("x.__class__", "attribute access"),
        ("open('f')", "calling 'open'"),
        ("eval('1')", "calling 'eval'"),
        ("exp(x, 2)", "exactly one argument"),
        ("exp(x=1)", "exactly one argument"),
        ("exp(*x)", "exactly one argument"),
        ("(lambda: 1)()", "not allowed"),
        ("x[0]", "Subscript"),
        ("[x for x in w]", "ListComp"),
        ("x if w else b", "IfExp"),
        ("x < w", "Compare"),
        ("x and w", "BoolOp"),
        ("not x", "Not"),
        ("x // 2", "FloorDiv"),
        ("x % 2", "Mod"),
        ("x @ w", "MatMult"),
        ("'text'", "only real numbers"),
        ("True", "only real numbers"),
        ("1j * x", "only real numbers"),
        ("...", "only real numbers"),
        ("f'{x}'", "JoinedStr"),
        ("(x := 3)", "NamedExpr"),
        ("__builtins__", "name '__builtins__'"),
        ("x +", "cannot parse"),
        ("x = 3", "cannot parse"),
        ("import os", "cannot parse"),
        ("", "empty"),
        ("   ", "empty"),
    ],
)
def test_disallowed_or_malformed(text: str, words: str) -> None:
    with pytest.raises(ExpressionError) as info:
        evaluate(text, AT)
    assert words in str(info.value)


def test_missing_variable_names_it_and_how_to_give_it() -> None:
    with pytest.raises(ExpressionError, match=r"variable 'q' .* --at q=1.0 .*b, w, x"):
        evaluate("x * q", AT)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("log(w)", "log"),
        ("x / 0", "division by zero"),
        ("1 / (x - x)", "division by zero"),
        ("sin(x / 1e-308 / 1e-308)", "sin"),
        ("w ** 0.5", "negative base"),
        ("(-8) ** (1/3)", "negative base"),
    ],
)
def test_domain_errors_are_expression_errors(text: str, words: str) -> None:
    with pytest.raises(ExpressionError, match="cannot compute") as info:
        evaluate(text, AT)
    assert words in str(info.value)


def test_a_number_too_large_for_a_float_is_an_expression_error() -> None:
    with pytest.raises(ExpressionError, match=r"column 5 \(401 digits\) is too large"):
        evaluate("x + 1" + "0" * 400, AT)


def test_overflow_is_inf_as_in_the_engine() -> None:
    # docs/conventions.md: a result too large for a float is inf, in every op.
    assert evaluate("exp(1000 * x)", AT)[0].data == math.inf
    assert evaluate("10 ** 400", AT)[0].data == math.inf


def test_size_and_nesting_limits() -> None:
    with pytest.raises(ExpressionError, match="characters long"):
        parse("x+" * MAX_LENGTH + "x")
    with pytest.raises(ExpressionError, match="nested too deeply"):
        evaluate("-" * 5000 + "x", AT)
    with pytest.raises(ExpressionError, match="nested") as info:
        evaluate("(" * 3000 + "x" + ")" * 3000, AT)
    assert len(str(info.value)) < 200  # the formula is not echoed whole


def test_the_nesting_limit_does_not_depend_on_the_recursion_limit() -> None:
    # Regression: with sys.setrecursionlimit(10_000) (a benchmark imported earlier in the
    # same process sets it), "-" * 5000 + "x" was evaluated instead of refused.
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(20_000)
    try:
        with pytest.raises(ExpressionError, match="nested too deeply"):
            evaluate("-" * 5000 + "x", AT)
    finally:
        sys.setrecursionlimit(previous)
    y, _ = evaluate("-" * 300 + "x", AT)  # within the limit: evaluated
    assert y.data == AT["x"]


def test_parse_rejects_non_strings() -> None:
    with pytest.raises(ExpressionError, match="str"):
        parse(3)  # type: ignore[arg-type]


def test_error_is_a_value_error() -> None:
    assert issubclass(ExpressionError, ValueError)
