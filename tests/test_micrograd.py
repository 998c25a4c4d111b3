"""Code written for micrograd runs on autograd_lite with only its imports changed.

The lecture builds a tanh neuron by hand, steps through backward one node at a time, adds ops
the micrograd way (``Value(data, _children, _op)`` plus a ``_backward`` closure) and draws
graphs with its own ``_prev``/``_op`` walker; the demo notebook trains a one-output MLP with a
hinge loss. The tests below do the same things in their own words, and compare every gradient
with sympy or central differences.
"""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import pytest
import sympy as sp

import autograd_lite as al
from autograd_lite import MLP, Layer, Neuron, Value, draw_graph, explain

from .oracles import central_difference


def _tanh_by_hand(v: Value) -> Value:
    """tanh added the lecture's way: value from the formula, closure for the gradient."""
    e = math.exp(2 * v.data)
    t = (e - 1) / (e + 1)
    out = Value(t, (v,), "tanh")

    def _backward() -> None:
        v.grad += (1 - t**2) * out.grad

    out._backward = _backward
    return out


def _square_by_hand(v: Value) -> Value:
    """x * x as one user op with the same input twice among its children."""
    out = Value(v.data * v.data, (v, v), "sq")

    def _backward() -> None:
        v.grad += v.data * out.grad
        v.grad += v.data * out.grad

    out._backward = _backward
    return out


def _neuron() -> dict[str, Value]:
    nodes = {
        "x1": Value(2.0, label="x1"),
        "x2": Value(0.0, label="x2"),
        "w1": Value(-3.0, label="w1"),
        "w2": Value(1.0, label="w2"),
        "b": Value(6.8813735870195432, label="b"),
    }
    s1 = nodes["x1"] * nodes["w1"]
    s1.label = "x1*w1"
    s2 = nodes["x2"] * nodes["w2"]
    s2.label = "x2*w2"
    total = s1 + s2
    total.label = "x1*w1 + x2*w2"
    n = total + nodes["b"]
    n.label = "n"
    nodes["n"] = n
    return nodes


def _sympy_neuron_grads() -> dict[str, float]:
    x1, x2, w1, w2, b = sp.symbols("x1 x2 w1 w2 b")
    o = sp.tanh(x1 * w1 + x2 * w2 + b)
    at = {x1: 2.0, x2: 0.0, w1: -3.0, w2: 1.0, b: 6.8813735870195432}
    return {str(s): float(sp.diff(o, s).subs(at)) for s in (x1, x2, w1, w2, b)}


# ----------------------------------------------------------------------- the lecture


def test_the_tanh_neuron_with_the_builtin_and_the_hand_written_tanh() -> None:
    expected = _sympy_neuron_grads()
    for make_tanh in (Value.tanh, _tanh_by_hand):
        nodes = _neuron()
        o = make_tanh(nodes["n"])
        o.label = "o"
        o.backward()
        assert o.data == pytest.approx(math.sqrt(0.5), abs=1e-12)
        for name, want in expected.items():
            assert nodes[name].grad == pytest.approx(want, abs=1e-12), name
        assert nodes["n"].grad == pytest.approx(0.5, abs=1e-12)


def test_stepping_through_backward_by_hand_with_prev_and_backward() -> None:
    nodes = _neuron()
    o = nodes["n"].tanh()
    # The lecture's recursive topological sort over _prev, then one _backward per node.
    topo: list[Any] = []
    seen: set[Any] = set()

    def build(v: Any) -> None:
        if v not in seen:
            seen.add(v)
            for child in v._prev:
                build(child)
            topo.append(v)

    build(o)
    o.grad = 1.0
    for v in reversed(topo):
        v._backward()
    for name, want in _sympy_neuron_grads().items():
        assert nodes[name].grad == pytest.approx(want, abs=1e-12), name


def test_a_reused_node_accumulates_the_lecture_bug_case() -> None:
    a = Value(3.0, label="a")
    b = a + a
    b.backward()
    assert a.grad == 2.0
    x = Value(-2.0)
    y = _square_by_hand(x)  # children (x, x) become one parent
    assert y.parents == (x,) and y._prev == frozenset({x})
    y.backward()
    assert x.grad == -4.0


