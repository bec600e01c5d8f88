"""Lyu, Li, Wang & Arora (2021): on symmetric data GD finds the global max-margin network.

Published (NeurIPS 2021, arXiv:2110.13905, abstract and introduction; theorem bodies not
consulted, see shared/papers/lyu2021_chizat2020.md section 2.4): two-layer leaky-ReLU
networks trained by gradient flow from small random initialization on linearly separable
symmetric data converge to the max-margin linear classifier, which is also the globally
max-margin network, whatever the width.

Our formalization (setup in :mod:`theorems._lyu2021`):

* the normalized margin ``min_i q_i / ||theta||^2`` tends to the exact global max margin of
  two-layer networks, computed by the convex program over all activation patterns
  (:func:`verify.targets.twolayer.max_margin_two_layer`, certified), which on symmetric
  data equals the closed form ``(1 + alpha) gamma_lin / 4`` (a test checks it);
* it never exceeds that value (a hard check of the target and the engine);
* the limit is linear: the effective linear part ``sum_k a_k w_k`` aligns with the SVM
  direction (cosine -> 1).
The probability over the initialization: with i.i.d. symmetric init, all neurons land in
the same group with probability ``2^{1-m}`` (then the limit is a non-global KKT point of
margin ``alpha gamma_lin / 2``); the fraction of failing seeds is reported by the
``seed_fraction`` sweep of :mod:`theorems.lyu2021_simplicity`.  Gradient flow is checked
with small-step GD (the ``lyu-li`` loss-dependent step); ``step_check`` reruns at half step.
"""
from __future__ import annotations

from theorems import _lyu2021 as ly
from verify.claims import Bound, Expected, Limit
from verify.quantities import normalized_margin
from verify.theorem import Quantity, Theorem

GLOBAL = Expected(r"\gamma^\star_{2} \text{ (exact two-layer max margin)}", lambda c: c.targets["two_layer"]["gamma"])

THEOREM = Theorem(
    id="lyu2021-symmetric",
    title="Symmetric separable data: two-layer leaky-ReLU GD reaches the global max margin",
    citation=ly.citation("abstract; theorem bodies not consulted, constants derived here"),
    statement=r"\frac{\min_i q_i(\theta(t))}{\|\theta(t)\|^2} \to \gamma^\star_2 = \frac{1+\alpha}{4}\gamma_{lin},\ "
              r"\frac{f_{\theta(t)}}{\|\theta(t)\|^2} \to \frac{1+\alpha}{4}\langle w^*, \cdot\rangle",
    formalization=__doc__ or "",
    model=ly.model,
    generate=ly.symmetric_data,
    parameters=ly.PARAMETERS,
    assumptions=(ly.SEPARABLE, ly.SYMMETRIC),
    targets={"svm": ly.svm, "two_layer": ly.two_layer},
    quantities={
        "normalized_margin": Quantity(r"\min_i q_i/\|\theta\|^2", normalized_margin),
        "linear_cosine": Quantity(r"\cos(\textstyle\sum_k a_k w_k, \hat w)", ly.linear_cosine),
    },
    claims=(
        Limit("global_margin", "normalized_margin", r"\gamma(\theta(t)) \to \gamma^\star_2",
              limit=GLOBAL, rate=("1/log t", "1/log^2 t"), rtol=1e-2),
        Bound("never_above", "normalized_margin", r"\gamma(\theta(t)) \le \gamma^\star_2",
              upper=GLOBAL, rtol=1e-6),
        Limit("linear_limit", "linear_cosine", r"\cos(\textstyle\sum_k a_k w_k, \hat w) \to 1",
              reading=True, limit=1.0, rate=("1/log t", "1/log^2 t"), atol=1e-2),
    ),
    tags=frozenset({"two-layer", "homogeneous", "symmetric", "margin-loss"}),
)
