"""The fused compiled float64 kernel against the numpy path and a bare numpy step.

Usage: python benchmarks/kernel_speed.py [--quick] [--json out.json]

For each size ``(n, d, m)`` (two-layer leaky ReLU, logistic loss, constant step), in one run:

* **numpy path**: seconds per recorded step of :func:`verify.dynamics.gd.gradient_descent`
  driven by :func:`verify.dynamics.trajectory.record` (``kernel = "numpy"``);
* **kernel**: the same run through :func:`verify.dynamics.compiled.record_compiled` (numba);
* **bare**: a bare numpy step of the same network (forward, loss gradient, backward, update;
  no log domain, no record).

Printed: numpy/kernel (the speed-up of the engine's step) and kernel/bare (target of the speed
issue: <= 1.5 at (20, 200, 50)); the same two paths for backend ``f64dd`` (float64 gradient,
double-word iterate: :mod:`verify.dynamics.compensated`), with the f64dd kernel over the
float64 kernel; and ``runs`` sequential runs of (20, 200, 50) through the kernel against the
same runs through the numpy path (target of the speed issue: >= 10).
The two paths are checked to agree to 1e-10 (relative, final iterate) before any timing.
"""
from __future__ import annotations

import argparse

import numpy as np

import batch_speed  # this folder's benchmark (run as a script, its folder is on sys.path)
from batch_speed import best
from verify.arith.backends import Float64, make_backend
from verify.dynamics.batch import BatchRun
from verify.dynamics import kernel as kn
from verify.dynamics.compiled import record_compiled, record_run
from verify.dynamics.gd import StepRule
from verify.dynamics.trajectory import StopRule, log_schedule
from verify.problem.losses import Logistic
from verify.problem.models import TwoLayer
from common import write_json

RULE = StepRule(0.1, "constant", 2)
SIZES = ((3, 2, 8), (10, 5, 6), (20, 200, 50), (50, 1000, 100))


def problem(n: int, d: int, m: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    model = TwoLayer(m=m, alpha=0.1)
    X = rng.standard_normal((n, d)) / np.sqrt(d)
    return model, X, np.sign(rng.standard_normal(n)), model.init(d, 0.5, rng)


def run(kind: str, model, X, y, p0, steps: int, backend: str = "float64"):
    sched, stop = log_schedule(steps, 20), StopRule(steps)
    if kind == "kernel":
        return record_compiled(model, Logistic(), X, y, p0, RULE, sched, stop, backend=backend)
    return record_run(model, Logistic(), X, y, p0, RULE, make_backend(backend), sched, stop, "numpy")


def bare_step_seconds(X, y, p0, steps: int) -> float:
    """Seconds per step of plain numpy GD on the same network (:mod:`batch_speed`'s)."""
    return batch_speed.bare_step_seconds(None, BatchRun(X, y, p0), steps)


def agree(a, b) -> bool:
    wa, wb = a.checkpoints[-1].params["W"], b.checkpoints[-1].params["W"]
    return a.steps == b.steps and float(np.max(np.abs(wa - wb)) / np.max(np.abs(wa))) < 1e-10


def size_figure(n: int, d: int, m: int, steps: int, repeats: int) -> dict:
    model, X, y, p0 = problem(n, d, m)
    run("kernel", model, X[:2], y[:2], p0, 2)  # compile outside the timing
    if not agree(run("numpy", model, X, y, p0, steps), run("kernel", model, X, y, p0, steps)):
        raise SystemExit(f"kernel and numpy path differ at {(n, d, m)}: not timing")
    numpy_s = best(lambda: run("numpy", model, X, y, p0, steps), repeats) / steps
    kernel_s = best(lambda: run("kernel", model, X, y, p0, steps), repeats) / steps
    bare_s = min(bare_step_seconds(X, y, p0, steps) for _ in range(repeats))
    if not agree(run("numpy", model, X, y, p0, steps, "f64dd"), run("kernel", model, X, y, p0, steps, "f64dd")):
        raise SystemExit(f"f64dd kernel and numpy path differ at {(n, d, m)}: not timing")
    dd_numpy = best(lambda: run("numpy", model, X, y, p0, steps, "f64dd"), repeats) / steps
    dd_kernel = best(lambda: run("kernel", model, X, y, p0, steps, "f64dd"), repeats) / steps
    return {"size": [n, d, m], "steps": steps, "numpy_step_s": numpy_s, "kernel_step_s": kernel_s,
            "bare_step_s": bare_s, "numpy_over_kernel": numpy_s / kernel_s,
            "kernel_over_bare": kernel_s / bare_s, "f64dd_numpy_step_s": dd_numpy,
            "f64dd_kernel_step_s": dd_kernel}


def runs_figure(count: int, steps: int) -> dict:
    probs = [problem(20, 200, 50, seed) for seed in range(count)]
    t_numpy = best(lambda: [run("numpy", *p, steps) for p in probs[:10]], 1) * count / 10
    t_kernel = best(lambda: [run("kernel", *p, steps) for p in probs], 1)
    return {"runs": count, "steps": steps, "numpy_s": t_numpy, "kernel_s": t_kernel,
            "ratio": t_numpy / t_kernel}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer steps and repeats")
    ap.add_argument("--json")
    args = ap.parse_args()
    if not kn.COMPILED:
        raise SystemExit("numba is not installed: the kernel runs uncompiled; nothing to time")
    steps, repeats = (300, 2) if args.quick else (2000, 3)
    out = {"sizes": []}
    for n, d, m in SIZES:
        fig = size_figure(n, d, m, steps if n * d * m > 1000 else 20 * steps, repeats)
        out["sizes"].append(fig)
        target = " (target <= 1.5)" if (n, d, m) == (20, 200, 50) else ""
        print(f"(n, d, m) = ({n}, {d}, {m}): numpy path {fig['numpy_step_s'] * 1e6:.1f} us/step, "
              f"kernel {fig['kernel_step_s'] * 1e6:.2f} us, bare numpy {fig['bare_step_s'] * 1e6:.1f} us; "
              f"numpy/kernel x{fig['numpy_over_kernel']:.1f}, kernel/bare {fig['kernel_over_bare']:.2f}{target}")
        print(f"    f64dd: numpy path {fig['f64dd_numpy_step_s'] * 1e6:.1f} us/step, kernel "
              f"{fig['f64dd_kernel_step_s'] * 1e6:.2f} us: x{fig['f64dd_numpy_step_s'] / fig['f64dd_kernel_step_s']:.1f}, "
              f"f64dd kernel / float64 kernel {fig['f64dd_kernel_step_s'] / fig['kernel_step_s']:.2f}")
    fig = runs_figure(100, steps // 2)
    out["runs"] = fig
    print(f"100 runs of (20, 200, 50), {fig['steps']} steps: numpy path {fig['numpy_s']:.2f} s, "
          f"kernel {fig['kernel_s']:.2f} s: x{fig['ratio']:.1f} (target >= 10)")
    write_json(args.json, out)


if __name__ == "__main__":
    main()
