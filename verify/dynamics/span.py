"""Data-span coordinates for the two-layer network: a GD step in O(m n^2) instead of O(m n d).

Gradient descent on ``W`` only ever adds rows of ``M X`` (``M`` is ``m x n``), so
``w_j(t) in w_j(0) + span{x_i}`` (docs/design.md, Precision). With the Cholesky factor
``G = X X^T = L L^T`` the rows of ``Q = L^{-1} X`` are an orthonormal basis of that span, and

.. math:: W = W_0 + B Q, \\qquad Z = X W^T = X W_0^T + L B^T, \\qquad
          \\nabla_B L = (\\nabla_W L)\\, Q^T = M L,\\qquad \\|\\nabla_B L\\|_F = \\|\\nabla_W L\\|_F.

Because ``Q`` is orthonormal, plain GD on ``B`` *is* GD on ``W`` (same iterates, step sizes,
gradient norms), so :class:`SpanTwoLayer` plugs into :func:`verify.dynamics.gd.gradient_descent`
unchanged; the coefficients of ``W = W_0 + C X`` are ``C = B L^{-1}``. Norms and the Gram
matrix of ``W`` come from ``B`` without forming ``W``:

.. math:: \\|W\\|_F^2 = \\|W_0\\|_F^2 + 2\\langle P, B\\rangle + \\|B\\|_F^2,\\quad
          W W^T = W_0 W_0^T + P B^T + B P^T + B B^T,\\quad P = W_0 Q^T.

The constants (``L``, ``X W_0^T``, ``P``, ...) are computed once per backend, in its own
arithmetic (the Cholesky factor in mpmath for ``mpmath`` and ``dd``). Samples must be
linearly independent (``n <= d``).

References
----------
Soudry et al., "The implicit bias of gradient descent on separable data", JMLR 19 (2018):
GD iterates stay in the span of the data (the linear case; row-wise for the first layer).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Iterator

import mpmath
import numpy as np

from verify.arith.backends import Backend, Float64, MPMath
from verify.arith.ddmath import DoubleDouble, to_mpf
from verify.arith.ddouble import DD
from verify.errors import UserError
from verify.dynamics.gd import State, StepRule, gradient_descent
from verify.problem.losses import Loss
from verify.problem.models import Model, Params, TwoLayer

COORDS = ("full", "span")


@dataclass(frozen=True)
class SpanConstants:
    """Per-backend constants: ``L`` (``n x n``), ``Q = L^{-1} X``, ``P0T = X W0^T``, ``P = W0 Q^T``."""

    L: Any
    Linv: Any
    Q: Any
    P0T: Any
    P: Any
    w0_sq: Any
    W0: Any


def _mp_cholesky(G: np.ndarray, ctx: Any) -> tuple[Any, Any]:
    try:
        L = ctx.cholesky(ctx.matrix(G.tolist()))
    except (ValueError, ZeroDivisionError):
        raise UserError("span coordinates need linearly independent samples (n <= d); "
                        "use coords='full'") from None
    return L, ctx.inverse(L)


def _cholesky(G: Any, be: Backend) -> tuple[Any, Any]:
    """``L`` and ``L^{-1}`` with ``G = L L^T``, in the backend's arithmetic."""
    if isinstance(be, MPMath):
        ctx = be.ctx
        with ctx.extradps(10):
            L, Li = _mp_cholesky(G, ctx)
        to = np.frompyfunc(ctx.mpf, 1, 1)  # round to the run's precision
        return (to(np.array(L.tolist(), dtype=object)).astype(object),
                to(np.array(Li.tolist(), dtype=object)).astype(object))
    if isinstance(be, DoubleDouble):
        ctx = mpmath.MPContext()
        ctx.dps = 50
        L, Li = _mp_cholesky(to_mpf(G, ctx), ctx)
        return _dd_of(L, ctx), _dd_of(Li, ctx)
    try:
        L = np.linalg.cholesky(np.asarray(G, dtype=float))
    except np.linalg.LinAlgError:
        raise UserError("span coordinates need linearly independent samples (n <= d); "
                        "use coords='full'") from None
    return L, np.linalg.solve(L, np.eye(len(L)))


