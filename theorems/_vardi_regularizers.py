r"""A family of explicit regularizers :math:`R(w)` for the single-neuron theorem of Vardi & Shamir
(2021), each with its certified minimum over the global minima, and the quantity that refutes it.
Not a theorem module (the registry skips ``_`` modules).

Model :math:`f_w(x) = \mathrm{relu}(\langle w, x\rangle)`, squared loss, labels :math:`y \ge 0`.
The global minima (zero loss) form the polyhedron

.. math:: G = \{w:\ X_+ w = y_+,\ X_0 w \le 0\}

(:math:`X_+`: rows with :math:`y_i > 0`, :math:`X_0`: rows with :math:`y_i = 0`); it is convex,
so for a convex :math:`R` the minimum :math:`\min_G R` is a convex program.

* :math:`R = \|w\|_p`: solved by Clarabel through cvxpy (:func:`lp_min_target`); the point it
  returns, projected onto the affine set :math:`X_+w = y_+`, gives the upper bound
  :math:`U = \|\hat w\|_p \ge \min_G R`, and the solver's multipliers, scaled into the dual
  feasible set :math:`\{\|X_+^\top\nu + X_0^\top\mu\|_q \le 1,\ \mu \ge 0\}` (:math:`1/p +
  1/q = 1`), give the weak-duality lower bound :math:`-\nu^\top y_+ \le \min_G R`.  A status
  other than ``optimal`` or a relative gap :math:`(U - \mathrm{lower})/U` above ``cert_tol``
  makes the target untrusted (the claims reading it turn UNDECIDED, never PASS).
* :math:`R = \|Xw\|_2` (the pre-activations :math:`(\langle w, x_i\rangle)_i`): on :math:`G`,
  :math:`\|Xw\|^2 = \|y_+\|^2 + \|X_0 w\|^2 \ge \|y_+\|^2`, attained when :math:`X` has full
  row rank (take :math:`Xw = (y_+, 0)`), so :math:`\min_G R = \|y_+\|` in closed form
  (:func:`preact_min_target`; no solver).

:func:`excess` is the quantity the claims bound: at an interpolating iterate :math:`w`, its
projection :math:`\tilde w = w - X_+^{+}(X_+ w - y_+)` (required to keep :math:`X_0\tilde w
\le 0`: then :math:`\tilde w \in G`, within :math:`\|X_+^+\|\,\|X_+w - y_+\|` of :math:`w`) and

.. math:: q = \frac{R(\tilde w) - U}{U},\qquad U \ge \min_G R.

:math:`q > 0` proves that :math:`\tilde w` is a global minimum that does **not** minimize
:math:`R` over :math:`G` (a feasible point has a smaller :math:`R`), whatever the solver's
accuracy: :math:`q` is a lower bound of the relative excess over the minimum, and the
target's certificate says it is tight to ``cert_tol``.

Reading (B), "``R`` does not single out GD's limit" (:math:`\operatorname{argmin}_G R \ne
\{\tilde w\}`), holds iff the level set :math:`S = \{w' \in G:\ R(w') \le R(\tilde w)\}`
contains a point other than :math:`\tilde w` (if :math:`\tilde w` is not a minimizer, a
minimizer is such a point; if it is one, any such point is another minimizer).

* For :math:`1 < p < \infty` the unit ball of :math:`\|\cdot\|_p` is strictly convex and
  :math:`0 \notin G` (some :math:`y_i > 0`), so :math:`\operatorname{argmin}_G R` is one point
  and (B) is (A): :func:`unique_excess` returns :math:`q` after checking :math:`y_+ \ne 0`
  (and, for :math:`\|Xw\|_2`, that :math:`X` has full column rank, which makes
  :math:`w \mapsto Xw` injective).
* For :math:`p \in \{1, \infty\}` (polyhedral, possibly a face of minimizers)
  :func:`level_spread` solves :math:`2k` linear programs (HiGHS dual simplex),
  :math:`\max_{w' \in S} \pm n_j^\top w'` along an orthonormal basis :math:`n_1..n_k` of
  :math:`\ker X_+` (:math:`S - \tilde w` lies in it, so all excursions vanish iff
  :math:`S = \{\tilde w\}`), checks each returned vertex lies in :math:`S` (residuals below
  ``ZERO_TOL``, :math:`R(w') \le (1 + 10^{-12}) R(\tilde w)`), and returns the largest
  :math:`\|w' - \tilde w\|_2 / \|\tilde w\|_2`: a lower bound of the same maximum over
  :math:`S`, with a witness.  A status other than optimal or a witness outside :math:`S` raises (NaN, the
  claim UNDECIDED, never PASS).
"""
from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np
import scipy.linalg
import scipy.optimize

