"""Fuzz (hypothesis): random case files and results files never give a traceback.

Case files, as random TOML-ish text and as random valid TOML tables, go through
``verify run`` and ``verify stress`` with the computation replaced by a stub (what is fuzzed is
the parsing and validation of the case file, so no fuzzed case starts a run).  Results files,
as random JSON and as a valid document with one random value replaced, go through
``verify report``.  Every exit code is 0, 1 or 2, a 2 is one ``verify: error:`` line, and
nothing prints a traceback or writes outside the output directory.
"""
from __future__ import annotations

import copy
import json
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verify.cli import main as cli_main

SOUDRY = "soudry2018-linear"
FUZZ = settings(max_examples=40, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


@pytest.fixture
def stubbed(monkeypatch):
    """No computation: ``run_jobs`` and ``run_sweep`` return no case."""
    monkeypatch.setattr(cli_main, "run_jobs", lambda *a, **k: [])
    monkeypatch.setattr(sys.modules["verify.cli.stress"], "run_sweep", lambda *a, **k: [])
    return monkeypatch


@contextmanager
def scratch():
    root = Path(tempfile.mkdtemp(prefix="verify-fuzz-"))
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def assert_clean(code: int, err: str) -> None:
    """No traceback; exit 0, 1 or 2; a 2 is exactly one ``verify: error:`` line."""
    assert "Traceback" not in err, err
    assert code in (0, 1, 2), (code, err)
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("verify: error:"), lines


def run_case_file(content: bytes, capsys, command: str) -> None:
    with scratch() as root:
        (root / "cases").mkdir()
        (root / "cases" / f"{SOUDRY}.toml").write_bytes(content)
        argv = (["run", SOUDRY, "--profile", "quick"] if command == "run"
                else ["stress", SOUDRY, "--grid", "default"])
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("VERIFY_CASES_DIR", str(root / "cases"))
            code = cli_main.main(argv + ["--out", str(root / "out")])
        assert_clean(code, capsys.readouterr().err)
        assert {p.name for p in root.iterdir()} <= {"cases", "out"}


# --------------------------------------------------------------------------- case files
TOKENS = ["[profiles.quick]", "[grids.default]", "[profiles]", "[[profiles]]", "[profiles.quick.x]",
          "n", "d", "eta", "steps", "loss", "seed", "margin", "checkpoints", "bogus", " = ", "=",
          "[", "]", "{", "}", ",", '"', "'", "1", "-1", "0", "8", "0.5", "1e400", "nan", "inf",
          "true", '"logistic"', "\n", " ", "#", "\\", "\x00", "\xe9", "\ufeff", "1979-05-27",
          "0x10", "99999999999999999999", "[]", "[[]]"]
toml_ish = st.lists(st.sampled_from(TOKENS) | st.text(max_size=4), max_size=40).map("".join)
encoded = st.tuples(toml_ish, st.sampled_from(["utf-8", "utf-16", "latin-1"])).map(
    lambda t: t[0].encode(t[1], errors="replace"))

KEYS = st.sampled_from(["n", "d", "eta", "steps", "loss", "seed", "margin", "checkpoints", "sigma0",
                        "backend", "dps", "bogus"]) | st.text(min_size=1, max_size=4)
SCALARS = st.one_of(st.integers(), st.floats(), st.booleans(), st.text(max_size=8),
                    st.sampled_from(["logistic", "exponential", "float64", "auto"]),
                    st.integers(min_value=1, max_value=50), st.dates())
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(KEYS, inner, max_size=2), max_leaves=6)
TABLES = st.dictionaries(st.sampled_from(["profiles", "grids", "other"]),
                         st.dictionaries(st.sampled_from(["quick", "default", "x"]),
                                         st.dictionaries(KEYS, VALUES, max_size=5), max_size=2),
                         max_size=2)


@FUZZ
@given(content=encoded, command=st.sampled_from(["run", "stress"]))
def test_random_case_text_never_tracebacks(content, command, stubbed, capsys):
    run_case_file(content, capsys, command)


@FUZZ
@given(table=TABLES, command=st.sampled_from(["run", "stress"]))
def test_random_case_tables_never_traceback(table, command, stubbed, capsys):
    run_case_file(tomli_w.dumps(table).encode(), capsys, command)


# --------------------------------------------------------------------------- results files
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=20)

ROW = {"theorem": "t", "case": "c", "claim": "k", "kind": "Limit", "outcome": "FAIL", "reason": "r",
       "measured": 1.5, "expected": 2.0, "quantity": "q", "statement": "x < 1", "seed": 0,
       "evidence": {"L_hat": 1.5, "ci": [1.0, 2.0], "window_log_t": [1.0, 3.0]}}
CASE = {"theorem": "t", "case": "c", "title": "T", "citation": "C", "statement": "s",
        "params": {"n": 8, "seed": 0}, "seed": 0, "config_hash": "0123456789abcdef",
        "assumptions": [{"name": "A", "status": "HOLDS", "latex": "a < b"}],
        "audit": {"digits": {"q": 12.0}}, "targets": [{"name": "svm", "status": "optimal"}],
        "series": {"q": {"log_t": [0.0, 1.0, 2.0], "values": [1.0, 1.2, 1.4], "label": "q"}},
        "trajectory": {"steps": 10, "final_log_t": 2.0}}
VALID = {"schema_version": 1, "provenance": {"command": "verify run t", "profile": "quick"},
         "cases": [CASE], "rows": [ROW],
         "stress": {"theorem": "t", "profile": "quick", "varied": {"n": [8]}, "axes": ["n"]}}


def _paths(doc, prefix=()):
    """Every path (tuple of keys and indices) into ``doc``."""
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _paths(v, prefix + (i,))


PATHS = [p for p in _paths(VALID) if p]


def _replace(doc, path, value):
    doc = copy.deepcopy(doc)
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


def report(doc, capsys, raw: bytes | None = None) -> None:
    with scratch() as root:
        out = root / "r"
        out.mkdir()
        (out / "results.json").write_bytes(raw if raw is not None else json.dumps(doc).encode())
        code = cli_main.main(["report", str(out)])
        assert_clean(code, capsys.readouterr().err)
        assert [p.name for p in root.iterdir()] == ["r"]


@FUZZ
@given(doc=JSON | st.dictionaries(st.sampled_from(["schema_version", "rows", "cases", "provenance",
                                                   "stress"]), JSON, max_size=5))
def test_random_json_never_tracebacks(doc, capsys):
    report(doc, capsys)


@FUZZ
@given(path=st.sampled_from(PATHS), value=JSON)
def test_one_value_replaced_never_tracebacks(path, value, capsys):
    report(_replace(VALID, path, value), capsys)


def test_the_valid_document_renders(capsys):
    """The document the fuzz mutates is itself fine (so the fuzz reaches the renderers)."""
    with scratch() as root:
        out = root / "r"
        out.mkdir()
        (out / "results.json").write_text(json.dumps(VALID))
        assert cli_main.main(["report", str(out)]) == 0, capsys.readouterr().err
        assert (out / "summary.md").is_file() and (out / "stress.md").is_file()
