"""The worked examples of the five seed notebooks, rebuilt with their exact numbers.

Each seed (``../shared/seeds/*.txt``) is a learner's notebook that derives backpropagation by hand
and prints the numbers. For every printed gradient this module holds:

* the inputs, with the exact printed numbers (weights, biases, samples, targets);
* a forward pass written here in the notebook's own style (``np.dot``, ``np.exp``, ``np.tanh``,
  ``np.maximum(x, 0)``, ``np.sum(..., keepdims=True)``, samples as rows or as columns) returning
  the scalar loss. Every forward pass runs unchanged on float arrays and on numpy object arrays of
  autograd ``Value``s, because numpy hands ``np.exp``/``np.log``/``np.tanh`` on object arrays to
  the elements' own methods;
* the true gradient, from analytic formulas derived independently of the notebook;
* the learner's hand-derived numbers exactly as printed, an ``ok``/``wrong``/``kink`` verdict per
  entry, and for wrong entries the bug that produced them;
* where the learner's numbers are wrong, a ``replay`` that recomputes them from the exact inputs
  by the faulty derivation, so the diagnosis is shown to account for every printed digit.

A gradient printed for an intermediate (``dL/dZ2``, ``dL/dA1``...) becomes its own case whose
input is that intermediate, computed exactly by the forward pass. A printed Jacobian ``J[i][j] =
dy_i/dx_j`` becomes a scalar case by stacking one copy of ``x`` per output as the rows of a
matrix ``X`` and taking ``trace(f(X))``, so that ``d trace / dX[i, j] = J[i][j]``.

What a notebook printed but cannot be rebuilt (unseeded random data) is listed in
``NOT_REBUILT``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

OK = "ok"
WRONG = "wrong"
# Not differentiable at the point (or so close to a kink that central differences straddle it).
KINK = "kink"


@dataclass(frozen=True)
class HandGradient:
    """One gradient array a learner derived by hand and printed, with our verdict on it.

    Attributes:
        printed_as: the notebook's own name for the printed array.
        values: the numbers exactly as printed (rounded as numpy displayed them).
        verdict: per entry ``OK``, ``WRONG`` or ``KINK``; same shape as ``values``.
        bug: why the ``WRONG`` entries are wrong; empty when there are none.
        shape_mismatch: the printed array does not even have the input's shape.
    """

    printed_as: str
    values: FloatArray
    verdict: NDArray[np.str_]
    bug: str = ""
    shape_mismatch: bool = False

    @property
    def wrong(self) -> NDArray[np.bool_]:
        """Mask of the entries judged wrong."""
        return np.asarray(self.verdict == WRONG)

    @property
    def kink(self) -> NDArray[np.bool_]:
        """Mask of the entries at a kink, where finite differences legitimately disagree."""
        return np.asarray(self.verdict == KINK)


@dataclass(frozen=True)
class SeedCase:
    """One scalar loss from a seed notebook and the hand-derived gradients printed for it.

    Attributes:
        name: ``"<notebook key>.<example>"``, unique.
        notebook: the seed file it comes from.
        cells: the notebook cells the numbers come from.
        summary: what the example computes.
        inputs: every differentiable input of ``loss``, float64 arrays (0-d for a scalar).
        loss: ``loss(**inputs)``, the forward pass; works on floats and on ``Value`` arrays.
        true_grads: ``true_grads(**inputs)``, analytic gradients of ``loss`` (float only).
        hand: the printed hand-derived gradients, keyed by input name (a subset of ``inputs``).
        printed_loss: the loss as the notebook printed it, if it printed one.
        rtol, atol: tolerances under which the verdicts hold, chosen from the print precision.
        replay: recomputes the printed numbers (wrong ones included) from the exact inputs by the
            derivation the notebook used, keyed like ``hand``.
        replay_atol: how closely ``replay`` must match the printed numbers.
    """

    name: str
    notebook: str
    cells: str
    summary: str
    inputs: dict[str, FloatArray]
    loss: Callable[..., Any]
    true_grads: Callable[..., dict[str, FloatArray]]
    hand: dict[str, HandGradient]
    printed_loss: float | None = None
    rtol: float = 1e-6
    atol: float = 1e-8
    replay: Callable[[], dict[str, FloatArray]] | None = None
    replay_atol: float = 1e-8
    notes: str = ""


@dataclass(frozen=True)
class PrintedForward:
    """Forward-pass values a notebook printed, to check our forward pass against.

    Attributes:
        name: unique key.
        notebook: the seed file.
        trace: ``trace()`` returns our forward pass's intermediates by name.
        printed: the printed intermediates, keyed like ``trace()``.
        atol: print precision.
    """

    name: str
    notebook: str
    trace: Callable[[], dict[str, FloatArray]]
    printed: dict[str, FloatArray]
    atol: float = 1e-8


@dataclass(frozen=True)
class NotRebuilt:
    """Something a notebook printed that cannot be rebuilt with the same numbers, and why."""

    notebook: str
    cells: str
    printed: dict[str, Any]
    reason: str
    bug: str = ""


def _a(values: Any) -> FloatArray:
    return np.array(values, dtype=np.float64)


def _v(rows: Any) -> NDArray[np.str_]:
    return np.array(rows, dtype="<U5")


def _every(verdict: str, shape: tuple[int, ...]) -> NDArray[np.str_]:
    return np.full(shape, verdict, dtype="<U5")


def _sigmoid(x: Any) -> Any:
    return 1.0 / (1.0 + np.exp(-x))


def _relu(x: Any) -> Any:
    return np.maximum(x, 0)


def _softmax_rows(z: Any) -> Any:
    """Softmax of each row (samples as rows), shifted by the row max."""
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def _softmax_columns(z: Any) -> Any:
    """Softmax down axis 0 (samples as columns, or one 1-D vector), without a max shift."""
    e = np.exp(z)
    return e / np.sum(e, axis=0, keepdims=True)


def _softmax_vjp(p: FloatArray, g: FloatArray, axis: int) -> FloatArray:
    """dL/dz from dL/dp for p = softmax(z) along ``axis``: p * (g - sum(p * g))."""
    return np.asarray(p * (g - np.sum(p * g, axis=axis, keepdims=True)))


def _softmax_jacobian(p: FloatArray) -> FloatArray:
    return np.asarray(np.diag(p) - np.outer(p, p))


# --------------------------------------------------------------------------------------------
# Seed 000: a learner's notebook deriving a 2-3-2 network with pure-Python scalar functions.
# x (2) -> k = x W + b -> h = sigmoid(k) -> o = h V + c -> y = softmax(o) -> l = -log(y[target])
# --------------------------------------------------------------------------------------------
NB0 = "000_daa309e7c176c8bb.txt"
_NB0_X = _a([1.0, -1.0])
_NB0_W = _a([[1.0, 1.0, 1.0], [-1.0, -1.0, -1.0]])
_NB0_B = _a([0.0, 0.0, 0.0])
_NB0_V = _a([[1.0, 1.0], [-1.0, -1.0], [-1.0, -1.0]])
_NB0_C = _a([0.0, 0.0])
_NB0_T = _a([1.0, 0.0])  # target class 0, one-hot
_NB0_TARGET = 0

# V's two columns are equal, so o[0] == o[1] whatever h is: the loss is log 2 for every x, W, b.
# The zero gradients below are therefore exactly right, but they would hide many bugs.
_NB0_DEGENERATE = (
    "V's two columns are equal, so o[0] == o[1] and the loss is log 2 whatever x, W and b are: "
    "the zero gradients for h, k, W and b are exact, and this example cannot catch a bug there."
)


def _nb0_trace(x: Any, W: Any, b: Any, V: Any, c: Any) -> dict[str, Any]:
    k = np.dot(x, W) + b
    h = _sigmoid(k)
    o = np.dot(h, V) + c
    e = np.exp(o)
    y = e / np.sum(e)
    return {"k": k, "h": h, "o": o, "y": y, "loss": -np.log(y[_NB0_TARGET])}


def _nb0_loss(x: Any, W: Any, b: Any, V: Any, c: Any) -> Any:
    return _nb0_trace(x, W, b, V, c)["loss"]


def _nb0_true(
    x: FloatArray, W: FloatArray, b: FloatArray, V: FloatArray, c: FloatArray
) -> dict[str, FloatArray]:
    f = _nb0_trace(x, W, b, V, c)
    h = f["h"]
    dl_do = f["y"] - _NB0_T
    dl_dk = np.dot(V, dl_do) * h * (1.0 - h)
    return {
        "x": np.dot(W, dl_dk),
        "W": np.outer(x, dl_dk),
        "b": dl_dk,
        "V": np.outer(h, dl_do),
        "c": dl_do,
    }


def _nb0_loss_from_y(y: Any) -> Any:
    return -np.log(y[_NB0_TARGET])


def _nb0_true_from_y(y: FloatArray) -> dict[str, FloatArray]:
    return {"y": -_NB0_T / y}


def _nb0_loss_from_o(o: Any) -> Any:
    e = np.exp(o)
    return _nb0_loss_from_y(e / np.sum(e))


def _nb0_true_from_o(o: FloatArray) -> dict[str, FloatArray]:
    e = np.exp(o)
    return {"o": e / np.sum(e) - _NB0_T}


def _nb0_loss_from_h(h: Any) -> Any:
    return _nb0_loss_from_o(np.dot(h, _NB0_V) + _NB0_C)


def _nb0_true_from_h(h: FloatArray) -> dict[str, FloatArray]:
    return {"h": np.dot(_NB0_V, _nb0_true_from_o(np.dot(h, _NB0_V) + _NB0_C)["o"])}


def _nb0_loss_from_k(k: Any) -> Any:
    return _nb0_loss_from_h(_sigmoid(k))


def _nb0_true_from_k(k: FloatArray) -> dict[str, FloatArray]:
    h = _sigmoid(k)
    return {"k": _nb0_true_from_h(h)["h"] * h * (1.0 - h)}


def _nb0_jacobian_y_o(o_rows: Any) -> Any:
    # Row i of o_rows is a copy of o feeding output y_i, so d/do_rows[i, j] = dy_i/do_j.
    e = np.exp(o_rows)
    return np.trace(e / np.sum(e, axis=1, keepdims=True))


def _nb0_true_jacobian_y_o(o_rows: FloatArray) -> dict[str, FloatArray]:
    e = np.exp(o_rows[0])
    return {"o_rows": _softmax_jacobian(e / np.sum(e))}


def _nb0_jacobian_o_h(h_rows: Any) -> Any:
    # Row i of h_rows is a copy of h feeding output o_i, so d/dh_rows[i, j] = do_i/dh_j.
    return np.trace(np.dot(h_rows, _NB0_V) + _NB0_C)


def _nb0_true_jacobian_o_h(h_rows: FloatArray) -> dict[str, FloatArray]:
    return {"h_rows": _NB0_V.T.copy()}


def _nb0_local_h_k(k: Any) -> Any:
    # h = sigmoid(k) acts entry by entry, so d sum(h) / dk_i = dh_i/dk_i.
    return np.sum(_sigmoid(k))


def _nb0_true_local_h_k(k: FloatArray) -> dict[str, FloatArray]:
    h = _sigmoid(k)
    return {"k": h * (1.0 - h)}


_NB0_INPUTS = {"x": _NB0_X, "W": _NB0_W, "b": _NB0_B, "V": _NB0_V, "c": _NB0_C}
_NB0_FWD = _nb0_trace(**_NB0_INPUTS)
_NB0_H_SIG2 = 0.8807970779778823  # sigmoid(2), as printed

NB0_CASES = (
    SeedCase(
        name="nb0_sigmoid_softmax.parameters",
        notebook=NB0,
        cells="In [5]-[8], [19], [26], [30], [35]",
        summary="2-3-2 net, sigmoid hidden layer, softmax, -log y[target]: dl/dV, dl/dc, "
        "dl/dW, dl/db",
        inputs=dict(_NB0_INPUTS),
        loss=_nb0_loss,
        true_grads=_nb0_true,
        printed_loss=0.6931471805599453,
        hand={
            "V": HandGradient(
                "dl_dv",
                _a([[-0.44039853898894116, 0.44039853898894116]] * 3),
                _every(OK, (3, 2)),
            ),
            "c": HandGradient("dl_dc", _a([-0.5, 0.5]), _every(OK, (2,))),
            "W": HandGradient(
                "dl_dw", _a([[0.0, 0.0, 0.0], [-0.0, -0.0, -0.0]]), _every(OK, (2, 3))
            ),
            "b": HandGradient("dl_db", _a([0.0, 0.0, 0.0]), _every(OK, (3,))),
        },
        notes=_NB0_DEGENERATE + " The dl_dv cell calls its helper with four arguments while the "
        "helper shown takes three: its output comes from an earlier version of the helper, yet "
        "the printed numbers (h_i * dl_do[j]) are right.",
    ),
    SeedCase(
        name="nb0_sigmoid_softmax.dl_dy",
        notebook=NB0,
        cells="In [9]",
        summary="dl/dy for l = -log y[target], y the softmax output",
        inputs={"y": np.asarray(_NB0_FWD["y"])},
        loss=_nb0_loss_from_y,
        true_grads=_nb0_true_from_y,
        printed_loss=0.6931471805599453,
        hand={"y": HandGradient("dl_dy", _a([-2.0, 0.0]), _every(OK, (2,)))},
    ),
    SeedCase(
        name="nb0_sigmoid_softmax.dl_do",
        notebook=NB0,
        cells="In [11]",
        summary="dl/do through the softmax",
        inputs={"o": np.asarray(_NB0_FWD["o"])},
        loss=_nb0_loss_from_o,
        true_grads=_nb0_true_from_o,
        hand={"o": HandGradient("dl_do", _a([-0.5, 0.5]), _every(OK, (2,)))},
    ),
    SeedCase(
        name="nb0_sigmoid_softmax.dl_dh",
        notebook=NB0,
        cells="In [13]",
        summary="dl/dh through o = h V + c",
        inputs={"h": _a([_NB0_H_SIG2] * 3)},
        loss=_nb0_loss_from_h,
        true_grads=_nb0_true_from_h,
        hand={"h": HandGradient("dl_dh", _a([0.0, 0.0, 0.0]), _every(OK, (3,)))},
        notes=_NB0_DEGENERATE,
    ),
    SeedCase(
        name="nb0_sigmoid_softmax.dl_dk",
        notebook=NB0,
        cells="In [24]",
        summary="dl/dk through h = sigmoid(k)",
        inputs={"k": _a([2.0, 2.0, 2.0])},
        loss=_nb0_loss_from_k,
        true_grads=_nb0_true_from_k,
        hand={"k": HandGradient("dl_dk", _a([0.0, 0.0, 0.0]), _every(OK, (3,)))},
        notes=_NB0_DEGENERATE,
    ),
    SeedCase(
        name="nb0_sigmoid_softmax.dy_do",
        notebook=NB0,
        cells="In [10]",
        summary="softmax Jacobian dy_i/do_j at o = (-h.sum(), -h.sum()), as trace of row copies",
        inputs={"o_rows": np.tile(np.asarray(_NB0_FWD["o"]), (2, 1))},
        loss=_nb0_jacobian_y_o,
        true_grads=_nb0_true_jacobian_y_o,
        hand={
            "o_rows": HandGradient("dy_do", _a([[0.25, -0.25], [-0.25, 0.25]]), _every(OK, (2, 2)))
        },
    ),
    SeedCase(
        name="nb0_sigmoid_softmax.do_dh",
        notebook=NB0,
        cells="In [12]",
        summary="Jacobian do_i/dh_j of o = h V + c (= V[j][i]), as trace of row copies",
        inputs={"h_rows": np.tile(_a([_NB0_H_SIG2] * 3), (2, 1))},
        loss=_nb0_jacobian_o_h,
        true_grads=_nb0_true_jacobian_o_h,
        hand={
            "h_rows": HandGradient(
                "do_dh", _a([[1.0, -1.0, -1.0], [1.0, -1.0, -1.0]]), _every(OK, (2, 3))
            )
        },
    ),
    SeedCase(
        name="nb0_sigmoid_softmax.dh_dk",
        notebook=NB0,
        cells="In [24]",
        summary="sigmoid derivative dh_i/dk_i at k = 2",
        inputs={"k": _a([2.0, 2.0, 2.0])},
        loss=_nb0_local_h_k,
        true_grads=_nb0_true_local_h_k,
        hand={"k": HandGradient("dh_dk", _a([0.10499358540350662] * 3), _every(OK, (3,)))},
    ),
)

NB0_FORWARD = PrintedForward(
    name="nb0_sigmoid_softmax",
    notebook=NB0,
    trace=lambda: {k: np.asarray(v) for k, v in _nb0_trace(**_NB0_INPUTS).items()},
    printed={
        "k": _a([2.0, 2.0, 2.0]),
        "h": _a([_NB0_H_SIG2] * 3),
        "y": _a([0.5, 0.5]),
        "loss": _a(0.6931471805599453),
    },
    atol=1e-15,
)


# --------------------------------------------------------------------------------------------
# Seed 001: a learner's notebook with a 3-layer relu network in numpy (a 1-D sample), a constant
# bias 0.3 on every layer, softmax output and a binary cross-entropy summed over the 3 classes.
# --------------------------------------------------------------------------------------------
NB1 = "001_90a676609b4a7627.txt"
_NB1_I = _a([0.1, 0.2, 0.7])
_NB1_W_IJ = _a([[0.1, 0.2, 0.3], [0.3, 0.2, 0.7], [0.4, 0.3, 0.9]])
_NB1_W_JK = _a([[0.2, 0.3, 0.5], [0.3, 0.5, 0.7], [0.6, 0.4, 0.8]])
_NB1_W_KO = _a([[0.1, 0.4, 0.8], [0.3, 0.7, 0.2], [0.5, 0.2, 0.9]])
_NB1_T = _a([1.0, 0.0, 0.0])
NB1_BIAS = 0.3  # the same constant on every layer, never trained
NB1_LEARNING_RATE = 0.01
NB1_STOP_LOSS = 0.01


def _nb1_bce_sum(p: Any) -> Any:
    return np.sum((_NB1_T * np.log(p) + (1 - _NB1_T) * np.log(1 - p)) * (-1.0))


def nb1_trace(i: Any, w_ij: Any, w_jk: Any, w_ko: Any) -> dict[str, Any]:
    j = np.dot(i, w_ij) + NB1_BIAS
    j_out = _relu(j)
    k = np.dot(j_out, w_jk) + NB1_BIAS
    k_out = _relu(k)
    o = np.dot(k_out, w_ko) + NB1_BIAS
    o_out = _softmax_columns(o)
    losses = (_NB1_T * np.log(o_out) + (1 - _NB1_T) * np.log(1 - o_out)) * (-1.0)
    return {
        "j": j,
        "j_out": j_out,
        "k": k,
        "k_out": k_out,
        "o": o,
        "o_out": o_out,
        "L": losses,
        "loss": np.sum(losses),
    }


def _nb1_loss(i: Any, w_ij: Any, w_jk: Any, w_ko: Any) -> Any:
    return nb1_trace(i, w_ij, w_jk, w_ko)["loss"]


def _nb1_dl_do(p: FloatArray) -> FloatArray:
    """dL/do with the full softmax Jacobian, L = -sum(t log p + (1 - t) log(1 - p))."""
    dl_dp = -_NB1_T / p + (1.0 - _NB1_T) / (1.0 - p)
    return _softmax_vjp(p, dl_dp, axis=0)


def _nb1_true(
    i: FloatArray, w_ij: FloatArray, w_jk: FloatArray, w_ko: FloatArray
) -> dict[str, FloatArray]:
    f = nb1_trace(i, w_ij, w_jk, w_ko)
    dl_do = _nb1_dl_do(f["o_out"])
    dl_dk = np.dot(w_ko, dl_do) * (f["k"] > 0)
    dl_dj = np.dot(w_jk, dl_dk) * (f["j"] > 0)
    return {
        "i": np.dot(w_ij, dl_dj),
        "w_ij": np.outer(i, dl_dj),
        "w_jk": np.outer(f["j_out"], dl_dk),
        "w_ko": np.outer(f["k_out"], dl_do),
    }


def _nb1_loss_from_k_out(k_out: Any) -> Any:
    return _nb1_bce_sum(_softmax_columns(np.dot(k_out, _NB1_W_KO) + NB1_BIAS))


def _nb1_true_from_k_out(k_out: FloatArray) -> dict[str, FloatArray]:
    p = _softmax_columns(np.dot(k_out, _NB1_W_KO) + NB1_BIAS)
    return {"k_out": np.dot(_NB1_W_KO, _nb1_dl_do(p))}


def nb1_hand_step(
    i: FloatArray, w_ij: FloatArray, w_jk: FloatArray, w_ko: FloatArray, diagonal_of: str
) -> dict[str, FloatArray]:
    """The notebook's derivation, bugs included, recomputed from exact inputs.

    ``diagonal_of`` names the matrix whose diagonal scales ``dL_dk`` in ``g_ij``. The step-by-step
    cells take ``np.diag(w_ij)``; the training function as displayed takes ``np.diag(w_jk)``, yet
    its printed result is replayed bit for bit only with ``w_ij`` (its source was edited after
    it ran).
    """
    f = nb1_trace(i, w_ij, w_jk, w_ko)
    p = f["o_out"]
    # Only the diagonal p(1-p) of the softmax Jacobian; this reduces to p - t.
    delta = (-_NB1_T / p + (1.0 - _NB1_T) / (1.0 - p)) * (p - p * p)
    dl_dk_out = np.dot(w_ko, delta)
    diagonal = np.diag(w_ij if diagonal_of == "w_ij" else w_jk)
    return {
        "w_ko": np.outer(f["k_out"], delta),
        "k_out": dl_dk_out,
        "w_jk": np.outer(f["j_out"], dl_dk_out),
        "w_ij": np.outer(i, dl_dk_out * diagonal),
    }


_NB1_INPUTS = {"i": _NB1_I, "w_ij": _NB1_W_IJ, "w_jk": _NB1_W_JK, "w_ko": _NB1_W_KO}
_NB1_FWD = nb1_trace(**_NB1_INPUTS)
_NB1_SOFTMAX_BUG = (
    "uses only the diagonal p_j(1 - p_j) of the softmax Jacobian, as if softmax acted entry by "
    "entry like a sigmoid, and drops the off-diagonal -p_i p_j terms: the factor it uses "
    "simplifies to p - t, the softmax + categorical cross-entropy gradient, but this loss is a "
    "binary cross-entropy summed over the classes, whose dL/do_j is "
    "p_j[(p_j - t_j)/(p_j(1 - p_j)) - sum_m (p_m - t_m)/(1 - p_m)]"
)


def _nb1_replay() -> dict[str, FloatArray]:
    return nb1_hand_step(**_NB1_INPUTS, diagonal_of="w_ij")


NB1_CASES = (
    SeedCase(
        name="nb1_relu_softmax_bce.parameters",
        notebook=NB1,
        cells="In [77]-[98]",
        summary="3-layer relu net, bias 0.3, softmax, summed binary cross-entropy: g_ko, g_jk, "
        "g_ij (gradients for w_ko, w_jk, w_ij)",
        inputs=dict(_NB1_INPUTS),
        loss=_nb1_loss,
        true_grads=_nb1_true,
        printed_loss=3.2346279327622796,
        hand={
            "w_ko": HandGradient(
                "g_ko",
                _a(
                    [
                        [-1.0789328, 0.24456371, 0.83436909],
                        [-1.04385251, 0.236612, 0.80724051],
                        [-1.62909441, 0.36926987, 1.25982454],
                    ]
                ),
                _every(WRONG, (3, 3)),
                bug="g_ko " + _NB1_SOFTMAX_BUG + ".",
            ),
            "w_jk": HandGradient(
                "g_jk",
                _a(
                    [
                        [0.33888014, 0.00741679, 0.13421573],
                        [0.29717182, 0.00650396, 0.11769687],
                        [0.57348947, 0.01255149, 0.22713432],
                    ]
                ),
                _every(WRONG, (3, 3)),
                bug="g_jk = outer(j_out, dL_dk) is the right chain step (relu' = 1 here, though "
                "the factor is missing), but dL_dk inherits the wrong softmax delta of g_ko.",
            ),
            "w_ij": HandGradient(
                "g_ij",
                _a(
                    [
                        [0.00521354, 0.00022821, 0.01858372],
                        [0.01042708, 0.00045642, 0.03716743],
                        [0.03649478, 0.00159746, 0.13008602],
                    ]
                ),
                _every(WRONG, (3, 3)),
                bug="g_ij multiplies dL_dk entry by entry with np.diag(w_ij), the first layer's "
                "own weights, where dL/dj_out = w_jk @ dL_dk, a full matrix-vector product over "
                "k, is needed (taking np.diag(w_jk), as the displayed training function does, "
                "is just as wrong); dL_dk itself also carries the wrong softmax delta.",
            ),
        },
        replay=_nb1_replay,
    ),
    SeedCase(
        name="nb1_relu_softmax_bce.dL_dk",
        notebook=NB1,
        cells="In [94], [96]",
        summary="dL/dk_out, the gradient arriving at the second hidden layer's output",
        inputs={"k_out": np.asarray(_NB1_FWD["k_out"])},
        loss=_nb1_loss_from_k_out,
        true_grads=_nb1_true_from_k_out,
        printed_loss=3.2346279327622796,
        hand={
            "k_out": HandGradient(
                "dL_dk",
                _a([0.52135406, 0.01141045, 0.20648574]),
                _every(WRONG, (3,)),
                bug="w_ko @ delta is the right chain step, but delta " + _NB1_SOFTMAX_BUG + ".",
            )
        },
        replay=_nb1_replay,
    ),
)

NB1_FORWARD = PrintedForward(
    name="nb1_relu_softmax_bce",
    notebook=NB1,
    trace=lambda: {k: np.asarray(v) for k, v in nb1_trace(**_NB1_INPUTS).items()},
    printed={
        "j": _a([0.65, 0.57, 1.1]),
        "j_out": _a([0.65, 0.57, 1.1]),
        "k": _a([1.261, 1.22, 1.904]),
        "k_out": _a([1.261, 1.22, 1.904]),
        "o": _a([1.7441, 2.0392, 3.2664]),
        "o_out": _a([0.14438319, 0.19394426, 0.66167255]),
        "L": _a([1.93528448, 0.21560238, 1.08374107]),
        "loss": _a(3.2346279327622796),
    },
)

# The training run (In [99]-[107]): gradient descent with the hand-derived step, learning rate
# 0.01, until the summed loss is <= 0.01. The function as displayed takes np.diag(w_jk) in g_ij,
# but the printed result below is reproduced exactly (927 steps, the same loss to the last digit)
# only with np.diag(w_ij), as in the step-by-step cells: the source was edited after the run.
NB1_TRAINING_RESULT = {
    "w_ij": _a(
        [
            [0.09940437, 0.20408816, 0.32922893],
            [0.29880874, 0.20817633, 0.75845786],
            [0.39583058, 0.32861715, 1.10460249],
        ]
    ),
    "w_jk": _a(
        [
            [0.16126579, 0.42938604, 0.68898428],
            [0.26636851, 0.61639099, 0.87037136],
            [0.53769613, 0.63410452, 1.14424305],
        ]
    ),
    "w_ko": _a(
        [
            [0.6672003, 0.1980114, 0.4347883],
            [0.97509169, 0.45492945, -0.23002114],
            [1.53561836, -0.17588125, 0.24026289],
        ]
    ),
    "o_out": _a([0.99501222, 0.00221463, 0.00277314]),
    "loss": _a(0.009994345544873688),
    "steps": _a(927),
}
NB1_INITIAL = dict(_NB1_INPUTS)


# --------------------------------------------------------------------------------------------
# Seed 002: a learner's notebook in the "Neural Networks from Scratch" style: one relu neuron,
# dense layers with batches (samples as rows), the softmax Jacobian and its backward pass.
# --------------------------------------------------------------------------------------------
NB2 = "002_43a24230a8604701.txt"

# One relu neuron, In [2]-[18]: the "loss" is the neuron's output itself (upstream gradient 1).
_NB2_X = _a([1.0, -2.0, 3.0])
_NB2_W = _a([-3.0, -1.0, 2.0])
_NB2_B = _a(1.0)


def _nb2_neuron(x: Any, w: Any, b: Any) -> Any:
    return _relu(np.dot(x, w) + b)


def _nb2_true_neuron(x: FloatArray, w: FloatArray, b: FloatArray) -> dict[str, FloatArray]:
    on = float(np.dot(x, w) + b > 0)
    return {"x": w * on, "w": x * on, "b": _a(on)}


# Dense layer gradients with respect to its inputs, In [33]-[61]. The layer's inputs never
# appear in these cells; the loss is linear in them, so any values give the same gradient.
_NB2_WEIGHTS_1091 = _a([[0.2, 0.8, -0.5, 1], [0.5, 10.91, 0.26, -0.5], [-0.26, -0.27, 0.17, 0.87]])
_NB2_DVALUES_1 = _a([1.0, 1.0, 1.0])
_NB2_DVALUES_3 = _a([[1, 1, 1], [2, 2, 2], [3, 3, 3]])


def _nb2_dense_one(x: Any) -> Any:
    return np.sum(_NB2_DVALUES_1 * np.dot(_NB2_WEIGHTS_1091, x))


def _nb2_true_dense_one(x: FloatArray) -> dict[str, FloatArray]:
    return {"x": np.dot(_NB2_WEIGHTS_1091.T, _NB2_DVALUES_1)}


def _nb2_dense_batch(X: Any) -> Any:
    return np.sum(_NB2_DVALUES_3 * np.dot(X, _NB2_WEIGHTS_1091.T))


def _nb2_true_dense_batch(X: FloatArray) -> dict[str, FloatArray]:
    return {"X": np.dot(_NB2_DVALUES_3, _NB2_WEIGHTS_1091)}


# Dense layer + relu, In [71] and In [98]: 3 samples as rows, 4 features, 3 neurons; the upstream
# gradient dvalues makes the scalar loss sum(dvalues * relu(X @ weights + biases)).
_NB2_SAMPLES = _a([[1, 2, 3, 2.5], [2.0, 5.0, -1.0, 2], [-1.5, 2.7, 3.3, -0.8]])
_NB2_WEIGHTS = _a([[0.2, 0.8, -0.5, 1], [0.5, -0.91, 0.26, -0.5], [-0.26, -0.27, 0.17, 0.87]]).T
_NB2_BIASES = _a([[2, 3, 0.5]])
NB2_LEARNING_RATE = 0.001


def _nb2_dense_relu(X: Any, weights: Any, biases: Any) -> Any:
    return np.sum(_NB2_DVALUES_3 * _relu(np.dot(X, weights) + biases))


def _nb2_true_dense_relu(
    X: FloatArray, weights: FloatArray, biases: FloatArray
) -> dict[str, FloatArray]:
    dz = _NB2_DVALUES_3 * (np.dot(X, weights) + biases > 0)
    return {
        "X": np.dot(dz, weights.T),
        "weights": np.dot(X.T, dz),
        "biases": np.sum(dz, axis=0, keepdims=True),
    }


def _nb2_relu_only(z: Any) -> Any:
    return np.sum(_NB2_DVALUES_3 * _relu(z))


def _nb2_true_relu_only(z: FloatArray) -> dict[str, FloatArray]:
    return {"z": _NB2_DVALUES_3 * (z > 0)}


_NB2_Z = np.dot(_NB2_SAMPLES, _NB2_WEIGHTS) + _NB2_BIASES
_NB2_DENSE_RELU_INPUTS = {"X": _NB2_SAMPLES, "weights": _NB2_WEIGHTS, "biases": _NB2_BIASES}

# In [71] printed only the parameters after one step of -0.001 * gradient; the gradients it used
# are read back from them: (before - after) / 0.001.
NB2_CELL71_WEIGHTS_AFTER = _a(
    [
        [0.179515, 0.5003665, -0.262746],
        [0.742093, -0.9152577, -0.2758402],
        [-0.510153, 0.2529017, 0.1629592],
        [0.971328, -0.5021842, 0.8636583],
    ]
)
NB2_CELL71_BIASES_AFTER = _a([[1.98489, 2.997739, 0.497389]])
_NB2_CELL71_DWEIGHTS = (_NB2_WEIGHTS - NB2_CELL71_WEIGHTS_AFTER) / NB2_LEARNING_RATE
_NB2_CELL71_DBIASES = (_NB2_BIASES - NB2_CELL71_BIASES_AFTER) / NB2_LEARNING_RATE
_NB2_CELL71_BUG = (
    "the relu backward starts from a copy of relu_outputs instead of the upstream dvalues "
    "(which the cell defines and never uses), so every gradient is scaled by the layer's "
    "outputs; what it computes is the gradient of 0.5 * sum(relu(z)**2), not of "
    "sum(dvalues * relu(z))"
)
_NB2_CELL98_BUG = (
    "dense1.backward is given the upstream dvalues instead of activation1.dinputs, so the relu "
    "derivative is skipped: z[1, 1] = -1.81 < 0 should have zeroed that sample's gradient for "
    "neuron 1"
)


def _nb2_replay_cell71() -> dict[str, FloatArray]:
    relu_out = _relu(_NB2_Z)
    return {
        "weights": np.dot(_NB2_SAMPLES.T, relu_out),
        "biases": np.sum(relu_out, axis=0, keepdims=True),
        "z": relu_out,
    }


def _nb2_replay_cell98() -> dict[str, FloatArray]:
    return {
        "X": np.dot(_NB2_DVALUES_3, _NB2_WEIGHTS.T),
        "weights": np.dot(_NB2_SAMPLES.T, _NB2_DVALUES_3),
        "biases": np.sum(_NB2_DVALUES_3, axis=0, keepdims=True),
        "z": _NB2_DVALUES_3 * (_NB2_Z > 0),
    }


# Softmax Jacobian, In [14]-[19], at the softmax output (0.7, 0.1, 0.2). The notebook gives no
# logits; log(p) is one set whose softmax is p.
_NB2_P = _a([0.7, 0.1, 0.2])


def _nb2_softmax_jacobian(z_rows: Any) -> Any:
    # Row i of z_rows is a copy of the logits feeding output i, so d/dz_rows[i, j] = dp_i/dz_j.
    return np.trace(_softmax_rows(z_rows))


def _nb2_true_softmax_jacobian(z_rows: FloatArray) -> dict[str, FloatArray]:
    return {"z_rows": _softmax_jacobian(_softmax_rows(z_rows)[0])}


# Softmax backward with a batch, In [55].
_NB2_LOGITS = _a([[1, 2, 3, 4], [2, 3, 4, 5], [3, 4, 5, 6]])
_NB2_SOFTMAX_DVALUES = _a([[0.1, 0.2, 0.3, 0.4], [0.2, 0.3, 0.4, 0.5], [0.3, 0.4, 0.5, 0.6]])


def _nb2_softmax_backward(inputs: Any) -> Any:
    return np.sum(_NB2_SOFTMAX_DVALUES * _softmax_rows(inputs))


def _nb2_true_softmax_backward(inputs: FloatArray) -> dict[str, FloatArray]:
    return {"inputs": _softmax_vjp(_softmax_rows(inputs), _NB2_SOFTMAX_DVALUES, axis=1)}


_NB2_BATCH_DINPUTS = _a(
    [[0.44, 11.44, -0.07, 1.37], [0.88, 22.88, -0.14, 2.74], [1.32, 34.32, -0.21, 4.11]]
)

NB2_CASES = (
    SeedCase(
        name="nb2_nnfs.neuron",
        notebook=NB2,
        cells="In [2]-[18]",
        summary="one relu neuron relu(x . w + b), gradients of its output",
        inputs={"x": _NB2_X, "w": _NB2_W, "b": _NB2_B},
        loss=_nb2_neuron,
        true_grads=_nb2_true_neuron,
        printed_loss=6.0,
        hand={
            "x": HandGradient("drelu_dx0..2", _a([-3.0, -1.0, 2.0]), _every(OK, (3,))),
            "w": HandGradient("drelu_dw0..2", _a([1.0, -2.0, 3.0]), _every(OK, (3,))),
            "b": HandGradient("drelu_db", _a(1.0), _every(OK, ())),
        },
        notes="drelu_dw1 and drelu_dw2 are chained through drelu_dwx0 instead of drelu_dwx1 and "
        "drelu_dwx2; harmless because all three equal 1. The second 'wrt x2' line prints "
        "dmul_dx2 where dmul_dw2 (3.0) was meant. The update cell (In [23]) shows w moved by "
        "three steps and b by two, so it was run more than once; no gradient is involved.",
    ),
    SeedCase(
        name="nb2_nnfs.dense_dinputs_one_sample",
        notebook=NB2,
        cells="In [33], [48], [49], [59]",
        summary="gradient of sum(dvalues * (weights @ x)) for x, 3 neurons, 4 inputs "
        "(weights[1, 1] is 10.91 in these cells)",
        inputs={"x": np.zeros(4)},
        loss=_nb2_dense_one,
        true_grads=_nb2_true_dense_one,
        hand={"x": HandGradient("dinputs", _a([0.44, 11.44, -0.07, 1.37]), _every(OK, (4,)))},
        notes="The cell multiplies every column sum by dvalues[0]; right here only because all "
        "three upstream values are 1. The inputs are not in the notebook and do not matter.",
    ),
    SeedCase(
        name="nb2_nnfs.dense_dinputs_batch",
        notebook=NB2,
        cells="In [61]",
        summary="batched: gradient of sum(dvalues * (X @ weights.T)) for X",
        inputs={"X": np.zeros((3, 4))},
        loss=_nb2_dense_batch,
        true_grads=_nb2_true_dense_batch,
        hand={"X": HandGradient("dinputs", _NB2_BATCH_DINPUTS, _every(OK, (3, 4)))},
        notes="The layer's inputs are not in the notebook and do not matter.",
    ),
    SeedCase(
        name="nb2_nnfs.dense_relu_cell98",
        notebook=NB2,
        cells="In [98]",
        summary="dense layer + relu, loss sum(dvalues * relu(X @ weights + biases)): "
        "dweights, dbiases, dinputs",
        inputs=dict(_NB2_DENSE_RELU_INPUTS),
        loss=_nb2_dense_relu,
        true_grads=_nb2_true_dense_relu,
        hand={
            "weights": HandGradient(
                "dense1.dweights",
                _a([[0.5, 0.5, 0.5], [20.1, 20.1, 20.1], [10.9, 10.9, 10.9], [4.1, 4.1, 4.1]]),
                _v([[OK, WRONG, OK]] * 4),
                bug=_NB2_CELL98_BUG + "; neuron 1's column is wrong, the others are right.",
            ),
            "biases": HandGradient(
                "dense1.dbiases",
                _a([[6, 6, 6]]),
                _v([[OK, WRONG, OK]]),
                bug=_NB2_CELL98_BUG + "; the true dbiases are [[6, 4, 6]].",
            ),
            "X": HandGradient(
                "dense1.dinputs",
                _a(
                    [
                        [0.44, -0.38, -0.07, 1.37],
                        [0.88, -0.76, -0.14, 2.74],
                        [1.32, -1.14, -0.21, 4.11],
                    ]
                ),
                _v([[OK] * 4, [WRONG] * 4, [OK] * 4]),
                bug=_NB2_CELL98_BUG + "; sample 1's row is wrong, the others are right.",
            ),
        },
        replay=_nb2_replay_cell98,
    ),
    SeedCase(
        name="nb2_nnfs.relu_backward_cell98",
        notebook=NB2,
        cells="In [98]",
        summary="relu backward: gradient of sum(dvalues * relu(z)) for the layer output z",
        inputs={"z": _NB2_Z},
        loss=_nb2_relu_only,
        true_grads=_nb2_true_relu_only,
        hand={
            "z": HandGradient(
                "activation1.dinputs", _a([[1, 1, 1], [2, 0, 2], [3, 3, 3]]), _every(OK, (3, 3))
            )
        },
        replay=_nb2_replay_cell98,
    ),
    SeedCase(
        name="nb2_nnfs.dense_relu_cell71",
        notebook=NB2,
        cells="In [71]",
        summary="the same dense layer + relu: the gradients behind the printed one-step update "
        "(dweights, dbiases read back as (before - after) / 0.001)",
        inputs=dict(_NB2_DENSE_RELU_INPUTS),
        loss=_nb2_dense_relu,
        true_grads=_nb2_true_dense_relu,
        hand={
            "weights": HandGradient(
                "dweights (from the updated weights)",
                _NB2_CELL71_DWEIGHTS,
                _every(WRONG, (4, 3)),
                bug="dweights = inputs.T @ drelu, but " + _NB2_CELL71_BUG + ".",
            ),
            "biases": HandGradient(
                "dbiases (from the updated biases)",
                _NB2_CELL71_DBIASES,
                _every(WRONG, (1, 3)),
                bug="dbiases = sum(drelu, axis=0), but " + _NB2_CELL71_BUG + ".",
            ),
        },
        # Read back from 7-8 printed decimals and divided by 0.001: good to about 1e-4.
        atol=1e-4,
        replay=_nb2_replay_cell71,
        replay_atol=1e-4,
    ),
    SeedCase(
        name="nb2_nnfs.relu_backward_cell71",
        notebook=NB2,
        cells="In [71]",
        summary="relu backward: gradient of sum(dvalues * relu(z)) for the layer output z",
        inputs={"z": _NB2_Z},
        loss=_nb2_relu_only,
        true_grads=_nb2_true_relu_only,
        hand={
            "z": HandGradient(
                "drelu",
                _a([[4.8, 1.21, 2.385], [8.9, 0.0, 0.2], [1.41, 1.051, 0.026]]),
                _v([[WRONG] * 3, [WRONG, OK, WRONG], [WRONG] * 3]),
                bug="drelu is wrong: " + _NB2_CELL71_BUG + "; only z[1, 1] (negative, so 0 "
                "either way) is right.",
            )
        },
        replay=_nb2_replay_cell71,
    ),
    SeedCase(
        name="nb2_nnfs.softmax_jacobian",
        notebook=NB2,
        cells="In [14]-[19]",
        summary="softmax Jacobian diag(p) - p p^T at p = (0.7, 0.1, 0.2), as trace of row copies",
        inputs={"z_rows": np.tile(np.log(_NB2_P), (3, 1))},
        loss=_nb2_softmax_jacobian,
        true_grads=_nb2_true_softmax_jacobian,
        hand={
            "z_rows": HandGradient(
                "np.diagflat(p) - np.dot(p, p.T)",
                _a([[0.21, -0.07, -0.14], [-0.07, 0.09, -0.02], [-0.14, -0.02, 0.16]]),
                _every(OK, (3, 3)),
            )
        },
        notes="The notebook gives only p, not the logits; log(p) is our choice.",
    ),
    SeedCase(
        name="nb2_nnfs.softmax_backward_batch",
        notebook=NB2,
        cells="In [55]",
        summary="softmax backward per sample (Jacobian @ dvalues): gradient of "
        "sum(dvalues * softmax(inputs)) for inputs, samples as rows",
        inputs={"inputs": _NB2_LOGITS},
        loss=_nb2_softmax_backward,
        true_grads=_nb2_true_softmax_backward,
        hand={
            "inputs": HandGradient(
                "dinputs",
                _a([[-0.0079911, -0.01300762, -0.0116701, 0.03266881]] * 3),
                _every(OK, (3, 4)),
            )
        },
        notes="The three rows agree because each row of dvalues differs from the first by a "
        "constant, which the softmax Jacobian sends to zero.",
    ),
)

NB2_FORWARDS = (
    PrintedForward(
        name="nb2_nnfs.neuron",
        notebook=NB2,
        trace=lambda: {
            "z": np.asarray(np.dot(_NB2_X, _NB2_W) + _NB2_B),
            "y": np.asarray(_nb2_neuron(_NB2_X, _NB2_W, _NB2_B)),
        },
        printed={"z": _a(6.0), "y": _a(6.0)},
        atol=0.0,
    ),
    PrintedForward(
        name="nb2_nnfs.dense_relu",
        notebook=NB2,
        trace=lambda: {"z": _NB2_Z, "relu": np.asarray(_relu(_NB2_Z))},
        printed={
            "z": _a([[4.8, 1.21, 2.385], [8.9, -1.81, 0.2], [1.41, 1.051, 0.026]]),
            "relu": _a([[4.8, 1.21, 2.385], [8.9, 0.0, 0.2], [1.41, 1.051, 0.026]]),
        },
    ),
    PrintedForward(
        name="nb2_nnfs.softmax_batch",
        notebook=NB2,
        trace=lambda: {"probabilities": np.asarray(_softmax_rows(_NB2_LOGITS))},
        printed={"probabilities": _a([[0.0320586, 0.08714432, 0.23688282, 0.64391426]] * 3)},
    ),
)


# --------------------------------------------------------------------------------------------
# Seed 003: a learner's notebook of layer classes (Relu, Sigmoid, Affine, Softmax,
# SoftmaxWithLoss) with forward/backward, and derivatives by central differences.
# --------------------------------------------------------------------------------------------
NB3 = "003_bfd6e20640a37d09.txt"
# The grid the activation layers are run on (In [2]) and the upstream gradient, zeros; the relu
# cell passes dupstream + 10, the sigmoid cell dupstream + 1, the softmax cell dupstream itself.
NB3_GRID = np.arange(-10, 10, 0.01)
_NB3_DUPSTREAM = np.zeros_like(NB3_GRID)
# arange lands on -2.13e-13 instead of 0: relu is differentiable there (slope 0), but any
# central difference with a step above 2e-13 straddles the kink.
_NB3_NEAR_ZERO = np.abs(NB3_GRID) < 1e-9


def _nb3_func_1(x: Any) -> Any:
    return x**2 + 5


def _nb3_true_func_1(x: FloatArray) -> dict[str, FloatArray]:
    return {"x": 2.0 * x}


def _nb3_func_2(x: Any) -> Any:
    return x[0] ** 2 + x[1] ** 3 + 1


def _nb3_true_func_2(x: FloatArray) -> dict[str, FloatArray]:
    return {"x": _a([2.0 * x[0], 3.0 * x[1] ** 2])}


def _nb3_relu(x: Any) -> Any:
    return np.sum((_NB3_DUPSTREAM + 10) * _relu(x))


def _nb3_true_relu(x: FloatArray) -> dict[str, FloatArray]:
    return {"x": (_NB3_DUPSTREAM + 10) * (x > 0)}


def _nb3_sigmoid(x: Any) -> Any:
    return np.sum((_NB3_DUPSTREAM + 1) * _sigmoid(x))


def _nb3_true_sigmoid(x: FloatArray) -> dict[str, FloatArray]:
    y = _sigmoid(x)
    return {"x": (_NB3_DUPSTREAM + 1) * y * (1.0 - y)}


def _nb3_softmax(x: Any) -> Any:
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


def _nb3_softmax_loss(x: Any) -> Any:
    return np.sum(_NB3_DUPSTREAM * _nb3_softmax(x))


def _nb3_true_softmax_loss(x: FloatArray) -> dict[str, FloatArray]:
    return {"x": _softmax_vjp(_nb3_softmax(x), _NB3_DUPSTREAM, axis=0)}


# The activation backward passes were plotted, not printed; their numbers are fully determined
# by the grid and the layer formulas, recomputed here.
_NB3_Y_SOFTMAX = _nb3_softmax(NB3_GRID)
_NB3_Y_SIGMOID = _sigmoid(NB3_GRID)

NB3_CASES = (
    SeedCase(
        name="nb3_layers.central_difference_1d",
        notebook=NB3,
        cells="In [100]-[102]",
        summary="central difference (h = 1e-5) of x**2 + 5 at x = 1",
        inputs={"x": _a(1.0)},
        loss=_nb3_func_1,
        true_grads=_nb3_true_func_1,
        printed_loss=6.0,
        hand={"x": HandGradient("diff.d1_diff(func_1, 1)", _a(2.0000000000131024), _every(OK, ()))},
    ),
    SeedCase(
        name="nb3_layers.central_difference_2d",
        notebook=NB3,
        cells="In [100], [104]",
        summary="central differences of x0**2 + x1**3 + 1 at (2, 3)",
        inputs={"x": _a([2.0, 3.0])},
        loss=_nb3_func_2,
        true_grads=_nb3_true_func_2,
        hand={
            "x": HandGradient("diff.dn_diff(func_2, input_val)", _a([4.0, 27.0]), _every(OK, (2,)))
        },
    ),
    SeedCase(
        name="nb3_layers.relu_backward_grid",
        notebook=NB3,
        cells="In [2], [67]-[69]",
        summary="Relu.backward(dupstream + 10) on arange(-10, 10, 0.01): gradient of "
        "sum(10 * relu(x)); plotted, not printed",
        inputs={"x": NB3_GRID.copy()},
        loss=_nb3_relu,
        true_grads=_nb3_true_relu,
        hand={
            "x": HandGradient(
                "dx_relu",
                np.where(NB3_GRID > 0, 10.0, 0.0),
                np.where(_NB3_NEAR_ZERO, KINK, OK).astype("<U5"),
            )
        },
        notes="x[1000] is -2.13e-13, where relu's slope is 0 but central differences see the "
        "kink at 0.",
    ),
    SeedCase(
        name="nb3_layers.sigmoid_backward_grid",
        notebook=NB3,
        cells="In [2], [70]-[72]",
        summary="Sigmoid.backward(dupstream + 1) = y(1 - y) on arange(-10, 10, 0.01): gradient "
        "of sum(sigmoid(x)); plotted, not printed",
        inputs={"x": NB3_GRID.copy()},
        loss=_nb3_sigmoid,
        true_grads=_nb3_true_sigmoid,
        hand={
            "x": HandGradient(
                "sigmoid.backward(dupstream+1)",
                _NB3_Y_SIGMOID * (1.0 - _NB3_Y_SIGMOID),
                _every(OK, NB3_GRID.shape),
            )
        },
    ),
    SeedCase(
        name="nb3_layers.softmax_backward_grid",
        notebook=NB3,
        cells="In [2], [75], [76]",
        summary="Softmax.backward(dupstream) on arange(-10, 10, 0.01) with dupstream = 0: "
        "gradient of sum(dupstream * softmax(x)); plotted, not printed",
        inputs={"x": NB3_GRID.copy()},
        loss=_nb3_softmax_loss,
        true_grads=_nb3_true_softmax_loss,
        hand={
            "x": HandGradient(
                "softmax_dx",
                _NB3_Y_SOFTMAX - np.square(_NB3_Y_SOFTMAX),
                _every(WRONG, NB3_GRID.shape),
                bug="Softmax.backward returns only the Jacobian's diagonal y - y**2 and ignores "
                "dupstream: the backward pass must return J^T dupstream = y * (dupstream - "
                "sum(y * dupstream)), which is 0 here because dupstream is 0.",
            )
        },
        # The hand values run down to 2e-11 at x = -10 while the truth is exactly 0: the verdict
        # holds for an absolute tolerance below that.
        atol=1e-12,
    ),
)


# --------------------------------------------------------------------------------------------
# Seed 004: a learner's notebook with a 2-layer tanh network, samples as columns, softmax and
# cross-entropy averaged over the 3 samples.
# --------------------------------------------------------------------------------------------
NB4 = "004_9631732c4a400696.txt"
_NB4_X = _a([[1, 2, 4], [-2, -5, -8]])
NB4_LABELS = np.array([0, 1, 2])
_NB4_Y = np.eye(3)[:, NB4_LABELS]  # one-hot, classes down the rows, samples across columns
_NB4_W1 = _a([[0.5, 0.5], [0.5, -0.5]])
_NB4_B1 = _a([[0.5], [0.5]])
_NB4_W2 = _a([[-1, 1], [1, -1], [-2, 1]])
_NB4_B2 = _a([[-0.1]])  # one bias shared by every class and sample
_NB4_N = 3


def _nb4_loss_from_A2(A2: Any) -> Any:
    return -np.sum(_NB4_Y * np.log(A2)) / _NB4_N


def _nb4_loss_from_Z2(Z2: Any) -> Any:
    return _nb4_loss_from_A2(_softmax_columns(Z2))


def _nb4_loss_from_A1(A1: Any) -> Any:
    return _nb4_loss_from_Z2(np.dot(_NB4_W2, A1) + _NB4_B2)


def _nb4_loss_from_Z1(Z1: Any) -> Any:
    return _nb4_loss_from_A1(np.tanh(Z1))


def _nb4_trace(X: Any, W1: Any, b1: Any, W2: Any, b2: Any) -> dict[str, Any]:
    Z1 = np.dot(W1, X) + b1
    A1 = np.tanh(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = _softmax_columns(Z2)
    return {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2, "loss": _nb4_loss_from_A2(A2)}


def _nb4_loss(X: Any, W1: Any, b1: Any, W2: Any, b2: Any) -> Any:
    return _nb4_trace(X, W1, b1, W2, b2)["loss"]


def _nb4_true_all(
    X: FloatArray, W1: FloatArray, b1: FloatArray, W2: FloatArray, b2: FloatArray
) -> dict[str, FloatArray]:
    f = _nb4_trace(X, W1, b1, W2, b2)
    dZ2 = (f["A2"] - _NB4_Y) / _NB4_N
    dA1 = np.dot(W2.T, dZ2)
    dZ1 = dA1 * (1.0 - f["A1"] ** 2)
    return {
        "A2": -_NB4_Y / f["A2"] / _NB4_N,
        "Z2": dZ2,
        "A1": dA1,
        "Z1": dZ1,
        "W2": np.dot(dZ2, f["A1"].T),
        "b2": _a([[np.sum(dZ2)]]),
        "W1": np.dot(dZ1, X.T),
        "b1": np.sum(dZ1, axis=1, keepdims=True),
        "X": np.dot(W1.T, dZ1),
    }


_NB4_INPUTS = {"X": _NB4_X, "W1": _NB4_W1, "b1": _NB4_B1, "W2": _NB4_W2, "b2": _NB4_B2}
_NB4_FWD = _nb4_trace(**_NB4_INPUTS)


def _nb4_true_params(
    X: FloatArray, W1: FloatArray, b1: FloatArray, W2: FloatArray, b2: FloatArray
) -> dict[str, FloatArray]:
    g = _nb4_true_all(X, W1, b1, W2, b2)
    return {name: g[name] for name in ("X", "W1", "b1", "W2", "b2")}


def _nb4_true_from_A2(A2: FloatArray) -> dict[str, FloatArray]:
    return {"A2": -_NB4_Y / A2 / _NB4_N}


def _nb4_dl_dz2(Z2: FloatArray) -> FloatArray:
    return np.asarray((_softmax_columns(Z2) - _NB4_Y) / _NB4_N)


def _nb4_true_from_Z2(Z2: FloatArray) -> dict[str, FloatArray]:
    return {"Z2": _nb4_dl_dz2(Z2)}


def _nb4_dl_da1(A1: FloatArray) -> FloatArray:
    return np.asarray(np.dot(_NB4_W2.T, _nb4_dl_dz2(np.dot(_NB4_W2, A1) + _NB4_B2)))


def _nb4_true_from_A1(A1: FloatArray) -> dict[str, FloatArray]:
    return {"A1": _nb4_dl_da1(A1)}


def _nb4_true_from_Z1(Z1: FloatArray) -> dict[str, FloatArray]:
    A1 = np.tanh(Z1)
    return {"Z1": _nb4_dl_da1(A1) * (1.0 - A1**2)}


def _nb4_local_tanh(Z1: Any) -> Any:
    return np.sum(np.tanh(Z1))


def _nb4_true_local_tanh(Z1: FloatArray) -> dict[str, FloatArray]:
    return {"Z1": 1.0 - np.tanh(Z1) ** 2}


def nb4_hand_backward() -> dict[str, FloatArray]:
    """The notebook's backward pass, its bug included, recomputed from the exact inputs."""
    f = _nb4_trace(**_NB4_INPUTS)
    A2, A1 = f["A2"], f["A1"]
    dA2 = -_NB4_Y / A2 / _NB4_N
    sumterm = np.sum(A2 * dA2, axis=0)
    # The right step is A2 * dA2 - A2 * sumterm; the notebook multiplies by A2 once more.
    dZ2 = A2 * dA2 - A2 * (A2 * sumterm)
    dA1 = np.dot(_NB4_W2.T, dZ2)
    dZ1 = dA1 * (1.0 - A1 * A1)
    return {
        "A2": dA2,
        "Z2": dZ2,
        "W2": np.dot(dZ2, A1.T),
        "b2": np.sum(dZ2, axis=1),
        "A1": dA1,
        "Z1": dZ1,
        "W1": np.dot(dZ1, _NB4_X.T),
        "b1": np.sum(dZ1, axis=1, keepdims=True),
    }


