"""Kou, Chen & Gu (2023): GD on nearly-orthogonal data, leaky ReLU: stable rank -> 1, equal margins.

Published (NeurIPS 2023, arXiv:2310.18935, abstract; theorem bodies not consulted, see
docs/papers/kou2023_lai2026.md section 2): for two-layer leaky-ReLU networks trained by
GD on nearly-orthogonal data, the stable rank of the network converges to 1, and all
training points have the same normalized margin asymptotically.

Our formalization (model and conditions: :mod:`theorems._nearly_orthogonal`):

* **Which matrix.**  Our derivation: once the activation pattern freezes, every neuron
  of a block receives the same update, so each block is ``1 v_+(t)^T`` (``1 v_-(t)^T``)
  plus a bounded offset, with ``v_+ = P - alpha N`` and ``v_- = N - alpha P``
  (``P``, ``N`` weighted sums of the positive / negative inputs).  The stacked ``2m x d``
  matrix therefore tends to rank 2, not 1 (on orthogonal balanced data its stable rank
  tends to ``2(1+alpha^2)/(1+alpha)^2``); the claim is read per block,
  ``max_pm srank(W_pm) -> 1`` at rate ``1/log^2 t`` (offset over a norm growing like
  ``log t``).  The stacked stable rank is reported beside it.
* **Equal margins.**  ``max q / min q -> 1`` is too slow to extrapolate (``1/log t``); it
  is decided through its exact decomposition ``ratio = 1 + spread / q_min``: the spread
  ``max q - min q`` converges to a finite limit and ``q_min - log t`` converges, both at a
  fast ``t^-a`` rate (the constants are our derivation, as for Soudry et al. 2018).
* **Loss.**  ``L = Theta(1/t)``: ``t L(t)`` converges to a finite positive limit.
"""
from __future__ import annotations

from theorems import _nearly_orthogonal as no
from verify import Limit, Param, Theorem

THEOREM = Theorem(
    id="kou2023-leaky",
    title="Leaky-ReLU GD on nearly-orthogonal data: stable rank -> 1 and equal normalized margins",
    citation=no.KOU,
    statement=r"\mathrm{srank}(W(t)) \to 1,\ \max_i q_i/\min_i q_i \to 1,\ L(W(t)) = \Theta(1/t)",
    formalization=__doc__ or "",
    model=no.model,
    generate=no.generate,
    parameters=no.PARAMETERS | {
        "alpha": Param(float, 0.2, low=0.0, high=0.999, doc="leaky slope (> 0)"),
    },
    assumptions=no.ASSUMPTIONS,
    quantities=no.QUANTITIES,
    claims=(
        Limit("stable_rank", "srank_blocks", r"\max_\pm\mathrm{srank}(W_\pm(t)) \to 1", reading=True,
              limit=1.0, rate=("1/log^2 t",), atol=1e-2, show=("srank_stacked",)),
        *no.MARGIN_CLAIMS,
    ),
)
