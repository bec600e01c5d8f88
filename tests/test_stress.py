"""verify stress: sweep expansion, bad input, outputs, counterexamples, resume and failing cells."""
from __future__ import annotations

import dataclasses
import doctest
import json
from pathlib import Path

import numpy as np
import pytest

from verify.spec import registry

from verify.explore import stress
from verify.claims import Expected
from verify.cli.main import main
from verify.errors import UserError
from verify.explore import analysis
from verify.report import phase, stressmd
from verify.engine.results import load

TINY = Path(__file__).parent / "cases"
SOUDRY = "soudry2018-linear"
# eta = 10 breaks the step-size assumption eta < 2/(beta sigma_max^2) = 8 (logistic, sigma_max = 1).
SMALL = ["--vary", "eta=1,10", "--vary", "margin=0.1,0.4"]




@pytest.mark.parametrize("args, needle", [
    (["stress", "no-such-theorem"], "no-such-theorem"),
    (["stress", SOUDRY, "--grid", "nope"], "no grid 'nope'"),
    (["stress", SOUDRY, "--vary", "bogus=1,2"], "'bogus' is not a parameter"),
    (["stress", SOUDRY, "--vary", "eta=-1,2"], "eta=-1.0 is out of range"),
    (["stress", SOUDRY, "--vary", "n=two"], "is not a int"),
    (["stress", SOUDRY, "--vary", "eta"], "PARAM=V1,V2"),
    (["stress", SOUDRY, "--vary", "seed=1,2"], "--seeds"),
    (["stress", SOUDRY, "--vary", "eta=1,2", "--axes", "margin"], "--axes"),
    (["stress", SOUDRY, "--vary", "eta=1,2", "--seeds", "0"], "--seeds 0"),
    (["stress", SOUDRY, "--vary", "eta=1,2", "--jobs", "0"], "--jobs 0"),
])
def test_bad_input_is_one_line_exit_2(args, needle, capsys, tmp_path, one_line_error):
    assert main(args + ["--out", str(tmp_path)]) == 2
    assert needle in one_line_error()
    assert not (tmp_path / "cases").exists()  # nothing ran


def test_grid_expands_over_profile_and_seeds():
    thm = registry.get("kou2023-leaky")
    spec = stress.grid(thm, "default")
    sw = stress.sweep(thm, "quick", spec, seeds=2)
    assert list(sw.varied) == ["C", "sigma0", "alpha"] and sw.seeds == (0, 1)
    assert len(sw.cases) == 5 * 3 * 3 * 2
    assert len({c.label for c in sw.cases}) == len(sw.cases)  # labels are row keys: unique
    assert {c.params["C"] for c in sw.cases} == {0.5, 1.0, 2.0, 5.0, 10.0}
    assert all(c.params["steps"] == 20000 for c in sw.cases)  # the base profile's value


def test_single_value_is_a_fixed_override():
    sw = stress.sweep(registry.get(SOUDRY), "quick", {"steps": [100], "margin": [0.1, 0.3]})
    assert sw.varied == {"margin": [0.1, 0.3], "loss": ["logistic", "exponential"]}  # + the profile's list
    assert sw.fixed == {"steps": 100}
    assert {c.params["steps"] for c in sw.cases} == {100}
    assert len(sw.cases) == 2 * 2  # the quick profile's two losses


def _stress(out: Path, *extra: str) -> int:
    return main(["stress", SOUDRY, *SMALL, "--out", str(out), *extra])


def test_stress_writes_rows_phase_diagrams_and_summary(tiny_cases, tmp_path, capsys):
    out = tmp_path / "s"
    code = _stress(out)
    doc = load(out)
    thm = registry.get(SOUDRY)
    assert len(doc["cases"]) == 4 and len(doc["rows"]) == 4 * len(thm.claims)
    assert all(c["stress"] for c in doc["cases"])
    step = {c["params"]["eta"]: a["status"] for c in doc["cases"] for a in c["assumptions"]
            if a["name"] == "step size"}
    assert step == {1.0: "HOLDS", 10.0: "VIOLATED"}
    assert doc["stress"]["varied"] == {"eta": [1.0, 10.0], "margin": [0.1, 0.4]}
    for claim in thm.claims:
        assert (out / "plots" / phase.phase_filename(claim.name)).read_bytes()[:4] == b"\x89PNG"
    md = (out / "stress.md").read_text()
    assert "| step size | 2/4 |" in md
    digest = capsys.readouterr().out
    assert f"stress {SOUDRY}: 4 cases" in digest and "step size violated" in digest
    summary = analysis.summarize(doc)
    assert code == (1 if summary.counterexamples else 0)
    assert main(["report", str(out)]) == 0  # a stress directory renders like any other
    assert (out / "index.html").is_file() and (out / "stress.md").read_text() == md


