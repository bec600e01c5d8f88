"""Bad input, as a careless or hostile user gives it: one ``verify: error:`` line, exit 2.

A table of case files, command-line flags, data files, results files, stress and hunt
arguments (no traceback, ever).  Every entry runs in-process through ``verify.cli.main.main``
and none may reach a computation: ``run_jobs``, ``run_sweep`` and the hunt's ``run_case`` are
replaced by tripwires, so a bad input that slips through fails its entry instead of starting a
run.  The file needs nothing but ``main``, so the same table runs against an older checkout
(issue 20 counted the entries handled before and after: 103 of 194 before, all after).
"""
from __future__ import annotations

import contextlib
import fcntl
import io
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest

from verify.cli import main as cli_main

TINY = Path(__file__).parent / "cases" / "soudry2018-linear.toml"
SOUDRY = "soudry2018-linear"
QUICK = "[profiles.quick]\nn = 6\nd = 2\neta = 1.0\nsteps = 3000\ncheckpoints = 30\n"


class ReachedWork(BaseException):
    """A bad input got past every check and would have started a computation (a BaseException,
    so no ``except Exception`` on the way swallows it)."""


def _tripwire(*args, **kwargs):
    raise ReachedWork("a bad input reached the computation")


@pytest.fixture
def world(monkeypatch):
    """A world-readable scratch directory with the tiny case file; tripwires on all work."""
    root = Path(tempfile.mkdtemp(prefix="verify-bad-"))
    os.chmod(root, 0o755)
    cases = root / "cases"
    cases.mkdir(mode=0o755)
    shutil.copy(TINY, cases / f"{SOUDRY}.toml")
    os.chmod(cases / f"{SOUDRY}.toml", 0o644)
    monkeypatch.setenv("VERIFY_CASES_DIR", str(cases))
    monkeypatch.setattr(cli_main, "run_jobs", _tripwire)
    monkeypatch.setattr(sys.modules["verify.cli.stress"], "run_sweep", _tripwire)
    monkeypatch.setattr(sys.modules["verify.explore.hunt"], "run_case", _tripwire)
    yield root
    for path in root.rglob("*"):
        with contextlib.suppress(OSError):
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
    shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def unprivileged():
    """Run as nobody when root (a read-only directory does not stop root)."""
    if os.geteuid() != 0:
        yield
        return
    os.setegid(65534)
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


def assert_one_line_exit_2(argv, capsys, needle="", as_nobody=False):
    """``main(argv)`` exits 2 with exactly one ``verify: error:`` line on stderr, no traceback."""
    try:
        with unprivileged() if as_nobody else contextlib.nullcontext():
            code = cli_main.main([str(a) for a in argv])
    except BaseException as exc:  # noqa: BLE001 (what an older checkout does: a traceback)
        pytest.fail(f"raised {type(exc).__name__}: {str(exc)[:200]}")
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert "Traceback" not in captured.err, captured.err
    assert code == 2, (code, captured.err)
    assert len(lines) == 1 and lines[0].startswith("verify: error:"), lines
    assert needle in lines[0], lines[0]


