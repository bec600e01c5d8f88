"""``Bound``: an explicit two-sided (or one-sided) bound at every checkpoint."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping

import numpy as np

from verify.claims.base import Claim, ExpectedSpec, Series
from verify.claims.evidence import BoundCheckpoint, BoundEvidence
from verify.claims.guards import Scalar, expected_value, nonfinite_result, short_result
from verify.claims.resolution import Moves, natural_scale, signs, value_move
from verify.outcome import ClaimResult, Outcome, undecided


@dataclass(frozen=True)
class Bound(Claim):
    r"""The quantity stays within explicit bounds: :math:`\ell \le q(t) \le u` for every
    checkpoint with :math:`\log t \ge` ``after_log_t``.

    Parameters
    ----------
    upper, lower
        The bounds :math:`u`, :math:`\ell` (numbers or :class:`~verify.claims.base.Expected`);
        at least one is required.  A bound that depends on time is expressed by bounding
        the ratio :math:`q(t)/B(t)` by 1.
    after_log_t
        Only checkpoints with ``log_t >= after_log_t`` are checked (None: all).
    rtol
        Relative slack the theorem's statement allows: the allowed excess is
        :math:`\mathrm{rtol}\,|B|`.

    Notes
    -----
    With :math:`f_i` the precision floor of the value :math:`q_i` (from its audited digits)
    and :math:`\delta_i = q_i - u` (or :math:`\ell - q_i`) the excess, checkpoint :math:`i`

    * violates the bound if :math:`\delta_i - f_i > \mathrm{rtol}|B|` (even the most
      favourable value within the precision floor is out);
    * satisfies it if :math:`\delta_i \le \mathrm{rtol}|B|` (the recorded value, our best
      estimate, is in);
    * is undecidable at this precision otherwise (recorded out, but within :math:`f_i`).

    FAIL if any checkpoint certainly violates (witness: the worst one, i.e. the largest
    :math:`\delta_i - \mathrm{rtol}|B| - f_i`); such a witness is a counterexample even if
    other checkpoints are NaN.  Otherwise NaN in the window or fewer than 5 checkpoints
    give UNDECIDED, an undecidable checkpoint gives UNDECIDED ("only X audited digits"),
    and else PASS with the closest approach (smallest slack) as evidence.

    Examples
    --------
    >>> s = Series("q", np.linspace(0.0, 5.0, 20), 1.0 - np.exp(-np.linspace(0.0, 5.0, 20)))
    >>> Bound("b", "q", upper=1.0).evaluate(s, {}).outcome.value
    'PASS'
    """

    upper: ExpectedSpec = None
    lower: ExpectedSpec = None
    after_log_t: float | None = None
    rtol: float = 0.0

    def __post_init__(self) -> None:
        if self.upper is None and self.lower is None:
            raise ValueError(f"Bound {self.name!r}: give upper=, lower= or both")
        if not self.rtol >= 0.0:
            raise ValueError(f"Bound {self.name!r}: rtol={self.rtol} must be >= 0")

    def expected_specs(self) -> Mapping[str, ExpectedSpec]:
        """The bounds, resolved by the runner."""
        return {"upper": self.upper, "lower": self.lower}

    def evaluate(self, series: Series, expected: Mapping[str, float | None]) -> ClaimResult:
        """Check every checkpoint against the bounds (see Notes of the class)."""
        up = expected_value(expected, "upper", self.upper)
        lo = expected_value(expected, "lower", self.lower)
        for side, b in (("upper", up), ("lower", lo)):
            if b is not None and not np.isfinite(b):
                return undecided(self.name, self.kind, f"the {side} bound resolved to {b}",
                                 Scalar(side, b))
        win = series if self.after_log_t is None else series.after(self.after_log_t)
        ok = np.isfinite(win.values)
        lt, v = win.log_t[ok], win.values[ok]
        floor = np.array([series.precision_floor(x) for x in v])
        # Per checkpoint: the margin by which it exceeds the allowed edge, per side.
        cands = []
        for side, b, sign in (("upper", up, 1.0), ("lower", lo, -1.0)):
            if b is not None:
                excess = sign * (v - b)
                cands.append((side, b, excess, excess - self.rtol * abs(b)))
        window = (float(win.log_t.min()), float(win.log_t.max())) if win.log_t.size else ()
        base = BoundEvidence(window_log_t=window, n_checked=int(v.size), rtol=self.rtol,
                             upper=up, lower=lo, digits=series.trusted_digits)
        if v.size:
            worst = self._worst(cands, lt, v, floor, certain=True)
            if worst.beyond_allowed > 0:
                n_viol = sum(int((c[3] - floor > 0).sum()) for c in cands)
                return self._fail(worst, n_viol, base, int((~ok).sum()))
        bad = nonfinite_result(self, series, win.values)
        if bad is not None:
            return bad
        short = short_result(self, series, int(v.size), "the checked range", context=base)
        if short is not None:
            return short
        worst = self._worst(cands, lt, v, floor, certain=False)
        evidence = replace(base, closest=worst)
        if worst.beyond_allowed > 0:
            return ClaimResult(
                self.name, self.kind, Outcome.UNDECIDED,
                f"only {series.trusted_digits:g} audited digits: {series.name} = "
                f"{worst.value:.6g} at log t = {worst.log_t:.4g} is past the {worst.side} "
                f"bound {worst.bound:.6g} by {worst.excess:.3g} (allowed "
                f"{worst.allowed:.3g}), but within its precision floor "
                f"{worst.precision_floor:.3g}",
                measured=worst.value, expected=worst.bound, evidence=evidence,
            )
        return ClaimResult(self.name, self.kind, Outcome.PASS, "", measured=worst.value,
                           expected=worst.bound, evidence=evidence)

    def _worst(self, cands: list, lt: np.ndarray, v: np.ndarray, floor: np.ndarray,
               certain: bool) -> BoundCheckpoint:
        """The checkpoint nearest to (or farthest past) the allowed edge.

        ``beyond_allowed`` is ``excess - allowed - floor`` (violation when > 0) if
        ``certain``, else ``excess - allowed`` (recorded value outside when > 0).
        """
        best = None
        for side, b, excess, over in cands:
            score = over - floor if certain else over
            i = int(np.argmax(score))
            if best is None or score[i] > best.beyond_allowed:
                best = BoundCheckpoint(
                    side=side, bound=b, log_t=float(lt[i]), value=float(v[i]),
                    excess=float(excess[i]), allowed=self.rtol * abs(b),
                    precision_floor=float(floor[i]), slack=float(-excess[i]),
                    beyond_allowed=float(score[i]))
        return best

    def _fail(self, w: BoundCheckpoint, n_viol: int, base: BoundEvidence,
              n_nan: int) -> ClaimResult:
        """FAIL with the worst checkpoint as witness."""
        verb = "exceeds the upper" if w.side == "upper" else "falls below the lower"
        nan = f"; {n_nan} checkpoints were not finite" if n_nan else ""
        reason = (
            f"{self.quantity} = {w.value:.6g} at log t = {w.log_t:.4g} {verb} bound "
            f"{w.bound:.6g} by {w.excess:.3g} (allowed {w.allowed:.3g} + precision "
            f"floor {w.precision_floor:.3g}); {n_viol} of {base.n_checked} checkpoints "
            f"violate{nan}"
        )
        return ClaimResult(self.name, self.kind, Outcome.FAIL, reason, measured=w.value,
                           expected=w.bound,
                           evidence=replace(base, witness=w, n_violations=n_viol,
                                            n_nonfinite=n_nan))

    def resolution_moves(self, series: Series, expected: Mapping[str, float | None],
                         result: ClaimResult) -> Moves:
        """What the resolution moves (:mod:`verify.claims.resolution`): each bound toward
        the data (upper down, lower up), or away from it for a FAIL."""
        ev = result.evidence
        near = getattr(ev, "witness", None) or getattr(ev, "closest", None)
        moves = []
        for key, spec, toward in (("upper", self.upper, -1), ("lower", self.lower, 1)):
            b = expected_value(expected, key, spec)
            if b is None or not np.isfinite(b):
                continue
            scale = natural_scale(None if near is None else abs(near.slack),
                                  fallback=max(abs(b) * 1e-2, 1e-12))
            moves += [value_move(self, series, {**expected, key: b}, key, sign, scale)
                      for sign in signs(result, (toward,))]
        return Moves(tuple(moves), "no finite bound to move")
