r"""Solving the group-lasso SOCP of the two-layer convex reformulation, and polishing it.

The program of Pilanci & Ergen (2020, "Neural networks are convex regularizers", ICML,
arXiv:2002.10553), in the notation of :mod:`verify.targets.twolayer`:

.. math::  \min \sum_{j\in J_u}\|u_j\| + \sum_{j\in J_v}\|v_j\| \ \text{s.t.}\
           \mathrm{fit}\Big(\sum_{J_u}\tilde D_jXu_j - \sum_{J_v}\tilde D_jXv_j\Big),\
           (2D_j - I)Xu_j \ge 0,\ (2D_j - I)Xv_j \ge 0,

with fit :math:`y \odot f \ge 1` (margins) or :math:`f = y` (interpolation). Three steps:

1. *Columns.* With at most :data:`CG_MIN_PATTERNS` patterns, :math:`J_u = J_v` = all of
   them. Otherwise column generation: solve on a few chambers, add those whose dual
   constraint :math:`\rho^\pm_j \le 1` (:func:`verify.targets.pathnorm.chamber_values`)
   fails, repeat; at the fixed point the multipliers are dual feasible on every chamber.
2. *Polish.* Interior-point solutions leave every inactive group at a small nonzero norm,
   and dropping them all costs far more than the solver tolerance; on the support alone the
   objective is smooth at the optimum and a re-solve is accurate (tolerance loosened by
   :data:`POLISH_TOL_STEPS` until Clarabel says ``optimal``). When the optimum is not
   unique the support is not small: a neuron sitting on the kinks of some samples
   (:math:`\langle u, x_i\rangle = 0`) lies in every chamber that differs only on those
   samples, and the interior point spreads it over all of them as parallel groups of equal
   cost, on which Clarabel stalls at a primal residual of about 1e-11. Such groups are then
   merged (:func:`merge_parallel`: one chamber per direction) and the support is re-solved,
   for up to :data:`POLISH_ROUNDS` rounds. Merging only proposes which groups to re-solve;
   the re-solve enforces every cone constraint and the result is certified as below.
3. Nothing here is trusted: the caller certifies the polished point (network margins, path
   norm, dual bound over *all* chambers, :mod:`verify.targets.twolayer`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from verify.targets.arrangement import Arrangement
from verify.lazy import lazy
from verify.targets.pathnorm import chamber_values, witness_values
from verify.targets.solve import SolveInfo, solve_clarabel

cp = lazy("cvxpy")  # imported when the first program is built (verify.lazy)


SUPPORT_RTOL = 1e-6  # groups above SUPPORT_RTOL * max norm form the support re-solved in the polish
POLISH_TOL_STEPS = (1.0, 1e1, 1e2, 1e3, 1e4)  # polish tolerances (units of tol) until "optimal"
POLISH_ROUNDS = 3  # support re-solves, merging parallel groups after a failed one
PARALLEL_COS = 1.0 - 1e-4  # groups whose directions have cosine above this are merged
RETRY_SETTINGS = {"equilibrate_enable": False}  # full program again after a solver_error
CG_MIN_PATTERNS = 500  # above this many patterns, solve by column generation
CG_MAX_ROUNDS = 40  # column-generation rounds before falling back to the full program
CG_TOL = 1e-9  # a chamber violates dual feasibility when rho > 1 + CG_TOL
CG_RAY_RTOL = 1e-6  # after an infeasible round, add chambers where the Farkas ray has rho > this * max


@dataclass(frozen=True)
class GroupSolution:
    """A solved (and, when possible, polished) group program.

    ``U``, ``V`` (rows: groups), the multipliers ``lam`` of the fit constraints (cvxpy's
    sign), the run ``info`` of the returned point, ``groups`` = ``[signs | vstack(U, V)]``
    (one row per group, for :func:`verify.targets.pathnorm.cone_violation`), a ``note``,
    the chambers ``ju``, ``jv`` of the rows of ``U``, ``V`` and the multipliers
    ``lam_first`` of the first (unpolished) solve, another candidate for the dual bound.
    """

    U: np.ndarray
    V: np.ndarray
    lam: np.ndarray
    info: SolveInfo
    groups: np.ndarray
    note: str
    ju: np.ndarray
    jv: np.ndarray
    lam_first: np.ndarray


def solve_group_program(
    X: np.ndarray, y: np.ndarray, alpha: float, arr: Arrangement, kind: str, tol: float
) -> GroupSolution | SolveInfo:
    r"""Solve (all patterns, or by column generation when there are many), then polish.

    Parameters
    ----------
    X, y
        Data (n, d) and labels (margins) or targets (interpolation).
    alpha
        Leaky slope.
    arr
        The activation patterns.
    kind
        ``"margin"`` (:math:`y \odot f \ge 1`) or ``"equal"`` (:math:`f = y`).
    tol
        Clarabel's tolerances (the polish may loosen them, see :data:`POLISH_TOL_STEPS`).

    Returns
    -------
    GroupSolution or SolveInfo
        The (polished) solution, or the failing run when there is no primal point (e.g.
        status ``"infeasible"``).
    """
    Dt, Sgn = alpha + (1.0 - alpha) * arr.patterns, arr.signs
    many = arr.n_patterns > CG_MIN_PATTERNS
    first = _generate_columns(X, y, alpha, arr, kind, tol) if many else None
    if first is None:
        iu = iv = np.arange(arr.n_patterns)
        whole = group_program(X, y, Dt, Sgn, Dt, Sgn, kind)
        U, V, lam, info = solve_program(whole, tol)
        how = f"full program: {summary(info)}"
        if info.status == "solver_error":  # Clarabel's numerical failure, not infeasibility
            U, V, lam, info = solve_program(whole, tol, RETRY_SETTINGS)
            how += f"; retried with {RETRY_SETTINGS}: {summary(info)}"
    else:
        iu, iv, U, V, lam, info, how = first
    if U is None or V is None or lam is None:
        return info
    polished = _polish(X, y, Dt, Sgn, iu, iv, U, V, kind, tol)
    if polished is None:
        groups = np.hstack([np.vstack([Sgn[iu], Sgn[iv]]), np.vstack([U, V])])
        note = f"{how}; polish failed, solution kept"
        return GroupSolution(U, V, lam, info, groups, note, iu, iv, lam)
    ju, jv, U2, V2, lam2, info2, rounds, t = polished
    note = f"{how}; polished on {ju.size} + {jv.size} groups at tol={t:.0e}"
    note += f" (round {rounds}): " if rounds > 1 else ": "
    note += f"{info2.iterations} iterations, {info2.seconds:.3g} s"
    groups = np.hstack([np.vstack([Sgn[ju], Sgn[jv]]), np.vstack([U2, V2])])
    return GroupSolution(U2, V2, lam2, info2, groups, note, ju, jv, lam)


def _polish(
    X: np.ndarray, y: np.ndarray, Dt: np.ndarray, Sgn: np.ndarray, iu: np.ndarray,
    iv: np.ndarray, U: np.ndarray, V: np.ndarray, kind: str, tol: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, SolveInfo, int, float] | None:
    """Re-solve on the support until Clarabel says ``optimal`` (see the module docstring).

    Round 1 re-solves the groups above :data:`SUPPORT_RTOL` at the tolerances
    :data:`POLISH_TOL_STEPS`; after a failed round, the groups of its tightest solve (or of
    ``U``, ``V`` when that has no point) are thresholded again and their parallel groups
    merged. Returns ``(ju, jv, U, V, lam, info, round, tol)`` or None (no round reached
    ``optimal``, or the proposed support stopped changing).
    """
    ju, jv = (idx[s] for idx, s in zip((iu, iv), support_of(U, V)))
    for rnd in range(1, POLISH_ROUNDS + 1):
        first, small = None, group_program(X, y, Dt[ju], Sgn[ju], Dt[jv], Sgn[jv], kind)
        for t in tol * np.array(POLISH_TOL_STEPS):  # the small program at tol, then looser
            U2, V2, lam2, info2 = solve_program(small, t)
            if U2 is not None and V2 is not None and lam2 is not None:
                if info2.status == "optimal":
                    return ju, jv, U2, V2, lam2, info2, rnd, float(t)
                first = (U2, V2) if first is None else first
        Ub, Vb, kb, lb = (U, V, iu, iv) if first is None else (first[0], first[1], ju, jv)
        su, sv = support_of(Ub, Vb)
        nu, nv = kb[su][merge_parallel(Ub[su])], lb[sv][merge_parallel(Vb[sv])]
        if np.array_equal(nu, ju) and np.array_equal(nv, jv):
            return None
        ju, jv = nu, nv
    return None


def merge_parallel(M: np.ndarray, cos: float = PARALLEL_COS) -> np.ndarray:
    r"""Rows of ``M`` that represent its directions: the largest norm first, then every row
    whose cosine with each representative so far is at most ``cos`` (sorted indices).

    Parallel groups :math:`u_j = c_ju` in chambers :math:`K_j` that all contain :math:`u`
    cost :math:`\sum_j c_j\|u\|`, the same as one group :math:`u\sum_jc_j` in any of them,
    so one chamber per direction keeps an optimal point feasible for the re-solve.
    """
    norms = np.linalg.norm(M, axis=1)
    reps: list[int] = []
    for j in np.argsort(-norms, kind="stable"):
        if not reps or norms[j] > 0 and all(M[k] @ M[j] <= cos * norms[k] * norms[j] for k in reps):
            reps.append(int(j))
    return np.sort(np.array(reps, dtype=int))


def _generate_columns(
    X: np.ndarray, y: np.ndarray, alpha: float, arr: Arrangement, kind: str, tol: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, SolveInfo, str] | None:
    r"""Column generation over the chambers: solve on a few patterns, add the dual-violating ones.

    Start from the :math:`2n` chambers with the largest :math:`\rho^\pm_j` for
    :math:`\lambda = 1` (margins) or :math:`\lambda = y` (interpolation); after each solve,
    add up to :math:`2n` u-groups (v-groups) with :math:`\rho^+_j > 1 +` :data:`CG_TOL`
    (:math:`\rho^-_j`), :func:`verify.targets.pathnorm.chamber_values`; when a restricted
    program is infeasible, add the chambers on which its Farkas ray is not ~0. At the fixed
    point the multipliers are dual feasible on every chamber, so the restricted optimum is
    global. Returns None when stuck (the caller then solves the full program).
    """
    Dt, Sgn, k = alpha + (1.0 - alpha) * arr.patterns, arr.signs, 2 * X.shape[0]
    rp, rm = chamber_values(X, y, alpha, arr, floor=np.inf)
    iu, iv = np.argsort(-rp)[:k], np.argsort(-rm)[:k]
    seconds = 0.0
    for rnd in range(CG_MAX_ROUNDS):
        U, V, lam, info = solve_groups(X, y, Dt[iu], Sgn[iu], Dt[iv], Sgn[iv], kind, tol)
        seconds += info.seconds
        if lam is None or not np.all(np.isfinite(lam)):
            return None
        if U is None or V is None:  # infeasible: lam is a Farkas ray, ~0 on the current groups
            rp, rm = chamber_values(X, dual_coef(lam, y, kind), alpha, arr, floor=np.inf)
            cut = CG_RAY_RTOL * max(rp.max(), rm.max())
        else:  # sure violations at the witnesses first; the certified values when too few
            cut = 1.0 + CG_TOL
            rp, rm = witness_values(X, dual_coef(lam, y, kind), alpha, arr)
            if violated(rp, iu, k, cut).size + violated(rm, iv, k, cut).size < k:
                rp, rm = chamber_values(X, dual_coef(lam, y, kind), alpha, arr, floor=cut)
        add_u, add_v = violated(rp, iu, k, cut), violated(rm, iv, k, cut)
        if not (add_u.size or add_v.size):
            if U is None or V is None:
                return None
            how = f"column generation: {rnd + 1} rounds, {iu.size} + {iv.size} of "
            how += f"{arr.n_patterns} patterns, {seconds:.3g} s, last {summary(info)}"
            return iu, iv, U, V, lam, info, how
        iu, iv = np.concatenate([iu, add_u]), np.concatenate([iv, add_v])
    return None


def violated(rho: np.ndarray, current: np.ndarray, k: int, cut: float) -> np.ndarray:
    """Up to k chambers outside ``current`` with the largest ``rho > cut``."""
    order = np.argsort(-rho)
    order = order[rho[order] > cut]
    return order[~np.isin(order, current)][:k]


def dual_coef(lam: np.ndarray, y: np.ndarray, kind: str) -> np.ndarray:
    r"""Coefficients :math:`c` of :math:`g(u) = \sum_i c_i\phi(\langle u, x_i\rangle)` for the dual check.

    Margins: :math:`\lambda^+\odot y`. Interpolation: :math:`\pm\lambda` with the sign making
    :math:`\lambda^\top y > 0` (cvxpy's sign convention for equality duals).
    """
    if kind == "margin":
        return np.maximum(lam, 0.0) * y
    return lam if float(lam @ y) >= 0 else -lam


def support_of(U: np.ndarray, V: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Groups with norm above ``SUPPORT_RTOL * max``; at least one of each kind (cvxpy needs it)."""
    nu, nv = np.linalg.norm(U, axis=1), np.linalg.norm(V, axis=1)
    top = max(nu.max(), nv.max())
    iu, iv = np.flatnonzero(nu > SUPPORT_RTOL * top), np.flatnonzero(nv > SUPPORT_RTOL * top)
    return (iu if iu.size else np.argmax(nu)[None]), (iv if iv.size else np.argmax(nv)[None])


def group_program(
    X: np.ndarray, y: np.ndarray, Du: np.ndarray, Su: np.ndarray, Dv: np.ndarray,
    Sv: np.ndarray, kind: str,
) -> tuple[Any, Any, Any, Any]:
    """The group-lasso SOCP (u-groups on patterns ``Du``, v-groups on ``Dv``) as a cvxpy
    problem with its variables ``U``, ``V`` and fit constraint; :func:`solve_program` solves
    it at one tolerance or several (cvxpy keeps its canonical form between solves)."""
    d = X.shape[1]
    U, V = cp.Variable((len(Du), d)), cp.Variable((len(Dv), d))
    f = cp.sum(cp.multiply(Du, U @ X.T), axis=0) - cp.sum(cp.multiply(Dv, V @ X.T), axis=0)
    fit = cp.multiply(y, f) >= 1 if kind == "margin" else f == y
    cons = [fit, cp.multiply(Su, U @ X.T) >= 0, cp.multiply(Sv, V @ X.T) >= 0]
    obj = cp.sum(cp.norm(U, 2, axis=1)) + cp.sum(cp.norm(V, 2, axis=1))
    return cp.Problem(cp.Minimize(obj), cons), U, V, fit


def solve_program(
    program: tuple[Any, Any, Any, Any], tol: float, settings: dict[str, Any] | None = None,
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None, SolveInfo]:
    """Clarabel on a :func:`group_program` at ``tol`` (``settings``: further Clarabel
    settings, :func:`verify.targets.solve.solve_clarabel`, which starts cold: the result is
    that of a fresh problem). Returns (U, V, multipliers of the fit constraints, info);
    nothing of an earlier solve of the program is kept."""
    problem, U, V, fit = program
    for v in problem.variables():
        v.value = None
    for c in problem.constraints:
        c.save_dual_value(None)
    info = solve_clarabel(problem, tol=tol, settings=settings)
    lam = None if fit.dual_value is None else np.asarray(fit.dual_value, float).ravel()
    if U.value is None or V.value is None:
        return None, None, lam, info
    return np.asarray(U.value, float), np.asarray(V.value, float), lam, info


def solve_groups(
    X: np.ndarray, y: np.ndarray, Du: np.ndarray, Su: np.ndarray, Dv: np.ndarray,
    Sv: np.ndarray, kind: str, tol: float, settings: dict[str, Any] | None = None,
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None, SolveInfo]:
    """:func:`solve_program` of a new :func:`group_program` (one tolerance)."""
    return solve_program(group_program(X, y, Du, Su, Dv, Sv, kind), tol, settings)


def summary(info: SolveInfo) -> str:
    """One-line account of a Clarabel run."""
    text = f"{info.status}, {info.iterations} iterations, {info.seconds:.3g} s"
    return text + "".join(f" (warning: {m})" for m in info.warnings)
