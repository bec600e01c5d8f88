"""The case stage: run one case end to end and return its record.

The engine's pipe, read top to bottom in :func:`run_case`:

1. data (the case's data stream, :func:`verify.problem.seeds.seed_streams`, unless given);
2. assumption audit (:func:`verify.spec.assumptions.audit`); a normal run stops here if one
   does not hold;
3. targets (certified convex programs);
4. trajectory (:func:`verify.engine.descent.descend`);
5. precision audit (:func:`verify.dynamics.audit.precision_audit`, an mpmath replay);
6. series (:mod:`verify.engine.measure`), then the points of sweep claims
   (:mod:`verify.engine.sweeps`);
7. judge (:mod:`verify.engine.judge`), the half-step rerun when ``step_check`` is set, the
   perturbed-initialization rerun when ``perturb_check`` is set, the other seeds when
   ``seeds`` is (:mod:`verify.engine.replicas`), policy;
8. record (:func:`verify.engine.record.case_record`).

A case ends early (:mod:`verify.engine.budget`) when its trajectory diverges (judged on the
finite prefix, without audit or sweep points) or its ``budget_s`` runs out (not judged: every
claim UNDECIDED); it runs with numpy's floating-point warnings silenced.

Nothing here prints; ``progress`` is an optional callback.
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from verify.claims.base import Context, Series
from verify.dynamics import stepcheck
from verify.dynamics.audit import AuditReport, precision_audit
from verify.dynamics.certified import Uncertified
from verify.dynamics.trajectory import BudgetExhausted, deadline_passed, wall_deadline
from verify.engine import autobackend, budget
from verify.engine.descent import Descent, descend
from verify.engine.judge import (SWEEP, apply_policy, judge, not_run, perturb_checked,
                                 step_checked, with_sweep_runs)
from verify.engine.measure import Measure, Probe, onsets, series
from verify.engine.record import CaseOutcome, RunFacts, case_record
from verify.engine.replicas import replicas, seed_checked
from verify.engine.sweeps import SweepRuns, sweep_series
from verify.outcome import ClaimResult
from verify.problem.data import Dataset
from verify.problem.seeds import seed_streams
from verify.spec import assumptions as asm
from verify.spec.assumptions import AssumptionResult
from verify.spec.cases import Case
from verify.spec.params import validate
from verify.spec.theorem import Theorem


@dataclass(frozen=True)
class Measured:
    """A run measured: its trajectory, series, precision audit and the claims' context."""

    descent: Descent
    series: Mapping[str, Series]
    audit: AuditReport
    ctx: Context

    @property
    def precision(self) -> dict[str, Any]:
        """The precision audit's JSON form (windows also in log time)."""
        return self.audit.to_dict(self.descent.trajectory.scalars["log_t"])

    @property
    def facts(self) -> RunFacts:
        """How the trajectory ended."""
        return RunFacts.of(self.descent.trajectory)


@dataclass(frozen=True)
class Judged:
    """Every series the claims read (sweep points included), their results, the
    provenance of each sweep claim's runs, and whether the case's budget ran out."""

    series: Mapping[str, Series]
    results: tuple[ClaimResult, ...]
    runs: Mapping[str, Mapping[str, Any]]
    spent: bool = False


def _descent(case: Case, probe: Probe, audit: tuple[AssumptionResult, ...], stress: bool,
             progress: Callable[[int, int], None] | None) -> tuple[Descent | None, str]:
    """The case's run, or None and why not: a normal run needs every assumption to hold,
    and a certified run may be unable to decide a sign or keep its precision."""
    if not (stress or all(a.status is asm.Status.HOLDS for a in audit)):
        return None, "not run"
    try:
        return descend(case, probe.data, probe.model, probe.loss, progress), ""
    except Uncertified as exc:
        return None, f"certified trajectory undecided: {exc}"


