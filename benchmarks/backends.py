"""Per-step cost of every trajectory backend, in full and in data-span coordinates.

Usage: python benchmarks/backends.py [--json out.json] [--budget SECONDS] [--no-mpmath-large]
       [--certified-steps N]

Two-layer leaky-ReLU net (alpha=0.1, a trained), logistic loss, constant step, X ~ N(0, 1/d).
Each row is the median time of one GD step (after a warm-up step that also builds the span
constants) and its ratio to float64 *full* coordinates measured in the same run, at the same
size. BLAS runs single-threaded for every backend (the machine is shared; threads made the
timings noisy). mpmath at the largest size is skipped when the estimate from the middle size
exceeds 30 s per step (see the printed note).  Last, a certified (arb) run of
``--certified-steps`` steps (default 10^5) at (20, 200, 50): its wall time, the float64 time of
the same run for the ratio, and the largest ball radius at log-spaced checkpoints.
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from verify.arith.backends import make_backend  # noqa: E402
from verify.dynamics.certified import certified_run  # noqa: E402
from verify.dynamics.gd import StepRule, gradient_descent  # noqa: E402
from verify.problem.losses import make_loss  # noqa: E402
from verify.problem.models import TwoLayer  # noqa: E402
from verify.dynamics.span import span_descent  # noqa: E402
from verify.dynamics.trajectory import StopRule, log_schedule, record  # noqa: E402

SIZES = [(10, 50, 20), (20, 200, 50), (50, 1000, 100)]
D_SWEEP = [(20, 100, 50), (20, 1000, 50), (20, 10000, 50)]
MPMATH_LIMIT_S = 30.0


def _states(coords: str, backend: str, n: int, d: int, m: int):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((n, d)) / np.sqrt(d)
    y = np.sign(rng.standard_normal(n))
    net = TwoLayer(m=m, alpha=0.1)
    p0 = net.init(d, 0.5, np.random.default_rng(2))
    be = make_backend(backend, 30)
    args = (net, make_loss("logistic"), X, y, p0, StepRule(0.1), be)
    return gradient_descent(*args) if coords == "full" else span_descent(*args)[0]


def per_step(coords: str, backend: str, size: tuple[int, int, int], budget: float) -> dict[str, Any]:
    """Median seconds per step over chunks filling about ``budget`` seconds (at least 1 step)."""
    t0 = time.perf_counter()
    it = _states(coords, backend, *size)
    next(it), next(it)  # warm-up: constants, tables, caches
    setup = time.perf_counter() - t0
    times: list[float] = []
    while not times or (sum(times) < budget and len(times) < 5000):
        t = time.perf_counter()
        next(it)
        times.append(time.perf_counter() - t)
    return {"s_per_step": float(np.median(times)), "timed_steps": len(times), "setup_s": setup}


def _rows(budget: float, mpmath_large: bool) -> tuple[list[dict[str, Any]], list[str]]:
    rows, notes = [], []
    mp_mid: float | None = None
    for size in SIZES + [s for s in D_SWEEP if s not in SIZES]:
        sweep = size in D_SWEEP
        base = None
        runs = [("float64", "full"), ("float64", "span"), ("f64dd", "full"), ("f64dd", "span"),
                ("arb", "full"), ("dd", "full"), ("dd", "span")]
        if not sweep:
            runs += [("mpmath", "full"), ("mpmath", "span")]
        for backend, coords in runs:
            if backend == "mpmath" and size == SIZES[-1]:
                est = None if mp_mid is None else mp_mid * np.prod(size) / np.prod(SIZES[1])
                if not mpmath_large or est is None or (coords == "full" and est > MPMATH_LIMIT_S):
                    notes.append(f"mpmath {coords} at {size} skipped (estimate {est} s/step)")
                    continue
            r = per_step(coords, backend, size, 2.0 if backend == "mpmath" else budget)
            base = r["s_per_step"] if base is None else base  # float64 full comes first
            if backend == "mpmath" and coords == "full" and size == SIZES[1]:
                mp_mid = r["s_per_step"]
            n, d, m = size
            rows.append({"n": n, "d": d, "m": m, "backend": backend, "coords": coords,
                         "precision": make_backend(backend, 30).precision, **r,
                         "ratio_to_float64_full": r["s_per_step"] / base})
            print(_fmt(rows[-1]), flush=True)
    return rows, notes


def _versus_mpmath(rows: list[dict[str, Any]]) -> list[str]:
    """How many times faster dd is than mpmath (dps 30) at each size, same coordinates."""
    t = {(r["n"], r["d"], r["m"], r["backend"], r["coords"]): r["s_per_step"] for r in rows}
    out = []
    for (n, d, m, backend, coords), v in t.items():
        if backend == "mpmath" and (n, d, m, "dd", coords) in t:
            out.append(f"mpmath/dd at {(n, d, m)} {coords}: x{v / t[(n, d, m, 'dd', coords)]:.0f}")
    return out


def _fmt(r: dict[str, Any]) -> str:
    t = r["s_per_step"]
    unit = f"{t * 1e6:10.1f} us" if t < 0.1 else f"{t:10.3f} s "
    return (f"{r['n']:4d} {r['d']:6d} {r['m']:4d}  {r['backend']:8} {r['coords']:5}  {unit}"
            f"  x{r['ratio_to_float64_full']:10.1f}  (setup {r['setup_s']:.2f} s, "
            f"{r['timed_steps']} steps)")


def certified_long(steps: int, size: tuple[int, int, int] = (20, 200, 50)) -> dict[str, Any]:
    """Wall time and radii of a ``steps``-step certified run, and float64's time for the same."""
    n, d, m = size
    rng = np.random.default_rng(1)
    X = rng.standard_normal((n, d)) / np.sqrt(d)
    y = np.sign(rng.standard_normal(n))
    net = TwoLayer(m=m, alpha=0.1)
    p0 = net.init(d, 0.5, np.random.default_rng(2))
    loss, rule, sched = make_loss("logistic"), StepRule(0.1), log_schedule(steps, 8)
    t = time.perf_counter()
    run = certified_run(net, loss, X, y, p0, rule, sched, StopRule(steps))
    arb_s = time.perf_counter() - t
    be = make_backend("float64")
    t = time.perf_counter()
    record(gradient_descent(net, loss, X, y, p0, rule, be), net, y, be, sched, StopRule(steps))
    f64_s = time.perf_counter() - t
    return {"size": list(size), "steps": run.trajectory.steps, "arb_s": arb_s, "float64_s": f64_s,
            "ratio": arb_s / f64_s, "stopped": run.trajectory.stopped,
            "radii": [{"step": r["step"], "prec": r["prec"], "max_rad": r["max_rad"]} for r in run.radii]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", help="write the rows to this file")
    ap.add_argument("--budget", type=float, default=0.5, help="seconds timed per cell")
    ap.add_argument("--no-mpmath-large", action="store_true", help="skip mpmath at the largest size")
    ap.add_argument("--certified-steps", type=int, default=100_000,
                    help="steps of the long certified run (0: skip)")
    args = ap.parse_args()
    print(f"{'n':>4} {'d':>6} {'m':>4}  {'backend':8} {'crd':5}  {'per step':>13}  "
          f"{'/ float64 full':>11}")
    rows, notes = _rows(args.budget, not args.no_mpmath_large)
    notes += _versus_mpmath(rows)
    for note in notes:
        print("note:", note)
    cert = certified_long(args.certified_steps) if args.certified_steps > 0 else None
    if cert:
        print(f"certified run at {tuple(cert['size'])}: {cert['steps']} steps in {cert['arb_s']:.1f} s "
              f"(float64 {cert['float64_s']:.1f} s, x{cert['ratio']:.1f}); stopped: {cert['stopped']}")
        for r in cert["radii"]:
            print(f"  step {r['step']:>8}  prec {r['prec']:>4} bits  max radius {r['max_rad']:.3e}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"rows": rows, "notes": notes, "certified": cert,
                       "blas_threads": os.environ["OPENBLAS_NUM_THREADS"]}, fh, indent=1)


if __name__ == "__main__":
    main()
