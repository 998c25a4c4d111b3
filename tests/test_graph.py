"""autograd_lite.draw.graph: the DOT text, every option, escaping, limits, and the rendered SVG.

Small graphs are compared with stored DOT in tests/data/dot/. After an intended change to the
drawing, regenerate them with ``AUTOGRAD_LITE_UPDATE_DOT=1 pytest tests/test_graph.py`` and
review the diff.
"""

from __future__ import annotations

import base64
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import graphviz
import pytest

import autograd_lite as al
from autograd_lite import GraphDrawing, GraphTooLargeError, Value, draw_graph
from autograd_lite.draw import graph as D
from autograd_lite.draw import render as R
from autograd_lite.draw.highlight import STYLES
from autograd_lite.draw.raster import svg_size
from autograd_lite.draw.text import NOT_COMPUTED_CAPTION, format_number

DATA = Path(__file__).parent / "data" / "dot"
HAS_DOT = R.dot_program() is not None
RENDERERS = ["wasm", pytest.param("dot", marks=pytest.mark.skipif(not HAS_DOT, reason="no dot"))]


# ---------------------------------------------------------------- helpers


def neuron() -> tuple[Value, Value, Value, Value]:
    x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(6.88, "b")
    return x, w, b, (x * w + b).tanh()


def tiny_mlp() -> Value:
    """A 2-2-1 tanh network built by hand, labelled the way autograd_lite.nn labels."""
    xs: list[Value] = [Value(1.0, "x.0"), Value(-2.0, "x.1")]
    for layer, (nin, nout) in enumerate([(2, 2), (2, 1)]):
        outs = []
        for n in range(nout):
            prefix = f"layers.{layer}.neurons.{n}"
            act = Value(0.1 * (n + 1), f"{prefix}.b")
            for i in range(nin):
                w = Value(0.5 - 0.25 * i + 0.1 * layer, f"{prefix}.w.{i}")
                act = act + w * xs[i]
            outs.append(act.tanh())
        xs = outs
    return (xs[0] - 1.0) ** 2


