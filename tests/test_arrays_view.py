"""The array view: a check report drawn as the arrays the learner named.

The oracle for which entries are wrong is the report itself, which tests/test_demo_check.py
and the check's own tests hold to central finite differences; here the drawing is held to the
report, cell by cell.
"""

from __future__ import annotations

import itertools
import json
import re
import xml.etree.ElementTree as ET
from typing import Any

import numpy as np
import pytest

from autograd_lite import check_gradients, draw_graph
from autograd_lite.draw.arrays_view import MAX_WIDTH, array_facts
from autograd_lite.draw.raster import svg_size
from autograd_lite.learn import demo_check as dc
from autograd_lite.learn.exercises import batchnorm_mlp

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def demo_report() -> Any:
    return dc.check(dc.backward_by_hand)


@pytest.fixture(scope="module")
def batchnorm_report() -> Any:
    ex = batchnorm_mlp(batch=8, hidden=16, bug="bessel")
    return check_gradients(ex.loss_fn, ex.inputs, ex.gradients)


def cells(svg: str) -> dict[str, list[ET.Element]]:
    """The heatmap rects by verdict class (``wrong``, ``ok``...; ``""`` for values)."""
    out: dict[str, list[ET.Element]] = {}
    for rect in ET.fromstring(svg).iter(f"{SVG}rect"):
        classes = (rect.get("class") or "").split()
        if "cell" in classes:
            kind = next((c[8:] for c in classes if c.startswith("verdict-")), "")
            out.setdefault(kind, []).append(rect)
    return out


def hover(element: ET.Element) -> str:
    t = element.find(f"{SVG}title")
    return "" if t is None or t.text is None else t.text


def covered(rect: ET.Element) -> int:
    """How many entries a heatmap rect stands for (one, or a run of equal verdicts)."""
    found = re.search(r": (\d+) entries", hover(rect))
    return int(found.group(1)) if found else 1


def test_a_report_over_arrays_is_drawn_as_arrays_by_default(demo_report: Any) -> None:
    drawing = draw_graph(demo_report.loss, highlight=demo_report)
    assert drawing.view == "arrays" and drawing.arrays is not None
    assert [a.name for a in drawing.arrays.arrays] == [
        "W1", "b1", "W2", "b2", "z1", "a1", "z2", "loss",
    ]  # fmt: skip
    assert draw_graph(demo_report.loss, highlight=demo_report, view="values").view == "values"


def test_each_box_has_its_shape_expression_and_sources(demo_report: Any) -> None:
    facts = array_facts(demo_report)
    z1, a1, z2, loss = facts["z1"], facts["a1"], facts["z2"], facts["loss"]
    assert (z1.shape, z1.op, z1.inputs) == ((2, 3), "X @ W1 + b1", ("W1", "b1"))
    assert (a1.op, a1.inputs, a1.consumers) == ("np.tanh(z1)", ("z1",), ("z2",))
    assert (z2.op, set(z2.inputs)) == ("a1 @ W2 + b2", {"a1", "W2", "b2"})
    assert loss.inputs == ("z2",) and float(loss.values) == pytest.approx(demo_report.loss.data)
    assert z1.root_cause and not a1.root_cause
    assert a1.chain_rule("loss") == "∂loss/∂a1 = ∂loss/∂z2 · ∂z2/∂a1"
    # the numbers: your gradient and the engine's, as the report has them
    np.testing.assert_array_equal(z1.engine, demo_report.engine["z1"])
    assert z1.yours is not None
    np.testing.assert_allclose(z1.yours, dc.backward_by_hand(**dc.PARAMETERS)["z1"])
    json.dumps(facts.to_json(), allow_nan=False)  # the page reads it as strict JSON


def test_the_demo_fits_1600_px_and_its_cells_match_the_verdicts(demo_report: Any) -> None:
    svg = draw_graph(demo_report.loss, highlight=demo_report).svg()
    width, _ = svg_size(svg)
    assert width * 4 / 3 <= MAX_WIDTH == 1600
    found = cells(svg)
    wrong = {hover(r).split(":")[0] for r in found["wrong"]}
    ok = {hover(r).split(":")[0] for r in found["ok"]}
    assert wrong == {e.name for e in demo_report.entries if e.verdict == "WRONG"}
    assert ok == {e.name for e in demo_report.entries if e.verdict == "ok"}
    boxes = {g.get("id"): g for g in ET.fromstring(svg).iter(f"{SVG}g")}
    assert "z1 = X @ W1 + b1" in "".join(boxes["a_z1"].itertext())
    assert "first wrong step" in "".join(boxes["a_z1"].itertext())


def test_a_batch_norm_mlp_report_colours_every_entry_once(batchnorm_report: Any) -> None:
    drawing = draw_graph(batchnorm_report.loss, highlight=batchnorm_report)
    assert drawing.arrays is not None and len(drawing.arrays.arrays) == 26 + 1
    svg = drawing.svg()
    assert svg_size(svg)[0] * 4 / 3 <= MAX_WIDTH
    found = cells(svg)
    counts = {"wrong": 0, "ok": 0, "kink": 0, "unclear": 0}
    for e in batchnorm_report.entries:
        counts[{"WRONG": "wrong"}.get(e.verdict, e.verdict)] += 1
    for kind, n in counts.items():
        assert sum(covered(r) for r in found.get(kind, [])) == n, kind
    assert counts["wrong"] > 0 and counts["ok"] > 0
    assert [a.name for a in drawing.arrays.arrays if a.root_cause] == batchnorm_report.root_causes