# --------------------------------------------------------------------------- case files
LIST_100 = "[" + ", ".join(str(k) for k in range(2, 102)) + "]"
CASE_FILES = [
    ("not-utf8", b'[profiles.quick]\nloss = "logistic\xe9"\n', "UTF-8"),
    ("utf16-bom", QUICK.encode("utf-16"), "UTF-16"),
    ("utf16-be-bom", b"\xfe\xff" + QUICK.encode("utf-16-be"), "UTF-16"),
    ("utf16-no-bom", QUICK.encode("utf-16-le"), "TOML"),
    ("nul-byte", b"[profiles.quick]\nn = 8\x00\n", "TOML"),
    ("unclosed-table", b"[profiles.quick\nn = 8\n", "TOML"),
    ("missing-value", b"[profiles.quick]\nn = \n", "TOML"),
    ("duplicate-key", b"[profiles.quick]\nn = 8\nn = 9\n", "TOML"),
    ("giant-int-literal", b"[profiles.quick]\nn = " + b"9" * 5000 + b"\n", "TOML"),
    ("unknown-top-key", b"foo = 1\n" + QUICK.encode(), "foo"),
    ("unknown-top-table", b"[settings]\nn = 8\n", "settings"),
    ("profiles-a-number", b"profiles = 5\n", "profiles"),
    ("profile-a-number", b"[profiles]\nquick = 5\n", "not a table"),
    ("profiles-array-of-tables", b"[[profiles]]\nn = 1\n", "profiles"),
    ("empty-file", b"", "no profile 'quick'"),
    ("unknown-key", b"[profiles.quick]\nstepz = 10\n", "stepz"),
    ("quoted-key-newline", b'[profiles.quick]\n"a\\nb" = 1\n', "unknown key"),
    ("nested-table", b"[profiles.quick.inner]\nn = 1\n", "inner"),
    ("loss-empty-list", b"[profiles.quick]\nloss = []\n", "loss = []"),
    ("nested-empty-list", b"[profiles.quick]\nn = [[]]\n", "n = []"),
    ("n-string", b'[profiles.quick]\nn = "eight"\n', "n="),
    ("n-fraction", b"[profiles.quick]\nn = 8.5\n", "n=8.5"),
    ("n-bool", b"[profiles.quick]\nn = true\n", "n=True"),
    ("n-date", b"[profiles.quick]\nn = 1979-05-27\n", "n="),
    ("n-mixed-list", b'[profiles.quick]\nn = [8, "a"]\n', "n="),
    ("n-list-of-tables", b"[profiles.quick]\nn = [{a = 1}]\n", "n="),
    ("n-huge", b"[profiles.quick]\nn = 99999999999999999999\n", "64 bits"),
    ("eta-negative", b"[profiles.quick]\neta = -0.5\n", "eta=-0.5"),
    ("eta-zero", b"[profiles.quick]\neta = 0.0\n", "eta=0.0"),
    ("eta-nan", b"[profiles.quick]\neta = nan\n", "eta=nan"),
    ("eta-inf", b"[profiles.quick]\neta = inf\n", "eta=inf"),
    ("eta-overflow-literal", b"[profiles.quick]\neta = 1e400\n", "eta=inf"),
    ("steps-zero", b"[profiles.quick]\nsteps = 0\n", "steps=0"),
    ("steps-over-cap", b"[profiles.quick]\nsteps = 1_000_000_000\n", "steps=1000000000"),
    ("checkpoints-two", b"[profiles.quick]\ncheckpoints = 2\n", "checkpoints=2"),
    ("seed-negative", b"[profiles.quick]\nseed = -1\n", "seed=-1"),
    ("sigma0-negative", b"[profiles.quick]\nsigma0 = -1.0\n", "sigma0=-1.0"),
    ("max-log-t-negative", b"[profiles.quick]\nmax_log_t = -1.0\n", "max_log_t"),
    ("loss-unknown", b'[profiles.quick]\nloss = "hinge2"\n', "hinge2"),
    ("reduction-unknown", b'[profiles.quick]\nreduction = "max"\n', "max"),
    ("backend-unknown", b'[profiles.quick]\nbackend = "gpu"\n', "gpu"),
    ("step-rule-unknown", b'[profiles.quick]\nstep_rule = "fast"\n', "fast"),
    ("coords-unknown", b'[profiles.quick]\ncoords = "polar"\n', "polar"),
    ("dps-too-small", b"[profiles.quick]\ndps = 5\n", "dps=5"),
    ("step-check-string", b'[profiles.quick]\nstep_check = "yes"\n', "step_check"),
    ("lists-explode", f"[profiles.quick]\nn = {LIST_100}\nd = {LIST_100}\nsteps = {LIST_100}\n".encode(),
     "more than"),
]


@pytest.mark.parametrize("content, needle", [pytest.param(c, n, id=i) for i, c, n in CASE_FILES])
def test_bad_case_file(content, needle, world, capsys):
    (world / "cases" / f"{SOUDRY}.toml").write_bytes(content)
    assert_one_line_exit_2(["run", SOUDRY, "--profile", "quick", "--out", world / "out"], capsys, needle)


