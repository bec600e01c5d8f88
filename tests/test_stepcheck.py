"""The step-halving check: rows carry the half-step verdict; a moved verdict is withheld."""
from __future__ import annotations

import doctest

from verify.spec import registry

from verify.dynamics import stepcheck
from verify.spec.cases import Case
from verify.engine.case import run_case
from verify.outcome import ClaimResult, Outcome
from verify.spec.params import validate


def test_doctests():
    assert doctest.testmod(stepcheck).failed == 0


def test_fail_that_passes_at_half_step_is_withheld():
    fail = ClaimResult("c", "Limit", Outcome.FAIL, "too big", 2.0, 1.0)
    half = ClaimResult("c", "Limit", Outcome.PASS, "", 1.0, 1.0)
    out = stepcheck.compare(fail, half)
    assert out.outcome is Outcome.UNDECIDED and "FAIL at eta, PASS at eta/2" in out.reason
    assert out.evidence.extra["half_step"]["outcome"] == "PASS"


def test_half_step_params_keep_the_horizon():
    p = stepcheck.half_step_params({"eta": 0.5, "steps": 100, "step_check": True})
    assert p["eta"] * p["steps"] == 0.5 * 100 and p["step_check"] is False


def test_run_records_half_step_outcome():
    thm = registry.get("soudry2018-linear")
    raw = {"n": 6, "d": 2, "steps": 400, "checkpoints": 20, "step_check": True, "audit_steps": 10,
           "min_rate": 0.0}
    res = run_case(thm, Case(thm.id, validate(thm.schema, raw, "t"), tuple(sorted(raw))))
    for row in res["rows"]:
        assert row["evidence"]["half_step"]["outcome"] in {o.value for o in Outcome}
