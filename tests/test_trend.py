"""Trend claims: a monotone association with a swept parameter, across seeds."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from verify.claims import Series, Trend
from verify.engine.case import run_case
from verify.report.sweepplot import sweep_plot
from verify.spec.sweep import Sweep
from tests.test_sweep import _soudry_with


def _series(q, xs=(5.0, 10.0, 15.0, 20.0, 25.0)) -> Series:
    q = np.asarray(q, dtype=float)
    lx = np.log(np.repeat(np.asarray(xs), q.size // len(xs)))
    return Series("err", lx, q)


def _noisy(slope: float, seeds: int) -> np.ndarray:
    """``slope * i`` at the i-th value plus the same spread of ``seeds`` values over [0, 1]."""
    return np.repeat(slope * np.arange(5.0), seeds) + np.tile(np.linspace(0.0, 1.0, seeds), 5)


@pytest.mark.parametrize("direction, outcome", [("increasing", "PASS"), ("decreasing", "FAIL")])
def test_clear_trend_decides_both_ways(direction, outcome):
    r = Trend("t", "err", direction=direction).evaluate(_series(_noisy(1.0, 6)), {})
    assert r.outcome.value == outcome, r.reason
    assert r.evidence.tau_b > 0.3 and r.evidence.n_points == 30
    assert r.evidence.method.startswith("normal")  # seeds tie the abscissa


def test_no_trend_is_undecided_not_fail():
    r = Trend("t", "err").evaluate(_series(_noisy(0.0, 6)), {})
    assert r.outcome.value == "UNDECIDED"
    assert "no significant trend" in r.reason and "add seeds" in r.reason


def test_more_seeds_turn_a_weak_trend_into_a_decision():
    """The same small effect (5% of the spread per step): undecided on 3 seeds per value
    (p = 0.064), PASS on 40 (p = 0.002)."""
    weak = Trend("t", "err")
    assert weak.evaluate(_series(_noisy(0.05, 3)), {}).outcome.value == "UNDECIDED"
    assert weak.evaluate(_series(_noisy(0.05, 40)), {}).outcome.value == "PASS"


def test_p_values_match_kendall_by_hand():
    """Without ties: tau = (concordant - discordant) / C(n, 2); exact p for n = 5."""
    q = np.array([0.1, 0.3, 0.2, 0.5, 0.4])  # 8 concordant, 2 discordant pairs
    r = Trend("t", "err").evaluate(_series(q), {})
    assert r.evidence.tau_b == pytest.approx(0.6)
    assert r.evidence.method == "exact"
    # permutations of 5 with at most 2 inversions: 1 + 4 + 9 = 14 of 120
    assert r.evidence.p_claimed == pytest.approx(14 / 120)
    assert r.outcome.value == "UNDECIDED"  # 0.117 >= 0.05
    assert r.evidence.theil_sen_per_log_x > 0


def test_non_finite_and_too_few_points_are_undecided():
    r = Trend("t", "err").evaluate(_series([0.1, np.nan, 0.2, 0.3, 0.4]), {})
    assert r.outcome.value == "UNDECIDED" and "1 of 5 values" in r.reason
    r = Trend("t", "err").evaluate(Series("err", np.log([2.0, 3.0, 4.0]), np.array([1.0, 2.0, 3.0])), {})
    assert r.outcome.value == "UNDECIDED" and "need 2 and 4" in r.reason
    r = Trend("t", "err").evaluate(_series(np.zeros(10)), {})
    assert r.outcome.value == "UNDECIDED" and "undefined" in r.reason and r.measured is None


@pytest.mark.parametrize("kw", [{"direction": "up"}, {"level": 0.5}, {"level": 0.0}])
def test_bad_declarations_are_rejected(kw):
    with pytest.raises(ValueError):
        Trend("t", "err", **kw)


def test_sweep_claim_records_and_draws_its_show_quantities():
    """The claim reads one quantity and draws a second one of the same runs beside it."""
    claim = Trend("trend", "normalized_margin", statement="q falls with n", show=("direction_gap",),
                  sweep=Sweep("n", (4, 8, 16), seeds=2))
    thm, case = _soudry_with(claim)
    thm = dataclasses.replace(thm, claims=(claim,))
    row = run_case(thm, case)["rows"][0]
    pts = row["evidence"]["points"]
    assert row["kind"] == "Trend" and len(pts["y"]) == 6
    assert set(pts["show"]) == {"direction_gap"} and len(pts["show"]["direction_gap"]) == 6
    assert all(np.isfinite(pts["show"]["direction_gap"]))
    svg = sweep_plot(row)
    assert svg.startswith(b"<?xml") and b"<svg" in svg[:2000]
