"""check_gradients on a whole backward pass: variables by name, root causes, scaled differences.

Oracles: PyTorch's ``retain_grad()`` (skipped without torch) and central differences computed
here, never the engine checking itself.
"""

from __future__ import annotations

import linecache
import math
from typing import Any

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import check_gradients, watch
from autograd_lite.check.report import KINK, OK, WRONG
from autograd_lite.learn.exercises import BUGS, batchnorm_mlp

torch = pytest.importorskip("torch")

SMALL = {"batch": 6, "hidden": 8}


def torch_gradients(ex: Any) -> dict[str, np.ndarray]:
    """The exercise's forward pass in torch, every variable retaining its gradient."""
    closure = dict(zip(ex.loss_fn.__code__.co_freevars, ex.loss_fn.__closure__, strict=True))
    Xb, Yb = closure["Xb"].cell_contents, closure["Yb"].cell_contents
    p = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in ex.inputs.items()}
    n = Xb.shape[0]
    v: dict[str, Any] = {}
    v["emb"] = p["C"][torch.tensor(Xb)]
    v["embcat"] = v["emb"].reshape(n, -1)
    v["hprebn"] = v["embcat"] @ p["W1"] + p["b1"]
    v["bnmeani"] = v["hprebn"].sum(0, keepdim=True) / n
    v["bndiff"] = v["hprebn"] - v["bnmeani"]
    v["bndiff2"] = v["bndiff"] ** 2
    v["bnvar"] = v["bndiff2"].sum(0, keepdim=True) / (n - 1)
    v["bnvar_inv"] = (v["bnvar"] + 1e-5) ** -0.5
    v["bnraw"] = v["bndiff"] * v["bnvar_inv"]
    v["hpreact"] = p["bngain"] * v["bnraw"] + p["bnbias"]
    v["h"] = torch.tanh(v["hpreact"])
    v["logits"] = v["h"] @ p["W2"] + p["b2"]
    v["logit_maxes"] = v["logits"].max(1, keepdim=True).values
    v["norm_logits"] = v["logits"] - v["logit_maxes"]
    v["counts"] = v["norm_logits"].exp()
    v["counts_sum"] = v["counts"].sum(1, keepdim=True)
    v["counts_sum_inv"] = v["counts_sum"] ** -1
    v["probs"] = v["counts"] * v["counts_sum_inv"]
    v["logprobs"] = v["probs"].log()
    loss = -v["logprobs"][torch.arange(n), torch.tensor(Yb)].mean()
    for t in v.values():
        t.retain_grad()
    loss.backward()
    return {k: t.grad.numpy() for k, t in {**v, **p}.items()}


def test_the_exercises_hand_gradients_are_torchs() -> None:
    ex = batchnorm_mlp(**SMALL)
    truth = torch_gradients(ex)
    assert set(ex.gradients) == set(truth) and len(truth) == 26
    for name, mine in ex.gradients.items():
        np.testing.assert_allclose(mine, truth[name], rtol=1e-9, atol=1e-12, err_msg=name)


def test_every_variable_and_input_gets_torchs_retain_grad_and_every_entry_is_ok() -> None:
    ex = batchnorm_mlp(**SMALL)
    truth = torch_gradients(ex)
    report = check_gradients(ex.loss_fn, ex.inputs, ex.gradients)
    assert report.ok and bool(report) and report.root_causes == []
    for name, want in truth.items():
        np.testing.assert_allclose(report.engine[name], want, rtol=1e-9, atol=1e-13, err_msg=name)
        assert report.engine[name].shape == want.shape
    assert {e.verdict for e in report.entries} == {OK}
    # Grouped by name, loss first, each gradient after every one it is computed from.
    names = [g.name for g in report.gradients]
    assert names[0] == "logprobs" and names[-1] == "C"
    for g in report.gradients:
        assert all(names.index(d) < names.index(g.name) for d in g.downstream)
    assert "logit_maxes" in dict((g.name, g.downstream) for g in report.gradients)["logits"]