from theorems import _squared_relu as sq
from verify import Point, Target, solve_clarabel

#: The exponents p of the l_p family (see the theorem module for why this grid).
P_GRID = (1.0, 1.5, 2.0, 3.0, 4.0, float("inf"))

#: Relative excess q above which R(w_GD) counts as larger than min_G R: the float64 reading
#: of "equal" used for interpolation (:data:`theorems._squared_relu.INTERP_RTOL`), far above
#: the rounding of R and of the projection (about 1e-15) and the solver's certified gap.
REFUTE_RTOL = sq.INTERP_RTOL

#: Largest ``X_0 w`` (relative to ``max(1, max y)``) read as ``<= 0`` at float64 resolution.
ZERO_TOL = 1e-12

#: Reading (B): relative distance ``||w' - w~||_2 / ||w~||_2`` above which a point of the
#: level set counts as another point (the same float64 reading of "equal" as ``REFUTE_RTOL``).
SPREAD_RTOL = sq.INTERP_RTOL

#: Relative slack of ``R(w') <= R(w~)`` accepted for an LP vertex (float64 rounding of R).
LEVEL_RTOL = 1e-12


def tag(p: float) -> str:
    """Short name of ``||w||_p`` for claim and quantity names.

    Examples
    --------
    >>> [tag(p) for p in P_GRID]
    ['l1', 'l1p5', 'l2', 'l3', 'l4', 'linf']
    """
    if np.isinf(p):
        return "linf"
    return "l" + (f"{p:g}".replace(".", "p"))


def conjugate(p: float) -> float:
    """The dual exponent ``q`` with ``1/p + 1/q = 1``.

    Examples
    --------
    >>> conjugate(1.0), conjugate(2.0), conjugate(float("inf")), conjugate(3.0)
    (inf, 2.0, 1.0, 1.5)
    """
    if p == 1.0:
        return float("inf")
    return 1.0 if np.isinf(p) else p / (p - 1.0)


