r"""Frei, Vardi, Bartlett, Srebro & Hu (2023): leaky-ReLU nets on nearly-orthogonal data.

Published (ICLR 2023, arXiv:2210.07082, abstract): for two-layer leaky-ReLU networks
(first layer trained, outer layer fixed) on nearly-orthogonal data, gradient flow
produces a network of rank at most two, which is a KKT point of the parameter-space
max-margin problem and "has a linear decision boundary that corresponds to an
approximate-max-margin linear predictor"; gradient descent (with the ``H``-smoothed leaky
ReLU) from a small random initialization has small stable rank after one step and keeps it
small.

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
  later checkpoints (deadline: the last quarter of the run's log-time range).

**Approximately max-margin** (the abstract does not quantify "approximate"; each reading is
its own claim, all against the certified linear SVM margin ``gamma_svm``,
:func:`verify.targets.svm.hard_margin_svm`).  ``rho_lin = gamma(z)/gamma_svm`` with
``gamma(z) = min_i y_i <z, x_i>/||z||`` (``<= 1``: the SVM is the maximum);
``rho_net = gamma_net / gamma_ref`` with ``gamma_net = min_i q_i/||W||_F`` and
``gamma_ref = sqrt((1 + alpha^2)/m) gamma_svm``.

*Derivation of gamma_ref (ours).*  ``f`` is 1-homogeneous in ``W``, so ``gamma_net`` is
scale-free, and at a KKT point normalized to ``min_i q_i = 1`` Euler's identity
``<W, grad q_i> = q_i`` with ``W = sum_i lambda_i grad q_i`` gives
``||W||^2 = sum_i lambda_i q_i = sum_i lambda_i``, i.e. ``gamma_net = (sum_i lambda_i)^{-1/2}``.
On orthogonal data the program separates by sample: with every ``+`` row ``u`` and every
``-`` row ``v``, ``<u, x_i> = c_i``, ``<v, x_i> = d_i``, ``q_i = y_i (phi(c_i) - phi(d_i))``
and ``||W||^2 = m sum_i (c_i^2 + d_i^2)/||x_i||^2``; ``min c^2 + d^2`` s.t.
``c + alpha |d| = 1`` is ``1/(1 + alpha^2)`` (and unequal rows do no better, since
``(1/m) sum_r phi(c_r) <= ((1/m) sum_r c_r^2)^{1/2}``), so the global max is
``sqrt((1 + alpha^2)/(m S))``, ``S = sum_i 1/||x_i||^2 = 1/gamma_svm^2``: ``rho_net = 1``
exactly there, and ``z`` is parallel to the SVM (``rho_lin = 1``).

*Floors from the near-orthogonality constant (ours).*  With ``C = C_eff`` (the exact largest
``C`` with ``||x_i||^2 >= C n max_{k != i} |<x_i, x_k>|``), ``eps = (1 + alpha)/C`` and
``nu_i = lambda_i ||x_i||^2``: at a KKT point where every ``lambda_i > 0`` and every row of the
block of sign ``y_j`` is active on ``x_j`` (the other block inactive; self-consistent when
``C > 2(1+alpha)/(1+alpha^2) + 1/alpha``), ``q_j = ((1 + alpha^2) nu_j + e_j)/m`` with
``|e_j| < eps nu_max``, hence ``nu_max <= m/(1 + alpha^2 - eps)`` and
``r = nu_min/nu_max >= 1 - 2 eps/(1 + alpha^2)``.  Then
``y_j <z, x_j> >= nu_min - nu_max/C``, ``||z||^2 <= (1 + 1/C) nu_max^2 S`` and
``gamma_svm^2 <= ||sum_i p_i y_i x_i||^2 <= (1 + 1/C)/S`` (``p_i`` proportional to
``1/||x_i||^2``), so

    rho_lin >= (r - 1/C)/(1 + 1/C),   rho_net >= sqrt((1 + alpha^2 - eps)/((1 + alpha^2)(1 + 1/C))).

Readings judged: ``rho -> 1`` (within ``atol = 1e-2``, rate ``1/log t``: the iterate's
bounded offset over ``||W|| ~ log t``) and ``rho >= floor`` eventually (same deadline as the
boundary), for ``rho_lin`` and ``rho_net``.

**Smoothed leaky ReLU** (``activation = "smoothed"``,
:class:`verify.problem.models.SmoothedLeakyTwoLayer`, width ``H``): the network is not
homogeneous, so only the gradient-descent theorem's claim, ``low_rank``, is judged on it;
the gradient-flow claims (rank two, KKT, margin growth, boundary, max-margin readings) are
stated for the homogeneous leaky ReLU: they declare ``applies`` (leaky only), so on the
smoothed case their rows are shown as "not applicable", flagged diagnostic and not counted
(their quantities are not computed there either).
"""
from __future__ import annotations

