"""AdamW: decoupled weight decay, against a step written out by hand and torch.optim.AdamW."""

from __future__ import annotations

import math

import pytest

import autograd_lite as al
from autograd_lite import Value
from autograd_lite.optim import Adam, AdamW


def _param(data: float, grad: float, label: str = "p") -> Value:
    p = Value(data, label=label)
    p.grad = grad
    return p


def _adamw_by_hand(
    p: float, grads: list[float], lr: float, b1: float, b2: float, eps: float, wd: float
) -> list[float]:
    """Parameter after each step, the update written out in plain floats."""
    m = v = 0.0
    out = []
    for t, g in enumerate(grads, start=1):
        p = p - lr * wd * p  # the decay acts on the parameter, not on g
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        p = p - lr * m_hat / (math.sqrt(v_hat) + eps)
        out.append(p)
    return out


def test_the_defaults_are_pytorchs() -> None:
    opt = AdamW([Value(1.0)])
    group = opt.param_groups[0]
    assert (group["lr"], group["betas"], group["eps"], group["weight_decay"]) == (
        0.001,
        (0.9, 0.999),
        1e-8,
        0.01,
    )


def test_three_steps_against_the_update_by_hand() -> None:
    grads = [0.5, -1.0, 0.25]
    p = _param(2.0, 0.0)
    opt = AdamW([p], lr=0.1, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.3)
    seen = []
    for g in grads:
        p.grad = g
        opt.step()
        seen.append(p.data)
    expected = _adamw_by_hand(2.0, grads, 0.1, 0.8, 0.99, 1e-6, 0.3)
    assert all(math.isclose(a, b, rel_tol=1e-14) for a, b in zip(seen, expected, strict=True))


def test_the_first_step_by_hand() -> None:
    p = _param(1.0, 0.5)
    AdamW([p], lr=0.1, weight_decay=0.5).step()
    # 1.0 * (1 - 0.1 * 0.5) = 0.95; the bias-corrected Adam step is then lr * 0.5 / 0.5
    assert math.isclose(p.data, 0.95 - 0.1 * 0.5 / (0.5 + 1e-8), rel_tol=1e-15)


def test_decay_is_decoupled_from_the_gradient_unlike_adam() -> None:
    # With a zero gradient Adam's L2 term still goes through 1/sqrt(v): a full lr step.
    # AdamW shrinks by lr * wd * p and the Adam part stays zero.
    a, w = _param(2.0, 0.0), _param(2.0, 0.0)
    Adam([a], lr=0.1, weight_decay=0.01).step()
    AdamW([w], lr=0.1, weight_decay=0.01).step()
    assert math.isclose(a.data, 2.0 - 0.1 * 0.02 / (0.02 + 1e-8), rel_tol=1e-12)  # ~1.9
    assert math.isclose(w.data, 2.0 * (1 - 0.1 * 0.01), rel_tol=1e-15)  # 1.998


def test_without_decay_it_is_adam() -> None:
    a, w = _param(1.5, 0.3), _param(1.5, 0.3)
    opt_a, opt_w = Adam([a], lr=0.05), AdamW([w], lr=0.05, weight_decay=0.0)
    for g in (0.3, -0.7, 1.1):
        a.grad = w.grad = g
        opt_a.step()
        opt_w.step()
        assert a.data == w.data


def test_matches_torch_adamw_over_groups_and_steps() -> None:
    torch = pytest.importorskip("torch")
    start = [0.5, -1.5, 2.0]
    ours = [Value(x, label=f"p{i}") for i, x in enumerate(start)]
    theirs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in start]

    def groups(ps: list[object]) -> list[dict[str, object]]:
        return [
            {"params": ps[:2]},
            {"params": ps[2:], "lr": 0.02, "weight_decay": 0.1, "betas": (0.5, 0.9)},
        ]

    opt = AdamW(groups(ours), lr=0.05)  # type: ignore[arg-type]
    torch_opt = torch.optim.AdamW(groups(theirs), lr=0.05)
    for step in range(25):
        opt.zero_grad()
        loss = sum(((p - 0.3 * i) ** 2 * (1 + step % 3) for i, p in enumerate(ours)), Value(0.0))
        loss.backward()
        opt.step()
        torch_opt.zero_grad()
        torch_loss = sum((p - 0.3 * i) ** 2 * (1 + step % 3) for i, p in enumerate(theirs))
        torch_loss.backward()
        torch_opt.step()
        for a, b in zip(ours, theirs, strict=True):
            assert math.isclose(a.data, b.item(), rel_tol=1e-12, abs_tol=1e-14), step


def test_state_round_trip_and_errors_name_adamw() -> None:
    p = _param(1.0, 0.5)
    opt = AdamW([p], lr=0.1)
    opt.step()
    state = opt.state_dict()
    assert state["optimizer"] == "AdamW" and state["param_groups"][0]["weight_decay"] == 0.01
    q = _param(1.0, 0.5)
    again = AdamW([q], lr=0.1)
    again.load_state_dict(state)
    p.grad = q.grad = -0.25
    p.data = q.data
    opt.step()
    again.step()
    assert p.data == q.data
    with pytest.raises(ValueError, match="AdamW: weight_decay must be finite and >= 0"):
        AdamW([Value(1.0)], weight_decay=-0.1)
    with pytest.raises(ValueError, match="the state is from 'Adam', not AdamW"):
        AdamW([Value(1.0)]).load_state_dict(Adam([Value(1.0)]).state_dict())


def test_it_is_on_the_top_level() -> None:
    assert al.AdamW is AdamW and "AdamW" in al.__all__
