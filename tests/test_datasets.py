"""datasets: shapes, labels, geometry, determinism and argument checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd_lite.datasets import (
    blobs,
    make_blobs,
    make_moons,
    make_spiral,
    make_xor,
    spiral,
    xor,
)

ALL = [
    lambda seed: make_moons(60, noise=0.1, seed=seed),
    lambda seed: spiral(20, 3, seed=seed),
    lambda seed: blobs(60, centers=3, seed=seed),
    lambda seed: xor(60, noise=0.2, seed=seed),
]


@pytest.mark.parametrize("make", ALL)
def test_shapes_dtypes_and_determinism(make: object) -> None:
    X, y = make(0)  # type: ignore[operator]
    assert X.dtype == np.float64 and y.dtype == np.int64
    assert X.ndim == 2 and X.shape[1] == 2 and y.shape == (X.shape[0],)
    X2, y2 = make(0)  # type: ignore[operator]
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    X3, _ = make(1)  # type: ignore[operator]
    assert not np.array_equal(X, X3)


def test_moons_without_noise_lie_on_the_two_arcs() -> None:
    X, y = make_moons(101, noise=0.0, seed=0)
    upper, lower = X[y == 0], X[y == 1]
    assert len(upper) == 50 and len(lower) == 51
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0, rtol=1e-12)
    assert (upper[:, 1] >= -1e-12).all() and (lower[:, 1] <= 0.5 + 1e-12).all()


def test_moons_noise_has_the_requested_spread() -> None:
    X, y = make_moons(2000, noise=0.1, seed=3)
    # radial distance from the upper arc's centre: 1 plus noise of std ~0.1
    deviation = np.hypot(X[y == 0, 0], X[y == 0, 1]) - 1.0
    assert abs(deviation.mean()) < 0.02 and 0.08 < deviation.std() < 0.12


def test_moons_classes_are_shuffled() -> None:
    _, y = make_moons(100, seed=0)
    assert 0 < y[:50].sum() < 50


def test_spiral_arms_are_ordered_and_radii_grow_to_one() -> None:
    X, y = spiral(100, 3, seed=0)
    assert X.shape == (300, 2)
    assert y.tolist() == [0] * 100 + [1] * 100 + [2] * 100
    r = np.hypot(X[:, 0], X[:, 1])
    for j in range(3):
        np.testing.assert_allclose(r[y == j], np.linspace(0.0, 1.0, 100), atol=1e-12)


def test_spiral_without_noise_follows_the_arm_angles() -> None:
    X, y = spiral(50, 2, seed=0, noise=0.0)
    t = np.linspace(4.0, 8.0, 50)  # arm 1
    r = np.linspace(0.0, 1.0, 50)
    np.testing.assert_allclose(X[y == 1, 0], r * np.sin(2.5 * t), atol=1e-12)
    np.testing.assert_allclose(X[y == 1, 1], r * np.cos(2.5 * t), atol=1e-12)


def test_blobs_with_given_centres() -> None:
    centres = [[0.0, 0.0], [5.0, 5.0], [-5.0, 5.0]]
    X, y = blobs(3000, centers=centres, std=0.5, seed=1)
    assert [int((y == k).sum()) for k in range(3)] == [1000, 1000, 1000]
    for k, c in enumerate(centres):
        np.testing.assert_allclose(X[y == k].mean(axis=0), c, atol=0.05)
        np.testing.assert_allclose(X[y == k].std(axis=0), [0.5, 0.5], atol=0.05)


def test_blobs_random_centres_are_in_the_box_and_sizes_are_balanced() -> None:
    X, y = blobs(10, centers=4, std=0.0, seed=2, box=(0.0, 1.0))
    assert sorted(np.bincount(y).tolist()) == [2, 2, 3, 3]
    assert ((X >= 0.0) & (X <= 1.0)).all()


def test_xor_truth_table_and_noisy_labels() -> None:
    X, y = xor(4, noise=0.0)
    table = {tuple(map(float, p)): int(label) for p, label in zip(X, y, strict=True)}
    assert table == {(-1.0, -1.0): 0, (-1.0, 1.0): 1, (1.0, -1.0): 1, (1.0, 1.0): 0}
    X, y = xor(400, noise=0.1, seed=0)
    assert np.bincount(y).tolist() == [200, 200]
    # small noise keeps every point in its corner's quadrant
    assert np.array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(np.int64))


def test_a_numpy_generator_is_accepted_as_seed() -> None:
    a = make_moons(20, seed=np.random.default_rng(7))
    b = make_moons(20, seed=np.random.default_rng(7))
    assert np.array_equal(a[0], b[0])


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: make_moons(1), ValueError, "make_moons: n_samples must be an int >= 2"),
        (lambda: make_moons(10, noise=-0.1), ValueError, "noise must be finite and >= 0"),
        (lambda: make_moons(10, noise=math.nan), ValueError, "noise must be finite"),
        (lambda: make_moons(10, seed="x"), TypeError, "random_state \\(seed\\) must be an int"),
        (lambda: spiral(0), ValueError, "n_per_class must be an int >= 1"),
        (lambda: spiral(10, classes=2.5), ValueError, "classes must be an int"),
        (lambda: blobs(2, centers=3), ValueError, "n_samples=2 is fewer than the 3 clusters"),
        (lambda: blobs(10, centers=[[1.0, 2.0, 3.0]]), ValueError, "list of \\(x, y\\) pairs"),
        (lambda: blobs(10, box=(1.0, 0.0)), ValueError, "low < high"),
        (lambda: blobs(10, std="wide"), TypeError, "std must be a number"),
        (lambda: xor(3), ValueError, "make_xor: n_samples must be an int >= 4"),
        (lambda: xor(8, noise=True), TypeError, "noise must be a number"),
    ],
)
def test_bad_arguments_are_named(call: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call()  # type: ignore[operator]


def test_scikit_learn_names_and_the_older_names_give_the_same_data() -> None:
    pairs = [
        (make_moons(n_samples=30, noise=0.2, random_state=4), make_moons(n=30, noise=0.2, seed=4)),
        (make_moons(n_samples=30, noise=0.2, random_state=4), make_moons(30, 0.2, 4)),
        (make_spiral(n_samples=60, n_classes=3, random_state=2), spiral(20, 3, seed=2)),
        (
            make_blobs(n_samples=40, centers=2, cluster_std=0.3, random_state=5),
            blobs(40, centers=2, std=0.3, seed=5),
        ),
        (make_xor(n_samples=12, noise=0.1, random_state=1), xor(12, noise=0.1, seed=1)),
    ]
    for (X1, y1), (X2, y2) in pairs:
        assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    _, y = make_spiral(n_samples=10, n_classes=3)
    assert [int((y == k).sum()) for k in range(3)] == [4, 3, 3]
    with pytest.raises(TypeError, match="both n_samples= and its older name n="):
        make_moons(n_samples=20, n=30)
    with pytest.raises(TypeError, match="both random_state= and its older name seed="):
        make_moons(random_state=1, seed=2)


def test_random_state_none_draws_from_numpys_global_generator() -> None:
    # scikit-learn's habit: np.random.seed(...) first makes random_state=None repeatable.
    state = np.random.get_state()
    try:
        np.random.seed(1337)
        first = make_moons(50, random_state=None)[0]
        second = make_moons(50, random_state=None)[0]
        np.random.seed(1337)
        again = make_moons(50, random_state=None)[0]
    finally:
        np.random.set_state(state)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, second)
