r"""Minimum-norm interpolating single ReLU neuron, with an independent KKT certificate.

Model :math:`f_w(x) = \mathrm{relu}(\langle w, x\rangle)` and labels :math:`y \ge 0`. Every
interpolator satisfies :math:`\langle w, x_i\rangle = y_i` where :math:`y_i > 0` and
:math:`\langle w, x_i\rangle \le 0` where :math:`y_i = 0`, so the minimum-norm interpolator
is the convex QP

.. math::  \min_w \tfrac12\|w\|^2 \quad\text{s.t.}\quad X_+w = y_+,\quad X_0w \le 0

(Lai, Wang, Tao & Muthukumar 2026, arXiv:2603.04895, model (C); Vardi & Shamir 2021,
arXiv:2012.05156, for why GD need not reach it). With multipliers :math:`\nu` (free) and
:math:`\mu \ge 0` the KKT conditions are :math:`w = X_+^\top\nu - X_0^\top\mu`
(stationarity), primal feasibility, :math:`\mu \ge 0`, :math:`\mu_i\langle w, x_i\rangle = 0`,
and the dual :math:`\max\ \nu^\top y_+ - \tfrac12\|X_+^\top\nu - X_0^\top\mu\|^2` has the
same value. :func:`neuron_certificate` recomputes these residuals with numpy.
"""
from __future__ import annotations

import numpy as np

from verify.targets.base import Target
from verify.lazy import lazy
from verify.targets.solve import solve_clarabel

cp = lazy("cvxpy")  # imported when the first program is built (verify.lazy)


def min_norm_single_neuron(
    X: np.ndarray, y: np.ndarray, *, tol: float = 1e-12, cert_tol: float = 1e-8
) -> Target:
    r"""Minimum-norm :math:`w` with :math:`\mathrm{relu}(\langle w, x_i\rangle) = y_i` for all i.

    Parameters
    ----------
    X
        Inputs (n, d), finite.
    y
        Targets (n,), :math:`y_i \ge 0`.
    tol
        Clarabel's tolerances.
    cert_tol
        Tolerance of every certificate entry.

    Returns
    -------
    Target
        ``name="single_neuron_min_norm"``; values ``w``, ``norm_w``, ``nu`` (multipliers of
        the equalities, one per :math:`y_i > 0`, in the order of ``positive``), ``mu`` (of
        the inequalities, order of ``zero``), ``positive``, ``zero`` (indices), ``outputs``
        :math:`\mathrm{relu}(Xw)`. Certificate: :func:`neuron_certificate`. Inconsistent
        data (e.g. :math:`x_2 = -x_1` with :math:`y_1, y_2 > 0`) give status ``"infeasible"``.

    Raises
    ------
    ValueError
        Malformed input or a negative label.

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [1.0, 1.0]]); y = np.array([1.0, 0.0])
    >>> t = min_norm_single_neuron(X, y)   # w1 = 1, w1 + w2 <= 0: w = (1, -1)
    >>> np.round(t["w"], 9).tolist(), round(t["norm_w"] ** 2, 9)
    ([1.0, -1.0], 2.0)
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    if X.ndim != 2 or y.shape != (X.shape[0],) or X.size == 0:
        raise ValueError(f"need X (n, d) and y (n,), got shapes {X.shape} and {y.shape}")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        raise ValueError("X and y must be finite")
    if np.any(y < 0):
        raise ValueError("a single ReLU neuron needs labels y >= 0")
    pos, zero = np.flatnonzero(y > 0), np.flatnonzero(y == 0)
    w = cp.Variable(X.shape[1])
    cons = [X[pos] @ w == y[pos], X[zero] @ w <= 0]
    info = solve_clarabel(cp.Problem(cp.Minimize(0.5 * cp.sum_squares(w)), cons), tol=tol)
    note = f"Clarabel: {info.iterations} iterations, {info.seconds:.3g} s"
    note += "".join(f"; warning: {m}" for m in info.warnings)
    if w.value is None or cons[0].dual_value is None or cons[1].dual_value is None:
        return Target("single_neuron_min_norm", info.status, info.solver, {}, {}, cert_tol, False, note)
    wv = np.asarray(w.value, float)
    nu = -np.asarray(cons[0].dual_value, float).ravel()  # cvxpy: L = f + nu_cvx^T (Aw - b)
    mu = np.asarray(cons[1].dual_value, float).ravel()
    vals = {
        "w": wv, "norm_w": float(np.linalg.norm(wv)), "nu": nu, "mu": mu,
        "positive": pos, "zero": zero, "outputs": np.maximum(X @ wv, 0.0),
    }
    cert = neuron_certificate(X, y, wv, nu, mu)
    return Target("single_neuron_min_norm", info.status, info.solver, vals, cert, cert_tol, False, note)


def neuron_certificate(
    X: np.ndarray, y: np.ndarray, w: np.ndarray, nu: np.ndarray, mu: np.ndarray
) -> dict[str, float]:
    r"""KKT residuals of the min-norm single-neuron QP at :math:`(w, \nu, \mu)`, numpy only.

    Returns
    -------
    dict
        ``primal_infeasibility`` :math:`=\max(\max|X_+w - y_+|, \max(0,\max X_0w))
        /\max(1,\max y)`; ``dual_infeasibility`` :math:`=\max(0,-\min\mu)`;
        ``stationarity`` :math:`=\|w - X_+^\top\nu + X_0^\top\mu\|/\max(1,\|w\|)`;
        ``complementarity`` :math:`=\max_i|\mu_i\langle w, x_i\rangle|`;
        ``duality_gap`` :math:`=|\tfrac12\|w\|^2 - \nu^\top y_+ + \tfrac12\|X_+^\top\nu
        - X_0^\top\mu\|^2|/\max(1,\tfrac12\|w\|^2)`.
    """
    pos, zero = np.flatnonzero(y > 0), np.flatnonzero(y == 0)
    comb = X[pos].T @ nu - X[zero].T @ mu
    eq = np.abs(X[pos] @ w - y[pos])
    ineq = X[zero] @ w
    primal = 0.5 * float(w @ w)
    dual = float(nu @ y[pos]) - 0.5 * float(comb @ comb)
    return {
        "primal_infeasibility": max(float(eq.max(initial=0.0)), max(0.0, float(ineq.max(initial=0.0))))
        / max(1.0, float(y.max())),
        "dual_infeasibility": max(0.0, -float(mu.min(initial=0.0))),
        "stationarity": float(np.linalg.norm(w - comb)) / max(1.0, float(np.linalg.norm(w))),
        "complementarity": float(np.max(np.abs(mu * ineq), initial=0.0)),
        "duality_gap": abs(primal - dual) / max(1.0, primal),
    }
