r"""Boursier, Pillaud-Vivien & Flammarion (2022): on orthogonal inputs, gradient flow from small
init reaches zero loss and the minimum-norm interpolator.

Published (NeurIPS 2022, arXiv:2206.00939, abstract; theorem bodies not consulted, see
docs/papers/kou2023_lai2026.md section 4.2): one-hidden-layer ReLU networks, squared loss,
orthogonal inputs, small initialisation: gradient flow converges to zero loss and is biased
towards the minimum variation-norm interpolator.

Our formalization:

* **Setup**: ``f(x) = sum_j a_j relu(<w_j, x>)``, both layers trained from the balanced init of
  :class:`theorems._squared_relu.BalancedTwoLayer` (``a_j = +-||w_j||``, scale ``sigma0``),
  summed squared loss, small constant step as a stand-in for the flow (checked at ``eta/2``).
  Inputs ``x_i = r_i e_i`` (exactly orthogonal in float64; GD is rotation-equivariant),
  labels ``+-1``.
* **Target**: the minimum of ``||theta||^2/2`` over interpolating networks equals the min path
  norm, in closed form ``P* = sqrt(S_+) + sqrt(S_-)``, ``S_+- = sum_{+-y_i>0} y_i^2/||x_i||^2``
  (:func:`verify.targets.pathnorm.orthogonal_min_path_norm`, cross-checked against the
  convex reformulation).  The network is not unique up to permutation and splitting of
  neurons, its norm is: the **gap** is the relative norm excess ``(||theta||^2/2 - P*)/P*`` at
  an interpolating iterate (0 iff ``theta`` is a min-norm interpolator).
* **Claim**: ``gap -> 0`` as ``sigma0 -> 0``: a Limit in ``1/sigma0`` over a sweep of seven init
  scales (``1e-2 .. 1e-8``, three seeds each) with a free power rate ``sigma0^a``; a Limit, not
  a Scaling claim, because the theorem states the limit, not a rate.  (Our derivation: the
  neuron active on all samples of its sign grows like ``e^{sqrt(S) t}``, a runner-up missing the
  sample ``i`` like ``e^{sqrt(S - b_i^2) t}``; when the first fits the data the runner-up holds a
  ``sigma0^{2(1 - sqrt(1 - b_i^2/S))}`` share, about ``sigma0^0.59`` here.)
* **Condition (ours)**: orthogonality freezes every ``<w_j, x_k>`` of an inactive pair, so a
  neuron active at init on *all* samples of its output sign must exist for each sign;
  otherwise two neurons split the samples and the norm excess stays of order one.  Audited
  on the case's initialization; a sweep run without it has an undefined (NaN) gap.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from theorems import _squared_relu as sq
from verify import (Assumption, Citation, Dataset, Eventually, Limit, Param, Quantity, Stat, Sweep,
                    Theorem, horizon_deadline, initial_params, min_norm_interpolator_two_layer)

rho, s0, s0_max, omni = sp.symbols("rho sigma_0 sigma_0max N_omni")
SIGMAS = (1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8)


def generate(p, rng) -> Dataset:
    """``x_i = r_i e_i`` (``r_i`` uniform in ``[1, norm_ratio]``), labels ``+-1``, both signs."""
    n, d = p["n"], p["d"]
    X = np.zeros((n, d))
    X[np.arange(n), np.arange(n)] = rng.uniform(1.0, p["norm_ratio"], n)
    k = min(max(round(p["positive_fraction"] * n), 1), n - 1)
    return Dataset(X, np.where(rng.permutation(n) < k, 1.0, -1.0), "orthogonal")


def model(p) -> sq.BalancedTwoLayer:
    return sq.BalancedTwoLayer(m=p["m"])


def omnipotent(data: Dataset, p) -> int:
    """Fewest neurons, over the two output signs, active at init on every sample of that sign."""
    init = initial_params(model(p), data.d, p)
    A = data.X @ init["W"].T >= 0
    return int(min((A[data.y * s > 0][:, init["a"] * s > 0].all(axis=0)).sum() for s in (1.0, -1.0)))


def gap(pt) -> float:
    """``(||theta||^2/2 - P*)/P*`` against the closed form (NaN without omnipotent neurons)."""
    if omnipotent(pt.data, pt.case) < 1:
        raise ValueError("no neuron active at init on all samples of its sign: outside the condition")
    return sq.norm_gap(pt, pt.targets["min_norm"]["closed_form"])


def path_gap(pt) -> float:
    """``sum_j |a_j| ||w_j|| / P* - 1``."""
    W, a = np.asarray(pt.params["W"], float), np.asarray(pt.params["a"], float)
    P = pt.targets["min_norm"]["closed_form"]
    return float(np.abs(a) @ np.linalg.norm(W, axis=1) / P - 1.0)


def _cos_max(X) -> float:
    G = X @ X.T
    nrm = np.sqrt(np.diag(G))
    return float(np.max(np.abs(G - np.diag(np.diag(G))) / np.outer(nrm, nrm)))


SWEEP = Sweep("sigma0", SIGMAS, seeds=3, x=lambda p: 1.0 / p["sigma0"], x_label="1/sigma0",
              overrides={"stop_loss": 1e-26})

THEOREM = Theorem(
    id="boursier2022-orthogonal",
    title="Orthogonal inputs, small balanced init: GD reaches zero loss at the minimum-norm interpolator",
    citation=Citation("E. Boursier, L. Pillaud-Vivien, N. Flammarion", "Gradient flow dynamics of shallow "
                      "ReLU networks for square loss and orthogonal inputs", "NeurIPS", 2022, "2206.00939",
                      "abstract; theorem bodies not consulted, the omnipotent-neuron condition is ours"),
    statement=r"L(\theta(\infty)) = 0,\ \lim_{\sigma_0\to 0}\tfrac12\|\theta_{\sigma_0}(\infty)\|^2 = "
              r"P^\star = \sqrt{S_+} + \sqrt{S_-}",
    formalization=__doc__ or "",
    model=model,
    generate=generate,
    parameters={
        "n": Param(int, 4, low=2, low_open=False, high=64, doc="samples"),
        "d": Param(int, 4, low=2, low_open=False, high=10_000, doc="dimension (>= n)"),
        "m": Param(int, 60, low=2, low_open=False, high=10_000, doc="neurons (half of each output sign)"),
        "norm_ratio": Param(float, 1.0, low=1.0, low_open=False, doc="largest ||x_i|| (smallest 1)"),
        "positive_fraction": Param(float, 0.5, low=0.0, high=1.0, doc="share of +1 labels"),
        "sigma0_max": Param(float, 1e-2, low=0.0, doc="largest init scale called small (reading)"),
        "loss": Param(str, "squared", choices=("squared",), doc="squared loss"),
        "reduction": Param(str, "sum", choices=("sum",), doc="summed over samples"),
        "sigma0": Param(float, 1e-6, low=0.0, doc="initialization scale"),
        "eta": Param(float, 0.1, low=0.0, doc="constant step (gradient-flow stand-in)"),
    },
    assumptions=(
        Assumption("orthogonal", sp.Le(rho, 0), lambda d, p: {"rho": Stat.exact(_cos_max(d.X))},
                   "max_{i != k} |cos(x_i, x_k)| = 0 (exact)"),
        Assumption("small init", sp.Le(s0, s0_max),
                   lambda d, p: {"sigma_0": Stat.exact(p["sigma0"]), "sigma_0max": Stat.exact(p["sigma0_max"])},
                   "sigma0 'small' (reading)", reading=True),
        Assumption("omnipotent neurons", sp.Ge(omni, 1), lambda d, p: {"N_omni": Stat.exact(omnipotent(d, p))},
                   "for each output sign, a neuron active at init on every sample of that sign (our "
                   "derived condition; probability 1 - (1 - 2^-n_+-)^(m/2))", reading=True),
    ),
    targets={"min_norm": lambda data, p: min_norm_interpolator_two_layer(data.X, data.y, 0.0)},
    quantities=sq.QUANTITIES | {
        "gap": Quantity(r"(\|\theta\|^2/2 - P^\star)/P^\star", gap),
        "path_gap": Quantity(r"\sum_j|a_j|\|w_j\|/P^\star - 1", path_gap),
    },
    claims=(
        Eventually("global_min", "interpolated", r"f(x_i) = y_i \text{ for all } i\ (L = 0)", show=("loss",),
                   reading=True, by_log_t=horizon_deadline()),
        Limit("min_norm", "gap", r"(\tfrac12\|\theta(\infty)\|^2 - P^\star)/P^\star \to 0 \text{ as } \sigma_0 \to 0",
              reading=True, limit=0.0, rate=("t^-a",), atol=1e-3, sweep=SWEEP),
    ),
)
