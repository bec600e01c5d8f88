"""The local process pool (``--jobs N``): spawned workers with single-threaded BLAS give the
same rows, bit for bit, as the serial run."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from verify.engine.blas import BLAS_THREAD_VARS


def _rows(out: Path, jobs: int) -> list[dict]:
    cmd = [sys.executable, "-m", "verify", "run", "soudry2018-linear", "--profile", "quick",
           "--out", str(out), "--jobs", str(jobs)]
    subprocess.run(cmd, check=True, capture_output=True)
    rows = json.loads((out / "results.json").read_text())["rows"]
    return sorted(rows, key=lambda r: (r["case"], r["claim"]))


def test_two_workers_reproduce_the_serial_rows(tmp_path):
    serial, pooled = _rows(tmp_path / "one", 1), _rows(tmp_path / "two", 2)
    assert len(serial) > 1
    keys = ("case", "claim", "outcome", "reason", "measured", "expected", "evidence", "digits")
    assert [{k: r.get(k) for k in keys} for r in serial] == [{k: r.get(k) for k in keys} for r in pooled]


def test_blas_thread_variables_are_the_usual_three():
    assert set(BLAS_THREAD_VARS) == {"OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"}
