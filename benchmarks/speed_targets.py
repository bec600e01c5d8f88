"""Every target of the speed issue against its figure, measured in one run.

Usage: python benchmarks/speed_targets.py [--certified-steps N] [--with-main] [--with-suite]
                                          [--json out.json]

Runs the benchmarks of this folder that measure a target (each in its own process, with
``--json``) and times the commands whose wall time is a target, then prints one line per
target: the figure, what it is a ratio to (measured in the same run), the target and whether
it is met.  Nothing here asserts: a target not met is printed as such.

* ``batch_speed.py`` (1000 steps, best of 3): one float64 engine step at (20, 200, 50) over a bare numpy step
  (<= 1.5); 100 runs of that size batched over one after another (>= 10).
* ``backends.py`` (0.3 s a cell, mpmath skipped at the largest size): dd over float64 full at
  (20, 200, 50) and (50, 1000, 100) (<= 3); mpmath over dd (>= 1000); a certified (arb) run of
  ``--certified-steps`` steps at (20, 200, 50) (<= 60 s for 10^5; a shorter run is scaled
  linearly and says so).
* ``verify run --all --profile quick`` into a fresh directory, default ``--jobs`` (<= 60 s).
* ``lyu_li_digits.py``: ``lyu-li2020-homogeneous`` quick on a real 360 x 64 dataset (<= 120 s).
* with ``--with-main``: the README's main command without the install (``verify run --all``,
  default profile; <= 5 min); with ``--with-suite``: ``python -m pytest`` in the repository
  (the fast suite; <= 3 min).  Both take minutes, hence optional.

The machine may be shared: read the ratios, and rerun a wall time that looks off.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import print_rows

HERE = Path(__file__).resolve().parent


def _script(name: str, *args: str) -> dict[str, Any]:
    """Run ``benchmarks/<name>`` with ``--json`` and return what it wrote."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "fig.json"
        subprocess.run([sys.executable, str(HERE / name), *args, "--json", str(out)], check=True,
                       stdout=subprocess.DEVNULL)
        return json.loads(out.read_text())


def _wall(cmd: list[str], cwd: Path | None = None) -> tuple[float, int]:
    """Wall seconds and exit code of ``cmd`` (output discarded)."""
    t = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t, done.returncode


def _verify_run(*args: str) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        return _wall([sys.executable, "-m", "verify", "run", "--all", *args, "--out", f"{tmp}/r"])


def _row(name: str, figure: float, unit: str, against: str, target: str, met: bool) -> dict:
    return {"target": name, "figure": figure, "unit": unit, "against": against,
            "wanted": target, "met": met}


def _dd_rows(rows: list[dict]) -> list[dict]:
    t = {(r["n"], r["d"], r["m"], r["backend"], r["coords"]): r for r in rows}
    out = []
    for size in ((20, 200, 50), (50, 1000, 100)):
        dd = t.get((*size, "dd", "full"))
        if dd is not None:
            out.append(_row(f"dd step at {size}", dd["ratio_to_float64_full"], "x",
                            "float64 step, full coordinates", "<= 3", dd["ratio_to_float64_full"] <= 3))
        mp = t.get((*size, "mpmath", "full"))
        if dd is not None and mp is not None:
            r = mp["s_per_step"] / dd["s_per_step"]
            out.append(_row(f"mpmath/dd at {size}", r, "x", "dd step", ">= 1000", r >= 1000))
    return out


def measure(certified_steps: int, main_run: bool, suite: bool) -> list[dict]:
    """The figure of every target (see the module docstring)."""
    rows = []
    b = _script("batch_speed.py")  # 1000 steps, best of 3: --quick's 200 steps swing by 0.3
    rows.append(_row("float64 engine step at (20, 200, 50)", b["engine_over_bare"], "x",
                     "bare numpy step", "<= 1.5", b["engine_over_bare"] <= 1.5))
    big = b["batches"][0]
    rows.append(_row("100 runs of (20, 200, 50) batched", big["ratio"], "x",
                     "the same runs one after another", ">= 10", big["ratio"] >= 10))
    k = _script("backends.py", "--budget", "0.3", "--no-mpmath-large",
                "--certified-steps", str(certified_steps))
    rows += _dd_rows(k["rows"])
    cert = k.get("certified")
    if cert:
        per_1e5 = cert["arb_s"] * 1e5 / max(cert["steps"], 1)
        note = "" if cert["steps"] == 100_000 else f" (scaled from {cert['steps']} steps)"
        rows.append(_row("certified 1e5 steps at (20, 200, 50)" + note, per_1e5, "s",
                         f"float64 x{cert['ratio']:.1f}", "<= 60 s", per_1e5 <= 60))
    quick, code = _verify_run("--profile", "quick")
    rows.append(_row(f"verify run --all --profile quick (exit {code})", quick, "s", "wall",
                     "<= 60 s", quick <= 60))
    digits = _script("lyu_li_digits.py")
    rows.append(_row(f"lyu-li quick on digits 0/1, 360 x 64 (exit {digits['exit']})",
                     digits["wall_s"], "s", "wall", "<= 120 s", digits["wall_s"] <= 120))
    if main_run:
        wall, code = _verify_run()
        rows.append(_row(f"verify run --all, default profile (exit {code})", wall, "s", "wall",
                         "<= 300 s", wall <= 300))
    if suite:
        wall, code = _wall([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], HERE.parent)
        rows.append(_row(f"fast test suite (exit {code})", wall, "s", "wall", "<= 180 s", wall <= 180))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--certified-steps", type=int, default=100_000)
    ap.add_argument("--with-main", action="store_true")
    ap.add_argument("--with-suite", action="store_true")
    ap.add_argument("--json")
    args = ap.parse_args()
    rows = measure(args.certified_steps, args.with_main, args.with_suite)
    print_rows(rows, lambda r: f"{r['target']:58s} {r['figure']:10.2f} {r['unit']:2s} against "
               f"{r['against']:34s} target {r['wanted']:8s} {'met' if r['met'] else 'NOT met'}",
               args.json)


if __name__ == "__main__":
    main()
