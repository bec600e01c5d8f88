"""Resolution of a verdict (verify.claims.resolution): the smallest move of a claim's
expectation that turns it, re-judging the same series; its place in rows and reports."""
from __future__ import annotations

import json

import numpy as np
import pytest

from verify.claims import Bound, Eventually, Frequency, Limit, Monotone, Scaling, Series, Trend
from verify.claims.base import Context
from verify.claims.memo import memoizing, scoped
from verify.claims.resolution import RTOL, first_turn, moves_of, outcome_at, resolution_of, turned
from verify.engine.judge import judge, not_run, recording
from verify.outcome import ClaimResult, Outcome, Resolution, Shift, record_json
from verify.report.content import claims_table, counts_table, group, resolution_text, verdict_text
from verify.report.html import render_html
from verify.report.markdown import render_markdown


def _limit_series() -> Series:
    s = np.linspace(2.0, 14.0, 200)
    return Series("g", s, 0.5 + 0.3 / s)


def _monotone_series() -> Series:
    k = np.arange(200.0)
    return Series("g", np.log1p(k), 1 - 1 / (1 + 0.1 * k))


def _indicator() -> Series:
    lt = np.linspace(0.0, 10.0, 50)
    return Series("f", lt, (lt > 3.0).astype(float))


def _scaling() -> Series:
    p = np.repeat([10.0, 20.0, 40.0, 80.0], 3)
    return Series("n", np.log(p), 2.0 * p**0.5 * np.tile([0.99, 1.0, 1.01], 4))


def _frequency() -> Series:
    x = np.log(np.repeat([2.0, 3.0], 40))
    ind = np.concatenate([np.tile([0.0, 1.0], 20), np.r_[np.ones(10), np.zeros(30)]])
    return Series("fail", x, ind)


def _trend() -> Series:
    lx = np.log(np.repeat([5.0, 10.0, 20.0], 4))
    return Series("err", lx, np.repeat([0.01, 0.1, 0.3], 4) + np.tile([0.0, 0.01, 0.02, 0.03], 3))


CASES = {
    "limit named": (Limit("c", "g", limit=0.5), _limit_series),
    "limit named, FAIL": (Limit("c", "g", limit=1.0), _limit_series),
    "limit unnamed": (Limit("c", "g"), _limit_series),
    "bound upper": (Bound("b", "q", upper=0.9), _limit_series),
    "bound two-sided": (Bound("b", "q", upper=0.9, lower=0.45), _limit_series),
    "bound, FAIL": (Bound("b", "q", upper=0.6), _limit_series),
    "monotone": (Monotone("m", "g"), _monotone_series),
    "monotone, FAIL": (Monotone("m", "g", increasing=False), _monotone_series),
    "eventually with T": (Eventually("e", "f", by_log_t=5.0), _indicator),
    "eventually, FAIL": (Eventually("e", "f", by_log_t=2.0), _indicator),
    "scaling": (Scaling("s", "n", parameter="m", exponent=0.5), _scaling),
    "scaling, FAIL": (Scaling("s", "n", parameter="m", exponent=1.0), _scaling),
    "frequency": (Frequency("f", "fail", probability=lambda m: 2.0 ** (1 - m), atol=0.3),
                  _frequency),
    "trend": (Trend("t", "err", direction="increasing"), _trend),
    "trend, FAIL": (Trend("t", "err", direction="decreasing"), _trend),
}


@pytest.mark.parametrize("name", CASES)
def test_moving_past_the_resolution_turns_the_verdict(name):
    """Every kind: a finite resolution; moved by it the verdict turns (FAIL, or not FAIL
    from a FAIL), moved half as far it does not, and unmoved it is the judged verdict; a
    FAIL stays a FAIL moved past it (a not-FAIL band around the data can be narrow: a FAIL
    moved toward the data and beyond fails again on the other side)."""
    claim, make = CASES[name]
    series = make()
    result = claim.evaluate(series, {})
    res = resolution_of(claim, series, {}, result)
    assert res.finite, res.text()
    assert res.verdict == result.outcome.value
    assert res.turns_to == ("not FAIL" if result.outcome is Outcome.FAIL else "FAIL")
    assert name.endswith(", FAIL") == (result.outcome is Outcome.FAIL)
    moves = {(m.what, m.sign): m for m in moves_of(claim, series, {}, result).moves}
    for shift in res.shifts:
        move = moves[(shift.what, shift.sign)]
        assert outcome_at(move, 0.0) is result.outcome
        assert turned(result.outcome, outcome_at(move, shift.absolute))
        assert not turned(result.outcome, outcome_at(move, shift.absolute / 2))
        if result.outcome is not Outcome.FAIL:  # a FAIL stays a FAIL beyond its resolution
            assert turned(result.outcome, outcome_at(move, shift.absolute * 1.05))


