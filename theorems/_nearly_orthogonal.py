"""Shared setup of Kou, Chen & Gu (2023) and Frei et al. (2023): two-block networks on
nearly-orthogonal data.  Not a theorem module (the registry skips ``_`` modules).

Model (our reading of Kou et al., docs/papers/kou2023_lai2026.md section 2.3):
``f(W; x) = (1/m) sum_r phi(<w_{+,r}, x>) - (1/m) sum_r phi(<w_{-,r}, x>)``, ``m`` neurons
per block, only ``W`` (``2m x d``) trained, logistic loss averaged over samples, GD with
constant step from ``N(0, sigma0^2 I)``.  The network is 1-homogeneous in ``W``.
Rows of the two blocks are interleaved (even rows ``+``, odd rows ``-``).
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from verify import (Assumption, Citation, Dataset, Limit, Param, Quantity, Stat, TwoLayer,
                    near_orthogonality_C, nearly_orthogonal, norm_ratio, stable_rank, tail_energy)

C, C_min, R2, R2_max, s0, rho_max, eta, c_eta, m_sym, Rmax2, d_sym, n_sym, Rmin = sp.symbols(
    "C_eff C_min R^2 R^2_max sigma_0 rho_max eta c_eta m R_max^2 d n R_min")

PARAMETERS = {
    "n": Param(int, 10, low=2, low_open=False, high=10_000, doc="samples"),
    "d": Param(int, 12, low=1, low_open=False, high=1_000_000, doc="dimension"),
    "m": Param(int, 10, low=1, low_open=False, high=100_000, doc="neurons per block"),
    "kind": Param(str, "construction", choices=("construction", "gaussian"), doc="data generator"),
    "C": Param(float, 10.0, low=0.0, doc="near-orthogonality constant of the construction"),
    "norm_ratio": Param(float, 1.5, low=1.0, low_open=False, doc="R_max / R_min of the generator"),
    "positive_fraction": Param(float, 0.4, low=0.0, high=1.0, doc="share of +1 labels"),
    "C_min": Param(float, 2.0, low=0.0, doc="C the theorem needs (reading: 'a constant C')"),
    "R2_max": Param(float, 4.0, low=1.0, low_open=False, doc="largest allowed R_max^2/R_min^2 (reading)"),
    "init_ratio_max": Param(float, 0.1, low=0.0,
                            doc="largest sigma0 sqrt(d) m sqrt(n) / (eta R_min) called small (reading)"),
    "c_eta": Param(float, 1.0, low=0.0, doc="step size constant: eta <= c_eta m / R_max^2 (reading)"),
    "reduction": Param(str, "mean", choices=("sum", "mean"), doc="loss averaged over samples"),
    "loss": Param(str, "logistic", choices=("logistic", "exponential"), doc="exponential-tail loss"),
    "sigma0": Param(float, 1e-4, low=0.0, doc="initialization scale (small)"),
    "eta": Param(float, 0.2, low=0.0, doc="constant step size"),
}



def generate(p, rng) -> Dataset:
    """Nearly-orthogonal data (:func:`verify.problem.data.nearly_orthogonal`) plus held-out test
    inputs from the same generator in ``meta["X_test"]`` (200 rows)."""
    kw = {"kind": p["kind"], "C": p["C"], "norm_ratio": p["norm_ratio"],
          "positive_fraction": p["positive_fraction"]}
    train = nearly_orthogonal(p["n"], p["d"], rng, **kw)
    test = rng.standard_normal((200, p["d"]))
    return Dataset(train.X, train.y, train.source, dict(train.meta) | {"X_test": test})


def model(p) -> TwoLayer:
    """``2m`` neurons, fixed outer weights ``+-1`` (alternating) scaled by ``1/m``."""
    return TwoLayer(m=2 * p["m"], alpha=p["alpha"], train_outer=False, outer_init="signs",
                    scale=1.0 / p["m"])


def _rmin(X) -> Stat:
    """Smallest row norm of ``X`` (float64 sum of squares, relative error about 1e-15)."""
    r = float(np.sqrt(np.min(np.sum(np.asarray(X) ** 2, axis=1))))
    return Stat.approx(r, 1e-14 * r)


def _rmax2(X) -> float:
    return float(np.max(np.sum(np.asarray(X) ** 2, axis=1)))


ASSUMPTIONS = (
    Assumption("near-orthogonal", sp.Ge(C, C_min),
               lambda d, p: {"C_eff": near_orthogonality_C(d.X), "C_min": Stat.exact(p["C_min"])},
               "||x_i||^2 >= C n max_{k != i} |<x_i, x_k>| with C_eff the exact largest such C "
               "of the data; the size C_min the proofs need is not known to us", reading=True),
    Assumption("norm ratio", sp.Le(R2, R2_max),
               lambda d, p: {"R^2": norm_ratio(d.X), "R^2_max": Stat.exact(p["R2_max"])},
               "R_max^2 / R_min^2 bounded (reading)", reading=True),
    Assumption("small init", sp.Le(s0 * sp.sqrt(d_sym) * m_sym * sp.sqrt(n_sym) / (eta * Rmin), rho_max),
               lambda d, p: {"sigma_0": Stat.exact(p["sigma0"]), "d": Stat.exact(d.X.shape[1]),
                             "m": Stat.exact(p["m"]), "n": Stat.exact(d.X.shape[0]),
                             "eta": Stat.exact(p["eta"]), "R_min": _rmin(d.X),
                             "rho_max": Stat.exact(p["init_ratio_max"])},
               "sigma0 'sufficiently small' (reading): a neuron's initial norm sigma0 sqrt(d) "
               "small against its first-step displacement, of order eta R_min/(m sqrt(n)) "
               "(outer weights 1/m, mean loss), so that the first step dominates W(0); "
               "measured: at rho = 3.2 (n = m = 20, d = 2^17) srank W(1) = 13.1, at rho = 0.016 "
               "its largest value is 1.41", reading=True),
    Assumption("step size", sp.Le(eta * Rmax2, c_eta * m_sym),
               lambda d, p: {"eta": Stat.exact(p["eta"]), "m": Stat.exact(p["m"]),
                             "c_eta": Stat.exact(p["c_eta"]),
                             "R_max^2": Stat.approx(_rmax2(d.X), 1e-12 * _rmax2(d.X))},
               "eta <= c_eta m / R_max^2 (reading: the gradient of one neuron is at most R_max/m)",
               reading=True),
)


def blocks(pt) -> tuple[np.ndarray, np.ndarray]:
    """The ``+`` and ``-`` blocks of ``W`` (rows with outer weight > 0 and < 0)."""
    W, a = np.asarray(pt.params["W"], float), np.asarray(pt.params["a"], float)
    return W[a > 0], W[a < 0]


def srank_blocks(pt) -> float:
    """``max(srank(W_+), srank(W_-))``."""
    return max(stable_rank(b) for b in blocks(pt))


QUANTITIES = {
    "srank_blocks": Quantity(r"\max_\pm \mathrm{srank}(W_\pm)", srank_blocks),
    "srank_plus": Quantity(r"\mathrm{srank}(W_+)", lambda pt: stable_rank(blocks(pt)[0])),
    "srank_minus": Quantity(r"\mathrm{srank}(W_-)", lambda pt: stable_rank(blocks(pt)[1])),
    "srank_stacked": Quantity(r"\mathrm{srank}(W)", lambda pt: stable_rank(pt.params["W"])),
    "rank2_tail": Quantity(r"\sum_{j>2}\sigma_j^2(W)/\|W\|_F^2", lambda pt: tail_energy(pt.params["W"], 2)),
    "margin_ratio": Quantity(r"\max_i q_i/\min_i q_i", lambda pt: float(pt.margins.max() / pt.margins.min())),
    "margin_spread": Quantity(r"\max_i q_i - \min_i q_i", lambda pt: float(np.ptp(pt.margins))),
    "margin_growth": Quantity(r"\min_i q_i - \log t", lambda pt: float(pt.margins.min() - pt.log_t)),
    "t_loss": Quantity(r"t\,L(W(t))", lambda s, pt: np.exp(s["log_t"] + s["log_loss"]), per_step=True),
}

SPREAD_NOTE = (r"\max_i q_i/\min_i q_i = 1 + \frac{\max_i q_i - \min_i q_i}{\min_i q_i}: "
               r"the ratio tends to 1 at rate \Delta_\infty/\log t iff the spread converges to a finite "
               r"\Delta_\infty while \min_i q_i - \log t converges (q_{min} \sim \log t)")


KOU = Citation("Y. Kou, Z. Chen, Q. Gu", "Implicit bias of gradient descent for two-layer ReLU and "
               "leaky ReLU networks on nearly-orthogonal data", "NeurIPS", 2023, "2310.18935",
               "abstract; theorem bodies not consulted, constants are parameters")

#: Equal margins and the loss rate, decided through the exact decomposition of the ratio
#: (``SPREAD_NOTE``): the spread converges, ``q_min - log t`` converges, ``t L`` converges.
MARGIN_CLAIMS = (
    Limit("margin_spread", "margin_spread", r"\max_i q_i - \min_i q_i \to \Delta_\infty < \infty\ "
          r"(\text{with } q_{min} - \log t \to c:\ \max q/\min q \to 1)", reading=True,
          limit=None, rate=("t^-a",), rtol=1e-2, atol=1e-3, window=0.3, show=("margin_ratio",)),
    Limit("margin_growth", "margin_growth", r"\min_i q_i - \log t \to c", reading=True,
          limit=None, rate=("t^-a",), atol=1e-2, window=0.3),
    Limit("loss_rate", "t_loss", r"t\,L(W(t)) \to c \in (0, \infty)", reading=True,
          limit=None, positive=True, rate=("t^-a",), rtol=1e-2, window=0.3),
)
