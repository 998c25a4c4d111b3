"""detect_anomaly() and no_grad(): what the errors say, where they point, and whose mode it is.

The requirements: inside ``detect_anomaly()`` any NaN or inf produced in the forward or the
backward pass raises, naming the op, its input values, the labels of the nodes involved and
the first node where the non-finite number appeared; the mode is off by default, nests, and
belongs to one thread / one asyncio task; off, it costs nothing beyond the mode check.
"""

from __future__ import annotations

import asyncio
import contextvars
import math
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

import autograd_lite as al
from autograd_lite import AnomalyError, Value, detect_anomaly, enable_grad, no_grad
from autograd_lite.core.engine import gradients
from autograd_lite.core.modes import DEFAULT_MODE, current_mode

INF, NAN = math.inf, math.nan

# ---------------------------------------------------------------- off by default


def test_off_by_default_and_non_finite_numbers_flow_through() -> None:
    assert current_mode() is DEFAULT_MODE and not current_mode().anomaly
    x = Value(INF, label="x")
    y = x * 0.0
    assert math.isnan(y.data)
    z = Value(0.0, label="z") ** 0.5
    z.backward()
    assert z.parents[0].grad == INF


def test_off_is_the_fast_default_mode_even_when_switched_off_explicitly() -> None:
    # Cheap when off: ops take the DEFAULT_MODE fast path (an identity check), including
    # inside blocks that switch things off that were off anyway.
    with detect_anomaly(False):
        assert current_mode() is DEFAULT_MODE
    with enable_grad():
        assert current_mode() is DEFAULT_MODE
    with detect_anomaly(), detect_anomaly(False):
        assert current_mode() is DEFAULT_MODE
    assert current_mode() is DEFAULT_MODE


# ---------------------------------------------------------------- forward


@pytest.mark.parametrize(
    ("make", "op", "result"),
    [
        (lambda a, b: a * b, "mul", "nan"),  # inf * 0
        (lambda a, b: a - a, "sub", "nan"),  # inf - inf
        (lambda a, b: a / a, "div", "nan"),  # inf / inf
        (lambda a, b: (a * b).sin(), "mul", "nan"),  # the first op fails, not sin
    ],
)
def test_forward_from_a_given_infinity(make: object, op: str, result: str) -> None:
    a = Value(INF, label="a")
    b = Value(0.0, label="b")
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        make(a, b)  # type: ignore[operator]
    message = str(info.value)
    assert info.value.op == op and info.value.phase == "forward"
    assert f"{op} produced {result}" in message
    assert "'a' leaf = inf" in message  # the input's label and value
    assert "which is a leaf: the non-finite number was given" in message


def test_forward_first_node_where_it_appeared() -> None:
    big = Value(1e200, label="big")
    scale = Value(1e150, label="scale")
    h = big * 2.0
    h.label = "h"
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        (h * scale).tanh()
    message = str(info.value)
    assert "mul produced inf" in message
    assert "'h' mul node = 2e+200" in message and "'scale' leaf = 1e+150" in message
    assert "This is the first node where it appeared: all its inputs are finite." in message


def test_forward_overflowing_division_and_nary_ops() -> None:
    tiny = Value(5e-324, label="tiny")
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"div produced inf .*'tiny'"):
        1.0 / tiny
    xs = [Value(1e308, label=f"x{i}") for i in range(3)]
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"sum produced inf .*'x2'"):
        al.sum_values(xs)
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"linear produced inf"):
        al.dot(xs, [2.0, 2.0, 2.0], bias=1.0)


def test_forward_names_the_first_node_when_the_nan_was_made_before_detection() -> None:
    # The nan was produced outside the block (detection off), then used inside it: the
    # error must point back to where it first appeared, not only to the nearest input.
    x = Value(1e200, label="x")
    origin = x * x
    origin.label = "origin"
    later = (origin - origin) + 1.0
    later.label = "later"
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        later * 3.0
    message = str(info.value)
    assert "It came in through 'later' add node = nan" in message
    assert "first appeared at 'origin' mul node = inf, computed from finite" in message
    assert "'x' leaf = 1e+200" in message
    # When the chain starts at a given non-finite number, that leaf is named.
    given = Value(INF, label="given")
    made = given * 0.0
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        made + 1.0
    assert "It first appeared as the given leaf 'given' leaf = inf" in str(info.value)


