"""Models: the linear predictor and the two-layer network ``sum_k a_k phi(<w_k, x>)``.

Written once against numpy array operations so that the same code runs on float64
arrays and on object arrays of mpmath numbers (:mod:`verify.arith.backends`). Parameters
are dictionaries of arrays; ``trained`` names the ones gradient descent updates.

Leaky ReLU ``phi(z) = max(z, alpha z)`` (``alpha = 0`` is ReLU) with the Clarke
derivative convention ``phi'(0) = 1``, recorded in results.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

from verify.arith.backends import Backend, Float64
from verify.errors import UserError

Params = Mapping[str, np.ndarray]
_F64 = Float64()


def _bool(a: Any) -> np.ndarray:
    return np.asarray(a).astype(bool)


def _total(a: Any) -> Any:
    """``np.sum(a)``: the same reduction, without its dispatch for a numpy array."""
    return a.sum() if isinstance(a, np.ndarray) else np.sum(a)


def _leaky(pos: np.ndarray, Z: Any, alpha: Any) -> Any:
    """``Z`` where ``pos``, else ``alpha * Z``: for object arrays (mpmath) only the entries
    that need it are multiplied (the same values as :func:`numpy.where`, fewer products)."""
    if getattr(Z, "dtype", None) != object:
        return np.where(pos, Z, alpha * Z)
    out = np.array(Z, dtype=object, copy=True)
    neg = ~pos
    out[neg] = alpha * out[neg]
    return out


def _swap(a: np.ndarray) -> np.ndarray:
    """The last two axes exchanged (``a.T`` of each matrix of a stack)."""
    return np.swapaxes(a, -1, -2)


def _unchanged(model: Any, base: type, names: tuple[str, ...]) -> bool:
    """Whether ``model``'s class keeps ``base``'s ``names`` (so its batched form is valid)."""
    return all(getattr(type(model), n) is getattr(base, n) for n in names)


@dataclass(frozen=True)
class Model:
    """Base class: forward pass, vector-Jacobian product and Jacobian of ``f``."""

    def init(self, d: int, sigma0: float, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Initial float64 parameters."""
        raise NotImplementedError

    @property
    def trained(self) -> tuple[str, ...]:
        """Names of the trained parameter arrays."""
        raise NotImplementedError

    @property
    def homogeneity(self) -> int:
        """Degree ``L`` with ``f(c theta) = c^L f(theta)`` in the trained parameters."""
        raise NotImplementedError

    def forward(self, params: Params, X: Any, be: Backend = _F64) -> Any:
        """Predictions ``f(x_i)`` for the rows of ``X``."""
        raise NotImplementedError

    def vjp(self, params: Params, X: Any, v: Any, be: Backend = _F64) -> dict[str, Any]:
        """``sum_i v_i df(x_i)/dtheta`` for every trained array."""
        raise NotImplementedError

    def forward_vjp(self, params: Params, X: Any,
                    be: Backend = _F64) -> tuple[Any, Callable[[Any], dict[str, Any]]]:
        """``f`` at ``params`` and the map ``v -> vjp(params, X, v)`` (one GD step's two
        passes; a model may share work between them, the numbers stay those of
        :meth:`forward` and :meth:`vjp`)."""
        return self.forward(params, X, be), lambda v: self.vjp(params, X, v, be)

    @property
    def batches(self) -> bool:
        """Whether :meth:`forward_vjp_rows` serves this model (a batch of float64 runs with a
        leading axis, :mod:`verify.dynamics.batch`); a subclass that changes the math is
        run one trajectory at a time."""
        return False

    def forward_vjp_rows(self, params: Params, X: np.ndarray
                         ) -> tuple[np.ndarray, Callable[[np.ndarray], dict[str, np.ndarray]]]:
        """:meth:`forward_vjp` in float64 for ``b`` runs at once: every array carries a leading
        batch axis (``X`` is ``(b, n, d)``, ``f`` is ``(b, n)``).  Row ``r`` of each result is
        bit for bit the single run's: the same BLAS call per row (numpy's ``matmul`` loops
        over the batch axis) and the same elementwise operations."""
        raise NotImplementedError(f"{type(self).__name__} has no batched form")

    def jacobian(self, params: Params, X: np.ndarray) -> np.ndarray:
        """Float64 ``(n, p)`` matrix of ``df(x_i)/dtheta`` in :meth:`flatten` order."""
        rows = [self.flatten(self.vjp(params, X[i : i + 1], np.ones(1))) for i in range(len(X))]
        return np.array(rows)

    def flatten(self, params: Params) -> np.ndarray:
        """Trained parameters as one float64 vector ``theta``."""
        return np.concatenate([np.asarray(params[k], dtype=float).ravel() for k in self.trained])

    def sq_norm(self, params: Params) -> Any:
        """``||theta||^2`` over the trained parameters (backend arithmetic)."""
        return sum(_total(params[k] * params[k]) for k in self.trained)

    def describe(self) -> dict[str, Any]:
        """JSON-safe description for results."""
        return {"model": type(self).__name__, **{k: v for k, v in vars(self).items()}}


