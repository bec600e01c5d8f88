r"""An unnamed limit: the quantity converges to *some* finite value (maybe a positive one).

Judgement of :class:`verify.claims.limit.Limit` when the theorem names no value
(``limit=None``), and the guard every fit-based verdict of that claim shares: a limit far
beyond what the window showed rests on the rate model alone (:func:`extrapolation`).

* FAIL when the quantity has not settled (:func:`verify.claims.divergence.unsettled`: the
  increments do not shrink across the window) or a growing term refit finds growth
  (:func:`verify.claims.divergence.growth_check`); with ``positive``, when the interval
  :math:`\hat L \pm 3\sigma` is negative or lies within the zero band
  :math:`\pm\zeta`, :math:`\zeta = \max(\mathrm{atol}, \mathrm{rtol}\max_{window}|q|)`
  (:func:`zero_band`).
* PASS when :math:`3\sigma \le \tau` (and the interval is above 0 with ``positive``).
* UNDECIDED otherwise, or when extrapolating.
"""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from verify.claims.divergence import growth_check, third_slopes, unsettled
from verify.claims.evidence import LimitEvidence
from verify.claims.fit import RateFit
from verify.outcome import Outcome

if TYPE_CHECKING:
    from verify.claims.base import Series
    from verify.claims.limit import Limit


def extrapolation(fit: RateFit, tol: float, max_ratio: float) -> tuple[bool, float]:
    """Whether a verdict would rest on extrapolation (the limit further than ``tol`` from
    the last fitted value and more than ``max_ratio`` times the change the fit shows across
    the window), and that ratio ``D / Delta``."""
    dist = abs(fit.limit - fit.fitted[-1])
    change = abs(fit.fitted[0] - fit.fitted[-1])
    ratio = dist / change if change > 0 else (np.inf if dist > 0 else 0.0)
    return bool(dist > tol and ratio > max_ratio), float(ratio)


def extrapolation_reason(fit: RateFit, ratio: float, max_ratio: float) -> str:
    """The UNDECIDED reason when :func:`extrapolation` holds."""
    dist = abs(fit.limit - fit.fitted[-1])
    change = abs(fit.fitted[0] - fit.fitted[-1])
    return (f"extrapolation beyond the evidence: the fit puts the limit {fit.limit:.6g} at "
            f"{dist:.3g} from the last fitted value, {ratio:.3g} x the change {change:.3g} "
            f"seen across the window (allowed {max_ratio:g} x); run longer")


def zero_band(claim: Limit, name: str, q: np.ndarray, fit: RateFit, sigma: float) -> str | None:
    """The FAIL reason of a ``positive`` claim whose interval lies within the zero band (the
    limit is 0 at the claim's tolerance); None otherwise."""
    zeta = max(claim.atol, claim.rtol * float(np.max(np.abs(q))))
    if not (-zeta <= fit.limit - 3 * sigma and fit.limit + 3 * sigma <= zeta):
        return None
    return (f"extrapolated limit {fit.limit:.6g} ± {3 * sigma:.3g} (3 sigma) is 0 "
            f"at the claim's tolerance: the interval lies within ± {zeta:.3g} (max(atol, rtol x "
            f"the largest |{name}| {np.max(np.abs(q)):.3g} on the window)), so the limit is not "
            "positive")


def judge_unnamed(claim: Limit, series: Series, s: np.ndarray, q: np.ndarray, fit: RateFit,
                  sigma: float, tol: float, ev: LimitEvidence
                  ) -> tuple[Outcome, str, LimitEvidence]:
    """Outcome, reason and evidence when the theorem only says the limit exists (module
    docstring); ``s, q`` the decision window, ``tol`` the claim's tolerance."""
    lo, hi = fit.limit - 3 * sigma, fit.limit + 3 * sigma
    thirds = third_slopes(s, q)
    change = float(abs(q[-1] - q[0]))
    tol_q = max(claim.atol, claim.rtol * abs(float(q[-1])))
    ev = replace(ev, slope_first_third=thirds[0], slope_last_third=thirds[1],
                 total_change=change, tol_divergence=tol_q)
    why = unsettled(series.name, s, q, thirds, tol_q)
    if why is not None:
        return Outcome.FAIL, why, ev
    growth = growth_check(s, q, claim.rate, tol, None, claim.alternatives())
    ev = replace(ev, growth=growth.summary())
    if growth.diverging is not None:
        return Outcome.FAIL, growth.reason(series.name, s, tol, "to a finite value"), ev
    extrapolating, ratio = extrapolation(fit, tol, claim.max_extrapolation)
    if extrapolating:
        return Outcome.UNDECIDED, extrapolation_reason(fit, ratio, claim.max_extrapolation), ev
    if claim.positive and hi < 0:
        return (Outcome.FAIL, f"extrapolated limit {fit.limit:.6g} ± {3 * sigma:.3g} (3 sigma) "
                "is negative", ev)
    if 3 * sigma <= tol and (not claim.positive or lo > 0):
        return Outcome.PASS, "", ev
    if 3 * sigma > tol:
        return (Outcome.UNDECIDED, f"not enough evidence: extrapolated limit {fit.limit:.6g} ± "
                f"{3 * sigma:.3g} (3 sigma) is not pinned down to tolerance {tol:.3g}", ev)
    return (Outcome.UNDECIDED, f"extrapolated limit {fit.limit:.6g} ± {3 * sigma:.3g} (3 sigma) "
            "cannot be told from 0", ev)
