"""The measurement stage: a theorem's quantities along a recorded run, as :class:`Series`.

Second stage of the engine's pipe (descent -> measure -> judge -> sweeps -> case -> record).
A checkpoint quantity is evaluated at each recorded iterate through a
:class:`verify.problem.quantities.Point`; a per-step quantity maps the per-step scalar
table of the trajectory to an array.  A checkpoint quantity that cannot be computed
(a failed target, a domain error) is NaN there, and the first such error is kept as the
series' note (an UNDECIDED reason downstream).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from verify.claims.base import Series
from verify.dynamics.trajectory import Trajectory
from verify.errors import TargetFailed
from verify.problem.data import Dataset
from verify.problem.losses import Loss
from verify.problem.models import Model
from verify.problem.quantities import Point
from verify.spec.theorem import Theorem


@dataclass(frozen=True)
class Probe:
    """What every measurement of a run sees besides the iterate: the problem it solves.

    ``params`` are the case's problem parameters (:attr:`verify.spec.cases.Case.problem`),
    handed to quantities as :attr:`Point.case`.
    """

    model: Model
    loss: Loss
    data: Dataset
    targets: Mapping[str, Any]
    params: Mapping[str, Any]

    def point(self, step: int, log_t: float, params: Mapping[str, np.ndarray]) -> Point:
        """The :class:`Point` of an iterate."""
        return Point(step, log_t, params, self.model, self.loss, self.data, self.targets,
                     self.params)


@dataclass
class Measure:
    """The quantities of ``thm`` for one run, with the notes of the failures met so far.

    :meth:`at` and :meth:`per_step` are the callables the precision audit replays
    (:mod:`verify.dynamics.audit`); ``notes`` (quantity -> first error) lives as long as
    this object, one run.
    """

    thm: Theorem
    probe: Probe
    notes: dict[str, str] = field(default_factory=dict)

    def at(self, step: int, log_t: float, params: Mapping[str, np.ndarray]) -> dict[str, float]:
        """Every checkpoint quantity at an iterate; a failure becomes NaN and a note."""
        p = self.probe.point(step, log_t, params)
        out = {}
        for name, q in self.thm.quantities.items():
            if q.per_step:
                continue
            try:
                out[name] = float(q.fn(p))
            except (TargetFailed, ValueError, FloatingPointError) as exc:
                out[name] = math.nan
                self.notes.setdefault(name, str(exc))
        return out

    def per_step(self, scalars: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Every per-step quantity over the per-step scalar table."""
        p = self.probe.point(0, 0.0, {})
        with np.errstate(all="ignore"):
            return {n: np.asarray(q.fn(scalars, p), float)
                    for n, q in self.thm.quantities.items() if q.per_step}


def series(measure: Measure, traj: Trajectory, digits: Mapping[str, float],
           notes: Mapping[str, str]) -> dict[str, Series]:
    """Every quantity of ``measure.thm`` along ``traj`` (checkpoints after step 0; per-step
    series from step 1), with the audited ``digits`` and the ``notes`` of failures."""
    thm = measure.thm
    cks = [c for c in traj.checkpoints if c.step > 0]
    lt = np.array([c.log_t for c in cks])
    values = [measure.at(c.step, c.log_t, c.params) for c in cks]
    notes = {**measure.notes, **notes}  # the failures met while measuring these checkpoints
    out = {}
    for name, q in thm.quantities.items():
        if q.per_step:
            continue
        v = np.array([row.get(name, math.nan) for row in values])
        out[name] = Series(name, lt, v, digits.get(name), notes.get(name, ""))
    s = traj.scalars
    for name, arr in measure.per_step(s).items():
        out[name] = Series(name, s["log_t"][1:], arr[1:], digits.get(name), notes.get(name, ""),
                           log_eta=s["log_eta"][1:], log_grad_norm=s["log_grad_norm"][1:])
    return out


def end_values(measure: Measure, traj: Trajectory) -> dict[str, float]:
    """Every quantity at the end of a run (checkpoint and per-step quantities)."""
    last = traj.checkpoints[-1]
    out = measure.at(last.step, last.log_t, last.params)
    out |= {k: float(v[-1]) for k, v in measure.per_step(traj.scalars).items()}
    return out


def onsets(traj: Trajectory, loss: Loss, n: int) -> dict[str, float]:
    """Run facts the claims' expected values may read: ``zero_margin_log_t``, the first
    ``log t`` whose loss is below that of a zero margin (inf if never); ``first_log_t`` and
    ``last_log_t``, the log time after the first and the last step (the run's log-time range,
    :func:`verify.claims.eventually.horizon_deadline`)."""
    s = traj.scalars
    below = np.nonzero(s["log_loss"][1:] < loss.zero_margin_log_loss(n))[0]
    first = float(s["log_t"][1:][below[0]]) if len(below) else math.inf
    lt = s["log_t"][1:]
    span = (float(lt[0]), float(lt[-1])) if len(lt) else (math.nan, math.nan)
    return {"zero_margin_log_t": first, "first_log_t": span[0], "last_log_t": span[1]}
