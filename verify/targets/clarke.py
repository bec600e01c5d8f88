r"""Best (eps, delta)-KKT certificate with Clarke subgradients, by certified SOCP.

Lyu & Li (2020), ICLR, arXiv:1906.05890, Definition of an :math:`(\varepsilon,\delta)`-KKT
point of :math:`\min_\theta\tfrac12\|\theta\|^2` s.t. :math:`q_i(\theta)\ge1`: there are
:math:`\lambda_i \ge 0` and :math:`h_i \in \partial^\circ q_i(\theta)` (Clarke subdifferential)
with :math:`\|\theta - \sum_i\lambda_i h_i\| \le \varepsilon` and
:math:`\sum_i\lambda_i(q_i - 1) \le \delta`. For :math:`q_i = y_i s\sum_k a_k\phi(\langle w_k,
x_i\rangle)`, :math:`\phi(z) = \max(z, \alpha z)`, the terms depend on disjoint blocks
:math:`(w_k, a_k)`, so :math:`\partial^\circ q_i` is the product of the blocks' Clarke sets; at
a kink :math:`\langle w_k, x_i\rangle = 0` the :math:`w_k`-block is
:math:`\{s\, y_i s a_k x_i : s\in[\alpha, 1]\}`. Generically (:class:`~verify.targets.kinks.KinkTerms`)

.. math::  h_i = g^0_i + \sum_{j:\,i_j = i} s_j c_j, \qquad s_j \in [\ell, u],

and with :math:`\mu_j = \lambda_{i_j}s_j` the best certificate (relative eps + delta)

.. math::  \min_{\lambda\ge0,\ \ell\lambda_{i_j}\le\mu_j\le u\lambda_{i_j}}
           \frac{\|\theta - G_0^\top\lambda - C^\top\mu\|}{\|\theta\|}
           + \frac{\sum_i\lambda_i(q_i-1)}{\|\theta\|^2}

is a second-order cone program: solved by Clarabel (:mod:`verify.targets.solve`), polished
in closed form on the solver's face, certified by a dual point of our own
(:func:`clarke_certificate`). Without kink terms it is the joint eps + delta program over
the plain Jacobian (e.g. the linear model of Soudry et al. 2018).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import scipy.optimize

from verify.targets.base import Target
from verify.lazy import lazy
from verify.targets.kinks import KinkTerms, check_kinks
from verify.targets.kkt import SUPPORT_RTOL, _validated, kkt_margin
from verify.targets.solve import solve_clarabel
from verify.targets.workingset import MIN_SAMPLES, solve_on_working_set

cp = lazy("cvxpy")  # imported when the first program is built (verify.lazy)


FACE_RTOLS = (1e-10, 1e-8, 1e-6, 1e-4)  # thresholds tried to read the solver's face for the polish
SOLVE_TOLS = (1e-12, 1e-10, 1e-9)  # Clarabel tolerances tried in turn until the status is optimal
SCREEN_TOLS = (1e-8,)  # the coarse solves that grow a working set (verify.targets.workingset)
#: Clarabel settings tried, each over every tolerance, while no solve is ``optimal``: the
#: defaults first; then without Ruiz equilibration, which on a well-scaled SOCP that stalls one
#: ulp short of its tolerance (status ``optimal_inaccurate`` on some CPUs, ``optimal`` on
#: others, from last-bit differences of its input) reaches ``optimal`` at the same objective.
SOLVE_SETTINGS: tuple[dict[str, Any], ...] = ({}, {"equilibrate_enable": False})


def clarke_kkt(
    theta: np.ndarray, G0: np.ndarray, kinks: KinkTerms, margins: np.ndarray,
    *, homogeneity: int = 2, tols: tuple[float, ...] = SOLVE_TOLS, cert_tol: float = 1e-7,
) -> Target:
    r"""Best Lyu-Li (eps, delta) certificate over multipliers and Clarke subgradients.

    Parameters
    ----------
    theta
        Parameters (p,), rescaled so that ``min(margins) == 1``.
    G0
        (n, p) smooth part :math:`g^0_i` of the margin gradients (see :func:`verify.targets.kinks.relu_kinks`).
    kinks
        The set-valued part (:class:`~verify.targets.kinks.KinkTerms`; ``KinkTerms.none(p)`` for none).
    margins
        :math:`q_i(\theta)` (n,), minimum 1.
    homogeneity
        L, the degree of homogeneity of :math:`q_i`.
    tols
        Clarabel gap/feasibility tolerances, tried in turn until one solve reports
        ``optimal`` (at 1e-12 this SOCP often ends ``optimal_inaccurate``), with the default
        settings and then with each further entry of :data:`SOLVE_SETTINGS`; the last
        status is kept if none does, and the target is then not ok.
    cert_tol
        Tolerance of every certificate entry.

    Returns
    -------
    Target
        ``name="kkt_clarke"``; values ``residual`` = ``stationarity`` + ``complementarity``
        (relative eps and delta, minimised jointly), ``lambda``, ``mu``, ``slopes``,
        ``kkt_margin``, ``sum_lambda``, ``support``, ``euler_residual`` (as in
        :func:`verify.targets.kkt.kkt_multipliers`), ``residual_solver``, ``nnls_residual``
        (the one-sided, eps-only NNLS residual), ``n_kinks``, ``n_kinks_active``, ``tau``.
        Certificate: :func:`clarke_certificate`.
    """
    theta, G0, margins = _validated(theta, G0, margins, homogeneity)
    check_kinks(kinks, G0.shape)
    big = G0.shape[0] > MIN_SAMPLES  # solved on a working set, each program compressed
    lam, mu, info, note = solve_on_working_set(
        theta, G0, kinks, margins,
        lambda th, G, k, q, final: _solve_first_optimal(th, G, k, q, tols if final else SCREEN_TOLS, big),
        _support)
    if lam is None:
        note += "; no solution"
        return Target("kkt_clarke", info.status, info.solver, {}, {}, cert_tol, False, note)
    lam, mu = _feasible(lam, mu, kinks)
    f_solver = objective(theta, G0, kinks, margins, lam, mu)
    polished = _polish(theta, G0, kinks, margins, lam, mu)
    if polished is not None and objective(theta, G0, kinks, margins, *polished) <= f_solver + 1e-15:
        (lam, mu), note = polished, note + "; polished on the solver's face"
    else:
        polished, note = None, note + "; face polish rejected, solver point kept"
    lam_nnls = _nnls(theta, G0, kinks)
    f_nnls = objective(theta, G0, kinks, margins, lam_nnls, kinks.onesided * lam_nnls[kinks.rows])
    vals = clarke_values(theta, G0, kinks, margins, lam, mu, homogeneity)
    vals |= {"residual_solver": f_solver, "nnls_residual": f_nnls}
    cert = clarke_certificate(theta, G0, kinks, margins, lam, mu) | {
        "nnls_excess": max(0.0, vals["residual"] - f_nnls)}
    return Target("kkt_clarke", info.status, info.solver, vals, cert, cert_tol,
                  polished is not None, note)


def objective(
    theta: np.ndarray, G0: np.ndarray, kinks: KinkTerms, margins: np.ndarray,
    lam: np.ndarray, mu: np.ndarray,
) -> float:
    r"""Relative eps + delta: :math:`\|r\|/\|\theta\| + \lambda\cdot(q-1)/\|\theta\|^2`."""
    sq = float(theta @ theta)
    eps = np.linalg.norm(_residual(theta, G0, kinks, lam, mu)) / np.sqrt(sq)
    return float(eps + lam @ (margins - 1) / sq)


def clarke_values(
    theta: np.ndarray, G0: np.ndarray, kinks: KinkTerms, margins: np.ndarray,
    lam: np.ndarray, mu: np.ndarray, homogeneity: int,
) -> dict[str, Any]:
    """Residuals, multipliers, chosen slopes and Euler's identity at ``(lam, mu)``."""
    sq = float(theta @ theta)
    stat = float(np.linalg.norm(_residual(theta, G0, kinks, lam, mu)) / np.sqrt(sq))
    comp = float(lam @ (margins - 1.0)) / sq
    slopes = _slopes(kinks, lam, mu)
    H = G0.copy()
    np.add.at(H, kinks.rows, slopes[:, None] * kinks.vectors)
    euler = np.max(np.abs(H @ theta - homogeneity * margins)) / (homogeneity * margins.max())
    support = np.flatnonzero(lam > SUPPORT_RTOL * max(lam.max(), 0.0))
    return {
        "lambda": lam, "mu": mu, "slopes": slopes,
        "stationarity": stat, "complementarity": comp, "residual": stat + comp,
        "kkt_margin": kkt_margin(float(lam.sum()), homogeneity), "sum_lambda": float(lam.sum()),
        "support": support, "euler_residual": float(euler),
        "n_kinks": kinks.count, "n_kinks_active": int(np.isin(kinks.rows, support).sum()),
        "tau": kinks.tau,
    }


