"""Theorems travel with their cases: the wheel's package list, case-file lookup, `verify new`.

The install itself (a non-editable wheel with the example package, run outside the repo) is
`.ci/install-check`, which CI runs after this suite.
"""
from __future__ import annotations

import dataclasses
import importlib
import math
import sys
import tomllib
from pathlib import Path

import pytest

import verify
from verify.cli.main import main
from verify.cli.new import scaffold
from verify.spec import registry
from verify.spec.cases import case_dirs, case_file

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "verify-example"


def test_wheel_lists_every_package_and_ships_the_cases():
    """The explicit package list of pyproject.toml misses no folder of verify/ or theorems/."""
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = {".".join(p.relative_to(ROOT).parent.parts) for p in ROOT.glob("verify/**/__init__.py")}
    found |= {".".join(p.relative_to(ROOT).parent.parts) for p in ROOT.glob("theorems/**/__init__.py")}
    assert found <= set(tool["packages"]), found - set(tool["packages"])
    assert tool["package-dir"]["theorems.cases"] == "cases"
    assert "*.toml" in tool["package-data"]["theorems.cases"]
    assert any((ROOT / "verify" / "cli" / "templates").glob("*.tmpl"))
    assert "templates/*.tmpl" in tool["package-data"]["verify.cli"]


def test_builtin_theorems_all_have_a_case_file():
    for thm in registry.theorems().values():
        assert case_file(thm).is_file(), (thm.id, case_dirs(thm))


def test_cases_dir_override_falls_through_for_other_theorems(tmp_path, monkeypatch):
    """$VERIFY_CASES_DIR overrides the theorems it has a file for, and only those."""
    soudry = registry.get("soudry2018-linear")
    fragile = registry.get("lyu2021-fragile")
    (tmp_path / "soudry2018-linear.toml").write_text("[profiles.quick]\nsteps = 10\n")
    monkeypatch.setenv("VERIFY_CASES_DIR", str(tmp_path))
    assert case_file(soudry) == tmp_path / "soudry2018-linear.toml"
    assert case_file(fragile) == ROOT / "cases" / "lyu2021-fragile.toml"


def test_in_memory_theorem_without_case_file_names_where_it_looked(capsys):
    mine = dataclasses.replace(registry.get("soudry2018-linear"), id="nowhere-to-be-found")
    with pytest.raises(verify.UserError, match="no case file nowhere-to-be-found.toml .*looked in"):
        verify.run(mine)


def test_example_package_is_verify_new_output():
    """examples/verify-example is exactly what `verify new example-margin` writes (kept in sync)."""
    title = tomllib.loads((EXAMPLE / "pyproject.toml").read_text())["project"]["description"]
    for rel, text in scaffold("example-margin", EXAMPLE, title).files.items():
        assert (EXAMPLE / rel).read_text() == text, f"{rel} differs: rerun `verify new` (see new.py)"


@pytest.fixture
def new_package(tmp_path, monkeypatch):
    """`verify new demo-new` in tmp_path, importable (as after `pip install`)."""
    assert main(["new", "demo-new", "--dir", str(tmp_path / "pkg")]) == 0
    monkeypatch.syspath_prepend(str(tmp_path / "pkg"))
    yield importlib.import_module("demo_new.demo_new")
    for name in [m for m in sys.modules if m == "demo_new" or m.startswith("demo_new.")]:
        del sys.modules[name]


def test_verify_new_runs_as_written(new_package):
    """The written module, unregistered, finds its own case file and runs its quick profile; every
    claim is decided with a finite resolution (it can FAIL)."""
    from verify.testing import checks

    thm = new_package.THEOREM
    assert case_file(thm).parent.name == "cases" and case_file(thm).is_file()
    res = verify.run(thm, profile="quick")
    assert {r["claim"] for r in res.rows} == {c.name for c in thm.claims}
    for row in res.rows:
        assert row["outcome"] in ("PASS", "FAIL", "UNDECIDED"), row["reason"]
        if row["outcome"] != "UNDECIDED":
            shifts = row["resolution"]["shifts"]
            assert shifts and all(math.isfinite(s["absolute"]) for s in shifts), row["resolution"]
    assert callable(checks)


def test_verify_new_refuses_bad_ids_and_existing_dirs(tmp_path, capsys):
    assert main(["new", "Bad_Id", "--dir", str(tmp_path / "a")]) == 2
    assert main(["new", "soudry2018-linear", "--dir", str(tmp_path / "b")]) == 2
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "keep.txt").write_text("x")
    assert main(["new", "ok-id", "--dir", str(tmp_path / "c")]) == 2
    assert main(["new", "ok-id", "--dir", str(tmp_path / "d"), "--title", 'say "hi"']) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 4 and all(line.startswith("verify: error: ") for line in err), err
    assert not (tmp_path / "a").exists() and not (tmp_path / "d").exists()
    assert (tmp_path / "c").iterdir() and sorted(p.name for p in (tmp_path / "c").iterdir()) == ["keep.txt"]
