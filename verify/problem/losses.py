"""Losses in a log-safe form: no loss or gradient weight ever underflows to an exact zero.

For the margin losses (logistic, exponential) with margins ``q_i = y_i f_i`` we keep
``log l(q_i)`` and the derivative as a log-scale plus bounded weights,

.. math:: \\partial l(q_i) / \\partial f_i = e^{s}\\, w_i, \\qquad s = \\max_i \\log|l'(q_i)|,

so that ``max_i |w_i| = 1`` (docs/numerics.md, recommendation 1). The total loss is
``L = sum_i l_i`` (``reduction="sum"``, Soudry et al. 2018) or ``(1/n) sum_i l_i``
(``"mean"``), always stored as ``log L``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from verify.arith.backends import Backend, Float64
from verify.errors import UserError

REDUCTIONS = ("sum", "mean")
_F64 = Float64()


@dataclass(frozen=True)
class Loss:
    """Base: a per-sample loss of the prediction ``f`` and label ``y``, and its reduction."""

    reduction: str = "sum"
    name: str = ""

    def __post_init__(self) -> None:
        if self.reduction not in REDUCTIONS:
            raise UserError(f"reduction={self.reduction!r} is unknown; use 'sum' or 'mean'")

    def log_terms(self, f: Any, y: Any, be: Backend) -> Any:
        """``log l_i`` for every sample."""
        raise NotImplementedError

    def log_weights(self, f: Any, y: Any, be: Backend) -> Any:
        """``log|l'(q_i)|`` for every sample (margin losses, ``dl_i/df_i = -y_i |l'(q_i)|``)."""
        raise NotImplementedError

    def dloss(self, f: Any, y: Any, be: Backend) -> tuple[Any, Any]:
        """``(s, w)`` with ``dl_i/df_i = e^s w_i`` (before the reduction), ``s`` the largest
        :meth:`log_weights`."""
        logw = self.log_weights(f, y, be)
        s = _top(logw)
        return s, -y * be.exp(logw - s)

    def dloss_rows(self, f: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`dloss` of each row of float64 ``(b, n)`` arrays: ``s`` of shape ``(b,)``.

        Row ``r`` is bit for bit ``dloss(f[r], y[r], Float64())``: the same elementwise
        operations and an exact maximum per row (:mod:`verify.dynamics.batch`).
        """
        logw = self.log_weights(f, y, _F64)
        s = logw.max(axis=-1)
        return s, -y * np.exp(logw - s[:, None])

    def log_total_rows(self, f: np.ndarray, y: np.ndarray) -> np.ndarray:
        """:meth:`log_total` of each row of float64 ``(b, n)`` arrays (bit for bit per row)."""
        terms = self.log_terms(f, y, _F64)
        top = terms.max(axis=-1)
        finite = np.isfinite(top)
        if finite.all():
            total = top + np.log(np.exp(terms - top[:, None]).sum(axis=-1))
        else:
            shift = np.where(finite, top, 0.0)
            total = np.where(finite, shift + np.log(np.exp(terms - shift[:, None]).sum(axis=-1)), top)
        return total if self.reduction == "sum" else total - _F64.log_scalar(float(f.shape[-1]))

    def log_offset(self, n: int) -> float:
        """``log`` of the reduction factor: 0 for sum, ``-log n`` for mean."""
        return 0.0 if self.reduction == "sum" else -math.log(n)

    def log_total(self, f: Any, y: Any, be: Backend) -> Any:
        """``log L`` in the backend's arithmetic."""
        total = be.logsumexp(self.log_terms(f, y, be))
        return total if self.reduction == "sum" else total - be.log_scalar(be.const(len(y)))

    def zero_margin_log_loss(self, n: int) -> float:
        """``log`` of the loss a zero margin on one sample costs (``-inf`` if undefined).

        If ``log L`` is below it, every sample has a positive margin (for sum reduction;
        the mean adds ``-log n``). Lyu & Li (2020), assumption (A4).
        """
        return -math.inf

    def inverse_log(self, log_loss: np.ndarray, n: int) -> np.ndarray:
        """``l^{-1}(L)`` applied to the total loss (for the smoothed margin), float64."""
        raise NotImplementedError


