"""Arithmetic backends behind one interface: numpy float64 and mpmath at a chosen precision.

Models, losses and gradient descent are written once against this interface, with
numpy array operations; the mpmath backend uses numpy object arrays whose elements
are ``mpf`` numbers of a *private* :class:`mpmath.MPContext`, so the precision is an
argument of the run and the global ``mpmath.mp`` is never touched (docs/design.md, convention 4).

References
----------
docs/numerics.md, section A (costs) and B (where float64 stalls and where it does not).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable

import mpmath
import numpy as np

from verify.arith.ddmath import DoubleDouble
from verify.arith.mpmatmul import exact_matmul
from verify.errors import UserError

Array = np.ndarray


@dataclass(frozen=True)
class Float64:
    """IEEE double precision through numpy; log-domain helpers avoid underflow."""

    name: str = "float64"

    @property
    def precision(self) -> str:
        """Human-readable precision."""
        return "53 bits"

    @property
    def digits(self) -> float:
        """Decimal digits carried by one number."""
        return 15.95

    def asarray(self, a: Any) -> Array:
        """Convert a float64 array (exactly)."""
        return np.array(a, dtype=float)

    def to_float(self, a: Any) -> Array:
        """Round to float64."""
        return np.asarray(a, dtype=float)

    def matmul(self, a: Any, b: Any) -> Any:
        """Matrix product (numpy, BLAS)."""
        return a @ b

    def const(self, x: float) -> float:
        """A scalar constant in this arithmetic."""
        return float(x)

    def exp(self, a: Any) -> Any:
        """Elementwise exponential."""
        return np.exp(a)

    def log(self, a: Any) -> Any:
        """Elementwise natural log."""
        with np.errstate(divide="ignore"):
            return np.log(a)

    def log1p(self, a: Any) -> Any:
        """Elementwise log(1 + a)."""
        return np.log1p(a)

    def log_scalar(self, x: Any) -> Any:
        """Natural log of one positive scalar."""
        return float(np.log(x))

    def softplus(self, a: Any) -> Any:
        """log(1 + e^a), exact for large |a| (no overflow, no underflow to 0 of the log)."""
        return np.logaddexp(0.0, a)

    def logsumexp(self, a: Any) -> Any:
        """log(sum e^a), shifted by the maximum."""
        a = np.asarray(a)
        top = a.max()  # np.max's reduction, without its dispatch (a hot path of GD)
        if not np.isfinite(top):
            return top
        return top + np.log(np.exp(a - top).sum())


@dataclass(frozen=True)
class MPMath:
    """mpmath at ``dps`` decimal digits, on a private context.

    Parameters
    ----------
    dps
        Decimal digits of working precision (mpmath's ``dps``).

    Examples
    --------
    >>> be = MPMath(dps=40)
    >>> x = be.asarray(np.array([1.0, 2.0]))
    >>> y = be.logsumexp(x)  # log(e + e^2) = 2 + log(1 + 1/e), to 40 digits
    >>> be.ctx.nstr(y, 40)
    '2.313261687518222834048995494967855641915'
    >>> float(y)  # rounded once, to the nearest float64
    2.313261687518223
    """

    dps: int = 40
    name: str = "mpmath"
    ctx: Any = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not 10 <= int(self.dps) <= 10_000:
            raise UserError(f"dps={self.dps} is out of range; use an integer in [10, 10000]")
        ctx = mpmath.MPContext()
        ctx.dps = int(self.dps)
        ctx.convert = _array_refusing(ctx.convert)
        object.__setattr__(self, "ctx", ctx)
        for fname in ("exp", "log", "log1p"):
            object.__setattr__(self, "_" + fname, np.frompyfunc(getattr(ctx, fname), 1, 1))
        object.__setattr__(self, "_mpf", np.frompyfunc(ctx.mpf, 1, 1))
        object.__setattr__(self, "_softplus", np.frompyfunc(self._softplus_scalar, 1, 1))

    @property
    def precision(self) -> str:
        """Human-readable precision."""
        return f"dps={self.dps}"

    @property
    def digits(self) -> float:
        """Decimal digits carried by one number."""
        return float(self.dps)

    def asarray(self, a: Any) -> Array:
        """Convert floats exactly to mpf (a float64 is a dyadic rational)."""
        return self._mpf(np.asarray(a, dtype=float)).astype(object)

    def to_float(self, a: Any) -> Array:
        """Round to float64."""
        return np.asarray(np.vectorize(float, otypes=[float])(a), dtype=float)

    def const(self, x: float) -> Any:
        """A scalar constant in this arithmetic."""
        return self.ctx.mpf(x)

    def matmul(self, a: Any, b: Any) -> Any:
        """Matrix product summed exactly in integers, rounded once per entry
        (:func:`verify.arith.mpmatmul.exact_matmul`)."""
        return exact_matmul(a, b, self.ctx)

    def exp(self, a: Any) -> Any:
        """Elementwise exponential."""
        return self._exp(a)

    def log(self, a: Any) -> Any:
        """Elementwise natural log (log 0 = -inf)."""
        return np.frompyfunc(lambda v: self.ctx.log(v) if v != 0 else self.ctx.ninf, 1, 1)(a)

    def log1p(self, a: Any) -> Any:
        """Elementwise log(1 + a)."""
        return self._log1p(a)

    def log_scalar(self, x: Any) -> Any:
        """Natural log of one positive scalar."""
        return self.ctx.log(x)

    def _softplus_scalar(self, x: Any) -> Any:
        c = self.ctx
        return x + c.log1p(c.exp(-x)) if x > 0 else c.log1p(c.exp(x))

    def softplus(self, a: Any) -> Any:
        """log(1 + e^a) without cancellation."""
        return self._softplus(a)

    def logsumexp(self, a: Any) -> Any:
        """log(sum e^a), shifted by the maximum."""
        a = np.asarray(a, dtype=object).ravel()
        top = max(a)
        if not self.ctx.isfinite(top):
            return top
        return top + self.ctx.log(self.ctx.fsum(self.ctx.exp(v - top) for v in a))


def _array_refusing(convert: Callable[..., Any]) -> Callable[..., Any]:
    """``convert`` of an mpmath context that refuses a numpy array at once.

    ``mpf * array`` (a scalar on the left of an object array, as in ``factor * grad``)
    first asks the context to convert the array; mpmath refuses with a ``TypeError`` whose
    message holds ``repr(array)``, which prints every element (milliseconds a step), and
    only then lets numpy's ``array.__rmul__`` compute the same elementwise products.  Refusing
    an array without printing it gives the same result at once.

    Examples
    --------
    >>> ctx = mpmath.MPContext()
    >>> ctx.convert = _array_refusing(ctx.convert)
    >>> (ctx.mpf(2) * np.array([ctx.mpf(1), ctx.mpf(3)], dtype=object)).tolist()
    [mpf('2.0'), mpf('6.0')]
    """
    def refuse_arrays(x: Any, strings: bool = True) -> Any:
        if isinstance(x, np.ndarray):
            raise TypeError("cannot create mpf from a numpy array")
        return convert(x, strings)
    return refuse_arrays


Backend = Float64 | MPMath | DoubleDouble

_FACTORIES: dict[str, Callable[[int], Backend]] = {
    "float64": lambda dps: Float64(),
    "mpmath": lambda dps: MPMath(dps=dps),
    "dd": lambda dps: DoubleDouble(),
    "f64dd": lambda dps: _late("verify.dynamics.compensated", "Float64DD")(),
    "arb": lambda dps: _late("verify.dynamics.certified", "ArbBall")(),
}


def _late(module: str, name: str) -> Any:
    """A backend class from a module that imports this one (imported on first use)."""
    return getattr(importlib.import_module(module), name)


def backend_names() -> tuple[str, ...]:
    """Names accepted by :func:`make_backend` (and ``--backend``)."""
    return tuple(_FACTORIES)


def make_backend(name: str, dps: int = 40) -> Backend:
    """Build a backend by name; unknown names are a :class:`UserError`."""
    try:
        return _FACTORIES[name](dps)
    except KeyError:
        raise UserError(
            f"unknown backend {name!r}; choose one of {', '.join(backend_names())}"
        ) from None
