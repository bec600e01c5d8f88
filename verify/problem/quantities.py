"""The point a checkpoint quantity is evaluated at, and the quantities theorems share.

Quantities are computed in float64 from the iterate (docs/numerics.md recommendation 3);
the precision audit says how many of their digits the trajectory supports.

References
----------
Soudry et al. (2018), JMLR 19(70), arXiv:1710.10345 (linear direction, residual, loss rate).
Lyu & Li (2020), ICLR, arXiv:1906.05890 (normalized/smoothed margin, (eps, delta)-KKT).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Mapping

import numpy as np

from verify.arith.backends import Float64
from verify.problem.data import Dataset
from verify.problem.losses import Loss
from verify.problem.models import Model, TwoLayer
from verify.targets.base import Target
from verify.targets.clarke import clarke_kkt
from verify.targets.kinks import KINK_TAU, KinkTerms, relu_kinks
from verify.targets.rowspace import span_augmented, wide


@dataclass(frozen=True)
class Point:
    """One checkpoint: iterate, time, and everything needed to measure it."""

    step: int
    log_t: float
    params: Mapping[str, np.ndarray]
    model: Model
    loss: Loss
    data: Dataset
    targets: Mapping[str, Target] = field(default_factory=dict)
    case: Mapping[str, Any] = field(default_factory=dict)

    @cached_property
    def f(self) -> np.ndarray:
        """Predictions on the training inputs."""
        return np.asarray(self.model.forward(self.params, self.data.X), dtype=float)

    @cached_property
    def margins(self) -> np.ndarray:
        """``q_i = y_i f(x_i)``."""
        return self.data.y * self.f

    @cached_property
    def theta(self) -> np.ndarray:
        """Trained parameters as one vector."""
        return self.model.flatten(self.params)

    @cached_property
    def norm(self) -> float:
        """``||theta||``."""
        return float(np.linalg.norm(self.theta))


def normalized_margin(p: Point) -> float:
    """``min_i q_i / ||theta||^L`` with ``L`` the model's homogeneity."""
    return float(np.min(p.margins) / p.norm ** p.model.homogeneity)


def direction_gap(p: Point, unit: np.ndarray) -> float:
    """``|| theta/||theta|| - unit ||`` (``unit`` a unit vector, e.g. the SVM direction)."""
    return float(np.linalg.norm(p.theta / p.norm - unit))


def smoothed_margin(scalars: Mapping[str, np.ndarray], loss: Loss, n: int, homogeneity: int) -> np.ndarray:
    """Per-step smoothed margin ``l^{-1}(L) / ||theta||^L`` (Lyu & Li 2020, eq. for gamma-tilde)."""
    return loss.inverse_log(scalars["log_loss"], n) / scalars["sq_norm"] ** (homogeneity / 2.0)


def kkt_target(p: Point, tau: float = KINK_TAU) -> Target:
    r"""Best Lyu-Li (eps, delta)-KKT certificate of the rescaled iterate, Clarke subgradients.

    ``theta`` is rescaled by :math:`c = q_{\min}^{-1/L}` so that :math:`\min_i q_i = 1`; the
    one-sided Jacobian rows :math:`y_i\,\partial f(x_i)/\partial\theta` by the matching
    :math:`c^{L-1}`. For :class:`~verify.problem.models.TwoLayer` every pair with
    :math:`|\langle w_k,x_i\rangle| \le \tau\|w_k\|\|x_i\|` is treated as a kink whose slope
    the program picks in :math:`[\alpha, 1]` (Clarke subdifferential;
    :func:`verify.targets.kinks.relu_kinks`); other models have no kink terms.
    Lyu & Li (2020), ICLR, arXiv:1906.05890, Definition of an (eps, delta)-KKT point;
    solved by :func:`verify.targets.clarke.clarke_kkt` (eps + delta minimised jointly).
    """
    cache = p.__dict__.setdefault("_kkt_targets", {})  # several quantities share one solve
    if tau not in cache:
        cache[tau] = _kkt_target(p, tau)
    return cache[tau]


def _kkt_target(p: Point, tau: float) -> Target:
    L = p.model.homogeneity
    qmin = float(np.min(p.margins))
    if not qmin > 0:
        raise ValueError(f"KKT target needs every margin positive, min q = {qmin:.3g}")
    c = qmin ** (-1.0 / L)
    if not isinstance(p.model, TwoLayer):
        G = p.data.y[:, None] * p.model.jacobian(p.params, p.data.X) * c ** (L - 1)
        return clarke_kkt(p.theta * c, G, KinkTerms.none(p.theta.size), p.margins / qmin,
                          homogeneity=L)
    params, X, note = dict(p.params), p.data.X, ""
    if wide(X):  # the same program in data-span coordinates (verify.targets.rowspace)
        aug = span_augmented(np.asarray(params["W"], float), X)
        params["W"], X = aug.W, aug.X
        note = (f"; solved in data-span coordinates ({aug.W.size} of {p.params['W'].size} "
                f"first-layer entries), off-span share {aug.offspan:.3g}")
    theta = p.model.flatten(params) * c
    G = p.data.y[:, None] * p.model.jacobian(params, X) * c ** (L - 1)
    W = np.asarray(params["W"], float) * c
    a = np.asarray(params["a"], float) * (c if "a" in p.model.trained else 1.0)
    s = float(p.model._scale(Float64()))  # the model's own output scale (1, 1/m, explicit)
    G, kinks = relu_kinks(G, W, a, X, p.data.y, alpha=p.model.alpha, scale=s, tau=tau)
    target = clarke_kkt(theta, G, kinks, p.margins / qmin, homogeneity=L)
    return replace(target, note=target.note + note) if note else target


def kkt_residual(p: Point) -> float:
    """Lyu–Li KKT residual ``eps + delta`` of the rescaled iterate (raises if the solve failed)."""
    return float(kkt_target(p)["residual"])


def kkt_scaled(p: Point) -> float:
    r"""``(eps + delta) q_min^{1/L}``: the KKT residual in units of its expected decay.

    A part of ``theta`` that stops growing (a frozen neuron, a bounded initialization
    offset) keeps a fixed norm while the rescaled iterate's scale grows like
    :math:`q_{\min}^{1/L}`, so its share of the relative residual decays like
    :math:`q_{\min}^{-1/L}`.  The residual tends to 0 at that rate iff this product
    converges to a finite limit (with :math:`q_{\min} \to \infty`).
    """
    return kkt_residual(p) * float(np.min(p.margins)) ** (1.0 / p.model.homogeneity)
