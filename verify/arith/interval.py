"""Exact intervals of measured statistics: the numbers assumptions are decided on.

A statistic of a dataset (a Gram entry, a margin, a ratio) is stored as an interval of
exact rationals ``[lo, hi]``: a float enters by its binary value, so an exact measurement
is a point interval and a measured one carries its error bound.  Assumption audits
(:mod:`verify.spec.assumptions`) substitute these into sympy relations.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction  # noqa: F401  (used by the doctests)
from typing import Any

import numpy as np
import sympy


def _exact(x: Any) -> sympy.Expr:
    """``x`` as an exact sympy Rational (a float by its binary value) or +-oo."""
    if isinstance(x, (float, np.floating)):
        if math.isnan(x):
            raise ValueError("a statistic cannot be NaN: pass None for 'not measured'")
        x = sympy.Rational(float(x)) if math.isfinite(x) else sympy.oo * math.copysign(1, x)
    x = x if isinstance(x, sympy.Basic) else sympy.Rational(x)
    if not (x.is_Rational or x in (sympy.oo, -sympy.oo)):
        raise TypeError(f"expected a rational number or +-oo, got {x!r}")
    return x


def midpoint(lo: Any, hi: Any) -> float:
    """The float midpoint of ``[lo, hi]`` (an endpoint if the interval is a point or unbounded)."""
    a, b = float(lo), float(hi)
    return a if a == b else float((lo + hi) / 2) if math.isfinite(a + b) else (a + b) / 2


@dataclass(frozen=True)
class Stat:
    """A measured statistic as an exact interval ``[lo, hi]``; ``lo == hi`` means exact.

    Examples
    --------
    >>> Stat.exact(0.5), Stat.exact(Fraction(1, 3)).is_exact, Stat.exact(math.inf).lo
    (Stat(lo=1/2, hi=1/2), True, oo)
    >>> s = Stat.approx(2.0, 0.25); s.lo, s.hi, float(s)
    (7/4, 9/4, 2.0)
    """

    lo: sympy.Expr
    hi: sympy.Expr

    def __post_init__(self) -> None:
        lo, hi = _exact(self.lo), _exact(self.hi)
        if lo > hi:
            raise ValueError(f"empty interval [{lo}, {hi}]")
        object.__setattr__(self, "lo", lo)
        object.__setattr__(self, "hi", hi)

    @classmethod
    def exact(cls, value: Any) -> Stat:
        """An exact value: int, Fraction, float (its binary value), sympy Rational or +-oo."""
        return cls(value, value)

    @classmethod
    def approx(cls, value: float, abs_err: float) -> Stat:
        """``[value - abs_err, value + abs_err]`` in exact rationals."""
        if not (math.isfinite(value) and math.isfinite(abs_err) and abs_err >= 0):
            raise ValueError(f"need finite value and abs_err >= 0, got {value}, {abs_err}")
        v, e = _exact(value), _exact(abs_err)
        return cls(v - e, v + e)

    @property
    def is_exact(self) -> bool:
        """True when ``lo == hi``."""
        return self.lo == self.hi

    def __float__(self) -> float:
        return midpoint(self.lo, self.hi)