def test_case_file_that_is_a_directory(world, capsys):
    path = world / "cases" / f"{SOUDRY}.toml"
    path.unlink()
    path.mkdir()
    assert_one_line_exit_2(["run", SOUDRY, "--profile", "quick", "--out", world / "out"], capsys,
                           "cannot read case file")


# --------------------------------------------------------------------------- run flags
def _file(world: Path) -> Path:
    path = world / "a-file"
    path.write_text("not a directory")
    return path


def _readonly(world: Path) -> Path:
    path = world / "readonly"
    path.mkdir(exist_ok=True)
    os.chmod(path, 0o555)
    return path


def _plots_file(world: Path) -> Path:
    out = world / "o"
    out.mkdir()
    (out / "plots").write_text("x")
    return out


def _results_dir(world: Path) -> Path:
    out = world / "o"
    (out / "results.json").mkdir(parents=True)
    return out


def _other_report(world: Path) -> Path:
    """A directory holding the report of another command (theorem kou2023-leaky, profile quick)."""
    out = world / "o"
    out.mkdir()
    doc = {"schema_version": 1, "provenance": {"profile": "quick", "command": "verify run kou2023-leaky"},
           "cases": [{"theorem": "kou2023-leaky", "case": "kou2023-leaky[seed=0]"}], "rows": []}
    (out / "results.json").write_text(json.dumps(doc))
    return out


_HELD: list = []


def _locked(world: Path) -> Path:
    """A directory another (live) verify run holds: its lock file, flock-ed by this process."""
    out = world / "o"
    out.mkdir()
    handle = open(out / ".verify.lock", "w")  # noqa: SIM115 (held until the test ends)
    handle.write(f"pid {os.getpid()}: verify run elsewhere\n")
    handle.flush()
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    _HELD.append(handle)
    return out


OUT_PLACES = {
    "file": (_file, False, "is a file"),
    "readonly": (_readonly, True, "not a writable directory"),
    "proc-new": (lambda w: Path("/proc/verify-no-such-dir"), False, "not a writable directory"),
    "proc-self": (lambda w: Path("/proc/self"), False, "not a writable directory"),
    "under-a-file": (lambda w: _file(w) / "sub", False, "a-file/sub"),
    "dev-null": (lambda w: Path("/dev/null"), False, "is a file"),
    "plots-is-a-file": (_plots_file, False, "plots is a file"),
    "results-is-a-dir": (_results_dir, False, "results.json is a folder"),
    "other-report": (_other_report, False, "--append"),
    "locked": (_locked, False, "in use by another verify run"),
}


@pytest.fixture(autouse=True)
def _release_locks():
    yield
    while _HELD:
        _HELD.pop().close()


@pytest.mark.parametrize("place", list(OUT_PLACES))
def test_run_into_a_bad_out(place, world, capsys):
    make, nobody, needle = OUT_PLACES[place]
    argv = ["run", SOUDRY, "--profile", "quick", "--out", make(world)]
    assert_one_line_exit_2(argv, capsys, needle, as_nobody=nobody)


RUN_FLAGS = [
    ("no-theorem", [], "name theorems"),
    ("all-and-names", ["--all", SOUDRY], "not both"),
    ("unknown-theorem", ["no-such-theorem"], "no-such-theorem"),
    ("unknown-profile", [SOUDRY, "--profile", "nope"], "nope"),
    ("jobs-zero", [SOUDRY, "--jobs", "0"], "--jobs 0"),
    ("jobs-negative", [SOUDRY, "--jobs", "-1"], "--jobs -1"),
    ("jobs-word", [SOUDRY, "--jobs", "two"], "--jobs"),
    ("jobs-million", [SOUDRY, "--jobs", "1000000"], "--jobs 1000000"),
    ("seed-negative", [SOUDRY, "--seed", "-1"], "seed=-1"),
    ("seed-word", [SOUDRY, "--seed", "x"], "--seed"),
    ("seed-float", [SOUDRY, "--seed", "1.5"], "--seed"),
    ("seed-huge", [SOUDRY, "--seed", "9" * 30], "64 bits"),
    ("dps-small", [SOUDRY, "--dps", "5"], "dps=5"),
    ("dps-huge", [SOUDRY, "--dps", "100000"], "dps=100000"),
    ("backend-unknown", [SOUDRY, "--backend", "gpu"], "gpu"),
    ("unknown-flag", [SOUDRY, "--bogus"], "--bogus"),
    ("data-without-value", [SOUDRY, "--data"], "--data"),
    ("profile-without-value", [SOUDRY, "--profile"], "--profile"),
]