def _top(a: Any) -> Any:
    """``np.max(a)``: the same reduction, without its dispatch for a numpy array."""
    return a.max() if isinstance(a, np.ndarray) else np.max(a)


def _log_expm1_exp(x: np.ndarray) -> np.ndarray:
    """``log(e^{e^x} - 1)`` for float64 ``x``, accurate when ``e^x`` underflows."""
    x = np.asarray(x, dtype=float)
    L = np.exp(np.minimum(x, 700.0))
    small = x < -20.0
    with np.errstate(over="ignore", divide="ignore"):
        big = np.log(np.expm1(L))
    return np.where(small, x + L / 2.0, big)


@dataclass(frozen=True)
class Logistic(Loss):
    """``l(q) = log(1 + e^{-q})``, smooth with ``l'' <= 1/4``."""

    name: str = "logistic"

    def log_terms(self, f: Any, y: Any, be: Backend) -> Any:
        q = y * f
        # log softplus(-q): softplus(-q) = e^{-q} (1 - e^{-q}/2 + ...) never underflows in log form
        sp = be.softplus(-q)
        if isinstance(q, np.ndarray) and q.dtype == float:
            with np.errstate(divide="ignore", under="ignore"):
                return np.where(q > 30.0, -q - np.exp(-q) / 2.0, np.log(sp))
        return be.log(sp)

    def log_weights(self, f: Any, y: Any, be: Backend) -> Any:
        return -be.softplus(y * f)  # log sigma(-q)

    def zero_margin_log_loss(self, n: int) -> float:
        return math.log(math.log(2.0)) + self.log_offset(n)

    def inverse_log(self, log_loss: np.ndarray, n: int) -> np.ndarray:
        """``-log(e^L - 1)`` with ``L`` the sum-form loss."""
        return -_log_expm1_exp(np.asarray(log_loss) - self.log_offset(n))


@dataclass(frozen=True)
class Exponential(Loss):
    """``l(q) = e^{-q}``."""

    name: str = "exponential"

    def log_terms(self, f: Any, y: Any, be: Backend) -> Any:
        return -(y * f)

    def log_weights(self, f: Any, y: Any, be: Backend) -> Any:
        return -(y * f)

    def zero_margin_log_loss(self, n: int) -> float:
        return 0.0 + self.log_offset(n)

    def inverse_log(self, log_loss: np.ndarray, n: int) -> np.ndarray:
        """``-log L`` with ``L`` the sum-form loss."""
        return -(np.asarray(log_loss) - self.log_offset(n))


@dataclass(frozen=True)
class Squared(Loss):
    """``l(f, y) = (f - y)^2 / 2`` (regression; ``y`` real)."""

    name: str = "squared"

    def log_terms(self, f: Any, y: Any, be: Backend) -> Any:
        r = f - y
        return be.log(r * r) - be.log_scalar(be.const(2.0))

    def dloss(self, f: Any, y: Any, be: Backend) -> tuple[Any, Any]:
        return be.const(0.0), f - y

    def dloss_rows(self, f: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros(len(f)), f - y

    def inverse_log(self, log_loss: np.ndarray, n: int) -> np.ndarray:
        raise ValueError("the squared loss has no margin inverse")


LOSSES: dict[str, type[Loss]] = {"logistic": Logistic, "exponential": Exponential, "squared": Squared}


def make_loss(name: str, reduction: str = "sum") -> Loss:
    """Loss by name; unknown names are a :class:`UserError`."""
    try:
        return LOSSES[name](reduction=reduction)
    except KeyError:
        raise UserError(f"unknown loss {name!r}; choose one of {', '.join(LOSSES)}") from None