_NB4_ROOT_BUG = (
    "dLossdZ2 = prod2 - A2 * sumprod, but sumprod is already A2 * sumterm, so the second term "
    "is A2**2 * sumterm: the softmax backward must be A2 * dLossdA2 - A2 * sumterm, which here "
    "is (A2 - Yonehot) / 3"
)
_NB4_INHERITED = "is the right chain step, but inherits the wrong dLossdZ2 (" + _NB4_ROOT_BUG + ")."

NB4_CASES = (
    SeedCase(
        name="nb4_tanh_columns.parameters",
        notebook=NB4,
        cells="In [3]-[8]",
        summary="2-layer tanh net, samples as columns, softmax, cross-entropy averaged over 3 "
        "samples: dLossdW2, dLossdW1, dLossdb1",
        inputs=dict(_NB4_INPUTS),
        loss=_nb4_loss,
        true_grads=_nb4_true_params,
        hand={
            "W2": HandGradient(
                "dLossdW2",
                _a(
                    [
                        [-0.04995162, -0.19110853],
                        [0.25383057, -0.33159091],
                        [0.03490578, 0.05526051],
                    ]
                ),
                _every(WRONG, (3, 2)),
                bug="dLossdW2 = dLossdZ2 @ A1.T " + _NB4_INHERITED,
            ),
            "W1": HandGradient(
                "dLossdW1",
                _a([[-0.22463172, 0.73086196], [-0.01204015, 0.02338504]]),
                _every(WRONG, (2, 2)),
                bug="dLossdW1 = dLossdZ1 @ X.T " + _NB4_INHERITED,
            ),
            "b1": HandGradient(
                "dLossdb1",
                _a([[-0.10875015], [-0.01273163]]),
                _every(WRONG, (2, 1)),
                bug="dLossdb1 = sum(dLossdZ1, axis=1) " + _NB4_INHERITED,
            ),
        },
        replay=nb4_hand_backward,
    ),
    SeedCase(
        name="nb4_tanh_columns.b2",
        notebook=NB4,
        cells="In [3], [7]",
        summary="dLossdb2 for the single shared output bias b2 (shape (1, 1))",
        inputs=dict(_NB4_INPUTS),
        loss=_nb4_loss,
        true_grads=_nb4_true_params,
        hand={
            "b2": HandGradient(
                "dLossdb2",
                _a([-0.20047191, -0.33175936, 0.0579668]),
                _every(WRONG, (3,)),
                bug="dLossdb2 = sum(dLossdZ2, axis=1) has shape (3,), one number per class, but "
                "b2 is a single (1, 1) bias broadcast over every class and sample, so its "
                "gradient is the sum of all of dLossdZ2: exactly 0, since adding one number to "
                "every logit leaves a softmax unchanged. Read as per-class biases the three "
                "numbers are still wrong, because dLossdZ2 is (" + _NB4_ROOT_BUG + ").",
                shape_mismatch=True,
            )
        },
        replay=nb4_hand_backward,
    ),
    SeedCase(
        name="nb4_tanh_columns.dLossdA2",
        notebook=NB4,
        cells="In [6]",
        summary="dLoss/dA2 for the softmax output A2",
        inputs={"A2": np.asarray(_NB4_FWD["A2"])},
        loss=_nb4_loss_from_A2,
        true_grads=_nb4_true_from_A2,
        hand={
            "A2": HandGradient(
                "dLossdA2",
                _a(
                    [
                        [-0.71514359, -0.0, -0.0],
                        [-0.0, -35.77877846, -0.0],
                        [-0.0, -0.0, -0.47114596],
                    ]
                ),
                _every(OK, (3, 3)),
            )
        },
        replay=nb4_hand_backward,
    ),
    SeedCase(
        name="nb4_tanh_columns.dLossdZ2",
        notebook=NB4,
        cells="In [7]",
        summary="dLoss/dZ2 through the column softmax",
        inputs={"Z2": np.asarray(_NB4_FWD["Z2"])},
        loss=_nb4_loss_from_Z2,
        true_grads=_nb4_true_from_Z2,
        hand={
            "Z2": HandGradient(
                "dLossdZ2",
                _a(
                    [
                        [-2.60914798e-01, 3.31453475e-02, 2.72975400e-02],
                        [1.53165977e-03, -3.33304401e-01, 1.33828888e-05],
                        [7.24185355e-02, 1.52031947e-01, -1.66483685e-01],
                    ]
                ),
                _every(WRONG, (3, 3)),
                bug=_NB4_ROOT_BUG + ".",
            )
        },
        rtol=1e-7,
        replay=nb4_hand_backward,
    ),
    SeedCase(
        name="nb4_tanh_columns.dLossdA1",
        notebook=NB4,
        cells="In [7]",
        summary="dLoss/dA1, the gradient arriving at the hidden layer's output",
        inputs={"A1": np.asarray(_NB4_FWD["A1"])},
        loss=_nb4_loss_from_A1,
        true_grads=_nb4_true_from_A1,
        hand={
            "A1": HandGradient(
                "dLossdA1",
                _a([[0.11760939, -0.67051364, 0.30568321], [-0.19002792, 0.51848169, -0.13919953]]),
                _every(WRONG, (2, 3)),
                bug="dLossdA1 = W2.T @ dLossdZ2 " + _NB4_INHERITED,
            )
        },
        replay=nb4_hand_backward,
    ),
    SeedCase(
        name="nb4_tanh_columns.dLossdZ1",
        notebook=NB4,
        cells="In [8]",
        summary="dLoss/dZ1 through tanh",
        inputs={"Z1": np.asarray(_NB4_FWD["Z1"])},
        loss=_nb4_loss_from_Z1,
        true_grads=_nb4_true_from_Z1,
        hand={
            "Z1": HandGradient(
                "dLossdZ1",
                _a(
                    [
                        [1.17609387e-01, -2.81598525e-01, 5.52389862e-02],
                        [-1.34256294e-02, 6.95258383e-04, -1.25854146e-06],
                    ]
                ),
                _every(WRONG, (2, 3)),
                bug="dLossdZ1 = dLossdA1 * (1 - A1**2) " + _NB4_INHERITED,
            )
        },
        rtol=1e-7,
        replay=nb4_hand_backward,
    ),
    SeedCase(
        name="nb4_tanh_columns.dA1dZ1",
        notebook=NB4,
        cells="In [8]",
        summary="tanh derivative 1 - A1**2, entry by entry",
        inputs={"Z1": np.asarray(_NB4_FWD["Z1"])},
        loss=_nb4_local_tanh,
        true_grads=_nb4_true_local_tanh,
        hand={
            "Z1": HandGradient(
                "dA1dZ1",
                _a(
                    [
                        [1.00000000e00, 4.19974342e-01, 1.80706639e-01],
                        [7.06508249e-02, 1.34095068e-03, 9.04127676e-06],
                    ]
                ),
                _every(OK, (2, 3)),
            )
        },
        rtol=1e-7,
    ),
)

