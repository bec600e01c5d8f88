r"""The set-valued part of a ReLU network's margin gradients at kinks.

At a pair (sample :math:`i`, neuron :math:`k`) with :math:`\langle w_k, x_i\rangle = 0` the
derivative of the leaky ReLU is any slope in :math:`[\alpha, 1]` (Clarke subdifferential),
so the gradient of the margin :math:`q_i` is the set :math:`h_i = g^0_i + \sum_j s_j c_j`,
:math:`s_j \in [\alpha, 1]`.  This module splits the one-sided Jacobian of
:class:`~verify.problem.models.TwoLayer` into that smooth part and kink terms; pairs with
:math:`|\langle w_k,x_i\rangle| \le \tau\|w_k\|\|x_i\|` count as kinks.  The KKT program
that chooses the slopes is :mod:`verify.targets.clarke`.

Reference: Lyu & Li (2020), ICLR, arXiv:1906.05890 (Clarke subdifferential, (eps, delta)-KKT).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KINK_TAU = 1e-3  # |<w_k, x_i>| <= KINK_TAU ||w_k|| ||x_i|| marks a kink pair (see kkt_target)


@dataclass(frozen=True)
class KinkTerms:
    r"""Set-valued part of the margin gradients: :math:`h_i = g^0_i + \sum_{i_j=i}s_jc_j`.

    Parameters
    ----------
    rows, vectors
        (K,) sample index :math:`i_j` and (K, p) vector :math:`c_j` of each kink term.
    lo, hi
        Slope interval :math:`[\ell, u]` (:math:`[\alpha, 1]` for leaky ReLU).
    onesided
        (K,) the slope the one-sided Jacobian used (in ``[lo, hi]``).
    pairs, slack
        (K, 2) (sample, neuron) and (K,) :math:`|\langle w_k,x_i\rangle|/(\|w_k\|\|x_i\|)`.
    tau
        The kink threshold used to select the pairs.
    """

    rows: np.ndarray
    vectors: np.ndarray
    lo: float
    hi: float
    onesided: np.ndarray
    pairs: np.ndarray
    slack: np.ndarray
    tau: float

    @classmethod
    def none(cls, p: int) -> KinkTerms:
        """No kink terms (smooth margins, e.g. the linear model)."""
        e = np.zeros(0)
        return cls(np.zeros(0, int), np.zeros((0, p)), 1.0, 1.0, e, np.zeros((0, 2), int), e, 0.0)

    @property
    def count(self) -> int:
        """Number K of kink terms."""
        return int(self.rows.size)


def relu_kinks(
    G: np.ndarray, W: np.ndarray, a: np.ndarray, X: np.ndarray, y: np.ndarray,
    *, alpha: float, scale: float = 1.0, tau: float = KINK_TAU,
) -> tuple[np.ndarray, KinkTerms]:
    r"""Split the one-sided Jacobian of a two-layer leaky-ReLU net into ``g0`` and kink terms.

    Parameters
    ----------
    G
        (n, p) rows :math:`y_i\,\partial f(x_i)/\partial\theta` with the ``W`` block first
        (row-major, :math:`w_k` at columns ``k*d:(k+1)*d``) as in ``TwoLayer.flatten``.
    W, a, X, y
        Weights (m, d), outer weights (m,), inputs (n, d) and labels (n,) at the point of G.
    alpha
        Leaky slope; the Clarke slope interval is :math:`[\alpha, 1]`.
    scale
        The net's output scale s (1, or 1/m in the mean-field scaling).
    tau
        Pair (i, k) is a kink when :math:`|\langle w_k,x_i\rangle|\le\tau\|w_k\|\|x_i\|`.

    Returns
    -------
    G0, KinkTerms
        ``G`` with the :math:`w_k` block of every kink pair set to 0, and the terms
        :math:`c_j = y_i s a_k x_i` (in block k) with the one-sided slopes.

    Notes
    -----
    Pairs with :math:`w_k = 0` or :math:`x_i = 0` count as kinks. A near-kink
    (:math:`0 < |\langle w_k,x_i\rangle| \le \tau\|w_k\|\|x_i\|`) gets the Clarke set of the
    point where :math:`w_k` is moved by at most :math:`\tau\|w_k\|` onto :math:`x_i^\perp`,
    so the certificate is that of a point within relative distance tau per such neuron.
    """
    d = X.shape[1]
    Z = X @ W.T
    size = np.outer(np.linalg.norm(X, axis=1), np.linalg.norm(W, axis=1))
    slack = np.divide(np.abs(Z), size, out=np.zeros_like(Z), where=size > 0)
    pairs = np.argwhere(slack <= tau)
    G0 = np.array(G, dtype=float, copy=True)
    C = np.zeros((len(pairs), G.shape[1]))
    for j, (i, k) in enumerate(pairs):
        G0[i, k * d:(k + 1) * d] = 0.0
        C[j, k * d:(k + 1) * d] = y[i] * scale * a[k] * X[i]
    onesided = np.where(Z[pairs[:, 0], pairs[:, 1]] >= 0, 1.0, alpha) if len(pairs) else np.zeros(0)
    _check_split(G, G0, C, pairs[:, 0], onesided)
    return G0, KinkTerms(pairs[:, 0].copy(), C, float(alpha), 1.0, onesided, pairs,
                         slack[pairs[:, 0], pairs[:, 1]], float(tau))


def _check_split(
    G: np.ndarray, G0: np.ndarray, C: np.ndarray, rows: np.ndarray, s: np.ndarray
) -> None:
    """ValueError unless g0 + one-sided slope * c_j rebuilds ``G`` (layout and scale check)."""
    back = G0.copy()
    np.add.at(back, rows, s[:, None] * C)
    size = max(np.max(np.abs(G), initial=0.0), 1e-300)
    if np.max(np.abs(back - G), initial=0.0) > 1e-12 * size:
        raise ValueError("kink terms do not rebuild the Jacobian (W block layout or output scale)")


def check_kinks(kinks: KinkTerms, shape: tuple[int, int]) -> None:
    """ValueError unless the kink terms fit ``G0`` of ``shape``."""
    (n, p), K = shape, kinks.count
    if kinks.vectors.shape != (K, p) or kinks.onesided.shape != (K,):
        raise ValueError(f"kink vectors must have shape ({K}, {p}), got {kinks.vectors.shape}")
    if K and (kinks.rows.min() < 0 or kinks.rows.max() >= n):
        raise ValueError(f"kink rows must index the {n} samples")
    if not kinks.lo <= kinks.hi or not np.all(np.isfinite(kinks.vectors)):
        raise ValueError(f"need finite kink vectors and lo <= hi, got [{kinks.lo}, {kinks.hi}]")
