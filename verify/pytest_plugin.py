"""pytest plugin: ``pytest --verify [IDS] --verify-profile quick`` makes every claim a test item.

Registered under pytest's ``pytest11`` entry point, so it loads in every pytest run where
verify is installed; without ``--verify`` it only adds its options (nothing else is
imported or collected).

With ``--verify``, the theorems named (comma- or space-separated ids; none, or ``all``: every
registered theorem) are collected as one item per (theorem, case, claim), named
``theorem[case]::claim`` after the case's label.  Test files are collected as well only when
paths are given on the command line.  Running an item runs its case once (the claims of one
case share the run) and maps the claim's outcome onto pytest's:

=============  ==================================================
verify         pytest
=============  ==================================================
PASS           passed
FAIL           failed, with the reason (also an unexpected pass of
               an expected failure, reported as ``UNEXPECTED PASS``)
UNDECIDED      skipped, with the reason
SKIPPED        skipped, with the reason (an assumption not held)
XFAIL          xfailed
=============  ==================================================

so ``--junitxml`` gives one test case per claim.  ``--verify-set KEY=VALUE`` (repeatable)
overrides a parameter of every case (``--verify-set steps=2000``), as ``verify run --set``.

Examples
--------
>>> outcome_action({"outcome": "PASS", "reason": ""}) is None
True
>>> outcome_action({"outcome": "UNDECIDED", "reason": "run longer"})
('skip', 'UNDECIDED: run longer')
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Iterator, Mapping

import pytest

from verify.engine.blas import single_threaded
from verify.errors import UserError
from verify.spec.assign import parse_sets

#: verify outcome -> (pytest action, prefix of its message).
_ACTIONS = {"FAIL": ("fail", "FAIL"), "UNDECIDED": ("skip", "UNDECIDED"),
            "SKIPPED": ("skip", "SKIPPED"), "XFAIL": ("xfail", "XFAIL")}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("verify", "verify: theorems' claims as test items")
    group.addoption("--verify", nargs="*", metavar="ID", default=None,
                    help="collect the claims of these theorems (comma- or space-separated ids; "
                         "none or 'all': every registered theorem) as test items")
    group.addoption("--verify-profile", default="quick", metavar="PROFILE",
                    help="case profile of --verify (default: quick)")
    group.addoption("--verify-set", action="append", default=[], metavar="KEY=VALUE",
                    help="override a parameter of every --verify case (repeatable)")


def _active(config: pytest.Config) -> bool:
    return config.getoption("verify", None) is not None


def theorem_ids(given: list[str], known: list[str]) -> list[str]:
    """The ids of ``--verify`` (comma- or space-separated; none or ``all``: ``known``).

    >>> theorem_ids(["a,b", "c"], ["a", "b", "c", "d"]), theorem_ids([], ["a", "b"])
    (['a', 'b', 'c'], ['a', 'b'])
    """
    ids = [i for arg in given for i in arg.replace(",", " ").split()]
    return list(known) if not ids or ids == ["all"] else list(dict.fromkeys(ids))


def parse_settings(items: list[str]) -> dict[str, Any]:
    """``--verify-set KEY=VALUE`` strings as overrides (:func:`verify.spec.assign.parse_sets`);
    checked against each theorem's schema when its cases are built.

    >>> parse_settings(["steps=2000", "loss=logistic", "step_check=true"])
    {'steps': 2000, 'loss': 'logistic', 'step_check': True}
    """
    return parse_sets(items, "--verify-set")


def outcome_action(row: Mapping[str, Any]) -> tuple[str, str] | None:
    """What pytest does with a claim's row: None (pass) or ``(action, message)`` with action
    ``fail``, ``skip`` or ``xfail`` (table in the module docstring)."""
    outcome = str(row.get("outcome"))
    if outcome == "PASS":
        return None
    action, prefix = _ACTIONS.get(outcome, ("fail", f"unknown outcome {outcome!r}"))
    reason = str(row.get("reason") or "").strip()
    return action, f"{prefix}: {reason}" if reason else prefix


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """With ``--verify`` and no paths given, collect no test files (only the claims)."""
    if _active(config) and config.args_source != pytest.Config.ArgsSource.ARGS:
        return True
    return None


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    """Append one item per (theorem, case, claim) of the ``--verify`` theorems."""
    if not _active(config):
        return
    single_threaded()  # one BLAS thread if numpy is not loaded yet: the CLI's bits (engine.blas)
    # imported here, not at the top: this module loads in every pytest run, and the
    # registry and the engine (numpy, cvxpy) are needed only with --verify
    from verify.spec import registry
    from verify.spec.cases import profile_cases

    try:
        ids = theorem_ids(config.getoption("verify"), list(registry.theorems()))
        overrides = parse_settings(config.getoption("verify_set"))
        profile = config.getoption("verify_profile")
        for tid in ids:
            thm = registry.get(tid)
            for case in profile_cases(thm, profile, overrides):
                # the overridden keys join the label, as with `verify run --set`
                case = dataclasses.replace(case, shown=tuple(sorted({*case.shown, *overrides})))
                collector = CaseCollector.from_parent(session, name=case.label, nodeid=case.label,
                                                      theorem=thm, case=case)
                claims = list(collector.collect())
                # reported as collected, so the terminal counts them ("collected N items")
                config.hook.pytest_collectreport(
                    report=pytest.CollectReport(case.label, "passed", None, claims))
                items.extend(claims)
    except UserError as exc:
        raise pytest.UsageError(f"--verify: {exc}") from None


class CaseCollector(pytest.Collector):
    """One case of a theorem: its claims are the items; the case runs once, on first use."""

    def __init__(self, *, theorem: Any, case: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.theorem, self.case = theorem, case
        self._rows: dict[str, Mapping[str, Any]] | None = None

    def collect(self) -> Iterator[pytest.Item]:
        for claim in self.theorem.claims:
            yield ClaimItem.from_parent(self, name=claim.name)

    def rows(self) -> dict[str, Mapping[str, Any]]:
        """The case's rows by claim (run on first call, then cached for the session)."""
        if self._rows is None:
            from verify.engine.case import run_case  # (see modifyitems)
            record = run_case(self.theorem, self.case)
            self._rows = {row["claim"]: row for row in record["rows"]}
        return self._rows


class ClaimItem(pytest.Item):
    """One claim of one case; its outcome decides the test's."""

    def runtest(self) -> None:
        parent = self.parent
        assert isinstance(parent, CaseCollector)
        row = parent.rows().get(self.name)
        if row is None:
            pytest.fail(f"the run of {parent.case.label} has no row for claim {self.name!r}",
                        pytrace=False)
        action = outcome_action(row)
        if action is None:
            return
        kind, message = action
        if kind == "fail":
            pytest.fail(message, pytrace=False)
        if kind == "xfail":
            pytest.xfail(message)
        pytest.skip(message)

    def reportinfo(self) -> tuple[str, int | None, str]:
        return self.parent.case.theorem, None, self.nodeid
