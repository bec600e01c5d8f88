"""Several seeds per case: a claim PASSes only if it PASSes on every seed.

A verdict on one draw of data and initialization can be a lucky draw.  With the engine
parameter ``seeds = k`` (``k >= 2``) a case's claims are judged on ``k`` independent seeds:

* seed 1 is the case's own run (precision audit, resolution, plots: the pipe of
  :mod:`verify.engine.case`);
* seeds 2..k are *replicas*: fresh data and initialization from :func:`replica_seed` (and
  fresh fixed data where a ``*_seed`` parameter fixes it, :func:`replica_cases`), the
  same parameters, their own assumption audit and targets, trajectories advanced together
  in one batch where they share shapes (:func:`verify.engine.descent.descend_many`),
  quantities measured with the case's audited digits (as the half-step rerun is), and every
  claim judged at its own expected values.  A replica whose data violate an assumption is
  left out (its seed and the assumption are listed), as the case itself would be SKIPPED.

:func:`seed_checked` combines them claim by claim (sweep claims excepted: their runs already
span seeds): PASS needs a PASS on every seed; a FAIL on any seed is the claim's FAIL, naming
that seed, with that seed's evidence and resolution (replicas find a resolution for their
FAILs only); otherwise an UNDECIDED seed leaves the claim UNDECIDED, naming it.  Every seed's outcome and value are in the evidence (``over_seeds``).
A FAIL of the case's own seed stays its FAIL.  The resolution of a PASS is the case seed's
(the other seeds PASS at the same expectation, so the combined verdict turns no later).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from verify.claims.base import Context, Series
from verify.engine.descent import descend_many
from verify.engine.judge import SWEEP, judge, not_run
from verify.engine.measure import Measure, Probe, onsets, series
from verify.outcome import ClaimResult, Outcome, Resolution
from verify.problem.seeds import seed_streams
from verify.spec import assumptions as asm
from verify.spec.cases import Case
from verify.spec.theorem import Theorem

#: Parameters a replica does not inherit: it is one plain run.
_ALONE = {"seeds": None, "step_check": False, "perturb_check": None}


def replica_seed(seed: int, j: int) -> int:
    """The seed of replica ``j >= 1`` of a case with ``seed``: a 31-bit integer hashed from
    ``(seed, j)`` by :class:`numpy.random.SeedSequence`, far from the small seeds cases use.

    Examples
    --------
    >>> replica_seed(0, 1) == replica_seed(0, 1) != replica_seed(0, 2)
    True
    """
    return int(np.random.SeedSequence([int(seed), 0x5EED, int(j)]).generate_state(1)[0] >> 1)


def replica_cases(case: Case) -> list[Case]:
    """The replicas of ``case`` (none unless ``seeds >= 2``): its parameters with a new
    ``seed`` and, for a theorem that fixes its data by another seed parameter
    (``data_seed = 0``: the same data for the case and its sweep), a new value of that
    parameter too (a parameter named ``*_seed`` set to a seed, ``>= 0``)."""
    k = case.settings.seeds or 1
    out = []
    for j in range(1, k):
        p = dict(case.params) | {"seed": replica_seed(case.seed, j)}
        p |= {key: replica_seed(v, j) for key, v in case.params.items()
              if key.endswith("_seed") and isinstance(v, int) and v >= 0}
        p = {key: v for key, v in (p | _ALONE).items() if v is not None}
        out.append(dataclasses.replace(case, params=p))
    return out


@dataclass(frozen=True)
class Replica:
    """One replica's seed and results (None: left out, ``skipped`` says why)."""

    seed: int
    results: tuple[ClaimResult, ...] | None
    skipped: str = ""


def _probe(thm: Theorem, case: Case) -> tuple[Probe, tuple]:
    p = case.problem
    data = thm.generate(p, seed_streams(case.seed)[0])
    audit = asm.audit(thm.assumptions, data, p)
    return Probe(thm.model(p), thm.loss(p), data,
                 {name: build(data, p) for name, build in thm.targets.items()}, p), audit


