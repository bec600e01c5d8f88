r"""Chizat & Bach (2020): training only the output layer of a wide ReLU network gives a kernel SVM.

Published (COLT 2020, arXiv:2002.04486, abstract; theorem bodies not consulted, see
docs/papers/lyu2021_chizat2020.md sections 3.4 and 3.6): training only the output layer
implicitly solves a kernel support vector machine, which lacks the adaptivity of the F1 max
margin (:mod:`theorems.chizat_bach2020_f1`).

Our formalization (setup in :mod:`theorems._chizat_bach`): the first layer is fixed at random,
:math:`a_j \sim N(0, I)`, so :math:`h(x) = \langle b, \psi(x)\rangle` with
:math:`\psi_j(x) = (\langle a_j, (x,1)\rangle)_+/\sqrt m` is linear in :math:`b` (mean-field
scaling and time, :math:`b(0) = 0`).  Soudry et al. (2018) then give
:math:`b(t)/\|b(t)\| \to \hat b/\|\hat b\|`, the hard-margin SVM of the random-feature kernel
:math:`K_m = \Psi\Psi^\top` (:func:`verify.targets.kernel_svm.kernel_svm`, certified; :math:`\hat b
= \Psi^\top(y\odot\beta)`), with margin :math:`\gamma_m`; as :math:`m\to\infty`,
:math:`K_m \to k = k_1/2`, the arc-cosine kernel of order 1 (Cho & Saul 2009), whose SVM margin
is :math:`\gamma_\infty`.  Gradient flow is checked with GD at the loss-normalized step
:math:`\eta/L` (on a linear model the relative step :math:`\eta/\|b\|` vanishes, so it tracks the
flow; ``step_check`` reruns at half step).  Claims:

* ``never_above``: :math:`\min_iq_i/\|b\| \le \gamma_m` at every checkpoint (hard check);
* ``svm_margin``: :math:`\min_iq_i/(\|b\|\gamma_m) \to 1` at Soudry's :math:`1/\log t` rate;
* ``svm_direction``: :math:`\|b/\|b\| - \hat b/\|\hat b\|\| \to 0` at the same rate;
* ``kernel_limit``: :math:`\|K_m - k\|_F/\|k\|_F = \Theta(m^{-1/2})` over a sweep of :math:`m`
  (an average of :math:`m` i.i.d. bounded terms; derived here);
* ``margin_limit``: :math:`|\gamma_m/\gamma_\infty - 1| = \Theta(m^{-1/2})` (reading: the SVM
  value is differentiable in :math:`K` at a non-degenerate solution, so the kernel's
  :math:`m^{-1/2}` fluctuation passes to the margin; the figure "margin vs m").

Both sweeps use :math:`m \in \{64, 256, 1024, 4096\}` with 10 draws of the features each (the
data fixed by the profile's ``data_seed``); the deviations are close to half-normal, hence the
many draws, and ``atol = 0.25`` (reading: the exponent told apart from 0 and from -1).
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from theorems import _chizat_bach as cb
from verify import (Assumption, Bound, Citation, DataSpec, Dataset, Expected, Limit, Linear, Param,
                    Quantity, Scaling, Sweep, Theorem, certified_margin, kernel_svm,
                    normalized_margin, relu_feature_limit_kernel, smoothed_margin)


def features(X: np.ndarray, A: np.ndarray) -> np.ndarray:
    r""":math:`\psi(x) = (Ax)_+/\sqrt m` row by row."""
    return np.maximum(X @ A.T, 0.0) / np.sqrt(A.shape[0])


def generate(p, rng) -> Dataset:
    """The authors' clusters mapped through a fixed random first layer (own random stream)."""
    data_rng, layer_rng = rng.spawn(2)
    X, y, Xt, yt = cb.clusters(p, data_rng)
    A = layer_rng.standard_normal((p["m"], p["d"]))
    return Dataset(features(X, A), y, f"random ReLU features m={p['m']} of clusters d={p['d']}",
                   {"X_raw": X, "A": A, "X_test": Xt, "y_test": yt})


def rf_svm(data, p):
    """Hard-margin SVM of the random-feature kernel (cached per dataset)."""
    return cb.cached("rf_svm", data, lambda: kernel_svm(data.X @ data.X.T, data.y))


def arccos(data, p):
    """Hard-margin SVM of the limit kernel ``k_1/2`` on the raw inputs."""
    return cb.arccos_svm(data, p, data.meta["X_raw"])


def b_hat(pt) -> np.ndarray:
    r""":math:`\hat b = \Psi^\top(y\odot\beta)`."""
    return pt.data.X.T @ (np.asarray(pt.targets["rf_svm"]["dual"]) * pt.data.y)


def direction_gap(pt) -> float:
    r""":math:`\|b/\|b\| - \hat b/\|\hat b\|\|`."""
    w = b_hat(pt)
    return float(np.linalg.norm(pt.theta / pt.norm - w / np.linalg.norm(w)))


