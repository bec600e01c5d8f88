"""Backend "f64dd": float64 gradients, double-double iterate, audited against mpmath (dps 40)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from verify.arith.backends import MPMath, backend_names, make_backend
from verify.dynamics.compensated import CompensatedState, Float64DD, advance_log_t, dw_plus_fp
from verify.dynamics.gd import StepRule, gradient_descent
from verify.problem.losses import make_loss
from verify.problem.models import Linear, TwoLayer

MP = MPMath(dps=40)
CTX = MP.ctx


def _final(model, X, y, p0, rule, be, steps: int):
    for state in gradient_descent(model, make_loss("logistic"), X, y, p0, rule, be):
        if state.step >= steps:
            return state


def _value(state, key: str) -> np.ndarray:
    """The iterate as mpf: ``hi + lo`` for f64dd, the float itself for float64."""
    if isinstance(state, CompensatedState):
        return state.exact(key, CTX)
    return np.frompyfunc(CTX.mpf, 1, 1)(np.asarray(state.params[key], dtype=float))


def _digits(a: np.ndarray, b: np.ndarray) -> float:
    """``-log10(max|a - b| / max|b|)`` in mpmath (99 if equal)."""
    err = max(abs(u - v) for u, v in zip(a.ravel(), b.ravel()))
    return 99.0 if err == 0 else float(-CTX.log10(err / max(abs(v) for v in b.ravel())))


def test_dw_plus_fp_is_exact_to_double_double():
    rng = np.random.default_rng(0)
    hi = rng.standard_normal(300) * 2.0 ** rng.integers(-20, 20, 300)
    lo = hi * 2.0**-60 * rng.uniform(-1, 1, 300)
    lo = (hi + lo) - hi  # a normalized double word
    u = hi * 2.0 ** rng.integers(-120, 2, 300) * rng.standard_normal(300)
    h, e = dw_plus_fp(hi, lo, u.copy())
    for i in range(300):
        want = CTX.mpf(hi[i]) + CTX.mpf(lo[i]) + CTX.mpf(u[i])
        got = CTX.mpf(h[i]) + CTX.mpf(e[i])
        assert abs(got - want) <= 2.0**-104 * abs(want)
        assert abs(e[i]) <= abs(h[i]) * 2.0**-52


def test_log_time_accumulates_without_drift():
    lt, lo = -math.inf, 0.0
    steps, eta = 20_000, 0.1
    for _ in range(steps):
        lt, lo = advance_log_t(lt, lo, math.log(eta))
    want = CTX.log(steps * CTX.exp(CTX.mpf(math.log(eta))))  # t = steps * eta exactly
    naive = -math.inf
    for _ in range(steps):
        naive = float(np.logaddexp(naive, math.log(eta)))  # what gradient_descent does
    assert abs(CTX.mpf(lt) + CTX.mpf(lo) - want) < 1e-16  # measured 3.9e-18 (~2^-53 log t / 16)
    assert abs(CTX.mpf(naive) - want) > 1e-15  # measured 5.0e-15: one rounding per step


def test_registered_and_driven_by_gradient_descent():
    assert "f64dd" in backend_names()
    be = make_backend("f64dd")
    assert isinstance(be, Float64DD) and be.name == "f64dd"
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((4, 3)), np.array([1.0, -1.0, 1.0, -1.0])
    st = _final(Linear(), X, y, {"w": np.zeros(3)}, StepRule(0.5), be, 3)
    assert isinstance(st, CompensatedState) and st.step == 3 and set(st.lo) == {"w"}


def test_two_layer_agrees_with_mpmath_without_drift():
    """After 1000 steps f64dd still carries float64's ~15.8 digits; float64 has drifted."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((6, 5)), np.sign(rng.standard_normal(6))
    net = TwoLayer(m=4, alpha=0.1)
    p0 = net.init(5, 0.5, np.random.default_rng(1))
    ref = _final(net, X, y, p0, StepRule(0.5), MP, 1000)
    got = {}
    for name in ("float64", "f64dd"):
        st = _final(net, X, y, p0, StepRule(0.5), make_backend(name), 1000)
        got[name] = min(_digits(_value(st, k), ref.params[k]) for k in net.trained)
    assert got["f64dd"] >= 15.5
    assert got["f64dd"] > got["float64"] + 0.3


# Soudry et al. (2018) linear model late in training: q_min = 42.75, so every update
# (~1e-19) is below half an ulp of w (~7e-15): float64 is frozen, the exact iterate is not.
X_LIN = np.array([[1.0, 0.5], [0.75, -0.25], [-1.0, -0.25], [-0.5, 0.75]])
Y_LIN = np.array([1.0, 1.0, -1.0, -1.0])
W_LATE = np.array([96.0, 7.0])


@pytest.mark.parametrize("steps", [10, 200])
def test_linear_late_updates_kept_where_float64_stalls(steps):
    rule = StepRule(1.0)
    ref = _final(Linear(), X_LIN, Y_LIN, {"w": W_LATE}, rule, MP, steps).params["w"]
    w0 = np.frompyfunc(CTX.mpf, 1, 1)(W_LATE)
    moved = {}
    for name in ("float64", "f64dd"):
        st = _final(Linear(), X_LIN, Y_LIN, {"w": W_LATE}, rule, make_backend(name), steps)
        val = _value(st, "w")
        moved[name] = (_digits(val, ref), _digits(val - w0, ref - w0))
    assert moved["float64"][1] <= 0.0  # the displacement is lost entirely
    assert moved["f64dd"][1] >= 12.0  # ... and kept, to float64 accuracy of the updates
    assert moved["f64dd"][0] >= 30.0  # the iterate itself to double-double accuracy
