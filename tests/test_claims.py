"""Claim kinds on synthetic series with known verdicts.

Every test states the series, the expected verdict and the number the verdict must cite.
"""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

from verify.claims import (
    Bound,
    Claim,
    Context,
    Eventually,
    Expected,
    Limit,
    Monotone,
    Scaling,
    Series,
)
from verify.claims.base import resolve
from verify.claims.fit import fit_rate
from verify.claims.rates import extension
from verify.outcome import ClaimResult, Outcome

PASS, FAIL, UNDECIDED = Outcome.PASS, Outcome.FAIL, Outcome.UNDECIDED

#: Every non-PASS result produced in this module, checked for a cited number at the end.
_SEEN: list[ClaimResult] = []


def run(claim: Claim, series: Series, expected: dict | None = None) -> ClaimResult:
    """Evaluate, check the result is JSON-able, and remember it."""
    r = claim.evaluate(series, expected or {})
    json.dumps(r.to_row())
    assert r.kind == type(claim).__name__
    assert r.outcome in (PASS, FAIL, UNDECIDED)
    _SEEN.append(r)
    return r


S = np.linspace(2.0, 14.0, 200)  # log t
INV_LOG = Series("gamma", S, 0.5 + 0.3 / S)


# ------------------------------------------------------------------------- Limit


def test_limit_pass_at_the_right_value():
    r = run(Limit("c", "gamma", limit=0.5), INV_LOG)
    assert r.outcome is PASS, r.reason
    assert r.measured == pytest.approx(0.5, abs=1e-10)
    ev = r.evidence
    assert ev.ci[0] <= 0.5 <= ev.ci[1]
    assert ev.window_log_t[0] == pytest.approx(8.0, abs=0.1)
    assert ev.distance_end < ev.distance_start
    assert ev.alternatives[0]["basis"] == ["1/log t", "1/log^2 t"]


def test_limit_fail_at_the_wrong_value_cites_the_ci():
    r = run(Limit("c", "gamma", limit=1.0), INV_LOG)
    assert r.outcome is FAIL
    assert "0.5 ±" in r.reason and "excludes expected 1" in r.reason and "0.01" in r.reason


def test_limit_short_run_is_undecided_however_dense():
    for n in (6, 200):  # few points: too short; many points: extrapolation beyond evidence
        s = np.linspace(2.0, 2.5, n)
        r = run(Limit("c", "gamma", limit=0.5), Series("gamma", s, 0.5 + 0.3 / s))
        assert r.outcome is UNDECIDED, (n, r.reason)
    assert "run too short" in _SEEN[-2].reason
    assert "extrapolation" in _SEEN[-1].reason and "9." in _SEEN[-1].reason


def test_limit_free_exponent_recovers_a():
    s = np.linspace(0.0, 6.0, 200)
    r = run(Limit("c", "loss", limit=2.0, rate=("t^-a",), rtol=1e-4),
            Series("loss", s, 2.0 + np.exp(-s)))
    assert r.outcome is PASS, r.reason
    assert r.evidence.exponent == pytest.approx(1.0, abs=1e-6)
    assert r.measured == pytest.approx(2.0, abs=1e-8)


def test_limit_already_converged_says_so():
    r = run(Limit("c", "loss", limit=2.0, rate=("t^-a",)), Series("loss", S, 2.0 + np.exp(-S)))
    assert r.outcome is PASS and "already converged" in r.reason


def test_limit_noisy_series_passes_with_stat_error():
    rng = np.random.default_rng(0)
    q = 0.5 + 0.3 / S + 1e-4 * rng.standard_normal(S.size)
    r = run(Limit("c", "gamma", limit=0.5), Series("gamma", S, q))
    assert r.outcome is PASS, r.reason
    assert r.evidence.sigma_stat > 1e-6


