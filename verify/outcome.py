"""The outcome vocabulary: one verdict per claim, each non-PASS with a reason and its evidence.

Modelled on scikit-learn's expected-failed checks and cvxpy's status groups: a verdict
is only as good as the number that decided it, so every :class:`ClaimResult` carries
that number (``measured``), what it was compared with (``expected``) and the
:class:`Evidence` it rests on: a frozen dataclass per claim kind (see
:mod:`verify.claims.evidence`) whose :meth:`Evidence.to_json` is the ``evidence`` object of
the claim's row in results.json.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass, replace
from enum import Enum
from typing import Any, Mapping, TypeVar

from verify.io import json_safe

#: Field metadata of an evidence field recorded only on some paths: left out of the JSON when None.
OPTIONAL = {"optional": True}

#: Field metadata of an :class:`Evidence`-valued field whose keys are recorded in place, not
#: nested (the kind's evidence a screen carries along); nothing is recorded while None.
INLINE = {"inline": True}

_E = TypeVar("_E", bound="Evidence")


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


def optional(default: Any = None) -> Any:
    """A dataclass field recorded only on some paths (JSON: absent while None)."""
    return field(default=default, metadata=OPTIONAL)


def _fields_json(obj: Any) -> dict[str, Any]:
    """The JSON of a dataclass's fields in order (:data:`OPTIONAL`, :data:`INLINE` applied)."""
    out: dict[str, Any] = {}
    for f in fields(obj):
        value = getattr(obj, f.name)
        if f.metadata.get("inline"):
            out.update(value.to_json() if value is not None else {})
        elif not (f.metadata.get("optional") and value is None):
            out[f.name] = record_json(value)
    return out


def record_json(value: Any) -> Any:
    """The JSON form of an evidence value: dataclasses as dicts of their fields, in order.

    A field marked :data:`OPTIONAL` is left out while None; nested dataclasses, lists and
    tuples are converted recursively; numpy values and non-finite floats by
    :func:`verify.io.json_safe`.  An :class:`Evidence` contributes its :meth:`Evidence.to_json`.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Point:
    ...     x: float
    ...     note: str | None = optional()
    >>> record_json([Point(float("nan")), Point(1.0, "late")])
    [{'x': 'nan'}, {'x': 1.0, 'note': 'late'}]
    """
    if isinstance(value, Evidence):
        return value.to_json()
    if is_dataclass(value) and not isinstance(value, type):
        return json_safe(_fields_json(value))
    if isinstance(value, (list, tuple)):
        return [record_json(v) for v in value]
    return json_safe(value)


@dataclass(frozen=True, kw_only=True)
class Evidence:
    """The numbers a verdict rests on; the base of every claim kind's evidence.

    Subclasses declare typed fields named as their keys in results.json (a field marked
    :data:`OPTIONAL` is recorded only on some paths, one marked :data:`INLINE` contributes
    the keys of the evidence it holds).  An ``Evidence()`` of the base class
    records nothing (a result decided before any number was computed).

    Parameters
    ----------
    extra
        Keys added after the claim judged, by whoever ran it (the engine's sweep points,
        ``x_label``, ``seeds`` and ``sweep_runs``; the half-step outcome of a step check),
        merged last into :meth:`to_json`.  Add them with :meth:`with_extra` (or
        :meth:`ClaimResult.with_evidence`).

    Examples
    --------
    >>> Evidence().to_json()
    {}
    >>> Evidence().with_extra(seeds=(0, 1)).with_extra(x_label="m").to_json()
    {'seeds': [0, 1], 'x_label': 'm'}
    """

    extra: Mapping[str, Any] = field(default_factory=dict)

    def fields_json(self) -> dict[str, Any]:
        """The JSON of the declared fields, in order, without ``extra``."""
        out = _fields_json(self)
        del out["extra"]
        return out

    def to_json(self) -> dict[str, Any]:
        """The ``evidence`` object of the row: :meth:`fields_json`, then ``extra`` (JSON-safe)."""
        return json_safe(self.fields_json() | dict(self.extra))

    def with_extra(self: _E, **extra: Any) -> _E:
        """A copy with ``extra`` keys added (later keys replace earlier ones)."""
        return replace(self, extra={**self.extra, **extra})


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
        The claim kind's :class:`Evidence` (fit coefficients, witness checkpoint, window...).

    Examples
    --------
    >>> r = ClaimResult("c", "Limit", Outcome.PASS, "", 1.0, 1.0)
    >>> r.with_evidence(seeds=[0]).to_row()["evidence"]
    {'seeds': [0]}
    """

    claim: str
    kind: str
    outcome: Outcome
    reason: str
    measured: float | None = None
    expected: float | str | None = None
    evidence: Evidence = field(default_factory=Evidence)

    def __post_init__(self) -> None:
        if self.outcome is not Outcome.PASS and not self.reason:
            raise ValueError(f"a {self.outcome.value} result needs a reason (claim {self.claim!r})")
        if not isinstance(self.evidence, Evidence):
            raise TypeError(f"evidence of claim {self.claim!r} must be an Evidence, "
                            f"not {type(self.evidence).__name__}")

    def with_outcome(self, outcome: Outcome, reason: str) -> "ClaimResult":
        """Return a copy with another outcome and reason (used for XFAIL and SKIPPED)."""
        return replace(self, outcome=outcome, reason=reason)

    def with_evidence(self, **extra: Any) -> "ClaimResult":
        """Return a copy whose evidence has ``extra`` keys added (:meth:`Evidence.with_extra`)."""
        return replace(self, evidence=self.evidence.with_extra(**extra))

    def to_row(self) -> dict[str, Any]:
        """The JSON fields of this result (without theorem and case)."""
        return {
            "claim": self.claim,
            "kind": self.kind,
            "outcome": self.outcome.value,
            "reason": self.reason,
            "measured": json_safe(self.measured),
            "expected": json_safe(self.expected),
            "evidence": self.evidence.to_json(),
        }


def undecided(claim: str, kind: str, reason: str,
              evidence: Evidence | None = None) -> ClaimResult:
    """Shorthand for an UNDECIDED result (with no evidence unless given)."""
    return ClaimResult(claim, kind, Outcome.UNDECIDED, reason, evidence=evidence or Evidence())
