"""Small 2-D classification data sets for demos and tests: moons, spiral, blobs, xor.

Each function returns ``(X, y)``: ``X`` a float64 array of shape (n_samples, 2), ``y`` an
int64 array of class labels 0, 1, ... . Names and arguments follow scikit-learn
(``make_moons(n_samples=, noise=, random_state=)``, ``make_blobs(n_samples=, centers=,
cluster_std=, random_state=)``), so code written for it runs with the import changed. They
use numpy only and are deterministic: the same arguments (including ``random_state``, 0 by
default) give the same arrays on every run.

The points are not scikit-learn's, even with the same ``random_state``: the curves, the
centres and the class sizes are the same, but the noise comes from numpy's ``Generator``
(scikit-learn draws from the older ``RandomState``) and is drawn in another order, so the
noisy points and their order differ. Each function's docstring says what is the same.

The older names keep working: ``spiral``, ``blobs`` and ``xor`` and the keywords ``n``,
``seed`` and ``std``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["blobs", "make_blobs", "make_moons", "make_spiral", "make_xor", "spiral", "xor"]

Arrays = tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]
SeedLike = int | np.random.Generator | None


def _generator(fn: str, seed: SeedLike) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        # From numpy's global generator, as scikit-learn does for random_state=None, so
        # np.random.seed(1337) first makes the data repeatable (micrograd's demo does that).
        return np.random.default_rng(np.random.randint(0, 2**62, dtype=np.int64))
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        return np.random.default_rng(seed)
    raise TypeError(
        f"{fn}: random_state (seed) must be an int, a numpy Generator or None, got {seed!r}"
    )


def _count(fn: str, what: str, n: object, minimum: int = 1) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or int(n) < minimum:
        raise ValueError(f"{fn}: {what} must be an int >= {minimum}, got {n!r}")
    return int(n)


def _spread(fn: str, what: str, x: object) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{fn}: {what} must be a number, got {type(x).__name__} {x!r}")
    value = float(x)
    if not (value >= 0 and math.isfinite(value)):
        raise ValueError(f"{fn}: {what} must be finite and >= 0, got {x!r}")
    return value


def _renamed(fn: str, new: str, value: Any, old: str, given: Any, default: Any) -> Any:
    """The value of an argument that also has an older name; both at once is an error."""
    if given is None:
        return value
    if value is not default:
        raise TypeError(f"{fn}: got both {new}= and its older name {old}=; pass only {new}=")
    return given


def _shuffled(
    rng: np.random.Generator, X: npt.NDArray[np.float64], y: npt.NDArray[np.int64]
) -> Arrays:
    order = rng.permutation(len(y))
    return X[order], y[order]


_UNSET: Any = object()


def make_moons(
    n_samples: int = 100,
    noise: float = 0.1,
    random_state: SeedLike = _UNSET,
    *,
    n: int | None = None,
    seed: SeedLike = None,
) -> Arrays:
    """Two interleaving half circles, shuffled (scikit-learn's ``make_moons``).

    Class 0 is the upper arc ``(cos t, sin t)`` and class 1 the lower arc
    ``(1 - cos t, 0.5 - sin t)`` for t in [0, pi]; Gaussian noise of std ``noise`` is added.

    Args:
        n_samples: number of points (class 0 gets ``n_samples // 2``, class 1 the rest).
        noise: standard deviation of the noise.
        random_state: an int (0 by default), a numpy Generator, or None (drawn from numpy's
            global generator, as scikit-learn does: ``np.random.seed`` first repeats it).
        n: older name of ``n_samples``. seed: older name of ``random_state``.

    Returns:
        ``X`` of shape (n_samples, 2) and ``y`` of shape (n_samples,) with labels 0 and 1.

    Compared with ``sklearn.datasets.make_moons``: without noise, each class has the same
    points (the same arcs at the same ``t``; equal to within 1e-16); with noise and the same
    ``random_state`` the points differ (other random numbers, see the module docstring),
    though they come from the same distribution. The defaults differ too: scikit-learn's
    ``noise`` is None (no noise) and its ``random_state`` None (new points on every call);
    here ``noise=0.1`` and ``random_state=0``. There is no ``shuffle=`` (the points are
    always shuffled) and ``n_samples`` is one int, not a pair of class sizes.

    Example:
        >>> from autograd_lite.datasets import make_moons
        >>> X, y = make_moons(n_samples=100, noise=0.1, random_state=0)
        >>> X.shape, sorted(set(y.tolist()))
        ((100, 2), [0, 1])
    """
    n = _renamed("make_moons", "n_samples", n_samples, "n", n, 100)
    random_state = _renamed("make_moons", "random_state", random_state, "seed", seed, _UNSET)
    seed = 0 if random_state is _UNSET else random_state
    n = _count("make_moons", "n_samples", n, minimum=2)
    noise = _spread("make_moons", "noise", noise)
    rng = _generator("make_moons", seed)
    n0 = n // 2
    n1 = n - n0
    t0 = np.linspace(0.0, math.pi, n0)
    t1 = np.linspace(0.0, math.pi, n1)
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])
    X = np.vstack([upper, lower])
    y = np.concatenate([np.zeros(n0, dtype=np.int64), np.ones(n1, dtype=np.int64)])
    X = X + rng.normal(0.0, noise, size=X.shape) if noise else X
    return _shuffled(rng, X.astype(np.float64), y)


def make_spiral(
    n_samples: int = 300,
    n_classes: int = 3,
    noise: float = 0.2,
    random_state: SeedLike = 0,
) -> Arrays:
    """Interleaved spiral arms, one per class (the *Neural Networks from Scratch* data set).

    Arm j has radii evenly spaced from 0 to 1 and angles ``t`` evenly spaced over
    ``[4j, 4(j+1)]`` plus Gaussian noise of std ``noise``; a point is
    ``r * (sin(2.5 t), cos(2.5 t))``. Points are ordered by class, as in the book.

    Args:
        n_samples: total number of points, split as evenly as possible over the arms.
        n_classes: number of arms (classes).
        noise: std of the angle noise (0.2 in the book).
        random_state: an int, a numpy Generator, or None (from numpy's global generator).

    Returns:
        ``X`` of shape (n_samples, 2) and ``y`` with labels 0..n_classes-1.

    Example:
        >>> from autograd_lite.datasets import make_spiral
        >>> X, y = make_spiral(n_samples=300, n_classes=3, random_state=0)
        >>> X.shape, y[:2].tolist(), y[-1].item()
        ((300, 2), [0, 0], 2)
    """
    n = _count("make_spiral", "n_samples", n_samples)
    classes = _count("make_spiral", "n_classes", n_classes)
    if n < classes:
        raise ValueError(f"make_spiral: n_samples={n} is fewer than the {classes} classes")
    noise = _spread("make_spiral", "noise", noise)
    rng = _generator("make_spiral", random_state)
    sizes = [n // classes + (1 if j < n % classes else 0) for j in range(classes)]
    X = np.zeros((n, 2), dtype=np.float64)
    y = np.zeros(n, dtype=np.int64)
    start = 0
    for j, size in enumerate(sizes):
        rows = slice(start, start + size)
        start += size
        r = np.linspace(0.0, 1.0, size)
        t = np.linspace(4.0 * j, 4.0 * (j + 1), size) + rng.normal(0.0, noise, size)
        X[rows] = np.column_stack([r * np.sin(2.5 * t), r * np.cos(2.5 * t)])
        y[rows] = j
    return X, y


def spiral(
    n_per_class: int = 100, classes: int = 3, seed: SeedLike = 0, noise: float = 0.2
) -> Arrays:
    """The older name of :func:`make_spiral`, counting points per class.

    ``spiral(n_per_class, classes, seed, noise)`` is
    ``make_spiral(n_per_class * classes, classes, noise, seed)``.

    Example:
        >>> from autograd_lite.datasets import spiral
        >>> spiral(100, 3, seed=0)[0].shape
        (300, 2)
    """
    n_per_class = _count("spiral", "n_per_class", n_per_class)
    classes = _count("spiral", "classes", classes)
    return make_spiral(n_per_class * classes, classes, noise, seed)


def make_blobs(
    n_samples: int = 100,
    centers: int | Sequence[Sequence[float]] = 3,
    cluster_std: float = 1.0,
    random_state: SeedLike = 0,
    *,
    center_box: tuple[float, float] = (-10.0, 10.0),
) -> Arrays:
    """Gaussian clusters, one per class, shuffled (scikit-learn's ``make_blobs``, in 2-D).

    Args:
        n_samples: total number of points, split as evenly as possible over the clusters.
        centers: how many clusters (their centres drawn uniformly from ``center_box``), or
            the centres themselves as a list of (x, y) pairs.
        cluster_std: standard deviation of each cluster.
        random_state: an int, a numpy Generator, or None (from numpy's global generator).
        center_box: ``(low, high)`` for randomly placed centres.

    Returns:
        ``X`` of shape (n_samples, 2) and ``y`` with the cluster index of each point.

    Compared with ``sklearn.datasets.make_blobs``: the clusters have the same sizes (the
    first ``n_samples % k`` one point larger) and, for given centres and ``cluster_std=0``,
    the same points. Random centres and the noise come from other random numbers (see the
    module docstring), so with the same ``random_state`` the points differ. Here the points
    are always 2-D (no ``n_features``), ``centers`` defaults to 3 and ``random_state`` to 0
    (scikit-learn: None), and there is no ``shuffle=`` or ``return_centers=``.

    Example:
        >>> from autograd_lite.datasets import make_blobs
        >>> X, y = make_blobs(90, centers=[[0, 0], [5, 5], [-5, 5]], cluster_std=0.5,
        ...                   random_state=1)
        >>> X.shape, [int((y == k).sum()) for k in range(3)]
        ((90, 2), [30, 30, 30])
    """
    n = _count("make_blobs", "n_samples", n_samples)
    std = _spread("make_blobs", "cluster_std", cluster_std)
    rng = _generator("make_blobs", random_state)
    box = center_box
    if isinstance(centers, numbers.Integral) and not isinstance(centers, bool):
        k = _count("make_blobs", "centers", centers)
        low, high = float(box[0]), float(box[1])
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(
                f"make_blobs: center_box must be (low, high) with low < high, got {box!r}"
            )
        middle = rng.uniform(low, high, size=(k, 2))
    else:
        middle = np.asarray(centers, dtype=np.float64)
        if middle.ndim != 2 or middle.shape[1] != 2 or len(middle) == 0:
            raise ValueError(
                "make_blobs: centers must be an int or a list of (x, y) pairs, "
                f"got shape {middle.shape}"
            )
        k = len(middle)
    if n < k:
        raise ValueError(f"make_blobs: n_samples={n} is fewer than the {k} clusters")
    sizes = [n // k + (1 if j < n % k else 0) for j in range(k)]
    y = np.repeat(np.arange(k, dtype=np.int64), sizes)
    X = middle[y] + rng.normal(0.0, std, size=(n, 2))
    return _shuffled(rng, X, y)


def blobs(
    n: int = 100,
    centers: int | Sequence[Sequence[float]] = 3,
    std: float = 1.0,
    seed: SeedLike = 0,
    box: tuple[float, float] = (-10.0, 10.0),
) -> Arrays:
    """The older name of :func:`make_blobs`, with the older argument names.

    Example:
        >>> from autograd_lite.datasets import blobs
        >>> blobs(90, centers=2, std=0.5, seed=1)[0].shape
        (90, 2)
    """
    return make_blobs(n, centers, std, seed, center_box=box)


def make_xor(n_samples: int = 200, noise: float = 0.25, random_state: SeedLike = 0) -> Arrays:
    """The XOR problem: clusters at the corners (+-1, +-1); label 1 where the signs differ.

    With ``n=4`` and ``noise=0`` it is the truth table itself (in -1/+1 coordinates).

    Args:
        n_samples: number of points, spread evenly over the four corners (at least 4).
        noise: std of the Gaussian jitter around each corner.
        random_state: an int, a numpy Generator, or None (from numpy's global generator).

    Returns:
        ``X`` of shape (n_samples, 2) and ``y`` with labels 0 (same signs) and 1 (different signs).

    Example:
        >>> from autograd_lite.datasets import make_xor
        >>> X, y = make_xor(4, noise=0.0)
        >>> sorted(zip(X.tolist(), y.tolist()))
        [([-1.0, -1.0], 0), ([-1.0, 1.0], 1), ([1.0, -1.0], 1), ([1.0, 1.0], 0)]
    """
    n = _count("make_xor", "n_samples", n_samples, minimum=4)
    noise = _spread("make_xor", "noise", noise)
    rng = _generator("make_xor", random_state)
    corners = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]])
    which = np.arange(n) % 4
    X = corners[which] + (rng.normal(0.0, noise, size=(n, 2)) if noise else 0.0)
    y = (corners[which, 0] * corners[which, 1] < 0).astype(np.int64)
    return _shuffled(rng, X, y)


def xor(n: int = 200, noise: float = 0.25, seed: SeedLike = 0) -> Arrays:
    """The older name of :func:`make_xor`: ``xor(n, noise, seed)``.

    Example:
        >>> from autograd_lite.datasets import xor
        >>> xor(8)[0].shape
        (8, 2)
    """
    return make_xor(n, noise, seed)
