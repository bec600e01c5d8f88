"""`verify export` (LaTeX / CSV of the verdicts), `verify diff`, and the report fixes of issue 22:
the audit windows in the case header, audited digits floored at 0 with a note, PASS reasons."""
from __future__ import annotations

import copy
import csv
import io
import json

import numpy as np
import pytest

from verify.cli.main import main
from verify.dynamics.audit import AuditReport
from verify.io import SCHEMA_VERSION
from verify.report.content import case_facts, claims_table, digits_table
from verify.report.diff import compare
from verify.report.export import latex_escape, latex_table
from verify.report.markdown import render_markdown
from verify.report.reasons import reason_of

CASE = "thm_x[m=8,seed=0]"
BOUND_EV = {"n_checked": 46, "window_log_t": [0.37, 167.7], "rtol": 1e-6,
            "closest": {"side": "upper", "value": 0.186, "bound": 0.2, "log_t": 167.7,
                        "slack": 0.014}}


def _row(claim, outcome, kind="Bound", reason="", measured=0.186, evidence=None, **extra):
    return {"theorem": "thm_x", "case": CASE, "claim": claim, "kind": kind, "outcome": outcome,
            "reason": reason, "measured": measured, "expected": 0.2, "quantity": "margin",
            "evidence": BOUND_EV if evidence is None else evidence, **extra}


def _doc():
    rows = [_row("never_above", "PASS"),
            _row("a_b&c%", "FAIL", reason="0.21 is above 0.2", measured=0.21,
                 resolution={"verdict": "FAIL", "turns_to": "PASS", "shifts": [
                     {"what": "upper", "sign": 1, "absolute": 0.01, "relative": 0.05,
                      "relative_to": "expected value"}]}),
            _row("other", "UNDECIDED", kind="Trend", reason="not enough runs", evidence={})]
    return {"schema_version": SCHEMA_VERSION, "provenance": {}, "cases": [], "rows": rows}


def _write(path, doc):
    path.mkdir(parents=True, exist_ok=True)
    (path / "results.json").write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_export_writes_latex_and_csv_into_the_report(tmp_path, capsys):
    out = _write(tmp_path / "r", _doc())
    assert main(["export", str(out), "--latex", "--csv"]) == 0
    tex = (out / "verdicts.tex").read_text()
    assert r"\toprule" in tex and r"\bottomrule" in tex
    assert "Theorem & Claim & Verdict & Resolution" in tex
    assert r"thm\_x & never\_above & PASS & --- \\" in tex
    assert "\n" + r" & a\_b\&c\% & FAIL & would no longer FAIL beyond upper +5\% \\" in tex
    rows = list(csv.DictReader(io.StringIO((out / "verdicts.csv").read_text())))
    assert [r["claim"] for r in rows] == ["never_above", "a_b&c%", "other"]
    assert json.loads(rows[0]["evidence"]) == BOUND_EV  # nested evidence as one JSON column
    assert rows[0]["reason"].startswith("margin stays within its upper bound")  # from evidence
    assert rows[1]["reason"] == "0.21 is above 0.2"
    assert rows[1]["resolution"] == "would no longer FAIL beyond upper +5%"
    assert rows[2]["outcome"] == "UNDECIDED"