def test_limit_resolution_is_the_distance_to_the_tolerance_band():
    """A converged Limit: the CI of its fit is ~0, so it FAILs once L moves beyond the
    tolerance rtol |L| (the band [L - tau, L + tau] no longer reaches the data)."""
    claim, series = Limit("c", "g", limit=0.5), _limit_series()
    res = resolution_of(claim, series, {}, claim.evaluate(series, {}))
    up = next(s for s in res.shifts if s.sign > 0)
    # FAIL when L' - 0.01 L' > 0.5 + 3 sigma: L' > 0.5/0.99, a move of 1.0101 % of L
    assert up.relative == pytest.approx(0.5 / 0.99 / 0.5 - 1, rel=2 * RTOL)
    assert up.relative_to == "expected value"
    assert "would FAIL beyond limit" in res.text()


def test_bound_resolution_is_the_slack_of_the_worst_checkpoint():
    claim, series = Bound("b", "q", upper=0.9), _limit_series()
    res = resolution_of(claim, series, {}, claim.evaluate(series, {}))
    (shift,) = res.shifts
    assert (shift.what, shift.sign) == ("upper", -1)
    slack = 0.9 - series.values.max()
    assert slack <= shift.absolute <= slack * (1 + RTOL) + 1e-12
    assert shift.relative == pytest.approx(shift.absolute / 0.9)


def test_eventually_resolution_is_the_time_to_the_last_failure():
    claim, series = Eventually("e", "f", by_log_t=5.0), _indicator()
    res = resolution_of(claim, series, {}, claim.evaluate(series, {}))
    (shift,) = res.shifts
    last_false = series.log_t[series.values == 0][-1]
    assert (shift.what, shift.sign, shift.relative) == ("log T", -1, None)
    assert 5.0 - last_false <= shift.absolute <= (5.0 - last_false) * (1 + RTOL)


def test_eventually_without_a_time_has_no_finite_resolution():
    claim, series = Eventually("e", "f", diagnostic=True), _indicator()
    result = claim.evaluate(series, {})
    res = resolution_of(claim, series, {}, result)
    assert result.outcome is Outcome.PASS and not res.finite
    assert "no time T" in res.reason and res.text().startswith("no finite resolution")


def test_a_verdict_that_ignores_its_expectation_has_no_finite_resolution():
    """A claim kind whose verdict does not depend on the moved value: no shift, a reason."""
    class Stubborn(Limit):
        def evaluate(self, series, expected):
            return ClaimResult(self.name, self.kind, Outcome.PASS, "")

    claim, series = Stubborn("c", "g", limit=0.5), _limit_series()
    res = resolution_of(claim, series, {}, claim.evaluate(series, {}))
    assert not res.finite and "turns the PASS to FAIL" in res.reason


def test_first_turn_brackets_and_bisects():
    for threshold in (1e-3, 0.37, 3.0, 4000.0):
        def above(x, threshold=threshold):
            return x > threshold
        d = first_turn(above, 1.0)
        assert threshold < d <= threshold * (1 + RTOL)
        assert first_turn(above, 1.0, unbounded=False) == d
    assert first_turn(lambda x: False, 1.0) is None
    assert first_turn(lambda x: x > 5000.0, 1.0) is None  # nothing within 4^6 x the scale
    assert first_turn(lambda x: True, 1.0) <= 4.0**-6  # turns at any move: about 0


