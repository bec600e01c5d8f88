"""Run many cases: resume from finished ones, run the rest (optionally in parallel), assemble.

Each finished case is written atomically to ``OUT/cases/<config_hash>.json`` as soon as
it finishes, so an interrupted run loses nothing that finished; a rerun with the same
output directory reuses those files (failed runs are never cached).
"""
from __future__ import annotations

import json
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from verify import registry
from verify.cases import Case
from verify.data import Dataset
from verify.execute import run_case
from verify.results import atomic_write_text, dumps, package_versions

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class Job:
    """One case to run (picklable: the theorem is looked up by id in the worker)."""

    case: Case
    stress: bool = False
    data: Dataset | None = None

    def key(self) -> str:
        """Cache key: the config hash (data fingerprint included) and the verify version."""
        fp = self.data.fingerprint() if self.data is not None else "generated"
        return f"{self.case.config_hash(fp)}-{'s' if self.stress else 'n'}"


def _cache_path(out: Path, job: Job) -> Path:
    return out / "cases" / f"{job.key()}.json"


def _load_cached(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        doc = json.loads(path.read_text())
    except json.JSONDecodeError:
        return None
    return doc if doc.get("verify_version") == package_versions()["verify"] else None


def _work(job: Job) -> dict[str, Any]:
    thm = registry.get(job.case.theorem)
    res = run_case(thm, job.case, data=job.data, stress=job.stress)
    res["verify_version"] = package_versions()["verify"]
    return res


def run_jobs(jobs: list[Job], out: Path, n_workers: int = 1, progress: Progress | None = None,
             resume: bool = True) -> list[dict[str, Any]]:
    """Run ``jobs`` (in order), caching each under ``out/cases``; returns their results."""
    results: dict[int, dict[str, Any]] = {}
    todo = []
    for i, job in enumerate(jobs):
        cached = _load_cached(_cache_path(out, job)) if resume else None
        if cached is not None:
            results[i] = cached
        else:
            todo.append(i)
    done = len(results)
    if progress:
        progress(f"{done} cached", done)

    def finish(i: int, res: dict[str, Any]) -> None:
        nonlocal done
        atomic_write_text(_cache_path(out, jobs[i]), dumps(res))
        results[i] = json.loads(dumps(res))
        done += 1
        if progress:
            progress(jobs[i].case.label, done)

    if n_workers <= 1 or len(todo) <= 1:
        for i in todo:
            finish(i, _work(jobs[i]))
    else:
        with ProcessPoolExecutor(max_workers=n_workers) as pool:
            futs = {pool.submit(_work, jobs[i]): i for i in todo}
            for fut in as_completed(futs):
                finish(futs[fut], fut.result())
    return [results[i] for i in range(len(jobs))]


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """Call ``fn`` and return its value with the wall time in seconds."""
    t0 = time.perf_counter()
    return fn(), time.perf_counter() - t0
