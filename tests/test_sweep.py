"""Scaling claims over a parameter sweep: runs per (value, seed), points in the evidence."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from verify.spec import registry
from verify.spec.cases import Case
from verify.claims import Scaling
from verify.engine.case import run_case
from verify.spec.params import validate
from verify.spec.sweep import Sweep


def _soudry_with(claim) -> tuple:
    thm = registry.get("soudry2018-linear")
    thm = dataclasses.replace(thm, claims=(claim,))
    raw = {"n": 6, "d": 3, "steps": 300, "checkpoints": 10, "audit_steps": 10, "min_rate": 0.0}
    return thm, Case(thm.id, validate(thm.schema, raw, "t"), tuple(sorted(raw)))


def test_sweep_runs_are_seeded_per_value_and_seed():
    sw = Sweep("n", (4, 8), seeds=2)
    runs = sw.runs({"seed": 0, "n": 6})
    assert [r["n"] for r in runs] == [4, 4, 8, 8]
    assert len({r["seed"] for r in runs}) == 4
    assert runs == sw.runs({"seed": 0, "n": 6})  # reproducible


def test_sweep_with_one_value_is_rejected():
    with pytest.raises(ValueError, match=">= 2 values"):
        Sweep("n", (4,))


@pytest.mark.parametrize("exponent, outcome", [(0.0, "PASS"), (3.0, "FAIL")])
def test_scaling_claim_over_a_sweep(exponent, outcome):
    """The normalized margin after a fixed horizon is O(1) in n: slope 0 within atol 1
    PASSes, a claimed n^3 law FAILs."""
    claim = Scaling("s", "normalized_margin", parameter="n", exponent=exponent, atol=1.0,
                    sweep=Sweep("n", (4, 8, 16), seeds=2))
    thm, case = _soudry_with(claim)
    res = run_case(thm, case)
    row = res["rows"][0]
    assert row["outcome"] == outcome, row["reason"]
    pts = row["evidence"]["points"]
    assert len(pts["x"]) == 6 and sorted(set(np.round(pts["x"], 9))) == [4.0, 8.0, 16.0]
