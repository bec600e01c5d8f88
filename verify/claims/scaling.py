"""``Scaling``: a power law across a parameter sweep."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from verify.claims.base import Claim, ExpectedSpec, Series
from verify.claims.fit import line_fit
from verify.claims.sweepevidence import ScalingEvidence
from verify.claims.guards import NonPositive, TooFewValues, expected_value, nonfinite_result
from verify.claims.resolution import Moves, natural_scale, value_move
from verify.outcome import ClaimResult, Outcome, undecided


@dataclass(frozen=True)
class Scaling(Claim):
    r"""The quantity scales as a power of a swept parameter:
    :math:`q(p) = \Theta(p^{a})`.

    The series passed to :meth:`evaluate` holds :math:`\log p` in ``log_t`` and the
    quantity in ``values``, one point per (parameter value, seed); repeated :math:`\log p`
    are expected.

    Parameters
    ----------
    parameter
        Name of the swept parameter (for reports).
    exponent
        The theorem's exponent :math:`a` (required).
    atol
        How far the measured exponent may be from :math:`a`.
    level
        Confidence level of the interval on the slope.
    sweep
        (inherited) The runs that produce the points (:class:`verify.spec.sweep.Sweep`).

    Notes
    -----
    OLS on :math:`\log q = b + \hat a \log p`, with
    :math:`\mathrm{se}(\hat a) = \sqrt{\mathrm{RSS}/(n-2)\,/\,S_{xx}}`,
    :math:`S_{xx} = \sum_i (\log p_i - \overline{\log p})^2`,
    and :math:`CI = \hat a \pm t_{n-2,(1+\mathrm{level})/2}\, \mathrm{se}(\hat a)` widened by
    the precision floor :math:`2\varepsilon / (\max \log p - \min \log p)`, where
    :math:`\varepsilon = 10^{-\text{digits}}` bounds the error of each :math:`\log q`.

    PASS if :math:`a \in CI` and the half-width is :math:`\le` ``atol``;
    FAIL if :math:`a \notin CI` and :math:`|\hat a - a| >` ``atol``; else UNDECIDED.
    Fewer than 2 distinct parameter values or 3 points, non-finite or non-positive
    values give UNDECIDED.  Treating seeds as independent draws around the power law is the
    model behind the interval; a constant factor (the :math:`\Theta`) goes into :math:`b`.

    Examples
    --------
    >>> p = np.repeat([10.0, 20.0, 40.0, 80.0], 3)
    >>> q = 2.0 * p**0.5 * np.tile([0.99, 1.0, 1.01], 4)
    >>> s = Series("norm", np.log(p), q)
    >>> Scaling("s", "norm", parameter="m", exponent=0.5).evaluate(s, {}).outcome.value
    'PASS'
    """

    parameter: str = ""
    exponent: ExpectedSpec = None
    atol: float = 0.1
    level: float = 0.95

    def __post_init__(self) -> None:
        if self.exponent is None:
            raise ValueError(f"Scaling {self.name!r}: give the theorem's exponent=")
        if not 0.0 < self.level < 1.0:
            raise ValueError(f"Scaling {self.name!r}: level={self.level} must be in (0, 1)")
        if not self.atol > 0.0:
            raise ValueError(f"Scaling {self.name!r}: atol={self.atol} must be > 0")

    def expected_specs(self) -> Mapping[str, ExpectedSpec]:
        """The exponent, resolved by the runner."""
        return {"exponent": self.exponent}

    def evaluate(self, series: Series, expected: Mapping[str, float | None]) -> ClaimResult:
        """Fit the log-log slope with its confidence interval (see Notes of the class)."""
        from scipy import stats  # imported when first needed (CLI start-up)
        a = expected_value(expected, "exponent", self.exponent)
        if a is None or not np.isfinite(a):
            return undecided(self.name, self.kind, f"the expected exponent resolved to {a}")
        x, q = series.log_t, series.values
        bad = nonfinite_result(self, series, np.concatenate([x, q]), "the sweep")
        if bad is not None:
            return bad
        nonpos = int((q <= 0).sum())
        if nonpos:
            return undecided(self.name, self.kind,
                             f"{nonpos} of {q.size} values of {series.name} are <= 0 "
                             "(cannot take logs)", NonPositive(nonpos))
        k = int(np.unique(x).size)
        if k < 2 or x.size < 3:
            return undecided(self.name, self.kind,
                             f"not enough evidence: {k} distinct values of "
                             f"{self.parameter or 'the parameter'} and {x.size} points "
                             "(need 2 and 3)", TooFewValues(k, int(x.size)))
        slope, intercept, se = line_fit(x, np.log(q))
        eps = max(series.precision_floor(v) / v for v in q)
        floor = 2.0 * eps / float(np.ptp(x))
        tq = float(stats.t.ppf(0.5 + self.level / 2.0, x.size - 2))
        half = tq * se + floor
        ci = (slope - half, slope + half)
        ev = ScalingEvidence(
            a_hat=slope, se=se, ci=ci, half_width=half, level=self.level, df=int(x.size - 2),
            t_quantile=tq, intercept=intercept, precision_floor=floor, n_points=int(x.size),
            n_distinct=k, parameter=self.parameter, atol=self.atol,
            digits=series.trusted_digits)
        ci_txt = f"slope {slope:.4g}, {self.level:.0%} CI [{ci[0]:.4g}, {ci[1]:.4g}]"
        inside = ci[0] <= a <= ci[1]
        if inside and half <= self.atol:
            return ClaimResult(self.name, self.kind, Outcome.PASS, "", measured=slope,
                               expected=a, evidence=ev)
        if not inside and abs(slope - a) > self.atol:
            return ClaimResult(
                self.name, self.kind, Outcome.FAIL,
                f"{ci_txt} excludes exponent {a:g}; |{slope:.4g} - {a:g}| = "
                f"{abs(slope - a):.3g} > atol {self.atol:g}",
                measured=slope, expected=a, evidence=ev)
        if floor > self.atol:
            why = f"only {series.trusted_digits:g} audited digits: precision floor {floor:.3g} "
            why += f"on the slope exceeds atol {self.atol:g}"
        elif inside:
            why = (f"not enough evidence: {ci_txt} contains {a:g} but its half-width "
                   f"{half:.3g} exceeds atol {self.atol:g}; add seeds or parameter values")
        else:
            why = (f"{ci_txt} excludes {a:g}, but only by {abs(slope - a):.3g} <= atol "
                   f"{self.atol:g}: a small bias, not a different exponent")
        return ClaimResult(self.name, self.kind, Outcome.UNDECIDED, why, measured=slope,
                           expected=a, evidence=ev)

    def resolution_moves(self, series: Series, expected: Mapping[str, float | None],
                         result: ClaimResult) -> Moves:
        """What the resolution moves (:mod:`verify.claims.resolution`): the exponent
        :math:`a` up and down."""
        a = expected_value(expected, "exponent", self.exponent)
        if a is None or not np.isfinite(a):
            return Moves((), f"the expected exponent resolved to {a}")
        ev = result.evidence
        scale = natural_scale(self.atol, getattr(ev, "half_width", None),
                              abs(getattr(ev, "a_hat", a) - a))
        return Moves(tuple(value_move(self, series, {**expected, "exponent": a}, "exponent", sign,
                                      scale) for sign in (1, -1)))