@dataclass(frozen=True)
class Linear(Model):
    """``f(x) = <w, x>`` (1-homogeneous). Soudry et al. (2018)."""

    def init(self, d: int, sigma0: float, rng: np.random.Generator) -> dict[str, np.ndarray]:
        return {"w": sigma0 * rng.standard_normal(d)}

    @property
    def trained(self) -> tuple[str, ...]:
        return ("w",)

    @property
    def homogeneity(self) -> int:
        return 1

    def forward(self, params: Params, X: Any, be: Backend = _F64) -> Any:
        return be.matmul(X, params["w"])

    def vjp(self, params: Params, X: Any, v: Any, be: Backend = _F64) -> dict[str, Any]:
        return {"w": be.matmul(X.T, v)}

    @property
    def batches(self) -> bool:
        return _unchanged(self, Linear, ("forward", "vjp"))

    def forward_vjp_rows(self, params: Params, X: np.ndarray
                         ) -> tuple[np.ndarray, Callable[[np.ndarray], dict[str, np.ndarray]]]:
        f = (X @ params["w"][..., None])[..., 0]
        return f, lambda v: {"w": (_swap(X) @ v[..., None])[..., 0]}


@dataclass(frozen=True)
class TwoLayer(Model):
    """``f(x) = s sum_k a_k phi(<w_k, x>)`` with leaky ReLU slope ``alpha`` (0: ReLU).

    Parameters
    ----------
    m
        Width.
    alpha
        Leaky slope in [0, 1).
    train_outer
        Train ``a`` too (2-homogeneous) or keep it fixed (1-homogeneous in ``W``).
    outer_init
        ``"gaussian"`` (``a ~ sigma0 N(0,1)``) or ``"signs"`` (``a_k = +-1`` balanced).
    mean_field
        Scale ``s = 1/m`` (mean field) instead of 1.
    scale
        An explicit output scale ``s`` (overrides ``mean_field``), e.g. ``1/m_block`` for
        the two-block network of Kou et al. (2023) with ``m_block = m/2`` neurons per sign.
    """

    m: int = 10
    alpha: float = 0.0
    train_outer: bool = True
    outer_init: str = "gaussian"
    mean_field: bool = False
    scale: float | None = None

    def __post_init__(self) -> None:
        if self.scale is not None and not self.scale > 0:
            raise UserError(f"output scale={self.scale} must be positive")
        if int(self.m) < 1:
            raise UserError(f"width m={self.m} must be a positive integer")
        if not 0.0 <= self.alpha < 1.0:
            raise UserError(f"leaky slope alpha={self.alpha} must lie in [0, 1)")
        if self.outer_init not in ("gaussian", "signs"):
            raise UserError(f"outer_init={self.outer_init!r}: use 'gaussian' or 'signs'")

    def init(self, d: int, sigma0: float, rng: np.random.Generator) -> dict[str, np.ndarray]:
        W = sigma0 * rng.standard_normal((self.m, d))
        if self.outer_init == "signs":
            a = np.where(np.arange(self.m) % 2 == 0, 1.0, -1.0)
        else:
            a = sigma0 * rng.standard_normal(self.m)
        return {"W": W, "a": a}

    @property
    def trained(self) -> tuple[str, ...]:
        return ("W", "a") if self.train_outer else ("W",)

    @property
    def homogeneity(self) -> int:
        return 2 if self.train_outer else 1

    @property
    def output_scale(self) -> float:
        """The output scale ``s`` as a float64 number."""
        if self.scale is not None:
            return float(self.scale)
        return 1.0 / self.m if self.mean_field else 1.0

    def _scale(self, be: Backend) -> Any:
        return be.const(self.output_scale)

    def _act(self, Z: Any, be: Backend) -> tuple[Any, Any]:
        pos = _bool(Z >= 0)
        alpha = be.const(self.alpha)
        one = be.const(1.0)
        return _leaky(pos, Z, alpha), np.where(pos, one, alpha)

    def forward(self, params: Params, X: Any, be: Backend = _F64) -> Any:
        A, _ = self._act(be.matmul(X, params["W"].T), be)
        return self._scale(be) * be.matmul(A, params["a"])

    def vjp(self, params: Params, X: Any, v: Any, be: Backend = _F64) -> dict[str, Any]:
        A, D = self._act(be.matmul(X, params["W"].T), be)
        return self._pullback(params, X, v, A, D, be)

    def _pullback(self, params: Params, X: Any, v: Any, A: Any, D: Any,
                  be: Backend) -> dict[str, Any]:
        s = self._scale(be)
        M = (D * v[:, None]) * params["a"][None, :]
        unit = type(self)._scale is TwoLayer._scale and self.output_scale == 1.0  # s * M == M
        out = {"W": be.matmul((M if unit else s * M).T, X)}
        if self.train_outer:
            out["a"] = s * be.matmul(A.T, v)
        return out

    def forward_vjp(self, params: Params, X: Any,
                    be: Backend = _F64) -> tuple[Any, Callable[[Any], dict[str, Any]]]:
        """:meth:`Model.forward_vjp` computing ``X W^T`` and the activations once (a subclass
        that overrides :meth:`forward` or :meth:`vjp` gets the two passes)."""
        if type(self).forward is not TwoLayer.forward or type(self).vjp is not TwoLayer.vjp:
            return super().forward_vjp(params, X, be)
        A, D = self._act(be.matmul(X, params["W"].T), be)
        f = self._scale(be) * be.matmul(A, params["a"])
        return f, lambda v: self._pullback(params, X, v, A, D, be)

    @property
    def batches(self) -> bool:
        return _unchanged(self, TwoLayer, ("forward", "vjp", "_act", "_pullback", "_scale",
                                           "forward_vjp"))

    def forward_vjp_rows(self, params: Params, X: np.ndarray
                         ) -> tuple[np.ndarray, Callable[[np.ndarray], dict[str, np.ndarray]]]:
        A, D = self._act(X @ _swap(params["W"]), _F64)
        s = self._scale(_F64)
        a = params["a"]
        f = s * (A @ a[..., None])[..., 0]

        def pullback(v: np.ndarray) -> dict[str, np.ndarray]:
            out = {"W": (s * _swap((D * v[..., :, None]) * a[..., None, :])) @ X}
            if self.train_outer:
                out["a"] = s * (_swap(A) @ v[..., None])[..., 0]
            return out

        return f, pullback

    def pattern(self, params: Params, X: np.ndarray) -> np.ndarray:
        """Activation pattern ``1[<w_k, x_i> >= 0]`` as an (n, m) bool array."""
        return np.asarray(X @ np.asarray(params["W"]).T >= 0)


