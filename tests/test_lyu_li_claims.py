"""Lyu & Li (2020), what a referee checks: a claim "-> 0" never passes on an estimate that
excludes 0 (the kkt residual), and the limit of the normalized margin is the KKT program's
value at the direction (``margin_matches_kkt``), with wrong twins that FAIL."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from theorems import lyu_li2020_homogeneous as ll
from verify.claims.base import Series
from verify.claims.limit import Limit
from verify.errors import TargetFailed
from verify.outcome import Outcome
from verify.problem.data import Dataset
from verify.problem.losses import make_loss
from verify.problem.models import TwoLayer
from verify.problem.quantities import Point
from verify.targets.base import Target

PASS, FAIL, UNDECIDED = Outcome.PASS, Outcome.FAIL, Outcome.UNDECIDED
S = np.linspace(100.0, 800.0, 40)  # log t


def _kkt_like(**kw) -> Limit:
    """The kkt claim of lyu-li2020-homogeneous, on a synthetic window."""
    args = {"limit": 0.0, "rate": ("1/sqrt(log t)",), "slower_terms": True, "atol": 1e-2,
            "window": 1.0}
    return Limit("kkt", "q", **(args | kw))


# ------------------------------------------------------------ a claim "-> 0" and its atol


def test_to_zero_within_atol_but_excluding_zero_is_undecided_with_the_numbers():
    r = _kkt_like().evaluate(Series("q", S, 0.0086 + 0.4 / np.sqrt(S)), {})
    assert r.outcome is UNDECIDED
    ev = r.evidence
    assert 0 < ev.ci[0] and ev.ci[1] < 1e-2 and abs(ev.L_hat - 0.0086) < 1e-4
    assert f"{ev.L_hat:.6g} ± {3 * ev.sigma:.3g} (3 sigma)" in r.reason
    assert "atol 0.01" in r.reason and "carries the slower term" in r.reason
    assert ev.excludes_limit["to_zero"] and ev.excludes_limit["n_sigma"] > 3
    assert r.to_row()["evidence"]["excludes_limit"]["L_hat"] == pytest.approx(ev.L_hat)


def test_to_zero_passes_when_the_interval_contains_zero():
    noise = 2e-4 * np.random.default_rng(0).standard_normal(S.size)
    r = _kkt_like().evaluate(Series("q", S, 0.4 / np.sqrt(S) + noise), {})
    assert r.outcome is PASS, r.reason
    assert r.evidence.ci[0] <= 0.0 <= r.evidence.ci[1] and r.evidence.excludes_limit is None


@pytest.mark.parametrize("slower_terms, amplitude", [(False, 0.4), (True, 1e-3)])
def test_to_zero_outside_atol_fails(slower_terms, amplitude):
    """Outside atol it stays FAIL (with ``slower_terms``: once the series has settled)."""
    q = 0.05 + amplitude / np.sqrt(S)
    r = _kkt_like(slower_terms=slower_terms).evaluate(Series("q", S, q), {})
    assert r.outcome is FAIL, r.reason
    assert r.evidence.ci[0] > 1e-2


def test_a_cited_tolerance_passes_a_named_limit_but_never_a_limit_of_zero():
    q = 0.0086 + 0.4 / np.sqrt(S)
    cited = {"tol_source": "Theorem X: |q - L| <= 0.01"}
    assert _kkt_like(**cited).evaluate(Series("q", S, q), {}).outcome is UNDECIDED
    r = _kkt_like(limit=1.0, **cited).evaluate(Series("q", S, 1.0 + q), {})
    assert r.outcome is PASS
    r = _kkt_like(limit=1.0).evaluate(Series("q", S, 1.0 + q), {})
    assert r.outcome is UNDECIDED and "evidence excludes 1" in r.reason


# ------------------------------------------------- margin_matches_kkt on real KKT solves


def _point(w2: float) -> Point:
    """One leaky neuron ``(w, a) = ((1, w2), 1)`` on ``x = (1, 0)``, ``y = 1``: a KKT point
    of min ||theta||^2 s.t. q >= 1 at ``w2 = 0`` (lambda = 1, gamma = 1/2); ``w2 != 0`` is
    a part of theta the margin does not see (gamma_bar/gamma_KKT - 1 = -w2^2/(2 + w2^2))."""
    data = Dataset(np.array([[1.0, 0.0]]), np.array([1.0]), "one sample")
    params = {"W": np.array([[1.0, w2]]), "a": np.array([1.0])}
    return Point(1, 0.0, params, TwoLayer(m=1, alpha=0.2), make_loss("logistic"), data)


def _claim() -> Limit:
    return next(c for c in ll.THEOREM.claims if c.name == "margin_matches_kkt")


def test_kkt_margin_equals_the_normalized_margin_at_a_kkt_point():
    p = _point(0.0)
    assert ll.kkt_margin(p) == pytest.approx(0.5, abs=1e-9)
    assert abs(ll.kkt_margin_gap(p)) < 1e-9
    assert ll.kkt_margin_gap(_point(0.3)) == pytest.approx(-0.09 / 2.09, rel=1e-6)


def _gap_series(reference) -> Series:
    """The gap along ``w2^2 = 2c/(log t - c)``, a direction that tends to the KKT point with
    ``gamma_bar/gamma_KKT - 1 = -c/log t`` exactly (``c = 1/8``)."""
    c = 0.125
    values = [ll.kkt_margin_gap(_point(np.sqrt(2 * c / (s - c))), reference) for s in S]
    return Series("kkt_margin_gap", S, np.array(values))


REACHED = {"after_log_t": float(S[0])}  # the onset L < l(0), reached at the start


@pytest.mark.parametrize("twin, reference", [
    ("1.1 x the KKT margin", lambda p: 1.1 * ll.kkt_margin(p)),
    ("the linear SVM margin ||x|| = 1", lambda p: 1.0),
])
def test_wrong_twins_of_margin_matches_kkt_fail(twin, reference):
    assert _claim().evaluate(_gap_series(ll.kkt_margin), REACHED).outcome is PASS
    r = _claim().evaluate(_gap_series(reference), REACHED)
    assert r.outcome is FAIL, (twin, r.reason)


def test_a_kkt_solve_that_fails_leaves_margin_matches_kkt_undecided(monkeypatch):
    failed = Target("kkt_clarke", "optimal_inaccurate", "CLARABEL", {"kkt_margin": 0.5})
    monkeypatch.setattr(ll, "kkt_target", lambda p: failed)
    with pytest.raises(TargetFailed):
        ll.kkt_margin_gap(_point(0.0))
    q = -0.1 / S
    q[-5:] = np.nan  # what the engine records at checkpoints whose solve failed
    r = _claim().evaluate(Series("kkt_margin_gap", S, q), REACHED)
    assert r.outcome is UNDECIDED


def test_the_claim_is_declared_as_documented():
    c = _claim()
    assert (c.limit, c.rate, c.atol, c.slower_terms) == (0.0, ("log^-a t",), 1e-2, True)
    assert ll.THEOREM.quantities[c.quantity].fn is ll.kkt_margin_gap
    assert dataclasses.replace(c, limit=None).limit is None  # margin_converges stays unnamed
    assert next(c for c in ll.THEOREM.claims if c.name == "margin_converges").limit is None


def test_limit_claims_wait_for_the_onset():
    s = np.linspace(2.0, 14.0, 200)
    series = Series("gamma", s, 0.5 + 0.3 / s)
    gated = Limit("c", "gamma", limit=1.0, after_log_t=3.0)
    assert gated.evaluate(series, {"after_log_t": 3.0}).outcome.value == "FAIL"
    never = gated.evaluate(series, {"after_log_t": float("inf")})
    assert never.outcome.value == "UNDECIDED" and "onset never reached" in never.reason
    assert "after_log_t" in gated.expected_specs() and "after_log_t" not in Limit("c", "g").expected_specs()