def test_limit_wrong_rate_model_does_not_pass():
    """Data with a loglog t/log t correction, fitted with 1/log t alone: the model error shows."""
    q = 0.5 + 0.3 * np.log(S) / S
    r = run(Limit("c", "gamma", limit=0.5), Series("gamma", S, q))
    assert r.outcome is UNDECIDED, r.reason
    assert r.evidence.sigma_sys > r.evidence.sigma_stat
    r = run(Limit("c", "gamma", limit=0.5, rate=("loglog t/log t", "1/log t")),
            Series("gamma", S, q))
    assert r.outcome is PASS, r.reason


SS = np.linspace(5.0, 12.0, 120)  # log t, a window that does not reach the power-series regime
SHIFTED = 0.1 + 0.5 / (SS + 4.0) + 1e-3 / (SS + 4.0) ** 2


def test_limit_shifted_rate_pins_the_limit_where_1_over_log_cannot():
    """q = L + c/(log t + b): the free shift fits it; a series in 1/log t does not."""
    ser = Series("gap", SS, SHIFTED)
    r = run(Limit("c", "gap", limit=0.1, rate=("1/(log t+b)",), window=1.0), ser)
    assert r.outcome is PASS, r.reason
    assert r.measured == pytest.approx(0.1, abs=1e-6)
    assert r.evidence.shift == pytest.approx(4.0, abs=0.05)
    assert r.evidence.alternatives[0]["basis"] == [
        "1/(log t+b)", "1/(log t+b)^2", "1/(log t+b)^3"]
    r = run(Limit("c", "gap", limit=0.2, rate=("1/(log t+b)",), window=1.0), ser)
    assert r.outcome is FAIL and "excludes expected 0.2" in r.reason
    r = run(Limit("c", "gap", limit=0.1, rate=("1/log t",), window=1.0), ser)
    assert r.outcome is not PASS


def test_limit_shifted_rate_wrong_shape_never_passes_a_wrong_limit():
    """q = L + c/sqrt(log t) is close to L' + c'/(log t + b'), L' != L: never PASS at L'."""
    for c in (0.5, 0.05):
        ser = Series("q", SS, 0.1 + c / np.sqrt(SS))
        for L in (0.1, 0.105, 0.095, 0.1 * (1 + c)):
            for rate in (("1/(log t+b)",), ("1/(log t+b)", "t^-a")):
                r = run(Limit("c", "q", limit=L, rate=rate, window=1.0), ser)
                assert r.outcome is not PASS, (c, L, rate, r.evidence.L_hat)


def test_limit_shifted_rate_with_a_power_transient():
    q = 0.1 + 0.5 / (SS + 4.0) + 0.05 * np.exp(-0.8 * (SS - 5.0))
    r = run(Limit("c", "q", limit=0.1, rate=("1/(log t+b)", "t^-a"), window=1.0),
            Series("q", SS, q))
    assert r.measured == pytest.approx(0.1, abs=1e-6)
    assert r.evidence.shift == pytest.approx(4.0, abs=1e-4)
    assert r.evidence.exponent == pytest.approx(0.8, abs=1e-5)
    assert r.outcome is not FAIL, r.reason
    r = run(Limit("c", "q", limit=0.2, rate=("1/(log t+b)", "t^-a"), window=1.0),
            Series("q", SS, q))
    assert r.outcome is FAIL


def test_limit_nan_in_window_is_undecided_with_note():
    q = 0.5 + 0.3 / S
    q[-3] = np.nan
    r = run(Limit("c", "gamma", limit=0.5), Series("gamma", S, q, note="svm target failed"))
    assert r.outcome is UNDECIDED
    assert "1 of" in r.reason and "svm target failed" in r.reason


def test_limit_nan_outside_window_is_ignored():
    q = 0.5 + 0.3 / S
    q[2] = np.nan
    assert run(Limit("c", "gamma", limit=0.5), Series("gamma", S, q)).outcome is PASS


