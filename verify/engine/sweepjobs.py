"""The runs of every parameter sweep as independent jobs: parallel, cached, resumable.

A claim with a :class:`~verify.spec.sweep.Sweep` is judged on one short run per (value, seed);
left inside its case they would run one after the other in a single worker.  Before the
cases run, :func:`run_sweeps` collects the sweep runs of every case, drops duplicates
(two claims sweeping the same runs share them), runs them through the same executor as the
cases (both cores locally, or a Dask cluster) and writes each run's end-of-run quantities
atomically to ``OUT/sweeps/<key>.json`` as it finishes.  The cases then read those files
(:func:`verify.engine.execute.sweep_series` with ``sweep_dir``) instead of rerunning; an
interrupted run resumes without recomputing a finished sweep run.  The numbers are the
same as a serial run's: each run depends only on its parameters (its seed derives from the
case seed, the value and the seed index, :meth:`verify.spec.sweep.Sweep.runs`).
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

from verify.spec import registry
from verify.engine.execute import sweep_end, sweep_params
from verify.engine.results import load_current, package_versions
from verify.io import atomic_write_text

SWEEP_DIR = "sweeps"


@dataclass(frozen=True)
class SweepJob:
    """One run of a sweep (picklable: the theorem is looked up by id in the worker)."""

    theorem: str
    params: Mapping[str, Any]

    def key(self) -> str:
        """Cache key: theorem, every parameter and the verify version."""
        text = json.dumps([self.theorem, dict(self.params), package_versions()["verify"]],
                          sort_keys=True, default=repr)
        return hashlib.sha256(text.encode()).hexdigest()[:20]


def run_key(theorem: str, params: Mapping[str, Any]) -> str:
    """The cache key of the run of ``theorem`` with ``params``."""
    return SweepJob(theorem, dict(params)).key()


def collect(cases: Sequence[Any]) -> list[SweepJob]:
    """Every distinct sweep run of ``cases`` (their theorems' sweep claims), in order."""
    seen: dict[str, SweepJob] = {}
    for case in cases:
        thm = registry.get(case.theorem)
        for claim in thm.claims:
            if getattr(claim, "sweep", None) is None:
                continue
            for p in sweep_params(thm, case, claim):
                job = SweepJob(thm.id, p)
                seen.setdefault(job.key(), job)
    return list(seen.values())


def sweep_work(job: SweepJob) -> dict[str, Any]:
    """End-of-run quantities and target statuses of one sweep run (worker side)."""
    end = sweep_end(registry.get(job.theorem), dict(job.params))
    return {"theorem": job.theorem, "key": job.key(), "seed": job.params["seed"], **end,
            "verify_version": package_versions()["verify"]}


def path_of(sweep_dir: Path, key: str) -> Path:
    """Where the run with ``key`` is cached."""
    return Path(sweep_dir) / f"{key}.json"


def load(sweep_dir: Path | None, key: str) -> dict[str, Any] | None:
    """The cached :func:`verify.engine.execute.sweep_end` of a run, or None (absent, unreadable,
    other version, or written before target statuses were recorded)."""
    if sweep_dir is None:
        return None
    doc = load_current(path_of(sweep_dir, key))
    if doc is None or not isinstance(doc.get("targets"), dict):
        return None
    return {"values": {k: (math.nan if v is None else float(v)) for k, v in doc["values"].items()},
            "targets": {str(k): str(v) for k, v in doc["targets"].items()}}


def _dump(res: Mapping[str, Any]) -> str:
    vals = {k: (v if math.isfinite(v) else None) for k, v in res["values"].items()}
    return json.dumps(dict(res) | {"values": vals}, sort_keys=True, indent=1)


def run_sweeps(cases: Sequence[Any], out: Path, executor: Callable[..., Iterator[tuple[int, Any]]],
               progress: Callable[[str, float], None] | None = None, resume: bool = True) -> Path:
    """Run every sweep run of ``cases`` not cached under ``OUT/sweeps``; return that directory.

    ``executor(work, jobs)`` is the cases' executor (:func:`verify.engine.runner.pool_executor` or
    :func:`verify.engine.cluster.dask_executor`); ``progress(note, done)`` counts runs done,
    cached ones included.
    """
    where = Path(out) / SWEEP_DIR
    jobs = collect(cases)
    todo = [j for j in jobs if not (resume and load(where, j.key()) is not None)]
    done = len(jobs) - len(todo)
    if progress and jobs:
        progress(f"{done} cached", done)
    for _, res in executor(sweep_work, todo):
        atomic_write_text(path_of(where, res["key"]), _dump(res))
        done += 1
        if progress:
            progress("sweep runs", done)
    return where


def count(cases: Sequence[Any]) -> int:
    """Number of distinct sweep runs of ``cases``."""
    return len(collect(cases))
