"""Wall time of a 100-cell stress sweep with 1 and 2 local workers (the ratio is the speedup).

Usage: python benchmarks/stress_scaling.py [--theorem kou2023-leaky] [--grid benchmark]
       [--seeds 2] [--workers 1,2] [--json out.json]

Runs ``verify stress THEOREM --grid GRID --seeds SEEDS --jobs W --fresh`` for each W in a
fresh output directory (nothing cached) and prints the wall time, the time per cell and the
speedup over the first worker count, measured in the same run.  The ``benchmark`` grid of
``cases/kou2023-leaky.toml`` has 50 cells; with 2 seeds that is 100 cases of the ``stress``
base profile.  Counterexample confirmations (reruns at 4x the steps) are included in the
time, as a user would see it.
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from verify.spec import registry
from verify.cli.main import main
from verify.explore.stress import base_profile, grid, sweep


def _run(theorem: str, grid_name: str, seeds: int, workers: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        code = main(["stress", theorem, "--grid", grid_name, "--seeds", str(seeds),
                     "--jobs", str(workers), "--out", str(Path(tmp) / "s"), "--fresh"])
        wall = time.perf_counter() - t0
    return {"workers": workers, "wall_s": wall, "exit": code}


def main_() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--theorem", default="kou2023-leaky")
    ap.add_argument("--grid", default="benchmark")
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    thm = registry.get(args.theorem)
    cells = len(sweep(thm, base_profile(thm), grid(thm, args.grid), args.seeds).cases)
    rows = [_run(args.theorem, args.grid, args.seeds, int(w)) for w in args.workers.split(",")]
    base = rows[0]["wall_s"]
    print(f"\n{args.theorem} --grid {args.grid} --seeds {args.seeds}: {cells} cases, "
          f"{os.cpu_count()} CPUs visible")
    print(f"{'workers':>8} {'wall s':>9} {'s/case':>8} {'speedup':>8} {'exit':>5}")
    for r in rows:
        r |= {"cases": cells, "s_per_case": r["wall_s"] / cells, "speedup": base / r["wall_s"]}
        print(f"{r['workers']:>8} {r['wall_s']:>9.1f} {r['s_per_case']:>8.2f} {r['speedup']:>8.2f} "
              f"{r['exit']:>5}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main_()
