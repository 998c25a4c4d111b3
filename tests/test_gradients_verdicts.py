"""check_gradients and its report: verdicts, kinks, the text/HTML tables, errors, no side effects.

The oracles are sympy's exact derivatives and hand-written analytic gradients; the engine's
column of a report is held to them, and the verdicts to what those oracles say.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pytest
import sympy as sp

import autograd_lite as al
from autograd_lite import GradientCheckError, GradientReport, Value, check_gradients, no_grad
from autograd_lite.check.report import KINK, OK, UNCLEAR, WRONG
from autograd_lite.core.engine import topological_order

X = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.25]])
W0 = np.array([[0.5, -0.3], [-0.25, 0.8]])
b0 = np.array([0.1, -0.2])


def tanh_loss(W: Any, b: Any) -> Any:
    return np.sum(np.tanh(np.dot(X, W) + b) ** 2)


def tanh_grads(W: np.ndarray, b: np.ndarray) -> dict[str, np.ndarray]:
    """Analytic gradient of tanh_loss, derived by hand (and held to sympy below)."""
    t = np.tanh(X @ W + b)
    dz = 2 * t * (1 - t**2)
    return {"W": X.T @ dz, "b": dz.sum(axis=0)}


def tanh_sympy_grads() -> dict[str, np.ndarray]:
    Ws = sp.Matrix(2, 2, sp.symbols("w0:4", real=True))
    bs = sp.symbols("b0:2", real=True)
    expr = sum(
        sp.tanh(sum(sp.nsimplify(X[n, i]) * Ws[i, j] for i in range(2)) + bs[j]) ** 2
        for n in range(3)
        for j in range(2)
    )
    subs = {s: sp.nsimplify(v) for s, v in zip([*Ws, *bs], [*W0.reshape(-1), *b0], strict=True)}
    d = [float(sp.diff(expr, s).evalf(30, subs=subs)) for s in [*Ws, *bs]]
    return {"W": np.array(d[:4]).reshape(2, 2), "b": np.array(d[4:])}


# ---------------------------------------------------------------- verdicts


def test_the_hand_formula_is_the_sympy_gradient() -> None:
    exact = tanh_sympy_grads()
    mine = tanh_grads(W0, b0)
    np.testing.assert_allclose(mine["W"], exact["W"], rtol=1e-12)
    np.testing.assert_allclose(mine["b"], exact["b"], rtol=1e-12)


def test_a_right_gradient_passes_and_the_engine_column_is_sympys() -> None:
    report = check_gradients(tanh_loss, {"W": W0, "b": b0}, tanh_grads(W0, b0))
    assert report.ok and report.mismatches == [] and report.kinks == []
    # Grouped by input, in the order the backward pass reaches them: b (added last) first.
    assert [e.name for e in report.entries] == [
        "b[0]",
        "b[1]",
        "W[0,0]",
        "W[0,1]",
        "W[1,0]",
        "W[1,1]",
    ]
    exact = tanh_sympy_grads()
    for e in report.entries:
        stem, _, rest = e.name.partition("[")
        index = tuple(int(i) for i in rest.rstrip("]").split(","))
        want = exact[stem][index]
        assert math.isclose(e.engine, want, rel_tol=1e-12, abs_tol=1e-14)
        assert math.isclose(e.numerical, want, rel_tol=1e-6, abs_tol=1e-9)
        assert e.verdict == OK and e.abs_error < 1e-12
    assert report.unchecked == ()


def test_wrong_entries_are_flagged_and_exactly_those() -> None:
    hand = tanh_grads(W0, b0)
    hand["W"][0, 1] *= -1.0  # a sign error
    hand["b"][1] += 0.01  # off by a little
    report = check_gradients(tanh_loss, {"W": W0, "b": b0}, hand)
    assert not report.ok
    assert [e.name for e in report.mismatches] == ["b[1]", "W[0,1]"]
    assert report.verdicts() == {
        "W[0,0]": OK, "W[0,1]": WRONG, "W[1,0]": OK, "W[1,1]": OK, "b[0]": OK, "b[1]": WRONG,
    }  # fmt: skip
    wrong = report["b[1]"]
    assert wrong.expected == hand["b"][1]
    assert math.isclose(wrong.abs_error, 0.01, rel_tol=1e-9)
    assert math.isclose(wrong.rel_error, 0.01 / abs(wrong.engine), rel_tol=1e-9)


def test_wrong_rows_come_first_in_the_text_table() -> None:
    hand = tanh_grads(W0, b0)
    hand["b"][1] = 5.0
    text = str(check_gradients(tanh_loss, {"W": W0, "b": b0}, hand))
    lines = text.splitlines()
    assert lines[0] == "check_gradients: 1 WRONG, 5 ok (6 entries checked)"
    assert lines[1].split() == ["entry", "yours", "engine", "finite", "diff", "abs", "err", "rel",
                                "err", "verdict"]  # fmt: skip
    assert lines[3].startswith("b[1]") and lines[3].endswith("WRONG")
    assert all(line.endswith("ok") for line in lines[4:9])
    assert "atol=1e-08" in text and "rtol=0.0001" in text


def test_unchecked_inputs_are_listed() -> None:
    def loss(W: Any, b: Any, X: Any) -> Any:
        return np.sum(np.tanh(np.dot(X, W) + b) ** 2)

    report = check_gradients(loss, {"W": W0, "b": b0, "X": X}, {"b": tanh_grads(W0, b0)["b"]})
    assert report.ok
    assert [e.name for e in report.entries] == ["b[0]", "b[1]"]
    assert report.unchecked == (
        *("W[0,0]", "W[0,1]", "W[1,0]", "W[1,1]"),
        *("X[0,0]", "X[0,1]", "X[1,0]", "X[1,1]", "X[2,0]", "X[2,1]"),
    )
    assert "not checked: W (4 entries), X (6 entries)" in report.summary()


def test_scalar_inputs_give_single_values_and_plain_entry_names() -> None:
    seen: list[Any] = []

    def loss(w: Any, b: Any) -> Any:
        seen.append((w, b))
        return (w * 3.0 + b) ** 2

    report = check_gradients(loss, {"w": 2.0, "b": Value(1.0)}, {"w": 42.0, "b": 14.0})
    assert report.ok and [e.name for e in report.entries] == ["b", "w"]
    w, b = seen[0]
    assert isinstance(w, Value) and w.label == "w" and isinstance(b, Value) and b.label == "b"


def test_tolerances_decide_how_close_is_close() -> None:
    hand = tanh_grads(W0, b0)
    hand["W"] = hand["W"] * (1 + 1e-5)
    assert check_gradients(tanh_loss, {"W": W0, "b": b0}, hand).ok  # rtol 1e-4
    strict = check_gradients(tanh_loss, {"W": W0, "b": b0}, hand, rtol=1e-7, atol=1e-12)
    assert {e.name for e in strict.mismatches} == {"W[0,0]", "W[0,1]", "W[1,0]", "W[1,1]"}
    assert strict.tolerances.rtol == 1e-7 and strict.tolerances.atol == 1e-12


def test_numbers_printed_to_eight_decimals_pass_the_defaults() -> None:
    hand = {k: np.round(v, 8) for k, v in tanh_grads(W0, b0).items()}
    assert check_gradients(tanh_loss, {"W": W0, "b": b0}, hand).ok


# ---------------------------------------------------------------- kinks


def test_relu_at_exactly_zero_is_a_kink_for_any_subgradient() -> None:
    def loss(z: Any) -> Any:
        return np.sum(np.frompyfunc(al.relu, 1, 1)(z) * np.array([2.0, 3.0]))

    z = np.array([0.0, 1.5])
    for slope in (0.0, 1.0, 2.0):  # left, between, right
        report = check_gradients(loss, {"z": z}, {"z": [slope, 3.0]})
        assert report.verdicts() == {"z[0]": KINK, "z[1]": OK}
        assert report.ok
        entry = report["z[0]"]
        assert entry.engine == 0.0  # the engine's convention: relu'(0) = 0
        assert entry.one_sided == pytest.approx((0.0, 2.0), abs=1e-6)
        assert "slope 0 from the left, 2 from the right" in entry.note
        assert "relu of 'z[0]' leaf = 0.0" in entry.note  # the graph shows where the kink is
    outside = check_gradients(loss, {"z": z}, {"z": [2.5, 3.0]})
    assert outside.verdicts()["z[0]"] == WRONG and not outside.ok
    assert "outside that range" in outside["z[0]"].note


def test_entries_upstream_of_a_relu_at_zero_are_pointed_out() -> None:
    relu = np.frompyfunc(al.relu, 1, 1)

    def loss(w: Any, b: Any) -> Any:
        return relu(np.dot(np.array([1.0, 2.0]), w) + b) * 3.0  # 1 - 2 + 1 = 0 exactly

    report = check_gradients(loss, {"w": [1.0, -1.0], "b": 1.0}, {"w": [0.0, 0.0], "b": 0.0})
    assert report.verdicts() == {"w[0]": KINK, "w[1]": KINK, "b": KINK}
    slopes = [side for e in report.entries for side in e.one_sided]
    assert slopes == pytest.approx([0.0, 3.0, 0.0, 3.0, 0.0, 6.0], abs=1e-6)  # b, w[0], w[1]
    for entry in report.entries:
        assert "on the path of relu of unlabelled add node = 0.0" in entry.note


def test_np_maximum_tie_is_a_kink_though_the_graph_has_no_relu_node() -> None:
    def loss(z: Any) -> Any:
        return np.sum(np.maximum(z, 0) ** 2 + 3.0 * np.maximum(z, 0))

    report = check_gradients(loss, {"z": [0.0, -1.0, 1.0]}, {"z": [3.0, 0.0, 5.0]})
    assert report.verdicts() == {"z[0]": KINK, "z[1]": OK, "z[2]": OK}
    assert "relu" not in report["z[0]"].note


def test_abs_at_zero_is_a_kink() -> None:
    report = check_gradients(lambda x: abs(x) * 4.0, {"x": 0.0}, {"x": -4.0})
    assert report.verdicts() == {"x": KINK}
    assert report["x"].one_sided == pytest.approx((-4.0, 4.0))


def test_a_smooth_function_with_large_curvature_is_not_a_kink() -> None:
    def loss(x: Any) -> Any:
        return np.sum(np.exp(8.0 * x))

    x = np.array([1.0, 2.0, -3.0])
    report = check_gradients(loss, {"x": x}, {"x": 8.0 * np.exp(8.0 * x)})
    assert report.ok and report.kinks == []


# ---------------------------------------------------------------- unclear


def test_a_loss_that_hides_part_of_itself_from_the_engine_is_unclear() -> None:
    def loss(w: Any) -> Any:
        # w[0].data is a plain float: the engine sees a constant where w[0] is used.
        return w[0] * w[1] * (w[0].data if isinstance(w[0], Value) else w[0])

    w = np.array([2.0, 3.0])
    true = {"w": [2 * w[0] * w[1], w[0] ** 2]}
    report = check_gradients(loss, {"w": w}, true)
    assert report.verdicts() == {"w[0]": UNCLEAR, "w[1]": OK}
    assert not report.ok and report.mismatches == []
    assert report.unclear[0].name == "w[0]"
    assert "yours matches the finite differences" in report["w[0]"].note
    assert ".data" in report["w[0]"].note


def test_when_finite_differences_leave_the_domain_the_engine_still_judges() -> None:
    def loss(x: Any) -> Any:
        return np.sum(np.log(x))

    # h = 1e-6 is larger than x[0]: x[0] - h is outside log's domain.
    report = check_gradients(loss, {"x": [5e-7, 2.0]}, {"x": [2e6, 0.5]})
    assert report.verdicts() == {"x[0]": OK, "x[1]": OK}
    assert "not cross-checked" in report["x[0]"].note and "x[0] - 1.0e-06" in report["x[0]"].note
    bad = check_gradients(loss, {"x": [5e-7, 2.0]}, {"x": [1e6, 0.5]})
    assert bad.verdicts()["x[0]"] == WRONG


# ---------------------------------------------------------------- how finite differences run


def test_a_loss_that_only_runs_on_values_is_evaluated_on_fresh_values() -> None:
    def loss(W: Any, b: Any) -> Any:
        z = np.dot(X, W) + b
        return np.sum(np.frompyfunc(lambda v: v.tanh(), 1, 1)(z) ** 2)

    hand = tanh_grads(W0, b0)
    hand["W"][1, 1] = 0.0
    report = check_gradients(loss, {"W": W0, "b": b0}, hand)
    assert [e.name for e in report.mismatches] == ["W[1,1]"]
    assert "fresh Values" in report.notes[0] and "AttributeError" in report.notes[0]
    assert math.isclose(report["W[0,0]"].numerical, hand["W"][0, 0], rel_tol=1e-6)


def test_a_loss_that_runs_on_floats_is_evaluated_on_float_copies() -> None:
    report = check_gradients(tanh_loss, {"W": W0, "b": b0}, tanh_grads(W0, b0))
    assert "float copies" in report.notes[0]


def test_nothing_given_is_modified() -> None:
    W, b = W0.copy(), b0.copy()
    hand = tanh_grads(W0, b0)
    hand_copy = {k: v.copy() for k, v in hand.items()}
    v = Value(0.7, label="v")
    v.grad = 0.25

    def loss(W: Any, b: Any, v: Any) -> Any:
        W[0, 0] = W[0, 0] * 1.0  # modifies its argument in place: only a copy is passed
        return tanh_loss(W, b) * v

    check_gradients(loss, {"W": W, "b": b, "v": v}, hand)
    np.testing.assert_array_equal(W, W0)
    np.testing.assert_array_equal(b, b0)
    for k in hand:
        np.testing.assert_array_equal(hand[k], hand_copy[k])
    assert (v.data, v.grad, v.label) == (0.7, 0.25, "v")


def test_check_inside_no_grad_still_differentiates() -> None:
    with no_grad():
        report = check_gradients(tanh_loss, {"W": W0, "b": b0}, tanh_grads(W0, b0))
    assert report.ok and report.loss is not None and not report.loss.is_leaf


def test_node_verdicts_map_the_leaves_of_report_loss() -> None:
    def loss(W: Any, b: Any, X: Any) -> Any:
        return np.sum(np.tanh(np.dot(X, W) + b) ** 2)

    hand = tanh_grads(W0, b0)
    hand["W"][1, 0] = 9.0
    report = check_gradients(loss, {"W": W0, "b": b0, "X": X}, hand)
    assert report.loss is not None
    nodes = report.node_verdicts()
    graph = set(topological_order(report.loss))
    assert len(nodes) == 6 and all(node in graph and node.is_leaf for node in nodes)
    assert {node.label: verdict for node, verdict in nodes.items()} == report.verdicts()
    assert report.verdicts()["W[1,0]"] == WRONG
    assert not any(node.label.startswith("X") for node in nodes if node.label)  # unchecked


def test_report_lookup_by_name() -> None:
    report = check_gradients(tanh_loss, {"W": W0, "b": b0}, tanh_grads(W0, b0))
    assert report["b[0]"].name == "b[0]"
    with pytest.raises(KeyError, match="no checked entry named 'b\\[7\\]'"):
        report["b[7]"]


# ---------------------------------------------------------------- assert_ok and display


def test_assert_ok_raises_an_assertion_error_carrying_the_table() -> None:
    check_gradients(tanh_loss, {"W": W0, "b": b0}, tanh_grads(W0, b0)).assert_ok()
    hand = tanh_grads(W0, b0)
    hand["b"][0] = -1.0
    report = check_gradients(tanh_loss, {"W": W0, "b": b0}, hand)
    with pytest.raises(AssertionError) as info:
        report.assert_ok()
    assert isinstance(info.value, GradientCheckError) and info.value.report is report
    assert str(info.value) == str(report)
    assert "b[0]" in str(info.value) and "WRONG" in str(info.value)


def test_html_highlights_wrong_rows_first_and_escapes_user_text() -> None:
    def loss(**kw: Any) -> Any:
        (w,) = kw.values()
        return np.sum(w**2)

    name = '<img src=x onerror="alert(1)">'
    report = check_gradients(loss, {name: [1.0, 2.0]}, {name: [2.0, 0.0]})
    page = report._repr_html_()
    assert "<img" not in page and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;[1]" in page
    rows = re.findall(r'<tr class="verdict-(\w+)"( style="background:[^"]+")?>', page)
    assert [verdict for verdict, _ in rows] == ["wrong", "ok"]
    assert rows[0][1] and not rows[1][1]  # only the wrong row is coloured
    assert page.index("[1]") < page.index("[0]")


def test_long_reports_shorten_the_ok_rows_but_never_the_problems() -> None:
    x = np.linspace(0.1, 2.0, 80)
    hand = 2 * x
    hand[[5, 70]] = 0.0
    report = check_gradients(lambda x: np.sum(x**2), {"x": x}, {"x": hand})
    text = report.to_text(max_ok_rows=3)
    assert "x[5]" in text and "x[70]" in text
    assert "... 75 more ok rows" in text
    assert len(report.to_text(max_ok_rows=None).splitlines()) > 80
    assert isinstance(report, GradientReport) and repr(report) == str(report)


# ---------------------------------------------------------------- errors naming the input


def simple_loss(W: Any, b: Any) -> Any:
    return np.sum(W) * b


@pytest.mark.parametrize(
    ("inputs", "expected", "error", "words"),
    [
        ({"W": [[1.0, 2.0]], "b": 1.0}, {"W": [1.0, 1.0]}, ValueError,
         "expected['W'] has shape (2,) but inputs['W'] has shape (1, 2)"),
        ({"W": [[1.0, 2.0]], "b": 1.0}, {"W": [1.0, 1.0]}, ValueError, "reshape it"),
        ({"W": [[1.0, 2.0]], "b": 1.0}, {"Wx": [[1.0, 1.0]]}, ValueError,
         "expected['Wx'] names no input (inputs: W, b); did you mean 'W'?"),
        ({"W": [[1.0, 2.0]], "b": 1.0}, {"W": [[1.0, math.nan]]}, ValueError,
         "your value for W[0,1] is nan"),
        ({"W": [[1.0, 2.0]], "b": 1.0}, {"b": math.inf}, ValueError, "your value for b is inf"),
        ({"W": [[1.0, math.nan]], "b": 1.0}, {"b": 1.0}, ValueError, "inputs['W']: W[0,1] is nan"),
        ({"W": [[1.0, 2.0]], "b": math.nan}, {"b": 1.0}, ValueError, "inputs['b']: b is nan"),
        ({"W": [[1.0, 2.0]], "b": 1.0}, {"W": [["a", 1.0]]}, TypeError, "expected['W']"),
        ({"W": [[1.0, 2.0]], "b": "3"}, {"W": [[1.0, 1.0]]}, TypeError, "inputs['b']"),
        ({"W": [[1.0, 2.0]]}, {"W": [[1.0, 1.0]]}, TypeError,
         "loss_fn needs argument 'b', which is not in inputs (inputs: W)"),
        ({"W": [[1.0, 2.0]], "b": 1.0, "c": 2.0}, {"W": [[1.0, 1.0]]}, TypeError,
         "loss_fn takes no argument 'c', but inputs has it (loss_fn's arguments: W, b)"),
        ({"W": [[1.0, 2.0]], "b": 1.0}, {}, ValueError, "expected is empty"),
        ({}, {"W": 1.0}, ValueError, "inputs is empty"),
        ([("W", 1.0)], {"W": 1.0}, TypeError, "inputs must be a dict"),
        ({"W": [[1.0, 2.0]], "b": 1.0}, [1.0], TypeError, "expected must be a dict"),
    ],
)  # fmt: skip
def test_bad_arguments_are_clear_errors(
    inputs: Any, expected: Any, error: type[Exception], words: str
) -> None:
    with pytest.raises(error) as info:
        check_gradients(simple_loss, inputs, expected)
    assert words in str(info.value)


@pytest.mark.parametrize(
    ("returns", "error", "words"),
    [
        (lambda W: W * 2, ValueError, "loss_fn returned an array of shape (2,)"),
        (lambda W: [W[0], W[1]], ValueError, "loss_fn returned a list of length 2"),
        (lambda W: 3.0, TypeError, "loss_fn returned the float 3.0, not a Value"),
        (lambda W: np.sum(W).data, TypeError, "the graph was cut"),
        (lambda W: "loss", TypeError, "loss_fn returned str 'loss'"),
        (lambda W: np.log(W[0] - 1.0), ValueError, "log"),
        (lambda W: W[0] / (W[1] - 2.0), ZeroDivisionError, "division by zero"),
    ],
)
def test_a_loss_fn_that_returns_no_scalar_value_is_a_clear_error(
    returns: Any, error: type[Exception], words: str
) -> None:
    with pytest.raises(error) as info:
        check_gradients(returns, {"W": [1.0, 2.0]}, {"W": [0.0, 0.0]})
    assert words in str(info.value)


def test_a_positional_only_argument_is_named_in_the_error() -> None:
    def loss(W: Any, /) -> Any:
        return np.sum(W)

    with pytest.raises(TypeError, match="loss_fn's argument 'W' is positional-only"):
        check_gradients(loss, {"W": [1.0]}, {"W": [1.0]})


def test_a_loss_fn_taking_keywords_receives_every_input() -> None:
    def loss(**inputs: Any) -> Any:
        return inputs["a"] * np.sum(inputs["b"])

    assert check_gradients(loss, {"a": 2.0, "b": [1.0, 3.0]}, {"a": 4.0, "b": [2.0, 2.0]}).ok


def test_a_size_one_array_result_is_accepted_as_the_scalar() -> None:
    def loss(W: Any) -> Any:
        return np.sum(W**2, axis=0, keepdims=True)  # shape (1,)

    assert check_gradients(loss, {"W": [[1.0], [2.0]]}, {"W": [[2.0], [4.0]]}).ok


def test_an_error_inside_loss_fn_keeps_its_traceback_with_a_note() -> None:
    def loss(W: Any) -> Any:
        raise KeyError("my bug")

    with pytest.raises(KeyError, match="my bug") as info:
        check_gradients(loss, {"W": [1.0]}, {"W": [0.0]})
    assert any("gradient check" in note for note in info.value.__notes__)


def test_a_nan_loss_is_an_error() -> None:
    with pytest.raises(ValueError, match="loss_fn returned nan at the given inputs"):
        check_gradients(lambda W: W[0] * math.nan, {"W": [1.0]}, {"W": [0.0]})


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"rtol": -1.0}, ValueError),
        ({"atol": math.nan}, TypeError),
        ({"eps": 0.0}, ValueError),
        ({"fd_rtol": "big"}, TypeError),
        ({"fd_atol": True}, TypeError),
    ],
)
def test_bad_tolerances_are_errors_naming_them(kwargs: dict[str, Any], error: type) -> None:
    with pytest.raises(error, match=next(iter(kwargs))):
        check_gradients(simple_loss, {"W": [1.0], "b": 1.0}, {"b": 1.0}, **kwargs)


def test_loss_fn_must_be_callable() -> None:
    with pytest.raises(TypeError, match="loss_fn must be callable, got int"):
        check_gradients(3, {"W": [1.0]}, {"W": [0.0]})  # type: ignore[arg-type]


def test_the_reports_graph_carries_its_gradients_and_user_values_keep_theirs() -> None:
    import autograd_lite as al

    scale = al.Value(3.0, label="scale")
    scale.grad = 7.0

    def loss_fn(w: Any) -> Any:
        return np.sum(w * w) * scale

    report = al.check_gradients(loss_fn, inputs={"w": [1.0, 2.0]}, expected={"w": [6.0, 12.0]})
    assert report.ok
    leaves = {v.label: v for v in report.node_verdicts()}
    assert leaves["w[0]"].grad == 6.0 and leaves["w[1]"].grad == 12.0
    assert report.loss is not None and report.loss.grad == 1.0
    assert scale.grad == 7.0  # a Value the function closes over is not the check's to write