def test_limit_few_digits_is_undecided():
    r = run(Limit("c", "gamma", limit=0.5), Series("gamma", S, 0.5 + 0.3 / S, digits=1))
    assert r.outcome is UNDECIDED and "only 1 audited digits" in r.reason


def test_limit_finite_pass_and_divergence_fail():
    r = run(Limit("c", "gamma"), INV_LOG)
    assert r.outcome is PASS and r.expected == "finite"
    r = run(Limit("c", "norm"), Series("norm", S, S.copy()))
    assert r.outcome is FAIL and "does not settle" in r.reason


def test_limit_finite_positive():
    r = run(Limit("c", "gamma", positive=True), INV_LOG)
    assert r.outcome is PASS and r.expected == "finite, > 0"
    r = run(Limit("c", "gamma", positive=True), Series("gamma", S, -0.5 + 0.3 / S))
    assert r.outcome is FAIL and "negative" in r.reason


def test_limit_slow_divergence_is_not_pass():
    for q in (np.log(S), np.sqrt(S)):
        assert run(Limit("c", "g"), Series("g", S, q)).outcome is not PASS


def test_limit_expected_resolved_by_runner():
    claim = Limit("c", "gamma", limit=Expected(r"\gamma", lambda c: c.params["g"]))
    specs = claim.expected_specs()
    resolved = {k: resolve(v, Context(params={"g": 0.5})) for k, v in specs.items()}
    assert run(claim, INV_LOG, resolved).outcome is PASS
    assert run(claim, INV_LOG, {"limit": float("nan")}).outcome is UNDECIDED
    with pytest.raises(KeyError):
        claim.evaluate(INV_LOG, {})


def test_limit_rejects_unknown_rate():
    with pytest.raises(ValueError, match="unknown rate"):
        Limit("c", "q", limit=0.0, rate=("1/sqrt t",))


def test_fit_extension_rule():
    assert extension(("t^-a",)) == ("t^-a", "t^-2a")
    assert extension(("1/t",)) == ("1/t", "1/t^2")
    assert extension(("1/log^4 t",)) is None
    # 1/(log t+b)^2 alone is the shift's tangent (coefficient 0 at the fitted b): add ^3 too
    assert extension(("1/(log t+b)",)) == ("1/(log t+b)", "1/(log t+b)^2", "1/(log t+b)^3")
    assert extension(("1/(log t+b)", "t^-a")) == ("1/(log t+b)", "t^-a", "t^-2a")
    s = np.linspace(3.0, 9.0, 40)
    f = fit_rate(s, 1.0 + 0.2 * np.exp(-0.7 * s), ("t^-a",))
    assert f.exponent == pytest.approx(0.7, rel=1e-5) and f.limit == pytest.approx(1.0)
    f = fit_rate(s, 1.0 + 0.2 / (s - 2.5), ("1/(log t+b)",))
    assert f.shift == pytest.approx(-2.5, abs=1e-6) and f.limit == pytest.approx(1.0, abs=1e-9)
    assert f.exponent is None and f.dof == s.size - 3


# ------------------------------------------------------------------------- Bound

LT = np.linspace(0.0, 10.0, 101)


def test_bound_pass_reports_closest_approach():
    r = run(Bound("b", "q", upper=1.0, lower=0.0), Series("q", LT, 1.0 - np.exp(-LT) / 2))
    assert r.outcome is PASS
    c = r.evidence.closest
    assert c.side == "upper" and c.log_t == 10.0 and c.slack == pytest.approx(
        np.exp(-10) / 2)


def test_bound_fail_names_the_worst_checkpoint():
    q = 1.0 - np.exp(-LT) / 2
    q[37] = 1.3
    q[60] = 1.1
    r = run(Bound("b", "q", upper=1.0), Series("q", LT, q))
    assert r.outcome is FAIL
    w = r.evidence.witness
    assert w.log_t == pytest.approx(3.7) and w.excess == pytest.approx(0.3)
    assert r.evidence.n_violations == 2
    assert "3.7" in r.reason and "0.3" in r.reason and "2 of 101" in r.reason


