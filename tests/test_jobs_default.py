"""``--jobs`` defaults to the usable cores (lowered to what fits in memory), ``--jobs 1`` stays
serial, one worker pool serves the sweep runs and the cases, ``verify run --scheduler`` goes to
Dask (or says how to install it), and the Python API runs with one BLAS thread.

That the rows do not depend on ``--jobs`` is tests/test_pool.py (jobs 1 vs 2, bit for bit).
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from concurrent.futures import Future
from pathlib import Path

import pytest

from verify.cli import args as cli_args
from verify.cli import main as cli_main
from verify.cli import stress as cli_stress
from verify.engine import resources, runner
from verify.engine.results import load
from verify.engine.runner import HeldPool, Job, LocalPool, pool_executor, run_jobs
from verify.errors import UserError
from verify.spec import registry
from verify.spec.cases import profile_cases

SOUDRY = "soudry2018-linear"
HAS_DASK = importlib.util.find_spec("distributed") is not None


def _echo(job: Job) -> dict:
    """A case's stand-in result (no computation; module level: picklable)."""
    return {"case": job.case.label, "rows": [], "pid": os.getpid()}


def _seen(monkeypatch) -> dict:
    """Stub ``run_jobs`` of the CLI: records how it was called, returns no case."""
    seen: dict = {}

    def fake(jobs, out, n_workers=1, *args, **kwargs):
        seen.update(n_workers=n_workers, **kwargs)
        return []

    monkeypatch.setattr(cli_main, "run_jobs", fake)
    return seen


def test_usable_cores_is_the_affinity_else_the_cpu_count(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 2, 5}, raising=False)
    assert cli_args.usable_cores() == 3
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 7)
    assert cli_args.usable_cores() == 7


def test_run_defaults_to_every_usable_core_and_jobs_1_is_serial(tiny_cases, tmp_path, monkeypatch):
    monkeypatch.setattr(cli_args, "usable_cores", lambda: 3)
    seen = _seen(monkeypatch)
    assert cli_main.main(["run", SOUDRY, "--profile", "quick", "--out", str(tmp_path / "a")]) == 0
    assert seen["executor"] == LocalPool(3, fit=True) and seen["n_workers"] == 3
    assert load(tmp_path / "a")["provenance"]["jobs"] == 3
    assert cli_main.main(["run", SOUDRY, "--profile", "quick", "--out", str(tmp_path / "b"),
                          "--jobs", "1"]) == 0
    assert seen["executor"] == LocalPool(1, fit=False)  # an explicit --jobs is never lowered
    assert callable(seen["plan"])  # the progress line learns the runs of the whole command


def test_stress_defaults_to_every_usable_core(tiny_cases, tmp_path, monkeypatch):
    monkeypatch.setattr(cli_args, "usable_cores", lambda: 3)
    seen = {}

    def stop(sw, out, executor, *args, **kwargs):
        seen["executor"] = executor
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_stress, "run_sweep", stop)
    assert cli_main.main(["stress", SOUDRY, "--vary", "eta=1,2", "--out", str(tmp_path)]) == 130
    assert seen["executor"] == LocalPool(3, fit=True)


def _huge(steps: int = 10**6) -> list[Job]:
    return [Job(c) for c in profile_cases(registry.get(SOUDRY), "quick",
                                         {"steps": steps, "seed": [0, 1]})]


def test_a_default_worker_count_is_lowered_to_what_fits_in_memory(tiny_cases, tmp_path, monkeypatch):
    jobs = _huge()
    one = resources.estimate(registry.get(SOUDRY), jobs[0].case).total
    limit = str(int(1.5 * one))  # one case fits, two at once do not

    def no_pool(n):
        raise AssertionError("a process pool was started")

    monkeypatch.setattr(runner, "_pool", no_pool)
    with pytest.raises(UserError, match="--jobs 2"):  # asked for: refused, as before
        run_jobs(jobs, tmp_path / "asked", executor=pool_executor(2), work=_echo, memory_limit=limit)
    done = run_jobs(jobs, tmp_path / "default", executor=pool_executor(2, fit=True), work=_echo,
                    memory_limit=limit)  # the default: one worker, in this process
    assert [r["pid"] for r in done] == [os.getpid()] * 2
    assert resources.fitting_workers([resources.estimate(registry.get(SOUDRY), j.case)
                                      for j in jobs], 2, "off") == 2


