"""The point a checkpoint quantity is evaluated at, and the quantities theorems share.

Quantities are computed in float64 from the iterate (NUMERICS.md recommendation 3);
the precision audit says how many of their digits the trajectory supports.

References
----------
Soudry et al. (2018), JMLR 19(70), arXiv:1710.10345 (linear direction, residual, loss rate).
Lyu & Li (2020), ICLR, arXiv:1906.05890 (normalized/smoothed margin, (eps, delta)-KKT).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping

import numpy as np

from verify.data import Dataset
from verify.losses import Loss
from verify.models import Model
from verify.targets.base import Target
from verify.targets.kkt import kkt_multipliers


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


def kkt_target(p: Point) -> Target:
    """KKT multipliers of ``min ||theta||^2/2 s.t. q_i >= 1`` at the rescaled iterate.

    ``theta`` is rescaled by ``q_min^{-1/L}`` so that ``min_i q_i = 1``; the Jacobian
    rows ``g_i = y_i df(x_i)/dtheta`` are rescaled by the matching power ``q_min^{-(L-1)/L}``.
    """
    L = p.model.homogeneity
    qmin = float(np.min(p.margins))
    if not qmin > 0:
        raise ValueError(f"KKT target needs every margin positive, min q = {qmin:.3g}")
    c = qmin ** (-1.0 / L)
    G = p.data.y[:, None] * p.model.jacobian(p.params, p.data.X) * c ** (L - 1)
    return kkt_multipliers(p.theta * c, G, p.margins / qmin, homogeneity=L)


def kkt_residual(p: Point) -> float:
    """Lyu–Li KKT residual ``eps + delta`` of the rescaled iterate (raises if the solve failed)."""
    return float(kkt_target(p)["residual"])
