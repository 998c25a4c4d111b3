"""The network view, names shared with explain(), and weights kept in order by both renderers."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from autograd_lite import MLP, Neuron, Value, check_gradients, draw_graph, explain
from autograd_lite.draw import GraphTooLargeError
from autograd_lite.draw import render as R
from autograd_lite.draw.highlight import STYLES
from autograd_lite.draw.network import LEGEND, short_name
from autograd_lite.draw.raster import svg_size

HAS_DOT = R.dot_program() is not None
RENDERERS = ["wasm", pytest.param("dot", marks=pytest.mark.skipif(not HAS_DOT, reason="no dot"))]
SVG = "{http://www.w3.org/2000/svg}"


def mlp_loss(sizes: list[int]) -> Value:
    model = MLP(2, sizes, seed=0)
    out = model([Value(0.5, "x.0"), Value(-1.0, "x.1")])
    loss = ((out[0] if isinstance(out, list) else out) - 1.0) ** 2
    loss.label = "loss"
    loss.backward()
    return loss


def node_texts(svg: str) -> dict[str, list[str]]:
    """The text lines of every node group of an SVG, by the group's id."""
    root = ET.fromstring(svg)
    return {
        g.get("id", ""): ["".join(t.itertext()).replace("\xa0", " ") for t in g.iter(f"{SVG}text")]
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "node"
    }


@pytest.fixture(scope="module")
def network_svg() -> str:
    return draw_graph(mlp_loss([16, 16, 1]), view="network", renderer="wasm").svg()


def test_short_names() -> None:
    assert short_name("layers.1.neurons.2") == "L1.N2"
    assert short_name("neurons.10") == "N10"


def test_mlp_16_16_1_is_one_box_per_neuron_and_fits_a_notebook(network_svg: str) -> None:
    texts = node_texts(network_svg)
    neurons = [i for i in texts if i.startswith("n_L")]
    assert len(neurons) == 16 + 16 + 1
    width, _ = svg_size(network_svg)
    assert width <= 1100  # pt: scaled to a ~1000 px notebook output, text stays ~9 px
    assert texts["n_L1_N2"][0] == "L1.N2 relu"
    # weights in order, then bias, weighted sum and activation, each with data and grad
    names = [line for line in texts["n_L1_N2"][1:] if re.fullmatch(r"w\d+|b|z|a", line)]
    assert names == [f"w{k}" for k in range(16)] + ["b", "z", "a"]
    assert any(t[:1] == ["x.0"] for t in texts.values())
    assert any(line.startswith("loss") for t in texts.values() for line in t)


def test_network_numbers_are_the_parameters_data_and_grad() -> None:
    loss = mlp_loss([3, 1])
    model_w = next(n for n in _leaves(loss) if n.label == "layers.0.neurons.1.w.1")
    source = draw_graph(loss, view="network", digits=4).source
    box = re.search(r'n_L0_N1 \[label="(.*?)" ', source)
    assert box is not None
    cell = re.search(r"w1\\n([^\\]+)\\n∇ ([^ }|]+)", box.group(1))
    assert cell is not None
    assert float(cell.group(1)) == pytest.approx(model_w.data, rel=1e-3)
    assert float(cell.group(2)) == pytest.approx(float(model_w.grad), rel=1e-3, abs=1e-12)


def _leaves(root: Value) -> list[Value]:
    from autograd_lite import topological_order

    return [n for n in topological_order(root) if not n.parents]


def test_the_legend_explains_the_short_names() -> None:
    source = draw_graph(mlp_loss([2, 1]), view="network").source
    first_line = LEGEND.split("\n")[0]
    assert first_line in source.replace("\\n", "\n")


def test_the_network_view_draws_what_the_values_view_refuses() -> None:
    loss = mlp_loss([16, 16, 1])
    with pytest.raises(GraphTooLargeError, match="view='network'"):
        draw_graph(loss, max_nodes=100)  # 407 values and 67 operations
    drawing = draw_graph(loss, view="network", max_nodes=100)
    assert drawing.num_values == 33 + 5  # neurons; x.0, x.1, the constant 1.0, out - 1, loss


def test_network_and_group_are_alternatives() -> None:
    with pytest.raises(ValueError, match="group= frames the values view"):
        draw_graph(mlp_loss([2, 1]), view="network", group="neuron")
    with pytest.raises(ValueError, match="view must be one of"):
        draw_graph(mlp_loss([2, 1]), view="neurons")


def test_a_wrong_parameter_colours_its_neuron_and_marks_its_cell() -> None:
    loss = mlp_loss([2, 1])
    target = next(n for n in _leaves(loss) if n.label == "layers.1.neurons.0.w.1")
    drawing = draw_graph(loss, view="network", highlight={target: "WRONG"})
    line = next(x for x in drawing.source.splitlines() if x.strip().startswith("n_L1_N0 "))
    assert "✗ w1" in line and STYLES["wrong"]["fillcolor"] in line
    assert drawing.facts is not None
    element = {n.name: n.element for n in drawing.facts.nodes}
    assert element["layers.1.neurons.0.w.1"] == "n_L1_N0"


def test_a_model_without_neurons_is_drawn_as_values() -> None:
    x = Value(1.0, "x")
    drawing = draw_graph((x * 2).tanh(), view="network")
    assert "Ln.Nm" not in drawing.source and drawing.num_values == 4


# ---------------------------------------------------------------- names shared with explain


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


@pytest.mark.parametrize("renderer", RENDERERS)
def test_a_layers_neurons_are_drawn_in_order_by_both_renderers(renderer: str) -> None:
    # Debian's Graphviz 2.43 used to refuse this drawing outright ("lost ... edge").
    drawing = draw_graph(mlp_loss([16, 16, 1]), view="network", renderer=renderer)
    root = ET.fromstring(drawing.svg())
    tops: dict[str, float] = {}
    for g in root.iter(f"{SVG}g"):
        name = g.get("id", "")
        polygon = next(g.iter(f"{SVG}polygon"), None)
        if g.get("class") == "node" and re.fullmatch(r"n_L\d_N\d+", name) and polygon is not None:
            points = [p.split(",") for p in polygon.get("points", "").split()]
            tops[name] = min(float(y) for _x, y in points)
    for layer in (0, 1):
        column = [tops[f"n_L{layer}_N{k}"] for k in range(16)]
        assert column == sorted(column), (renderer, layer)
    assert drawing.pipe("png")[:8] == b"\x89PNG\r\n\x1a\n"


def test_check_report_names_line_up_with_the_network_view() -> None:
    report = check_gradients(lambda x: x * x, {"x": 3.0}, {"x": 5.0})
    drawing = draw_graph(report.loss, highlight=report, view="network")
    assert drawing.facts is not None
    notes = {n.name: n.note for n in drawing.facts.nodes if n.note is not None}
    assert notes["x"] is not None and notes["x"].verdict == "wrong"
    assert (notes["x"].expected, notes["x"].reference) == (5.0, 6.0)