def clarke_certificate(
    theta: np.ndarray, G0: np.ndarray, kinks: KinkTerms, margins: np.ndarray,
    lam: np.ndarray, mu: np.ndarray,
) -> dict[str, float]:
    r"""Optimality residuals of ``(lam, mu)`` from a dual point built by us.

    The dual of the program is :math:`\max\{\langle z,\theta\rangle/\|\theta\| : \|z\|\le1,\
    \sigma_i(z) \le (q_i-1)/\|\theta\|\ \forall i\}` with the support function
    :math:`\sigma_i(z) = \max_{h\in\partial^\circ q_i}\langle z,h\rangle = \langle z,
    g^0_i\rangle + \sum_{i_j=i}\max(\ell\langle z,c_j\rangle, u\langle z,c_j\rangle)`.
    Candidates: :math:`z = r/\|r\|` (r the stationarity residual; optimal when r != 0)
    and :math:`z = 0` (dual value 0, optimal when the residual is 0); the one with the
    smaller worst entry is reported.

    Returns
    -------
    dict
        ``primal_infeasibility`` (:math:`\lambda<0` or :math:`\mu` outside its bounds,
        relative to :math:`\max\lambda`); ``dual_infeasibility``
        :math:`=\max_i(\sigma_i(z) - (q_i-1)/\|\theta\|)_+/\|h_i\|_{\max}`;
        ``duality_gap`` = |objective - dual value| (both relative, in [0, 1]).
    """
    t = float(np.linalg.norm(theta))
    f = objective(theta, G0, kinks, margins, lam, mu)
    r = _residual(theta, G0, kinks, lam, mu)
    scale = np.linalg.norm(G0, axis=1)
    slope = max(abs(kinks.lo), abs(kinks.hi))
    np.add.at(scale, kinks.rows, np.linalg.norm(kinks.vectors, axis=1) * slope)
    best = None
    for z in ([r / np.linalg.norm(r)] if np.linalg.norm(r) > 0 else []) + [np.zeros_like(theta)]:
        excess = np.maximum(_support(z, G0, kinks) - (margins - 1) / t, 0.0)
        dual_inf = float(np.max(np.divide(excess, scale, out=excess.copy(), where=scale > 0)))
        entry = {"dual_infeasibility": dual_inf, "duality_gap": abs(f - float(z @ theta) / t)}
        if best is None or max(entry.values()) < max(best.values()):
            best = entry
    top = max(float(lam.max()), 0.0) or 1.0
    lo, hi = kinks.lo * lam[kinks.rows], kinks.hi * lam[kinks.rows]
    bound = np.concatenate([[0.0], -lam, lo - mu, mu - hi])
    return {"primal_infeasibility": max(0.0, float(bound.max())) / top, **best}


