"""The fused compiled kernel (verify.dynamics.kernel / compiled) against the numpy path.

The kernel sums in a fixed order, BLAS in its own: the two agree to rounding (relative
1e-10 here, over thousands of steps), not bit for bit.  Both paths are tested: the numpy
path is what runs without numba (``kernel = "numpy"``).
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from verify.arith.backends import Float64
from verify.dynamics import compiled, kernel as kn
from verify.dynamics.compiled import compilable, kernel_name, record_compiled, record_run
from verify.dynamics.gd import StepRule
from verify.dynamics.trajectory import StopRule, log_schedule, wall_deadline
from verify.engine.case import run_case
from verify.errors import UserError
from verify.problem.losses import Exponential, Logistic, Squared
from verify.problem.models import Linear, TwoLayer
from verify.spec import registry
from verify.spec.cases import profile_cases

needs_numba = pytest.mark.skipif(not kn.COMPILED, reason="numba is not installed")

SETUPS = {
    "relu-logistic-constant": (TwoLayer(m=8, alpha=0.0), Logistic(), StepRule(0.5)),
    "leaky-exp-mean-lyu-li": (TwoLayer(m=6, alpha=0.2), Exponential(reduction="mean"),
                              StepRule(0.5, "lyu-li", 2)),
    "linear-exp-normalized": (Linear(), Exponential(), StepRule(0.1, "normalized")),
    "fixed-outer-logistic-log-normalized": (
        TwoLayer(m=8, alpha=0.1, train_outer=False, outer_init="signs", scale=0.25), Logistic(),
        StepRule(0.2, "log-normalized", 1)),
    "mean-field-squared": (TwoLayer(m=5, mean_field=True), Squared(), StepRule(0.05)),
}


def _data(model, loss, n=10, d=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = rng.standard_normal(n) if isinstance(loss, Squared) else np.where(np.arange(n) % 2, 1.0, -1.0)
    return X, y, model.init(d, 0.3, rng)


def _both(model, loss, rule, steps=3000, stop=None):
    X, y, p0 = _data(model, loss)
    stop = stop or StopRule(steps)
    sched = log_schedule(steps, 15)
    a = record_run(model, loss, X, y, p0, rule, Float64(), sched, stop, "numpy")
    b = record_compiled(model, loss, X, y, p0, rule, sched, stop)
    return a, b


def _rel(a, b):
    """``max |a - b| / max |a|`` over the finite entries (infinities must be equal)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    fin = np.isfinite(a)
    assert np.array_equal(a[~fin], b[~fin])
    return float(np.max(np.abs(a[fin] - b[fin])) / max(np.max(np.abs(a[fin])), 1e-300))


@needs_numba
@pytest.mark.parametrize("name", SETUPS)
def test_kernel_agrees_with_numpy_to_rounding(name):
    model, loss, rule = SETUPS[name]
    a, b = _both(model, loss, rule)
    assert b.kernel == "numba" and a.kernel == "numpy"
    assert (a.steps, a.stopped) == (b.steps, b.stopped)
    assert [c.step for c in a.checkpoints] == [c.step for c in b.checkpoints]
    for ca, cb in zip(a.checkpoints, b.checkpoints):
        assert ca.params.keys() == cb.params.keys()
        for k in ca.params:
            assert _rel(ca.params[k], cb.params[k]) < 1e-10, (k, ca.step)
    for k in ("log_t", "sq_norm", "q_min", "log_eta"):
        assert _rel(a.scalars[k], b.scalars[k]) < 1e-10, k
    live = a.scalars["log_loss"] > -30  # squared loss at interpolation: residuals are rounding
    assert np.max(np.abs(a.scalars["log_loss"][live] - b.scalars["log_loss"][live])) < 1e-9


@needs_numba
def test_the_agreement_check_sees_a_wrong_slope():
    model, loss, rule = SETUPS["relu-logistic-constant"]
    X, y, p0 = _data(model, loss)
    sched, stop = log_schedule(500, 10), StopRule(500)
    a = record_run(model, loss, X, y, p0, rule, Float64(), sched, stop, "numpy")
    b = record_compiled(dataclasses.replace(model, alpha=1e-6), loss, X, y, p0, rule, sched, stop)
    assert _rel(a.checkpoints[-1].params["W"], b.checkpoints[-1].params["W"]) > 1e-8


