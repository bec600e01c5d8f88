r"""KKT multipliers of the parameter-space max-margin problem, by certified NNLS.

Lyu & Li (2020), "Gradient Descent Maximizes the Margin of Homogeneous Neural Networks"
(ICLR 2020, arXiv:1906.05890): for an L-homogeneous network with margins
:math:`q_i(\theta) = y_i\Phi(\theta; x_i)`, every limit direction of gradient flow on the
logistic or exponential loss is, after rescaling, a KKT point of

.. math::  \min_\theta \tfrac12\|\theta\|^2 \quad\text{s.t.}\quad q_i(\theta) \ge 1,

and along the way :math:`\theta` is an :math:`(\varepsilon,\delta)`-KKT point:
:math:`\|\theta - \sum_i\lambda_i g_i\| \le \varepsilon`, :math:`\sum_i\lambda_i(q_i-1)
\le \delta`, :math:`\lambda \ge 0`, :math:`g_i = \partial q_i/\partial\theta`. Given a
rescaled point (:math:`\min_i q_i = 1`) the best multipliers solve the non-negative least
squares :math:`\min_{\lambda\ge0}\|\theta - G^\top\lambda\|^2` (paper notes 5.0, C2). It is
solved by Clarabel (:mod:`verify.targets.solve`), cross-checked with
:func:`scipy.optimize.nnls`, certified by its own optimality conditions
(:func:`nnls_certificate`), and polished in mpmath on the active set (normal equations
:math:`G_SG_S^\top\lambda_S = G_S\theta` from exact float64 inputs).

The NNLS minimises the stationarity residual only; complementarity is then evaluated at
its minimiser. For the linear model (L = 1, :math:`g_i = y_ix_i`) the multipliers are the
dual variables of the hard-margin SVM of Soudry et al. (2018, JMLR 19:70),
:mod:`verify.targets.svm`.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import scipy.optimize

from verify.targets import polish as P
from verify.targets.base import Target
from verify.lazy import lazy
from verify.targets.solve import solve_clarabel

cp = lazy("cvxpy")  # imported when the first program is built (verify.lazy)


SUPPORT_RTOL = 1e-10  # lambda_i > SUPPORT_RTOL * max(lambda) marks the active set
SIGN_RTOL = 1e-12  # polished grad_i >= -SIGN_RTOL * ||g_i|| ||theta|| is accepted
MARGIN_ATOL = 1e-6  # inputs must satisfy |min_i margins - 1| <= MARGIN_ATOL


def kkt_multipliers(
    theta: np.ndarray,
    G: np.ndarray,
    margins: np.ndarray,
    *,
    tol: float = 1e-12,
    polish_dps: int = 50,
    cert_tol: float = 1e-7,
    homogeneity: int = 2,
) -> Target:
    r"""Best KKT multipliers at a rescaled point and the Lyu-Li (eps, delta) residuals.

    Parameters
    ----------
    theta
        Parameters (p,), rescaled by the caller so that ``min(margins) == 1``.
    G
        Rows :math:`g_i = \partial q_i/\partial\theta` at ``theta``, shape (n, p). Pass
        only the near-active rows if the complementarity term should ignore far points.
    margins
        :math:`q_i(\theta)`, shape (n,), with minimum 1 (within 1e-6).
    tol
        Clarabel's ``tol_gap_abs = tol_gap_rel = tol_feas``.
    polish_dps
        Decimal digits of the mpmath polish (>= 30).
    cert_tol
        Tolerance of every certificate entry (``Target.tolerance``).
    homogeneity
        L, the degree of homogeneity of :math:`\theta \mapsto q_i(\theta)` (2 for a
        two-layer net, 1 for a linear model).

    Returns
    -------
    Target
        ``name="kkt"``; values ``lambda`` (n,); ``stationarity``
        :math:`=\|\theta - G^\top\lambda\|/\|\theta\|` (relative eps);
        ``complementarity`` :math:`=\sum_i\lambda_i(q_i - 1)/\|\theta\|^2` (relative delta);
        ``residual`` = their sum (the KKT residual used by claims); ``kkt_margin``
        :math:`=(L\sum_i\lambda_i)^{-L/2}` (see :func:`kkt_margin`); ``sum_lambda``;
        ``support``; ``euler_residual`` :math:`=\max_i|\langle g_i,\theta\rangle - Lq_i|
        /(L\max_i q_i)` (Euler's identity, a check of the caller's G); ``lambda_solver``
        and, unless scipy failed, ``lambda_scipy``. The certificate is
        :func:`nnls_certificate` at the returned ``lambda``.

    Raises
    ------
    ValueError
        Malformed input (shapes, non-finite entries, theta = 0, min margin != 1, L < 1).
    """
    theta, G, margins = _validated(theta, G, margins, homogeneity)
    lam, info = _solve(theta, G, tol)
    lam_sp, sp_note = _scipy_nnls(theta, G)
    note = f"Clarabel: {info.iterations} iterations, {info.seconds:.3g} s" + sp_note
    note += "".join(f"; warning: {m}" for m in info.warnings)
    if lam is None:
        note += "; no solution"
        return Target("kkt", info.status, info.solver, {}, {}, cert_tol, False, note)
    polished = _polish(theta, G, [lam, lam_sp], polish_dps)
    final = lam if polished is None else polished
    note += f"; polished at dps={polish_dps}" if polished is not None else (
        f"; polish at dps={polish_dps} rejected, solver point kept"
    )
    vals = kkt_values(theta, G, margins, final, homogeneity) | {"lambda_solver": lam}
    if lam_sp is not None:
        vals["lambda_scipy"] = lam_sp
    cert = nnls_certificate(theta, G, final, lam_sp)
    return Target("kkt", info.status, info.solver, vals, cert, cert_tol, polished is not None, note)


def kkt_margin(sum_lambda: float, homogeneity: int) -> float:
    r"""Normalized margin implied by exact KKT multipliers of an L-homogeneous net.

    At a KKT point with :math:`\min_i q_i = 1`, Euler's identity
    :math:`\langle g_i, \theta\rangle = L q_i` and complementarity give
    :math:`\|\theta\|^2 = \sum_i\lambda_i\langle g_i,\theta\rangle = L\sum_i\lambda_i`, so
    the normalized margin :math:`q_{\min}/\|\theta\|^L` equals :math:`(L\sum_i\lambda_i)^{-L/2}`:
    :math:`1/(2\sum\lambda)` for L = 2 and :math:`1/\sqrt{\sum\lambda} = 1/\|\hat w\|` for
    the linear SVM (L = 1). Returns NaN when :math:`\sum\lambda = 0`.
    """
    total = homogeneity * sum_lambda
    return float(total ** (-homogeneity / 2)) if total > 0 else float("nan")


def kkt_values(
    theta: np.ndarray, G: np.ndarray, margins: np.ndarray, lam: np.ndarray, homogeneity: int
) -> dict[str, Any]:
    """Lyu-Li residuals (relative eps and delta), their sum and the implied margin at ``lam``."""
    sq = float(theta @ theta)
    stat = float(np.linalg.norm(theta - G.T @ lam) / np.sqrt(sq))
    comp = float(lam @ (margins - 1.0)) / sq
    euler = np.max(np.abs(G @ theta - homogeneity * margins)) / (homogeneity * margins.max())
    return {
        "lambda": lam,
        "stationarity": stat,
        "complementarity": comp,
        "residual": stat + comp,
        "kkt_margin": kkt_margin(float(lam.sum()), homogeneity),
        "sum_lambda": float(lam.sum()),
        "support": np.flatnonzero(lam > SUPPORT_RTOL * max(lam.max(), 0.0)),
        "euler_residual": float(euler),
    }


def nnls_certificate(
    theta: np.ndarray, G: np.ndarray, lam: np.ndarray, lam_ref: np.ndarray | None = None
) -> dict[str, float]:
    r"""Optimality residuals of :math:`\min_{\lambda\ge0} f(\lambda)=\|\theta-G^\top\lambda\|^2`.

    With :math:`\nabla_i = \langle g_i, G^\top\lambda - \theta\rangle` (half the gradient
    of f), :math:`\lambda` is optimal iff :math:`\lambda \ge 0`, :math:`\nabla \ge 0` and
    :math:`\lambda_i\nabla_i = 0` (the problem is convex). The scales make every entry
    invariant under rescaling :math:`\theta` and each row :math:`g_i`.

    Returns
    -------
    dict
        ``dual_infeasibility`` :math:`=\max(0,-\min\lambda)`; ``gradient_sign``
        :math:`=\max(0, \max_i -\nabla_i/(\|g_i\|\|\theta\|))`; ``complementarity_nnls``
        :math:`=\max_i|\lambda_i\nabla_i|/\|\theta\|^2`; ``objective_gap``
        :math:`=\max(0, f(\lambda) - f(\lambda_{\rm ref}))/\|\theta\|^2` (0 without
        ``lam_ref``; :math:`\|\theta\|^2 = f(0) \ge f` bounds the objective).
    """
    theta, G, lam = (np.asarray(a, float) for a in (theta, G, lam))
    sq = float(theta @ theta)
    grad = G @ (G.T @ lam - theta)
    scale = np.linalg.norm(G, axis=1) * np.sqrt(sq)
    signed = np.divide(-grad, scale, out=np.zeros_like(grad), where=scale > 0)
    gap = 0.0 if lam_ref is None else _objective(theta, G, lam) - _objective(theta, G, lam_ref)
    return {
        "dual_infeasibility": max(0.0, float(-lam.min())),
        "gradient_sign": max(0.0, float(signed.max())),
        "complementarity_nnls": float(np.max(np.abs(lam * grad))) / sq,
        "objective_gap": max(0.0, gap) / sq,
    }


def _objective(theta: np.ndarray, G: np.ndarray, lam: np.ndarray) -> float:
    r""":math:`\|\theta - G^\top\lambda\|^2`."""
    r = theta - G.T @ np.asarray(lam, float)
    return float(r @ r)


def _validated(
    theta: np.ndarray, G: np.ndarray, margins: np.ndarray, homogeneity: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Float copies of the inputs, or ValueError naming the problem."""
    theta, G, margins = (np.asarray(a, dtype=float) for a in (theta, G, margins))
    if theta.ndim != 1 or theta.size == 0:
        raise ValueError(f"theta must be a non-empty 1-D array, got shape {theta.shape}")
    if G.ndim != 2 or G.shape[0] == 0 or G.shape[1] != theta.size:
        raise ValueError(f"G must have shape (n, {theta.size}) with n >= 1, got {G.shape}")
    if margins.shape != (G.shape[0],):
        raise ValueError(f"margins must have shape ({G.shape[0]},), got {margins.shape}")
    if not all(np.all(np.isfinite(a)) for a in (theta, G, margins)):
        raise ValueError("theta, G and margins must be finite")
    if not np.any(theta):
        raise ValueError("theta must be non-zero")
    if abs(margins.min() - 1.0) > MARGIN_ATOL:
        raise ValueError(f"rescale theta so that min(margins) == 1 (got {margins.min():.6g})")
    if int(homogeneity) != homogeneity or homogeneity < 1:
        raise ValueError(f"homogeneity must be an integer >= 1, got {homogeneity!r}")
    return theta, G, margins


