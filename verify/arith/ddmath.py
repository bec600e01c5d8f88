"""Elementary functions in double-double and the ``"dd"`` arithmetic backend.

``exp`` reduces ``x = k ln 2 + r`` (``|r| <= ln2/2``), then ``r = t_1 + t_2 + u`` with
``t_1 in 2^-8 Z``, ``t_2 in 2^-17 Z`` and ``|u| <= 2^-18``, and combines two tables of
``expm1(t)`` (computed once in mpmath) with a degree-6 Taylor polynomial of ``expm1(u)``:

.. math:: e^{r} - 1 = (1 + A)(1 + B)(1 + p(u)) - 1,\\quad A = e^{t_1} - 1,\\ B = e^{t_2} - 1,

which keeps *relative* accuracy near 0. ``log1p`` takes one Newton step from the float64
value ``y_0 = log1p(z)``: ``log1p(z) = y_0 + log1p((z - expm1(y_0)) / (1 + expm1(y_0)))``,
the correction being of order ``10^-16`` so two terms of its series suffice; ``log`` scales
the argument to ``[1/sqrt 2, sqrt 2)`` first. Accuracy is about ``2^-104`` relative (tested
against mpmath in ``tests/test_ddouble.py``). Loss terms below about ``1e-290`` lose
precision (their low words are subnormal); the log-domain gradient weights do not.

References
----------
Y. Hida, X. S. Li, D. H. Bailey, "Algorithms for quad-double precision floating point
arithmetic", ARITH 15 (2001); J.-M. Muller et al., *Handbook of Floating-Point Arithmetic*,
2nd ed. (2018), ch. 11 (table-based range reduction).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np

from verify.arith.ddouble import DD, _extreme, add_float, as_dd, dd_sum

_T1, _T2 = 256.0, 131072.0  # table grids 2^-8 and 2^-17, 513 entries each
_SQRT_HALF = 0.7071067811865476


def _split_mpf(ctx: Any, v: Any) -> tuple[float, float]:
    hi = float(v)
    return hi, float(v - ctx.mpf(hi))


@functools.lru_cache(maxsize=None)
def _constants() -> dict[str, Any]:
    """``ln 2``, ``1/6`` and the two ``expm1`` tables as double-double (private mp context)."""
    ctx = mpmath.MPContext()
    ctx.dps = 45
    out: dict[str, Any] = {}
    for name, v in (("ln2", ctx.ln2), ("sixth", ctx.mpf(1) / 6)):
        out[name] = DD(*_split_mpf(ctx, v))
    # Cody-Waite: ln2 = L1 + rest with L1 of 42 bits, so k L1 is exact for |k| < 2^11
    out["ln2_42"] = float(ctx.nint(ctx.ln2 * 2**42)) / 2**42
    out["ln2_rest"] = DD(*_split_mpf(ctx, ctx.ln2 - ctx.mpf(out["ln2_42"])))
    for name, grid in (("t1", _T1), ("t2", _T2)):
        pairs = [_split_mpf(ctx, ctx.expm1(ctx.mpf(j) / grid)) for j in range(-256, 257)]
        out[name] = (np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs]))
    return out


def _table(name: str, j: np.ndarray) -> DD:
    hi, lo = _constants()[name]
    i = (j + 256).astype(np.intp)
    return DD(hi[i], lo[i])


def _expm1_tiny(u: DD) -> DD:
    """``expm1(u)`` for ``|u| <= 2^-18``: ``u + u^2 (1/2 + u (1/6 + u/24 + u^2/120 + u^3/720))``."""
    uh = u.hi
    h = add_float(_constants()["sixth"], uh / 24.0 + uh * uh / 120.0 + uh**3 / 720.0)
    g = add_float(u * h, np.full_like(uh, 0.5))
    return u + u * (u * g)


def expm1_reduced(r: DD) -> DD:
    """``e^r - 1`` for ``|r| <= 1``, relatively accurate (about ``2^-104``)."""
    j1 = np.rint(r.hi * _T1)
    r2 = add_float(r, -j1 / _T1)
    j2 = np.rint(r2.hi * _T2)
    p = _expm1_tiny(add_float(r2, -j2 / _T2))
    A, B = _table("t1", j1), _table("t2", j2)
    E = A + B + A * B
    return E + p + E * p


def exp(x: Any) -> DD:
    """Elementwise ``e^x`` in double-double (``0`` below ``-746``, ``inf`` above ``710``)."""
    x = as_dd(x)
    ok = np.isfinite(x.hi) & (np.abs(x.hi) < 709.0)
    xs = DD(np.where(ok, x.hi, 0.0), None if x.lo is None else np.where(ok, x.lo, 0.0))
    c = _constants()
    k = np.rint(xs.hi / np.log(2.0))
    r = add_float(xs, -k * c["ln2_42"]) - DD(k) * c["ln2_rest"]
    y = add_float(expm1_reduced(r), np.ones_like(k))
    ki = k.astype(int)
    hi, lo = np.ldexp(y.hi, ki), np.ldexp(y.lo, ki)
    if not np.all(ok):
        with np.errstate(over="ignore"):
            edge = np.exp(np.where(ok, 0.0, x.hi))  # 0, inf or nan, or float64 near the edge
        hi, lo = np.where(ok, hi, edge), np.where(ok, lo, 0.0)
    return DD(hi, lo)


def _log1p_mid(z: DD) -> DD:
    """``log(1 + z)`` for ``-0.3 <= z <= 1`` by one Newton step from float64."""
    y0 = np.log1p(z.hi)
    E = expm1_reduced(DD(y0))
    delta = (z - E).hi / (1.0 + E.hi)
    return add_float(DD(y0), delta - 0.5 * delta * delta)


def log(a: Any) -> DD:
    """Elementwise natural log (``log 0 = -inf``, negative arguments give NaN)."""
    a = as_dd(a)
    ok = np.isfinite(a.hi) & (a.hi > 0)
    hi = np.where(ok, a.hi, 1.0)
    e = np.frexp(hi)[1] - (np.frexp(hi)[0] < _SQRT_HALF)
    mant = DD(np.ldexp(hi, -e), None if a.lo is None else np.ldexp(np.where(ok, a.lo, 0.0), -e))
    out = _log1p_mid(add_float(mant, -np.ones_like(hi))) + DD(e.astype(float)) * _constants()["ln2"]
    if not np.all(ok):
        with np.errstate(divide="ignore", invalid="ignore"):
            edge = np.log(np.where(ok, 1.0, a.hi))
        out = DD(np.where(ok, out.hi, edge), np.where(ok, out.lo, 0.0))
    return out


def log1p(z: Any) -> DD:
    """Elementwise ``log(1 + z)``, relatively accurate also for tiny ``z``."""
    z = as_dd(z)
    mid = (z.hi >= -0.3) & (z.hi <= 1.0)
    if np.all(mid):
        return _log1p_mid(z)
    zm = DD(np.where(mid, z.hi, 0.0), None if z.lo is None else np.where(mid, z.lo, 0.0))
    a, b = _log1p_mid(zm), log(add_float(z, np.ones_like(z.hi)))
    return DD(np.where(mid, a.hi, b.hi), np.where(mid, a.lo_or_zero(), b.lo_or_zero()))


def softplus(x: Any) -> DD:
    """``log(1 + e^x) = max(x, 0) + log1p(e^{-|x|})``, no overflow or cancellation."""
    x = as_dd(x)
    pos = x.hi > 0
    part = DD(np.where(pos, x.hi, 0.0), None if x.lo is None else np.where(pos, x.lo, 0.0))
    return part + _log1p_mid(exp(-abs(x)))


def logsumexp(a: Any) -> DD:
    """``log sum e^a`` shifted by the maximum."""
    a = as_dd(a)
    top = _extreme(a, 1.0)
    if not np.isfinite(top.hi):
        return top
    with np.errstate(invalid="ignore"):  # -inf entries give NaN low words, exp maps them to 0
        shifted = a - top
    return top + log(dd_sum(exp(shifted)))


def to_mpf(a: Any, ctx: Any) -> np.ndarray:
    """Exact conversion of a :class:`DD` to an object array of ``ctx.mpf``."""
    a = as_dd(a)
    f = np.frompyfunc(lambda h, l: ctx.mpf(h) + ctx.mpf(l), 2, 1)
    return np.asarray(f(a.hi, a.lo_or_zero()), dtype=object)


@dataclass(frozen=True)
class DoubleDouble:
    """Double-double arithmetic (about 106 bits, 31.9 digits) on numpy float64 pairs.

    Examples
    --------
    >>> be = DoubleDouble()
    >>> x = be.asarray(np.array([1.0, 2.0]))
    >>> float(be.logsumexp(x))  # log(e + e^2) = 2.31326168751822283..., correctly rounded
    2.313261687518223
    """

    name: str = "dd"

    @property
    def precision(self) -> str:
        """Human-readable precision."""
        return "106 bits (double-double)"

    @property
    def digits(self) -> float:
        """Decimal digits carried by one number."""
        return 31.9

    def asarray(self, a: Any) -> DD:
        """Convert a float64 array (exactly)."""
        return DD(np.array(a, dtype=float))

    def to_float(self, a: Any) -> np.ndarray:
        """Round to float64."""
        return np.asarray(a, dtype=float) if isinstance(a, DD) else np.asarray(a, dtype=float)

    def const(self, x: float) -> DD:
        """A scalar constant in this arithmetic (the float, exactly)."""
        return DD(float(x))

    def matmul(self, a: Any, b: Any) -> DD:
        """Matrix product (:func:`verify.arith.ddouble.matmul` through ``@``)."""
        return a @ b

    def exp(self, a: Any) -> DD:
        """Elementwise exponential."""
        return exp(a)

    def log(self, a: Any) -> DD:
        """Elementwise natural log."""
        return log(a)

    def log1p(self, a: Any) -> DD:
        """Elementwise log(1 + a)."""
        return log1p(a)

    def log_scalar(self, x: Any) -> DD:
        """Natural log of one positive scalar."""
        return log(x)

    def softplus(self, a: Any) -> DD:
        """log(1 + e^a) without overflow or cancellation."""
        return softplus(a)

    def logsumexp(self, a: Any) -> DD:
        """log(sum e^a), shifted by the maximum."""
        return logsumexp(a)
