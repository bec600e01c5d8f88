"""Assumptions: sympy relations over data statistics and run parameters, decided exactly.

Exact inputs are substituted as rationals (a float by its binary value), inexact ones as sympy
``AccumBounds``; the slack is enclosed in exact interval arithmetic. Three-valued, like ``ask``:
a measurement that needs a solver whose solve fails (it raises
:class:`~verify.errors.TargetFailed`) leaves the assumption UNDECIDED with the solver's status
in its note, never VIOLATED (a failed solve proves nothing about the data).
:func:`certified_margin` turns a solved max-margin program into the statistic of a
``gamma > 0`` (separability) assumption.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any, Callable, Iterable, Mapping

import mpmath
import numpy as np
import sympy
from sympy.core.relational import (Equality, GreaterThan, LessThan, Relational,
                                   StrictGreaterThan, StrictLessThan)
from sympy.printing.pycode import MpmathPrinter

from verify.arith.interval import Stat, midpoint
from verify.errors import TargetFailed

Measure = Callable[[Any, Mapping[str, Any]], Mapping[str, Any]]
_SIDE = {StrictLessThan: -1, LessThan: -1, StrictGreaterThan: 1, GreaterThan: 1, Equality: 0}
_HULLS = (sympy.Max, sympy.Min, sympy.Abs)


class Status(str, Enum):
    """Three-valued verdict of an assumption, like sympy's ``ask``."""

    HOLDS = "HOLDS"
    VIOLATED = "VIOLATED"
    UNDECIDED = "UNDECIDED"


@dataclass(frozen=True)
class Assumption:
    r"""A hypothesis: a relation (``<``, ``<=``, ``>``, ``>=``, ``Eq``) and how to measure it.

    ``measure(dataset, params)`` returns ``{symbol name: Stat | int | float | Fraction | None}``
    (``None``: not measurable, so UNDECIDED). ``reading``: this suite's formalization, not the
    paper's statement; ``structural``: a property of the setup rather than of the data.

    Examples
    --------
    >>> eta, beta, s = sympy.symbols("eta beta s", positive=True)
    >>> a = Assumption("step", sympy.Lt(eta, 2 / (beta * s)))
    >>> a.symbols
    ('beta', 'eta', 's')
    >>> print(a.latex)
    \eta < \frac{2}{\beta s}
    """

    name: str
    relation: Relational
    measure: Measure | None = None
    description: str = ""
    reading: bool = False
    structural: bool = False

    def __post_init__(self) -> None:
        if type(self.relation) not in _SIDE:
            raise TypeError(f"assumption {self.name!r}: need <, <=, >, >= or Eq over symbols, "
                            f"got {self.relation!r}")

    @property
    def latex(self) -> str:
        """The relation in LaTeX."""
        return sympy.latex(self.relation)

    @property
    def symbols(self) -> tuple[str, ...]:
        """Sorted names of the relation's free symbols."""
        return tuple(sorted(s.name for s in self.relation.free_symbols))


