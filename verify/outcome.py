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


#: ``Shift.relative_to`` of a move measured against the expected value it moves.
EXPECTED_VALUE = "expected value"


@dataclass(frozen=True)
class Shift:
    """The smallest move of one expectation, in one direction, that turns a verdict.

    Parameters
    ----------
    what
        What moves: an expected value of the claim (``limit``, ``upper``, ``lower``,
        ``exponent``, ``log T``, ``probability``) or a drift added to the claimed behaviour
        (``drift``, for claims with no expected value: see
        :mod:`verify.claims.resolution`).
    sign
        +1 (up) or -1 (down).
    absolute
        The size of the move (``>= 0``) at which the verdict turns, in ``unit``.
    unit
        Unit of ``absolute``: ``""`` (the quantity's own) or e.g. ``"per unit log t"``.
    relative
        ``absolute`` over the size named by ``relative_to`` (None when there is none or it is 0).
    relative_to
        What ``relative`` is measured against (e.g. ``"expected value"``).
    """

    what: str
    sign: int
    absolute: float
    unit: str = ""
    relative: float | None = None
    relative_to: str = ""

    def amount(self) -> str:
        """The signed move as text: in percent of the expected value when relative to it,
        else absolute with its unit (and the relative size in parentheses).

        Examples
        --------
        >>> Shift("limit", -1, 0.002, relative=0.0016, relative_to="expected value").amount()
        '-0.16%'
        >>> Shift("drift", 1, 0.012, unit="per unit log t").amount()
        '+0.012 per unit log t'
        >>> Shift("drift", -1, 3e-9, "per GD step", 0.5, "median |step|").amount()
        '-3e-09 per GD step (0.5 x median |step|)'
        """
        sign = "+" if self.sign > 0 else "-"
        if self.relative is not None and self.relative_to == EXPECTED_VALUE:
            return f"{sign}{100 * self.relative:.2g}%"
        unit = f" {self.unit}" if self.unit else ""
        rel = f" ({self.relative:.2g} x {self.relative_to})" if self.relative is not None else ""
        return f"{sign}{self.absolute:.2g}{unit}{rel}"


@dataclass(frozen=True)
class Resolution:
    """How far the claim's expectation could move before the same evidence turns its verdict.

    For a judged verdict other than FAIL, the smallest move of the expectation after which
    the claim, re-judged on the same series, would FAIL (``turns_to = "FAIL"``); for a FAIL,
    the smallest move after which it would no longer FAIL (``turns_to = "not FAIL"``).  One
    :class:`Shift` per direction in which the verdict turns; none (and a ``reason``) when no
    finite move turns it: the verdict does not depend on the claim's expectation, so it is
    not a verdict about it (a *diagnostic*).  Computed by
    :func:`verify.claims.resolution.resolution_of`.

    Parameters
    ----------
    verdict
        The judged verdict the resolution is of (before the suite's policy turns it into
        XFAIL or SKIPPED, and before a step check withholds it).
    turns_to
        ``"FAIL"`` or ``"not FAIL"``.
    shifts
        The smallest move in each direction that turns the verdict.
    reason
        Why there is no finite resolution (empty when there is one).
    method
        How it was found (``"bisection"``: re-judging with the expectation moved, see
        :func:`verify.claims.resolution.first_turn`).

    Examples
    --------
    >>> r = Resolution("PASS", "FAIL", (Shift("limit", -1, 0.003, "", 0.003, EXPECTED_VALUE),
    ...                                 Shift("limit", 1, 0.003, "", 0.003, EXPECTED_VALUE)))
    >>> r.finite, r.text()
    (True, 'would FAIL beyond limit ±0.3%')
    >>> Resolution.from_json(record_json(r)) == r
    True
    >>> Resolution("PASS", "FAIL", (), "no expected value to move").text()
    'no finite resolution: no expected value to move'
    """

    verdict: str
    turns_to: str
    shifts: tuple[Shift, ...] = ()
    reason: str = ""
    method: str = "bisection"

    @property
    def finite(self) -> bool:
        """Whether some finite move of the expectation turns the verdict."""
        return bool(self.shifts)

    def smallest(self) -> Shift | None:
        """The smallest shift (by ``relative`` when every shift has one, else ``absolute``)."""
        if not self.shifts:
            return None
        rel = all(s.relative is not None for s in self.shifts)
        return min(self.shifts, key=lambda s: s.relative if rel else s.absolute)

    def text(self) -> str:
        """One line for reports: ``would FAIL beyond limit -0.21%/+0.19%``."""
        if not self.shifts:
            return f"no finite resolution: {self.reason}" if self.reason else "no finite resolution"
        parts = []
        for what in dict.fromkeys(s.what for s in self.shifts):
            amounts = [s.amount() for s in self.shifts if s.what == what]
            if len(amounts) == 2 and amounts[0][1:] == amounts[1][1:]:
                amounts = ["±" + amounts[0][1:]]
            parts.append(f"{what} {'/'.join(amounts)}")
        verb = "would FAIL" if self.turns_to == "FAIL" else "would no longer FAIL"
        return f"{verb} beyond {'; '.join(parts)}"

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Resolution":
        """The resolution recorded in a row (:func:`record_json` of one)."""
        shifts = tuple(Shift(**{k: v for k, v in s.items()}) for s in data.get("shifts") or ())
        return cls(str(data.get("verdict", "")), str(data.get("turns_to", "")), shifts,
                   str(data.get("reason", "")), str(data.get("method", "")))

    @classmethod
    def none(cls, verdict: str, reason: str) -> "Resolution":
        """No finite resolution, and why."""
        turns = "not FAIL" if verdict == "FAIL" else "FAIL"
        return cls(verdict, turns, (), reason, "")


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
    resolution
        How far the claim's expectation could move before this evidence turns the verdict
        (:class:`Resolution`; None when it was not computed, e.g. a result built by hand).
    diagnostic
        The claim is a diagnostic: shown, but not a verdict (not counted in the totals or
        the exit code).

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
    resolution: Resolution | None = None
    diagnostic: bool = False

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

    def with_resolution(self, resolution: Resolution | None,
                        diagnostic: bool = False) -> "ClaimResult":
        """Return a copy with its resolution (and whether the claim is a diagnostic)."""
        return replace(self, resolution=resolution, diagnostic=diagnostic)

    def to_row(self) -> dict[str, Any]:
        """The JSON fields of this result (without theorem and case); ``diagnostic`` only
        when the claim is one."""
        row = {
            "claim": self.claim,
            "kind": self.kind,
            "outcome": self.outcome.value,
            "reason": self.reason,
            "measured": json_safe(self.measured),
            "expected": json_safe(self.expected),
            "evidence": self.evidence.to_json(),
            "resolution": None if self.resolution is None else record_json(self.resolution),
        }
        if self.diagnostic:
            row["diagnostic"] = True
        return row


def undecided(claim: str, kind: str, reason: str,
              evidence: Evidence | None = None) -> ClaimResult:
    """Shorthand for an UNDECIDED result (with no evidence unless given)."""
    return ClaimResult(claim, kind, Outcome.UNDECIDED, reason, evidence=evidence or Evidence())
