"""The output directory: nothing written outside it, one run at a time, reports not silently
replaced, stale plots removed, files 0644, and internal errors logged (exit 3).

Runs in-process with the computation replaced by a stub (``run_jobs`` returns one fake case
per job): what is tested is the directory, not the numbers.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from verify.cli import main as cli_main
from verify.cli import outdir

TINY = Path(__file__).parent / "cases" / "soudry2018-linear.toml"
REPO_CASES = Path(__file__).parents[1] / "cases"
FIXTURE = Path(__file__).parent / "fixtures" / "results_example.json"
SOUDRY, KOU = "soudry2018-linear", "kou2023-leaky"


def _fake_run(jobs, out, *args, **kwargs):
    """One PASS row per job, labelled by case and profile (no computation)."""
    cases = []
    for job in jobs:
        label = f"{job.case.label}/{job.case.profile}"
        row = {"theorem": job.case.theorem, "case": label, "claim": "k", "outcome": "PASS",
               "reason": "", "measured": 1.0, "expected": 1.0}
        cases.append({"theorem": job.case.theorem, "case": label, "params": dict(job.case.params),
                      "rows": [row]})
    return cases


@pytest.fixture
def stubbed(tmp_path, monkeypatch):
    """Case files of soudry (tiny) and kou2023-leaky; run_jobs is a stub."""
    cases = tmp_path / "cases"
    cases.mkdir()
    shutil.copy(TINY, cases / f"{SOUDRY}.toml")
    shutil.copy(REPO_CASES / f"{KOU}.toml", cases / f"{KOU}.toml")
    monkeypatch.setenv("VERIFY_CASES_DIR", str(cases))
    monkeypatch.setattr(cli_main, "run_jobs", _fake_run)
    return tmp_path


def _tree(root: Path, skip: Path) -> dict[str, int]:
    """Every file under ``root`` outside ``skip`` with its modification time."""
    return {str(p): p.stat().st_mtime_ns for p in root.rglob("*")
            if p.is_file() and not p.is_relative_to(skip)}


def _one_error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("verify: error:"), err
    return err[0]


# --------------------------------------------------------------------------- path traversal
def _crafted(tmp_path: Path, theorem: str, params: dict, config_hash: str = "0123456789abcdef") -> Path:
    """A stress results.json with one counterexample (every assumption HOLDS, a claim FAILs)."""
    out = tmp_path / "report"
    out.mkdir()
    case = {"theorem": theorem, "case": "c", "config_hash": config_hash, "params": params,
            "assumptions": [{"name": "A", "status": "HOLDS"}]}
    row = {"theorem": theorem, "case": "c", "claim": "k", "outcome": "FAIL", "reason": "r",
           "measured": 1, "expected": 2}
    doc = {"schema_version": 1, "provenance": {}, "cases": [case], "rows": [row],
           "stress": {"theorem": theorem, "profile": "quick", "varied": {}, "axes": []}}
    (out / "results.json").write_text(json.dumps(doc))
    return out


def test_traversal_through_the_theorem_id_writes_nothing_outside(tmp_path, capsys):
    """The issue's repro: the theorem names ``<other dir>/pyproject`` by an absolute path."""
    other = tmp_path / "other"
    other.mkdir()
    out = _crafted(tmp_path, str(other / "pyproject"), {"n": 8})
    before = _tree(tmp_path, out)
    assert cli_main.main(["report", str(out)]) == 2
    assert "cannot name a case file" in _one_error(capsys)
    assert _tree(tmp_path, out) == before and not (other / "pyproject.toml").exists()
    assert not list(out.rglob("*.toml"))


def test_parameter_key_with_newlines_cannot_inject_a_table(tmp_path, capsys):
    out = _crafted(tmp_path, "thm", {"n\n[build-system]\nrequires": "x", "eta": 0.5})
    before = _tree(tmp_path, out)
    assert cli_main.main(["report", str(out)]) == 2
    assert "not an identifier" in _one_error(capsys)
    assert _tree(tmp_path, out) == before
    assert not any("build-system" in p.read_text() for p in out.rglob("*.toml"))


def test_traversal_through_the_config_hash_is_confined(tmp_path, capsys):
    """A hash of ``../../..`` becomes a slug: the case file is written inside the report."""
    out = _crafted(tmp_path, "thm", {"n": 8, "note": 'a"\n[build-system]'}, config_hash="/../../../x")
    before = _tree(tmp_path, out)
    assert cli_main.main(["report", str(out)]) == 0
    assert _tree(tmp_path, out) == before
    files = list((out / "counterexamples").rglob("*.toml"))
    assert len(files) == 1 and files[0].name == "thm.toml" and files[0].is_relative_to(out)
    import tomllib

    assert tomllib.loads(files[0].read_text()) == {
        "profiles": {"counterexample": {"n": 8, "note": 'a"\n[build-system]'}}}


