r"""Vardi & Shamir (2021): for a single ReLU neuron with the squared loss, GD's limit need not be
the minimum-norm global minimum, even as the initialization vanishes, nor the minimizer of any
l_p norm (1 <= p < inf) or of the l2 norm of the pre-activations.

Published (COLT 2021, arXiv:2012.05156, abstract; the paper's construction was not
consulted, see docs/papers/kou2023_lai2026.md section 4.3): for a single neuron (and for
one-hidden-layer networks) the implicit regularization of GD with the square loss cannot be
expressed by any explicit function of the parameters; the introduction frames an explicit
``R`` as "GD converges to a global minimum that minimizes ``R``".  The theorem quantifies
over every ``R``; a finite suite can only refute a family, on an instance of our own design.
"GD's limit is not described by ``R``" has two defensible readings, both tested, per instance:

* (A) GD's limit (``sigma0 -> 0``) is not in ``argmin R`` over the global minima (claims
  ``not_min_<R>``);
* (B) ``R`` does not single GD's limit out: it is not the *unique* minimizer, i.e. (A) holds
  or another global minimum with the same minimal ``R`` lies at a positive distance (claims
  ``not_unique_min_<R>``).  (A) implies (B); they differ only when ``argmin R`` is not a point.

We test ``R(w) = ||w||`` as a Limit of the distance to the min-norm point (the ``min_norm``
claim, an expected failure) and the family below as one Bound claim per ``R`` and reading.

**Construction (ours).**  ``relu(<w, x>)`` on three unit inputs in ``R^3``:
``x_1 = e_1`` (label 1), ``x_2 = (cos eps, sin eps, 0)`` (label ``y_2 = 0.4``) and
``z = (1, 3, 2)/sqrt(14)`` (label 0), ``eps = 0.8``.  Interpolants are ``w = (1, w_2^*, w_3)`` with
``w_2^* = (y_2 - cos eps)/sin eps`` and ``<w, z> <= 0``; at ``w_3 = 0`` already ``<w, z> < 0``, so
the min-norm interpolator is ``w_mn = (1, w_2^*, 0)``, with ``z`` inactive and multiplier 0.
Gradient flow from ``w_0 = sigma0 u`` (``u`` near ``sum_i x_i``: every sample active) starts as least
squares on all three samples, ``f(t) = (I - e^{-Kt}) y`` (``K = X X^T``): the fast direction
``x_1 + x_2`` makes ``<w, z>`` positive, and the residual of ``z`` pulls ``w`` along ``-z``,
including ``z``'s component ``e_3`` outside the span of ``x_1, x_2``.  The slow direction
``x_2 - x_1`` (eigenvalue ``1 - cos eps``) then drives ``<w, z>`` negative at ``tau ~ 3.2``; ``z``
deactivates and nothing moves ``w_3`` again.  The limit keeps ``w_3 ~ -0.12``: it interpolates
(a global minimum) but violates complementarity (``z`` inactive with a positive multiplier),
so it is not ``w_mn``, and since the whole mechanism happens at ``O(1)`` scale the gap
``||w_GD - w_mn||/||w_mn||`` tends to a positive constant as ``sigma0 -> 0``, predicted by
solving the piecewise-linear flow exactly (``gap_flow``, about 0.114; GD's first-order
bias is about ``0.2 eta``, so the sweeps run at ``eta = 0.02`` and the tolerance is 1%).

**The regularizer family (ours; claims ``not_min_<R>``, ``not_unique_min_<R>``).**
``R = ||w||_p`` for ``p in {1, 1.5, 2, 3, 4, inf}`` and ``R = ||Xw||_2`` (the pre-activations
``(<w, x_i>)_i``, tag ``pre``).  The global minima are the polyhedron
``G = {w: X_+ w = y_+, X_0 w <= 0}`` (convex: a single neuron with labels ``y >= 0``), here
the half-line ``(1, w_2^*, w_3)``, ``w_3 <= c`` (``c > 0``), so ``min_G R`` is a convex program:
solved by Clarabel with our own certificate (primal residuals, dual feasibility of the
scaled multipliers, relative duality gap ``<= 1e-8``; a status other than ``optimal`` makes
the claim UNDECIDED), and in closed form for ``pre`` (``||Xw||^2 = ||y_+||^2 + ||X_0 w||^2``
on ``G``, attained since ``X`` is invertible): :mod:`theorems._vardi_regularizers`.

*Reading (A).*  At the end of every run of the ``sigma0`` sweep (1e-1 .. 1e-7, two init
tilts), GD's iterate ``w``, projected onto ``X_+ w = y_+`` (a point ``w~`` of ``G`` a few 1e-12
from it), has ``q = (R(w~) - U)/U > 1e-9``, with ``U >= min_G R`` the ``R`` of the solver's
(projected) feasible point.  ``q > 0`` already proves ``w~`` is not a minimizer (a feasible
point has smaller ``R``); ``1e-9`` is the relative tolerance at which the suite calls an
iterate interpolating (``INTERP_RTOL``), six orders above the rounding of ``q``.  The
evidence is the smallest ``q`` over the sweep (the row's ``measured``).

*Reading (B).*  ``w~`` is the unique minimizer iff the level set
``S = {w' in G: R(w') <= R(w~)}`` is ``{w~}``.  For ``1 < p < inf`` and for ``pre`` (``X``
invertible, checked: rank 3) the unit ball is strictly convex and ``0`` is not in ``G``, so
``argmin_G R`` is one point and (B) is (A): the claim reads ``q`` again, behind that
certificate (NaN, UNDECIDED, if it does not hold).  For ``p in {1, inf}`` (polyhedral, a face
of minimizers possible) linear programs (HiGHS) maximize ``+-n^T w'`` over ``S``, ``n``
spanning ``ker X_+`` (here ``e_3``); each vertex is checked to lie in ``S`` and the measured
value is the largest ``||w' - w~||/||w~||``, a certified lower bound of the spread of ``S``
around ``w~``; the claim needs it ``> 1e-9`` at every run.  A solve that is not optimal, or a
vertex outside ``S``, is NaN (UNDECIDED), never PASS.

*Why this grid.*  On ``G`` every finite-``p`` norm is minimized at ``w_3 = 0`` alone, and the
flow limit has ``w_3 ~ -0.123``, so in exact arithmetic every ``p < inf`` is refuted; the
excess is about ``|w_3|^p / (p ||w||_p^{p-1})``: 0.087 (p = 1), 6.4e-3 (p = 2), 5.6e-5
(p = 4), 6.6e-9 (p = 8), and at float64's rounding (2e-16) by ``p = 16``.  The grid spaces
``1/p`` over ``[0, 1]`` (1, 2/3, 1/2, 1/3, 1/4, 0) and stops the finite ``p`` at 4, where the
excess is still 5e4 times the tolerance; larger finite ``p`` add no information beyond
arithmetic precision.  ``p = inf`` is the limit of the family and the one ``R`` where the
readings part: ``||w||_inf`` on ``G`` is ``max(1, |w_2^*|, |w_3|) = 1`` for every
``|w_3| <= 1``, a face of minimizers that contains GD's limit (``q = 0`` exactly).  Under (A)
it is **not refuted** on this instance (``not_min_linf`` FAILs, a finding: GD's limit is one
minimizer among a face, not a failure of the theorem); under (B) it is refuted
(``not_unique_min_linf`` PASSes: the face reaches ``w_3 = -1``, a spread near 0.8), though
for a reason (a flat minimum) that has little to do with GD.  On instances where ``z`` stays
active to the end (``eps = 0.8``, ``y_2 = 0.7`` of the stress grid, by the exact flow limit)
the limit sits on the kink ``<w, z> = 0``, which then minimizes every ``R`` of the family
(uniquely except for ``||w||_inf``, whose face ``-1 <= w_3 <= c`` remains): the refutation is
a property of the instance, as the theorem (an existence statement) allows.

Measurement notes (verdict tables of both readings, costs): docs/notes/vardi-shamir2021-single-neuron.md.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from scipy.linalg import expm
from scipy.optimize import brentq

from theorems import _squared_relu as sq
from theorems import _vardi_regularizers as vr
from verify import (Assumption, Bound, Citation, DataSpec, Dataset, Eventually, Expected, Limit,
                    Param, Quantity, Stat, Sweep, Theorem, TwoLayer, horizon_deadline,
                    initial_params)

s0, s0_max, amin = sp.symbols("sigma_0 sigma_0max c_min")
SIGMAS = (1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7)


@dataclass(frozen=True)
class DirectedNeuron(TwoLayer):
    """``relu(<w, x>)`` from ``w_0 = sigma0 v/||v||``, ``v = u/||u|| + jitter g``, ``g ~ N(0, I)``."""

    m: int = 1
    train_outer: bool = False
    outer_init: str = "signs"
    direction: tuple[float, ...] = (1.0, 0.0, 0.0)
    jitter: float = 0.1

    def init(self, d: int, sigma0: float, rng: np.random.Generator) -> dict[str, np.ndarray]:
        u = np.asarray(self.direction, float)
        v = u / np.linalg.norm(u) + self.jitter * rng.standard_normal(d)
        return {"W": sigma0 * (v / np.linalg.norm(v))[None, :], "a": np.ones(1)}


def inputs(p) -> np.ndarray:
    """``x_1 = e_1``, ``x_2 = (cos eps, sin eps, 0)``, ``z = (1, 3, 2)/sqrt(14)``."""
    z = np.array([1.0, 3.0, 2.0])
    return np.array([[1.0, 0.0, 0.0], [np.cos(p["eps"]), np.sin(p["eps"]), 0.0], z / np.linalg.norm(z)])


def model(p) -> DirectedNeuron:
    """The neuron, initialized near the direction ``sum_i x_i``."""
    return DirectedNeuron(direction=tuple(inputs(p).sum(axis=0)), jitter=p["jitter"])


def generate(p, rng) -> Dataset:
    """The three-sample instance of the module docstring (deterministic)."""
    return Dataset(inputs(p), np.array([1.0, p["y2"], 0.0]), "vardi-shamir-instance")


def flow_limit(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Limit of gradient flow from ``w = 0^+`` with all samples active: least squares on all
    three, ``f(t) = (I - e^{-Kt}) y``, until ``<w, z>`` crosses 0 at ``tau``, then least squares
    on ``x_1, x_2`` from ``w(tau)``.  (``z`` inactive from the start if ``(K y)_z <= 0``; never
    deactivated if ``f_z`` stays positive: then the limit is ``X^{-1} y``.)"""
    K, P = X @ X.T, np.linalg.pinv(X[:2])
    if (K @ y)[2] <= 0:
        return P @ y[:2]
    f = lambda t: (np.eye(3) - expm(-K * t)) @ y
    ts = np.geomspace(1e-3, 1e3, 400)
    neg = [t for t in ts if f(t)[2] < 0]
    if not neg:
        return np.linalg.solve(X, y)
    tau = brentq(lambda t: f(t)[2], ts[ts < neg[0]][-1], neg[0])
    w_tau = np.linalg.solve(X, f(tau))
    return w_tau + P @ (y[:2] - X[:2] @ w_tau)


