"""Exact mpmath matrix products (verify.arith.mpmatmul): rounded once, tiny entries dropped
only under a bound, plain products where the bound fails."""
from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import pytest

from verify.arith.mpmatmul import exact_matmul


def _ctx(dps: int = 30):
    ctx = mpmath.MPContext()
    ctx.dps = dps
    return ctx


def _mp(ctx, a):
    return np.frompyfunc(ctx.mpf, 1, 1)(np.asarray(a, dtype=object)).astype(object)


def _exact(A, B) -> np.ndarray:
    """The product in rationals (the truth)."""
    fa = np.frompyfunc(lambda x: Fraction(*x.as_integer_ratio()) if not hasattr(x, "_mpf_")
                       else Fraction(int(x._mpf_[1]) * (-1) ** x._mpf_[0]) * Fraction(2) ** x._mpf_[2], 1, 1)
    return fa(A) @ fa(B)


def _ulps(ctx, got, truth) -> float:
    out = 0.0
    for g, t in zip(np.ravel(got), np.ravel(truth)):
        if t == 0:
            assert g == 0
            continue
        ulp = Fraction(2) ** (int(mpmath.floor(mpmath.log(abs(mpmath.mpf(t.numerator) / t.denominator), 2))) - ctx.prec + 1)
        g_frac = Fraction(int(g._mpf_[1]) * (-1) ** g._mpf_[0]) * Fraction(2) ** g._mpf_[2] if g else Fraction(0)
        out = max(out, float(abs(g_frac - t) / ulp))
    return out


@pytest.mark.parametrize("shape", [((5, 7), (7, 3)), ((7,), (7, 3)), ((5, 7), (7,)), ((7,), (7,))])
def test_product_is_correctly_rounded_and_shaped_like_matmul(shape):
    ctx, rng = _ctx(), np.random.default_rng(1)
    # operands that do not fit the precision of one product term: 1/3-like values
    A = _mp(ctx, rng.normal(size=shape[0])) / 3
    B = _mp(ctx, rng.normal(size=shape[1])) / 7
    got = exact_matmul(A, B, ctx)
    assert np.shape(got) == np.shape(A @ B)
    assert _ulps(ctx, got, _exact(A, B)) <= 0.5
    # the sequential object product it replaces is no more accurate
    assert _ulps(ctx, A @ B, _exact(A, B)) >= _ulps(ctx, got, _exact(A, B))


def test_wide_spread_drops_negligible_entries_within_bound():
    """Loss weights e^-q spanning 10^5 bits: the tiny ones are dropped, error <= 1.25 ulp."""
    ctx, rng = _ctx(), np.random.default_rng(2)
    v = _mp(ctx, rng.uniform(0.5, 1.0, size=8))
    v[3] = ctx.mpf(2) ** -100000
    v[5] = ctx.mpf(2) ** -5000
    X = _mp(ctx, rng.normal(size=(8, 4))) / 3
    got = exact_matmul(v, X, ctx)
    assert _ulps(ctx, got, _exact(v, X)) <= 1.25


def test_cancellation_falls_back_to_the_plain_product():
    """Dropping would lose the whole answer (big terms cancel): the plain product is used."""
    ctx = _ctx()
    tiny = ctx.mpf(2) ** -1000
    A = np.array([[ctx.mpf(1), ctx.mpf(-1), tiny]], dtype=object)
    B = np.array([ctx.mpf(5), ctx.mpf(5), ctx.mpf(1)], dtype=object)
    got = exact_matmul(A, B, ctx)
    assert got == tiny  # the exact value; dropping tiny would have given 0


def test_infinities_use_the_plain_product():
    ctx = _ctx()
    A = np.array([[ctx.inf, ctx.mpf(1)]], dtype=object)
    B = np.array([ctx.mpf(2), ctx.mpf(3)], dtype=object)
    assert exact_matmul(A, B, ctx)[0] == ctx.inf


def test_rows_of_very_different_scales_are_each_exact(monkeypatch):
    """A neuron whose weights sit 2^-90000 below the others: each row on its own exponent,
    no fall back to the plain product, every entry within 1.25 ulp."""
    ctx, rng = _ctx(), np.random.default_rng(3)
    A = _mp(ctx, rng.normal(size=(3, 6))) / 3
    A[1, :] = A[1, :] * ctx.mpf(2) ** -90000
    A[1, 2] = A[1, 2] * ctx.mpf(2) ** -4000  # and a spread inside that row
    B = _mp(ctx, rng.uniform(0.5, 2.0, size=(6, 2)))
    import verify.arith.mpmatmul as mm
    calls = []
    real = mm._within
    monkeypatch.setattr(mm, "_within", lambda *a: calls.append(real(*a)) or calls[-1])
    got = exact_matmul(A, B, ctx)
    assert calls == [True]
    assert _ulps(ctx, got, _exact(A, B)) <= 1.25


def test_a_read_only_operand_is_converted_once_and_never_confused():
    import verify.arith.mpmatmul as mm
    ctx, rng = _ctx(), np.random.default_rng(5)
    X, W = _mp(ctx, rng.standard_normal((7, 4))), _mp(ctx, rng.standard_normal((3, 4)))
    V = _mp(ctx, rng.standard_normal((3, 7)))
    plain = (exact_matmul(X, W.T, ctx), exact_matmul(V, X, ctx))
    X.flags.writeable = False
    mm._FIXED.clear()
    kept = (exact_matmul(X, W.T, ctx), exact_matmul(V, X, ctx))
    again = (exact_matmul(X, W.T, ctx), exact_matmul(V, X, ctx))
    assert len(mm._FIXED) == 2  # rows (left operand) and columns (right operand)
    for a, b, c in zip(plain, kept, again):
        assert np.array_equal(a, b) and np.array_equal(a, c)
    other = np.array(X * 3, dtype=object)  # another read-only array: its own lines
    other.flags.writeable = False
    assert np.array_equal(exact_matmul(other, W.T, ctx), exact_matmul(np.array(other), W.T, ctx))
    assert not np.array_equal(exact_matmul(other, W.T, ctx), plain[0])
    del X, kept, again
    fresh = _mp(ctx, rng.standard_normal((7, 4)))
    fresh.flags.writeable = False
    assert np.array_equal(exact_matmul(fresh, W.T, ctx), exact_matmul(np.array(fresh), W.T, ctx))
