r"""Claim kinds on the power law of a sweep beyond :class:`~verify.claims.scaling.Scaling`.

- :class:`OneSidedScaling`: one half of :math:`q = \Theta(x^a)`: :math:`O(x^a)` (the log-log
  slope is at least :math:`a`) or :math:`\Omega(x^a)` (at most :math:`a`), decided on the
  same fit and interval as :class:`~verify.claims.scaling.Scaling`; a theorem's
  :math:`\Theta` is then two claims, each of which can FAIL alone (the Omega half of a
  :math:`\Theta` that holds only in one regime, say).
- :class:`Prefactor`: the constant :math:`C` of a known power law :math:`q \approx C x^a`
  against a predicted value (a derivation's leading-order constant).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from verify.claims.base import ExpectedSpec, Series
from verify.claims.guards import expected_value
from verify.claims.resolution import Moves, natural_scale, value_move
from verify.claims.scaling import Scaling
from verify.outcome import ClaimResult, Evidence, Outcome, undecided


@dataclass(frozen=True)
class OneSidedScaling(Scaling):
    r"""One half of :math:`q = \Theta(x^{a})` as :math:`x \to 0`, on the slope of a sweep.

    ``side="O"``: :math:`q = O(x^a)`, i.e. the log-log slope :math:`\hat a \ge a`;
    ``side="Omega"``: :math:`q = \Omega(x^a)`, i.e. :math:`\hat a \le a`.  With
    :math:`CI` the interval of :class:`~verify.claims.scaling.Scaling` (same fit, same
    evidence): PASS if :math:`CI` lies wholly on the claimed side of :math:`a \mp`
    ``atol``, FAIL if wholly on the other side, else UNDECIDED.

    Examples
    --------
    >>> x = np.repeat([0.01, 0.02, 0.04, 0.08], 3)
    >>> s = Series("gap", np.log(x), x**1.5 * np.tile([0.99, 1.0, 1.01], 4))
    >>> [OneSidedScaling(k, "gap", exponent=0.5, side=k).evaluate(s, {}).outcome.value
    ...  for k in ("O", "Omega")]
    ['PASS', 'FAIL']
    """

    side: str = "O"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.side not in ("O", "Omega"):
            raise ValueError(f"OneSidedScaling {self.name!r}: side={self.side!r} is 'O' or 'Omega'")

    def evaluate(self, series: Series, expected: Mapping[str, float | None]) -> ClaimResult:
        """Re-decide the two-sided fit of :class:`Scaling` on one side (see the class)."""
        res = super().evaluate(series, expected)
        ci = getattr(res.evidence, "ci", None)
        a = expected_value(expected, "exponent", self.exponent)
        if ci is None or a is None:
            return res
        sign = 1.0 if self.side == "O" else -1.0  # O: slope >= a - atol; Omega: slope <= a + atol
        edge = a - sign * self.atol
        near, far = (ci[0], ci[1]) if sign > 0 else (ci[1], ci[0])
        txt = f"slope {res.measured:.4g}, {self.level:.0%} CI [{ci[0]:.4g}, {ci[1]:.4g}]"
        want = f">= {edge:g} ({a:g} - atol)" if sign > 0 else f"<= {edge:g} ({a:g} + atol)"
        if sign * (near - edge) >= 0:
            return replace(res, outcome=Outcome.PASS, reason="")
        if sign * (far - edge) < 0:
            return replace(res, outcome=Outcome.FAIL,
                           reason=f"{txt}: the slope is not {want}; the {self.side} half "
                                  "fails over this sweep")
        return replace(res, outcome=Outcome.UNDECIDED,
                       reason=f"{txt} straddles {edge:g}; add seeds or parameter values")


@dataclass(frozen=True)
class PrefactorEvidence(Evidence):
    """Evidence of :class:`Prefactor`: mean of ``q / x^a`` with its t-interval, and the band."""

    c_hat: float
    se: float
    ci: tuple[float, float]
    predicted: float
    rtol: float
    band: tuple[float, float]
    level: float
    n_points: int


@dataclass(frozen=True)
class Prefactor(Scaling):
    r"""The constant of a known power law: :math:`q \approx C\, x^{a}` with :math:`C` predicted.

    :math:`\hat C` is the mean of :math:`r_i = q_i / x_i^{a}` over the sweep points, with
    :math:`CI = \hat C \pm t_{n-1}\, s_r/\sqrt n`; the band is :math:`C(1 \pm \rho)`,
    :math:`\rho = ` ``rtol`` or, when ``rtol`` is None, :math:`\max_i \sqrt{x_i}` (the size
    of the corrections a derivation to leading order in :math:`\sqrt{x}` drops).  PASS if
    :math:`CI` lies inside the band, FAIL if it misses the band, else UNDECIDED.

    Examples
    --------
    >>> x = np.repeat([0.01, 0.02, 0.04], 4)
    >>> s = Series("gap", np.log(x), 0.3 * np.sqrt(x) * np.tile([0.98, 0.99, 1.01, 1.02], 3))
    >>> [Prefactor("c", "gap", exponent=0.5, prefactor=c).evaluate(s, {}).outcome.value
    ...  for c in (0.3, 0.6)]
    ['PASS', 'FAIL']
    """

    prefactor: ExpectedSpec = None
    rtol: float | None = None

    def expected_specs(self) -> Mapping[str, ExpectedSpec]:
        """The exponent and the predicted constant, resolved by the runner."""
        return {"exponent": self.exponent, "prefactor": self.prefactor}

    def evaluate(self, series: Series, expected: Mapping[str, float | None]) -> ClaimResult:
        """Compare the mean of ``q / x^a`` with the predicted constant (see the class)."""
        from scipy import stats  # imported when first needed (CLI start-up)
        a = expected_value(expected, "exponent", self.exponent)
        c0 = expected_value(expected, "prefactor", self.prefactor)
        x, q = np.exp(series.log_t), series.values
        if a is None or c0 is None or not c0 > 0 or q.size < 3 or not np.all(np.isfinite(q)):
            return undecided(self.name, self.kind, f"prefactor {c0}, exponent {a}, {q.size} points "
                             "(need a positive prefactor and 3 finite points)")
        r = q / x**a
        c_hat, se = float(r.mean()), float(r.std(ddof=1) / np.sqrt(r.size))
        half = float(stats.t.ppf(0.5 + self.level / 2.0, r.size - 1)) * se
        rho = float(np.sqrt(x.max())) if self.rtol is None else self.rtol
        ci, band = (c_hat - half, c_hat + half), (c0 * (1 - rho), c0 * (1 + rho))
        ev = PrefactorEvidence(c_hat=c_hat, se=se, ci=ci, predicted=c0, rtol=rho, band=band,
                               level=self.level, n_points=int(r.size))
        txt = (f"C = {c_hat:.4g}, {self.level:.0%} CI [{ci[0]:.4g}, {ci[1]:.4g}], predicted "
               f"{c0:.4g} -+ {rho:.0%} = [{band[0]:.4g}, {band[1]:.4g}]")
        if band[0] <= ci[0] and ci[1] <= band[1]:
            out, why = Outcome.PASS, ""
        elif ci[1] < band[0] or ci[0] > band[1]:
            out, why = Outcome.FAIL, f"{txt}: the interval misses the band"
        else:
            out, why = Outcome.UNDECIDED, f"{txt}: the interval straddles the band's edge"
        return ClaimResult(self.name, self.kind, out, why, measured=c_hat, expected=c0, evidence=ev)

    def resolution_moves(self, series: Series, expected: Mapping[str, float | None],
                         result: ClaimResult) -> Moves:
        """The predicted constant up and down."""
        c0 = expected_value(expected, "prefactor", self.prefactor)
        if c0 is None or not np.isfinite(c0):
            return Moves((), f"the predicted prefactor resolved to {c0}")
        scale = natural_scale(abs(getattr(result.evidence, "c_hat", c0) - c0), c0)
        return Moves(tuple(value_move(self, series, {**expected, "prefactor": c0}, "prefactor", sign,
                                      scale) for sign in (1, -1)))


__all__ = ["OneSidedScaling", "Prefactor", "PrefactorEvidence"]
