"""Claims that can fail (issue 19, item 5): each kind given a deliberately wrong expectation,
or data that contradict it, now says FAIL (or at least not PASS) where it used to PASS.

Every test names the weakness it closes: an Eventually without a deadline, an unnamed Limit
blind to growth behind a transient, a pre-asymptotic guard that withheld any FAIL, a Monotone
tolerance that a period-2 oscillation bought itself, a Frequency margin wider than the
difference between two laws, a "-> 0" that passed on an estimate excluding 0, and Soudry's
direction and margin, which never compared the SVM with the data.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from verify.claims import Eventually, Frequency, Limit, Monotone, Series
from verify.claims.divergence import drift_reach
from verify.claims.frequency import binomial_power
from verify.outcome import Outcome

PASS, FAIL, UNDECIDED = Outcome.PASS, Outcome.FAIL, Outcome.UNDECIDED


# --------------------------------------------------------------- Eventually: a deadline


def test_an_eventually_needs_a_deadline_to_be_a_verdict():
    with pytest.raises(ValueError, match="deadline"):
        Eventually("e", "q")
    lt = np.linspace(0.0, 10.0, 101)
    late = Series("q", lt, (lt >= 9.0).astype(float))  # true only over the last 10%
    assert Eventually("e", "q", diagnostic=True).evaluate(late, {}).outcome is UNDECIDED
    assert Eventually("e", "q", by_log_t=7.5).evaluate(late, {}).outcome is FAIL


def test_a_two_sided_ratio_fails_an_expectation_ten_percent_too_low(monkeypatch):
    """chizat-bach2020-f1's near_max: the ratio to an expected value 10% too low tends to
    1.11; "ratio >= 1 - delta" held (PASS), "|ratio - 1| <= delta" does not (FAIL)."""
    from theorems import chizat_bach2020_f1 as f1
    lt = np.linspace(0.0, 20.0, 41)
    ratio = (1.0 - 0.3 * np.exp(-lt / 3.0)) / 0.9  # measured against gamma_1 x 0.9
    monkeypatch.setattr(f1, "f1_ratio", lambda pt: pt)
    pt = SimpleNamespace(case={"ratio_tol": 0.05})
    one_sided = np.array([float(r >= 0.95) for r in ratio])
    two_sided = np.array([f1.near_max(type("P", (float,), {"case": pt.case})(r)) for r in ratio])
    claim = Eventually("e", "near_max", by_log_t=15.0)
    assert claim.evaluate(Series("near_max", lt, one_sided), {}).outcome is PASS
    assert claim.evaluate(Series("near_max", lt, two_sided), {}).outcome is FAIL


# ------------------------------------------------------------- Limit: a divergence rule

S = np.linspace(0.4, 11.0, 60)  # log t, as in soudry2018-linear's quick case
TRANSIENT = 48.9 - 5.0 * np.exp(-0.85 * (S - 5.8))


def test_bounded_fails_a_log_growth_behind_a_transient():
    """The repro: 0.12 log t behind a t^-a transient over log t in [5.8, 11] used to PASS."""
    claim = Limit("residual_bounded", "q", limit=None, rate=("t^-a",), rtol=1e-2)
    grown = claim.evaluate(Series("q", S, TRANSIENT + 0.12 * S), {})
    assert grown.outcome is FAIL and "diverges" in grown.reason and "c log t" in grown.reason
    assert claim.evaluate(Series("q", S, TRANSIENT), {}).outcome is PASS


def test_a_named_limit_fails_a_quantity_moving_away_from_it():
    claim = Limit("c", "q", limit=48.9, rate=("t^-a",), rtol=1e-2)
    r = claim.evaluate(Series("q", S, TRANSIENT + 0.12 * (S - 5.8)), {})
    assert r.outcome is FAIL, r.reason


def test_a_positive_limit_is_refuted_when_the_truth_is_zero():
    s = np.linspace(2.0, 14.0, 200)
    claim = Limit("c", "q", limit=None, positive=True, rate=("1/log t",), rtol=1e-2)
    assert claim.evaluate(Series("q", s, 0.5 + 0.3 / s), {}).outcome is PASS
    r = claim.evaluate(Series("q", s, 0.3 / s), {})
    assert r.outcome is FAIL and "not positive" in r.reason


# --------------------------------------------------- Limit: the pre-asymptotic guard


def test_a_drift_too_slow_to_close_the_gap_does_not_withhold_the_fail():
    """Moved 0.137 toward the expected value with 132.6 still to go: FAIL, not UNDECIDED."""
    d = drift_reach(134.208, 134.345, 268.46, 2.68, 9.94, 11.0)
    assert d.moved == pytest.approx(0.137) and not d.withholds
    s = np.linspace(0.4, 11.0, 400)
    q = 134.4 - 9.5 * np.exp(-1.05 * (s - 7.8)) - 0.05 / s  # drifts up slowly, toward 268
    r = Limit("loss_rate", "q", limit=268.46, rate=("t^-a",), rtol=1e-2, window=0.3).evaluate(
        Series("q", s, q), {})
    assert r.outcome is FAIL and "pre-asymptotic" not in r.reason


def test_a_drift_that_can_close_the_gap_still_withholds():
    s = np.linspace(2.0, 14.0, 60)
    r = Limit("c", "q", limit=0.0, rate=("t^-a",), atol=1e-2).evaluate(Series("q", s, 0.3 / s), {})
    assert r.outcome is UNDECIDED and r.reason.startswith("pre-asymptotic")
    assert r.evidence.drift["reach"] >= r.evidence.drift["to_go"]


# ------------------------------------------- Limit: a tolerance wider than the evidence


def test_to_zero_never_passes_on_an_estimate_excluding_zero():
    """lyu-li2020's kkt: an extrapolated 0.0086 +- 0.0006 passed through atol 0.01."""
    s = np.linspace(100.0, 800.0, 40)
    q = 0.0086 + 0.4 / np.sqrt(s)
    claim = Limit("kkt", "q", limit=0.0, rate=("1/sqrt(log t)",), atol=1e-2, window=1.0)
    r = claim.evaluate(Series("q", s, q), {})
    assert r.outcome is UNDECIDED and "excludes 0" in r.reason
    assert r.evidence.ci[0] > 0 and r.evidence.ci[1] < 0.01
    cited = Limit("kkt", "q", limit=0.0, rate=("1/sqrt(log t)",), atol=1e-2, window=1.0,
                  tol_source="a tolerance the theorem states")
    assert cited.evaluate(Series("q", s, q), {}).outcome is UNDECIDED  # "-> 0": never


