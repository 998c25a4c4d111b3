"""The network view: neurons as circles, weights as lines, layers in forward order, one font."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest

from autograd_lite import MLP, Layer, Module, Neuron, Value, check_gradients, draw_graph, explain
from autograd_lite.draw import GraphTooLargeError
from autograd_lite.draw import render as R
from autograd_lite.draw.network import short_name
from autograd_lite.draw.raster import svg_size
from autograd_lite.draw.svgkit import NEGATIVE, POSITIVE

HAS_DOT = R.dot_program() is not None
RENDERERS = ["bundled", pytest.param("dot", marks=pytest.mark.skipif(not HAS_DOT, reason="no dot"))]
SVG = "{http://www.w3.org/2000/svg}"


def mlp_loss(sizes: list[int], seed: int = 0) -> Value:
    model = MLP(2, sizes, seed=seed)
    out = model([Value(0.5, "x.0"), Value(-1.0, "x.1")])
    loss = ((out[0] if isinstance(out, list) else out) - 1.0) ** 2
    loss.label = "loss"
    loss.backward()
    return loss


def groups(svg: str, cls: str) -> dict[str, ET.Element]:
    """The <g> elements whose class list holds ``cls``, by id."""
    root = ET.fromstring(svg)
    return {
        g.get("id", ""): g for g in root.iter(f"{SVG}g") if cls in (g.get("class") or "").split()
    }


def hover(g: ET.Element) -> str:
    element = g.find(f"{SVG}title")
    assert element is not None
    return element.text or ""


def circle_at(g: ET.Element) -> tuple[float, float]:
    c = g.find(f"{SVG}circle")
    assert c is not None
    return float(c.get("cx", "nan")), float(c.get("cy", "nan"))


def leaves(root: Value) -> dict[str, Value]:
    from autograd_lite import topological_order

    return {n.label: n for n in topological_order(root) if not n.parents and n.label}


@pytest.fixture(scope="module")
def network() -> tuple[Value, str]:
    loss = mlp_loss([16, 16, 1])
    return loss, draw_graph(loss, view="network").svg()


def test_short_names_are_unique_per_layer() -> None:
    assert short_name("layers.1.neurons.2") == "L1.N2"
    assert short_name("neurons.10") == "N10"
    assert short_name("l2.neurons.3") != short_name("l1.neurons.3")


def test_mlp_16_16_1_fits_a_slide_with_one_circle_per_neuron(network: tuple[Value, str]) -> None:
    _, svg = network
    neurons = groups(svg, "neuron")
    assert len(neurons) == 16 + 16 + 1
    assert set(groups(svg, "input")) and len(groups(svg, "input")) == 2
    assert len(groups(svg, "output")) == 1
    width, height = svg_size(svg)
    assert (width * 4 / 3, height * 4 / 3) == (960, 540)  # px: 16:9, a notebook's width
    assert len(groups(svg, "edge")) == 2 * 16 + 16 * 16 + 16


def test_the_png_is_1920_by_1080_at_most(network: tuple[Value, str]) -> None:
    image = pytest.importorskip("PIL.Image")
    loss, _ = network
    png = draw_graph(loss, view="network").png()
    assert image.open(io.BytesIO(png)).size == (1920, 1080)


def test_a_wide_layer_grows_the_drawing_but_its_png_still_fits_a_slide() -> None:
    image = pytest.importorskip("PIL.Image")
    svg_loss = mlp_loss([64, 1])
    drawing = draw_graph(svg_loss, view="network")
    assert svg_size(drawing.svg())[1] * 4 / 3 > 540  # 64 circles at 16 px apart
    size = image.open(io.BytesIO(drawing.png())).size
    assert size[0] <= 1920 and size[1] == 1080


def test_one_font_family_for_every_word(network: tuple[Value, str]) -> None:
    _, svg = network
    families = set(re.findall(r'font-family="([^"]*)"', svg))
    assert len(families) == 1
    assert "<text" in svg and "font-family" not in "".join(re.findall(r"<text[^>]*>", svg))


def test_edge_colours_are_the_weights_signs_and_widths_their_sizes(
    network: tuple[Value, str],
) -> None:
    loss, svg = network
    params = leaves(loss)
    widths = []
    for g in groups(svg, "edge").values():
        name = hover(g).split(" = ")[0]
        w = params[name].data
        assert float(g.get("data-w", "nan")) == w
        line = g.find(f"{SVG}line")
        assert line is not None
        assert line.get("stroke") == (POSITIVE if w > 0 else NEGATIVE)
        widths.append((abs(w), float(line.get("stroke-width", "0"))))
    widths.sort()
    assert [w for _, w in widths] == sorted(w for _, w in widths)  # larger weight, wider line
    assert widths[-1][1] == pytest.approx(5.0, abs=0.01)


def test_layers_are_columns_left_to_right_and_neurons_in_order(network: tuple[Value, str]) -> None:
    _, svg = network
    neurons = groups(svg, "neuron")
    for layer in (0, 1):
        column = [circle_at(neurons[f"n_L{layer}_N{k}"]) for k in range(16)]
        assert len({x for x, _ in column}) == 1
        assert [y for _, y in column] == sorted(y for _, y in column)
    xs = [circle_at(neurons[f"n_L{i}_N0"])[0] for i in range(3)]
    assert xs == sorted(xs)
    labels = [
        t.text for t in ET.fromstring(svg).iter(f"{SVG}text") if t.get("class") == "layer-label"
    ]
    assert labels[:6] == ["inputs", "2", "layers.0", "16 × relu", "layers.1", "16 × relu"]


def test_hover_gives_a_neurons_numbers() -> None:
    loss = mlp_loss([3, 1])
    params = leaves(loss)
    text = hover(groups(draw_graph(loss, view="network", digits=4).svg(), "neuron")["n_L0_N1"])
    w1 = params["layers.0.neurons.1.w.1"]
    assert f"w1 = {format(w1.data, '.4g')}" in text
    assert f"∂loss/∂w1 = {format(float(w1.grad), '.4g')}" in text
    assert text.startswith("layers.0.neurons.1 (L0.N1), relu")


class ThreeLayers(Module):
    """Attributes registered in an order unlike the forward pass's."""

    def __init__(self) -> None:
        self.head = Layer(3, 1, activation="linear", seed=3)
        self.encoder = Layer(2, 4, seed=1)
        self.hidden = Layer(4, 3, activation="tanh", seed=2)

    def forward(self, x: list[float]) -> Value:
        out = self.head(self.hidden(self.encoder(x)))
        return out[0] if isinstance(out, list) else out


