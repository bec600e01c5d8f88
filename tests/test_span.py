"""Data-span coordinates: the same GD path as full coordinates, in every backend."""
from __future__ import annotations

import numpy as np
import pytest

from verify.arith.backends import MPMath, make_backend
from verify.arith.ddmath import to_mpf
from verify.errors import UserError
from verify.dynamics.gd import StepRule, gradient_descent
from verify.problem.losses import make_loss
from verify.problem.models import Linear, TwoLayer
from verify.dynamics.span import coefficients, margins, span_descent, stable_rank, w_sq_norm
from verify.dynamics.trajectory import StopRule, log_schedule, record

NETS = [TwoLayer(m=4, alpha=0.1), TwoLayer(m=4, alpha=0.0, train_outer=False, outer_init="signs")]


def _data(n=5, d=12, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)) / np.sqrt(d), np.sign(rng.standard_normal(n))


def _both(net, be, steps, eta=1.0):
    X, y = _data()
    p0 = net.init(X.shape[1], 0.5, np.random.default_rng(1))
    loss = make_loss("logistic")
    full = gradient_descent(net, loss, X, y, p0, StepRule(eta), be)
    span, sm = span_descent(net, loss, X, y, p0, StepRule(eta), be)
    for _, a, b in zip(range(steps + 1), full, span):
        pass
    return a, b, sm


def _rel_mp(A, B, ctx) -> float:
    A, B = np.asarray(A, dtype=object).ravel(), np.asarray(B, dtype=object).ravel()
    return float(max(abs(u - v) for u, v in zip(A, B)) / max(abs(u) for u in A))


@pytest.mark.parametrize("net", NETS)
def test_mpmath_span_path_equals_full_path(net):
    be = MPMath(dps=30)
    a, b, _ = _both(net, be, 60)
    assert _rel_mp(a.params["W"], b.params["W"], be.ctx) < 1e-25
    assert _rel_mp(a.params["a"], b.params["a"], be.ctx) < 1e-25
    assert abs(a.log_loss - b.log_loss) < 1e-25 and abs(a.log_grad_norm - b.log_grad_norm) < 1e-12


@pytest.mark.parametrize("net", NETS)
def test_dd_span_path_equals_full_path(net):
    a, b, _ = _both(net, make_backend("dd"), 60)
    ctx = MPMath(dps=50).ctx
    assert _rel_mp(to_mpf(a.params["W"], ctx), to_mpf(b.params["W"], ctx), ctx) < 1e-28


@pytest.mark.parametrize("net", NETS)
def test_float64_span_path_equals_full_path(net):
    a, b, sm = _both(net, make_backend("float64"), 300)
    W = a.params["W"]
    assert np.max(np.abs(W - b.params["W"])) < 1e-12 * np.max(np.abs(W))
    assert abs(a.log_grad_norm - b.log_grad_norm) < 1e-12
    assert float(net.sq_norm(a.params)) == pytest.approx(float(sm.sq_norm(b.params)), rel=1e-12)


def test_quantities_from_coefficients_match_W():
    net = NETS[0]
    be = make_backend("float64")
    X, y = _data()
    _, b, sm = _both(net, be, 200)
    W, B = b.params["W"], b.params.span["B"]
    assert np.allclose(sm.W0 + coefficients(sm, B, be) @ X, W, rtol=0, atol=1e-13)
    assert w_sq_norm(sm, B, be) == pytest.approx(np.sum(W * W), rel=1e-13)
    s = np.linalg.svd(W, compute_uv=False)
    assert stable_rank(sm, B, be) == pytest.approx(np.sum(s**2) / s[0] ** 2, rel=1e-12)
    assert np.allclose(margins(sm, b.params.span, y, be), y * net.forward(b.params, X), atol=1e-13)


def test_recorder_keeps_full_parameters_and_scalars():
    net = NETS[0]
    X, y = _data()
    p0 = net.init(X.shape[1], 0.5, np.random.default_rng(1))
    be, loss, stop = make_backend("float64"), make_loss("logistic"), StopRule(40)
    states, sm = span_descent(net, loss, X, y, p0, StepRule(1.0), be)
    tr_span = record(states, sm, y, be, log_schedule(40, 5), stop)
    tr_full = record(gradient_descent(net, loss, X, y, p0, StepRule(1.0), be), net, y, be,
                     log_schedule(40, 5), stop)
    assert sorted(tr_span.checkpoints[-1].params) == ["W", "a"]
    for k in ("sq_norm", "log_loss", "q_min", "log_grad_norm"):
        np.testing.assert_allclose(tr_span.scalars[k], tr_full.scalars[k], rtol=1e-12, atol=1e-13)


def test_dependent_samples_and_other_models_are_user_errors():
    X, y = _data(n=6, d=4)
    net = TwoLayer(m=3)
    p0 = net.init(4, 0.5, np.random.default_rng(1))
    states, _ = span_descent(net, make_loss("logistic"), X, y, p0, StepRule(1.0), make_backend("float64"))
    with pytest.raises(UserError, match="linearly independent"):
        next(states)
    with pytest.raises(UserError, match="TwoLayer"):
        span_descent(Linear(), make_loss("logistic"), X, y, {"w": np.zeros(4)}, StepRule(1.0),
                     make_backend("float64"))
