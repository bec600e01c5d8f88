r"""Refits with a growing term, for the divergence rule of an unnamed :class:`~verify.claims.limit.Limit`.

A bounded quantity fitted with its declared rate basis plus a growing term :math:`c\log t`
or :math:`c\,t^g` leaves :math:`c` at a level its decaying terms and noise explain; a
quantity that grows behind an early transient shows a :math:`c` many standard errors from
0 (:mod:`verify.claims.divergence` decides from these fits).  The basis' own exponent and
shift are profiled again (:func:`verify.claims.fit.profile_exponents`), and the standard
error of :math:`c` linearises the model in them (Gauss-Newton).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from verify.claims.fit import design_matrix, profile_exponents, solve_ols
from verify.claims.memo import scoped
from verify.claims.rates import FREE, RATES, SHIFTED


#: Growing terms the divergence rule refits with (:func:`fit_growth`): ``c log t`` and
#: ``c t^g`` with ``g`` profiled.
GROWTH_TERMS = ("log t", "t^g")

#: Range of ``g (s_max - s_min)`` of a ``t^g`` growth term: it grows by a factor
#: ``e^0.1 .. e^5`` across the window (a faster growth is a spike at the window's end, a
#: slower one is ``c log t``).
GROWTH_SPAN = (0.1, 5.0)


@dataclass(frozen=True)
class GrowthFit:
    r"""The rate fit refitted with a growing term :math:`c\,G(s)`
    (:func:`fit_growth`).

    Attributes
    ----------
    term
        ``"log t"`` or ``"t^g"``.
    exponent
        The profiled growth exponent ``g`` of ``t^g`` (None for ``log t``).
    rise, se_rise
        :math:`c\,(G(s_{max}) - G(s_{min}))`, how much the growing term adds across the
        window, and its standard error (the profiled parameters linearised in, as for
        :attr:`RateFit.se_limit`).
    rss, dof
        Residual sum of squares and degrees of freedom (each profiled parameter counts).
    """

    term: str
    exponent: float | None
    rise: float
    se_rise: float
    rss: float
    dof: int

    @property
    def t_stat(self) -> float:
        """``|rise| / se_rise`` (0 when the rise is not identifiable)."""
        return abs(self.rise) / self.se_rise if np.isfinite(self.se_rise) and self.se_rise > 0 \
            else (np.inf if self.se_rise == 0 and self.rise != 0 else 0.0)

    def summary(self) -> dict:
        """JSON-able description for evidence."""
        return {"term": self.term, "exponent": self.exponent, "rise": self.rise,
                "se_rise": self.se_rise, "rss": self.rss, "dof": self.dof}


def growth_column(s: np.ndarray, term: str, g: float | None = None) -> np.ndarray:
    r"""The growing term on the window, scaled to go from 0 at its start to 1 at its end:
    :math:`(s - s_0)/(s_1 - s_0)` for ``log t``, :math:`(e^{g(s-s_0)} - 1)/(e^{g(s_1-s_0)} - 1)`
    for ``t^g``.

    Examples
    --------
    >>> growth_column(np.array([1.0, 2.0, 3.0]), "log t").tolist()
    [0.0, 0.5, 1.0]
    """
    x, span = s - s[0], float(s[-1] - s[0])
    if term == "log t":
        return x / span
    return np.expm1(g * x) / np.expm1(g * span)


@scoped  # remembered while a verdict is re-judged (verify.claims.memo)
def fit_growth(s: np.ndarray, q: np.ndarray, basis: Sequence[str], term: str) -> GrowthFit:
    r"""Refit :math:`q(s) = L + \sum_k c_k r_k(s) + c\,G(s)` with a growing term ``term``
    (:data:`GROWTH_TERMS`), the basis' own exponent and shift profiled again.

    A bounded quantity leaves :math:`c` at a level its decaying terms and noise explain; a
    quantity that grows like :math:`\log t` or :math:`t^g` behind an early transient shows a
    :math:`c` many standard errors from 0 (the decaying terms take the transient).  The
    ``t^g`` exponent is profiled over :data:`GROWTH_SPAN` (relative to the window) on a
    9-point grid.

    Examples
    --------
    >>> s = np.linspace(5.8, 11.0, 40)
    >>> g = fit_growth(s, 48.9 - 5.0 * np.exp(-0.85 * (s - 5.8)) + 0.12 * s, ("t^-a",), "log t")
    >>> round(g.rise, 6), g.t_stat > 1e3
    (0.624, True)
    """
    has_a = any(r in FREE for r in basis)
    has_b = any(r in SHIFTED for r in basis)
    span = float(s[-1] - s[0])
    grid = [None] if term == "log t" else list(np.geomspace(*GROWTH_SPAN, 9) / span)
    best = None
    for g in grid:
        col = growth_column(s, term, g)
        a, b = profile_exponents(s, q, basis, None, col)
        coef, rss, X, rank = solve_ols(s, q, basis, a, b, col)
        if best is None or rss < best[1]:
            best = (g, rss, a, b, coef, X, rank)
    g, rss, a, b, coef, X, rank = best
    dof = s.size - X.shape[1] - int(has_a) - int(has_b) - int(g is not None)
    se = np.inf
    if dof >= 1 and rank == X.shape[1]:
        J = np.hstack([X] + profiled_derivatives(s, basis, a, b, coef[:-1], has_a, has_b))
        norm = np.max(np.abs(J), axis=0)
        J = J / np.where(norm > 0, norm, 1.0)
        if np.linalg.matrix_rank(J) == J.shape[1]:
            k = X.shape[1] - 1
            cov = np.linalg.pinv(J.T @ J)
            se = float(np.sqrt(max(rss / dof, 0.0) * max(cov[k, k], 0.0))) / norm[k]
    return GrowthFit(term, None if g is None else float(g), float(coef[-1]), float(se),
                     float(rss), int(dof))


def profiled_derivatives(s: np.ndarray, basis: Sequence[str], a: float, b: float,
                          coef: np.ndarray, has_a: bool, has_b: bool) -> list[np.ndarray]:
    """Columns of the derivatives of the rate part of the fit in the profiled ``a`` and
    ``b`` at fixed raw coefficients (central differences); ``coef`` is ``[L, c_1, ...]``."""
    _, scales = design_matrix(s, basis, a, b)
    raw = coef[1:] / scales

    def fitted(a_: float, b_: float) -> np.ndarray:
        return np.column_stack([RATES[r](s, a_, b_, float(s[0])) for r in basis]) @ raw

    out = []
    if has_a:
        h = 1e-6 * max(abs(a), 1e-3)
        out.append(((fitted(a + h, b) - fitted(a - h, b)) / (2 * h))[:, None])
    if has_b:
        h = 1e-6 * max(abs(b), 1.0)
        out.append(((fitted(a, b + h) - fitted(a, b - h)) / (2 * h))[:, None])
    return out
