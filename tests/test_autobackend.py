"""--backend auto: float64 when its audited digits suffice, a more precise rung when a claim's
tolerance is below float64's precision floor; the choice is recorded and reported."""
from __future__ import annotations

import dataclasses

from verify.spec import registry
from verify.engine.autobackend import LADDER, digit_limited
from verify.spec.cases import Case
from verify.claims import Limit
from verify.engine.case import run_case
from verify.spec.params import validate
from verify.report.content import case_facts


def _case(thm, **over):
    raw = {"n": 6, "d": 3, "steps": 300, "checkpoints": 12, "audit_steps": 20, "min_rate": 0.0,
           "backend": "auto"} | over
    return Case(thm.id, validate(thm.schema, raw, "t"), tuple(sorted(raw)))


def test_auto_keeps_float64_when_the_audit_suffices():
    thm = registry.get("soudry2018-linear")
    thm = dataclasses.replace(thm, claims=(Limit("m", "normalized_margin", limit=None, atol=1.0),))
    res = run_case(thm, _case(thm))
    choice = res["backend_choice"]
    assert choice["picked"] == "float64" and len(choice["tried"]) == 1
    assert res["backend"] == "float64"
    assert "picked by --backend auto" in dict(case_facts(res))["backend"]


def test_auto_climbs_when_a_tolerance_is_below_the_float64_floor():
    thm = registry.get("soudry2018-linear")
    # float64 and f64dd carry about 12.5 audited digits here (their drift bound), dd the cap
    # of 15.95 (quantities are evaluated in float64): a tolerance of 1e-16 on a value near 0.3
    # needs dd.
    tight = Limit("tight", "normalized_margin", limit=0.3, rtol=0.0, atol=1e-16)
    thm = dataclasses.replace(thm, claims=(tight,))
    res = run_case(thm, _case(thm))
    choice = res["backend_choice"]
    assert choice["tried"][0]["backend"] == "float64"
    assert choice["tried"][0]["digit_limited"] == ["tight"]
    assert choice["picked"] in LADDER[1:] and res["backend"] == choice["picked"]
    assert digit_limited(res["rows"]) == []  # decided on the picked rung