@pytest.mark.parametrize("args, needle", [pytest.param(a, n, id=i) for i, a, n in RUN_FLAGS])
def test_bad_run_flag(args, needle, world, capsys):
    assert_one_line_exit_2(["run", *args, "--out", world / "out"], capsys, needle)


@pytest.mark.parametrize("argv, needle", [
    pytest.param([], "command", id="no-command"),
    pytest.param(["frobnicate"], "frobnicate", id="unknown-command"),
    pytest.param(["list", "extra"], "extra", id="list-extra-argument"),
    pytest.param(["--version-of-nothing"], "", id="unknown-top-flag"),
])
def test_bad_command_line(argv, needle, world, capsys):
    assert_one_line_exit_2(argv, capsys, needle)


# --------------------------------------------------------------------------- data files
def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
Y = np.array([1.0, 1.0, -1.0, -1.0])
NPY = io.BytesIO()
np.save(NPY, X)
DATA = [
    ("empty-file", b"", "not a readable .npz"),
    ("text-file", b"X,y\n1,2\n", "not a readable .npz"),
    ("npy-not-npz", NPY.getvalue(), "single array"),
    ("pickle", pickle.dumps({"X": X, "y": Y}), "not a readable .npz"),
    ("truncated-zip", _npz(X=X, y=Y)[:120], "not a readable .npz"),
    ("zip-of-text", None, ""),
    ("missing-X", _npz(y=Y), "missing array"),
    ("missing-y", _npz(X=X), "missing array"),
    ("complex-X", _npz(X=X + 1j, y=Y), "complex"),
    ("complex-y", _npz(X=X, y=Y + 0j), "complex"),
    ("string-labels", _npz(X=X, y=np.array(["a", "a", "b", "b"])), "dtype"),
    ("bytes-labels", _npz(X=X, y=np.array([b"a", b"a", b"b", b"b"])), "dtype"),
    ("string-X", _npz(X=X.astype(str), y=Y), "dtype"),
    ("object-array", _npz(X=np.array([X[0], "a"], dtype=object), y=Y), "not a readable .npz"),
    ("datetime-X", _npz(X=np.zeros((4, 2), dtype="datetime64[s]"), y=Y), "dtype"),
    ("record-X", _npz(X=np.zeros(4, dtype=[("a", float), ("b", float)]), y=Y), "dtype"),
    ("X-1d", _npz(X=X[:, 0], y=Y), ""),
    ("X-3d", _npz(X=X[:, :, None], y=Y), ""),
    ("X-scalar", _npz(X=np.float64(1.0), y=Y), ""),
    ("y-too-short", _npz(X=X, y=Y[:3]), ""),
    ("y-two-columns", _npz(X=X, y=np.c_[Y, Y]), ""),
    ("X-nan", _npz(X=np.where(X == 1.0, np.nan, X), y=Y), ""),
    ("X-inf", _npz(X=np.where(X == 1.0, np.inf, X), y=Y), ""),
]


@pytest.mark.parametrize("content, needle", [pytest.param(c, n, id=i) for i, c, n in DATA])
def test_bad_data_file(content, needle, world, capsys):
    path = world / "data.npz"
    if content is None:
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("X.npy", "not an array")
            z.writestr("y.npy", "not an array")
    else:
        path.write_bytes(content)
    argv = ["run", SOUDRY, "--profile", "quick", "--data", path, "--out", world / "out"]
    assert_one_line_exit_2(argv, capsys, needle)