@dataclass(frozen=True)
class AssumptionResult:
    """An assumption on one dataset. ``slack`` > 0 means room to spare.

    ``slack`` (midpoint of ``slack_interval``) is ``rhs - lhs`` for ``<``, ``<=``; ``lhs - rhs``
    for ``>``, ``>=``; ``-|lhs - rhs|`` for ``Eq``. ``relative_slack = slack / max(|lhs|, |rhs|)``.
    """

    name: str
    latex: str
    status: Status
    slack: float
    slack_interval: tuple[float, float]
    relative_slack: float
    values: Mapping[str, float] = field(default_factory=dict)
    exact: bool = False
    note: str = ""
    reading: bool = False
    structural: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe fields; non-finite floats become ``'inf'``, ``'-inf'`` or ``'nan'``."""
        js = lambda x: x if math.isfinite(x) else repr(x)  # noqa: E731
        return asdict(self) | {
            "status": self.status.value, "slack": js(self.slack),
            "relative_slack": js(self.relative_slack),
            "slack_interval": [js(v) for v in self.slack_interval],
            "values": {k: js(v) for k, v in self.values.items()}}


def _ival(expr: sympy.Expr, env: Mapping[sympy.Symbol, sympy.Expr]) -> sympy.Expr:
    """Rebuild ``expr`` with ``env`` substituted; AccumBounds go through Max, Min and Abs."""
    if expr in env or not expr.args:
        return env.get(expr, expr)
    args = [_ival(a, env) for a in expr.args]
    if expr.func not in _HULLS or not any(isinstance(a, sympy.AccumBounds) for a in args):
        return expr.func(*args)
    lo, hi = zip(*[(a.min, a.max) if isinstance(a, sympy.AccumBounds) else (a, a) for a in args])
    if expr.func is sympy.Abs:
        return sympy.AccumBounds(sympy.Max(lo[0], -hi[0], 0), sympy.Max(-lo[0], hi[0]))
    return sympy.AccumBounds(expr.func(*lo), expr.func(*hi))


def _sgn(x: Any) -> int | None:
    """Sign of a sympy number or mpf; None when undecidable or NaN."""
    if isinstance(x, sympy.Basic):
        known = (x.is_zero, x.is_extended_positive, x.is_extended_negative)
        return next((s for s, k in zip((0, 1, -1), known) if k), None)
    return None if mpmath.isnan(x) else int(x > 0) - int(x < 0)


def _corners(expr: sympy.Expr, stats: Mapping[str, Stat]) -> tuple[Any, Any]:
    """Min and max of ``expr`` at the corners of the box (private 50-digit mpmath context)."""
    ctx = mpmath.MPContext()
    ctx.dps = 50
    syms = sorted(expr.free_symbols, key=lambda s: s.name)
    f = sympy.lambdify(syms, expr, modules=[{"mpmath": ctx}], printer=MpmathPrinter)
    ends = [[ctx.mpf(v.p) / v.q if v.is_Rational else ctx.inf * int(v > 0)
             for v in {stats[s.name].lo, stats[s.name].hi}] for s in syms]
    try:
        vals = [ctx.convert(f(*corner)) for corner in itertools.product(*ends)]
    except (TypeError, ValueError, ArithmeticError):
        vals = [ctx.nan]
    if any(not isinstance(v, ctx.mpf) or ctx.isnan(v) for v in vals):
        return ctx.nan, ctx.nan
    return min(vals), max(vals)


def _enclose(expr: sympy.Expr, stats: Mapping[str, Stat]) -> tuple[Any, Any, bool]:
    """``(lo, hi, rigorous)`` bounds of ``expr`` over the box of the statistics."""
    env = {s: sympy.AccumBounds(stats[s.name].lo, stats[s.name].hi) for s in expr.free_symbols}
    try:
        v = _ival(expr, env)
        ends = (v.min, v.max) if isinstance(v, sympy.AccumBounds) else (v, v)
        if (isinstance(v, sympy.AccumBounds) or not v.has(sympy.AccumBounds)) and all(
                e.is_number and _sgn(e) is not None for e in ends):
            return (*ends, True)
    except (TypeError, ValueError, ArithmeticError):
        pass
    return (*_corners(expr, stats), False)


def certified_margin(target: Any, X: np.ndarray | None = None, key: str = "gamma",
                     rel: float = 1e-9) -> Stat:
    r"""The max margin ``target[key]`` of a solved program, for a ``gamma > 0`` assumption.

    - A certified solve (``target.ok``): the value, :math:`\pm` ``rel`` relative.
    - Else, when ``X`` (the inputs of a bias-free linear or homogeneous predictor) has a row
      :math:`x_i = 0`: :math:`y_i f(x_i) = 0` for every predictor, so
      :math:`\gamma = \max_{\|w\|=1}\min_i y_i\langle w, x_i\rangle \in [-R, 0]`,
      :math:`R = \max_i\|x_i\|` (exact: the assumption is VIOLATED, the data not separable).
    - Else the solve proves nothing: :class:`~verify.errors.TargetFailed` with the solver's
      status, which :func:`evaluate` turns into UNDECIDED.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> ok = SimpleNamespace(ok=True, values={"gamma": 0.5})
    >>> float(certified_margin(ok).hi) > 0.5
    True
    >>> bad = SimpleNamespace(ok=False, failure=lambda: "svm: status 'infeasible'")
    >>> certified_margin(bad, np.zeros((2, 2)))
    Stat(lo=0, hi=0)
    >>> certified_margin(bad, np.eye(2))
    Traceback (most recent call last):
    ...
    verify.errors.TargetFailed: svm: status 'infeasible'
    """
    if target.ok:
        g = float(target.values[key])
        return Stat.approx(g, rel * g)
    if X is not None and np.any(np.all(np.asarray(X) == 0.0, axis=1)):
        R = float(np.max(np.linalg.norm(X, axis=1)))
        return Stat(-R * (1.0 + 1e-9), 0)
    raise TargetFailed(target.failure())


def _values(a: Assumption, dataset: Any, params: Mapping[str, Any]) -> tuple[dict, list[str]]:
    """Each symbol's Stat (measured, else params, else n/d) and the names given as None/NaN."""
    sources = (dict(a.measure(dataset, params)) if a.measure else {}, params,
               dict(zip("nd", np.shape(getattr(dataset, "X", ())))))
    values = {s: next((src[s] for src in sources if s in src), KeyError) for s in a.symbols}
    if unknown := [s for s, v in values.items() if v is KeyError]:
        raise ValueError(f"assumption {a.name!r}: no value for symbol(s) {', '.join(unknown)} "
                         "(not measured, not a run parameter, not n or d)")
    missing = [s for s, v in values.items() if v is None or (isinstance(v, float) and v != v)]
    return {s: v if isinstance(v, Stat) else Stat.exact(v)
            for s, v in values.items() if s not in missing}, missing


