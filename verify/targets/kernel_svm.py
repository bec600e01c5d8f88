r"""Hard-margin kernel SVM (no bias) through its dual QP, with the arc-cosine kernel of order 1.

Training only the output layer of :math:`f(x) = \sum_j b_j\psi_j(x)` on the logistic loss is
logistic regression on the features :math:`\psi`; gradient descent converges in direction to
the hard-margin SVM of the kernel :math:`K(x, x') = \langle\psi(x), \psi(x')\rangle`
(Soudry et al. 2018, JMLR 19(70), arXiv:1710.10345).  Chizat & Bach (2020, COLT,
arXiv:2002.04486) call this the kernel (F2) max-margin classifier.  For random ReLU features
:math:`\psi_j(x) = (\langle a_j, x\rangle)_+/\sqrt m`, :math:`a_j \sim N(0, I)`, the kernel
tends as :math:`m \to \infty` to

.. math::  k(x, x') = \mathbb E_a[(\langle a, x\rangle)_+(\langle a, x'\rangle)_+]
           = \tfrac12 k_1(x, x'), \qquad
           k_1(x, x') = \tfrac1\pi\|x\|\|x'\|\big(\sin\vartheta + (\pi - \vartheta)\cos\vartheta\big),

:math:`\vartheta` the angle between :math:`x, x'`, the arc-cosine kernel of order 1 (Cho &
Saul 2009, "Kernel methods for deep learning", NeurIPS, eq. (1) and the identity
:math:`k_n = 2\,\mathbb E[\Theta(\langle w,x\rangle)\Theta(\langle w,x'\rangle)\langle w,x\rangle^n
\langle w,x'\rangle^n]`).

**The program.**  With :math:`Q = (yy^\top)\odot K`,

.. math::  \max_{\beta \ge 0}\ \mathbf 1^\top\beta - \tfrac12\beta^\top Q\beta, \qquad
           f = \sum_j\beta_jy_jK(\cdot, x_j), \qquad
           \gamma_K = \frac{1}{\|f\|_{\mathcal H}} = \frac{1}{\sqrt{\mathbf 1^\top\beta}},

the last identity because complementarity gives :math:`\beta^\top Q\beta = \mathbf 1^\top\beta`
at the optimum.  :math:`\gamma_K = \max_{\|f\|_{\mathcal H}\le1}\min_iy_if(x_i)`.  The QP is solved
by Clarabel (objective :math:`\|\Phi^\top(y\odot\beta)\|^2`, :math:`\Phi` a square root of
:math:`K` from its eigendecomposition, negative rounding eigenvalues clipped and reported), then
polished on the active set (:math:`Q_{SS}\beta_S = \mathbf 1`, dropping non-positive
multipliers) and certified with :math:`K` itself: primal feasibility :math:`\max(0, 1 -
\min_iq_i)`, :math:`q = y\odot K(y\odot\beta)`; dual feasibility; complementarity
:math:`\max_i\beta_i|q_i - 1|/\mathbf 1^\top\beta`; duality gap
:math:`|\beta^\top Q\beta - \mathbf 1^\top\beta|/\mathbf 1^\top\beta` (primal minus dual objective).
"""
from __future__ import annotations

import numpy as np

from verify.targets.base import Target
from verify.lazy import lazy
from verify.targets.solve import solve_clarabel

cp = lazy("cvxpy")  # imported when the first program is built (verify.lazy)


SUPPORT_RTOL = 1e-9  # beta_i > SUPPORT_RTOL * max(beta) marks a support vector


def arccos_kernel(X1: np.ndarray, X2: np.ndarray | None = None) -> np.ndarray:
    r"""Arc-cosine kernel of order 1, :math:`k_1(x, x') = \frac1\pi\|x\|\|x'\|(\sin\vartheta +
    (\pi - \vartheta)\cos\vartheta)` (Cho & Saul 2009), between the rows of ``X1`` and ``X2``.

    :math:`k_1 = 2\,\mathbb E_{a\sim N(0,I)}[(\langle a,x\rangle)_+(\langle a,x'\rangle)_+]`.

    Examples
    --------
    >>> x = np.array([[1.0, 0.0], [0.0, 2.0]])
    >>> np.round(arccos_kernel(x) * np.pi, 12)   # ||x||^2 pi on the diagonal, |x||x'| at 90 deg
    array([[ 3.14159265,  2.        ],
           [ 2.        , 12.56637061]])
    """
    X1 = np.asarray(X1, float)
    X2 = X1 if X2 is None else np.asarray(X2, float)
    n1, n2 = np.linalg.norm(X1, axis=1), np.linalg.norm(X2, axis=1)
    outer = np.outer(n1, n2)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.where(outer > 0, (X1 @ X2.T) / outer, 1.0)
    theta = np.arccos(np.clip(cos, -1.0, 1.0))
    return outer / np.pi * (np.sin(theta) + (np.pi - theta) * np.cos(theta))