def _support(z: np.ndarray, G0: np.ndarray, kinks: KinkTerms) -> np.ndarray:
    r""":math:`\sigma_i(z) = \max_{h\in\partial^\circ q_i}\langle z, h\rangle` for every i."""
    out = G0 @ z
    zc = kinks.vectors @ z
    np.add.at(out, kinks.rows, np.maximum(kinks.lo * zc, kinks.hi * zc))
    return out


def _residual(
    theta: np.ndarray, G0: np.ndarray, kinks: KinkTerms, lam: np.ndarray, mu: np.ndarray
) -> np.ndarray:
    r""":math:`r = \theta - G_0^\top\lambda - C^\top\mu`."""
    return theta - G0.T @ lam - kinks.vectors.T @ mu


def _slopes(kinks: KinkTerms, lam: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Chosen slopes mu_j / lambda_{i_j}; the one-sided slope where lambda_{i_j} = 0."""
    li = lam[kinks.rows]
    s = np.divide(mu, li, out=kinks.onesided.astype(float).copy(), where=li > 0)
    return np.clip(s, kinks.lo, kinks.hi)


def _solve_first_optimal(
    theta: np.ndarray, G0: np.ndarray, kinks: KinkTerms, margins: np.ndarray,
    tols: tuple[float, ...], compress: bool = False,
) -> tuple[np.ndarray | None, np.ndarray, Any, str]:
    """Solve at each tolerance in turn, under each of :data:`SOLVE_SETTINGS` in turn, until
    Clarabel reports ``optimal``; note what was tried (``compress``: see :func:`_solve`)."""
    if not tols:
        raise ValueError("tols must name at least one Clarabel tolerance")
    tried = []
    program = _program(theta, G0, kinks, margins, compress)
    for settings in SOLVE_SETTINGS:
        for tol in tols:
            lam, mu, info = _solve(program, kinks, tol, settings)
            tried.append(f"tol={tol:.0e}{''.join(f', {k}={v}' for k, v in settings.items())}: "
                         f"{info.status}")
            if info.status == "optimal":
                break
        if info.status == "optimal":
            break
    note = f"Clarabel SOCP ({'; '.join(tried)}): {info.iterations} iterations, {info.seconds:.3g} s"
    note += f"; {kinks.count} kink terms (tau={kinks.tau:g})" + ("; cone compressed by QR" if compress else "")
    return lam, mu, info, note + "".join(f"; warning: {m}" for m in info.warnings)


def _program(
    theta: np.ndarray, G0: np.ndarray, kinks: KinkTerms, margins: np.ndarray,
    compress: bool = False,
) -> tuple[Any, Any, Any, float]:
    r"""The eps + delta SOCP (variables scaled by ||theta||^2) as a cvxpy problem, with its
    variables ``lam``, ``mu`` and ``||theta||``; built once and solved at each tolerance of
    the ladder (cvxpy keeps its canonical form between solves of one problem object).

    With ``compress`` the cone's argument :math:`\theta/t - t(G_0^\top\lambda + C^\top\mu)`
    (all in the column space of :math:`M = [\theta/t,\ tG_0^\top,\ tC^\top]`, :math:`p` rows)
    is written in the basis of :math:`M = QR`: the norm is the same, the cone has
    :math:`\min(p, 1 + n + K)` entries instead of :math:`p` and the data are triangular
    (x15 faster at 128 samples and 390 parameters)."""
    t = float(np.linalg.norm(theta))
    n = G0.shape[0]
    lam = cp.Variable(n, nonneg=True)
    mu = cp.Variable(kinks.count) if kinks.count else None
    if compress:
        R = np.linalg.qr(np.hstack([theta[:, None] / t, G0.T * t, kinks.vectors.T * t]), mode="r")
        target, fit = R[:, 0], R[:, 1:n + 1] @ lam
        if mu is not None:
            fit = fit + R[:, n + 1:] @ mu
    else:  # as before compression existed: the same problem data
        fit = G0.T @ lam
        if mu is not None:
            fit = fit + kinks.vectors.T @ mu
        target, fit = theta / t, fit * t
    cons = [mu >= kinks.lo * lam[kinks.rows], mu <= kinks.hi * lam[kinks.rows]] if mu is not None else []
    obj = cp.norm(target - fit) + (margins - 1.0) @ lam
    return cp.Problem(cp.Minimize(obj), cons), lam, mu, t


def _solve(
    program: tuple[Any, Any, Any, float], kinks: KinkTerms, tol: float, settings: dict[str, Any],
) -> tuple[np.ndarray | None, np.ndarray, Any]:
    """Clarabel on :func:`_program`'s problem at ``tol``; the multipliers unscaled."""
    problem, lam, mu, t = program
    for v in problem.variables():  # a failed solve must not leave the previous solve's point
        v.value = None
    info = solve_clarabel(problem, tol=tol, settings=settings)
    if lam.value is None:
        return None, np.zeros(kinks.count), info
    s = t * t
    mu_v = np.asarray(mu.value, float).ravel() * s if kinks.count else np.zeros(0)
    return np.asarray(lam.value, float).ravel() * s, mu_v, info


def _feasible(lam: np.ndarray, mu: np.ndarray, kinks: KinkTerms) -> tuple[np.ndarray, np.ndarray]:
    """Round the solver point onto the feasible set (lambda >= 0, mu within its bounds)."""
    lam = np.maximum(lam, 0.0)
    return lam, np.clip(mu, kinks.lo * lam[kinks.rows], kinks.hi * lam[kinks.rows])


def _nnls(theta: np.ndarray, G0: np.ndarray, kinks: KinkTerms) -> np.ndarray:
    """The old program: NNLS over the one-sided Jacobian (eps only), by Lawson-Hanson."""
    G = G0.copy()
    np.add.at(G, kinks.rows, kinks.onesided[:, None] * kinks.vectors)
    try:
        return scipy.optimize.nnls(G.T, theta)[0]
    except RuntimeError:
        return np.zeros(G.shape[0])


def _polish(
    theta: np.ndarray, G0: np.ndarray, kinks: KinkTerms, margins: np.ndarray,
    lam: np.ndarray, mu: np.ndarray,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Exact optimum on the face read off the solver point, best over :data:`FACE_RTOLS`."""
    cands = [_polish_face(theta, G0, kinks, margins, lam, mu, rtol) for rtol in FACE_RTOLS]
    cands = [c for c in cands if c is not None]
    return min(cands, key=lambda c: objective(theta, G0, kinks, margins, *c), default=None)


def _polish_face(
    theta: np.ndarray, G0: np.ndarray, kinks: KinkTerms, margins: np.ndarray,
    lam: np.ndarray, mu: np.ndarray, rtol: float,
) -> tuple[np.ndarray, np.ndarray] | None:
    r"""Minimise :math:`\|\theta-Bx\|/t + w^\top x` on one face in closed form.

    On the face, :math:`x` = (support multipliers, interior :math:`\mu_j`); columns of B
    are :math:`g^0_i` plus the kink vectors at their bound slope, and :math:`c_j` for free
    :math:`\mu_j`. With :math:`B = U\Sigma V^\top`, :math:`x_{ls} = B^+\theta`,
    :math:`r_\perp = \theta - Bx_{ls}` and :math:`u = \Sigma^{-1}V^\top w`, stationarity
    :math:`B^\top r = t\|r\|w` gives :math:`\|r\| = \|r_\perp\|/\sqrt{1-t^2\|u\|^2}` and
    :math:`x = x_{ls} - t\|r\|V\Sigma^{-1}u`. ``None`` if the face is degenerate, the
    problem is unbounded on it, or the point leaves the feasible set.
    """
    t = float(np.linalg.norm(theta))
    S = np.flatnonzero(lam > rtol * max(lam.max(), 0.0))
    if S.size == 0:
        return None
    li = lam[kinks.rows]
    at_lo = mu - kinks.lo * li <= rtol * li
    at_hi = ~at_lo & (kinks.hi * li - mu <= rtol * li)
    live = np.isin(kinks.rows, S)
    free = np.flatnonzero(live & ~at_lo & ~at_hi)
    cols = G0[S].copy()
    for j in np.flatnonzero(live & (at_lo | at_hi)):
        bound = kinks.lo if at_lo[j] else kinks.hi
        cols[np.searchsorted(S, kinks.rows[j])] += bound * kinks.vectors[j]
    B = np.vstack([cols, kinks.vectors[free]]).T
    w = np.concatenate([(margins[S] - 1.0) / (t * t), np.zeros(free.size)])
    x = _face_minimiser(theta, B, w, t)
    if x is None:
        return None
    new_lam = np.zeros_like(lam)
    new_lam[S] = x[:S.size]
    new_mu = np.where(at_hi, kinks.hi, kinks.lo) * new_lam[kinks.rows] * live
    new_mu[free] = x[S.size:]
    tol = 1e-9 * max(new_lam.max(), 0.0)
    lo, hi = kinks.lo * new_lam[kinks.rows], kinks.hi * new_lam[kinks.rows]
    if x[:S.size].min() < -tol or np.any(new_mu < lo - tol) or np.any(new_mu > hi + tol):
        return None
    return _feasible(new_lam, new_mu, kinks)


def _face_minimiser(theta: np.ndarray, B: np.ndarray, w: np.ndarray, t: float) -> np.ndarray | None:
    """Closed-form minimiser of ||theta - Bx||/t + w.x (see :func:`_polish_face`)."""
    U, sv, Vt = np.linalg.svd(B, full_matrices=False)
    keep = sv > 1e-12 * sv.max() if sv.size and sv.max() > 0 else np.zeros(sv.size, bool)
    U, sv, Vt = U[:, keep], sv[keep], Vt[keep]
    if np.linalg.norm(w - Vt.T @ (Vt @ w)) > 1e-12 * max(np.linalg.norm(w), 1e-300):
        return None  # w has a component in ker(B): unbounded along the face
    x_ls = Vt.T @ ((U.T @ theta) / sv)
    r_perp = np.linalg.norm(theta - B @ x_ls)
    u = (Vt @ w) / sv
    k = 1.0 - t * t * float(u @ u)
    if not k > 0:
        return None
    return x_ls - t * (r_perp / np.sqrt(k)) * (Vt.T @ (u / sv))
