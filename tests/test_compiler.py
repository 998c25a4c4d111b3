"""compile(): generated code against the interpreter, on every op and on random graphs."""

from __future__ import annotations

import ast
import contextlib
import io
import math
import random
import tokenize
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import autograd_lite as al
from autograd_lite import DomainError, TracingError, Value, rules
from autograd_lite.core.engine import gradients
from autograd_lite.core.value import apply
from autograd_lite.nn import MLP

from .op_table import OPS, arity_ok, bound_rules


def close(a: float, b: float, rel: float = 1e-12) -> bool:
    if math.isnan(b):
        return math.isnan(a)
    if math.isinf(b):
        return a == b
    return abs(a - b) <= rel * abs(b) + 1e-300


def interpreter(f: Any, xs: Sequence[float]) -> tuple[float, list[float]]:
    leaves = [Value(x) for x in xs]
    out = f(*leaves)
    return out.data, list(gradients(out, leaves))


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
def test_every_op_matches_the_interpreter(rule: rules.Rule, point: tuple[float, ...]) -> None:
    def f(*xs: Value) -> Value:
        return apply(rule, list(xs)) * 1.5

    try:
        want_value, want_grads = interpreter(f, point)
    except DomainError:
        return
    step = al.compile(f, *point)
    value, grads = step(*point)
    assert close(value, want_value)
    for g, w in zip(grads, want_grads, strict=True):
        assert close(g, w), (rule, point, grads, want_grads)


@pytest.mark.parametrize("name", sorted(rules.RULES))
def test_every_op_batched_matches_samples_one_by_one(name: str) -> None:
    rule = rules.RULES[name]
    if rule.parametrised:
        rule = rule.with_param(OPS[name].params[0])
    arity = rule.arity or (5 if name == "linear" else 4)
    low, high = OPS[name].domain
    X = np.random.default_rng(1).uniform(low, high, size=(7, arity))
    w = 0.75

    def f(w: Value, x: Any) -> Value:
        return apply(rule, list(x)) * w

    step = al.compile(f, w, X, batch="x")
    value, (dw, dx) = step(w, X)
    per_sample = [interpreter(lambda w, *x: f(w, x), [w, *row]) for row in X]
    assert close(value, sum(v for v, _ in per_sample) / len(X))
    assert close(dw, sum(g[0] for _, g in per_sample) / len(X))
    for i, (_, g) in enumerate(per_sample):
        for k in range(arity):
            assert close(dx[i, k], g[k + 1] / len(X))


# --------------------------------------------------------------------------- random graphs


@st.composite
def recipes(draw: st.DrawFn) -> tuple[list[tuple[rules.Rule, list[int]]], list[float], list[float]]:
    n_leaves = draw(st.integers(1, 4))
    value = st.floats(0.1, 2.5) | st.floats(-2.5, -0.1)
    example = [draw(value) for _ in range(n_leaves)]
    other = [draw(value) for _ in range(n_leaves)]
    steps: list[tuple[rules.Rule, list[int]]] = []
    nodes = [Value(x) for x in example]
    for _ in range(draw(st.integers(2, 14))):
        name = draw(st.sampled_from(sorted(rules.RULES)))
        rule = rules.RULES[name]
        if rule.parametrised:
            rule = rule.with_param(draw(st.sampled_from(OPS[name].params)))
        arity = rule.arity or draw(st.sampled_from([2, 4] if name == "dot" else [1, 2, 3]))
        if name == "linear":
            arity = draw(st.sampled_from([3, 5]))
        picks = [draw(st.integers(0, len(nodes) - 1)) for _ in range(arity)]
        try:
            node = apply(rule, [nodes[i] for i in picks])
        except DomainError:
            continue
        if not math.isfinite(node.data) or abs(node.data) > 1e4:
            continue
        nodes.append(node)
        steps.append((rule, picks))
    return steps, example, other


def replay(steps: list[tuple[rules.Rule, list[int]]], xs: Sequence[Value]) -> Value:
    nodes = list(xs)
    for rule, picks in steps:
        nodes.append(apply(rule, [nodes[i] for i in picks]))
    tail = nodes[max(len(xs), len(nodes) - 3) :] or nodes[-1:]
    return al.sum_values(tail)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(recipes())
