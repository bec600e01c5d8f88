"""The sweep stage: the runs of a sweep claim, their end values, and the points the claim reads.

Fourth stage of the engine's pipe (descent -> measure -> judge -> sweeps -> case -> record).
A claim with a :class:`~verify.spec.sweep.Sweep` is judged on one short run per
(value, seed) around its case (:func:`sweep_cases`), each with fresh data, initialization
and targets (:func:`sweep_end`).  :class:`SweepRuns` owns the memo of those runs for its
lifetime (a case, or the rungs of ``--backend auto``): two claims sweeping the same runs
(an event and its predictor) compute them once; a run cached on disk by
:mod:`verify.engine.sweepjobs` is read instead of rerun.  :func:`sweep_series` turns the
runs into the points ``(log x, q)`` of the claim and of its ``show`` quantities.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from verify.claims.base import Series
from verify.engine import autobackend
from verify.engine.descent import descend_many
from verify.engine.judge import SWEEP
from verify.engine.measure import Measure, Probe, end_values
from verify.engine.sweepcache import RunEnd, load, run_key
from verify.problem.seeds import seed_streams
from verify.spec.cases import Case
from verify.spec.params import validate
from verify.spec.theorem import Theorem


#: Most runs advanced together in one batch (a sweep value's seeds beyond it are split evenly).
MAX_BATCH = 40


def batch_group(params: Mapping[str, Any]) -> str:
    """What runs of one batch share: every parameter but the seed.

    Examples
    --------
    >>> batch_group({"seed": 1, "m": 2}) == batch_group({"m": 2, "seed": 7})
    True
    """
    return json.dumps({k: v for k, v in params.items() if k != "seed"}, sort_keys=True, default=repr)


def chunks(items: Sequence[Any], most: int | None = None) -> list[list[Any]]:
    """``items`` split into the fewest runs of at most ``most`` (default :data:`MAX_BATCH`),
    of near-equal sizes.

    Examples
    --------
    >>> [len(c) for c in chunks(list(range(90)), 40)]
    [30, 30, 30]
    """
    most = MAX_BATCH if most is None else most
    parts = max(1, -(-len(items) // max(1, most)))
    size = -(-len(items) // parts)
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


def sweep_cases(thm: Theorem, case: Case, claim: Any) -> list[Case]:
    """Every run of ``claim.sweep`` around ``case``, validated (``backend = "auto"`` becomes
    the first rung: sweep runs are not audited one by one)."""
    out = []
    for raw in claim.sweep.runs(case.params):
        p = autobackend.concrete(validate(thm.schema, raw, f"sweep of {thm.id}"))
        out.append(Case(thm.id, p, tuple(sorted(p))))
    return out


def sweep_params(thm: Theorem, case: Case, claim: Any) -> list[dict[str, Any]]:
    """The parameters of every run of :func:`sweep_cases`."""
    return [dict(c.params) for c in sweep_cases(thm, case, claim)]


def sweep_end(thm: Theorem, case: Case) -> RunEnd:
    """Run ``case`` of ``thm`` with fresh data, initialization and targets, and keep its end:
    every quantity at the end of the run and each target's status and solver."""
    return sweep_ends(thm, [case])[0]


def sweep_ends(thm: Theorem, cases: Sequence[Case]) -> list[RunEnd]:
    """:func:`sweep_end` of each of ``cases``, their trajectories advancing as one batch where
    they share shapes and settings (:func:`verify.engine.descent.descend_many`; the same
    numbers as one by one)."""
    probes = []
    for case in cases:
        p = case.problem
        data = thm.generate(p, seed_streams(case.seed)[0])
        probes.append(Probe(thm.model(p), thm.loss(p), data,
                            {name: build(data, p) for name, build in thm.targets.items()}, p))
    runs = descend_many(cases, [pr.data for pr in probes], [pr.model for pr in probes],
                        [pr.loss for pr in probes])
    return [RunEnd(end_values(Measure(thm, pr), run.trajectory),
                   {k: f"{t.status} ({t.solver})" for k, t in pr.targets.items()})
            for pr, run in zip(probes, runs)]


class SweepRuns:
    """The sweep runs met during this object's lifetime, by (theorem, parameters).

    ``cache`` is the directory where :mod:`verify.engine.sweepjobs` wrote the runs it ran
    as jobs (None: compute every run here).
    """

    def __init__(self, cache: Path | None = None) -> None:
        self.cache = cache
        self._ends: dict[tuple[str, str], RunEnd] = {}

    def __len__(self) -> int:
        return len(self._ends)

    @staticmethod
    def _key(thm: Theorem, case: Case) -> tuple[str, str]:
        return (thm.id, json.dumps(dict(case.params), sort_keys=True, default=repr))

    def ensure(self, thm: Theorem, cases: Sequence[Case]) -> None:
        """Remember the end of every run of ``cases``: read from the cache, or computed in
        batches of runs that differ only in their seed (:func:`sweep_ends`)."""
        todo: dict[str, list[Case]] = {}
        for case in cases:
            key = self._key(thm, case)
            if key in self._ends:
                continue
            cached = load(self.cache, run_key(thm.id, case.params))
            if cached is not None:
                self._ends[key] = cached
            else:
                todo.setdefault(batch_group(case.params), []).append(case)
        for group in todo.values():
            for chunk in chunks(group):
                for case, end in zip(chunk, sweep_ends(thm, chunk)):
                    self._ends[self._key(thm, case)] = end

    def end(self, thm: Theorem, case: Case) -> RunEnd:
        """:func:`sweep_end` of one run: remembered, read from the cache, or computed."""
        self.ensure(thm, [case])
        return self._ends[self._key(thm, case)]


@dataclass(frozen=True)
class SweepPoints:
    """The series of one sweep claim and the provenance of its runs.

    ``series`` holds ``sweep:<claim>`` (the claim's quantity) and ``sweep:<claim>:<q>`` for
    each ``show`` quantity, all over ``log x``; ``runs`` holds the runs' seeds and, per
    target, how many runs ended with each status and solver (``"50/50 optimal (...)"``).
    """

    series: Mapping[str, Series]
    runs: Mapping[str, Any]


def _status_counts(ends: list[RunEnd]) -> dict[str, str]:
    status: dict[str, dict[str, int]] = {}
    for end in ends:
        for t, st in end.targets.items():
            status.setdefault(t, {}).setdefault(st, 0)
            status[t][st] += 1
    return {t: "; ".join(f"{k}/{len(ends)} {st}" for st, k in c.items()) for t, c in status.items()}


def sweep_series(thm: Theorem, case: Case, claim: Any, runs: SweepRuns) -> SweepPoints:
    """Points ``(log x, q)`` of a sweep claim: its quantity at the end of one run per
    (value, seed) of ``claim.sweep`` and those of its ``show`` quantities from the same runs."""
    subs = sweep_cases(thm, case, claim)
    runs.ensure(thm, subs)
    xs = np.array([math.log(claim.sweep.abscissa(c.params)) for c in subs])
    ends = [runs.end(thm, c) for c in subs]
    key = f"{SWEEP}{claim.name}"
    def at_ends(q: str) -> np.ndarray:
        return np.array([e.values.get(q, math.nan) for e in ends])

    series = {key: Series(key, xs, at_ends(claim.quantity))}
    for q in claim.show:
        series[f"{key}:{q}"] = Series(f"{key}:{q}", xs, at_ends(q))
    return SweepPoints(series, {"seeds": [c.seed for c in subs], "targets": _status_counts(ends)})
