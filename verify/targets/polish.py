r"""Exact-input mpmath helpers for polishing active-set KKT systems.

The solver (Clarabel, see :mod:`verify.targets.solve`) identifies the active set of a
program -- the support vectors of the hard-margin SVM (Soudry et al. 2018, JMLR 19:70) or
the support of the KKT multipliers of Lyu & Li 2020 (arXiv:1906.05890) -- and gives 13-15
digits. On that active set the optimality conditions are a square linear system,

.. math::  K_{SS}\,\beta_S = b_S,

which we re-solve at ``dps`` decimal digits. Every float64 input is an exact dyadic
rational, so Gram matrices and matrix-vector products are formed **exactly** with Python
integers (:func:`scaled_int`: ``A == I * 2**e``); the only rounding is then the LU solve
at ``dps`` digits. All mpmath work happens in a private :class:`mpmath.MPContext`; the
global ``mpmath.mp`` is never read or written.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import mpmath
import numpy as np
import scipy.linalg

MIN_DPS = 30


def mp_context(dps: int) -> mpmath.MPContext:
    """A private mpmath context working at ``dps`` decimal digits.

    Parameters
    ----------
    dps
        Decimal digits, at least :data:`MIN_DPS` (the acceptance tests use ``10**-(dps-20)``).

    Returns
    -------
    mpmath.MPContext
        A fresh context, independent of ``mpmath.mp``.
    """
    if int(dps) != dps or dps < MIN_DPS:
        raise ValueError(f"polish_dps must be an integer >= {MIN_DPS}, got {dps!r}")
    ctx = mpmath.MPContext()
    ctx.dps = int(dps)
    return ctx


def acceptance_tol(ctx: mpmath.MPContext) -> Any:
    """Slack allowed in exact sign/margin checks: ``10**-(dps-20)`` (1e-30 at dps 50)."""
    return ctx.mpf(10) ** (-(ctx.dps - 20))


def scaled_int(A: np.ndarray) -> tuple[np.ndarray, int]:
    """Write a float64 array exactly as integers times a common power of two.

    Parameters
    ----------
    A
        Finite float64 array.

    Returns
    -------
    ints, e
        Object array of Python ints and an exponent with ``A == ints * 2**e`` exactly.
    """
    A = np.asarray(A, dtype=float)
    frac, exp = np.frexp(A)
    mant = np.ldexp(frac, 53).astype(np.int64)  # exact: |frac| < 1 carries 53 bits
    exp = exp.astype(np.int64) - 53
    nonzero = mant != 0
    e0 = int(exp[nonzero].min()) if nonzero.any() else 0
    shifts = np.where(nonzero, exp - e0, 0)
    flat = [int(m) << int(s) for m, s in zip(mant.ravel(), shifts.ravel())]
    return np.array(flat, dtype=object).reshape(A.shape), e0


def exact_products(A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, int]:
    """Exact ``A @ B.T`` for float64 ``A`` (m, k) and ``B`` (n, k): integers and an exponent.

    ``B`` may be 1-D (then the result is the exact vector ``A @ B``).
    """
    IA, ea = scaled_int(A)
    IB, eb = scaled_int(B)
    return IA @ IB.T, ea + eb


def to_mp_matrix(ctx: mpmath.MPContext, ints: np.ndarray, exp: int) -> Any:
    """Convert exact integers times ``2**exp`` (1-D or 2-D) to an mpmath matrix of ``ctx``."""
    ints = ints.reshape(-1, 1) if ints.ndim == 1 else ints
    rows = [[ctx.mpf((int(v), exp)) for v in row] for row in ints]
    return ctx.matrix(rows)


def submatrix(ctx: mpmath.MPContext, M: Any, rows: Sequence[int], cols: Sequence[int]) -> Any:
    """The block ``M[rows][:, cols]`` of an mpmath matrix, as a new matrix of ``ctx``."""
    return ctx.matrix([[M[int(i), int(j)] for j in cols] for i in rows])


def mp_solve(ctx: mpmath.MPContext, K: Any, b: Any) -> Any | None:
    """Solve ``K x = b`` by LU in ``ctx``; ``None`` when ``K`` is numerically singular."""
    try:
        return ctx.lu_solve(K, b)
    except ZeroDivisionError:
        return None


def rows_transpose_times(ctx: mpmath.MPContext, A: np.ndarray, v: Any) -> list[Any]:
    """``A.T @ v`` in ``ctx`` for a float64 ``A`` (k, p) and an mpmath vector ``v`` (k)."""
    coeffs = [v[j] for j in range(len(v))]
    # fdot converts python floats exactly
    return [ctx.fdot(col.tolist(), coeffs) for col in np.asarray(A, dtype=float).T]


def entries(v: Any) -> list[Any]:
    """The entries of an mpmath vector (n x 1 or 1 x n matrix) as a list."""
    return [v[i] for i in range(len(v))]


def to_numpy(v: Sequence[Any] | Any) -> np.ndarray:
    """An mpmath vector (or list of mpf) rounded to a float64 array."""
    return np.array([float(v[i]) for i in range(len(v))], dtype=float)


def independent_rows(A: np.ndarray, rtol: float = 1e-10) -> np.ndarray:
    """Indices of a maximal set of linearly independent rows of ``A`` (pivoted QR of ``A.T``).

    Used when the active set is degenerate (e.g. duplicated support vectors), so the
    active-set Gram matrix is singular and the multipliers are not unique.
    """
    if A.shape[0] == 0:
        return np.arange(0)
    _, R, piv = scipy.linalg.qr(np.asarray(A, float).T, mode="economic", pivoting=True)
    diag = np.abs(np.diag(R))
    rank = int(np.sum(diag > rtol * diag[0])) if diag.size and diag[0] > 0 else 0
    return np.sort(piv[:rank])


def solve_positive(
    solve: Callable[[np.ndarray], Any | None], S: np.ndarray
) -> tuple[np.ndarray, Any] | None:
    """Solve on ``S``; while some multiplier is <= 0, drop those indices and re-solve.

    ``solve(S)`` returns an mpmath vector of multipliers on ``S`` or ``None`` (singular).
    Returns the final ``(S, x)`` with every ``x > 0``, or ``None``. Whatever is returned
    must still pass the caller's exact optimality check (margins / gradient signs).
    """
    while S.size:
        x = solve(S)
        if x is None:
            return None
        keep = np.array([xi > 0 for xi in entries(x)], dtype=bool)
        if keep.all():
            return S, x
        S = S[keep]
    return None


def candidate_sets(A: np.ndarray, sets: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Distinct candidate active sets: each given set, then its independent-row reduction."""
    out: list[np.ndarray] = []
    for S in sets:
        S = np.sort(np.asarray(S, dtype=int))
        for cand in (S, S[independent_rows(A[S])] if S.size else S):
            if cand.size and not any(np.array_equal(cand, c) for c in out):
                out.append(cand)
    return out