def relu_feature_limit_kernel(X1: np.ndarray, X2: np.ndarray | None = None) -> np.ndarray:
    r""":math:`k = \mathbb E_{a\sim N(0,I)}[(\langle a,x\rangle)_+(\langle a,x'\rangle)_+] =
    k_1/2`: the :math:`m\to\infty` limit of :math:`\frac1m\sum_j(\langle a_j,x\rangle)_+
    (\langle a_j,x'\rangle)_+`."""
    return 0.5 * arccos_kernel(X1, X2)


def kernel_svm(K: np.ndarray, y: np.ndarray, *, tol: float = 1e-12, cert_tol: float = 1e-8) -> Target:
    r"""Hard-margin SVM without bias for the Gram matrix ``K`` (dual QP, see module docstring).

    Parameters
    ----------
    K
        Symmetric positive semi-definite Gram matrix (n, n).
    y
        Labels in {-1, +1} (n,).
    tol
        Clarabel's tolerances.
    cert_tol
        Tolerance of every certificate entry.

    Returns
    -------
    Target
        ``name="kernel_svm"``. Values: ``dual`` :math:`\beta` (n,), ``gamma``
        :math:`= 1/\sqrt{\mathbf 1^\top\beta}`, ``norm_f`` :math:`=\|f\|_{\mathcal H}`,
        ``margins`` :math:`q_i = y_if(x_i)`, ``support``, ``min_eig`` (smallest eigenvalue of
        ``K``), ``clipped`` (negative eigenvalue mass clipped, relative to the trace).
        Certificate: ``primal_infeasibility``, ``dual_infeasibility``, ``complementarity``,
        ``duality_gap``. Labels that no function of ``K`` separates give a solver status
        other than ``optimal``.

    Examples
    --------
    >>> K = np.eye(2); y = np.array([1.0, -1.0])   # orthonormal features: gamma = 1/sqrt(2)
    >>> round(kernel_svm(K, y)["gamma"], 10)
    0.7071067812
    """
    K, y = np.asarray(K, float), np.asarray(y, float)
    n = y.size
    if K.shape != (n, n) or not np.all(np.abs(y) == 1.0):
        raise ValueError(f"need K (n, n) and labels y (n,) in {{-1, +1}}, got {K.shape}, {y.shape}")
    K = 0.5 * (K + K.T)
    ev, V = np.linalg.eigh(K)
    clipped = float(-ev[ev < 0].sum() / max(np.trace(K), np.finfo(float).tiny))
    Phi = V * np.sqrt(np.maximum(ev, 0.0))
    beta = cp.Variable(n, nonneg=True)
    prob = cp.Problem(cp.Maximize(cp.sum(beta) - 0.5 * cp.sum_squares(Phi.T @ cp.multiply(y, beta))))
    info = solve_clarabel(prob, tol=tol)
    base = {"min_eig": float(ev[0]), "clipped": clipped}
    if info.status != "optimal" or beta.value is None:
        return Target("kernel_svm", info.status, info.solver, base, {}, cert_tol, False,
                      f"no optimal point (status {info.status!r})")
    b = np.maximum(np.asarray(beta.value, float), 0.0)
    Q = np.outer(y, y) * K
    polished, note = _polish(Q, b)
    b = polished if polished is not None else b
    q = Q @ b
    total = float(b.sum())
    vals = base | {"dual": b, "gamma": float(1.0 / np.sqrt(total)), "norm_f": float(np.sqrt(total)),
                   "margins": q, "support": np.flatnonzero(b > SUPPORT_RTOL * b.max())}
    cert = {
        "primal_infeasibility": max(0.0, 1.0 - float(q.min())),
        "dual_infeasibility": max(0.0, -float(b.min())),
        "complementarity": float(np.max(b * np.abs(q - 1.0))) / total,
        "duality_gap": abs(float(b @ q) - total) / total,
    }
    return Target("kernel_svm", info.status, info.solver, vals, cert, cert_tol,
                  polished is not None, note)


def _polish(Q: np.ndarray, beta: np.ndarray) -> tuple[np.ndarray | None, str]:
    r"""Re-solve :math:`Q_{SS}\beta_S = 1` on the solver's support, dropping
    :math:`\beta_i \le 0`; accepted iff every margin :math:`(Q\beta)_i \ge 1 - 10^{-12}`."""
    S = np.flatnonzero(beta > SUPPORT_RTOL * beta.max())
    while S.size:
        sol, *_ = np.linalg.lstsq(Q[np.ix_(S, S)], np.ones(S.size), rcond=None)
        if np.all(sol > 0):
            out = np.zeros_like(beta)
            out[S] = sol
            if (Q @ out).min() >= 1.0 - 1e-12:
                return out, f"polished on {S.size} support vectors (float64 active-set solve)"
            break
        S = S[sol > 0]
    return None, "active-set polish rejected; solver point kept"
