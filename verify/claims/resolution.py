r"""Resolution of a verdict: the smallest move of the claim's expectation that turns it.

A verdict is worth its power to say FAIL.  For every judged claim the engine re-judges the
claim on the *same* series (no rerun of gradient descent) with its expectation moved by
:math:`\delta`, and records the smallest :math:`|\delta|`, in each direction, at which the
verdict turns: a PASS or UNDECIDED turns FAIL, a FAIL stops failing (an
:class:`~verify.outcome.Resolution` of :class:`~verify.outcome.Shift`\ s).  What moves is
declared by each claim kind's ``resolution_moves(series, expected, result)`` method, a
:class:`Moves` of :class:`Move`\ s:

=============  ==========================================================================
kind           what moves (``what``), and in which direction
=============  ==========================================================================
Limit          the named limit :math:`L \to L \pm \delta` (relative to :math:`|L|`); an
               unnamed limit ("converges to some finite value") has the asymptotic slope
               0 in :math:`\log t` as its expectation: the moved claim is
               ":math:`q(t) - \delta \log t` converges", judged on the series
               :math:`q - \delta \log t` (``drift``, per unit :math:`\log t`)
Bound          each bound toward the data (upper down, lower up): the slack of the worst
               checkpoint, allowance and precision floor included (relative to
               :math:`|B|`); for a FAIL, away from the data
Monotone       a drift :math:`\mp\delta` per GD step against the claimed direction (linear
               in the step index, so it leaves the second differences, hence the
               tolerance, unchanged): the smallest uniform per-step violation the
               tolerance rejects, i.e. :math:`\min_k(\tau_k - d_k)`; relative to the median
               :math:`|\Delta q|` per step
Eventually     the time :math:`\log T` earlier (a FAIL: later); without a :math:`T` there
               is nothing to move: no finite resolution
Scaling        the exponent :math:`a \pm \delta` (relative to :math:`|a|`)
Frequency      the predicted probability :math:`p(x) \pm \delta` at every :math:`x` (clipped
               to :math:`[0, 1]`), in probability units
Trend          a drift :math:`\mp\delta \log x` against the claimed direction: the moved
               claim is ":math:`q - \delta\log x` increases" (per unit :math:`\log x`)
=============  ==========================================================================

**Search** (:func:`first_turn`).  From a natural scale of the claim (its tolerance, its
interval, its slack) the move grows (or shrinks) by factors of 4 until the verdict turns,
then a geometric bisection narrows the threshold to 1%; the recorded amount is the smallest
move found to turn the verdict, so moving the expectation by it turns it (and, for a
verdict other than FAIL, moving it further too).  The search assumes the verdict turns once
along each direction; a verdict other than FAIL that does not FAIL with the expectation
moved :data:`MAX_STEPS` factors of 4 (4096 scales) has no finite resolution in
that direction (tried first: one re-judgement).  A FAIL's not-FAIL region can be a narrow
band around the data (a limit moved toward the fitted value and beyond fails again), so
there the search only grows from the scale.  Each probe re-judges the claim: about ten per
direction with a finite resolution, one for a direction without.  Re-judging runs inside
:func:`verify.claims.memo.memoizing`, so a fit that does not depend on the expectation is
computed once (a drift changes the series, so a Limit refits at every probe: on a long
per-step series this is the costly case, about ten fits per direction).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from verify.claims.memo import memoizing
from verify.outcome import EXPECTED_VALUE, ClaimResult, Outcome, Resolution, Shift

#: Factor by which the move grows (or shrinks) while looking for a bracket.
GROW = 4.0

#: Largest number of factors of :data:`GROW` tried before a direction is declared unresolved:
#: a move of more than ``4**6 = 4096`` times the claim's natural scale (its tolerance, its
#: interval, its slack) is no statement about the claim (at such sizes only the rules'
#: numerical edges, e.g. a relative slack of 1e-6, or rounding turn a verdict).
MAX_STEPS = 6

#: Relative width to which the bisection narrows the threshold.
RTOL = 0.01

#: Errors a moved expectation may raise while re-judging; the verdict then counts as not turned.
REJUDGE_ERRORS = (ArithmeticError, ValueError, np.linalg.LinAlgError)


@dataclass(frozen=True)
class Move:
    """One direction in which a claim's expectation moves.

    Parameters
    ----------
    what
        What moves (``limit``, ``upper``, ``log T``, ``drift``...).
    sign
        +1 or -1: the direction of the move.
    rejudge
        The claim's result with the expectation moved by ``delta >= 0`` in this direction.
    scale
        A natural size of a move (> 0), where the search starts.
    unit
        Unit of the move (``""``: the quantity's own).
    reference
        The size a relative move is measured against (None: none is meaningful).
    relative_to
        What ``reference`` is, for reports.
    """

    what: str
    sign: int
    rejudge: Callable[[float], ClaimResult]
    scale: float
    unit: str = ""
    reference: float | None = None
    relative_to: str = ""


@dataclass(frozen=True)
class Moves:
    """The moves of a claim's expectation, or why it has none (``reason``)."""

    moves: tuple[Move, ...]
    reason: str = ""


def natural_scale(*candidates: float | None, fallback: float = 1.0) -> float:
    """The largest finite positive candidate, else ``fallback`` (a start for the search).

    Examples
    --------
    >>> natural_scale(None, float("nan"), 0.0, 0.3, 0.1)
    0.3
    >>> natural_scale(None, fallback=2.0)
    2.0
    """
    ok = [float(c) for c in candidates if c is not None and np.isfinite(c) and c > 0]
    return max(ok) if ok else fallback


def drift_scale(x: np.ndarray, values: np.ndarray, tol: float | None = None) -> float:
    """A natural drift per unit of ``x``: ``tol`` (else the spread of the finite values)
    over the range of ``x``.

    Examples
    --------
    >>> drift_scale(np.array([0.0, 2.0]), np.array([1.0, 3.0])), drift_scale(np.zeros(1), np.ones(1), 0.5)
    (1.0, 0.5)
    """
    x, values = np.asarray(x, dtype=float), np.asarray(values, dtype=float)
    span = float(np.ptp(x)) if x.size > 1 else 0.0
    fin = values[np.isfinite(values)]
    size = natural_scale(tol, fallback=float(np.ptp(fin)) if fin.size else 0.0)
    return natural_scale(size / span if span > 0 else size, fallback=1e-12)


def value_move(claim: Any, series: Any, expected: Mapping[str, float | None], key: str,
               sign: int, scale: float, what: str | None = None,
               relative: bool = True) -> Move:
    """Move the resolved expected value ``expected[key]`` by ``sign * delta``."""
    base = float(expected[key])

    def rejudge(delta: float) -> ClaimResult:
        return claim.evaluate(series, {**expected, key: base + sign * delta})

    ref = abs(base) if relative and base != 0.0 else None
    return Move(what or key, sign, rejudge, scale, "", ref, EXPECTED_VALUE if ref is not None else "")


def drift_move(claim: Any, series: Any, expected: Mapping[str, float | None],
               x: np.ndarray, sign: int, scale: float, unit: str,
               reference: float | None = None, relative_to: str = "") -> Move:
    """Judge the claim on ``values + sign * delta * x`` (a drift along ``x``)."""
    x = np.asarray(x, dtype=float)

    def rejudge(delta: float) -> ClaimResult:
        return claim.evaluate(replace(series, values=series.values + sign * delta * x), expected)

    return Move("drift", sign, rejudge, scale, unit, reference, relative_to)


def claim_move(claim: Any, series: Any, expected: Mapping[str, float | None], what: str,
               sign: int, scale: float, moved: Callable[[float], Any], unit: str = "") -> Move:
    """Judge ``moved(sign * delta)`` (a copy of the claim with its expectation moved)."""
    def rejudge(delta: float) -> ClaimResult:
        return moved(sign * delta).evaluate(series, expected)

    return Move(what, sign, rejudge, scale, unit)


def first_turn(turns: Callable[[float], bool], scale: float,
               unbounded: bool = True) -> float | None:
    """The smallest ``delta > 0`` found at which ``turns(delta)``, or None.

    With ``unbounded`` (the turned verdicts extend to every larger move: a PASS moved ever
    further keeps failing), the far end ``scale * GROW**MAX_STEPS`` is tried first and
    None returned at once if it does not turn.  Then ``scale`` grows (or shrinks) by
    :data:`GROW` until the answer changes, and a geometric bisection narrows it to a
    relative width :data:`RTOL`; the ``delta`` returned has ``turns(delta)`` true.
    Assumes ``turns`` changes once along ``delta > 0`` (up to the far end).

    Examples
    --------
    >>> d = first_turn(lambda d: d > 0.37, 1.0)
    >>> 0.37 < d <= 0.37 * 1.01
    True
    >>> first_turn(lambda d: False, 1.0) is None
    True

    A band of turned verdicts is found only when the search lands in it:

    >>> first_turn(lambda d: 0.5 < d < 0.6, 1.0, unbounded=False) is None
    True
    """
    far = scale * GROW**MAX_STEPS
    if unbounded and not turns(far):
        return None
    if turns(scale):
        hi = scale
        for _ in range(MAX_STEPS):
            lo = hi / GROW
            if not turns(lo):
                break
            hi = lo
        else:
            return hi
    else:
        lo = scale
        for _ in range(MAX_STEPS):
            hi = lo * GROW
            if (unbounded and hi >= far) or turns(hi):
                hi = min(hi, far)
                break
            lo = hi
        else:
            return None
    while hi > lo * (1.0 + RTOL):
        mid = float(np.sqrt(lo * hi))
        if turns(mid):
            hi = mid
        else:
            lo = mid
    return hi


def turned(verdict: Outcome, outcome: Outcome | None) -> bool:
    """Whether ``outcome`` turns ``verdict``: FAIL from anything else, not FAIL from FAIL
    (None, a re-judgement that raised, turns nothing).

    Examples
    --------
    >>> turned(Outcome.PASS, Outcome.FAIL), turned(Outcome.FAIL, Outcome.UNDECIDED)
    (True, True)
    >>> turned(Outcome.UNDECIDED, Outcome.PASS), turned(Outcome.FAIL, None)
    (False, False)
    """
    if outcome is None:
        return False
    failed = outcome is Outcome.FAIL
    return not failed if verdict is Outcome.FAIL else failed


def outcome_at(move: Move, delta: float) -> Outcome | None:
    """The verdict with the expectation moved by ``delta`` (None if re-judging raised one of
    :data:`REJUDGE_ERRORS`)."""
    with np.errstate(all="ignore"):
        try:
            return move.rejudge(delta).outcome
        except REJUDGE_ERRORS:
            return None


def shift_of(move: Move, verdict: Outcome) -> Shift | None:
    """The smallest move in ``move``'s direction that turns ``verdict``, or None."""
    delta = first_turn(lambda d: turned(verdict, outcome_at(move, d)), move.scale,
                       unbounded=verdict is not Outcome.FAIL)
    if delta is None:
        return None
    rel = delta / move.reference if move.reference else None
    return Shift(move.what, move.sign, float(delta), move.unit, rel, move.relative_to)


def moves_of(claim: Any, series: Any, expected: Mapping[str, float | None],
             result: ClaimResult) -> Moves:
    """The claim's :class:`Moves` (its ``resolution_moves`` method), or none and why."""
    declare = getattr(claim, "resolution_moves", None)
    if declare is None:
        return Moves((), f"{type(claim).__name__} declares no expectation to move "
                     "(no resolution_moves method)")
    return declare(series, expected, result)


def resolution_of(claim: Any, series: Any, expected: Mapping[str, float | None],
                  result: ClaimResult) -> Resolution:
    """The :class:`~verify.outcome.Resolution` of ``result``, the verdict of ``claim`` on
    ``series`` with the resolved ``expected`` values (see the module docstring)."""
    verdict = result.outcome
    with memoizing():
        moves = moves_of(claim, series, expected, result)
        shifts = [s for s in (shift_of(m, verdict) for m in moves.moves) if s is not None]
    turns_to = "not FAIL" if verdict is Outcome.FAIL else "FAIL"
    if shifts:
        return Resolution(verdict.value, turns_to, tuple(shifts))
    if not moves.moves:
        return Resolution.none(verdict.value, moves.reason or "no expectation to move")
    tried = ", ".join(f"{m.what} {'+' if m.sign > 0 else '-'}" for m in moves.moves)
    return Resolution.none(
        verdict.value, f"no move of the expectation ({tried}, up to "
        f"{GROW:g}^{MAX_STEPS} times its scale) turns the {verdict.value} to {turns_to}")


def signs(result: ClaimResult, toward: Sequence[int]) -> tuple[int, ...]:
    """The directions worth searching: ``toward`` the data for a verdict other than FAIL,
    the opposite ones for a FAIL (moving a bound away can never make it fail)."""
    if result.outcome is Outcome.FAIL:
        return tuple(-s for s in toward)
    return tuple(toward)