def _measured(thm: Theorem, case: Case, probe: Probe, run: Descent) -> Measured:
    """Precision audit and series of ``run`` (the audit's replays measure with the same
    :class:`Measure`, so the notes of their failures reach the series)."""
    measure = Measure(thm, probe)
    data, traj = probe.data, run.trajectory
    if traj.diverged or traj.out_of_time:  # see verify.engine.budget
        audit = AuditReport(case.settings.dps, (), {},
                            f"not run: the trajectory ended early ({traj.stopped})")
    else:
        try:
            audit = precision_audit(probe.model, probe.loss, data.X, data.y, run.params0,
                                    run.rule, traj, run.backend, case.settings.dps,
                                    case.settings.audit_steps, measure.at, measure.per_step)
        except BudgetExhausted as exc:  # every claim is then UNDECIDED (_verdicts)
            audit = AuditReport(case.settings.dps, (), {}, f"not finished: {exc}")
    found = series(measure, traj, audit.digits, measure.notes)
    ctx = Context(case.problem, probe.targets, data, onsets(traj, probe.loss, data.n))
    return Measured(run, found, audit, ctx)


def _half_step(thm: Theorem, case: Case, probe: Probe, digits: Mapping[str, float],
               swept: Mapping[str, Series]) -> list[ClaimResult]:
    """Claim results of ``case`` at step ``eta/2`` over the same horizon (twice the steps).

    Quantities still see the case's own parameters; the claims' context sees the half
    step's.  Sweep points (``swept``) are reused, not rerun.
    """
    half = dataclasses.replace(case, params=stepcheck.half_step_params(case.params))
    traj = descend(half, probe.data, probe.model, probe.loss).trajectory
    found = dict(series(Measure(thm, probe), traj, digits, {})) | dict(swept)
    ctx = Context(half.problem, probe.targets, probe.data, onsets(traj, probe.loss, probe.data.n))
    return judge(thm, found, ctx)


def _perturbed(thm: Theorem, case: Case, probe: Probe, measured: Measured,
               swept: Mapping[str, Series]) -> list[ClaimResult]:
    """Claim results of ``case`` rerun with its features and initialization moved by a few
    ulps (:mod:`verify.dynamics.stepcheck`); targets and sweep points are reused."""
    moved = dataclasses.replace(probe, data=stepcheck.perturbed_data(probe.data))
    params0 = stepcheck.perturbed_init(measured.descent.params0)
    traj = descend(case, moved.data, moved.model, moved.loss, params0=params0).trajectory
    found = dict(series(Measure(thm, moved), traj, measured.audit.digits, {})) | dict(swept)
    ctx = Context(case.problem, moved.targets, moved.data, onsets(traj, moved.loss, moved.data.n))
    return judge(thm, found, ctx)


def _judged(thm: Theorem, case: Case, probe: Probe, measured: Measured,
            sweeps: SweepRuns, stress: bool) -> Judged:
    """The claims judged on the run's series and their sweep points; with ``step_check``,
    a verdict that moves at half the step is withheld, with ``perturb_check`` one that moves
    when the initialization moves by a few ulps; with ``seeds``, a claim PASSes only if it
    PASSes on every seed (:mod:`verify.engine.replicas`)."""
    found = dict(measured.series)
    runs = {}
    for claim in thm.claims:
        if getattr(claim, "sweep", None) is not None:
            points = sweep_series(thm, case, claim, sweeps)
            found |= points.series
            runs[claim.name] = points.runs
    results = judge(thm, found, measured.ctx)
    swept = {k: v for k, v in found.items() if k.startswith(SWEEP)}
    if case.settings.step_check:
        results = step_checked(results, _half_step(thm, case, probe, measured.audit.digits, swept))
    if case.settings.perturb_check:
        results = perturb_checked(results, _perturbed(thm, case, probe, measured, swept))
    if (case.settings.seeds or 1) > 1:
        reps = replicas(thm, case, measured.audit.digits, swept, stress)
        results = seed_checked(results, case.seed, reps, set(runs))
    return Judged(found, tuple(results), runs)