def test_resolution_json_and_text():
    shifts = (Shift("limit", -1, 0.002, "", 0.004, "expected value"),
              Shift("limit", 1, 0.0021, "", 0.0042, "expected value"))
    res = Resolution("PASS", "FAIL", shifts)
    data = json.loads(json.dumps(record_json(res)))
    assert Resolution.from_json(data) == res
    assert res.text() == "would FAIL beyond limit -0.4%/+0.42%"
    assert res.smallest() is shifts[0]
    assert Resolution.none("FAIL", "why").turns_to == "not FAIL"


def test_rows_carry_the_resolution_and_the_diagnostic_flag():
    res = Resolution("PASS", "FAIL", (Shift("upper", -1, 0.1),))
    row = ClaimResult("c", "Bound", Outcome.PASS, "", resolution=res).to_row()
    assert row["resolution"]["shifts"][0]["what"] == "upper" and "diagnostic" not in row
    row = ClaimResult("c", "Bound", Outcome.PASS, "").with_resolution(res, True).to_row()
    assert row["diagnostic"] is True
    assert ClaimResult("c", "Bound", Outcome.PASS, "").to_row()["resolution"] is None


def test_scoped_memo_only_inside_its_block():
    calls = []

    @scoped
    def f(x):
        calls.append(1)
        return float(np.sum(x))

    x = np.arange(5.0)
    f(x), f(x)
    assert len(calls) == 2
    with memoizing():
        f(x), f(x), f(x.copy())
        with memoizing():
            f(x)
    assert len(calls) == 3


def test_judge_attaches_resolutions_and_recording_sees_the_evidence():
    from types import SimpleNamespace
    thm = SimpleNamespace(claims=(Limit("c", "g", limit=0.5), Eventually("e", "f", diagnostic=True),
                                  Limit("missing", "nothing", limit=1.0)))
    series = {"g": _limit_series(), "f": _indicator()}
    with recording() as log:
        results = judge(thm, series, Context(params={}))
    assert [j.claim.name for j in log] == ["c", "e"]
    assert log[0].series is series["g"] and log[0].expected == {"limit": 0.5}
    assert results[0].resolution.finite and not results[0].diagnostic
    assert results[1].diagnostic and not results[1].resolution.finite
    assert results[2].outcome is Outcome.UNDECIDED
    assert results[2].resolution.reason.startswith("not judged: no series")
    assert all(not r.resolution.finite for r in not_run(thm, "not run"))


def _doc() -> dict:
    res = Resolution("PASS", "FAIL", (Shift("limit", -1, 0.003, "", 0.003, "expected value"),
                                      Shift("limit", 1, 0.003, "", 0.003, "expected value")))
    none = Resolution.none("PASS", "no time T")
    rows = [{"theorem": "t", "case": "c", "claim": "a", "kind": "Limit", "outcome": "PASS",
             "resolution": record_json(res)},
            {"theorem": "t", "case": "c", "claim": "b", "kind": "Eventually", "outcome": "PASS",
             "resolution": record_json(none), "diagnostic": True},
            {"theorem": "t", "case": "c", "claim": "old", "kind": "Bound", "outcome": "FAIL"}]
    return {"cases": [], "rows": rows}


def test_reports_show_the_resolution_beside_the_verdict():
    doc = _doc()
    a, b, old = doc["rows"]
    assert verdict_text(a) == "PASS, would FAIL beyond limit ±0.3%"
    assert resolution_text(b).startswith("diagnostic, not counted: no finite resolution")
    assert resolution_text(old) == "—"
    table = claims_table(doc["rows"])
    assert table.header[2:4] == ("outcome", "resolution")
    assert table.rows[0][3] == "would FAIL beyond limit ±0.3%"
    md, html = render_markdown(doc), render_html(doc)
    assert "**PASS**, would FAIL beyond limit ±0.3% (Limit)" in md
    assert "would FAIL beyond limit ±0.3%" in html


def test_diagnostics_are_counted_apart():
    counts = counts_table(group(_doc()))
    assert counts.header == ("theorem", "PASS", "FAIL", "XFAIL", "UNDECIDED", "SKIPPED",
                             "diagnostic", "total")
    assert counts.rows[-1] == ("all", "1", "1", "0", "0", "0", "1", "3")
