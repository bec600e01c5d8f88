"""Backend "f64dd" through the fused kernel: the numpy f64dd path to rounding, and the low words kept.

The kernel's gradient sums in a fixed order, BLAS in its own, so the high words agree to
rounding (as the float64 kernel does, tests/test_kernel.py); the double-word update is the same
sequence of operations as :func:`verify.dynamics.compensated.dw_plus_fp`, so an update below
half an ulp of the weights is kept in the low words, where float64 drops it.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from verify.arith.backends import MPMath, make_backend
from verify.dynamics import kernel as kn
from verify.dynamics.compensated import compensated_descent, dw_plus_fp
from verify.dynamics.compiled import _codes, _consts, _frozen, record_run
from verify.dynamics.gd import StepRule, gradient_descent
from verify.dynamics.trajectory import StopRule, log_schedule
from verify.problem.losses import Logistic
from verify.problem.models import Linear

from test_kernel import SETUPS, _data, _rel, needs_numba

MP = MPMath(dps=40)
X_LIN = np.array([[1.0, 0.5], [0.75, -0.25], [-1.0, -0.25], [-0.5, 0.75]])
Y_LIN = np.array([1.0, 1.0, -1.0, -1.0])
W_LATE = np.array([96.0, 7.0])  # margins near 43: every update is below half an ulp of w


@needs_numba
@pytest.mark.parametrize("name", SETUPS)
def test_compiled_f64dd_agrees_with_the_numpy_f64dd_path(name):
    model, loss, rule = SETUPS[name]
    X, y, p0 = _data(model, loss)
    be, sched, stop = make_backend("f64dd"), log_schedule(3000, 15), StopRule(3000)
    a = record_run(model, loss, X, y, p0, rule, be, sched, stop, "numpy")
    b = record_run(model, loss, X, y, p0, rule, be, sched, stop, "numba")
    assert (a.kernel, b.kernel, a.backend, b.backend) == ("numpy", "numba", "f64dd", "f64dd")
    assert (a.steps, a.stopped) == (b.steps, b.stopped) and b.precision == a.precision
    for ca, cb in zip(a.checkpoints, b.checkpoints, strict=True):
        assert ca.step == cb.step
        for k in ca.params:
            assert _rel(ca.params[k], cb.params[k]) < 1e-10, (k, ca.step)
    for k in ("log_t", "sq_norm", "q_min", "log_eta"):
        assert _rel(a.scalars[k], b.scalars[k]) < 1e-10, k


def _kernel_f64dd(steps: int) -> tuple[np.ndarray, np.ndarray, float, float]:
    """The linear frozen case through the kernel: ``(w_hi, w_lo, log_t, log_t_lo)``."""
    W, a = W_LATE.reshape(1, -1).copy(), np.zeros(1)
    W_lo, a_lo = np.zeros_like(W), np.zeros(1)
    rule, stop = StepRule(1.0), StopRule(steps)
    table = np.empty((steps + 1, 6))
    k, log_t, log_t_lo, code = kn.advance(
        _frozen(X_LIN), _frozen(Y_LIN), W, a, _codes([0, 0], Logistic(), rule, True),
        _consts(0.0, 1.0, rule, stop, 0.0), _frozen(np.zeros((4, 1))), _frozen(np.zeros((0, 0))),
        0, -math.inf,
        steps, steps, table, W_lo, a_lo, 0.0)
    assert (k, code) == (steps, kn.STOP_MAX_STEPS)
    return W[0], W_lo[0], log_t, log_t_lo


def _digits(a, b) -> float:
    err = max(abs(u - v) for u, v in zip(a, b))
    return 99.0 if err == 0 else float(-MP.ctx.log10(err / max(abs(v) for v in b)))


@pytest.mark.parametrize("steps", [10, 200])
def test_the_kernel_keeps_updates_float64_drops(steps):
    """Soudry's linear model late in training: float64 cannot move w at all, the kernel's
    double-word iterate follows mpmath's (40 digits) as the numpy f64dd path does."""
    ctx = MP.ctx
    for st in gradient_descent(Linear(), Logistic(), X_LIN, Y_LIN, {"w": W_LATE}, StepRule(1.0), MP):
        if st.step >= steps:
            ref = st.params["w"]
            break
    hi, lo, log_t, log_t_lo = _kernel_f64dd(steps)
    mine = [ctx.mpf(h) + ctx.mpf(lw) for h, lw in zip(hi, lo)]
    w0 = [ctx.mpf(v) for v in W_LATE]
    assert np.any(lo != 0) and np.array_equal(hi, W_LATE)  # the updates live in the low words
    assert _digits([m - z for m, z in zip(mine, w0)], [r - z for r, z in zip(ref, w0)]) >= 12.0
    assert _digits(mine, list(ref)) >= 30.0
    for st in compensated_descent(Linear(), Logistic(), X_LIN, Y_LIN, {"w": W_LATE}, StepRule(1.0)):
        if st.step >= steps:
            assert abs((log_t + log_t_lo) - (st.log_t + st.log_t_lo)) <= 1e-15 * abs(st.log_t)
            break


def test_the_scalar_update_is_the_array_update():
    rng = np.random.default_rng(3)
    hi = rng.standard_normal(200) * 2.0 ** rng.integers(-30, 30, 200)
    lo = hi * 2.0 ** -60 * rng.standard_normal(200)
    u = rng.standard_normal(200) * 2.0 ** rng.integers(-80, 0, 200)
    h, e = dw_plus_fp(hi, lo, u.copy())
    pairs = [kn.dw_plus_fp(a, b, c) for a, b, c in zip(hi, lo, u)]
    assert np.array_equal(h, [p[0] for p in pairs]) and np.array_equal(e, [p[1] for p in pairs])
