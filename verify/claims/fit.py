"""Least-squares rate fits for :class:`~verify.claims.limit.Limit` (and a line fit for Scaling).

A :class:`~verify.claims.limit.Limit` fits the theorem's rate of convergence,

.. math:: q(t) \\approx L + \\sum_k c_k\\, r_k(s), \\qquad s = \\log t,

by ordinary least squares on a late window, with rate terms :math:`r_k` taken from
:data:`verify.claims.rates.RATES`.  Columns are rescaled to a maximum of one on the window before
``numpy.linalg.lstsq``, so a coefficient is reported as the *amplitude* of its term on the
window (its largest absolute contribution there), which is well defined even when the raw
term (``1/t`` at ``log t = 800``) underflows.  Terms with a free exponent (``t^-a``) are
profiled: the residual sum of squares is minimised over a grid of ``a`` in
:data:`EXPONENT_GRID` and refined by a bounded scalar search.  Terms with a free shift
(``1/(log t+b)``, for quantities that are rational in ``log t`` with an offset, such as
``|v|/(|w| log t + c)``, whose power series in ``1/log t`` converges badly when ``c`` is not
small against ``log t``) are profiled the same way over ``b`` in :data:`SHIFT_GRID`.  A basis
with both a free exponent and a free shift is profiled jointly (nested: ``b`` outside,
``a`` inside).  The standard error of the limit linearises the model in the profiled
parameters too (Gauss-Newton), so their uncertainty is carried into it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from verify.claims.batchls import rss_on_grid
from verify.claims.memo import scoped
from verify.claims.rates import FREE, RATES, SHIFTED

#: Range of a free rate exponent ``a`` in ``t^-a``.
EXPONENT_GRID = (0.02, 3.0)

#: Range of a free shift ``b`` in ``1/(log t+b)``: ``b`` from ``SHIFT_GRID[0] * s_min`` to
#: ``SHIFT_GRID[1]``, with ``s_min`` the smallest ``log t`` of the window (so that
#: ``log t + b >= 0.1 s_min > 0`` on the window).
SHIFT_GRID = (-0.9, 50.0)


@dataclass(frozen=True)
class RateFit:
    r"""Least-squares fit of :math:`q = L + \sum_k c_k r_k(s)` on a window.

    Attributes
    ----------
    basis
        Rate names :math:`r_k`.
    limit
        The fitted constant :math:`\hat L`.
    amplitudes
        :math:`c_k \max_{window} |r_k|`: how large each term is on the window.
    exponent
        The profiled exponent ``a`` when the basis has a free exponent, else None.
    shift
        The profiled shift ``b`` when the basis has a free shift, else None.
    se_limit
        Standard error of :math:`\hat L`,
        :math:`\sqrt{\hat\sigma^2 [(J^\top J)^{-1}]_{00}}` with
        :math:`\hat\sigma^2 = RSS/(n-p)` and :math:`J` the design matrix, extended by the
        derivatives of the fitted values in the profiled parameters (``a``, ``b``) when
        there are any; ``inf`` when the constant is not identifiable.
    rss, dof
        Residual sum of squares and residual degrees of freedom ``n - p`` (each profiled
        parameter counts).
    fitted
        Fitted values on the window.
    """

    basis: tuple[str, ...]
    limit: float
    amplitudes: tuple[float, ...]
    exponent: float | None
    se_limit: float
    rss: float
    dof: int
    fitted: np.ndarray
    shift: float | None = None

    def summary(self) -> dict:
        """JSON-able description for evidence."""
        return {
            "basis": list(self.basis),
            "L": self.limit,
            "amplitudes": list(self.amplitudes),
            "exponent": self.exponent,
            "shift": self.shift,
            "se_L": self.se_limit,
            "rss": self.rss,
            "dof": self.dof,
        }


def design_matrix(s: np.ndarray, basis: Sequence[str], a: float, b: float = 0.0,
            extra: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Design matrix ``[1, r_1/max|r_1|, ..., extra]`` and the column scales of the rates
    (``extra``: one further column, already scaled, e.g. a growth term)."""
    cols = [RATES[r](s, a, b, float(s[0])) for r in basis]
    scales = np.array([np.max(np.abs(c)) for c in cols])
    scales = np.where(np.isfinite(scales) & (scales > 0), scales, 1.0)
    more = [] if extra is None else [extra]
    X = np.column_stack([np.ones_like(s)] + [c / k for c, k in zip(cols, scales)] + more)
    return X, scales


