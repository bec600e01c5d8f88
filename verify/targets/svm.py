r"""Hard-margin linear SVM without bias, with an independent certificate and mpmath polish.

Soudry, Hoffer, Nacson, Gunasekar & Srebro (2018), "The implicit bias of gradient descent
on separable data" (JMLR 19:70, arXiv:1710.10345): on linearly separable data, gradient
descent on the logistic loss converges in direction to

.. math::  \hat w = \arg\min_w \tfrac12\|w\|^2 \quad\text{s.t.}\quad
           y_i\langle w, x_i\rangle \ge 1 \;(i = 1..n),

whose linear max margin is :math:`\gamma_{\rm lin} = 1/\|\hat w\|`. With
:math:`z_i = y_i x_i` the KKT conditions are: :math:`Z w \ge 1` (primal feasibility),
:math:`\beta \ge 0` (dual feasibility), :math:`w = Z^\top\beta` (stationarity),
:math:`\beta_i(\langle w, z_i\rangle - 1) = 0` (complementarity), and the dual
:math:`\max_{\beta\ge0} 1^\top\beta - \tfrac12\|Z^\top\beta\|^2` has the same value.

The program is solved by Clarabel at tight tolerances (:mod:`verify.targets.solve`), the
residuals above are recomputed by :func:`svm_certificate` (never trusting the status), and
the active-set system :math:`K_{SS}\beta_S = 1`, :math:`K = ZZ^\top`, is re-solved in
mpmath from exact float64 inputs (:mod:`verify.targets.polish`; paper notes 5.0, C1).
When support vectors are linearly dependent the multipliers are not unique; the polish
then returns one valid set (on a linearly independent subset of the support).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from verify.targets import polish as P
from verify.targets.base import Target
from verify.lazy import lazy
from verify.targets.solve import SolveInfo, solve_clarabel

cp = lazy("cvxpy")  # imported when the first program is built (verify.lazy)


SUPPORT_RTOL = 1e-9  # beta_i > SUPPORT_RTOL * max(beta) marks a support vector
SLACK_TOL = 1e-8  # or margin - 1 < SLACK_TOL (second candidate active set)


@dataclass(frozen=True)
class _Polished:
    """A polished SVM point: active set, multipliers, weights and margin (mpmath)."""

    support: np.ndarray
    beta: Any
    w: list[Any]
    gamma: Any


def hard_margin_svm(
    X: np.ndarray,
    y: np.ndarray,
    *,
    tol: float = 1e-12,
    polish_dps: int = 50,
    cert_tol: float = 1e-8,
) -> Target:
    r"""Solve the hard-margin SVM without bias and certify the solution.

    Parameters
    ----------
    X
        Inputs, shape (n, d), finite.
    y
        Labels in {-1, +1}, shape (n,).
    tol
        Clarabel's ``tol_gap_abs = tol_gap_rel = tol_feas``.
    polish_dps
        Decimal digits of the mpmath active-set polish (>= 30).
    cert_tol
        Tolerance of every certificate entry (``Target.tolerance``).

    Returns
    -------
    Target
        ``name="svm"``; values ``w`` (d,), ``dual`` (n,) with :math:`w = \sum_i
        \beta_i y_i x_i`, ``gamma`` :math:`= 1/\|w\|`, ``norm_w``, ``support`` (indices
        with :math:`\beta_i > 0` after polishing, :math:`\beta_i > 10^{-9}\max\beta`
        otherwise), ``w_unit``, the raw solver point ``w_solver``, ``dual_solver``,
        ``gamma_solver``, and when polished ``gamma_mp`` (string, ``polish_dps`` digits).
        The certificate is :func:`svm_certificate` at the returned point. Non-separable
        data give status ``"infeasible"`` and ``ok == False`` (no exception).

    Raises
    ------
    ValueError
        Malformed input: shapes, non-finite entries, labels outside {-1, +1}.
    """
    X, y = _validated(X, y)
    Z = y[:, None] * X  # exact: y is +-1
    w, beta, info = _solve(Z, tol)
    if w is None or beta is None:
        return _unsolved(info, Z, beta, cert_tol)
    note = f"Clarabel: {info.iterations} iterations, {info.seconds:.3g} s"
    note += "".join(f"; warning: {m}" for m in info.warnings)
    solver_vals = {"w_solver": w, "dual_solver": beta, "gamma_solver": 1.0 / np.linalg.norm(w)}
    polished = _polish(Z, w, beta, polish_dps)
    if polished is None:
        vals = _values(w, beta, np.flatnonzero(beta > SUPPORT_RTOL * beta.max())) | solver_vals
        note += f"; polish at dps={polish_dps} rejected (no active set gave beta_S > 0 and"
        note += " all margins >= 1); solver point kept"
    else:
        vals = _polished_values(polished, len(y), polish_dps) | solver_vals
        w, beta = vals["w"], vals["dual"]
        note += f"; polished at dps={polish_dps} on {polished.support.size} support vectors"
    cert = svm_certificate(X, y, w, beta)
    return Target("svm", info.status, info.solver, vals, cert, cert_tol, polished is not None, note)


def svm_certificate(
    X: np.ndarray, y: np.ndarray, w: np.ndarray, beta: np.ndarray
) -> dict[str, float]:
    r"""KKT residuals of the hard-margin SVM at ``(w, beta)``, computed with numpy only.

    Parameters
    ----------
    X, y
        Data (n, d) and labels (n,) in {-1, +1}.
    w
        Primal point (d,).
    beta
        Multipliers (n,).

    Returns
    -------
    dict
        ``primal_infeasibility`` :math:`=\max(0, \max_i 1 - y_i\langle w,x_i\rangle)`;
        ``dual_infeasibility`` :math:`=\max(0,-\min\beta)`;
        ``stationarity`` :math:`=\|w - \sum\beta_i y_i x_i\| / \max(1,\|w\|)`;
        ``complementarity`` :math:`=\max_i|\beta_i(y_i\langle w,x_i\rangle - 1)|`;
        ``duality_gap`` :math:`=|\tfrac12\|w\|^2 - (1^\top\beta - \tfrac12\|\sum
        \beta_i y_i x_i\|^2)| / \max(1, \tfrac12\|w\|^2)`.
    """
    X, y = _validated(X, y)
    w, beta = np.asarray(w, float), np.asarray(beta, float)
    Z = y[:, None] * X
    slack = Z @ w - 1.0
    comb = Z.T @ beta
    primal, dual = 0.5 * float(w @ w), float(beta.sum()) - 0.5 * float(comb @ comb)
    return {
        "primal_infeasibility": max(0.0, float(-slack.min())),
        "dual_infeasibility": max(0.0, float(-beta.min())),
        "stationarity": float(np.linalg.norm(w - comb)) / max(1.0, float(np.linalg.norm(w))),
        "complementarity": float(np.max(np.abs(beta * slack))),
        "duality_gap": abs(primal - dual) / max(1.0, primal),
    }


def _validated(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Float copies of ``X`` (n, d) and ``y`` (n,), or ValueError naming the problem."""
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X must be a non-empty 2-D array (n, d), got shape {X.shape}")
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},) to match X, got {y.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError("X contains non-finite entries")
    if not np.all((y == 1.0) | (y == -1.0)):
        raise ValueError("labels y must be in {-1, +1}")
    return X, y


def _solve(Z: np.ndarray, tol: float) -> tuple[np.ndarray | None, np.ndarray | None, SolveInfo]:
    """Clarabel on min 1/2||w||^2 s.t. Z w >= 1; returns (w, beta, info), arrays or None."""
    w = cp.Variable(Z.shape[1])
    margin = Z @ w >= 1
    info = solve_clarabel(cp.Problem(cp.Minimize(0.5 * cp.sum_squares(w)), [margin]), tol=tol)
    beta = None if margin.dual_value is None else np.asarray(margin.dual_value, float).ravel()
    return (None if w.value is None else np.asarray(w.value, float)), beta, info


def _unsolved(info: SolveInfo, Z: np.ndarray, ray: np.ndarray | None, cert_tol: float) -> Target:
    r"""Target for a solve without a primal point (e.g. non-separable data: ``infeasible``).

    When Clarabel returns a Farkas ray :math:`\beta \ge 0`, :math:`Z^\top\beta \approx 0`, it
    is stored normalised to sum 1 as ``infeasibility_ray``, with ``ray_residual``
    :math:`=\|Z^\top\beta\|/\max_i\|z_i\|` (small means the data are not separable).
    """
    vals: dict[str, Any] = {}
    note = f"no primal point (status {info.status!r})" + "".join(f"; {m}" for m in info.warnings)
    if ray is not None and np.all(np.isfinite(ray)) and ray.sum() > 0:
        ray = np.maximum(ray, 0.0) / ray.sum()
        residual = float(np.linalg.norm(Z.T @ ray) / np.linalg.norm(Z, axis=1).max())
        vals = {"infeasibility_ray": ray, "ray_residual": residual}
        note += f"; Farkas ray residual {residual:.2g} (small: data not separable)"
    return Target("svm", info.status, info.solver, vals, {}, cert_tol, False, note)


def _values(w: np.ndarray, beta: np.ndarray, support: np.ndarray) -> dict[str, Any]:
    """Float64 values of a (solver) point."""
    norm = float(np.linalg.norm(w))
    return {
        "w": w,
        "dual": beta,
        "gamma": 1.0 / norm,
        "norm_w": norm,
        "support": support,
        "w_unit": w / norm,
    }


def _polished_values(p: _Polished, n: int, dps: int) -> dict[str, Any]:
    """Values of a polished point, rounded from mpmath."""
    dual = np.zeros(n)
    dual[p.support] = P.to_numpy(p.beta)
    return {
        "w": P.to_numpy(p.w),
        "dual": dual,
        "gamma": float(p.gamma),
        "norm_w": float(1 / p.gamma),
        "support": p.support,
        "w_unit": np.array([float(wk * p.gamma) for wk in p.w]),
        "gamma_mp": p.gamma.context.nstr(p.gamma, dps),
    }


def _polish(Z: np.ndarray, w: np.ndarray, beta: np.ndarray, dps: int) -> _Polished | None:
    """Try the dual-based then the slack-based active set (and independent reductions)."""
    ctx = P.mp_context(dps)
    by_dual = np.flatnonzero(beta > SUPPORT_RTOL * beta.max())
    by_slack = np.flatnonzero(Z @ w - 1.0 < SLACK_TOL)
    Kint, e = P.exact_products(Z, Z)  # margins of w = Z_S^T beta_S are K[:, S] beta_S
    for S in P.candidate_sets(Z, [by_dual, by_slack]):
        found = _polish_on(ctx, Z, Kint, e, S)
        if found is not None:
            return found
    return None


def _polish_on(
    ctx: Any, Z: np.ndarray, Kint: np.ndarray, e: int, S: np.ndarray
) -> _Polished | None:
    r"""Solve :math:`K_{SS}\beta_S = 1` in ``ctx``, dropping :math:`\beta_i \le 0`.

    Accepted iff every margin :math:`(K_{:,S}\beta_S)_i \ge 1 - 10^{-(dps-20)}` (exact inputs).
    """
    M = P.to_mp_matrix(ctx, Kint[:, S], e)  # (n, |S|): column k is K[:, S[k]]

    def solve(T: np.ndarray) -> Any:
        return P.mp_solve(ctx, P.submatrix(ctx, M, S[T], T), ctx.ones(T.size, 1))

    found = P.solve_positive(solve, np.arange(S.size))
    if found is None:
        return None
    T, beta = found
    if min(P.entries(P.submatrix(ctx, M, range(M.rows), T) * beta)) < 1 - P.acceptance_tol(ctx):
        return None
    w = P.rows_transpose_times(ctx, Z[S[T]], beta)
    return _Polished(S[T], beta, w, 1 / ctx.sqrt(ctx.fsum(wk * wk for wk in w)))
