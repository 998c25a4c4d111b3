"""nn: names and labels, forward values and gradients, init, input checks, state and JSON files."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as al
from autograd_lite import Value, dot
from autograd_lite.nn import ACTIVATIONS, MLP, Layer, Module, Neuron

from .op_table import OPS
from .oracles import central_difference, close, real_number

# ------------------------------------------------------------------ names and labels


def test_mlp_parameter_names_follow_the_documented_scheme() -> None:
    model = MLP(2, [2, 1], seed=0)
    assert [name for name, _ in model.named_parameters()] == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
        "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0",
        "layers.0.neurons.1.w.1",
        "layers.0.neurons.1.b",
        "layers.1.neurons.0.w.0",
        "layers.1.neurons.0.w.1",
        "layers.1.neurons.0.b",
    ]


def test_labels_equal_names_and_parameters_follow_the_same_order() -> None:
    model = MLP(3, [4, 4, 2], seed=1)
    named = model.named_parameters()
    assert all(p.label == name for name, p in named)
    assert model.parameters() == [p for _, p in named]
    assert len({id(p) for p in model.parameters()}) == len(named)
    assert model.layers[1].neurons[3].w[2].label == "layers.1.neurons.3.w.2"


def test_standalone_layer_and_neuron_names() -> None:
    layer = Layer(2, 2, seed=0)
    assert [n for n, _ in layer.named_parameters()][:3] == [
        "neurons.0.w.0",
        "neurons.0.w.1",
        "neurons.0.b",
    ]
    neuron = Neuron(2, seed=0)
    assert [n for n, _ in neuron.named_parameters()] == ["w.0", "w.1", "b"]
    assert [p.label for p in neuron.parameters()] == ["w.0", "w.1", "b"]


def test_forward_labels_each_neurons_sum_and_activation_nodes() -> None:
    model = MLP(2, [3, 1], seed=0)
    out = model([0.5, -0.25])
    assert out.label == "layers.1.neurons.0.z"  # linear output: no activation node
    hidden = out.parents[3:6]  # (w0..w2, x0..x2, b): the x's are layer 0's outputs
    assert [h.label for h in hidden] == [f"layers.0.neurons.{j}.a" for j in range(3)]
    assert hidden[0].parents[0].label == "layers.0.neurons.0.z"
    inputs = hidden[0].parents[0].parents[2:4]
    assert [x.label for x in inputs] == ["x.0", "x.1"]


def test_given_values_keep_their_labels() -> None:
    x = [Value(1.0, label="height"), Value(2.0, label="width")]
    z = Neuron(2, activation="linear", seed=0)(x)
    assert z.parents[2:4] == tuple(x)
    assert [v.label for v in x] == ["height", "width"]


def test_custom_module_names_nested_children() -> None:
    class Pair(Module):
        def __init__(self) -> None:
            self.first = MLP(2, [2], seed=0)
            self.scale = Value(1.0)
            self.relabel()

        def named_children(self) -> Iterator[tuple[str, Module]]:
            yield "first", self.first

        def own_parameters(self) -> Iterator[tuple[str, Value]]:
            yield "scale", self.scale

        def __call__(self, x: list[float]) -> Value:
            return self.first(x)[0] * self.scale

    pair = Pair()
    names = [n for n, _ in pair.named_parameters()]
    assert names[0] == "scale" and names[1] == "first.layers.0.neurons.0.w.0"
    assert pair.first.layers[0].neurons[1].b.label == "first.layers.0.neurons.1.b"
    assert pair.forward_array([[1.0, 2.0]]).shape == (1, 1)


# ------------------------------------------------------------------ forward and backward


def plain(activation: str, z: float) -> float:
    """The activation at z by sympy (the op table's oracle), never by the engine."""
    if activation == "linear":
        return z
    x = sp.Symbol("x", real=True)
    return real_number(OPS[activation].sympy(None, x), {x: sp.Float(repr(z), 40)})


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_neuron_computes_activation_of_weighted_sum_in_one_linear_node(activation: str) -> None:
    neuron = Neuron(3, activation=activation, seed=4)
    neuron.b.data = 0.3
    x = [0.5, -1.5, 2.0]
    out = neuron(x)
    z = sum(w.data * xi for w, xi in zip(neuron.w, x, strict=True)) + 0.3
    assert close(out.data, plain(activation, z), 1e-15, 1e-15)
    linear = out if activation == "linear" else out.parents[0]
    assert linear.op == "linear"
    assert linear.parents[:3] == tuple(neuron.w) and linear.parents[-1] is neuron.b
    # the same node as the documented fused op
    reference = dot(neuron.w, x, bias=neuron.b)
    assert reference.op == linear.op and reference.data == linear.data


def test_one_output_returns_the_node_itself_as_micrograd_does() -> None:
    out = Layer(2, 1, seed=0)([1.0, 2.0])
    assert isinstance(out, Value) and out.label == "neurons.0.a"
    assert isinstance(MLP(2, [1], seed=0)([1.0, 2.0]), Value)
    assert isinstance(MLP(2, [3, 2], seed=0)([1.0, 2.0]), list)
    assert isinstance(Layer(2, 2, seed=0)([1.0, 2.0]), list)


def test_mlp_parameter_gradients_match_central_differences() -> None:
    model = MLP(3, [4, 3, 2], activation="tanh", output_activation="sigmoid", seed=7)
    x = [0.3, -0.8, 1.1]

    def loss_at(values: list[float]) -> float:
        saved = [p.data for p in model.parameters()]
        for p, v in zip(model.parameters(), values, strict=True):
            p.data = v
        out = model(x)
        result = out[0].data * 2.0 - out[1].data ** 2
        for p, v in zip(model.parameters(), saved, strict=True):
            p.data = v
        return result

    out = model(x)
    (out[0] * 2.0 - out[1] ** 2).backward()
    point = [p.data for p in model.parameters()]
    for i, p in enumerate(model.parameters()):
        expected = central_difference(lambda *v: loss_at(list(v)), point, i)
        assert close(p.grad, expected, 1e-6, 1e-9), p.label


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_forward_array_agrees_with_the_value_forward(activation: str) -> None:
    model = MLP(2, [5, 4, 3], activation=activation, output_activation=activation, seed=3)
    X = np.random.default_rng(0).normal(scale=2.0, size=(20, 2))
    by_values = np.array([[v.data for v in model(row)] for row in X.tolist()])
    np.testing.assert_allclose(model.forward_array(X), by_values, rtol=1e-13, atol=1e-15)


def test_forward_array_builds_no_graph_and_checks_shape() -> None:
    model = MLP(2, [3, 1], seed=0)
    model.forward_array([[1.0, 2.0]])
    assert all(p.grad == 0.0 and p.is_leaf for p in model.parameters())
    with pytest.raises(ValueError, match="3 columns, expected 2"):
        model.forward_array(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="2-D"):
        model.forward_array([1.0, 2.0])


def test_generic_forward_array_of_a_neuron_and_a_layer() -> None:
    neuron = Neuron(2, activation="tanh", seed=0)
    layer = Layer(2, 3, seed=0)
    X = [[0.5, 1.0], [-1.0, 2.0]]
    assert neuron.forward_array(X)[:, 0].tolist() == [neuron(r).data for r in X]
    assert layer.forward_array(X).tolist() == [[v.data for v in layer(r)] for r in X]


def test_zero_grad_clears_every_parameter() -> None:
    model = MLP(2, [3, 1], seed=0)
    model([1.0, -1.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_parameter_count_of_the_demo_network() -> None:
    assert len(MLP(2, [16, 16, 1]).parameters()) == (2 + 1) * 16 + (16 + 1) * 16 + (16 + 1) * 1


# ------------------------------------------------------------------ initialisation


def test_same_seed_same_weights_and_different_seed_different_weights() -> None:
    assert MLP(2, [8, 1], seed=5).state_dict() == MLP(2, [8, 1], seed=5).state_dict()
    assert MLP(2, [8, 1], seed=5).state_dict() != MLP(2, [8, 1], seed=6).state_dict()


def test_no_seed_draws_from_the_global_generator_so_random_seed_repeats_it() -> None:
    # micrograd's habit: random.seed(1337) before building the model fixes its weights.
    state = random.getstate()
    try:
        random.seed(1337)
        first = MLP(2, [16, 16, 1]).state_dict()
        second = MLP(2, [16, 16, 1]).state_dict()
        random.seed(1337)
        again = MLP(2, [16, 16, 1]).state_dict()
    finally:
        random.setstate(state)
    assert first == again
    assert first != second  # the global stream moved on


def test_a_shared_random_generator_gives_a_reproducible_stream() -> None:
    a = [Neuron(3, seed=rng) for rng in [random.Random(1)] * 2]
    rng = random.Random(1)
    b = [Neuron(3, seed=rng), Neuron(3, seed=rng)]
    assert a[0].state_dict() == b[0].state_dict()
    assert b[0].state_dict() != b[1].state_dict()  # the second draws further along the stream


def test_uniform_init_is_within_minus_one_one_with_zero_bias() -> None:
    neuron = Neuron(500, seed=0)
    ws = [w.data for w in neuron.w]
    assert all(-1.0 <= w <= 1.0 for w in ws) and max(ws) > 0.9 and min(ws) < -0.9
    assert neuron.b.data == 0.0


@pytest.mark.parametrize(("activation", "gain"), [("relu", 6.0), ("tanh", 3.0), ("linear", 3.0)])
def test_scaled_init_bound_shrinks_with_fan_in(activation: str, gain: float) -> None:
    neuron = Neuron(400, activation=activation, init="scaled", seed=0)
    bound = math.sqrt(gain / 400)
    ws = np.array([w.data for w in neuron.w])
    assert np.abs(ws).max() <= bound and np.abs(ws).max() > 0.9 * bound
    # U(-a, a) has variance a^2 / 3
    assert abs(ws.var() - bound**2 / 3) < 0.2 * bound**2 / 3


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Neuron(0), "nin must be a positive int"),
        (lambda: Neuron(2, activation="softmax"), "activation must be one of"),
        (lambda: Neuron(2, init="xavier"), "init must be one of"),
        (lambda: Layer(2, 0), "nout must be a positive int"),
        (lambda: MLP(2, []), "sizes must be a non-empty list"),
        (lambda: MLP(2, 3), "sizes must be a non-empty list"),  # type: ignore[arg-type]
        (lambda: MLP(2, [4, 0]), r"sizes\[1\] must be a positive int"),
        (lambda: MLP(2, [4], output_activation="max"), "output_activation must be one of"),
    ],
)
def test_bad_constructor_arguments_are_named(make: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()  # type: ignore[operator]


def test_bad_seed_type() -> None:
    with pytest.raises(TypeError, match="seed must be an int"):
        Neuron(2, seed="0")  # type: ignore[arg-type]


# ------------------------------------------------------------------ input checks


def test_wrong_input_length_is_a_clear_error() -> None:
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(ValueError, match=r"MLP\(2, \[3, 1\].*expected 2 inputs, got 3"):
        model([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="one sample at a time"):
        model([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    inner = model.layers[0].neurons[1]
    with pytest.raises(ValueError, match=r"layers\.0\.neurons\.1.*expected 2 inputs, got 1"):
        inner([1.0])
    with pytest.raises(ValueError, match="expected 2 inputs, got 1"):
        Layer(2, 2)([1.0])


def test_wrong_input_types_are_clear_errors() -> None:
    model = MLP(2, [1], seed=0)
    with pytest.raises(TypeError, match="input 1 must be a number or a Value, got str"):
        model([1.0, "2"])
    with pytest.raises(TypeError, match="expected a sequence of 2 inputs, got float"):
        model(1.5)  # type: ignore[arg-type]


def test_numpy_rows_and_ints_are_accepted() -> None:
    model = MLP(2, [2, 1], seed=0)
    assert model(np.array([1.0, 2.0])).data == model([1, 2]).data


# ------------------------------------------------------------------ state dicts


def test_state_dict_round_trip_and_independence() -> None:
    a, b = MLP(2, [4, 2], seed=1), MLP(2, [4, 2], seed=2)
    state = a.state_dict()
    b.load_state_dict(state)
    assert b.state_dict() == state
    state["layers.0.neurons.0.b"] = 99.0
    assert a.layers[0].neurons[0].b.data == 0.0  # a copy: editing it changes nothing


def _snapshot(model: Module) -> list[tuple[str, float, float]]:
    return [(n, p.data, p.grad) for n, p in model.named_parameters()]


def test_load_state_dict_is_all_or_nothing() -> None:
    model = MLP(2, [3, 1], seed=0)
    before = _snapshot(model)
    good = model.state_dict()

    missing = dict(good)
    del missing["layers.1.neurons.0.b"]
    with pytest.raises(KeyError, match=r"missing 'layers\.1\.neurons\.0\.b'.*Nothing was changed"):
        model.load_state_dict({k: 1.0 for k in missing})
    extra = {k: 1.0 for k in good} | {"layers.2.neurons.0.b": 0.0}
    with pytest.raises(KeyError, match=r"unexpected 'layers\.2\.neurons\.0\.b'"):
        model.load_state_dict(extra)
    bad_value = {k: 1.0 for k in good} | {"layers.1.neurons.0.b": "x"}
    with pytest.raises(TypeError, match=r"'layers\.1\.neurons\.0\.b': expected a number, got str"):
        model.load_state_dict(bad_value)
    with pytest.raises(TypeError, match="got bool"):
        model.load_state_dict({k: True for k in good})
    with pytest.raises(TypeError, match="expected a mapping"):
        model.load_state_dict([1.0, 2.0])  # type: ignore[arg-type]
    assert _snapshot(model) == before

    model.load_state_dict({k: 1 for k in good})  # ints are fine and become floats
    assert all(p.data == 1.0 and isinstance(p.data, float) for p in model.parameters())


finite = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=30, deadline=None)
@given(values=st.lists(finite, min_size=13, max_size=13))
def test_save_load_round_trips_every_float_bit_for_bit(
    tmp_path_factory: pytest.TempPathFactory, values: list[float]
) -> None:
    model = MLP(2, [3, 1], seed=0)
    model.load_state_dict(dict(zip(model.state_dict(), values, strict=True)))
    path = tmp_path_factory.mktemp("rt") / "model.json"
    model.save(path)
    other = MLP(2, [3, 1], seed=1)
    other.load(path)
    assert [v.hex() for v in other.state_dict().values()] == [v.hex() for v in values]


def test_awkward_floats_survive_a_file(tmp_path: Path) -> None:
    model = Neuron(4, seed=0)
    awkward = [5e-324, -0.0, 0.1 + 0.2, 1.7976931348623157e308, 1 / 3]
    model.load_state_dict(dict(zip(model.state_dict(), awkward, strict=True)))
    model.save(tmp_path / "n.json")
    other = Neuron(4, seed=3)
    other.load(tmp_path / "n.json")
    assert [v.hex() for v in other.state_dict().values()] == [v.hex() for v in awkward]
    document = json.loads((tmp_path / "n.json").read_text())
    assert document["format"] == "autograd_lite.state_dict" and document["version"] == 1


@pytest.mark.parametrize(
    ("content", "error", "message"),
    [
        (
            '{"format": "autograd_lite.state_dict", "version": 1, "param',
            ValueError,
            "is not valid JSON",
        ),
        ("[1, 2, 3]", ValueError, "not an autograd_lite state file"),
        ('{"format": "other", "parameters": {}}', ValueError, "not an autograd_lite state file"),
        (
            '{"format": "autograd_lite.state_dict", "version": 7, "parameters": {}}',
            ValueError,
            "format version 7",
        ),
        (
            '{"format": "autograd_lite.state_dict", "version": 1, "parameters": {}}',
            KeyError,
            "missing 'layers.0.neurons.0.w.0'",
        ),
    ],
)
def test_bad_files_raise_clear_errors_and_change_nothing(
    tmp_path: Path, content: str, error: type[Exception], message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    model = MLP(2, [2, 1], seed=0)
    before = _snapshot(model)
    with pytest.raises(error, match=message):
        model.load(path)
    assert _snapshot(model) == before


def test_a_file_of_another_shape_says_what_it_was_saved_from(tmp_path: Path) -> None:
    MLP(2, [8, 1], seed=0).save(tmp_path / "small.json")
    model = MLP(2, [16, 1], seed=0)
    before = _snapshot(model)
    with pytest.raises(KeyError, match=r"saved from MLP\(2, \[8, 1\].*missing"):
        model.load(tmp_path / "small.json")
    assert _snapshot(model) == before


def test_non_numbers_in_a_file_and_binary_files(tmp_path: Path) -> None:
    model = Neuron(1, seed=0)
    document = {
        "format": "autograd_lite.state_dict",
        "version": 1,
        "parameters": {"w.0": "0.5", "b": 0.0},
    }
    (tmp_path / "s.json").write_text(json.dumps(document))
    with pytest.raises(TypeError, match=r"'w\.0': expected a number, got str"):
        model.load(tmp_path / "s.json")
    (tmp_path / "b.json").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ValueError, match="is not a text file"):
        model.load(tmp_path / "b.json")
    with pytest.raises(FileNotFoundError):
        model.load(tmp_path / "missing.json")


def test_save_refuses_non_finite_parameters_and_keeps_the_old_file(tmp_path: Path) -> None:
    model = Neuron(2, seed=0)
    path = tmp_path / "n.json"
    model.save(path)
    saved = path.read_text()
    model.b.data = math.nan
    with pytest.raises(ValueError, match="parameter 'b' is nan"):
        model.save(path)
    assert path.read_text() == saved
    assert sorted(p.name for p in tmp_path.iterdir()) == ["n.json"]  # no temporary left over


def test_save_overwrites_in_place_without_leftovers(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    MLP(2, [2], seed=0).save(path)
    model = MLP(2, [2], seed=1)
    model.save(str(path))
    assert json.loads(path.read_text())["parameters"] == model.state_dict()
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]


def test_reprs_name_the_architecture() -> None:
    model = MLP(2, [16, 16, 1], init="scaled")
    assert repr(model) == (
        "MLP(2, [16, 16, 1], activation='relu', output_activation='linear', init='scaled')"
    )
    assert repr(model.layers[1]) == "Layer(16, 16, activation='relu', name='layers.1')"
    assert repr(Neuron(3, "tanh")) == "Neuron(3, activation='tanh')"


# ----------------------------------------------------------------------- PyTorch habits


class _Net(Module):
    """A module written the PyTorch way: attributes and forward, no registration code."""

    def __init__(self) -> None:
        self.l1 = Layer(2, 4, "tanh", seed=0)
        self.heads = {"out": Layer(4, 1, "linear", seed=1)}
        self.scale = Value(1.0)
        self.cache = self.scale * 2  # a computed Value is not a parameter
        self.note = "not registered"

    def forward(self, x: list[float]) -> Value:
        out = self.heads["out"](self.l1(x))
        assert isinstance(out, Value)
        return out * self.scale


def test_a_pytorch_style_subclass_registers_its_attributes_in_order_and_trains() -> None:
    net = _Net()
    names = [n for n, _ in net.named_parameters()]
    assert names[0] == "scale"
    assert names[1:4] == ["l1.neurons.0.w.0", "l1.neurons.0.w.1", "l1.neurons.0.b"]
    assert names[-1] == "heads.out.neurons.0.b" and len(names) == 1 + 12 + 5
    assert all(p.label == n for n, p in net.named_parameters())
    assert [type(m).__name__ for m in net.children()] == ["Layer", "Layer"]
    assert len(net.modules()) == 1 + 2 + 5
    from autograd_lite.optim import SGD

    opt = SGD(net.parameters(), lr=0.1)
    data = [([0.0, 1.0], 1.0), ([1.0, 0.0], -1.0), ([1.0, 1.0], 0.5)]

    def loss() -> Value:
        total = Value(0.0)
        for x, y in data:
            total = total + (net(x) - y) ** 2
        return total

    first = loss().data
    for _ in range(30):
        opt.zero_grad()
        current = loss()
        current.backward()
        opt.step()
    assert loss().data < 0.5 * first
    net.cache = net.scale  # re-assigning a registered name keeps its place
    net.scale = Value(2.0)
    assert [n for n, _ in net.named_parameters()][:2] == ["scale", "cache"]
    del net.cache
    assert "cache" not in [n for n, _ in net.named_parameters()]


def test_train_eval_and_a_module_without_forward() -> None:
    net = _Net()
    assert net.training and all(m.training for m in net.modules())
    assert net.eval() is net and not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(TypeError, match="mode must be a bool"):
        net.train("no")  # type: ignore[arg-type]

    class Empty(Module):
        pass

    with pytest.raises(NotImplementedError, match="Empty defines no forward"):
        Empty()([1.0])


def test_load_state_dict_strict_and_not() -> None:
    model = MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(KeyError, match="unexpected 'bogus'"):
        model.load_state_dict({**before, "bogus": 1.0})
    assert model.state_dict() == before
    result = model.load_state_dict({"layers.0.neurons.0.b": 0.25, "bogus": 1.0}, strict=False)
    assert result.unexpected_keys == ["bogus"] and len(result.missing_keys) == len(before) - 1
    assert model.state_dict()["layers.0.neurons.0.b"] == 0.25
    with pytest.raises(TypeError, match="expected a number"):
        model.load_state_dict({"layers.0.neurons.0.b": "x"}, strict=False)
    assert model.state_dict()["layers.0.neurons.0.b"] == 0.25


# ---------------------------------------------------------------- issue 11: hostile state


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, 10**400])
def test_load_state_dict_refuses_numbers_save_could_not_write(bad: object) -> None:
    model = al.MLP(2, [1], seed=0)
    before = model.state_dict()
    state = dict(before)
    state[next(iter(state))] = bad
    with pytest.raises(ValueError, match="expected a finite number"):
        model.load_state_dict(state)
    assert model.state_dict() == before


@pytest.mark.parametrize(
    "text",
    ["[" * 100000 + "]" * 100000, "1" * 5000, "NaN", '{"format": 1e999}'],
    ids=["deep", "huge-int", "nan", "1e999"],
)
def test_hostile_json_is_a_value_error_naming_the_file(tmp_path: Any, text: str) -> None:
    path = tmp_path / "hostile.json"
    path.write_text(text, encoding="utf-8")
    model = al.MLP(2, [1], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"hostile\.json"):
        model.load(path)
    assert model.state_dict() == before


def test_load_refuses_a_file_with_1e999_and_names_it(tmp_path: Any) -> None:
    model = al.MLP(2, [1], seed=0)
    path = tmp_path / "m.json"
    model.save(path)
    text = path.read_text(encoding="utf-8")
    first = next(iter(model.state_dict()))
    document = json.loads(text)
    document["parameters"][first] = 1.0
    path.write_text(json.dumps(document).replace(": 1.0", ": 1e999", 1), encoding="utf-8")
    with pytest.raises(ValueError, match=r"m\.json.*finite"):
        model.load(path)


# ---------------------------------------------------------------- issue 21


def test_a_list_attribute_mixing_parameters_and_numbers_registers_the_parameters() -> None:
    # Regression (issue 21, finding 10): self.ws = [Value(1.0), 2.0] registered 0 parameters.
    from autograd_lite import Module, Value

    class Mixed(Module):
        def __init__(self) -> None:
            self.ws = [Value(1.0), 2.0, Value(3.0)]
            self.table = {"scale": 0.5, "bias": Value(0.1)}

    model = Mixed()
    assert [name for name, _ in model.named_parameters()] == ["ws.0", "ws.2", "table.bias"]
    assert [p.label for p in model.parameters()] == ["ws.0", "ws.2", "table.bias"]
    assert model.ws[1] == 2.0 and model.table["scale"] == 0.5


def test_a_module_that_holds_itself_or_a_cycle_lists_each_module_once() -> None:
    # Regression (issue 21, finding 14): self.me = self raised RecursionError.
    from autograd_lite import Module, Value

    class Loop(Module):
        def __init__(self) -> None:
            self.w = Value(1.0)
            self.me = self

    model = Loop()
    assert model.parameters() == [model.w] and model.w.label == "w"
    assert model.modules() == [model]
    model.eval()
    assert model.training is False
    a, b = Loop(), Loop()
    a.other, b.other = b, a
    assert a.modules() == [a, b] and a.parameters() == [a.w, b.w]
    assert a.state_dict() == {"w": 1.0, "other.w": 1.0}


def test_a_module_nested_1200_deep_lists_its_parameters() -> None:
    from autograd_lite import Module, Value

    class Box(Module):
        def __init__(self, inner: Module | None) -> None:
            self.w = Value(1.0)
            if inner is not None:
                self.inner = inner

    model = Box(None)
    for _ in range(1199):
        model = Box(model)
    assert len(model.parameters()) == 1200
    assert model.named_parameters()[-1][0] == "inner." * 1199 + "w"


def test_load_state_dict_takes_numpy_scalars() -> None:
    # Regression (issue 21, finding 15): np.float32 values were refused as "not a number".
    import numpy as np

    from autograd_lite.nn import MLP

    model = MLP(2, [2, 1], seed=0)
    state = {k: np.float32(0.25) for k in model.state_dict()}
    model.load_state_dict(state)
    assert all(type(v) is float and v == 0.25 for v in model.state_dict().values())
    before = model.state_dict()
    with pytest.raises(TypeError, match="expected a number"):
        model.load_state_dict({**state, "layers.1.neurons.0.b": np.bool_(True)})
    assert model.state_dict() == before
