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
value is withheld unless the LP's certified sandwich contains it; and the hard-margin SVM of
the arc-cosine kernel (``kernel``, the infinite-width output-layer limit) whose test error the
network is compared with.  Claims:

* ``never_above``: :math:`\gamma_{F1}(\theta(t)) \le \gamma_1` at every checkpoint, against the
  program's own certified upper bound (a violation means the target or the engine is wrong);
* ``margin_increases``: the smoothed F1 margin :math:`2\ell^{-1}(L)/\|\theta\|^2` (Lyu & Li's
  smoothed margin; :math:`\|\theta\|^2/2` is the path norm under gradient flow from a balanced
  init) is non-decreasing once every sample is classified;
* ``approaches_max``: the theorem gives no rate ("non-quantitative in running time") and takes
  :math:`m \to \infty` before :math:`t \to \infty`, so a finite run cannot refute convergence;
  read as "eventually :math:`\gamma_{F1}/\gamma_1 \ge 1 - \delta`" (:math:`\delta` =
  ``ratio_tol`` = 0.05, reading), judged by :class:`~verify.claims.Eventually` (PASS when it
  holds over the last quarter of the log-time range, else UNDECIDED, never FAIL).  At finite
  width gradient flow may stop at a non-global KKT point (Lyu & Li 2020); on about a third of
  the authors' datasets (``n = 40``) the ratio is still near 0.85-0.93 at ``log t`` of
  hundreds to thousands, rising slowly with the width (measured off-suite with the authors'
  step :math:`\eta/\sqrt{k}` on the log-loss: 0.85, 0.91, 0.93 at ``m`` = 64, 256, 1024 and
  ``log t`` about 2000), with the dual certificate of the F1 program 40% above the margin:
  the theorem's order of limits, not a counterexample.  The profile's ``data_seed = 0`` is not
  an outlier but is on the favourable side: the default profile (``log t`` 39-69 after 30000
  steps) on ``data_seed`` 0..7 ends at ratios 0.990, 0.978, 0.855, 0.891, 0.995, 0.970,
  0.908, 0.954 (PASS on 0, 1, 4, 5; UNDECIDED on 2, 3, 6 and on 7, which crosses 0.95 only
  at the end);
