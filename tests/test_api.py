"""The Python API (verify.api): run, load, Results; and the README's example, run as a doctest."""
from __future__ import annotations

import dataclasses
import doctest
import json
import re
import sys
from pathlib import Path

import pytest
from matplotlib.figure import Figure

import verify
from verify.api import Results
from verify.errors import UserError
from verify.spec import registry

README = Path(__file__).resolve().parents[1] / "README.md"
ID = "soudry2018-linear"
#: One quick case, shortened: a few seconds.
SMALL = {"loss": "logistic", "steps": 300}


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    out = tmp_path_factory.mktemp("api")
    return verify.run(ID, profile="quick", out=out, **SMALL), out


def test_run_returns_rows_with_overrides_applied(ran):
    r, _ = ran
    assert isinstance(r, Results)
    claims = [c.name for c in registry.get(ID).claims]
    assert [row["claim"] for row in r.rows] == claims
    assert len(r.cases) == 1
    assert r.cases[0]["params"]["steps"] == 300 and r.cases[0]["params"]["loss"] == "logistic"
    assert all("steps=300" in row["case"] and "loss=logistic" in row["case"] for row in r.rows)
    assert r.provenance["profile"] == "quick"
    assert repr(r).startswith(f"Results({ID}: 1 case, {len(claims)} rows: ")
    with pytest.raises(TypeError):
        r.rows[0]["outcome"] = "PASS"  # read-only
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.rows = ()


@pytest.mark.parametrize("params, words", [
    ({"nosuch": 1}, "nosuch= is not a parameter"),
    ({"steps": 0}, "steps=0 is out of range"),
    ({"loss": "hinge"}, "loss='hinge' is not allowed"),
])
def test_bad_parameter_is_a_user_error(params, words):
    with pytest.raises(UserError, match=re.escape(words)):
        verify.run(ID, profile="quick", **params)


def test_bad_theorem_profile_or_cases_is_a_user_error():
    with pytest.raises(UserError, match="unknown theorem"):
        verify.run("no-such-theorem")
    with pytest.raises(UserError, match="no profile 'nosuch'"):
        verify.run(ID, profile="nosuch")
    mine = dataclasses.replace(registry.get(ID), id="my-unregistered")
    with pytest.raises(UserError, match="no case file my-unregistered.toml"):
        verify.run(mine)
    with pytest.raises(UserError, match="cases has no profile 'quick'"):
        verify.run(mine, cases={"tiny": {"steps": 10}})


def test_load_round_trip(ran, tmp_path):
    r, out = ran
    for where in (out, out / "results.json"):
        back = verify.load(where)
        assert back == r and back.rows == r.rows and back.cases == r.cases
    copy = tmp_path / "mine.json"
    copy.write_text(json.dumps(r.to_json()))
    assert verify.load(copy).rows == r.rows


def test_load_malformed_is_a_user_error(tmp_path):
    (tmp_path / "results.json").write_text("{not json")
    with pytest.raises(UserError, match="not valid JSON"):
        verify.load(tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"schema_version": 1, "rows": [{"claim": "x"}]}))
    with pytest.raises(UserError, match="lacks"):
        verify.load(bad)
    with pytest.raises(UserError, match="neither a report directory"):
        verify.load(tmp_path / "absent.json")


def test_to_frame_without_pandas_says_so(ran, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas raises ImportError
    with pytest.raises(UserError, match=re.escape("pandas is not installed; pip install pandas")):
        ran[0].to_frame()


def test_to_frame_flat_columns(ran):
    pytest.importorskip("pandas")
    frame = ran[0].to_frame()
    assert len(frame) == len(ran[0].rows)
    assert list(frame["outcome"]) == [row["outcome"] for row in ran[0].rows]
    assert any(c.startswith("evidence.") for c in frame.columns)
    assert not any(isinstance(v, dict) for v in frame.iloc[0])


def _two_cases() -> Results:
    row = {"theorem": "t", "claim": "c", "reason": "", "measured": 1.0, "expected": 1.0}
    return Results.of({"cases": [{"case": "t[a=1]"}, {"case": "t[a=2]"}], "rows": [
        {**row, "case": "t[a=1]", "outcome": "PASS"},
        {**row, "case": "t[a=2]", "outcome": "FAIL"}]})


def test_verdict(ran):
    r = ran[0]
    for row in r.rows:
        assert r.verdict(row["claim"]) == row["outcome"]
        assert r.verdict(row["claim"], case=row["case"]) == row["outcome"]
    two = _two_cases()
    assert two.verdict("c", case="a=2") == "FAIL" and two.verdict("c", "t[a=1]") == "PASS"
    with pytest.raises(UserError, match=re.escape("judged on 2 cases; choose one with case=")):
        two.verdict("c")
    with pytest.raises(UserError, match="no claim 'nope' in these results; claims: c"):
        two.verdict("nope")
    with pytest.raises(UserError, match="no case matching 'a=3'"):
        two.verdict("c", case="a=3")


def test_plot_returns_a_figure_of_the_series(ran):
    r = ran[0]
    row = r.row("direction")
    fig = r.plot("direction")
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    series = r.cases[0]["series"][row["quantity"]]
    assert len(ax.lines[0].get_xdata()) == len(series["log_t"])
    with pytest.raises(UserError, match="no series"):
        _two_cases().plot("c", case="a=1")


def _readme_python() -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    return "".join(b for b in blocks if ">>>" in b)


def test_readme_example_runs(tmp_path, monkeypatch):
    """The README's ```python example, run as a doctest (--doctest-modules reads no .md)."""
    text = _readme_python()
    assert "verify.run(" in text
    monkeypatch.chdir(tmp_path)  # the example writes r/results.json
    test = doctest.DocTestParser().get_doctest(text, {}, "README.md", str(README), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    out: list[str] = []
    result = runner.run(test, out=out.append)
    assert result.failed == 0, "".join(out)
    assert result.attempted >= 5


def test_unregistered_theorem_from_a_case_file_writes_nothing(tmp_path, monkeypatch):
    mine = dataclasses.replace(registry.get(ID), id="my-soudry")
    path = tmp_path / "mine.toml"
    path.write_text('[profiles.tiny]\nn = 8\nd = 3\nmin_rate = 0.9\neta = 1.5\nsteps = 100\n')
    monkeypatch.chdir(tmp_path)
    r = verify.run(mine, profile="tiny", cases=path, seed=2, sigma0=0.2)
    assert {row["theorem"] for row in r.rows} == {"my-soudry"} and len(r.rows) == len(mine.claims)
    assert r.cases[0]["params"]["steps"] == 100 and r.cases[0]["params"]["seed"] == 2
    assert "sigma0=0.2" in r.rows[0]["case"]  # an override joins the label
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.toml"]  # out=None: nothing written
