"""Run many cases: resume from finished ones, run the rest (optionally in parallel), assemble.

The runner stage of the engine, above the pipe of one case (:func:`verify.engine.case.run_case`):
the sweep runs of the cases still to run go first as jobs (:mod:`verify.engine.sweepjobs`),
then the cases, through one executor (this process, a local pool whose workers serve both,
:class:`HeldPool`, or a Dask cluster).
Each finished case is written atomically to ``OUT/cases/<config_hash>.json`` as soon as
it finishes, so an interrupted run loses nothing that finished; a rerun with the same
output directory reuses those files (failed runs, and cases whose ``budget_s`` ran out, are
never cached).

Before any work, the memory the cases still to run need is checked against what the machine
has (:func:`verify.engine.resources.check_memory`; local executors only; a default worker
count is lowered to what fits, :func:`verify.engine.resources.fitting_workers`).  Local pool workers
end with their parent (:func:`verify.engine.resources.watch_parent`), and every job runs
without printing floating-point warnings (:func:`verify.engine.budget.quiet`).
"""
from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterator, Self

from verify.engine.blas import single_threaded
from verify.engine.budget import quiet
from verify.engine.case import run_case
from verify.engine.fingerprint import Fingerprints, Reuse
from verify.engine.resources import check_memory, estimate, fitting_workers, watch_parent
from verify.engine.results import load_current, package_versions
from verify.engine.sweepjobs import collect, run_sweeps
from verify.engine.sweeps import SweepRuns
from verify.errors import UserError
from verify.io import atomic_write_text, dumps
from verify.problem.data import Dataset
from verify.spec import registry
from verify.spec.cases import Case

Progress = Callable[[str, float], None]
#: ``plan(sweep_steps, case_steps)``: the ``steps`` of the sweep runs and cases of a run.
Plan = Callable[[list[int], list[int]], None]
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


def steps_of(job: Any) -> int:
    """The ``steps`` of a case job or a sweep-run job (0 when it has none): how long it runs,
    roughly.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> steps_of(SimpleNamespace(params={"steps": 300})), steps_of(object())
    (300, 0)
    """
    case = getattr(job, "case", None)
    params = case.params if case is not None else getattr(job, "params", None) or {}
    return int(params.get("steps", 0) or 0)


def _through(pool: ProcessPoolExecutor, work: Work, jobs: list[Job]
             ) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(position, work(job))`` of each job, run in ``pool``, as it finishes; the jobs not
    yet started are cancelled when the caller stops early (an interrupt, an error).

    The longest jobs (most ``steps``, :func:`steps_of`) are submitted first, so a long one
    does not start last and keep one worker busy while the others idle; the results do not
    depend on the order (each job depends only on its own parameters).
    """
    order = sorted(range(len(jobs)), key=lambda i: -steps_of(jobs[i]))
    futs = {pool.submit(quietly, work, jobs[i]): i for i in order}
    try:
        for fut in as_completed(futs):
            yield futs[fut], fut.result()
    except BrokenProcessPool:
        raise UserError("a worker process died (killed, or out of memory?); the cases that "
                        "finished are kept: rerun the same command to resume") from None
    finally:
        for fut in futs:
            fut.cancel()


@dataclass(frozen=True)
class LocalPool:
    """The executor running jobs on this machine: in this process (``workers <= 1``) or in a
    local process pool.  On an interrupt the jobs not yet started are cancelled.

    ``fit``: ``workers`` is a default (every usable core, ``--jobs`` not given) that
    :func:`run_jobs` lowers to the most workers whose cases fit in memory
    (:func:`verify.engine.resources.fitting_workers`) instead of refusing the run.
    """

    workers: int = 1
    fit: bool = False

    def __call__(self, work: Work, jobs: list[Job]) -> Iterator[tuple[int, dict[str, Any]]]:
        with HeldPool(self) as held:
            yield from held(work, jobs)


class HeldPool:
    """A :class:`LocalPool` whose worker processes, started on first need, serve every call
    until :meth:`close` (a context manager): the sweep runs and then the cases of one
    :func:`run_jobs` share the workers and pay their start-up (about 2 s: numpy, scipy, cvxpy)
    once."""

    def __init__(self, local: LocalPool) -> None:
        self.local = local
        self._pool: ProcessPoolExecutor | None = None

    def __call__(self, work: Work, jobs: list[Job]) -> Iterator[tuple[int, dict[str, Any]]]:
        if self.local.workers <= 1 or len(jobs) <= 1:
            for i, job in enumerate(jobs):
                yield i, quietly(work, job)
            return
        if self._pool is None:
            self._pool = _pool(self.local.workers)
        yield from _through(self._pool, work, jobs)

    def close(self) -> None:
        """End the worker processes (the jobs not started are cancelled)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def pool_executor(n_workers: int = 1, fit: bool = False) -> Executor:
    """Run jobs in this process (``n_workers <= 1``) or in a local process pool
    (:class:`LocalPool`; ``fit``: ``n_workers`` is a default, lowered to what fits in memory)."""
    return LocalPool(n_workers, fit)


def _cacheable(result: dict[str, Any]) -> bool:
    """Whether a result may be reused by a rerun: not an error, nor a spent budget."""
    return not result.get("error") and not (result.get("budget") or {}).get("exhausted")


def _fitted(jobs: list[Job], executor: Executor, memory_limit: str | None) -> Executor:
    """``executor`` after :func:`verify.engine.resources.check_memory` of ``jobs`` (local
    executors only); a :class:`LocalPool` with ``fit`` first lowers its workers to the most
    whose cases fit (:func:`verify.engine.resources.fitting_workers`)."""
    if not isinstance(executor, LocalPool) or not jobs:
        return executor
    found = [estimate(registry.get(j.case.theorem), j.case, j.data) for j in jobs]
    workers = (fitting_workers(found, executor.workers, memory_limit) if executor.fit
               else executor.workers)
    check_memory(found, workers, memory_limit)
    return replace(executor, workers=workers)


def _held(executor: Executor) -> HeldPool | contextlib.nullcontext[Executor]:
    """One worker pool for every phase of a local run; other executors as they are."""
    return HeldPool(executor) if isinstance(executor, LocalPool) else contextlib.nullcontext(executor)


def _plan(plan: Plan | None, jobs: list[Job], todo: list[int], sweeping: bool) -> None:
    """Tell ``plan`` the steps of every sweep run and case this run accounts for."""
    if plan is None:
        return
    runs = collect([jobs[i].case for i in todo]) if sweeping else []
    plan([int(r.params.get("steps", 1)) for r in runs], [j.case.settings.steps for j in jobs])


def run_jobs(jobs: list[Job], out: Path, n_workers: int = 1, progress: Progress | None = None,
             resume: bool = True, executor: Executor | None = None,
             work: Work = case_work, sweep_progress: Progress | None = None,
             reuse: Reuse | None = None, memory_limit: str | None = None,
             plan: Plan | None = None) -> list[dict[str, Any]]:
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
    else the memory available); a :class:`LocalPool` with ``fit`` runs on as many of its
    workers as fit.  ``plan(sweep_steps, case_steps)``, if given, is called once before any run
    with the ``steps`` of every sweep run still to consider and of every case (cached ones
    included): what a progress display needs to estimate the time left.
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
    submit = _fitted([jobs[i] for i in todo], executor or pool_executor(n_workers), memory_limit)
    sweeping = bool(todo) and any(j.sweep_dir is None for j in jobs)
    _plan(plan, jobs, todo, sweeping)
    with _held(submit) as submit:
        if sweeping:
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
