r"""The F1 (variation-norm) max margin of ReLU features over a dense dictionary of neurons: an LP.

For data :math:`x_i \in \mathbb R^D` (a constant coordinate included, so neurons have a bias)
and labels :math:`y_i`, the variation norm of :math:`f(x) = \int (\langle u, x\rangle)_+\,
d\nu(u)` over signed measures :math:`\nu` on the unit sphere :math:`S^{D-1}` is
:math:`\|f\|_{\mathcal F_1} = \inf |\nu|(S^{D-1})`, and the F1 max margin is

.. math::  \gamma_1 = \max_{\|f\|_{\mathcal F_1} \le 1} \min_i y_i f(x_i)
           = \frac{1}{P^\star},

:math:`P^\star` the min path norm :math:`\sum_k|a_k|\|w_k\|` of networks
:math:`\sum_k a_k(\langle w_k, x\rangle)_+` with all margins :math:`\ge 1`
(:func:`verify.targets.twolayer.max_margin_two_layer` computes :math:`P^\star` exactly and
reports :math:`\gamma^\star = 1/(2P^\star)`, the margin normalized by
:math:`\|\theta\|^2 \ge 2\sum_k|a_k|\|w_k\|`, so :math:`\gamma_1 = 2\gamma^\star`).
Chizat & Bach (2020, COLT, arXiv:2002.04486) show that wide two-layer ReLU networks trained
by gradient flow on the logistic loss tend to this margin.

**The LP.** Restricting :math:`\nu` to atoms at a finite set :math:`U = \{u_j\}` of unit
vectors, with :math:`A_{ij} = y_i(\langle u_j, x_i\rangle)_+`,

.. math::  \gamma_U = \max_{c,\,\gamma}\ \gamma \quad\text{s.t.}\quad Ac \ge \gamma\mathbf 1,
           \ \|c\|_1 \le 1,

a linear program (``c = c^+ - c^-``) whose dual is :math:`\min\{\max_j|(A^\top\lambda)_j| :
\lambda \ge 0, \mathbf 1^\top\lambda = 1\}`.  :math:`\gamma_U \le \gamma_1`, increasing as
:math:`U` grows.

**Certificate and sandwich (ours).**  From the solver's :math:`c` we recompute the primal
value :math:`\gamma_p = \min_i(Ac)_i / \|c\|_1`; from its :math:`\lambda` (clipped to
:math:`\ge 0` and normalised) the dual value :math:`\gamma_d = \max_j |(A^\top\lambda)_j|`, so
:math:`\gamma_p \le \gamma_U \le \gamma_d` whatever the solver did.  Every F1 network of norm 1
has :math:`\min_i q_i \le \sum_i\lambda_iq_i \le \sup_{\|u\| = 1}|g_\lambda(u)|` with
:math:`g_\lambda(u) = \sum_i\lambda_iy_i(\langle u, x_i\rangle)_+`, which is
:math:`R = \max_i\|x_i\|`-Lipschitz in :math:`u`; if every unit vector is within :math:`\delta`
of :math:`U`, then :math:`\gamma_1 \le \gamma_d + R\delta`.  On the cube-sphere grid
(:func:`cube_sphere_grid`) :math:`\delta \le \tfrac12 h\sqrt{D-1}`, :math:`h = 2/(N-1)` the grid
step on a face of the cube :math:`[-1,1]^D`: a unit vector :math:`u` is the radial projection of
the point :math:`u/\|u\|_\infty` of the cube's surface, which lies within
:math:`\tfrac12h\sqrt{D-1}` of a grid point of its face, and the radial projection onto the
ball is 1-Lipschitz outside it.  Hence the certified sandwich
:math:`\gamma_p \le \gamma_1 \le \gamma_d + R\delta`, whose width is :math:`O(1/N)`.
"""
from __future__ import annotations

import time
from itertools import product

import numpy as np
import scipy.optimize

from verify.targets.arrangement import Arrangement
from verify.targets.base import Target
from verify.targets.pathnorm import dual_scale


def cube_sphere_grid(dim: int, side: int) -> tuple[np.ndarray, float]:
    r"""Unit vectors from an :math:`N^{D-1}` grid on each face of :math:`[-1,1]^D`, and their
    covering radius bound.

    Parameters
    ----------
    dim
        Dimension :math:`D \ge 2`.
    side
        Grid points per axis on a face, :math:`N \ge 2`.

    Returns
    -------
    U, delta
        Distinct unit rows (at most :math:`2DN^{D-1}`; shared edges are kept once) and
        :math:`\delta = \tfrac12 h\sqrt{D-1}`, :math:`h = 2/(N-1)`: every unit vector lies
        within :math:`\delta` of some row (see the module docstring).

    Examples
    --------
    >>> U, delta = cube_sphere_grid(2, 3)   # the 8 directions of the square's grid
    >>> U.shape, round(delta, 6)
    ((8, 2), 0.5)
    """
    if dim < 2 or side < 2:
        raise ValueError(f"need dim >= 2 and side >= 2, got dim={dim}, side={side}")
    axis = np.linspace(-1.0, 1.0, side)
    face = np.array(list(product(axis, repeat=dim - 1)))
    rows = []
    for k in range(dim):
        for s in (-1.0, 1.0):
            P = np.insert(face, k, s, axis=1)
            rows.append(P)
    P = np.unique(np.round(np.vstack(rows), 12), axis=0)
    U = P / np.linalg.norm(P, axis=1, keepdims=True)
    return U, float((1.0 / (side - 1)) * np.sqrt(dim - 1))


