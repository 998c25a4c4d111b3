"""watch: a marked value is itself outside a check, fresh nodes while a check traces, and the
value plus the asked perturbation while a check takes finite differences.

Oracles: PyTorch's ``retain_grad()`` (skipped without torch) and central differences here.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest

from autograd_lite import Value, check_gradients, watch
from autograd_lite.check.watch import WatchSession, watch_assigned, watched_now, watching

X = np.array([[0.5, -1.0], [2.0, 0.25]])


def test_outside_a_check_watch_returns_the_value_itself() -> None:
    v = Value(1.5)
    for value in (X, v, 2.0, [1.0, 2.0]):
        assert watch("h", value) is value
    with watching(WatchSession(frozenset({"other"}), True)):
        assert watch("h", X) is X  # a check that does not ask for "h"


def test_while_tracing_each_entry_gets_its_own_labelled_node() -> None:
    leaves = np.array([[Value(float(x)) for x in row] for row in X], dtype=object)
    session = WatchSession(frozenset({"h"}), True)
    with watching(session):
        out = watch("h", leaves)
    assert out is not leaves and out.shape == X.shape
    assert [n.label for n in out.reshape(-1)] == ["h[0,0]", "h[0,1]", "h[1,0]", "h[1,1]"]
    assert [n.data for n in out.reshape(-1)] == list(X.reshape(-1))
    assert all(n.parents == (leaf,) or leaf in n.parents for n, leaf in zip(
        out.reshape(-1), leaves.reshape(-1), strict=True))  # fmt: skip
    assert watched_now(session, "h")
    out[0, 0] = Value(9.0)
    assert not watched_now(session, "h")


def test_while_taking_differences_the_perturbation_is_added() -> None:
    delta = np.array([[1e-3, 0.0], [0.0, -2e-3]])
    with watching(WatchSession(frozenset({"h"}), False, {"h": delta})) as session:
        out = watch("h", X)
    np.testing.assert_array_equal(out, X + delta)
    assert session.seen["h"].shape == (2, 2)
    with watching(WatchSession(frozenset({"s"}), False, {"s": np.array(0.5)})):
        assert watch("s", 2.0) == 2.5


def test_watching_one_name_twice_in_a_call_is_an_error() -> None:
    with watching(WatchSession(frozenset({"h"}), True)), pytest.raises(
        ValueError, match=r"'h' was watched twice.*watch\('h_1'"
    ):  # fmt: skip
        watch("h", 1.0)
        watch("h", 2.0)


def test_only_numbers_and_values_can_be_watched() -> None:
    with watching(WatchSession(frozenset({"h"}), True)), pytest.raises(
        TypeError, match=r"h\[1\] is str"
    ):  # fmt: skip
        watch("h", [1.0, "two"])


def test_a_watched_reshape_counts_only_its_own_uses_as_retain_grad_does() -> None:
    torch = pytest.importorskip("torch")
    x = torch.tensor(X, requires_grad=True)
    flat = x.reshape(-1)
    flat.retain_grad()
    (torch.sum(flat * flat) + torch.sum(x * 3.0)).backward()
    assert flat.grad is not None

    def loss(x: Any) -> Any:
        flat = watch("flat", x.reshape(-1))  # the same Value objects as x, in another array
        return np.sum(flat * flat) + np.sum(x * 3.0)

    report = check_gradients(loss, {"x": X}, {"flat": flat.grad.numpy()})
    assert report.ok
    np.testing.assert_allclose(report.engine["flat"], flat.grad.numpy(), rtol=1e-12)


def test_an_assigned_value_held_by_another_local_is_refused_only_while_tracing() -> None:
    value = np.array([1.0, 2.0])
    local_vars = {"h": value, "z": value}
    with watching(WatchSession(frozenset({"z"}), True)), pytest.raises(
        ValueError, match=r"'z' .*same array as 'h'"
    ):  # fmt: skip
        watch_assigned("z", value, local_vars, ("z",), 7)
    with watching(WatchSession(frozenset({"z"}), True)):
        # Names the same chained assignment binds are rebound by the check itself.
        watch_assigned("z", value, local_vars, ("z", "h"), 7)
    with watching(WatchSession(frozenset({"z"}), False)):
        assert watch_assigned("z", value, local_vars, ("z",), 7) is value
    assert watch_assigned("z", value, local_vars, ("z",), 7) is value  # no check running


def test_two_threads_checking_at_once_see_only_their_own_names() -> None:
    def loss(W: Any) -> Any:
        a = watch("a", np.tanh(W))
        b = watch("b", W * 3.0)
        return np.sum(a * a) + np.sum(b)

    results: dict[str, bool] = {}

    def run(name: str, want: np.ndarray) -> None:
        for _ in range(3):
            results[name] = check_gradients(loss, {"W": X}, {name: want}).ok and results.get(
                name, True
            )

    threads = [
        threading.Thread(target=run, args=("a", 2 * np.tanh(X))),
        threading.Thread(target=run, args=("b", np.ones_like(X))),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {"a": True, "b": True}