def test_bound_lower_rtol_and_after():
    q = 0.2 + LT / 10
    assert run(Bound("b", "q", lower=0.5), Series("q", LT, q)).outcome is FAIL
    assert run(Bound("b", "q", lower=0.5, after_log_t=3.0), Series("q", LT, q)).outcome is PASS
    assert run(Bound("b", "q", upper=1.15, rtol=0.05), Series("q", LT, q)).outcome is PASS
    assert run(Bound("b", "q", upper=1.15, rtol=0.01), Series("q", LT, q)).outcome is FAIL


def test_bound_within_precision_floor_is_undecided():
    q = np.full(LT.size, 0.9)
    q[-1] = 1.004
    r = run(Bound("b", "q", upper=1.0), Series("q", LT, q, digits=2))
    assert r.outcome is UNDECIDED and "only 2 audited digits" in r.reason
    assert run(Bound("b", "q", upper=1.0), Series("q", LT, q)).outcome is FAIL


def test_bound_nan_is_undecided_but_a_finite_witness_still_fails():
    q = np.full(LT.size, 0.5)
    q[5] = np.nan
    assert run(Bound("b", "q", upper=1.0), Series("q", LT, q, note="overflow")).outcome is UNDECIDED
    q[50] = 2.0
    assert run(Bound("b", "q", upper=1.0), Series("q", LT, q)).outcome is FAIL


def test_bound_needs_a_bound():
    with pytest.raises(ValueError):
        Bound("b", "q")


# ---------------------------------------------------------------------- Monotone

ETA = 0.01
K = np.arange(1, 3001)
T = ETA * K
F = 1.0 - 1.0 / (1.0 + T)  # smooth, increasing


def test_monotone_fails_a_period_two_oscillation():
    """A wobble of size eta^2 around a smooth increasing q: its decreasing steps are not a
    curvature of the path, so they get no allowance (the raw second difference |D^2 q| =
    4 x the wobble used to pass any period-2 oscillation)."""
    q = F + 0.5 * ETA**2 * (-1.0) ** K
    r = run(Monotone("m", "gamma"), Series("gamma", np.log(T), q))
    assert r.outcome is FAIL, r.reason
    assert r.evidence.n_violations > 1000 and r.evidence.max_ratio > 10
    smooth = run(Monotone("m", "gamma"), Series("gamma", np.log(T), F))
    assert smooth.outcome is PASS and smooth.evidence.largest_decrease.decrease < 0


def test_monotone_tolerance_is_the_second_order_term_of_the_step():
    """On a smooth maximum the allowance is 2 delta^2 |q''| (delta = eta ||g|| from the
    series): the first steps past the top fall within it, later ones at first order do not."""
    k = np.arange(200.0)
    q = -((k - 100.0) ** 2) * 1e-4  # smooth maximum at step 100, q'' = -2e-4 per step^2
    lt = np.log1p(k)
    unit = Series("g", lt, q, log_eta=np.zeros(200), log_grad_norm=np.zeros(200))
    r = run(Monotone("m", "g"), unit)
    assert r.outcome is FAIL  # past the maximum q falls at first order
    w = r.evidence.worst
    assert w.tol == pytest.approx(2 * 2e-4, rel=1e-6)  # 2 delta^2 |q''| with delta = 1
    near = run(Monotone("m", "g", after_log_t=lt[96]), Series("g", lt[:103], q[:103]))
    assert near.outcome is PASS, near.reason  # two steps past the top: within 2 delta^2 |q''|
    assert near.evidence.largest_decrease.decrease == pytest.approx(3e-4)


