"""The Frequency claim (event rate across seeds vs a predicted probability) and its use in
lyu2021-symmetric: the init-group predictor and the 2^{1-m} failure probability."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from verify.engine.case import run_case
from verify.engine.sweeps import SweepRuns

from verify.spec import registry
from verify.spec.cases import Case
from verify.claims import Frequency, Series
from verify.claims.frequency import clopper_pearson
from verify.spec.params import validate
from verify.spec.sweep import Sweep


def _series(counts: dict[float, tuple[int, int]]) -> Series:
    x, v = [], []
    for xv, (k, n) in counts.items():
        x += [np.log(xv)] * n
        v += [1.0] * k + [0.0] * (n - k)
    return Series("event", np.array(x), np.array(v))


HALF = Frequency("f", "event", probability=lambda m: 2.0 ** (1 - round(m)), atol=0.25)


def test_clopper_pearson_matches_the_beta_quantiles():
    lo, hi = clopper_pearson(0, 10, 0.95)
    assert lo == 0.0 and hi == pytest.approx(1 - 0.025 ** 0.1, rel=1e-12)  # closed form at k = 0
    lo, hi = clopper_pearson(10, 10, 0.95)
    assert hi == 1.0 and lo == pytest.approx(0.025 ** 0.1, rel=1e-12)


def test_counts_matching_the_prediction_pass():
    res = HALF.evaluate(_series({2.0: (40, 80), 3.0: (20, 80), 4.0: (10, 80)}), {})
    assert res.outcome.value == "PASS", res.reason
    assert [g.k for g in res.evidence.groups] == [40, 20, 10]


def test_incompatible_counts_fail_naming_the_group():
    res = HALF.evaluate(_series({2.0: (40, 80), 3.0: (60, 80)}), {})
    assert res.outcome.value == "FAIL"
    assert "x = 3" in res.reason and "60 of 80" in res.reason


def test_too_few_runs_are_undecided_never_pass():
    res = HALF.evaluate(_series({2.0: (3, 6), 3.0: (2, 6)}), {})
    assert res.outcome.value == "UNDECIDED" and "not enough runs" in res.reason


def test_non_indicator_and_nan_values_are_undecided():
    s = Series("event", np.log([2.0, 2.0, 3.0]), np.array([0.0, 0.5, 1.0]))
    assert "0/1 indicator" in HALF.evaluate(s, {}).reason
    s = Series("event", np.log([2.0, 2.0, 3.0]), np.array([0.0, np.nan, 1.0]))
    assert HALF.evaluate(s, {}).outcome.value == "UNDECIDED"


def _small(thm, claims):
    sweep = Sweep("m", (2, 3), seeds=12, x_label="m",
                  overrides=thm.claim("failure_probability").sweep.overrides)
    claims = tuple(dataclasses.replace(c, sweep=sweep) for c in claims)
    mutated = dataclasses.replace(thm, claims=claims)
    raw = {"n": 12, "d": 3, "m": 8, "eta": 1.0, "steps": 300, "checkpoints": 10, "audit_steps": 5}
    return mutated, Case(thm.id, validate(thm.schema, raw, thm.id), tuple(sorted(raw)))


def test_init_groups_predict_every_failure_at_alpha_02():
    """Our derivation: a run ends at alpha gamma_lin / 2 exactly when its neurons start in
    one phase-I group (checked on 24 runs; both outcomes occur, so it is not vacuous)."""
    thm = registry.get("lyu2021-symmetric")
    mutated, case = _small(thm, (thm.claim("failure_probability"),))
    runs = SweepRuns()
    row = run_case(mutated, case, sweeps=runs)["rows"][0]
    ends = [runs.end(thm, Case(thm.id, validate(thm.schema, raw, thm.id), ())).values
            for raw in row_runs(mutated, case)]
    assert [e["misses_global"] for e in ends] == [e["one_group_at_init"] for e in ends]
    assert 0 < sum(row["evidence"]["points"]["y"]) < len(ends)


def row_runs(thm, case):
    return thm.claim("failure_probability").sweep.runs(case.params)


def test_a_wrong_failure_probability_fails_on_shared_runs():
    thm = registry.get("lyu2021-symmetric")
    right = thm.claim("failure_probability")
    wrong = dataclasses.replace(right, name="wrong", probability=lambda m: 0.01)
    mutated, case = _small(thm, (right, wrong))
    runs = SweepRuns()
    rows = {r["claim"]: r for r in run_case(mutated, case, sweeps=runs)["rows"]}
    assert len(runs) <= 24  # the two claims share the 24 runs
    assert rows["wrong"]["outcome"] == "FAIL", rows["wrong"]["reason"]
