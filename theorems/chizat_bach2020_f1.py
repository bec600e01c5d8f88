r"""Chizat & Bach (2020): wide two-layer ReLU networks, both layers trained, tend to the F1 max margin.

Published (COLT 2020, arXiv:2002.04486, abstract; theorem bodies not consulted, see
shared/papers/lyu2021_chizat2020.md section 3): for infinitely wide two-layer networks with
homogeneous activation trained by gradient flow on the logistic loss, the limit is a max-margin
classifier for the variation norm (F1); with hidden low-dimensional structure this margin does
not depend on the ambient dimension, and the authors' experiments confirm a statistical benefit
over training the output layer only.

Our formalization (setup, data and normalizations in :mod:`theorems._chizat_bach`): the
mean-field network :math:`h = \frac1m\sum_jb_j(\langle a_j,(x,1)\rangle)_+` with both layers
trained (balanced sphere init), logistic loss, gradient flow checked with small-step GD (the
``lyu-li`` loss-dependent step; ``step_check`` reruns at half step).  Targets: the F1 max margin
:math:`\gamma_1 = 1/P^\star` from the convex program over all activation patterns (exact at
``d = 3``), cross-checked by the dictionary LP (:mod:`verify.targets.dictionary`): the expected
value is withheld unless the LP's certified sandwich contains it.  Claims:

* ``never_above``: :math:`\gamma_{F1}(\theta(t)) \le \gamma_1` at every checkpoint, against the
  program's own certified upper bound (a violation means the target or the engine is wrong);
* ``margin_increases``: the smoothed F1 margin :math:`2\ell^{-1}(L)/\|\theta\|^2` (Lyu & Li's
  smoothed margin; :math:`\|\theta\|^2/2` is the path norm under gradient flow from a balanced
  init) is non-decreasing once every sample is classified;
* ``approaches_max``: :math:`\gamma_{F1}(\theta(t))/\gamma_1 \to 1` as :math:`t \to \infty`, within
  ``ratio_tol`` (reading), fitted as :math:`1 - c(\log t)^{-a}` (no rate is published: the
  analysis is non-quantitative in time);
* ``width``: margin vs :math:`m` (the authors' figure), fixed data, fresh inits: at a fixed
  horizon the ratio no longer depends on :math:`m` in the swept range (exponent 0 within
  ``width_atol``; reading: the mean-field limit is reached, so the trajectory of
  ``approaches_max`` is that of the infinite-width dynamics the theorem is about);
* ``adaptivity``: test error against the ambient dimension :math:`d` (spurious coordinates),
  fresh data per seed: the infinite-width output-layer limit (the arc-cosine kernel max-margin
  classifier, certified QP) is never better than the trained two-layer network by more than
  ``error_slack`` (reading: 3 standard errors of a difference of test errors at 10% on 4000
  points), and the gap grows with :math:`d` (reported; the figure).
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from theorems import _chizat_bach as cb
from verify.assumptions import Assumption
from verify.claims import Bound, Expected, Limit, Monotone, Scaling
from verify.errors import TargetFailed
from verify.params import Param
from verify.quantities import smoothed_margin
from verify.sweep import Sweep
from verify.theorem import Citation, Quantity, Theorem


def gamma1(c) -> float:
    r""":math:`\gamma_1 = 2\gamma^\star`, withheld unless the dictionary LP sandwich contains it."""
    g = 2.0 * float(c.targets["f1"]["gamma"])
    lp = c.targets["dictionary"]
    if lp.ok and not (lp["gamma"] <= g * (1 + 1e-7) and g <= lp["gamma_upper"] * (1 + 1e-7)):
        raise TargetFailed(f"pattern program gamma_1 = {g:.9g} outside the dictionary LP's "
                           f"certified [{lp['gamma']:.9g}, {lp['gamma_upper']:.9g}]")
    return g


def f1_ratio(pt) -> float:
    r""":math:`\gamma_{F1}(\theta)/\gamma_1`."""
    return cb.f1_margin(pt) / (2.0 * float(pt.targets["f1"]["gamma"]))


def smoothed_f1(s, pt) -> np.ndarray:
    r"""Per step :math:`2\ell^{-1}(L)/\|\theta\|^2` (F1-normalized when balanced)."""
    return 2.0 * smoothed_margin(s, pt.loss, pt.data.n, pt.model.homogeneity)


def kernel_excess(pt) -> float:
    """Test error of the arc-cosine kernel max-margin classifier minus the network's."""
    svm = cb.arccos_svm(pt.data, pt.case)
    f = cb.kernel_predict(svm, pt.data.X, pt.data.y, pt.data.meta["X_test"])
    return float(np.mean(pt.data.meta["y_test"] * f <= 0)) - cb.test_error(pt)


