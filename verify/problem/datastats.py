"""Exact statistics of a dataset for assumption audits: Gram matrix, near-orthogonality
constant, norm ratio, largest squared singular value (rigorous interval), symmetry.

Every float64 is an exact dyadic rational, so these are computed with integer arithmetic
and returned as :class:`verify.arith.interval.Stat` (exact, or an exact enclosing interval).
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Iterable

import numpy as np
import sympy

from verify.arith.interval import Stat


def _dyadic(X: Any) -> tuple[np.ndarray, int]:
    """Integer (object) matrix ``A`` and exponent ``e`` with ``X == A * 2**e`` exactly."""
    X = np.asarray(X, dtype=np.float64)
    if not np.all(np.isfinite(X)):
        raise ValueError("X has non-finite entries")
    mant, exp = np.frexp(X)
    m, exp = np.ldexp(mant, 53).astype(np.int64), exp - 53
    e = int(exp[m != 0].min()) if np.any(m) else 0
    A = np.empty(X.size, dtype=object)
    A[:] = [a << s for a, s in zip(m.ravel().tolist(), np.where(m, exp - e, 0).ravel().tolist())]
    return A.reshape(X.shape), e


def gram_exact(X: Any) -> sympy.Matrix:
    """Exact Gram matrix ``X X^T`` of the float rows (integer arithmetic on binary values).

    Examples
    --------
    >>> gram_exact(np.array([[0.1, 1.0], [3.0, 0.0]]))[0, 1] == 3 * sympy.Rational(0.1)
    True
    """
    A, e = _dyadic(X)
    return sympy.Matrix((A @ A.T).tolist()) * sympy.Rational(Fraction(2) ** (2 * e))


def near_orthogonality_C(X: Any) -> Stat:
    """Exact largest C with ``||x_i||^2 >= C n max_{k != i} |<x_i, x_k>|`` (Kou et al. 2023).

    Examples
    --------
    >>> near_orthogonality_C(np.array([[2.0, 1.0], [0.0, 1.0]])).lo  # min(5, 1) / (2 * 1)
    1/2
    >>> near_orthogonality_C(np.eye(3)).lo  # orthogonal rows
    oo
    """
    A, _ = _dyadic(X)
    G, n = A @ A.T, A.shape[0]
    off = [max((abs(G[i, k]) for k in range(n) if k != i), default=0) for i in range(n)]
    return Stat.exact(min((Fraction(G[i, i], n * o) if o else math.inf
                           for i, o in enumerate(off)), default=math.inf))


def norm_ratio(X: Any) -> Stat:
    """Exact ``R_max^2 / R_min^2`` of the squared row norms (``oo`` if a row is zero, all
    rows included: ``R_min = 0`` violates any bound on the ratio).

    Examples
    --------
    >>> norm_ratio(np.array([[3.0, 4.0], [1.0, 0.0]])).lo
    25
    >>> norm_ratio(np.zeros((2, 2))).lo
    oo
    """
    sq = (lambda A: (A * A).sum(axis=1).tolist())(_dyadic(X)[0])
    return Stat.exact(Fraction(max(sq), min(sq)) if min(sq) else math.inf)


def _frobenius_up(M: np.ndarray, scale: Fraction, diag: Iterable) -> Fraction:
    """A rational upper bound (relative 2**-64) on ``||scale * M - diag(diag)||_F``."""
    E = M * scale
    E[np.diag_indices(len(E))] -= [Fraction(t) for t in diag]
    sq = sum(v * v for v in E.flat)
    return Fraction(math.isqrt((sq.numerator * sq.denominator) << 128) + 1, sq.denominator << 64)


def sigma_max_sq(X: Any, exact_up_to: int = 128) -> Stat:
    """Largest eigenvalue of ``X^T X`` as a rigorous interval around numpy's value.

    ``eigh`` of the smaller float Gram gives ``V, w``; with the exact Gram ``G``,
    ``||V^T G V - diag(w)||_F`` and ``||V^T V - I||_F <= f`` are bounded in exact arithmetic.
    Weyl bounds ``|lambda_max(V^T G V) - max w|``, Ostrowski (``lambda_k(V^T G V) = theta_k
    lambda_k(G)``, ``|theta_k - 1| <= f``) carries it to ``G``: width about ``n eps`` relative.
    If ``min(n, d) > exact_up_to`` (exact products too slow) the pad is a backward-error bound,
    ``1e-12 |w| + 2 (n + d) eps ||X||_F^2``: generous, but not a proof.

    Examples
    --------
    >>> s = sigma_max_sq(np.array([[1.0, 0.0], [0.0, 2.0]])); s.lo <= 4 <= s.hi
    True
    """
    X = np.asarray(X, dtype=np.float64)
    w, V = np.linalg.eigh(X @ X.T if len(X) <= X.shape[1] else X.T @ X)
    if not w.size or min(X.shape) > exact_up_to:
        top = float(w[-1]) if w.size else 0.0
        eps, fro2 = np.finfo(float).eps, float(np.sum(X * X))
        return Stat.approx(top, 1e-12 * abs(top) + 2 * sum(X.shape) * eps * fro2)
    (A, e), (B, f) = _dyadic(X), _dyadic(V)
    G = A @ A.T if len(X) <= X.shape[1] else A.T @ A
    err = _frobenius_up(B.T @ G @ B, Fraction(2) ** (2 * e + 2 * f), w)
    dev = _frobenius_up(B.T @ B, Fraction(2) ** (2 * f), [1] * len(w))
    if dev >= 1:
        raise ArithmeticError("eigenvectors from eigh are far from orthonormal")
    top = Fraction(w[-1])
    return Stat(max(Fraction(0), (top - err) / (1 + dev)), (top + err) / (1 - dev))


def is_symmetric_pairs(X: Any, y: Any) -> Stat:
    """Exactly 1 if the dataset is closed under ``(x, y) -> (-x, -y)`` (Lyu et al. 2021), else 0.

    Examples
    --------
    >>> X = np.array([[1.0, 2.0], [-1.0, -2.0]])
    >>> is_symmetric_pairs(X, [1, -1]).lo, is_symmetric_pairs(X, [1, 1]).lo
    (1, 0)
    """
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64).reshape(-1)
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)} labels")
    points = {(*row, label) for row, label in zip(X.tolist(), y.tolist())}
    return Stat.exact(int(all(tuple(-v for v in p) in points for p in points)))
