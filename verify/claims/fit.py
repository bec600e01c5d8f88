"""Least-squares fits shared by the claim kinds, and the screening every kind applies first.

A :class:`~verify.claims.limit.Limit` fits the theorem's rate of convergence,

.. math:: q(t) \\approx L + \\sum_k c_k\\, r_k(s), \\qquad s = \\log t,

by ordinary least squares on a late window, with rate terms :math:`r_k` taken from
:data:`RATES`.  Columns are rescaled to a maximum of one on the window before
``numpy.linalg.lstsq``, so a coefficient is reported as the *amplitude* of its term on the
window (its largest absolute contribution there), which is well defined even when the raw
term (``1/t`` at ``log t = 800``) underflows.  Terms with a free exponent (``t^-a``) are
profiled: the residual sum of squares is minimised over a grid of ``a`` in
:data:`EXPONENT_GRID` and refined by a bounded scalar search.

The screening helpers turn the universal preconditions (finite values, enough points,
enough audited digits) into UNDECIDED results with a reason that cites the numbers.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from scipy.optimize import minimize_scalar

from verify.claims.base import Claim, Series
from verify.outcome import ClaimResult, undecided

#: Fewest points in a decision window that any claim decides on.
MIN_POINTS = 5

#: Range of a free rate exponent ``a`` in ``t^-a``.
EXPONENT_GRID = (0.02, 3.0)

#: Rate terms as functions of ``s = log t`` (and of a free exponent ``a`` where it appears).
#: Exponentials are taken relative to the window start ``s0`` (the constant goes into the
#: coefficient), so they never overflow or underflow at the start of the window.
RATES: dict[str, Callable[[np.ndarray, float, float], np.ndarray]] = {
    "1/log t": lambda s, a, s0: 1.0 / s,
    "1/log^2 t": lambda s, a, s0: s**-2.0,
    "1/log^3 t": lambda s, a, s0: s**-3.0,
    "1/log^4 t": lambda s, a, s0: s**-4.0,
    "loglog t/log t": lambda s, a, s0: np.log(s) / s,
    "1/t": lambda s, a, s0: np.exp(-(s - s0)),
    "1/t^2": lambda s, a, s0: np.exp(-2.0 * (s - s0)),
    "1/t^3": lambda s, a, s0: np.exp(-3.0 * (s - s0)),
    "t^-a": lambda s, a, s0: np.exp(-a * (s - s0)),
    "t^-2a": lambda s, a, s0: np.exp(-2.0 * a * (s - s0)),
    "t^-3a": lambda s, a, s0: np.exp(-3.0 * a * (s - s0)),
}

#: Terms with a free exponent (profiled, counted as one extra parameter).
FREE = frozenset({"t^-a", "t^-2a", "t^-3a"})

#: Terms defined only for ``log t > 0``.
NEEDS_POSITIVE_LOG = frozenset({"1/log t", "1/log^2 t", "1/log^3 t", "1/log^4 t", "loglog t/log t"})

#: The next term of each asymptotic expansion, used to probe the model error:
#: ``1/log^k t -> 1/log^(k+1) t``, ``loglog t/log t -> 1/log t``, ``t^-ka -> t^-(k+1)a``.
NEXT: dict[str, str | None] = {
    "1/log t": "1/log^2 t",
    "1/log^2 t": "1/log^3 t",
    "1/log^3 t": "1/log^4 t",
    "1/log^4 t": None,
    "loglog t/log t": "1/log t",
    "1/t": "1/t^2",
    "1/t^2": "1/t^3",
    "1/t^3": None,
    "t^-a": "t^-2a",
    "t^-2a": "t^-3a",
    "t^-3a": None,
}


def check_basis(basis: Sequence[str]) -> None:
    """Raise ValueError for unknown or repeated rate names, or an empty basis."""
    if not basis:
        raise ValueError("rate basis is empty: give at least one rate, e.g. ('1/log t',)")
    unknown = [b for b in basis if b not in RATES]
    if unknown:
        raise ValueError(f"unknown rate {unknown[0]!r}; known rates: {sorted(RATES)}")
    if len(set(basis)) != len(basis):
        raise ValueError(f"rate basis {tuple(basis)} repeats a term")


def extension(basis: Sequence[str]) -> tuple[str, ...] | None:
    """The basis extended by the next higher-order term of its last element.

    The chain :data:`NEXT` is followed from the last (highest-order) term until a term not
    yet in the basis is found; None when the chain ends.

    Examples
    --------
    >>> extension(("1/log t",))
    ('1/log t', '1/log^2 t')
    >>> extension(("loglog t/log t", "1/log t"))
    ('loglog t/log t', '1/log t', '1/log^2 t')
    """
    nxt = NEXT[basis[-1]]
    while nxt is not None and nxt in basis:
        nxt = NEXT[nxt]
    return None if nxt is None else (*basis, nxt)


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
    se_limit
        OLS standard error of :math:`\hat L`,
        :math:`\sqrt{\hat\sigma^2 [(X^\top X)^{-1}]_{00}}` with
        :math:`\hat\sigma^2 = RSS/(n-p)`; ``inf`` when the constant is not identifiable.
    rss, dof
        Residual sum of squares and residual degrees of freedom ``n - p`` (a profiled
        exponent counts as a parameter).
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

    def summary(self) -> dict:
        """JSON-able description for evidence."""
        return {
            "basis": list(self.basis),
            "L": self.limit,
            "amplitudes": list(self.amplitudes),
            "exponent": self.exponent,
            "se_L": self.se_limit,
            "rss": self.rss,
            "dof": self.dof,
        }


def _design(s: np.ndarray, basis: Sequence[str], a: float) -> tuple[np.ndarray, np.ndarray]:
    """Design matrix ``[1, r_1/max|r_1|, ...]`` and the column scales."""
    cols = [RATES[b](s, a, float(s[0])) for b in basis]
    scales = np.array([np.max(np.abs(c)) for c in cols])
    scales = np.where(np.isfinite(scales) & (scales > 0), scales, 1.0)
    X = np.column_stack([np.ones_like(s)] + [c / k for c, k in zip(cols, scales)])
    return X, scales


def _solve(s: np.ndarray, q: np.ndarray, basis: Sequence[str], a: float):
    """OLS at a fixed exponent: coefficients, residual sum of squares, design, rank."""
    X, _ = _design(s, basis, a)
    coef, _, rank, _ = np.linalg.lstsq(X, q, rcond=None)
    resid = q - X @ coef
    return coef, float(resid @ resid), X, rank


def _profile(s: np.ndarray, q: np.ndarray, basis: Sequence[str]) -> float:
    """Least-squares exponent ``a``: grid over :data:`EXPONENT_GRID`, then bounded refinement."""
    grid = np.geomspace(*EXPONENT_GRID, 121)
    rss = np.array([_solve(s, q, basis, a)[1] for a in grid])
    i = int(np.argmin(rss))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    res = minimize_scalar(lambda a: _solve(s, q, basis, a)[1], bounds=(lo, hi),
                          method="bounded", options={"xatol": 1e-8 * hi})
    return float(res.x) if res.success and res.fun <= rss[i] else float(grid[i])


def fit_rate(s: np.ndarray, q: np.ndarray, basis: Sequence[str]) -> RateFit:
    r"""Fit :math:`q(s) = L + \sum_k c_k r_k(s)` by least squares.

    Parameters
    ----------
    s
        ``log t`` on the window (finite; positive for logarithmic rates).
    q
        Values on the window (finite).
    basis
        Rate names from :data:`RATES`.

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
    """
    free = any(b in FREE for b in basis)
    a = _profile(s, q, basis) if free else 1.0
    coef, rss, X, rank = _solve(s, q, basis, a)
    p = X.shape[1] + int(free)
    dof = s.size - p
    se = np.inf
    if dof >= 1 and rank == X.shape[1]:
        xtx_inv = np.linalg.pinv(X.T @ X)
        se = float(np.sqrt(max(rss / dof, 0.0) * max(xtx_inv[0, 0], 0.0)))
    return RateFit(
        basis=tuple(basis),
        limit=float(coef[0]),
        amplitudes=tuple(float(c) for c in coef[1:]),
        exponent=float(a) if free else None,
        se_limit=se,
        rss=rss,
        dof=int(dof),
        fitted=X @ coef,
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


# ---------------------------------------------------------------------- screening


def nonfinite_result(claim: Claim, series: Series, values: np.ndarray,
                     where: str = "the decision window") -> ClaimResult | None:
    """UNDECIDED when ``values`` (the decision window) holds NaN or inf, naming how many."""
    bad = int((~np.isfinite(values)).sum())
    if bad == 0:
        return None
    note = series.note or "no note recorded"
    return undecided(
        claim.name, claim.kind,
        f"{bad} of {values.size} values of {series.name!r} in {where} are not finite ({note})",
        n_nonfinite=bad, n_points=int(values.size), note=series.note,
    )


def short_result(claim: Claim, series: Series, n: int, where: str = "the decision window",
                 need: int = MIN_POINTS, unit: str = "points", **evidence) -> ClaimResult | None:
    """UNDECIDED ('run too short') when fewer than ``need`` points are in the window."""
    if n >= need:
        return None
    span = ""
    if series.log_t.size:
        span = f"; the run covers log t in [{series.log_t.min():.4g}, {series.log_t.max():.4g}]"
    return undecided(
        claim.name, claim.kind,
        f"run too short: {n} {unit} of {series.name!r} in {where} (need {need}){span}",
        n_points=n, **evidence,
    )


def digits_result(claim: Claim, series: Series, floor: float, tol: float,
                  evidence: dict | None = None) -> ClaimResult | None:
    """UNDECIDED when the precision floor alone exceeds the tolerance."""
    if floor <= tol:
        return None
    ev = {**(evidence or {}), "digits": series.trusted_digits, "precision_floor": floor,
          "tol": tol}
    return undecided(
        claim.name, claim.kind,
        f"only {series.trusted_digits:g} audited digits: precision floor {floor:.3g} exceeds "
        f"tolerance {tol:.3g}",
        **ev,
    )


def expected_value(expected, name: str, spec) -> float | None:
    """The resolved expected value ``name``; plain numbers resolve without the runner."""
    if name in expected:
        v = expected[name]
        return None if v is None else float(v)
    if spec is None:
        return None
    if isinstance(spec, (int, float)):
        return float(spec)
    raise KeyError(f"expected value {name!r} was not resolved; pass it in `expected`")