def test_micrograd_views_are_read_only_and_use_its_op_strings() -> None:
    x = Value(2.0, label="x")
    cases = {
        "+": x + 1,
        "*": x * 3,
        "tanh": x.tanh(),
        "exp": x.exp(),
        "**2": x**2,
        "ReLU": x.relu(),
    }
    for op, node in cases.items():
        assert node._op == op
        assert node._prev == frozenset({p for p in node.parents})
    assert x._op == "" and x._prev == frozenset()
    with pytest.raises(AttributeError):
        x._prev = frozenset()  # type: ignore[misc]
    with pytest.raises(AttributeError):
        x._op = "+"  # type: ignore[misc]


def test_micrograd_constructor_and_the_older_positional_label() -> None:
    assert Value(1.5, (), "", label="a").label == "a"
    assert Value(1.5, "a").label == "a"
    leaf = Value(1.5, (), "")
    assert leaf.is_leaf and leaf.label is None
    with pytest.raises(TypeError, match="label given twice"):
        Value(1.0, "a", label="b")
    with pytest.raises(TypeError, match=r"_children\[1\] must be a Value"):
        Value(1.0, (Value(1.0), 2.0), "+")
    with pytest.raises(ValueError, match="without _children"):
        Value(1.0, (), "tanh")


def test_a_user_op_runs_once_per_backward_in_order_and_is_reset_like_any_node() -> None:
    calls: list[str] = []
    x = Value(0.3, label="x")
    h = x * 2.0
    out = Value(math.sin(h.data), (h,), "sin")

    def _backward() -> None:
        calls.append("sin")
        # h must not have received its gradient yet: it comes only through this node.
        h.grad += math.cos(h.data) * out.grad

    out._backward = _backward
    loss = out * out + out
    loss.backward()
    assert calls == ["sin"]
    want = central_difference(lambda v: math.sin(2 * v) ** 2 + math.sin(2 * v), [0.3], 0)
    assert x.grad == pytest.approx(want, rel=1e-7)
    loss.backward()  # intermediate grads recomputed, the leaf accumulates
    assert calls == ["sin", "sin"]
    assert out.grad == pytest.approx(2 * out.data + 1, abs=1e-12)
    assert x.grad == pytest.approx(2 * want, rel=1e-7)
    assert not out.is_leaf and out.op == "user-defined sin" and out._op == "sin"


def test_user_op_errors_name_the_node_and_leave_grads_alone() -> None:
    x = Value(1.0, label="x")
    missing = Value(2.0, (x,), "double")
    missing.label = "y"
    x.grad = 5.0
    with pytest.raises(TypeError, match=r"'y'.*has no _backward"):
        missing.backward()
    assert x.grad == 5.0

    with_closure = _tanh_by_hand(x)
    with pytest.raises(TypeError, match=r"user-defined op 'tanh'.*create_graph"):
        with_closure.backward(create_graph=True)
    with pytest.raises(AttributeError, match="only a node made the micrograd way"):
        (x * 2)._backward = lambda: None
    with pytest.raises(TypeError, match="must be callable"):
        with_closure._backward = 3  # type: ignore[assignment]


def test_a_user_op_in_no_grad_is_a_leaf_and_compile_refuses_it() -> None:
    x = Value(1.0)
    with al.no_grad():
        y = Value(2.0, (x,), "double")
    assert y.is_leaf
    f = al.compile(lambda v: _tanh_by_hand(v))
    # The op reads v.data to compute its value: refused there, before the op is built.
    with pytest.raises(al.TracingError, match=r"read \.data of .*user-defined op"):
        f(0.5)


def test_user_ops_are_drawn_and_explained() -> None:
    x = Value(0.5, label="x")
    y = _tanh_by_hand(x * 3.0)
    y.label = "y"
    text = str(explain(y))
    assert "user-defined tanh" in text
    local = 3.0 * (1 - math.tanh(1.5) ** 2)
    step = next(s for s in explain(y).steps if s.name == "x")
    assert step.grad == pytest.approx(local, abs=1e-12)
    y.backward()
    source = draw_graph(y, edge_labels=True).source
    assert "label=tanh" in source.replace('"', "")


# ----------------------------------------------------------------------- other classes


