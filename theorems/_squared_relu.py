r"""Shared setup of the squared-loss theorems: Lai et al. (2026), Boursier et al. (2022),
Vardi & Shamir (2021).  Not a theorem module (the registry skips ``_`` modules).

Two models behind one interface (:class:`verify.problem.models.TwoLayer`, ReLU, ``relu'(0) = 1``):

* the single neuron :math:`f(x) = \mathrm{relu}(\langle w, x\rangle)`:
  ``TwoLayer(m=1, train_outer=False, outer_init="signs")`` has the fixed outer weight +1;
* the two-layer network :math:`f(x) = \sum_j a_j\,\mathrm{relu}(\langle w_j, x\rangle)`, both
  layers trained from a small *balanced* initialization (:class:`BalancedTwoLayer`).

Min-norm targets are solved in the ``n``-dimensional row space of ``X`` and lifted: a
component of ``w`` orthogonal to every ``x_i`` changes no constraint and only adds norm, so
the minimizers lie in the row space (exactly; the certificates are recomputed on ``X``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.linalg import solve_triangular

from verify import (Dataset, Point, Quantity, Target, TwoLayer, min_norm_interpolator_two_layer,
                    min_norm_single_neuron, neuron_certificate)

INTERP_RTOL = 1e-9  # max |f(x_i) - y_i| / max(1, max |y|) called interpolating (float64 reading)


@dataclass(frozen=True)
class BalancedTwoLayer(TwoLayer):
    r"""Both layers trained from a balanced init: :math:`w_j \sim N(0, \sigma_0^2 I_d/d)`,
    :math:`a_j = s_j\|w_j\|` with alternating signs :math:`s_j = \pm 1` (Boursier et al. 2022).

    Gradient flow keeps :math:`a_j^2 - \|w_j\|^2 = 0`, so :math:`\tfrac12\|\theta\|^2` equals the
    path norm :math:`\sum_j |a_j|\|w_j\|` along the flow.
    """

    train_outer: bool = True

    def init(self, d: int, sigma0: float, rng: np.random.Generator) -> dict[str, np.ndarray]:
        W = sigma0 * rng.standard_normal((self.m, d)) / np.sqrt(d)
        s = np.where(np.arange(self.m) % 2 == 0, 1.0, -1.0)
        return {"W": W, "a": s * np.linalg.norm(W, axis=1)}


def neuron() -> TwoLayer:
    """The single ReLU neuron ``relu(<w, x>)`` (fixed outer weight +1)."""
    return TwoLayer(m=1, alpha=0.0, train_outer=False, outer_init="signs")


def gram(data: Dataset) -> np.ndarray:
    """``X X^T``, cached in ``data.meta["gram"]`` when the generator stored it."""
    G = data.meta.get("gram")
    return np.asarray(G) if G is not None else data.X @ data.X.T


def row_space(X: np.ndarray, G: np.ndarray | None = None) -> tuple[np.ndarray, Any]:
    """Coordinates of the row space of ``X``: ``L`` (n x n, lower) with ``X X^T = L L^T``
    (``X = L Q``, ``Q = L^{-1} X`` orthonormal rows, as in :mod:`verify.dynamics.span`) and the lift
    ``v -> Q^T v = X^T L^{-T} v`` of row-space coordinates (rows of ``V``) to ``R^d``."""
    X = np.asarray(X, float)
    L = np.linalg.cholesky(X @ X.T if G is None else G)
    return L, lambda V: (solve_triangular(L.T, np.asarray(V, float).T, lower=False).T @ X)


def neuron_min_norm(X: np.ndarray, y: np.ndarray, G: np.ndarray | None = None) -> Target:
    r"""Min-norm interpolating neuron (:func:`verify.targets.neuron.min_norm_single_neuron`)
    solved in the row space (``X w = L v`` for ``w = Q^T v``) and lifted; KKT certificate
    recomputed on ``X``."""
    L, lift = row_space(X, G)
    t = min_norm_single_neuron(L, y)
    if "w" not in t.values:
        return t
    w = lift(t.values["w"])
    cert = neuron_certificate(np.asarray(X, float), np.asarray(y, float), w, t.values["nu"], t.values["mu"])
    vals = dict(t.values) | {"w": w, "outputs": np.maximum(X @ w, 0.0)}
    return Target(t.name, t.status, t.solver, vals, cert, t.tolerance, t.polished,
                  t.note + "; solved in the row space of X and lifted")


def two_layer_min_norm(X: np.ndarray, y: np.ndarray, max_n: int = 10) -> Target:
    r"""Min :math:`\tfrac12\|\theta\|^2` (= min path norm) two-layer ReLU interpolator by the
    convex reformulation in the row space (exact enumeration of the :math:`\le 2^n` patterns);
    refused (status ``"skipped"``) for ``n > max_n``."""
    if len(X) > max_n:
        return Target("two_layer_min_norm", "skipped", "none", {}, {}, 1e-7, False,
                      f"n = {len(X)} > {max_n}: pattern enumeration too large")
    L, lift = row_space(X)
    t = min_norm_interpolator_two_layer(L, y, 0.0)
    note = "; solved in the row space of X and lifted"
    if t.status != "optimal":  # the same program in another orthonormal basis (an isometry)
        Q, R = np.linalg.qr(np.asarray(X, float).T)  # X = R^T Q^T: coordinates R^T, lift v -> Q v
        retry = min_norm_interpolator_two_layer(R.T, y, 0.0)
        if retry.status == "optimal":
            t, lift = retry, (lambda V: np.asarray(V, float) @ Q.T)
            note += " (failed in the Cholesky basis; retried in the QR basis of the row space)"
    vals = dict(t.values)
    if "W" in vals:
        vals["W"] = lift(vals["W"])
    return Target(t.name, t.status, t.solver, vals, t.certificate, t.tolerance, t.polished,
                  t.note + note)


def _W(pt: Point) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(pt.params["W"], float), np.asarray(pt.params["a"], float)


def interpolated(pt: Point) -> float:
    r"""``1[max_i |f(x_i) - y_i| <= 1e-9 max(1, max|y|)]``: a global minimum of the squared loss."""
    scale = max(1.0, float(np.abs(pt.data.y).max()))
    return float(np.max(np.abs(pt.f - pt.data.y)) <= INTERP_RTOL * scale)


def neuron_gap(pt: Point) -> float:
    r"""``||w(t) - w_mn|| / ||w_mn||`` for the single neuron, at an interpolating iterate."""
    if not interpolated(pt):
        raise ValueError("gap undefined: the iterate does not interpolate (no global minimum yet)")
    w_mn = np.asarray(pt.targets["min_norm"]["w"])
    return float(np.linalg.norm(pt.theta - w_mn) / np.linalg.norm(w_mn))


def norm_gap(pt: Point, path_norm: float) -> float:
    r"""``(||theta||^2 / 2 - P*) / P*``: relative excess of the l2 norm over the minimum ``P*``
    of interpolating networks; only defined at an interpolating iterate (else ValueError)."""
    if not interpolated(pt):
        raise ValueError("norm gap undefined: the iterate does not interpolate")
    return float((0.5 * pt.norm**2 - path_norm) / path_norm)


def pattern_final(pt: Point) -> float:
    r"""1 if the activation pattern at this iterate is *certified* to be the final one.

    Single neuron only (fixed outer weight).  With ``A`` the current active set, GD with the
    pattern frozen is least squares on ``X_A``: it converges to ``w_inf = w - X_A^+(X_A w - y_A)``
    and, when ``eta lambda_max(X_A X_A^T) <= 2``, ``||w_s - w_inf|| <= r = ||w - w_inf||`` for
    all later steps.  If every sample keeps a margin ``|<w_inf, x_i>| > r ||x_i||`` on the side
    of its current sign, no step can flip it (induction on the steps), so the pattern is final.
    A sample converging to the kink (``<w_inf, x_i> = 0``) is never certified (indicator 0).
    """
    if pt.model.m != 1 or pt.model.train_outer:
        raise ValueError("the frozen-pattern certificate is implemented for the single neuron")
    X, y, w = pt.data.X, pt.data.y, pt.theta
    z = X @ w
    A = z >= 0
    XA = X[A]
    G = gram(pt.data)[np.ix_(A, A)]
    if A.any() and pt.case["eta"] * np.linalg.eigvalsh(G)[-1] > 2.0:
        return 0.0
    w_inf = w - (XA.T @ np.linalg.solve(G, z[A] - y[A]) if A.any() else 0.0)
    r = np.linalg.norm(w - w_inf)
    zi = X @ w_inf
    margin = np.where(A, zi, -zi) - r * np.sqrt(np.sum(X * X, axis=1))
    return float(np.all(margin > 0.0))


QUANTITIES = {
    "interpolated": Quantity(r"1[\max_i|f(x_i)-y_i| \le 10^{-9}]", interpolated),
    "loss": Quantity(r"L(\theta(t))", lambda s, pt: np.exp(s["log_loss"]), per_step=True),
}
