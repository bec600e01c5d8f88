"""The on-disk cache of sweep runs: a run's key, its file, and its end values read and written.

Part of the sweep stage of the engine's pipe (descent -> measure -> judge -> sweeps -> case
-> record).  A sweep run is cached as ``OUT/sweeps/<code>/<key>.json``: the key a hash of the
theorem id, every parameter of the run and the verify version (:func:`run_key`), the
directory ``code`` the hash of the theorem's sources, its case file, the engine's source and
the dependencies' versions (:mod:`verify.engine.fingerprint`), so a cached run is read only
while everything that decides it is unchanged.  Written by :mod:`verify.engine.sweepjobs` (the
runs as jobs, before the cases), read by :class:`verify.engine.sweeps.SweepRuns` (the
cases, handed their theorem's ``code`` directory).
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from verify.engine.results import load_current, package_versions


@dataclass(frozen=True)
class RunEnd:
    """What a case needs of one sweep run: every quantity at the end of the run
    (``values``) and each target's status and solver (``targets``, ``"optimal (CLARABEL)"``).

    Examples
    --------
    >>> end = RunEnd({"q": float("nan")}, {"svm": "optimal (CLARABEL)"})
    >>> end.to_json()
    {'values': {'q': None}, 'targets': {'svm': 'optimal (CLARABEL)'}}
    >>> RunEnd.from_json(end.to_json()).targets
    {'svm': 'optimal (CLARABEL)'}
    """

    values: Mapping[str, float]
    targets: Mapping[str, str]

    def to_json(self) -> dict[str, Any]:
        """JSON form; a non-finite value is ``null``."""
        return {"values": {k: (v if math.isfinite(v) else None) for k, v in self.values.items()},
                "targets": dict(self.targets)}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> RunEnd:
        """Inverse of :meth:`to_json` (``null`` reads as NaN)."""
        return cls({k: (math.nan if v is None else float(v)) for k, v in doc["values"].items()},
                   {str(k): str(v) for k, v in doc["targets"].items()})


def run_key(theorem: str, params: Mapping[str, Any]) -> str:
    """The cache key of the run of ``theorem`` with ``params`` within its code directory:
    theorem, every parameter and the verify version, hashed (SHA-256, 20 hex digits)."""
    text = json.dumps([theorem, dict(params), package_versions()["verify"]], sort_keys=True,
                      default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def path_of(sweep_dir: Path, key: str) -> Path:
    """Where the run with ``key`` is cached."""
    return Path(sweep_dir) / f"{key}.json"


def load(sweep_dir: Path | None, key: str) -> RunEnd | None:
    """The cached end of a run, or None (no cache, absent, unreadable, other version, or
    written before target statuses were recorded)."""
    if sweep_dir is None:
        return None
    doc = load_current(path_of(sweep_dir, key))
    if doc is None or not isinstance(doc.get("targets"), dict):
        return None
    return RunEnd.from_json(doc)


def dump(doc: Mapping[str, Any]) -> str:
    """The text of a cached run's document (sorted keys, non-finite values as ``null``)."""
    return json.dumps(dict(doc), sort_keys=True, indent=1)
