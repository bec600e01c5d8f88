"""The runs of every parameter sweep as independent jobs: parallel, cached, resumable.

Sweep stage of the engine, run by the runner before the cases (:mod:`verify.engine.runner`).
A claim with a :class:`~verify.spec.sweep.Sweep` is judged on one short run per (value, seed);
left inside its case they would run one after the other in a single worker.  Before the
cases run, :func:`run_sweeps` collects the sweep runs of every case, drops duplicates
(two claims sweeping the same runs share them), runs them through the same executor as the
cases (both cores locally, or a Dask cluster) and writes each run's end-of-run quantities
atomically to ``OUT/sweeps/<key>.json`` as it finishes (:mod:`verify.engine.sweepcache`).
The cases then read those files (:class:`verify.engine.sweeps.SweepRuns` with a cache
directory) instead of rerunning; an interrupted run resumes without recomputing a finished
sweep run.  The runs of a theorem live under ``OUT/sweeps/<code>/``, ``code`` the hash of its
sources, case file, engine and dependencies (:meth:`verify.engine.fingerprint.Fingerprints.code`),
so a run is reused only while everything that decides it is unchanged.  The numbers are the
same as a serial run's: each run depends only on its parameters (its seed derives from the case seed, the value and the seed index,
:meth:`verify.spec.sweep.Sweep.runs`).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

from verify.engine.fingerprint import Fingerprints, Reuse, package_versions
from verify.engine.sweepcache import dump, load, path_of, run_key
from verify.engine.sweeps import MAX_BATCH, batch_group, chunks, sweep_cases, sweep_ends
from verify.io import atomic_write_text
from verify.spec import registry
from verify.spec.cases import Case

SWEEP_DIR = "sweeps"


@dataclass(frozen=True)
class SweepJob:
    """One run of a sweep (picklable: the theorem is looked up by id in the worker), with
    ``code``, the hash of everything but its parameters that decides it (its directory)."""

    theorem: str
    params: Mapping[str, Any]
    code: str = ""

    def key(self) -> str:
        """Cache key within its ``code`` directory: theorem, every parameter and the verify
        version (:func:`run_key`)."""
        return run_key(self.theorem, self.params)


def collect(cases: Sequence[Case], prints: Fingerprints | None = None) -> list[SweepJob]:
    """Every distinct sweep run of ``cases`` (their theorems' sweep claims), in order, with
    its code hash from ``prints`` (none without)."""
    seen: dict[tuple[str, str], SweepJob] = {}
    for case in cases:
        thm = registry.get(case.theorem)
        code = prints.code(thm.id) if prints is not None else ""
        for claim in thm.claims:
            if getattr(claim, "sweep", None) is None:
                continue
            for sub in sweep_cases(thm, case, claim):
                job = SweepJob(thm.id, dict(sub.params), code)
                seen.setdefault((code, job.key()), job)
    return list(seen.values())


@dataclass(frozen=True)
class SweepBatch:
    """Sweep runs of one theorem that differ only in their seed, run as one batch
    (:func:`verify.engine.sweeps.sweep_ends`; picklable)."""

    jobs: tuple[SweepJob, ...]

    @property
    def params(self) -> Mapping[str, Any]:
        """The parameters of its first run (the ``steps`` the scheduler orders by)."""
        return self.jobs[0].params


def batches(jobs: Sequence[SweepJob], most: int = MAX_BATCH) -> list[SweepBatch]:
    """``jobs`` grouped by theorem, code and every parameter but the seed
    (:func:`verify.engine.sweeps.batch_group`), each group split into batches of at most
    ``most`` runs (1: every run alone)."""
    groups: dict[tuple[str, str, str], list[SweepJob]] = {}
    for job in jobs:
        groups.setdefault((job.theorem, job.code, batch_group(job.params)), []).append(job)
    return [SweepBatch(tuple(c)) for g in groups.values() for c in chunks(g, most)]


def _case(job: SweepJob) -> Case:
    p = dict(job.params)
    return Case(job.theorem, p, tuple(sorted(p)))


def batch_work(batch: SweepBatch) -> dict[str, Any]:
    """End-of-run quantities and target statuses of each run of ``batch`` (worker side):
    ``{"runs": [...]}`` in the batch's order."""
    ends = sweep_ends(registry.get(batch.jobs[0].theorem), [_case(j) for j in batch.jobs])
    version = package_versions()["verify"]
    return {"runs": [{"theorem": j.theorem, "key": j.key(), "code": j.code, "seed": j.params["seed"],
                      **end.to_json(), "verify_version": version}
                     for j, end in zip(batch.jobs, ends)]}


def run_sweeps(cases: Sequence[Case], out: Path, executor: Callable[..., Iterator[tuple[int, Any]]],
               progress: Callable[[str, float], None] | None = None, resume: bool = True,
               prints: Fingerprints | None = None, reuse: Reuse | None = None,
               batch: int = MAX_BATCH) -> Path:
    """Run every sweep run of ``cases`` not cached under ``OUT/sweeps/<code>``; return
    ``OUT/sweeps`` (the runs of a theorem are in its subdirectory ``prints.code(theorem)``).

    The runs go to the executor in batches of at most ``batch`` runs that differ only in
    their seed (:func:`batches`; 1: one run per job); the numbers do not depend on it.
    ``executor(work, jobs)`` is the cases' executor (:func:`verify.engine.runner.pool_executor` or
    :func:`verify.engine.cluster.dask_executor`); ``progress(note, done)`` counts runs done,
    cached ones included; ``reuse`` receives how many were cached.
    """
    where = Path(out) / SWEEP_DIR
    jobs = collect(cases, prints if prints is not None else Fingerprints())
    todo = [j for j in jobs if not (resume and load(where / j.code, j.key()) is not None)]
    done = len(jobs) - len(todo)
    if reuse is not None:
        reuse.sweep_runs, reuse.sweep_total = done, len(jobs)
    if progress and jobs:
        progress(f"{done} cached", done)
    work = batches(todo, batch)
    for i, res in executor(batch_work, work):
        for job, run in zip(work[i].jobs, res["runs"]):
            atomic_write_text(path_of(where / job.code, job.key()), dump(run))
        done += len(work[i].jobs)
        if progress:
            progress("sweep runs", done)
    return where


def count(cases: Sequence[Case]) -> int:
    """Number of distinct sweep runs of ``cases``."""
    return len(collect(cases))
