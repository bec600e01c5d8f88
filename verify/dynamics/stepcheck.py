"""Rerun checks: a verdict that moves under a change that must not matter is withheld.

Two changes are checked (docs/design.md, Precision):

- **Half step** (``step_check``).
A theorem about gradient flow is checked with small-step GD; the
  verdict counts only if it does not depend on the step.  The case is rerun with step ``eta/2`` for twice the
steps (the same horizon in ``t = sum eta``), every claim is judged again, and a verdict
that changes is withheld: PASS (or FAIL) at ``eta`` with another outcome at ``eta/2``
becomes UNDECIDED, naming both.  Each row records the half-step outcome as evidence.
- **Last bits** (``perturb_check``).  A trajectory that crosses ReLU kinks can be chaotic at
  the bit level: another BLAS kernel (another CPU) sums in another order, and a quantity
  moves by far more than the rounding (a kink crossed or not).  A verdict must not rest on
  one such trajectory.  The case is rerun on its features and from its initialization with
  every nonzero entry moved by at most :data:`ULPS` units in the last place
  (:func:`perturbed_data`, :func:`perturbed_init`; a fixed pattern, so the check is itself
  reproducible), and a verdict that changes is withheld the same way, both outcomes in the
  evidence (``perturbed``).  The targets are those of the unperturbed data.

Dynamics layer, used by the engine's judging stage (:func:`verify.engine.judge.step_checked`;
the rerun itself is in :mod:`verify.engine.case`).
"""
from __future__ import annotations

from typing import Mapping

import dataclasses

import numpy as np

from verify.outcome import ClaimResult, Outcome
from verify.problem.data import Dataset

#: Outcomes a step change must not alter.
DECISIVE = frozenset({Outcome.PASS, Outcome.FAIL})

#: Largest move of an initial entry, in units in the last place, of the last-bits check.
ULPS = 4


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


def ulp_moved(a: np.ndarray, ulps: int = ULPS) -> np.ndarray:
    """``a`` with entry ``i`` (in C order) moved by ``k_i`` units in its last place, ``k_i``
    cycling through ``1, -2, 3, -4, ...`` up to ``ulps`` (a fixed pattern, no random stream;
    zeros stay zero: a zero initialization is exact in every arithmetic).

    Examples
    --------
    >>> a = np.array([1.0, 1.0, -2.0, 0.0])
    >>> ((ulp_moved(a) - a) / np.spacing(a)).tolist()
    [1.0, -2.0, 3.0, 0.0]
    """
    a = np.asarray(a, dtype=float)
    i = np.arange(a.size)
    k = (i % ulps + 1.0) * np.where(i % 2 == 0, 1.0, -1.0)
    return np.where(a == 0.0, a, a + k.reshape(a.shape) * np.spacing(a))


def perturbed_init(params0: Mapping[str, np.ndarray], ulps: int = ULPS) -> dict[str, np.ndarray]:
    """Every array of ``params0`` moved by :func:`ulp_moved`."""
    return {name: ulp_moved(a, ulps) for name, a in params0.items()}


def perturbed_data(data: Dataset, ulps: int = ULPS) -> Dataset:
    """``data`` with its features ``X`` moved by :func:`ulp_moved` (labels unchanged)."""
    return dataclasses.replace(data, X=ulp_moved(data.X, ulps))


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
    return _withheld(result, half, "half_step", "the step", "at eta", "at eta/2")


def compare_perturbed(result: ClaimResult, moved: ClaimResult | None) -> ClaimResult:
    """``result`` with the outcome from the perturbed initialization as evidence, withheld if
    the verdict moved.

    Examples
    --------
    >>> a = ClaimResult("c", "Limit", Outcome.PASS, "", 0.90, 0.9)
    >>> b = ClaimResult("c", "Limit", Outcome.FAIL, "ratio 0.886 < 0.9", 0.886, 0.9)
    >>> r = compare_perturbed(a, b)
    >>> r.outcome.value, r.evidence.extra["perturbed"]["measured"]
    ('UNDECIDED', 0.886)
    """
    return _withheld(result, moved, "perturbed", "the last bits of the data and initialization",
                     "unperturbed", f"with X and theta_0 moved by <= {ULPS} ulps")


def _withheld(result: ClaimResult, other: ClaimResult | None, key: str, what: str,
              this: str, that: str) -> ClaimResult:
    """``result`` with ``other`` (the rerun's result) under ``evidence[key]``; a decisive
    verdict that ``other`` does not share becomes UNDECIDED, naming both."""
    if other is None:
        return result
    out = result.with_evidence(**{key: {
        "outcome": other.outcome.value, "measured": other.measured, "reason": other.reason}})
    if result.outcome in DECISIVE and other.outcome is not result.outcome:
        why = f": {other.reason}" if other.reason else ""
        return out.with_outcome(
            Outcome.UNDECIDED, f"verdict depends on {what}: {result.outcome.value} {this}, "
            f"{other.outcome.value} {that}{why}")
    return out
