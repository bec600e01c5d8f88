"""results.json: the one tidy, self-describing table every report is rendered from.

Written atomically (temporary file + ``os.replace``); finished cases are also cached
one file each under ``OUT/cases/`` so an interrupted run resumes without recomputing.
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from verify.engine.blas import BLAS_THREAD_VARS
from verify.errors import UserError
from verify.io import SCHEMA_VERSION, atomic_write_text, dumps

PACKAGES = ("numpy", "scipy", "sympy", "mpmath", "cvxpy", "clarabel", "matplotlib", "verify")
ROW_FIELDS = ("theorem", "case", "claim", "outcome", "reason", "measured", "expected")


def load_current(path: Path) -> dict[str, Any] | None:
    """A cached JSON document written by this version of verify, or None (absent,
    unreadable, or from another version: caches never outlive a code change)."""
    if not path.is_file():
        return None
    try:
        doc = json.loads(path.read_text())
    except json.JSONDecodeError:
        return None
    return doc if doc.get("verify_version") == package_versions()["verify"] else None


def git_sha() -> str:
    """Commit of the source tree (with ``+dirty`` if modified), or 'unknown'."""
    root = Path(__file__).resolve().parents[2]
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                             timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (sha or "unknown") + ("+dirty" if dirty else "")


def package_versions() -> dict[str, str]:
    """Installed versions of the packages results depend on."""
    out = {}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def provenance(command: str, profile: str, jobs: int, wall_time_s: float) -> dict[str, Any]:
    """Run-level provenance block."""
    return {
        "command": command,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "git_sha": git_sha(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": package_versions(),
        "verify_version": package_versions()["verify"],
        "wall_time_s": wall_time_s,
        "profile": profile,
        "jobs": jobs,
        "blas_threads": {v: os.environ.get(v, "unset") for v in BLAS_THREAD_VARS},
    }


def assemble(cases: list[dict[str, Any]], prov: dict[str, Any]) -> dict[str, Any]:
    """The results document: provenance, cases (without rows) and all rows."""
    rows = [row for c in cases for row in c["rows"]]
    slim = [{k: v for k, v in c.items() if k != "rows"} for c in cases]
    return {"schema_version": SCHEMA_VERSION, "provenance": prov, "cases": slim, "rows": rows}


def write(doc: dict[str, Any], out: Path) -> Path:
    """Write ``out/results.json`` atomically."""
    path = out / "results.json"
    atomic_write_text(path, dumps(doc))
    return path


def load(out: Path) -> dict[str, Any]:
    """Read and check ``out/results.json``; problems are UserErrors."""
    path = Path(out) / "results.json"
    if not path.is_file():
        raise UserError(f"{path} does not exist; run `verify run ... --out {out}` first")
    try:
        doc = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise UserError(f"{path} is not valid JSON ({exc}); re-run `verify run`") from None
    if doc.get("schema_version") != SCHEMA_VERSION:
        raise UserError(f"{path}: schema_version {doc.get('schema_version')!r} is not {SCHEMA_VERSION}; "
                        "re-run `verify run` with this version")
    for row in doc.get("rows", []):
        missing = [f for f in ROW_FIELDS if f not in row]
        if missing:
            raise UserError(f"{path}: a row lacks {missing}; the file is damaged, re-run `verify run`")
    return doc