@pytest.mark.parametrize(
    ("bug", "cause"), [("bessel", "bndiff2"), ("tanh", "hpreact"), ("counts_sum", "counts")]
)
def test_an_injected_bug_is_found_as_the_root_cause_and_the_rest_inherit(
    bug: str, cause: str
) -> None:
    ex = batchnorm_mlp(**SMALL, bug=bug)
    truth = torch_gradients(ex)
    report = check_gradients(ex.loss_fn, ex.inputs, ex.gradients)
    assert not report.ok and not bool(report)
    assert report.root_causes == [cause], BUGS[bug]
    # Every verdict, entry by entry, is what torch says about the hand-derived number.
    for e in report.entries:
        name = e.gradient
        index = tuple(int(i) for i in e.name[len(name) + 1 : -1].split(",") if i)
        want = float(truth[name][index])
        mine = float(ex.gradients[name][index])
        right = abs(mine - want) <= 1e-8 + 1e-4 * abs(want)
        assert e.verdict == (OK if right else WRONG), e
    heirs = [n for n in report.wrong_names if n != cause]
    assert heirs, "a bug this early must spread upstream"
    for heir in heirs:
        assert cause in report.inherited(heir)
    text = report.diagnosis()
    assert f"First wrong step: {cause}" in text and "inherit" in text
    assert all(h in text for h in heirs)
    assert "root cause" in str(report)
    overview = report.overview().splitlines()
    assert overview[0] == "gradients, in the order the backward pass reaches them:"
    assert [line.split()[0] for line in overview[1:]] == [g.name for g in report.gradients]
    marked = [line.split()[0] for line in overview[1:] if line.endswith("<- root cause")]
    assert marked == [cause]


def test_views_maxima_and_fancy_indexing_are_variables_in_their_own_right() -> None:
    x0 = np.array([[0.3, -1.2, 0.8], [1.5, 0.1, -0.4]])
    idx = np.array([1, 1, 0])

    def loss(x: Any) -> Any:
        flat = x.reshape(-1)
        m = x.max(axis=1)
        picked = x[idx]
        return np.sum(flat * flat) + np.sum(m * 3.0) + np.sum(picked * x[0]) + np.sum(x)

    xt = torch.tensor(x0, requires_grad=True)
    flat = xt.reshape(-1)
    m = xt.max(dim=1).values
    picked = xt[torch.tensor(idx)]
    for t in (flat, m, picked):
        t.retain_grad()
    (flat.pow(2).sum() + (m * 3.0).sum() + (picked * xt[0]).sum() + xt.sum()).backward()
    expected = {"flat": flat.grad, "m": m.grad, "picked": picked.grad, "x": xt.grad}
    report = check_gradients(loss, {"x": x0}, expected)  # torch tensors as expected
    assert report.ok
    for name, t in expected.items():
        np.testing.assert_allclose(report.engine[name], t.numpy(), rtol=1e-12)


# ---------------------------------------------------------------- naming rules


def test_a_name_assigned_twice_or_in_a_loop_is_an_error_naming_lines_and_watch() -> None:
    def twice(x: Any) -> Any:
        h = x * 2.0
        h = h + 1.0
        return np.sum(h)

    with pytest.raises(ValueError, match=r"'h' is assigned 2 times .*lines \d+, \d+") as info:
        check_gradients(twice, {"x": [1.0]}, {"h": [1.0]})
    assert "autograd_lite.watch('h'" in str(info.value)

    def looped(x: Any) -> Any:
        total = 0.0
        for k in range(2):
            step = x * float(k)
            total = total + step
        return np.sum(total)

    with pytest.raises(ValueError, match=r"'step' is assigned inside a loop .*line \d+"):
        check_gradients(looped, {"x": [1.0]}, {"step": [1.0]})


def test_watch_marks_a_value_anywhere_and_does_nothing_outside_a_check() -> None:
    x = np.array([0.5, -0.3])
    assert watch("h", x) is x
    v = al.Value(2.0)
    assert watch("v", v) is v

    def helper(z: Any) -> Any:
        return watch("t", np.tanh(z))

    def loss(x: Any) -> Any:
        h = x * 2.0
        h = watch("h", h + 1.0)  # assigned twice, the watched value is the one meant
        return np.sum(helper(h) ** 2)

    h = 2 * x + 1
    t = np.tanh(h)
    dt = 2 * t
    dh = dt * (1 - t**2)
    report = check_gradients(loss, {"x": x}, {"t": dt, "h": dh, "x": 2 * dh})
    assert report.ok and [g.name for g in report.gradients] == ["t", "h", "x"]


