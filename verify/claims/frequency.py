"""``Frequency``: how often an event occurs across seeds, against a predicted probability."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy import stats

from verify.claims.base import Claim, Series
from verify.claims.evidence import FrequencyEvidence, FrequencyGroup
from verify.claims.guards import nonfinite_result
from verify.outcome import ClaimResult, Outcome, undecided


def clopper_pearson(k: int, n: int, confidence: float) -> tuple[float, float]:
    r"""Exact (Clopper-Pearson) interval for a binomial proportion.

    .. math:: [B^{-1}(\tfrac{\alpha}{2}; k, n-k+1),\ B^{-1}(1-\tfrac{\alpha}{2}; k+1, n-k)],
       \quad \alpha = 1 - \text{confidence},

    with :math:`B^{-1}` the beta quantile (Clopper & Pearson, Biometrika 26, 1934).

    Examples
    --------
    >>> lo, hi = clopper_pearson(5, 10, 0.95)
    >>> round(lo, 4), round(hi, 4)
    (0.1871, 0.8129)
    """
    a = 1.0 - confidence
    lo = 0.0 if k == 0 else float(stats.beta.ppf(a / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(stats.beta.ppf(1 - a / 2, k + 1, n - k))
    return lo, hi


@dataclass(frozen=True)
class Frequency(Claim):
    r"""The event occurs with the predicted probability: :math:`P(E \mid x) = p(x)`.

    The claim is judged on a sweep (:class:`verify.spec.sweep.Sweep`): one run per
    (value, seed), the quantity an indicator (1: the event occurred, 0: it did not) at the
    end of each run, ``log_t`` holding :math:`\log x`.  Runs with the same :math:`x` form a
    group of :math:`N` Bernoulli trials with :math:`k` events.

    Parameters
    ----------
    probability
        The predicted :math:`p(x)` as a function of the sweep's abscissa :math:`x`.
    label
        :math:`p(x)` in LaTeX, for reports.
    atol
        How far the probability may be from :math:`p(x)` for a PASS (equivalence margin).
    level
        Family-wise error rate of a FAIL (Bonferroni over the :math:`G` groups).
    confidence
        Family-wise confidence of the intervals a PASS needs.

    Notes
    -----
    FAIL if some group's exact two-sided binomial test of :math:`H_0: P = p(x)` has
    :math:`p`-value below ``level``/G (the observed count is incompatible with the
    prediction).  PASS if no group fails and every group's Clopper-Pearson interval at
    confidence :math:`1 - (1-\text{confidence})/G` lies within :math:`p(x) \pm` ``atol``
    (the seeds pin the probability down to the margin).  Else UNDECIDED: more seeds are
    needed.  Non-indicator or non-finite values give UNDECIDED.

    Examples
    --------
    >>> x = np.log(np.repeat([2.0, 3.0], 40))
    >>> ind = np.concatenate([np.tile([0.0, 1.0], 20), np.r_[np.ones(10), np.zeros(30)]])
    >>> c = Frequency("f", "fail", probability=lambda m: 2.0 ** (1 - m), atol=0.3)
    >>> c.evaluate(Series("fail", x, ind), {}).outcome.value
    'PASS'
    """

    probability: Callable[[float], float] | None = None
    label: str = ""
    atol: float = 0.25
    level: float = 1e-3
    confidence: float = 0.95

    def __post_init__(self) -> None:
        if self.probability is None:
            raise ValueError(f"Frequency {self.name!r}: give probability=, a function of x")
        if not (0.0 < self.level < 1.0 and 0.0 < self.confidence < 1.0 and self.atol > 0.0):
            raise ValueError(
                f"Frequency {self.name!r}: need 0 < level, confidence < 1 and atol > 0")

    def evaluate(self, series: Series, expected) -> ClaimResult:
        """Binomial test and exact intervals per group (see Notes of the class)."""
        bad = nonfinite_result(self, series, series.values, "the sweep")
        if bad is not None:
            return bad
        v = series.values
        if v.size == 0 or not np.all((v == 0.0) | (v == 1.0)):
            return undecided(self.name, self.kind,
                             f"{series.name!r} must be a 0/1 indicator per run; got values "
                             f"{sorted(set(np.round(v, 6).tolist()))[:5]}")
        groups = self._groups(series)
        G = len(groups)
        fails = [g for g in groups if g.p_value < self.level / G]
        ev = FrequencyEvidence(groups=groups, level=self.level, confidence=self.confidence,
                               atol=self.atol, n_runs=int(v.size))
        if fails:
            g = min(fails, key=lambda g: g.p_value)
            return ClaimResult(
                self.name, self.kind, Outcome.FAIL,
                f"at x = {g.x:.6g}: {g.k} of {g.n} runs, predicted p = "
                f"{g.p:.4g} (binomial p-value {g.p_value:.2g} < {self.level / G:.2g})",
                measured=g.k / g.n, expected=g.p, evidence=ev)
        conf = 1.0 - (1.0 - self.confidence) / G
        wide = [g for g in groups if g.ci[0] < g.p - self.atol or g.ci[1] > g.p + self.atol]
        worst = max(groups, key=lambda g: abs(g.k / g.n - g.p))
        if wide:
            g = wide[0]
            return ClaimResult(
                self.name, self.kind, Outcome.UNDECIDED,
                f"not enough runs: at x = {g.x:.6g}, {g.k} of {g.n}; the "
                f"{100 * conf:.3g}% interval [{g.ci[0]:.3g}, {g.ci[1]:.3g}] is not within "
                f"p = {g.p:.4g} ± {self.atol:g}", measured=g.k / g.n, expected=g.p,
                evidence=ev)
        return ClaimResult(self.name, self.kind, Outcome.PASS, "",
                           measured=worst.k / worst.n, expected=worst.p, evidence=ev)

    def _groups(self, series: Series) -> tuple[FrequencyGroup, ...]:
        """Per abscissa: runs, events, prediction, binomial p-value and exact interval."""
        out = []
        conf = 1.0 - (1.0 - self.confidence) / len(np.unique(series.log_t))
        for lx in np.unique(series.log_t):
            ind = series.values[series.log_t == lx]
            x = float(f"{np.exp(lx):.12g}")  # exp(log 3) is 3.0000000000000004
            p = float(self.probability(x))
            k, n = int(ind.sum()), int(ind.size)
            pv = float(stats.binomtest(k, n, p).pvalue) if 0.0 <= p <= 1.0 else 0.0
            out.append(FrequencyGroup(x, k, n, p, pv, clopper_pearson(k, n, conf)))
        return tuple(out)
