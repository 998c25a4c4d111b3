"""schedules: each formula by hand, warm-up joins, use through an optimizer, bad arguments."""

from __future__ import annotations

import itertools
import math

import pytest

from autograd_lite import Value
from autograd_lite.optim import SGD
from autograd_lite.schedules import cosine_decay, exponential_decay, linear_warmup, step_decay


def test_step_and_exponential_decay_by_hand() -> None:
    s = step_decay(0.2, step_size=3, gamma=0.5)
    assert [s(k) for k in range(7)] == [0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.05]
    e = exponential_decay(0.5, gamma=0.9)
    assert e(0) == 0.5 and math.isclose(e(10), 0.5 * 0.9**10, rel_tol=1e-15)


def test_cosine_decay_ends_at_min_lr_and_is_monotone() -> None:
    s = cosine_decay(0.1, total_steps=50, min_lr=0.01)
    values = [s(k) for k in range(60)]
    assert values[0] == 0.1 and math.isclose(values[25], 0.055, rel_tol=1e-12)
    assert all(a >= b for a, b in itertools.pairwise(values))
    assert values[50:] == [pytest.approx(0.01)] * 10


def test_linear_warmup_ramps_then_hands_over() -> None:
    s = linear_warmup(step_decay(1.0, step_size=2, gamma=0.5), warmup_steps=4)
    assert [s(k) for k in range(8)] == [0.25, 0.5, 0.75, 1.0, 1.0, 1.0, 0.5, 0.5]
    assert linear_warmup(0.3, warmup_steps=3)(10) == 0.3
    assert "warmup_steps=4" in repr(s)


def test_a_schedule_drives_the_optimizer() -> None:
    p = Value(1.0)
    opt = SGD([p], lr=1.0, schedule=exponential_decay(0.1, gamma=0.5))
    seen = []
    for _ in range(3):
        p.grad = 1.0
        opt.step()
        seen.append(opt.lr)
    assert seen == [0.1, 0.05, 0.025] and math.isclose(p.data, 1.0 - 0.175, rel_tol=1e-15)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: step_decay(0.0, 10), "lr must be a finite number > 0"),
        (lambda: step_decay(0.1, 0), "step_size must be an int >= 1"),
        (lambda: exponential_decay(0.1, gamma=-1.0), "gamma must be"),
        (lambda: cosine_decay(0.1, 10, min_lr=0.2), r"min_lr must be in \[0, lr\]"),
        (lambda: linear_warmup(0.1, warmup_steps=0), "warmup_steps must be"),
        (lambda: cosine_decay(0.1, 10)(-1), "step must be an int >= 0"),
    ],
)
def test_bad_arguments_are_named(make: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()  # type: ignore[operator]


# ---------------------------------------------------------------- issue 21


@pytest.mark.parametrize(
    "schedule",
    [exponential_decay(0.1, gamma=2), step_decay(0.1, step_size=1, gamma=10.0)],
    ids=["exponential", "step"],
)
def test_a_rate_that_outgrows_the_floats_is_a_value_error_naming_the_step(schedule: object) -> None:
    # Regression (issue 21, finding 14): exponential_decay(0.1, gamma=2)(2000) raised a raw
    # OverflowError.
    with pytest.raises(ValueError, match=r"at step 2000 is larger than the largest float"):
        schedule(2000)  # type: ignore[operator]


def test_numpy_scalars_are_numbers_to_every_schedule() -> None:
    # Regression (issue 21, finding 15): np.float32 was refused as "not a number".
    import numpy as np

    s = exponential_decay(np.float32(0.5), gamma=np.float64(0.5))
    assert s(np.int64(2)) == 0.125 and type(s.lr) is float
    assert step_decay(np.float64(1.0), step_size=np.int32(2), gamma=0.5)(np.int16(4)) == 0.25
    assert cosine_decay(np.float32(1.0), total_steps=np.int64(2), min_lr=np.float32(0.0))(2) == 0
    assert linear_warmup(np.float32(0.5), warmup_steps=np.int64(1))(np.uint8(3)) == 0.5
    with pytest.raises(ValueError, match="must be a finite number > 0"):
        exponential_decay(np.bool_(True), gamma=0.5)
    with pytest.raises(ValueError, match="must be a finite number > 0"):
        exponential_decay(10**400, gamma=0.5)