def test_a_failed_forward_leaves_no_node_behind() -> None:
    a = Value(INF, label="a")
    with detect_anomaly(), pytest.raises(AnomalyError):
        a * 0.0
    assert a.grad == 0.0 and a.is_leaf


def test_domain_errors_stay_domain_errors_inside_detection() -> None:
    # log(-1) and sin(inf) are refused before a number is made: not an anomaly. Overflow
    # gives inf (docs/conventions.md), which detection reports where it first appears.
    with detect_anomaly():
        with pytest.raises(al.DomainError, match="log"):
            Value(-1.0, label="neg").log()
        with pytest.raises(al.DomainError, match="sin"):
            Value(INF, label="big").sin()
        with pytest.raises(AnomalyError, match="exp produced inf"):
            Value(1000.0).exp()


# ---------------------------------------------------------------- backward


def test_backward_names_op_node_inputs_and_numbers() -> None:
    x = Value(0.0, label="x")
    w = Value(3.0, label="w")
    r = x**0.5  # finite forward, infinite local derivative at 0
    r.label = "r"
    y = r * w
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        y.backward()
    message = str(info.value)
    assert info.value.op == "pow" and info.value.phase == "backward"
    assert "non-finite gradient inf" in message
    assert "'x' leaf = 0.0" in message and "'r' pow node = 0.0" in message
    assert "upstream grad 3.0 x local derivative inf" in message
    # Nothing was written by the failed call.
    assert (x.grad, w.grad, r.grad, y.grad) == (0.0, 0.0, 0.0, 0.0)


def test_backward_detects_gradients_that_overflow_when_summed() -> None:
    # Each contribution is finite (1e308); their sum at the shared node is inf.
    x = Value(1.0, label="x")
    a = x * 1e308
    b = x * 1e308
    a.label, b.label = "a", "b"
    y = a + b
    y.data = 1.0  # keep the forward finite; only the backward sum overflows
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        y.backward()
    message = str(info.value)
    assert "inf" in message and "'x' leaf" in message
    assert "adding up" in message
    assert x.grad == 0.0
    y.backward()  # without detection the sum is just inf
    assert x.grad == INF


def test_backward_detects_leaf_accumulation_overflow_and_keeps_grads() -> None:
    x = Value(2.0, label="x")
    y = x * 1e308
    y.backward()
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"accumulating into 'x' leaf"):
        y.backward()  # 1e308 + 1e308 overflows in x.grad
    assert x.grad == 1e308 and y.grad == 1.0


def test_gradients_and_create_graph_are_checked_too() -> None:
    x = Value(0.0, label="x")
    y = x.abs() ** 0.5
    t = Value(1.0, label="t")
    a, b = t * 1e308, t * 1e308
    s = a + b
    s.data = 1.0  # a finite forward; the gradient 2e308 overflows
    with detect_anomaly():
        with pytest.raises(AnomalyError, match="backward"):
            gradients(y, [x])
        # With create_graph the gradient is built from Value operations, checked as they run.
        with pytest.raises(AnomalyError, match="inf"):
            gradients(s, [t], create_graph=True)
    # Without detection: inf from pow' (0) times abs' (0) = 0 is nan.
    assert math.isnan(gradients(y, [x])[0])
    assert x.grad == 0.0


def test_nan_seed_is_reported_as_the_upstream_gradient() -> None:
    x = Value(2.0, label="x")
    y = x * x
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"upstream grad nan"):
        y.backward(gradient=NAN)


# ---------------------------------------------------------------- nesting


def test_nesting_restores_each_outer_mode() -> None:
    inf = Value(INF)
    with detect_anomaly():
        with detect_anomaly(False):
            assert math.isnan((inf * 0.0).data)
            with detect_anomaly(), pytest.raises(AnomalyError):
                inf * 0.0
            assert not current_mode().anomaly
        assert current_mode().anomaly
        with pytest.raises(AnomalyError):
            inf * 0.0
    assert current_mode() is DEFAULT_MODE


def test_modes_combine_and_restore_after_exceptions() -> None:
    w = Value(1.0)
    with pytest.raises(RuntimeError), detect_anomaly(), no_grad():
        assert current_mode().anomaly and not current_mode().grad_enabled
        assert (w * 2.0).is_leaf
        with pytest.raises(AnomalyError):
            Value(INF) * 0.0
        raise RuntimeError("leave both blocks by an exception")
    assert current_mode() is DEFAULT_MODE
    assert not (w * 2.0).is_leaf


