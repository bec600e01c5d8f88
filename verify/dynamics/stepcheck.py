"""The step-halving check of gradient-flow statements (docs/design.md, Precision).

A theorem about gradient flow is checked with small-step GD; the verdict counts only if
it does not depend on the step.  The case is rerun with step ``eta/2`` for twice the
steps (the same horizon in ``t = sum eta``), every claim is judged again, and a verdict
that changes is withheld: PASS (or FAIL) at ``eta`` with another outcome at ``eta/2``
becomes UNDECIDED, naming both.  Each row records the half-step outcome as evidence.

Dynamics layer, used by the engine's judging stage (:func:`verify.engine.judge.step_checked`;
the rerun itself is in :mod:`verify.engine.case`).
"""
from __future__ import annotations

from typing import Mapping

from verify.outcome import ClaimResult, Outcome

#: Outcomes a step change must not alter.
DECISIVE = frozenset({Outcome.PASS, Outcome.FAIL})


def half_step_params(params: Mapping) -> dict:
    """``eta/2`` and ``2 x steps`` (same horizon ``t = sum eta``), the rest unchanged; the
    rerun does not check itself again (``step_check`` off).

    Examples
    --------
    >>> half_step_params({"eta": 0.5, "steps": 100, "step_check": True, "n": 8})
    {'eta': 0.25, 'steps': 200, 'step_check': False, 'n': 8}
    """
    return dict(params) | {"eta": params["eta"] / 2.0, "steps": 2 * params["steps"],
                           "step_check": False}


def compare(result: ClaimResult, half: ClaimResult | None) -> ClaimResult:
    """``result`` with the half-step outcome as evidence, withheld if the verdict moved.

    Examples
    --------
    >>> a = ClaimResult("c", "Limit", Outcome.PASS, "", 1.0, 1.0)
    >>> compare(a, ClaimResult("c", "Limit", Outcome.UNDECIDED, "short", 1.0, 1.0)).outcome.value
    'UNDECIDED'
    >>> compare(a, a).outcome.value
    'PASS'
    """
    if half is None:
        return result
    out = result.with_evidence(half_step={
        "outcome": half.outcome.value, "measured": half.measured, "reason": half.reason})
    if result.outcome in DECISIVE and half.outcome is not result.outcome:
        why = f": {half.reason}" if half.reason else ""
        return out.with_outcome(
            Outcome.UNDECIDED, f"verdict depends on the step: {result.outcome.value} at eta, "
            f"{half.outcome.value} at eta/2{why}")
    return out
