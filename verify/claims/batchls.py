r"""Residual sums of squares of many least-squares fits at once (the profile grids of a rate fit).

A rate fit (:mod:`verify.claims.fit`) profiles a free exponent ``a`` (or shift ``b``) over a
grid: at each grid point it solves the ordinary least-squares problem
:math:`\min_c \|q - X(a, b)\,c\|_2` and keeps the residual sum of squares.  Solving the grid
points one by one costs a Python round trip per point (building the design, calling
``numpy.linalg.lstsq``), which dominated the judging of a claim.  Here every design of the
grid is built as one array of shape ``(G, N, k)`` and the problems are solved together with
a stacked thin SVD :math:`X_g = U_g \Sigma_g V_g^\top`:

.. math:: RSS_g = \|q - U_g^{(r)} U_g^{(r)\top} q\|_2^2,

with :math:`U_g^{(r)}` the left singular vectors whose singular values exceed
``max(N, k) * eps * sigma_max``, the same rank rule as ``numpy.linalg.lstsq(rcond=None)``
(Golub & Van Loan, *Matrix Computations*, 4th ed., Sec. 5.5).  The values agree with the
one-by-one solves up to rounding; the grid's minimiser is then refined by the one-by-one
solver, so the fitted parameters do not depend on this module beyond the choice of the
grid point nearest the minimum.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from verify.claims.memo import bounded
from verify.claims.rates import RATES

#: Largest number of design entries solved in one stacked call (bounds the memory to a few
#: tens of MB whatever the window length).
MAX_ENTRIES = 2_000_000

#: Bytes of factored designs one resolution keeps for its re-judging (beyond: factored anew).
MEMO_BYTES = 256 * 2**20


def designs(s: np.ndarray, basis: Sequence[str], a: np.ndarray, b: np.ndarray,
            extra: np.ndarray | None = None) -> np.ndarray:
    """The designs ``[1, r_1/max|r_1|, ..., extra]`` of :func:`verify.claims.fit.design_matrix` for
    the parameter pairs ``(a[g], b[g])``, stacked: shape ``(G, N, k)``.

    Examples
    --------
    >>> s = np.linspace(1.0, 2.0, 5)
    >>> X = designs(s, ("t^-a",), np.array([0.5, 1.0]), np.zeros(2))
    >>> X.shape, bool(np.allclose(X[:, :, 1].max(axis=1), 1.0))
    ((2, 5, 2), True)
    """
    A, B = np.asarray(a, float)[:, None], np.asarray(b, float)[:, None]
    G, N = A.shape[0], s.size
    with np.errstate(all="ignore"):
        cols = [np.broadcast_to(RATES[r](s[None, :], A, B, float(s[0])), (G, N)) for r in basis]
        scaled = []
        for c in cols:
            k = np.max(np.abs(c), axis=1, keepdims=True)
            scaled.append(c / np.where(np.isfinite(k) & (k > 0), k, 1.0))
    more = [] if extra is None else [np.broadcast_to(np.asarray(extra, float), (G, N))]
    return np.stack([np.ones((G, N))] + scaled + more, axis=2)


def _factor(X: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Which designs of the stack ``X`` are finite, their left singular vectors ``U`` and the
    mask of the singular values above the rank cut (``None, None`` if none is finite)."""
    ok = np.all(np.isfinite(X), axis=(1, 2))
    if not ok.any():
        return ok, None, None
    U, sv, _ = np.linalg.svd(X[ok], full_matrices=False)
    cut = sv[:, :1] * (np.finfo(float).eps * max(X.shape[1], X.shape[2]))
    return ok, U, sv > cut


def _rss_block(factor: tuple[np.ndarray, np.ndarray | None, np.ndarray | None],
               q: np.ndarray) -> np.ndarray:
    """RSS of each design of a factored stack (``inf`` where a design is not finite)."""
    ok, U, keep = factor
    out = np.full(ok.shape[0], np.inf)
    if U is None:
        return out
    proj = np.einsum("gnk,n->gk", U, q) * keep
    resid = q[None, :] - np.einsum("gnk,gk->gn", U, proj)
    out[ok] = np.einsum("gn,gn->g", resid, resid)
    return out


def _nbytes(stacks: tuple[Any, ...]) -> int:
    return sum(a.nbytes for stack in stacks for a in stack if a is not None)


@bounded(MEMO_BYTES, _nbytes)
def factors(s: np.ndarray, basis: tuple[str, ...], a: np.ndarray, b: np.ndarray,
            extra: np.ndarray | None, chunk: int) -> tuple[Any, ...]:
    """The factored design stacks of :func:`rss_on_grid`, ``chunk`` designs at a time.

    They depend on the grid and not on the fitted values, so inside a
    :func:`verify.claims.memo.memoizing` block (the resolution's re-judging, which moves the
    values and keeps the grid) each grid's designs are built and decomposed once, up to
    :data:`MEMO_BYTES` of them.
    """
    return tuple(_factor(designs(s, basis, a[i:i + chunk], b[i:i + chunk], extra))
                 for i in range(0, a.size, chunk))


def rss_on_grid(s: np.ndarray, q: np.ndarray, basis: Sequence[str], a: np.ndarray,
                b: np.ndarray, extra: np.ndarray | None = None) -> np.ndarray:
    """Residual sums of squares of the OLS fits of ``q`` on the designs of :func:`designs`,
    one per parameter pair (``inf`` where the design is not finite).

    Examples
    --------
    >>> s = np.linspace(2.0, 6.0, 50)
    >>> q = 1.0 + 3.0 * np.exp(-0.7 * (s - 2.0))
    >>> grid = np.array([0.5, 0.7, 0.9])
    >>> int(np.argmin(rss_on_grid(s, q, ("t^-a",), grid, np.zeros(3))))
    1
    """
    a, b = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float))
    k = len(basis) + 1 + (extra is not None)
    chunk = max(1, MAX_ENTRIES // max(1, s.size * k))
    q = np.asarray(q, float)
    stacks = factors(s, tuple(basis), a, b, extra, chunk)
    return np.concatenate([_rss_block(f, q) for f in stacks])
