r"""The constant term of GD's asymptotic expansion on linearly separable data.

Soudry et al. (2018, JMLR 19(70), Theorem 3) show ``w(t) = w_hat log t + rho(t)`` with
``rho`` bounded and, for almost every dataset, convergent.  Plugging ``w = w_hat log t +
w~`` into gradient flow on an exponential-tail loss leaves only the support vectors
``S`` (SVM multipliers ``beta_n > 0``):

.. math:: r\, e^{-z_n^\top \tilde w} = \beta_n \quad (n \in S),\qquad z_n = y_n x_n,

with ``r = 1`` for the summed loss and ``1/n`` for the mean.  These equations fix the
component of ``w~`` in ``span{z_n : n in S}``; the component orthogonal to it is the limit
of the trajectory's own orthogonal component (the non-support samples' summable updates)
and has no closed form.  This module computes the span component ``rho_S`` exactly
(least-norm solution of the equations) with a certificate, and the projector onto the
orthogonal complement, so a theorem can predict ``w(t) ~ w_hat log t + rho_S +
P_perp rho(t)`` and compare any smooth function of ``w`` with its prediction.
"""
from __future__ import annotations

import numpy as np

from verify.targets.base import Target


def svm_expansion(svm: Target, X: np.ndarray, y: np.ndarray, r: float, *,
                  cert_tol: float = 1e-8) -> Target:
    r"""Solve ``z_n^T rho = -log(r beta_n)`` (``n`` in the SVM support) in the span of ``z_S``.

    Parameters
    ----------
    svm
        A hard-margin SVM target (:func:`verify.targets.svm.hard_margin_svm`); it must be ok.
    X, y
        The data it was solved on.
    r
        Loss reduction factor: 1 (sum) or ``1/n`` (mean).
    cert_tol
        Tolerance of the certificate: the relative residual of the equations, and the
        distance of ``w_hat`` from ``span z_S``.

    Returns
    -------
    Target
        ``name="expansion"``; values ``rho_S`` (d,), ``perp`` (d, d) the orthogonal
        projector onto ``span(z_S)^perp``, ``rank`` of ``z_S``.  Status ``"optimal"``
        when the SVM is ok (the solve is direct), else the SVM's failure.  A support set
        whose equations are inconsistent (linearly dependent ``z_S`` with incompatible
        right-hand sides, a non-generic dataset) fails the residual certificate.

    Examples
    --------
    >>> from verify.targets.svm import hard_margin_svm
    >>> X, y = np.array([[2.0, 0.0], [0.0, 1.0]]), np.array([1.0, 1.0])
    >>> e = svm_expansion(hard_margin_svm(X, y), X, y, 1.0)  # w_hat = (1/2, 1), beta = (1/4, 1)
    >>> bool(e.ok), np.round(e["rho_S"], 6).tolist()  # 2 rho_1 = log 4, rho_2 = -log 1
    (True, [0.693147, 0.0])
    """
    if not svm.ok:
        return Target("expansion", svm.status, "numpy.linalg.lstsq", {}, {}, cert_tol,
                      note=f"SVM not trusted: {svm.failure()}")
    S = np.asarray(svm.values["support"], dtype=int)
    Z = (y[:, None] * X)[S]
    rhs = -np.log(r * np.asarray(svm.values["dual"], dtype=float)[S])
    rho, *_ = np.linalg.lstsq(Z, rhs, rcond=None)
    U, sv, _ = np.linalg.svd(Z.T, full_matrices=True)
    rank = int(np.sum(sv > sv.max() * max(Z.shape) * np.finfo(float).eps))
    basis = U[:, :rank]
    perp = np.eye(X.shape[1]) - basis @ basis.T
    w_hat = np.asarray(svm.values["w"], dtype=float)
    cert = {
        "equation_residual": float(np.max(np.abs(Z @ rho - rhs)) / max(1.0, np.max(np.abs(rhs)))),
        "w_hat_off_span": float(np.linalg.norm(perp @ w_hat) / np.linalg.norm(w_hat)),
    }
    note = f"|S| = {S.size}, rank z_S = {rank} of d = {X.shape[1]}"
    if rank < X.shape[1]:
        note += "; the component of rho orthogonal to span z_S is taken from the run"
    return Target("expansion", "optimal", "numpy.linalg.lstsq", {"rho_S": rho, "perp": perp, "rank": rank},
                  cert, cert_tol, note=note)