def _gap_flow(ctx) -> float:
    w_mn = np.asarray(ctx.targets["min_norm"]["w"])
    return float(np.linalg.norm(flow_limit(ctx.dataset.X, ctx.dataset.y) - w_mn) / np.linalg.norm(w_mn))


def _active_margin(d, p) -> dict:
    """``min_i <x_i, w_0>/||w_0||`` at the case's own initialization."""
    w0 = initial_params(model(p), d.d, p)["W"][0]
    return {"c_min": Stat.approx(float(np.min(d.X @ w0) / np.linalg.norm(w0)), 1e-12)}


def _lp_target(p: float):
    """The target builder of ``min ||w||_p`` over the global minima."""
    return lambda data, params: vr.lp_min_target(data.X, data.y, p)


def _lp_tex(p: float) -> str:
    return r"\|w\|_\infty" if np.isinf(p) else rf"\|w\|_{{{p:g}}}"


@dataclass(frozen=True)
class InstanceBound(Bound):
    """A :class:`~verify.Bound` whose FAIL reason ends with ``on_fail``: what a FAIL means on
    this instance (reported as a Bound)."""

    on_fail: str = ""

    @property
    def kind(self) -> str:
        """Reported as a Bound."""
        return "Bound"

    def evaluate(self, series: Any, expected: Mapping[str, float | None]) -> Any:
        """:meth:`Bound.evaluate <verify.Bound.evaluate>`, with ``on_fail`` added to a FAIL."""
        res = super().evaluate(series, expected)
        if res.outcome.value == "FAIL" and self.on_fail:
            return res.with_outcome(res.outcome, f"{res.reason}. {self.on_fail}")
        return res


