r"""The certified lower bound of the two-layer group program, from the best of several multipliers.

Any multiplier vector gives a rigorous lower bound on the min path norm :math:`P^\star`
(:mod:`verify.targets.twolayer`, "Dual bound"): margins, :math:`\lambda \ge 0`,
:math:`P^\star \ge 1^\top\lambda/s`; interpolation, :math:`P^\star \ge |\lambda^\top y|/s`,
with :math:`s \ge \sup_{\|u\|\le1}|\sum_i c_i\phi(\langle u, x_i\rangle)|` bounded over every
chamber by :func:`verify.targets.pathnorm.dual_scale`. So the bound may come from any
solve, and we take the largest.

Why one multiplier is not enough: when the optimum is not unique (a neuron on the kinks of
other samples, as on orthogonal or nearly orthogonal inputs), the multipliers of the
polished program, restricted to the support chambers, need not be dual feasible on the
neighbouring chambers, and those of the full program are inaccurate (the interior point
stalls). The refinement (:func:`refined_multipliers`) re-solves on one chamber per direction
of the support (:func:`verify.targets.groupsocp.merge_parallel`) and adds the chambers on
which the multipliers are not dual feasible, a few at a time: column generation from the
support, where the restricted dual becomes the full one.

Measured on 30 orthogonal draws (n = 4..8, labels +-1, ``tests/test_twolayer_target.py``):
certificates failing on the duality gap went from 8 to 3. The refinement is not monotone
(the restricted solves stall too), so a round's bound may be worse than an earlier one;
only the largest is kept, and a target whose gap stays above its tolerance is not ``ok``.
"""
from __future__ import annotations

from typing import Iterator

import numpy as np

from verify.targets.arrangement import Arrangement
from verify.targets.groupsocp import (
    CG_TOL,
    GroupSolution,
    dual_coef,
    merge_parallel,
    solve_groups,
    support_of,
    violated,
)
from verify.targets.pathnorm import chamber_values, dual_scale

DUAL_ROUNDS = 10  # column-generation rounds of the refinement
REFINE_TOL = 1e-10  # Clarabel's tolerances in the refinement solves


def bound_from(
    X: np.ndarray, y: np.ndarray, alpha: float, arr: Arrangement, kind: str, lam: np.ndarray
) -> tuple[float, float, np.ndarray]:
    r"""The lower bound on :math:`P^\star` certified by ``lam`` (cvxpy's multipliers).

    Returns
    -------
    lower, s, lam
        The bound, the scale :math:`s` and the multipliers used: :math:`\lambda^+` for
        margins, :math:`\pm\lambda` with :math:`\lambda^\top y \ge 0` for interpolation.
    """
    if kind == "margin":
        lam = np.maximum(lam, 0.0)
        s = dual_scale(X, dual_coef(lam, y, kind), alpha, arr)
        return float(lam.sum()) / s, s, lam
    lam = dual_coef(lam, y, kind)
    s = dual_scale(X, lam, alpha, arr)
    return float(lam @ y) / s, s, lam


def best_bound(
    X: np.ndarray, y: np.ndarray, alpha: float, arr: Arrangement, kind: str,
    sol: GroupSolution, upper: float, rtol: float,
) -> tuple[float, float, np.ndarray, str]:
    r"""The largest certified lower bound over the candidate multipliers.

    Candidates: the polished program's, the first solve's, then (only while the bound is
    further than ``rtol`` below ``upper``, the primal value) those of the refinement.

    Returns
    -------
    lower, s, lam, source
        As :func:`bound_from`, and which solve gave the multipliers.
    """
    best = (*bound_from(X, y, alpha, arr, kind, sol.lam), "polished program")
    for source, lam in _candidates(X, y, alpha, arr, kind, sol):
        if not upper - best[0] > rtol * upper:
            break
        if lam is not None and np.all(np.isfinite(lam)):
            lower, s, lam = bound_from(X, y, alpha, arr, kind, lam)
            best = max(best, (lower, s, lam, source), key=lambda b: b[0])
    return best


def _candidates(
    X: np.ndarray, y: np.ndarray, alpha: float, arr: Arrangement, kind: str, sol: GroupSolution
) -> Iterator[tuple[str, np.ndarray | None]]:
    """The first solve's multipliers, then the refinement's, lazily."""
    yield "first solve", sol.lam_first
    for rnd, lam in enumerate(refined_multipliers(X, y, alpha, arr, kind, sol), start=1):
        yield f"dual refinement round {rnd}", lam


def refined_multipliers(
    X: np.ndarray, y: np.ndarray, alpha: float, arr: Arrangement, kind: str, sol: GroupSolution
) -> Iterator[np.ndarray | None]:
    """Multipliers of re-solves on the merged support plus the dual-violating chambers.

    Each round solves on the current chambers (Clarabel at :data:`REFINE_TOL`), yields its
    multipliers, and adds up to ``n`` u- and v-chambers with :math:`\\rho > 1 +`
    :data:`verify.targets.groupsocp.CG_TOL`; it stops when none is violated, after
    :data:`DUAL_ROUNDS` rounds, or when a solve has no multipliers.
    """
    Dt, Sgn, k = alpha + (1.0 - alpha) * arr.patterns, arr.signs, X.shape[0]
    su, sv = support_of(sol.U, sol.V)
    iu, iv = sol.ju[su][merge_parallel(sol.U[su])], sol.jv[sv][merge_parallel(sol.V[sv])]
    for _ in range(DUAL_ROUNDS):
        _, _, lam, _ = solve_groups(X, y, Dt[iu], Sgn[iu], Dt[iv], Sgn[iv], kind, REFINE_TOL)
        yield lam
        if lam is None or not np.all(np.isfinite(lam)):
            return
        cut = 1.0 + CG_TOL
        rp, rm = chamber_values(X, dual_coef(lam, y, kind), alpha, arr, floor=cut)
        add_u, add_v = violated(rp, iu, k, cut), violated(rm, iv, k, cut)
        if not (add_u.size or add_v.size):
            return
        iu, iv = np.concatenate([iu, add_u]), np.concatenate([iv, add_v])