def test_monotone_fail_on_a_first_order_decrease():
    q = F - 0.01 * np.clip((T - 12.0) / 2.0, 0.0, 1.0)  # slope -0.005 per unit t on [12, 14]
    r = run(Monotone("m", "gamma"), Series("gamma", np.log(T), q))
    assert r.outcome is FAIL
    w = r.evidence.worst
    assert np.log(12.0) < w.log_t <= np.log(14.0) + 1e-9
    assert r.evidence.n_violations > 50
    assert f"{w.log_t:.6g}" in r.reason


def test_monotone_decreasing_direction():
    lt = np.log(T)
    assert run(Monotone("m", "loss", increasing=False), Series("loss", lt, 1 / T)).outcome is PASS
    assert run(Monotone("m", "loss"), Series("loss", lt, 1 / T)).outcome is FAIL


def test_monotone_onset():
    q = F.copy()
    q[:100] = F[:100][::-1]  # decreasing before onset
    lt = np.log(T)
    assert run(Monotone("m", "g"), Series("g", lt, q)).outcome is FAIL
    assert run(Monotone("m", "g", after_log_t=lt[100]), Series("g", lt, q)).outcome is PASS
    r = run(Monotone("m", "g", after_log_t=Expected("T0", lambda c: np.inf)),
            Series("g", lt, q), {"after_log_t": float("nan")})
    assert r.outcome is UNDECIDED and "onset never reached" in r.reason
    r = run(Monotone("m", "g", after_log_t=lt[-3]), Series("g", lt, q))
    assert r.outcome is UNDECIDED and "run too short: 2 GD steps" in r.reason


def test_monotone_gd_smoothed_margin():
    """Real GD on separable data (exponential loss): the smoothed margin -log L/||w|| is
    non-decreasing once L < 1 (Lyu & Li 2020, L = 1); the loss itself is not increasing."""
    Z = np.array([[1.0, 0.2], [0.3, 1.0], [0.8, 0.5]])
    eta, n = 1.0, 2000
    w = np.zeros(2)
    margin, loss = np.empty(n), np.empty(n)
    for k in range(n):
        w = w + eta * Z.T @ np.exp(-Z @ w)
        loss[k] = np.exp(-Z @ w).sum()
        margin[k] = -np.log(loss[k]) / np.linalg.norm(w)
    lt = np.log(eta * np.arange(1, n + 1))
    onset = lt[np.argmax(loss < 1.0)]
    assert run(Monotone("m", "sm", after_log_t=onset), Series("sm", lt, margin)).outcome is PASS
    assert run(Monotone("m", "loss"), Series("loss", lt, loss)).outcome is FAIL


# -------------------------------------------------------------------- Eventually

E = np.linspace(0.0, 10.0, 101)


def test_eventually_without_time_is_only_a_diagnostic():
    with pytest.raises(ValueError, match="deadline"):
        Eventually("e", "frozen")  # a verdict needs a deadline
    diag = Eventually("e", "frozen", diagnostic=True)
    r = run(diag, Series("frozen", E, (E >= 3.0).astype(float)))
    assert r.outcome is PASS and r.measured == pytest.approx(3.0)
    r = run(diag, Series("frozen", E, (E >= 9.0).astype(float)))
    assert r.outcome is UNDECIDED and "8.9" in r.reason and "cannot refute" in r.reason
    r = run(diag, Series("frozen", E, (E < 9.5).astype(float)))
    assert r.outcome is UNDECIDED and "still false" in r.reason


def test_eventually_with_a_deadline_fails_a_late_property():
    """The same late property (true from log t = 9) that a diagnostic leaves UNDECIDED FAILs
    against a declared deadline (here the horizon rule: the last quarter of log t)."""
    q = (E >= 9.0).astype(float)
    r = run(Eventually("e", "f", by_log_t=7.5), Series("f", E, q))
    assert r.outcome is FAIL and r.evidence.witness_log_t == pytest.approx(7.5)
    assert "7.5" in r.reason and "15 of 26" in r.reason