def check_expected_dot(name: str, source: str) -> None:
    path = DATA / f"{name}.dot"
    if os.environ.get("AUTOGRAD_LITE_UPDATE_DOT"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    assert path.exists(), f"no stored DOT {path}: run with AUTOGRAD_LITE_UPDATE_DOT=1 once"
    assert source == path.read_text(encoding="utf-8")


def svg_texts(svg: str) -> list[str]:
    """Every text element of an SVG, whitespace normalised (Graphviz writes '  ' as ' \\xa0')."""
    root = ET.fromstring(svg)
    texts = []
    for el in root.iter():
        if el.tag.rsplit("}", 1)[-1] == "text":
            texts.append(" ".join("".join(el.itertext()).replace("\xa0", " ").split()))
    return texts


def node_attrs(source: str, node_id: str) -> str:
    match = re.search(rf"^\s*{node_id} \[(.*)\]$", source, re.MULTILINE)
    assert match, f"node {node_id} not in DOT"
    return match.group(1)


def edge_labels_from(source: str, tail: str) -> list[str]:
    return re.findall(rf'^\s*{tail} -> op\d+ \[label="([^"]*)" id=[^\]]*\]$', source, re.MULTILINE)


@dataclass
class Row:
    name: str
    verdict: str


@dataclass
class Report:
    rows: list[Row]


# ---------------------------------------------------------------- stored DOT (determinism)


def test_neuron_before_backward_matches_stored_dot() -> None:
    *_, y = neuron()
    check_expected_dot("neuron_before_backward", draw_graph(y).source)


def test_neuron_after_backward_with_edge_labels_matches_stored_dot() -> None:
    *_, y = neuron()
    y.backward()
    check_expected_dot("neuron_edge_labels", draw_graph(y, edge_labels=True).source)


def test_reused_node_top_to_bottom_matches_stored_dot() -> None:
    x = Value(3.0, "x")
    y = x * x + x
    y.backward()
    drawing = draw_graph(y, rankdir="TB", digits=3, edge_labels=True)
    check_expected_dot("reused_node_tb", drawing.source)


def test_hidden_fields_match_stored_dot() -> None:
    *_, y = neuron()
    check_expected_dot("hidden_fields", draw_graph(y, show_data=False, show_grad=False).source)


def test_neuron_groups_match_stored_dot() -> None:
    loss = tiny_mlp()
    loss.backward()
    check_expected_dot("tiny_mlp_neurons", draw_graph(loss, group="neuron").source)


def test_highlight_report_matches_stored_dot() -> None:
    *_, y = neuron()
    y.backward()
    report = Report([Row("x", "ok"), Row("w", "WRONG"), Row("b", "kink")])
    check_expected_dot("highlight_report", draw_graph(y, highlight=report).source)


def test_same_graph_gives_same_text() -> None:
    def build() -> str:
        loss = tiny_mlp()
        loss.backward()
        return draw_graph(loss, group="neuron", edge_labels=True).source

    assert build() == build()


# ---------------------------------------------------------------- the drawing object


def test_drawing_exposes_digraph_source_and_svg() -> None:
    *_, y = neuron()
    drawing = draw_graph(y, renderer="wasm")
    assert isinstance(drawing, GraphDrawing)
    assert isinstance(drawing.digraph, graphviz.Digraph)
    assert drawing.source == drawing.digraph.source
    assert (drawing.num_values, drawing.num_ops) == (6, 3)
    bundle, metadata = drawing._repr_mimebundle_()
    assert sorted(bundle) == ["application/pdf", "image/png", "image/svg+xml", "text/plain"]
    assert bundle["image/svg+xml"] == drawing._repr_svg_() == drawing.svg()
    assert base64.b64decode(bundle["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"
    assert metadata["image/png"]["width"] == round(svg_size(drawing.svg())[0] * 4 / 3)
    assert "6 values, 3 operations" in repr(drawing)
    only_text = drawing._repr_mimebundle_(exclude=["image/svg+xml", "image/png", "application/pdf"])
    assert only_text == ({"text/plain": repr(drawing)}, {})


def test_editing_the_digraph_changes_the_drawing() -> None:
    *_, y = neuron()
    drawing = draw_graph(y, renderer="wasm")
    before = drawing.svg()
    drawing.digraph.attr(label="my title")
    assert drawing.svg() != before
    assert "my title" in svg_texts(drawing.svg())


def test_notebook_display_without_any_renderer_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(R, "dot_program", lambda: None)
    monkeypatch.setattr(R, "bundled_available", lambda: False)
    *_, y = neuron()
    bundle, _ = draw_graph(y)._repr_mimebundle_()
    assert list(bundle) == ["text/plain"]
    assert "pip install graphviz-pure" in bundle["text/plain"]


def test_jupyter_shows_svg_without_system_graphviz(monkeypatch: pytest.MonkeyPatch) -> None:
    formatters = pytest.importorskip("IPython.core.formatters")
    monkeypatch.setattr(R, "dot_program", lambda: None)
    *_, y = neuron()
    data, _ = formatters.DisplayFormatter().format(draw_graph(y))
    assert "tanh" in svg_texts(data["image/svg+xml"])
    assert data["text/plain"].startswith("<GraphDrawing")


@pytest.mark.parametrize("renderer", RENDERERS)
def test_svg_shows_every_label(renderer: str) -> None:
    *_, y = neuron()
    y.backward()
    drawing = draw_graph(y, edge_labels=True, renderer=renderer)
    texts = svg_texts(drawing.svg())
    expected = [
        *("x", "data 2", "grad -1.503"),
        *("w", "data -3", "grad 1.002"),
        *("b", "data 6.88", "grad 0.501"),
        *("data -6", "data 0.88", "data 0.7064", "grad 1"),
        *("*", "+", "tanh"),
        *("local -3", "adds -1.503", "local 0.501", "adds 0.501"),
    ]
    missing = [t for t in expected if t not in texts]
    assert not missing, f"missing from the SVG: {missing}; it has {texts}"


def test_forced_fallback_draws_even_where_dot_exists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(R, "dot_program", lambda: None)
    used: list[str] = []
    real = R._render_svg_bundled
    monkeypatch.setattr(R, "_render_svg_bundled", lambda src: used.append("bundled") or real(src))
    *_, y = neuron()
    assert "tanh" in svg_texts(draw_graph(y).svg())
    assert used == ["bundled"]


# ---------------------------------------------------------------- saving


def test_save_svg_and_dot(tmp_path: Path) -> None:
    *_, y = neuron()
    drawing = draw_graph(y, renderer="wasm")
    svg_path = drawing.save(tmp_path / "g.svg")
    assert svg_path == tmp_path / "g.svg"
    assert "tanh" in svg_texts(svg_path.read_text(encoding="utf-8"))
    assert drawing.save(tmp_path / "g.gv").read_text(encoding="utf-8") == drawing.source
    assert drawing.save(str(tmp_path / "g.dot")).read_text(encoding="utf-8") == drawing.source
    forced = drawing.save(tmp_path / "picture", format="svg")
    assert forced.read_bytes().startswith(b"<?xml")


@pytest.mark.parametrize("name", ["g.pdf", "G.PDF"])
def test_save_pdf_without_dot_names_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setattr(R, "dot_program", lambda: None)
    *_, y = neuron()
    with pytest.raises(al.RenderError, match="apt-get install graphviz"):
        draw_graph(y).save(tmp_path / name)
    assert not (tmp_path / name).exists()


@pytest.mark.skipif(not HAS_DOT, reason="system Graphviz `dot` is not installed")
@pytest.mark.parametrize(("name", "magic"), [("g.png", b"\x89PNG"), ("g.pdf", b"%PDF")])
def test_save_png_pdf_with_dot(tmp_path: Path, name: str, magic: bytes) -> None:
    *_, y = neuron()
    assert draw_graph(y).save(tmp_path / name).read_bytes().startswith(magic)


def test_save_unknown_suffix(tmp_path: Path) -> None:
    *_, y = neuron()
    with pytest.raises(ValueError, match=r"\.svg, \.png, \.pdf"):
        draw_graph(y).save(tmp_path / "g.jpeg")


# ---------------------------------------------------------------- before backward


def test_caption_says_gradients_not_computed_before_backward() -> None:
    *_, y = neuron()
    drawing = draw_graph(y, renderer="wasm")
    assert NOT_COMPUTED_CAPTION in drawing.source
    assert NOT_COMPUTED_CAPTION in svg_texts(drawing.svg())
    y.backward()
    assert NOT_COMPUTED_CAPTION not in draw_graph(y).source


def test_no_caption_when_grads_are_hidden() -> None:
    *_, y = neuron()
    assert "label=" not in draw_graph(y, show_grad=False).source.split("\n")[1]


def test_edge_labels_before_backward_show_only_local_derivatives() -> None:
    *_, y = neuron()
    labels = edge_labels_from(draw_graph(y, edge_labels=True).source, "v0")
    assert labels == ["local -3"]


# ---------------------------------------------------------------- options


def test_rankdir() -> None:
    *_, y = neuron()
    lr, tb = draw_graph(y).source, draw_graph(y, rankdir="TB").source
    assert "rankdir=LR" in lr and "rankdir=TB" in tb
    # fields read left to right either way: braces flip a record only in LR
    assert 'label="{ x | data 2 | grad 0 }"' in lr
    assert 'label="x | data 2 | grad 0"' in tb
    with pytest.raises(ValueError, match="rankdir"):
        draw_graph(y, rankdir="XY")


@pytest.mark.parametrize(
    ("digits", "shown"), [(1, "data 0.7"), (2, "data 0.71"), (6, "data 0.706419")]
)
def test_digits(digits: int, shown: str) -> None:
    *_, y = neuron()
    assert shown + " " in node_attrs(draw_graph(y, digits=digits).source, "v5")


@pytest.mark.parametrize("digits", [0, 18, 2.5, True])
def test_bad_digits(digits: Any) -> None:
    *_, y = neuron()
    with pytest.raises(ValueError, match="digits"):
        draw_graph(y, digits=digits)


def test_numbers_are_formatted_readably() -> None:
    fmt = format_number
    assert [fmt(-0.0, 4), fmt(1234567.0, 4), fmt(1e-7, 3), fmt(float("nan"), 4)] == [
        "0",
        "1.235e+06",
        "1e-07",
        "nan",
    ]
    assert fmt(float("-inf"), 4) == "-inf"


def test_show_data_and_show_grad() -> None:
    *_, y = neuron()
    y.backward()
    no_data = draw_graph(y, show_data=False).source
    no_grad = draw_graph(y, show_grad=False).source
    assert "data " not in no_data and "grad 1.002" in no_data
    assert "grad " not in no_grad and "data 6.88" in no_grad


def test_grads_built_with_create_graph_are_drawn_as_numbers() -> None:
    x = Value(3.0, "x")
    y = x * x
    y.backward(create_graph=True)
    assert isinstance(x.grad, Value)
    assert "grad 6 " in node_attrs(draw_graph(y, max_nodes=None).source, "v0")


def test_root_must_be_a_value() -> None:
    with pytest.raises(TypeError, match="expected a Value"):
        draw_graph(3.0)  # type: ignore[arg-type]


# ---------------------------------------------------------------- edge labels


def test_reused_node_grad_is_the_sum_of_its_edge_contributions() -> None:
    x = Value(3.0, "x")
    y = x * x + x  # dy/dx = 2x + 1 = 7
    y.backward()
    source = draw_graph(y, edge_labels=True).source
    labels = edge_labels_from(source, "v0")
    assert sorted(labels) == ["local 1\\nadds 1", "local 3\\nadds 3", "local 3\\nadds 3"]
    adds = [float(label.split("adds ")[1]) for label in labels]
    assert sum(adds) == x.grad == 7.0


def test_edge_labels_for_every_kind_of_op() -> None:
    a, b = Value(0.5, "a"), Value(2.0, "b")
    parts = [a + b, a - b, a * b, a / b, -a, a**2, 2**a, a**b, a.exp(), b.log(), a.tanh()]
    parts += [a.relu(), a.sigmoid(), abs(a), a.sin(), a.cos(), al.sum_values([a, b])]
    parts += [al.dot([a, b], [b, a])]
    y = al.sum_values(parts)
    y.backward()
    source = draw_graph(y, edge_labels=True, max_nodes=None).source
    labels = re.findall(r'-> op\d+ \[label="([^"]*)" id=', source)
    assert labels and all(label.startswith("local ") for label in labels)
    assert all("?" not in label and "nan" not in label for label in labels)
    # contributions out of each leaf add up to its grad
    for leaf_id, leaf in (("v0", a), ("v1", b)):
        adds = [float(lbl.split("adds ")[1]) for lbl in edge_labels_from(source, leaf_id)]
        assert sum(adds) == pytest.approx(leaf.grad, rel=1e-3)


# ---------------------------------------------------------------- highlight


def test_highlight_nodes() -> None:
    x, w, b, y = neuron()
    source = draw_graph(y, highlight=[x, b]).source
    marked = STYLES["mark"]["fillcolor"]
    assert marked in node_attrs(source, "v0") and marked in node_attrs(source, "v3")
    assert "fillcolor" not in node_attrs(source, "v1")
    assert marked in node_attrs(draw_graph(y, highlight=w).source, "v1")


def test_highlight_report_colours_and_legend() -> None:
    *_, y = neuron()
    y.backward()
    report = Report([Row("x", "ok"), Row("w", "WRONG"), Row("b", "kink"), Row("zz", "WRONG")])
    drawing = draw_graph(y, highlight=report, renderer="wasm")
    source = drawing.source
    assert STYLES["ok"]["fillcolor"] in node_attrs(source, "v0")
    assert STYLES["wrong"]["fillcolor"] in node_attrs(source, "v1")
    assert STYLES["kink"]["fillcolor"] in node_attrs(source, "v3")
    legend = "red: WRONG (1), purple: kink (1), green: ok (1)"
    assert legend in svg_texts(drawing.svg())


def test_highlight_unclear_and_entries_with_nodes() -> None:
    x, _w, _b, y = neuron()

    @dataclass
    class Entry:
        name: str
        verdict: str
        node: Value | None

    @dataclass
    class EntryReport:
        entries: list[Entry]

    # a node match wins over a label: the entry named "w" points at x
    report = EntryReport([Entry("w", "unclear", x), Entry("b", "ok", None)])
    source = draw_graph(y, highlight=report).source
    assert STYLES["unclear"]["fillcolor"] in node_attrs(source, "v0")
    assert STYLES["unclear"]["fillcolor"] in node_attrs(source, "v1")  # by its label
    assert STYLES["ok"]["fillcolor"] in node_attrs(source, "v3")
    assert "yellow: unclear (2), green: ok (1)" in source


def test_highlight_with_a_real_check_gradients_report() -> None:
    pytest.importorskip("autograd_lite.check.gradcheck")
    np = pytest.importorskip("numpy")
    W = np.array([[0.5, -1.0], [2.0, 0.3]])
    x = np.array([1.0, 2.0])

    def loss_fn(W: Any) -> Any:
        return np.sum(np.tanh(np.dot(W, x)))

    Wv = al.values(W, name="W")
    y = loss_fn(Wv)
    y.backward()
    mine = al.grads(Wv)
    mine[0, 1] += 1.0  # one hand-derived entry is wrong
    report = al.check_gradients(loss_fn, inputs={"W": W}, expected={"W": mine})
    wrong, ok = STYLES["wrong"]["fillcolor"], STYLES["ok"]["fillcolor"]
    for graph in (y, report.loss):  # your graph (matched by label) or the report's own
        source = draw_graph(graph, highlight=report, view="values").source
        coloured = re.findall(r'label="\{ (W\[\d,\d\]) [^\n]*fillcolor="(#\w+)"', source)
        assert sorted(coloured) == [
            ("W[0,0]", ok),
            ("W[0,1]", wrong),
            ("W[1,0]", ok),
            ("W[1,1]", ok),
        ]
        assert "red: WRONG (1), green: ok (3)" in source


def test_highlight_report_rows_may_be_mappings_or_carry_ok() -> None:
    *_, y = neuron()

    @dataclass
    class OkRow:
        name: str
        ok: bool

    @dataclass
    class OkReport:
        rows: list[OkRow]

    source = draw_graph(y, highlight=OkReport([OkRow("x", True), OkRow("w", False)])).source
    assert STYLES["ok"]["fillcolor"] in node_attrs(source, "v0")
    assert STYLES["wrong"]["fillcolor"] in node_attrs(source, "v1")
    rows = [{"name": "b", "verdict": "not checked"}, {"name": "x", "verdict": "ok"}]
    source = draw_graph(y, highlight=Report(rows)).source  # type: ignore[arg-type]
    assert "fillcolor" not in node_attrs(source, "v3")
    assert STYLES["ok"]["fillcolor"] in node_attrs(source, "v0")


def test_highlight_mapping_by_node_or_label() -> None:
    x, _w, _b, y = neuron()
    source = draw_graph(y, highlight={x: "wrong", "b": True}).source
    assert STYLES["wrong"]["fillcolor"] in node_attrs(source, "v0")
    assert STYLES["ok"]["fillcolor"] in node_attrs(source, "v3")


def test_highlight_rejects_unknown_verdicts_and_non_values() -> None:
    x, *_, y = neuron()
    with pytest.raises(ValueError, match="unknown verdict 'maybe'"):
        draw_graph(y, highlight={x: "maybe"})
    with pytest.raises(TypeError, match="highlight"):
        draw_graph(y, highlight=[1, 2])
    with pytest.raises(TypeError, match="highlight"):
        draw_graph(y, highlight=3.5)


# ---------------------------------------------------------------- groups


def clusters(source: str) -> dict[str, list[str]]:
    """Cluster label -> node ids directly inside it, read from the DOT text."""
    found: dict[str, list[str]] = {}
    stack: list[str] = []
    pending = False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.startswith("subgraph cluster_"):
            pending = True
            continue
        if pending and "label=" in stripped:
            label = re.search(r'label="?([^" \]]+)', stripped)
            assert label
            stack.append(label.group(1))
            found[stack[-1]] = []
            pending = False
        elif stripped == "}" and stack:
            stack.pop()
        elif stack and re.match(r"^(v|op)\d+ \[", stripped):
            found[stack[-1]].append(stripped.split(" ", 1)[0])
    return found


def labels_by_id(source: str) -> dict[str, str]:
    out = {}
    for match in re.finditer(r'^\s*(v\d+) \[label="\{ ([^|]*?) \|', source, re.MULTILINE):
        if not match.group(2).startswith("data "):
            out[match.group(1)] = match.group(2)
    return out


def test_group_by_layer_and_neuron() -> None:
    loss = tiny_mlp()
    by_neuron = clusters(draw_graph(loss, group="neuron").source)
    assert list(by_neuron) == [
        "layers.0",
        "layers.0.neurons.0",
        "layers.0.neurons.1",
        "layers.1",
        "layers.1.neurons.0",
    ]
    assert by_neuron["layers.0"] == []  # everything of layer 0 sits in one of its neurons
    by_layer = clusters(draw_graph(loss, group="layer").source)
    assert list(by_layer) == ["layers.0", "layers.1"]


def test_group_puts_a_neurons_computation_in_its_cluster_and_leaves_the_loss_out() -> None:
    loss = tiny_mlp()
    source = draw_graph(loss, group="neuron").source
    found = clusters(source)
    names = labels_by_id(source)
    n00 = found["layers.0.neurons.0"]
    # its parameters, its 2 products, 2 sums, tanh: values and op nodes
    assert [names[i] for i in n00 if i in names and names[i].startswith("layers.")] == [
        "layers.0.neurons.0.b",
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
    ]
    assert len([i for i in n00 if i.startswith("v")]) == 3 + 2 + 2 + 1
    assert len([i for i in n00 if i.startswith("op")]) == 2 + 2 + 1
    inside = {i for ids in found.values() for i in ids}
    order = al.topological_order(loss)
    root_id, sub_id = f"v{len(order) - 1}", f"v{len(order) - 2}"
    assert root_id not in inside and sub_id not in inside  # (out - 1) ** 2 is the loss
    assert not any(names.get(i, "").startswith("x.") for i in inside)  # inputs stay outside


@pytest.mark.parametrize("style", ["micrograd", "sum_then_bias"])
def test_group_works_with_python_sum_inside_a_neuron(style: str) -> None:
    ws = [Value(0.5, f"layers.0.neurons.0.w.{i}") for i in range(3)]
    xs = [Value(1.0, f"x.{i}") for i in range(3)]
    b = Value(0.1, "layers.0.neurons.0.b")
    products = [w * x for w, x in zip(ws, xs, strict=True)]
    if style == "micrograd":  # sum(products, b), as micrograd's Neuron does
        act = sum(products, b)
    else:  # sum() starts from the constant 0, which must not keep the sum outside
        act = sum(products) + b  # type: ignore[assignment]
    out = act.tanh()
    order = al.topological_order(out)
    ops = sum(1 for n in order if n.parents)
    found = clusters(draw_graph(out, group="neuron").source)
    assert found["layers.0"] == []
    assert len(found["layers.0.neurons.0"]) == len(order) - 3 + ops  # all but the inputs


def test_group_by_callable_and_escaped_cluster_label() -> None:
    *_, y = neuron()
    source = draw_graph(y, group=lambda n: 'my "box"' if n.label in ("x", "w") else None).source
    assert 'label="my \\"box\\""' in source
    assert draw_graph(y, group=lambda n: None).source == draw_graph(y).source


def test_group_on_a_standalone_layer_labels() -> None:
    a = Value(1.0, "neurons.0.w.0") * Value(2.0, "x.0")
    b = Value(1.0, "neurons.1.w.0") * Value(2.0, "x.0")
    y = a + b
    assert clusters(draw_graph(y, group="layer").source) == {}
    assert list(clusters(draw_graph(y, group="neuron").source)) == ["neurons.0", "neurons.1"]


def test_bad_group() -> None:
    *_, y = neuron()
    with pytest.raises(ValueError, match="group"):
        draw_graph(y, group="layers")


def test_nn_mlp_clusters_when_nn_exists() -> None:
    nn = pytest.importorskip("autograd_lite.nn")
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    out = model([0.5, -1.0])
    loss = (out - 1.0) ** 2
    found = clusters(draw_graph(loss, group="neuron").source)
    assert [k for k in found if ".neurons." in k] == [
        "layers.0.neurons.0",
        "layers.0.neurons.1",
        "layers.0.neurons.2",
        "layers.1.neurons.0",
    ]


# ---------------------------------------------------------------- escaping

HOSTILE_LABELS = [
    "a|b",
    "{x}",
    "<port>",
    'say "hi"',
    "back\\slash",
    "two\nlines",
    "\\N",
    "\\n",
    "<b>bold</b>",
    "tab\there",
    'x -> y; z }"]; evil [label="',
    "\\",
    "ends with \\",
    '\\"',
    "ünïcødé θ ∂L/∂x",
    "&amp; <&>",
    "{ a | b }",
    "node",
    "a\x00b",
]


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize("label", HOSTILE_LABELS)
def test_labels_are_escaped(label: str, renderer: str) -> None:
    x = Value(1.0, label)
    y = x * 2
    drawing = draw_graph(y, show_grad=False, group=lambda n: label, renderer=renderer)
    texts = svg_texts(drawing.svg())
    shown = label.replace("\t", " ").replace("\x00", "\\x00")
    for line in shown.split("\n"):
        line = " ".join(line.split())
        # once in the value's box, once as the cluster's title
        assert texts.count(line) == 2, f"{line!r} not shown twice in {texts}"
    assert texts.count("data 1") == 1 and texts.count("data 2") == 2


# ---------------------------------------------------------------- large graphs


def chain(n: int) -> Value:
    y = Value(0.5, "x")
    for _ in range(n):
        y = y * 1.0001
    return y


def test_large_graph_fails_fast_with_a_helpful_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(R, "render", lambda *a, **k: pytest.fail("must not render"))
    y = chain(200)  # 401 values, 200 ops
    with pytest.raises(GraphTooLargeError) as info:
        draw_graph(y)
    message = str(info.value)
    assert "601 nodes" in message and "401 values" in message and "200 operations" in message
    assert "max_nodes=500" in message
    assert "max_nodes=None" in message and "group='layer'" in message
    assert isinstance(info.value, ValueError)


def test_max_nodes_none_and_custom_limits() -> None:
    y = chain(200)
    assert draw_graph(y, max_nodes=None).num_values == 401
    assert draw_graph(y, max_nodes=601).num_ops == 200
    with pytest.raises(GraphTooLargeError, match="max_nodes=10"):
        draw_graph(chain(5), max_nodes=10)
    with pytest.raises(ValueError, match="max_nodes"):
        draw_graph(y, max_nodes="lots")  # type: ignore[arg-type]


def test_a_300_node_graph_renders_with_the_fallback() -> None:
    y = chain(150)  # 301 values + 150 ops: under the default limit
    drawing = draw_graph(y, renderer="wasm")
    texts = svg_texts(drawing.svg())
    assert texts.count("*") == 150


def test_huge_graph_is_refused_before_any_dot_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[Callable[..., Any]] = []
    monkeypatch.setattr(D.graphviz, "Digraph", lambda *a, **k: built.append(k) or None)
    with pytest.raises(GraphTooLargeError, match="200001 values"):
        draw_graph(chain(100_000))
    assert built == []


def test_an_unknown_renderer_fails_when_drawing_not_later() -> None:
    # Regression (issue 11): renderer="bogus" failed only when the drawing was rendered.
    with pytest.raises(ValueError, match="renderer must be one of 'auto', 'dot', 'bundled'"):
        draw_graph(Value(1.0) * 2, renderer="bogus")


@pytest.mark.parametrize("source", ["", "   ", None])
def test_render_refuses_empty_source(source: Any) -> None:
    # Regression (issue 11): render("") returned b"".
    with pytest.raises(ValueError, match="source must be DOT text"):
        R.render(source)
