"""Frei, Vardi, Bartlett, Srebro & Hu (2023): leaky-ReLU nets on nearly-orthogonal data.

Published (ICLR 2023, arXiv:2210.07082, abstract): for two-layer leaky-ReLU networks
(first layer trained, outer layer fixed) on nearly-orthogonal data, gradient flow
produces a network of rank at most two, which is a KKT point of the parameter-space
max-margin problem and has a linear decision boundary; gradient descent from a small
random initialization has small stable rank after one step and keeps it small.

Our formalization (model and conditions: :mod:`theorems._nearly_orthogonal`, Kou's
``+-1/m`` blocks instead of random ``+-1/sqrt m`` outer weights; the constant of the
stable-rank bound is a parameter, ``srank_bound``, reading):

* ``srank(W(t)) <= srank_bound`` at every checkpoint from the first step on (the
  initialization itself has ``srank ~ min(2m, d)``);
* rank at most two: the share of ``||W||_F^2`` beyond two singular values tends to 0;
* KKT: the (eps, delta) KKT residual of the rescaled iterate
  (:func:`verify.problem.quantities.kkt_target`, Clarke subgradients, 1-homogeneous in ``W``)
  tends to 0.  The bounded initialization offset and the pre-freeze differences of the
  rows keep a fixed norm while ``||W||`` grows like ``q_min``, so the residual decays like
  ``1/q_min`` (our derivation, measured: ``q_min (eps + delta)`` is flat to 3 digits from
  ``log t = 7`` on the quick case); the claim is that this product converges, which with
  ``q_min -> infinity`` (margin_growth of the Kou modules) gives residual -> 0;
* linear boundary: with ``z = sum_i lambda_i y_i x_i`` from the KKT multipliers,
  ``sign f(x) = sign <z, x>`` on 200 held-out Gaussian inputs, eventually for all
  later checkpoints.
"""
from __future__ import annotations

import numpy as np

from theorems import _nearly_orthogonal as no
from verify import (Bound, Citation, DataSpec, Eventually, Expected, Limit, Param, Quantity,
                    Theorem, horizon_deadline, kkt_residual, kkt_scaled, kkt_target)

B = Expected("srank_bound", lambda c: c.params["srank_bound"])


def boundary_agrees(pt) -> float:
    """1 if ``sign f(x) = sign <z, x>`` on every held-out input, else 0."""
    lam = np.asarray(kkt_target(pt)["lambda"])
    z = (lam * pt.data.y) @ pt.data.X
    X_test = pt.data.meta["X_test"]
    f = np.asarray(pt.model.forward(pt.params, X_test), dtype=float)
    return float(np.all(np.sign(f) == np.sign(X_test @ z)))


THEOREM = Theorem(
    id="frei2022-leaky",
    title="Leaky-ReLU nets on nearly-orthogonal data: low rank, KKT point, linear decision boundary",
    citation=Citation("S. Frei, G. Vardi, P. L. Bartlett, N. Srebro, W. Hu",
                      "Implicit bias in leaky ReLU networks trained on high-dimensional data", "ICLR", 2023,
                      "2210.07082", "abstract; theorem bodies not consulted, constants are parameters"),
    statement=r"\mathrm{srank}(W(t)) \le C\ (t \ge 1),\ \mathrm{rank}\,W_\infty \le 2,\ "
              r"W_\infty \text{ KKT},\ \mathrm{sign} f(x) = \mathrm{sign}\langle z, x\rangle",
    formalization=__doc__ or "",
    model=no.model,
    generate=no.generate,
    parameters=no.PARAMETERS | {
        "alpha": Param(float, 0.2, low=0.0, high=0.999, doc="leaky slope (> 0)"),
        "srank_bound": Param(float, 2.0, low=1.0, low_open=False, doc="stable-rank constant (reading)"),
    },
    assumptions=no.ASSUMPTIONS,
    data_spec=DataSpec(meta=("X_test",)),  # the boundary is compared on generated test inputs
    quantities=no.QUANTITIES | {
        "kkt_residual": Quantity(r"\varepsilon+\delta \text{ (KKT residual of } W/q_{min})", kkt_residual),
        "kkt_scaled": Quantity(r"q_{min}\,(\varepsilon+\delta)", kkt_scaled),
        "boundary_agrees": Quantity(r"1[\mathrm{sign} f = \mathrm{sign}\langle z,\cdot\rangle \text{ on test}]",
                                    boundary_agrees),
    },
    claims=(
        Bound("low_rank", "srank_stacked", r"\mathrm{srank}(W(t)) \le C \text{ from the first step on}",
              reading=True, upper=B),
        Limit("rank_two", "rank2_tail", r"\sum_{j>2}\sigma_j^2(W)/\|W\|_F^2 \to 0", limit=0.0,
              rate=("1/log^2 t",), atol=1e-2),
        Limit("kkt", "kkt_scaled", r"\varepsilon+\delta = O(1/q_{min}) \to 0:\ "
              r"q_{min}(\varepsilon+\delta) \to c < \infty", reading=True,
              limit=None, rate=("t^-a",), rtol=2e-2, window=0.3, show=("kkt_residual",)),
        Limit("margin_growth", "margin_growth", r"\min_i q_i - \log t \to c\ (q_{min} \to \infty)",
              reading=True, limit=None, rate=("t^-a",), atol=1e-2, window=0.3),
        Eventually("linear_boundary", "boundary_agrees",
                   r"\mathrm{sign} f(W(t); x) = \mathrm{sign}\langle z, x\rangle,\ z = \textstyle\sum_i \lambda_i y_i x_i",
                   reading=True, by_log_t=horizon_deadline()),
    ),
)