def solve_ols(s: np.ndarray, q: np.ndarray, basis: Sequence[str], a: float, b: float = 0.0,
           extra: np.ndarray | None = None):
    """OLS at a fixed exponent and shift: coefficients, residual sum of squares, design, rank."""
    X, _ = design_matrix(s, basis, a, b, extra)
    coef, _, rank, _ = np.linalg.lstsq(X, q, rcond=None)
    resid = q - X @ coef
    return coef, float(resid @ resid), X, rank


def _minimize_on_grid(f: Callable[[float], float], grid: np.ndarray,
                      vals: np.ndarray | None = None) -> tuple[float, float]:
    """Minimise ``f`` over ``grid`` (``vals``: its values there, when computed at once), then
    refine between the neighbours of the best point."""
    from scipy.optimize import minimize_scalar  # imported when first needed
    vals = np.array([f(x) for x in grid]) if vals is None else np.asarray(vals, float)
    vals = np.where(np.isfinite(vals), vals, np.inf)
    i = int(np.argmin(vals))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    res = minimize_scalar(f, bounds=(lo, hi), method="bounded",
                          options={"xatol": 1e-8 * max(abs(lo), abs(hi), 1e-3)})
    if res.success and np.isfinite(res.fun) and res.fun <= vals[i]:
        return float(res.x), float(res.fun)
    return float(grid[i]), float(vals[i])


def shift_grid(s: np.ndarray, n: int = 81) -> np.ndarray:
    """Grid of the free shift ``b``: :data:`SHIFT_GRID`, geometric in ``s_min + b``."""
    s_min = float(np.min(s))
    u = np.geomspace((1.0 + SHIFT_GRID[0]) * s_min, s_min + SHIFT_GRID[1], n)
    return u - s_min


def profile_exponents(s: np.ndarray, q: np.ndarray, basis: Sequence[str],
             exponent: float | None = None,
             extra: np.ndarray | None = None) -> tuple[float, float]:
    """Least-squares exponent ``a`` and shift ``b`` (each 1.0 / 0.0 when not free;
    ``a = exponent`` when given).

    Each free parameter is profiled over its grid (:data:`EXPONENT_GRID`, :func:`shift_grid`)
    and refined by a bounded scalar search; with both, ``b`` is profiled outside and ``a``
    inside (a coarser exponent grid then keeps the cost at a few thousand small solves).
    """
    has_a = any(r in FREE for r in basis)
    has_b = any(r in SHIFTED for r in basis)
    if not has_a and not has_b:
        return 1.0, 0.0
    a_grid = np.geomspace(*EXPONENT_GRID, 121 if not has_b else 41)

    def best_a(b: float) -> tuple[float, float]:
        if not has_a or exponent is not None:
            a = 1.0 if exponent is None else exponent
            return a, solve_ols(s, q, basis, a, b, extra)[1]
        return _minimize_on_grid(lambda a: solve_ols(s, q, basis, a, b, extra)[1], a_grid,
                                 rss_on_grid(s, q, basis, a_grid, np.full(a_grid.size, b), extra))

    if not has_b:
        return best_a(0.0)[0], 0.0
    b_grid = shift_grid(s, 81 if not has_a else 41)
    fixed_a = not has_a or exponent is not None
    vals = (rss_on_grid(s, q, basis, np.full(b_grid.size, 1.0 if exponent is None else exponent),
                        b_grid, extra) if fixed_a else None)
    b, _ = _minimize_on_grid(lambda b: best_a(b)[1], b_grid, vals)
    return best_a(b)[0], b


