"""The precision audit's digits hold over the whole run (verify.dynamics.audit, driftbound).

The reference is an independent gradient-descent run entirely in mpmath (dps 40) with the
exact elapsed time ``log(k eta)``; every quantity of the float64 run is compared with it at
every checkpoint and step.  The audit must never claim more digits than that comparison
shows.  The windows alone (the audit before the drift bound) did: at 40,000 steps on
Soudry's linear model they claimed 15.01 digits of the normalized margin where 14.26 held.
"""
from __future__ import annotations

import dataclasses
import math
from types import SimpleNamespace

import mpmath
import numpy as np
import pytest

from verify.arith.backends import make_backend
from verify.dynamics import driftbound as db
from verify.dynamics.audit import REFERENCE, agreed_digits, digits_of, precision_audit
from verify.engine.descent import descend
from verify.engine.measure import Measure, Probe, series
from verify.problem.seeds import seed_streams
from verify.spec.cases import profile_cases
from verify.spec.registry import get


def _exact_log_t(traj, eta):
    """``traj`` with ``log t = log(k eta)`` exactly (constant steps), not float-accumulated."""
    exact = np.array([-math.inf] + [float(mpmath.log(mpmath.mpf(eta) * k))
                                    for k in range(1, traj.steps + 1)])
    cks = tuple(dataclasses.replace(c, log_t=float(exact[c.step])) for c in traj.checkpoints)
    return dataclasses.replace(traj, scalars={**traj.scalars, "log_t": exact}, checkpoints=cks)


def _audited(theorem, **overrides):
    """The audit of a float64 run, the digits an mpmath run of it shows, and both runs."""
    thm = get(theorem)
    case = profile_cases(thm, "quick", overrides)[0]
    p = case.problem
    data = thm.generate(p, seed_streams(case.seed)[0])
    model, loss = thm.model(p), thm.loss(p)
    probe = Probe(model, loss, data, {k: build(data, p) for k, build in thm.targets.items()}, p)
    run = descend(case, data, model, loss)
    m = Measure(thm, probe)
    audit = precision_audit(model, loss, data.X, data.y, run.params0, run.rule, run.trajectory,
                            run.backend, case.settings.dps, case.settings.audit_steps, m.at,
                            m.per_step)
    mp_case = dataclasses.replace(case, params={**case.params, "backend": "mpmath", "dps": 40})
    ref = descend(mp_case, data, model, loss).trajectory
    if case.settings.step_rule == "constant":
        ref = _exact_log_t(ref, p["eta"])
    a, b = series(m, run.trajectory, {}, {}), series(m, ref, {}, {})
    shown = {q: agreed_digits(a[q].values, b[q].values) for q in a}
    return SimpleNamespace(audit=audit, shown=shown, run=run, ref=ref, model=model, loss=loss,
                           X=data.X)


@pytest.fixture(scope="module")
def soudry_2000():
    return _audited("soudry2018-linear", loss="exponential", steps=2000, checkpoints=12)


def test_audit_never_claims_more_digits_than_the_reference(soudry_2000):
    audit, shown = soudry_2000.audit, soudry_2000.shown
    assert set(audit.digits) == set(shown)
    for q, d in audit.digits.items():
        assert d <= shown[q], f"{q}: audit claims {d:.2f} digits, the mpmath run shows {shown[q]:.2f}"


def test_windows_alone_overstate_the_digits(soudry_2000):
    """The reproduction: the replayed windows alone claim more than holds."""
    window, shown = soudry_2000.audit.bound["window_digits"], soudry_2000.shown
    assert any(window[q] > shown[q] for q in shown)


def test_kind_of_every_quantity_is_recorded(soudry_2000):
    audit = soudry_2000.audit
    assert set(audit.kinds.values()) == {db.PROPAGATED}
    out = audit.to_dict(soudry_2000.run.trajectory.scalars["log_t"])
    assert out["bound"]["kinds"] == dict(audit.kinds)
    drift = out["bound"]["drift"]
    assert drift["kind"] == db.PROPAGATED and 0 < drift["start"] <= drift["end"] < 1e-9
    assert out["bound"]["probes"]["every_checkpoint"]


def test_drift_bound_encloses_the_iterate_and_the_time(soudry_2000):
    """||w_run - w_mp|| <= eps_k at every checkpoint past the window; |log t - log(k eta)|
    within its bound at every step."""
    r = soudry_2000
    traj, drift = r.run.trajectory, r.audit.bound["drift"]
    ro, kind = db.roundoff(r.run.backend)
    bound = db.drift_bound(r.model, r.loss, r.run.rule, r.X, traj.scalars, drift["from_step"],
                           drift["start"], ro, kind)
    assert bound.eps[-1] == pytest.approx(drift["end"])
    for c, ref in zip(traj.checkpoints, r.ref.checkpoints):
        if c.step >= bound.start:
            w = np.asarray(ref.native["w"], dtype=object) - c.params["w"]
            assert math.sqrt(sum(float(v) ** 2 for v in w)) <= bound.at(c.step)
    d_lt = db.scalar_drift(bound, traj.scalars, r.X, r.run.rule, ro)["log_t"]
    assert np.all(np.abs(traj.scalars["log_t"][1:] - r.ref.scalars["log_t"][1:]) <= d_lt[1:])