def test_an_unknown_name_is_an_error_naming_the_inputs_and_watch() -> None:
    def loss(W: Any) -> Any:
        hidden = np.tanh(W)
        return np.sum(hidden)

    with pytest.raises(ValueError) as info:
        check_gradients(loss, {"W": [1.0]}, {"hiden": [1.0]})
    message = str(info.value)
    assert "expected['hiden'] names no input (inputs: W)" in message
    assert "did you mean 'hidden'" not in message or "watch" in message
    assert "autograd_lite.watch('hiden'" in message


def test_a_variable_changed_in_place_after_assignment_is_a_clear_error() -> None:
    def loss(x: Any) -> Any:
        out = np.zeros_like(x)
        for i in range(len(x)):
            out[i] = x[i] * 2.0
        return np.sum(out)

    with pytest.raises(ValueError, match=r"changed in place.*watch\('out', out\)"):
        check_gradients(loss, {"x": [1.0, 2.0]}, {"out": [1.0, 1.0]})


def test_a_function_defined_in_a_notebook_cell_is_searched_like_a_file() -> None:
    source = "import numpy as np\ndef cell_loss(x):\n    a = np.tanh(x)\n    return np.sum(a * a)\n"
    filename = "/tmp/ipykernel_4242/2718281828.py"  # how IPython names a cell's code
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    try:
        namespace: dict[str, Any] = {}
        exec(compile(source, filename, "exec"), namespace)
        x = np.array([0.2, -0.7])
        report = check_gradients(namespace["cell_loss"], {"x": x}, {"a": 2 * np.tanh(x)})
        assert report.ok and report.gradients[0].line == 3
    finally:
        del linecache.cache[filename]


# ---------------------------------------------------------------- never refuse numpy


def test_numpy_bools_in_the_forward_pass_are_numbers() -> None:
    y = np.array([1, 0])

    def loss(z: Any) -> Any:
        total = 0.0
        for i in range(2):
            for j in range(2):
                total = total + (z[i, j] - (j == y[i])) ** 2
        return total

    z = np.array([[0.2, 0.9], [0.6, 0.1]])
    hand = 2 * (z - np.eye(2)[y])
    assert check_gradients(loss, {"z": z}, {"z": hand}).ok


def test_labels_passed_as_inputs_are_an_error_pointing_to_the_closure() -> None:
    def loss(logits: Any, y: Any) -> Any:
        return -np.sum(logits[np.arange(2), y])

    with pytest.raises(TypeError, match=r"inputs\['y'\] holds integers.*closure"):
        inputs = {"logits": np.ones((2, 3)), "y": np.array([0, 2])}
        check_gradients(loss, inputs, {"logits": np.zeros((2, 3))})


def conv_relu_pool_floats(x: Any, w: Any) -> Any:
    """A naive-loop conv written the way that cuts the graph: a float array filled in a loop."""
    n, _, height, width = x.shape
    k = w.shape[0]
    out = np.zeros((n, k, height - 1, width - 1))
    for a in range(n):
        for o in range(k):
            for i in range(height - 1):
                for j in range(width - 1):
                    out[a, o, i, j] = np.sum(x[a, :, i : i + 2, j : j + 2] * w[o])
    act = np.tanh(out)
    return np.sum(act * act)


def test_a_float_array_filled_in_a_loop_is_judged_by_finite_differences_alone() -> None:
    rng = np.random.default_rng(3)
    x0, w0 = rng.standard_normal((1, 2, 3, 3)), rng.standard_normal((2, 2, 2, 2))
    xt = torch.tensor(x0, requires_grad=True)
    wt = torch.tensor(w0, requires_grad=True)
    out = torch.nn.functional.conv2d(xt, wt)
    act = torch.tanh(out)
    act.retain_grad()
    (act * act).sum().backward()
    hand_w = wt.grad.numpy().copy()
    hand_w[1, 0, 1, 1] += 0.1  # one wrong entry
    report = check_gradients(
        conv_relu_pool_floats, {"x": x0, "w": w0}, {"w": hand_w, "act": act.grad, "x": xt.grad}
    )
    assert [e.name for e in report.mismatches] == ["w[1,0,1,1]"]
    assert report.root_causes == ["w"]
    assert all(math.isnan(e.engine) for e in report.entries)
    np.testing.assert_allclose(report.numerical["x"], xt.grad.numpy(), rtol=1e-5, atol=1e-7)
    note = " ".join(report.notes)
    assert "finite differences alone" in note and "np.zeros_like" in note
    assert "out[a, o, i, j] = np.sum(" in note and "line" in note


