r"""The evidence of the claim kinds judged across runs (a sweep or a population of seeds).

:class:`ScalingEvidence` (a power law fitted over a swept parameter),
:class:`FrequencyEvidence` (an exact binomial test per group of runs) and
:class:`TrendEvidence` (Kendall's tau-b over a swept parameter): frozen
:class:`~verify.outcome.Evidence` records as in :mod:`verify.claims.evidence`, whose field
names are the keys of the row's ``evidence`` object in results.json.

Examples
--------
>>> ev = TrendEvidence(tau_b=0.6, p_claimed=0.1, p_opposite=0.9, level=0.05,
...                    direction="increasing", n_points=6, n_distinct=6,
...                    theil_sen_per_log_x=float("nan"),
...                    medians=Medians((1.0, 2.0), (0.5, 0.7)), method="exact")
>>> ev.to_json()["theil_sen_per_log_x"], ev.to_json()["medians"]
('nan', {'x': [1.0, 2.0], 'median': [0.5, 0.7]})
"""
from __future__ import annotations

from dataclasses import dataclass
from verify.outcome import Evidence


@dataclass(frozen=True)
class ScalingEvidence(Evidence):
    r"""Evidence of a :class:`~verify.claims.scaling.Scaling`: OLS of :math:`\log q` on
    :math:`\log p`.

    Parameters
    ----------
    a_hat, se, intercept
        Slope :math:`\hat a`, its standard error and the intercept :math:`b`.
    ci, half_width
        :math:`\hat a \pm (t_{n-2}\,\mathrm{se} + \text{floor})` and its half-width.
    level, df, t_quantile
        Confidence level, degrees of freedom :math:`n-2` and the Student quantile.
    precision_floor
        The precision floor on the slope.
    n_points, n_distinct
        Points and distinct parameter values.
    parameter, atol
        The swept parameter's name and the allowed distance from the exponent.
    digits
        Trusted digits of the quantity.
    """

    a_hat: float
    se: float
    ci: tuple[float, float]
    half_width: float
    level: float
    df: int
    t_quantile: float
    intercept: float
    precision_floor: float
    n_points: int
    n_distinct: int
    parameter: str
    atol: float
    digits: float


@dataclass(frozen=True)
class FrequencyGroup:
    """The runs of a :class:`~verify.claims.frequency.Frequency` sweep at one abscissa.

    Parameters
    ----------
    x
        The abscissa (12 significant digits).
    k, n
        Events and runs.
    p
        The predicted probability :math:`p(x)`.
    p_value
        Exact two-sided binomial :math:`p`-value of :math:`H_0: P = p(x)`.
    ci
        Clopper-Pearson interval at the Bonferroni-corrected confidence (shown; not used
        by the verdict).
    power
        Exact power of the group's test (at the Bonferroni level) against the alternative.
    """

    x: float
    k: int
    n: int
    p: float
    p_value: float
    ci: tuple[float, float]
    power: float


@dataclass(frozen=True)
class FrequencyEvidence(Evidence):
    """Evidence of a :class:`~verify.claims.frequency.Frequency`.

    Parameters
    ----------
    groups
        One :class:`FrequencyGroup` per abscissa, in increasing order.
    level, confidence, atol
        The claim's family-wise level, the intervals' confidence and the shift of the
        default alternative.
    n_runs
        Runs in all.
    power, alternative, min_power
        The family's power against the alternative (the chance that some group's test
        rejects the prediction when the truth is the alternative), the alternative, and the
        power a PASS needs.
    """

    groups: tuple[FrequencyGroup, ...]
    level: float
    confidence: float
    atol: float
    n_runs: int
    power: float
    alternative: str
    min_power: float


@dataclass(frozen=True)
class Medians:
    """The median of a :class:`~verify.claims.trend.Trend` quantity at each swept value ``x``."""

    x: tuple[float, ...]
    median: tuple[float, ...]


@dataclass(frozen=True)
class TrendEvidence(Evidence):
    r"""Evidence of a :class:`~verify.claims.trend.Trend`: Kendall's :math:`\tau_b` and its tests.

    Parameters
    ----------
    tau_b
        Kendall's :math:`\tau_b` between :math:`\log x` and the quantity.
    p_claimed, p_opposite
        One-sided :math:`p`-values in the claimed and the opposite direction.
    level, direction
        The claim's significance level and direction.
    n_points, n_distinct
        Runs and distinct swept values.
    theil_sen_per_log_x
        The Theil-Sen slope in :math:`\log x`.
    medians
        Median per swept value.
    method
        How scipy computed the :math:`p`-values (exact, or the tie-corrected normal
        approximation).
    """

    tau_b: float
    p_claimed: float
    p_opposite: float
    level: float
    direction: str
    n_points: int
    n_distinct: int
    theil_sen_per_log_x: float
    medians: Medians
    method: str
