"""Squared norms of the fused GD step (:mod:`verify.dynamics.kernel`), each sum in a fixed order.

``||A||_F^2`` and ``<A, B>_F`` of ``(d, m)`` arrays sum each column over ``j = 0, 1, ...``
(vectorized across the columns, contiguous) and then the columns in order, so the result is
the same on every CPU.  :func:`step_and_norms` fuses the update ``W -= factor * G`` with the
sums the step needs (``||G||^2``, ``||W_new||^2`` and, in span coordinates, ``<P, W_new>``),
in the same order as the separate passes: the same bits, each array read once.
"""
from __future__ import annotations

import numpy as np

from verify.dynamics.jit import jit as _jit

@_jit
def squares(At: np.ndarray, acc: np.ndarray) -> float:
    """``||A||_F^2`` of ``At`` (``(d, m)``): each column's squares summed over ``j`` in order
    (vectorized across columns, ``acc`` is scratch ``(m,)``), then the columns in order."""
    return products(At, At, acc)


@_jit
def products(At: np.ndarray, Bt: np.ndarray, acc: np.ndarray) -> float:
    """``<A, B>_F`` of ``(d, m)`` arrays in the order of :func:`squares` (fixed, so the same
    on every CPU: per column over ``j = 0, 1, ...``, then over columns)."""
    d, m = At.shape
    for k in range(m):
        acc[k] = 0.0
    for j in range(d):
        for k in range(m):
            acc[k] += At[j, k] * Bt[j, k]
    total = 0.0
    for k in range(m):
        total += acc[k]
    return total


@_jit
def sq_norm(Wt: np.ndarray, a: np.ndarray, kind: int, train_outer: bool, Pt: np.ndarray,
            w0_sq: float, span: bool, scratch: np.ndarray) -> float:
    """``||theta||^2`` over the trained arrays (``Wt`` the first layer transposed); in span
    coordinates (``span``) the first layer's is ``||W0||^2 + 2 <P, B> + ||B||^2``."""
    acc = squares(Wt, scratch)
    if span:
        acc = w0_sq + 2.0 * products(Pt, Wt, scratch) + acc
    return outer_squares(acc, a, kind == 1 and train_outer)


@_jit
def grad_sq(GWt: np.ndarray, Ga: np.ndarray, kind: int, train_outer: bool, acc: np.ndarray) -> float:
    """``||J^T v||^2`` of :func:`pullback`'s output: :func:`squares` of ``GWt``, then the
    outer layer's squares in order (``acc`` scratch ``(m,)``)."""
    return outer_squares(squares(GWt, acc), Ga, kind == 1 and train_outer)


@_jit
def outer_squares(total: float, a: np.ndarray, outer: bool) -> float:
    """``total + sum_k a_k^2`` (in order) when ``outer``, else ``total``."""
    if outer:
        for k in range(len(a)):
            total += a[k] * a[k]
    return total


@_jit
def step_and_norms(Wt: np.ndarray, GWt: np.ndarray, factor: float, Pt: np.ndarray, span: bool,
                   gacc: np.ndarray, wacc: np.ndarray, pacc: np.ndarray) -> tuple[float, float, float]:
    """``Wt -= factor * GWt`` in one pass that also sums, per column over ``j`` in order and
    then over columns, the squares of ``GWt`` (the gradient's, :func:`squares`), of the new
    ``Wt`` and, in span coordinates, ``<Pt, Wt>`` (:func:`products`): the same operations in
    the same order as the separate passes, so the same bits, with ``GWt`` and ``Wt`` read once."""
    d, m = Wt.shape
    for k in range(m):
        gacc[k], wacc[k], pacc[k] = 0.0, 0.0, 0.0
    for j in range(d):
        for k in range(m):
            g = GWt[j, k]
            gacc[k] += g * g
            w = Wt[j, k] - factor * g
            Wt[j, k] = w
            wacc[k] += w * w
            if span:
                pacc[k] += Pt[j, k] * w
    gsq, wsq, psum = 0.0, 0.0, 0.0
    for k in range(m):
        gsq += gacc[k]
        wsq += wacc[k]
        psum += pacc[k]
    return gsq, wsq, psum
