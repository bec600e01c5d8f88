"""Double-double arrays: about 106-bit arithmetic from pairs of numpy float64 arrays.

A value is the unevaluated sum ``hi + lo`` with ``|lo| <= ulp(hi)/2``. Sums and products
use the error-free transformations TwoSum (Knuth) and TwoProd (Dekker's splitting, no FMA),

.. math:: a + b = s + e,\\quad s = fl(a + b); \\qquad a b = p + e,\\quad p = fl(a b),

which hold exactly in IEEE double arithmetic. Matrix products are computed with the
error-free splitting of Ozaki, Ogita, Oishi and Rump: the high words are cut into slices of
``b`` bits so that every slice product summed by BLAS is exact, and the slice products are
gathered in double-double (:func:`matmul`). :class:`DD` overloads the numpy operators used by
:mod:`verify.problem.models`, :mod:`verify.problem.losses` and :mod:`verify.dynamics.gd` (``+ - * @``, comparisons,
indexing, ``.T``, ``np.where``, ``np.max``, ``np.sum``), so that generic code runs unchanged.
A ``DD`` whose ``lo`` is ``None`` holds exact float64 values (data, constants) and takes
cheaper paths.

References
----------
T. J. Dekker, "A floating-point technique for extending the available precision",
Numer. Math. 18 (1971). Y. Hida, X. S. Li, D. H. Bailey, "Algorithms for quad-double
precision floating point arithmetic", ARITH 15 (2001). K. Ozaki, T. Ogita, S. Oishi,
S. M. Rump, "Error-free transformations of matrix multiplication by using fast routines of
matrix multiplication and its applications", Numer. Algorithms 59 (2012).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

_SPLITTER = 134217729.0  # 2^27 + 1
_TARGET_BITS = 110  # bits of the matrix product kept by the Ozaki splitting


def two_sum(a: Any, b: Any) -> tuple[Any, Any]:
    """``s + e = a + b`` exactly, ``s = fl(a + b)`` (Knuth's TwoSum, 6 flops)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def quick_two_sum(a: Any, b: Any) -> tuple[Any, Any]:
    """``s + e = a + b`` exactly, assuming ``|a| >= |b|`` (Dekker's Fast2Sum)."""
    s = a + b
    return s, b - (s - a)


def split(a: Any) -> tuple[Any, Any]:
    """Dekker's splitting ``a = h + l`` with ``h, l`` of at most 26 bits each."""
    t = _SPLITTER * a
    h = t - (t - a)
    return h, a - h


def two_prod(a: Any, b: Any) -> tuple[Any, Any]:
    """``p + e = a b`` exactly, ``p = fl(a b)`` (Dekker's TwoProduct, no FMA)."""
    p = a * b
    ah, al = split(a)
    bh, bl = split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


class DD:
    """An array of double-double numbers ``hi + lo`` (``lo=None``: exact float64).

    Parameters
    ----------
    hi, lo
        float64 arrays of one shape; ``lo`` may be ``None`` (all zeros).

    Examples
    --------
    >>> x = DD(np.array([1.0])) + 1e-20
    >>> float((x - 1.0).hi[0])
    1e-20
    """

    __slots__ = ("hi", "lo", "_T", "_cache")
    __array_ufunc__ = None  # numpy defers to our reflected operators

    def __init__(self, hi: Any, lo: Any = None) -> None:
        self.hi = np.asarray(hi, dtype=float)
        self.lo = None if lo is None else np.asarray(lo, dtype=float)
        self._T: DD | None = None
        self._cache: dict = {}

    # --- basic protocol -------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.hi.shape

    @property
    def ndim(self) -> int:
        return self.hi.ndim

    def __len__(self) -> int:
        return len(self.hi)

    def lo_or_zero(self) -> np.ndarray:
        """The low words, zeros if exact."""
        return np.zeros_like(self.hi) if self.lo is None else self.lo

    def __float__(self) -> float:
        return float(self.hi)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.asarray(self.hi if self.lo is None else self.hi + self.lo, dtype=dtype)

    def __repr__(self) -> str:
        return f"DD(hi={self.hi!r}, lo={self.lo!r})"

    def __getitem__(self, idx: Any) -> DD:
        return DD(self.hi[idx], None if self.lo is None else self.lo[idx])

    @property
    def T(self) -> DD:
        """Transpose (cached, so cached matrix splittings survive ``X.T``)."""
        if self._T is None:
            self._T = DD(self.hi.T, None if self.lo is None else self.lo.T)
            self._T._T = self
        return self._T

    # --- arithmetic -----------------------------------------------------------------
    def __neg__(self) -> DD:
        return DD(-self.hi, None if self.lo is None else -self.lo)

    def __abs__(self) -> DD:
        neg = self.hi < 0
        return DD(np.where(neg, -self.hi, self.hi),
                  None if self.lo is None else np.where(neg, -self.lo, self.lo))

    def __add__(self, other: Any) -> DD:
        return add(self, as_dd(other))

    __radd__ = __add__

    def __sub__(self, other: Any) -> DD:
        return add(self, -as_dd(other))

    def __rsub__(self, other: Any) -> DD:
        return add(as_dd(other), -self)

    def __mul__(self, other: Any) -> DD:
        return mul(self, as_dd(other))

    __rmul__ = __mul__

    def __matmul__(self, other: Any) -> DD:
        return matmul(self, as_dd(other))

    def __rmatmul__(self, other: Any) -> DD:
        return matmul(as_dd(other), self)

    # --- comparisons (valid for normalized pairs) -----------------------------------
    def _cmp(self, other: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        o = as_dd(other)
        return self.hi - o.hi, self.hi == o.hi, self.lo_or_zero() - o.lo_or_zero()

    def __ge__(self, other: Any) -> Any:
        dh, eq, dl = self._cmp(other)
        return (dh > 0) | (eq & (dl >= 0))

    def __gt__(self, other: Any) -> Any:
        dh, eq, dl = self._cmp(other)
        return (dh > 0) | (eq & (dl > 0))

    def __le__(self, other: Any) -> Any:
        return ~self.__gt__(other)

    def __lt__(self, other: Any) -> Any:
        return ~self.__ge__(other)

    # --- numpy functions -------------------------------------------------------------
    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        impl = _FUNCTIONS.get(func)
        if impl is None:
            raise TypeError(f"numpy.{func.__name__} is not implemented for double-double arrays")
        return impl(*args, **kwargs)


def as_dd(x: Any) -> DD:
    """``x`` as a :class:`DD` (floats and float arrays are exact)."""
    return x if isinstance(x, DD) else DD(np.asarray(x, dtype=float))


def add(a: DD, b: DD) -> DD:
    """Double-double sum (the accurate IEEE-style variant when both are double-double)."""
    s, e = two_sum(a.hi, b.hi)
    if a.lo is None and b.lo is None:
        return DD(s, e)
    if a.lo is None or b.lo is None:
        e = e + (b.lo if a.lo is None else a.lo)
        return DD(*quick_two_sum(s, e))
    t, f = two_sum(a.lo, b.lo)
    s, e = quick_two_sum(s, e + t)
    return DD(*quick_two_sum(s, e + f))


def mul(a: DD, b: DD) -> DD:
    """Double-double product (error below ``4 u^2 |ab|``, ``u = 2^-53``)."""
    p, e = two_prod(a.hi, b.hi)
    if a.lo is None and b.lo is None:
        return DD(p, e)
    if a.lo is not None:
        e = e + a.lo * b.hi
    if b.lo is not None:
        e = e + a.hi * b.lo
    return DD(*quick_two_sum(p, e))


def add_float(a: DD, b: np.ndarray) -> DD:
    """``a + b`` for a float64 array ``b``."""
    s, e = two_sum(a.hi, b)
    if a.lo is not None:
        e = e + a.lo
    return DD(*quick_two_sum(s, e))


# --- matrix products -------------------------------------------------------------------
def _plan(k: int) -> tuple[int, int]:
    """Slice width ``b`` and count ``S``: each level sum of ``S k`` slice products is exact."""
    for S in range(3, 12):
        b = (55 - math.ceil(math.log2(max(S * k, 2)))) // 2
        if S * b >= _TARGET_BITS:
            return b, S
    raise ValueError(f"inner dimension {k} is too large for the double-double product")


def _slices(A: np.ndarray, axis: int, b: int, S: int) -> list[np.ndarray]:
    """Cut ``A`` into ``S`` slices along rows (``axis=1``) or columns (``axis=0``).

    Slice ``s`` of a row with ``max |a| < 2^e`` holds multiples of ``2^(e+1-sb)`` of size
    at most ``2^(e-(s-1)b)`` (Rump's ExtractScalar with ``sigma = 1.5 * 2^(e+53-sb)``).
    """
    mu = np.max(np.abs(A), axis=axis, keepdims=True)
    e = np.frexp(mu)[1]
    out, rest = [], A
    for s in range(S):
        sigma = np.ldexp(1.5, e + 53 - b - s * b)
        q = (rest + sigma) - sigma
        out.append(q)
        rest = rest - q
    return out


def _stacked(x: DD, side: str, b: int, S: int) -> np.ndarray:
    """Slices of ``x.hi`` concatenated along the inner dimension (cached on ``x``)."""
    key = (side, b, S)
    got = x._cache.get(key)
    if got is None:
        if side == "left":
            got = np.concatenate(_slices(x.hi, 1, b, S), axis=1)
        else:
            got = np.concatenate(_slices(x.hi, 0, b, S)[::-1], axis=0)
        x._cache[key] = got
    return got


def _matmul2(A: DD, B: DD) -> DD:
    """Double-double product of two 2-D arrays; error about ``2^-106 k max|a| max|b|``."""
    k = A.shape[1]
    if k == 0:
        return DD(np.zeros((A.shape[0], B.shape[1])))
    b, S = _plan(k)
    Ac, Bc = _stacked(A, "left", b, S), _stacked(B, "right", b, S)
    levels = [Ac[:, : (l + 1) * k] @ Bc[(S - 1 - l) * k :, :] for l in range(S)]
    tail = sum(levels[3:], np.zeros_like(levels[0]))
    if A.lo is not None:
        tail = tail + A.lo @ B.hi
    if B.lo is not None:
        tail = tail + A.hi @ B.lo
    acc = DD(*two_sum(levels[0], levels[1]))
    acc = add_float(acc, levels[2])
    return add_float(acc, tail)


def matmul(A: DD, B: DD) -> DD:
    """``A @ B`` in double-double for 1-D and 2-D operands (numpy's shape rules)."""
    if A.ndim == 0 or B.ndim == 0:
        raise ValueError("matmul: scalar operands are not allowed, use *")
    A2 = A[None, :] if A.ndim == 1 else A
    B2 = B[:, None] if B.ndim == 1 else B
    if A.ndim == 1:
        A2._cache = A._cache  # share splittings between the views
    out = _matmul2(A2, B2)
    if B.ndim == 1:
        out = out[:, 0]
    if A.ndim == 1:
        out = out[0]
    return out


# --- numpy function overrides ----------------------------------------------------------
def _where(cond: Any, x: Any, y: Any) -> DD:
    x, y = as_dd(x), as_dd(y)
    hi = np.where(cond, x.hi, y.hi)
    if x.lo is None and y.lo is None:
        return DD(hi)
    return DD(hi, np.where(cond, x.lo_or_zero(), y.lo_or_zero()))


def _extreme(a: DD, sign: float, axis: Any = None, **kw: Any) -> DD:
    if axis is not None or kw.get("out") is not None:
        raise TypeError("double-double max/min support only axis=None")
    h = sign * a.hi.ravel()
    l = sign * a.lo_or_zero().ravel()
    top = np.max(h)
    i = int(np.argmax(np.where(h == top, l, -np.inf)))
    return a[np.unravel_index(i, a.shape)] if a.ndim else a


def dd_sum(a: DD, axis: Any = None, **kw: Any) -> DD:
    """Pairwise (tree) double-double sum, over all elements or along one axis."""
    if kw.get("out") is not None or kw.get("keepdims"):
        raise TypeError("double-double sum supports only axis")
    x = DD(a.hi.ravel(), None if a.lo is None else a.lo.ravel()) if axis is None else DD(
        np.moveaxis(a.hi, axis, 0), None if a.lo is None else np.moveaxis(a.lo, axis, 0))
    if len(x) == 0:
        return DD(np.zeros(x.shape[1:]))
    while len(x) > 1:
        half = len(x) // 2
        head = x[: 2 * half]
        pair = add(head[0::2], head[1::2])
        x = pair if len(x) % 2 == 0 else DD(*_cat(pair, x[2 * half :]))
    return x[0]


def _cat(a: DD, b: DD) -> tuple[np.ndarray, np.ndarray]:
    return np.concatenate([a.hi, b.hi]), np.concatenate([a.lo_or_zero(), b.lo_or_zero()])


_FUNCTIONS = {
    np.where: _where,
    np.max: lambda a, axis=None, **kw: _extreme(a, 1.0, axis, **kw),
    np.amax: lambda a, axis=None, **kw: _extreme(a, 1.0, axis, **kw),
    np.min: lambda a, axis=None, **kw: _extreme(a, -1.0, axis, **kw),
    np.amin: lambda a, axis=None, **kw: _extreme(a, -1.0, axis, **kw),
    np.sum: dd_sum,
    np.shape: lambda a: a.shape,
    np.ndim: lambda a: a.ndim,
}