def test_eventually_with_time():
    q = (E >= 3.0).astype(float)
    assert run(Eventually("e", "f", by_log_t=4.0), Series("f", E, q)).outcome is PASS
    r = run(Eventually("e", "f", by_log_t=2.0), Series("f", E, q))
    assert r.outcome is FAIL and r.evidence.witness_log_t == pytest.approx(2.0)
    r = run(Eventually("e", "f", by_log_t=12.0), Series("f", E, q))
    assert r.outcome is UNDECIDED and "12" in r.reason


def test_eventually_nan_and_non_indicator():
    q = (E >= 3.0).astype(float)
    q[-2] = np.nan
    r = run(Eventually("e", "f", diagnostic=True), Series("f", E, q, note="pattern undefined"))
    assert r.outcome is UNDECIDED and "pattern undefined" in r.reason
    r = run(Eventually("e", "f", by_log_t=1.0), Series("f", E, 0.5 + 0 * E))
    assert r.outcome is UNDECIDED and "0/1" in r.reason


# ----------------------------------------------------------------------- Scaling


def _sweep(seed: int = 0, sd: float = 0.05):
    rng = np.random.default_rng(seed)
    x = np.repeat([10.0, 20.0, 40.0, 80.0, 160.0], 4)
    return Series("norm", np.log(x), 3.0 * x**0.5 * np.exp(sd * rng.standard_normal(x.size)))


def test_scaling_pass_fail_undecided():
    s = _sweep()
    r = run(Scaling("s", "norm", parameter="m", exponent=0.5), s)
    assert r.outcome is PASS and r.evidence.ci[0] < 0.5 < r.evidence.ci[1]
    r = run(Scaling("s", "norm", parameter="m", exponent=1.0), s)
    assert r.outcome is FAIL and "excludes exponent 1" in r.reason
    one = Series("norm", s.log_t[:4], s.values[:4])
    r = run(Scaling("s", "norm", parameter="m", exponent=0.5), one)
    assert r.outcome is UNDECIDED and "1 distinct values of m" in r.reason


def test_scaling_wide_ci_and_nonpositive():
    r = run(Scaling("s", "norm", parameter="m", exponent=0.5, atol=0.05), _sweep(1, sd=1.0))
    assert r.outcome is UNDECIDED and "half-width" in r.reason
    s = _sweep()
    v = s.values.copy()
    v[3] = 0.0
    r = run(Scaling("s", "norm", exponent=0.5), Series("norm", s.log_t, v))
    assert r.outcome is UNDECIDED and "1 of 20" in r.reason


# -------------------------------------------------------------------- honesty


@pytest.mark.parametrize("claim", [
    Bound("b", "q", upper=10.0),
    Limit("l", "q", limit=0.5),
    Limit("l", "q"),
    Monotone("m", "q", increasing=False),
    Eventually("e", "q", by_log_t=3.0),
    Scaling("s", "q", exponent=-1.0),
], ids=lambda c: c.kind)
def test_nan_never_passes(claim):
    q = 0.5 + 0.3 / S
    if claim.kind == "Eventually":
        q = np.ones_like(S)
    if claim.kind == "Scaling":
        q = np.exp(-S)  # log_t holds log p: q = 1/p
    assert run(claim, Series("q", S, q)).outcome is PASS
    q[-1] = np.nan
    r = run(claim, Series("q", S, q, note="diverged"))
    assert r.outcome is UNDECIDED and "diverged" in r.reason


def test_every_non_pass_reason_cites_a_number():
    """Runs last (definition order): every FAIL/UNDECIDED seen above cites a number
    (a non-finite expected value counts: ``nan`` is what decided it)."""
    bad = [r for r in _SEEN if r.outcome is not PASS]
    assert len(bad) >= 25
    for r in bad:
        assert re.search(r"\d|\bnan\b|\binf\b", r.reason), (r.claim, r.reason)


