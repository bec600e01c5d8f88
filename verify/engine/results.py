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
from pathlib import Path
from typing import Any

from verify.engine.blas import BLAS_THREAD_VARS
from verify.engine.fingerprint import blas_kernel, package_versions
from verify.errors import UserError
from verify.io import SCHEMA_VERSION, atomic_write_text, dumps

ROW_FIELDS = ("theorem", "case", "claim", "outcome", "reason", "measured", "expected")


def load_current(path: Path) -> dict[str, Any] | None:
    """A cached JSON document written by this version of verify, or None (absent,
    unreadable, malformed, or from another version: caches never outlive a code change)."""
    if not path.is_file():
        return None
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError, RecursionError):  # unreadable, not UTF-8, not JSON
        return None
    if not isinstance(doc, dict):
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
        "blas": blas_kernel(),
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


def merge(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``new`` with the cases and rows of ``old`` that ``new`` does not re-run kept in front.

    ``verify run --append``: a case of ``old`` whose label ``new`` also has is replaced;
    the provenance is ``new``'s, with the commands of ``old`` under ``appended_to``.

    Examples
    --------
    >>> old = {"provenance": {"command": "verify run a"}, "cases": [{"case": "a"}, {"case": "b"}],
    ...        "rows": [{"case": "a", "outcome": "FAIL"}, {"case": "b", "outcome": "PASS"}]}
    >>> new = {"provenance": {"command": "verify run b"}, "cases": [{"case": "b"}],
    ...        "rows": [{"case": "b", "outcome": "FAIL"}]}
    >>> doc = merge(old, new)
    >>> [r["outcome"] for r in doc["rows"]], doc["provenance"]["appended_to"]
    (['FAIL', 'FAIL'], ['verify run a'])
    """
    labels = {c.get("case") for c in new.get("cases", [])} | {r.get("case") for r in new.get("rows", [])}
    cases = [c for c in old.get("cases", []) if c.get("case") not in labels] + list(new.get("cases", []))
    rows = [r for r in old.get("rows", []) if r.get("case") not in labels] + list(new.get("rows", []))
    before = old.get("provenance") or {}
    prov = dict(new.get("provenance") or {})
    prov["appended_to"] = [str(before.get("command", "unknown"))] + list(before.get("appended_to") or [])
    return {**new, "provenance": prov, "cases": cases, "rows": rows}


def _kind(value: Any) -> str:
    """The JSON type of ``value``, as a reader of the file knows it."""
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _damaged(path: Path, what: str) -> UserError:
    return UserError(f"{path}: {what}; the file is damaged or was not written by verify: re-run the "
                     "command that made it (`verify run`, `verify stress` or `verify hunt`)")


#: Identifier fields (and LaTeX): when present they must be strings (null is not a name).
_NAMES = ("theorem", "case", "claim", "outcome", "name", "status", "latex")


def _check_fields(path: Path, where: str, item: Any, types: dict[str, type]) -> None:
    """``item`` is an object whose present fields have the given types (null allowed except
    for the identifiers :data:`_NAMES`)."""
    if not isinstance(item, dict):
        raise _damaged(path, f"{where} is {_kind(item)}, not an object")
    for key, kind in types.items():
        if key not in item or (item[key] is None and key not in _NAMES):
            continue
        if not isinstance(item[key], kind):
            raise _damaged(path, f"{where}.{key} is {_kind(item[key])}, not {_kind(kind())}")


def _check_scalars(path: Path, where: str, values: Any) -> None:
    """Every value of the object (or list) is a number, string, boolean or null."""
    items = values.items() if isinstance(values, dict) else enumerate(values)
    for key, value in items:
        if isinstance(value, (dict, list)):
            raise _damaged(path, f"{where}[{key!r}] is {_kind(value)}, not a single value")


_CASE_FIELDS = {"theorem": str, "case": str, "params": dict, "assumptions": list, "targets": list,
                "series": dict, "audit": dict, "trajectory": dict, "backend_choice": dict}
_ROW_TYPES = {"theorem": str, "case": str, "claim": str, "outcome": str, "reason": str, "kind": str,
              "quantity": str}
_STRESS_FIELDS = {"theorem": str, "profile": str, "varied": dict, "fixed": dict, "seeds": list,
                  "axes": list, "confirmations": dict}


def _check_case(path: Path, where: str, case: Any) -> None:
    _check_fields(path, where, case, _CASE_FIELDS)
    _check_scalars(path, f"{where}.params", case.get("params") or {})
    for j, a in enumerate(case.get("assumptions") or []):
        _check_fields(path, f"{where}.assumptions[{j}]", a, {"name": str, "status": str, "latex": str})
        if not (isinstance(a.get("name"), str) and isinstance(a.get("status"), str)):
            raise _damaged(path, f"{where}.assumptions[{j}] lacks a name or a status")
    for j, t in enumerate(case.get("targets") or []):
        _check_fields(path, f"{where}.targets[{j}]", t, {"name": str, "certificate": dict, "values": dict})
    _check_fields(path, f"{where}.audit", case.get("audit") or {}, {"digits": dict})


def _check_stress(path: Path, stress: Any) -> None:
    _check_fields(path, "stress", stress, _STRESS_FIELDS)
    for key, values in (stress.get("varied") or {}).items():
        if not isinstance(values, list):
            raise _damaged(path, f"stress.varied[{key!r}] is {_kind(values)}, not a list")
        _check_scalars(path, f"stress.varied[{key!r}]", values)
    _check_scalars(path, "stress.fixed", stress.get("fixed") or {})
    axes = stress.get("axes") or []
    if not all(isinstance(a, str) and a in (stress.get("varied") or {}) for a in axes):
        raise _damaged(path, "stress.axes names something other than a varied parameter")
    for label, conf in (stress.get("confirmations") or {}).items():
        _check_fields(path, f"stress.confirmations[{label!r}]", conf, {"outcomes": dict, "reasons": dict})


def check_document(doc: Any, path: Path) -> dict[str, Any]:
    """``doc`` if it has the layout the reports read (schema version 1), else a UserError.

    The top level is an object of the current ``schema_version``; ``provenance`` and
    ``stress`` are objects, ``cases`` and ``rows`` lists of objects; every row has the
    fields :data:`ROW_FIELDS`, its identifiers as strings; every case's identifiers,
    parameters, assumption audit, targets and the stress block's swept values have the
    types verify writes.  (The renderers read the rest defensively.)
    """
    if not isinstance(doc, dict):
        raise _damaged(path, f"the file holds {_kind(doc)}, not a results object")
    if doc.get("schema_version") != SCHEMA_VERSION:
        raise UserError(f"{path}: schema_version {doc.get('schema_version')!r} is not {SCHEMA_VERSION}; "
                        "re-run `verify run` with this version")
    _check_fields(path, "the document", doc,
                  {"provenance": dict, "cases": list, "rows": list, "stress": dict})
    for key in ("cases", "rows"):
        if key in doc and doc[key] is None:
            raise _damaged(path, f'"{key}" is null, not a list')
    for i, case in enumerate(doc.get("cases") or []):
        _check_case(path, f"cases[{i}]", case)
    for i, row in enumerate(doc.get("rows") or []):
        _check_fields(path, f"rows[{i}]", row, _ROW_TYPES)
        missing = [f for f in ROW_FIELDS if f not in row]
        if missing:
            raise UserError(f"{path}: a row lacks {missing}; the file is damaged, re-run `verify run`")
    if "stress" in doc:
        _check_stress(path, doc["stress"])
    return doc


def load(out: Path) -> dict[str, Any]:
    """Read and check ``out/results.json`` (:func:`check_document`); problems are UserErrors."""
    path = Path(out) / "results.json"
    if not path.is_file():
        raise UserError(f"{path} does not exist; run `verify run ... --out {out}` first")
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise UserError(f"cannot read {path} ({exc.strerror or exc}); check its permissions") from None
    except UnicodeDecodeError as exc:
        raise _damaged(path, f"not UTF-8 text (byte at offset {exc.start})") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"{path} is not valid JSON ({exc}); re-run `verify run`") from None
    except RecursionError:
        raise _damaged(path, "JSON nested too deeply") from None
    return check_document(doc, path)
