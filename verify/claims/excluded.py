r"""A tolerance wider than the evidence: an interval inside it that excludes the named limit.

Rule of :class:`~verify.claims.limit.Limit` given :math:`L`: when the interval
:math:`CI = \hat L \pm 3\sigma` lies within the tolerance band :math:`[L-\tau, L+\tau]` but
does not contain :math:`L`, the verdict is UNDECIDED, never PASS: the data pin a limit
other than :math:`L`, by less than the tolerance, and either the rate model is incomplete
(a slower term biases :math:`\hat L`) or the limit differs from :math:`L`.  A cited
tolerance (``tol_source``: the theorem states it) turns this into a PASS, except for a
claim ":math:`q \to 0`" (:math:`L = 0`): its tolerance can only be numerical, so it never
PASSes on an estimate that excludes 0, whatever the tolerance.  Outside the band the
verdict is the FAIL rule's (:mod:`verify.claims.limit`).

The numbers are recorded in the evidence under ``excludes_limit``
(:meth:`Exclusion.to_json`).

Examples
--------
>>> ex = exclusion(0.0, 0.0086, 0.0002, 0.01)
>>> ex.to_json()["n_sigma"]
43.0
>>> print(ex.reason(("1/sqrt(log t)",), slower_terms=True))  # doctest: +NORMALIZE_WHITESPACE
a claim "-> 0" does not pass on an estimate that excludes 0: the extrapolated limit
0.0086 ± 0.0006 (3 sigma) lies within atol 0.01 but not around 0 (43 sigma from 0);
the declared rate ('1/sqrt(log t)',) is only the fastest decay the slowest term may have,
so deciding it needs a rate model that carries the slower term
>>> exclusion(0.0, 0.0004, 0.0002, 0.01) is None  # the interval contains 0
True
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Exclusion:
    r"""The numbers of the rule (module docstring).

    Attributes
    ----------
    limit
        The named limit :math:`L`.
    L_hat, half_width
        The extrapolated limit and :math:`3\sigma`.
    tol
        The tolerance :math:`\tau` (the ``atol`` when :math:`L = 0`).
    """

    limit: float
    L_hat: float
    half_width: float
    tol: float

    @property
    def n_sigma(self) -> float:
        r""":math:`|\hat L - L|/\sigma`."""
        return float(abs(self.L_hat - self.limit) / max(self.half_width / 3,
                                                         np.finfo(float).tiny))

    @property
    def to_zero(self) -> bool:
        """True for a claim "-> 0", which a cited tolerance does not pass."""
        return self.limit == 0.0

    def to_json(self) -> dict[str, float | bool]:
        """JSON-able record for the evidence (``excludes_limit``)."""
        return {"limit": self.limit, "L_hat": self.L_hat, "half_width": self.half_width,
                "tol": self.tol, "n_sigma": round(self.n_sigma, 3), "to_zero": self.to_zero}

    def reason(self, rate: tuple[str, ...], slower_terms: bool) -> str:
        """The UNDECIDED reason: the estimate, its ``±``, the tolerance, and what would
        decide it."""
        est = (f"the extrapolated limit {self.L_hat:.6g} ± {self.half_width:.3g} (3 sigma)")
        if slower_terms:
            need = (f"the declared rate {rate} is only the fastest decay the slowest term may "
                    "have, so deciding it needs a rate model that carries the slower term")
        else:
            need = (f"the declared rate {rate} may lack a slower term: deciding it needs a "
                    "rate model that carries it, or a longer run")
        if self.to_zero:
            return (f'a claim "-> 0" does not pass on an estimate that excludes 0: {est} lies '
                    f"within atol {self.tol:.3g} but not around 0 ({self.n_sigma:.3g} sigma "
                    f"from 0); {need}")
        gap = self.limit - self.L_hat
        return (f"the evidence excludes {self.limit:.6g}: {est} lies within the tolerance "
                f"{self.limit:.6g} ± {self.tol:.3g} but not around {self.limit:.6g} (gap "
                f"{gap:+.3g}, {abs(gap / self.limit) * 100:.3g}% of expected, "
                f"{self.n_sigma:.3g} sigma); a tolerance wider than the evidence does not make "
                f"a PASS: {need}, or the limit differs by less than the tolerance")


def exclusion(limit: float, L_hat: float, sigma: float, tol: float) -> Exclusion | None:
    r"""The rule's numbers when :math:`CI = \hat L \pm 3\sigma` lies within
    :math:`[L-\tau, L+\tau]` and excludes :math:`L`; None otherwise."""
    lo, hi = L_hat - 3 * sigma, L_hat + 3 * sigma
    if lo >= limit - tol and hi <= limit + tol and not lo <= limit <= hi:
        return Exclusion(float(limit), float(L_hat), float(3 * sigma), float(tol))
    return None


def cited_covers(limit: float, tol_source: str) -> bool:
    """Whether a cited tolerance stands in for an interval around ``limit`` (never for a
    claim "-> 0")."""
    return bool(tol_source) and limit != 0.0
