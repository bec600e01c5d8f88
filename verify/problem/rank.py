r"""Spectral summaries of a weight matrix: stable rank and energy beyond rank k.

Stable rank :math:`\mathrm{srank}(W) = \|W\|_F^2/\|W\|_2^2 \in [1, \mathrm{rank}\,W]`, equal to
1 iff ``W`` has rank 1 (Kou, Chen & Gu 2023, arXiv:2310.18935; Frei et al. 2023,
arXiv:2210.07082).  Computed in float64 from the singular values.
"""
from __future__ import annotations

import numpy as np


def singular_values(W: np.ndarray) -> np.ndarray:
    """Singular values of ``W`` in decreasing order (float64)."""
    return np.linalg.svd(np.asarray(W, dtype=float), compute_uv=False)


def stable_rank(W: np.ndarray) -> float:
    r"""``||W||_F^2 / ||W||_2^2`` (NaN for ``W = 0``).

    Examples
    --------
    >>> stable_rank(np.outer([1.0, 2.0], [3.0, 4.0]))
    1.0
    >>> stable_rank(np.eye(3))
    3.0
    """
    s = singular_values(W)
    return float(np.sum(s * s) / (s[0] * s[0])) if s.size and s[0] > 0 else float("nan")


def tail_energy(W: np.ndarray, k: int) -> float:
    r"""Share of :math:`\|W\|_F^2` beyond the first ``k`` singular values,
    :math:`\sum_{j>k}\sigma_j^2/\sum_j\sigma_j^2` (0 iff ``rank W <= k``).

    Examples
    --------
    >>> tail_energy(np.diag([3.0, 4.0, 0.0]), 2)
    0.0
    >>> round(tail_energy(np.diag([2.0, 1.0, 1.0]), 2), 6)
    0.166667
    """
    s2 = singular_values(W) ** 2
    total = float(np.sum(s2))
    return float(np.sum(s2[k:]) / total) if total > 0 else float("nan")