#: What a FAIL of ``not_min_<tag>`` (reading A) and ``not_unique_min_<tag>`` (B) means.
A_FAIL = ("Reading (A), per instance: GD's projected limit attains min R over the global minima "
          "(it is a minimizer of R), so this instance does not refute R under (A); the theorem, "
          "an existence statement, is not contradicted")
LINF_FAIL = ("Reading (A), per instance: GD's projected limit attains min ||w||_inf over the global "
             "minima. On the default instance ||w||_inf = max(1, |w_2^*|, |w_3|) = 1 on the whole "
             "face |w_3| <= 1 of the global minima, and GD's limit (w_3 ~ -0.12) is one minimizer "
             "among that face of minimizers, so ||w||_inf does not single it out (reading (B), "
             "claim not_unique_min_linf); this is not a failure of the theorem")
B_FAIL = ("Reading (B), per instance: GD's projected limit is the only minimizer of R over the "
          "global minima at this resolution, so R singles it out on this instance")


def _family() -> tuple[dict, dict, tuple]:
    r"""Targets, quantities and claims of the regularizer family: ``||w||_p`` for ``p`` in
    :data:`theorems._vardi_regularizers.P_GRID` and ``||Xw||_2`` (tag ``pre``).  Claim
    ``not_min_<tag>`` (reading A): at every ``sigma0`` of the sweep, GD's interpolating limit
    has ``R`` above ``min R`` over the global minima by a relative ``REFUTE_RTOL``.  Claim
    ``not_unique_min_<tag>`` (reading B): GD's limit is not the unique minimizer, i.e. the
    level set ``{w' in G: R(w') <= R(w~)}`` holds a point at relative distance above
    ``SPREAD_RTOL`` (``||w||_1``, ``||w||_inf``: linear programs), or, where the minimizer is
    certified unique, (A) itself."""
    regs = [(vr.tag(p), _lp_tex(p), vr.lp_norm(p), _lp_target(p), p) for p in vr.P_GRID]
    regs.append(("pre", r"\|Xw\|_2", vr.preact_norm,
                 lambda data, params: vr.preact_min_target(data.X, data.y), None))
    targets, quantities, claims_a, claims_b = {}, {}, [], []
    for t, tex, R, build, p in regs:
        targets[f"min_{t}"] = build
        quantities[f"excess_{t}"] = Quantity(
            rf"(R(\tilde w) - \min_{{L=0}} R)/\min_{{L=0}} R,\ R = {tex}", vr.excess(R, f"min_{t}"))
        claims_a.append(InstanceBound(
            f"not_min_{t}", f"excess_{t}",
            rf"\text{{(A), this instance: }} R = {tex}:\ R(w_{{GD}}(\infty)) > (1 + 10^{{-9}}) "
            r"\min_{L(w)=0} R(w) \text{ at every } \sigma_0 \text{ of the sweep}",
            reading=True, lower=vr.REFUTE_RTOL, sweep=SWEEP,
            on_fail=LINF_FAIL if t == "linf" else A_FAIL))
        if p is not None and p in (1.0, float("inf")):
            quantities[f"spread_{t}"] = Quantity(
                rf"\max\{{\|w' - \tilde w\|/\|\tilde w\|:\ L(w') = 0,\ R(w') \le R(\tilde w)\}}"
                rf",\ R = {tex}", vr.spread(p))
            qb, how = f"spread_{t}", (r"\exists w' \ne w_{GD}(\infty):\ L(w') = 0,\ "
                                      r"R(w') \le R(w_{GD}(\infty)),\ \|w' - w_{GD}(\infty)\| "
                                      r"> 10^{-9}\|w_{GD}(\infty)\|")
        else:
            quantities[f"unique_excess_{t}"] = Quantity(
                rf"(R(\tilde w) - \min_{{L=0}} R)/\min_{{L=0}} R \text{{ (argmin unique)}},\ R = {tex}",
                vr.unique_excess(R, f"min_{t}", preact=p is None))
            qb, how = f"unique_excess_{t}", (r"\arg\min \text{ is one point, so (B) = (A): } "
                                             r"R(w_{GD}(\infty)) > (1 + 10^{-9}) \min_{L(w)=0} R(w)")
        claims_b.append(InstanceBound(
            f"not_unique_min_{t}", qb,
            rf"\text{{(B), this instance: }} R = {tex}:\ \arg\min_{{L(w)=0}} R \ne "
            rf"\{{w_{{GD}}(\infty)\}}:\ {how}"
            r"\text{ at every } \sigma_0 \text{ of the sweep}",
            reading=True, lower=vr.SPREAD_RTOL if qb.startswith("spread") else vr.REFUTE_RTOL,
            sweep=SWEEP, on_fail=B_FAIL))
    return targets, quantities, tuple(claims_a + claims_b)


