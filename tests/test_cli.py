"""CLI: list / run / report and every exit code; results round trip; mutated claims FAIL."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from verify.spec import registry
from verify.cli.main import main
from verify.engine.results import load

TINY = Path(__file__).parent / "cases"




def test_list_shows_theorems_assumptions_and_claims(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "soudry2018-linear" in out and "lyu-li2020-homogeneous" in out
    assert "assumption separable" in out and "claim margin (Limit)" in out


def test_unknown_theorem_is_exit_2(capsys, one_line_error):
    assert main(["run", "no-such-theorem"]) == 2
    assert "no-such-theorem" in one_line_error()


def test_unknown_case_key_is_exit_2(tiny_cases, capsys, tmp_path, one_line_error):
    assert main(["run", "soudry2018-linear", "--profile", "typo", "--out", str(tmp_path)]) == 2
    assert "stepz" in one_line_error()


def test_negative_step_size_is_exit_2(tiny_cases, capsys, tmp_path, one_line_error):
    assert main(["run", "soudry2018-linear", "--profile", "negative", "--out", str(tmp_path)]) == 2
    assert "eta=-0.5" in one_line_error()


def test_bad_data_file_and_bad_report_dir_are_exit_2(capsys, tmp_path, one_line_error):
    assert main(["run", "soudry2018-linear", "--data", str(tmp_path / "none.npz")]) == 2
    one_line_error()
    assert main(["report", str(tmp_path)]) == 2
    one_line_error()


def test_run_report_round_trip(tiny_cases, tmp_path, capsys):
    out = tmp_path / "r"
    code = main(["run", "soudry2018-linear", "--profile", "quick", "--out", str(out)])
    doc = load(out)
    assert code in (0, 1) and doc["schema_version"] == 1
    assert {r["claim"] for r in doc["rows"]} == {c.name for c in registry.get("soudry2018-linear").claims}
    prov = doc["provenance"]
    assert prov["packages"]["numpy"] and prov["git_sha"] and prov["wall_time_s"] > 0
    case = doc["cases"][0]
    assert case["seed"] == 0 and case["backend"] == "float64" and case["audit"]["digits"]
    assert all(t["status"] for t in case["targets"])
    before = json.loads((out / "results.json").read_text())
    (out / "index.html").unlink()
    (out / "summary.md").unlink()
    assert main(["report", str(out)]) == 0
    assert (out / "index.html").is_file() and (out / "summary.md").is_file()
    assert json.loads((out / "results.json").read_text()) == before  # nothing recomputed


def test_resume_reuses_finished_cases(tiny_cases, tmp_path, capsys):
    out = tmp_path / "r"
    main(["run", "soudry2018-linear", "--profile", "quick", "--out", str(out)])
    cached = sorted((out / "cases").glob("*.json"))
    stamps = [p.stat().st_mtime_ns for p in cached]
    main(["run", "soudry2018-linear", "--profile", "quick", "--out", str(out)])
    assert [p.stat().st_mtime_ns for p in cached] == stamps


def test_user_data_file_runs_the_audit(tiny_cases, tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((6, 2))
    y = np.sign(X @ np.array([1.0, 0.0]))
    y[0] = -y[0]  # not separable through the origin along e1 ... maybe; check the audit reports it
    np.savez(tmp_path / "d.npz", X=X, y=y)
    code = main(["run", "soudry2018-linear", "--profile", "quick", "--data", str(tmp_path / "d.npz"),
                 "--out", str(tmp_path / "o")])
    doc = load(tmp_path / "o")
    assert doc["cases"][0]["data"]["source"] == "file:d.npz"
    assert code in (0, 1)


def _mutated(monkeypatch, claim: str, **changes):
    thm = registry.get("soudry2018-linear")
    claims = tuple(dataclasses.replace(c, **changes) if c.name == claim else c for c in thm.claims)
    bad = dataclasses.replace(thm, id="soudry-mutant", claims=claims)
    monkeypatch.setattr(registry, "theorems", lambda: {bad.id: bad})
    return bad


def test_doubled_expected_value_fails_and_exits_1(monkeypatch, tmp_path, capsys):
    """Twice the known t L(t) limit: the claim must FAIL and the run exit 1."""
    from verify.claims import Expected

    double = Expected("2|w|^2", lambda c: 2 * c.targets["svm"]["norm_w"] ** 2)
    _mutated(monkeypatch, "loss_rate", limit=double)
    cases = Path(__file__).parents[1] / "cases" / "soudry2018-linear.toml"
    (tmp_path / "soudry-mutant.toml").write_text(cases.read_text())
    monkeypatch.setenv("VERIFY_CASES_DIR", str(tmp_path))
    code = main(["run", "soudry-mutant", "--profile", "quick", "--out", str(tmp_path / "o"),
                 "--jobs", "1"])  # the mutant exists in this process only
    rows = [r for r in load(tmp_path / "o")["rows"] if r["claim"] == "loss_rate"]
    assert rows and all(r["outcome"] == "FAIL" for r in rows), [r["reason"] for r in rows]
    assert code == 1


def test_strict_turns_undecided_into_exit_1(monkeypatch, tmp_path, tiny_cases, capsys):
    _mutated(monkeypatch, "margin", rate=("1/log t",), window=0.05)
    (tmp_path / "soudry-mutant.toml").write_text((TINY / "soudry2018-linear.toml").read_text())
    monkeypatch.setenv("VERIFY_CASES_DIR", str(tmp_path))
    main(["run", "soudry-mutant", "--profile", "quick", "--out", str(tmp_path / "o")])
    rows = load(tmp_path / "o")["rows"]
    if not any(r["outcome"] == "UNDECIDED" for r in rows):
        pytest.skip("no UNDECIDED row in this configuration")
    assert main(["run", "soudry-mutant", "--profile", "quick", "--out", str(tmp_path / "o"), "--strict"]) == 1


def test_expected_failure_policy():
    from verify.engine.judge import apply_policy
    from verify.outcome import ClaimResult, Outcome

    thm = dataclasses.replace(registry.get("soudry2018-linear"), expected_failures={"margin": "published counterexample"})
    fail = ClaimResult("margin", "Limit", Outcome.FAIL, "limit 1 excludes 2")
    ok = ClaimResult("margin", "Limit", Outcome.PASS, "")
    assert apply_policy(thm, fail, (), False).outcome is Outcome.XFAIL
    unexpected = apply_policy(thm, ok, (), False)
    assert unexpected.outcome is Outcome.FAIL and "UNEXPECTED PASS" in unexpected.reason
