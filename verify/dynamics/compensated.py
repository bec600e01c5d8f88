"""Compensated gradient descent: float64 gradients, a double-double iterate (backend ``"f64dd"``).

The update ``u_k = -eta_k nabla L(theta_k)`` is computed in float64 (log-domain loss weights,
:mod:`verify.problem.losses`), but the iterate is the unevaluated sum ``theta = hi + lo`` of two float64
arrays with ``|lo| <= ulp(hi)/2``, updated by the error-free DWPlusFP step

.. math:: (s, e) = \\mathrm{TwoSum}(hi, u), \\qquad (hi', lo') = \\mathrm{Fast2Sum}(s,\\ e + lo),

whose relative error is at most ``2 u^2`` (``u = 2^{-53}``; Joldes, Muller & Popescu 2017,
Algorithm 4). An update below half an ulp of the weights is therefore *kept* (it lands in
``lo``) instead of being rounded away, which is where plain float64 stalls late in training
(docs/numerics.md B). The gradient is evaluated at ``hi = fl(theta)``.

What this carries: the error committed in step ``j`` is about ``2^{-53} |u_j|`` (the update is
only float64-accurate) plus ``2^{-106} |theta_j|``, instead of float64's ``2^{-53} |theta_j|``;
errors then propagate through the GD map as in any arithmetic. Early in training, where the
path ``sum_j |u_j|`` is as long as ``|theta|``, this is float64-level accuracy without drift;
late in training, where ``sum |u_j| << |theta|``, the iterate is good to about
``16 + log10(|theta| / path)`` digits, up to the double-double limit of about 32. Measured in
``tests/test_compensated.py`` against mpmath at 40 digits: a two-layer net keeps 15.8 digits
from step 10 to 2000 (float64: 15.7 falling to 14.9); on Soudry's linear model at margin 43,
where every update is below half an ulp and float64 is frozen (0 correct digits of the
displacement), f64dd keeps the displacement to 14.5 digits and the iterate to 32.9.

Elapsed time is kept the same way, as ``log t = hi + lo`` with float64 increments
``log(1 + eta_k / t)``, so its error is at most about ``2^{-53} log t`` over the whole run
instead of ``2^{-53}`` per step (2e4 steps: 4e-18 against 5e-15).

References
----------
M. Joldes, J.-M. Muller, V. Popescu, "Tight and rigorous error bounds for basic building blocks
of double-word arithmetic", ACM TOMS 44(2) (2017). D. E. Knuth, *TAOCP* vol. 2, 4.2.2 (TwoSum).
T. J. Dekker, Numer. Math. 18 (1971) (Fast2Sum). docs/numerics.md, rows A6 and B.
"""
from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from verify.arith.backends import Float64
from verify.dynamics.gd import State, StepRule
from verify.problem.losses import Loss
from verify.problem.models import Model

_F64 = Float64()


@dataclass
class CompensatedState(State):
    """A :class:`~verify.dynamics.gd.State` whose iterate is ``params + lo`` exactly.

    ``params`` holds the high words (the iterate rounded to float64, so every consumer of
    :class:`~verify.dynamics.gd.State` works unchanged); ``lo`` the low words of the trained arrays;
    ``log_t_lo`` the low word of ``log t``.
    """

    lo: dict[str, np.ndarray] = field(default_factory=dict)
    log_t_lo: float = 0.0

    def exact(self, key: str, ctx: Any) -> np.ndarray:
        """The iterate ``hi + lo`` of one array as ``ctx.mpf`` numbers (exact)."""
        hi = np.asarray(self.params[key], dtype=float)
        lo = self.lo.get(key, np.zeros_like(hi))
        add = np.frompyfunc(lambda h, lw: ctx.mpf(h) + ctx.mpf(lw), 2, 1)
        return np.asarray(add(hi, lo), dtype=object)


