"""Screening every claim kind applies first: finite values, enough points, enough digits.

Each helper returns an UNDECIDED :class:`~verify.outcome.ClaimResult` whose reason cites the
numbers, or None when the precondition holds.
"""
from __future__ import annotations

import numpy as np

from verify.claims.base import Claim, Series
from verify.outcome import ClaimResult, undecided

#: Fewest points in a decision window that any claim decides on.
MIN_POINTS = 5

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