def test_export_out_file_and_bad_input_exit_2(tmp_path, capsys):
    out = _write(tmp_path / "r", _doc())
    target = tmp_path / "t.csv"
    assert main(["export", str(out / "results.json"), "--csv", "--out", str(target)]) == 0
    assert target.read_text().startswith("theorem,case,claim,")
    assert main(["export", str(out), "--csv", "--latex", "--out", str(target)]) == 2
    assert main(["export", str(tmp_path / "absent")]) == 2
    assert main(["export", str(tmp_path)]) == 2  # a directory without results.json
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["export", str(out), "--csv", "--out", str(blocker / "t.csv")]) == 2
    (tmp_path / "bad.json").write_text('{"rows": [')
    assert main(["export", str(tmp_path / "bad.json"), "--csv"]) == 2
    (tmp_path / "old.json").write_text(json.dumps({**_doc(), "schema_version": 0}))
    assert main(["export", str(tmp_path / "old.json"), "--csv"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 6 and all(line.startswith("verify: error: ") for line in err)


def test_latex_escapes_every_special_character():
    assert latex_escape("&%_#${}") == r"\&\%\_\#\$\{\}"
    assert latex_escape("~^\\") == r"\textasciitilde{}\textasciicircum{}\textbackslash{}"
    doc = _doc()
    doc["rows"][0] = {**doc["rows"][0], "theorem": "t~h^m", "claim": r"\input{x}$"}
    body = latex_table(doc)
    assert r"t\textasciitilde{}h\textasciicircum{}m & \textbackslash{}input\{x\}\$ & PASS" in body
    assert r"\input{x}" not in body


def test_latex_adds_a_case_column_when_a_theorem_has_several_cases():
    doc = _doc()
    doc["rows"].append({**doc["rows"][0], "case": "thm_x[m=16,seed=0]"})
    assert "Theorem & Case & Claim & Verdict & Resolution" in latex_table(doc)
    assert "Theorem & Claim & Verdict" in latex_table(_doc())


def test_diff_lists_exactly_the_changed_verdict_and_exits_1(tmp_path, capsys):
    a = _write(tmp_path / "a", _doc())
    changed = _doc()
    changed["rows"][0] = {**changed["rows"][0], "outcome": "FAIL", "measured": 0.25,
                          "reason": "0.25 is above the bound 0.2"}
    b = _write(tmp_path / "b", changed)
    assert main(["diff", str(a), str(b / "results.json")]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == (f"thm_x {CASE} never_above: PASS -> FAIL; measured 0.186 -> 0.25, "
                        "expected 0.2 -> 0.2; why: 0.25 is above the bound 0.2")
    assert len(lines) == 2 and lines[1].startswith("1 verdict(s) changed, 0 row(s) only in A")


def test_diff_of_identical_runs_exits_0_and_reports_rows_of_one_run(tmp_path, capsys):
    a = _write(tmp_path / "a", _doc())
    assert main(["diff", str(a), str(a)]) == 0
    assert capsys.readouterr().out.strip() == "no verdict changed (3 row(s) matched)"
    other = _doc()
    other["rows"] = other["rows"][1:] + [{**other["rows"][0], "claim": "new"}]
    d = compare(_doc(), other)
    assert not d.changes and d.changed
    assert [k[2] for k, _ in d.only_a] == ["never_above"] and [k[2] for k, _ in d.only_b] == ["new"]
    assert main(["diff", str(a), str(tmp_path / "nothing")]) == 2


def test_diff_reason_of_a_new_pass_comes_from_its_evidence():
    a = _doc()
    b = copy.deepcopy(a)
    a["rows"][0] = {**a["rows"][0], "outcome": "FAIL", "reason": "above"}
    (change,) = compare(a, b).changes
    assert change.why.startswith("margin stays within its upper bound at all 46 checked points")


def _record(digits):
    log_t = np.linspace(0.0, 160.0, 401)
    audit = AuditReport(40, ((0, 200), (300, 400)), digits).to_dict(log_t)  # as the audit writes it
    return {"case": CASE, "theorem": "thm_x", "backend": "float64", "audit": audit}


def test_case_header_shows_the_windows_the_audit_writes():
    facts = dict(case_facts(_record({"margin": 12.0})))["audited digits"]
    assert "window log_t —" not in facts and "windows log_t [start, 80], [120, 160]" in facts


def test_negative_digits_are_floored_and_explained():
    record = _record({"squared_loss": -26.3, "margin": 12.0})
    facts = dict(case_facts(record))["audited digits"]
    assert facts.startswith(("min 0 ", "min 0;"))
    assert "squared_loss: value below float64 resolution" in facts and "-26.3" not in facts
    assert "min of the others 12" in facts
    rows = {r[0]: r for r in digits_table(record).rows}
    note = "value below float64 resolution: off by 10^26.3 times itself, not meaningful in float64"
    assert rows["squared_loss"][1:3] == ("0", note)
    assert rows["margin"][1:3] == ("12", "")
    md = render_markdown({"cases": [record], "rows": []})
    assert "-26.3" not in md and "squared_loss: value below float64 resolution" in md


@pytest.mark.parametrize("kind, evidence, start", [
    ("Bound", BOUND_EV, "margin stays within its upper bound"),
    ("Limit", {"L_hat": 0.2, "ci": [0.19, 0.21], "tol": 0.05, "n_points": 30},
     ("extrapolated limit 0.2 with 3-sigma interval [0.19, 0.21] within the tolerance 0.05 of "
      "the expected 0.2, from 30 points.")),
    ("Limit", {"L_hat": 0.2001, "ci": [0.199, 0.201], "tol": 0.002, "n_points": 30,
               "window_log_t": [1.0, 9.0]}, "extrapolated limit 0.2001 with 3-sigma interval"),
    ("Scaling", {"a_hat": 0.98, "ci": [0.9, 1.06], "level": 0.95, "atol": 0.1, "parameter": "n"},
     "slope 0.98 in n, 95% CI [0.9, 1.06]"),
    ("Trend", {"tau_b": 0.8, "n_points": 12, "direction": "increasing", "p_claimed": 0.001,
               "level": 0.05}, "Kendall tau_b = 0.8 over 12 runs: significantly increasing"),
])
def test_pass_rows_get_a_reason_from_their_evidence(kind, evidence, start):
    row = _row("c", "PASS", kind=kind, evidence=evidence)
    assert reason_of(row).startswith(start)
    assert claims_table([row]).rows[0][-1].startswith(start)
    assert f"**reason**: {start}" in render_markdown({"cases": [], "rows": [row]})


def test_no_reason_is_invented_without_evidence():
    assert reason_of(_row("c", "PASS", evidence={})) == ""
    assert reason_of(_row("c", "PASS", kind="Mine")) == ""
    assert reason_of(_row("c", "SKIPPED", reason="")) == ""
