"""Processes that end with their run (issue 20): a kill -9 of ``verify run --jobs 2`` leaves no
worker or resource tracker behind and its rerun recomputes nothing that finished; a Dask
scheduler without workers ends the run with one line after its timeout."""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from verify.cli.main import main
from verify.engine.cluster import dask_executor
from verify.engine.runner import Job, run_jobs
from verify.errors import UserError
from verify.spec import registry
from verify.spec.cases import profile_cases

SOUDRY = "soudry2018-linear"

#: Four cases of about a second each: still running when the first has finished.
SLOW = """[profiles.slow]
n = 6
d = 2
eta = 1.0
steps = 10000
checkpoints = 20
audit_steps = 20
seed = [0, 1, 2, 3]
"""


def _children(pid: int) -> set[int]:
    """Live (not zombie) processes whose parent is ``pid``, from ``/proc``."""
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()  # state, ppid, ...
            if fields[0] != "Z" and int(fields[1]) == pid:
                out.add(int(entry.name))
    return out


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        if stat[stat.rindex(")") + 2] != "Z":
            alive.add(pid)
    return alive


def _wait(cond, timeout: float, step: float = 0.1) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(step)
    return cond()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_kill_9_leaves_no_process_and_the_rerun_recomputes_nothing_finished(tmp_path):
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / f"{SOUDRY}.toml").write_text(SLOW)
    env = {**os.environ, "VERIFY_CASES_DIR": str(tmp_path / "cases")}
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "verify", "run", SOUDRY, "--profile", "slow", "--out", str(out)]
    run = subprocess.Popen([*cmd, "--jobs", "2"], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        assert _wait(lambda: any((out / "cases").glob("*.json")) or run.poll() is not None, 300)
        procs = _children(run.pid)  # the two workers and the resource tracker
        os.kill(run.pid, signal.SIGKILL)
        run.wait()
        assert _wait(lambda: not _alive(procs), 5.0), f"still alive: {_alive(procs)}"
    finally:
        if run.poll() is None:
            run.kill()
    finished = {p: p.stat().st_mtime_ns for p in (out / "cases").glob("*.json")}
    assert finished
    rerun = subprocess.run([*cmd, "--jobs", "1"], env=env, capture_output=True, text=True,
                           check=False)
    assert rerun.returncode in (0, 1), rerun.stderr  # 1: a claim FAILed, not a crash
    assert {p: p.stat().st_mtime_ns for p in finished} == finished  # reused, not recomputed
    assert len(list((out / "cases").glob("*.json"))) == 4


def _die(job: Job) -> dict:
    """A worker that dies (as one killed by the kernel's out-of-memory killer)."""
    os._exit(3)


def test_a_dead_worker_is_one_line(tiny_cases, tmp_path, monkeypatch):
    monkeypatch.setenv("VERIFY_MEMORY_LIMIT", "off")
    jobs = [Job(c) for c in profile_cases(registry.get(SOUDRY), "quick", {"seed": [0, 1]})]
    with pytest.raises(UserError, match="worker process died") as err:
        run_jobs(jobs, tmp_path / "out", n_workers=2, work=_die)
    assert "\n" not in str(err.value)


def test_a_malformed_scheduler_address_is_one_line_at_once(tiny_cases, one_line_error):
    pytest.importorskip("distributed")
    t0 = time.monotonic()
    code = main(["stress", SOUDRY, "--vary", "eta=1,2", "--out", "unused", "--scheduler", "not a url"])
    assert code == 2 and "not a scheduler address" in one_line_error()
    assert time.monotonic() - t0 < 10


def _echo(job: Job) -> dict:
    """A job's stand-in result (runs in the scheduler's process: the cluster has no processes)."""
    return {"case": job.case.label}


def test_a_scheduler_without_workers_ends_the_run_after_its_timeout(tiny_cases, tmp_path,
                                                                     monkeypatch):
    distributed = pytest.importorskip("distributed")
    monkeypatch.setenv("VERIFY_MEMORY_LIMIT", "off")
    jobs = [Job(c) for c in profile_cases(registry.get(SOUDRY), "quick", {"seed": [0, 1, 2]})]
    out = tmp_path / "out"
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None, silence_logs=logging.ERROR) as cluster:
        executor = dask_executor(cluster.scheduler_address, worker_timeout=2.0, poll=0.2)
        run_jobs(jobs[:2], out, executor=executor, work=_echo)
        cached = sorted((out / "cases").glob("*.json"))
        assert len(cached) == 2
        cluster.scale(0)
        assert _wait(lambda: not cluster.scheduler.workers, 10)
        t0 = time.monotonic()
        with pytest.raises(UserError, match="no worker for 2 s") as err:
            run_jobs(jobs, out, executor=executor, work=_echo)
        assert time.monotonic() - t0 < 10 and "\n" not in str(err.value)
    assert sorted((out / "cases").glob("*.json")) == cached  # kept for the rerun
