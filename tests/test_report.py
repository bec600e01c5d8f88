"""Reports rendered from results.json alone: files, content, self-containment, determinism."""
from __future__ import annotations

import ast
import copy
import doctest
import json
import re
import xml.etree.ElementTree as ET
from html import escape
from pathlib import Path

import numpy as np
import pytest

import verify.report
import verify.report.format
from verify.claims import Bound, Frequency, Limit, Monotone, Scaling, Series
from verify.errors import UserError
from verify.io import atomic_write_text
from verify.report import parallel, render, render_plots
from verify.report.content import case_tables, sweep_targets_table
from verify.report.evidence import (BoundReading, FrequencyReading, LimitReading,
                                    MonotoneReading, Reading, ScalingReading, read)
from verify.report.format import as_float, fmt, plot_filename

FIXTURE = Path(__file__).parent / "fixtures" / "results_example.json"


@pytest.fixture(scope="module")
def results() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def rendered(results: dict, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("report")
    data = copy.deepcopy(results)
    paths = render(data, out)
    assert data == results  # render never modifies its input
    return out, paths


def _subset(results: dict, case_index: int, row_claims: tuple[str, ...] = ()) -> dict:
    """A copy of ``results`` with one case and its rows (only ``row_claims`` if given)."""
    case = copy.deepcopy(results["cases"][case_index])
    rows = [copy.deepcopy(r) for r in results["rows"] if r["case"] == case["case"]
            and (not row_claims or r["claim"] in row_claims)]
    return {**results, "cases": [case], "rows": rows}


def _svg_size(data: bytes) -> tuple[float, float]:
    """Width and height (points) of an SVG document; fails unless it parses as SVG."""
    root = ET.fromstring(data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return float(root.get("width", "0pt")[:-2]), float(root.get("height", "0pt")[:-2])


def _pages(out: Path) -> str:
    """Every HTML page of the report in ``out``, concatenated (index last)."""
    pages = sorted((out / "theorems").glob("*.html")) + [out / "index.html"]
    return "".join(p.read_text(encoding="utf-8") for p in pages)


def test_fixture_follows_schema(results: dict) -> None:
    assert results["schema_version"] == 1
    case_keys = {"theorem", "case", "title", "citation", "statement", "params", "seed",
                 "config_hash", "backend", "precision", "wall_time_s", "stress", "assumptions",
                 "audit", "targets", "series", "trajectory"}
    row_keys = {"theorem", "case", "claim", "kind", "outcome", "reason", "measured", "expected",
                "quantity", "statement", "reading", "evidence", "seed", "backend", "digits",
                "solver_status", "config_hash"}
    assert all(set(c) == case_keys for c in results["cases"])
    assert all(set(r) == row_keys for r in results["rows"])
    names = {c["case"] for c in results["cases"]}
    assert all(r["case"] in names for r in results["rows"])
    kinds = {(r["kind"], r["outcome"]) for r in results["rows"]}
    assert {("Limit", "PASS"), ("Limit", "FAIL"), ("Monotone", "PASS")} <= kinds
    assert {"Bound", "Monotone"} <= {r["kind"] for r in results["rows"]}
    assert {"UNDECIDED", "SKIPPED"} <= {r["outcome"] for r in results["rows"]}
    assert all(r["reason"] for r in results["rows"] if r["outcome"] != "PASS")


def test_files_written(rendered: tuple[Path, list[Path]], results: dict) -> None:
    out, paths = rendered
    assert paths[-3:] == [out / "summary.md", out / "theorems" / "soudry2018-linear.html",
                          out / "index.html"]
    assert all(p.is_file() and p.stat().st_size > 0 for p in paths)
    plots = sorted((out / "plots").glob("*.svg"))
    assert plots == sorted(paths[:-3])
    with_series = [r for r in results["rows"] if r["outcome"] != "SKIPPED"]
    assert len(plots) == len(with_series) == 8
    for p in plots:  # cropped to the ink: sizes differ, but every plot is landscape
        width, height = _svg_size(p.read_bytes())
        assert 300 < width < 520 and 1.1 < width / height < 2.0, (p.name, width, height)
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def test_summary_content(rendered: tuple[Path, list[Path]], results: dict) -> None:
    summary = (rendered[0] / "summary.md").read_text(encoding="utf-8")
    for row in results["rows"]:
        assert f"**{row['outcome']}**" in summary
        assert f"`{row['claim']}`" in summary
    for case in results["cases"]:
        assert case["case"] in summary and case["citation"] in summary
        for a in case["assumptions"]:
            assert a["latex"].replace("|", "\\|") in summary
    for key in ("git_sha", "command", "created"):
        assert results["provenance"][key] in summary
    assert "numpy 2.4.6" in summary and "(our reading)" in summary
    assert "min 2.1" in summary  # audited digits of the second case
    assert "| `all` | 4 | 2 | 0 | 2 | 5 | 0 | 13 |" in summary  # 0 diagnostics


def test_fail_shows_reason(rendered: tuple[Path, list[Path]], results: dict) -> None:
    summary = (rendered[0] / "summary.md").read_text(encoding="utf-8")
    html = (rendered[0] / "index.html").read_text(encoding="utf-8")
    fails = [r for r in results["rows"] if r["outcome"] == "FAIL"]
    assert fails
    for row in fails:
        assert row["reason"] in summary  # outside the table, unescaped
        assert escape(row["reason"]) in html


def test_html_self_contained(rendered: tuple[Path, list[Path]]) -> None:
    out, paths = rendered
    html = _pages(out)
    assert html.count('src="data:image/svg+xml;base64,') == len(paths) - 3
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|//)""", html, re.I)
    assert "<script" not in html.lower() and "<link" not in html.lower()
    assert 'class="badge b-FAIL"' in html and 'class="badge b-XFAIL"' not in html
    assert "<style>" in html and "Content-Security-Policy" in html


def test_html_escapes_text(results: dict, tmp_path: Path) -> None:
    bad = _subset(results, 2)  # the SKIPPED case: no plots, same escaping
    bad["rows"][0]["reason"] = '<script>alert("x")</script> & <b>'
    bad["cases"][0]["citation"] = "<img src=http://evil.example/x.png>"
    render(bad, tmp_path)
    text = _pages(tmp_path)
    assert "&lt;img src=http://evil.example/x.png&gt;" in text
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "<img src=http" not in text


def test_deterministic(results: dict, rendered: tuple[Path, list[Path]], tmp_path: Path) -> None:
    first, paths = rendered
    again = render(copy.deepcopy(results), tmp_path)
    assert [p.name for p in again] == [p.name for p in paths]
    for a, b in zip(paths, again):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_nan_and_inf(results: dict, tmp_path: Path) -> None:
    data = _subset(results, 0, ("direction",))
    row = data["rows"][0]
    row["measured"], row["expected"], row["digits"] = "inf", "-inf", "nan"
    row["evidence"].update(L_hat="nan", ci=["nan", "inf"], coefficients=["nan", 1.0])
    series = data["cases"][0]["series"][row["quantity"]]
    series["values"] = ["nan"] * len(series["values"])
    data["cases"][0]["audit"]["digits"]["direction_gap"] = "nan"
    paths = render(data, tmp_path)
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "| `direction` | Limit | **PASS** | — | inf | -inf | nan |" in summary
    assert "min nan" in summary  # a NaN audit is not hidden by the minimum
    assert len(paths) == 4  # the all-NaN series is still plotted ("no finite values")


def test_nan_measured_in_fixture(rendered: tuple[Path, list[Path]]) -> None:
    summary = (rendered[0] / "summary.md").read_text(encoding="utf-8")
    assert "| **UNDECIDED** | nan |" in summary  # measured stored as the string "nan"


def test_zero_rows(tmp_path: Path) -> None:
    paths = render({"schema_version": 1, "provenance": {}, "cases": [], "rows": []}, tmp_path)
    assert [p.name for p in paths] == ["summary.md", "index.html"]
    summary = paths[0].read_text(encoding="utf-8")
    assert "| `all` | 0 | 0 | 0 | 0 | 0 | 0 |" in summary


def test_skipped_case_has_no_plot(results: dict, tmp_path: Path) -> None:
    skipped = [c for c in results["cases"] if not c["series"]]
    data = {**results, "cases": skipped,
            "rows": [r for r in results["rows"] if r["case"] == skipped[0]["case"]]}
    paths = render(data, tmp_path)
    assert [p.name for p in paths] == ["summary.md", "soudry2018-linear.html", "index.html"]
    assert "**VIOLATED**" in paths[0].read_text(encoding="utf-8")
    assert 'class="badge b-VIOLATED"' in paths[1].read_text(encoding="utf-8")


def test_rows_without_case_record(results: dict, tmp_path: Path) -> None:
    data = {**results, "cases": []}
    paths = render(data, tmp_path)
    assert "no case record" in paths[-3].read_text(encoding="utf-8")
    assert "no case record" in paths[-2].read_text(encoding="utf-8")


def test_scaling_and_unknown_basis(results: dict) -> None:
    data = _subset(results, 0, ("direction",))
    data["rows"][0]["evidence"]["basis"] = ["exp(-t)", "1/log t"]
    scaling = {**data["rows"][0], "claim": "norm_scaling", "kind": "Scaling", "quantity": "norm",
               "evidence": {"slope": 0.5, "ci": [0.45, 0.55],
                            "points": {"x": [10, 20, 40, 80, "nan", -1],
                                       "y": [1.0, 1.41, 2.0, 2.83, 1.0, 1.0]}}}
    data["rows"].append(scaling)
    plots = render_plots(data)
    name, png = plots[(scaling["case"], "norm_scaling")]
    assert name.endswith(".svg") and _svg_size(png)[0] > 300
    assert (data["rows"][0]["case"], data["rows"][0]["claim"]) in plots


def test_schema_version_checked(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="schema_version 2"):
        render({"schema_version": 2, "cases": [], "rows": []}, tmp_path)
    with pytest.raises(UserError):
        render([], tmp_path)  # type: ignore[arg-type]


def test_plot_filename() -> None:
    a = plot_filename("thm[n=8,seed=0]", "claim/x y")
    b = plot_filename("thm[n=8,seed=0]", "claim/x_y")
    assert re.fullmatch(r"[A-Za-z0-9_.-]+\.svg", a) and a != b
    assert len(plot_filename("t[" + "p=1," * 100 + "]", "c")) <= 80 + 14
    long = plot_filename("t[" + "p=1," * 100 + "]", "kernel_degrades")
    assert long.startswith("t_p_1_") and "__kernel_degrades-" in long and len(long) <= 80 + 14
    cut = plot_filename("thm[checkpoints=60,eta=1.5,loss=exponential,min_rate=0.9,n=8]", "margin",
                        max_len=52)
    assert cut.startswith("thm_checkpoints_60_eta_1.5_loss_exponential__margin-")  # whole params


def test_values() -> None:
    assert as_float("nan") != as_float("nan")  # NaN
    assert as_float("-inf") == float("-inf") and as_float("svm") is None
    assert fmt(-0.0) == "0" and fmt("inf") == "inf" and fmt(None) == "—"


def test_atomic_write_replaces(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "a.txt"
    atomic_write_text(target, "one")
    atomic_write_text(target, "two")
    assert target.read_text() == "two" and [p.name for p in target.parent.iterdir()] == ["a.txt"]


def test_prints_nothing(results: dict, tmp_path: Path, capfd: pytest.CaptureFixture) -> None:
    render(_subset(results, 1, ("margin_monotone", "norm_over_log_t")), tmp_path)
    assert capfd.readouterr() == ("", "")


@pytest.mark.parametrize("module", [verify.report, verify.report.format])
def test_doctests(module: object) -> None:
    assert doctest.testmod(module).failed == 0  # type: ignore[arg-type]


def test_label_falls_back_to_text() -> None:
    from verify.report.plots import math_label

    assert math_label(r"\|w(t)\|", "q") == r"$\|w(t)\|$"
    assert math_label(r"\begin{cases} a \end{cases}", "q") == "q"  # never raw LaTeX
    assert math_label("", "q") == "q"


def test_sweep_targets_table() -> None:
    prov = {"seeds": [1, 2, 3], "targets": {"kernel": "3/3 optimal (CLARABEL x)",
                                            "f1": "2/3 optimal, 1/3 optimal_inaccurate (C)"}}
    rows = [{"claim": "plain"}, {"claim": "trend", "evidence": {"sweep_runs": prov}}]
    t = sweep_targets_table(rows)
    assert t is not None and len(t.rows) == 2
    assert t.rows[1][1:] == ("3", "f1", "2/3 optimal, 1/3 optimal_inaccurate (C)")
    assert sweep_targets_table(rows[:1]) is None
    titles = [title for title, _ in case_tables(None, rows)]
    assert titles == ["Targets of the sweep runs"]


def test_sweep_quantity_labels() -> None:
    from verify.report.sweepplot import quantity_label, sweep_plot

    record = {"series": {"err": {"label": r"\mathrm{err}_{test}(h_m)"},
                         "bad": {"label": r"\textstyle\sum_k|b_k|\|a_k\|"}}}
    assert quantity_label(record, "err") == r"$\mathrm{err}_{test}(h_m)$"
    assert quantity_label(record, "bad") == "bad"  # mathtext cannot draw it: the name
    assert quantity_label(record, "missing") == "missing" and quantity_label(None, "err") == "err"
    row = {"claim": "c", "outcome": "PASS", "kind": "Trend", "quantity": "err",
           "evidence": {"points": {"x": [1, 2, 2], "y": [0.1, 0.2, 0.3],
                                   "show": {"bad": [0, 1, 2]}}}}
    assert _svg_size(sweep_plot(row, record))[0] > 300 and _svg_size(sweep_plot(row))[0] > 300


# --- typed evidence reader -----------------------------------------------------------------


def _row(result, **extra) -> dict:
    """A results row of a claim result, as results.json stores it."""
    return json.loads(json.dumps({**result.to_row(), **extra}))


def test_reader_reads_what_each_claim_kind_writes() -> None:
    s = np.linspace(2.0, 14.0, 200)
    lim = Limit("c", "g", limit=0.5).evaluate(Series("g", s, 0.5 + 0.3 / s), {})
    ev = read(_row(lim))
    assert isinstance(ev, LimitReading) and ev.L_hat == lim.evidence.L_hat
    assert ev.ci == lim.evidence.ci and ev.basis == lim.evidence.basis
    assert ev.window == lim.evidence.window_log_t and ev.amplitudes.size == len(ev.basis)
    q = 1.0 - np.exp(-s) / 2
    q[37] = 1.3
    bound = Bound("b", "q", upper=1.0).evaluate(Series("q", s, q), {})
    ev = read(_row(bound))
    assert isinstance(ev, BoundReading) and ev.upper.level == 1.0 and ev.lower is None
    assert (ev.witness.log_t, ev.witness.value) == (bound.evidence.witness.log_t, 1.3)
    k = np.arange(200.0)
    mono = Monotone("m", "g", after_log_t=1.0).evaluate(
        Series("g", np.log1p(k), 1 - 1 / (1 + 0.1 * k)), {})
    ev = read(_row(mono))
    assert isinstance(ev, MonotoneReading) and ev.onset_log_t == 1.0 and ev.witness is None
    p = np.repeat([10.0, 20.0, 40.0], 3)
    sc = Scaling("s", "n", exponent=0.5).evaluate(Series("n", np.log(p), p**0.5), {})
    ev = read(_row(sc.with_evidence(points={"x": p.tolist(), "y": (p**0.5).tolist()},
                                    x_label="m")))
    assert isinstance(ev, ScalingReading) and ev.slope == sc.evidence.a_hat
    assert ev.x_label == "m" and ev.points.x.tolist() == p.tolist() and ev.points.show == ()
    x = np.log(np.repeat([2.0, 3.0], 10))
    fr = Frequency("f", "e", probability=lambda m: 0.5).evaluate(
        Series("e", x, np.tile([0.0, 1.0], 10)), {})
    ev = read(_row(fr))
    assert isinstance(ev, FrequencyReading)
    assert [(g.x, g.k, g.n, g.p) for g in ev.groups] == [(2.0, 5, 10, 0.5), (3.0, 5, 10, 0.5)]


def test_reader_defaults_for_absent_and_malformed_evidence() -> None:
    ev = read({"kind": "Limit"})
    assert isinstance(ev, LimitReading) and ev.L_hat is None and ev.basis is None
    assert all(x != x for x in ev.ci + ev.window) and ev.exponent == ev.shift == 0.0
    junk = read({"kind": "Limit", "evidence": {"L_hat": "svm", "basis": "1/t", "points": [1]}})
    assert junk.L_hat is None and junk.basis is None and junk.points is None
    other = read({"kind": "Trend", "evidence": {"x_label": "m", "points": {"x": [1, "nan"]},
                                                "sweep_runs": {"seeds": [1, 2], "targets": 3}}})
    assert type(other) is Reading and other.x_label == "m" and other.points.y.size == 0
    assert other.sweep_runs.n_seeds == 2 and other.sweep_runs.targets == {}
    assert read({"kind": "Frequency", "evidence": {"groups": [{"x": 1}, 5]}}).groups == ()
    assert read({"evidence": [1, 2]}) == Reading()


def test_report_imports_only_at_module_level() -> None:
    for path in Path(verify.report.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        inner = [n.lineno for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)
                 for n in ast.walk(f) if isinstance(n, (ast.Import, ast.ImportFrom))]
        assert not inner, f"{path.name}: imports inside functions at lines {inner}"
        private = [a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
                   and (n.module or "").startswith("verify") for a in n.names
                   if a.name.startswith("_")]
        assert not private, f"{path.name} imports private names {private}"


def test_plots_drawn_on_two_processes_are_the_same_bytes(results: dict) -> None:
    """verify.report.parallel: the rows split among forked processes give, in row order, the
    bytes drawn in turn (enough plots that the pool is used)."""
    data = copy.deepcopy(results)
    rows = data["rows"]
    data["rows"] = [{**rows[i % len(rows)], "claim": f"c{i}"} for i in range(parallel.MIN_PARALLEL)]
    assert parallel.can_fork()
    serial = render_plots(data, jobs=1)
    assert len(serial) >= parallel.MIN_PARALLEL // 2  # most rows have a plot
    assert list(render_plots(data, jobs=2).items()) == list(serial.items())
