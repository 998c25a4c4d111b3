"""check_loss_and_grads: (loss, dW) and (loss, grads) functions, against oracles in the test."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from autograd_lite import check_loss_and_grads
from tests.assignment_code import TwoLayerNet, softmax_loss_vectorized, svm_loss_naive


def _svm_truth(W: np.ndarray, X: np.ndarray, y: np.ndarray, reg: float) -> np.ndarray:
    n = len(y)
    scores = X @ W
    margins = scores - scores[np.arange(n), y][:, None] + 1
    margins[np.arange(n), y] = 0
    on = (margins > 0).astype(float)
    on[np.arange(n), y] = -on.sum(axis=1)
    return X.T @ on / n + 2 * reg * W


def _softmax_truth(W: np.ndarray, X: np.ndarray, y: np.ndarray, reg: float) -> np.ndarray:
    s = X @ W
    p = np.exp(s - s.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    return X.T @ p / len(y) + 2 * reg * W


def _central(f: Any, W: np.ndarray, h: float = 1e-6) -> np.ndarray:
    g = np.zeros_like(W)
    for i in np.ndindex(W.shape):
        old = W[i]
        W[i] = old + h
        up = f(W)
        W[i] = old - h
        down = f(W)
        W[i] = old
        g[i] = (up - down) / (2 * h)
    return g


def _agree(report: Any, name: str, truth: np.ndarray, mine: np.ndarray) -> None:
    for e in report.entries:
        if e.gradient != name:
            continue
        index = tuple(int(i) for i in e.name[len(name) + 1 : -1].split(","))
        close = abs(mine[index] - truth[index]) <= 1e-8 + 1e-4 * abs(truth[index])
        assert e.verdict == ("ok" if close else "WRONG"), e


def test_the_oracles_agree_with_central_differences() -> None:
    rng = np.random.default_rng(0)
    W, X, y = rng.standard_normal((6, 3)), rng.standard_normal((5, 6)), rng.integers(0, 3, 5)
    fd = _central(lambda w: svm_loss_naive(w, X, y, 0.1)[0], W.copy())
    np.testing.assert_allclose(_svm_truth(W, X, y, 0.1), fd, rtol=1e-5, atol=1e-7)
    fd = _central(lambda w: softmax_loss_vectorized(w, X, y, 0.1)[0], W.copy())
    np.testing.assert_allclose(_softmax_truth(W, X, y, 0.1), fd, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("bug", ["", "no_correct_class", "reg_once"])
def test_svm_naive_starter_code(seed: int, bug: str) -> None:
    rng = np.random.default_rng(seed)
    W = 0.01 * rng.standard_normal((12, 4))
    X, y = rng.standard_normal((9, 12)), rng.integers(0, 4, 9)
    W_before = W.copy()
    report = check_loss_and_grads(svm_loss_naive, W, X, y, 0.1, bug)
    assert np.array_equal(W, W_before)
    _agree(report, "dW", _svm_truth(W, X, y, 0.1), svm_loss_naive(W, X, y, 0.1, bug)[1])
    assert report.ok is (bug == "")
    if bug:
        assert report.root_causes[0].startswith("svm_loss_naive (assignment_code.py:")


@pytest.mark.parametrize("bug", ["", "no_mean"])
def test_softmax_vectorized(bug: str) -> None:
    rng = np.random.default_rng(4)
    W = 0.1 * rng.standard_normal((10, 3))
    X, y = rng.standard_normal((7, 10)), rng.integers(0, 3, 7)
    report = check_loss_and_grads(softmax_loss_vectorized, W, X, y, 0.05, bug)
    mine = softmax_loss_vectorized(W, X, y, 0.05, bug)[1]
    _agree(report, "dW", _softmax_truth(W, X, y, 0.05), mine)
    assert report.ok is (bug == "")


@pytest.mark.parametrize("bug", ["", "no_relu_mask"])
def test_model_loss_with_a_grads_dict(bug: str) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    params = {
        "W1": rng.standard_normal((8, 6)),
        "b1": 0.1 * rng.standard_normal(6),
        "W2": rng.standard_normal((6, 3)),
        "b2": 0.1 * rng.standard_normal(3),
    }
    X, y = rng.standard_normal((5, 8)), rng.integers(0, 3, 5)
    net = TwoLayerNet(params, bug)
    ids = {k: (id(v), v.tobytes()) for k, v in net.params.items()}
    report = check_loss_and_grads(net.loss, X, y)
    assert {k: (id(v), v.tobytes()) for k, v in net.params.items()} == ids
    t = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    hidden = torch.relu(torch.tensor(X) @ t["W1"] + t["b1"])
    loss = torch.nn.functional.cross_entropy(hidden @ t["W2"] + t["b2"], torch.tensor(y))
    loss = loss + 0.5 * net.reg * ((t["W1"] ** 2).sum() + (t["W2"] ** 2).sum())
    loss.backward()
    _, mine = net.loss(X, y)
    for key in params:
        truth = t[key].grad.numpy()
        np.testing.assert_allclose(report.engine[key], truth, rtol=1e-9, atol=1e-12)
        _agree(report, key, truth, mine[key])
    assert report.ok is (bug == "")


def test_a_random_loss_gets_no_verdict() -> None:
    rng = np.random.default_rng(6)
    W = rng.standard_normal((3, 2))

    def noisy(W: Any) -> tuple[Any, Any]:
        mask = np.random.rand(*W.shape) > 0.5
        return np.sum(W * W * mask), 2 * W

    with pytest.raises(ValueError, match=r"different losses.*No verdict"):
        check_loss_and_grads(noisy, W)


def test_gradients_that_match_nothing() -> None:
    def f(W: Any) -> tuple[Any, Any]:
        return np.sum(W), {"V": np.ones(2)}

    with pytest.raises(TypeError, match="match neither"):
        check_loss_and_grads(f, np.ones(2))
    with pytest.raises(TypeError, match=r"must return \(loss, gradient\)"):
        check_loss_and_grads(lambda W: np.sum(W), np.ones(2))
    with pytest.raises(ValueError, match="transposed"):
        check_loss_and_grads(lambda W: (np.sum(W), np.ones((3, 2))), np.ones((2, 3)))


def test_a_dict_first_argument() -> None:
    def f(params: dict[str, Any], x: Any) -> tuple[Any, dict[str, Any]]:
        loss = np.sum(np.tanh(x @ params["w"]))
        return loss, {"w": x.T @ (1 - np.tanh(x @ params["w"]) ** 2)}

    rng = np.random.default_rng(7)
    params, x = {"w": rng.standard_normal((3, 2))}, rng.standard_normal((4, 3))
    assert check_loss_and_grads(f, params, x).ok


def _softmax_loss_float_scores(W: Any, X: Any, y: Any, reg: float, bug: str = "") -> Any:
    # The forward itself fills a float array: the graph is cut, differences alone judge.
    n = X.shape[0]
    scores = np.zeros((n, W.shape[1]))
    for i in range(n):
        scores[i] = X[i].dot(W)
    scores -= scores.max(axis=1, keepdims=True)
    p = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    loss = -np.log(p[np.arange(n), y]).sum() / n + reg * np.sum(W * W)
    dscores = p.copy()
    dscores[np.arange(n), y] -= 1
    if bug != "no_mean":
        dscores /= n
    return loss, X.T.dot(dscores) + 2 * reg * W


@pytest.mark.parametrize("bug", ["", "no_mean"])
def test_a_forward_that_cuts_the_graph_is_judged_by_differences(bug: str) -> None:
    rng = np.random.default_rng(8)
    W = 0.1 * rng.standard_normal((5, 3))
    X, y = rng.standard_normal((4, 5)), rng.integers(0, 3, 4)
    report = check_loss_and_grads(_softmax_loss_float_scores, W, X, y, 0.1, bug)
    assert "finite differences alone" in report.notes[0]
    mine = _softmax_loss_float_scores(W, X, y, 0.1, bug)[1]
    _agree(report, "dW", _softmax_truth(W, X, y, 0.1), mine)
    assert report.ok is (bug == "")
