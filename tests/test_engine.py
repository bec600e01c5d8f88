"""Models, losses, GD, backends: gradient checks in mpmath, float64 vs mpmath, log safety."""
from __future__ import annotations

import ast
import dataclasses
import math
import pickle
from pathlib import Path

import mpmath
import numpy as np
import pytest

from verify.arith.backends import Float64, MPMath, make_backend
from verify.errors import UserError
from verify.dynamics.gd import StepRule, gradient_descent
from verify.problem.losses import make_loss
from verify.problem.models import Linear, TwoLayer
from verify.dynamics.trajectory import StopRule, log_schedule, record
from verify.engine.case import run_case
from verify.spec import registry
from verify.spec.cases import profile_cases
from verify.spec.params import PROBLEM, RunSettings

MODELS = {
    "linear": Linear(),
    "leaky": TwoLayer(m=3, alpha=0.3),
    "relu": TwoLayer(m=3, alpha=0.0),
    "fixed-outer-meanfield": TwoLayer(m=4, alpha=0.1, train_outer=False, outer_init="signs", mean_field=True),
}


def _data(rng, n=5, d=3):
    X = rng.standard_normal((n, d))
    return X, np.sign(rng.standard_normal(n)) + 0.0


@pytest.mark.parametrize("loss_name", ["logistic", "exponential", "squared"])
@pytest.mark.parametrize("reduction", ["sum", "mean"])
@pytest.mark.parametrize("model_name", list(MODELS))
def test_gradient_matches_finite_differences_in_mpmath(model_name, loss_name, reduction):
    """d log-safe L / d theta (engine) vs central differences of L at 40 digits."""
    rng = np.random.default_rng(1)
    X, y = _data(rng)
    model, loss, be = MODELS[model_name], make_loss(loss_name, reduction), MPMath(dps=40)
    params = model.init(X.shape[1], 0.7, rng)
    states = gradient_descent(model, loss, X, y, params, StepRule(1.0), be)
    st = next(states)
    s, w = loss.dloss(st.f, be.asarray(y), be)
    grads = model.vjp(st.params, be.asarray(X), w, be)
    h = be.const(1e-15)
    for name in model.trained:
        for idx in np.ndindex(params[name].shape):
            def total(delta):
                p = {k: be.asarray(v) for k, v in params.items()}
                p[name][idx] += delta
                return be.ctx.exp(loss.log_total(model.forward(p, be.asarray(X), be), be.asarray(y), be))
            fd = (total(h) - total(-h)) / (2 * h)
            analytic = be.ctx.exp(s) * grads[name][idx] / (len(y) if reduction == "mean" else 1)
            assert abs(fd - analytic) <= be.ctx.mpf(1e-20) * (1 + abs(analytic)), (name, idx, fd, analytic)


def test_logistic_loss_never_underflows_to_zero():
    be, loss = Float64(), make_loss("logistic")
    f = np.array([800.0, 1000.0])
    terms = loss.log_terms(f, np.ones(2), be)
    assert np.all(np.isfinite(terms)) and terms[0] == pytest.approx(-800.0)
    s, w = loss.dloss(f, np.ones(2), be)
    assert s == pytest.approx(-800.0) and np.max(np.abs(w)) == pytest.approx(1.0)


def test_float64_and_mpmath_agree_on_a_short_run():
    rng = np.random.default_rng(2)
    X, y = _data(rng, 6, 3)
    model, loss = TwoLayer(m=3, alpha=0.2), make_loss("logistic")
    p0 = model.init(3, 0.5, rng)
    out = {}
    for be in (Float64(), MPMath(dps=40)):
        traj = record(gradient_descent(model, loss, X, y, p0, StepRule(0.5), be), model, y, be,
                      log_schedule(200, 5), StopRule(200))
        out[be.name] = traj
    a, b = out["float64"].checkpoints[-1].params["W"], out["mpmath"].checkpoints[-1].params["W"]
    assert np.max(np.abs(a - b)) < 1e-12 * np.max(np.abs(b))
    assert np.allclose(out["float64"].scalars["log_loss"], out["mpmath"].scalars["log_loss"], rtol=1e-12)


def test_normalized_steps_survive_loss_underflow():
    """eta/L with L far below 1e-308: float64 log-domain keeps going (docs/numerics.md B)."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((4, 2))
    y = np.sign(X @ np.array([1.0, 0.3]))
    traj = record(gradient_descent(Linear(), make_loss("logistic"), X, y, {"w": np.zeros(2)},
                                   StepRule(5.0, "normalized"), Float64()), Linear(), y, Float64(),
                  log_schedule(1000, 5), StopRule(1000))
    assert traj.scalars["log_loss"][-1] < -745 and np.all(np.isfinite(traj.scalars["log_loss"]))


def test_mpmath_backend_uses_a_private_context():
    before = mpmath.mp.dps
    be = MPMath(dps=60)
    x = be.asarray(np.array([1.0]))[0] / 3
    assert mpmath.mp.dps == before and len(str(x)) > 50


@pytest.mark.parametrize("bad", [lambda: StepRule(-0.1), lambda: StepRule(0.1, "adam"),
                                 lambda: make_backend("float32"), lambda: MPMath(dps=3),
                                 lambda: TwoLayer(m=0), lambda: make_loss("hinge")])
def test_bad_settings_are_user_errors(bad):
    with pytest.raises(UserError):
        bad()


def test_log_schedule_is_log_spaced_and_ends_at_steps():
    ks = log_schedule(10_000, 9)
    assert ks[0] == 1 and ks[-1] == 10_000 and np.all(np.diff(ks) > 0)
    assert math.isclose(np.median(np.diff(np.log10(ks))), 0.5, rel_tol=0.2)


# -- the case as the engine sees it: run settings and problem parameters ----------------------


def test_case_splits_run_settings_from_problem_parameters_and_pickles():
    case = profile_cases(registry.get("soudry2018-linear"), "quick")[0]
    assert case.settings == RunSettings.of(case.params) and case.settings.steps == case.params["steps"]
    assert set(case.problem) == set(case.params) - set(RunSettings.names())
    assert set(PROBLEM) <= set(case.problem) and "min_rate" in case.problem
    assert pickle.loads(pickle.dumps(case)) == case  # jobs go to spawned workers
    with pytest.raises(TypeError):
        case.problem["eta"] = 1.0  # type: ignore[index]
    longer = dataclasses.replace(case, params=dict(case.params) | {"steps": 7})
    assert longer.settings.steps == 7 and longer.problem == case.problem


def test_theorem_callables_receive_the_problem_parameters():
    thm = registry.get("soudry2018-linear")
    seen = []
    thm = dataclasses.replace(thm, model=lambda p: seen.append(dict(p)) or Linear())
    case = profile_cases(thm, "quick", {"steps": 50, "audit_steps": 0})[0]
    run_case(thm, case)
    assert seen and all(p == dict(case.problem) for p in seen)
    assert not set(seen[0]) & set(RunSettings.names())


def test_no_engine_module_hides_an_import_inside_a_function():
    """Imports at module level only: a circle between engine modules cannot hide."""
    hidden = []
    for path in sorted((Path(__file__).parents[1] / "verify" / "engine").glob("*.py")):
        for fn in ast.walk(ast.parse(path.read_text())):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                hidden += [f"{path.name}:{n.lineno}" for n in ast.walk(fn)
                           if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert hidden == []
