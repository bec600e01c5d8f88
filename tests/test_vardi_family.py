"""Vardi & Shamir (2021), the regularizer family: certified minima of ||w||_p and ||Xw||_2 over
the global minima, the excess of GD's limit over them (reading A, ``not_min_<R>``), the level-set
spread that decides whether R singles the limit out (reading B, ``not_unique_min_<R>``), and
twins of the claims that must FAIL (or turn UNDECIDED when a solve is not trusted)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from theorems import _vardi_regularizers as vr
from theorems import vardi_shamir2021_single_neuron as vs
from verify.claims.base import Series
from verify.engine.case import run_case
from verify.errors import TargetFailed
from verify.problem.data import Dataset
from verify.problem.quantities import Point
from verify.spec import registry
from verify.spec.cases import Case
from verify.spec.params import validate
from verify.spec.sweep import Sweep
from verify.targets.base import Target

TID = "vardi-shamir2021-single-neuron"
THM = registry.get(TID)
P = validate(THM.schema, {}, "test")
X, Y = vs.inputs(P), np.array([1.0, P["y2"], 0.0])
W2 = (P["y2"] - np.cos(P["eps"])) / np.sin(P["eps"])  # the interpolants are (1, W2, w3), w3 <= c
TAGS = [vr.tag(p) for p in vr.P_GRID] + ["pre"]


def _targets() -> dict[str, Target]:
    data = vs.generate(P, None)
    return {name: build(data, P) for name, build in THM.targets.items()}


TARGETS = _targets()


def _point(w: np.ndarray, data: Dataset | None = None) -> Point:
    """A checkpoint of the neuron at ``w`` on the instance (or ``data``), with the theorem's targets."""
    return Point(0, 0.0, {"W": np.asarray(w, float)[None, :], "a": np.ones(1)}, vs.model(P),
                 THM.loss(P), data or vs.generate(P, None), TARGETS, dict(P))


def _excess(tag: str, w: np.ndarray) -> float:
    return THM.quantities[f"excess_{tag}"].fn(_point(w))


def _b(tag: str, w: np.ndarray, data: Dataset | None = None) -> float:
    """The quantity of ``not_unique_min_<tag>`` (reading B) at ``w``."""
    return THM.quantities[THM.claim(f"not_unique_min_{tag}").quantity].fn(_point(w, data))


def test_targets_are_certified_and_match_the_closed_forms():
    """On the line (1, W2, w3) every finite-p minimum sits at w3 = 0 and l_inf's is max(1, |W2|)."""
    for p in vr.P_GRID:
        t = TARGETS[f"min_{vr.tag(p)}"]
        assert t.ok, t.failure()
        exact = max(1.0, abs(W2)) if np.isinf(p) else np.linalg.norm([1.0, W2, 0.0], p)
        assert t["value"] == pytest.approx(exact, rel=1e-9)
        assert t["lower"] <= t["value"] <= t["lower"] + 1e-8
    assert TARGETS["min_pre"]["value"] == pytest.approx(np.hypot(1.0, P["y2"]), rel=1e-15)


def test_flow_limit_is_not_the_minimizer_of_any_finite_p_nor_of_the_preactivations():
    """The exact flow limit (sigma0 -> 0) has w3 < 0: every finite p and ||Xw|| are refuted, with
    the analytic excess; l_inf is not (its minimizers form an interval containing the limit)."""
    w = vs.flow_limit(X, Y)
    for p in vr.P_GRID[:-1]:
        mn = np.linalg.norm([1.0, W2, 0.0], p)
        assert _excess(vr.tag(p), w) == pytest.approx((np.linalg.norm(w, p) - mn) / mn, rel=1e-6)
        assert _excess(vr.tag(p), w) > 1e3 * vr.REFUTE_RTOL
    assert abs(_excess("linf", w)) < 1e-15  # the finding: GD's limit minimizes ||w||_inf
    pre = np.hypot(1.0, P["y2"])
    expect = (np.sqrt(1 + P["y2"] ** 2 + (X[2] @ w) ** 2) - pre) / pre
    assert _excess("pre", w) == pytest.approx(expect, rel=1e-6)


def test_excess_is_undefined_off_the_global_minima():
    with pytest.raises(ValueError, match="does not interpolate"):
        _excess("l2", vs.flow_limit(X, Y) * 1.01)


def test_reading_b_at_the_flow_limit_matches_the_level_sets():
    """(B) at the exact flow limit (1, W2, w3), w3 < 0: the l1 level set is w3' in [w3, min(c, |w3|)],
    the l_inf one (a face of minimizers) w3' in [-1, c]; the vertex farthest from w3 is the
    spread.  The strictly convex R reuse (A): their minimizer is one point."""
    w = vr.project(X, Y, vs.flow_limit(X, Y))
    c = -(1.0 + 3.0 * W2) / 2.0  # <w, z> <= 0  <=>  w3 <= c
    nw = np.linalg.norm(w)
    assert _b("l1", w) == pytest.approx((min(c, -w[2]) - w[2]) / nw, rel=1e-9)
    assert _b("linf", w) == pytest.approx((1.0 + w[2]) / nw, rel=1e-9)  # the witness w3' = -1
    for tag in ("l1p5", "l2", "l3", "l4", "pre"):
        assert _b(tag, w) == _excess(tag, w)


