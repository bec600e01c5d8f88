"""``Monotone``: the quantity never decreases (or never increases) after an onset time."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping

import numpy as np

from verify.claims.base import Claim, ExpectedSpec, Series
from verify.claims.evidence import MonotoneEvidence, MonotoneStep
from verify.claims.guards import Scalar, expected_value, nonfinite_result, onset_result, short_result
from verify.claims.memo import scoped
from verify.claims.resolution import Moves, drift_move, natural_scale, signs
from verify.outcome import ClaimResult, Outcome, undecided

#: Half-width (in points) of the neighbourhood whose largest curvature sets a step's tolerance.
NEIGHBOURHOOD = 2

#: Half-width (in points) of the local quadratic fit that measures the curvature.
FIT_HALF_WIDTH = 5


def log_step_lengths(series: Series) -> np.ndarray:
    r""":math:`\log \delta_j = \log\eta_j + \log\|g_j\|` of the step leaving each point of
    ``series`` (zeros, i.e. unit steps, when the series does not carry both)."""
    if series.log_eta is None or series.log_grad_norm is None:
        return np.zeros(series.values.size)
    out = series.log_eta + series.log_grad_norm
    return np.where(np.isfinite(out), out, np.nan)


def path_curvature(q: np.ndarray, log_delta: np.ndarray,
                   half_width: int = FIT_HALF_WIDTH) -> np.ndarray:
    r""":math:`|q''(\sigma)|\,\delta_c^2` at each point :math:`c`: twice the quadratic
    coefficient of a least-squares quadratic in :math:`u = (\sigma - \sigma_c)/\delta_c`
    fitted over the :math:`2H+1` points around :math:`c` (shifted inside the window at its
    ends), :math:`\sigma` the arc length along the path.

    Examples
    --------
    >>> k = np.arange(40.0)
    >>> c = path_curvature(0.5 * k**2 + (-1.0) ** k, np.zeros(40))  # q'' = 1 plus a wobble
    >>> bool(np.all(np.abs(c - 1.0) < 0.05))
    True
    """
    idx, weights = curvature_operator(np.asarray(log_delta, dtype=float), half_width)
    y = q[idx] - q[:, None]
    return 2.0 * np.abs(np.einsum("nm,nm->n", weights, y))


@scoped
def curvature_operator(log_delta: np.ndarray, half_width: int = FIT_HALF_WIDTH
                       ) -> tuple[np.ndarray, np.ndarray]:
    r"""The windows and weights of :func:`path_curvature`: the quadratic coefficient at point
    :math:`c` is :math:`\sum_j w_{cj}\,(q_{i_{cj}} - q_c)`, with :math:`w_c` the last row of
    :math:`(V_c^\top V_c)^+ V_c^\top` (the least-squares fit is linear in :math:`q`, and
    :math:`V_c` depends on the step lengths only).  Remembered within a
    :func:`verify.claims.memo.memoizing` block: the resolution moves the values, not the steps.
    """
    n = log_delta.size
    m = min(n, 2 * half_width + 1)
    lo = np.clip(np.arange(n) - half_width, 0, n - m)
    idx = lo[:, None] + np.arange(m)[None, :]
    ld = np.where(np.isfinite(log_delta), log_delta, 0.0)
    rel = np.exp(np.clip(ld[idx[:, :-1]] - ld[:, None], -700.0, 700.0))  # delta_j / delta_c
    u = np.concatenate([np.zeros((n, 1)), np.cumsum(rel, axis=1)], axis=1)
    u -= np.take_along_axis(u, (np.arange(n) - lo)[:, None], axis=1)
    V = np.stack([np.ones_like(u), u, u * u], axis=2)
    A = np.einsum("nmi,nmj->nij", V, V)
    ops = np.linalg.pinv(A) @ np.swapaxes(V, 1, 2)  # pinv: a degenerate window gives 0
    return idx, ops[:, 2, :]


def second_order_allowance(q: np.ndarray, log_delta: np.ndarray) -> np.ndarray:
    r"""The second-order part of :math:`\tau_k` (class Notes) for each step ``k``:
    :math:`2\delta_k^2\max_c |q''_c|` over the points within :data:`NEIGHBOURHOOD` of it."""
    curv = path_curvature(q, log_delta)  # |q''| delta_c^2
    ld = np.where(np.isfinite(log_delta), log_delta, 0.0)
    with np.errstate(divide="ignore"):
        lw = np.log(curv) - 2.0 * ld  # log(|q''|), up to the common scale
    pad = np.full(NEIGHBOURHOOD, -np.inf)
    win = np.lib.stride_tricks.sliding_window_view(np.concatenate([pad, lw, pad]),
                                                   2 * NEIGHBOURHOOD + 2)[: q.size - 1]
    return 2.0 * np.exp(np.clip(2.0 * ld[:-1] + win.max(axis=1), -745.0, 709.0))


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
    :math:`\theta_{k+1} = \theta_k - \eta_k g_k` (length :math:`\delta_k = \eta_k\|g_k\|`,
    direction :math:`\hat g_k`) changes :math:`q` by (Taylor)

    .. math:: q_{k+1} - q_k = -\eta_k\, \langle \nabla q, g_k\rangle
              + \tfrac{1}{2}\,\eta_k^2\|g_k\|^2\; \hat g_k^\top \nabla^2 q(\xi)\, \hat g_k,

    whose first term is :math:`\ge 0` under the theorem; only the second-order term can make
    a step decrease :math:`q`, by at most :math:`\tfrac12\eta_k^2\|g_k\|^2\beta`, with
    :math:`\beta` the smoothness (curvature) of :math:`q` along the step.  :math:`\beta` is
    not known in closed form for the theorems' quantities; it is measured as the curvature
    of the *smooth* part of :math:`q` along the GD path: with the arc length
    :math:`\sigma_{j+1} = \sigma_j + \delta_j`, a least-squares quadratic in :math:`\sigma`
    is fitted to :math:`q` over the :math:`2H+1 = 11` points around each point :math:`c`
    (clipped to the window), giving :math:`|q''_c|`.  A step-scale oscillation is not a
    curvature of the path: an alternation :math:`\pm\varepsilon` of period 2 enters
    :math:`q''` by :math:`0.023\,\varepsilon` only (the quadratic coefficient of an
    11-point least-squares fit), so it cannot buy its own allowance as the raw second
    difference :math:`|\Delta^2 q| = 4\varepsilon` did.  A decrease
    :math:`d_k = q_k - q_{k+1}` (sign flipped for ``increasing=False``) is allowed up to

    .. math:: \tau_k = 2\,\delta_k^2 \max_{|c - (k + 1/2)| \le 5/2} |q''_c|
              + f(q_k) + f(q_{k+1}),

    four times the Taylor bound :math:`\tfrac12\delta_k^2\beta` (the same safety as a
    second difference's twice), the curvature taken over the points within 2.5 steps of the
    step and :math:`f` the precision floor of the audited digits (a difference of two
    values carries both floors).  A decrease of first order (:math:`\propto\eta`) exceeds
    :math:`\tau_k = O(\eta^2)` for small :math:`\eta`; so does a GD oscillation (period 2
    or 3) of any size above the smooth second-order term.  The step lengths come from the
    series' step sizes and gradient norms (``log_eta``, ``log_grad_norm``, recorded for
    per-step quantities); without them every step counts as one unit of :math:`\sigma`
    (constant steps).  ``eta_rel_change`` of the evidence records the largest relative
    change of :math:`\eta` between steps.

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
        never = onset_result(self, series, expected, self.after_log_t)
        if never is not None:
            return never
        onset = expected_value(expected, "after_log_t", self.after_log_t)
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
        taylor = second_order_allowance(q, log_step_lengths(win))
        floor = series.precision_floor(q)
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

    def resolution_moves(self, series: Series, expected: Mapping[str, float | None],
                         result: ClaimResult) -> Moves:
        r"""What the resolution moves (:mod:`verify.claims.resolution`): a drift of
        :math:`\delta` per GD step against the claimed direction (with it, for a FAIL),
        linear in the step index so that the second differences, hence the tolerance, stay
        the same; relative to the median :math:`|\Delta q|` per step."""
        q = series.values
        steps = np.abs(np.diff(q[np.isfinite(q)]))
        median = float(np.median(steps)) if steps.size else 0.0
        worst = getattr(result.evidence, "worst", None)
        scale = natural_scale(None if worst is None else abs(worst.tol - worst.decrease),
                              median, fallback=1e-12)
        against = -1 if self.increasing else 1
        index = np.arange(q.size, dtype=float)
        return Moves(tuple(
            drift_move(self, series, expected, index, sign, scale, "per GD step",
                       median if median > 0 else None, "median |step| of the quantity")
            for sign in signs(result, (against,))))
