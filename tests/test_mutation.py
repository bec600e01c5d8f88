"""Mutation conformance of every registered theorem (verify.testing.mutation_report).

On the evidence of one quick run per theorem (its first quick case, shared by the
module), each claim's expectation is moved past its resolution and must turn the verdict
(FAIL; a FAIL must stop failing), re-judging only.  A claim ending PASS, FAIL or XFAIL must
have a finite resolution unless declared a diagnostic; SKIPPED and UNDECIDED claims are
reported (as warnings), not failed.

To keep the suite fast, sweeps are cut to their first :data:`SWEEP_VALUES` values and at
most :data:`SWEEP_SEEDS` seeds (:func:`verify.testing.short_sweeps`; the full quick sweeps
of lai2026, chizat-bach2020-f1 and lyu2021-symmetric take minutes): a sweep claim is checked
on less evidence than its quick-profile row (``verify.testing.check_mutation`` uses the
full sweeps).  The same shared run is the first of the two runs of the reproducibility
check (:func:`verify.testing.check_quick_reproducible`, here on these sweeps).
"""
from __future__ import annotations

import warnings

import pytest

from verify.spec import registry
from verify.testing import (MutationReport, QuickRun, mutation_report, quick_evidence,
                            reproducible_part, short_sweeps)

#: Sweep values and seeds kept per sweep (see the module docstring).
SWEEP_VALUES, SWEEP_SEEDS = 3, 2


THEOREMS = list(registry.theorems())


def _short(tid: str):
    return short_sweeps(registry.get(tid), SWEEP_VALUES, SWEEP_SEEDS)


@pytest.fixture(scope="module")
def quick_runs():
    """One quick run per theorem for the module, computed when first asked for."""
    runs: dict[str, QuickRun] = {}

    def get(tid: str) -> QuickRun:
        if tid not in runs:
            runs[tid] = quick_evidence(_short(tid))
        return runs[tid]
    return get


def _conforms(tid: str, report: MutationReport) -> None:
    """No misbehaving move; no decisive verdict without a finite resolution (unless a
    diagnostic); UNDECIDED and SKIPPED claims without one reported."""
    for line in report.not_checked:  # reported (pytest's warnings summary), not failed
        warnings.warn(f"{tid}: not checked: {line}", UserWarning, stacklevel=2)
    assert not report.failures, report.failures
    assert not report.unresolved, report.unresolved
    assert report.checked or report.unresolved or report.not_checked


@pytest.mark.parametrize("tid", THEOREMS)
def test_mutation_conformance(tid, quick_runs):
    _conforms(tid, mutation_report(registry.get(tid), quick_runs(tid)))


@pytest.mark.parametrize("tid", THEOREMS)
def test_quick_reproducible(tid, quick_runs):
    """A fresh run of the shared quick case (its sweeps recomputed: each run_case call owns
    its sweep runs) repeats the shared run's rows, series, assumptions and audit bit for bit."""
    shared = quick_runs(tid)
    fresh = quick_evidence(_short(tid), shared.case)
    assert reproducible_part(fresh.record) == reproducible_part(shared.record), (
        f"{tid}: quick case {shared.case.label} is not reproducible")


@pytest.mark.slow
@pytest.mark.parametrize("tid", THEOREMS)
def test_mutation_conformance_full_sweeps(tid):
    """The same on the quick case with its sweeps in full, as verify.testing.check_mutation
    runs it (minutes for lai2026, chizat-bach2020-f1 and lyu2021-symmetric)."""
    thm = registry.get(tid)
    _conforms(tid, mutation_report(thm, quick_evidence(thm)))
