"""Double-double backend: error-free transformations, elementary functions, GD against mpmath."""
from __future__ import annotations

import numpy as np
import pytest

from verify.arith.backends import MPMath, backend_names, make_backend
from verify.arith.ddmath import DoubleDouble, exp, expm1_reduced, log, log1p, logsumexp, softplus, to_mpf
from verify.arith.ddouble import DD, dd_sum, matmul, quick_two_sum, two_prod, two_sum
from verify.dynamics.gd import StepRule, gradient_descent
from verify.problem.losses import make_loss
from verify.problem.models import Linear, TwoLayer

CTX = MPMath(dps=50).ctx


def _rel(got: DD, want) -> float:
    g = to_mpf(got, CTX).ravel()
    w = np.asarray(want, dtype=object).ravel()
    return max(float(abs(a - b) / abs(b)) if b != 0 else float(abs(a)) for a, b in zip(g, w))


def _dd(rng, shape, scale=1.0) -> DD:
    hi = scale * rng.standard_normal(shape)
    return DD(*quick_two_sum(hi, hi * 1e-17 * rng.standard_normal(shape)))


def test_two_sum_and_two_prod_are_exact():
    rng = np.random.default_rng(0)
    a = rng.standard_normal(500) * 2.0 ** rng.integers(-60, 60, 500)
    b = rng.standard_normal(500) * 2.0 ** rng.integers(-60, 60, 500)
    for f, op in ((two_sum, lambda x, y: x + y), (two_prod, lambda x, y: x * y)):
        s, e = f(a, b)
        for i in range(len(a)):
            assert CTX.mpf(s[i]) + CTX.mpf(e[i]) == op(CTX.mpf(a[i]), CTX.mpf(b[i]))


def test_dd_arithmetic_matches_mpmath():
    rng = np.random.default_rng(1)
    x, y = _dd(rng, 300), _dd(rng, 300)
    xm, ym = to_mpf(x, CTX), to_mpf(y, CTX)
    assert _rel(x * y, xm * ym) < 1e-31
    assert _rel(x + y, xm + ym) < 1e-31 * float(np.max(np.abs(x.hi) + np.abs(y.hi)) / 1e-3)
    assert _rel(x - x, np.zeros(300, dtype=object) + CTX.mpf(0)) == 0.0


@pytest.mark.parametrize("name", ["exp", "log", "log1p", "softplus", "expm1"])
def test_elementary_functions_to_31_digits(name):
    rng = np.random.default_rng(2)
    if name == "exp":
        x, f, ref = _dd(rng, 400, 30.0), exp, CTX.exp
    elif name == "log":
        x, f, ref = DD(np.exp(rng.standard_normal(400) * 60)), log, CTX.log
    elif name == "log1p":  # relative accuracy for tiny and moderate z
        x, f, ref = DD(np.exp(-rng.uniform(0, 60, 400))), log1p, CTX.log1p
    elif name == "softplus":
        x, f, ref = _dd(rng, 400, 40.0), softplus, lambda v: CTX.log1p(CTX.exp(v))
    else:
        x, f, ref = _dd(rng, 400, 1e-3), expm1_reduced, CTX.expm1
    want = [ref(v) for v in to_mpf(x, CTX)]
    assert _rel(f(x), want) < 1e-31


def test_special_values():
    e = exp(DD(np.array([-np.inf, -800.0, 0.0, 800.0])))
    assert e.hi.tolist() == [0.0, 0.0, 1.0, np.inf]
    lg = log(DD(np.array([0.0, 1.0])))
    assert lg.hi.tolist() == [-np.inf, 0.0]
    assert float(logsumexp(DD(np.array([-np.inf, 0.0])))) == 0.0


def test_matmul_error_is_double_double_sized():
    rng = np.random.default_rng(3)
    for k in (1, 7, 300):
        A, B = _dd(rng, (4, k)), _dd(rng, (k, 3))
        Am, Bm = to_mpf(A, CTX), to_mpf(B, CTX)
        got = to_mpf(matmul(A, B), CTX)
        for i in range(4):
            for j in range(3):
                want = CTX.fsum(Am[i, t] * Bm[t, j] for t in range(k))
                scale = CTX.fsum(abs(Am[i, t] * Bm[t, j]) for t in range(k))
                assert abs(got[i, j] - want) <= 2.0**-104 * scale
    v = _dd(rng, 5)
    assert (A[:, :5] @ v).shape == (4,) and (v @ B[:5]).shape == (3,)


def test_reductions_where_and_comparisons():
    x = DD(np.array([1.0, 1.0, -2.0]), np.array([1e-17, 2e-17, 0.0]))
    assert float(np.max(x).lo) == 2e-17 and float(np.min(x).hi) == -2.0
    assert (x >= DD(np.array([1.0]), np.array([1.5e-17]))).tolist() == [False, True, False]
    err = abs(to_mpf(dd_sum(x), CTX)[()] - CTX.fsum(to_mpf(x, CTX)))
    assert err <= 2.0**-104 * 4.0  # relative to sum |x_i| = 4
    w = np.where(np.array([True, False, True]), x, 0.0)
    assert isinstance(w, DD) and w.hi.tolist() == [1.0, 0.0, -2.0]


def test_registered_and_log_safe():
    assert "dd" in backend_names() and isinstance(make_backend("dd"), DoubleDouble)
    be = make_backend("dd")
    f, y = be.asarray(np.array([2000.0, 1500.0])), be.asarray(np.array([1.0, 1.0]))
    s, w = make_loss("logistic").dloss(f, y, be)
    assert float(s) == pytest.approx(-1500.0) and float(np.min(abs(w))) > 0.0


def _agreement(model, rule, steps: int) -> float:
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((6, 5)), np.sign(rng.standard_normal(6))
    p0 = model.init(5, 0.5, np.random.default_rng(1))
    finals = []
    for be in (make_backend("dd"), MPMath(dps=40)):
        it = gradient_descent(model, make_loss("logistic"), X, y, p0, rule, be)
        for _, state in zip(range(steps + 1), it):
            pass
        finals.append(state.params)
    worst = 0.0
    for k in model.trained:
        a, b = to_mpf(finals[0][k], CTX).ravel(), finals[1][k].ravel()
        worst = max(worst, max(float(abs(u - v) / abs(v)) for u, v in zip(a, b)))
    return -np.log10(worst)


@pytest.mark.parametrize("model,rule", [(TwoLayer(m=4, alpha=0.1), StepRule(0.5)),
                                        (Linear(), StepRule(0.5, "normalized"))])
def test_gd_agrees_with_mpmath_to_28_digits(model, rule):
    assert _agreement(model, rule, 200) >= 28.0


@pytest.mark.slow
def test_gd_agrees_with_mpmath_after_ten_thousand_steps():
    assert _agreement(TwoLayer(m=4, alpha=0.1), StepRule(0.5), 10_000) >= 28.0
