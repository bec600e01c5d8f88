"""The pytest plugin (verify.pytest_plugin): claims as test items, their outcomes as pytest's."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

import verify
from verify.pytest_plugin import outcome_action, parse_settings, theorem_ids
from verify.spec import registry

pytest_plugins = ["pytester"]

ID = "soudry2018-linear"
#: One quick case, shortened to a few seconds (its claims end FAIL and UNDECIDED).
SETTINGS = {"loss": "logistic", "steps": 200}


@pytest.mark.parametrize("outcome, expected", [
    ("PASS", None),
    ("FAIL", ("fail", "FAIL: why")),
    ("UNDECIDED", ("skip", "UNDECIDED: why")),
    ("SKIPPED", ("skip", "SKIPPED: why")),
    ("XFAIL", ("xfail", "XFAIL: why")),
])
def test_outcome_action(outcome, expected):
    assert outcome_action({"outcome": outcome, "reason": "why"}) == expected


def test_unexpected_pass_fails():
    """The engine reports an expected failure that passed as FAIL, 'UNEXPECTED PASS: ...'."""
    action = outcome_action({"outcome": "FAIL", "reason": "UNEXPECTED PASS: the claim held"})
    assert action == ("fail", "FAIL: UNEXPECTED PASS: the claim held")


def test_ids_and_settings():
    known = ["a", "b", "c"]
    assert theorem_ids(["c, a", "b"], known) == ["c", "a", "b"]
    assert theorem_ids(["all"], known) == known and theorem_ids([], known) == known
    assert parse_settings(["eta=0.5", "seed = 3"]) == {"eta": 0.5, "seed": 3}
    for bad in (["steps"], ["steps="], ["steps=1", "steps=2"]):
        with pytest.raises(verify.UserError, match="KEY=VALUE|twice"):
            parse_settings(bad)


def test_inert_without_verify(pytester):
    pytester.makepyfile(test_plain="def test_one():\n    assert True\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "soudry" not in result.stdout.str()


def test_unknown_theorem_is_a_usage_error(pytester):
    result = pytester.runpytest_subprocess("--verify", "no-such-theorem", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "unknown theorem 'no-such-theorem'" in result.stderr.str()


def test_one_item_per_claim_with_the_engines_outcomes(pytester):
    """Each claim is a test case in the JUnit XML; its pytest outcome is the claim's verdict
    (compared with verify.run of the same case)."""
    pytester.makepyfile(test_plain="def test_one():\n    assert True\n")  # not collected: no paths
    sets = [a for k, v in SETTINGS.items() for a in ("--verify-set", f"{k}={v}")]
    result = pytester.runpytest_subprocess("--verify", ID, "--verify-profile", "quick", *sets,
                                           "--junitxml=j.xml", "-p", "no:cacheprovider")
    claims = [c.name for c in registry.get(ID).claims]
    rows = verify.run(ID, profile="quick", **SETTINGS).rows
    verdicts = {row["claim"]: row["outcome"] for row in rows}
    expected = {"passed": 0, "failed": 0, "skipped": 0, "xfailed": 0}
    for outcome in verdicts.values():
        kind = {"PASS": "passed", "FAIL": "failed", "XFAIL": "xfailed"}.get(outcome, "skipped")
        expected[kind] += 1
    result.assert_outcomes(**expected)
    assert sum(expected.values()) == len(claims)
    cases = ET.parse(pytester.path / "j.xml").getroot().iter("testcase")
    got = {}
    for tc in cases:
        assert tc.get("classname").startswith(f"{ID}[") and "steps=200" in tc.get("classname")
        kinds = [child.tag for child in tc]
        got[tc.get("name")] = kinds[0] if kinds else "passed"
    assert sorted(got) == sorted(claims)  # one testcase per claim
    tags = {"PASS": "passed", "FAIL": "failure", "UNDECIDED": "skipped", "SKIPPED": "skipped",
            "XFAIL": "skipped"}
    assert got == {c: tags[verdicts[c]] for c in claims}
    for claim, outcome in verdicts.items():
        if outcome == "FAIL":
            assert f"{ID}[" in result.stdout.str() and f"::{claim}" in result.stdout.str()
