"""Recording a training run (learn/record.py) and its replay page's data (learn/playback.py).

The page itself is tested in Chromium in test_playback_browser.py. Here: frames hold the
parameters each step started from and the gradients it used (checked against a hand-written
loop), the explained sample's numbers are explain()'s own (checked against explain() re-run
with each frame's parameters), thinning keeps memory bounded, the size and memory limits of
the issue hold (a 200-step run of MLP(2, [16, 16, 1]) on moons), and bad input is refused
before anything changes.
"""

from __future__ import annotations

import base64
import json
import math
import re
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import MLP, SGD, explain, fit
from autograd_lite.datasets import make_moons
from autograd_lite.learn.losses import binary_cross_entropy_with_logits as bce
from autograd_lite.learn.record import Recorder


def moons(n: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    return make_moons(n, noise=0.1, random_state=seed)


def load(model: MLP, params: np.ndarray) -> None:
    for p, v in zip(model.parameters(), params, strict=True):
        p.data = float(v)


def test_frames_hold_each_steps_parameters_gradients_and_losses() -> None:
    X, y = moons()
    model = MLP(2, [5, 1], seed=1)
    rec = Recorder(model, X, y, loss="bce", sample=3)
    opt = SGD(model.parameters(), lr=0.3)
    seen = []
    for _ in range(6):
        opt.zero_grad()
        loss = bce([[model(row)] for row in X.tolist()], y)
        loss.backward()
        seen.append(
            ([p.data for p in model.parameters()], [p.grad for p in model.parameters()], loss.data)
        )
        assert rec.step(loss)
        opt.step()
    rec.finish()
    assert rec.frames == 7 and rec.steps[:7].tolist() == list(range(7))
    for k, (params, grads, loss_value) in enumerate(seen):
        assert rec.params[k].tolist() == params
        assert rec.grads[k].tolist() == grads
        assert rec.scores[k, 0] == loss_value
        # The training loss of the frame is the full-batch loss at those parameters.
        assert rec.scores[k, 1] == pytest.approx(loss_value, rel=1e-12)
    assert rec.params[6].tolist() == [p.data for p in model.parameters()]
    assert np.isnan(rec.grads[6]).all() and math.isnan(rec.scores[6, 0])


def test_the_explained_sample_numbers_are_explains_own_at_every_frame() -> None:
    X, y = moons()
    model = MLP(2, [4, 3, 1], activation="tanh", seed=2)
    history = fit(model, X, y, loss="bce", epochs=5, record=True, progress=False)
    rec = history.recording
    assert rec is not None and rec.frames == 6
    s = rec.structure
    check = MLP(2, [4, 3, 1], activation="tanh", seed=2)
    for k in range(rec.frames):
        load(check, rec.params[k])
        loss = bce([[check(X[rec.sample].tolist())]], y[rec.sample : rec.sample + 1])
        e = explain(loss, max_nodes=None)
        steps = {step.name: step for step in e.steps}
        assert [steps[n].value for n in s.names] == rec.node_values[k].tolist()
        assert [steps[n].grad for n in s.names] == rec.node_grads[k].tolist()
        local = [t.local for n in s.names for t in steps[n].terms[:8]]
        assert local == rec.locals[k].tolist()
        for p, name in enumerate(rec.names):
            child, source = s.param_terms[p]
            (term,) = steps[name].terms
            assert term.child == s.names[child]
            expected = 1.0 if source < 0 else rec.node_values[k][source]
            assert term.local == expected
            assert steps[name].grad == rec.node_grads[k][child] * expected


def test_thinning_keeps_the_whole_run_in_bounded_memory() -> None:
    X, y = moons(20)
    model = MLP(2, [3, 1], seed=0)
    rec = Recorder(model, X, y, loss="bce", max_frames=8)
    held = rec.memory_bytes
    opt = SGD(model.parameters(), lr=0.1)
    for _ in range(40):
        opt.zero_grad()
        loss = bce([[model(row)] for row in X.tolist()], y)
        loss.backward()
        rec.step(loss)
        opt.step()
    rec.finish()
    assert rec.memory_bytes == held  # allocated once, up front
    assert rec.frames <= 8 and rec.every == 8
    steps = rec.steps[: rec.frames].tolist()
    assert steps == [0, 8, 16, 24, 32, 40]  # evenly spaced, first step to the trained model


def test_the_issues_run_fits_in_50_mb_while_recording_and_the_page_in_3_mb(tmp_path: Path) -> None:
    X, y = make_moons(200, noise=0.1, random_state=0)
    X_test, y_test = make_moons(100, noise=0.1, random_state=1)
    model = MLP(2, [16, 16, 1], seed=0)
    tracemalloc.start()
    try:
        rec = Recorder(model, X, y, loss="bce", X_test=X_test, y_test=y_test)
        history = fit(model, X, y, loss="bce", epochs=200, compile=True, record=rec, progress=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert history.steps == 200 and rec.frames == 201
    assert peak < 50e6, f"recording peaked at {peak / 1e6:.1f} MB"
    assert rec.memory_bytes < 5e6
    path = history.save(str(tmp_path / "training.html"))
    size = Path(path).stat().st_size
    assert size < 3e6, f"the page is {size / 1e6:.2f} MB"
    text = Path(path).read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?https?:""", text)  # nothing fetched
    assert history.accuracy[-1] > 0.9


def test_page_data_round_trips_the_recorded_numbers() -> None:
    X, y = moons()
    history = fit(MLP(2, [4, 1], seed=0), X, y, loss="bce", epochs=3, record=True, progress=False)
    rec = history.recording
    assert rec is not None
    data = rec.to_json()
    json.dumps(data, allow_nan=False)
    params = np.frombuffer(base64.b64decode(data["frames"]["params"]), dtype="<f8")
    assert params.tolist() == rec.params[: rec.frames].ravel().tolist()
    assert data["kind"] == "classification" and data["decision"] == "sign"
    assert data["frames"]["steps"] == [0, 1, 2, 3]
    assert data["frames"]["scores"][-1][0] is None  # the final frame took no step
    assert data["frames"]["scores"][0][1:3] == rec.scores[0, 1:3].tolist()


def test_fit_records_every_kth_step_and_on_the_compiled_path() -> None:
    X, y = moons()
    plain = fit(MLP(2, [4, 1], seed=0), X, y, loss="bce", epochs=9, record=4, progress=False)
    fast = fit(
        MLP(2, [4, 1], seed=0), X, y, loss="bce", epochs=9, record=4, progress=False, compile=True
    )
    for h in (plain, fast):
        assert h.recording is not None
        assert h.recording.steps[: h.recording.frames].tolist() == [0, 4, 8, 9]
    assert plain.recording is not None and fast.recording is not None
    np.testing.assert_allclose(
        plain.recording.grads[:3], fast.recording.grads[:3], rtol=1e-9, atol=1e-12
    )


def test_a_regression_on_one_input_is_recorded_as_one() -> None:
    X = np.linspace(-2, 2, 30)[:, None]
    y = np.sin(X[:, 0])
    history = fit(
        MLP(1, [8, 1], activation="tanh", seed=0),
        X,
        y,
        loss="mse",
        epochs=4,
        record=True,
        progress=False,
    )
    rec = history.recording
    assert rec is not None and rec.regression
    data = rec.to_json()
    assert data["kind"] == "regression" and data["nin"] == 1
    assert np.isnan(rec.scores[: rec.frames, 2]).all()  # no accuracy for mse


def test_history_without_a_recording_refuses_to_save_and_writes_nothing(tmp_path: Path) -> None:
    X, y = moons()
    history = fit(MLP(2, [3, 1], seed=0), X, y, loss="bce", epochs=2, progress=False)
    assert history._repr_html_() is None
    target = tmp_path / "training.html"
    with pytest.raises(ValueError, match=r"record=True"):
        history.save(str(target))
    assert not target.exists()
    assert "recording" not in history.as_dict()


def test_bad_recordings_are_refused_before_anything_changes() -> None:
    X, y = moons()
    model = MLP(2, [3, 1], seed=0)
    before = [p.data for p in model.parameters()]
    with pytest.raises(TypeError, match="MLP"):
        Recorder(al.nn.Layer(2, 1), X, y)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="1 or 2"):
        Recorder(MLP(3, [2, 1]), np.zeros((4, 3)), [0, 1, 0, 1], loss="bce")
    with pytest.raises(ValueError, match="every"):
        Recorder(model, X, y, loss="bce", every=0)
    with pytest.raises(ValueError, match="max_frames"):
        Recorder(model, X, y, loss="bce", max_frames=1)
    with pytest.raises(ValueError, match="X_test and y_test"):
        Recorder(model, X, y, loss="bce", X_test=X)
    with pytest.raises(ValueError, match="sample"):
        Recorder(model, X, y, loss="bce", sample=len(X))
    with pytest.raises(ValueError, match="columns"):
        Recorder(model, X, y, loss="bce", X_test=np.zeros((3, 1)), y_test=[0, 1, 0])
    with pytest.raises(TypeError, match="record"):
        fit(model, X, y, loss="bce", epochs=1, record="yes", progress=False)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="another model"):
        fit(
            model,
            X,
            y,
            loss="bce",
            epochs=1,
            record=Recorder(MLP(2, [3, 1]), X, y, loss="bce"),
            progress=False,
        )
    assert [p.data for p in model.parameters()] == before
    rec = Recorder(model, X, y, loss="bce")
    with pytest.raises(ValueError, match="no frames"):
        rec.html()
    with pytest.raises(TypeError, match="loss"):
        rec.step("0.5")  # type: ignore[arg-type]
    assert rec.frames == 0 and rec.steps_seen == 0
    rec.finish()
    with pytest.raises(RuntimeError, match="finish"):
        rec.step(0.5)


def test_a_notebook_shows_the_replay_or_a_picture_of_the_last_frame() -> None:
    X, y = moons()
    history = fit(MLP(2, [4, 1], seed=0), X, y, loss="bce", epochs=3, record=True, progress=False)
    shown = history._repr_html_()
    assert shown is not None
    assert '<img src="data:image/svg+xml;base64,' in shown
    assert "srcdoc" in shown and '<script type="application/json">' in shown


def test_the_widget_opens_on_the_trained_model_and_moves_from_python() -> None:
    pytest.importorskip("anywidget")
    X, y = moons()
    history = fit(MLP(2, [4, 1], seed=0), X, y, loss="bce", epochs=5, record=True, progress=False)
    w = history.widget(height=500)
    assert w.frames == 6 and w.frame == 5 and w.height == 500
    assert "autogradLitePlayback" in w.page
    assert w.step(-2) == 3 and w.step(-10) == 0 and w.step(99) == 5
    assert w.go_to(-1) == 5 and w.go_to(2) == 2
    with pytest.raises(ValueError, match="0 to 5"):
        w.go_to(6)
    with pytest.raises(TypeError, match="whole number"):
        w.step(1.5)  # type: ignore[arg-type]
    assert w.frame == 2  # unchanged by the refused calls
    assert repr(w) == "<PlaybackWidget: frame 2 of 6>"
    with pytest.raises(ValueError, match="height"):
        history.widget(height=50)
    unrecorded = fit(MLP(2, [4, 1], seed=0), X, y, loss="bce", epochs=1, progress=False)
    with pytest.raises(ValueError, match="record=True"):
        unrecorded.widget()


def test_fit_refuses_to_record_what_the_page_cannot_draw() -> None:
    X, y = moons()
    layer = al.nn.Layer(2, 1, activation="linear", seed=0)
    with pytest.raises(TypeError, match="MLP"):
        fit(layer, X, y, loss="bce", epochs=1, record=True, progress=False)
    with pytest.raises(ValueError, match="k must be >= 1"):
        fit(MLP(2, [3, 1]), X, y, loss="bce", epochs=1, record=0, progress=False)
    assert (
        fit(MLP(2, [3, 1]), X, y, loss="bce", epochs=1, record=False, progress=False).recording
        is None
    )