def test_as_decorators() -> None:
    @detect_anomaly()
    def checked(v: Value) -> Value:
        return v * 0.0

    @no_grad()
    def update(v: Value) -> Value:
        return v - 0.1

    with pytest.raises(AnomalyError):
        checked(Value(INF))
    with pytest.raises(AnomalyError):
        checked(Value(INF))  # a decorator works on every call, not only the first
    assert update(Value(1.0) * 2.0).is_leaf
    assert current_mode() is DEFAULT_MODE


# ---------------------------------------------------------------- threads and tasks


def test_each_thread_has_its_own_mode() -> None:
    inside = threading.Barrier(2, timeout=10)
    done = threading.Barrier(2, timeout=10)
    seen: dict[str, object] = {}

    def detecting() -> None:
        with detect_anomaly(), no_grad():
            inside.wait()  # the other thread runs while this one is inside the block
            done.wait()
            try:
                Value(INF) * 0.0
            except AnomalyError:
                seen["detecting raised"] = True

    def plain() -> None:
        inside.wait()
        seen["plain mode"] = current_mode()
        seen["plain result"] = (Value(INF) * 0.0).data
        seen["plain records"] = not (Value(1.0) * 2.0).is_leaf
        done.wait()

    threads = [threading.Thread(target=detecting), threading.Thread(target=plain)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen["detecting raised"] is True
    assert seen["plain mode"] is DEFAULT_MODE
    assert math.isnan(seen["plain result"])  # type: ignore[arg-type]
    assert seen["plain records"] is True


def test_threads_started_inside_a_block_do_not_inherit_it() -> None:
    with detect_anomaly(), ThreadPoolExecutor(max_workers=2) as pool:
        modes = list(pool.map(lambda _: current_mode(), range(4)))
    assert all(m is DEFAULT_MODE for m in modes)
    # ...unless the caller hands its context over explicitly.
    with detect_anomaly():
        context = contextvars.copy_context()
    assert context.run(current_mode).anomaly


def test_each_asyncio_task_has_its_own_mode() -> None:
    async def detecting(entered: asyncio.Event, checked: asyncio.Event) -> bool:
        with detect_anomaly():
            entered.set()
            await checked.wait()  # the other task runs while this one is inside
            try:
                Value(INF) * 0.0
            except AnomalyError:
                return True
        return False

    async def plain(entered: asyncio.Event, checked: asyncio.Event) -> float:
        await entered.wait()
        result = (Value(INF) * 0.0).data  # no error: this task's mode is off
        assert current_mode() is DEFAULT_MODE
        checked.set()
        return result

    async def main() -> tuple[bool, float]:
        entered, checked = asyncio.Event(), asyncio.Event()
        raised, result = await asyncio.gather(detecting(entered, checked), plain(entered, checked))
        return raised, result

    raised, result = asyncio.run(main())
    assert raised is True and math.isnan(result)


def test_a_task_created_inside_a_block_keeps_the_mode_it_was_created_with() -> None:
    async def mode_later(release: asyncio.Event) -> bool:
        await release.wait()
        return current_mode().anomaly

    async def main() -> tuple[bool, bool]:
        release = asyncio.Event()
        with detect_anomaly():
            task = asyncio.create_task(mode_later(release))
        outside = current_mode().anomaly  # the creator has left its block...
        release.set()
        return outside, await task  # ...the task still has its copy of the context

    assert asyncio.run(main()) == (False, True)


# ---------------------------------------------------------------- issue 11: no_grad everywhere


def test_one_no_grad_object_can_be_reused_and_nested() -> None:
    block = al.no_grad()
    with block:
        with block:
            assert not al.is_grad_enabled()
        assert not al.is_grad_enabled()
    with block:
        assert not al.is_grad_enabled()
    assert al.is_grad_enabled()


def test_no_grad_decorates_generators_step_by_step() -> None:
    @al.no_grad()
    def steps() -> Any:
        received = yield al.is_grad_enabled()
        yield received, (al.Value(1.0) * 2).is_leaf

    gen = steps()
    assert al.is_grad_enabled()  # creating the generator runs nothing
    assert next(gen) is False
    assert al.is_grad_enabled()  # between steps the caller's mode holds
    assert gen.send("hi") == ("hi", True)


def test_no_grad_decorates_async_functions() -> None:
    @al.no_grad()
    async def forward() -> bool:
        await asyncio.sleep(0)
        return (al.Value(1.0) * 2).is_leaf

    assert asyncio.run(forward()) is True
    assert al.is_grad_enabled()
