"""Shared setup of the Lyu, Li, Wang & Arora (2021) modules.  Not a theorem module.

Model (docs/papers/lyu2021_chizat2020.md section 2.3, our reading): ``f(x) = sum_k a_k
phi(<w_k, x>)``, leaky ReLU ``phi(z) = max(z, alpha z)``, both layers trained (2-homogeneous),
Gaussian initialization of scale ``sigma0`` (small), logistic loss averaged over samples.
Normalized margin ``gamma(theta) = min_i q_i / ||theta||^2``.

Derived there and re-derived in the target's tests: on symmetric data
``{(x, y)} = {(-x, -y)}`` the global max normalized margin is ``(1 + alpha) gamma_lin / 4``
(the odd part of any network is linear, ``||sum_k a_k w_k|| <= ||theta||^2 / 2``).  Phase I:
near ``theta = 0`` the dynamics are those of a linear two-layer net with growth rate
``lambda = (1 + alpha) ||mu|| / 4`` (mean logistic loss, ``mu = (1/n) sum_i y_i x_i``), so it
lasts ``ln(1/sigma0) / lambda + O(1)``.
"""
from __future__ import annotations

import math
from functools import cache

import numpy as np
import sympy as sp

from verify import (Assumption, Citation, Dataset, Param, TwoLayer, certified_margin,
                    hard_margin_svm, initial_params, is_symmetric_pairs, max_margin_two_layer,
                    separable_gaussian, symmetric)

gamma, sym = sp.symbols("gamma_lin S")


def citation(where: str) -> Citation:
    """Lyu, Li, Wang & Arora (2021), with what of it a module uses."""
    return Citation("K. Lyu, Z. Li, R. Wang, S. Arora", "Gradient descent on two-layer nets: margin "
                    "maximization and simplicity bias", "NeurIPS", 2021, "2110.13905", where)

PARAMETERS = {
    "n": Param(int, 12, low=2, low_open=False, high=2_000, doc="samples (after symmetrization)"),
    "d": Param(int, 3, low=1, low_open=False, high=50, doc="dimension (the exact target enumerates patterns)"),
    "m": Param(int, 8, low=1, low_open=False, high=10_000, doc="width"),
    "alpha": Param(float, 0.2, low=0.0, high=0.999, doc="leaky slope"),
    "margin": Param(float, 0.3, low=0.0, low_open=False, doc="teacher margin of the generator"),
    "sigma0": Param(float, 1e-3, low=0.0, doc="initialization scale (small)"),
    "reduction": Param(str, "mean", choices=("sum", "mean"), doc="loss averaged over samples"),
    "step_rule": Param(str, "lyu-li", choices=("constant", "normalized", "lyu-li"), doc="step rule"),
}


def model(p) -> TwoLayer:
    """Both layers trained, Gaussian init (``a ~ sigma0 N(0, 1)``)."""
    return TwoLayer(m=p["m"], alpha=p["alpha"], train_outer=True)