@dataclass(frozen=True)
class SmoothedLeakyTwoLayer(TwoLayer):
    r""":class:`TwoLayer` with the ``H``-smoothed leaky ReLU of Frei et al.'s gradient-descent
    theorem (Frei, Vardi, Bartlett, Srebro & Hu, ICLR 2023, arXiv:2210.07082):

    .. math:: \phi_H(z) = \begin{cases} z & z \ge H \\ \alpha z & z \le -H \\
              \frac{1-\alpha}{4H} z^2 + \frac{1+\alpha}{2} z + \frac{H(1-\alpha)}{4}
              & |z| < H \end{cases}

    ``phi_H`` and ``phi_H'`` (``(1-alpha) z/(2H) + (1+alpha)/2`` inside) are continuous at
    ``z = +-H`` (values ``H``, ``-alpha H``; slopes 1, ``alpha``), ``phi_H' in [alpha, 1]``
    and ``|phi_H - phi_0| <= H(1-alpha)/4``.  Every backend (the mpmath audit
    replay too) evaluates the same piecewise polynomial (:attr:`coefficients`).  Not homogeneous:
    ``phi_H(c z) = c phi_{H/c}(z)``, so :attr:`homogeneity` is the degree the net tends to
    as ``W`` grows (that of :class:`TwoLayer`), not an identity.  The interval backend ``arb`` refuses this class.

    Examples
    --------
    >>> net = SmoothedLeakyTwoLayer(m=2, alpha=0.2, H=1.0)
    >>> A, D = net._act(np.array([-1.0, 0.0, 1.0, 2.0]), _F64)
    >>> A.tolist(), D.tolist()
    ([-0.2, 0.2, 1.0, 2.0], [0.2, 0.6, 1.0, 1.0])
    """

    H: float = 1.0

    def __post_init__(self) -> None:
        super().__post_init__()
        if not (np.isfinite(self.H) and self.H > 0):
            raise UserError(f"smoothing width H={self.H} must be a positive finite number")

    @property
    def homogeneity(self) -> int:
        """The degree of the leaky net ``f_H`` tends to (``f_H(cW)/c -> f_0(W)``); not exact."""
        return super().homogeneity

    def _act(self, Z: Any, be: Backend) -> tuple[Any, Any]:
        alpha, one, H = be.const(self.alpha), be.const(1.0), be.const(self.H)
        up, down = _bool(Z >= H), _bool(Z <= -H)
        outside = up | down
        if outside.all():  # no entry in the band: the leaky ReLU's operations, same numbers
            return np.where(up, Z, alpha * Z), np.where(up, one, alpha)
        c2, c1, c0 = (be.const(c) for c in self.coefficients)
        Zq = np.where(outside, be.const(0.0), Z)  # the quadratic only where it is used
        A = np.where(up, Z, np.where(down, alpha * Z, (c2 * Zq + c1) * Zq + c0))
        D = np.where(up, one, np.where(down, alpha, be.const(2.0) * c2 * Zq + c1))
        return A, D

    @property
    def coefficients(self) -> tuple[float, float, float]:
        """``((1-alpha)/(4H), (1+alpha)/2, H(1-alpha)/4)`` as float64 numbers: the model is the
        piecewise polynomial with these coefficients in every backend (the double-double
        backend has no division), continuous at ``+-H`` up to their rounding (exactly when
        ``H`` is a power of two and ``alpha`` a short dyadic)."""
        a, H = float(self.alpha), float(self.H)
        return (1.0 - a) / (4.0 * H), (1.0 + a) / 2.0, H * (1.0 - a) / 4.0

    @property
    def batches(self) -> bool:
        """False for now: :meth:`forward_vjp_rows` (inherited, through :meth:`_act`) is valid
        and bit for bit the single run's, but ``batches`` also admits a model to the fused
        leaky-ReLU kernel (:func:`verify.dynamics.compiled.compilable`), which would compute
        ``phi_0`` instead of ``phi_H``."""
        return False