@pytest.mark.parametrize("where, needle", [
    pytest.param(lambda w: w / "none.npz", "does not exist", id="missing"),
    pytest.param(lambda w: w, "does not exist", id="a-directory"),
])
def test_data_file_that_is_not_there(where, needle, world, capsys):
    argv = ["run", SOUDRY, "--profile", "quick", "--data", where(world), "--out", world / "out"]
    assert_one_line_exit_2(argv, capsys, needle)


# --------------------------------------------------------------------------- results files
def _doc(**fields) -> dict:
    return {"schema_version": 1, "provenance": {}, "cases": [], "rows": [], **fields}


ROW = {"theorem": "t", "case": "c", "claim": "k", "outcome": "PASS", "reason": "", "measured": 1,
       "expected": 1}
ELSEWHERE = Path(tempfile.gettempdir()) / "verify-bad-inputs-elsewhere"
CRAFTED_CASE = {"theorem": str(ELSEWHERE / "pyproject"), "case": "c", "config_hash": "0123456789abcdef",
                "params": {"n": 8}, "assumptions": [{"name": "A", "status": "HOLDS"}]}
BAD_KEY_CASE = {**CRAFTED_CASE, "theorem": "t", "params": {"n\n[build-system]\nx": 1}}
REPORTS = [
    ("a-list", [], "a list"),
    ("a-string", "hello", "a string"),
    ("null", None, "null"),
    ("a-number", 5, "a number"),
    ("missing-schema-version", {"rows": []}, "schema_version"),
    ("schema-version-2", _doc(schema_version=2), "schema_version 2"),
    ("schema-version-string", _doc(schema_version="1"), "schema_version '1'"),
    ("rows-a-number", _doc(rows=5), "rows"),
    ("rows-null", _doc(rows=None), "rows"),
    ("rows-an-object", _doc(rows={}), "rows"),
    ("row-a-number", _doc(rows=[5]), "rows[0]"),
    ("row-lacks-fields", _doc(rows=[{"theorem": "t"}]), "lacks"),
    ("row-outcome-number", _doc(rows=[{**ROW, "outcome": 5}]), "outcome"),
    ("row-case-list", _doc(rows=[{**ROW, "case": [1]}]), "case"),
    ("row-reason-object", _doc(rows=[{**ROW, "reason": {"a": 1}}]), "reason"),
    ("cases-a-number", _doc(cases=5), "cases"),
    ("case-a-number", _doc(cases=[5]), "cases[0]"),
    ("case-params-list", _doc(cases=[{"case": "c", "params": [1]}]), "params"),
    ("case-assumptions-number", _doc(cases=[{"case": "c", "assumptions": 5}]), "assumptions"),
    ("assumption-name-number", _doc(cases=[{"case": "c", "assumptions": [{"name": 1}]}]), "name"),
    ("case-series-list", _doc(cases=[{"case": "c", "series": []}]), "series"),
    ("provenance-a-number", _doc(provenance=5), "provenance"),
    ("provenance-a-list", _doc(provenance=[]), "provenance"),
    ("stress-a-number", _doc(stress=5), "stress"),
    ("stress-varied-number", _doc(stress={"varied": 5}), "varied"),
    ("traversal-theorem", _doc(cases=[CRAFTED_CASE], rows=[{**ROW, "case": "c", "outcome": "FAIL"}],
                               stress={"theorem": str(ELSEWHERE / "pyproject"), "varied": {}}),
     "cannot name a case file"),
    ("newline-parameter-key", _doc(cases=[BAD_KEY_CASE], rows=[{**ROW, "case": "c", "outcome": "FAIL"}],
                                   stress={"theorem": "t", "varied": {}}), "not an identifier"),
]
RAW_REPORTS = [
    ("not-json", b"{not json", "not valid JSON"),
    ("empty-file", b"", "not valid JSON"),
    ("not-utf8", b'{"schema_version": 1, "x": "\xe9"}', "UTF-8"),
    ("utf16", json.dumps(_doc()).encode("utf-16"), "UTF-8"),
    ("deeply-nested", b"[" * 100_000 + b"]" * 100_000, "nested"),
    ("nan-literal", b"NaN", "a number"),
]


