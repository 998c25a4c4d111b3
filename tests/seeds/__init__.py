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
``NOT_REBUILT``. One module per notebook: ``seed_000`` ... ``seed_004``; ``common``
holds the case types.
"""

from __future__ import annotations

from collections.abc import Mapping

from .common import KINK, OK, WRONG, HandGradient, NotRebuilt, PrintedForward, SeedCase, arr
from .seed_000 import NB0_CASES, NB0_FORWARD
from .seed_001 import NB1_CASES, NB1_FORWARD
from .seed_002 import NB2, NB2_CASES, NB2_FORWARDS
from .seed_003 import NB3, NB3_CASES
from .seed_004 import NB4_CASES, NB4_FORWARDS

# --------------------------------------------------------------------------------------------
# What was printed but cannot be rebuilt with the same numbers.
# --------------------------------------------------------------------------------------------
NOT_REBUILT = (
    NotRebuilt(
        notebook=NB3,
        cells="In [80]-[88]",
        printed={
            "loss": 6952.599686519977,
            "affine.dW": arr(
                [
                    [-1.16446106e-01, -3.55403493e-03, -2.43096462e-04, -3.15079329e-02],
                    [-2.58415644e-01, -1.62226686e-03, -1.76893941e-05, -1.18305684e-01],
                ]
            ),
            "affine.db": arr([-4.47625279e-03, -4.99360245e-04, -4.87843433e-05, -2.34348217e-03]),
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
