"""The catalogue of rate terms a :class:`~verify.claims.limit.Limit` may declare.

Each term is a function of ``s = log t`` (and of a free exponent ``a``, a free shift ``b``
and the window start ``s0`` where it uses them). :data:`NEXT` gives the next term of each
asymptotic expansion, which :func:`extension` adds to probe the model error of a fit.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

#: Rate terms as functions of ``s = log t``, of a free exponent ``a`` and of a free shift ``b``
#: where they appear, and of the window start ``s0``.  Exponentials are taken relative to
#: ``s0`` (the constant goes into the coefficient), so they never overflow or underflow at
#: the start of the window.
RATES: dict[str, Callable[[np.ndarray, float, float, float], np.ndarray]] = {
    "1/sqrt(log t)": lambda s, a, b, s0: s**-0.5,
    "1/log t": lambda s, a, b, s0: 1.0 / s,
    "1/log^2 t": lambda s, a, b, s0: s**-2.0,
    "1/log^3 t": lambda s, a, b, s0: s**-3.0,
    "1/log^4 t": lambda s, a, b, s0: s**-4.0,
    "loglog t/log t": lambda s, a, b, s0: np.log(s) / s,
    "1/(log t+b)": lambda s, a, b, s0: 1.0 / (s + b),
    "1/(log t+b)^2": lambda s, a, b, s0: (s + b) ** -2.0,
    "1/(log t+b)^3": lambda s, a, b, s0: (s + b) ** -3.0,
    "1/t": lambda s, a, b, s0: np.exp(-(s - s0)),
    "1/t^2": lambda s, a, b, s0: np.exp(-2.0 * (s - s0)),
    "1/t^3": lambda s, a, b, s0: np.exp(-3.0 * (s - s0)),
    "t^-a": lambda s, a, b, s0: np.exp(-a * (s - s0)),
    "t^-2a": lambda s, a, b, s0: np.exp(-2.0 * a * (s - s0)),
    "t^-3a": lambda s, a, b, s0: np.exp(-3.0 * a * (s - s0)),
    "log^-a t": lambda s, a, b, s0: (s / s0) ** -a,
    "log^-2a t": lambda s, a, b, s0: (s / s0) ** (-2.0 * a),
}

#: Terms with a free exponent ``a`` (profiled, counted as one extra parameter).
FREE = frozenset({"t^-a", "t^-2a", "t^-3a", "log^-a t", "log^-2a t"})

#: Terms with a free shift ``b`` (profiled, counted as one extra parameter; all such terms
#: of a basis share the same ``b``).
SHIFTED = frozenset({"1/(log t+b)", "1/(log t+b)^2", "1/(log t+b)^3"})

#: Terms defined only for ``log t > 0``.
NEEDS_POSITIVE_LOG = frozenset({"1/sqrt(log t)", "1/log t", "1/log^2 t", "1/log^3 t",
                                "1/log^4 t", "loglog t/log t", "log^-a t", "log^-2a t", *SHIFTED})

#: The next term of each asymptotic expansion, used to probe the model error:
#: ``1/sqrt(log t) -> 1/log t``, ``1/log^k t -> 1/log^(k+1) t``,
#: ``loglog t/log t -> 1/log t``, ``t^-ka -> t^-(k+1)a``,
#: ``1/(log t+b)^k -> 1/(log t+b)^(k+1)`` (``b`` refitted).
NEXT: dict[str, str | None] = {
    "1/sqrt(log t)": "1/log t",
    "1/log t": "1/log^2 t",
    "1/log^2 t": "1/log^3 t",
    "1/log^3 t": "1/log^4 t",
    "1/log^4 t": None,
    "loglog t/log t": "1/log t",
    "1/(log t+b)": "1/(log t+b)^2",
    "1/(log t+b)^2": "1/(log t+b)^3",
    "1/(log t+b)^3": None,
    "1/t": "1/t^2",
    "1/t^2": "1/t^3",
    "1/t^3": None,
    "t^-a": "t^-2a",
    "t^-2a": "t^-3a",
    "t^-3a": None,
    "log^-a t": "log^-2a t",
    "log^-2a t": None,
}


#: Terms that only move along the profiled shift: ``d/db [c/(s+b)] = -c/(s+b)^2``, so at the
#: least-squares ``b`` the residual is orthogonal to ``1/(s+b)^2`` and adding that term alone
#: changes nothing (its coefficient comes out 0).  :func:`extension` adds the next term too.
TANGENT: dict[str, str] = {"1/(log t+b)^2": "1/(log t+b)"}


def check_basis(basis: Sequence[str]) -> None:
    """Raise ValueError for unknown or repeated rate names, or an empty basis."""
    if not basis:
        raise ValueError("rate basis is empty: give at least one rate, e.g. ('1/log t',)")
    unknown = [b for b in basis if b not in RATES]
    if unknown:
        raise ValueError(f"unknown rate {unknown[0]!r}; known rates: {sorted(RATES)}")
    if len(set(basis)) != len(basis):
        raise ValueError(f"rate basis {tuple(basis)} repeats a term")


def extension(basis: Sequence[str]) -> tuple[str, ...] | None:
    """The basis extended by the next higher-order term of its last element.

    The chain :data:`NEXT` is followed from the last (highest-order) term until a term not
    yet in the basis is found; None when the chain ends.  When the added term is the
    shift tangent of a basis term (:data:`TANGENT`: ``1/(log t+b)^2`` next to
    ``1/(log t+b)``), the following term is added as well, since the tangent alone is not a
    probe of the model error.

    Examples
    --------
    >>> extension(("1/log t",))
    ('1/log t', '1/log^2 t')
    >>> extension(("loglog t/log t", "1/log t"))
    ('loglog t/log t', '1/log t', '1/log^2 t')
    >>> extension(("1/(log t+b)",))
    ('1/(log t+b)', '1/(log t+b)^2', '1/(log t+b)^3')
    """
    out = tuple(basis)
    nxt = NEXT[out[-1]]
    while nxt is not None:
        if nxt not in out:
            out = (*out, nxt)
            if TANGENT.get(nxt) not in out:
                break
        nxt = NEXT[nxt]
    return None if out == tuple(basis) else out


def n_free(basis: Sequence[str]) -> int:
    """Number of profiled nonlinear parameters of a basis: a free exponent, a free shift."""
    return int(any(b in FREE for b in basis)) + int(any(b in SHIFTED for b in basis))
