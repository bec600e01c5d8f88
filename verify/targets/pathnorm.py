r"""Two-layer (leaky-)ReLU networks as group variables, path norms and a certified dual bound.

Network :math:`f_\theta(x) = \sum_k a_k\phi(\langle w_k, x\rangle)`, no bias,
:math:`\phi(z) = \max(z, \alpha z)`, :math:`0 \le \alpha < 1`. The convex reformulation
of Pilanci & Ergen (2020, ICML, arXiv:2002.10553; see :mod:`verify.targets.twolayer`) works
with one group :math:`u_j` (or :math:`v_j`) per activation pattern; this module turns groups
into a balanced network (:func:`network_from_groups`), evaluates networks, bounds
:math:`\sup_{\|u\|\le1}|\sum_i c_i\phi(\langle u, x_i\rangle)|` rigorously over the chambers
of an arrangement (:func:`dual_scale`, the dual-feasibility check behind every lower bound on
the min path norm), and gives the closed-form min path norm on orthogonal inputs
(:func:`orthogonal_min_path_norm`).
"""
from __future__ import annotations

import numpy as np
import scipy.optimize

from verify.targets.arrangement import Arrangement

KEEP_RTOL = 1e-9  # groups with norm > KEEP_RTOL * max group norm become neurons
ORTHO_RTOL = 1e-12  # |<x_i, x_j>| <= ORTHO_RTOL |x_i||x_j| counts as orthogonal


def phi(z: np.ndarray, alpha: float) -> np.ndarray:
    r"""Leaky ReLU :math:`\max(z, \alpha z)` for :math:`0 \le \alpha < 1`."""
    return np.maximum(z, alpha * z)


def network_outputs(a: np.ndarray, W: np.ndarray, X: np.ndarray, alpha: float) -> np.ndarray:
    r""":math:`f(x_i) = \sum_k a_k\phi(\langle w_k, x_i\rangle)` for every row of ``X`` (float64)."""
    return phi(X @ W.T, alpha) @ a


def orthogonal_min_path_norm(X: np.ndarray, y: np.ndarray, alpha: float = 0.0) -> float:
    r"""Closed-form min path norm of a two-layer net interpolating pairwise orthogonal inputs.

    Let :math:`b_i = y_i/\|x_i\|`, :math:`p = (\sum_{b_i>0}b_i^2)^{1/2}`,
    :math:`q = (\sum_{b_i<0}b_i^2)^{1/2}` (so :math:`p^2 = S_+ = \sum_{y_i>0}y_i^2/\|x_i\|^2`).

    * ReLU (:math:`\alpha = 0`): :math:`P^\star = p + q = \sqrt{S_+} + \sqrt{S_-}`.
      Attained by :math:`u_\pm = \sum_{\pm y_i>0}|y_i|x_i/\|x_i\|^2` with output signs
      :math:`\pm` (orthogonality: each neuron is zero on the other samples); optimal since
      :math:`\lambda_i = y_i/(\|x_i\|^2\sqrt{S_\pm})` is dual feasible (each signed half
      of :math:`g_\lambda(u)` lies in [0, 1] on the unit ball by Cauchy-Schwarz and Bessel)
      with :math:`\lambda^\top y = p + q`.
    * Leaky ReLU (:math:`0 < \alpha < 1`): the ReLU value is only an upper bound. With
      :math:`c_i = \lambda_i\|x_i\|` and :math:`A, B` the squared norms of the positive and
      negative :math:`c_i`, :math:`\sup_{\|u\|\le1}g_\lambda = \sqrt{A + \alpha^2B}`
      and :math:`\sup(-g_\lambda) = \sqrt{B + \alpha^2A}`, so the dual is
      :math:`\max\ pa + qb` s.t. :math:`a^2 + \alpha^2b^2 \le 1`,
      :math:`b^2 + \alpha^2a^2 \le 1`:

      .. math::  P^\star = \begin{cases} (p + q)/\sqrt{1+\alpha^2}
                 & \alpha^2 \le q/p \le \alpha^{-2},\\
                 \sqrt{p^2 + q^2/\alpha^2} & q < \alpha^2 p,\\
                 \sqrt{q^2 + p^2/\alpha^2} & p < \alpha^2 q. \end{cases}

      (Derived here, by strong duality of the convex reformulation; checked against the SOCP
      in ``tests/test_twolayer_target.py``.)

    Boursier, Pillaud-Vivien & Flammarion (2022, arXiv:2206.00939) show gradient flow from
    small initialization reaches the ReLU minimiser on orthogonal inputs.

    Raises
    ------
    ValueError
        If the rows are not pairwise orthogonal and nonzero, or alpha is outside [0, 1).

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [0.0, 2.0]]); y = np.array([1.0, -2.0])
    >>> orthogonal_min_path_norm(X, y), round(orthogonal_min_path_norm(X, y, 0.5), 9)
    (2.0, 1.788854382)
    """
    X, y = np.asarray(X, float), np.asarray(y, float)
    if not is_orthogonal(X) or np.any(np.linalg.norm(X, axis=1) == 0):
        raise ValueError("orthogonal_min_path_norm needs pairwise orthogonal nonzero rows")
    if not 0.0 <= alpha < 1.0:
        raise ValueError(f"alpha must satisfy 0 <= alpha < 1, got {alpha!r}")
    b = y / np.linalg.norm(X, axis=1)
    p, q = float(np.sqrt(np.sum(b[b > 0] ** 2))), float(np.sqrt(np.sum(b[b < 0] ** 2)))
    a2 = alpha * alpha
    if alpha > 0 and q < a2 * p:
        return float(np.sqrt(p * p + q * q / a2))
    if alpha > 0 and p < a2 * q:
        return float(np.sqrt(q * q + p * p / a2))
    return (p + q) / float(np.sqrt(1.0 + a2))


