r"""Global max-margin and min-norm two-layer (leaky-)ReLU networks by the convex reformulation.

Network :math:`f_\theta(x) = \sum_k a_k\phi(\langle w_k, x\rangle)`, no bias,
:math:`\phi(z) = \max(z, \alpha z)`, :math:`0 \le \alpha < 1` (ReLU at :math:`\alpha = 0`),
:math:`\|\theta\|^2 = \sum_k a_k^2 + \|w_k\|^2`, margins :math:`q_i = y_if_\theta(x_i)`.

**Path norm and parameter norm.** Rescaling :math:`(a_k, w_k) \to (c a_k, w_k/c)` keeps
:math:`f`; minimising over it, :math:`\tfrac12\sum_k(a_k^2 + \|w_k\|^2) \ge \sum_k|a_k|\|w_k\|`
with equality when balanced (AM-GM). Hence :math:`\min\{\tfrac12\|\theta\|^2 : q_i \ge 1\}
= P^\star := \min\{\sum_k|a_k|\|w_k\| : q_i \ge 1\}`, and since :math:`q` is 2-homogeneous
the global max normalized margin is

.. math::  \gamma^\star = \max_\theta \frac{\min_i q_i(\theta)}{\|\theta\|^2} = \frac{1}{2P^\star}.

**Convex reformulation** (Pilanci & Ergen 2020, "Neural networks are convex regularizers",
ICML, arXiv:2002.10553). On the cone :math:`K_j = \{u : (2D_j - I)Xu \ge 0\}` of pattern
:math:`D_j` (:mod:`verify.targets.arrangement`), :math:`\phi(Xu) = \tilde D_jXu` with
:math:`\tilde D_j = \alpha I + (1-\alpha)D_j`. Grouping neurons by pattern and sign of
:math:`a_k` (:math:`u = |a_k|w_k`, triangle inequality inside a convex cone):

.. math::  P^\star = \min \sum_j \|u_j\| + \|v_j\| \ \text{s.t.}\
           y \odot \sum_j\tilde D_jX(u_j - v_j) \ge 1,\ u_j, v_j \in K_j,

exact when every chamber is listed; with a subset of patterns it is an upper bound on
:math:`P^\star` (a lower bound on :math:`\gamma^\star`). A solution gives a network with
the same path norm: one neuron per nonzero group, :math:`w = u/\sqrt{\|u\|}`,
:math:`a = \pm\sqrt{\|u\|}` (balanced). Regression replaces the margins by
:math:`\sum_j\tilde D_jX(u_j - v_j) = y`; then :math:`\min\|\theta\|^2 = 2P^\star`.

**Dual bound (ours).** For :math:`\lambda \ge 0` let :math:`g_\lambda(u) = \sum_i
\lambda_iy_i\phi(\langle u, x_i\rangle)` and :math:`s = \sup_{\|u\|\le1}|g_\lambda(u)|`.
For every network with margins :math:`\ge 1`, :math:`\sum_i\lambda_i \le \sum_i\lambda_iq_i
= \sum_ka_kg_\lambda(w_k) \le s\sum_k|a_k|\|w_k\|`, so :math:`P^\star \ge 1^\top\lambda/s`
(regression: :math:`|\lambda^\top y|/s`, any sign). On chamber j, :math:`g_\lambda(u) =
c_j^\top u`, :math:`c_j = X^\top\tilde D_j(\lambda\odot y)`, and :math:`\max_{u\in K_j,
\|u\|\le1} \pm c_j^\top u = \min_{\mu\ge0}\|\pm c_j + X^\top(2D_j-I)\mu\|` (Moreau); any
:math:`\mu \ge 0` from NNLS bounds it from above, so :math:`s` is bounded rigorously over the
listed chambers, i.e. over the whole sphere when the enumeration is exact. We take
:math:`\lambda` from the solver but verify everything ourselves; since any :math:`\lambda`
gives a valid bound, the largest over several solves is kept (:mod:`verify.targets.groupdual`).

The SOCP is solved (over all patterns, or by column generation when there are many) and
polished in :mod:`verify.targets.groupsocp`. Group-to-network conversion, the dual bound and
the orthogonal closed forms live in :mod:`verify.targets.pathnorm`, the single-neuron min-norm
QP in :mod:`verify.targets.neuron`; both are re-exported here.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from verify.targets.arrangement import Arrangement, activation_patterns
from verify.targets.base import Target
from verify.targets.groupdual import best_bound
from verify.targets.groupsocp import GroupSolution, solve_group_program, summary
from verify.targets.neuron import min_norm_single_neuron
from verify.targets.pathnorm import (
    KEEP_RTOL,
    cone_violation,
    dual_scale,
    is_orthogonal,
    network_from_groups,
    network_outputs,
    orthogonal_min_path_norm,
    phi,
)
from verify.targets.solve import SolveInfo

__all__ = [
    "dual_scale",
    "max_margin_two_layer",
    "min_norm_interpolator_two_layer",
    "min_norm_single_neuron",
    "network_from_groups",
    "network_outputs",
    "orthogonal_min_path_norm",
    "phi",
]


def max_margin_two_layer(
    X: np.ndarray,
    y: np.ndarray,
    alpha: float,
    patterns: Arrangement | None = None,
    *,
    tol: float = 1e-12,
    cert_tol: float = 1e-7,
    keep_rtol: float = KEEP_RTOL,
) -> Target:
    r"""Global max normalized margin :math:`\gamma^\star = 1/(2P^\star)` of a two-layer net.

    Parameters
    ----------
    X, y
        Data (n, d) and labels in {-1, +1} (n,).
    alpha
        Leaky slope, :math:`0 \le \alpha < 1`.
    patterns
        Activation patterns of ``X``; ``None`` enumerates them
        (:func:`verify.targets.arrangement.activation_patterns`).
    tol
        Clarabel's tolerances.
    cert_tol
        Tolerance of every certificate entry.
    keep_rtol
        Groups with :math:`\|u_j\| > ` ``keep_rtol`` :math:`\max\|u\|` become neurons.

    Returns
    -------
    Target
        ``name="two_layer_max_margin"``. Values: ``path_norm`` (:math:`\sum\|u_j\|+\|v_j\|`
        at the polished solver point), ``gamma`` :math:`=1/(2\,` ``path_norm``:math:`)`, the
        recovered network ``a`` (m,), ``W`` (m, d), its ``margins``, ``path_norm_network``,
        ``gamma_network`` :math:`=\min_iq_i/\|\theta\|^2`, ``dual_bound`` (our lower bound
        on :math:`P^\star`), ``gamma_upper`` :math:`=1/(2\,` ``dual_bound``:math:`)`,
        ``lam``, ``dual_scale``, ``n_patterns``, ``exact``, ``n_neurons``,
        ``pruned_mass``. Certificate: ``margin_violation``
        :math:`=\max(0, 1-\min_iq_i)`, ``path_norm_mismatch`` (relative, network vs
        optimum), ``duality_gap`` :math:`=(U-L)/U` with :math:`U` = network path norm
        divided by :math:`\min q` and :math:`L` = ``dual_bound``, ``cone_violation``
        (kept groups, relative to the path norm; diagnostic, since margins, path norm and
        dual bound are all evaluated on the network itself). With sampled patterns (``exact=False``) the status is
        ``"optimal_sampled"`` (so ``ok`` is False): ``path_norm`` only bounds
        :math:`P^\star` from above and ``gamma`` :math:`\gamma^\star` from below.
        Infeasible data (e.g. equal inputs with opposite labels) give status
        ``"infeasible"``.

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [-1.0, 0.0]]); y = np.array([1.0, -1.0])
    >>> t = max_margin_two_layer(X, y, 0.0)
    >>> round(t["path_norm"], 8), round(t["gamma"], 8)   # relu(z) - relu(-z) = z
    (2.0, 0.25)
    """
    X, y, arr = _prepared(X, y, alpha, patterns, labels=True)
    sol = solve_group_program(X, y, alpha, arr, "margin", tol)
    if isinstance(sol, SolveInfo):
        return _unsolved("two_layer_max_margin", sol, arr, cert_tol)
    U, V = sol.U, sol.V
    a, W, kept, pruned = network_from_groups(U, V, keep_rtol)
    q = y * network_outputs(a, W, X, alpha)
    pn, pn_net = _group_norm(U, V), float(np.abs(a) @ np.linalg.norm(W, axis=1))
    upper = pn_net / q.min() if q.min() > 0 else np.inf  # the network rescaled to min q = 1
    lower, s, lam, source = best_bound(X, y, alpha, arr, "margin", sol, upper, cert_tol)
    vals = _common(arr, a, W, lam, s, pruned) | {
        "path_norm": pn, "gamma": 1.0 / (2.0 * pn), "margins": q, "path_norm_network": pn_net,
        "gamma_network": float(q.min() / (a @ a + np.sum(W * W))), "dual_bound": lower,
        "gamma_upper": 1.0 / (2.0 * lower), "path_norm_upper": upper
    }
    cert = {
        "margin_violation": max(0.0, 1.0 - float(q.min())),
        "path_norm_mismatch": abs(pn_net - pn) / pn,
        "duality_gap": abs(upper - lower) / upper if np.isfinite(upper) else np.inf,
        "cone_violation": cone_violation(X, sol.groups, kept),
    }
    sol = replace(sol, note=f"{sol.note}; dual bound from the {source}")
    return _target("two_layer_max_margin", sol, arr, vals, cert, cert_tol)


def min_norm_interpolator_two_layer(
    X: np.ndarray,
    y: np.ndarray,
    alpha: float,
    patterns: Arrangement | None = None,
    *,
    tol: float = 1e-12,
    cert_tol: float = 1e-7,
    keep_rtol: float = KEEP_RTOL,
) -> Target:
    r"""Min path norm (= :math:`\min\tfrac12\|\theta\|^2`) of two-layer nets with :math:`f(x_i) = y_i`.

    Parameters
    ----------
    X, y
        Data (n, d) and real targets (n,).
    alpha, patterns, tol, cert_tol, keep_rtol
        As in :func:`max_margin_two_layer`.

    Returns
    -------
    Target
        ``name="two_layer_min_norm"``. Values: ``path_norm`` :math:`P^\star`,
        ``theta_norm_sq`` :math:`=2P^\star` (min :math:`\|\theta\|^2`), ``a``, ``W``,
        ``outputs``, ``path_norm_network``, ``dual_bound`` :math:`|\lambda^\top y|/s`,
        ``lam``, ``dual_scale``, ``n_patterns``, ``exact``, ``n_neurons``, ``pruned_mass``
        and, for pairwise orthogonal nonzero inputs, ``closed_form``
        (:func:`orthogonal_min_path_norm`). Certificate: ``interpolation_residual``
        :math:`=\max_i|f(x_i)-y_i|/\max(1,\max|y|)`, ``path_norm_mismatch``,
        ``duality_gap`` :math:`=|\text{network path norm} - L|/\text{network path norm}`,
        ``cone_violation``. Sampled patterns: status ``"optimal_sampled"``, as above.
        Inconsistent targets (e.g. :math:`x_2 = 2x_1`, :math:`y_2 \ne 2y_1`) are infeasible.
    """
    X, y, arr = _prepared(X, y, alpha, patterns, labels=False)
    sol = solve_group_program(X, y, alpha, arr, "equal", tol)
    if isinstance(sol, SolveInfo):
        return _unsolved("two_layer_min_norm", sol, arr, cert_tol)
    U, V = sol.U, sol.V
    a, W, kept, pruned = network_from_groups(U, V, keep_rtol)
    out = network_outputs(a, W, X, alpha)
    pn, pn_net = _group_norm(U, V), float(np.abs(a) @ np.linalg.norm(W, axis=1))
    lower, s, lam, source = best_bound(X, y, alpha, arr, "equal", sol, pn_net, cert_tol)
    vals = _common(arr, a, W, lam, s, pruned) | {
        "path_norm": pn, "theta_norm_sq": 2.0 * pn, "outputs": out,
        "path_norm_network": pn_net, "dual_bound": lower
    }
    if is_orthogonal(X) and np.all(np.any(X != 0, axis=1)):
        vals["closed_form"] = orthogonal_min_path_norm(X, y, alpha)
    scale = max(1.0, float(np.abs(y).max()))
    cert = {
        "interpolation_residual": float(np.abs(out - y).max()) / scale,
        "path_norm_mismatch": abs(pn_net - pn) / max(pn, np.finfo(float).tiny),
        "duality_gap": abs(pn_net - lower) / max(pn_net, np.finfo(float).tiny),
        "cone_violation": cone_violation(X, sol.groups, kept),
    }
    sol = replace(sol, note=f"{sol.note}; dual bound from the {source}")
    return _target("two_layer_min_norm", sol, arr, vals, cert, cert_tol)


def _prepared(
    X: np.ndarray, y: np.ndarray, alpha: float, patterns: Arrangement | None, *, labels: bool
) -> tuple[np.ndarray, np.ndarray, Arrangement]:
    """Validated float copies and the arrangement (enumerated when not given)."""
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    if X.ndim != 2 or y.shape != (X.shape[0],) or X.size == 0:
        raise ValueError(f"need X (n, d) and y (n,), got shapes {X.shape} and {y.shape}")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        raise ValueError("X and y must be finite")
    if labels and not np.all((y == 1.0) | (y == -1.0)):
        raise ValueError("labels y must be in {-1, +1}")
    if not 0.0 <= alpha < 1.0:
        raise ValueError(f"alpha must satisfy 0 <= alpha < 1, got {alpha!r}")
    arr = activation_patterns(X) if patterns is None else patterns
    if arr.patterns.shape[1] != X.shape[0]:
        raise ValueError("patterns were computed for a different number of samples")
    return X, y, arr


def _group_norm(U: np.ndarray, V: np.ndarray) -> float:
    r""":math:`\sum_j\|u_j\| + \|v_j\|`."""
    return float(np.linalg.norm(U, axis=1).sum() + np.linalg.norm(V, axis=1).sum())


def _common(
    arr: Arrangement, a: np.ndarray, W: np.ndarray, lam: np.ndarray, s: float, pruned: float
) -> dict[str, Any]:
    """Values shared by both programs."""
    return {
        "a": a, "W": W, "lam": lam, "dual_scale": s, "n_patterns": arr.n_patterns,
        "exact": arr.exact, "n_neurons": int(a.size), "pruned_mass": pruned,
    }


def _status(info: SolveInfo, arr: Arrangement) -> str:
    """Solver status, or ``optimal_sampled`` when the patterns are not known to be complete."""
    return "optimal_sampled" if info.status == "optimal" and not arr.exact else info.status


def _note(text: str, arr: Arrangement) -> str:
    """Solver account, pattern provenance and, when sampled, what the value means."""
    note = f"{text}; patterns: {arr.note}"
    if not arr.exact:
        note += ("; patterns sampled: path_norm is only an upper bound on the min path norm "
                 "(gamma a lower bound on the max margin) and dual_bound is not certified")
    return note


def _target(
    name: str, sol: GroupSolution, arr: Arrangement, vals: dict[str, Any],
    cert: dict[str, float], cert_tol: float,
) -> Target:
    """Assemble the Target of a solved program."""
    status, note = _status(sol.info, arr), _note(sol.note, arr)
    return Target(name, status, sol.info.solver, vals, cert, cert_tol, False, note)


def _unsolved(name: str, info: SolveInfo, arr: Arrangement, cert_tol: float) -> Target:
    """Target without a primal point (infeasible data or solver failure)."""
    vals = {"n_patterns": arr.n_patterns, "exact": arr.exact}
    note = _note(f"no primal point: {summary(info)}", arr)
    return Target(name, _status(info, arr), info.solver, vals, {}, cert_tol, False, note)