def custom_loss() -> Value:
    net = ThreeLayers()
    loss = sum(((net([0.3 * k, -0.2 * k]) - 1.0) ** 2 for k in (1, 2, 3)), Value(0.0))
    loss.label = "loss"
    loss.backward()
    return loss


def test_a_custom_module_is_drawn_by_its_layers_in_forward_order() -> None:
    svg = draw_graph(custom_loss(), view="network").svg()
    neurons = groups(svg, "neuron")
    assert len(neurons) == 4 + 3 + 1
    by_layer: dict[str, list[tuple[int, tuple[float, float]]]] = {}
    for g in neurons.values():
        path = hover(g).split(" ", 1)[0]
        layer, _, index = path.rpartition(".neurons.")
        by_layer.setdefault(layer, []).append((int(index), circle_at(g)))
    x = {layer: {at[0] for _, at in items} for layer, items in by_layer.items()}
    assert all(len(xs) == 1 for xs in x.values())
    assert sorted(x, key=lambda layer: x[layer].pop()) == ["encoder", "hidden", "head"]
    for items in by_layer.values():
        items.sort()
        assert [at[1] for _, at in items] == sorted(at[1] for _, at in items)  # N0 on top
    labels = [
        t.text for t in ET.fromstring(svg).iter(f"{SVG}text") if t.get("class") == "layer-label"
    ]
    assert labels[2::2][:3] == ["encoder", "hidden", "head"]
    assert len(groups(svg, "edge")) == 2 * 4 + 4 * 3 + 3 * 1


def test_the_gradient_overlay_colours_lines_by_the_weights_gradients() -> None:
    loss = mlp_loss([4, 1])
    params = leaves(loss)
    svg = draw_graph(loss, view="network", overlay="grad").svg()
    signs = set()
    for g in groups(svg, "edge").values():
        grad = float(params[hover(g).split(" = ")[0]].grad)
        line = g.find(f"{SVG}line")
        assert line is not None
        if grad != 0.0:
            assert line.get("stroke") == (POSITIVE if grad > 0 else NEGATIVE)
            signs.add(grad > 0)
    assert signs == {True, False}
    with pytest.raises(ValueError, match="overlay must be"):
        draw_graph(loss, view="network", overlay="weights")
    plain = draw_graph(loss, view="network").svg()
    assert draw_graph(loss, view="network", overlay="values").svg() == plain


