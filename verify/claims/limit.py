"""``Limit``: the quantity converges, to a given value or to some finite value."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping

import numpy as np

from verify.claims.base import Claim, ExpectedSpec, Series
from verify.claims.divergence import drift_note, growth_check, pre_asymptotic, still_approaching
from verify.claims.evidence import LimitEvidence
from verify.claims.excluded import cited_covers, exclusion
from verify.claims.fit import RateFit, fit_rate
from verify.claims.guards import (TooShort, digits_result, expected_value, nonfinite_result,
                                  onset_result, short_result)
from verify.claims.rates import NEEDS_POSITIVE_LOG, check_basis, extension, n_free
from verify.claims.resolution import Moves, drift_move, drift_scale, natural_scale, value_move
from verify.claims.unnamed import extrapolation, extrapolation_reason, judge_unnamed, zero_band
from verify.outcome import ClaimResult, Outcome, undecided

def _n_params(basis: tuple[str, ...]) -> int:
    """Parameters of the rate model: the limit, one coefficient per term, the profiled
    exponent and shift."""
    return len(basis) + 1 + n_free(basis)


@dataclass(frozen=True)
class Limit(Claim):
    r"""The quantity converges: :math:`q(t) \to L` as :math:`t \to \infty`.

    Parameters
    ----------
    limit
        The expected limit :math:`L`; None means "converges to a finite limit".
    rate
        The theorem's rate terms :math:`r_k` (names in :data:`verify.claims.rates.RATES`),
        e.g. ``("1/log t",)``, ``("t^-a",)`` (free exponent, profiled) or
        ``("1/(log t+b)",)`` (free shift, profiled: for quantities rational in
        :math:`\log t`, e.g. :math:`c/(\log t + b)` with :math:`b` not small against
        :math:`\log t`, where a series in :math:`1/\log t` converges badly).  Terms can be
        combined, e.g. ``("1/(log t+b)", "t^-a")`` (profiled jointly).
    rtol, atol
        Tolerance :math:`\tau = \max(\mathrm{atol}, \mathrm{rtol}\,|L|)`
        (:math:`|\hat L|` when ``limit`` is None).
    window
        Fraction of the log-time range used: points with
        :math:`s \ge s_{min} + (1-\mathrm{window})(s_{max}-s_{min})`, :math:`s = \log t`
        (and :math:`s > 0` when a rate involves :math:`\log t`).
    positive
        With ``limit=None``: the limit must also be positive.
    slower_terms
        The rate is only the fastest decay the slowest term may have (terms decaying slower
        are admissible; e.g. a lagging neuron's share of a KKT residual).  Such terms bias
        :math:`\hat L` away from :math:`L` (toward the current values), so the fit may PASS
        but its FAIL is withheld (UNDECIDED) while the quantity still approaches :math:`L`
        over the last third of the window (by at least 1% of its remaining distance).
    max_extrapolation
        A fit-based verdict needs the data to have shown the approach: when the fit puts
        :math:`\hat L` at a distance :math:`D > \tau` from the last fitted value and
        :math:`D` exceeds ``max_extrapolation`` times the change :math:`\Delta` of the fit
        across the window, the verdict would rest on the rate model alone: UNDECIDED.
    tol_source
        Where the tolerance comes from when the theorem itself states it (a citation, e.g.
        ``"Theorem 2: |gamma(t) - gamma*| <= 0.01"``).  Empty (the default): the tolerance
        is this suite's reading, and a PASS needs the evidence, not only the tolerance, to
        contain :math:`L` (see **Given L**).
    after_log_t
        An onset the theorem's hypothesis needs (as :class:`~verify.claims.monotone.Monotone`'s):
        a run that never reaches it is UNDECIDED; the window is not cut by it.

    Notes
    -----
    **Fit.** :math:`q(s) = L + \sum_k c_k r_k(s)` by least squares on the window
    (:func:`~verify.claims.fit.fit_rate`).  The uncertainty of :math:`\hat L` is

    .. math:: \sigma = \sqrt{\sigma_{stat}^2 + \sigma_{sys}^2} + f(|\hat L|),

    with :math:`\sigma_{stat}` the OLS standard error, :math:`\sigma_{sys}` the largest
    :math:`|\hat L_{alt} - \hat L|` over the refits with the basis extended by its next
    term (:func:`~verify.claims.rates.extension`; a free exponent held at its fitted
    value) and truncated to its first term, and
    :math:`f` the precision floor of the audited digits.  :math:`CI = \hat L \pm 3\sigma`.

    **Given L.** PASS if :math:`L \in CI \subset [L-\tau, L+\tau]` and the distance
    :math:`|q-L|` does not grow across the window (end :math:`\le` start :math:`+\tau`),
    or if :math:`L \in CI` and the run has already converged (every point of the last
    quarter of the window within :math:`\tau/2` of :math:`L`, distance not growing, and the
    move the fit and each model-error refit still predict beyond the last point,
    :math:`|\hat L - \hat q(s_{last})|`, at most :math:`\tau/2`).  An interval inside the
    tolerance that excludes :math:`L` is UNDECIDED, never PASS (a tolerance wider than the
    evidence does not make a PASS), unless ``tol_source`` cites the theorem's own tolerance;
    a claim ":math:`q \to 0`" (:math:`L = 0`) never PASSes on an interval excluding 0, cited
    tolerance or not (:mod:`verify.claims.excluded`; evidence ``excludes_limit``).
    FAIL if :math:`CI \cap [L-\tau, L+\tau] = \emptyset`, or if the quantity diverges away
    from :math:`L` (the divergence rule of :mod:`verify.claims.divergence`).  Else UNDECIDED.

    **L = None.** FAIL (divergence) if the least-squares slope :math:`dq/ds` over the last
    third of the window is at least as large as over the first third (same sign, up to a
    relative :math:`10^{-6}`), i.e. the increments do not shrink, and the total change
    across the window exceeds :math:`10\tau_q` with :math:`\tau_q = \max(\mathrm{atol},
    \mathrm{rtol}|q_{last}|)`; FAIL also if a growing term refit finds growth
    (:func:`verify.claims.divergence.growth_check`: a :math:`c\log t` or :math:`c\,t^g`
    term whose rise across the window exceeds :math:`\tau` by more than 3 sigma, sigma
    including the rise's change under the model-error refits, in the direction the
    quantity still moves).  With ``positive``, FAIL if
    :math:`CI` lies below 0, or within :math:`\pm\zeta`, :math:`\zeta = \max(\mathrm{atol},
    \mathrm{rtol}\max_{window}|q|)` (the limit is 0 at the claim's tolerance relative to
    the quantity's size on the window).
    PASS if :math:`3\sigma \le \tau` (and :math:`CI > 0` with ``positive``).  Else UNDECIDED.

    Fit-based verdicts are withheld (UNDECIDED) when extrapolating, see
    ``max_extrapolation``.  A FAIL is also withheld when it is pre-asymptotic: refitted on
    the first two thirds of the window, the limit lies further from :math:`L` by more than
    :math:`3\sigma` (the extrapolation still moves toward :math:`L` as the horizon grows)
    *and* at that rate it would reach the tolerance band within the next decade of
    :math:`\log t` (:func:`verify.claims.divergence.drift_reach`); a drift that could not
    close the distance leaves the FAIL standing.

    Examples
    --------
    >>> s = np.linspace(2.0, 14.0, 200)
    >>> series = Series("gamma", s, 0.5 + 0.3 / s)
    >>> Limit("c", "gamma", limit=0.5).evaluate(series, {}).outcome.value
    'PASS'
    >>> Limit("c", "gamma", limit=1.0).evaluate(series, {}).outcome.value
    'FAIL'
    """

    limit: ExpectedSpec = None
    rate: tuple[str, ...] = ("1/log t",)
    rtol: float = 1e-2
    atol: float = 0.0
    window: float = 0.5
    positive: bool = False
    max_extrapolation: float = 3.0
    slower_terms: bool = False
    tol_source: str = ""
    after_log_t: ExpectedSpec = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "rate", tuple(self.rate))
        check_basis(self.rate)
        if not 0.0 < self.window <= 1.0:
            raise ValueError(f"Limit {self.name!r}: window={self.window} must be in (0, 1]")
        if not (self.rtol >= 0.0 and self.atol >= 0.0):
            raise ValueError(
                f"Limit {self.name!r}: rtol={self.rtol}, atol={self.atol} must be >= 0")

    def expected_specs(self) -> Mapping[str, ExpectedSpec]:
        """The expected limit (and the onset, if any), resolved by the runner."""
        onset = {"after_log_t": self.after_log_t} if self.after_log_t else {}
        return {"limit": self.limit} | onset

    # ------------------------------------------------------------------ evaluate

    def evaluate(self, series: Series, expected: Mapping[str, float | None]) -> ClaimResult:
        """Fit the rate on the late window and judge the limit (see Notes of the class)."""
        never = onset_result(self, series, expected, self.after_log_t)
        if never is not None:
            return never
        L = expected_value(expected, "limit", self.limit)
        if self.limit is not None and (L is None or not np.isfinite(L)):
            return undecided(self.name, self.kind, f"the expected limit resolved to {L}")
        s, q, bad = self._window(series)
        if bad is not None:
            return bad
        fit = fit_rate(s, q, self.rate)
        if not np.isfinite(fit.se_limit):
            return undecided(
                self.name, self.kind,
                f"run too short: {s.size} points in the window cannot fit the "
                f"{_n_params(self.rate)}-parameter rate model {self.rate} with an error estimate",
                TooShort(int(s.size), fit=fit.summary()))
        need = max((_n_params(b) + 1 for b in self.alternatives()), default=0)
        if s.size < need:
            return undecided(
                self.name, self.kind,
                f"run too short: {s.size} points in the window, the model-error refits "
                f"{self.alternatives()} need {need}", TooShort(int(s.size), fit=fit.summary()))
        alts = [fit_rate(s, q, b, self._held_exponent(b, fit)) for b in self.alternatives()]
        sys = max((abs(a.limit - fit.limit) for a in alts), default=0.0)
        sigma = float(np.hypot(fit.se_limit, sys) + series.precision_floor(fit.limit))
        scale = abs(L) if L is not None else abs(fit.limit)
        tol = max(self.atol, self.rtol * scale)
        ev = self._evidence(series, s, q, fit, alts, sys, sigma, tol, L)
        if not np.isfinite(sigma):
            return undecided(self.name, self.kind,
                             f"the rate fit is ill-conditioned (sigma = {sigma})", ev)
        zero = zero_band(self, series.name, q, fit, sigma) if L is None and self.positive else None
        if zero is not None:
            return self._result(Outcome.FAIL, zero, fit, "finite, > 0", ev)
        floor = series.precision_floor(max(float(np.max(np.abs(q))), scale))
        if tol == 0.0:
            return undecided(self.name, self.kind,
                             f"zero tolerance: limit {scale:g} with atol=0; declare atol", ev)
        low = digits_result(self, series, floor, tol, ev)
        if low is not None:
            return low
        if L is None:
            outcome, reason, ev = judge_unnamed(self, series, s, q, fit, sigma, tol, ev)
            label = "finite, > 0" if self.positive else "finite"
            return self._result(outcome, reason, fit, label, ev)
        return self._judge_value(series.name, s, q, fit, alts, sigma, tol, L, ev)

    def _window(self, series: Series) -> tuple[np.ndarray, np.ndarray, ClaimResult | None]:
        """The decision window ``(s, q, None)`` or ``(.., .., UNDECIDED result)``."""
        lt = series.log_t
        if lt.size == 0:
            return lt, lt, short_result(self, series, 0)
        lo = lt.min() + (1.0 - self.window) * (lt.max() - lt.min())
        keep = lt >= lo
        if any(b in NEEDS_POSITIVE_LOG for b in self.rate):
            keep &= lt > 0.0
        s, q = lt[keep], series.values[keep]
        bad = nonfinite_result(self, series, q)
        if bad is None:
            bad = short_result(self, series, int(s.size), f"the window log t >= {lo:.4g}")
        return s, q, bad

    def alternatives(self) -> list[tuple[str, ...]]:
        """Bases of the model-error refits: extended by the next term, truncated to the first."""
        out = []
        ext = extension(self.rate)
        if ext is not None:
            out.append(ext)
        if len(self.rate) > 1:
            out.append(self.rate[:1])
        return out

    def _held_exponent(self, basis: tuple[str, ...], fit: RateFit) -> float | None:
        """The main fit's exponent for an extension (the next term ``t^-2a`` is probed at
        the fitted leading ``a``; re-profiling ``a`` lets two nearly cancelling terms with
        ``a -> 0`` mimic a polynomial in ``log t`` and extrapolate noise); None otherwise."""
        extended = len(basis) > len(self.rate)
        return fit.exponent if extended and fit.exponent is not None else None

    def _evidence(self, series: Series, s: np.ndarray, q: np.ndarray, fit: RateFit,
                  alts: list[RateFit], sys: float, sigma: float, tol: float,
                  L: float | None) -> LimitEvidence:
        return LimitEvidence(
            L_hat=fit.limit, sigma_stat=fit.se_limit, sigma_sys=sys, sigma=sigma,
            ci=(fit.limit - 3 * sigma, fit.limit + 3 * sigma), tol=tol,
            basis=tuple(fit.basis), amplitudes=tuple(fit.amplitudes),
            exponent=fit.exponent, shift=fit.shift, window_log_t=(float(s[0]), float(s[-1])),
            n_points=int(s.size), last_value=float(q[-1]),
            alternatives=tuple(a.summary() for a in alts),
            extrapolation_ratio=extrapolation(fit, tol, self.max_extrapolation)[1],
            digits=series.trusted_digits,
            distance_start=None if L is None else float(abs(q[0] - L)),
            distance_end=None if L is None else float(abs(q[-1] - L)))

    def _result(self, outcome: Outcome, reason: str, fit: RateFit, expected: float | str,
                ev: LimitEvidence) -> ClaimResult:
        return ClaimResult(self.name, self.kind, outcome, reason, measured=fit.limit,
                           expected=expected, evidence=ev)

    def _judge_value(self, name: str, s: np.ndarray, q: np.ndarray, fit: RateFit,
                     alts: list[RateFit], sigma: float, tol: float, L: float,
                     ev: LimitEvidence) -> ClaimResult:
        """Verdict when the theorem names the limit ``L``."""
        lo, hi = fit.limit - 3 * sigma, fit.limit + 3 * sigma
        d0, d1 = ev.distance_start, ev.distance_end
        growing = d1 > d0 + tol
        ci_txt = f"extrapolated limit {fit.limit:.6g} ± {3 * sigma:.3g} (3 sigma)"
        late = s >= s[0] + 0.75 * (s[-1] - s[0])
        remaining = max(abs(f.limit - f.fitted[-1]) for f in (fit, *alts))
        growth = growth_check(s, q, self.rate, tol, L, self.alternatives())
        ev = replace(ev, remaining_move=float(remaining), growth=growth.summary(),
                     slope_last_third=growth.late_slope)
        if growth.diverging is not None:
            return self._result(Outcome.FAIL, growth.reason(name, s, tol, f"to {L:.6g}"),
                                fit, L, ev)
        covers = bool(lo <= L <= hi) or cited_covers(L, self.tol_source)
        if (covers and late.sum() >= 2 and not growing
                and np.all(np.abs(q[late] - L) <= tol / 2) and remaining <= tol / 2):
            ev = replace(ev, converged=True)
            dev = float(np.max(np.abs(q[late] - L)))
            return self._result(
                Outcome.PASS, f"already converged: over the last quarter of the window "
                f"(log t >= {s[late][0]:.4g}) every value is within {dev:.3g} of {L:.6g}, "
                f"and no rate model moves it by more than {remaining:.3g} beyond the last "
                f"point (tolerance {tol:.3g})", fit, L, ev)
        extrapolating, ratio = extrapolation(fit, tol, self.max_extrapolation)
        if extrapolating:
            why = extrapolation_reason(fit, ratio, self.max_extrapolation)
            return self._result(Outcome.UNDECIDED, why, fit, L, ev)
        if lo >= L - tol and hi <= L + tol and not growing:
            ex = exclusion(L, fit.limit, sigma, tol)
            if covers or ex is None:
                return self._result(Outcome.PASS, "", fit, L, ev)
            return self._result(Outcome.UNDECIDED, ex.reason(self.rate, self.slower_terms),
                                fit, L, replace(ev, excludes_limit=ex.to_json()))
        if hi < L - tol or lo > L + tol:
            drift, why = pre_asymptotic(s, q, self.rate, fit.limit, sigma, tol, L)
            if drift is not None:
                ev = replace(ev, drift=drift.to_json())
            if why is None and self.slower_terms:
                why = still_approaching(s, q, L)
            if why is not None:
                return self._result(Outcome.UNDECIDED, why, fit, L, ev)
            return self._result(
                Outcome.FAIL, f"{ci_txt} excludes expected {L:.6g} (tolerance {tol:.3g}); "
                f"gap {L - fit.limit:+.4g}{self._relative(L - fit.limit, L)}, at least "
                f"{max(abs(L - fit.limit) - 3 * sigma, 0.0):.3g} beyond the interval"
                + drift_note(drift), fit, L, ev)
        if growing:
            reason = (f"the distance to {L:.6g} grows across the window, from {d0:.3g} at "
                      f"log t = {s[0]:.4g} to {d1:.3g} at log t = {s[-1]:.4g} "
                      f"(tolerance {tol:.3g})")
        else:
            reason = (f"not enough evidence: {ci_txt} overlaps but does not fit within "
                      f"{L:.6g} ± {tol:.3g}; CI width {6 * sigma:.3g} vs 2 tol = {2 * tol:.3g}")
        return self._result(Outcome.UNDECIDED, reason, fit, L, ev)

    @staticmethod
    def _relative(gap: float, L: float) -> str:
        return f" ({100 * abs(gap / L):.3g}% of expected)" if L != 0 else ""

    # ---------------------------------------------------------------- resolution

    def resolution_moves(self, series: Series, expected: Mapping[str, float | None],
                         result: ClaimResult) -> Moves:
        r"""What the resolution moves (:mod:`verify.claims.resolution`): the named limit
        :math:`L` up and down; for an unnamed limit, a drift: the moved claim
        ":math:`q - \delta \log t` converges" is judged on that series."""
        ev = result.evidence
        tol, sigma = getattr(ev, "tol", None), getattr(ev, "sigma", None)
        L = expected_value(expected, "limit", self.limit)
        if L is not None and np.isfinite(L):
            gap = abs(getattr(ev, "L_hat", L) - L)
            scale = natural_scale(tol, 3 * sigma if sigma is not None else None, gap,
                                  fallback=max(self.atol, self.rtol * abs(L), 1e-12))
            return Moves(tuple(value_move(self, series, {**expected, "limit": L}, "limit", sign,
                                          scale) for sign in (1, -1)))
        if self.limit is not None:
            return Moves((), f"the expected limit resolved to {L}")
        # the drift that changes q across the window by what the divergence rule needs
        window = getattr(ev, "window_log_t", None)
        need = getattr(ev, "tol_divergence", None)
        scale = (10 * need / (window[1] - window[0]) if need and window and window[1] > window[0]
                 else drift_scale(series.log_t, series.values, tol))
        return Moves(tuple(drift_move(self, series, expected, series.log_t, sign, scale,
                                      "per unit log t") for sign in (1, -1)))
