"""``Eventually``: a property holds at every time after some point."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping

import numpy as np

from verify.claims.base import Claim, Expected, ExpectedSpec, Series
from verify.claims.evidence import EventuallyEvidence
from verify.claims.guards import MIN_POINTS, expected_value, nonfinite_result, short_result
from verify.claims.resolution import Moves, natural_scale, signs, value_move
from verify.outcome import ClaimResult, Outcome, undecided


def horizon_deadline(fraction: float = 0.75) -> Expected:
    r"""A declared deadline: the point ``fraction`` of the way through the run's log-time
    range, :math:`\log T = s_0 + f\,(s_1 - s_0)` with :math:`s_0, s_1` the log time after
    the first and the last step (run facts ``first_log_t``, ``last_log_t``).  The default,
    :math:`f = 3/4`, asks the property to hold over the last quarter of the horizon in
    :math:`\log t` (for a constant step :math:`T = \eta\,\text{steps}^{3/4}`).  A reading:
    use it where the theorem gives no time; the horizon of each profile was chosen for the
    theorem's asymptotics to show.

    Examples
    --------
    >>> from verify.claims.base import Context
    >>> c = Context(params={}, values={"first_log_t": 0.405, "last_log_t": 10.309})
    >>> round(horizon_deadline().resolve(c), 3)
    7.833
    """
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"horizon_deadline: fraction={fraction} must be in (0, 1]")
    f = r"\tfrac34" if fraction == 0.75 else f"{fraction:g}"
    label = rf"\log T = s_0 + {f}\,(s_1 - s_0),\ [s_0, s_1] = \text{{the run's }}\log t"
    return Expected(label, lambda c: c.values["first_log_t"]
                    + fraction * (c.values["last_log_t"] - c.values["first_log_t"]))


@dataclass(frozen=True)
class Eventually(Claim):
    r"""A property holds for all :math:`t \ge T`: the quantity is an indicator
    (1 = holds, 0 = does not), e.g. "the activation pattern is frozen".

    Parameters
    ----------
    by_log_t
        The deadline :math:`\log T`, resolved by the runner: the theorem's explicit time,
        or a deadline the claim declares (a number, or an
        :class:`~verify.claims.base.Expected` such as :func:`horizon_deadline`).  None
        only for a diagnostic (``diagnostic=True``): without a deadline a finite run cannot
        refute "eventually", so the claim is shown but is not a verdict.
    min_hold
        Without a deadline (diagnostics): the fraction of the log-time range over which the
        property must hold at the end of the run.

    Notes
    -----
    Let :math:`\hat T` be the first checkpoint after the last one at which the property
    failed (or was not computable).

    * With :math:`T`: FAIL if the property is false at some checkpoint with
      :math:`\log t \ge \log T` (witness: the first such checkpoint); UNDECIDED if the run
      ends before :math:`T`, has fewer than 5 checkpoints after it, or a non-finite value
      there; else PASS.
    * Without :math:`T` (a diagnostic): a finite run cannot refute "eventually".  PASS if
      the property holds on at least the last ``min_hold`` fraction of the log-time range
      (and at 5 or more checkpoints); otherwise UNDECIDED, citing the last time it was false.

    Examples
    --------
    >>> lt = np.linspace(0.0, 10.0, 50)
    >>> s = Series("frozen", lt, (lt > 3.0).astype(float))
    >>> Eventually("e", "frozen", by_log_t=2.0).evaluate(s, {}).outcome.value
    'FAIL'
    >>> r = Eventually("e", "frozen", by_log_t=4.0).evaluate(s, {})
    >>> r.outcome.value, round(r.measured, 3)
    ('PASS', 3.061)
    >>> Eventually("e", "frozen", diagnostic=True).evaluate(s, {}).outcome.value
    'PASS'
    """

    by_log_t: ExpectedSpec = None
    min_hold: float = 0.25

    def __post_init__(self) -> None:
        if not 0.0 < self.min_hold <= 1.0:
            raise ValueError(
                f"Eventually {self.name!r}: min_hold={self.min_hold} must be in (0, 1]")
        if self.by_log_t is None and not self.diagnostic:
            raise ValueError(
                f"Eventually {self.name!r}: give a deadline by_log_t (the theorem's T, or a "
                "declared one such as horizon_deadline()) or mark the claim diagnostic=True: "
                "without a deadline a finite run cannot refute 'eventually'")

    def expected_specs(self) -> Mapping[str, ExpectedSpec]:
        """The explicit time, resolved by the runner."""
        return {"by_log_t": self.by_log_t}

    def evaluate(self, series: Series, expected: Mapping[str, float | None]) -> ClaimResult:
        """Locate the last failure of the property and judge (see Notes of the class)."""
        lt, v = series.log_t, series.values
        fin = np.isfinite(v)
        odd = fin & (v != 0.0) & (v != 1.0)
        if odd.any():
            i = int(np.flatnonzero(odd)[0])
            return undecided(self.name, self.kind,
                             f"{series.name} is not a 0/1 indicator: {int(odd.sum())} values such "
                             f"as {v[i]:.6g} at log t = {lt[i]:.4g}")
        T = expected_value(expected, "by_log_t", self.by_log_t)
        if self.by_log_t is not None and (T is None or not np.isfinite(T)):
            return undecided(self.name, self.kind, f"the time T resolved to log T = {T}")
        if lt.size == 0:
            return short_result(self, series, 0, "the run")
        not_ok = ~(fin & (v == 1.0))
        last_bad = int(np.flatnonzero(not_ok)[-1]) if not_ok.any() else -1
        t_hat = float(lt[last_bad + 1]) if last_bad + 1 < lt.size else float("nan")
        span = float(lt[-1] - lt[0])
        held = (lt[-1] - t_hat) / span if span > 0 and np.isfinite(t_hat) else 0.0
        ev = EventuallyEvidence(
            T_hat_log_t=t_hat, held_fraction=float(held), by_log_t=T,
            run_log_t=(float(lt[0]), float(lt[-1])), min_hold=self.min_hold,
            last_false_log_t=float(lt[last_bad]) if last_bad >= 0 else None)
        if T is not None:
            return self._with_time(series, T, ev)
        return self._without_time(series, t_hat, held, last_bad, ev)

    def _with_time(self, series: Series, T: float, ev: EventuallyEvidence) -> ClaimResult:
        """Verdict against the theorem's explicit time ``T``."""
        lt, v = series.log_t, series.values
        after = lt >= T
        false = after & np.isfinite(v) & (v == 0.0)
        if false.any():
            i = int(np.flatnonzero(false)[0])
            ev = replace(ev, witness_log_t=float(lt[i]), n_false=int(false.sum()))
            return ClaimResult(
                self.name, self.kind, Outcome.FAIL,
                f"{series.name} is false at log t = {lt[i]:.6g} >= log T = {T:.6g} "
                f"({int(false.sum())} of {int(after.sum())} checkpoints after T)",
                measured=ev.T_hat_log_t, expected=T, evidence=ev)
        if lt[-1] < T:
            return undecided(self.name, self.kind,
                             f"run too short: it ends at log t = {lt[-1]:.6g}, before log T = "
                             f"{T:.6g}", ev)
        bad = nonfinite_result(self, series, v[after], f"the checkpoints after log T = {T:.4g}")
        if bad is None:
            bad = short_result(self, series, int(after.sum()),
                               f"the checkpoints after log T = {T:.4g}", context=ev)
        if bad is not None:
            return bad
        return ClaimResult(self.name, self.kind, Outcome.PASS, "", measured=ev.T_hat_log_t,
                           expected=T, evidence=ev)

    def _without_time(self, series: Series, t_hat: float, held: float, last_bad: int,
                      ev: EventuallyEvidence) -> ClaimResult:
        """Verdict when the theorem gives no explicit time."""
        lt, v = series.log_t, series.values
        tail = lt >= lt[-1] - self.min_hold * (lt[-1] - lt[0])
        bad = nonfinite_result(self, series, v[tail],
                               f"the last {self.min_hold:.0%} of the log-time range")
        if bad is not None:
            return bad
        label = "eventually"
        if last_bad == lt.size - 1:
            return ClaimResult(
                self.name, self.kind, Outcome.UNDECIDED,
                f"{series.name} is still false at the end of the run (log t = {lt[-1]:.6g}); "
                "without an explicit T a finite run cannot refute 'eventually'",
                measured=None, expected=label, evidence=ev)
        n_held = int(lt.size - 1 - last_bad)
        if held < self.min_hold or n_held < MIN_POINTS:
            return ClaimResult(
                self.name, self.kind, Outcome.UNDECIDED,
                f"{series.name} holds only since log t = {t_hat:.6g} (last false at log t = "
                f"{lt[last_bad]:.6g}): {held:.1%} of the log-time range at {n_held} checkpoints, "
                f"need {self.min_hold:.0%} and {MIN_POINTS}; without an explicit T a finite run "
                "cannot refute 'eventually'; run longer",
                measured=t_hat, expected=label, evidence=ev)
        return ClaimResult(self.name, self.kind, Outcome.PASS, "", measured=t_hat,
                           expected=label, evidence=ev)

    def resolution_moves(self, series: Series, expected: Mapping[str, float | None],
                         result: ClaimResult) -> Moves:
        r"""What the resolution moves (:mod:`verify.claims.resolution`): the time
        :math:`\log T` earlier (later for a FAIL); nothing without a :math:`T`."""
        T = expected_value(expected, "by_log_t", self.by_log_t)
        if T is None or not np.isfinite(T):
            return Moves((), "no time T: without a deadline a finite run cannot refute "
                         "'eventually', there is no expectation to move")
        last = getattr(result.evidence, "last_false_log_t", None)
        span = float(np.ptp(series.log_t)) if series.log_t.size > 1 else 1.0
        scale = natural_scale(None if last is None else abs(T - last), fallback=span / 100)
        return Moves(tuple(value_move(self, series, {**expected, "by_log_t": T}, "by_log_t", sign,
                                      scale, what="log T", relative=False)
                           for sign in signs(result, (-1,))))