def symmetric_data(p, rng) -> Dataset:
    """``n/2`` separable Gaussian points closed under ``(x, y) -> (-x, -y)``."""
    base = separable_gaussian(p["n"] // 2, p["d"], rng, p["margin"])
    return symmetric(base)


def svm(data, p):
    """The linear hard-margin SVM (``gamma_lin``)."""
    return hard_margin_svm(data.X, data.y)


def two_layer(data, p):
    """The exact global max-margin two-layer network (all activation patterns)."""
    return max_margin_two_layer(data.X, data.y, p["alpha"])


def separable(data, p):
    """``gamma_lin`` of the SVM; a failed solve: UNDECIDED (``certified_margin``)."""
    return {"gamma_lin": certified_margin(svm(data, p), data.X)}


SEPARABLE = Assumption("separable", sp.Gt(gamma, 0), separable, "linearly separable through the origin")
SYMMETRIC = Assumption("symmetric", sp.Eq(sym, 1), lambda d, p: {"S": is_symmetric_pairs(d.X, d.y)},
                       "(x, y) in S implies (-x, -y) in S, checked exactly")


def mu(data: Dataset) -> np.ndarray:
    """``(1/n) sum_i y_i x_i``."""
    return (data.y[:, None] * data.X).mean(axis=0)


def growth_rate(data: Dataset, p) -> float:
    """Phase-I rate ``lambda = -l'(0) (1 + alpha) ||mu|| / 2`` (mean loss; x n for the sum)."""
    lam = 0.25 * (1.0 + p["alpha"]) * float(np.linalg.norm(mu(data)))
    lam *= 2.0 if p["loss"] == "exponential" else 1.0
    return lam * (data.n if p["reduction"] == "sum" else 1.0)


def alignment(pt) -> float:
    r"""Contribution-weighted misalignment with :math:`\pm\hat\mu`:
    :math:`\sum_k |a_k|\|w_k\|(1 - |\cos(w_k, \mu)|) / \sum_k |a_k|\|w_k\|`."""
    W, a = np.asarray(pt.params["W"], float), np.asarray(pt.params["a"], float)
    u = mu(pt.data)
    norms = np.linalg.norm(W, axis=1)
    weight = np.abs(a) * norms
    cos = np.abs(W @ u) / np.maximum(norms * np.linalg.norm(u), np.finfo(float).tiny)
    return float(np.sum(weight * (1.0 - cos)) / np.sum(weight))


def linear_cosine(pt) -> float:
    r"""Cosine of the effective linear part :math:`\sum_k a_k w_k` with the SVM direction."""
    W, a = np.asarray(pt.params["W"], float), np.asarray(pt.params["a"], float)
    beta = a @ W
    return float(beta @ np.asarray(pt.targets["svm"]["w_unit"]) / np.linalg.norm(beta))


def phase_time(scalars, pt) -> np.ndarray:
    """``t`` at which the loss first falls below half its initial value ``l(0)`` (NaN before)."""
    log_half = math.log(0.5 * math.log(2.0))
    below = np.nonzero(scalars["log_loss"] < log_half)[0]
    t1 = float(np.exp(scalars["log_t"][below[0]])) if below.size else math.nan
    return np.full(np.shape(scalars["log_t"]), t1)


def init_groups(pt) -> np.ndarray:
    r"""Phase-I group of every neuron, :math:`\mathrm{sign}(a_k(0) + \langle w_k(0), \hat\mu\rangle)`.

    Near :math:`\theta = 0` on symmetric data the pair :math:`(a_k, \langle w_k, \hat\mu\rangle)`
    follows the linear flow with matrix :math:`\lambda\,[[0, 1], [1, 0]]`; its growing mode
    is :math:`a_k + \langle w_k, \hat\mu\rangle`, whose sign decides whether neuron ``k``
    ends phase I as ``a > 0, w || mu`` or ``a < 0, w || -mu``.
    """
    p0 = initial_params(pt.model, pt.data.d, pt.case)
    u = mu(pt.data)
    return np.sign(np.asarray(p0["a"], float) + np.asarray(p0["W"], float) @ (u / np.linalg.norm(u)))


def single_group(pt) -> float:
    """1 if every neuron starts in the same phase-I group (predicted failure), else 0."""
    g = init_groups(pt)
    return float(np.all(g == g[0]))


#: A run "stays at the non-global KKT point" when its normalized margin ends within this
#: relative distance of ``alpha gamma_lin / 2`` (failing runs approach it from below, within
#: 2% after 1000 steps; runs in transit to the global value are above it by more).
STUCK_RTOL = 0.03


def misses_global(pt) -> float:
    r"""1 if the normalized margin ends at the non-global KKT value :math:`\alpha\gamma_{lin}/2`.

    All neurons in one group make the network :math:`\pm\phi(\langle w, x\rangle)`, whose
    best normalized margin is :math:`\alpha\gamma_{lin}/2`; the indicator is
    :math:`|\gamma / (\alpha\gamma_{lin}/2) - 1| \le` :data:`STUCK_RTOL`.  NaN when the SVM
    target failed.
    """
    if not pt.targets["svm"].ok:
        return float("nan")
    stuck = pt.case["alpha"] * pt.targets["svm"]["gamma"] / 2.0
    return float(abs(np.min(pt.margins) / pt.norm**2 / stuck - 1.0) <= STUCK_RTOL)


#: Held-out points of the linear-limit claims: ``HELD_OUT`` draws uniform on the unit sphere
#: ``S^{d-1}`` and their antipodes, from a fixed seed unrelated to the data and init seeds.
#: The sphere because the statement is for every ``x`` and both sides are positively
#: 1-homogeneous in ``x``: the sup over ``S^{d-1}`` bounds ``|f(x)/||theta||^2 - c<w*, x>|``
#: by ``||x||`` times it everywhere, in directions the data do not visit too.
HELD_OUT, HELD_OUT_SEED = 256, 20211026


@cache
def held_out(d: int) -> np.ndarray:
    """The fixed held-out points in ``R^d`` (read-only, ``2 HELD_OUT x d``, unit norm)."""
    Z = np.random.default_rng([HELD_OUT_SEED, d]).standard_normal((HELD_OUT, d))
    Z /= np.linalg.norm(Z, axis=1, keepdims=True)
    Z = np.concatenate([Z, -Z])
    Z.setflags(write=False)
    return Z


def linear_constant(alpha: float) -> float:
    r"""The derived constant :math:`c = (1+\alpha)/4` of :math:`f/\|\theta\|^2 \to c\langle w^*, x\rangle`."""
    return (1.0 + alpha) / 4.0


def _normalized_outputs(pt) -> tuple[np.ndarray, np.ndarray] | None:
    """``f(x)/||theta||^2`` and ``<w*, x>`` on the held-out points (None: SVM target failed)."""
    if not pt.targets["svm"].ok:
        return None
    X = held_out(pt.data.d)
    f = np.asarray(pt.model.forward(pt.params, X), float) / pt.norm ** 2
    return f, X @ np.asarray(pt.targets["svm"]["w_unit"], float)


def linear_gap(pt) -> float:
    r"""Reading A: :math:`\sup_{x \in H} |f(x)/\|\theta\|^2 - \tfrac{1+\alpha}{4}\langle w^*, x\rangle|`.

    ``H`` the held-out points (:func:`held_out`), ``w*`` the unit SVM direction; NaN when the
    SVM target failed.
    """
    out = _normalized_outputs(pt)
    if out is None:
        return float("nan")
    f, g = out
    return float(np.max(np.abs(f - linear_constant(pt.case["alpha"]) * g)))


def linear_gap_free(pt) -> float:
    r"""Reading B (constant unstated): :math:`\sup_{x \in H} |f(x)/\|\theta\|^2 - \hat C\langle w^*, x\rangle|`,
    :math:`\hat C` the least-squares constant on ``H`` (it tends to 0 iff
    :math:`\inf_C \sup_H |\cdot|` does, ``H`` finite)."""
    out = _normalized_outputs(pt)
    if out is None:
        return float("nan")
    f, g = out
    return float(np.max(np.abs(f - (f @ g) / (g @ g) * g)))
