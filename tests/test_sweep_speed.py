"""The speed-ups of sweep runs and cases give the numbers of the code they replace, bit for bit."""
from __future__ import annotations

import math

import numpy as np
import pytest

from verify.arith.backends import Float64, MPMath
from verify.claims import batchls
from verify.claims.memo import memoizing
from verify.dynamics.gd import StepRule, gradient_descent
from verify.problem.losses import make_loss
from verify.problem.models import TwoLayer


def _problem(seed: int = 0) -> tuple[np.ndarray, np.ndarray, TwoLayer, dict]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((9, 4)) / 2.0
    y = np.sign(rng.standard_normal(9))
    model = TwoLayer(m=5, alpha=0.2)
    return X, y, model, model.init(4, 0.3, rng)


@pytest.mark.parametrize("be", [Float64(), MPMath(dps=30)], ids=["float64", "mpmath"])
def test_forward_vjp_is_forward_and_vjp(be) -> None:
    X, y, model, p0 = _problem()
    params, Xb = {k: be.asarray(v) for k, v in p0.items()}, be.asarray(X)
    v = be.asarray(np.linspace(-1.0, 1.0, len(y)))
    f, pullback = model.forward_vjp(params, Xb, be)
    assert np.array_equal(be.to_float(f), be.to_float(model.forward(params, Xb, be)))
    got, want = pullback(v), model.vjp(params, Xb, v, be)
    assert all(np.array_equal(be.to_float(got[k]), be.to_float(want[k])) for k in want)


def test_a_subclass_overriding_forward_keeps_its_forward() -> None:
    class Doubled(TwoLayer):
        def forward(self, params, X, be=Float64()):
            return 2.0 * super().forward(params, X, be)

    X, _, _, p0 = _problem()
    model = Doubled(m=5, alpha=0.2)
    f, _ = model.forward_vjp(p0, X)
    assert np.array_equal(f, model.forward(p0, X))


def _old_steps(model, loss, X, y, p0, rule, steps: int) -> dict:
    """GD as it was: forward, then vjp, np.sum, the step's log each step."""
    params = {k: np.array(v, float) for k, v in p0.items()}
    for _ in range(steps):
        f = model.forward(params, X)
        log_loss = loss.log_total(f, y, Float64())
        s, w = loss.dloss(f, y, Float64())
        grads = model.vjp(params, X, w)
        factor = np.exp(rule.log_eta(log_loss, Float64()) + s)
        params = {k: params[k] - factor * g for k, g in grads.items()}
    return params


def test_gd_steps_match_the_old_loop_bit_for_bit() -> None:
    X, y, model, p0 = _problem(1)
    loss, rule = make_loss("logistic"), StepRule(0.5)
    for state in gradient_descent(model, loss, X, y, p0, rule, Float64()):
        if state.step == 200:
            break
    old = _old_steps(model, loss, X, y, p0, rule, 200)
    assert all(np.array_equal(state.params[k], old[k]) for k in old)


def test_mpmath_scalar_times_array_never_prints_the_array() -> None:
    class Loud(np.ndarray):
        """An array whose repr fails: mpmath's refusal message would print it."""
        def __repr__(self) -> str:
            raise RuntimeError("repr called")

    be = MPMath(dps=20)
    arr = np.array([be.const(1.5), be.const(-3.0)], dtype=object).view(Loud)
    assert np.asarray(be.const(2.0) * arr).tolist() == [3.0, -6.0]
    assert be.ctx.convert(1.5) == 1.5 and be.ctx.convert("0.25") == 0.25


def test_refits_reuse_the_factored_designs_and_give_the_same_rss(monkeypatch) -> None:
    s = np.linspace(1.0, 8.0, 300)
    a, b = np.linspace(0.3, 2.0, 12), np.zeros(12)
    drifts = [0.5 + 1.0 / s + k * 1e-3 * s for k in range(4)]
    plain = [batchls.rss_on_grid(s, q, ("t^-a",), a, b) for q in drifts]
    calls = []
    real = batchls._factor
    monkeypatch.setattr(batchls, "_factor", lambda X: calls.append(1) or real(X))
    with memoizing():
        memo = [batchls.rss_on_grid(s, q, ("t^-a",), a, b) for q in drifts]
    assert len(calls) == 1
    assert all(np.array_equal(u, v) for u, v in zip(plain, memo))
    assert not math.isnan(float(plain[0].min()))
