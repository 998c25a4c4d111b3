"""drawing.widget(): the Python side of the notebook widget (the browser side runs in
tests/test_widget_jupyterlab.py). Skipped without anywidget, except under CI=true."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from autograd_lite import MLP, Value, draw_graph
from autograd_lite.draw import widget as widget_module

if not os.environ.get("CI"):
    pytest.importorskip("anywidget")


def reused_neuron() -> tuple[Value, Value, Value]:
    x, w = Value(2.0, "x"), Value(-0.3, "w")
    y = (x * w + x).tanh()
    y.label = "y"
    y.backward()
    return x, w, y


def test_the_widget_opens_on_the_finished_graph_and_counts_every_step() -> None:
    *_, y = reused_neuron()
    w = draw_graph(y).widget()
    # 5 values forward, the seed, 3 operations backward
    assert w.last == 9 and w.position == 9
    assert "<svg" in w.page and "autogradLitePage" in w.page
    assert repr(w) == "<GraphWidget: step 9 of 9>"


def test_step_moves_both_ways_and_stops_at_the_ends() -> None:
    *_, y = reused_neuron()
    w = draw_graph(y).widget()
    assert w.step() == 9  # already at the end
    assert w.step(-1) == 8
    assert w.step(-3) == 5
    assert w.go_to(0) == 0
    assert w.step(-1) == 0
    assert w.step(100) == 9


@pytest.mark.parametrize("bad", [1.5, "1", True, None])
def test_step_and_go_to_refuse_what_is_not_a_whole_number(bad: object) -> None:
    *_, y = reused_neuron()
    w = draw_graph(y).widget()
    with pytest.raises(TypeError, match="whole number"):
        w.step(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="whole number"):
        w.go_to(bad)  # type: ignore[arg-type]
    assert w.position == 9  # unchanged


@pytest.mark.parametrize("bad", [-1, 10])
def test_go_to_outside_the_replay_names_the_range(bad: int) -> None:
    *_, y = reused_neuron()
    w = draw_graph(y).widget()
    with pytest.raises(ValueError, match="0 to 9"):
        w.go_to(bad)
    assert w.position == 9


def test_show_selects_a_value_by_node_or_by_name() -> None:
    x, w_, y = reused_neuron()
    w = draw_graph(y).widget()
    facts = {n.name: n.id for n in draw_graph(y).facts.nodes}  # type: ignore[union-attr]
    w.show(w_)
    assert w.selected == facts["w"]
    w.show("n2")
    assert w.selected == facts["n2"]
    w.show(x)
    assert w.selected == facts["x"]


def test_show_refuses_a_node_of_another_graph_and_an_unknown_name() -> None:
    *_, y = reused_neuron()
    w = draw_graph(y).widget()
    w.show("x")
    with pytest.raises(ValueError, match="not in the drawing"):
        w.show(Value(1.0, "x"))
    with pytest.raises(ValueError, match="no value named 'nope'"):
        w.show("nope")
    with pytest.raises(TypeError, match="Value or its name"):
        w.show(3)  # type: ignore[arg-type]
    assert w.selected == draw_graph(y).facts.nodes[0].id  # type: ignore[union-attr]


def test_the_network_view_has_its_widget_too() -> None:
    model = MLP(2, [3, 1], seed=0)
    loss = (model([0.5, -1.0]) - 1.0) ** 2  # type: ignore[operator]
    loss.backward()
    w = draw_graph(loss, view="network").widget()
    w.show(model.layers[0].neurons[1].w[0])
    assert w.selected.startswith("v")
    assert 'id="n_L0_N1"' in w.page


@pytest.mark.parametrize("height", [0, 199, 4001, 600.0, True])
def test_a_height_out_of_range_is_refused(height: object) -> None:
    *_, y = reused_neuron()
    with pytest.raises(ValueError, match="height"):
        draw_graph(y).widget(height=height)  # type: ignore[arg-type]


def test_without_anywidget_the_error_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    *_, y = reused_neuron()
    widget_module.widget_class.cache_clear()
    monkeypatch.setitem(sys.modules, "anywidget", None)
    try:
        with pytest.raises(ImportError, match=r"pip install 'autograd_lite\[widget\]'"):
            draw_graph(y).widget()
    finally:
        widget_module.widget_class.cache_clear()


def test_drawing_and_the_page_never_import_anywidget() -> None:
    code = (
        "import sys\n"
        "from autograd_lite import Value, draw_graph\n"
        "y = (Value(2.0, 'x') * 3).tanh(); y.backward()\n"
        "draw_graph(y).interactive()\n"
        "import autograd_lite.draw.widget\n"
        "print(sorted(m for m in ('anywidget', 'ipywidgets', 'traitlets') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=os.getcwd()
    )
    assert out.stdout.strip() == "[]"


def test_the_array_view_has_its_widget_with_arrays_and_entries_to_show() -> None:
    from autograd_lite.learn import demo_check

    report = demo_check.check(demo_check.backward_by_hand)
    drawing = draw_graph(report.loss, highlight=report)
    w = drawing.widget()
    assert w.last == 2 * len(drawing.arrays.arrays)
    w.show("z1")
    assert w.selected == "a_z1"
    w.show("z1[1,2]")
    assert w.selected == "a_z1_5"
    with pytest.raises(ValueError, match="outside z1's shape"):
        w.show("z1[2,0]")
    with pytest.raises(ValueError, match="no array named 'h'"):
        w.show("h")
    with pytest.raises(TypeError, match="named arrays"):
        w.show(report.loss)
    assert w.selected == "a_z1_5"