NB4_FORWARDS = (
    PrintedForward(
        name="nb4_tanh_columns",
        notebook=NB4,
        trace=lambda: {
            k: np.asarray(v) for k, v in _nb4_trace(**_NB4_INPUTS).items() if k != "loss"
        },
        printed={
            "Z1": _a([[0.0, -1.0, -1.5], [2.0, 4.0, 6.5]]),
            "A1": _a([[0.0, -0.76159416, -0.90514825], [0.96402758, 0.9993293, 0.99999548]]),
            "Z2": _a(
                [
                    [0.86402758, 1.66092346, 1.80514373],
                    [-1.06402758, -1.86092346, -2.00514373],
                    [0.86402758, 2.42251761, 2.71029199],
                ]
            ),
            "A2": _a(
                [
                    [0.46610686, 0.31533481, 0.28616887],
                    [0.06778628, 0.00931651, 0.0063363],
                    [0.46610686, 0.67534868, 0.70749484],
                ]
            ),
        },
    ),
    PrintedForward(
        name="nb4_tanh_columns.softmax_example",
        notebook=NB4,
        trace=lambda: {
            "A": np.asarray(
                _softmax_columns(
                    _a([[0.1, -0.1, -0.2], [-0.2, 0.2, 0.3], [-0.3, 0.1, 0.2], [0.4, -0.3, -0.5]])
                )
            )
        },
        printed={
            "A": _a(
                [
                    [0.26588694, 0.22779083, 0.20486076],
                    [0.19697389, 0.30748546, 0.3377583],
                    [0.17822935, 0.27822435, 0.30561635],
                    [0.35890983, 0.18649936, 0.15176459],
                ]
            )
        },
    ),
)


