"""``Monotone``: the quantity never decreases (or never increases) after an onset time."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping

import numpy as np

from verify.claims.base import Claim, ExpectedSpec, Series
from verify.claims.evidence import MonotoneEvidence, MonotoneStep
from verify.claims.guards import Scalar, expected_value, nonfinite_result, short_result
from verify.outcome import ClaimResult, Outcome, undecided

#: Half-width (in second-difference centres) of the neighbourhood that sets a step's tolerance.
NEIGHBOURHOOD = 2


@dataclass(frozen=True)
class Monotone(Claim):
    r"""The quantity is non-decreasing (``increasing=True``) or non-increasing along GD for
    :math:`\log t \ge` ``after_log_t``.

    The series must be recorded at every GD step (dense), not at log-spaced checkpoints.

    Parameters
    ----------
    increasing
        Direction of monotonicity.
    after_log_t
        Onset :math:`\log T` from the theorem (e.g. the time the loss first fell below the
        loss of a zero margin), resolved by the runner; None: from the start.  NaN or inf
        means the onset was never reached: UNDECIDED.

    Notes
    -----
    **Tolerance from the step size.**  Gradient-flow theorems say
    :math:`\dot q = \langle \nabla q, -\nabla \mathcal L\rangle \ge 0`.  One GD step
    :math:`\theta_{k+1} = \theta_k - \eta g_k` changes :math:`q` by (Taylor)

    .. math:: q_{k+1} - q_k = \eta\, \langle \nabla q, -g_k\rangle
              + \tfrac{\eta^2}{2}\, g_k^\top \nabla^2 q\, g_k + O(\eta^3),

    whose first term is :math:`\ge 0` under the theorem; only the second-order term can make
    a step decrease :math:`q`.  For a constant step the second difference

    .. math:: \Delta^2 q_k = q_{k+1} - 2 q_k + q_{k-1} = \eta^2\, g^\top \nabla^2 q\, g
              + (\text{change of the first-order term}) + O(\eta^3)

    measures that term's size (to leading order, twice it) from the series itself.  So a
    decrease :math:`d_k = q_k - q_{k+1}` (sign flipped for ``increasing=False``) is allowed
    up to

    .. math:: \tau_k = 2 \max_{|j - (k + 1/2)| \le 5/2} |\Delta^2 q_j| + f(q_k) + f(q_{k+1}),

    the neighbourhood being the second differences centred within 2.5 steps of the step
    (clipped to the window) and :math:`f` the precision floor of the audited digits (a
    difference of two values carries both floors).  A decrease of first order
    (:math:`\propto\eta`) exceeds :math:`\tau_k = O(\eta^2)` for small :math:`\eta`; a
    GD oscillation of second-order size does not.  With a slowly varying step (relative
    change :math:`\rho` per step) :math:`\Delta^2 q` also contains :math:`\rho` times the
    first-order term, which loosens :math:`\tau_k` by that much; ``eta_rel_change`` of the
    evidence records :math:`\rho` when the series carries step sizes.

    **Verdict.**  FAIL if some :math:`d_k > \tau_k` (witness: the largest
    :math:`d_k/\tau_k`, with the number of violations).  UNDECIDED if no step violates but
    some step exceeds the Taylor allowance only within the precision floors ("only X
    audited digits"), if the window has non-finite values, or fewer than 5 steps.  Else PASS.

    Examples
    --------
    >>> k = np.arange(200.0)
    >>> s = Series("gamma", np.log1p(k), 1 - 1 / (1 + 0.1 * k))
    >>> Monotone("m", "gamma").evaluate(s, {}).outcome.value
    'PASS'
    """

    increasing: bool = True
    after_log_t: ExpectedSpec = None

    def expected_specs(self) -> Mapping[str, ExpectedSpec]:
        """The onset, resolved by the runner."""
        return {"after_log_t": self.after_log_t}

    def evaluate(self, series: Series, expected: Mapping[str, float | None]) -> ClaimResult:
        """Check every step after the onset against its second-order tolerance."""
        onset = expected_value(expected, "after_log_t", self.after_log_t)
        end = f"{series.log_t.max():.4g}" if series.log_t.size else "nan (empty run)"
        if self.after_log_t is not None and (onset is None or not np.isfinite(onset)):
            return undecided(self.name, self.kind,
                             f"onset never reached: onset log t is {onset}; the run ended at "
                             f"log t = {end}", Scalar("onset_log_t", onset))
        win = series if onset is None else series.after(onset)
        where = "the steps after onset" if onset is not None else "the run"
        bad = nonfinite_result(self, series, win.values, where)
        if bad is not None:
            return bad
        short = short_result(self, series, max(win.values.size - 1, 0), where, unit="GD steps",
                             context=Scalar("onset_log_t", onset))
        if short is not None:
            return short
        sign = 1.0 if self.increasing else -1.0
        q = sign * win.values
        dec = -np.diff(q)  # d_k = q_k - q_{k+1}, > 0 is a step against the claim
        taylor = 2.0 * self._local_curvature(q)
        floor = np.array([series.precision_floor(x) for x in q])
        tol = taylor + floor[:-1] + floor[1:]
        ratio = dec / tol
        ev = self._evidence(series, win, onset, dec, tol, ratio)
        direction = "non-decreasing" if self.increasing else "non-increasing"
        viol = dec > tol
        if viol.any():
            k = int(np.argmax(ratio))
            w = ev.worst
            ev = replace(ev, n_violations=int(viol.sum()),
                         first_violation_log_t=float(win.log_t[1:][viol][0]))
            verb = "decreases" if self.increasing else "increases"
            reason = (f"{series.name} {verb} by {dec[k]:.3g} at the step ending at log t = "
                      f"{w.log_t:.6g}, {ratio[k]:.3g} x its second-order tolerance "
                      f"{tol[k]:.3g}; {int(viol.sum())} of {dec.size} steps violate")
            return ClaimResult(self.name, self.kind, Outcome.FAIL, reason,
                               measured=float(ratio[k]), expected=direction, evidence=ev)
        fuzzy = dec > taylor
        if fuzzy.any():
            k = int(np.flatnonzero(fuzzy)[np.argmax((dec - taylor)[fuzzy])])
            return ClaimResult(
                self.name, self.kind, Outcome.UNDECIDED,
                f"only {series.trusted_digits:g} audited digits: the step ending at log t = "
                f"{win.log_t[k + 1]:.6g} moves against the claim by {dec[k]:.3g}, more than "
                f"its second-order allowance {taylor[k]:.3g} but within the precision floor "
                f"{tol[k] - taylor[k]:.3g}", measured=float(ratio.max()), expected=direction,
                evidence=ev)
        return ClaimResult(self.name, self.kind, Outcome.PASS, "", measured=float(ratio.max()),
                           expected=direction, evidence=ev)

    @staticmethod
    def _local_curvature(q: np.ndarray) -> np.ndarray:
        r"""For each step k (between points k and k+1): :math:`\max |\Delta^2 q_j|` over the
        centres j = k-2 .. k+3 that exist (1 .. n-2)."""
        n = q.size
        d2 = np.zeros(n)
        d2[1:-1] = np.abs(q[2:] - 2.0 * q[1:-1] + q[:-2])
        out = np.empty(n - 1)
        for k in range(n - 1):
            lo, hi = max(k - NEIGHBOURHOOD, 1), min(k + 1 + NEIGHBOURHOOD, n - 2)
            out[k] = d2[lo:hi + 1].max() if hi >= lo else 0.0
        return out

    def _evidence(self, series: Series, win: Series, onset: float | None, dec: np.ndarray,
                  tol: np.ndarray, ratio: np.ndarray) -> MonotoneEvidence:
        k = int(np.argmax(ratio))
        kd = int(np.argmax(dec))
        eta = None
        if win.log_eta is not None and win.log_eta.size > 1:
            eta = float(np.max(np.abs(np.expm1(np.diff(win.log_eta)))))
        return MonotoneEvidence(
            onset_log_t=onset,
            window_log_t=(float(win.log_t[0]), float(win.log_t[-1])),
            n_steps=int(dec.size),
            worst=MonotoneStep(float(win.log_t[k + 1]), float(dec[k]), float(tol[k]),
                               float(ratio[k])),
            largest_decrease=MonotoneStep(float(win.log_t[kd + 1]), float(dec[kd]),
                                          float(tol[kd])),
            max_ratio=float(ratio[k]),
            total_change=float(win.values[-1] - win.values[0]),
            n_violations=0,
            digits=series.trusted_digits,
            eta_rel_change=eta)