# ------------------------------------------------------- Monotone: from the step size


def test_a_period_two_oscillation_fails():
    k = np.arange(1, 3001)
    t = 0.01 * k
    q = 1.0 - 1.0 / (1.0 + t) + 2e-5 * (-1.0) ** k
    series = Series("g", np.log(t), q, log_eta=np.full(k.size, np.log(0.01)),
                    log_grad_norm=np.zeros(k.size))
    r = Monotone("m", "g").evaluate(series, {})
    assert r.outcome is FAIL and r.evidence.max_ratio > 10


# ------------------------------------------------- Frequency: power against an alternative


def _counts(counts: dict[float, tuple[int, int]]) -> Series:
    x, v = [], []
    for xv, (k, n) in counts.items():
        x += [np.log(xv)] * n
        v += [1.0] * k + [0.0] * (n - k)
    return Series("event", np.array(x), np.array(v))


def test_two_laws_the_seeds_cannot_tell_apart_are_not_a_pass():
    """Counts drawn as 1/m, claimed 2^{1-m}: atol 0.25 used to PASS at 80 seeds per m.  Now
    the exact test decides, with its power against 1/m: too weak at 80 seeds (UNDECIDED),
    and with 320 seeds the same law is rejected (FAIL)."""
    claim = Frequency("f", "event", probability=lambda m: 2.0 ** (1 - round(m)),
                      alternative=lambda m: 1.0 / round(m), alternative_label="1/m")
    few = claim.evaluate(_counts({2.0: (40, 80), 3.0: (27, 80), 4.0: (20, 80)}), {})
    assert few.outcome is UNDECIDED and few.evidence.power < 0.8
    assert "1/m" in few.reason
    many = claim.evaluate(_counts({2.0: (160, 320), 3.0: (107, 320), 4.0: (80, 320)}), {})
    assert many.outcome is FAIL
    assert many.evidence.power > 0.99


def test_binomial_power_is_exact():
    # n = 10, H0: p = 0.5 at level 0.05 rejects k in {0, 1, 9, 10}
    from math import comb
    p1 = 0.8
    expected = sum(comb(10, k) * p1**k * (1 - p1) ** (10 - k) for k in (0, 1, 9, 10))
    assert binomial_power(10, 0.5, p1, 0.05) == pytest.approx(expected, rel=1e-12)


# --------------------------------------------------------- Soudry: direction and margin


def _soudry_run(steps: int = 40000, eta: float = 1.5):
    """GD with the exponential loss (summed) on soudry2018-linear's quick data (rate
    exponent >= 0.9), iterates at 60 log-spaced checkpoints, and the SVM."""
    from theorems import soudry2018_linear as so
    from verify.spec import registry
    from verify.spec.params import validate
    from verify.targets.svm import hard_margin_svm
    thm = registry.get("soudry2018-linear")
    data = so._generate(validate(thm.schema, {"min_rate": 0.9}, "test"), np.random.default_rng(0))
    svm = hard_margin_svm(data.X, data.y)
    Z = data.y[:, None] * data.X
    w = np.zeros(data.d)
    keep = set(np.unique(np.round(np.geomspace(1, steps, 60)).astype(int)).tolist())
    lt, W = [], []
    for k in range(1, steps + 1):
        w = w + eta * Z.T @ np.exp(-Z @ w)
        if k in keep:
            lt.append(np.log(eta * k))
            W.append(w.copy())
    return thm, np.array(lt), np.array(W), svm


def test_soudry_direction_and_margin_compare_the_svm_with_the_data():
    """A w_hat rotated by 0.05 rad, or a gamma_lin 1% too large, FAILs (the former
    expansion-based claims tended to 0 whatever unit vector they were given)."""
    thm, lt, W, svm = _soudry_run()
    direction, margin = thm.claim("direction"), thm.claim("margin")
    u = np.asarray(svm["w_unit"])
    v = np.cross(u, [0.3, -0.7, 0.2])
    v /= np.linalg.norm(v)

    def perp(unit):
        return Series("direction_perp", lt, np.linalg.norm(W - (W @ unit)[:, None] * unit, axis=1))

    assert direction.evaluate(perp(u), {"limit": None}).outcome is PASS
    r = direction.evaluate(perp(np.cos(0.05) * u + np.sin(0.05) * v), {"limit": None})
    assert r.outcome is FAIL, r.reason
    beta = np.asarray(svm["dual"])[np.asarray(svm["support"])]
    offset = float(svm["gamma"] * beta @ -np.log(beta))

    def along(gamma):
        return Series("margin_offset", lt, W @ u - lt / gamma)

    assert margin.evaluate(along(svm["gamma"]), {"limit": offset}).outcome is not FAIL
    r = margin.evaluate(along(1.01 * svm["gamma"]), {"limit": offset})
    assert r.outcome is FAIL, r.reason