def test_random_graphs_match_the_interpreter(
    case: tuple[list[tuple[rules.Rule, list[int]]], list[float], list[float]],
) -> None:
    steps, example, other = case

    def f(*xs: Value) -> Value:
        return replay(steps, xs)

    step = al.compile(f, *example)
    for point in (example, other):
        try:
            want_value, want_grads = interpreter(f, point)
        except DomainError:
            # Compiled code only runs the ops the output depends on, in topological order: it
            # may skip a failing op the output ignores, or meet another failing one first.
            with contextlib.suppress(DomainError):
                step(*point)
            continue
        value, grads = step(*point)
        assert close(value, want_value)
        for g, w in zip(grads, want_grads, strict=True):
            assert close(g, w), (g, w, step.source)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(recipes(), st.integers(1, 5), st.booleans())
def test_random_graphs_batched_match_samples_one_by_one(
    case: tuple[list[tuple[rules.Rule, list[int]]], list[float], list[float]], n: int, fuse: bool
) -> None:
    steps, example, _ = case
    rng = random.Random(len(steps))
    # Half the leaves are batched data, the rest shared parameters.
    k = len(example)
    half = example[: (k + 1) // 2]
    rows = np.array([[x * rng.uniform(0.9, 1.1) for x in half] for _ in range(n)])
    params = example[(k + 1) // 2 :]

    def f(p: Any, x: Any) -> Value:
        return replay(steps, [*list(x), *p])

    width = rows.shape[1]

    def flat_f(*v: Value) -> Value:
        return f(v[width:], v[:width])

    per_sample = []
    for row in rows:
        try:
            per_sample.append(interpreter(flat_f, [*row, *params]))
        except DomainError:
            assume(False)
    step = al.CompiledFunction(f, (params, rows), batch="x", reduce="sum", fuse=fuse)
    value, (dp, dx) = step(params, rows)
    assert close(value, sum(v for v, _ in per_sample), 1e-9)
    for j in range(len(params)):
        want = sum(g[len(rows[0]) + j] for _, g in per_sample)
        assert close(dp[j], want, 1e-9) or abs(dp[j] - want) < 1e-9
    for i, (_, g) in enumerate(per_sample):
        for j in range(rows.shape[1]):
            assert close(dx[i, j], g[j], 1e-9) or abs(dx[i, j] - g[j]) < 1e-9


# --------------------------------------------------------------------------- readable source


def test_source_reads_like_backprop_by_hand() -> None:
    def f(x1: Value, w11: Value, w21: Value) -> Value:
        h1 = (x1 * 1.0).tanh()
        h1.label = "h1"
        o1 = h1 * w11
        o1.label = "o1"
        o2 = h1 * w21
        o2.label = "o2"
        return o1 + o2

    step = al.compile(f, 0.5, 2.0, -3.0)
    lines = [line.strip() for line in step.source.splitlines()]
    assert "h1 = tanh(mul1)" in lines
    assert "o1 = h1 * w11" in lines
    # Terms come in the order the interpreter adds them (reverse topological), so the
    # results are the same bit for bit.
    assert "d_h1 = d_o2 * w21 + d_o1 * w11" in lines
    assert "d_mul1 = d_h1 * (1.0 - h1 * h1)" in lines
    assert step.num_ops == 5


def test_relu_derivative_compiles_to_a_conditional_expression() -> None:
    step = al.compile(lambda x: al.relu(x * 2.0), 1.0)
    assert "mul1 = x * 2.0" in step.source
    assert "relu1 = relu(mul1)" in step.source  # the rule's own forward
    assert "d_mul1 = (0.0 if mul1 <= 0.0 else d_relu1)" in step.source
    assert step(-3.0) == (0.0, (0.0,))
    assert step(3.0) == (6.0, (2.0,))


EVIL_LABELS = [
    'x"); import os; os.system("echo pwned") #',
    "a\nb = 1\n",
    '"""\nraise SystemExit\n"""',
    "back\\slash\\\\",
    "'''",
    "\r\n# \u2028 \x00 \x85",
    "__import__('os')",
    "d_x",
    "x",
    "lambda",
    "1st",
    "",
]


def test_labels_never_reach_the_code() -> None:
    def f(x: Value, w: Value) -> Value:
        nodes = [x]
        for label in EVIL_LABELS:
            node = nodes[-1] * w + 0.5
            node.label = label
            nodes.append(node)
        return al.sum_values(nodes)

    x = Value(0.3, label=EVIL_LABELS[0])
    w = Value(0.9, label=EVIL_LABELS[1])
    step = al.compile(f, x, w)
    tokens = list(tokenize.generate_tokens(io.StringIO(step.source).readline))
    assert not [t for t in tokens if t.type == tokenize.STRING]
    # Every name in the code is an ASCII identifier; labels appear only in comments.
    for t in tokens:
        if t.type == tokenize.NAME:
            assert t.string.isascii() and t.string.isidentifier()
    tree = ast.parse(step.source)
    calls = {
        n.func.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }
    assert calls <= {"tanh"}
    value, grads = step(x, w)
    want_value, want_grads = interpreter(f, [0.3, 0.9])
    assert close(value, want_value)
    assert all(close(g, h) for g, h in zip(grads, want_grads, strict=True))


# --------------------------------------------------------------------------- tracing rules


def test_a_decision_on_a_value_raises_a_clear_error() -> None:
    def branchy(x: Value) -> Value:
        if x > 0:
            return x * 2
        return x

    with pytest.raises(TracingError, match=r"decision on a Value.*straight-line"):
        al.compile(branchy, 1.0)
    with pytest.raises(TracingError, match="bool"):
        al.compile(lambda x: x if x else x * 2, 1.0)
    with pytest.raises(TracingError):
        al.compile(lambda x, y: max(x, y), 1.0, 2.0)
    # Outside tracing, comparisons and truth work as before.
    assert Value(1.0) > 0 and bool(Value(0.0))


def test_no_grad_inside_f_raises() -> None:
    def f(x: Value) -> Value:
        with al.no_grad():
            y = x * 2
        return x * y

    with pytest.raises(TracingError, match="no_grad"):
        al.compile(f, 1.0)


def test_a_random_function_is_refused() -> None:
    rng = random.Random(0)
    with pytest.raises(TracingError, match="different graph"):
        al.compile(lambda x: x * rng.random(), 1.0)


def test_constants_are_baked_and_captured_values_read_fresh() -> None:
    scale = Value(2.0, label="scale")

    def f(x: Value) -> Value:
        return x * scale + 3.0

    step = al.compile(f, 1.0)
    assert "3.0" in step.source and "scale = inputs[1]" in step.source
    assert step(1.0)[0] == 5.0
    scale.data = 10.0
    assert step(1.0)[0] == 13.0
    assert step.backward(2.0) == 23.0
    assert scale.grad == 2.0


# --------------------------------------------------------------------------- argument kinds


class TinyModel:
    """A stand-in for an nn model: anything with .parameters() returning leaf Values."""

    def __init__(self) -> None:
        self.w = [Value(0.5, label="w0"), Value(-1.5, label="w1")]

    def parameters(self) -> list[Value]:
        return list(self.w)

    def __call__(self, x: Sequence[Any]) -> Value:
        return (self.w[0] * x[0] + self.w[1] * x[1]).tanh()


def test_model_parameters_and_nested_arguments() -> None:
    model = TinyModel()

    def f(model: TinyModel, data: dict[str, Any], arr: Any) -> Value:
        return model(data["x"]) * data["k"][0] + arr[0, 1] * arr[1, 0]

    data = {"x": [0.3, -0.2], "k": (2.0,)}
    arr = np.array([[1.0, 2.0], [3.0, 4.0]])
    step = al.compile(f, model, data, arr)
    value, (g_model, g_data, g_arr) = step(model, data, arr)
    assert isinstance(g_model, list) and isinstance(g_data, dict) and g_arr.shape == (2, 2)
    out = f(model, {"x": [Value(0.3), Value(-0.2)], "k": (2.0,)}, arr)
    out.backward()
    assert value == out.data
    assert g_model == [p.grad for p in model.parameters()]
    assert g_arr.tolist() == [[0.0, 3.0], [2.0, 0.0]]
    model.zero_grad = None  # type: ignore[attr-defined]
    for p in model.parameters():
        p.grad = 0.0
    assert step.backward(model, data, arr) == value
    assert [p.grad for p in model.parameters()] == g_model


def test_real_mlp_matches_the_interpreter_exactly() -> None:
    model = MLP(2, [4, 4, 1], seed=3)
    rng = np.random.default_rng(0)
    X, Y = rng.uniform(-2, 2, (5, 2)), rng.choice([-1.0, 1.0], 5)

    def loss(model: MLP, X: Any, Y: Any) -> Value:
        terms = [(1 + -y * model(x)).relu() for x, y in zip(X, Y, strict=True)]
        return al.sum_values(terms) * (1.0 / len(terms)) + 1e-4 * al.sum_values(
            [p * p for p in model.parameters()]
        )

    step = al.compile(loss, model, X, Y, wrt="model")
    for _ in range(3):
        value, (g, gx, gy) = step(model, X, Y)
        assert gx is None and gy is None
        model.zero_grad()
        out = loss(model, X.tolist(), Y.tolist())
        out.backward()
        assert value == out.data
        assert g == [p.grad for p in model.parameters()]
        for p, d in zip(model.parameters(), g, strict=True):
            p.data -= 0.1 * d

    batched = al.compile(
        lambda model, x, y: (
            (1 + -y * model(x)).relu() + 1e-4 * al.sum_values([p * p for p in model.parameters()])
        ),
        model,
        X,
        Y,
        batch=("x", "y"),
        wrt="model",
    )
    b_value, (b_g, _, _) = batched(model, X, Y)
    value, (g, _, _) = step(model, X, Y)
    assert close(b_value, value, 1e-12)
    assert all(close(a, b, 1e-9) or abs(a - b) < 1e-15 for a, b in zip(b_g, g, strict=True))


def test_structure_is_checked_on_every_call() -> None:
    step = al.compile(lambda xs, a: xs[0] * xs[1] + a[0], [1.0, 2.0], np.zeros(3))
    with pytest.raises(ValueError, match=r"xs must be a list of 2 items"):
        step([1.0], np.zeros(3))
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        step([1.0, 2.0], np.zeros(2))
    with pytest.raises(TypeError, match="expected 2 arguments"):
        step([1.0, 2.0])
    with pytest.raises(TypeError, match="str"):
        step(["a", 2.0], np.zeros(3))


def test_decorator_form_traces_on_first_call() -> None:
    @al.compile
    def f(x: Value, y: Value) -> Value:
        return x * y

    with pytest.raises(RuntimeError, match="not been traced"):
        _ = f.source
    assert f(3.0, 4.0) == (12.0, (4.0, 3.0))
    assert "mul1 = x * y" in f.source

    @al.compile(batch="x", reduce="sum")
    def g(x: Value) -> Value:
        return x * x

    assert g(np.array([1.0, 2.0]))[0] == 5.0


def test_domain_errors_name_the_node_and_sample() -> None:
    def f(x: Value) -> Value:
        y = x - 1.0
        y.label = "shifted"
        return y.log()

    step = al.compile(f, 2.0)
    with pytest.raises(DomainError, match=r"log.*line \d+ of \.source.*shifted") as info:
        step(0.5)
    assert info.value.op == "log"
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        al.compile(lambda x: 1.0 / (x - 1.0), 2.0)(1.0)
    batched = al.compile(f, np.array([2.0, 3.0]), batch="x")
    with pytest.raises(DomainError, match="sample 2"):
        batched(np.array([2.0, 3.0, 0.5]))


def test_batched_arguments_are_checked() -> None:
    step = al.compile(lambda w, x, y: w * x[0] * y, 1.0, np.ones((3, 2)), np.ones(3), batch=(1, 2))
    with pytest.raises(ValueError, match="disagree"):
        step(1.0, np.ones((3, 2)), np.ones(4))
    with pytest.raises(ValueError, match="shape"):
        step(1.0, np.ones((3, 3)), np.ones(3))
    with pytest.raises(ValueError, match="batch names 'z'"):
        al.compile(lambda w, x: w * x, 1.0, np.ones(3), batch="z")


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_fused_layers_match_the_unfused_reference_and_samples(activation: str) -> None:
    model = MLP(3, [5, 4, 2], activation=activation, seed=7)
    rng = np.random.default_rng(2)
    X, T = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))

    def f(model: MLP, x: Any, t: Any) -> Value:
        out = model(x)
        err = al.sum_values([(o - tk) * (o - tk) for o, tk in zip(out, t, strict=True)])
        return err + out[0] * 0.5 + 1e-3 * al.sum_values([p * p for p in model.parameters()])

    fused = al.CompiledFunction(f, (model, X, T), batch=("x", "t"))
    plain = al.CompiledFunction(f, (model, X, T), batch=("x", "t"), fuse=False)
    assert "@" in fused.source and "@" not in plain.source
    value, (g, gx, gt) = fused(model, X, T)
    value2, (g2, gx2, gt2) = plain(model, X, T)
    assert close(value, value2)
    assert np.allclose(g, g2, rtol=1e-12, atol=1e-15)
    assert np.allclose(gx, gx2, rtol=1e-12, atol=1e-15)
    assert np.allclose(gt, gt2, rtol=1e-12, atol=1e-15)
    want = np.zeros(len(g))
    for i, (x, t) in enumerate(zip(X, T, strict=True)):
        model.zero_grad()
        xs = [Value(v) for v in x]
        out = f(model, xs, t.tolist())
        out.backward()
        want += [p.grad / len(X) for p in model.parameters()]
        assert np.allclose(gx[i], [v.grad / len(X) for v in xs], rtol=1e-10, atol=1e-14)
    assert np.allclose(g, want, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("fuse", [False, True])
def test_batched_identity_and_constant_functions_compile(fuse: bool) -> None:
    # Regression (issue 11): no op meant an empty `with` block, an IndentationError.
    rows = np.array([1.0, 2.0])
    identity = al.CompiledFunction(lambda x: x, (rows,), batch=0, reduce="sum", fuse=fuse)
    value, (grad,) = identity(rows)
    assert value == 3.0 and list(grad) == [1.0, 1.0]
    constant = al.CompiledFunction(lambda x: 3.0, (rows,), batch=0, reduce="mean", fuse=fuse)
    value, (grad,) = constant(rows)
    assert value == 3.0 and list(grad) == [0.0, 0.0]


def test_compiled_source_leaves_linecache_when_the_function_is_collected() -> None:
    # Regression (issue 11): every compile kept its source in linecache forever.
    import gc
    import linecache

    step = al.compile(lambda x: (x * 2.0).log(), 1.0)
    filename = step._fn.__code__.co_filename  # type: ignore[union-attr]
    assert linecache.getline(filename, 1).startswith("def ")  # tracebacks can show it
    del step
    gc.collect()
    assert filename not in linecache.cache


# ---------------------------------------------------------------- issue 21


def test_a_function_that_reads_data_while_traced_is_refused_not_frozen() -> None:
    # Regression (issue 21, finding 6): compile(lambda x: x*2 if x.data > 0 else x*-3, 1.0)
    # returned -2 at -1.0 (right: 3): the trace read .data and baked in one branch.
    with pytest.raises(TracingError, match=r"read \.data of"):
        al.compile(lambda x: x * 2 if x.data > 0 else x * -3, 1.0)


def test_reading_data_of_a_computed_or_captured_value_is_refused_too() -> None:
    w = al.Value(0.5, label="w")

    def relu_by_hand(x: al.Value) -> al.Value:
        h = x * w
        return h if h.data > 0 else h * 0.0

    with pytest.raises(TracingError, match=r"read \.data of"):
        al.compile(relu_by_hand, 1.0)
    with pytest.raises(TracingError, match=r"read \.data of .*'w'"):
        al.compile(lambda x: x * w.data + w, 1.0)  # w is read afresh, w.data would be frozen
    assert type(w) is al.Value and w.data == 0.5  # the captured Value is as it was


def test_the_package_s_own_reads_of_data_still_compile() -> None:
    # Losses shift logits by their largest .data (a constant that cannot change the result).
    from autograd_lite.losses import cross_entropy

    step = al.compile(lambda a, b: cross_entropy([a, b], 1), 1.0, 2.0)
    value, (da, db) = step(3.0, -1.0)
    expected = math.log(math.exp(3.0) + math.exp(-1.0)) + 1.0
    assert math.isclose(value, expected, rel_tol=1e-12)
    assert math.isclose(da + db, 0.0, abs_tol=1e-12)


def test_many_compiles_reuse_a_bounded_set_of_code_file_names() -> None:
    # Regression (issue 21, finding 15): every compile() gave its code a new file name, and
    # Python's memory tracer keeps every file name it meets in a frame: ~80 KB per 1,000
    # compiles under tracemalloc, without bound. A name is reused once its function is gone.
    import gc

    def f(x: Any, w: Any) -> Any:
        return (x * w).tanh()

    names = set()
    for _ in range(200):
        step = al.compile(f, 0.5, -1.0)
        assert step(1.0, 2.0)[0] == math.tanh(2.0)
        names.add(step._fn.__code__.co_filename)  # type: ignore[union-attr]
        del step
        # The young generations only: a full collection per pass over the whole test
        # session's heap took minutes in a full run.
        gc.collect(1)
    assert len(names) <= 2, sorted(names)[:3]
    alive = [al.compile(f, 0.5, -1.0) for _ in range(3)]
    assert len({c._fn.__code__.co_filename for c in alive}) == 3  # type: ignore[union-attr]