def test_summary_escapes_html_from_data(stubbed, capsys):
    """A data file named ``<img onerror=...>`` (in the provenance command) is no tag in summary.md."""
    out = stubbed / "o"
    evil = stubbed / "<img src=x onerror=alert(1)>.npz"
    import numpy as np

    np.savez(evil, X=np.eye(2), y=np.array([1.0, -1.0]))
    code = cli_main.main(["run", SOUDRY, "--profile", "quick", "--data", str(evil), "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    summary = (out / "summary.md").read_text()
    assert "onerror" in summary and "<img" not in summary


# --------------------------------------------------------------------------- one run at a time
def test_a_second_concurrent_run_is_refused(stubbed, monkeypatch, capsys):
    """While a run holds OUT, the same command into OUT is refused, naming the holder's pid."""
    out = stubbed / "o"
    argv = ["run", SOUDRY, "--profile", "quick", "--out", str(out)]
    seen = {}

    def run_and_try_again(jobs, where, *args, **kwargs):
        seen["code"] = cli_main.main(argv)  # a second run while the first holds the lock
        seen["err"] = capsys.readouterr().err
        return _fake_run(jobs, where)

    monkeypatch.setattr(cli_main, "run_jobs", run_and_try_again)
    assert cli_main.main(argv) == 0
    assert seen["code"] == 2 and f"in use by another verify run (pid {os.getpid()}" in seen["err"]
    assert not (out / outdir.LOCK).exists()  # released
    monkeypatch.setattr(cli_main, "run_jobs", _fake_run)
    assert cli_main.main(argv) == 0  # and free again


def test_a_lock_held_by_another_process_then_killed(stubbed, capsys):
    """Another process holds OUT: refused with its pid; once it is killed (-9) the lock is taken over."""
    out = stubbed / "o"
    out.mkdir()
    code = ("import sys, time; from pathlib import Path; from verify.cli.outdir import lock\n"
            "with lock(Path(sys.argv[1]), 'verify run elsewhere'):\n"
            "    print('held', flush=True); time.sleep(120)\n")
    holder = subprocess.Popen([sys.executable, "-c", code, str(out)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        argv = ["run", SOUDRY, "--profile", "quick", "--out", str(out)]
        assert cli_main.main(argv) == 2
        line = _one_error(capsys)
        assert f"pid {holder.pid}: verify run elsewhere" in line and "--out" in line
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
        assert (out / outdir.LOCK).exists()  # a stale lock file of a dead pid ...
        assert cli_main.main(argv) == 0  # ... is taken over
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()


def test_lock_file_of_a_dead_pid_is_taken_over(stubbed, capsys):
    out = stubbed / "o"
    out.mkdir()
    (out / outdir.LOCK).write_text("pid 999999999: verify run long gone\n")
    assert cli_main.main(["run", SOUDRY, "--profile", "quick", "--out", str(out)]) == 0


# --------------------------------------------------------------------------- a report belongs to one command
def _rows(out: Path) -> set[tuple[str, str]]:
    doc = json.loads((out / "results.json").read_text())
    return {(r["theorem"], r["case"].rsplit("/", 1)[1]) for r in doc["rows"]}


def test_another_command_is_refused_and_append_merges(stubbed, capsys):
    out = stubbed / "o"
    first = ["run", SOUDRY, "--profile", "quick", "--out", str(out)]
    assert cli_main.main(first) == 0
    assert cli_main.main(first) == 0  # the same command resumes
    capsys.readouterr()
    other = ["run", KOU, "--profile", "quick", "--out", str(out)]
    assert cli_main.main(other) == 2
    line = _one_error(capsys)
    assert "--out NEW" in line and "--append" in line and "--fresh" in line
    assert _rows(out) == {(SOUDRY, "quick")}  # untouched
    assert cli_main.main(other + ["--append"]) == 0
    assert _rows(out) == {(SOUDRY, "quick"), (KOU, "quick")}
    doc = json.loads((out / "results.json").read_text())
    assert doc["provenance"]["appended_to"] == [f"verify run {SOUDRY} --profile quick --out {out}"]
    assert cli_main.main(["run", SOUDRY, "--profile", "default", "--out", str(out), "--append"]) == 0
    assert _rows(out) == {(SOUDRY, "quick"), (KOU, "quick"), (SOUDRY, "default")}
    assert cli_main.main(["run", KOU, "--profile", "quick", "--out", str(out), "--fresh"]) == 0
    assert _rows(out) == {(KOU, "quick")}  # --fresh replaces


def test_a_stress_or_hunt_report_is_not_replaced_by_a_run(stubbed, capsys):
    out = stubbed / "o"
    out.mkdir()
    doc = {"schema_version": 1, "provenance": {"profile": "quick"}, "cases": [{"theorem": SOUDRY}],
           "rows": [], "stress": {"theorem": SOUDRY, "profile": "quick", "varied": {}}}
    (out / "results.json").write_text(json.dumps(doc))
    assert cli_main.main(["run", SOUDRY, "--profile", "quick", "--out", str(out)]) == 2
    assert "`verify stress`" in _one_error(capsys)
    assert cli_main.main(["run", SOUDRY, "--profile", "quick", "--out", str(out), "--append"]) == 2
    assert "--append merges `verify run` reports" in _one_error(capsys)


# --------------------------------------------------------------------------- plots, modes, logs
def test_plots_no_longer_referenced_are_removed(tmp_path, capsys):
    out = tmp_path / "r"
    (out / "plots").mkdir(parents=True)
    shutil.copy(FIXTURE, out / "results.json")
    (out / "plots" / "stale-from-an-older-report.png").write_bytes(b"\x89PNG")
    (out / "plots" / "notes.txt").write_text("not a plot")
    assert cli_main.main(["report", str(out)]) == 0
    plots = {p.name for p in (out / "plots").iterdir()}
    assert "stale-from-an-older-report.png" not in plots and "notes.txt" in plots
    summary = (out / "summary.md").read_text()
    pngs = {p for p in plots if p.endswith((".png", ".svg"))}
    assert pngs and all(f"plots/{p}" in summary for p in pngs)  # every plot kept is referenced


def test_files_are_0644_under_umask_022(stubbed, monkeypatch, capsys):
    old = os.umask(0o022)
    try:
        out = stubbed / "o"
        modes = {}

        def run_and_look(jobs, where, *args, **kwargs):
            modes["lock"] = stat.S_IMODE((out / outdir.LOCK).stat().st_mode)
            return _fake_run(jobs, where)

        monkeypatch.setattr(cli_main, "run_jobs", run_and_look)
        assert cli_main.main(["run", SOUDRY, "--profile", "quick", "--out", str(out)]) == 0
        for name in ("results.json", "summary.md", "index.html"):
            modes[name] = stat.S_IMODE((out / name).stat().st_mode)
        monkeypatch.setattr(cli_main, "run_jobs", _boom)
        assert cli_main.main(["run", SOUDRY, "--profile", "quick", "--out", str(out)]) == 3
        modes["log"] = stat.S_IMODE((out / "verify-error.log").stat().st_mode)
    finally:
        os.umask(old)
    assert set(modes.values()) == {0o644}, modes


def _boom(*args, **kwargs):
    raise RuntimeError("a bug in the engine")


def test_an_internal_error_is_exit_3_with_a_log(stubbed, monkeypatch, capsys):
    out = stubbed / "o"
    monkeypatch.setattr(cli_main, "run_jobs", _boom)
    assert cli_main.main(["run", SOUDRY, "--profile", "quick", "--out", str(out)]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("verify: internal error: RuntimeError: a bug in the engine")
    log = out / "verify-error.log"
    assert str(log) in err[0] and "Traceback" in log.read_text() and "_boom" in log.read_text()
    assert not (out / outdir.LOCK).exists()


def test_an_internal_error_without_an_output_directory_logs_to_temp(monkeypatch, capsys):
    monkeypatch.setattr(cli_main, "cmd_list", _boom)
    assert cli_main.main(["list"]) == 3
    err = capsys.readouterr().err.strip()
    log = Path(err.rsplit("the traceback is in ", 1)[1].rstrip(")"))
    try:
        assert log.parent == Path(__import__("tempfile").gettempdir()) and "_boom" in log.read_text()
    finally:
        log.unlink(missing_ok=True)


def test_prepare_checks_before_any_work(tmp_path):
    """``prepare`` refuses at once, and leaves no probe behind when it accepts."""
    ok = outdir.prepare(tmp_path / "new" / "deep")
    assert ok.is_dir() and not list(ok.iterdir())
    (tmp_path / "f").write_text("x")
    with pytest.raises(cli_main.UserError, match="is a file"):
        outdir.prepare(tmp_path / "f")
    started = time.perf_counter()
    with pytest.raises(cli_main.UserError, match="not a writable directory"):
        outdir.prepare(Path("/proc/verify-out"))
    assert time.perf_counter() - started < 1.0


def _verify_run(out: Path, env: dict[str, str], cwd: Path) -> list[dict]:
    cmd = [sys.executable, "-m", "verify", "run", SOUDRY, "--profile", "quick", "--jobs", "1",
           "--out", str(out)]
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode in (0, 1), done.stderr
    rows = json.loads((out / "results.json").read_text())["rows"]
    return [{k: r.get(k) for k in ("case", "claim", "outcome", "measured", "evidence")} for r in rows]


def test_compiled_kernels_are_cached_in_the_output_directory(tmp_path):
    """Without NUMBA_CACHE_DIR, `verify run` caches the compiled kernels in OUT/.cache/numba
    and writes nothing outside OUT; a run loading them from a user's NUMBA_CACHE_DIR writes
    no cache of its own and gives the same rows."""
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["VERIFY_CASES_DIR"] = str(TINY.parent)
    first = _verify_run(tmp_path / "one", env, tmp_path)
    cache = tmp_path / "one" / outdir.KERNEL_CACHE
    assert list(cache.rglob("*.nbi")) and list(cache.rglob("*.nbc"))  # index and compiled code
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one"]
    again = _verify_run(tmp_path / "two", env | {"NUMBA_CACHE_DIR": str(cache)}, tmp_path)
    assert again == first and not (tmp_path / "two" / ".cache").exists()