import math
from dataclasses import replace
from typing import Any, Callable

import numpy as np

from theorems import _nearly_orthogonal as no
from verify import (Bound, Citation, DataSpec, Eventually, Expected, Limit, Param, Quantity,
                    SmoothedLeakyTwoLayer, Theorem, TwoLayer, hard_margin_svm, horizon_deadline,
                    kkt_residual, kkt_scaled, kkt_target, normalized_margin)

B = Expected("srank_bound", lambda c: c.params["srank_bound"])
NOT_APPLICABLE = ("not applicable: activation='smoothed' is not homogeneous; only the GD "
                  "theorem's stable-rank claim is stated for it")
#: Tolerance of the "rho -> 1" readings (ours, fixed before any run).
RATIO_ATOL = 1e-2


def homogeneous_only(fn: Callable[[Any], float]) -> Callable[[Any], float]:
    """``fn``, refused (ValueError: NaN and a note) on the smoothed, non-homogeneous net."""
    def wrapped(pt) -> float:
        if pt.case.get("activation", "leaky") != "leaky":
            raise ValueError(NOT_APPLICABLE)
        return fn(pt)
    wrapped.__doc__ = fn.__doc__
    return wrapped


def model(p) -> TwoLayer:
    """:func:`theorems._nearly_orthogonal.model`, with the ``H``-smoothed leaky ReLU when
    ``activation = "smoothed"``."""
    if p["activation"] == "smoothed":
        return SmoothedLeakyTwoLayer(m=2 * p["m"], alpha=p["alpha"], train_outer=False,
                                     outer_init="signs", scale=1.0 / p["m"], H=p["H"])
    return no.model(p)


def svm(data, p):
    """The certified linear hard-margin SVM (``gamma_svm``)."""
    return hard_margin_svm(data.X, data.y)


def z_vector(pt) -> np.ndarray:
    """``z = sum_i lambda_i y_i x_i`` from the KKT multipliers of the iterate."""
    lam = np.asarray(kkt_target(pt)["lambda"])
    return (lam * pt.data.y) @ pt.data.X


def boundary_agrees(pt) -> float:
    """1 if ``sign f(x) = sign <z, x>`` on every held-out input, else 0."""
    z = z_vector(pt)
    X_test = pt.data.meta["X_test"]
    f = np.asarray(pt.model.forward(pt.params, X_test), dtype=float)
    return float(np.all(np.sign(f) == np.sign(X_test @ z)))


def boundary_band(pt) -> float:
    """Largest ``|<z, x>|/(||z|| ||x||)`` over the held-out inputs where ``sign f(x) !=
    sign <z, x>`` (0 when they all agree): how close to the hyperplane of ``z`` the
    disagreements lie."""
    z = z_vector(pt)
    X_test = pt.data.meta["X_test"]
    f = np.asarray(pt.model.forward(pt.params, X_test), dtype=float)
    lin = X_test @ z
    bad = np.sign(f) != np.sign(lin)
    cos = np.abs(lin[bad]) / (np.linalg.norm(z) * np.linalg.norm(X_test[bad], axis=1))
    return float(np.max(cos, initial=0.0))


def lin_ratio(pt) -> float:
    """``rho_lin = (min_i y_i <z, x_i>/||z||) / gamma_svm``."""
    z = z_vector(pt)
    gamma_z = float(np.min(pt.data.y * (pt.data.X @ z)) / np.linalg.norm(z))
    return gamma_z / float(pt.targets["svm"]["gamma"])