SWEEP = Sweep("sigma0", SIGMAS, seeds=2, x=lambda p: 1.0 / p["sigma0"], x_label="1/sigma0",
              overrides={"eta": 0.02, "stop_loss": 1e-24, "steps": 20000})
GAP_FLOW = Expected(r"\mathrm{gap}_{flow}", _gap_flow)
FAMILY_TARGETS, FAMILY_QUANTITIES, FAMILY_CLAIMS = _family()

THEOREM = Theorem(
    id="vardi-shamir2021-single-neuron",
    title="A single ReLU neuron whose GD limit is not the min-norm global minimum, however small the init",
    citation=Citation("G. Vardi, O. Shamir", "Implicit regularization in ReLU networks with the square loss",
                      "COLT (PMLR 134)", 2021, "2012.05156",
                      "abstract (no explicit regularizer); the instance is our construction"),
    statement=r"\exists\,(X, y):\ \lim_{\sigma_0\to0} \|w_{GD}(\infty) - w_{mn}\| > 0 "
              r"\text{ while } L(w_{GD}(\infty)) = 0;\ \text{more generally, per instance, (A) } "
              r"w_{GD}(\infty) \notin \arg\min_{L(w)=0} R(w) \text{ or (B) } \arg\min_{L(w)=0} R(w) "
              r"\ne \{w_{GD}(\infty)\} \text{ for } R \in \{\|w\|_p, \|Xw\|_2\}",
    formalization=__doc__ or "",
    model=model,
    generate=generate,
    parameters={
        "eps": Param(float, 0.8, low=0.0, high=1.5, doc="angle between x_1 and x_2"),
        "y2": Param(float, 0.4, low=0.0, doc="label of x_2"),
        "jitter": Param(float, 0.1, low=0.0, low_open=False, high=0.25, doc="random tilt of the init direction"),
        "sigma0_max": Param(float, 1e-1, low=0.0, doc="largest init scale called small (reading)"),
        "loss": Param(str, "squared", choices=("squared",), doc="squared loss"),
        "reduction": Param(str, "sum", choices=("sum",), doc="summed over samples"),
        "sigma0": Param(float, 1e-4, low=0.0, doc="initialization scale"),
        "eta": Param(float, 0.05, low=0.0, doc="constant step (gradient-flow stand-in)"),
    },
    assumptions=(
        Assumption("small init", sp.Le(s0, s0_max),
                   lambda d, p: {"sigma_0": Stat.exact(p["sigma0"]), "sigma_0max": Stat.exact(p["sigma0_max"])},
                   "sigma0 'small' (reading)", reading=True),
        Assumption("active at init", sp.Gt(amin, 0), _active_margin,
                   "every sample active at the initialization of the case: min_i <x_i, w_0>/||w_0|| > 0",
                   structural=True),
    ),
    data_spec=DataSpec(labels=None),  # regression: real labels
    targets={"min_norm": lambda data, p: sq.neuron_min_norm(data.X, data.y)} | FAMILY_TARGETS,
    quantities=sq.QUANTITIES | {"gap": Quantity(r"\|w-w_{mn}\|/\|w_{mn}\|", sq.neuron_gap)}
               | FAMILY_QUANTITIES,
    claims=(
        Eventually("global_min", "interpolated", r"f(x_i) = y_i \text{ for all } i\ (L = 0)", show=("loss",),
                   reading=True, by_log_t=horizon_deadline()),
        Limit("min_norm", "gap", r"\|w_{GD}(\infty) - w_{mn}\|/\|w_{mn}\| \to 0 \text{ as } \sigma_0 \to 0",
              reading=True, limit=0.0, rate=("t^-a",), atol=1e-3, sweep=SWEEP),
        Limit("gap_flow", "gap", r"\|w_{GD}(\infty) - w_{mn}\|/\|w_{mn}\| \to \mathrm{gap}_{flow} > 0",
              reading=True, limit=GAP_FLOW, rate=("t^-a",), rtol=1e-2, sweep=SWEEP),
    ) + FAMILY_CLAIMS,
    expected_failures={"min_norm": "Vardi & Shamir (2021): the limit of GD on a single ReLU neuron is not "
                                   "characterized by ||w||; here GD keeps the pull along the zero-label sample "
                                   "it deactivated, a gap near 0.11 that no init scale removes"},
)