def split(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(X_+, y_+, X_0)``: the rows with a positive label, their labels, the zero-label rows."""
    X, y = np.asarray(X, float), np.asarray(y, float)
    if np.any(y < 0):
        raise ValueError("a single ReLU neuron cannot fit a negative label")
    pos = y > 0
    return X[pos], y[pos], X[~pos]


def project(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Orthogonal projection of ``w`` onto ``{X_+ w = y_+}`` (``X_+`` of full row rank)."""
    A, b, _ = split(X, y)
    w = np.asarray(w, float)
    return w - np.linalg.lstsq(A, A @ w - b, rcond=None)[0]


def in_minima(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> bool:
    """``X_0 w <= 0`` at float64 resolution (``w`` already on the affine set)."""
    _, _, C = split(X, y)
    scale = max(1.0, float(np.max(np.abs(y))))
    return bool(C.size == 0 or np.max(C @ w) <= ZERO_TOL * scale)


def lp_min_target(X: np.ndarray, y: np.ndarray, p: float, *, tol: float = 1e-10,
                  cert_tol: float = 1e-8) -> Target:
    r"""Certified :math:`\min \|w\|_p` over the global minima :math:`G` (module docstring).

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [1.0, 1.0]]); y = np.array([1.0, 0.0])   # w1 = 1, w2 <= -1
    >>> t = lp_min_target(X, y, 1.0)
    >>> t.status, round(t["value"], 8), round(t["lower"], 8), np.round(t["w"], 8).tolist()
    ('optimal', 2.0, 2.0, [1.0, -1.0])
    """
    return _lp_cached(np.asarray(X, float).tobytes(), np.asarray(y, float).tobytes(),
                      np.shape(X), float(p), tol, cert_tol)


@lru_cache(maxsize=64)
def _lp_cached(xb: bytes, yb: bytes, shape: tuple[int, int], p: float, tol: float,
               cert_tol: float) -> Target:
    """The solve of :func:`lp_min_target`, memoized on the data (every sweep run of the
    deterministic instance asks for the same programs)."""
    import cvxpy as cp  # imported when first solved: `verify list` needs no solver
    X = np.frombuffer(xb).reshape(shape)
    y = np.frombuffer(yb)
    A, b, C = split(X, y)
    w = cp.Variable(X.shape[1])
    cons = [A @ w == b] + ([C @ w <= 0] if C.size else [])
    prob = cp.Problem(cp.Minimize(cp.norm(w, "inf" if np.isinf(p) else p)), cons)
    info = solve_clarabel(prob, tol=tol)
    name = f"min_{tag(p)}_over_global_minima"
    if w.value is None or cons[0].dual_value is None:
        return Target(name, info.status, info.solver, {}, {}, cert_tol, note="no solution")
    w_hat = project(X, y, w.value)
    nu = np.atleast_1d(cons[0].dual_value)
    mu = np.maximum(np.atleast_1d(cons[1].dual_value), 0.0) if C.size else np.zeros(0)
    g_norm = float(np.linalg.norm(A.T @ nu + (C.T @ mu if C.size else 0.0), conjugate(p)))
    lower = float(-nu @ b) / max(1.0, g_norm)  # weak duality at a feasible dual point
    upper = float(np.linalg.norm(w_hat, p))
    scale = max(1.0, float(np.max(np.abs(y))))
    cert = {"primal_equality": float(np.max(np.abs(A @ w_hat - b))) / scale,
            "primal_inequality": float(max(0.0, np.max(C @ w_hat))) / scale if C.size else 0.0,
            "dual_infeasibility": max(0.0, g_norm - 1.0),
            "duality_gap": max(0.0, upper - lower) / max(1.0, upper)}
    vals = {"w": w_hat, "value": upper, "lower": lower, "p": p}
    return Target(name, info.status, info.solver, vals, cert, cert_tol,
                  note="min ||w||_p s.t. X_+ w = y_+, X_0 w <= 0; solver point projected "
                       "onto X_+ w = y_+; lower bound from the scaled multipliers")


def preact_min_target(X: np.ndarray, y: np.ndarray, *, cert_tol: float = 1e-8) -> Target:
    r""":math:`\min \|Xw\|_2` over the global minima: :math:`\|y_+\|` in closed form, attained
    at :math:`w = X^\top (XX^\top)^{-1}(y_+, 0)` when :math:`X` has full row rank (else the
    status is ``"rank_deficient"``: the minimum may not be attained).

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [1.0, 1.0]]); y = np.array([1.0, 0.0])
    >>> t = preact_min_target(X, y)
    >>> t["value"], np.round(t["w"], 12).tolist()
    (1.0, [1.0, -1.0])
    """
    X, y = np.asarray(X, float), np.asarray(y, float)
    split(X, y)
    G = X @ X.T
    eig = float(np.linalg.eigvalsh(G)[0])
    status = "optimal" if eig > 1e-10 * float(np.trace(G)) else "rank_deficient"
    u = np.where(y > 0, y, 0.0)
    w = X.T @ np.linalg.solve(G, u) if status == "optimal" else np.zeros(X.shape[1])
    value = float(np.linalg.norm(y[y > 0]))
    scale = max(1.0, float(np.max(np.abs(y))))
    cert = {"attainment_residual": float(np.max(np.abs(X @ w - u))) / scale}
    return Target("min_preactivation_norm_over_global_minima", status, "closed form",
                  {"w": w, "value": value, "lower": value, "min_eig_gram": eig}, cert, cert_tol,
                  note="||Xw||^2 = ||y_+||^2 + ||X_0 w||^2 on the global minima")


def limit_point(pt: Point) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(X, y, w~)``: the data and the iterate projected onto the global minima (module
    docstring).  ValueError at an iterate that does not interpolate or whose projection
    leaves the global minima."""
    if not sq.interpolated(pt):
        raise ValueError("undefined: the iterate does not interpolate")
    X, y = pt.data.X, pt.data.y
    w = project(X, y, pt.theta)
    if not in_minima(X, y, w):
        raise ValueError("undefined: the projected iterate activates a zero-label sample")
    return X, y, w


def excess(R: Callable[[np.ndarray, np.ndarray], float], target: str) -> Callable[[Point], float]:
    r"""The quantity ``q = (R(w~) - U)/U`` of the module docstring, ``U`` the target's value;
    ``R(X, w)``.  ValueError (NaN in the series) at an iterate that does not interpolate or
    whose projection leaves the global minima."""
    def q(pt: Point) -> float:
        X, _, w = limit_point(pt)
        U = float(pt.targets[target]["value"])
        return (R(X, w) - U) / U
    return q


def uniqueness_gap(X: np.ndarray, y: np.ndarray, preact: bool) -> str:
    """Why ``argmin_G R`` may not be a single point, for a strictly convex ``R`` (``||w||_p``,
    ``1 < p < inf``, or ``||Xw||_2`` with ``preact``); ``""`` when it is one point.

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [1.0, 1.0]])
    >>> uniqueness_gap(X, np.array([1.0, 0.0]), True), uniqueness_gap(X[:1], np.ones(1), True)
    ('', 'X has rank 1 < d = 2: ||Xw||_2 is flat along its null space')
    """
    X, y = np.asarray(X, float), np.asarray(y, float)
    if not np.any(y > 0):
        return "no positive label: 0 is a global minimum"
    rank = int(np.linalg.matrix_rank(X))
    if preact and rank < X.shape[1]:
        return f"X has rank {rank} < d = {X.shape[1]}: ||Xw||_2 is flat along its null space"
    return ""


def unique_excess(R: Callable[[np.ndarray, np.ndarray], float], target: str,
                  preact: bool = False) -> Callable[[Point], float]:
    """Reading (B) for a strictly convex ``R``: :func:`excess`, once :func:`uniqueness_gap`
    certifies that the minimizer is unique (else ValueError: NaN, the claim UNDECIDED)."""
    q = excess(R, target)

    def qb(pt: Point) -> float:
        why = uniqueness_gap(pt.data.X, pt.data.y, preact)
        if why:
            raise ValueError(f"uniqueness of the minimizer not certified: {why}")
        return q(pt)
    return qb


def level_spread(X: np.ndarray, y: np.ndarray, w: np.ndarray, p: float) -> float:
    r"""Relative distance :math:`\|w' - w\|_2 / \|w\|_2` of the farthest of the LP vertices
    :math:`w' = \arg\max_{S} \pm n_j^\top w'` (:math:`n_j` an orthonormal basis of the null
    space of :math:`X_+`, which :math:`S - w` lies in) of the level set :math:`S = \{w' \in G:
    \|w'\|_p \le \|w\|_p\}`, ``p`` in ``{1, inf}`` (module docstring); ``w`` a point of ``G``.
    0 iff :math:`S = \{w\}`; otherwise a certified lower bound of :math:`\max_S \|w' - w\|_2
    / \|w\|_2` (each vertex is checked to lie in :math:`S`, else ValueError).

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [1.0, 1.0]]); y = np.array([1.0, 0.0])   # w1 = 1, w2 <= -1
    >>> round(level_spread(X, y, np.array([1.0, -1.0]), 1.0), 12)   # the unique l1 minimizer
    0.0
    >>> round(level_spread(X, y, np.array([1.0, -1.5]), 1.0), 6)    # S: w2 in [-1.5, -1]
    0.27735
    """
    key = tuple(np.asarray(a, float).tobytes() for a in (X, y, w))
    return _spread_cached(*key, np.shape(X), float(p))


@lru_cache(maxsize=256)
def _spread_cached(xb: bytes, yb: bytes, wb: bytes, shape: tuple[int, int], p: float) -> float:
    """:func:`level_spread`, memoized (the precision audit replays checkpoints)."""
    X, y, w = np.frombuffer(xb).reshape(shape), np.frombuffer(yb), np.frombuffer(wb)
    A, b, C = split(X, y)
    d = X.shape[1]
    N = scipy.linalg.null_space(A)
    r = float(np.linalg.norm(w, p))
    lp = _level_lp(A, b, C, r, p)
    scale = max(1.0, float(np.max(np.abs(y))))
    best = 0.0
    for n in N.T:
        for sign in (1.0, -1.0):
            c = np.zeros(lp["n"])
            c[:d] = -sign * n
            res = scipy.optimize.linprog(c, A_ub=lp["A_ub"], b_ub=lp["b_ub"], A_eq=lp["A_eq"],
                                         b_eq=b, bounds=lp["bounds"], method="highs-ds")
            if res.status != 0:
                raise ValueError(f"level-set LP of ||w||_{p:g}: {res.message}")
            v = res.x[:d]
            if (np.max(np.abs(A @ v - b)) > ZERO_TOL * scale
                    or (C.size and np.max(C @ v) > ZERO_TOL * scale)
                    or np.linalg.norm(v, p) > r * (1.0 + LEVEL_RTOL)):
                raise ValueError(f"level-set LP of ||w||_{p:g}: its vertex is not in the level set")
            best = max(best, float(np.linalg.norm(v - w)))
    return best / float(np.linalg.norm(w))


def _level_lp(A: np.ndarray, b: np.ndarray, C: np.ndarray, r: float, p: float) -> dict:
    """The constraints of ``S`` as a linear program: ``||w'||_inf <= r`` as bounds; ``||w'||_1
    <= r`` through ``-t <= w' <= t``, ``sum t <= r`` (variables ``(w', t)``)."""
    d = A.shape[1]
    C = C.reshape(-1, d)
    if np.isinf(p):
        return {"n": d, "A_ub": C if C.size else None, "b_ub": np.zeros(len(C)) if C.size else None,
                "A_eq": A, "bounds": [(-r, r)] * d}
    if p != 1.0:
        raise ValueError(f"level_spread needs p in {{1, inf}}, not {p}")
    I = np.eye(d)
    rows = [np.hstack([I, -I]), np.hstack([-I, -I]), np.hstack([np.zeros(d), np.ones(d)])[None, :]]
    rhs = [np.zeros(d), np.zeros(d), [r]]
    if C.size:
        rows.append(np.hstack([C, np.zeros_like(C)]))
        rhs.append(np.zeros(len(C)))
    return {"n": 2 * d, "A_ub": np.vstack(rows), "b_ub": np.concatenate(rhs),
            "A_eq": np.hstack([A, np.zeros_like(A)]), "bounds": [(None, None)] * d + [(0, None)] * d}


def spread(p: float) -> Callable[[Point], float]:
    """Reading (B) for ``||w||_p``, ``p`` in ``{1, inf}``: :func:`level_spread` at GD's
    projected iterate."""
    def s(pt: Point) -> float:
        X, y, w = limit_point(pt)
        return level_spread(X, y, w, p)
    return s


def lp_norm(p: float) -> Callable[[np.ndarray, np.ndarray], float]:
    """``R(X, w) = ||w||_p``."""
    return lambda X, w: float(np.linalg.norm(w, p))


def preact_norm(X: np.ndarray, w: np.ndarray) -> float:
    """``R(X, w) = ||Xw||_2``, the l2 norm of the pre-activations."""
    return float(np.linalg.norm(np.asarray(X, float) @ w))
