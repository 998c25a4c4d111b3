"""The seeds' layer classes (002: NNFS style, 003: Affine/Relu/SoftmaxWithLoss) check in one
call with at most one line of glue; what they find is checked against numpy oracles."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_lite import check_layers
from tests.layer_nets import (
    SoftmaxWithLoss,
    SoftmaxWithLoss003,
    seed_002_net,
    seed_003_net,
    softmax,
)


def test_seed_002_wrong_axis_stops_the_check_and_says_so() -> None:
    layers, X, y = seed_002_net(slips=True)
    with pytest.raises(ValueError, match=r"dense1\.dbiases.*\(6, 1\).*wrong axis"):
        check_layers(layers, X, y)  # the one line of glue


def test_seed_002_typo_is_pointed_out_and_the_fix_checks_clean() -> None:
    layers, X, y = seed_002_net(slips=True)
    # The axis fixed by hand (each layer's dvalues summed over the samples), the typo left.
    upstream = {
        "dense1": layers["activation1"].dinputs,
        "dense2": layers["loss_activation"].dinputs,
    }
    for key, dvalues in upstream.items():
        layers[key].dbiases = np.sum(dvalues, axis=0, keepdims=True)
    report = check_layers(layers, X, y)
    assert report.ok
    assert sum("dweighhts looks like a misspelling" in n for n in report.notes) == 2
    fixed, X, y = seed_002_net(slips=False)
    report = check_layers(fixed, X, y)
    assert report.ok and len(report.entries) == 6 * 3 + 3 + 12 + 6 * 4 + 24 + 4 + 8 + 12


def test_seed_003_softmax_with_loss_backward_does_not_match_its_forward() -> None:
    layers, x, t, dx_relu = seed_003_net(SoftmaxWithLoss003())
    report = check_layers(layers, x, t, dinputs={"relu": dx_relu})  # one line of glue
    assert not report.ok
    assert report.root_causes[0].startswith("loss.backward (layer_nets.py:")
    assert report.root_causes[0].endswith(": loss.dx")
    # Oracle: the forward as written, differentiated by central differences in the test.
    loss = layers["loss"]
    z = layers["affine2"].out.copy()

    def f(z: np.ndarray) -> float:
        s = z - z.max(axis=0)
        y = np.exp(s) / np.exp(s).sum(axis=0)
        return float(-np.sum(np.log(y[:, t] + 1e-7)) / y.shape[0])

    numeric = np.zeros_like(z)
    for index in np.ndindex(z.shape):
        up, down = z.copy(), z.copy()
        up[index] += 1e-6
        down[index] -= 1e-6
        numeric[index] = (f(up) - f(down)) / 2e-6
    np.testing.assert_allclose(report.engine["loss.dx"], numeric, rtol=1e-5, atol=1e-8)
    for e in report.entries:
        if e.gradient == "loss.dx":
            i, j = (int(k) for k in e.name[len("loss.dx[") : -1].split(","))
            close = abs(loss.dx[i, j] - numeric[i, j]) <= 1e-8 + 1e-4 * abs(numeric[i, j])
            assert e.verdict == ("ok" if close else "WRONG")


def test_seed_003_written_as_intended_checks_clean() -> None:
    layers, x, t, dx_relu = seed_003_net(SoftmaxWithLoss())
    report = check_layers(layers, x, t, dinputs={"relu": dx_relu})
    assert report.ok, report.to_text(max_ok_rows=0)
    p = softmax(layers["affine2"].out)
    assert np.all(p > 1e-3)  # the +1e-7 inside the log is negligible at this point
    assert any("db has shape (4,)" in n and "accepted" in n for n in report.notes)
