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
