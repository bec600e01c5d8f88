"""How far a recorded run can be from the exact-arithmetic run: a bound at every step.

The run's iterates :math:`\\hat\\theta_k` satisfy :math:`\\hat\\theta_{k+1} = \\Phi_k(\\hat\\theta_k) +
\\delta_k`, with :math:`\\Phi_k(\\theta) = \\theta - \\eta_k \\nabla L(\\theta)` the exact GD map and
:math:`\\delta_k` the rounding error of step ``k``; the exact run :math:`\\theta_k` starts from the
same (exactly converted) initialization. With :math:`\\Lambda_k` a Lipschitz constant of
:math:`\\Phi_k` on the segment between :math:`\\hat\\theta_k` and :math:`\\theta_k`,

.. math:: \\varepsilon_{k+1} = \\Lambda_k \\varepsilon_k + \\|\\delta_k\\|, \\qquad
          \\|\\hat\\theta_k - \\theta_k\\|_2 \\le \\varepsilon_k,

the discrete Gronwall recursion of the global error of a one-step method (Hairer, Norsett &
Wanner, *Solving ODEs I*, 2nd ed., Thm. II.3.4, "Lady Windermere's fan"). It starts at a
step ``k0`` where the error is known (the precision audit measures it against an mpmath
replay of the first window).

**Local error** (first order in the unit roundoff ``u``, standard model
:math:`fl(a \\circ b) = (a \\circ b)(1 + \\delta)`, :math:`|\\delta| \\le u`, dot products of
length ``n`` within :math:`\\gamma_n |a|^T|b|`, :math:`\\gamma_n \\approx n u`; Higham,
*Accuracy and Stability of Numerical Algorithms*, 2nd ed. (2002), Sec. 2.2 and Eq. (3.5);
``exp``/``log`` of numpy within a few ulps): the subtraction
:math:`\\hat\\theta - \\text{step}` adds at most :math:`u_{it}\\|\\hat\\theta_{k+1}\\|`; the step
:math:`\\eta_k e^{s} X^T w` is within :math:`u_{st}\\, c_k\\, \\eta_k B_k` of the exact one, with
:math:`B_k = \\|X\\|_2 L_k \\max(1, \\|\\hat\\theta_k\\|)` (:math:`\\||X|^T|\\ell'|\\| \\le \\|X\\|_2 \\sum_i
|\\ell'_i| \\le \\|X\\|_2 L` for the margin losses, :math:`|\\ell'| \\le \\ell`) and
:math:`c_k = n + 10 + (d + 4) R \\|\\hat\\theta_k\\| + 2|\\log\\eta_k|` (the dot products, the
margins' error :math:`\\gamma_d R\\|\\theta\\|` moved into the log-domain weights and the factor
:math:`e^{\\log\\eta + s}`), :math:`R = \\max_i \\|x_i\\|`.

**Lipschitz constant.** For the linear model with constant steps and the exponential or
logistic loss, :math:`D\\Phi = I - \\eta H` with :math:`H = \\sum_i \\ell''(q_i) x_i x_i^T \\succeq 0`,
so :math:`\\|D\\Phi\\|_2 \\le \\max(1, \\eta \\|H\\| - 1)` (gradient steps on a convex smooth function
are nonexpansive while :math:`\\eta\\|H\\| \\le 2`; Hardt, Recht & Singer, ICML 2016, Lemma 3.7),
and :math:`\\|H(\\xi)\\| \\le R^2 L(\\xi) \\le R^2 L(\\hat\\theta_k) e^{R\\varepsilon_k}` since
:math:`\\ell'' \\le \\ell` and :math:`\\ell(q - \\Delta) \\le e^{|\\Delta|}\\ell(q)` for both losses.
The drift is then a **propagated bound** (first order in ``u``). Any other model, loss or step
rule has no bounded :math:`\\Lambda` here (a ReLU kink makes the GD map discontinuous): the
recursion is run with :math:`\\Lambda_k = 1` (rounding errors add up, none is amplified) and
the drift is an **estimate**.

The per-step scalars move with the iterate: :func:`scalar_drift` turns :math:`\\varepsilon_k`
into bounds on ``log L``, ``||theta||^2``, ``q_min``, ``log eta``, ``log ||grad||`` and ``log t``
(the latter from the rounding of its own accumulation, ``logaddexp`` in float64 or a
compensated sum in ``f64dd``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from verify.dynamics.gd import StepRule
from verify.problem.losses import Loss
from verify.problem.models import Linear, Model

PROPAGATED = "propagated bound"
ESTIMATE = "estimate"

F64_U = 2.0 ** -53


@dataclass(frozen=True)
class Roundoff:
    """Unit roundoffs of a backend's GD step.

    ``iterate``: of the update ``theta - step``; ``step``: of the computed step (gradient,
    weights, factor); ``time``: of one ``log t`` accumulation; ``compensated_time``: ``log t``
    is a double-double sum of float64 increments (:mod:`verify.dynamics.compensated`).
    """

    iterate: float
    step: float
    time: float = F64_U
    compensated_time: bool = False


def roundoff(be: Any) -> tuple[Roundoff, str]:
    """The :class:`Roundoff` of backend ``be`` and the kind it supports.

    Examples
    --------
    >>> from verify.arith.backends import make_backend
    >>> roundoff(make_backend("float64"))[0].iterate == 2.0 ** -53
    True
    >>> roundoff(make_backend("mpmath", 40))[0].iterate < 1e-40
    True
    """
    name = getattr(be, "name", "")
    if name == "float64":
        return Roundoff(F64_U, F64_U), PROPAGATED
    if name == "f64dd":  # DWPlusFP: relative error 2u^2 (Joldes, Muller & Popescu 2017)
        return Roundoff(2 * F64_U ** 2, F64_U, F64_U, True), PROPAGATED
    if name == "dd":  # ddmath: about 2^-104 relative; log t is float64 logaddexp
        return Roundoff(2.0 ** -104, 2.0 ** -104), PROPAGATED
    if name == "mpmath":
        u = 2.0 ** (1 - int(be.ctx.prec))
        return Roundoff(u, u, u), PROPAGATED
    prec = int(getattr(be, "prec", 53))  # arb: balls, midpoints rounded (radii not kept)
    return Roundoff(2.0 ** -prec, 2.0 ** -prec), ESTIMATE


@dataclass(frozen=True)
class Geometry:
    """Data constants of the bound: ``n``, ``d``, ``R = max_i ||x_i||``, ``S = ||X||_2``."""

    n: int
    d: int
    R: float
    S: float

    @classmethod
    def of(cls, X: np.ndarray) -> Geometry:
        """Constants of the data matrix ``X`` (rounded up by a relative ``1e-12``)."""
        X = np.atleast_2d(np.asarray(X, float))
        up = 1.0 + 1e-12
        return cls(X.shape[0], X.shape[1], float(np.max(np.linalg.norm(X, axis=1))) * up,
                   float(np.linalg.norm(X, 2)) * up)


def step_map(model: Model, loss: Loss, rule: StepRule) -> tuple[str, str]:
    """Kind of the step map's Lipschitz constant and why (see module docstring)."""
    if type(model) is Linear and loss.name in ("exponential", "logistic") and rule.rule == "constant":
        return PROPAGATED, (f"linear model, {loss.name} loss, constant step: the GD map is "
                            "Lipschitz with max(1, eta R^2 L - 1)")
    return ESTIMATE, (f"{type(model).__name__} model, {loss.name} loss, {rule.rule} step: no "
                      "Lipschitz bound of the GD map; rounding errors summed without amplification")


