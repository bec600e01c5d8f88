"""Lyu, Li, Wang & Arora (2021): fragility of the global-margin result without symmetry.

Published (NeurIPS 2021, arXiv:2110.13905, abstract): a simple manipulation of the data
makes gradient flow converge to a classifier with suboptimal margin.  The paper's own
dataset was not consulted; this construction is ours.

Construction.  Start from the symmetric set ``{(u_+, +1), (u_-, +1), (-u_+, -1),
(-u_-, -1)}`` with ``u_pm = (cos theta, +-sin theta)`` (theta = 60 degrees), on which GD
reaches the global max margin (``lyu2021-symmetric``).  Manipulation: merge the two
negative points into their mean direction ``(-1, 0)``.  The data stay linearly separable
and the exact global max margin of two-layer networks (all activation patterns,
:func:`verify.targets.twolayer.max_margin_two_layer`) is 0.2 for ``alpha = 0.2``, reached
by two neurons (``a > 0`` at ``e_1`` with 3/4 of ``||theta||^2``, ``a < 0`` at ``-e_1``
with 1/4).  From small initialization, phase I puts every positive neuron on ``e_1``; in
phase II most of the positive group splits towards ``+-42`` degrees, the margin reaching
0.186 by ``log t = 540``.

What must hold for a counterexample, and how each is judged:

* ``global_margin`` (XFAIL only if it FAILs): the normalized margin tends to 0.2.  Its FAIL
  needs the extrapolated interval of the limit to exclude ``0.2 +- 0.002``.  The rate is
  ``(log t)^{-a}`` with ``a`` free (``LATE_PHASE``): in the late phase ``||theta||^2 ~ log t``
  and the direction moves on the clock ``tau = log log t``, on which a neuron group's share
  of ``||theta||^2`` changes like ``e^{kappa tau} = (log t)^kappa``; the ``1/log t`` series
  only describes the approach with the shares frozen, and read 0.18649 +- 0.0006 (an XFAIL)
  on a run whose shares were still moving;
* ``suboptimal_limit``: the gap ``gamma*_2 - gamma`` has a positive limit, pinned to
  ``+-0.002`` (the same rate);
* ``kkt`` (reading): the Lyu-Li (eps, delta) KKT residual with Clarke subgradients tends to 0
  (Lyu & Li 2020: every limit direction is a KKT point), the derived ``(log t)^{-1/2}`` rate
  with slower terms admitted, as in ``lyu-li2020-homogeneous``.

Measured (docs/notes/lyu2021-symmetric.md section 2): the KKT residual stays at 0.047 from
``log t = 200`` to 540 while the ``e_1`` neuron's share of ``||theta||^2`` grows (0.114 at
``log t = 9``, 0.160 at 195, 0.176 at 540) and the ``+-42`` degree groups shrink; at the KKT
multipliers of the last iterate ``sum_i lambda_i y_i phi(<u, x_i>)`` is 1.10 at ``u = e_1``
against 0.97-0.99 at the other neurons, so mass keeps flowing to the global maximizer's
direction.  The run is in transit, not at a KKT point, and the fitted late-phase limit
(0.1989, interval [0.1966, 0.2011] on the last half) contains 0.2: the construction is not
certified as a counterexample (``global_margin`` UNDECIDED, ``kkt`` FAIL at this horizon).
"""
from __future__ import annotations

import numpy as np

from theorems import _lyu2021 as ly
from verify import (Bound, Dataset, Expected, Limit, Param, Quantity, Theorem, kkt_residual,
                    kkt_scaled, normalized_margin)

GLOBAL = Expected(r"\gamma^\star_{2} \text{ (exact two-layer max margin)}",
                  lambda c: c.targets["two_layer"]["gamma"])

#: Rate of the margin's approach: ``(log t)^{-a}``, ``a`` free (the late-phase clock
#: ``log log t``, see the module docstring).
LATE_PHASE = ("log^-a t",)

#: Tolerance of the gap claim: 1% of the global value 0.2 (the ``rtol`` of ``global_margin``).
GAP_TOL = 2e-3


def global_gap(pt) -> float:
    r"""``gamma*_2 - gamma(theta)``: the exact global max margin minus the normalized margin."""
    return float(pt.targets["two_layer"]["gamma"] - normalized_margin(pt))


def merged_negatives(p, rng) -> Dataset:
    """Positives at angles ``+-theta``, the two mirrored negatives merged at ``(-1, 0)``."""
    th = np.deg2rad(p["theta"])
    X = np.array([[np.cos(th), np.sin(th)], [np.cos(th), -np.sin(th)], [-1.0, 0.0]])
    return Dataset(X, np.array([1.0, 1.0, -1.0]), "merged_negatives", {"theta": p["theta"]})


THEOREM = Theorem(
    id="lyu2021-fragile",
    title="Without symmetry GD can stop at a KKT point below the global max margin (XFAIL if certified)",
    citation=ly.citation("abstract (fragility); construction ours"),
    statement=r"\exists\ \text{separable non-symmetric } S:\ \lim_t \gamma(\theta(t)) < \gamma^\star_2",
    formalization=__doc__ or "",
    model=ly.model,
    generate=merged_negatives,
    parameters=ly.PARAMETERS | {
        "theta": Param(float, 60.0, low=0.0, high=89.0, doc="angle of the positive points (degrees)"),
        "n": Param(int, 3, low=3, low_open=False, high=3, doc="samples (fixed construction)"),
        "d": Param(int, 2, low=2, low_open=False, high=2, doc="dimension (fixed construction)"),
    },
    assumptions=(ly.SEPARABLE,),
    targets={"svm": ly.svm, "two_layer": ly.two_layer},
    quantities={
        "normalized_margin": Quantity(r"\min_i q_i/\|\theta\|^2", normalized_margin),
        "global_gap": Quantity(r"\gamma^\star_2 - \min_i q_i/\|\theta\|^2", global_gap),
        "kkt_residual": Quantity(r"\varepsilon+\delta \text{ (KKT residual of } \theta/q_{min}^{1/2})",
                                 kkt_residual),
        "kkt_scaled": Quantity(r"\sqrt{q_{min}}\,(\varepsilon+\delta)", kkt_scaled),
    },
    claims=(
        Limit("global_margin", "normalized_margin", r"\gamma(\theta(t)) \to \gamma^\star_2",
              limit=GLOBAL, rate=LATE_PHASE, rtol=1e-2),
        Limit("suboptimal_limit", "global_gap",
              r"\gamma^\star_2 - \gamma(\theta(t)) \to \Delta > 0", limit=None, positive=True,
              rate=LATE_PHASE, atol=GAP_TOL),
        Limit("kkt", "kkt_residual",
              r"\theta(t)/\|\theta(t)\| \to \text{KKT direction (residual} \to 0)", reading=True,
              limit=0.0, rate=("1/sqrt(log t)",), slower_terms=True, atol=1e-2, window=0.85,
              show=("kkt_scaled",)),
        Bound("never_above", "normalized_margin", r"\gamma(\theta(t)) \le \gamma^\star_2",
              upper=GLOBAL, rtol=1e-6),
    ),
    expected_failures={"global_margin": "Lyu et al. (2021): without symmetry GD may converge to a "
                                        "suboptimal KKT point"},
)