def kernel_deviation(pt) -> float:
    r""":math:`\|K_m - k\|_F/\|k\|_F` on the training inputs."""
    k = relu_feature_limit_kernel(pt.data.meta["X_raw"])
    return float(np.linalg.norm(pt.data.X @ pt.data.X.T - k) / np.linalg.norm(k))


def test_error(pt) -> float:
    """Test error of the trained output layer."""
    f = features(pt.data.meta["X_test"], pt.data.meta["A"]) @ pt.theta
    return float(np.mean(pt.data.meta["y_test"] * f <= 0))


def _separable(data, p):
    """``gamma_m`` of the feature SVM; a failed solve leaves the assumption UNDECIDED."""
    return {"gamma_m": certified_margin(rf_svm(data, p))}


GAMMA_M = Expected(r"\gamma_m \text{ (random-feature kernel SVM)}", lambda c: c.targets["rf_svm"]["gamma"])
MS = (64, 256, 1024, 4096)
CHEAP = {"steps": 1, "checkpoints": 4, "step_check": False}  # the swept quantities are targets
KERNEL = Sweep("m", MS, seeds=10, x_label="m (random features)", overrides=CHEAP)
MARGIN = Sweep("m", MS, seeds=10, x_label="m (random features)", overrides=CHEAP)

THEOREM = Theorem(
    id="chizat-bach2020-kernel",
    title="Output layer only: GD tends to the random-feature kernel SVM, and to the arc-cosine one as m grows",
    citation=Citation(*cb.CITATION_ARGS, "abstract; constants and rates derived here (Soudry et al. 2018)"),
    statement=r"\frac{b(t)}{\|b(t)\|} \to \frac{\hat b}{\|\hat b\|},\ \gamma_m \xrightarrow[m\to\infty]{}"
              r"\gamma_\infty = \max_{\|f\|_{\mathcal H_k}\le1}\min_iy_if(x_i),\ k = \tfrac12k_1",
    formalization=__doc__ or "",
    model=lambda p: Linear(),
    generate=generate,
    parameters=cb.PARAMETERS | {
        "sigma0": Param(float, 0.0, low=0.0, low_open=False, doc="output-layer init scale (0: b(0) = 0)"),
        "step_rule": Param(str, "normalized", choices=("constant", "normalized", "lyu-li"), doc="step rule"),
    },
    assumptions=(
        cb.CONSISTENT,
        Assumption("separable features", sp.Gt(sp.Symbol("gamma_m"), 0), _separable,
                   "the m random features separate the data (hard-margin SVM feasible)"),
    ),
    data_spec=DataSpec(meta=("X_raw", "A", "X_test", "y_test")),  # features of generated x
    targets={"rf_svm": rf_svm, "arccos": arccos},
    quantities={
        "normalized_margin": Quantity(r"\min_iq_i/\|b\|", normalized_margin),
        "margin_ratio": Quantity(r"\min_iq_i/(\|b\|\gamma_m)",
                                 lambda pt: normalized_margin(pt) / pt.targets["rf_svm"]["gamma"]),
        "smoothed_ratio": Quantity(r"\ell^{-1}(L)/(\|b\|\gamma_m)", lambda s, pt: smoothed_margin(
            s, pt.loss, pt.data.n, 1) / pt.targets["rf_svm"]["gamma"], per_step=True),
        "direction_gap": Quantity(r"\|b/\|b\| - \hat b/\|\hat b\|\|", direction_gap),
        "kernel_deviation": Quantity(r"\|K_m - k\|_F/\|k\|_F", kernel_deviation),
        "margin_deviation": Quantity(r"|\gamma_m/\gamma_\infty - 1|", lambda pt: abs(
            pt.targets["rf_svm"]["gamma"] / pt.targets["arccos"]["gamma"] - 1.0)),
        "test_error": Quantity(r"\mathrm{err}_{test}", test_error),
    },
    claims=(
        Bound("never_above", "normalized_margin", r"\min_iq_i/\|b(t)\| \le \gamma_m", upper=GAMMA_M,
              rtol=1e-8, show=("margin_ratio",)),
        Limit("svm_margin", "smoothed_ratio", r"\ell^{-1}(L(b(t)))/(\|b(t)\|\gamma_m) \to 1",
              limit=1.0, rate=("1/log t", "1/log^2 t"), rtol=1e-2, show=("margin_ratio",)),
        Limit("svm_direction", "direction_gap", r"\|b/\|b\| - \hat b/\|\hat b\|\| \to 0",
              limit=0.0, rate=("1/log t", "1/log^2 t"), atol=1e-2),
        Scaling("kernel_limit", "kernel_deviation", r"\|K_m - k\|_F/\|k\|_F = \Theta(m^{-1/2})",
                reading=True, parameter="m", exponent=-0.5, atol=0.25, sweep=KERNEL),
        Scaling("margin_limit", "margin_deviation", r"|\gamma_m/\gamma_\infty - 1| = \Theta(m^{-1/2})",
                reading=True, parameter="m", exponent=-0.5, atol=0.25, sweep=MARGIN),
    ),
)