@dataclass(frozen=True)
class DriftBound:
    """``eps[k - start]`` bounds ``||theta_hat_k - theta_k||_2`` for ``k = start, ..., T``.

    ``kind`` is :data:`PROPAGATED` or :data:`ESTIMATE`; ``lipschitz`` the largest
    :math:`\\Lambda_k` met; ``why`` says which step map was assumed.
    """

    kind: str
    start: int
    eps: np.ndarray
    lipschitz: float
    why: str

    def at(self, step: int) -> float:
        """The bound after ``step`` updates (0 before :attr:`start`: measured there)."""
        return float(self.eps[step - self.start]) if step >= self.start else 0.0

    def to_dict(self, norm_end: float) -> dict[str, Any]:
        """JSON form: kind, start, the bound at the start and the end (also relative)."""
        end = float(self.eps[-1])
        return {"kind": self.kind, "from_step": self.start, "start": float(self.eps[0]),
                "end": end, "rel_end": end / norm_end if norm_end > 0 else math.inf,
                "max_lipschitz": self.lipschitz, "step_map": self.why}


def _cols(scalars: Mapping[str, np.ndarray], k0: int) -> dict[str, np.ndarray]:
    """Per-step columns from ``k0`` on (the last row has no step after it)."""
    out = {k: np.asarray(v[k0:], float) for k, v in scalars.items()}
    out["norm"] = np.sqrt(np.maximum(out["sq_norm"], 0.0))
    return out


