"""Kou, Chen & Gu (2023): GD on nearly-orthogonal data, ReLU: bounded stable rank, equal margins.

Published (NeurIPS 2023, arXiv:2310.18935, abstract; theorem bodies not consulted): for
two-layer ReLU networks trained by GD on nearly-orthogonal data, the stable rank stays
below a constant, and all training points have the same normalized margin asymptotically.

Our formalization (model and conditions: :mod:`theorems._nearly_orthogonal`): a ReLU
neuron that is inactive on a sample after the first step stays so (its update on that
sample is 0), so neurons keep different activation sets and ``W`` does not become rank 1.
The constant is not known to us: ``srank_bound`` is a parameter (reading), the run's
largest stable rank is the claim's evidence (the observed ``K``); the stacked and
per-block stable ranks are reported (they settle only like ``1/log t``, too slowly to
extrapolate a limit).  Equal margins and the loss rate are decided as in
:mod:`theorems.kou2023_leaky` (spread and growth of the margins, ``t L(t)``).
"""
from __future__ import annotations

from theorems import _nearly_orthogonal as no
from verify import Bound, Expected, Param, Theorem

K = Expected("K (srank_bound)", lambda c: c.params["srank_bound"])

THEOREM = Theorem(
    id="kou2023-relu",
    title="ReLU GD on nearly-orthogonal data: stable rank bounded by a constant and equal normalized margins",
    citation=no.KOU,
    statement=r"\sup_t \mathrm{srank}(W(t)) \le K,\ \max_i q_i/\min_i q_i \to 1,\ L(W(t)) \to 0",
    formalization=__doc__ or "",
    model=no.model,
    generate=no.generate,
    parameters=no.PARAMETERS | {
        "alpha": Param(float, 0.0, low=0.0, low_open=False, high=0.0, doc="ReLU (slope 0)"),
        "srank_bound": Param(float, 4.0, low=1.0, low_open=False, doc="the constant K (reading)"),
    },
    assumptions=no.ASSUMPTIONS,
    quantities=no.QUANTITIES,
    claims=(
        Bound("stable_rank_bounded", "srank_stacked", r"\mathrm{srank}(W(t)) \le K\ \forall t", reading=True,
              upper=K, show=("srank_blocks",)),
        *no.MARGIN_CLAIMS,
    ),
)
