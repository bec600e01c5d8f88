"""Screening every claim kind applies first: finite values, enough points, enough digits.

Each screen returns an UNDECIDED :class:`~verify.outcome.ClaimResult` whose reason cites the
numbers, or None when the precondition holds.  The evidence of a screened result is the
screen's own record (:class:`NonFinite`, :class:`TooShort`, :class:`TooFewDigits`,
:class:`TooFewValues`, :class:`NonPositive`, :class:`Constant`, :class:`Scalar`), optionally
after the kind's evidence computed before the screen (``context``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from verify.claims.base import Claim, Series
from verify.outcome import INLINE, ClaimResult, Evidence, optional, record_json, undecided

#: Fewest points in a decision window that any claim decides on.
MIN_POINTS = 5


@dataclass(frozen=True)
class NonFinite(Evidence):
    """The decision window holds ``n_nonfinite`` NaN or inf of its ``n_points`` values.

    ``note`` is the series' note (why values are missing; empty when none was recorded).
    """

    n_nonfinite: int
    n_points: int
    note: str


@dataclass(frozen=True)
class TooShort(Evidence):
    """Only ``n_points`` points (or steps) in the window, fewer than the decision needs.

    Parameters
    ----------
    n_points
        Points in the window.
    fit
        The rate fit attempted on them, ``RateFit.summary()`` (Limit's model refits).
    context
        The kind's evidence computed before the screen, recorded after ``n_points``.

    Examples
    --------
    >>> TooShort(3, context=Scalar("onset_log_t", None)).to_json()
    {'n_points': 3, 'onset_log_t': None}
    """

    n_points: int
    fit: Mapping[str, Any] | None = optional()
    context: Evidence | None = field(default=None, metadata=INLINE)


@dataclass(frozen=True)
class TooFewDigits(Evidence):
    """The precision floor of the audited ``digits`` alone exceeds the tolerance ``tol``.

    The kind's evidence (``context``) is recorded first, then ``digits``,
    ``precision_floor`` and ``tol`` (replacing the context's values of the same name).

    Examples
    --------
    >>> TooFewDigits(Scalar("tol", 0.5), 3.0, 0.01, 0.001).to_json()
    {'tol': 0.001, 'digits': 3.0, 'precision_floor': 0.01}
    """

    context: Evidence | None = field(metadata=INLINE)
    digits: float
    precision_floor: float
    tol: float


@dataclass(frozen=True)
class TooFewValues(Evidence):
    """A sweep with ``n_distinct`` parameter values and ``n_points`` points, too few to fit."""

    n_distinct: int
    n_points: int


@dataclass(frozen=True)
class NonPositive(Evidence):
    """``n_nonpositive`` values are <= 0, so their logarithm is undefined."""

    n_nonpositive: int


@dataclass(frozen=True)
class Constant(Evidence):
    """The quantity is the same in all ``n_points`` runs (no ordering to test)."""

    n_points: int


@dataclass(frozen=True)
class Scalar(Evidence):
    """One named value recorded on its own: a bound or onset that resolved to a non-finite
    value, or the onset a screen saw.

    Examples
    --------
    >>> Scalar("upper", float("inf")).to_json()
    {'upper': 'inf'}
    """

    name: str
    value: float | None

    def fields_json(self) -> dict[str, Any]:
        """``{name: value}``."""
        return {self.name: record_json(self.value)}


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
        NonFinite(bad, int(values.size), series.note),
    )


def short_result(claim: Claim, series: Series, n: int, where: str = "the decision window",
                 need: int = MIN_POINTS, unit: str = "points",
                 context: Evidence | None = None) -> ClaimResult | None:
    """UNDECIDED ('run too short') when fewer than ``need`` points are in the window."""
    if n >= need:
        return None
    span = ""
    if series.log_t.size:
        span = f"; the run covers log t in [{series.log_t.min():.4g}, {series.log_t.max():.4g}]"
    return undecided(
        claim.name, claim.kind,
        f"run too short: {n} {unit} of {series.name!r} in {where} (need {need}){span}",
        TooShort(n, context=context),
    )


def digits_result(claim: Claim, series: Series, floor: float, tol: float,
                  context: Evidence | None = None) -> ClaimResult | None:
    """UNDECIDED when the precision floor alone exceeds the tolerance."""
    if floor <= tol:
        return None
    return undecided(
        claim.name, claim.kind,
        f"only {series.trusted_digits:g} audited digits: precision floor {floor:.3g} exceeds "
        f"tolerance {tol:.3g}",
        TooFewDigits(context, series.trusted_digits, floor, tol),
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


def onset_result(claim: Claim, series: Series, expected: Mapping[str, float | None],
                 spec: Any) -> ClaimResult | None:
    """UNDECIDED when the claim holds after an onset (``spec``, e.g. the time the loss first
    falls below the loss of a zero margin) that the run never reached: the theorem's
    hypothesis was not met, so the run can neither support nor contradict the claim."""
    if spec is None:
        return None
    onset = expected_value(expected, "after_log_t", spec)
    if onset is not None and np.isfinite(onset):
        return None
    end = f"{series.log_t.max():.4g}" if series.log_t.size else "nan (empty run)"
    return undecided(claim.name, claim.kind,
                     f"onset never reached: onset log t is {onset}; the run ended at log t = {end}",
                     Scalar("onset_log_t", onset))