def gamma_ref(alpha: float, m: int, gamma_svm: float) -> float:
    """``sqrt((1 + alpha^2)/m) gamma_svm``: the max normalized margin on orthogonal data."""
    return math.sqrt((1.0 + alpha ** 2) / m) * gamma_svm


def net_ratio(pt) -> float:
    """``rho_net = (min_i q_i/||W||_F) / gamma_ref``."""
    ref = gamma_ref(pt.case["alpha"], pt.case["m"], float(pt.targets["svm"]["gamma"]))
    return normalized_margin(pt) / ref


def c_eff(X: np.ndarray) -> float:
    """Largest ``C`` with ``||x_i||^2 >= C n max_{k != i} |<x_i, x_k>|`` (float64)."""
    G = X @ X.T
    off = np.abs(G - np.diag(np.diag(G))).max(axis=1)
    with np.errstate(divide="ignore"):
        return float(np.min(np.diag(G) / (len(X) * off)))


def lin_floor(C: float, alpha: float) -> float:
    """``(r - 1/C)/(1 + 1/C)`` with ``r = 1 - 2(1+alpha)/(C(1+alpha^2))`` (module docstring).

    >>> round(lin_floor(10.0, 0.2), 4), lin_floor(math.inf, 0.2)
    (0.6084, 1.0)
    """
    r = 1.0 - 2.0 * (1.0 + alpha) / (C * (1.0 + alpha ** 2))
    return (r - 1.0 / C) / (1.0 + 1.0 / C)


def net_floor(C: float, alpha: float) -> float:
    """``sqrt((1 + alpha^2 - eps)/((1 + alpha^2)(1 + 1/C)))``, ``eps = (1+alpha)/C`` (0 if
    the bracket is negative: no floor).

    >>> round(net_floor(10.0, 0.2), 4), net_floor(math.inf, 0.2)
    (0.8968, 1.0)
    """
    a2 = 1.0 + alpha ** 2
    return math.sqrt(max(a2 - (1.0 + alpha) / C, 0.0) / (a2 * (1.0 + 1.0 / C)))


def above(ratio: Callable[[Any], float], floor: Callable[[float, float], float]
          ) -> Callable[[Any], float]:
    """The indicator ``1[ratio(pt) >= floor(C_eff, alpha)]``."""
    def indicator(pt) -> float:
        return float(ratio(pt) >= floor(c_eff(pt.data.X), pt.case["alpha"]))
    indicator.__doc__ = f"1 if {ratio.__name__} >= {floor.__name__}(C_eff, alpha), else 0."
    return indicator


def _q(label: str, fn: Callable[[Any], float]) -> Quantity:
    return Quantity(label, homogeneous_only(fn))


QUANTITIES = no.QUANTITIES | {
    "rank2_tail": _q(no.QUANTITIES["rank2_tail"].label, no.QUANTITIES["rank2_tail"].fn),
    "margin_growth": _q(no.QUANTITIES["margin_growth"].label, no.QUANTITIES["margin_growth"].fn),
    "kkt_residual": _q(r"\varepsilon+\delta \text{ (KKT residual of } W/q_{min})", kkt_residual),
    "kkt_scaled": _q(r"q_{min}\,(\varepsilon+\delta)", kkt_scaled),
    "boundary_agrees": _q(r"1[\mathrm{sign} f = \mathrm{sign}\langle z,\cdot\rangle \text{ on test}]",
                          boundary_agrees),
    "boundary_band": _q(r"\max_{x:\,\mathrm{sign} f(x) \ne \mathrm{sign}\langle z,x\rangle}"
                        r"\frac{|\langle z,x\rangle|}{\|z\|\|x\|}", boundary_band),
    "lin_ratio": _q(r"\rho_{lin} = \gamma(z)/\gamma_{svm}", lin_ratio),
    "net_ratio": _q(r"\rho_{net} = \frac{\min_i q_i/\|W\|_F}{\sqrt{(1+\alpha^2)/m}\,\gamma_{svm}}",
                    net_ratio),
    "lin_above_floor": _q(r"1[\rho_{lin} \ge (r - 1/C)/(1 + 1/C)]", above(lin_ratio, lin_floor)),
    "net_above_floor": _q(r"1[\rho_{net} \ge \sqrt{(1+\alpha^2-\epsilon)/((1+\alpha^2)(1+1/C))}]",
                          above(net_ratio, net_floor)),
}