def test_the_sweep_runs_and_the_cases_share_one_worker_pool(tiny_cases, tmp_path, monkeypatch):
    jobs = [Job(c) for c in profile_cases(registry.get(SOUDRY), "quick", {"seed": [0, 1]})]
    started = []

    def counted(n):
        started.append(n)
        return real(n)

    def sweeps(cases, out, executor, *args, **kwargs):  # stands in for run_sweeps: two jobs
        assert sorted(r["case"] for _, r in executor(_echo, jobs)) == sorted(j.case.label for j in jobs)
        return Path(out) / "sweeps"

    real = runner._pool
    monkeypatch.setattr(runner, "_pool", counted)
    monkeypatch.setattr(runner, "run_sweeps", sweeps)
    done = run_jobs(jobs, tmp_path, executor=pool_executor(2), work=_echo)
    assert started == [2]  # one pool of two workers, not one per phase
    assert all(r["pid"] != os.getpid() for r in done)
    with HeldPool(LocalPool(1)) as held:  # --jobs 1: in this process, no pool
        assert [r["pid"] for _, r in held(_echo, jobs)] == [os.getpid()] * 2
    assert started == [2]


@pytest.mark.skipif(HAS_DASK, reason="Dask is installed: the LocalCluster test runs instead")
def test_run_scheduler_without_dask_is_one_line_naming_the_fix(tiny_cases, tmp_path, monkeypatch,
                                                               one_line_error):
    seen = _seen(monkeypatch)
    code = cli_main.main(["run", SOUDRY, "--profile", "quick", "--out", str(tmp_path),
                          "--scheduler", "tcp://127.0.0.1:8786"])
    assert code == 2 and not seen
    assert "pip install 'verify[dask]'" in one_line_error()


@pytest.mark.skipif(not HAS_DASK, reason="needs the [dask] extra")
def test_run_on_a_local_dask_cluster_gives_the_local_rows(tiny_cases, tmp_path):
    import logging

    import distributed

    def rows(out: Path) -> list:
        text = json.dumps(load(out)["rows"])
        return json.loads(re.sub(r"\b\d[\d.e+-]* s\b", "T s", text))  # a solver's time in a note

    here, there = tmp_path / "local", tmp_path / "dask"
    assert cli_main.main(["run", SOUDRY, "--profile", "quick", "--out", str(here), "--jobs", "1"]) in (0, 1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, silence_logs=logging.ERROR) as lc:
        assert cli_main.main(["run", SOUDRY, "--profile", "quick", "--out", str(there),
                              "--scheduler", lc.scheduler_address]) in (0, 1)
    assert rows(there) == rows(here) and rows(here)


def test_the_api_runs_with_one_blas_thread(tmp_path):
    code = ("import os, verify; verify.run; import numpy; "
            "print(os.environ.get('OPENBLAS_NUM_THREADS'), os.environ.get('OMP_NUM_THREADS'))")
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                                           "MKL_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True, cwd=tmp_path)
    assert out.stdout.split() == ["1", "1"]  # a user's own value is kept (verify.engine.blas)


class _InlinePool:
    """A stand-in process pool running each job at submission, recording the order."""

    def __init__(self) -> None:
        self.order: list[str] = []

    def submit(self, fn, *args):
        fut: Future = Future()
        self.order.append(args[1].case.label)
        fut.set_result(fn(*args))
        return fut

    def shutdown(self, wait=True, cancel_futures=False):
        pass


def test_the_longest_jobs_start_first_and_results_keep_their_positions(tiny_cases, monkeypatch):
    pool = _InlinePool()
    monkeypatch.setattr(runner, "_pool", lambda n: pool)
    jobs = [Job(c) for s in (100, 5000, 300) for c in profile_cases(registry.get(SOUDRY), "quick",
                                                                     {"steps": s, "seed": 0})]
    assert [runner.steps_of(j) for j in jobs] == [100, 5000, 300]
    with HeldPool(LocalPool(2)) as held:
        got = dict(held(_echo, jobs))
    assert pool.order == [jobs[i].case.label for i in (1, 2, 0)]
    assert {i: r["case"] for i, r in got.items()} == {i: j.case.label for i, j in enumerate(jobs)}