@needs_numba
def test_stop_rules_and_divergence_match():
    model, loss, rule = TwoLayer(m=4), Squared(), StepRule(50.0)  # diverges
    a, b = _both(model, loss, rule, steps=2000)
    assert a.diverged and b.diverged and (a.steps, a.stopped) == (b.steps, b.stopped)
    stop = StopRule(10**6, max_log_t=4.0)
    a, b = _both(*SETUPS["relu-logistic-constant"], stop=stop)
    assert a.stopped == b.stopped and a.steps == b.steps < 10**6


@needs_numba
def test_a_compiled_run_obeys_the_wall_deadline():
    model, loss, rule = SETUPS["relu-logistic-constant"]
    X, y, p0 = _data(model, loss)
    with wall_deadline(0.0):
        t = record_compiled(model, loss, X, y, p0, rule, log_schedule(10**6, 10),
                            StopRule(10**6, deadline_stops=True))
    assert t.out_of_time and t.steps < 10**6


def test_what_the_kernel_takes():
    assert compilable(TwoLayer(m=3), Logistic()) and compilable(Linear(), Squared())

    @dataclasses.dataclass(frozen=True)
    class Cubic(TwoLayer):
        def forward(self, params, X, be=Float64()):
            return super().forward(params, X, be) ** 3

    assert not compilable(Cubic(m=3), Logistic())


def test_without_numba_the_numpy_path_runs(monkeypatch):
    monkeypatch.setattr(kn, "COMPILED", False)
    assert kernel_name(None) == "numpy" and kernel_name("numpy") == "numpy"
    with pytest.raises(UserError, match="kernel=numba needs numba"):
        kernel_name("numba")
    model, loss, rule = SETUPS["linear-exp-normalized"]
    X, y, p0 = _data(model, loss)
    t = record_run(model, loss, X, y, p0, rule, Float64(), log_schedule(50, 5), StopRule(50),
                   kernel_name(None))
    assert t.kernel == "numpy" and t.steps == 50
    assert compiled.kernel_name(None) == "numpy"


@needs_numba
@pytest.mark.parametrize("thm_id", ["soudry2018-linear", "lyu2021-fragile", "kou2023-leaky"])
def test_quick_verdicts_equal_with_either_kernel(thm_id):
    thm = registry.get(thm_id)
    outs = {}
    for kernel in ("numba", "numpy"):
        case = profile_cases(thm, "quick", {"kernel": kernel})[0]
        rec = run_case(thm, case)
        assert rec["trajectory"]["kernel"] == kernel
        outs[kernel] = {r["claim"]: r["outcome"] for r in rec["rows"]}
    assert outs["numba"] == outs["numpy"]


@needs_numba
@pytest.mark.parametrize("outer", ["fixed", "trained"])
def test_span_coordinates_agree_with_the_numpy_span_path(outer):
    from verify.dynamics.span import span_descent
    from verify.dynamics.trajectory import record
    model = (TwoLayer(m=6, alpha=0.0, train_outer=False, outer_init="signs", scale=1 / 3)
             if outer == "fixed" else TwoLayer(m=6, alpha=0.2))
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((5, 300)) / np.sqrt(300), np.array([1.0, -1.0, 1.0, -1.0, 1.0])
    p0 = model.init(300, 0.01, rng)
    sched, stop, rule = log_schedule(2000, 12), StopRule(2000), StepRule(0.5)
    states, sm = span_descent(model, Logistic(), X, y, p0, rule, Float64())
    a = record(states, sm, y, Float64(), sched, stop)
    b = record_compiled(model, Logistic(), X, y, p0, rule, sched, stop, span=True)
    assert (a.steps, a.stopped) == (b.steps, b.stopped)
    assert [c.step for c in a.checkpoints] == [c.step for c in b.checkpoints]
    for ca, cb in zip(a.checkpoints, b.checkpoints):
        for k in ("W", "a"):
            assert _rel(ca.params[k], cb.params[k]) < 1e-10, (k, ca.step)
    for k in ("sq_norm", "q_min", "log_eta", "log_t"):
        assert _rel(a.scalars[k], b.scalars[k]) < 1e-10, k