@pytest.mark.parametrize("content, needle",
                         [pytest.param(json.dumps(c).encode(), n, id=i) for i, c, n in REPORTS]
                         + [pytest.param(c, n, id=i) for i, c, n in RAW_REPORTS])
def test_bad_results_file(content, needle, world, capsys):
    out = world / "r"
    out.mkdir()
    (out / "results.json").write_bytes(content)
    shutil.rmtree(ELSEWHERE, ignore_errors=True)
    assert_one_line_exit_2(["report", out], capsys, needle)
    assert not ELSEWHERE.exists()  # nothing written outside the report directory


def _readonly_report(world: Path) -> Path:
    out = world / "r"
    out.mkdir()
    (out / "results.json").write_text(json.dumps(_doc()))
    os.chmod(out / "results.json", 0o644)
    os.chmod(out, 0o555)
    return out


@pytest.mark.parametrize("make, nobody, needle", [
    pytest.param(lambda w: w / "none", False, "does not exist", id="no-such-dir"),
    pytest.param(lambda w: w, False, "does not exist", id="no-results-json"),
    pytest.param(_file, False, "does not exist", id="a-file"),
    pytest.param(_results_dir, False, "does not exist", id="results-json-a-dir"),
    pytest.param(_readonly_report, True, "not a writable directory", id="read-only-dir"),
])
def test_bad_report_directory(make, nobody, needle, world, capsys):
    assert_one_line_exit_2(["report", make(world)], capsys, needle, as_nobody=nobody)


# --------------------------------------------------------------------------- stress and hunt
STRESS = [
    ("no-theorem", [], "THEOREM"),
    ("unknown-theorem", ["no-such-theorem"], "no-such-theorem"),
    ("unknown-grid", [SOUDRY, "--grid", "nope"], "no grid 'nope'"),
    ("vary-unknown-param", [SOUDRY, "--vary", "bogus=1,2"], "'bogus' is not a parameter"),
    ("vary-out-of-range", [SOUDRY, "--vary", "eta=-1,2"], "out of range"),
    ("vary-not-int", [SOUDRY, "--vary", "n=two"], "is not a int"),
    ("vary-fraction-int", [SOUDRY, "--vary", "n=1.5"], "n=1.5"),
    ("vary-no-equals", [SOUDRY, "--vary", "eta"], "PARAM=V1,V2"),
    ("vary-no-values", [SOUDRY, "--vary", "eta="], "PARAM=V1,V2"),
    ("vary-no-name", [SOUDRY, "--vary", "=1,2"], "is not a parameter"),
    ("vary-empty-value", [SOUDRY, "--vary", "eta=1,,2"], "eta="),
    ("vary-seed", [SOUDRY, "--vary", "seed=1,2"], "--seeds"),
    ("vary-twice", [SOUDRY, "--vary", "eta=1", "--vary", "eta=2"], "twice"),
    ("vary-nan", [SOUDRY, "--vary", "eta=nan"], "finite"),
    ("vary-inf", [SOUDRY, "--vary", "eta=inf"], "finite"),
    ("vary-int-overflow", [SOUDRY, "--vary", "n=1e400"], "n="),
    ("vary-unknown-loss", [SOUDRY, "--vary", "loss=hinge2"], "hinge2"),
    ("axes-not-varied", [SOUDRY, "--vary", "eta=1,2", "--axes", "margin"], "--axes"),
    ("axes-twice", [SOUDRY, "--vary", "eta=1,2", "--axes", "eta,eta"], "--axes"),
    ("axes-three", [SOUDRY, "--vary", "eta=1,2", "--axes", "eta,n,d"], "--axes"),
    ("seeds-zero", [SOUDRY, "--vary", "eta=1,2", "--seeds", "0"], "--seeds 0"),
    ("seeds-negative", [SOUDRY, "--vary", "eta=1,2", "--seeds", "-3"], "--seeds -3"),
    ("seeds-billion", [SOUDRY, "--vary", "eta=1,2", "--seeds", "1000000000"], "--seeds 1000000000"),
    ("jobs-zero", [SOUDRY, "--vary", "eta=1,2", "--jobs", "0"], "--jobs 0"),
    ("jobs-million", [SOUDRY, "--vary", "eta=1,2", "--jobs", "1000000"], "--jobs 1000000"),
    ("unknown-profile", [SOUDRY, "--vary", "eta=1,2", "--profile", "nope"], "nope"),
    ("grid-values-explode", [SOUDRY, "--vary", "n=" + ",".join(map(str, range(2, 502))),
                             "--vary", "d=" + ",".join(map(str, range(1, 501)))], "more than"),
]