def test_the_network_view_draws_what_the_values_view_refuses() -> None:
    loss = mlp_loss([16, 16, 1])
    with pytest.raises(GraphTooLargeError, match="view='network'"):
        draw_graph(loss, max_nodes=100)  # 407 values and 67 operations
    drawing = draw_graph(loss, view="network", max_nodes=100)
    assert drawing.num_values == 33 + 2 + 1  # neurons, x.0 and x.1, the loss
    with pytest.raises(ValueError, match="no DOT"):
        drawing.source  # noqa: B018


def test_network_and_group_are_alternatives() -> None:
    with pytest.raises(ValueError, match="group= frames the values view"):
        draw_graph(mlp_loss([2, 1]), view="network", group="neuron")
    with pytest.raises(ValueError, match="view must be one of"):
        draw_graph(mlp_loss([2, 1]), view="neurons")


def test_a_wrong_parameter_outlines_its_neuron_in_red() -> None:
    loss = mlp_loss([2, 1])
    target = leaves(loss)["layers.1.neurons.0.w.1"]
    drawing = draw_graph(loss, view="network", highlight={target: "WRONG"})
    neurons = groups(drawing.svg(), "neuron")
    assert neurons["n_L1_N0"].get("data-verdict") == "wrong"
    assert [e for e, g in neurons.items() if g.get("data-verdict")] == ["n_L1_N0"]
    assert drawing.facts is not None
    element = {n.name: n.element for n in drawing.facts.nodes}
    assert element["layers.1.neurons.0.w.1"] == "n_L1_N0"


def test_a_hand_written_neuron_labelled_like_nn_is_found() -> None:
    xs = [Value(1.0, "x.0"), Value(-2.0, "x.1")]
    ws = [Value(0.5, "neurons.0.w.0"), Value(-0.25, "neurons.0.w.1")]
    b = Value(0.1, "neurons.0.b")
    out = (sum((w * x for w, x in zip(ws, xs, strict=True)), b)).tanh()
    out.label = "neurons.0.a"
    out.backward()
    svg = draw_graph(out, view="network").svg()
    assert list(groups(svg, "neuron")) == ["n_N0"]
    edges = groups(svg, "edge")
    assert {(g.get("data-sign"), hover(g).split(" = ")[0]) for g in edges.values()} == {
        ("+", "neurons.0.w.0"),
        ("-", "neurons.0.w.1"),
    }


def test_a_model_without_neurons_is_drawn_as_values() -> None:
    x = Value(1.0, "x")
    drawing = draw_graph((x * 2).tanh(), view="network")
    assert drawing.view == "values" and drawing.num_values == 4


# ---------------------------------------------------------------- names shared with explain


def node_texts(svg: str) -> dict[str, list[str]]:
    """The text lines of every Graphviz node group of an SVG, by the group's id."""
    root = ET.fromstring(svg)
    return {
        g.get("id", ""): ["".join(t.itertext()).replace("\xa0", " ") for t in g.iter(f"{SVG}text")]
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "node"
    }


def test_unlabelled_nodes_carry_the_names_explain_uses() -> None:
    x, w = Value(2.0, "x"), Value(-3.0, "w")
    y = (x * w + 1.0).tanh()
    y.backward()
    texts = [" ".join(t) for t in node_texts(draw_graph(y, renderer="wasm").svg()).values()]
    for step in explain(y):
        assert any(t.startswith(step.name + " ") for t in texts), step.name


# ---------------------------------------------------------------- weights keep their order


@pytest.mark.parametrize("renderer", RENDERERS)
def test_a_neurons_weights_are_drawn_in_order(renderer: str) -> None:
    neuron = Neuron(5, seed=1)
    y = neuron([0.1 * k for k in range(5)])
    y.backward()
    svg = draw_graph(y, renderer=renderer).svg()
    root = ET.fromstring(svg)
    heights = {}
    for g in root.iter(f"{SVG}g"):
        words = ["".join(t.itertext()) for t in g.iter(f"{SVG}text")]
        if g.get("class") == "node" and words and re.fullmatch(r"w\.\d", words[0]):
            heights[words[0]] = float(next(g.iter(f"{SVG}text")).get("y", "0"))
    assert len(heights) == 5
    assert sorted(heights, key=heights.__getitem__) == [f"w.{k}" for k in range(5)]


def test_check_report_names_line_up_with_the_network_view() -> None:
    report = check_gradients(lambda x: x * x, {"x": 3.0}, {"x": 5.0})
    drawing = draw_graph(report.loss, highlight=report, view="network")
    assert drawing.facts is not None
    notes = {n.name: n.note for n in drawing.facts.nodes if n.note is not None}
    assert notes["x"] is not None and notes["x"].verdict == "wrong"
    assert (notes["x"].expected, notes["x"].reference) == (5.0, 6.0)