def _eval_error(c: Mapping[str, np.ndarray], g: Geometry, u: float = F64_U) -> np.ndarray:
    """Error of the ``log L`` scalar itself, evaluated at unit roundoff ``u``: the margins'
    dot products and the log-sum-exp (first order; its float64 storage is shared with the
    reference, whose scalars are stored alike)."""
    return u * ((g.d + 4) * g.R * c["norm"] + np.abs(c["log_loss"]) + g.n + 4)


def _local(c: Mapping[str, np.ndarray], g: Geometry, ro: Roundoff, linear: bool) -> np.ndarray:
    """``||delta_k||`` for the steps ``k0 .. T-1`` (see module docstring)."""
    norm = c["norm"]
    ck = g.n + 10 + (g.d + 4) * g.R * norm + 2 * np.abs(c["log_eta"])
    # log(eta_k B_k): eta_k may overflow and L_k underflow (loss-dependent steps)
    log_step = (c["log_eta"] + c["log_loss"] + math.log(g.S)
                + (0.0 if linear else np.log(np.maximum(1.0, norm))))
    with np.errstate(over="ignore"):
        return (ro.iterate * norm[1:] + ro.step * ck[:-1] * np.exp(log_step[:-1])) * (1 + 1e-6)


def _lipschitz(c: Mapping[str, np.ndarray], g: Geometry, kind: str, cap: float) -> np.ndarray:
    """``Lambda_k`` for the steps ``k0 .. T-1`` given ``eps_k <= cap``."""
    if kind != PROPAGATED:
        return np.ones(len(c["norm"]) - 1)
    log_eta = c["log_eta"][:-1] + 4 * F64_U * (np.abs(c["log_eta"][:-1]) + 1)
    log_hess = 2 * math.log(g.R) + c["log_loss"][:-1] + _eval_error(c, g)[:-1] + g.R * cap
    with np.errstate(over="ignore"):
        return np.maximum(1.0, np.exp(log_eta + log_hess) - 1.0)


def propagate(lam: np.ndarray, delta: np.ndarray, eps0: float) -> np.ndarray:
    """``eps_{k+1} = lam_k eps_k + delta_k`` from ``eps0``, vectorized in the log domain and
    rounded up (by a relative ``1e-13`` per step, above the log domain's own rounding).

    Examples
    --------
    >>> propagate(np.array([1.0, 2.0]), np.array([1.0, 1.0]), 0.5).round(9).tolist()
    [0.5, 1.5, 4.0]
    """
    with np.errstate(divide="ignore", over="ignore"):
        logP = np.concatenate([[0.0], np.cumsum(np.log(lam))])  # log prod_{j<k} lam_j
        terms = np.log(delta) - logP[1:]
        acc = np.logaddexp.accumulate(np.concatenate([[math.log(eps0) if eps0 > 0 else -math.inf],
                                                      terms]))
        return np.exp(logP + acc) * (1 + 1e-13 * np.arange(1, len(acc) + 1))


