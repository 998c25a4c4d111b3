"""make_moons and make_blobs against scikit-learn's: what their docstrings say is the same
is the same, and what they say differs does differ.

Skipped where scikit-learn is not installed (it is in the ``test`` extra).
"""

from __future__ import annotations

import numpy as np
import pytest

from autograd_lite.datasets import make_blobs, make_moons

sklearn_datasets = pytest.importorskip("sklearn.datasets")


def _by_class(X: np.ndarray, y: np.ndarray, label: int) -> np.ndarray:
    """The points of one class in a fixed order (sorted by x, then y)."""
    points = X[y == label]
    return points[np.lexsort((points[:, 1], points[:, 0]))]


@pytest.mark.parametrize("n", [2, 7, 100, 301])
def test_moons_without_noise_are_scikit_learns_points(n: int) -> None:
    X, y = make_moons(n, noise=0.0)
    X_sk, y_sk = sklearn_datasets.make_moons(n, noise=None, random_state=0)
    for label in (0, 1):
        ours, theirs = _by_class(X, y, label), _by_class(X_sk, y_sk, label)
        assert ours.shape == theirs.shape
        assert np.allclose(ours, theirs, rtol=0.0, atol=1e-15)


def test_moons_with_noise_differ_but_share_the_distribution() -> None:
    X, y = make_moons(2000, noise=0.1, random_state=0)
    X_sk, y_sk = sklearn_datasets.make_moons(2000, noise=0.1, random_state=0)
    assert not np.allclose(X, X_sk)  # other random numbers, as the docstring says
    assert np.bincount(y).tolist() == np.bincount(y_sk).tolist() == [1000, 1000]
    # The same curves plus the same noise: the class means agree to within a few standard
    # errors (0.1 / sqrt(1000) each), and so do the spreads.
    for label in (0, 1):
        ours, theirs = X[y == label], X_sk[y_sk == label]
        assert np.allclose(ours.mean(axis=0), theirs.mean(axis=0), atol=0.02)
        assert np.allclose(ours.std(axis=0), theirs.std(axis=0), rtol=0.05)


def test_the_documented_defaults_differ() -> None:
    assert (make_moons()[0] == make_moons()[0]).all()  # random_state=0: the same every call
    defaults, _ = sklearn_datasets.make_moons(random_state=0)
    X_quiet, _ = sklearn_datasets.make_moons(noise=None, random_state=0)
    assert (defaults == X_quiet).all()  # scikit-learn's default is no noise; ours is 0.1
    ours, _ = make_moons(random_state=0)
    ours_quiet, _ = make_moons(noise=0.0, random_state=0)
    assert not np.allclose(np.sort(ours, axis=0), np.sort(ours_quiet, axis=0))


@pytest.mark.parametrize(("n", "k"), [(10, 3), (11, 3), (100, 3), (7, 7), (50, 4)])
def test_blobs_have_scikit_learns_cluster_sizes_and_given_centres(n: int, k: int) -> None:
    centres = [[3.0 * j, -2.0 * j + 1.0] for j in range(k)]
    X, y = make_blobs(n, centers=centres, cluster_std=0.0)
    X_sk, y_sk = sklearn_datasets.make_blobs(n, centers=centres, cluster_std=0.0, random_state=0)
    assert np.bincount(y, minlength=k).tolist() == np.bincount(y_sk, minlength=k).tolist()
    for label in range(k):
        assert np.array_equal(_by_class(X, y, label), _by_class(X_sk, y_sk, label))


def test_blobs_with_random_centres_differ() -> None:
    X, _ = make_blobs(100, centers=3, random_state=0)
    X_sk, _ = sklearn_datasets.make_blobs(100, centers=3, random_state=0)
    assert X.shape == X_sk.shape and not np.allclose(X, X_sk)


@pytest.mark.parametrize("fn", [make_moons, make_blobs])
def test_the_docstrings_say_how_the_points_compare(fn: object) -> None:
    doc = getattr(fn, "__doc__", "") or ""
    assert f"sklearn.datasets.{getattr(fn, '__name__', '')}" in doc
    assert "random_state" in doc and "differ" in doc
