"""Sweep runs as jobs: run before the cases through the same executor, cached on disk,
shared between claims, resumed without recomputation, equal to the in-case serial path."""
from __future__ import annotations

import dataclasses

import pytest

from verify.engine import sweepjobs, sweeps
from verify.engine.case import run_case

from verify.spec import registry
from verify.spec.cases import Case
from verify.claims import Scaling
from verify.spec.params import validate
from verify.engine.runner import Job, pool_executor, run_jobs
from verify.spec.sweep import Sweep

SW = Sweep("n", (4, 8), seeds=2, overrides={"steps": 200})


@pytest.fixture
def small(monkeypatch):
    """soudry2018-linear with two Scaling claims on the same 4 sweep runs, registered."""
    thm = registry.get("soudry2018-linear")
    claims = tuple(Scaling(name, "normalized_margin", parameter="n", exponent=e, atol=1.0, sweep=SW)
                   for name, e in (("flat", 0.0), ("cubic", 3.0)))
    thm = dataclasses.replace(thm, id="soudry-sweeps", claims=claims)
    monkeypatch.setattr(registry, "theorems", lambda: {thm.id: thm})
    raw = {"n": 6, "d": 3, "steps": 300, "checkpoints": 10, "audit_steps": 10, "min_rate": 0.0}
    return thm, Case(thm.id, validate(thm.schema, raw, "t"), tuple(sorted(raw)))


def _rows(res):
    return [(r["claim"], r["outcome"], r["measured"], r["evidence"]["points"]) for r in res["rows"]]


def test_sweep_runs_are_jobs_cached_once_and_equal_the_serial_path(small, tmp_path):
    thm, case = small
    assert len(sweepjobs.collect([case])) == 4  # two claims, one set of runs
    [res] = run_jobs([Job(case)], tmp_path, executor=pool_executor(1))
    assert len(list((tmp_path / "sweeps").glob("*/*.json"))) == 4  # OUT/sweeps/<code>/<key>.json
    serial = run_case(thm, case)  # no sweep cache: runs computed inside the case
    assert _rows(res) == _rows(serial)
    prov = res["rows"][0]["evidence"]["sweep_runs"]
    assert prov == serial["rows"][0]["evidence"]["sweep_runs"]
    assert len(prov["seeds"]) == 4 and prov["seeds"] == [c.seed for c in sweeps.sweep_cases(thm, case, thm.claims[0])]
    assert prov["targets"]["svm"].startswith("4/4 optimal (CLARABEL")  # one status, four runs


def test_interrupted_sweep_resumes_without_recomputing_runs(small, tmp_path, monkeypatch):
    thm, case = small
    [first] = run_jobs([Job(case)], tmp_path, executor=pool_executor(1))
    for f in (tmp_path / "cases").glob("*.json"):
        f.unlink()  # interrupted after the sweep runs, before the case finished

    def boom(*a, **k):
        raise AssertionError("a cached sweep run was recomputed")

    monkeypatch.setattr(sweeps, "sweep_ends", boom)
    monkeypatch.setattr(sweepjobs, "sweep_ends", boom)
    [again] = run_jobs([Job(case)], tmp_path, executor=pool_executor(1))
    assert _rows(again) == _rows(first)


def test_two_claims_share_their_runs_within_a_case(small):
    """A case owns its sweep runs (no process-wide memo): the two claims' 4 runs are
    computed once, and a second case starts afresh."""
    thm, case = small
    runs = sweeps.SweepRuns()
    first = run_case(thm, case, sweeps=runs)
    assert len(runs) == 4
    assert _rows(run_case(thm, case)) == _rows(first)