def drift_bound(model: Model, loss: Loss, rule: StepRule, X: np.ndarray,
                scalars: Mapping[str, np.ndarray], start: int, eps0: float,
                ro: Roundoff, ro_kind: str = PROPAGATED) -> DriftBound:
    """The bound :math:`\\varepsilon_k` from step ``start`` (where it is ``eps0``) to the end.

    ``Lambda_k`` depends on :math:`\\varepsilon_k` through :math:`e^{R\\varepsilon_k}`: the
    recursion is run with a cap ``C`` on :math:`\\varepsilon` and accepted once its result
    stays below ``C`` (by induction it then bounds the true recursion); infinite if no cap
    up to ``1/R`` works.
    """
    g = Geometry.of(X)
    kind, why = step_map(model, loss, rule)
    kind = kind if ro_kind == PROPAGATED else ESTIMATE
    c = _cols(scalars, start)
    delta = _local(c, g, ro, type(model) is Linear)
    eps, cap = np.array([eps0]), 0.0
    for _ in range(8):
        lam = _lipschitz(c, g, kind, cap)
        eps = propagate(lam, delta, eps0) if len(delta) else np.array([eps0])
        top = float(np.max(eps))
        if top <= cap or not np.isfinite(top):
            break
        cap = 2 * top
        if g.R * cap > 1:
            eps = np.full_like(eps, math.inf)
            break
    lam_max = float(np.max(lam)) if len(delta) else 1.0
    return DriftBound(kind, start, np.where(np.isnan(eps), np.inf, eps), lam_max, why)


def _time_drift(s: Mapping[str, np.ndarray], d_log_eta: np.ndarray, ro: Roundoff) -> np.ndarray:
    """Bound on the error of ``log t_k`` for every ``k`` (module docstring; 0 at step 0).

    ``log t_j = logaddexp(log t_{j-1}, log eta_{j-1})`` errs by ``u(|log t_j| + 3)``; an error
    at step ``j`` reaches step ``k`` scaled by ``t_j / t_k``, one in ``log eta_j`` by
    ``eta_j / t_k``.
    """
    lt, le = np.asarray(s["log_t"], float), np.asarray(s["log_eta"], float)
    out = np.zeros_like(lt)
    if len(lt) < 2:
        return out
    if ro.compensated_time:
        inc = 3 * ro.time * (lt[1:] - lt[1]) + 4 * ro.time + 2 * F64_U ** 2 * np.abs(lt[1:])
        own = -math.inf * np.ones(len(lt) - 1)
    else:
        inc = np.zeros(len(lt) - 1)
        own = np.log(ro.time * (np.abs(lt[1:]) + 3)) + lt[1:]
    with np.errstate(divide="ignore"):
        eta_err = np.log(d_log_eta[:-1] + ro.time * (np.abs(le[:-1]) + 2)) + le[:-1]
    acc = np.logaddexp.accumulate(np.logaddexp(own, eta_err))
    out[1:] = inc + np.exp(acc - lt[1:])
    return out


def scalar_drift(bound: DriftBound, scalars: Mapping[str, np.ndarray], X: np.ndarray,
                 rule: StepRule, ro: Roundoff) -> dict[str, np.ndarray]:
    """Bounds on the error of each per-step scalar, over every step (first order in the drift).

    Steps before ``bound.start`` carry only the scalars' own evaluation error (the audit
    compares them with the mpmath replay there); ``log t`` always carries its accumulation.
    """
    g = Geometry.of(X)
    c = _cols(scalars, 0)
    eps = np.zeros(len(c["norm"]))
    eps[bound.start:] = bound.eps[: len(eps) - bound.start]
    norm = c["norm"]
    ev = _eval_error(c, g, ro.step)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        log_eps = np.log(eps) + g.R * eps  # eps e^{R eps}
        d_ll = np.exp(c["log_grad_norm"] - c["log_loss"] + log_eps) + ev
        d_lg = np.exp(2 * math.log(g.R) + c["log_loss"] - c["log_grad_norm"] + log_eps) + ev
    power = 0.0 if rule.rule == "constant" else 1.0 + (rule.log_power if rule.rule != "normalized" else 0.0)
    d_le = power * d_ll + F64_U * (np.abs(c["log_eta"]) + 2)
    return {
        "log_loss": d_ll,
        "sq_norm": 2 * norm * eps + eps ** 2 + ro.step * (g.d + 2) * c["sq_norm"],
        "q_min": g.R * np.maximum(1.0, norm) * (eps + ro.step * (g.d + 4) * norm),
        "log_eta": d_le,
        "log_grad_norm": d_lg,
        "log_t": _time_drift(scalars, d_le, ro),
    }