def _dd_of(M: Any, ctx: Any) -> DD:
    vals = np.array(M.tolist(), dtype=object)
    hi = np.vectorize(float, otypes=[float])(vals)
    lo = np.vectorize(lambda v, h: float(v - ctx.mpf(h)), otypes=[float])(vals, hi)
    return DD(hi, lo)


def span_constants(X: np.ndarray, W0: np.ndarray, be: Backend) -> SpanConstants:
    """Compute :class:`SpanConstants` once (``O(n^2 d + m n d)``)."""
    Xb, W0b = be.asarray(X), be.asarray(W0)
    L, Linv = _cholesky(Xb @ Xb.T, be)
    Q = Linv @ Xb
    return SpanConstants(L, Linv, Q, Xb @ W0b.T, W0b @ Q.T, np.sum(W0b * W0b), W0b)


@dataclass(frozen=True)
class SpanTwoLayer(Model):
    """:class:`~verify.problem.models.TwoLayer` with ``W = W0 + B Q`` (trained: ``B``, and ``a``).

    Parameters
    ----------
    base
        The network (width, activation, scaling, whether ``a`` is trained).
    X
        The training inputs, ``n x d`` float64 (``n <= d``, independent rows).
    W0
        The initial first layer, ``m x d`` float64.
    """

    base: TwoLayer = field(default_factory=TwoLayer)
    X: np.ndarray = field(default=None, compare=False, repr=False)
    W0: np.ndarray = field(default=None, compare=False, repr=False)
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def trained(self) -> tuple[str, ...]:
        return ("B", "a") if self.base.train_outer else ("B",)

    @property
    def homogeneity(self) -> int:
        return self.base.homogeneity

    def consts(self, be: Backend) -> SpanConstants:
        """The constants in ``be``'s arithmetic (cached per backend)."""
        got = self._cache.get(be)
        if got is None:
            got = self._cache[be] = span_constants(self.X, self.W0, be)
        return got

    def span_params(self, params0: Params) -> dict[str, np.ndarray]:
        """Coordinates of the initialization: ``B = 0`` (``params0['W']`` must be ``W0``)."""
        if not np.array_equal(np.asarray(params0["W"]), self.W0):
            raise ValueError("params0['W'] differs from the model's W0")
        return {"B": np.zeros((self.base.m, len(self.X))), "a": np.asarray(params0["a"], float)}

    def preact(self, params: Params, be: Backend = Float64()) -> Any:
        """Pre-activations ``Z = X W^T = X W0^T + L B^T`` (``n x m``)."""
        c = self.consts(be)
        return c.P0T + c.L @ params["B"].T

    def forward(self, params: Params, X: Any = None, be: Backend = Float64()) -> Any:
        A, _ = self.base._act(self.preact(params, be), be)
        return self.base._scale(be) * (A @ params["a"])

    def vjp(self, params: Params, X: Any, v: Any, be: Backend = Float64()) -> dict[str, Any]:
        A, D = self.base._act(self.preact(params, be), be)
        s = self.base._scale(be)
        out = {"B": s * ((D * v[:, None]) * params["a"][None, :]).T @ self.consts(be).L}
        if self.base.train_outer:
            out["a"] = s * (A.T @ v)
        return out

    def sq_norm(self, params: Params) -> Any:
        """``||W||_F^2 (+ ||a||^2)`` from ``B`` (accepts a :class:`FullView`)."""
        p = getattr(params, "span", params)
        be = getattr(params, "be", Float64())
        return w_sq_norm(self, p["B"], be) + (
            np.sum(p["a"] * p["a"]) if self.base.train_outer else 0)

    def full(self, params: Params, be: Backend = Float64()) -> dict[str, Any]:
        """``{'W': W0 + B Q, 'a': a}`` in the backend's arithmetic (``O(m n d)``)."""
        c = self.consts(be)
        return {"W": c.W0 + params["B"] @ c.Q, "a": params["a"]}

    def describe(self) -> dict[str, Any]:
        return {**self.base.describe(), "coords": "span"}


