"""The verdicts that changed between two runs, and why.

Rows of two results documents A and B are matched by ``(theorem, case label, claim)``.
:func:`compare` lists the matched rows whose outcome differs, with B's reason (the
claim's own, else the sentence from the evidence, :func:`verify.report.reasons.reason_of`)
and the measured and expected values of both runs, and the rows found in only one of
them.  Nothing is recomputed.

Examples
--------
>>> row = {"theorem": "t", "case": "c", "claim": "a", "outcome": "PASS", "reason": "",
...        "measured": 0.18, "expected": 0.2}
>>> b = {**row, "outcome": "FAIL", "reason": "0.21 is above 0.2", "measured": 0.21}
>>> d = compare({"rows": [row]}, {"rows": [b]})
>>> print(d.lines()[0])
t c a: PASS -> FAIL; measured 0.18 -> 0.21, expected 0.2 -> 0.2; why: 0.21 is above 0.2
>>> compare({"rows": [row]}, {"rows": [row]}).changed
False
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from verify.report.format import fmt
from verify.report.reasons import reason_of

__all__ = ["Change", "Diff", "compare"]

#: How a row is matched between two runs.
Key = tuple[str, str, str]


@dataclass(frozen=True)
class Change:
    """One matched row whose verdict differs: the key, both rows' outcome, measured and
    expected values, and B's reason."""

    key: Key
    outcome_a: str
    outcome_b: str
    measured_a: Any
    measured_b: Any
    expected_a: Any
    expected_b: Any
    why: str

    def line(self) -> str:
        """``theorem case claim: A -> B; measured a -> b, expected a -> b; why: ...``."""
        why = self.why or "no reason recorded"
        return (f"{' '.join(self.key)}: {self.outcome_a} -> {self.outcome_b}; measured "
                f"{fmt(self.measured_a)} -> {fmt(self.measured_b)}, expected {fmt(self.expected_a)}"
                f" -> {fmt(self.expected_b)}; why: {why}")


@dataclass(frozen=True)
class Diff:
    """Changed verdicts, then the rows of only one run (with their outcome), and the number
    of matched rows."""

    changes: tuple[Change, ...]
    only_a: tuple[tuple[Key, str], ...]
    only_b: tuple[tuple[Key, str], ...]
    compared: int

    @property
    def changed(self) -> bool:
        """Whether a verdict changed or a row is in only one run."""
        return bool(self.changes or self.only_a or self.only_b)

    def lines(self) -> list[str]:
        """The report: one line per change, per row of one run only, and a summary line."""
        out = [c.line() for c in self.changes]
        out += [f"only in A: {' '.join(k)} ({o})" for k, o in self.only_a]
        out += [f"only in B: {' '.join(k)} ({o})" for k, o in self.only_b]
        out.append(f"{len(self.changes)} verdict(s) changed, {len(self.only_a)} row(s) only in A, "
                   f"{len(self.only_b)} only in B; {self.compared} row(s) matched"
                   if self.changed else f"no verdict changed ({self.compared} row(s) matched)")
        return out


def _index(results: Mapping[str, Any]) -> dict[Key, Mapping[str, Any]]:
    """Rows by key, in file order (the first of duplicate keys)."""
    out: dict[Key, Mapping[str, Any]] = {}
    for r in results.get("rows") or []:
        if isinstance(r, Mapping):
            out.setdefault((str(r.get("theorem", "")), str(r.get("case", "")),
                            str(r.get("claim", ""))), r)
    return out


def compare(a: Mapping[str, Any], b: Mapping[str, Any]) -> Diff:
    """The verdicts that changed from run ``a`` to run ``b`` (parsed results.json).

    Parameters
    ----------
    a, b
        The two results documents (A the earlier or reference run).

    Returns
    -------
    Diff
        Changes in A's row order, then the rows of only A, of only B.
    """
    rows_a, rows_b = _index(a), _index(b)
    changes = tuple(
        Change(k, str(ra.get("outcome")), str(rb.get("outcome")), ra.get("measured"),
               rb.get("measured"), ra.get("expected"), rb.get("expected"), reason_of(rb))
        for k, ra in rows_a.items() for rb in [rows_b.get(k)]
        if rb is not None and ra.get("outcome") != rb.get("outcome"))
    only_a = tuple((k, str(r.get("outcome"))) for k, r in rows_a.items() if k not in rows_b)
    only_b = tuple((k, str(r.get("outcome"))) for k, r in rows_b.items() if k not in rows_a)
    return Diff(changes, only_a, only_b, sum(k in rows_b for k in rows_a))
