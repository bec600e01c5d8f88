"""``Trend``: a quantity rises (or falls) with a swept parameter, judged across seeds."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from verify.claims.base import Claim, Series
from verify.claims.sweepevidence import Medians, TrendEvidence
from verify.claims.guards import Constant, TooFewValues, nonfinite_result
from verify.claims.resolution import Moves, drift_move, drift_scale, signs
from verify.outcome import ClaimResult, Outcome, undecided


def theil_sen(x: np.ndarray, y: np.ndarray) -> float:
    r"""Median of the pairwise slopes :math:`(y_j - y_i)/(x_j - x_i)` over :math:`x_i < x_j`
    (Theil 1950, Sen 1968): a robust size of the trend, for the evidence only.

    Examples
    --------
    >>> theil_sen(np.array([1.0, 2.0, 3.0, 3.0]), np.array([0.0, 1.0, 2.0, 9.0]))
    1.0
    """
    i, j = np.triu_indices(x.size, 1)
    dx = x[j] - x[i]
    keep = dx != 0
    return float(np.median((y[j] - y[i])[keep] / dx[keep])) if np.any(keep) else float("nan")


@dataclass(frozen=True)
class Trend(Claim):
    r"""The quantity increases (or decreases) with a swept parameter :math:`x`:
    a monotone association across independent runs, not a law.

    The series passed to :meth:`evaluate` holds :math:`\log x` in ``log_t`` and the quantity
    at the end of one run per (value, seed) in ``values`` (:class:`verify.spec.sweep.Sweep`).

    Parameters
    ----------
    direction
        ``"increasing"`` or ``"decreasing"``.
    level
        One-sided significance level of each decision (declared before the runs).

    Notes
    -----
    Kendall's :math:`\tau_b` between :math:`x` and :math:`q` over all :math:`N` runs
    (Kendall, Biometrika 30, 1938; :math:`\tau_b` corrects for the ties that repeated values
    of :math:`x` produce), with its one-sided :math:`p`-values against independence from
    ``scipy.stats.kendalltau`` (the normal approximation with the tie-corrected variance when
    there are ties, exact otherwise).  Runs are independent draws (fresh data and
    initialization per run), which is what the test assumes; it assumes nothing about the
    shape of the dependence.

    PASS if the :math:`p`-value in the claimed direction is below ``level``; FAIL if the one
    in the opposite direction is (a significant trend the other way); else UNDECIDED (no
    significant trend: more seeds, or no trend).  Fewer than 2 distinct values of :math:`x`
    or 4 runs, a non-finite value, or a constant quantity give UNDECIDED.  The evidence
    carries :math:`\tau_b`, both :math:`p`-values, the Theil-Sen slope in :math:`\log x` and
    the median per value.

    Examples
    --------
    >>> lx = np.log(np.repeat([5.0, 10.0, 20.0], 4))
    >>> q = np.repeat([0.01, 0.1, 0.3], 4) + np.tile([0.0, 0.01, 0.02, 0.03], 3)
    >>> Trend("t", "err", direction="increasing").evaluate(Series("err", lx, q), {}).outcome.value
    'PASS'
    >>> Trend("t", "err", direction="decreasing").evaluate(Series("err", lx, q), {}).outcome.value
    'FAIL'
    """

    direction: str = "increasing"
    level: float = 0.05

    def __post_init__(self) -> None:
        if self.direction not in ("increasing", "decreasing"):
            raise ValueError(f"Trend {self.name!r}: direction={self.direction!r}; "
                             "use 'increasing' or 'decreasing'")
        if not 0.0 < self.level < 0.5:
            raise ValueError(f"Trend {self.name!r}: level={self.level} must be in (0, 0.5)")

    def evaluate(self, series: Series, expected: Mapping[str, float | None]) -> ClaimResult:
        """Kendall's tau-b and its one-sided tests (see Notes of the class)."""
        from scipy import stats  # imported when first needed (CLI start-up)
        x, q = series.log_t, series.values
        bad = nonfinite_result(self, series, q, "the sweep")
        if bad is not None:
            return bad
        k = int(np.unique(x).size)
        if k < 2 or x.size < 4:
            return undecided(self.name, self.kind,
                             f"not enough evidence: {k} distinct swept values and {x.size} runs "
                             "(need 2 and 4)", TooFewValues(k, int(x.size)))
        if np.ptp(q) == 0.0:
            return undecided(self.name, self.kind,
                             f"{series.name!r} is {q[0]:.6g} in all {q.size} runs: tau_b is "
                             "undefined without variation (no trend either way)",
                             Constant(int(q.size)))
        up = stats.kendalltau(x, q, alternative="greater")
        down = stats.kendalltau(x, q, alternative="less")
        p_claim, p_other = (up.pvalue, down.pvalue) if self.direction == "increasing" else (
            down.pvalue, up.pvalue)
        xs = np.unique(x)
        ev = TrendEvidence(
            tau_b=float(up.statistic), p_claimed=float(p_claim), p_opposite=float(p_other),
            level=self.level, direction=self.direction, n_points=int(x.size), n_distinct=k,
            theil_sen_per_log_x=theil_sen(x, q),
            medians=Medians(tuple(np.exp(xs).tolist()),
                            tuple(float(np.median(q[x == v])) for v in xs)),
            method="exact" if k == x.size else "normal approximation, tie-corrected variance")
        txt = f"Kendall tau_b = {up.statistic:.3f} over {x.size} runs"
        if p_claim < self.level:
            return ClaimResult(self.name, self.kind, Outcome.PASS, "", measured=float(up.statistic),
                               evidence=ev)
        if p_other < self.level:
            return ClaimResult(self.name, self.kind, Outcome.FAIL,
                               f"{txt}: significantly "
                               f"{'de' if self.direction == 'increasing' else 'in'}creasing "
                               f"(one-sided p = {p_other:.3g} < {self.level:g})",
                               measured=float(up.statistic), evidence=ev)
        return ClaimResult(self.name, self.kind, Outcome.UNDECIDED,
                           f"no significant trend: {txt}, one-sided p = {p_claim:.3g} >= "
                           f"{self.level:g} ({'add seeds, or ' if k < x.size else ''}the "
                           "quantity does not move with the parameter)",
                           measured=float(up.statistic), evidence=ev)

    def resolution_moves(self, series: Series, expected: Mapping[str, float | None],
                         result: ClaimResult) -> Moves:
        r"""What the resolution moves (:mod:`verify.claims.resolution`): a drift
        :math:`\delta \log x` against the claimed direction (with it, for a FAIL): the
        moved claim is ":math:`q - \delta \log x` increases" (or decreases)."""
        slope = getattr(result.evidence, "theil_sen_per_log_x", None)
        scale = drift_scale(series.log_t, series.values,
                            None if slope is None else abs(slope) * float(np.ptp(series.log_t)))
        against = -1 if self.direction == "increasing" else 1
        return Moves(tuple(drift_move(self, series, expected, series.log_t, sign, scale,
                                      "per unit log x") for sign in signs(result, (against,))))
