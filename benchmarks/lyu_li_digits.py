"""A theorem on a real dataset: lyu-li2020-homogeneous, quick profile, on digits 0 and 1.

Usage: python benchmarks/lyu_li_digits.py [--jobs N] [--json out.json]

Times ``verify run lyu-li2020-homogeneous --profile quick --data D`` (two cases, alpha = 0.2
and 0, default ``--jobs``) on the 360 x 64 images of ``data/optdigits01.npz`` (see
``data/README.md``), and prints the wall time against the speed issue's target (<= 120 s on 2
cores; about 16 min when the issue was filed) with the verdicts the run gave and each case's
own time from its results.  Nothing here asserts.
"""
from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from common import write_json

DATA = Path(__file__).resolve().parent / "data" / "optdigits01.npz"
TARGET_S = 120.0


def run(jobs: int | None) -> dict:
    """One timed run into a temporary directory; its wall time, exit code and verdicts."""
    with tempfile.TemporaryDirectory() as tmp:
        raw = np.load(DATA)
        data = Path(tmp) / "digits01.npz"
        np.savez(data, X=raw["X"].astype(float), y=raw["y"].astype(float))
        cmd = [sys.executable, "-m", "verify", "run", "lyu-li2020-homogeneous", "--profile", "quick",
               "--data", str(data), "--out", f"{tmp}/r", *(["--jobs", str(jobs)] if jobs else [])]
        t0 = time.perf_counter()
        done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wall = time.perf_counter() - t0
        if done.returncode not in (0, 1):
            raise SystemExit(f"verify run failed ({done.returncode}): {done.stderr.strip()[-300:]}")
        results = json.loads((Path(tmp) / "r" / "results.json").read_text())
    outcomes = collections.Counter(r["outcome"] for r in results["rows"])
    cases = {c["case"]: c["wall_time_s"] for c in results["cases"]}
    return {"wall_s": wall, "exit": done.returncode, "outcomes": dict(outcomes), "case_s": cases}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int)
    ap.add_argument("--json")
    args = ap.parse_args()
    fig = run(args.jobs)
    print(f"lyu-li2020-homogeneous quick on digits 0/1 (360 x 64): {fig['wall_s']:.1f} s wall "
          f"(target <= {TARGET_S:.0f} s: {'met' if fig['wall_s'] <= TARGET_S else 'NOT met'}); "
          f"exit {fig['exit']}, {fig['outcomes']}")
    for case, seconds in fig["case_s"].items():
        print(f"  {case}: {seconds:.1f} s")
    write_json(args.json, fig | {"target_s": TARGET_S})


if __name__ == "__main__":
    main()
