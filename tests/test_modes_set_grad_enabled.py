"""set_grad_enabled: a call, a ``with`` block and a decorator, as ``torch.set_grad_enabled``.

The plain call changes the mode until changed again, so each test that makes it runs inside
a copied context: the change stays there and no other test sees it.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from typing import Any

import pytest

from autograd_lite import Value, is_grad_enabled, no_grad, set_grad_enabled
from autograd_lite.core.modes import DEFAULT_MODE, current_mode


def _isolated(body: Callable[[], Any]) -> Any:
    return contextvars.copy_context().run(body)


def test_the_call_itself_sets_the_mode_until_set_again() -> None:
    def body() -> list[bool]:
        seen = [is_grad_enabled()]
        set_grad_enabled(False)
        seen.append(is_grad_enabled())
        seen.append((Value(2.0) * 3.0).is_leaf)  # no graph is recorded
        set_grad_enabled(True)
        seen.append(is_grad_enabled())
        seen.append(current_mode() is DEFAULT_MODE)  # back on the fast default path
        return seen

    assert _isolated(body) == [True, False, True, True, True]
    assert is_grad_enabled()  # the copied context kept the change to itself


def test_a_with_block_restores_the_mode_before_it() -> None:
    x = Value(2.0)
    with set_grad_enabled(False):
        assert not is_grad_enabled()
        assert (x * 3.0).is_leaf
        with set_grad_enabled(True):
            assert not (x * 3.0).is_leaf
        assert not is_grad_enabled()
    assert is_grad_enabled() and current_mode() is DEFAULT_MODE
    with no_grad(), set_grad_enabled(True):
        assert is_grad_enabled()
    with pytest.raises(RuntimeError), set_grad_enabled(False):
        raise RuntimeError("the block fails")
    assert is_grad_enabled()


@pytest.mark.parametrize("training", [True, False])
def test_a_flag_picks_training_or_evaluation(training: bool) -> None:
    w = Value(0.5, label="w")
    with set_grad_enabled(training):
        loss = (w * 4.0 - 1.0) ** 2
    assert loss.is_leaf is not training
    if training:
        loss.backward()
        assert w.grad == 2 * (0.5 * 4.0 - 1.0) * 4.0


def test_as_a_decorator_it_holds_during_each_call_only() -> None:
    @set_grad_enabled(False)
    def evaluate(v: Value) -> Value:
        assert not is_grad_enabled()
        return v * 2.0

    assert is_grad_enabled()  # decorating changed nothing outside
    assert evaluate(Value(1.0) * 1.0).is_leaf
    assert evaluate(Value(1.0)).is_leaf  # on every call
    assert is_grad_enabled() and current_mode() is DEFAULT_MODE


def test_each_thread_keeps_its_own_mode() -> None:
    seen: dict[str, bool] = {}

    def other() -> None:
        set_grad_enabled(False)
        seen["other"] = is_grad_enabled()

    def body() -> None:
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        seen["this"] = is_grad_enabled()

    _isolated(body)
    assert seen == {"other": False, "this": True}


@pytest.mark.parametrize("bad", [0, 1, None, "False", 0.0])
def test_only_a_bool_is_a_mode(bad: Any) -> None:
    with pytest.raises(TypeError, match="set_grad_enabled: enabled must be True or False"):
        set_grad_enabled(bad)
    assert is_grad_enabled() and current_mode() is DEFAULT_MODE  # nothing was changed


def test_the_same_sequence_as_torch_gives_the_same_modes() -> None:
    torch = pytest.importorskip("torch")

    def run(set_mode: Callable[[bool], Any], enabled: Callable[[], bool]) -> list[bool]:
        seen = []
        with set_mode(False):
            seen.append(enabled())
            with set_mode(True):
                seen.append(enabled())
            seen.append(enabled())
        seen.append(enabled())

        @set_mode(False)
        def inside() -> bool:
            return enabled()

        seen += [enabled(), inside(), enabled()]
        set_mode(False)
        seen.append(enabled())
        set_mode(True)
        seen.append(enabled())
        return seen

    before = torch.is_grad_enabled()
    try:
        expected = run(torch.set_grad_enabled, torch.is_grad_enabled)
    finally:
        torch.set_grad_enabled(before)
    assert _isolated(lambda: run(set_grad_enabled, is_grad_enabled)) == expected