def test_math_exp_on_a_value_falls_back_to_differences_and_says_use_np_exp() -> None:
    def loss(x: Any) -> Any:
        return sum(math.exp(v) for v in x)

    x = np.array([0.1, 0.2])
    report = check_gradients(loss, {"x": x}, {"x": np.exp(x)})
    assert report.ok
    assert "math.exp" in report.notes[0] and "np.exp or autograd_lite.exp" in report.notes[0]


def test_torch_tensors_are_numbers_in_inputs_and_expected() -> None:
    x = torch.tensor([0.5, -1.0], dtype=torch.float64, requires_grad=True)
    report = check_gradients(lambda x: np.sum(x * x), {"x": x}, {"x": 2 * x})
    assert report.ok


# ---------------------------------------------------------------- scaled differences


def test_large_gradients_are_cross_checked_along_seeded_directions_the_same_every_run() -> None:
    ex = batchnorm_mlp(**SMALL)
    first = check_gradients(ex.loss_fn, ex.inputs, ex.gradients)
    again = check_gradients(ex.loss_fn, ex.inputs, ex.gradients)
    checks = first.cross_checks
    assert "random directions" in checks["W1"] and "each of its" in checks["b2"]
    assert checks == again.cross_checks
    for name in first.numerical:
        np.testing.assert_array_equal(first.numerical[name], again.numerical[name])
    sampled = ~np.isnan(first.numerical["W1"])
    assert 0 < sampled.sum() < sampled.size
    np.testing.assert_allclose(
        first.numerical["W1"][sampled], first.engine["W1"][sampled], rtol=1e-5, atol=1e-9
    )


def test_a_tie_in_np_maximum_inside_a_large_variable_is_probed_as_a_kink() -> None:
    z0 = np.linspace(-1.0, 1.0, 81)  # z0[40] is exactly 0: a tie with the 0 of np.maximum

    def loss(z: Any) -> Any:
        r = np.maximum(z, 0)
        return np.sum(r * np.arange(1.0, 82.0))

    slope = np.arange(1.0, 82.0)
    hand = np.where(z0 > 0, slope, 0.0)
    for value in (0.0, slope[40] / 2, slope[40]):
        hand[40] = value
        report = check_gradients(loss, {"z": z0}, {"z": hand})
        assert report["z[40]"].verdict == KINK and report.ok
    hand[40] = 2 * slope[40]
    assert check_gradients(loss, {"z": z0}, {"z": hand})["z[40]"].verdict == WRONG


def test_drawing_a_report_colours_the_variables_nodes() -> None:
    def loss(x: Any) -> Any:
        h = np.tanh(x)
        return np.sum(h * h)

    x = np.array([0.3, -0.2])
    report = check_gradients(loss, {"x": x}, {"h": [0.0, 2 * np.tanh(-0.2)]})
    marked = {node.label: verdict for node, verdict in report.node_verdicts().items()}
    assert marked == {"h[0]": WRONG, "h[1]": OK}
    drawing = al.draw_graph(report.loss, highlight=report, view="values")
    assert "h[0]" in drawing.source
    arrays = al.draw_graph(report.loss, highlight=report).svg()  # the default: arrays
    assert 'class="cell verdict-wrong"' in arrays and "h[0]: WRONG" in arrays


def test_the_checks_one_walk_back_gives_the_engines_general_chain_rule() -> None:
    from autograd_lite.check.gradients import _reference_gradients

    ex = batchnorm_mlp(batch=3, hidden=4, seed=5)
    report = check_gradients(ex.loss_fn, ex.inputs, ex.gradients)
    assert report.loss is not None
    nodes = [e.node for e in report.entries if e.node is not None]
    assert len(nodes) == len(report.entries)
    want = _reference_gradients(report.loss, nodes)
    got = [e.engine for e in report.entries]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    assert [n.grad for n in nodes] == got  # the report's graph carries them for drawing


def test_entry_labels_in_bulk_are_entry_label() -> None:
    from autograd_lite.check.watch import entry_labels
    from autograd_lite.core import entry_label

    for shape in [(), (3,), (2, 3), (2, 1, 3)]:
        assert entry_labels("W", shape) == [entry_label("W", i) for i in np.ndindex(shape)]