def network_from_groups(
    U: np.ndarray, V: np.ndarray, keep_rtol: float = KEEP_RTOL
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    r"""Balanced network from group variables: :math:`w = u/\sqrt{\|u\|}`, :math:`a = \pm\sqrt{\|u\|}`.

    Returns
    -------
    a, W, kept, pruned
        Output weights (m,), hidden weights (m, d), the kept rows of ``vstack([U, V])``,
        and the pruned norm mass relative to the total.
    """
    G = np.vstack([U, V])
    norms = np.linalg.norm(G, axis=1)
    kept = np.flatnonzero(norms > keep_rtol * max(norms.max(), np.finfo(float).tiny))
    sign = np.where(kept < U.shape[0], 1.0, -1.0)
    root = np.sqrt(norms[kept])
    pruned = float((norms.sum() - norms[kept].sum()) / max(norms.sum(), np.finfo(float).tiny))
    return sign * root, G[kept] / root[:, None], kept, pruned


def dual_scale(X: np.ndarray, coef: np.ndarray, alpha: float, arr: Arrangement) -> float:
    r"""Upper bound on :math:`\sup_{\|u\|\le1}|\sum_i c_i\phi(\langle u, x_i\rangle)|` over the listed chambers.

    For each chamber, :math:`\max_{u\in K_j,\|u\|\le1}\pm c_j^\top u \le \|\pm c_j +
    X^\top(2D_j - I)\mu\|` for the NNLS :math:`\mu \ge 0` (evaluated by us). Chambers are
    visited by decreasing :math:`\|c_j\|`, which bounds their value (:math:`\mu = 0`).
    """
    C = _chamber_vectors(X, coef, alpha, arr)
    bound, S = np.linalg.norm(C, axis=1), arr.signs
    best = 0.0
    for j in np.argsort(-bound):
        if bound[j] <= best:
            break
        M = -(S[j][:, None] * X).T  # -(X^T S_j)
        best = max(best, _cone_max(M, C[j]), _cone_max(M, -C[j]))
    return max(best, np.finfo(float).tiny)


def chamber_values(
    X: np.ndarray, coef: np.ndarray, alpha: float, arr: Arrangement, floor: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    r"""Upper bounds :math:`\rho^\pm_j \ge \max_{u\in K_j,\|u\|\le1}\pm c_j^\top u` for every chamber.

    :math:`c_j = X^\top\tilde D_j c`. Chambers with :math:`\|c_j\| \le` ``floor`` get the
    bound :math:`\|c_j\|` without an NNLS (they cannot exceed ``floor``). A u-group of
    chamber j (v-group) violates dual feasibility iff :math:`\rho^+_j > 1` (:math:`\rho^-_j > 1`).
    """
    C, S = _chamber_vectors(X, coef, alpha, arr), arr.signs
    rp = np.linalg.norm(C, axis=1)
    rm = rp.copy()
    SXc = S * (C @ X.T)  # c_j in K_j (resp. -c_j in K_j): the bound ||c_j|| is attained
    for sign, rho, inside in ((1.0, rp, np.all(SXc >= 0, axis=1)), (-1.0, rm, np.all(SXc <= 0, axis=1))):
        for j in np.flatnonzero((rho > floor) & ~inside):
            rho[j] = _cone_max(-(S[j][:, None] * X).T, sign * C[j])
    return rp, rm


def witness_values(
    X: np.ndarray, coef: np.ndarray, alpha: float, arr: Arrangement
) -> tuple[np.ndarray, np.ndarray]:
    r"""Cheap lower bounds :math:`\pm c_j^\top\hat w_j \le \rho^\pm_j` at the unit chamber witnesses.

    Valid where the witness is certified interior (``arr.margins > 0``); elsewhere ``-inf``.
    """
    W = arr.witnesses / np.linalg.norm(arr.witnesses, axis=1, keepdims=True)
    val = np.einsum("jd,jd->j", _chamber_vectors(X, coef, alpha, arr), W)
    val[~(arr.margins > 0)] = -np.inf
    return val, np.where(np.isfinite(val), -val, -np.inf)


def _chamber_vectors(X: np.ndarray, coef: np.ndarray, alpha: float, arr: Arrangement) -> np.ndarray:
    r"""(P, d) rows :math:`c_j = X^\top\tilde D_j c`, :math:`\tilde D_j = \alpha I + (1-\alpha)D_j`."""
    return ((alpha + (1.0 - alpha) * arr.patterns) * coef) @ X


def _cone_max(M: np.ndarray, c: np.ndarray) -> float:
    r""":math:`\|c - M\mu\|` at the NNLS :math:`\mu \ge 0`: an upper bound on :math:`\max_{u\in K,\|u\|\le1}c^\top u`."""
    mu, _ = scipy.optimize.nnls(M, c)
    return float(np.linalg.norm(c - M @ np.maximum(mu, 0.0)))


def cone_violation(X: np.ndarray, groups: np.ndarray, kept: np.ndarray) -> float:
    r"""How far kept groups leave their cones, relative to the path norm.

    :math:`\max_{k,i}\max(0, -(2D_k-I)_{ii}\langle x_i, u_k\rangle)/(\|x_i\|\sum_l\|u_l\|)`:
    the change of any output caused by the violation, on the scale of the solution (a group
    of norm 1e-6 slightly outside its cone is harmless and not flagged). ``groups`` is the
    (G, n + d) array ``[signs | vstack(U, V)]`` of the program.
    """
    S, G = groups[kept, : X.shape[0]], groups[kept, X.shape[0]:]
    xn = np.maximum(np.linalg.norm(X, axis=1), np.finfo(float).tiny)
    total = max(float(np.linalg.norm(G, axis=1).sum()), np.finfo(float).tiny)
    rel = S * (G @ X.T) / (xn[None, :] * total)
    return float(max(0.0, -rel.min())) if rel.size else 0.0


def is_orthogonal(X: np.ndarray) -> bool:
    """Rows pairwise orthogonal up to :data:`ORTHO_RTOL`."""
    G = X @ X.T
    nrm = np.sqrt(np.diag(G))
    off = np.abs(G - np.diag(np.diag(G)))
    return bool(np.all(off <= ORTHO_RTOL * np.outer(nrm, nrm)))