def _verdicts(thm: Theorem, case: Case, probe: Probe, measured: Measured,
              sweeps: SweepRuns, stress: bool) -> Judged:
    """:func:`_judged`, unless the case ended early (:mod:`verify.engine.budget`): a diverged
    run is judged on its finite prefix alone, and a case whose budget ran out is not judged."""
    traj = measured.descent.trajectory
    if not (traj.out_of_time or deadline_passed()):
        if traj.diverged:
            found = judge(thm, measured.series, measured.ctx)
            judged = Judged(measured.series, tuple(budget.diverged(thm, found, traj.stopped)), {})
        else:
            judged = _judged(thm, case, probe, measured, sweeps, stress)
        if not deadline_passed():  # the budget may run out in the sweep points or the rerun
            return judged
    why = budget.budget_reason(traj, case.settings.budget_s)
    return Judged(measured.series, tuple(not_run(thm, why)), {}, spent=True)


def sized(thm: Theorem, case: Case, data: Dataset) -> Case:
    """``case`` with its ``n`` and ``d`` (those the theorem has) set to the size of ``data``
    and shown in its label, for a run on a user's data (``verify run --data``, which has
    checked the data against the theorem, :meth:`~verify.spec.theorem.Theorem.check_data`):
    its rows name the data's size, and the theorem's callables and assumptions read it, not
    the profile's.  A theorem whose data carry generator-made metadata
    (``data_spec.meta``, e.g. random features of ``d`` inputs) keeps its parameters: its data
    need not be ``n`` x ``d``.  (Not applied by :func:`run_case` itself, which runs any data.)"""
    size = {k: v for k, v in (("n", data.n), ("d", data.d))
            if k in case.params and not thm.data_spec.meta}
    if all(case.params[k] == v for k, v in size.items()) and set(size) <= set(case.shown):
        return case
    params = validate(thm.schema, dict(case.params) | size, f"data {data.source}")
    return dataclasses.replace(case, params=params, shown=tuple(sorted(set(case.shown) | set(size))))


def run_case(thm: Theorem, case: Case, data: Dataset | None = None, stress: bool = False,
             progress: Callable[[int, int], None] | None = None,
             sweeps: SweepRuns | None = None) -> dict[str, Any]:
    """Run ``case`` of ``thm`` and return its JSON-ready record (see results.json schema).

    ``data`` replaces the generated dataset; ``stress`` runs even when an assumption does
    not hold (no SKIPPED); ``sweeps`` holds the sweep runs (and where
    :mod:`verify.engine.sweepjobs` cached them): by default a fresh :class:`SweepRuns`,
    shared by this case's claims.

    The case runs within its ``budget_s`` (if set) and prints no floating-point warning
    (:mod:`verify.engine.budget`).
    """
    sweeps = sweeps if sweeps is not None else SweepRuns()
    with budget.quiet(), wall_deadline(case.settings.budget_s):
        if case.settings.backend == autobackend.AUTO:
            return autobackend.run_auto(thm, case, run_case, data=data, stress=stress,
                                        progress=progress, sweeps=sweeps)
        return _pipe(thm, case, data, stress, progress, sweeps)


def _pipe(thm: Theorem, case: Case, data: Dataset | None, stress: bool,
          progress: Callable[[int, int], None] | None, sweeps: SweepRuns) -> dict[str, Any]:
    """The stages of :func:`run_case` for a case with a concrete backend."""
    t0 = time.perf_counter()
    p = case.problem
    data = data if data is not None else thm.generate(p, seed_streams(case.seed)[0])
    model, loss = thm.model(p), thm.loss(p)
    audit = asm.audit(thm.assumptions, data, p)
    targets = {name: build(data, p) for name, build in thm.targets.items()}
    probe = Probe(model, loss, data, targets, p)
    run, why_not = _descent(case, probe, audit, stress, progress)
    measured = None if run is None else _measured(thm, case, probe, run)
    judged = (Judged({}, tuple(not_run(thm, why_not)), {}) if measured is None
              else _verdicts(thm, case, probe, measured, sweeps, stress))
    decided = [apply_policy(thm, r, audit, stress, targets) for r in judged.results]
    results = with_sweep_runs(decided, judged.runs)
    out = CaseOutcome(data, audit, targets, judged.series,
                      None if measured is None else measured.precision,
                      None if measured is None else measured.facts, tuple(results), stress,
                      time.perf_counter() - t0)
    record = case_record(thm, case, out)
    if case.settings.budget_s is not None:
        record["budget"] = {"budget_s": case.settings.budget_s, "exhausted": judged.spent}
    return record
