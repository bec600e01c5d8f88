r"""Matrix products of mpmath numbers in exact integer arithmetic, rounded once.

A numpy object-array product ``A @ B`` of ``mpf`` entries costs one mpmath multiplication and
one addition (each a few microseconds of Python) per term, and rounds after each of them.
Here every entry :math:`x = \pm m\,2^{e}` of a matrix is written on the matrix's smallest
exponent :math:`e_0` as the integer :math:`\pm m\,2^{e - e_0}`, so that

.. math:: (AB)_{ij} = 2^{e_A + e_B} \sum_k a_{ik} b_{kj}

with Python integers exactly (about 50 ns a term), and each entry of the product is rounded
once to the context's precision (round to nearest). The result is the correctly rounded
product, at least as accurate as the sequential one it replaces (whose error is up to
:math:`k\,2^{-p} \sum_k |a_{ik} b_{kj}|`).

An operand whose entries spread over more than ``prec + GUARD + log2 k`` bits (loss weights
:math:`e^{-q_i}` late in training span tens of thousands of bits) drops the entries below
that, when a bound on what they could add stays under a quarter ulp of every entry of the
product (error at most 1.25 ulp instead of 0.5). When that bound fails, or an operand holds
an infinity or a NaN, the product is the plain object-array one: the same arithmetic as
before, only slower.

References
----------
Knuth, TAOCP vol. 2, section 4.2.2 (exact accumulation); mpmath's ``fdot`` uses the same idea
for one dot product. Costs: docs/numerics.md, section A.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from mpmath.libmp import from_man_exp

#: Bits kept below an operand's largest entry (beyond the precision and log2 of the inner
#: dimension): smaller entries are dropped when the operand spreads wider than that.
GUARD = 64


@dataclass(frozen=True)
class _Scaled:
    """An operand as integers on one exponent, with per-line bounds of what was dropped.

    ``ints * 2**e0`` is the operand with the entries below ``2**cut`` set to zero;
    ``dropped[l]`` is True when line ``l`` (a row of a left operand, a column of a right
    one) lost an entry, ``top[l]`` the exponent bound ``|entry| < 2**top[l]`` of its entries.
    """

    ints: np.ndarray
    e0: int
    cut: int
    dropped: np.ndarray
    top: np.ndarray


def _parts(M: np.ndarray, ctx: Any) -> list[tuple[int, int, int, int]] | None:
    """``(sign, mantissa, exponent, magnitude exponent)`` of each entry; None on inf/nan."""
    out = []
    for x in M.ravel():
        t = getattr(x, "_mpf_", None)
        if t is None:
            t = ctx.convert(x)._mpf_
        sign, man, exp, bc = t
        if not man and exp:  # inf or nan
            return None
        out.append((sign, int(man), exp, exp + bc) if man else (0, 0, 0, None))
    return out


def _scaled(M: np.ndarray, ctx: Any, inner: int, axis: int) -> _Scaled | None:
    """``M`` (2-d) as integers; ``axis`` 0 for a left operand (lines are rows), 1 for a right."""
    parts = _parts(M, ctx)
    if parts is None:
        return None
    mags = [g for *_, g in parts if g is not None]
    emax = max(mags) if mags else 0
    cut = emax - (ctx.prec + GUARD + int(inner).bit_length())
    kept = [(s, m, e, g) if g is not None and g >= cut else (0, 0, 0, g) for s, m, e, g in parts]
    exps = [e for s, m, e, g in kept if m]
    e0 = min(exps) if exps else 0
    ints = np.array([(-m if s else m) << (e - e0) if m else 0 for s, m, e, _ in kept] or [0],
                    dtype=object)[: len(kept)].reshape(M.shape)
    lost = np.array([g is not None and g < cut for *_, g in parts], dtype=bool).reshape(M.shape)
    mag = np.array([g if g is not None else -(1 << 62) for *_, g in parts],
                   dtype=np.int64).reshape(M.shape)
    if axis == 1:
        lost, mag = lost.T, mag.T
    return _Scaled(ints, e0, cut, lost.any(axis=1), mag.max(axis=1, initial=-(1 << 62)))


def _within(exact: np.ndarray, e: int, a: _Scaled, b: _Scaled, inner: int, prec: int) -> bool:
    """Whether what was dropped is below a quarter ulp of every entry of the product.

    A dropped term of entry ``(j, l)`` is at most ``2**(cut_A + top_B[l])`` (row ``j`` of A
    lost it) or ``2**(top_A[j] + cut_B)``, and there are at most ``inner`` of each.
    """
    bits = int(inner).bit_length()
    for j in range(exact.shape[0]):
        for col in range(exact.shape[1]):
            bound = -(1 << 62)
            if a.dropped[j]:
                bound = max(bound, a.cut + int(b.top[col]) + bits)
            if b.dropped[col]:
                bound = max(bound, int(a.top[j]) + b.cut + bits)
            if bound == -(1 << 62):
                continue
            c = int(exact[j, col])
            if c == 0 or (abs(c).bit_length() - 1 + e) - prec - 2 < bound + 1:
                return False
    return True


def exact_matmul(A: np.ndarray, B: np.ndarray, ctx: Any) -> np.ndarray:
    """``A @ B`` for object arrays of ``mpf`` (1-d or 2-d), rounded once per entry.

    Entries of an operand below ``2**(-prec - GUARD - log2 k)`` of its largest are dropped
    when, for every entry of the product, their largest possible sum stays below a quarter
    ulp of it (the error is then at most 1.25 ulp); otherwise, and on an infinity or a NaN,
    the product is the plain object-array one.

    Parameters
    ----------
    A, B
        Operands as for :func:`numpy.matmul` (at most 2 dimensions each).
    ctx
        The mpmath context whose precision (``ctx.prec`` bits) rounds the result.

    Examples
    --------
    >>> import mpmath
    >>> ctx = mpmath.MPContext(); ctx.dps = 30
    >>> A = np.array([[ctx.mpf(1), ctx.mpf("1e-20")]], dtype=object)
    >>> B = np.array([ctx.mpf(3), ctx.mpf(7)], dtype=object)
    >>> ctx.nstr(exact_matmul(A, B, ctx)[0], 30)
    '3.00000000000000000007'
    >>> tiny = np.array([[ctx.mpf(1), ctx.mpf(2) ** -100000]], dtype=object)
    >>> ctx.nstr(exact_matmul(tiny, B, ctx)[0], 30)  # the tiny entry is dropped
    '3.0'
    """
    A, B = np.asarray(A, dtype=object), np.asarray(B, dtype=object)
    if A.ndim not in (1, 2) or B.ndim not in (1, 2):
        return A @ B
    A2, B2 = A.reshape(1, -1) if A.ndim == 1 else A, B.reshape(-1, 1) if B.ndim == 1 else B
    inner = A2.shape[1]
    a, b = _scaled(A2, ctx, inner, 0), _scaled(B2, ctx, inner, 1)
    if a is None or b is None:
        return A @ B
    exact, e = a.ints @ b.ints, a.e0 + b.e0
    if (a.dropped.any() or b.dropped.any()) and not _within(exact, e, a, b, inner, ctx.prec):
        return A @ B
    make, prec = ctx.make_mpf, ctx.prec
    out = np.empty(exact.shape, dtype=object)
    out.ravel()[:] = [make(from_man_exp(int(c), e, prec, "n")) for c in exact.ravel()]
    if A.ndim == 1 and B.ndim == 1:
        return out[0, 0]
    return out[0] if A.ndim == 1 else out[:, 0] if B.ndim == 1 else out