class _LectureValue:
    """A learner's own micrograd-style class, as written during the lecture (our version)."""

    def __init__(
        self, data: float, _children: tuple[Any, ...] = (), _op: str = "", label: str = ""
    ) -> None:
        self.data = data
        self.grad = 0.0
        self._backward: Any = lambda: None
        self._prev = set(_children)
        self._op = _op
        self.label = label

    def __add__(self, other: Any) -> _LectureValue:
        out = _LectureValue(self.data + other.data, (self, other), "+")

        def _backward() -> None:
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other: Any) -> _LectureValue:
        out = _LectureValue(self.data * other.data, (self, other), "*")

        def _backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def tanh(self) -> _LectureValue:
        t = math.tanh(self.data)
        out = _LectureValue(t, (self,), "tanh")

        def _backward() -> None:
            self.grad += (1 - t * t) * out.grad

        out._backward = _backward
        return out


class _NoBackward:
    """The smallest object draw_graph accepts: data, grad, _prev, _op (no label, no closure)."""

    def __init__(self, data: float, prev: tuple[Any, ...] = (), op: str = "") -> None:
        self.data, self.grad, self._prev, self._op = data, 0.0, set(prev), op


def test_another_micrograd_style_class_is_drawn_and_explained_untouched() -> None:
    x = _LectureValue(2.0, label="x")
    w = _LectureValue(-0.5, label="w")
    o = (x * w + x).tanh()
    o.label = "o"
    o.grad = 0.25  # whatever the learner left there is shown and restored
    source = draw_graph(o).source
    for text in ("x", "w", "tanh", "*", "+", "grad 0.25"):
        assert text in source
    expl = explain(o)
    got = {s.name: s.grad for s in expl.steps}
    assert got["x"] == pytest.approx((1 - math.tanh(1.0) ** 2) * 0.5, abs=1e-12)
    assert got["w"] == pytest.approx((1 - math.tanh(1.0) ** 2) * 2.0, abs=1e-12)
    assert (o.grad, x.grad, w.grad) == (0.25, 0.0, 0.0)

    bare = _NoBackward(3.0, (_NoBackward(1.0), _NoBackward(2.0)), "+")
    assert "data 3" in draw_graph(bare).source
    with pytest.raises(TypeError, match="has no _backward"):
        explain(bare)


def test_from_micrograd_rejects_what_is_not_a_node() -> None:
    bad = _NoBackward(1.0, ("not a node",), "+")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"an input of .* has no data, grad"):
        al.from_micrograd(bad)
    with pytest.raises(TypeError, match="micrograd-style"):
        draw_graph(42)  # type: ignore[arg-type]


# ----------------------------------------------------------------------- the demo notebook


def test_nonlin_and_one_output_modules() -> None:
    assert Neuron(3, nonlin=False, seed=0).activation == "linear"
    assert Layer(3, 2, nonlin=True, seed=0).neurons[0].activation == "relu"
    with pytest.raises(ValueError, match="pass one of them"):
        Neuron(3, "tanh", nonlin=False)
    with pytest.raises(TypeError, match="nonlin must be"):
        Neuron(3, nonlin="yes")  # type: ignore[arg-type]
    assert isinstance(MLP(2, [4, 1], seed=0)([1.0, 2.0]), Value)


def test_the_demo_notebook_cells_train_a_one_output_mlp() -> None:
    # The demo's cells in our words; only the imports differ from micrograd's.
    np.random.seed(1337)
    random.seed(1337)
    X, y = al.datasets.make_moons(n_samples=100, noise=0.1)
    y = y * 2 - 1
    model = MLP(2, [16, 16, 1])
    assert "MLP" in str(model) and len(model.parameters()) == 337

    def loss(batch_size: int | None = None) -> tuple[Value, float]:
        if batch_size is None:
            Xb, yb = X, y
        else:
            ri = np.random.permutation(X.shape[0])[:batch_size]
            Xb, yb = X[ri], y[ri]
        inputs = [list(map(Value, xrow)) for xrow in Xb]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(yb, scores, strict=True)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        total = data_loss + reg_loss
        accuracy = [(yi > 0) == (s.data > 0) for yi, s in zip(yb, scores, strict=True)]
        return total, sum(accuracy) / len(accuracy)

    first, _ = loss()
    for k in range(15):
        total, acc = loss()
        model.zero_grad()
        total.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
    assert total.data < first.data and acc > 0.8
    # The decision-boundary cell: scores over a mesh, one Value per point.
    xx, yy = np.meshgrid(np.arange(-2, 3, 1.0), np.arange(-1.5, 2, 1.0))
    mesh = np.c_[xx.ravel(), yy.ravel()]
    Z = np.array([s.data > 0 for s in map(model, [list(map(Value, r)) for r in mesh])])
    assert Z.reshape(xx.shape).shape == xx.shape
