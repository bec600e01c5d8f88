"""Batched trajectories give the rows of one run at a time, bit for bit.

Unit level: :func:`verify.dynamics.batch.record_batch` against
:func:`verify.dynamics.trajectory.record` of each run's own float64 GD, over the models, losses
and step rules that batch, with runs that stop at different steps.  Engine level: the sweep
runs of every theorem's quick profile, written by :func:`verify.engine.sweepjobs.run_sweeps`
in batches and one run per job, are the same files (so every verdict read from them is the
same): in the fast suite on the sweeps cut to their first values and two seeds, in full
under ``-m slow``.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from verify.arith.backends import Float64
from verify.dynamics.batch import BatchRun, batchable, record_batch
from verify.dynamics.gd import StepRule, gradient_descent
from verify.dynamics.trajectory import StopRule, log_schedule, record
from verify.engine.runner import pool_executor
from verify.engine.sweepjobs import batches, collect, run_sweeps
from verify.problem.losses import Exponential, Logistic, Squared
from verify.problem.models import Linear, TwoLayer
from verify.spec import registry
from verify.spec.cases import profile_cases
from verify.testing import short_sweeps

BE = Float64()

SETUPS = [
    (TwoLayer(m=5, alpha=0.1), Logistic(), StepRule(0.5, "constant", 2), math.inf),
    (TwoLayer(m=7), Exponential(reduction="mean"), StepRule(0.2, "lyu-li", 2), 30.0),
    (Linear(), Logistic(), StepRule(1.0, "normalized", 1), 30.0),
    (TwoLayer(m=3, train_outer=False), Squared(reduction="mean"), StepRule(0.05, "constant", 1),
     math.inf),
]


def _runs(model, regression: bool, count: int = 6, n: int = 12, d: int = 9) -> list[BatchRun]:
    out = []
    for seed in range(count):
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((n, d))
        y = rng.standard_normal(n) if regression else np.sign(rng.standard_normal(n))
        out.append(BatchRun(X, y, model.init(d, 0.5, rng)))
    return out


def _single(model, loss, run, rule, schedule, stop):
    return record(gradient_descent(model, loss, run.X, run.y, run.params0, rule, BE), model, run.y,
                  BE, schedule, stop)


def _same(a, b) -> bool:
    return (a.stopped == b.stopped and a.backend == b.backend
            and all(np.array_equal(a.scalars[k], b.scalars[k], equal_nan=True) for k in b.scalars)
            and [c.step for c in a.checkpoints] == [c.step for c in b.checkpoints]
            and all(c.log_t == e.log_t and all(np.array_equal(c.params[p], e.params[p]) for p in e.params)
                    for c, e in zip(a.checkpoints, b.checkpoints)))


@pytest.mark.parametrize("model, loss, rule, max_log_t", SETUPS,
                         ids=["leaky-logistic-constant", "relu-exp-mean-lyuli", "linear-normalized",
                              "fixed-outer-squared"])
def test_batch_equals_single_runs_bit_for_bit(model, loss, rule, max_log_t):
    runs = _runs(model, isinstance(loss, Squared))
    schedule, stop = log_schedule(1500, 15), StopRule(1500, max_log_t, -15.0)
    assert batchable(model, loss, runs)
    together = record_batch(model, loss, runs, rule, schedule, stop)
    alone = [_single(model, loss, r, rule, schedule, stop) for r in runs]
    assert all(_same(a, b) for a, b in zip(together, alone))
    if rule.rule != "constant":  # the runs end at different steps, each by its own rule
        assert len({t.steps for t in alone}) > 1


def test_a_diverging_run_leaves_the_batch_alone():
    model, loss = Linear(), Logistic()
    runs = _runs(model, False, count=3)
    runs[1] = BatchRun(runs[1].X * 1e150, runs[1].y, runs[1].params0)
    rule, schedule, stop = StepRule(1e100), log_schedule(50, 5), StopRule(50)
    with np.errstate(all="ignore"):
        together = record_batch(model, loss, runs, rule, schedule, stop)
        alone = [_single(model, loss, r, rule, schedule, stop) for r in runs]
    assert together[1].diverged and not together[0].diverged
    assert all(_same(a, b) for a, b in zip(together, alone))


def test_the_comparison_sees_a_changed_bit():
    model, loss, rule, _ = SETUPS[0]
    runs = _runs(model, False, count=2)
    schedule, stop = log_schedule(50, 5), StopRule(50)
    one = _single(model, loss, runs[0], rule, schedule, stop)
    nudged = BatchRun(runs[0].X, runs[0].y,
                      {k: np.nextafter(v, np.inf) for k, v in runs[0].params0.items()})
    assert not _same(record_batch(model, loss, [nudged, runs[1]], rule, schedule, stop)[0], one)


def test_what_does_not_batch():
    runs = _runs(TwoLayer(m=3), False, count=2)
    assert not batchable(TwoLayer(m=3), Logistic(), runs[:1])
    assert not batchable(TwoLayer(m=3), Logistic(), [runs[0], _runs(TwoLayer(m=3), False, n=14)[1]])

    class Changed(TwoLayer):
        def forward(self, params, X, be=BE):
            return super().forward(params, X, be)

    assert not Changed(m=3).batches and TwoLayer(m=3).batches and Linear().batches


def test_batches_group_seeds_of_one_value():
    thm = registry.get("lyu2021-symmetric")
    jobs = collect(profile_cases(thm, "quick"))
    groups = batches(jobs, 40)
    assert sum(len(b.jobs) for b in groups) == len(jobs)
    for b in groups:
        assert len(b.jobs) <= 40
        rest = [{k: v for k, v in j.params.items() if k != "seed"} for j in b.jobs]
        assert all(r == rest[0] for r in rest)
    assert len(batches(jobs, 1)) == len(jobs)


#: Sweep values and seeds kept by the fast engine-level test (verify.testing.short_sweeps): the
#: first two values of each sweep (a Sweep needs two), two
#: seeds, so that seeds of one value still advance as one batch with their own stopping.
SHORT_VALUES, SHORT_SEEDS = 2, 2

#: Theorems whose sweeps are long even cut short (large-d data, kernel SVM targets: 12-17 s
#: each): full sweeps only, under ``-m slow``.
SLOW = {"chizat-bach2020-f1", "lai2026-min-norm-gap"}


def _sweep_files(thm, tmp_path, batch: int) -> dict[str, dict]:
    """Each sweep run's file by its key, without the code hash (the same tree gives the same
    hash; a file edited while the slow tests run would give another)."""
    cases = profile_cases(thm, "quick", {"kernel": "numpy"})  # the batched path
    where = run_sweeps(cases, tmp_path / f"b{batch}", pool_executor(1), batch=batch)
    return {f.name: {k: v for k, v in json.loads(f.read_text()).items() if k != "code"}
            for f in where.rglob("*.json")}


def _batched_equal_unbatched(thm, tmp_path) -> None:
    batched = _sweep_files(thm, tmp_path, 40)
    if not collect(profile_cases(thm, "quick")):
        assert batched == {}
        return
    assert batched and batched == _sweep_files(thm, tmp_path, 1)


@pytest.mark.parametrize("thm_id", sorted(set(registry.theorems()) - SLOW))
def test_quick_sweeps_batched_equal_unbatched(thm_id, tmp_path, monkeypatch):
    """Every theorem but :data:`SLOW`, its quick sweeps cut to their first values and seeds
    (same code path, fewer runs).  The sweep jobs find their theorem in the registry by id
    (``run_sweeps`` runs them in this process here), so the registry hands out the cut one."""
    real = registry.get
    full = len(collect(profile_cases(real(thm_id), "quick")))
    thm = short_sweeps(real(thm_id), SHORT_VALUES, SHORT_SEEDS)
    monkeypatch.setattr(registry, "get", lambda tid: thm if tid == thm_id else real(tid))
    cut = len(collect(profile_cases(thm, "quick")))
    assert cut <= full and (cut < full or full <= 2 * SHORT_VALUES * SHORT_SEEDS)
    _batched_equal_unbatched(thm, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("thm_id", sorted(registry.theorems()))
def test_quick_sweeps_batched_equal_unbatched_in_full(thm_id, tmp_path):
    """The same on every quick sweep in full (minutes: lyu2021-symmetric, chizat-bach2020-f1,
    lai2026-min-norm-gap, kou2023-relu ...)."""
    _batched_equal_unbatched(registry.get(thm_id), tmp_path)