# --------------------------------------------------------------------------------------------
# What was printed but cannot be rebuilt with the same numbers.
# --------------------------------------------------------------------------------------------
NOT_REBUILT = (
    NotRebuilt(
        notebook=NB3,
        cells="In [80]-[88]",
        printed={
            "loss": 6952.599686519977,
            "affine.dW": _a(
                [
                    [-1.16446106e-01, -3.55403493e-03, -2.43096462e-04, -3.15079329e-02],
                    [-2.58415644e-01, -1.62226686e-03, -1.76893941e-05, -1.18305684e-01],
                ]
            ),
            "affine.db": _a([-4.47625279e-03, -4.99360245e-04, -4.87843433e-05, -2.34348217e-03]),
        },
        reason="Affine -> Sigmoid -> Softmax -> cross-entropy on 1000 random samples "
        "(np.random.randint, np.random.choice, np.random.randn, np.random.rand, no seed); "
        "none of the data, weights or biases are printed.",
        bug="Not the gradient of the printed loss: the forward softmax normalises down axis 0 "
        "(over the 1000 samples, not over the 4 classes) and the loss takes y[:, t], a "
        "1000 x 1000 block of every sample's probability for every sample's label, while "
        "SoftmaxWithLoss.backward returns (y - t) / N, the gradient of a per-sample softmax "
        "with per-sample cross-entropy.",
    ),
    NotRebuilt(
        notebook=NB2,
        cells="In [8], [20], [56], [61]",
        printed={},
        reason="The cross-entropy, combined softmax-loss and spiral-data classes are defined but "
        "never run on printed numbers (the spiral data are random).",
        bug="Latent bugs with no printed numbers: the full-code Dense_Layer sums dbiases over "
        "axis=1 instead of axis=0; its softmax calls np.exp(inputs, max) (the max lands in "
        "the out= slot, so nothing is subtracted); SoftMax.backward reads self.output while "
        "forward sets self.probabilities; the combined backward writes self.dinput but reads "
        "self.dinputs.",
    ),
)

CASES: tuple[SeedCase, ...] = NB0_CASES + NB1_CASES + NB2_CASES + NB3_CASES + NB4_CASES
FORWARDS: tuple[PrintedForward, ...] = (NB0_FORWARD, NB1_FORWARD, *NB2_FORWARDS, *NB4_FORWARDS)
CASES_BY_NAME: Mapping[str, SeedCase] = {case.name: case for case in CASES}

__all__ = [
    "CASES",
    "CASES_BY_NAME",
    "FORWARDS",
    "KINK",
    "NOT_REBUILT",
    "OK",
    "WRONG",
    "HandGradient",
    "NotRebuilt",
    "PrintedForward",
    "SeedCase",
]