@pytest.mark.parametrize("args, needle", [pytest.param(a, n, id=i) for i, a, n in STRESS])
def test_bad_stress_arguments(args, needle, world, capsys):
    assert_one_line_exit_2(["stress", *args, "--out", world / "out"], capsys, needle)
    assert not (world / "out" / "cases").exists()


GRIDS = [
    ("grid-unknown-key", b"[grids.default]\nbogus = [1, 2]\n", "bogus"),
    ("grid-empty-list", b"[grids.default]\neta = []\n", "eta = []"),
    ("grid-seed", b"[grids.default]\nseed = [1, 2]\n", "--seeds"),
    ("grid-table-value", b"[grids.default]\neta = [{a = 1}]\n", "eta="),
    ("grid-not-a-table", b"[grids]\ndefault = 3\n", "not a table"),
]


@pytest.mark.parametrize("grid, needle", [pytest.param(g, n, id=i) for i, g, n in GRIDS])
def test_bad_stress_grid(grid, needle, world, capsys):
    (world / "cases" / f"{SOUDRY}.toml").write_bytes(TINY.read_bytes() + b"\n" + grid)
    assert_one_line_exit_2(["stress", SOUDRY, "--grid", "default", "--out", world / "out"], capsys, needle)


@pytest.mark.parametrize("place", ["file", "proc-new", "readonly", "other-report", "locked"])
def test_stress_into_a_bad_out(place, world, capsys):
    make, nobody, needle = OUT_PLACES[place]
    argv = ["stress", SOUDRY, "--vary", "eta=1,2", "--out", make(world)]
    assert_one_line_exit_2(argv, capsys, needle.replace("--append", "--fresh"), as_nobody=nobody)


HUNT = [
    ("unknown-theorem", ["no-such-theorem"], "no-such-theorem"),
    ("unknown-drop", [SOUDRY, "--drop", "nope"], "'nope' is not an assumption"),
    ("budget-zero", [SOUDRY, "--budget", "0"], "--budget 0"),
    ("budget-negative", [SOUDRY, "--budget", "-1"], "--budget -1"),
    ("budget-word", [SOUDRY, "--budget", "x"], "--budget"),
    ("shrink-negative", [SOUDRY, "--shrink", "-1"], "shrink budget -1"),
    ("seed-negative", [SOUDRY, "--seed", "-1"], "--seed -1"),
    ("unknown-profile", [SOUDRY, "--profile", "nope"], "nope"),
    ("perturb-with-value", [SOUDRY, "--perturb=yes"], "--perturb"),
]


@pytest.mark.parametrize("args, needle", [pytest.param(a, n, id=i) for i, a, n in HUNT])
def test_bad_hunt_arguments(args, needle, world, capsys):
    assert_one_line_exit_2(["hunt", *args, "--out", world / "out"], capsys, needle)


@pytest.mark.parametrize("place", ["file", "proc-self", "readonly", "other-report", "locked"])
def test_hunt_into_a_bad_out(place, world, capsys):
    make, nobody, needle = OUT_PLACES[place]
    needle = "--out NEW" if place == "other-report" else needle
    assert_one_line_exit_2(["hunt", SOUDRY, "--out", make(world)], capsys, needle, as_nobody=nobody)


# --------------------------------------------------------------------------- a closed pipe
def test_list_into_a_closed_pipe_is_one_line_exit_2():
    """``verify list | head``: the reader goes away; one line on stderr, no traceback."""
    code = "import sys; from verify.cli.main import main; sys.exit(main(['list']))"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader exits before verify writes
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("verify: error: stdout was closed"), err
