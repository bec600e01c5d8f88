"""Limit verdicts that must not be FAIL: an extrapolation still drifting toward the expected
value; and one that must stay FAIL: a series settled at a different value."""
from __future__ import annotations

import numpy as np

from verify.claims import Limit, Series


def test_fail_whose_extrapolation_drifts_toward_the_expected_value_is_undecided():
    # 0.3 / log t -> 0, fitted with a power of t: the fit's limit is positive and shrinks as
    # the horizon grows; the interval excludes 0, but the data do not establish another limit.
    s = np.linspace(2.0, 14.0, 60)
    r = Limit("c", "q", limit=0.0, rate=("t^-a",), atol=1e-2).evaluate(Series("q", s, 0.3 / s), {})
    assert r.outcome.value == "UNDECIDED" and r.reason.startswith("pre-asymptotic")


def test_settled_at_a_different_value_still_fails_with_the_gap():
    s = np.linspace(2.0, 14.0, 60)
    q = 0.5 + 0.2 * np.exp(-s)
    r = Limit("c", "q", limit=0.4, rate=("t^-a",), rtol=1e-2).evaluate(Series("q", s, q), {})
    assert r.outcome.value == "FAIL", r.reason
    assert "gap -0.1" in r.reason and "25% of expected" in r.reason


def _slow_sum(s: np.ndarray) -> np.ndarray:
    """A residual -> 0 as a sum of a (log t)^{-1/2} term and a slower (log t)^{-0.1} one
    (a lagging neuron's share), seen over log t in [126, 830] (quick lyu-li2020 case)."""
    return 0.03 * (s / 100.0) ** -0.5 + 0.03 * (s / 100.0) ** -0.1


def test_slower_terms_withhold_a_fail_while_the_quantity_still_approaches():
    s = np.geomspace(126.0, 830.0, 12)
    q = _slow_sum(s)
    plain = Limit("kkt", "q", limit=0.0, rate=("1/sqrt(log t)",), atol=1e-2, window=1.0)
    assert plain.evaluate(Series("q", s, q), {}).outcome.value == "FAIL"  # the false FAIL
    slow = Limit("kkt", "q", limit=0.0, rate=("1/sqrt(log t)",), atol=1e-2, window=1.0,
                 slower_terms=True)
    r = slow.evaluate(Series("q", s, q), {})
    assert r.outcome.value == "UNDECIDED" and "still falls" in r.reason


def test_slower_terms_still_fail_a_quantity_that_has_stalled():
    s = np.geomspace(126.0, 830.0, 12)
    q = 0.05 + 50.0 / s**2  # settled at 0.05: no longer approaching 0
    slow = Limit("kkt", "q", limit=0.0, rate=("1/sqrt(log t)",), atol=1e-2, window=1.0,
                 slower_terms=True)
    r = slow.evaluate(Series("q", s, q), {})
    assert r.outcome.value == "FAIL", r.reason