def test_summary_counts_conservativeness_and_counterexamples():
    def case(label, status, outcomes):
        return ({"case": label, "theorem": "t", "params": {"x": label, "seed": 0}, "config_hash": label * 4,
                 "assumptions": [{"name": "A", "status": status}]},
                [{"case": label, "claim": c, "outcome": o, "reason": "r"} for c, o in outcomes.items()])
    parts = [case("a", "HOLDS", {"k": "PASS"}), case("b", "HOLDS", {"k": "FAIL"}),
             case("c", "VIOLATED", {"k": "PASS"}), case("d", "VIOLATED", {"k": "UNDECIDED"})]
    doc = {"cases": [c for c, _ in parts], "rows": [r for _, rs in parts for r in rs]}
    s = analysis.summarize(doc)
    assert s.in_region["k"] == {"PASS": 1, "FAIL": 1}
    assert s.violated["A"]["k"] == {"PASS": 1, "UNDECIDED": 1} and s.violated_cases == {"A": 2}
    assert [cx.case for cx in s.counterexamples] == ["b"]
    assert stressmd.rate(s.violated["A"]["k"]) == "1/2 PASS (50%); 1 UNDECIDED"
    for later, found, pre in (("UNDECIDED", [], ["b"]), ("FAIL", ["b"], [])):
        doc["stress"] = {"confirmations": {"b": {"steps": 40, "outcomes": {"k": later},
                                                 "reasons": {"k": "rerun reason"}}}}
        s = analysis.summarize(doc)
        assert [cx.case for cx in s.counterexamples] == found
        assert [cx.case for cx in s.pre_asymptotic] == pre
    assert "pre-asymptotic" in stressmd.digest(analysis.summarize(
        doc | {"stress": {"confirmations": {"b": {"steps": 40, "outcomes": {"k": "PASS"}}}}}))