def _gauss_newton_se(s: np.ndarray, basis: Sequence[str], a: float, b: float,
                     coef: np.ndarray, X: np.ndarray, rss: float, dof: int,
                     has_a: bool, has_b: bool) -> float:
    """Standard error of the constant with the profiled parameters linearised in.

    The Jacobian is the design matrix plus the derivatives of the fitted values in ``a``
    and ``b`` at fixed raw coefficients (central differences).
    """
    _, scales = design_matrix(s, basis, a, b)
    raw_coef = coef[1:] / scales

    def fitted(a_: float, b_: float) -> np.ndarray:
        cols = np.column_stack([RATES[r](s, a_, b_, float(s[0])) for r in basis])
        return coef[0] + cols @ raw_coef

    cols = [X]
    if has_a:
        h = 1e-6 * max(abs(a), 1e-3)
        cols.append(((fitted(a + h, b) - fitted(a - h, b)) / (2 * h))[:, None])
    if has_b:
        h = 1e-6 * max(abs(b), 1.0)
        cols.append(((fitted(a, b + h) - fitted(a, b - h)) / (2 * h))[:, None])
    J = np.hstack(cols)
    norm = np.max(np.abs(J), axis=0)
    J = J / np.where(norm > 0, norm, 1.0)
    if np.linalg.matrix_rank(J) < J.shape[1]:
        return float("inf")
    cov = np.linalg.pinv(J.T @ J)
    return float(np.sqrt(max(rss / dof, 0.0) * max(cov[0, 0], 0.0)))


@scoped  # remembered while a verdict is re-judged (verify.claims.memo)
def fit_rate(s: np.ndarray, q: np.ndarray, basis: Sequence[str],
             exponent: float | None = None) -> RateFit:
    r"""Fit :math:`q(s) = L + \sum_k c_k r_k(s)` by least squares.

    Parameters
    ----------
    s
        ``log t`` on the window (finite; positive for logarithmic rates).
    q
        Values on the window (finite).
    basis
        Rate names from :data:`RATES`.
    exponent
        Hold the free exponent ``a`` at this value instead of profiling it (used to probe
        the next term ``t^-2a`` of an expansion whose leading exponent was fitted).

    Returns
    -------
    RateFit
        The fit; ``se_limit`` is ``inf`` when ``n - p < 1`` or the constant column is
        not identifiable (rank deficiency).

    Examples
    --------
    >>> s = np.linspace(4.0, 10.0, 30)
    >>> f = fit_rate(s, 0.5 + 0.3 / s, ("1/log t",))
    >>> round(f.limit, 12)
    0.5
    >>> f = fit_rate(s, 0.5 + 0.3 / (s + 4.0), ("1/(log t+b)",))
    >>> round(f.limit, 9), round(f.shift, 5)
    (0.5, 4.0)
    """
    has_a = any(r in FREE for r in basis) and exponent is None
    has_b = any(r in SHIFTED for r in basis)
    a, b = profile_exponents(s, q, basis, exponent)
    coef, rss, X, rank = solve_ols(s, q, basis, a, b)
    p = X.shape[1] + int(has_a) + int(has_b)
    dof = s.size - p
    se = np.inf
    if dof >= 1 and rank == X.shape[1]:
        if has_a or has_b:
            se = _gauss_newton_se(s, basis, a, b, coef, X, rss, dof, has_a, has_b)
        else:
            xtx_inv = np.linalg.pinv(X.T @ X)
            se = float(np.sqrt(max(rss / dof, 0.0) * max(xtx_inv[0, 0], 0.0)))
    return RateFit(
        basis=tuple(basis),
        limit=float(coef[0]),
        amplitudes=tuple(float(c) for c in coef[1:]),
        exponent=float(a) if (has_a or exponent is not None) else None,
        se_limit=se,
        rss=rss,
        dof=int(dof),
        fitted=X @ coef,
        shift=float(b) if has_b else None,
    )


def line_fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    r"""OLS line :math:`y = b + a x`: returns slope ``a``, intercept ``b`` and the standard
    error of the slope :math:`\sqrt{RSS/(n-2) / \sum (x - \bar x)^2}` (``inf`` if ``n < 3``).

    Examples
    --------
    >>> line_fit(np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 5.0]))[:2]
    (2.0, 1.0)
    """
    xm = x.mean()
    sxx = float(((x - xm) ** 2).sum())
    if sxx == 0.0:
        return float("nan"), float("nan"), float("inf")
    slope = float(((x - xm) * (y - y.mean())).sum() / sxx)
    intercept = float(y.mean() - slope * xm)
    resid = y - intercept - slope * x
    se = float(np.sqrt((resid @ resid) / (x.size - 2) / sxx)) if x.size > 2 else float("inf")
    return slope, intercept, se
