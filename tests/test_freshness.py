"""Cached verdicts are fresh: a case or sweep run is reused only while everything that decides
it is unchanged (issue 19, "stale verdicts").

A throwaway theorem is written as a real package in a temporary directory (a module and a
``_helper`` it imports, both edited by the tests) and registered for the test; the same
``verify run`` command is rerun without ``--fresh`` after each edit.
"""
from __future__ import annotations

import dataclasses
import importlib
import json
import sys
import textwrap
from pathlib import Path

import pytest

from verify.claims import Scaling
from verify.cli.main import main
from verify.engine import fingerprint
from verify.engine.fingerprint import Fingerprints, Reuse, theorem_sources
from verify.engine.runner import Job, pool_executor, run_jobs
from verify.spec import registry
from verify.spec.cases import Case
from verify.spec.params import validate
from verify.spec.sweep import Sweep

THEOREM = '''
"""A throwaway theorem: soudry2018-linear judged by one Bound on the normalized margin."""
import dataclasses

from verify import Bound, Expected
from theorems import soudry2018_linear as base
from fresh_thms import _helper

SCALE = 1.0
THEOREM = dataclasses.replace(base.THEOREM, id="fresh-demo", claims=(
    Bound("never_above", "normalized_margin", r"\\gamma(t) \\le s\\,\\gamma_{lin}",
          upper=Expected("s gamma_lin", lambda c: SCALE * _helper.gamma(c)), rtol=1e-8),))
'''
HELPER = '''
def gamma(c):
    return c.targets["svm"]["gamma"]
'''
CASES = """
[profiles.quick]
n = 4
d = 2
min_rate = 0.9
eta = 1.5
steps = 1500
checkpoints = 12
audit_steps = 0
"""


@pytest.fixture
def demo(tmp_path, monkeypatch):
    """The package ``fresh_thms`` (module ``demo``, helper ``_helper``) and its case file,
    registered next to the built-in theorems; each look-up imports the files as they are."""
    pkg = tmp_path / "src" / "fresh_thms"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "demo.py").write_text(textwrap.dedent(THEOREM))
    (pkg / "_helper.py").write_text(textwrap.dedent(HELPER))
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "fresh-demo.toml").write_text(CASES)  # only the throwaway theorem runs
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # an edit never meets a stale .pyc
    monkeypatch.setenv("VERIFY_CASES_DIR", str(cases))
    builtin = registry.theorems()

    def theorems():
        for name in [m for m in sys.modules if m == "fresh_thms" or m.startswith("fresh_thms.")]:
            del sys.modules[name]  # re-read the files (a new process would)
        importlib.invalidate_caches()
        return builtin | {"fresh-demo": importlib.import_module("fresh_thms.demo").THEOREM}

    monkeypatch.setattr(registry, "theorems", theorems)
    yield pkg, cases / "fresh-demo.toml"
    for name in [m for m in sys.modules if m == "fresh_thms" or m.startswith("fresh_thms.")]:
        del sys.modules[name]


def _run(out: Path, capsys) -> tuple[int, str, dict, str]:
    code = main(["run", "fresh-demo", "--profile", "quick", "--out", str(out), "--jobs", "1"])
    doc = json.loads((out / "results.json").read_text())
    [row] = doc["rows"]
    return code, row["outcome"], doc["provenance"]["reused"], capsys.readouterr().out


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_an_edited_expectation_gives_the_new_verdict_without_fresh(demo, tmp_path, capsys):
    pkg, case_file = demo
    out = tmp_path / "out"
    code, outcome, reused, _ = _run(out, capsys)
    assert (code, outcome, reused["cases"]) == (0, "PASS", 0)
    code, outcome, reused, printed = _run(out, capsys)  # unchanged: reused, and said so
    assert (code, outcome, reused["cases"], reused["case_total"]) == (0, "PASS", 1, 1)
    assert "reused 1 of 1 cases" in printed
    # the stale-verdict repro: the claim's expected value edited, the same command rerun
    _edit(pkg / "demo.py", "SCALE = 1.0", "SCALE = 0.5")
    code, outcome, reused, _ = _run(out, capsys)
    assert (code, outcome, reused["cases"]) == (1, "FAIL", 0)
    # an edited helper the theorem imports invalidates too
    _edit(pkg / "_helper.py", 'return c.targets["svm"]["gamma"]', 'return 2 * c.targets["svm"]["gamma"]')
    code, outcome, reused, _ = _run(out, capsys)
    assert (code, outcome, reused["cases"]) == (0, "PASS", 0)


def test_an_edited_case_file_invalidates(demo, tmp_path, capsys):
    _, case_file = demo
    out = tmp_path / "out"
    assert _run(out, capsys)[2]["cases"] == 0
    assert _run(out, capsys)[2]["cases"] == 1
    case_file.write_text(case_file.read_text() + "\n[profiles.other]\nn = 6\n")  # same case params
    assert _run(out, capsys)[2]["cases"] == 0


def test_code_hash_covers_module_helpers_case_file_and_engine(demo, monkeypatch):
    pkg, case_file = demo
    assert sorted(theorem_sources("fresh_thms.demo")) == ["fresh_thms", "fresh_thms._helper",
                                                         "fresh_thms.demo"]
    before = Fingerprints().code("fresh-demo")
    assert Fingerprints().code("fresh-demo") == before  # a pure function of the files
    _edit(pkg / "_helper.py", "return", "return 1.0 *")
    after_helper = Fingerprints().code("fresh-demo")
    case_file.write_text(case_file.read_text() + "# a comment\n")
    after_cases = Fingerprints().code("fresh-demo")
    monkeypatch.setattr(fingerprint, "package_versions", lambda: {"numpy": "0.0"})
    after_versions = Fingerprints().code("fresh-demo")
    assert len({before, after_helper, after_cases, after_versions}) == 4


def test_sweep_runs_of_changed_code_are_recomputed(tmp_path, monkeypatch):
    """``OUT/sweeps/<code>/<key>.json``: the runs of unchanged code are reused, those of
    edited code (another ``code``) are not."""
    thm = registry.get("soudry2018-linear")
    sweep = Sweep("n", (4, 6), seeds=1, overrides={"steps": 200})
    claim = Scaling("flat", "normalized_margin", parameter="n", exponent=0.0, atol=1.0, sweep=sweep)
    thm = dataclasses.replace(thm, id="soudry-fresh-sweeps", claims=(claim,))
    monkeypatch.setattr(registry, "theorems", lambda: {thm.id: thm})
    raw = {"n": 4, "d": 2, "steps": 300, "checkpoints": 8, "audit_steps": 0, "min_rate": 0.0}
    case = Case(thm.id, validate(thm.schema, raw, "t"), tuple(sorted(raw)))

    def run() -> Reuse:
        reuse = Reuse()
        run_jobs([Job(case)], tmp_path, executor=pool_executor(1), reuse=reuse)
        for f in (tmp_path / "cases").glob("*.json"):
            f.unlink()  # the case reruns, so its sweep runs are looked up again
        return reuse

    assert (run().sweep_runs, run().sweep_runs) == (0, 2)
    monkeypatch.setattr(Fingerprints, "code", lambda self, theorem_id: "edited")
    first = run()
    assert (first.sweep_runs, first.sweep_total) == (0, 2)
    assert len(list((tmp_path / "sweeps").glob("*/*.json"))) == 4