def test_extension_probe_holds_the_fitted_exponent():
    """A converged t^-a series with small wiggles: the next-term probe t^-2a is fitted at the
    leading exponent, so two near-cancelling terms with a -> 0 cannot invent a distant limit."""
    from verify.claims import Limit
    from verify.claims.base import Series

    s = np.linspace(8.0, 12.0, 40)
    q = 0.35 + 0.05 * np.exp(-1.07 * (s - 8.0)) + 1e-5 * np.sin(7.0 * s)
    r = Limit("c", "q", limit=None, rate=("t^-a",), rtol=2e-2).evaluate(Series("q", s, q), {})
    assert r.outcome.value == "PASS", r.reason
    assert abs(r.measured - 0.35) < 1e-3
    assert r.evidence.alternatives[0]["exponent"] == r.evidence.exponent


# --- typed evidence ------------------------------------------------------------------------

from dataclasses import FrozenInstanceError  # noqa: E402

from verify.claims import Frequency, Trend  # noqa: E402
from verify.claims.evidence import (BoundEvidence, EventuallyEvidence,  # noqa: E402
                                    LimitEvidence, MonotoneEvidence)
from verify.claims.sweepevidence import (FrequencyEvidence, ScalingEvidence,  # noqa: E402
                                         TrendEvidence)
from verify.claims.guards import NonFinite, Scalar, TooFewDigits, TooShort  # noqa: E402
from verify.outcome import Evidence  # noqa: E402

_LIMIT_KEYS = {"L_hat", "sigma_stat", "sigma_sys", "sigma", "ci", "tol", "basis", "amplitudes",
               "exponent", "shift", "window_log_t", "n_points", "last_value", "alternatives",
               "extrapolation_ratio", "digits"}


def _kinds() -> list[tuple[Claim, Series, type, set[str]]]:
    lx = np.log(np.repeat([5.0, 10.0, 20.0], 4))
    trend = np.repeat([0.01, 0.1, 0.3], 4) + np.tile([0.0, 0.01, 0.02, 0.03], 3)
    p = np.repeat([10.0, 20.0, 40.0, 80.0], 3)
    k = np.arange(200.0)
    lt = np.linspace(0.0, 10.0, 50)
    return [
        (Limit("c", "g", limit=0.5), INV_LOG, LimitEvidence,
         _LIMIT_KEYS | {"distance_start", "distance_end", "remaining_move", "growth",
                        "slope_last_third"}),
        (Limit("c", "g"), INV_LOG, LimitEvidence,
         _LIMIT_KEYS | {"slope_first_third", "slope_last_third", "total_change", "tol_divergence",
                        "growth"}),
        (Bound("b", "q", upper=1.0), Series("q", LT, 1.0 - np.exp(-LT)), BoundEvidence,
         {"window_log_t", "n_checked", "rtol", "upper", "lower", "digits", "closest"}),
        (Monotone("m", "g"), Series("g", np.log1p(k), 1 - 1 / (1 + 0.1 * k)), MonotoneEvidence,
         {"onset_log_t", "window_log_t", "n_steps", "worst", "largest_decrease", "max_ratio",
          "total_change", "n_violations", "digits"}),
        (Eventually("e", "f", diagnostic=True), Series("f", lt, (lt > 3.0).astype(float)),
         EventuallyEvidence,
         {"T_hat_log_t", "held_fraction", "by_log_t", "run_log_t", "min_hold",
          "last_false_log_t"}),
        (Scaling("s", "n", parameter="m", exponent=0.5),
         Series("n", np.log(p), 2.0 * p**0.5 * np.tile([0.99, 1.0, 1.01], 4)), ScalingEvidence,
         {"a_hat", "se", "ci", "half_width", "level", "df", "t_quantile", "intercept",
          "precision_floor", "n_points", "n_distinct", "parameter", "atol", "digits"}),
        (Frequency("f", "e", probability=lambda m: 0.5), Series("e", lx, np.tile([0.0, 1.0], 6)),
         FrequencyEvidence, {"groups", "level", "confidence", "atol", "n_runs", "power",
                             "alternative", "min_power"}),
        (Trend("t", "e"), Series("e", lx, trend), TrendEvidence,
         {"tau_b", "p_claimed", "p_opposite", "level", "direction", "n_points", "n_distinct",
          "theil_sen_per_log_x", "medians", "method"}),
    ]


