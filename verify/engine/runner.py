"""Run many cases: resume from finished ones, run the rest (optionally in parallel), assemble.

The runner stage of the engine, above the pipe of one case (:func:`verify.engine.case.run_case`):
the sweep runs of the cases still to run go first as jobs (:mod:`verify.engine.sweepjobs`),
then the cases, through one executor (this process, a local pool, or a Dask cluster).
Each finished case is written atomically to ``OUT/cases/<config_hash>.json`` as soon as
it finishes, so an interrupted run loses nothing that finished; a rerun with the same
output directory reuses those files (failed runs, and cases whose ``budget_s`` ran out, are
never cached).

Before any work, the memory the cases still to run need is checked against what the machine
has (:func:`verify.engine.resources.check_memory`; local executors only).  Local pool workers
end with their parent (:func:`verify.engine.resources.watch_parent`), and every job runs
without printing floating-point warnings (:func:`verify.engine.budget.quiet`).
"""
from __future__ import annotations

import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterator

from verify.engine.blas import single_threaded
from verify.engine.budget import quiet
from verify.engine.case import run_case
from verify.engine.fingerprint import Fingerprints, Reuse
from verify.engine.resources import check_memory, estimate, watch_parent
from verify.engine.results import load_current, package_versions
from verify.engine.sweepjobs import run_sweeps
from verify.engine.sweeps import SweepRuns
from verify.errors import UserError
from verify.io import atomic_write_text, dumps
from verify.problem.data import Dataset
from verify.spec import registry
from verify.spec.cases import Case

Progress = Callable[[str, float], None]
Work = Callable[["Job"], dict[str, Any]]
#: ``executor(work, jobs)`` yields ``(position in jobs, work(job))`` as each job finishes.
Executor = Callable[[Work, list["Job"]], Iterator[tuple[int, dict[str, Any]]]]


@dataclass(frozen=True)
class Job:
    """One case to run (picklable: the theorem is looked up by id in the worker)."""

    case: Case
    stress: bool = False
    data: Dataset | None = None
    sweep_dir: str | None = None  # where verify.engine.sweepjobs cached the case's sweep runs

    def key(self, code: str) -> str:
        """Cache key: the config hash over the parameters, the data's fingerprint and ``code``,
        the hash of the theorem's sources, case file, engine and dependencies
        (:meth:`verify.engine.fingerprint.Fingerprints.code`)."""
        fp = self.data.fingerprint() if self.data is not None else "generated"
        return f"{self.case.config_hash(f'{fp}:{code}')}-{'s' if self.stress else 'n'}"


def _cache_path(out: Path, job: Job, prints: Fingerprints) -> Path:
    return out / "cases" / f"{job.key(prints.code(job.case.theorem))}.json"


def case_work(job: Job) -> dict[str, Any]:
    """Run one job's case (worker side), its sweep runs read from the job's ``sweep_dir``."""
    thm = registry.get(job.case.theorem)
    sweeps = SweepRuns(Path(job.sweep_dir) if job.sweep_dir else None)
    res = run_case(thm, job.case, data=job.data, stress=job.stress, sweeps=sweeps)
    res["verify_version"] = package_versions()["verify"]
    return res


def quietly(work: Work, job: Job) -> dict[str, Any]:
    """``work(job)`` printing no floating-point warning (:func:`verify.engine.budget.quiet`)."""
    with quiet():
        return work(job)


def _pool(n_workers: int) -> ProcessPoolExecutor:
    """A pool of freshly started (``spawn``) workers whose BLAS uses one thread each
    (:mod:`verify.engine.blas`): BLAS reads its thread count when it loads, so the workers are
    spawned after the variables are set rather than forked from a loaded BLAS.  Each worker
    ends when this process does (:func:`verify.engine.resources.watch_parent`)."""
    single_threaded()
    return ProcessPoolExecutor(max_workers=n_workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=watch_parent, initargs=(os.getpid(),))


