"""Several seeds per case (verify.engine.replicas): PASS only on every seed, FAIL on any."""
from __future__ import annotations

import pytest

from verify.engine.case import run_case
from verify.engine.replicas import Replica, replica_cases, replica_seed, seed_checked
from verify.errors import UserError
from verify.outcome import ClaimResult, Outcome
from verify.spec import registry
from verify.spec.cases import profile_cases


def _r(outcome: Outcome, measured: float = 1.0, reason: str = "", claim: str = "c") -> ClaimResult:
    return ClaimResult(claim, "Limit", outcome, reason, measured, 1.0)


def _reps(*outcomes: Outcome) -> list[Replica]:
    return [Replica(100 + i, (_r(o, 2.0 + i, f"why {i}"),)) for i, o in enumerate(outcomes)]


def test_pass_needs_every_seed():
    out = seed_checked([_r(Outcome.PASS)], 0, _reps(Outcome.PASS, Outcome.PASS), set())[0]
    assert out.outcome is Outcome.PASS
    table = out.evidence.extra["over_seeds"]["table"]
    assert [row["seed"] for row in table] == [0, 100, 101]


def test_a_fail_on_any_seed_is_the_claims_fail_with_its_witness():
    out = seed_checked([_r(Outcome.PASS)], 0, _reps(Outcome.PASS, Outcome.FAIL), set())[0]
    assert out.outcome is Outcome.FAIL
    assert "seed 101" in out.reason and "why 1" in out.reason and out.measured == 3.0


def test_an_undecided_seed_withholds_the_pass():
    out = seed_checked([_r(Outcome.PASS)], 0, _reps(Outcome.UNDECIDED, Outcome.PASS), set())[0]
    assert out.outcome is Outcome.UNDECIDED and "PASS on 2 of 3 seeds" in out.reason


def test_the_cases_own_fail_stays_and_left_out_seeds_are_listed():
    reps = _reps(Outcome.PASS) + [Replica(7, None, "assumption separable does not hold")]
    out = seed_checked([_r(Outcome.FAIL, reason="own")], 0, reps, set())[0]
    assert out.outcome is Outcome.FAIL and out.reason == "own"
    seeds = out.evidence.extra["over_seeds"]
    assert seeds["judged"] == 2 and seeds["left_out"] == 1


def test_sweep_claims_are_not_combined():
    out = seed_checked([_r(Outcome.PASS)], 0, _reps(Outcome.FAIL), {"c"})[0]
    assert out.outcome is Outcome.PASS and "over_seeds" not in out.evidence.extra


def test_replicas_are_plain_runs_of_distinct_seeds():
    thm = registry.get("boursier2022-orthogonal")
    case = profile_cases(thm, "quick", {"seeds": 4, "step_check": True})[0]
    reps = replica_cases(case)
    assert [c.seed for c in reps] == [replica_seed(case.seed, j) for j in (1, 2, 3)]
    assert len({c.seed for c in reps} | {case.seed}) == 4
    assert all("seeds" not in c.params and not c.settings.step_check for c in reps)
    assert replica_cases(profile_cases(thm, "quick")[0]) == []


def test_seeds_must_be_a_positive_count():
    with pytest.raises(UserError, match="seeds"):
        profile_cases(registry.get("boursier2022-orthogonal"), "quick", {"seeds": 0})


def test_a_case_with_seeds_judges_each_claim_on_each():
    thm = registry.get("soudry2018-linear")
    case = profile_cases(thm, "quick", {"seeds": 3, "steps": 4000})[0]
    record = run_case(thm, case)
    swept = {c.name for c in thm.claims if getattr(c, "sweep", None) is not None}
    for row in record["rows"]:
        seeds = (row.get("evidence") or {}).get("over_seeds")
        if row["claim"] in swept or row["outcome"] == "SKIPPED":
            continue
        assert seeds is not None and seeds["judged"] + seeds["left_out"] == 3, row["claim"]
        if row["outcome"] == "PASS":
            assert all(e["outcome"] == "PASS" for e in seeds["table"])


def test_a_data_seed_parameter_is_redrawn_too():
    thm = registry.get("chizat-bach2020-f1")
    case = profile_cases(thm, "quick", {"seeds": 3})[0]
    assert case.params["data_seed"] == 0
    assert [c.params["data_seed"] for c in replica_cases(case)] == [replica_seed(0, 1), replica_seed(0, 2)]


def test_a_replicas_failed_quantity_keeps_its_note():
    """A quantity that fails on a replica (no notes passed in) keeps the error as its note,
    so an UNDECIDED downstream names the cause, not 'no note recorded'."""
    from types import SimpleNamespace

    import numpy as np

    from verify.engine.measure import Measure, series
    from verify.spec.theorem import Quantity

    def broken(pt):
        raise ValueError("KKT target needs every margin positive, min q = -0.1")

    thm = SimpleNamespace(quantities={"kkt": Quantity("k", broken)})
    probe = SimpleNamespace(point=lambda step, log_t, params: None)
    cks = [SimpleNamespace(step=s, log_t=float(s), params={}) for s in (0, 1, 2)]
    traj = SimpleNamespace(checkpoints=cks, scalars={k: np.zeros(3) for k in
                                                     ("log_t", "log_eta", "log_grad_norm")})
    out = series(Measure(thm, probe), traj, {}, {})
    assert np.isnan(out["kkt"].values).all()
    assert "min q = -0.1" in out["kkt"].note