def dw_plus_fp(hi: np.ndarray, lo: np.ndarray, u: np.ndarray,
               scratch: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(hi', lo') ~= hi + lo + u`` with relative error ``<= 2 u^2`` (DWPlusFP).

    Parameters
    ----------
    hi, lo
        A double-word array (``|lo| <= ulp(hi)/2``); not modified.
    u
        The float64 increment; overwritten (used as scratch).
    scratch
        Two float arrays of the same shape to work in (allocated if ``None``).

    Returns
    -------
    hi', lo'
        New arrays, normalized.

    Examples
    --------
    >>> h, l = dw_plus_fp(np.array([1.0]), np.array([0.0]), np.array([1e-20]))
    >>> float(h[0]), float(l[0])
    (1.0, 1e-20)
    """
    s, bb = scratch if scratch is not None else (np.empty_like(hi), np.empty_like(hi))
    np.add(hi, u, out=s)  # TwoSum(hi, u) = (s, e)
    np.subtract(s, hi, out=bb)
    e = s - bb
    np.subtract(hi, e, out=e)
    np.subtract(u, bb, out=u)
    e += u
    e += lo
    h = s + e  # Fast2Sum(s, e + lo)
    np.subtract(h, s, out=s)
    e -= s
    return h, e


def two_sum_scalar(a: float, b: float) -> tuple[float, float]:
    """Knuth's TwoSum on Python floats: ``s + e == a + b`` exactly."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def advance_log_t(hi: float, lo: float, log_eta: float) -> tuple[float, float]:
    """``log(t + eta)`` from ``log t = hi + lo``, accumulated in double-word.

    The increment ``log(1 + eta/t) = softplus(log eta - log t)`` is computed in float64 (small
    relative error); adding it to ``(hi, lo)`` loses nothing more than ``2^-106`` relative.
    """
    if hi == -math.inf:
        return float(log_eta), 0.0
    delta = float(np.logaddexp(0.0, (log_eta - hi) - lo))
    s, e = two_sum_scalar(hi, delta)
    e += lo
    h = s + e
    return h, e - (h - s)


def _gradient(model: Model, loss: Loss, hi: Mapping[str, np.ndarray], X: np.ndarray,
              y: np.ndarray) -> tuple[Any, Any, float, dict[str, np.ndarray]]:
    """``(f, log L, s, grads)`` at ``hi`` in float64, ``nabla L = e^s grads``."""
    f = model.forward(hi, X, _F64)
    log_loss = loss.log_total(f, y, _F64)
    s, w = loss.dloss(f, y, _F64)
    if loss.reduction == "mean":
        s = s - math.log(len(y))
    return f, log_loss, float(s), model.vjp(hi, X, w, _F64)


def compensated_descent(model: Model, loss: Loss, X: np.ndarray, y: np.ndarray,
                        params0: Mapping[str, np.ndarray],
                        rule: StepRule) -> Iterator[CompensatedState]:
    """Yield GD states forever, like :func:`verify.dynamics.gd.gradient_descent`, with a double-word iterate.

    Parameters
    ----------
    model, loss, X, y, params0, rule
        As for :func:`verify.dynamics.gd.gradient_descent` (float64 data and initialization).

    Yields
    ------
    CompensatedState
        The iterate after ``step`` updates: ``params`` (high words) ``+ lo``.
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    hi = {k: np.array(v, dtype=float) for k, v in params0.items()}
    lo = {k: np.zeros_like(hi[k]) for k in model.trained}
    scratch = {k: (np.empty_like(lo[k]), np.empty_like(lo[k])) for k in lo}
    lt_hi, lt_lo, step = -math.inf, 0.0, 0
    while True:
        f, log_loss, s, grads = _gradient(model, loss, hi, X, y)
        gsq = float(sum(np.sum(g * g) for g in grads.values()))
        log_grad_norm = s + 0.5 * math.log(gsq) if gsq > 0 else -math.inf
        log_eta = rule.log_eta(log_loss, _F64)
        yield CompensatedState(step, lt_hi, hi, f, log_loss, log_eta, log_grad_norm,
                               lo=lo, log_t_lo=lt_lo)
        factor = -math.exp(float(log_eta) + s)
        hi, lo = dict(hi), dict(lo)
        for k, g in grads.items():
            hi[k], lo[k] = dw_plus_fp(hi[k], lo[k], factor * g, scratch[k])
        lt_hi, lt_lo = advance_log_t(lt_hi, lt_lo, float(log_eta))
        step += 1


@dataclass(frozen=True)
class Float64DD(Float64):
    """Backend ``"f64dd"``: float64 arithmetic, double-double iterate and log-time.

    Same arithmetic as :class:`~verify.arith.backends.Float64` for everything it computes (models,
    losses, quantities); :func:`verify.dynamics.gd.gradient_descent` hands the GD loop to
    :meth:`descend`, i.e. :func:`compensated_descent`, so span coordinates
    (:func:`verify.dynamics.span.span_descent`) and the precision audit's replays use it too.
    """

    name: str = "f64dd"

    @property
    def precision(self) -> str:
        """Human-readable precision."""
        return "float64 gradient, double-double (106-bit) iterate"

    def descend(self, model: Model, loss: Loss, X: np.ndarray, y: np.ndarray,
                params0: Mapping[str, np.ndarray], rule: StepRule) -> Iterator[CompensatedState]:
        """The GD iterator for this backend (see :func:`compensated_descent`)."""
        return compensated_descent(model, loss, X, y, params0, rule)
