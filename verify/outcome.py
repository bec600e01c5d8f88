"""The outcome vocabulary: one verdict per claim, each non-PASS with a reason.

Modelled on scikit-learn's expected-failed checks and cvxpy's status groups: a verdict
is only as good as the number that decided it, so every :class:`ClaimResult` carries
that number (``measured``), what it was compared with (``expected``) and the evidence.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any, Mapping

from verify.io import json_safe


class Outcome(str, Enum):
    """Verdict of one claim on one case.

    PASS       the evidence supports the claim.
    FAIL       the evidence contradicts it (a witness is in the reason).
    XFAIL      the literature says the claim fails here and the run saw it fail.
    UNDECIDED  the evidence cannot tell (run too short, solver or precision failure).
    SKIPPED    the data did not satisfy the theorem's assumptions (normal runs only).
    """

    PASS = "PASS"
    FAIL = "FAIL"
    XFAIL = "XFAIL"
    UNDECIDED = "UNDECIDED"
    SKIPPED = "SKIPPED"


@dataclass(frozen=True)
class ClaimResult:
    """The verdict of one claim with the evidence that decided it.

    Parameters
    ----------
    claim
        Name of the claim inside its theorem.
    kind
        ``Bound``, ``Limit``, ``Monotone``, ``Scaling`` or ``Eventually``.
    outcome
        The verdict.
    reason
        A sentence a person can act on, citing the deciding number. Empty only for PASS.
    measured
        The number the verdict rests on (extrapolated limit, worst bound ratio, slope...).
    expected
        What the theorem says it should be (a number, or a short text such as ``"finite"``).
    evidence
        JSON-serializable details (fit coefficients, witness checkpoint, window...).
    """

    claim: str
    kind: str
    outcome: Outcome
    reason: str
    measured: float | None = None
    expected: float | str | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.outcome is not Outcome.PASS and not self.reason:
            raise ValueError(f"a {self.outcome.value} result needs a reason (claim {self.claim!r})")
        object.__setattr__(self, "evidence", json_safe(dict(self.evidence)))

    def with_outcome(self, outcome: Outcome, reason: str) -> "ClaimResult":
        """Return a copy with another outcome and reason (used for XFAIL and SKIPPED)."""
        return replace(self, outcome=outcome, reason=reason)

    def to_row(self) -> dict[str, Any]:
        """The JSON fields of this result (without theorem and case)."""
        return {
            "claim": self.claim,
            "kind": self.kind,
            "outcome": self.outcome.value,
            "reason": self.reason,
            "measured": json_safe(self.measured),
            "expected": json_safe(self.expected),
            "evidence": dict(self.evidence),
        }


def undecided(claim: str, kind: str, reason: str, **evidence: Any) -> ClaimResult:
    """Shorthand for an UNDECIDED result."""
    return ClaimResult(claim, kind, Outcome.UNDECIDED, reason, evidence=evidence)