* ``width`` (the authors' "margin vs m"; same data, fresh inits, horizon ``log t = 40``): for
  every large enough width the ratio at the horizon is :math:`\ge 1 - \delta` (Eventually over
  the sweep), and ``margin_vs_width`` draws the ratio against :math:`m` and checks it is
  :math:`\le 1` at every width;
* the authors' "test error vs d" (their Exp. 2 protocol: ``n = 256``, Gaussian :math:`N(0,1)`
  init, ``d`` = 5..25, ten fresh datasets per ``d``; ``m = 40`` for their 1000, horizon
  ``log t = 25``), against the infinite-width output-layer limit (the arc-cosine kernel
  max-margin classifier, a certified QP, the limit verified in
  :mod:`theorems.chizat_bach2020_kernel`), as our notes formalize the expected shape (T-C6:
  the network's error is below the kernel's and degrades less with ``d``), in three claims:

  - ``adaptivity``: on every dataset the kernel is never better than the network by more
    than ``error_slack`` (reading: 0.02, three standard errors of a difference of two test
    errors near 10% on 4000 points);
  - ``kernel_degrades``: the kernel's test error increases with ``d``;
  - ``gap_widens``: the kernel's excess error over the network increases with ``d`` (the
    network degrades less);

  the last two by :class:`~verify.claims.Trend` (Kendall's :math:`\tau_b` over the 50 runs,
  one-sided, level 0.05; the ten seeds per ``d`` were fixed by the time budget before the
  verdicts were seen: three seeds gave :math:`\tau_b = 0.17`, :math:`p = 0.21` for
  ``gap_widens``).  The figure of ``kernel_degrades`` draws both test errors per run with
  their medians.  Measured (default profile): kernel medians 0.007, 0.136, 0.188, 0.241,
  0.370 (:math:`\tau_b = 0.60`, :math:`p = 7\cdot10^{-9}`); excess medians 0.004, 0.114,
  0.108, 0.118, 0.055 (:math:`\tau_b = 0.19`, :math:`p = 0.040`): the gap opens between
  ``d = 5`` and 10, stays flat to 20 and narrows at 25, where both errors approach chance,
  so this PASS rests on the small-``d`` end and is the weakest verdict of the theorem.  Case
  seeds 1 and 2 (fifty other datasets each) give ``gap_widens`` :math:`\tau_b` = 0.26 and
  0.50 (:math:`p` = 0.0066 and :math:`9\cdot10^{-7}`) and ``kernel_degrades`` 0.50 and 0.63.

  "Two-layer error flat in ``d``" is **not** claimed, because it is false at ``n = 256``: the
  network's own error rises with ``d`` (same runs: medians 0.002, 0.020, 0.054, 0.108,
  0.304; :math:`\tau_b = 0.65`, :math:`p = 4\cdot10^{-10}`; range 0.018-0.468 at
  ``d = 25``), and so do the authors' own networks.  Nor is the margin form of adaptivity
  (our notes' T-C5: the F1 margin constant in ``d``, the kernel's decreasing) claimed: on a
  sample of 256 the spurious coordinates make the sample easier to separate, and both max
  margins grow with ``d`` (same 50 datasets, medians per ``d``: arc-cosine kernel SVM margin
  0.0080, 0.0094, 0.0147, 0.0206, 0.0217; the trained networks' F1 margins, lower bounds on
  :math:`\gamma_1(d)`, 0.016, 0.019, 0.026, 0.032, 0.026), so the theorem's statement about
  the hidden-structure classifier is not isolated by a finite sample's max margin.  Measured off-suite (their ``twonet``:
  ``m = 1000``, step :math:`0.5/\sqrt{k+1}` on the soft-min, 50000 steps; three datasets per
  ``d``, test error on 4000 points), for
  ``d`` = 5, 10, 15, 20, 25: both layers 0.002-0.004, 0.000-0.021, 0.012-0.106,
  0.015-0.092, 0.331-0.382; the kernel limit 0.003-0.012, 0.04-0.30, 0.11-0.39, 0.22-0.29,
  0.39-0.44.  This suite's gradient-flow runs (``log t = 25``) reproduce these numbers on the
  same datasets (within 0.05 at ``m = 128``, 0.065 at ``m = 40``; ``m = 40`` and 128 agree
  within 0.04 on ten datasets) and barely move by ``log t = 75`` (within 0.025),
  so the jump at ``d = 25`` is no finite-time effect; the authors' runs go further still
  (final :math:`\log L` from -53 to :math:`-4\cdot 10^6`: their log-loss step :math:`\eta` is
  a step :math:`\eta/L` on the loss).  Another ten datasets (``m = 128``, ``data_seed``
  0..9) gave network medians 0.002, 0.010, 0.018, 0.048, 0.045 against 0.005, 0.12, 0.13,
  0.23, 0.27 (kernel), with three of ten networks at 0.34-0.38 at ``d = 25``: how many
  datasets are hard at ``d = 25`` varies with the random cluster labelling (seven of the
  profile's ten are above 0.25).  On those three datasets every F1 max-margin classifier puts weight on
  the spurious coordinates: the trained networks' F1 margins (0.025-0.031, both codes) exceed
  the certified upper bounds (0.0227, 0.0235, 0.0232: dictionary LP, 161 points per face) on
  the F1 max margin of the informative coordinates alone, so at ``n = 256`` the max margin
  grows with ``d`` instead of being set by the hidden structure, and the error need not stay
  flat.  The authors' output-layer curve (50000 steps) is early-stopped, not the kernel SVM:
  training error up to 0.21, test error 0.01-0.44.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from theorems import _chizat_bach as cb
from verify.spec.assumptions import Assumption
from verify.claims import Bound, Eventually, Expected, Monotone, Trend
from verify.errors import TargetFailed
from verify.spec.params import Param
from verify.problem.quantities import smoothed_margin
from verify.spec.sweep import Sweep
from verify.spec.theorem import Citation, Quantity, Theorem


def gamma1(c) -> float:
    r""":math:`\gamma_1 = 2\gamma^\star`, withheld unless the dictionary LP sandwich contains it."""
    g = 2.0 * float(c.targets["f1"]["gamma"])
    lp = c.targets["dictionary"]
    if lp.ok and not (lp["gamma"] <= g * (1 + 1e-7) and g <= lp["gamma_upper"] * (1 + 1e-7)):
        raise TargetFailed(f"pattern program gamma_1 = {g:.9g} outside the dictionary LP's "
                           f"certified [{lp['gamma']:.9g}, {lp['gamma_upper']:.9g}]")
    return g


def f1_ratio(pt) -> float:
    r""":math:`\gamma_{F1}(\theta)/\gamma_1` (:func:`gamma1`: cross-checked by the LP)."""
    return cb.f1_margin(pt) / gamma1(pt)


def near_max(pt) -> float:
    r""":math:`\mathbb 1[\gamma_{F1}/\gamma_1 \ge 1 - \delta]`, :math:`\delta` = ``ratio_tol``."""
    return float(f1_ratio(pt) >= 1.0 - pt.case["ratio_tol"])


def smoothed_f1(s, pt) -> np.ndarray:
    r"""Per step :math:`2\ell^{-1}(L)/\|\theta\|^2` (F1-normalized when balanced)."""
    return 2.0 * smoothed_margin(s, pt.loss, pt.data.n, pt.model.homogeneity)


def kernel_error(pt) -> float:
    """Test error of the arc-cosine kernel max-margin classifier (output layer only, m -> oo)."""
    f = cb.kernel_predict(pt.targets["kernel"], pt.data.X, pt.data.y, pt.data.meta["X_test"])
    return float(np.mean(pt.data.meta["y_test"] * f <= 0))


def kernel_excess(pt) -> float:
    """Test error of the arc-cosine kernel max-margin classifier minus the network's."""
    return kernel_error(pt) - cb.test_error(pt)


GAMMA1_UP = Expected(r"\gamma_1^{up} \text{ (certified upper bound)}",
                     lambda c: 1.0 / float(c.targets["f1"]["dual_bound"]))
ONSET = Expected(r"t_0:\ L(\theta(t_0)) < \ell(0)", lambda c: c.values["zero_margin_log_t"])
WIDTH = Sweep("m", (16, 32, 64, 128, 256), seeds=2, x_label="m (width)", overrides={"max_log_t": 40.0})
#: The authors' Exp. 2 (notes section 3.8): n = 256, Gaussian init, d = 5..25; m = 40 for their
#: 1000 (test errors within 0.065 on the same datasets, module docstring; m = 40 and 128 agree
#: within 0.04 on ten datasets).  At m = 128, two `--jobs 2` workers with threaded BLAS took
#: 150 s a run instead of 5 s; workers now run one BLAS thread each (verify.engine.blas).
DIMENSION = Sweep("d", (5, 10, 15, 20, 25), seeds=10, x_label="d (ambient, incl. bias)",
                  overrides={"exact_targets": False, "data_seed": -1, "n": 256, "m": 40,
                             "init": "gaussian", "max_log_t": 25.0})

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
        "ratio_tol": Param(float, 0.05, low=0.0, doc="delta: eventually ratio >= 1 - delta (reading)"),
        "error_slack": Param(float, 0.02, low=0.0, low_open=False,
                             doc="test-error noise allowance (reading: 3 standard errors)"),
    },
    assumptions=(
        cb.CONSISTENT,
        Assumption("2-homogeneous", sp.Eq(sp.Symbol("L"), 2),
                   lambda d, p: {"L": cb.MeanField(m=p["m"], train_outer=True).homogeneity},
                   "ReLU, both layers trained, bias through the constant coordinate", structural=True),
    ),
    targets={"f1": cb.f1_exact, "dictionary": cb.f1_dictionary, "kernel": cb.arccos_svm},
    quantities={
        "f1_margin": Quantity(r"\gamma_{F1} = \min_iq_i/\textstyle\sum_k|b_k|\|a_k\|", cb.f1_margin),
        "f1_ratio": Quantity(r"\gamma_{F1}/\gamma_1", f1_ratio),
        "near_max": Quantity(r"\mathbb 1[\gamma_{F1}/\gamma_1 \ge 1-\delta]", near_max),
        "smoothed_f1": Quantity(r"2\ell^{-1}(L)/\|\theta\|^2", smoothed_f1, per_step=True),
        "test_error": Quantity(r"\mathrm{err}_{test}(h_m)", cb.test_error),
        "kernel_error": Quantity(r"\mathrm{err}_{test}(\text{arc-cos SVM})", kernel_error),
        "kernel_excess": Quantity(r"\mathrm{err}_{test}(\text{arc-cos SVM}) - \mathrm{err}_{test}(h_m)",
                                  kernel_excess),
    },
    claims=(
        Bound("never_above", "f1_margin", r"\gamma_{F1}(\theta(t)) \le \gamma_1", upper=GAMMA1_UP,
              rtol=1e-9, show=("f1_ratio",)),
        Monotone("margin_increases", "smoothed_f1",
                 r"t \ge t_0 \Rightarrow 2\ell^{-1}(L)/\|\theta\|^2 \text{ non-decreasing}", after_log_t=ONSET),
        Eventually("approaches_max", "near_max",
                   r"\exists T\ \forall t \ge T:\ \gamma_{F1}(\theta(t))/\gamma_1 \ge 1 - \delta",
                   reading=True, show=("f1_ratio",)),
        Eventually("width", "near_max",
                   r"\exists M\ \forall m \ge M:\ \gamma_{F1}(\theta_m(T))/\gamma_1 \ge 1 - \delta",
                   reading=True, sweep=WIDTH),
        Bound("margin_vs_width", "f1_ratio", r"\gamma_{F1}(\theta_m(T))/\gamma_1 \le 1 \text{ at every } m",
              upper=1.0, rtol=1e-6, sweep=WIDTH),
        Bound("adaptivity", "kernel_excess",
              r"\mathrm{err}(\text{kernel}) - \mathrm{err}(h_m) \ge -\epsilon \text{ at every } d",
              reading=True, lower=Expected(r"-\epsilon", lambda c: -c.params["error_slack"]),
              sweep=DIMENSION),
        Trend("kernel_degrades", "kernel_error",
              r"\mathrm{err}(\text{kernel}) \text{ increases with } d \text{ (Kendall } \tau_b > 0)",
              reading=True, direction="increasing", show=("test_error",), sweep=DIMENSION),
        Trend("gap_widens", "kernel_excess",
              r"\mathrm{err}(\text{kernel}) - \mathrm{err}(h_m) \text{ increases with } d"
              r" \text{ (Kendall } \tau_b > 0)", reading=True, direction="increasing", sweep=DIMENSION),
    ),
    tags=frozenset({"two-layer", "homogeneous", "mean-field", "margin-loss", "bias"}),
)
