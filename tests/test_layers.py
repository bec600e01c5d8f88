"""The layering of ``verify`` is a checked contract, and theorems see only the authoring API.

- ``lint-imports`` (import-linter, ``[tool.importlinter]`` in pyproject.toml) keeps the layer
  contract, and a copy of the package with one upward import breaks it: the check can fail.
- Every module of ``theorems/`` imports from ``verify`` (top level) and ``theorems._*`` only.
- ``import verify`` and ``import verify.engine.blas`` load no numpy (the CLI sets the BLAS
  thread variables before numpy loads), while ``from verify import ...`` gives the whole API.
"""
from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
#: Third-party packages a theorem module may use besides ``verify`` and ``theorems._*``.
THEOREM_DEPENDENCIES = {"numpy", "sympy", "mpmath", "scipy", "cvxpy"}  # a theorem may solve its own program


def lint_imports(cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    if not LINT_IMPORTS.exists():
        pytest.fail(f"{LINT_IMPORTS} not found: install the test extra (pip install -e '.[test]')")
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo"], check=False, cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=120)


def test_layer_contract_is_kept():
    out = lint_imports(ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout, out.stdout


def test_layer_contract_fails_on_an_upward_import(tmp_path):
    """arith (numbers only) importing the CLI must break the contract."""
    shutil.copytree(ROOT / "verify", tmp_path / "verify",
                    ignore=shutil.ignore_patterns("__pycache__"))
    ddouble = tmp_path / "verify" / "arith" / "ddouble.py"
    ddouble.write_text(ddouble.read_text() + "\nimport verify.cli.main  # upward: arith -> cli\n")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (tmp_path / "pyproject.toml").write_text(to_toml(config))
    # import-linter imports the root package from sys.path: the copy must shadow the install.
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path), "PYTHONNOUSERSITE": "1"}
    probe = subprocess.run([sys.executable, "-c", "import verify; print(verify.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert Path(probe.stdout.strip()).parent == tmp_path / "verify", probe.stdout
    out = lint_imports(tmp_path, env)
    assert out.returncode != 0, out.stdout
    assert "1 broken" in out.stdout, out.stdout
    assert "verify.arith.ddouble -> verify.cli.main" in out.stdout, out.stdout


def to_toml(config: dict) -> str:
    """The ``[tool.importlinter]`` table as TOML (strings, booleans and lists of strings)."""
    def value(v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'
    lines = ["[tool.importlinter]"]
    lines += [f"{k} = {value(v)}" for k, v in config.items() if k != "contracts"]
    for contract in config["contracts"]:
        lines += ["", "[[tool.importlinter.contracts]]"]
        lines += [f"{k} = {value(v)}" for k, v in contract.items()]
    return "\n".join(lines) + "\n"


def foreign_imports(path: Path) -> list[str]:
    """Imports of a theorem module other than ``verify``, ``theorems._*``, stdlib and the
    numeric dependencies."""
    bad = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                bad.append(f"line {node.lineno}: relative import")
                continue
            if node.module == "theorems":
                names = [f"theorems.{alias.name}" for alias in node.names]
            else:
                names = [node.module or ""]
        else:
            continue
        for name in names:
            top, _, rest = name.partition(".")
            if top == "verify":
                ok = not rest  # the authoring API only
            elif top == "theorems":
                ok = rest.startswith("_") and "." not in rest
            else:
                ok = top in sys.stdlib_module_names or top in THEOREM_DEPENDENCIES
            if not ok:
                bad.append(f"line {node.lineno}: {name}")
    return bad


@pytest.mark.parametrize("path", sorted((ROOT / "theorems").glob("*.py")), ids=lambda p: p.name)
def test_theorem_modules_import_only_the_authoring_api(path):
    assert foreign_imports(path) == []


def test_the_import_check_catches_an_engine_import(tmp_path):
    module = tmp_path / "t.py"
    module.write_text("from verify import Theorem\nfrom verify.engine.case import run_case\n"
                      "from theorems import _lyu2021\nfrom theorems import lyu2021_fragile\n")
    assert foreign_imports(module) == ["line 2: verify.engine.case",
                                       "line 4: theorems.lyu2021_fragile"]


def test_authoring_api_is_lazy():
    """``import verify`` and ``verify.engine.blas`` must not load numpy (BLAS threads first)."""
    code = ("import sys, verify, verify.engine.blas\n"
            "assert 'numpy' not in sys.modules, 'numpy loaded'\n"
            "from verify import Theorem, Limit, Bound, Param, Assumption, Quantity\n"
            "assert 'numpy' in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=120)


def test_authoring_api_exports_resolve():
    import verify
    missing = [name for name in verify.__all__ if getattr(verify, name, None) is None]
    assert missing == []
    assert set(verify.__all__) <= set(dir(verify))
    assert verify.__version__
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        verify.nonexistent  # noqa: B018


def doc_references() -> dict[str, set[str]]:
    """``docs/...`` paths named in the code, tests, benchmarks, README and docs, by file."""
    pattern = re.compile(r"docs/[\w./-]*\w\.md")
    files = [ROOT / "README.md", *ROOT.glob("docs/**/*.md")]
    for folder in ("verify", "theorems", "tests", "benchmarks"):
        files += (ROOT / folder).rglob("*.py")
    return {str(p.relative_to(ROOT)): set(pattern.findall(p.read_text())) for p in files}


def test_the_project_stands_alone():
    """Every docs/ page named exists, and no reference leads outside the repository."""
    refs = doc_references()
    missing = {f: sorted(r for r in names if not (ROOT / r).exists()) for f, names in refs.items()}
    assert {f: m for f, m in missing.items() if m} == {}
    outside = re.compile(r"\b(DESIGN|NUMERICS|STYLE|THEOREMS)\.md|shared/papers")
    leaks = [f for f in refs
             if f != "tests/test_layers.py" and outside.search((ROOT / f).read_text())]
    assert leaks == []


def test_measurement_notes_are_named_by_their_theorem():
    """A theorem's docstring points to its notes page, and each notes page to a theorem."""
    from verify.spec import registry
    ids = set(registry.theorems())
    for page in (ROOT / "docs" / "notes").glob("*.md"):
        assert page.stem in ids, page
        assert f"docs/notes/{page.stem}.md" in registry.get(page.stem).formalization, page