CLAIMS = (
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
               reading=True, by_log_t=horizon_deadline(), show=("boundary_band",)),
    Limit("linear_max_margin", "lin_ratio",
          r"\rho_{lin} = \frac{\min_i y_i\langle z, x_i\rangle}{\|z\|\,\gamma_{svm}} \to 1 "
          r"\ (\pm 10^{-2})", reading=True, limit=1.0, rate=("1/log t",), atol=RATIO_ATOL),
    Eventually("linear_margin_floor", "lin_above_floor",
               r"\rho_{lin} \ge \frac{r - 1/C}{1 + 1/C},\ r = 1 - \frac{2(1+\alpha)}{C(1+\alpha^2)}"
               r"\ (C = C_{eff})", reading=True, by_log_t=horizon_deadline(), show=("lin_ratio",),
               # the indicator holds from the first checkpoint on, so no move of the deadline
               # can turn it: shown, not counted (its strength: the twin at 1.1 FAILs, tests)
               diagnostic=True),
    Limit("network_max_margin", "net_ratio",
          r"\frac{\min_i q_i}{\|W\|_F} \Big/ \sqrt{\tfrac{1+\alpha^2}{m}}\,\gamma_{svm} \to 1"
          r"\ (\pm 10^{-2})", reading=True, limit=1.0, rate=("1/log t",), atol=RATIO_ATOL),
    Eventually("network_margin_floor", "net_above_floor",
               r"\rho_{net} \ge \sqrt{\frac{1+\alpha^2-\epsilon}{(1+\alpha^2)(1+1/C)}},\ "
               r"\epsilon = \frac{1+\alpha}{C}", reading=True, by_log_t=horizon_deadline(),
               show=("net_ratio",)),
)


def leaky_only(p) -> bool:
    """The gradient-flow claims speak about the homogeneous leaky ReLU only."""
    return p.get("activation", "leaky") == "leaky"


#: Every claim but ``low_rank`` (the GD theorem's, stated for the smoothed net too) applies to
#: the leaky ReLU only: on the smoothed case its row is shown as not applicable, not counted.
CLAIMS = (CLAIMS[0], *(replace(c, applies=leaky_only) for c in CLAIMS[1:]))

THEOREM = Theorem(
    id="frei2022-leaky",
    title="Leaky-ReLU nets on nearly-orthogonal data: low rank, KKT point, approximately "
          "max-margin linear decision boundary",
    citation=Citation("S. Frei, G. Vardi, P. L. Bartlett, N. Srebro, W. Hu",
                      "Implicit bias in leaky ReLU networks trained on high-dimensional data", "ICLR", 2023,
                      "2210.07082", "abstract; theorem bodies not consulted, constants are parameters"),
    statement=r"\mathrm{srank}(W(t)) \le C\ (t \ge 1),\ \mathrm{rank}\,W_\infty \le 2,\ "
              r"W_\infty \text{ KKT},\ \mathrm{sign} f(x) = \mathrm{sign}\langle z, x\rangle,\ "
              r"z \text{ approximately max-margin}",
    formalization=__doc__ or "",
    model=model,
    generate=no.generate,
    parameters=no.PARAMETERS | {
        "alpha": Param(float, 0.2, low=0.0, high=0.999, doc="leaky slope (> 0)"),
        "srank_bound": Param(float, 2.0, low=1.0, low_open=False, doc="stable-rank constant (reading)"),
        "activation": Param(str, "leaky", choices=("leaky", "smoothed"),
                            doc="leaky ReLU (gradient-flow theorem) or the H-smoothed leaky ReLU "
                                "of the gradient-descent theorem (only low_rank is judged)"),
        "H": Param(float, 1.0, low=0.0, doc="smoothing width of activation='smoothed': "
                                              "phi is quadratic on |z| < H"),
    },
    assumptions=no.ASSUMPTIONS,
    data_spec=DataSpec(meta=("X_test",)),  # the boundary is compared on generated test inputs
    quantities=QUANTITIES,
    claims=CLAIMS,
    targets={"svm": svm},
)
