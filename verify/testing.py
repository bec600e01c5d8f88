"""Conformance checks applied to every registered theorem (docs/design.md, convention 10).

Like scikit-learn's ``parametrize_with_checks``: each check is a function of a
:class:`~verify.spec.theorem.Theorem`; :func:`checks` yields them so a test suite can
parametrize over (theorem, check) pairs.

The last check, :func:`check_mutation`, is the mutation conformance of every claim: on
the evidence of a quick run, each claim's expectation moved past its resolution must turn
the verdict (see :mod:`verify.claims.resolution`).  :func:`quick_evidence` and
:func:`mutation_report` are its two halves, for a test suite that shares one quick run per
theorem between checks.

Examples
--------
>>> [c.__name__ for c in checks()][:2]
['check_documented', 'check_cited']
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping

from verify.claims.memo import memoizing
from verify.claims.resolution import moves_of, outcome_at, turned
from verify.engine.case import run_case
from verify.engine.judge import Judgement, recording
from verify.io import dumps
from verify.outcome import Outcome, Resolution, Shift
from verify.spec.cases import Case, profile_cases
from verify.spec.theorem import Theorem

#: How far past its resolution the mutation check moves an expectation (a factor).
PAST = 1.05

#: Row outcomes that are verdicts: a claim ending so must have a finite resolution.
DECISIVE = ("PASS", "FAIL", "XFAIL")


def check_documented(thm: Theorem) -> None:
    """Statement, formalization, and a LaTeX statement for every claim."""
    assert thm.statement.strip(), f"{thm.id}: empty statement"
    assert len(thm.formalization.strip()) > 100, f"{thm.id}: formalization (module docstring) too short"
    for c in thm.claims:
        assert c.statement.strip(), f"{thm.id}: claim {c.name} has no statement"
    for name, q in thm.quantities.items():
        assert q.label.strip(), f"{thm.id}: quantity {name} has no label"


def check_cited(thm: Theorem) -> None:
    """Authors, title, venue, year and where in the paper."""
    c = thm.citation
    assert c.authors and c.title and c.venue and c.year > 1900, f"{thm.id}: incomplete citation"
    assert c.where, f"{thm.id}: citation does not say which theorem (or that it is our reading)"


def check_has_assumptions_and_claims(thm: Theorem) -> None:
    """At least one assumption and one claim; expected failures name real claims."""
    assert thm.assumptions, f"{thm.id}: no assumption"
    assert thm.claims, f"{thm.id}: no claim"
    names = {c.name for c in thm.claims}
    assert set(thm.expected_failures) <= names, f"{thm.id}: expected failure of unknown claim"


def check_profiles(thm: Theorem) -> None:
    """quick, default and full profiles exist and validate."""
    for profile in ("quick", "default", "full"):
        assert profile_cases(thm, profile), f"{thm.id}: profile {profile} has no case"


def short_sweeps(thm: Theorem, values: int = 2, seeds: int = 1) -> Theorem:
    """``thm`` with every sweep cut to its first ``values`` values and at most ``seeds``
    seeds (same code path, less evidence)."""
    def cut(c):
        sw = getattr(c, "sweep", None)
        return c if sw is None else dataclasses.replace(
            c, sweep=dataclasses.replace(sw, values=sw.values[:values], seeds=min(sw.seeds, seeds)))
    return dataclasses.replace(thm, claims=tuple(cut(c) for c in thm.claims))


def reproducible_part(record: Mapping[str, Any]) -> str:
    """The part of a case's record that must repeat bit for bit (rows, series, assumptions,
    audit; timings aside), as canonical JSON."""
    res = json.loads(dumps(record))
    return json.dumps([res["rows"], res["series"], res["assumptions"], res["audit"]], sort_keys=True)


def check_quick_reproducible(thm: Theorem) -> None:
    """The first quick case gives identical rows twice (bit for bit, timings aside); sweeps
    are cut short (:func:`short_sweeps`) and recomputed each time (each run_case call owns
    its sweep runs)."""
    case = profile_cases(thm, "quick")[0]
    thm = short_sweeps(thm)
    first = reproducible_part(run_case(thm, case))
    assert first == reproducible_part(run_case(thm, case)), (
        f"{thm.id}: quick case {case.label} is not reproducible")


@dataclass(frozen=True)
class QuickRun:
    """One quick case run, with every :class:`~verify.engine.judge.Judgement` it made (the
    series and expected values each claim was judged on) and its record."""

    case: Case
    record: Mapping[str, Any]
    judgements: tuple[Judgement, ...]


def quick_evidence(thm: Theorem, case: Case | None = None) -> QuickRun:
    """Run ``case`` (default: the first quick case of ``thm``, sweeps in full) and keep the
    evidence its claims were judged on."""
    case = case if case is not None else profile_cases(thm, "quick")[0]
    with recording() as log:
        record = run_case(thm, case)
    return QuickRun(case, record, tuple(log))


@dataclass(frozen=True)
class MutationReport:
    """What the mutation check found on one quick run.

    ``checked`` lists each move made (claim, verdict, the move); ``failures`` the moves
    that did not behave (a fatal finding); ``unresolved`` the claims whose row is a verdict
    (PASS, FAIL, XFAIL) without a finite resolution that are not declared diagnostics;
    ``not_checked`` the others without one (SKIPPED, UNDECIDED, diagnostics), with why.
    """

    theorem: str
    case: str
    checked: tuple[str, ...]
    failures: tuple[str, ...]
    unresolved: tuple[str, ...]
    not_checked: tuple[str, ...]


def _mutate(j: Judgement, shift: Shift) -> list[str]:
    """The problems of one shift of one judgement: the verdict must come back unmoved, stay
    at half the shift, and turn when moved by it; a verdict other than FAIL must FAIL moved
    :data:`PAST` it (a FAIL moved toward the data and well beyond fails again on the
    other side, so it is moved by its resolution exactly)."""
    verdict = j.result.outcome
    moves = [m for m in moves_of(j.claim, j.series, j.expected, j.result).moves
             if m.what == shift.what and m.sign == shift.sign]
    where = f"{j.claim.name} ({verdict.value}, {shift.what} {shift.amount()})"
    if not moves:
        return [f"{where}: the claim no longer declares this move"]
    move, out = moves[0], []
    again = outcome_at(move, 0.0)
    if again is not verdict:
        out.append(f"{where}: re-judging the recorded evidence gives "
                   f"{None if again is None else again.value}, not {verdict.value}")
    if turned(verdict, outcome_at(move, shift.absolute / 2)):
        out.append(f"{where}: already turns at half the resolution (not the smallest move)")
    factor = 1.0 if verdict is Outcome.FAIL else PAST
    past = outcome_at(move, shift.absolute * factor)
    if not turned(verdict, past):
        want = "FAIL" if verdict is not Outcome.FAIL else "not FAIL"
        out.append(f"{where}: moved {factor:g} x its resolution it is "
                   f"{None if past is None else past.value}, not {want}")
    return out


def mutation_report(thm: Theorem, run: QuickRun) -> MutationReport:
    """Move each claim's expectation past its resolution on ``run``'s evidence (re-judging
    only) and sort the claims into checked, failed, unresolved and not checked."""
    checked, failures = [], []
    for j in run.judgements:
        res = j.result.resolution
        with memoizing():  # the fits that do not depend on the moved value, once per claim
            for shift in res.shifts if res is not None else ():
                checked.append(f"{j.claim.name} ({j.result.outcome.value}): {shift.what} "
                               f"{shift.amount()}")
                failures += _mutate(j, shift)
    unresolved, not_checked = [], []
    for row in run.record["rows"]:
        res = Resolution.from_json(row["resolution"]) if row.get("resolution") else None
        if res is not None and res.finite:
            continue
        why = f"{row['claim']} ({row['outcome']}): {res.text() if res else 'no resolution'}"
        if row.get("diagnostic"):
            not_checked.append(f"{why} [diagnostic]")
        elif row["outcome"] in DECISIVE:
            unresolved.append(why)
        else:
            not_checked.append(why)
    return MutationReport(thm.id, run.case.label, tuple(checked), tuple(failures),
                          tuple(unresolved), tuple(not_checked))


def check_mutation(thm: Theorem) -> None:
    """Mutation conformance: on the first quick case, every claim's expectation moved past
    its resolution turns the verdict (FAIL, or not FAIL for a FAIL), and every claim whose
    verdict is PASS, FAIL or XFAIL has a finite resolution unless declared a diagnostic
    (``diagnostic=True``).  SKIPPED and UNDECIDED claims are not required to have one."""
    report = mutation_report(thm, quick_evidence(thm))
    assert not report.failures, f"{thm.id}: mutations misbehave: {list(report.failures)}"
    assert not report.unresolved, (
        f"{thm.id}: verdicts without a finite resolution (make the claim able to FAIL, or "
        f"declare it diagnostic=True): {list(report.unresolved)}")


def checks() -> Iterator[Callable[[Theorem], None]]:
    """Every conformance check, cheap ones first."""
    yield check_documented
    yield check_cited
    yield check_has_assumptions_and_claims
    yield check_profiles
    yield check_quick_reproducible
    yield check_mutation
