r"""The evidence of each claim kind: the numbers its verdict rests on, as typed records.

One frozen dataclass per kind judged on one trajectory (:class:`LimitEvidence`,
:class:`BoundEvidence`, :class:`MonotoneEvidence`, :class:`EventuallyEvidence`; the kinds
judged across runs are in :mod:`verify.claims.sweepevidence`), each an
:class:`~verify.outcome.Evidence`: its field names are the keys of the row's ``evidence``
object in results.json and :meth:`~verify.outcome.Evidence.to_json` writes them in field
order (non-finite floats as strings).  A field marked optional is recorded only on the
paths that compute it.  Results stopped by a screen before the kind's rule carry the
screen's evidence instead (:mod:`verify.claims.guards`).  The report reads these keys back
through :mod:`verify.report.evidence`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from verify.outcome import Evidence, optional


@dataclass(frozen=True)
class LimitEvidence(Evidence):
    r"""Evidence of a :class:`~verify.claims.limit.Limit`: the rate fit on the late window.

    The fit is :math:`q(s) = \hat L + \sum_k c_k r_k(s)`, :math:`s = \log t`, with
    :math:`\sigma = \sqrt{\sigma_{stat}^2 + \sigma_{sys}^2} + f(|\hat L|)` and
    :math:`CI = \hat L \pm 3\sigma`.

    Parameters
    ----------
    L_hat
        The extrapolated limit :math:`\hat L`.
    sigma_stat, sigma_sys, sigma
        OLS standard error, model error (largest :math:`|\hat L_{alt} - \hat L|`) and the
        total :math:`\sigma` with the precision floor.
    ci
        :math:`(\hat L - 3\sigma, \hat L + 3\sigma)`.
    tol
        The tolerance :math:`\tau`.
    basis, amplitudes, exponent, shift
        Rate terms :math:`r_k`, their coefficients :math:`c_k`, the profiled exponent
        :math:`a` and shift :math:`b` (None when the basis has none); the terms are
        evaluated relative to the window start (:data:`verify.claims.rates.RATES`).
    window_log_t
        First and last :math:`\log t` of the window.
    n_points, last_value
        Points in the window and the last value of the quantity.
    alternatives
        ``RateFit.summary()`` of each model-error refit.
    extrapolation_ratio
        :math:`D/\Delta`: distance of :math:`\hat L` from the last fitted value over the
        change of the fit across the window.
    digits
        Trusted digits of the quantity.
    distance_start, distance_end
        :math:`|q - L|` at the window's ends (when the theorem names :math:`L`).
    remaining_move
        Largest :math:`|\hat L - \hat q(s_{last})|` over the fit and its refits (given
        :math:`L`, once judged).
    converged
        True when the PASS rests on the run having already converged.
    slope_first_third, slope_last_third, total_change, tol_divergence
        The divergence rule's slopes :math:`dq/ds`, total change and tolerance
        :math:`\tau_q` (when :math:`L` is not named).
    growth
        ``GrowthFit.summary()`` of each refit with a growing term
        (:func:`verify.claims.divergence.growth_check`).
    drift
        The pre-asymptotic rule's numbers (:class:`verify.claims.divergence.Drift`), when
        the fit's interval excludes the named limit.
    excludes_limit
        The interval lies within the tolerance but excludes the named limit: UNDECIDED
        (:class:`verify.claims.excluded.Exclusion`; never PASS for a claim "-> 0").
    """

    L_hat: float
    sigma_stat: float
    sigma_sys: float
    sigma: float
    ci: tuple[float, float]
    tol: float
    basis: tuple[str, ...]
    amplitudes: tuple[float, ...]
    exponent: float | None
    shift: float | None
    window_log_t: tuple[float, float]
    n_points: int
    last_value: float
    alternatives: tuple[Mapping[str, Any], ...]
    extrapolation_ratio: float
    digits: float
    distance_start: float | None = optional()
    distance_end: float | None = optional()
    remaining_move: float | None = optional()
    converged: bool | None = optional()
    slope_first_third: float | None = optional()
    slope_last_third: float | None = optional()
    total_change: float | None = optional()
    tol_divergence: float | None = optional()
    growth: tuple[Mapping[str, Any], ...] | None = optional()
    drift: Mapping[str, float] | None = optional()
    excludes_limit: Mapping[str, Any] | None = optional()


@dataclass(frozen=True)
class BoundCheckpoint:
    r"""One checkpoint against the nearest edge of a :class:`~verify.claims.bound.Bound`.

    Parameters
    ----------
    side
        ``"upper"`` or ``"lower"``.
    bound
        The bound :math:`B` of that side.
    log_t, value
        Where, and the quantity :math:`q_i` there.
    excess
        :math:`\delta_i = q_i - u` (or :math:`\ell - q_i`).
    allowed
        :math:`\mathrm{rtol}\,|B|`.
    precision_floor
        :math:`f_i`.
    slack
        :math:`-\delta_i`.
    beyond_allowed
        :math:`\delta_i - \mathrm{rtol}|B| - f_i` for a witness, :math:`\delta_i -
        \mathrm{rtol}|B|` for the closest approach (> 0: out).
    """

    side: str
    bound: float
    log_t: float
    value: float
    excess: float
    allowed: float
    precision_floor: float
    slack: float
    beyond_allowed: float


@dataclass(frozen=True)
class BoundEvidence(Evidence):
    """Evidence of a :class:`~verify.claims.bound.Bound`.

    Parameters
    ----------
    window_log_t
        First and last :math:`\\log t` checked (empty when none is).
    n_checked
        Finite checkpoints checked.
    rtol, upper, lower
        The allowed relative slack and the resolved bounds (None: no such side).
    digits
        Trusted digits of the quantity.
    closest
        The checkpoint nearest the allowed edge (PASS and UNDECIDED at the precision floor).
    witness, n_violations, n_nonfinite
        On FAIL: the worst violating checkpoint, how many violate, how many were not finite.
    """

    window_log_t: tuple[float, ...]
    n_checked: int
    rtol: float
    upper: float | None
    lower: float | None
    digits: float
    closest: BoundCheckpoint | None = optional()
    witness: BoundCheckpoint | None = optional()
    n_violations: int | None = optional()
    n_nonfinite: int | None = optional()


@dataclass(frozen=True)
class MonotoneStep:
    r"""One GD step of a :class:`~verify.claims.monotone.Monotone` series.

    Parameters
    ----------
    log_t
        :math:`\log t` at the end of the step.
    decrease
        :math:`d_k`, the move against the claim.
    tol
        Its tolerance :math:`\tau_k`.
    ratio
        :math:`d_k / \tau_k` (recorded for the worst step).
    """

    log_t: float
    decrease: float
    tol: float
    ratio: float | None = optional()


@dataclass(frozen=True)
class MonotoneEvidence(Evidence):
    r"""Evidence of a :class:`~verify.claims.monotone.Monotone`.

    Parameters
    ----------
    onset_log_t
        The onset :math:`\log T` (None: from the start).
    window_log_t
        First and last :math:`\log t` checked.
    n_steps
        Steps checked.
    worst, largest_decrease
        The step with the largest :math:`d_k/\tau_k` and the one with the largest :math:`d_k`.
    max_ratio
        :math:`\max_k d_k/\tau_k` (a violation when > 1).
    total_change
        :math:`q_{last} - q_{first}` over the window.
    n_violations
        Steps with :math:`d_k > \tau_k`.
    digits
        Trusted digits of the quantity.
    eta_rel_change
        Largest relative change of the step size between steps (when recorded).
    first_violation_log_t
        On FAIL: the end of the first violating step.
    """

    onset_log_t: float | None
    window_log_t: tuple[float, float]
    n_steps: int
    worst: MonotoneStep
    largest_decrease: MonotoneStep
    max_ratio: float
    total_change: float
    n_violations: int
    digits: float
    eta_rel_change: float | None = optional()
    first_violation_log_t: float | None = optional()


@dataclass(frozen=True)
class EventuallyEvidence(Evidence):
    r"""Evidence of an :class:`~verify.claims.eventually.Eventually`.

    Parameters
    ----------
    T_hat_log_t
        :math:`\log \hat T`, the first checkpoint after the last failure (NaN if it still fails).
    held_fraction
        Fraction of the log-time range the property held at the end.
    by_log_t
        The theorem's :math:`\log T` (None: "eventually").
    run_log_t
        First and last :math:`\log t` of the run.
    min_hold
        The fraction required without :math:`T`.
    last_false_log_t
        The last checkpoint at which the property failed (None: never).
    witness_log_t, n_false
        On FAIL: the first checkpoint after :math:`T` where it is false, and how many are.
    """

    T_hat_log_t: float
    held_fraction: float
    by_log_t: float | None
    run_log_t: tuple[float, float]
    min_hold: float
    last_false_log_t: float | None
    witness_log_t: float | None = optional()
    n_false: int | None = optional()
