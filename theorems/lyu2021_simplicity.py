"""Lyu, Li, Wang & Arora (2021): simplicity bias, the early phase of GD from small init.

Published (NeurIPS 2021, arXiv:2110.13905, abstract; theorem bodies not consulted): early
in training from small initialization the two-layer leaky-ReLU network is close to a
simple (linear) one.

Our formalization (derived in docs/papers/lyu2021_chizat2020.md section 2.5 and
:mod:`theorems._lyu2021`): on symmetric data, near ``theta = 0`` the dynamics are those of
a two-layer linear network: ``p_k + a_k`` (``p_k = <w_k, mu_hat>``) grows like
``e^{lambda t}`` with ``lambda = (1 + alpha)||mu||/4`` (mean logistic loss), the rest stays
at the initialization scale.  Phase I ends when the outputs reach O(1), at
``T_1 = ln(1/sigma0)/lambda + O(1)``; we mark it by the loss first falling below half of
``l(0)``.  Claims, each over a sweep of ``sigma0`` with several seeds (gradient flow, checked
with small constant-step GD):

* ``exp(lambda T_1)`` scales like ``sigma0^{-1}`` (exponent 1 exactly iff the phase lasts
  ``ln(1/sigma0)/lambda`` up to O(1), with the derived ``lambda``);
* every neuron aligns with ``+-mu``: measured when the loss has fallen by 1% (outputs
  ~0.1, still the linear regime; by the time it halves, neurons already rotate towards
  the max-margin direction), the contribution-weighted ``1 - |cos(w_k, mu)|`` is at most
  ``align_tol`` (1e-3, reading) for every ``sigma0`` of the sweep: the network is rank one
  with a hyperplane decision boundary, the "simple" network.  (A ``sigma0^2`` law, our
  first derivation from frozen O(sigma0) components, does not hold: the measured values
  fall from 2e-4 to a floor near 1e-7 set by the O(q) rotation of the gradient at that
  loss level, independent of ``sigma0``.)
"""
from __future__ import annotations

import math

import numpy as np

from theorems import _lyu2021 as ly
from verify import Bound, Expected, Param, Quantity, Scaling, Sweep, Theorem

PHASE_END = math.log(2.0) / 2.0  # the loss at which phase I is declared over (mean loss)
ALIGNED = 0.99 * math.log(2.0)  # still linear regime (outputs ~ 0.1): alignment is measured here
SIGMAS = (1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8)
SWEEP = Sweep("sigma0", SIGMAS, seeds=4, x=lambda p: 1.0 / p["sigma0"], x_label="1/sigma0",
              overrides={"stop_loss": PHASE_END})
ALIGN = Sweep("sigma0", SIGMAS, seeds=2, x_label="sigma0", overrides={"stop_loss": ALIGNED})


ALIGN_TOL = Expected(r"\delta", lambda c: c.params["align_tol"])


def phase_growth(scalars, pt) -> np.ndarray:
    """``exp(lambda T_1)`` with the derived phase-I rate ``lambda``."""
    return np.exp(ly.growth_rate(pt.data, pt.case) * ly.phase_time(scalars, pt))


THEOREM = Theorem(
    id="lyu2021-simplicity",
    title="Small init: phase I lasts ln(1/sigma0)/lambda and ends with every neuron aligned to +-mu",
    citation=ly.citation("abstract; phase constants derived here"),
    statement=r"T_1 = \frac{\ln(1/\sigma_0)}{\lambda} + O(1),\ \lambda = \frac{(1+\alpha)\|\mu\|}{4};\ "
              r"w_k \parallel \pm\mu \text{ before } T_1",
    formalization=__doc__ or "",
    model=ly.model,
    generate=ly.symmetric_data,
    parameters=ly.PARAMETERS | {
        "step_rule": Param(str, "constant", choices=("constant",), doc="gradient-flow steps"),
        "align_tol": Param(float, 1e-3, low=0.0, doc="largest 1 - |cos(w_k, mu)| called aligned (reading)"),
    },
    assumptions=(ly.SEPARABLE, ly.SYMMETRIC),
    targets={},
    quantities={
        "phase_growth": Quantity(r"e^{\lambda T_1}", phase_growth, per_step=True),
        "alignment": Quantity(r"\sum_k|a_k|\|w_k\|(1-|\cos(w_k,\mu)|)/\sum_k|a_k|\|w_k\|", ly.alignment),
    },
    claims=(
        Scaling("phase_time", "phase_growth", r"e^{\lambda T_1} = \Theta(\sigma_0^{-1})", reading=True,
                parameter="1/sigma0", exponent=1.0, atol=0.05, sweep=SWEEP),
        Bound("aligned", "alignment", r"1-|\cos(w_k,\mu)| \le \delta \text{ in phase I, every } \sigma_0",
              reading=True, upper=ALIGN_TOL, sweep=ALIGN),
    ),
)