def _judge_one(thm: Theorem, case: Case, probe: Probe, traj: Any, digits: Mapping[str, float],
               swept: Mapping[str, Series]) -> tuple[ClaimResult, ...]:
    if traj.diverged or traj.out_of_time:
        return tuple(not_run(thm, f"seed {case.seed}: the trajectory ended early ({traj.stopped})"))
    found = dict(series(Measure(thm, probe), traj, digits, {})) | dict(swept)
    ctx = Context(case.problem, probe.targets, probe.data, onsets(traj, probe.loss, probe.data.n))
    return tuple(judge(thm, found, ctx, resolved=lambda r: r.outcome is Outcome.FAIL))


def replicas(thm: Theorem, case: Case, digits: Mapping[str, float],
             swept: Mapping[str, Series], stress: bool = False) -> list[Replica]:
    """Judge every replica of ``case`` (see the module docstring); ``swept`` are the case's
    sweep points (reused: a sweep claim is not judged per seed), ``digits`` its audited
    digits."""
    todo, out = [], {}
    for rc in replica_cases(case):
        probe, audit = _probe(thm, rc)
        bad = [a.name for a in audit if a.status is not asm.Status.HOLDS]
        if bad and not stress:
            out[rc.seed] = Replica(rc.seed, None, f"assumption {', '.join(bad)} does not hold")
        else:
            todo.append((rc, probe))
    runs = descend_many([c for c, _ in todo], [p.data for _, p in todo],
                        [p.model for _, p in todo], [p.loss for _, p in todo]) if todo else []
    for (rc, probe), run in zip(todo, runs):
        out[rc.seed] = Replica(rc.seed, _judge_one(thm, rc, probe, run.trajectory, digits, swept))
    return [out[rc.seed] for rc in replica_cases(case)]


def _entry(seed: int, r: ClaimResult | None, skipped: str = "") -> dict[str, Any]:
    if r is None:
        return {"seed": seed, "outcome": "left out", "reason": skipped}
    return {"seed": seed, "outcome": r.outcome.value, "measured": r.measured, "reason": r.reason}


def _combined(main: ClaimResult, seed: int, others: Sequence[tuple[int, ClaimResult]],
              skipped: Sequence[tuple[int, str]]) -> ClaimResult:
    """One claim's verdict over its seeds (module docstring)."""
    table = [_entry(seed, main)] + [_entry(s, r) for s, r in others] + [
        _entry(s, None, why) for s, why in skipped]
    judged = 1 + len(others)
    ev = {"over_seeds": {"judged": judged, "left_out": len(skipped), "table": table}}
    if main.outcome is not Outcome.PASS:
        return main.with_evidence(**ev)
    fails = [(s, r) for s, r in others if r.outcome is Outcome.FAIL]
    if fails:
        s, r = fails[0]
        return r.with_outcome(Outcome.FAIL, f"on seed {s} ({len(fails)} of {judged} seeds fail; "
                              f"seed {seed} passes): {r.reason}").with_evidence(**ev)
    open_ = [(s, r) for s, r in others if r.outcome is not Outcome.PASS]
    if open_:
        s, r = open_[0]
        return r.with_outcome(Outcome.UNDECIDED, f"PASS on {judged - len(open_)} of {judged} "
                              f"seeds; on seed {s}, {r.outcome.value}: {r.reason}").with_resolution(
            Resolution.none(Outcome.UNDECIDED.value, f"UNDECIDED on seed {s}"),
            r.diagnostic).with_evidence(**ev)
    return main.with_evidence(**ev)


def seed_checked(results: Sequence[ClaimResult], seed: int, reps: Sequence[Replica],
                 sweep_claims: set[str]) -> list[ClaimResult]:
    """``results`` (the case's own seed) combined claim by claim with the replicas'."""
    if not reps:
        return list(results)
    skipped = [(r.seed, r.skipped) for r in reps if r.results is None]
    by_seed = [(r.seed, {x.claim: x for x in r.results}) for r in reps if r.results is not None]
    out = []
    for res in results:
        if res.claim in sweep_claims:
            out.append(res)
            continue
        others = [(s, got[res.claim]) for s, got in by_seed if res.claim in got]
        out.append(_combined(res, seed, others, skipped))
    return out


__all__ = ["Replica", "SWEEP", "replica_cases", "replica_seed", "replicas", "seed_checked"]
