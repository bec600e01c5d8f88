"""CLI habits (issue 22): ``--set KEY=VALUE``, ``--version``, ``verify list ID``, and the reason
of every row that did not pass printed on the terminal."""
from __future__ import annotations

import json
from importlib import metadata

import pytest

from verify.cli.main import main
from verify.spec.assign import parse_value
from verify.cli.reasons import reason_lines

CHEAP = ["run", "lyu2021-fragile", "--profile", "quick", "--set", "steps=500"]


def _results(out):
    return json.loads((out / "results.json").read_text())


def test_set_enters_the_case_and_a_new_value_recomputes(tmp_path, capsys):
    out = tmp_path / "r"
    assert main([*CHEAP, "--set", "sigma0=0.2", "--out", str(out)]) == 0
    first = _results(out)
    assert [c["params"]["sigma0"] for c in first["cases"]] == [0.2]
    assert "sigma0=0.2" in first["cases"][0]["case"] and "steps=500" in first["cases"][0]["case"]
    assert all("sigma0=0.2" in r["case"] for r in first["rows"])

    assert main([*CHEAP, "--set", "sigma0=0.3", "--out", str(out)]) == 0
    second = _results(out)
    assert [c["params"]["sigma0"] for c in second["cases"]] == [0.3]
    assert second["provenance"]["reused"]["cases"] == 0  # not the cached sigma0=0.2 case
    assert "reused" not in capsys.readouterr().out


@pytest.mark.parametrize("item, needle", [
    ("eta", "--set 'eta': write KEY=VALUE"),
    ("=1", "--set '=1': write KEY=VALUE"),
    ("nope=1", "--set nope: no such parameter"),
    ("eta=-1", "--set eta: eta=-1.0 is out of range"),
    ("eta=fast", "--set eta: eta='fast' must be of type float"),
    ("step_check=yes", "must be true or false"),
])
def test_bad_set_is_one_line_exit_2(item, needle, tmp_path, one_line_error):
    assert main([*CHEAP, "--set", item, "--out", str(tmp_path)]) == 2
    assert needle in one_line_error()


def test_set_unknown_to_one_theorem_of_all_names_it(tmp_path, one_line_error):
    assert main(["run", "--all", "--profile", "quick", "--set", "m=3", "--out", str(tmp_path)]) == 2
    line = one_line_error()
    assert "--set m: no such parameter of theorem 'soudry2018-linear'" in line


def test_set_and_its_flag_together_is_exit_2(tmp_path, one_line_error):
    assert main([*CHEAP, "--seed", "1", "--set", "seed=2", "--out", str(tmp_path)]) == 2
    assert "--seed and --set seed" in one_line_error()


def test_stress_set_of_a_swept_parameter_is_exit_2(tmp_path, one_line_error):
    argv = ["stress", "soudry2018-linear", "--vary", "eta=1,2", "--set", "eta=1", "--out", str(tmp_path)]
    assert main(argv) == 2
    assert "--set eta: eta is also swept" in one_line_error()


def test_set_values_are_toml_scalars():
    assert [parse_value(v) for v in ("20", "0.5", "false", "exponential", '"7"')] == \
        [20, 0.5, False, "exponential", "7"]


def test_version(capsys):
    assert main(["--version"]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith(f"verify {metadata.version('verify')}")
    assert "\n" not in out


def test_list_one_theorem_in_full(capsys):
    assert main(["list", "soudry2018-linear"]) == 0
    out = capsys.readouterr().out
    assert "citation: D. Soudry" in out and "statement:" in out
    assert "separable: \\gamma_{lin} > 0" in out  # an assumption, as LaTeX
    assert "margin (Limit of margin_offset)  [our reading]" in out  # a claim with its flag
    assert "t\\,L(w(t)) \\to \\|\\hat w\\|^2" in out  # its formal statement
    assert "min_rate = 0.5  (float, >= 0.0)  min rate exponent" in out  # a parameter
    assert "eta = 0.1  (float, > 0.0)" in out  # an engine parameter
    assert "profile quick: n=8" in out  # the case file's profiles
    assert "lyu2021-fragile" not in out  # only the theorem named


def test_list_without_ids_is_unchanged_and_unknown_id_is_exit_2(capsys, one_line_error):
    assert main(["list"]) == 0
    assert "claim margin (Limit)" in capsys.readouterr().out
    assert main(["list", "soudry2018-linear", "nope"]) == 2
    line = one_line_error()
    assert "unknown theorem 'nope'" in line and "soudry2018-linear" in line


def test_skipped_reasons_are_printed_one_line_each(tmp_path, capsys):
    argv = ["run", "soudry2018-linear", "--profile", "quick", "--set", "steps=500", "--set",
            "loss=logistic", "--set", "eta=20", "--out", str(tmp_path)]
    assert main(argv) == 0
    captured = capsys.readouterr()
    lines = [ln for ln in captured.err.splitlines() if ln.startswith("  SKIPPED  ")]
    assert len(lines) == 5, captured.err
    assert all(ln.startswith("  SKIPPED  soudry2018-linear[") and "eta=20.0" in ln
               and "assumption 'step size' is violated" in ln for ln in lines)
    assert "SKIPPED=5" in captured.out


def test_reason_lines_are_cut_and_counted():
    rows = [{"outcome": "PASS", "case": "t[a=1]", "claim": "ok", "reason": "fine"}]
    rows += [{"outcome": "UNDECIDED", "case": f"t[a={i}]", "claim": "c", "reason": "why " * 100}
             for i in range(45)]
    rows.append({"outcome": "FAIL", "case": "t[a=9]", "claim": "bad", "reason": "wrong\nvalue"})
    lines = reason_lines(rows)
    assert len(lines) == 41 and lines[-1] == "... and 6 more (see summary.md)"
    assert lines[0] == "  FAIL  t[a=9] bad: wrong value"
    assert all(len(ln) == 200 and ln.endswith("…") for ln in lines[1:40])
