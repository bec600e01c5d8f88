r"""Exact reduction of a two-layer net's KKT program to the span of the data.

The margins :math:`q_i` of a two-layer net see the first-layer rows :math:`w_k` only through
:math:`\langle w_k, x_i\rangle`, and every margin gradient and Clarke kink term has its
:math:`w_k`-block in :math:`\mathrm{span}\{x_1,\dots,x_n\}`.  With :math:`Q\in\mathbb{R}^{r\times d}`
orthonormal rows spanning the data and :math:`P_\perp = I - Q^\top Q`, the augmented
coordinates

.. math::  \tilde w_k = (Q w_k,\ \|P_\perp w_k\|) \in \mathbb{R}^{r+1}, \qquad
           \tilde x_i = (Q x_i,\ 0)

keep every :math:`\langle w_k, x_i\rangle`, every :math:`\|w_k\|` and :math:`\|x_i\|` (so
the margins and the kink test :math:`|\langle w_k,x_i\rangle|\le\tau\|w_k\|\|x_i\|`), and
:math:`\|\theta - \sum_i\lambda_i h_i\|` for every choice of multipliers and Clarke slopes
(the part of :math:`w_k` outside the span is orthogonal to every :math:`h_i`).  The (eps,
delta) program of :func:`verify.targets.clarke.clarke_kkt` built on the augmented net has
the same value, the same minimisers :math:`(\lambda, \mu)` and the same certificate, in
``m (r + 1)`` coordinates instead of ``m d``: at ``d = 32768``, ``n = 10``, ``m = 20`` the
cone shrinks from 655,360 to 220 entries.

Reference: Lyu & Li (2020), ICLR, arXiv:1906.05890 (the (eps, delta)-KKT definition).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: The program is reduced when ``d >= SPAN_MIN_RATIO * n`` (it then shrinks about 4-fold or
#: more); below, it is built as written (the d = 12 construction keeps its exact numerics).
SPAN_MIN_RATIO = 4


@dataclass(frozen=True)
class Augmented:
    """First-layer weights and inputs in the coordinates of the module docstring.

    Parameters
    ----------
    W
        (m, r + 1) rows ``(Q w_k, ||P_perp w_k||)``.
    X
        (n, r + 1) rows ``(Q x_i, 0)``.
    offspan
        ``||P_perp W||_F / ||W||_F``: the share of the weights outside the data span.
    """

    W: np.ndarray
    X: np.ndarray
    offspan: float


def span_basis(X: np.ndarray) -> np.ndarray:
    """Orthonormal rows spanning the rows of ``X`` (n, d): ``Q`` (r, d), ``r = rank X``.

    >>> Q = span_basis(np.array([[1.0, 0, 0], [2.0, 0, 0], [0, 3.0, 0]]))
    >>> Q.shape, bool(np.allclose(Q @ Q.T, np.eye(2)))
    ((2, 3), True)
    """
    _, s, Vt = np.linalg.svd(np.asarray(X, float), full_matrices=False)
    return Vt[s > s.max(initial=0.0) * max(X.shape) * np.finfo(float).eps]


def wide(X: np.ndarray) -> bool:
    """Whether the program is reduced: ``d >= SPAN_MIN_RATIO * n``."""
    n, d = X.shape
    return d >= SPAN_MIN_RATIO * n


def span_augmented(W: np.ndarray, X: np.ndarray) -> Augmented:
    """``W`` (m, d) and ``X`` (n, d) in augmented data-span coordinates.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> W, X = rng.standard_normal((4, 50)), rng.standard_normal((3, 50))
    >>> a = span_augmented(W, X)
    >>> a.W.shape, bool(np.allclose(a.W @ a.X.T, W @ X.T))
    ((4, 4), True)
    >>> bool(np.allclose(np.linalg.norm(a.W, axis=1), np.linalg.norm(W, axis=1)))
    True
    """
    Q = span_basis(X)
    C = W @ Q.T
    perp = np.linalg.norm(W - C @ Q, axis=1)
    Xr = np.hstack([X @ Q.T, np.zeros((len(X), 1))])
    off = float(np.linalg.norm(perp) / np.linalg.norm(W)) if np.any(W) else 0.0
    return Augmented(np.hstack([C, perp[:, None]]), Xr, off)