def w_sq_norm(model: SpanTwoLayer, B: Any, be: Backend) -> Any:
    """``||W||_F^2 = ||W0||^2 + 2 <P, B> + ||B||^2`` without forming ``W``."""
    c = model.consts(be)
    return c.w0_sq + 2 * np.sum(c.P * B) + np.sum(B * B)


def coefficients(model: SpanTwoLayer, B: Any, be: Backend) -> Any:
    """``C`` with ``W = W0 + C X``: ``C = B L^{-1}``."""
    return B @ model.consts(be).Linv


def w_gram(model: SpanTwoLayer, B: Any, be: Backend) -> np.ndarray:
    """``W W^T`` (``m x m``, float64) from ``W0 W0^T + P B^T + B P^T + B B^T``."""
    key = ("K0", be)
    if key not in model._cache:
        W0b = model.consts(be).W0
        model._cache[key] = W0b @ W0b.T
    P = model.consts(be).P
    K = model._cache[key] + P @ B.T + B @ P.T + B @ B.T
    return np.asarray(be.to_float(K), dtype=float)


def stable_rank(model: SpanTwoLayer, B: Any, be: Backend) -> float:
    """``||W||_F^2 / ||W||_2^2`` from the ``m x m`` Gram matrix (float64 eigenvalues)."""
    ev = np.linalg.eigvalsh(w_gram(model, B, be))
    return float(np.sum(ev) / ev[-1])


def margins(model: SpanTwoLayer, params: Params, y: np.ndarray, be: Backend) -> np.ndarray:
    """``y_i f(x_i)`` (float64) from the span coordinates."""
    return y * np.asarray(be.to_float(model.forward(params, None, be)), dtype=float)


class FullView(Mapping):
    """Read-only ``{'W', 'a'}`` view of span coordinates; ``W`` is formed on first access."""

    def __init__(self, model: SpanTwoLayer, span: Params, be: Backend) -> None:
        self.model, self.span, self.be = model, span, be
        self._W: Any = None

    def __getitem__(self, key: str) -> Any:
        if key == "W":
            if self._W is None:
                self._W = self.model.full(self.span, self.be)["W"]
            return self._W
        if key == "a":
            return self.span["a"]
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(("W", "a"))

    def __len__(self) -> int:
        return 2


def span_descent(model: TwoLayer, loss: Loss, X: np.ndarray, y: np.ndarray, params0: Params,
                 rule: StepRule, be: Backend) -> tuple[Iterator[State], SpanTwoLayer]:
    """GD in span coordinates, yielding states whose ``params`` are :class:`FullView` s.

    Returns the state iterator and the :class:`SpanTwoLayer` to hand to
    :func:`verify.dynamics.trajectory.record` (its ``sq_norm`` avoids forming ``W`` at every step).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.standard_normal((3, 8)), np.array([1.0, -1.0, 1.0])
    >>> net = TwoLayer(m=4)
    >>> from verify.problem.losses import make_loss
    >>> states, sm = span_descent(net, make_loss("logistic"), X, y,
    ...                           net.init(8, 0.1, rng), StepRule(0.1), Float64())
    >>> next(states).params["W"].shape
    (4, 8)
    """
    if not isinstance(model, TwoLayer):
        raise UserError(f"coords='span' is implemented for TwoLayer, not {type(model).__name__}")
    sm = SpanTwoLayer(model, np.asarray(X, dtype=float), np.asarray(params0["W"], dtype=float))
    states = gradient_descent(sm, loss, X, y, sm.span_params(params0), rule, be)
    return (replace(s, params=FullView(sm, s.params, be)) for s in states), sm