def test_propagate_is_the_recursion():
    rng = np.random.default_rng(1)
    lam, delta = 1 + rng.random(50) * 0.1, rng.random(50) * 1e-16
    eps = [3e-15]
    for a, b in zip(lam, delta):
        eps.append(a * eps[-1] + b)
    got = db.propagate(lam, delta, 3e-15)
    assert np.all(got >= np.array(eps)) and np.allclose(got, eps, rtol=1e-10)


def test_roundoff_per_backend():
    assert db.roundoff(make_backend("float64")) == (db.Roundoff(2.0 ** -53, 2.0 ** -53), db.PROPAGATED)
    f64dd, _ = db.roundoff(make_backend("f64dd"))
    assert f64dd.iterate < 1e-31 and f64dd.step == 2.0 ** -53 and f64dd.compensated_time


def test_digits_of_caps_and_floors():
    assert digits_of(np.array([1e-10, 1e-12])) == pytest.approx(10.0)
    assert digits_of(np.array([0.0])) == 15.95 and digits_of(np.array([3.0])) == 0.0


def _audit_of(theorem, overrides, audit_steps):
    """The precision audit (dps 40, windows of ``audit_steps``) of the first quick case."""
    thm = get(theorem)
    case = profile_cases(thm, "quick", overrides)[0]
    p = case.problem
    data = thm.generate(p, seed_streams(case.seed)[0])
    model, loss = thm.model(p), thm.loss(p)
    run = descend(case, data, model, loss)
    m = Measure(thm, Probe(model, loss, data, {k: b(data, p) for k, b in thm.targets.items()}, p))
    return precision_audit(model, loss, data.X, data.y, run.params0, run.rule, run.trajectory,
                           run.backend, 40, audit_steps, m.at, m.per_step)


def test_a_run_inside_the_window_is_compared_throughout():
    audit = _audit_of("soudry2018-linear", {"loss": "exponential", "steps": 150}, 200)
    assert audit.windows == ((0, 150),) and set(audit.kinds.values()) == {REFERENCE}
    assert not audit.bound


def test_a_relu_network_gets_an_estimate():
    audit = _audit_of("kou2023-leaky", {"steps": 300, "audit_steps": 20, "checkpoints": 8}, 20)
    assert set(audit.kinds.values()) == {db.ESTIMATE}
    assert audit.bound["drift"]["kind"] == db.ESTIMATE and audit.bound["probes"]["sampled"]
    assert all(audit.digits[q] <= audit.bound["window_digits"][q] for q in audit.digits)


@pytest.mark.slow
def test_40000_steps_the_issue_case():
    """Soudry's linear model, exponential loss, T = 40,000 (about a minute: the mpmath run)."""
    r = _audited("soudry2018-linear", loss="exponential", steps=40000)
    audit, shown = r.audit, r.shown
    assert any(audit.bound["window_digits"][q] > shown[q] for q in shown)
    for q, d in audit.digits.items():
        assert d <= shown[q], f"{q}: audit claims {d:.2f} digits, the mpmath run shows {shown[q]:.2f}"


def test_a_probe_whose_measurement_fails_is_left_out_not_read_as_infinite_error():
    """A target solver that fails at one moved iterate (NaN) says nothing about the
    quantity's sensitivity: the other directions decide, and the failure is counted; only
    when every direction fails does the quantity err without limit."""
    from verify.dynamics.audit import Directions, _probe_one

    def ck(step, log_t, params, fail_if=lambda w: w[0] > 1.0):
        w = params["w"]
        return {"q": math.nan if fail_if(w) else float(2.0 * w[0] + w[1])}

    params = {"w": np.array([1.0, 1.0])}
    dirs = Directions.of(2)  # the two coordinates
    rel, failed = _probe_one(ck, 10, 1.0, params, ("w",), 1e-8, 0.0, dirs)
    assert failed == {"q": 1}  # moving w[0] up fails; moving w[1] measures 1e-8
    assert rel["q"] == pytest.approx(1e-8 * math.sqrt(2) / 3.0, rel=1e-6)
    rel, failed = _probe_one(lambda s, t, p: ck(s, t, p, lambda w: True) if p["w"][0] != 1.0
                             or p["w"][1] != 1.0 else ck(s, t, p), 10, 1.0, params, ("w",),
                             1e-8, 0.0, dirs)
    assert failed == {"q": 2} and rel["q"] == math.inf