def test_every_array_comes_after_the_arrays_it_is_computed_from(batchnorm_report: Any) -> None:
    facts = array_facts(batchnorm_report)
    seen: set[str] = set()
    for a in facts.arrays:
        assert set(a.inputs) <= seen, a.name
        seen.add(a.name)


def test_unchecked_inputs_show_their_values_and_the_loss_its_number() -> None:
    X = np.array([[0.5, -1.0, 2.0]])

    def loss_fn(W: Any, x: Any) -> Any:
        h = np.tanh(x @ W)
        return np.sum(h**2)

    W = np.array([[0.2], [-0.4], [0.1]])
    h = np.tanh(X @ W)
    report = check_gradients(loss_fn, {"W": W, "x": X}, {"h": 2 * h})
    svg = draw_graph(report.loss, highlight=report).svg()
    values = [r for r in cells(svg)[""] if hover(r).startswith("x[")]
    assert sorted(hover(r) for r in values) == ["x[0,0] = 0.5", "x[0,1] = -1", "x[0,2] = 2"]
    fills = {hover(r): r.get("fill") for r in values}
    assert fills["x[0,2] = 2"] != fills["x[0,1] = -1"]  # orange and blue
    assert array_facts(report)["x"].op == "input (not checked)"


def test_a_long_array_is_binned_into_a_few_readable_cells() -> None:
    x0 = np.linspace(-1, 1, 400).reshape(1, 400)
    mine = 1 - np.tanh(x0) ** 2
    mine[0, 123] += 1.0
    report = check_gradients(lambda x: np.sum(np.tanh(x)), {"x": x0}, {"x": mine})
    svg = draw_graph(report.loss, highlight=report).svg()
    found = cells(svg)
    assert len(found["wrong"]) == 1 and sum(len(v) for v in found.values()) < 20
    start, stop = map(int, re.findall(r"x\[0, (\d+):(\d+)\]", hover(found["wrong"][0]))[0])
    assert start <= 123 < stop


def test_the_arrays_view_needs_a_report_over_arrays() -> None:
    report = check_gradients(lambda x: x * x, {"x": 3.0}, {"x": 6.0})
    assert draw_graph(report.loss, highlight=report).view == "values"  # one number: scalars
    with pytest.raises(ValueError, match="view='arrays' draws a check report"):
        draw_graph(report.loss, view="arrays")


def test_the_arrays_view_opens_as_an_interactive_page(demo_report: Any) -> None:
    page = draw_graph(demo_report.loss, highlight=demo_report).interactive()
    assert 'id="a_z1"' in page.html and "X @ W1 + b1" in page.html


def _path_points(d: str) -> list[tuple[float, float]]:
    """Points along an arrow: every corner of a lane, 20 points of a curve."""
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", d)]
    if "C" in d:
        (x0, y0, x1, y1, x2, y2, x3, y3) = numbers
        out = []
        for k in range(21):
            t = k / 20
            a, b, c, e = (1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t**2 * (1 - t), t**3
            out.append((a * x0 + b * x1 + c * x2 + e * x3, a * y0 + b * y1 + c * y2 + e * y3))
        return out
    x, y = numbers[0], numbers[1]
    corners = [(x, y)]
    for command, value in re.findall(r"([VH])(-?\d+(?:\.\d+)?)", d):
        x, y = (x, float(value)) if command == "V" else (float(value), y)
        corners.append((x, y))
    out = []
    for (xa, ya), (xb, yb) in itertools.pairwise(corners):
        out += [(xa + (xb - xa) * k / 20, ya + (yb - ya) * k / 20) for k in range(21)]
    return out


def test_no_arrow_runs_through_a_box_on_its_way(batchnorm_report: Any) -> None:
    root = ET.fromstring(draw_graph(batchnorm_report.loss, highlight=batchnorm_report).svg())
    boxes = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("class") == "array":
            r = g.find(f"{SVG}rect")
            assert r is not None
            x, y = float(r.get("x", "0")), float(r.get("y", "0"))
            boxes[g.get("id")] = (
                x,
                y,
                x + float(r.get("width", "0")),
                y + float(r.get("height", "0")),
            )
    flows = [p for p in root.iter(f"{SVG}path") if p.get("class") == "flow"]
    assert len(flows) >= 30
    for path in flows:
        ends = {
            b
            for b in boxes
            if (path.get("id") or "").endswith("_" + b) or f"f_{b}_" in (path.get("id") or "")
        }
        for px, py in _path_points(path.get("d", "")):
            for name, (x0, y0, x1, y1) in boxes.items():
                if name not in ends:
                    assert not (x0 < px < x1 and y0 < py < y1), (path.get("id"), name)


@pytest.mark.parametrize("overlay", ["grad", "values"])
def test_the_heatmaps_can_show_gradients_or_values(demo_report: Any, overlay: str) -> None:
    svg = draw_graph(demo_report.loss, highlight=demo_report, overlay=overlay).svg()
    found = cells(svg)
    assert set(found) == {""}  # numbers, no verdict colours
    tips = {hover(r).split(" = ")[0]: float(hover(r).split(" = ")[1]) for r in found[""]}
    engine = demo_report.engine["z1"]
    if overlay == "grad":
        assert tips["∂loss/∂z1[1,2]"] == pytest.approx(engine[1, 2], rel=1e-3)
    else:
        assert tips["z1[1,2]"] == pytest.approx(
            array_facts(demo_report)["z1"].values[1, 2], rel=1e-3
        )
    fills = {r.get("fill") for r in found[""]}
    assert len(fills) > 10  # a colour scale, not one colour
