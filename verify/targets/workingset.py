r"""Solving the Clarke-KKT program of many samples on a working set of them, exactly.

The program of :func:`verify.targets.clarke.clarke_kkt` has one block of variables per sample
:math:`i` (:math:`\lambda_i` and the kink terms :math:`\mu_j` of that sample) and a dense
second-order cone over all parameters, so one interior-point solve costs about
:math:`(n + p)^3`: half a second at :math:`n = 360`, :math:`p = 390`, at every checkpoint.
Samples of large margin pay :math:`\lambda_i(q_i - 1)` and carry no multiplier at the optimum.

Column generation (e.g. Nocedal & Wright, *Numerical Optimization*, 2nd ed., sec. 16.5 on
active sets) solves the program restricted to a working set :math:`S` (the samples of
smallest margin first), then checks the samples left out against the dual point
:math:`z = r/\|r\|` of the restricted optimum (:math:`r` the stationarity residual): with
:math:`\lambda_i = 0,\ \mu_j = 0` for :math:`i \notin S`, the point is optimal for the whole
program iff every such sample satisfies

.. math:: \sigma_i(z) = \max_{h \in \partial^\circ q_i} \langle z, h\rangle
          \le (q_i - 1)/\|\theta\|,

the dual constraint of :func:`verify.targets.clarke.clarke_certificate`.  Violators join
:math:`S` and the restricted program is solved again.  Nothing is assumed: the result is
certified on the whole program afterwards, as every result is, and a restricted solve that
fails (or an exact fit, :math:`r = 0`, where :math:`z` is undefined) falls back to the whole
program.  Programs of at most :data:`MIN_SAMPLES` samples are always solved whole.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

import numpy as np

from verify.targets.kinks import KinkTerms

#: Programs with at most this many samples are solved whole (every built-in profile).
MIN_SAMPLES = 64

#: ``solve(theta, G0, kinks, margins, final) -> (lam | None, mu, info, note)``: the tolerance
#: ladder when ``final``, else one coarse solve that only has to find the violators.
Solve = Callable[[np.ndarray, np.ndarray, KinkTerms, np.ndarray, bool],
                 tuple[Any, np.ndarray, Any, str]]
#: ``support(z, G0, kinks) -> sigma`` of every sample.
Support = Callable[[np.ndarray, np.ndarray, KinkTerms], np.ndarray]


def restrict(kinks: KinkTerms, keep: np.ndarray) -> tuple[KinkTerms, np.ndarray]:
    """The kink terms of the samples ``keep`` (sorted indices), rows renumbered within
    ``keep``; and the positions of those terms in ``kinks``."""
    where = np.flatnonzero(np.isin(kinks.rows, keep))
    sub = replace(kinks, rows=np.searchsorted(keep, kinks.rows[where]), vectors=kinks.vectors[where],
                  onesided=kinks.onesided[where], pairs=kinks.pairs[where], slack=kinks.slack[where])
    return sub, where


def solve_on_working_set(
    theta: np.ndarray, G0: np.ndarray, kinks: KinkTerms, margins: np.ndarray,
    solve: Solve, support: Support, *, start: int = MIN_SAMPLES,
) -> tuple[Any, np.ndarray, Any, str]:
    """The whole program's solution from restricted solves (module docstring).

    Parameters
    ----------
    theta, G0, kinks, margins
        As :func:`verify.targets.clarke.clarke_kkt` receives them.
    solve, support
        The solver on a program (the full tolerance ladder when its last argument is true)
        and the support function of the Clarke sets.  Rounds that grow the working set use
        the coarse solve; once it finds no violator, the working set is solved on the ladder
        and checked again, so the result is the ladder's on a set that nothing outside joins.
    start
        Size of the first working set (the samples of smallest margin, ties by index).

    Returns
    -------
    tuple
        ``(lam, mu, info, note)`` on all samples, as ``solve`` returns them; the note says
        how many samples the last solve had and after how many rounds.
    """
    n = G0.shape[0]
    if n <= max(start, MIN_SAMPLES):
        return solve(theta, G0, kinks, margins, True)
    t = float(np.linalg.norm(theta))
    S = np.sort(np.argsort(margins, kind="stable")[:start])
    final, rounds = False, 0
    while S.size < n:
        rounds += 1
        sub, where = restrict(kinks, S)
        lam_s, mu_s, info, note = solve(theta, G0[S], sub, margins[S], final)
        if lam_s is None:
            break
        lam, mu = np.zeros(n), np.zeros(kinks.count)
        lam[S], mu[where] = lam_s, mu_s
        add = _violators(theta, G0, kinks, margins, lam, mu, support, t, S)
        if add is None:
            break
        if add.size == 0 and final:
            return lam, mu, info, f"{note}; working set of {S.size} of {n} samples, {rounds} solves"
        final = add.size == 0  # settled on the screening solve: solve S in full accuracy
        S = np.union1d(S, add[:max(S.size, 32)])
    lam, mu, info, note = solve(theta, G0, kinks, margins, True)
    return lam, mu, info, f"{note}; whole program (the working set did not settle)"


def _violators(
    theta: np.ndarray, G0: np.ndarray, kinks: KinkTerms, margins: np.ndarray, lam: np.ndarray,
    mu: np.ndarray, support: Support, t: float, S: np.ndarray,
) -> np.ndarray | None:
    """Samples outside ``S`` whose dual constraint the point ``z = r/||r||`` violates, the
    worst first; ``None`` when ``r = 0`` (no dual point from it)."""
    r = theta - G0.T @ lam - kinks.vectors.T @ mu
    if not np.linalg.norm(r) > 0:
        return None
    excess = support(r / np.linalg.norm(r), G0, kinks) - (margins - 1.0) / t
    excess[S] = -np.inf
    add = np.flatnonzero(excess > 0)
    return add[np.argsort(-excess[add], kind="stable")]
