r"""What lets a :class:`~verify.claims.limit.Limit` refute convergence, and what may withhold a
FAIL.

A rate fit :math:`q = L + \sum_k c_k r_k(\log t)` with decaying terms only always returns a
finite :math:`\hat L`: it cannot see a quantity that grows behind an early transient (a
residual growing like :math:`0.12\log t` over :math:`\log t \in [5.8, 11]` fits a
:math:`t^{-a}` transient to within a percent).  Two rules, shared by the named and the
unnamed limit:

* **Divergence** (:func:`growth_check`): the fit is refitted with a growing term,
  :math:`c\log t` and :math:`c\,t^{g}` (:func:`verify.claims.growthfit.fit_growth`).  The quantity
  diverges when a growing term

  - rises across the window by more than the claim's tolerance :math:`\tau` even at the
    edge of its uncertainty: :math:`|\mathrm{rise}| - 3\sigma > \tau`, with :math:`\sigma`
    the rise's standard error and, in quadrature, its largest change when the declared
    basis is replaced by the Limit's model-error alternatives (extension by the next term,
    truncation to the first): a growing term is nearly collinear with a slow decaying one
    over a finite window, so the basis decides much of its size, and only a rise that
    survives every admissible basis is growth (a growth within the tolerance is what the
    claim allows),
  - in the direction the quantity still moves over the last third of the window
    (least-squares slope; a growing term against the late motion is the decaying terms'
    model error, not growth),
  - and, for a named limit :math:`L`, away from :math:`L` (:math:`q_{last} - L` has the
    rise's sign: a quantity still rising toward :math:`L` is not refuted by its rise).

  Over a finite window, convergence slower than every declared rate term (say
  :math:`1/\sqrt{\log t}` declared as :math:`t^{-a}`) can pass for growth: the FAIL's reason
  says both readings, and the declared rate is then part of what is refuted.
* **Pre-asymptotic drift** (:func:`drift_reach`): a FAIL of a named limit is withheld only if
  the extrapolated limit still moves toward :math:`L` fast enough to reach the tolerance
  band within a plausible horizon: refitted on the first two thirds of the window, the
  limit moved toward :math:`L` by :math:`m > 3\sigma` while the horizon grew by
  :math:`\Delta h` (in :math:`\log t`); at that rate, :math:`m/\Delta h` per unit
  :math:`\log t`, over the next decade of :math:`\log t` (from :math:`s_{end}` to
  :math:`10\,s_{end}`, at least 9 units) it moves by the *reach*
  :math:`R = 9\max(s_{end}, 1)\,m/\Delta h`.  The FAIL is withheld when the distance still
  to go, :math:`|\hat L - L| - \tau`, is at most :math:`R`; otherwise it stands (moved 0.137
  with 132.6 still to go is a FAIL).  The linear extrapolation is generous: an
  extrapolated limit converging in the horizon moves ever more slowly.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from verify.claims.fit import fit_rate, line_fit
from verify.claims.growthfit import GROWTH_TERMS, GrowthFit, fit_growth
from verify.claims.rates import n_free

#: Standard errors a growing term's rise needs to count.
GROWTH_SIGMAS = 3.0

#: Most points a growth refit uses (:func:`_thinned`).
MAX_GROWTH_POINTS = 2000

#: The plausible horizon of the drift rule: ``log t`` growing tenfold (a decade of log t).
HORIZON_DECADES = 1.0


@dataclass(frozen=True)
class Growth:
    r"""The divergence rule's refits and its finding.

    Attributes
    ----------
    fits
        One :class:`~verify.claims.growthfit.GrowthFit` per term of
        :data:`verify.claims.growthfit.GROWTH_TERMS` on the declared basis (those with residual
        degrees of freedom).
    sigmas
        The uncertainty of each fit's rise: its standard error and, in quadrature, the
        largest change of the rise when the basis is replaced by a model-error alternative
        (the Limit's extension and truncation).
    late_slope
        Least-squares :math:`dq/d\log t` over the last third of the window.
    diverging
        The growing term that meets every condition (the largest ``|rise|/sigma``), or None.
    """

    fits: tuple[GrowthFit, ...]
    sigmas: tuple[float, ...]
    late_slope: float
    diverging: GrowthFit | None

    def summary(self) -> tuple[Mapping[str, Any], ...]:
        """The refits, JSON-able, for the evidence (``sigma``: the rise's uncertainty)."""
        return tuple(g.summary() | {"sigma": sg} for g, sg in zip(self.fits, self.sigmas))

    def reason(self, name: str, s: np.ndarray, tol: float, target: str) -> str:
        """Why the quantity diverges (for a FAIL), citing the numbers."""
        g = self.diverging
        sg = self.sigmas[self.fits.index(g)]
        term = "c log t" if g.term == "log t" else f"c t^g (g = {g.exponent:.3g})"
        return (f"{name} diverges: refitted with a growing term {term}, the term moves by "
                f"{g.rise:+.4g} ± {3 * sg:.2g} (3 sigma, with the model-error refits) across "
                f"log t in [{s[0]:.4g}, {s[-1]:.4g}], beyond the tolerance {tol:.3g}, and "
                f"the quantity still moves that way at the end (slope {self.late_slope:+.3g} "
                f"per unit log t over the last third), so it does not converge {target} "
                "(or converges more slowly than every declared rate term)")


def late_slope(s: np.ndarray, q: np.ndarray) -> float:
    """Least-squares slope ``dq/ds`` over the last third of the window (NaN if < 2 points)."""
    late = s >= s[0] + (2.0 / 3.0) * (s[-1] - s[0])
    if late.sum() < 2 or np.ptp(s[late]) == 0:
        return float("nan")
    return line_fit(s[late], q[late])[0]


def _thinned(s: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """At most :data:`MAX_GROWTH_POINTS` points of the window, evenly by index (per-step
    series have tens of thousands; the refits' decision does not need them all)."""
    if s.size <= MAX_GROWTH_POINTS:
        return s, q
    idx = np.unique(np.round(np.linspace(0, s.size - 1, MAX_GROWTH_POINTS)).astype(int))
    return s[idx], q[idx]


def growth_check(s: np.ndarray, q: np.ndarray, basis: tuple[str, ...], tol: float,
                 L: float | None = None,
                 alternatives: Sequence[tuple[str, ...]] = ()) -> Growth:
    """The divergence rule (module docstring) on the window ``(s, q)``.

    Examples
    --------
    >>> s = np.linspace(5.8, 11.0, 30)
    >>> q = 48.9 - 5.0 * np.exp(-0.85 * (s - 5.8)) + 0.12 * s  # growth behind a transient
    >>> growth_check(s, q, ("t^-a",), tol=0.49, alternatives=[("t^-a", "t^-2a")]).diverging.term
    'log t'
    >>> growth_check(s, q - 0.12 * s, ("t^-a",), tol=0.49).diverging is None
    True
    """
    s, q = _thinned(s, q)
    slope = late_slope(s, q)
    fits, sigmas = [], []
    for term in GROWTH_TERMS:
        g = fit_growth(s, q, basis, term)
        if g.dof < 1:
            continue
        alts = [fit_growth(s, q, b, term) for b in alternatives]
        sys = max((abs(a.rise - g.rise) for a in alts if a.dof >= 1), default=0.0)
        fits.append(g)
        sigmas.append(float(np.hypot(g.se_rise, sys)))

    def diverges(g: GrowthFit, sigma: float) -> bool:
        away = L is None or np.sign(q[-1] - L) == np.sign(g.rise)
        return bool(abs(g.rise) - GROWTH_SIGMAS * sigma > tol and away
                    and np.sign(g.rise) == np.sign(slope) != 0)

    found = [(g, sg) for g, sg in zip(fits, sigmas) if diverges(g, sg)]
    worst = max(found, key=lambda p: abs(p[0].rise) / max(p[1], np.finfo(float).tiny),
                default=(None, 0.0))[0]
    return Growth(tuple(fits), tuple(sigmas), slope, worst)


@dataclass(frozen=True)
class Drift:
    r"""The pre-asymptotic rule's numbers (module docstring).

    Attributes
    ----------
    part_limit
        :math:`\hat L` refitted on the first two thirds of the window.
    moved
        How much closer to :math:`L` the full window's :math:`\hat L` is.
    horizon_gain
        :math:`\Delta h`, the ``log t`` the window's end moved between the two fits.
    reach
        :math:`R`, the move at the same rate over the next decade of ``log t``.
    to_go
        :math:`|\hat L - L| - \tau`, the distance still to the tolerance band.
    """

    part_limit: float
    moved: float
    horizon_gain: float
    reach: float
    to_go: float

    @property
    def withholds(self) -> bool:
        """True when the drift could close the distance within the horizon."""
        return bool(self.to_go <= self.reach)

    def to_json(self) -> dict[str, float]:
        """JSON-able record for the evidence."""
        return {"part_L": self.part_limit, "moved": self.moved,
                "horizon_gain_log_t": self.horizon_gain, "reach": self.reach,
                "to_go": self.to_go}


def drift_reach(part_limit: float, limit: float, L: float, tol: float, s_part_end: float,
                s_end: float) -> Drift:
    """The reach of the drift of the extrapolated limit toward ``L`` (module docstring).

    Examples
    --------
    >>> d = drift_reach(134.208, 134.345, 268.46, 2.68, 9.94, 11.0)  # moved 0.137
    >>> round(d.reach, 2), round(d.to_go, 1), d.withholds
    (12.8, 131.4, False)
    """
    moved = abs(part_limit - L) - abs(limit - L)
    gain = max(s_end - s_part_end, np.finfo(float).tiny)
    horizon = (10.0 ** HORIZON_DECADES - 1.0) * max(s_end, 1.0)
    return Drift(float(part_limit), float(moved), float(gain),
                 float(max(moved, 0.0) / gain * horizon), float(abs(limit - L) - tol))


def pre_asymptotic(s: np.ndarray, q: np.ndarray, basis: tuple[str, ...], limit: float,
                   sigma: float, tol: float, L: float) -> tuple[Drift | None, str | None]:
    """The pre-asymptotic rule (module docstring) for a fit-based FAIL of the named limit
    ``L``: the fit of ``basis`` on the first two thirds of the window puts the limit further
    from ``L`` than the full window's ``limit``, by more than ``3 sigma``, and at that rate
    the extrapolation reaches the tolerance band within the next decade of log t.  Returns
    the drift (None when it cannot be measured) and why the FAIL is withheld (None: it
    stands)."""
    early = s <= s[0] + (2.0 / 3.0) * (s[-1] - s[0])
    if early.sum() < len(basis) + 1 + n_free(basis) + 2:
        return None, None
    part = fit_rate(s[early], q[early], basis)
    if not np.isfinite(part.limit):
        return None, None
    drift = drift_reach(part.limit, limit, L, tol, float(s[early][-1]), float(s[-1]))
    if not (drift.moved > 3 * sigma and drift.withholds):
        return drift, None
    return drift, (
        f"pre-asymptotic: the extrapolated limit moves toward the expected {L:.6g} as "
        f"the horizon grows, {part.limit:.6g} from log t <= {s[early][-1]:.4g} to "
        f"{limit:.6g} from log t <= {s[-1]:.4g} (by {drift.moved:.3g} > 3 sigma = "
        f"{3 * sigma:.3g}); at that rate it moves {drift.reach:.3g} over the next decade "
        f"of log t, enough for the {drift.to_go:.3g} still to go to the tolerance band: "
        f"the interval excludes {L:.6g} but run longer before calling it a counterexample")


def drift_note(drift: Drift | None) -> str:
    """For a FAIL: the drift toward ``L`` that was too slow to withhold it ('' if none)."""
    if drift is None or drift.moved <= 0:
        return ""
    return (f"; the extrapolation still drifts toward it (by {drift.moved:.3g} since "
            f"{drift.part_limit:.6g}), but at that rate it moves only {drift.reach:.3g} over "
            f"the next decade of log t, short of the {drift.to_go:.3g} still to go")


def still_approaching(s: np.ndarray, q: np.ndarray, L: float) -> str | None:
    """For a Limit with ``slower_terms``: why a fit-based FAIL is withheld (the quantity
    still approaches ``L`` over the last third of the window, by at least 1% of its
    distance), or None."""
    third = s >= s[0] + (2.0 / 3.0) * (s[-1] - s[0])
    d_start, d_end = abs(q[third][0] - L), abs(q[-1] - L)
    if not d_end < 0.99 * d_start:
        return None
    return (f"the declared rate is only the fastest the slowest term may decay, and "
            f"|q - {L:.6g}| still falls over the last third of the window, from "
            f"{d_start:.4g} at log t = {s[third][0]:.4g} to {d_end:.4g} at log t = "
            f"{s[-1]:.4g}: a slower term "
            "biases the extrapolation away from the expected value, so the fit cannot "
            "establish a different limit; run longer")


#: Slack on "the late slope is at least as large as the early one" (:func:`unsettled`).
SLOPE_SLACK = 1e-6


def third_slopes(s: np.ndarray, q: np.ndarray) -> tuple[float, float]:
    """Least-squares slopes dq/ds over the first and last thirds of the window (NaN for a
    third with fewer than 2 distinct points)."""
    edges = s[0] + (s[-1] - s[0]) * np.array([1 / 3, 2 / 3])
    out = []
    for m in (s <= edges[0], s >= edges[1]):
        if m.sum() >= 2 and np.ptp(s[m]) > 0:
            out.append(line_fit(s[m], q[m])[0])
        else:
            out.append(float("nan"))
    return out[0], out[1]


def unsettled(name: str, s: np.ndarray, q: np.ndarray, thirds: tuple[float, float],
              tol: float) -> str | None:
    """Why ``q`` does not settle (a FAIL of "the limit is finite"), or None: it moves the
    same way over the first and last thirds of the window (``thirds``, see
    :func:`third_slopes`), no slower at the end, and by more than ``10 tol`` in all.

    Examples
    --------
    >>> s = np.linspace(2.0, 8.0, 30)
    >>> unsettled("q", s, 0.5 * s, third_slopes(s, 0.5 * s), 0.01)[:17]
    'q does not settle'
    >>> unsettled("q", s, 1.0 / s, third_slopes(s, 1.0 / s), 0.01) is None
    True
    """
    a, b = thirds
    change = float(abs(q[-1] - q[0]))
    if not (np.sign(a) == np.sign(b) != 0 and abs(b) >= abs(a) * (1 - SLOPE_SLACK)
            and change > 10 * tol):
        return None
    return (f"{name} does not settle: slope dq/dlog t is {b:.3g} over the last third of the "
            f"window vs {a:.3g} over the first, and it changed by {change:.3g} (> 10 x "
            f"tolerance {tol:.3g}) across log t in [{s[0]:.4g}, {s[-1]:.4g}]")
