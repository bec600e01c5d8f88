r"""Matrix products of mpmath numbers in exact integer arithmetic, rounded once.

A numpy object-array product ``A @ B`` of ``mpf`` entries costs one mpmath multiplication and
one addition (each a few microseconds of Python) per term, and rounds after each of them.
Here every entry :math:`x = \pm m\,2^{e}` of row :math:`i` of ``A`` is written on that row's
smallest exponent :math:`e_i` as the integer :math:`\pm m\,2^{e - e_i}` (columns of ``B``
likewise, exponents :math:`f_j`), so that

.. math:: (AB)_{ij} = 2^{e_i + f_j} \sum_k a_{ik} b_{kj}

with Python integers exactly (about 50 ns a term), and each entry of the product is rounded
once to the context's precision (round to nearest). The result is the correctly rounded
product, at least as accurate as the sequential one it replaces (whose error is up to
:math:`k\,2^{-p} \sum_k |a_{ik} b_{kj}|`).

A row (column) whose entries spread over more than ``prec + GUARD + log2 k`` bits (loss weights
:math:`e^{-q_i}` late in training span tens of thousands of bits) drops the entries below
that, when a bound on what they could add stays under a quarter ulp of every entry of the
product (error at most 1.25 ulp instead of 0.5). When that bound fails, or an operand holds
an infinity or a NaN, the product is the plain object-array one: the same arithmetic as
before, only slower.

An operand that cannot change (a read-only array, as gradient descent makes its data ``X``)
is written in integers once per orientation and precision and kept while it lives
(:func:`_lines_of`): a GD step multiplies by ``X`` twice, and its lines were most of the work.

References
----------
Knuth, TAOCP vol. 2, section 4.2.2 (exact accumulation); mpmath's ``fdot`` uses the same idea
for one dot product. Costs: docs/numerics.md, section A.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
from mpmath.libmp import from_man_exp

#: Bits kept below a line's largest entry (beyond the precision and log2 of the inner
#: dimension): smaller entries are dropped when the line spreads wider than that.
GUARD = 64
_NONE = -(1 << 62)
#: Lines of read-only operands: (id, orientation, prec, keep) -> (weak reference, lines).
_FIXED: dict[tuple[int, bool, int, int], tuple[Any, Any]] = {}
_FIXED_MAX = 8


@dataclass(frozen=True)
class _Lines:
    """An operand's lines (rows of a left operand, columns of a right one) as integers.

    Line ``l`` is ``ints[l] * 2**e[l]`` with its entries below ``2**cut[l]`` set to zero;
    ``dropped[l]`` says whether it lost one, and ``top[l]`` bounds its entries,
    ``|entry| < 2**top[l]``.
    """

    ints: np.ndarray
    e: tuple[int, ...]
    cut: tuple[int, ...]
    dropped: tuple[bool, ...]
    top: tuple[int, ...]


def _parts(x: Any, ctx: Any) -> tuple[int, int, int, int | None] | None:
    """``(sign, mantissa, exponent, magnitude exponent)`` of one entry; None on inf/nan."""
    t = getattr(x, "_mpf_", None)
    if t is None:
        t = ctx.convert(x)._mpf_
    sign, man, exp, bc = t
    if not man:
        return None if exp else (0, 0, 0, None)
    return sign, int(man), exp, exp + bc


def _line(row: np.ndarray, ctx: Any, keep: int) -> tuple[list[int], int, int, bool, int] | None:
    """One line as integers on its smallest kept exponent (see :class:`_Lines`)."""
    parts = [_parts(x, ctx) for x in row]
    if any(p is None for p in parts):
        return None
    mags = [p[3] for p in parts if p[3] is not None]
    if not mags:
        return [0] * len(parts), 0, _NONE, False, _NONE
    top, cut = max(mags), max(mags) - keep
    kept = [p for p in parts if p[3] is not None and p[3] >= cut]
    e0 = min(p[2] for p in kept)
    ints = [((-m if s else m) << (e - e0)) if g is not None and g >= cut else 0
            for s, m, e, g in parts]
    return ints, e0, cut, len(kept) < len(mags), top


def _lines(M: np.ndarray, ctx: Any, keep: int) -> _Lines | None:
    """The rows of ``M`` (2-d) as :class:`_Lines`; None on inf/nan."""
    rows = [_line(r, ctx, keep) for r in M]
    if any(r is None for r in rows):
        return None
    ints = np.empty(M.shape, dtype=object)
    for i, r in enumerate(rows):
        ints[i, :] = r[0]
    return _Lines(ints, *(tuple(r[k] for r in rows) for k in range(1, 5)))


def _lines_of(operand: np.ndarray, M: np.ndarray, cols: bool, ctx: Any, keep: int) -> _Lines | None:
    """:func:`_lines` of ``M`` (``operand`` or its transpose, ``cols`` saying which), kept for
    a read-only ``operand``: its entries (immutable ``mpf``) cannot change while it lives, and
    the weak reference tells a live array from a new one at the same address."""
    if operand.flags.writeable:
        return _lines(M, ctx, keep)
    key = (id(operand), cols, ctx.prec, keep)
    hit = _FIXED.get(key)
    if hit is not None and hit[0]() is operand:
        return hit[1]
    lines = _lines(M, ctx, keep)
    if len(_FIXED) >= _FIXED_MAX:
        _FIXED.pop(next(iter(_FIXED)))
    _FIXED[key] = (weakref.ref(operand), lines)
    return lines


def _within(exact: np.ndarray, a: _Lines, b: _Lines, inner: int, prec: int) -> bool:
    """Whether what was dropped is below a quarter ulp of every entry of the product.

    A dropped term of entry ``(j, l)`` is below ``2**(cut_A[j] + top_B[l])`` (row ``j`` of A
    lost it) or ``2**(top_A[j] + cut_B[l])``, and there are at most ``inner`` of each.
    """
    bits = int(inner).bit_length()
    for j, col in zip(*np.nonzero(np.ones(exact.shape, dtype=bool))):
        bound = max(a.cut[j] + b.top[col] if a.dropped[j] else _NONE,
                    a.top[j] + b.cut[col] if b.dropped[col] else _NONE)
        if bound == _NONE:
            continue
        c = int(exact[j, col])
        if c == 0 or abs(c).bit_length() - 1 + a.e[j] + b.e[col] - prec - 3 < bound + bits:
            return False
    return True


def exact_matmul(A: np.ndarray, B: np.ndarray, ctx: Any) -> np.ndarray:
    """``A @ B`` for object arrays of ``mpf`` (1-d or 2-d), rounded once per entry.

    Entries of a row of ``A`` (column of ``B``) below ``2**(-prec - GUARD - log2 k)`` of its
    largest are dropped
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
    keep = ctx.prec + GUARD + int(inner).bit_length()
    a, b = _lines_of(A, A2, False, ctx, keep), _lines_of(B, B2.T, True, ctx, keep)
    if a is None or b is None:
        return A @ B
    exact = a.ints @ b.ints.T
    if (any(a.dropped) or any(b.dropped)) and not _within(exact, a, b, inner, ctx.prec):
        return A @ B
    make, prec = ctx.make_mpf, ctx.prec
    out = np.empty(exact.shape, dtype=object)
    for j in range(exact.shape[0]):
        out[j, :] = [make(from_man_exp(int(c), a.e[j] + eb, prec, "n"))
                     for c, eb in zip(exact[j], b.e)]
    if A.ndim == 1 and B.ndim == 1:
        return out[0, 0]
    return out[0] if A.ndim == 1 else out[:, 0] if B.ndim == 1 else out
