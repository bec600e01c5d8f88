"""Conformance checks applied to every registered theorem (docs/design.md, convention 10).

Like scikit-learn's ``parametrize_with_checks``: each check is a function of a
:class:`~verify.spec.theorem.Theorem`; :func:`checks` yields them so a test suite can
parametrize over (theorem, check) pairs.

Examples
--------
>>> [c.__name__ for c in checks()][:2]
['check_documented', 'check_cited']
"""
from __future__ import annotations

import dataclasses
import json
from typing import Callable, Iterator

from verify.engine.case import run_case
from verify.io import dumps
from verify.spec.cases import profile_cases
from verify.spec.theorem import Theorem


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


def _short_sweeps(thm: Theorem) -> Theorem:
    """``thm`` with every sweep cut to its first two values and one seed (same code path)."""
    def cut(c):
        sw = getattr(c, "sweep", None)
        return c if sw is None else dataclasses.replace(
            c, sweep=dataclasses.replace(sw, values=sw.values[:2], seeds=1))
    return dataclasses.replace(thm, claims=tuple(cut(c) for c in thm.claims))


def check_quick_reproducible(thm: Theorem) -> None:
    """The first quick case gives identical rows twice (bit for bit, timings aside); sweeps
    are cut short (:func:`_short_sweeps`) and recomputed each time (each run_case call owns
    its sweep runs)."""
    case = profile_cases(thm, "quick")[0]
    thm = _short_sweeps(thm)

    def rows() -> str:
        res = json.loads(dumps(run_case(thm, case)))
        return json.dumps([res["rows"], res["series"], res["assumptions"], res["audit"]], sort_keys=True)

    assert rows() == rows(), f"{thm.id}: quick case {case.label} is not reproducible"


def checks() -> Iterator[Callable[[Theorem], None]]:
    """Every conformance check, cheap ones first."""
    yield check_documented
    yield check_cited
    yield check_has_assumptions_and_claims
    yield check_profiles
    yield check_quick_reproducible