def test_short_horizon_fail_is_rerun_longer_and_reported_pre_asymptotic(tmp_path, capsys):
    """soudry2018-linear at 300 steps, seeds 0 and 1: the unnamed limit of ``direction`` (the
    component of w(t) - w_hat log t orthogonal to w_hat) FAILs the divergence rule with every
    assumption holding (still moving at log t ~ 6); at 4x the steps it no longer FAILs, so the
    sweep reports no counterexample and exits 0, keeping both verdicts."""
    out = tmp_path / "s"
    code = main(["stress", SOUDRY, "--vary", "steps=300", "--vary", "loss=logistic", "--seeds", "2",
                 "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    s = analysis.summarize(load(out))
    assert not s.counterexamples and len(s.pre_asymptotic) >= 1
    for cx in s.pre_asymptotic:
        assert {c for c, _ in cx.failures} >= {"direction"}
        assert all("steps = 1200" in w for _, w in cx.vanished)
    assert "pre-asymptotic" in (out / "stress.md").read_text()


def test_boundary_lies_between_holding_and_violated_cells():
    holds = np.array([[1, 1, 0], [1, 0, 0]])  # rows are y, columns x
    segs = {tuple(map(tuple, s)) for s in phase._boundary(holds)}
    assert segs == {((1.5, -0.5), (1.5, 0.5)), ((0.5, 0.5), (0.5, 1.5)), ((0.5, 0.5), (1.5, 0.5))}
    assert phase._boundary(np.array([[1, -1, 0]])) == []  # no line next to a missing cell


def _mutant(monkeypatch, tmp_path, **changes):
    """soudry2018-linear with a claim expecting 10x the true t L(t) limit, on tiny cases."""
    thm = registry.get(SOUDRY)
    ten = Expected("10|w|^2", lambda c: 10 * c.targets["svm"]["norm_w"] ** 2)
    claims = tuple(dataclasses.replace(c, limit=ten) if c.name == "loss_rate" else c for c in thm.claims)
    bad = dataclasses.replace(thm, id="soudry-mutant", claims=claims, **changes)
    monkeypatch.setattr(registry, "theorems", lambda: {bad.id: bad})
    (tmp_path / "soudry-mutant.toml").write_text((TINY / f"{SOUDRY}.toml").read_text())
    monkeypatch.setenv("VERIFY_CASES_DIR", str(tmp_path))
    return bad


def test_counterexample_is_reported_and_reproduced_by_verify_run(monkeypatch, tmp_path, capsys):
    _mutant(monkeypatch, tmp_path)
    out = tmp_path / "s"
    assert main(["stress", "soudry-mutant", *SMALL, "--out", str(out), "--jobs", "1"]) == 1  # in-process mutant
    err = capsys.readouterr().err
    assert "COUNTEREXAMPLE" in err and "loss_rate" in err
    doc = load(out)
    cxs = analysis.summarize(doc).counterexamples
    assert {cx.params["eta"] for cx in cxs} == {1.0}  # only where every assumption holds
    cx = cxs[0]
    case_dir = out / "counterexamples" / cx.name
    assert f"VERIFY_CASES_DIR={case_dir}" in err
    monkeypatch.setenv("VERIFY_CASES_DIR", str(case_dir))
    assert main(["run", "soudry-mutant", "--profile", "counterexample", "--out", str(tmp_path / "r"),
                 "--jobs", "1"]) == 1
    again = load(tmp_path / "r")
    assert again["cases"][0]["config_hash"] == cx.config_hash
    assert {r["claim"]: r["outcome"] for r in again["rows"]}["loss_rate"] == "FAIL"


class Interrupt(Exception):
    pass


def test_interrupted_sweep_resumes_without_recomputing(tiny_cases, tmp_path, monkeypatch):
    thm = registry.get(SOUDRY)
    sw = stress.sweep(thm, "quick", {"margin": [0.1, 0.2, 0.3], "eta": [1.0, 2.0]})
    ran: list[str] = []
    real = stress.stress_work
    monkeypatch.setattr(stress, "stress_work", lambda job: ran.append(job.case.label) or real(job))

    def stop_after_two(note: str, done: float) -> None:
        if done >= 2:
            raise Interrupt

    out = tmp_path / "s"
    with pytest.raises(Interrupt):
        stress.run_sweep(sw, out, progress=stop_after_two)
    first = sorted((out / "cases").glob("*.json"))
    assert len(first) == 2 and len(ran) == 2
    stamps = {p: p.stat().st_mtime_ns for p in first}
    results = stress.run_sweep(sw, out)
    assert len(ran) == 6 and len(set(ran)) == 6  # the two finished cases were not run again
    assert {p: p.stat().st_mtime_ns for p in first} == stamps
    assert len(list((out / "cases").glob("*.json"))) == 6
    assert [r["case"] for r in results] == [c.label for c in sw.cases]


def test_a_failing_cell_is_undecided_and_not_cached(monkeypatch, tmp_path):
    thm = _mutant(monkeypatch, tmp_path)
    real = thm.generate

    def generate(p, rng):
        if p["margin"] > 0.3:
            raise UserError("no dataset with this margin")
        return real(p, rng)

    monkeypatch.setattr(registry, "theorems", lambda: {thm.id: dataclasses.replace(thm, generate=generate)})
    sw = stress.sweep(registry.get(thm.id), "quick", {"margin": [0.1, 0.4]})
    results = stress.run_sweep(sw, tmp_path / "s")
    bad = [r for r in results if r["params"]["margin"] == 0.4]
    assert bad and all("no dataset with this margin" in r["error"] for r in bad)
    assert all(row["outcome"] == "UNDECIDED" and "rerun to retry" in row["reason"] for row in bad[0]["rows"])
    cached = [json.loads(p.read_text())["params"]["margin"] for p in (tmp_path / "s" / "cases").glob("*.json")]
    assert cached == [0.1]
    assert analysis.summarize({"cases": results, "rows": [r for c in results for r in c["rows"]]}).errors == 1


@pytest.mark.parametrize("module", [stress, stressmd])
def test_doctests(module):
    res = doctest.testmod(module)
    assert res.attempted and not res.failed