@pytest.mark.parametrize("claim, series, cls, keys", _kinds(),
                         ids=lambda v: type(v).__name__ if isinstance(v, Claim) else "")
def test_each_kind_returns_its_typed_evidence(claim, series, cls, keys):
    r = run(claim, series)
    assert type(r.evidence) is cls
    assert set(r.to_row()["evidence"]) == keys  # the results.json keys, pinned
    with pytest.raises(FrozenInstanceError):
        r.evidence.digits = 1.0  # type: ignore[misc]


def test_nested_evidence_and_non_finite_values_are_json():
    q = 1.0 - np.exp(-LT) / 2
    q[37] = 1.3
    row = run(Bound("b", "q", upper=1.0), Series("q", LT, q)).to_row()
    assert row["evidence"]["witness"]["log_t"] == pytest.approx(3.7)
    assert row["evidence"]["lower"] is None and row["evidence"]["n_nonfinite"] == 0
    ev = run(Eventually("e", "f", diagnostic=True),
             Series("f", LT, np.zeros_like(LT))).to_row()["evidence"]
    assert ev["T_hat_log_t"] == "nan"  # never held: stored as a string, not NaN


def test_engine_keys_join_the_evidence_last():
    r = run(Limit("c", "gamma", limit=0.5), INV_LOG)
    out = r.with_evidence(points={"x": [1.0], "y": [2.0]}, seeds=(0, 1)).with_evidence(
        sweep_runs={"seeds": [0, 1]})
    row = out.to_row()["evidence"]
    assert row["seeds"] == [0, 1] and row["sweep_runs"] == {"seeds": [0, 1]}
    assert {k: v for k, v in row.items() if k in _LIMIT_KEYS} == {
        k: v for k, v in r.to_row()["evidence"].items() if k in _LIMIT_KEYS}
    assert out.evidence.L_hat == r.evidence.L_hat and r.evidence.extra == {}
    with pytest.raises(TypeError, match="must be an Evidence"):  # string-keyed dicts are gone
        ClaimResult("c", "Limit", PASS, "", evidence={"a": 1.0})


def test_screened_results_carry_the_screens_evidence():
    nan = INV_LOG.values.copy()
    nan[-1] = np.nan
    r = run(Limit("c", "g", limit=0.5), Series("g", S, nan, note="solver failed"))
    assert r.evidence == NonFinite(1, 100, "solver failed")
    assert r.to_row()["evidence"] == {"n_nonfinite": 1, "n_points": 100, "note": "solver failed"}
    r = run(Monotone("m", "g", after_log_t=1.0), Series("g", np.log1p(np.arange(3.0)), np.ones(3)))
    assert r.evidence == TooShort(0, context=Scalar("onset_log_t", 1.0))  # one point: no step
    assert r.to_row()["evidence"] == {"n_points": 0, "onset_log_t": 1.0}
    r = run(Limit("c", "g", limit=0.5, rtol=0.0, atol=1e-4),
            Series("g", S, INV_LOG.values, digits=2.0))
    assert isinstance(r.evidence, TooFewDigits) and isinstance(r.evidence.context, LimitEvidence)
    ev = r.to_row()["evidence"]
    assert ev["digits"] == 2.0 and ev["tol"] == 1e-4 and "L_hat" in ev
    r = run(Bound("b", "q", upper=float("inf")), Series("q", LT, LT))
    assert r.to_row()["evidence"] == {"upper": "inf"}