GAMMA1 = Expected(r"\gamma_1 \text{ (exact F1 max margin)}", gamma1)
GAMMA1_UP = Expected(r"\gamma_1^{up} \text{ (certified upper bound)}",
                     lambda c: 1.0 / float(c.targets["f1"]["dual_bound"]))
ONSET = Expected(r"t_0:\ L(\theta(t_0)) < \ell(0)", lambda c: c.values["zero_margin_log_t"])
WIDTH = Sweep("m", (16, 32, 64, 128, 256), seeds=2, x_label="m (width)", overrides={"data_seed": 7})
DIMENSION = Sweep("d", (3, 5, 10, 15, 20, 25), seeds=3, x_label="d (ambient, incl. bias)",
                  overrides={"exact_targets": False, "n": 128, "m": 64, "steps": 10_000,
                             "step_check": False})

THEOREM = Theorem(
    id="chizat-bach2020-f1",
    title="Wide two-layer ReLU networks (both layers trained) tend to the F1 max-margin classifier",
    citation=Citation(*cb.CITATION_ARGS, "abstract; theorem bodies not consulted, our reading"),
    statement=r"\frac{\min_i y_ih_m(x_i)}{\|h_m\|_{\mathcal F_1}} \xrightarrow[m\to\infty,\ t\to\infty]{}"
              r"\gamma_1 = \max_{\|f\|_{\mathcal F_1}\le1}\min_iy_if(x_i)",
    formalization=__doc__ or "",
    model=lambda p: cb.MeanField(m=p["m"], alpha=0.0, train_outer=True, init_kind=p["init"]),
    generate=cb.cluster_data,
    parameters=cb.PARAMETERS | {
        "init": Param(str, "sphere", choices=("sphere", "gaussian"), doc="balanced sphere or Gaussian"),
        "sigma0": Param(float, 1.0, low=0.0, doc="mean-field init scale of each theta_j"),
        "step_rule": Param(str, "lyu-li", choices=("constant", "normalized", "lyu-li"), doc="step rule"),
        "dictionary_side": Param(int, 33, low=2, low_open=False, high=400, doc="dictionary grid per axis"),
        "ratio_tol": Param(float, 0.05, low=0.0, doc="|limit ratio - 1| allowed (reading)"),
        "width_atol": Param(float, 0.05, low=0.0, doc="|exponent| of ratio vs m allowed (reading)"),
        "error_slack": Param(float, 0.02, low=0.0, low_open=False, doc="test-error noise allowance"),
    },
    assumptions=(
        cb.CONSISTENT,
        Assumption("2-homogeneous", sp.Eq(sp.Symbol("L"), 2), lambda d, p: {"L": 2},
                   "ReLU, both layers trained, bias through the constant coordinate", structural=True),
    ),
    targets={"f1": cb.f1_exact, "dictionary": cb.f1_dictionary},
    quantities={
        "f1_margin": Quantity(r"\gamma_{F1} = \min_iq_i/\textstyle\sum_k|b_k|\|a_k\|", cb.f1_margin),
        "f1_ratio": Quantity(r"\gamma_{F1}/\gamma_1", f1_ratio),
        "smoothed_f1": Quantity(r"2\ell^{-1}(L)/\|\theta\|^2", smoothed_f1, per_step=True),
        "test_error": Quantity(r"\mathrm{err}_{test}(h_m)", cb.test_error),
        "kernel_excess": Quantity(r"\mathrm{err}_{test}(\text{arc-cos SVM}) - \mathrm{err}_{test}(h_m)",
                                  kernel_excess),
    },
    claims=(
        Bound("never_above", "f1_margin", r"\gamma_{F1}(\theta(t)) \le \gamma_1", upper=GAMMA1_UP,
              rtol=1e-9, show=("f1_ratio",)),
        Monotone("margin_increases", "smoothed_f1",
                 r"t \ge t_0 \Rightarrow 2\ell^{-1}(L)/\|\theta\|^2 \text{ non-decreasing}", after_log_t=ONSET),
        Limit("approaches_max", "f1_ratio", r"\gamma_{F1}(\theta(t))/\gamma_1 \to 1", reading=True,
              limit=1.0, rate=("log^-a t",), atol=0.05),
        Scaling("width", "f1_ratio", r"\gamma_{F1}(\theta(T))/\gamma_1 = \Theta(m^0) \text{ (mean-field limit)}",
                reading=True, parameter="m", exponent=0.0, atol=0.05, sweep=WIDTH),
        Bound("adaptivity", "kernel_excess",
              r"\mathrm{err}(\text{kernel}) - \mathrm{err}(h_m) \ge -\epsilon \text{ at every } d",
              reading=True, lower=Expected(r"-\epsilon", lambda c: -c.params["error_slack"]),
              sweep=DIMENSION),
    ),
    tags=frozenset({"two-layer", "homogeneous", "mean-field", "margin-loss", "bias"}),
)
