"""``Frequency``: how often an event occurs across seeds, against a predicted probability."""
from __future__ import annotations

import functools

from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from verify.claims.base import Claim, Series
from verify.claims.sweepevidence import FrequencyEvidence, FrequencyGroup
from verify.claims.guards import nonfinite_result
from verify.claims.resolution import Moves, claim_move, natural_scale
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
    from scipy import stats  # imported when first needed (CLI start-up)
    a = 1.0 - confidence
    lo = 0.0 if k == 0 else float(stats.beta.ppf(a / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(stats.beta.ppf(1 - a / 2, k + 1, n - k))
    return lo, hi


def binomial_power(n: int, p0: float, p1: float, alpha: float) -> float:
    r"""Exact power of the two-sided binomial test of :math:`H_0: P = p_0` at level
    :math:`\alpha` with :math:`n` trials when the truth is :math:`p_1`:
    :math:`\sum_{k \in R} \binom nk p_1^k (1-p_1)^{n-k}` over the rejection region
    :math:`R = \{k: p\text{-value}(k) < \alpha\}` (0 when :math:`p_0` is not a probability).

    Examples
    --------
    >>> round(binomial_power(80, 0.125, 0.25, 1e-3 / 3), 3)
    0.343
    >>> binomial_power(80, 0.5, 0.5, 0.05) < 0.05
    True
    """
    from scipy import stats  # imported when first needed (CLI start-up)
    if not (0.0 <= p0 <= 1.0 and 0.0 <= p1 <= 1.0):
        return 0.0
    ks = np.array(rejection_region(n, p0, alpha), dtype=int)
    return float(stats.binom.pmf(ks, n, p1).sum())


@functools.lru_cache(maxsize=256)
def rejection_region(n: int, p0: float, alpha: float) -> tuple[int, ...]:
    """The counts ``k`` in ``0..n`` whose two-sided exact binomial p-value under ``p0`` is below
    ``alpha`` (kept: the resolution's bisection asks for it again at every ``p1``).

    Examples
    --------
    >>> rejection_region(10, 0.5, 0.05)
    (0, 1, 9, 10)
    """
    from scipy import stats  # imported when first needed (CLI start-up)
    return tuple(k for k in range(n + 1) if stats.binomtest(k, n, p0).pvalue < alpha)


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
    alternative
        The stated alternative :math:`p_1(x)` the test must be able to tell from
        :math:`p(x)` (e.g. :math:`1/m` against :math:`2^{1-m}`); None: :math:`p(x) \pm`
        ``atol`` (whichever side the test detects less often).
    alternative_label
        :math:`p_1(x)` in LaTeX, for reports.
    atol
        Shift of the default alternative :math:`p(x) \pm` ``atol`` (no ``alternative``).
    level
        Family-wise error rate of a FAIL (Bonferroni over the :math:`G` groups).
    min_power
        Power against the alternative a PASS needs (the chance that at least one group's
        test rejects :math:`p(x)` when the truth is :math:`p_1(x)`).
    confidence
        Family-wise confidence of the Clopper-Pearson intervals shown in the evidence
        (they do not enter the verdict).

    Notes
    -----
    The verdict is the exact two-sided binomial test alone.  FAIL if some group's test of
    :math:`H_0: P = p(x)` has :math:`p`-value below ``level``/G (the observed count is
    incompatible with the prediction).  Otherwise the test's *power* decides whether its
    silence means anything: for each group the exact probability, under
    :math:`P = p_1(x)`, that the count falls in the test's rejection region at level
    ``level``/G, and for the family :math:`1 - \prod_g (1 - \text{power}_g)`.  PASS if
    the family power is at least ``min_power``; else UNDECIDED (more seeds are needed to
    tell :math:`p` from :math:`p_1`).  An equivalence margin (every interval within
    :math:`p \pm` a tolerance) is not used: with 0.25 against probabilities of
    0.125-0.5 it passed :math:`1/m` as readily as :math:`2^{1-m}`.  Non-indicator or
    non-finite values give UNDECIDED.

    Examples
    --------
    >>> x = np.log(np.repeat([2.0, 3.0], 40))
    >>> ind = np.concatenate([np.tile([0.0, 1.0], 20), np.r_[np.ones(10), np.zeros(30)]])
    >>> c = Frequency("f", "fail", probability=lambda m: 2.0 ** (1 - m), atol=0.3)
    >>> r = c.evaluate(Series("fail", x, ind), {})
    >>> r.outcome.value, round(r.evidence.power, 3)
    ('PASS', 0.872)
    >>> c = Frequency("f", "fail", probability=lambda m: 2.0 ** (1 - m),
    ...               alternative=lambda m: 1.0 / m)
    >>> r = c.evaluate(Series("fail", x, ind), {})
    >>> r.outcome.value, round(r.evidence.power, 3)
    ('UNDECIDED', 0.01)
    """

    probability: Callable[[float], float] | None = None
    label: str = ""
    atol: float = 0.1
    level: float = 1e-3
    confidence: float = 0.95
    alternative: Callable[[float], float] | None = None
    alternative_label: str = ""
    min_power: float = 0.8

    def __post_init__(self) -> None:
        if self.probability is None:
            raise ValueError(f"Frequency {self.name!r}: give probability=, a function of x")
        if not (0.0 < self.level < 1.0 and 0.0 < self.confidence < 1.0 and self.atol > 0.0
                and 0.0 < self.min_power < 1.0):
            raise ValueError(f"Frequency {self.name!r}: need 0 < level, confidence, "
                             "min_power < 1 and atol > 0")

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
        power = 1.0 - float(np.prod([1.0 - g.power for g in groups]))
        ev = FrequencyEvidence(groups=groups, level=self.level, confidence=self.confidence,
                               atol=self.atol, n_runs=int(v.size), power=power,
                               alternative=self._alternative_text(), min_power=self.min_power)
        if fails:
            g = min(fails, key=lambda g: g.p_value)
            return ClaimResult(
                self.name, self.kind, Outcome.FAIL,
                f"at x = {g.x:.6g}: {g.k} of {g.n} runs, predicted p = "
                f"{g.p:.4g} (binomial p-value {g.p_value:.2g} < {self.level / G:.2g})",
                measured=g.k / g.n, expected=g.p, evidence=ev)
        worst = max(groups, key=lambda g: abs(g.k / g.n - g.p))
        if power < self.min_power:
            return ClaimResult(
                self.name, self.kind, Outcome.UNDECIDED,
                f"not enough runs: no group rejects p = {self.label or 'p(x)'} (smallest "
                f"p-value {min(g.p_value for g in groups):.2g} >= {self.level / G:.2g}), but "
                f"the test's power against {self._alternative_text()} is only {power:.3g} "
                f"(need {self.min_power:g}; per group "
                f"{', '.join(f'{g.power:.2g} at x = {g.x:g}' for g in groups)})",
                measured=worst.k / worst.n, expected=worst.p, evidence=ev)
        return ClaimResult(self.name, self.kind, Outcome.PASS, "",
                           measured=worst.k / worst.n, expected=worst.p, evidence=ev)

    def _alternative_text(self) -> str:
        """The stated alternative, for reasons and evidence."""
        if self.alternative is not None:
            return self.alternative_label or "the stated alternative"
        return f"p ± {self.atol:g}"

    def _alternatives(self, x: float, p: float) -> list[float]:
        """The alternative probabilities at ``x`` (both sides of the default shift)."""
        if self.alternative is not None:
            return [float(self.alternative(x))]
        return [q for q in (p - self.atol, p + self.atol) if 0.0 <= q <= 1.0]

    def _groups(self, series: Series) -> tuple[FrequencyGroup, ...]:
        """Per abscissa: runs, events, prediction, binomial p-value and exact interval."""
        from scipy import stats  # imported when first needed (CLI start-up)
        out = []
        conf = 1.0 - (1.0 - self.confidence) / len(np.unique(series.log_t))
        for lx in np.unique(series.log_t):
            ind = series.values[series.log_t == lx]
            x = float(f"{np.exp(lx):.12g}")  # exp(log 3) is 3.0000000000000004
            p = float(self.probability(x))
            k, n = int(ind.sum()), int(ind.size)
            pv = float(stats.binomtest(k, n, p).pvalue) if 0.0 <= p <= 1.0 else 0.0
            alpha = self.level / len(np.unique(series.log_t))
            pw = min((binomial_power(n, p, p1, alpha) for p1 in self._alternatives(x, p)),
                     default=0.0)
            out.append(FrequencyGroup(x, k, n, p, pv, clopper_pearson(k, n, conf), pw))
        return tuple(out)

    def resolution_moves(self, series: Series, expected, result: ClaimResult) -> Moves:
        r"""What the resolution moves (:mod:`verify.claims.resolution`): the predicted
        probability, :math:`p(x) \pm \delta` at every :math:`x` (clipped to [0, 1])."""
        groups = getattr(result.evidence, "groups", ())
        scale = natural_scale(*((g.ci[1] - g.ci[0]) / 2 for g in groups), fallback=0.05)
        return Moves(tuple(
            claim_move(self, series, expected, "probability", sign, scale, self._moved_by)
            for sign in (1, -1)))

    def _moved_by(self, delta: float) -> "Frequency":
        """This claim with the prediction moved by ``delta`` (clipped to [0, 1])."""
        p = self.probability
        return replace(self, probability=lambda x: min(max(float(p(x)) + delta, 0.0), 1.0))