def test_reading_b_twin_unique_minimizer_fails():
    """Twins: where R's minimizer is unique and the 'limit' sits on it, (B) measures 0 and FAILs
    (l1 at its own minimizer; l_inf on an instance whose l_inf minimizer is a single vertex:
    w1 = w2 = 1, w1 + w2 + w3 <= 0, so min ||w||_inf = 2 at (1, 1, -2) only); off it, (B) holds."""
    assert _b("l1", TARGETS["min_l1"]["w"]) < 1e-10
    d2 = Dataset(np.array([[1.0, 0, 0], [0, 1.0, 0], np.ones(3) / np.sqrt(3)]), np.array([1.0, 1.0, 0.0]))
    assert _b("linf", [1.0, 1.0, -2.0], d2) == 0.0 and _b("l1", [1.0, 1.0, -2.0], d2) == 0.0
    assert _b("linf", [1.0, 1.0, -2.5], d2) == pytest.approx(0.5 / np.sqrt(8.25), rel=1e-12)
    x = np.log(np.repeat([10.0, 1e3, 1e5], 2))
    claim = THM.claim("not_unique_min_linf")
    res = claim.evaluate(Series("s", x, np.zeros(6)), {"lower": vr.SPREAD_RTOL})
    assert res.outcome.value == "FAIL" and "only minimizer" in res.reason
    flow = np.full(6, _b("linf", vr.project(X, Y, vs.flow_limit(X, Y))))
    assert claim.evaluate(Series("s", x, flow), {"lower": vr.SPREAD_RTOL}).outcome.value == "PASS"
    assert claim.evaluate(Series("s", x, flow), {"lower": 1.0}).outcome.value == "FAIL"


def test_reading_b_uncertified_is_undecided(monkeypatch):
    """A failed LP, or a strictly convex R whose minimizer is not certified unique (||Xw||_2 with
    rank X < d), is NaN in the series: the claim turns UNDECIDED, never PASS."""
    w = vr.project(X, Y, vs.flow_limit(X, Y)) + np.array([0.0, 0.0, 1e-6])  # not memoized yet
    failed = lambda *a, **k: type("R", (), {"status": 2, "message": "infeasible (test)", "x": None})()
    monkeypatch.setattr(vr.scipy.optimize, "linprog", failed)
    with pytest.raises(ValueError, match="infeasible"):
        _b("linf", w)
    flat = Dataset(np.array([[1.0, 0, 0], [0, 1.0, 0]]), np.array([1.0, 0.5]))
    with pytest.raises(ValueError, match="not certified"):
        _b("pre", [1.0, 0.5, 0.0], flat)
    assert vr.uniqueness_gap(flat.X, flat.y, preact=False) == ""  # ||w||_2 stays unique there
    nan = np.array([np.nan] * 6)
    res = THM.claim("not_unique_min_linf").evaluate(Series("s", np.log(np.repeat([10.0, 1e3, 1e5], 2)), nan),
                                                    {"lower": vr.SPREAD_RTOL})
    assert res.outcome.value == "UNDECIDED"


@pytest.mark.parametrize("tag", TAGS)
def test_wrong_twin_at_the_minimizer_fails(tag):
    """Twin: an 'iterate' sitting at R's own minimizer gives excess <= 0, and the claim FAILs
    on it; at the flow limit (finite p, pre) the same claim PASSes."""
    claim = THM.claim(f"not_min_{tag}")
    w_min = TARGETS[f"min_{tag}"]["w"]
    at_min = _excess(tag, w_min)
    assert at_min <= 1e-12
    x = np.log(np.repeat([10.0, 1e3, 1e5], 2))
    res = claim.evaluate(Series("q", x, np.full(6, at_min)), {"lower": vr.REFUTE_RTOL})
    assert res.outcome.value == "FAIL" and "Reading (A), per instance" in res.reason
    flow = np.full(6, _excess(tag, vs.flow_limit(X, Y)))
    res = claim.evaluate(Series("q", x, flow), {"lower": vr.REFUTE_RTOL})
    assert res.outcome.value == ("FAIL" if tag == "linf" else "PASS")
    if tag == "linf":  # the finding, in plain words: one minimizer among a face of minimizers
        assert "one minimizer among that face of minimizers" in res.reason
    # demanding more than the excess there is (100%) fails too
    assert claim.evaluate(Series("q", x, flow), {"lower": 1.0}).outcome.value == "FAIL"


FAST = Sweep("sigma0", (1e-1, 1e-2, 1e-3), seeds=2, x=lambda p: 1 / p["sigma0"],
             overrides={"eta": 0.05, "stop_loss": 1e-24, "steps": 8000})


def test_untrusted_solve_is_undecided_never_pass():
    """A solver status other than optimal makes the target untrusted: the claim turns UNDECIDED."""
    bad = lambda data, p: replace(vr.lp_min_target(data.X, data.y, 2.0), status="optimal_inaccurate")
    thm = replace(THM, targets=THM.targets | {"min_l2": bad},
                  claims=(replace(THM.claim("not_min_l2"), sweep=FAST),
                          replace(THM.claim("not_min_l1"), sweep=FAST)), expected_failures={})
    case = Case(TID, validate(THM.schema, {"steps": 200, "checkpoints": 10, "audit_steps": 0}, TID),
                ("audit_steps", "checkpoints", "steps"))
    rows = {r["claim"]: r for r in run_case(thm, case)["rows"]}
    assert rows["not_min_l2"]["outcome"] == "UNDECIDED"
    assert rows["not_min_l1"]["outcome"] == "PASS"
    with pytest.raises(TargetFailed):
        Target("t", "optimal_inaccurate", "s", {"value": 1.0})["value"]
