"""Cases that end early, a spent wall-time budget or a diverged trajectory, and their verdicts.

Part of the case stage (:func:`verify.engine.case.run_case`, which runs every case inside
:func:`quiet` and :func:`verify.dynamics.trajectory.wall_deadline`).

- **Budget**: the ``budget_s`` engine parameter, in seconds of wall time for the whole case
  (targets, trajectory, precision audit, in-process sweep points, half-step rerun; default:
  none, unlimited).  A run still going when the budget is spent ends there
  (``stopped = "budget exhausted at log t = ... (step k)"``).  A case whose budget ran out
  is not judged: every claim is UNDECIDED with :func:`budget_reason` (the series measured
  so far are kept for the report; the precision audit is not run).
- **Divergence**: a trajectory stopped at once by a non-finite loss (or squared norm)
  (:meth:`verify.dynamics.trajectory.StopRule.why`, ``"diverged at step k (loss
  non-finite)"``).  Its claims are judged on the finite prefix, without the precision audit
  (an mpmath replay of an overflowing iterate costs seconds a step, or raises) and without
  sweep points; a FAIL stands (the claim's kind saw the prefix contradict it, e.g. a loss
  that rose), every other verdict becomes UNDECIDED with the divergence as its reason
  (:func:`diverged`), never "run too short".
- **Noise**: the floating-point warnings of an overflowing run (numpy's ``RuntimeWarning``)
  never reach the terminal (:func:`quiet`).
"""
from __future__ import annotations

import warnings
from contextlib import contextmanager
from typing import Iterator, Sequence

import numpy as np

from verify.dynamics.trajectory import Trajectory
from verify.outcome import ClaimResult, Outcome, Resolution
from verify.spec.theorem import Theorem


@contextmanager
def quiet() -> Iterator[None]:
    """Numerics inside the block print no ``RuntimeWarning``: numpy's floating-point
    warnings are ignored (:func:`numpy.errstate`, thread-local) and warnings of the
    ``RuntimeWarning`` category are filtered (e.g. "All-NaN slice encountered").

    Values are unchanged: ``"ignore"`` replaces numpy's default ``"warn"`` only; a block
    inside that asks for ``"raise"`` still raises.

    Examples
    --------
    >>> with quiet():
    ...     float(np.exp(np.float64(1000.0)))
    inf
    """
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def budget_reason(traj: Trajectory, budget_s: float | None) -> str:
    """Why a case whose budget ran out is UNDECIDED: where its trajectory was stopped, or
    where it ended if the budget ran out after it (precision audit, sweep points).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> cut = SimpleNamespace(out_of_time=True, stopped="budget exhausted at log t = 3.2 (step 40)")
    >>> budget_reason(cut, 5)
    'budget exhausted at log t = 3.2 (step 40; budget_s = 5 s)'
    """
    limit = "" if budget_s is None else f"; budget_s = {budget_s:g} s"
    if traj.out_of_time:
        return f"{traj.stopped[:-1]}{limit})"
    log_t = float(traj.scalars["log_t"][-1])
    return (f"budget exhausted at log t = {log_t:.4g} after the trajectory ended (step "
            f"{traj.steps}{limit}, spent in the precision audit, sweep points or rerun)")


def _withheld(result: ClaimResult, reason: str) -> ClaimResult:
    return result.with_outcome(Outcome.UNDECIDED, reason).with_resolution(
        Resolution.none(Outcome.UNDECIDED.value, f"not judged: {reason}"), result.diagnostic)


def diverged(thm: Theorem, results: Sequence[ClaimResult], reason: str) -> list[ClaimResult]:
    """Verdicts of a diverged run: a FAIL of a claim without a sweep stands (its reason
    says the run diverged); everything else is UNDECIDED, ``reason``."""
    swept = {c.name for c in thm.claims if getattr(c, "sweep", None) is not None}
    return [r.with_outcome(r.outcome, f"{r.reason} (the run {reason})")
            if r.outcome is Outcome.FAIL and r.claim not in swept else _withheld(r, reason)
            for r in results]