def _verdict(lo: Any, hi: Any, strict: bool) -> tuple[Status, str]:
    s_lo, s_hi = _sgn(lo), _sgn(hi)
    if s_lo is None or s_hi is None:
        return Status.UNDECIDED, "slack could not be evaluated (NaN or not real)"
    if s_lo > 0 or (s_lo == 0 and not strict):
        return Status.HOLDS, ""
    if s_hi < 0 or (s_hi == 0 and strict):
        return Status.VIOLATED, ""
    return Status.UNDECIDED, f"slack interval [{float(lo):.6g}, {float(hi):.6g}] contains 0"


def evaluate(assumption: Assumption, dataset: Any, params: Mapping[str, Any]) -> AssumptionResult:
    """Decide ``assumption`` on ``dataset`` (with ``X``, ``y``) and run parameters ``params``.

    HOLDS when the slack's lower end is > 0 (>= 0 if non-strict), VIOLATED when its upper end is
    <= 0 (< 0 if non-strict), else UNDECIDED. Exact inputs give exact verdicts, even on a knife
    edge. If sympy cannot bound the slack, the box corners are evaluated with mpmath at 50 digits
    (not rigorous for non-monotone expressions): the result is then non-exact, with a note.
    A measurement that raises :class:`~verify.errors.TargetFailed` (its solver failed) gives
    UNDECIDED with the failure in the note.
    Raises ValueError for a symbol neither measured, nor in ``params``, nor ``n``/``d``.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> x, data = sympy.Symbol("x"), SimpleNamespace(X=np.eye(2), y=np.ones(2))
    >>> evaluate(Assumption("a", 2 * x < 3), data, {"x": 1.5}).status.value
    'VIOLATED'
    >>> evaluate(Assumption("a", 2 * x <= 3), data, {"x": 1.5}).status.value
    'HOLDS'
    >>> evaluate(Assumption("b", x < 3), data, {"x": Stat.approx(3, 0.1)}).note
    'slack interval [-0.1, 0.1] contains 0'
    """
    rel, side = assumption.relation, _SIDE[type(assumption.relation)]
    try:
        stats, missing = _values(assumption, dataset, params)
    except TargetFailed as exc:
        stats, missing = {}, [f"{', '.join(assumption.symbols)} (its solve failed: {exc})"]
    result = dict(name=assumption.name, latex=assumption.latex, reading=assumption.reading,
                  structural=assumption.structural, values={k: float(s) for k, s in stats.items()})
    if missing:
        return AssumptionResult(**result, status=Status.UNDECIDED, slack=math.nan,
                                slack_interval=(math.nan, math.nan), relative_slack=math.nan,
                                note=f"no value for {', '.join(missing)}")
    slack_expr = side * (rel.lhs - rel.rhs) if side else -sympy.Abs(rel.lhs - rel.rhs)
    lo, hi, rigorous = _enclose(slack_expr, stats)
    status, note = _verdict(lo, hi, isinstance(rel, (StrictLessThan, StrictGreaterThan)))
    if not rigorous:
        note = "; ".join(filter(None, [note, "sympy could not bound the slack: box corners "
                                       "evaluated with mpmath (50 digits), not rigorous"]))
    slack = midpoint(lo, hi)
    scale = max(abs(midpoint(*_enclose(e, stats)[:2])) for e in (rel.lhs, rel.rhs))
    relative = (math.copysign(1.0, slack) if math.isinf(slack) and math.isinf(scale) else
                slack / scale if scale else math.copysign(math.inf, slack) if slack else 0.0)
    return AssumptionResult(**result, status=status, slack=slack, relative_slack=relative,
                            slack_interval=(float(lo), float(hi)), note=note,
                            exact=rigorous and all(s.is_exact for s in stats.values()))


def audit(assumptions: Iterable[Assumption], dataset: Any,
          params: Mapping[str, Any]) -> tuple[AssumptionResult, ...]:
    """Evaluate every assumption on ``dataset``."""
    return tuple(evaluate(a, dataset, params) for a in assumptions)


def all_hold(results: Iterable[AssumptionResult]) -> bool:
    """True when every result HOLDS (UNDECIDED does not count)."""
    return all(r.status is Status.HOLDS for r in results)
