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
by two neurons.  From small initialization, phase I puts every positive neuron on the
maximizer ``e_1`` of ``G(w) = (1/n) sum_i y_i phi(<w, x_i>)``; in phase II the positive
group splits towards ``+-42`` degrees and GD settles at a KKT point of the max-margin
problem with a smaller margin (measured 0.182-0.196 across initializations after 4e5
steps).  The claim "the normalized margin tends to the global max margin" is therefore an
expected failure (XFAIL); its reason carries the certified gap to the exact target.
"""
from __future__ import annotations

import numpy as np

from theorems import _lyu2021 as ly
from verify import Bound, Dataset, Expected, Limit, Param, Quantity, Theorem, normalized_margin

GLOBAL = Expected(r"\gamma^\star_{2} \text{ (exact two-layer max margin)}", lambda c: c.targets["two_layer"]["gamma"])


def merged_negatives(p, rng) -> Dataset:
    """Positives at angles ``+-theta``, the two mirrored negatives merged at ``(-1, 0)``."""
    th = np.deg2rad(p["theta"])
    X = np.array([[np.cos(th), np.sin(th)], [np.cos(th), -np.sin(th)], [-1.0, 0.0]])
    return Dataset(X, np.array([1.0, 1.0, -1.0]), "merged_negatives", {"theta": p["theta"]})


THEOREM = Theorem(
    id="lyu2021-fragile",
    title="Without symmetry GD can stop at a KKT point below the global max margin (XFAIL)",
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
    quantities={"normalized_margin": Quantity(r"\min_i q_i/\|\theta\|^2", normalized_margin)},
    claims=(
        Limit("global_margin", "normalized_margin", r"\gamma(\theta(t)) \to \gamma^\star_2",
              limit=GLOBAL, rate=("1/log t", "1/log^2 t"), rtol=1e-2),
        Bound("never_above", "normalized_margin", r"\gamma(\theta(t)) \le \gamma^\star_2",
              upper=GLOBAL, rtol=1e-6),
    ),
    expected_failures={"global_margin": "Lyu et al. (2021): without symmetry GD may converge to a "
                                        "suboptimal KKT point"},
)