@dataclass(frozen=True)
class LocalPool:
    """The executor running jobs on this machine: in this process (``workers <= 1``) or in a
    local process pool.  On an interrupt the jobs not yet started are cancelled."""

    workers: int = 1

    def __call__(self, work: Work, jobs: list[Job]) -> Iterator[tuple[int, dict[str, Any]]]:
        if self.workers <= 1 or len(jobs) <= 1:
            for i, job in enumerate(jobs):
                result = quietly(work, job)
                yield i, result
            return
        pool = _pool(self.workers)
        try:
            futs = {pool.submit(quietly, work, job): i for i, job in enumerate(jobs)}
            for fut in as_completed(futs):
                yield futs[fut], fut.result()
        except BrokenProcessPool:
            raise UserError("a worker process died (killed, or out of memory?); the cases that "
                            "finished are kept: rerun the same command to resume") from None
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def pool_executor(n_workers: int = 1) -> Executor:
    """Run jobs in this process (``n_workers <= 1``) or in a local process pool
    (:class:`LocalPool`)."""
    return LocalPool(n_workers)


def _cacheable(result: dict[str, Any]) -> bool:
    """Whether a result may be reused by a rerun: not an error, nor a spent budget."""
    return not result.get("error") and not (result.get("budget") or {}).get("exhausted")


def _check_memory(jobs: list[Job], executor: Executor, memory_limit: str | None) -> None:
    """:func:`verify.engine.resources.check_memory` of ``jobs`` on a local executor."""
    if not isinstance(executor, LocalPool) or not jobs:
        return
    found = [estimate(registry.get(j.case.theorem), j.case, j.data) for j in jobs]
    check_memory(found, executor.workers, memory_limit)


def run_jobs(jobs: list[Job], out: Path, n_workers: int = 1, progress: Progress | None = None,
             resume: bool = True, executor: Executor | None = None,
             work: Work = case_work, sweep_progress: Progress | None = None,
             reuse: Reuse | None = None, memory_limit: str | None = None) -> list[dict[str, Any]]:
    """Run ``jobs`` (in order), caching each under ``out/cases``; returns their results.

    ``executor`` (default: :func:`pool_executor` with ``n_workers``) decides where jobs run;
    results are cached here, as each arrives. ``work`` must be picklable (module level); a
    result with an ``"error"`` key is returned but not cached, so a rerun retries it.  The
    sweep runs of the cases still to run go first, through the same executor
    (:func:`verify.engine.sweepjobs.run_sweeps`, progress in ``sweep_progress``).  A cached
    case or sweep run is reused only if its content address matches
    (:mod:`verify.engine.fingerprint`); ``reuse`` receives the counts.  Before any of that,
    the memory of the cases to run is checked (:mod:`verify.engine.resources`; the limit is
    ``memory_limit``, a size such as ``"16G"`` or ``"off"``, else ``$VERIFY_MEMORY_LIMIT``,
    else the memory available).
    """
    prints, reuse = Fingerprints(), reuse if reuse is not None else Reuse()
    results: dict[int, dict[str, Any]] = {}
    todo = []
    for i, job in enumerate(jobs):
        cached = load_current(_cache_path(out, job, prints)) if resume else None
        if cached is not None:
            results[i] = cached
        else:
            todo.append(i)
    done = reuse.cases = len(results)
    reuse.case_total = len(jobs)
    if progress:
        progress(f"{done} cached", done)
    submit = executor or pool_executor(n_workers)
    _check_memory([jobs[i] for i in todo], submit, memory_limit)
    if todo and any(j.sweep_dir is None for j in jobs):
        where = run_sweeps([jobs[i].case for i in todo], out, submit, sweep_progress, resume,
                           prints, reuse)
        jobs = [replace(j, sweep_dir=str(where / prints.code(j.case.theorem)))
                if j.sweep_dir is None else j for j in jobs]
    for k, res in submit(work, [jobs[i] for i in todo]):
        i = todo[k]
        if _cacheable(res):
            atomic_write_text(_cache_path(out, jobs[i], prints), dumps(res))
        results[i] = json.loads(dumps(res))
        done += 1
        if progress:
            progress(jobs[i].case.label, done)
    return [results[i] for i in range(len(jobs))]

