"""Drawing a report's plots on every core against drawing them in turn (one process).

Usage: python benchmarks/report_plots.py [RESULTS_JSON] [--jobs N] [--json out.json]

Without a results.json it first runs ``verify run --all --profile quick`` into a temporary
directory (not timed) and uses its results.  It times
:func:`verify.report.render_plots` with ``jobs=1`` and with ``jobs`` (default: every usable
core), checks that both give the same bytes in the same order, and prints both wall times and
their ratio (the speed-up of the report stage of ``verify run``).  Best of ``--repeats``.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from verify.cli.args import usable_cores
from verify.report import render_plots
from batch_speed import best
from common import write_json


def _results(path: str | None, tmp: str) -> dict:
    if path is None:
        out = Path(tmp) / "quick"
        subprocess.run([sys.executable, "-m", "verify", "run", "--all", "--profile", "quick",
                        "--out", str(out)], check=False, capture_output=True)
        path = str(out / "results.json")
    return json.loads(Path(path).read_text(encoding="utf-8"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results", nargs="?")
    ap.add_argument("--jobs", type=int, default=usable_cores())
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--json")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = _results(args.results, tmp)
    serial, parallel = render_plots(results, 1), render_plots(results, args.jobs)
    if list(serial.items()) != list(parallel.items()):
        raise SystemExit("plots drawn in parallel differ from those drawn in turn: not timing")
    t1 = best(lambda: render_plots(results, 1), args.repeats)
    tj = best(lambda: render_plots(results, args.jobs), args.repeats)
    print(f"{len(serial)} plots: in turn {t1:.2f} s, on {args.jobs} processes {tj:.2f} s, "
          f"x{t1 / tj:.2f}; same bytes")
    write_json(args.json, {"plots": len(serial), "serial_s": t1, "jobs": args.jobs,
                           "parallel_s": tj, "ratio": t1 / tj})


if __name__ == "__main__":
    main()
