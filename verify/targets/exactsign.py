r"""Exact decisions for the hyperplane arrangement: ranks, determinant signs, witnesses.

A chamber (activation pattern) of :math:`\{x : \langle x_i, w\rangle = 0\}` is certified
by a witness :math:`w` with :math:`(2D - I)Xw > 0`.  Float determinants decide the signs
when they are far from 0 (:data:`verify.targets.arrangement.DET_TRUST`); otherwise the
integer matrices of the dyadic data are reduced here in rationals, so no sign is a
rounding artefact.  Witnesses that float geometry cannot provide come from an LP and are
checked exactly (:func:`exactly_interior`).
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import scipy.optimize

from verify.targets.polish import exact_products

def pivot_columns(A: np.ndarray) -> list[int]:
    """Pivot columns of the exact integer matrix ``A`` (Gaussian elimination in rationals)."""
    M = [[Fraction(int(v)) for v in row] for row in A]
    cols, r = [], 0
    for c in range(A.shape[1]):
        p = next((i for i in range(r, len(M)) if M[i][c] != 0), None)
        if p is None:
            continue
        M[r], M[p] = M[p], M[r]
        for i in range(r + 1, len(M)):
            f = M[i][c] / M[r][c]
            if f:
                M[i] = [a - f * b for a, b in zip(M[i], M[r])]
        cols.append(c)
        r += 1
    return cols


def exact_det_sign(A: np.ndarray) -> int:
    """Sign of the determinant of a square integer matrix, exactly."""
    M = [[Fraction(int(v)) for v in row] for row in A]
    m, sign = len(M), 1
    for c in range(m):
        p = next((i for i in range(c, m) if M[i][c] != 0), None)
        if p is None:
            return 0
        if p != c:
            M[c], M[p], sign = M[p], M[c], -sign
        sign *= 1 if M[c][c] > 0 else -1
        for i in range(c + 1, m):
            f = M[i][c] / M[c][c]
            M[i] = [a - f * b for a, b in zip(M[i], M[c])]
    return sign


def cofactors(FS: np.ndarray) -> np.ndarray:
    r"""Generalised cross products: ``R[b] @ x == det([FS[b]; x])`` for (B, m-1, m) stacks."""
    B, _, m = FS.shape
    R = np.empty((B, m))
    for k in range(m):
        minor = np.delete(FS, k, axis=2)
        R[:, k] = (-1) ** (m - 1 + k) * (np.linalg.det(minor) if m > 1 else 1.0)
    return R


def lp_witness(SF: np.ndarray) -> np.ndarray:
    r"""Chebyshev-like interior point: :math:`\max t` s.t. ``SF @ w >= t``, ``|w|_inf <= 1``."""
    m = SF.shape[1]
    c = np.zeros(m + 1)
    c[-1] = -1.0
    A_ub = np.hstack([-SF, np.ones((SF.shape[0], 1))])
    res = scipy.optimize.linprog(
        c, A_ub=A_ub, b_ub=np.zeros(SF.shape[0]), bounds=[(-1, 1)] * m + [(None, 1)],
        method="highs",
    )
    w = res.x[:m] if res.status == 0 else np.zeros(m)
    return w / max(np.linalg.norm(w), np.finfo(float).tiny)


def exactly_interior(X: np.ndarray, d: np.ndarray, w: np.ndarray) -> bool:
    """True iff ``(2d - 1) * (X @ w) > 0`` on every nonzero row, in exact rational arithmetic."""
    vals, _ = exact_products(X, w)
    nz = np.any(X != 0, axis=1)
    return all((v > 0) == bool(di) and v != 0 for v, di, z in zip(vals, d, nz) if z)
