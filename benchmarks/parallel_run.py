"""Wall time of ``verify run`` with ``--jobs 1`` and with the default ``--jobs`` (every usable
core): the ratio is what the default buys on this machine.

Usage: python benchmarks/parallel_run.py [THEOREM ...] [--profile quick] [--json out.json]

Without theorems it runs ``verify run --all --profile quick``.  Each run is a fresh process
(``python -m verify run ...``, start-up included, as a user sees it) into a fresh output
directory (nothing cached); the serial run goes first.  It prints both wall times, the ratio
serial / default, and whether the two runs gave the same verdicts (they must: the rows do not
depend on ``--jobs``, tests/test_pool.py), with the CPU time of each (all its processes) over
its wall time: the cores it kept busy.  The machine may be shared: read the ratio, and rerun
when the load was uneven.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from verify.cli.args import usable_cores


def _run(targets: list[str], profile: str, out: Path, jobs: list[str]) -> dict:
    cmd = [sys.executable, "-m", "verify", "run", *targets, "--profile", profile, "--out", str(out),
           "--fresh", *jobs]
    before, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall, after = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    verdicts = {}
    if (out / "results.json").is_file():
        doc = json.loads((out / "results.json").read_text())
        verdicts = {f"{r['case']} {r['claim']}": r["outcome"] for r in doc["rows"]}
        jobs_used = doc["provenance"].get("jobs")
    else:
        jobs_used = None
    return {"command": " ".join(cmd[1:]), "exit": done.returncode, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "jobs": jobs_used, "verdicts": verdicts,
            "stderr_tail": done.stderr.strip().splitlines()[-1:] if done.returncode > 1 else []}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("theorems", nargs="*", help="theorems to run (default: --all)")
    ap.add_argument("--profile", default="quick")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    targets = args.theorems or ["--all"]
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="verify-bench-") as tmp:
        serial = _run(targets, args.profile, Path(tmp) / "serial", ["--jobs", "1"])
        default = _run(targets, args.profile, Path(tmp) / "default", [])
    same = serial["verdicts"] == default["verdicts"] and bool(serial["verdicts"])
    figures = {"targets": targets, "profile": args.profile, "usable_cores": usable_cores(),
               "load_avg": [load_before, os.getloadavg()[0]], "serial": serial, "default": default,
               "speedup": round(serial["wall_s"] / default["wall_s"], 2), "same_verdicts": same}
    for name in ("serial", "default"):
        r = figures[name]
        print(f"{name:8s} --jobs {r['jobs']}: {r['wall_s']:8.1f} s wall, {r['cpu_s']:8.1f} s CPU "
              f"(cores busy {r['cpu_s'] / r['wall_s']:.2f}; exit {r['exit']}, "
              f"{len(r['verdicts'])} rows){'  ' + r['stderr_tail'][0] if r['stderr_tail'] else ''}")
    print(f"speedup serial/default: {figures['speedup']:.2f}x on {figures['usable_cores']} usable "
          f"cores (load average before/after: {figures['load_avg'][0]:.1f}/{os.getloadavg()[0]:.1f}); "
          f"same verdicts: {same}")
    if args.json:
        for name in ("serial", "default"):
            figures[name] = {k: v for k, v in figures[name].items() if k != "verdicts"}
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
