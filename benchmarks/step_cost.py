"""Per-step cost of the GD engine by backend, as a ratio to numpy float64 in the same run.

Usage: python benchmarks/step_cost.py [--json out.json]
Prints a table of microseconds per step and the ratio to float64 for a linear model and a
two-layer leaky-ReLU net at a few sizes (n, d, m). Timings are medians over repeats.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from verify.arith.backends import Float64, MPMath
from verify.dynamics.gd import StepRule, gradient_descent
from verify.problem.losses import make_loss
from verify.problem.models import Linear, TwoLayer
from common import print_rows


def per_step(model, X, y, be, steps: int, repeats: int = 3) -> float:
    """Median seconds per GD step (logistic loss, constant step)."""
    rng = np.random.default_rng(0)
    p0 = model.init(X.shape[1], 0.5, rng)
    times = []
    for _ in range(repeats):
        it = gradient_descent(model, make_loss("logistic"), X, y, p0, StepRule(0.1), be)
        next(it)
        t0 = time.perf_counter()
        for _ in range(steps):
            next(it)
        times.append((time.perf_counter() - t0) / steps)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json")
    args = ap.parse_args()
    rows = []
    for n, d, m in [(10, 5, 0), (10, 50, 20), (20, 200, 50)]:
        rng = np.random.default_rng(1)
        X = rng.standard_normal((n, d)) / np.sqrt(d)
        y = np.sign(rng.standard_normal(n))
        model = Linear() if m == 0 else TwoLayer(m=m, alpha=0.1)
        base = per_step(model, X, y, Float64(), 2000)
        for be, steps in [(Float64(), 2000), (MPMath(dps=30), 20 if m else 100), (MPMath(dps=50), 20 if m else 100)]:
            t = base if isinstance(be, Float64) else per_step(model, X, y, be, steps, repeats=1)
            rows.append({"model": type(model).__name__, "n": n, "d": d, "m": m, "backend": be.name,
                         "precision": be.precision, "us_per_step": t * 1e6, "ratio_to_float64": t / base})
    print(f"{'model':8} {'n':>3} {'d':>4} {'m':>3} {'backend':8} {'prec':8} {'us/step':>10} {'x float64':>10}")
    print_rows(rows, lambda r: (f"{r['model']:8} {r['n']:3d} {r['d']:4d} {r['m']:3d} "
                                f"{r['backend']:8} {r['precision']:8} {r['us_per_step']:10.1f} "
                                f"{r['ratio_to_float64']:10.1f}"), args.json)


if __name__ == "__main__":
    main()
