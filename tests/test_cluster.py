"""Dask execution: a real LocalCluster on loopback gives the local results; a lost worker loses nothing."""
from __future__ import annotations

import importlib
import json
import logging
import os
import re
import signal

import pytest

from verify.engine import cluster

from verify.spec import registry

from verify.explore import stress
from verify.cli.main import main
from verify.errors import UserError
from verify.engine.results import load
from verify.engine.runner import Job

distributed = pytest.importorskip("distributed")

SOUDRY = "soudry2018-linear"
VARY = ["--vary", "margin=0.1,0.3", "--vary", "eta=1,2"]



@pytest.fixture(scope="module")
def local_cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, silence_logs=logging.ERROR) as lc:
        yield lc


def _without_timing(doc: dict) -> dict:
    """Cases and rows with wall times (a case's, a solver's in its note) blanked."""
    text = json.dumps({"rows": doc["rows"], "cases": [{k: v for k, v in c.items() if k != "wall_time_s"}
                                                      for c in doc["cases"]]})
    return json.loads(re.sub(r"\b\d[\d.e+-]* s\b", "T s", text))


def test_dask_sweep_matches_the_local_one(local_cluster, tiny_cases, tmp_path, capsys):
    here, there = tmp_path / "local", tmp_path / "dask"
    code_here = main(["stress", SOUDRY, *VARY, "--out", str(here)])
    code_there = main(["stress", SOUDRY, *VARY, "--out", str(there), "--scheduler", local_cluster.scheduler_address])
    assert code_here == code_there
    assert len(load(there)["cases"]) == 4
    assert _without_timing(load(there)) == _without_timing(load(here))
    reruns = len(load(there)["stress"].get("confirmations") or {})  # FAILs rerun longer (verify.explore.confirm)
    # every case and rerun cached client-side as its result arrived
    assert len(list((there / "cases").glob("*.json"))) == 4 + reruns


def test_lost_worker_loses_no_finished_result(local_cluster, tiny_cases, tmp_path):
    sw = stress.sweep(registry.get(SOUDRY), "quick", {"margin": [0.1, 0.2, 0.3], "eta": [1.0, 1.5]})
    pid = next(iter(local_cluster.workers.values())).process.pid
    killed: list[int] = []

    def kill_a_worker(note: str, done: float) -> None:
        if done >= 1 and not killed:
            os.kill(pid, signal.SIGKILL)  # its running task is rescheduled; the nanny restarts it
            killed.append(pid)

    out = tmp_path / "s"
    results = stress.run_sweep(sw, out, cluster.dask_executor(local_cluster.scheduler_address), kill_a_worker)
    assert killed
    assert [r["case"] for r in results] == [c.label for c in sw.cases]
    assert not any(r.get("error") for r in results)
    assert len(list((out / "cases").glob("*.json"))) == len(sw.cases)


def test_missing_dask_is_a_one_line_error(tiny_cases, monkeypatch, tmp_path, capsys):
    real = importlib.import_module

    def no_distributed(name: str, *args):
        if name == "distributed":
            raise ImportError("No module named 'distributed'")
        return real(name, *args)

    monkeypatch.setattr(cluster.importlib, "import_module", no_distributed)
    assert main(["stress", SOUDRY, *VARY, "--out", str(tmp_path), "--scheduler", "tcp://127.0.0.1:1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pip install 'verify[dask]'" in err[0]


def test_unreachable_scheduler_is_a_user_error(tiny_cases):
    case = stress.sweep(registry.get(SOUDRY), "quick", {"margin": [0.1]}).cases[0]
    run = cluster.dask_executor("tcp://127.0.0.1:9", timeout=1.0)
    with pytest.raises(UserError, match="cannot reach the Dask scheduler"):
        list(run(stress.stress_work, [Job(case, stress=True)]))
