"""Shared by the Lai tests (tests/test_lai_regimes.py, tests/test_lai_laws.py): a case of
lai2026-min-norm-gap with a few parameters set, and one short run of it with chosen claims."""
from __future__ import annotations

from dataclasses import replace

from verify.engine.case import run_case
from verify.spec import registry
from verify.spec.cases import Case
from verify.spec.params import validate

TID = "lai2026-min-norm-gap"

#: The short run: converged end points are all the sweep claims read.
SHORT_RUN = {"n": 64, "d": 2048, "steps": 150, "checkpoints": 10, "audit_steps": 0}


def lai_case(**over) -> Case:
    """The theorem's case with ``over`` set (shown in its label)."""
    thm = registry.get(TID)
    return Case(TID, validate(thm.schema, over, TID), tuple(sorted(over)))


def lai_rows(claims, **over) -> dict[str, dict]:
    """Rows by claim of one short run judging only ``claims``, plus ``"_audit"``: each
    assumption's status."""
    thm = replace(registry.get(TID), claims=tuple(claims))
    res = run_case(thm, lai_case(**(SHORT_RUN | over)))
    return {r["claim"]: r for r in res["rows"]} | {
        "_audit": {a["name"]: a["status"] for a in res["assumptions"]}}
