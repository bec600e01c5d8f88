"""One GD step of the two-layer (or linear) network in arb ball arithmetic, in span coordinates.

Exact gradient descent only ever adds combinations of the data rows to the first layer, so
with float64 data ``X`` and initialization ``W_0`` (converted exactly to balls)

.. math:: W_t = W_0 + C_t X, \\qquad Z_t^T = W_t X^T = W_0 X^T + C_t K,\\quad K = X X^T,

and, with ``D_{ik} = \\phi'(Z_{ik})`` (leaky ReLU slope ``alpha``, Clarke ``phi'(0) = 1``),
``A = D \\circ Z``, ``f = s_o A a``, loss weights ``dl_i/df_i = e^{s} v_i`` and
``u_i = \\eta_t e^{s} s_o v_i``,

.. math:: C_{t+1} = C_t - (a u^T) \\circ D^T, \\qquad a_{t+1} = a_t - A^T u,

which are identities of exact arithmetic, so ball evaluations of the right-hand sides enclose
the exact iterate (python-flint ``arb``/``arb_mat``; products in C, the ``m n`` elementwise
sign tests in Python). A step is *decided* only if every ``Z_{ik}`` ball is ``> 0``, ``< 0`` or
exactly ``0``; a ball that contains 0 with positive radius raises :class:`Straddle`, and a
``log L`` ball wider than a tolerance raises :class:`Wide` (componentwise balls overestimate:
the wrapping effect can make radii grow geometrically, see :mod:`verify.dynamics.certified`).
The linear model ``f = <w, x>`` is the case ``m = 1``, ``a = 1`` fixed, ``phi = id``.

References
----------
F. Johansson, "Arb: efficient arbitrary-precision midpoint-radius interval arithmetic",
IEEE Trans. Computers 66(8) (2017). Soudry et al., JMLR 19 (2018) (iterates in the data span).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from flint import arb, arb_mat, ctx

from verify.errors import UserError
from verify.dynamics.gd import StepRule
from verify.problem.losses import Loss
from verify.problem.models import Linear, Model, TwoLayer


class Blur(Exception):
    """The balls of this step are too wide to continue (a higher precision may help)."""


class Straddle(Blur):
    """A pre-activation ball ``Z[k, i]`` (neuron ``k``, sample ``i``) contains 0 but is not 0."""

    def __init__(self, neuron: int, sample: int, ball: Any) -> None:
        super().__init__(f"<w_{neuron}, x_{sample}> = {ball}")
        self.neuron, self.sample, self.ball = neuron, sample, ball


class Wide(Blur):
    """The ``log L`` ball is not finite or wider than the tolerance."""

    def __init__(self, ball: Any) -> None:
        super().__init__(f"log L = {ball}")
        self.ball = ball


@dataclass(frozen=True)
class NetSpec:
    """What the step needs to know about the model, loss and step rule."""

    m: int
    alpha: float
    scale: float
    train_outer: bool
    linear: bool
    loss: str
    mean: bool
    rule: StepRule
    loss_tol: float = 1e-8


def net_spec(model: Model, loss: Loss, rule: StepRule, loss_tol: float = 1e-8) -> NetSpec:
    """Validate and describe a supported (model, loss, rule); :class:`UserError` otherwise.

    ``loss_tol`` bounds the radius of the ``log L`` ball (:class:`Wide` beyond it).
    """
    if loss.name not in ("logistic", "exponential"):
        raise UserError(f"backend 'arb' supports the logistic and exponential losses, not {loss.name!r}")
    mean = loss.reduction == "mean"
    if type(model) is Linear:
        return NetSpec(1, 1.0, 1.0, False, True, loss.name, mean, rule, loss_tol)
    if type(model) is TwoLayer:
        scale = model.scale if model.scale is not None else (1.0 / model.m if model.mean_field else 1.0)
        return NetSpec(int(model.m), float(model.alpha), float(scale), model.train_outer, False,
                       loss.name, mean, rule, loss_tol)
    raise UserError(f"backend 'arb' runs Linear and TwoLayer (coords='full'), not {type(model).__name__}")


def exact_mat(a: np.ndarray) -> arb_mat:
    """A float64 matrix as exact balls."""
    a = np.atleast_2d(np.asarray(a, dtype=float))
    return arb_mat([[arb(float(v)) for v in row] for row in a])


@dataclass(frozen=True)
class Consts:
    """Exact data and the precision-dependent products ``K = X X^T``, ``Z_0^T = W_0 X^T``."""

    prec: int
    y: tuple[arb, ...]
    K: arb_mat
    Z0T: arb_mat
    X: arb_mat
    W0: arb_mat
    Xf: np.ndarray
    W0f: np.ndarray
    Kf: np.ndarray

    @classmethod
    def build(cls, X: np.ndarray, y: np.ndarray, W0: np.ndarray, prec: int) -> Consts:
        """Convert exactly and form the products at ``prec`` bits."""
        Xb, W0b = exact_mat(X), exact_mat(W0)
        with ctx.workprec(prec):
            K, Z0T = Xb * Xb.transpose(), W0b * Xb.transpose()
        Xf = np.asarray(X, dtype=float)
        return cls(prec, tuple(arb(float(v)) for v in y), K, Z0T, Xb, W0b, Xf,
                   np.atleast_2d(np.asarray(W0, dtype=float)), Xf @ Xf.T)


@dataclass(frozen=True)
class Iterate:
    """``C`` (``m x n``), ``a`` (``m x 1``), elapsed time ``t`` and the step count."""

    C: arb_mat
    a: arb_mat
    t: arb
    step: int


@dataclass
class Evaluation:
    """Everything one decided step computes at the current iterate."""

    AT: arb_mat
    f: list
    neg: list  # flat positions k * n + i in Z^T
    ties: list  # (k, i)
    log_loss: arb
    log_eta: arb
    shift: float
    v: list
    factor: arb


def floats(M: arb_mat | list) -> np.ndarray:
    """Midpoints rounded to float64 (shape of the matrix, or 1-d for a list)."""
    if isinstance(M, arb_mat):
        return np.fromiter(map(float, M.entries()), float, M.nrows() * M.ncols()).reshape(
            M.nrows(), M.ncols())
    return np.fromiter(map(float, M), float, len(M))


def classify(ZT: arb_mat, alpha: arb) -> tuple[arb_mat, list, list]:
    """``A^T = D^T o Z^T`` and the flat positions of negative and exactly-zero entries.

    Raises :class:`Straddle` at the first ball that contains 0 without being 0.
    """
    flat = ZT.entries()
    pos = [z > 0 for z in flat]
    neg, ties = [], []
    if not all(pos):
        for j in [j for j, p in enumerate(pos) if not p]:
            z = flat[j]
            if z < 0:
                flat[j] = z * alpha
                neg.append(j)
            elif z.is_zero():
                ties.append(j)
            else:
                raise Straddle(*divmod(j, ZT.ncols()), z)
    return arb_mat(ZT.nrows(), ZT.ncols(), flat), neg, [divmod(j, ZT.ncols()) for j in ties]


def _softplus(x: arb) -> arb:
    """``log(1 + e^x)``, in the form with the smaller ball."""
    return x + (-x).exp().log1p() if float(x) > 0 else x.exp().log1p()


def _loss_terms(spec: NetSpec, f: list, y: tuple) -> tuple[list, list]:
    """``log l_i`` and ``log |dl_i/df_i|`` as balls."""
    q = [yi * fi for yi, fi in zip(y, f)]
    if spec.loss == "exponential":
        return [-qi for qi in q], [-qi for qi in q]
    return [_softplus(-qi).log() for qi in q], [-_softplus(qi) for qi in q]


def _logsumexp(terms: list) -> arb:
    top = max(float(t) for t in terms)
    return arb(top) + sum((t - top).exp() for t in terms).log()


def _log_eta(spec: NetSpec, log_loss: arb) -> arb:
    """``log eta_t`` of :class:`~verify.dynamics.gd.StepRule` with ``log eta`` exact (not rounded)."""
    r = spec.rule
    base = arb(r.eta).log()
    if r.rule == "constant":
        return base
    if r.rule == "normalized":
        return base - log_loss
    return base - log_loss - arb(r.log_power) * (-log_loss).max(arb(1)).log()


def evaluate(spec: NetSpec, c: Consts, it: Iterate) -> Evaluation:
    """Forward pass, loss and step factor at ``it`` (call under ``ctx.workprec(c.prec)``)."""
    ZT = c.Z0T + it.C * c.K
    if spec.linear:
        AT, neg, ties = ZT, [], []
    else:
        AT, neg, ties = classify(ZT, arb(spec.alpha))
    f = (AT.transpose() * it.a).entries()
    if spec.scale != 1.0:
        f = [fi * spec.scale for fi in f]
    log_l, log_w = _loss_terms(spec, f, c.y)
    log_loss = _logsumexp(log_l)
    if not (log_loss.is_finite() and float(log_loss.rad()) <= spec.loss_tol):
        raise Wide(log_loss)
    shift = max(float(t) for t in log_w)
    v = [-yi * (lw - shift).exp() for yi, lw in zip(c.y, log_w)]
    if spec.mean:
        log_loss -= arb(len(v)).log()
    log_eta = _log_eta(spec, log_loss)
    factor = arb(spec.rule.eta) if spec.rule.rule == "constant" else log_eta.exp()
    factor *= arb(shift).exp() * spec.scale / (len(v) if spec.mean else 1)
    return Evaluation(AT, f, neg, ties, log_loss, log_eta, shift, v, factor)


def advance(spec: NetSpec, it: Iterate, ev: Evaluation) -> Iterate:
    """The next iterate (call under ``ctx.workprec``)."""
    u = arb_mat([[ev.factor * vi for vi in ev.v]])  # 1 x n
    R = it.a * u  # (a u^T), m x n
    if ev.neg:
        flat, alpha = R.entries(), arb(spec.alpha)
        for j in ev.neg:
            flat[j] = flat[j] * alpha
        R = arb_mat(R.nrows(), R.ncols(), flat)
    a = it.a - ev.AT * u.transpose() if spec.train_outer else it.a
    eta = arb(spec.rule.eta) if spec.rule.rule == "constant" else ev.log_eta.exp()
    return replace(it, C=it.C - R, a=a, t=it.t + eta, step=it.step + 1)


def grad_norm_log(spec: NetSpec, c: Consts, it: Iterate, ev: Evaluation) -> float:
    """``log ||nabla L||`` in float64 from the midpoints (a diagnostic, not enclosed)."""
    v, a = floats(ev.v), floats(it.a)[:, 0]
    DT = np.ones(spec.m * len(v))
    DT[ev.neg] = spec.alpha
    DT = DT.reshape(spec.m, len(v))
    G = np.outer(a, v) * DT * spec.scale
    sq = float(np.sum(G * (G @ c.Kf)))
    if spec.train_outer:  # nabla_a = s_o A^T v, a matrix-vector product of balls
        ga = floats((ev.AT * arb_mat([[vi] for vi in ev.v])).entries())
        sq += float(np.sum((ga * spec.scale) ** 2))
    scale = ev.shift - (math.log(len(v)) if spec.mean else 0.0)
    return scale + 0.5 * math.log(sq) if sq > 0 else -math.inf


def start(spec: NetSpec, params0: Any, n: int) -> tuple[np.ndarray, Iterate]:
    """``W_0`` (float64, ``m x d``) and the iterate ``C = 0`` at step 0."""
    if spec.linear:
        W0, a = np.atleast_2d(params0["w"]), np.ones(1)
    else:
        W0, a = np.asarray(params0["W"], float), np.asarray(params0["a"], float)
    return W0, Iterate(arb_mat(spec.m, n), exact_mat(a.reshape(-1, 1)), arb(0), 0)