def _solve(theta: np.ndarray, G: np.ndarray, tol: float) -> tuple[np.ndarray | None, Any]:
    """Clarabel on min_{lambda >= 0} 1/2 ||theta - G^T lambda||^2."""
    lam = cp.Variable(G.shape[0], nonneg=True)
    problem = cp.Problem(cp.Minimize(0.5 * cp.sum_squares(theta - G.T @ lam)))
    info = solve_clarabel(problem, tol=tol)
    return (None if lam.value is None else np.asarray(lam.value, float).ravel()), info


def _scipy_nnls(theta: np.ndarray, G: np.ndarray) -> tuple[np.ndarray | None, str]:
    """Lawson-Hanson NNLS from scipy as the cross-check; ``None`` and a note if it fails."""
    try:
        return scipy.optimize.nnls(G.T, theta)[0], ""
    except RuntimeError as exc:
        return None, f"; scipy nnls failed ({exc}), objective_gap not cross-checked"


def _polish(
    theta: np.ndarray, G: np.ndarray, starts: list[np.ndarray | None], dps: int
) -> np.ndarray | None:
    """Re-solve the normal equations on the active set of each start; first accepted wins."""
    ctx = P.mp_context(dps)
    GG_int, e_gg = P.exact_products(G, G)
    Gt_int, e_gt = P.exact_products(G, theta)
    Gt = P.to_mp_matrix(ctx, Gt_int, e_gt)
    scale = np.linalg.norm(G, axis=1) * np.linalg.norm(theta)
    starts = [s for s in starts if s is not None and s.max() > 0]
    sets = [np.flatnonzero(s > SUPPORT_RTOL * s.max()) for s in starts]
    for S in P.candidate_sets(G, sets):
        lam = _polish_on(ctx, P.to_mp_matrix(ctx, GG_int[:, S], e_gg), Gt, S, scale)
        if lam is not None:
            return lam
    return None


def _polish_on(
    ctx: Any, M: Any, Gt: Any, S: np.ndarray, scale: np.ndarray
) -> np.ndarray | None:
    r"""Solve :math:`G_SG_S^\top\lambda_S = G_S\theta`, dropping :math:`\lambda_i \le 0`.

    ``M`` is the exact :math:`GG_S^\top` (n, |S|) and ``Gt`` the exact :math:`G\theta` (n),
    both in ``ctx``. Accepted iff :math:`\nabla_i \ge -10^{-12}\|g_i\|\|\theta\|` for all i.
    """

    def solve(T: np.ndarray) -> Any:
        rhs = ctx.matrix([Gt[int(i)] for i in S[T]])
        return P.mp_solve(ctx, P.submatrix(ctx, M, S[T], T), rhs)

    found = P.solve_positive(solve, np.arange(S.size))
    if found is None:
        return None
    T, lam_T = found
    grad = P.submatrix(ctx, M, range(M.rows), T) * lam_T - Gt
    if any(grad[i] < -SIGN_RTOL * float(scale[i]) for i in range(len(grad))):
        return None
    lam = np.zeros(len(scale))
    lam[S[T]] = P.to_numpy(lam_T)
    return lam
