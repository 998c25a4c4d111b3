"""The tape backend of compile: against the interpreter, the source backend and central
differences, on every op, at the special points, on random graphs, and its errors."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import autograd_lite as al
from autograd_lite import DivisionByZeroError, DomainError, Value, rules
from autograd_lite.core.engine import gradients
from autograd_lite.core.value import apply
from autograd_lite.jit import compiler

from .op_table import OPS, arity_ok, bound_rules


def same(a: float, b: float, rel: float = 1e-12, tiny: float = 1e-300) -> bool:
    """Equal up to rounding; nan matches nan, an infinity only itself."""
    if math.isnan(b) or math.isinf(b):
        return math.isnan(a) if math.isnan(b) else a == b
    return abs(a - b) <= rel * abs(b) + tiny


def interpreter(f: Callable[..., Value], xs: Sequence[float]) -> tuple[float, list[float]]:
    leaves = [Value(x) for x in xs]
    out = f(*leaves)
    return out.data, list(gradients(out, leaves))


def outcome(run: Callable[[], Any]) -> Any:
    """What a call gives: its result, or the type of the error it raised."""
    try:
        return run()
    except (ArithmeticError, ValueError) as err:
        return type(err)


def assert_agree(f: Callable[..., Value], example: Sequence[float], point: Sequence[float]) -> None:
    """The tape, the source backend and the interpreter give the same value and gradients
    (or raise the same error) at ``point``."""
    tape = al.compile(f, *example, backend="tape")
    source = al.compile(f, *example, backend="source")
    want = outcome(lambda: interpreter(f, point))
    got = outcome(lambda: tape(*point))
    if isinstance(want, type):
        assert got is want, (got, want)
        assert outcome(lambda: source(*point)) is want
        return
    assert not isinstance(got, type), got
    value, grads = got
    s_value, s_grads = source(*point)
    # The value exactly: the tape runs arithmetic in numpy (the same IEEE operations) and
    # every other op through the rule's own float function.
    assert same(value, want[0], 0.0, 0.0) and same(value, s_value, 0.0, 0.0), (value, want[0])
    for g, s, w in zip(grads, s_grads, want[1], strict=True):
        assert same(g, w, 1e-9, 1e-12) and same(g, s, 1e-9, 1e-12), (g, s, w)


# --------------------------------------------------------------------------- every op


def _cases() -> list[tuple[rules.Rule, tuple[float, ...]]]:
    return [
        (rule, point)
        for name in sorted(rules.RULES)
        for rule in bound_rules(name)
        for point in OPS[name].points
        if arity_ok(name, point)
    ]


@pytest.mark.parametrize(("rule", "point"), _cases(), ids=repr)
def test_every_op_at_its_edge_points(rule: rules.Rule, point: tuple[float, ...]) -> None:
    def f(*xs: Value) -> Value:
        return apply(rule, list(xs)) * 1.5

    typical = OPS[rule.name].typical[: len(point)]
    # Traced where the op is defined; run at the edge point (where it may raise).
    for example in (typical, point):
        if len(example) == len(point) and defined(f, example):
            assert_agree(f, example, point)
            return
    assert not defined(f, point)


def defined(f: Callable[..., Value], point: Sequence[float]) -> bool:
    return not isinstance(outcome(lambda: interpreter(f, point)), type)


@pytest.mark.parametrize("name", sorted(rules.RULES))
def test_every_op_against_central_differences(name: str) -> None:
    rule = bound_rules(name)[0]
    point = OPS[name].typical
    if not arity_ok(name, point):
        point = point[:-1]

    def f(*xs: Value) -> Value:
        return apply(rule, list(xs)) * 1.5 + xs[0]

    _, grads = al.compile(f, *point, backend="tape")(*point)
    for k, g in enumerate(grads):
        assert same(g, central_difference(f, point, k), 1e-6, 1e-8), (name, k)


def central_difference(
    f: Callable[..., Value], point: Sequence[float], k: int, step: float = 1e-6
) -> float:
    h = step * max(1.0, abs(point[k]))
    up = [*point[:k], point[k] + h, *point[k + 1 :]]
    down = [*point[:k], point[k] - h, *point[k + 1 :]]
    return (f(*map(Value, up)).data - f(*map(Value, down)).data) / (2 * h)


# --------------------------------------------------------------------------- special points


SPECIAL: list[tuple[str, Callable[..., Value], tuple[float, ...]]] = [
    ("relu'(0)", lambda x: x.relu(), (0.0,)),
    ("abs'(0)", lambda x: abs(x), (0.0,)),
    ("relu'(nan)", lambda x: x.relu(), (math.nan,)),
    ("0*inf through an inactive relu", lambda x: x.relu().sqrt(), (-1.0,)),
    ("0*inf through a product", lambda x: (x * 0.0).sqrt(), (1.0,)),
    ("sqrt'(abs(0))", lambda x: abs(x).sqrt(), (0.0,)),
    ("sqrt at 0", lambda x: x.sqrt(), (0.0,)),
    ("x**1.5 at 0", lambda x: x**1.5, (0.0,)),
    ("x**0 at 0", lambda x: x**0.0, (0.0,)),
    ("0**x at 0", lambda x: 0.0**x, (0.0,)),
    ("0**x at 2", lambda x: 0.0**x, (2.0,)),
    ("x**y at (0, 0)", lambda x, y: x**y, (0.0, 0.0)),
    ("(-2)**x at 3", lambda x: (-2.0) ** x, (3.0,)),
    ("nan in, nan out", lambda x, y: x * y + y.exp(), (math.nan, 1.0)),
    ("overflow", lambda x: x**2 + x.exp() + x * x, (1e200,)),
    ("overflow of 10**x", lambda x: 10.0**x, (400.0,)),
    ("1 / 1e-320", lambda x: 1.0 / x, (1e-320,)),
    ("inf - inf", lambda x, y: (x * x - y * y) * x, (1e200, 1e200)),
    ("x / 0", lambda x, y: x / y, (1.0, 0.0)),
    ("0 ** -1", lambda x: x**-1.0, (0.0,)),
    ("log(0)", lambda x: (x * 2.0).log(), (0.0,)),
    ("log(-1)", lambda x: x.log(), (-1.0,)),
    ("(-8) ** (1/3)", lambda x: x ** (1.0 / 3.0), (-8.0,)),
    ("sin(inf)", lambda x: (x * x).sin(), (1e200,)),
]


@pytest.mark.parametrize(("what", "f", "point"), SPECIAL, ids=[s[0] for s in SPECIAL])
def test_special_points_as_the_interpreter(
    what: str, f: Callable[..., Value], point: tuple[float, ...]
) -> None:
    example = [0.5] * len(point)
    if not defined(f, example):
        example = list(point)  # (-2) ** x is only defined at integers
    assert_agree(f, example, point)


def test_the_inactive_branch_gives_exactly_zero() -> None:
    step = al.compile(lambda x: x.relu().sqrt(), 1.0, backend="tape")
    assert step(-1.0) == (0.0, (0.0,))
    assert step(4.0) == (2.0, (0.25,))


# --------------------------------------------------------------------------- random graphs


Recipe = tuple[list[tuple[rules.Rule, list[int]]], list[float]]


DIFFERENCE_STEPS = (1e-6, 0.5e-6)  # the steps test_random_graphs_against_... compares


def difference_points(leaves: Sequence[float]) -> list[list[float]]:
    """Every point central differences at the DIFFERENCE_STEPS evaluate a graph at."""
    points = []
    for k, x in enumerate(leaves):
        for step in DIFFERENCE_STEPS:
            h = step * max(1.0, abs(x))
            for moved in (x + h, x - h):
                points.append([*leaves[:k], moved, *leaves[k + 1 :]])
    return points


@st.composite
def wide_recipes(draw: st.DrawFn, smooth: bool = False, rotate: int = 0) -> Recipe:
    """Random graphs wide enough that many ops share a level and an op kind, and a node is
    often read twice by one group (``x * x``, or two members reading it).

    With ``smooth``, every node is defined, finite and away from its op's singular inputs
    (OPS[name].singular: poles, kinks, the edge of the domain) not only at the leaves but at
    every point central differences evaluate (``(-2) ** x`` at x = 3 is defined, at 3 + h it
    is not), and has finite derivatives at the leaves: a difference quotient is then a
    derivative to compare with. ``rotate`` turns
    the op list, giving the examples a rule table of another size would give.
    """
    names = sorted(rules.RULES)
    names = names[rotate:] + names[:rotate]
    n_leaves = draw(st.integers(1, 5))
    leaves = [draw(st.floats(0.2, 2.0) | st.floats(-2.0, -0.2)) for _ in range(n_leaves)]
    # One copy of the graph per point it must be defined at: the leaves, and with smooth
    # the points central differences will evaluate.
    points = [leaves, *difference_points(leaves)] if smooth else [leaves]
    copies = [[Value(x) for x in point] for point in points]
    steps: list[tuple[rules.Rule, list[int]]] = []
    for _ in range(draw(st.integers(3, 30))):
        name = draw(st.sampled_from(names))
        rule = rules.RULES[name]
        if rule.parametrised:
            rule = rule.with_param(draw(st.sampled_from(OPS[name].params)))
        arity = rule.arity or {"dot": 4, "linear": 3}.get(name, draw(st.integers(1, 3)))
        # Mostly the leaves and the first ops: the graph stays shallow and wide.
        top = min(len(copies[0]), n_leaves + 4) if draw(st.booleans()) else len(copies[0])
        picks = [draw(st.integers(0, top - 1)) for _ in range(arity)]
        if smooth:
            singular = OPS[name].singular
            guarded = range(arity) if singular is None else singular
            if any(abs(copies[0][picks[i]].data) < 0.2 for i in guarded if i < arity):
                continue
        try:
            made = [apply(rule, [nodes[i] for i in picks]) for nodes in copies]
        except DomainError:
            continue
        if not all(math.isfinite(node.data) and abs(node.data) <= 1e4 for node in made):
            continue
        # A local derivative can be undefined where the op is not: (-2) ** u for u = x ** 0
        # has the value -2 near every x, but d/du needs log(-2).
        if smooth and not all(map(math.isfinite, gradients(made[0], copies[0][:n_leaves]))):
            continue
        for nodes, node in zip(copies, made, strict=True):
            nodes.append(node)
        steps.append((rule, picks))
    return steps, leaves


def replay(steps: list[tuple[rules.Rule, list[int]]], xs: Sequence[Value]) -> Value:
    nodes = list(xs)
    for rule, picks in steps:
        nodes.append(apply(rule, [nodes[i] for i in picks]))
    return al.sum_values(nodes[len(xs) :] or nodes)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wide_recipes(), st.floats(0.9, 1.1))
def test_random_graphs_agree_with_the_source_backend_and_the_interpreter(
    recipe: Recipe, scale: float
) -> None:
    steps, leaves = recipe

    def f(*xs: Value) -> Value:
        return replay(steps, xs)

    assert_agree(f, leaves, [x * scale for x in leaves])


def assert_matches_differences(recipe: Recipe) -> None:
    steps, leaves = recipe

    def f(*xs: Value) -> Value:
        return replay(steps, xs)

    _, grads = al.compile(f, *leaves, backend="tape")(*leaves)
    for k, g in enumerate(grads):
        numeric, half = (central_difference(f, leaves, k, step) for step in DIFFERENCE_STEPS)
        # Next to a kink (relu, abs) or a pole the difference quotient is not the derivative:
        # it is trusted only where halving the step does not change it.
        if not math.isfinite(numeric) or not same(numeric, half, 1e-7, 1e-7):
            continue
        assert same(g, numeric, 1e-5, 1e-6 * (1 + abs(numeric))), (k, g, numeric)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wide_recipes(smooth=True))
def test_random_graphs_against_central_differences(recipe: Recipe) -> None:
    assert_matches_differences(recipe)


# A new op shifts which op each fixed example draws. These run the two random-graph checks
# on the examples a table with one, two and three more ops would give: they must pass as
# surely as the fixed examples do.
@pytest.mark.parametrize("rotate", [1, 2, 3])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_graph_checks_hold_whatever_the_size_of_the_rule_table(
    rotate: int, data: st.DataObject
) -> None:
    assert_matches_differences(data.draw(wide_recipes(smooth=True, rotate=rotate)))
    steps, leaves = data.draw(wide_recipes(rotate=rotate))
    scale = data.draw(st.floats(0.9, 1.1))
    assert_agree(lambda *xs: replay(steps, xs), leaves, [x * scale for x in leaves])


CHAINS: list[tuple[str, Callable[..., Value]]] = [
    ("sum() of products", lambda x, y, z: sum([x * y, y * z, z * x, x], x * 0.5)),
    ("a number summed twice", lambda x, y, z: x + x + x + y),
    ("the sum on the right", lambda x, y, z: z + (y + (x + y))),
    ("a partial sum read elsewhere", lambda x, y, z: (lambda s: (s + z + x) * s)(x + y + z)),
    ("chains of two lengths", lambda x, y, z: (x + y + z) * (y + z + x + x) + (z + y)),
    ("two chains into one", lambda x, y, z: (x + y + z) + (z + y + x) + x),
    ("inf - inf inside a chain", lambda x, y, z: x * x + -(y * y) + z + 1.0),
]


@pytest.mark.parametrize(("what", "f"), CHAINS, ids=[c[0] for c in CHAINS])
def test_add_chains_as_the_interpreter(what: str, f: Callable[..., Value]) -> None:
    assert_agree(f, [0.5, -1.5, 2.0], [1.25, 0.75, -3.0])
    assert_agree(f, [0.5, -1.5, 2.0], [1e200, 1e200, 1.0])  # inf - inf is nan, not an error


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 8)), min_size=2, max_size=25))
def test_random_sums_and_products(program: list[tuple[int, int]]) -> None:
    """Sums grown at either end, restarted, and read by products: chains of every shape."""

    def f(*xs: Value) -> Value:
        nodes = list(xs)
        for how, pick in program:
            other = nodes[pick % len(nodes)]
            last = nodes[-1]
            nodes.append((last + other, other + last, last * other, other + xs[pick % 3])[how])
        return al.sum_values(nodes[-3:])

    assert_agree(f, [0.5, -1.5, 2.0], [0.25, 1.75, -0.5])


# --------------------------------------------------------------------------- the API


def test_a_big_graph_runs_on_the_tape_and_matches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compiler, "TAPE_MIN_OPS", 20)

    def loss(w: Any, xs: Any) -> Value:
        terms = [(w[0] * x + w[1]).relu() * (w[0] * x + w[1]) for x in xs]
        return al.sum_values(terms) + sum(terms[1:], terms[0])  # an n-ary sum and a chain

    w, xs = [0.5, -0.25], [0.1 * k - 1.0 for k in range(20)]
    big = al.compile(loss, w, xs)
    small = al.compile(lambda x: x * 2.0, 1.0)
    assert big.backend == "tape" and small.backend == "source"
    assert "tape" in repr(big) and "tape" not in repr(small)
    value, (dw, dxs) = big(w, xs)
    s_value, (s_dw, s_dxs) = al.compile(loss, w, xs, backend="source")(w, xs)
    assert same(value, s_value)
    assert all(same(a, b) for a, b in zip([*dw, *dxs], [*s_dw, *s_dxs], strict=True))
    with pytest.raises(RuntimeError, match=r"tape backend.*backend='source'"):
        _ = big.source


def test_models_captured_values_and_backward() -> None:
    model = al.MLP(2, [3, 1], seed=0)
    scale = Value(2.0, label="scale")

    def loss(model: Any, x: Any) -> Value:
        return (model(x) * scale).relu() + model(x) ** 2

    for backend in ("tape", "source"):
        model.zero_grad()
        scale.grad = 0.0
        step = al.compile(loss, model, [0.5, -1.0], wrt="model", backend=backend)
        value = step.backward(model, [0.5, -1.0])
        grads = [p.grad for p in model.parameters()] + [scale.grad]
        if backend == "tape":
            tape_value, tape_grads = value, grads
    assert same(tape_value, value)
    assert all(same(a, b) for a, b in zip(tape_grads, grads, strict=True))


def test_errors_name_the_node_and_leave_the_function_usable() -> None:
    def f(x: Value) -> Value:
        y = x - 1.0
        y.label = "shifted"
        return y.log()

    step = al.compile(f, 2.0, backend="tape")
    with pytest.raises(DomainError, match=r"log.*node \d+ of the tape.*'shifted' = -0\.5") as e:
        step(0.5)
    assert e.value.op == "log"
    assert step(3.0) == al.compile(f, 2.0, backend="source")(3.0)
    with pytest.raises(DivisionByZeroError, match=r"div.*node \d+ of the tape \(div\)"):
        al.compile(lambda x: 1.0 / (x - 1.0), 2.0, backend="tape")(1.0)


def test_backend_is_checked() -> None:
    with pytest.raises(ValueError, match=r"one of 'auto', 'source', 'tape', got 'fast'"):
        al.compile(lambda x: x, 1.0, backend="fast")
    with pytest.raises(ValueError, match="scalar mode only"):
        al.compile(lambda x: x, [1.0, 2.0], batch="x", backend="tape")


def test_trivial_functions_and_the_decorator() -> None:
    assert al.compile(lambda x: x, 2.0, backend="tape")(3.0) == (3.0, (1.0,))
    assert al.compile(lambda x, y: 5.0 * y, 2.0, 1.0, backend="tape")(3.0, 2.0) == (
        10.0,
        (0.0, 5.0),
    )

    @al.compile(backend="tape")
    def f(x: Value, y: Value) -> Value:
        return x * y + x

    assert f(2.0, 3.0) == (8.0, (4.0, 2.0))
    assert f.backend == "tape"