def f1_dictionary_margin(
    X: np.ndarray, y: np.ndarray, side: int = 21, U: np.ndarray | None = None,
    delta: float | None = None, patterns: Arrangement | None = None, *, cert_tol: float = 1e-7,
) -> Target:
    r"""F1 max margin over the dictionary :math:`\{(\langle u_j, \cdot\rangle)_+\}`, an LP (HiGHS).

    Parameters
    ----------
    X, y
        Data (n, D) (include a constant coordinate for a bias) and labels in {-1, +1}.
    side
        Grid points per axis of :func:`cube_sphere_grid` (ignored when ``U`` is given).
    U, delta
        An explicit dictionary of unit rows and, if known, its covering radius.
    patterns
        The exact activation patterns of ``X`` (:func:`verify.targets.arrangement.
        activation_patterns`), if affordable: then :math:`\sup_{\|u\|\le1}|g_\lambda(u)|`
        is bounded chamber by chamber (:func:`verify.targets.pathnorm.dual_scale`) instead of
        by the Lipschitz estimate, a much tighter upper bound on :math:`\gamma_1`.
    cert_tol
        Tolerance of the certificate entries.

    Returns
    -------
    Target
        ``name="f1_dictionary"``. Values: ``gamma`` (:math:`\gamma_p`, a certified lower
        bound on :math:`\gamma_1`), ``gamma_dual`` (:math:`\gamma_d \ge \gamma_U`),
        ``gamma_upper`` (:math:`\min(\gamma_d + R\delta, \sup|g_\lambda|) \ge \gamma_1`,
        the second term only with exact ``patterns``; ``inf`` with neither), ``delta``, ``R``,
        ``n_atoms``, ``c`` (atom weights, :math:`\|c\|_1 = 1`),
        ``lam`` (dual weights), ``n_active`` (atoms with :math:`|c_j| > 10^{-9}`).
        Certificate: ``primal_infeasibility`` (solver point),
        ``dual_infeasibility``, ``duality_gap`` :math:`= (\gamma_d - \gamma_p)/\gamma_d`.

    Examples
    --------
    >>> X = np.array([[1.0, 1.0], [-1.0, 1.0]]); y = np.array([1.0, -1.0])
    >>> t = f1_dictionary_margin(X, y, side=3)
    >>> round(t["gamma"], 6)   # (relu(x1 + 1) - relu(1 - x1)) / 2, margins 1/sqrt(2)
    0.707107
    """
    X, y = np.asarray(X, float), np.asarray(y, float)
    if X.ndim != 2 or y.shape != (X.shape[0],) or not np.all(np.abs(y) == 1.0):
        raise ValueError(f"need X (n, D) and labels y (n,) in {{-1, +1}}, got {X.shape}, {y.shape}")
    if U is None:
        U, delta = cube_sphere_grid(X.shape[1], side)
    U = np.asarray(U, float)
    A = y[:, None] * np.maximum(X @ U.T, 0.0)
    n, J = A.shape
    # variables (c+, c-, gamma): minimize -gamma s.t. gamma - A(c+ - c-) <= 0, sum c+ + c- <= 1
    cost = np.zeros(2 * J + 1)
    cost[-1] = -1.0
    A_ub = np.vstack([np.hstack([-A, A, np.ones((n, 1))]),
                      np.hstack([np.ones((1, 2 * J)), np.zeros((1, 1))])])
    b_ub = np.concatenate([np.zeros(n), [1.0]])
    bounds = [(0, None)] * (2 * J) + [(None, None)]
    start = time.perf_counter()
    res = scipy.optimize.linprog(cost, A_ub=A_ub, b_ub=b_ub, bounds=bounds, method="highs")
    seconds = time.perf_counter() - start
    solver = f"scipy HiGHS {scipy.__version__}"  # the wall time goes to the note: not a run fact
    status = "optimal" if res.status == 0 else f"highs_status_{res.status}"
    if res.status != 0 or res.x is None:
        return Target("f1_dictionary", status, solver, {"n_atoms": J}, {}, cert_tol, False,
                      f"{res.message} ({seconds:.2f} s)")
    c = res.x[:J] - res.x[J:2 * J]
    mass = float(np.abs(c).sum())
    q = A @ c
    lam = np.maximum(-np.asarray(res.ineqlin.marginals[:n], float), 0.0)
    lam_sum = float(lam.sum())
    lam = lam / lam_sum if lam_sum > 0 else np.full(n, 1.0 / n)
    g_p = float(q.min() / mass) if mass > 0 else -np.inf
    g_d = float(np.abs(A.T @ lam).max())
    R = float(np.linalg.norm(X, axis=1).max())
    upper = g_d + R * delta if delta is not None else np.inf
    if patterns is not None and patterns.exact:
        upper = min(upper, dual_scale(X, lam * y, 0.0, patterns))
    vals = {
        "gamma": g_p, "gamma_dual": g_d, "gamma_solver": float(res.x[-1]), "gamma_upper": upper,
        "delta": np.nan if delta is None else float(delta), "R": R, "n_atoms": J,
        "c": c / mass if mass > 0 else c, "lam": lam, "U": U,
        "n_active": int(np.sum(np.abs(c) > 1e-9 * max(mass, np.finfo(float).tiny))),
    }
    cert = {
        "primal_infeasibility": max(0.0, float(res.x[-1] - q.min()), mass - 1.0),
        "dual_infeasibility": 0.0 if lam_sum > 0 else np.inf,
        "duality_gap": (g_d - g_p) / g_d if g_d > 0 else np.inf,
    }
    note = (f"LP over {J} atoms; certified {g_p:.6g} <= gamma_1 <= {upper:.6g}"
            f"{' (exact chambers)' if patterns is not None and patterns.exact else ' (R delta)'}"
            f"; {seconds:.2f} s")
    return Target("f1_dictionary", status, solver, vals, cert, cert_tol, False, note)
