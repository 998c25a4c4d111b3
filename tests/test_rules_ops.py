"""Every op under every name users call it by, from the rule table and the per-op test table.

For each rule: the ``Value`` method, each ``autograd_lite`` function, the numpy ufunc on object
arrays of Values, the formula parser and CLI, drawings and ``explain``. Gradients are compared
with sympy's exact derivative at the op's typical point (``tests/op_table.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sympy as sp

import autograd_lite as al
from autograd_lite import Value, rules
from autograd_lite.core.value import apply
from autograd_lite.draw.cli import build_parser, main
from autograd_lite.draw.formula import FUNCTIONS, evaluate

from .op_table import OPS
from .oracles import central_difference, close, exact_gradient

ONE_INPUT = [r for r in rules.RULES.values() if r.arity == 1 and not r.parametrised]
NAMED = [(r, name) for r in rules.RULES.values() for name in r.functions]


def _check(rule: rules.Rule, leaves: list[Value], out: Value) -> None:
    """out is the rule applied to leaves: its value and gradients match sympy."""
    point = [leaf.data for leaf in leaves]
    assert out.op == rule.name
    assert out.data == rule.forward(*point)
    for leaf in leaves:
        leaf.grad = 0.0
    out.backward()
    exact = exact_gradient(OPS[rule.name].sympy, rule.param, point)
    for leaf, want in zip(leaves, exact, strict=True):
        assert close(leaf.grad, want, rel=1e-12, abs_=1e-15), (rule, leaf.grad, want)


@pytest.mark.parametrize("rule", [r for r in rules.RULES.values() if r.method], ids=repr)
def test_value_method(rule: rules.Rule) -> None:
    assert rule.method is not None
    x = Value(OPS[rule.name].typical[0])
    attribute = getattr(x, rule.method)
    out = attribute if rule.attribute else attribute()
    _check(rule, [x], out)
    assert getattr(Value, rule.method).__doc__ == (rule.doc or f"The ``{rule.name}`` op.")


def test_every_method_and_function_comes_from_the_table() -> None:
    methods = {r.method for r in rules.RULES.values() if r.method}
    # Installed methods are made by value_extras.install_methods (and the one-input ones
    # replaced by fast.unary_method's copies), both functions whose code is "method".
    installed = {
        name
        for name, f in vars(Value).items()
        if getattr(getattr(getattr(f, "fget", f), "__code__", None), "co_name", "") == "method"
        and not name.startswith("__")  # -x and abs(x): fast copies of Value's own operators
    }
    assert installed == methods
    names = {name for _, name in NAMED}
    assert names == set(al.OP_FUNCTIONS) == set(FUNCTIONS)
    # Every op function is importable from the top level (al.tanh, from autograd_lite import
    # tanh); the short top level (__all__) names only the common ones.
    assert all(getattr(al, name) is al.OP_FUNCTIONS[name] for name in names)


@pytest.mark.parametrize(("rule", "name"), NAMED, ids=[n for _, n in NAMED])
def test_autograd_lite_function(rule: rules.Rule, name: str) -> None:
    f = getattr(al, name)
    t = OPS[rule.name].typical[0]
    x = Value(t)
    _check(rule, [x], f(x))
    number = f(t)
    assert isinstance(number, float) and number == rule.forward(t)
    assert f.__name__ == name and rule.doc in f.__doc__


@pytest.mark.parametrize("rule", [r for r in rules.RULES.values() if r.ufunc], ids=repr)
def test_numpy_ufunc_on_object_arrays(rule: rules.Rule) -> None:
    assert rule.ufunc is not None and rule.arity is not None
    typical = OPS[rule.name].typical
    # Two samples per input: the typical point and a nearby one.
    columns = [np.array([Value(t), Value(t * 1.1)], dtype=object) for t in typical]
    out = getattr(np, rule.ufunc)(*columns)
    assert out.dtype == object and out.shape == (2,)
    for j in range(2):
        leaves = [c[j] for c in columns]
        point = [leaf.data for leaf in leaves]
        assert close(out[j].data, rule.forward(*point), rel=1e-15)
        for leaf in leaves:
            leaf.grad = 0.0
        out[j].backward()
        exact = exact_gradient(OPS[rule.name].sympy, None, point)
        for leaf, want in zip(leaves, exact, strict=True):
            assert close(leaf.grad, want, rel=1e-12, abs_=1e-15), (rule, j, leaf.grad, want)


@pytest.mark.parametrize(("rule", "name"), NAMED, ids=[n for _, n in NAMED])
def test_formula_parser(rule: rules.Rule, name: str) -> None:
    t = OPS[rule.name].typical[0]
    y, inputs = evaluate(f"{name}(x)", {"x": t})
    _check(rule, [inputs["x"]], y)


def test_formula_cli_help_lists_every_function() -> None:
    description = build_parser().description
    assert description is not None
    for _, name in NAMED:
        assert f" {name}," in description or f" {name}." in description


@pytest.mark.parametrize("rule", ONE_INPUT, ids=repr)
def test_drawing_and_formula_cli(rule: rules.Rule, tmp_path: Path) -> None:
    t = OPS[rule.name].typical[0]
    x = Value(t, label="x")
    y = apply(rule, [x])
    assert rule.symbol in al.draw_graph(y).source
    if rule.functions:
        path = tmp_path / "graph.dot"
        assert main([f"{rule.functions[0]}(x)", "--at", f"x={t!r}", "-o", str(path)]) == 0
        assert rule.symbol in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("rule", ONE_INPUT, ids=repr)
def test_explain_writes_the_op_and_its_derivative(rule: rules.Rule) -> None:
    t = OPS[rule.name].typical[0]
    x = Value(t, label="x")
    y = apply(rule, [x])
    y.label = "y"
    explanation = al.explain(y)
    assert f"y = {rule.text(['x'])} = " in str(explanation)
    assert rule.latex_text(["\\text{x}"]) in explanation.to_latex()
    (exact,) = exact_gradient(OPS[rule.name].sympy, None, [t])
    assert close(explanation["x"].grad, exact, rel=1e-12, abs_=1e-15)


def test_kinks_are_where_checks_look() -> None:
    # gradcheck notes a kink for every op that has one, at the kink.
    for rule in rules.RULES.values():
        for kink in rule.kinks:
            report = al.gradcheck(lambda x, r=rule: apply(r, [x]) * 1.0, kink)
            assert report.kinks, (rule, str(report))


def test_sympy_rows_are_the_op() -> None:
    # The test table's sympy builder agrees with the rule's forward at the typical point,
    # so a row cannot silently describe another function.
    for name, case in OPS.items():
        rule = rules.RULES[name]
        bound = rule.with_param(case.params[0]) if rule.parametrised else rule
        symbols = sp.symbols(f"x0:{len(case.typical)}", real=True)
        expr: Any = case.sympy(bound.param, *symbols)
        exact = float(expr.evalf(30, subs=dict(zip(symbols, case.typical, strict=True))))
        assert close(bound.forward(*case.typical), exact, rel=1e-13), name


# ------------------------------------------------------------ numpy functions on arrays of Values

_POINT = np.array([[1.0, 2.0, 4.0], [0.5, -1.5, 3.0]])

# name -> f(X) built from numpy on an array; run once on Values, once on floats for the
# central differences. var/std/norm call conjugate() on every element.
NUMPY_FUNCTIONS: dict[str, Any] = {
    "var": lambda X: np.var(X),
    "var axis=0": lambda X: np.sum(np.var(X, axis=0)),
    "var axis=1 ddof=1": lambda X: np.sum(np.var(X, axis=1, ddof=1)),
    "std": lambda X: np.std(X),
    "std axis=0 ddof=1": lambda X: np.sum(np.std(X, axis=0, ddof=1) * np.array([1.0, 2.0, 3.0])),
    "std axis=1": lambda X: np.sum(np.std(X, axis=1)),
    "norm": lambda X: np.linalg.norm(X),
    "norm fro": lambda X: np.linalg.norm(X, "fro"),
    "norm axis=1": lambda X: np.sum(np.linalg.norm(X, axis=1)),
    "norm axis=0 ord=2": lambda X: np.sum(np.linalg.norm(X, ord=2, axis=0)),
    "norm ord=1": lambda X: np.linalg.norm(X[0], ord=1),
    "norm ord=3": lambda X: np.linalg.norm(X.ravel(), ord=3),
    "norm ord=0.5": lambda X: np.linalg.norm(X[1], ord=0.5),
    "norm ord=-1.5 axis=1": lambda X: np.sum(np.linalg.norm(X, ord=-1.5, axis=1)),
    "norm ord=3 axis=0": lambda X: np.sum(np.linalg.norm(X, ord=3, axis=0)),
    "layer norm": lambda X: np.sum(
        ((X - np.mean(X, axis=1, keepdims=True)) / np.sqrt(np.var(X, axis=1, keepdims=True) + 1e-5))
        * np.array([0.3, -1.2, 2.0])
    ),
    "log1p": lambda X: np.sum(np.log1p(X * X)),
    "expm1": lambda X: np.sum(np.expm1(X * 0.5)),
    "exp2": lambda X: np.sum(np.exp2(X)),
    "log2": lambda X: np.sum(np.log2(X * X + 1.0)),
    "log10": lambda X: np.sum(np.log10(X * X + 1.0)),
    "sinh": lambda X: np.sum(np.sinh(X)),
    "cosh": lambda X: np.sum(np.cosh(X)),
    "arctan": lambda X: np.sum(np.arctan(X)),
    "square": lambda X: np.sum(np.square(X) * X),
    "reciprocal": lambda X: np.sum(np.reciprocal(X)),
    "real": lambda X: np.sum(np.real(X) * X),
}


@pytest.mark.parametrize("name", sorted(NUMPY_FUNCTIONS))
def test_numpy_functions_differentiate_object_arrays(name: str) -> None:
    f = NUMPY_FUNCTIONS[name]
    X = np.array([[Value(v) for v in row] for row in _POINT], dtype=object)
    out = f(X)
    assert isinstance(out, Value)
    assert close(out.data, float(f(_POINT)), rel=1e-12)
    out.backward()
    flat = _POINT.ravel()

    def g(*xs: float) -> float:
        return float(f(np.array(xs).reshape(_POINT.shape)))

    for i, leaf in enumerate(X.ravel()):
        numerical = central_difference(g, list(flat), i)
        assert close(leaf.grad, numerical, rel=1e-6, abs_=1e-8), (name, i, leaf.grad, numerical)


def test_conjugate_and_real_are_the_identity_on_values() -> None:
    x = Value(-2.5, label="x")
    assert x.conjugate().data == -2.5 and x.real.data == -2.5
    assert np.real(x).op == "real" and np.conjugate(x).op == "conjugate"
    assert al.conj(3.0) == 3.0 and al.real(3.0) == 3.0
