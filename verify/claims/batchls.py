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

from typing import Sequence

import numpy as np

from verify.claims.rates import RATES

#: Largest number of design entries solved in one stacked call (bounds the memory to a few
#: tens of MB whatever the window length).
MAX_ENTRIES = 2_000_000


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


def _rss_block(X: np.ndarray, q: np.ndarray) -> np.ndarray:
    """RSS of each design of the stack ``X`` (``inf`` where a design is not finite)."""
    out = np.full(X.shape[0], np.inf)
    ok = np.all(np.isfinite(X), axis=(1, 2))
    if not ok.any():
        return out
    U, sv, _ = np.linalg.svd(X[ok], full_matrices=False)
    cut = sv[:, :1] * (np.finfo(float).eps * max(X.shape[1], X.shape[2]))
    proj = np.einsum("gnk,n->gk", U, q) * (sv > cut)
    resid = q[None, :] - np.einsum("gnk,gk->gn", U, proj)
    out[ok] = np.einsum("gn,gn->g", resid, resid)
    return out


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
    return np.concatenate([_rss_block(designs(s, basis, a[i:i + chunk], b[i:i + chunk], extra), q)
                           for i in range(0, a.size, chunk)])
