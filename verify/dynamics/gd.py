"""Gradient descent as an iterator of states (the driver owns stopping and recording).

.. math:: \\theta_{k+1} = \\theta_k - \\eta_k \\nabla L(\\theta_k),
          \\qquad t_k = \\sum_{s<k} \\eta_s \\ (\\text{gradient-flow time}).

The gradient is formed in the log domain: ``nabla L = e^{s} J^T w`` with ``max|w| = 1``
(:mod:`verify.problem.losses`), so the update factor ``eta_k e^{s}`` is one number computed as
``exp(log eta_k + s)``. With the loss-normalized rule ``eta_k = eta / L(theta_k)``
(Lyu & Li 2020, GD version; Nacson et al. 2019) the factor is ``exp(log eta + s - log L)``,
finite even when ``L`` underflows every float (docs/numerics.md B, normalized GD).
Time is kept as ``log t`` for the same reason.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

import numpy as np

from verify.arith.backends import Backend
from verify.errors import UserError
from verify.problem.losses import Loss
from verify.problem.models import Model

STEP_RULES = ("constant", "normalized", "lyu-li", "log-normalized")


@dataclass(frozen=True)
class StepRule:
    """Step size rule.

    ``constant``: ``eta``.  ``normalized``: ``eta / L(theta_k)``.  ``lyu-li``: the
    loss-dependent step of Lyu & Li (2020, GD version, our reading of its form),
    ``eta / (L (log 1/L)^{3 - 2/h})`` with ``h`` the homogeneity, whose relative
    change of ``theta`` per step shrinks like ``1/q_min^2`` for ``h = 2``, so GD tracks
    gradient flow ever more closely while ``log t`` still grows like ``q_min``
    (``q_min`` like the square root of the step count).  ``log-normalized``:
    ``eta / (L log 1/L)``, between the two: the relative change per step shrinks like
    ``1/q_min`` (GD still tends to gradient flow) while ``q_min`` and ``log t`` grow
    linearly in the steps (Lyu & Li's experiments used a loss-based schedule of the
    ``normalized`` kind).  ``log(1/L)`` is floored at 1 while the loss is large.
    """

    eta: float
    rule: str = "constant"
    homogeneity: int = 1

    def __post_init__(self) -> None:
        if not (math.isfinite(self.eta) and self.eta > 0):
            raise UserError(f"step size eta={self.eta} must be a positive finite number")
        if self.rule not in STEP_RULES:
            raise UserError(f"step rule {self.rule!r} is unknown; use one of {STEP_RULES}")

    def log_eta(self, log_loss: Any, be: Backend) -> Any:
        """``log eta_k`` given ``log L(theta_k)`` (backend scalar)."""
        base = be.log_scalar(be.const(self.eta))  # log of the exact step in the backend
        if self.rule == "constant":
            return base
        if self.rule == "normalized":
            return base - log_loss
        inv = max(-log_loss, be.const(1.0))
        return base - log_loss - be.const(self.log_power) * be.log_scalar(inv)

    def log_eta_rows(self, log_loss: np.ndarray) -> np.ndarray:
        """:meth:`log_eta` in float64 for a vector of ``log L`` (one per run of a batch;
        element ``r`` is bit for bit the scalar rule at ``log_loss[r]``)."""
        base = float(np.log(float(self.eta)))
        if self.rule == "constant":
            return np.full(len(log_loss), base)
        if self.rule == "normalized":
            return base - log_loss
        inv = np.maximum(-log_loss, 1.0)
        return base - log_loss - float(self.log_power) * np.log(inv)

    @property
    def log_power(self) -> float:
        """Power ``p`` of ``log(1/L)`` in ``eta / (L (log 1/L)^p)`` (loss-dependent rules)."""
        return 3.0 - 2.0 / self.homogeneity if self.rule == "lyu-li" else 1.0


@dataclass
class State:
    """One GD iterate, before its update.

    ``step`` updates have been applied; ``log_t`` (float) is the log of the elapsed time
    (``-inf`` at step 0); ``log_loss`` and ``log_eta`` are backend scalars,
    ``log_grad_norm`` a float; ``params`` are backend arrays (do not mutate).
    """

    step: int
    log_t: float
    params: dict[str, Any]
    f: Any
    log_loss: Any
    log_eta: Any
    log_grad_norm: float


def _total(a: Any) -> Any:
    """``np.sum(a)``: the same reduction, without its dispatch for a numpy array."""
    return a.sum() if isinstance(a, np.ndarray) else np.sum(a)


def gradient_descent(
    model: Model,
    loss: Loss,
    X: np.ndarray,
    y: np.ndarray,
    params0: Mapping[str, np.ndarray],
    rule: StepRule,
    be: Backend,
) -> Iterator[State]:
    """Yield GD states forever, starting from ``params0`` (float64, converted exactly).

    Parameters
    ----------
    model, loss
        What is trained and on which objective.
    X, y
        Data (float64; converted exactly to the backend).
    params0
        Initial parameters.
    rule
        Step size rule.
    be
        Arithmetic backend.

    Yields
    ------
    State
        The iterate after ``step`` updates.
    """
    if hasattr(be, "descend"):  # backends with their own GD loop (verify.dynamics.compensated, certified)
        yield from be.descend(model, loss, X, y, params0, rule)
        return
    Xb, yb = be.asarray(X), be.asarray(y)
    if isinstance(Xb, np.ndarray):
        Xb.flags.writeable = False  # constant: exact products keep its integer form (mpmatmul)
    params = {k: be.asarray(v) for k, v in params0.items()}
    log_t = -math.inf
    step = 0
    fixed_log_eta = rule.log_eta(None, be) if rule.rule == "constant" else None
    while True:
        f, pullback = model.forward_vjp(params, Xb, be)
        log_loss = loss.log_total(f, yb, be)
        s, w = loss.dloss(f, yb, be)
        if loss.reduction == "mean":
            s = s - be.log_scalar(be.const(len(y)))
        grads = pullback(w)
        gsq = float(sum(_total(g * g) for g in grads.values()))
        log_grad_norm = float(s) + 0.5 * math.log(gsq) if gsq > 0 else -math.inf
        log_eta = fixed_log_eta if fixed_log_eta is not None else rule.log_eta(log_loss, be)
        yield State(step, log_t, params, f, log_loss, log_eta, log_grad_norm)
        factor = be.exp(log_eta + s)
        params = dict(params)
        for k, g in grads.items():
            params[k] = params[k] - factor * g
        log_t = float(np.logaddexp(log_t, float(log_eta)))
        step += 1
