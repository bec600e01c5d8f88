"""Batched trajectories against one run at a time, and the engine's step against a bare numpy step.

Usage: python benchmarks/batch_speed.py [--quick] [--json out.json]

Three figures, each a ratio measured in this run (targets of the speed issue):

* **engine/bare**: seconds per recorded float64 GD step of the engine as ``verify run`` runs
  it (:func:`verify.dynamics.compiled.record_run`: the fused numba kernel when numba is
  installed, the default) over a bare numpy step of the same two-layer network and logistic loss (forward, loss
  gradient, backward, update; no log domain, no record).  Target: <= 1.5.  The numpy path
  (:func:`verify.dynamics.gd.gradient_descent` driven by :func:`verify.dynamics.trajectory.record`,
  ``--set kernel=numpy``) is printed beside it.
* **batch throughput**: ``B`` runs of ``(n, d, m)`` advanced together
  (:func:`verify.dynamics.batch.record_batch`) against the same ``B`` runs one after the other
  (``record`` of each).  Target: >= 10 at ``B = 100``, ``(20, 200, 50)``.  The trajectories are
  checked equal bit for bit before any figure is printed.
* the same at small sizes (the sweeps of the default profile are of this kind).

Timings are the best of ``repeats`` (sequential runs are sampled: ``sample`` of the ``B``, scaled).
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from verify.arith.backends import Float64
from verify.dynamics.batch import BatchRun, batch_size, record_batch
from verify.dynamics.compiled import kernel_name, record_run
from verify.dynamics.gd import StepRule, gradient_descent
from verify.dynamics.trajectory import StopRule, log_schedule, record
from verify.problem.losses import Logistic
from verify.problem.models import TwoLayer
from common import write_json

BE = Float64()
RULE = StepRule(0.1, "constant", 2)


def runs_of(n: int, d: int, m: int, count: int) -> tuple[TwoLayer, list[BatchRun]]:
    """``count`` runs of Gaussian data with random labels, each its own seed."""
    model = TwoLayer(m=m, alpha=0.1)
    out = []
    for seed in range(count):
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((n, d)) / np.sqrt(d)
        out.append(BatchRun(X, np.sign(rng.standard_normal(n)), model.init(d, 0.5, rng)))
    return model, out


def one(model: TwoLayer, run: BatchRun, steps: int):
    return record(gradient_descent(model, Logistic(), run.X, run.y, run.params0, RULE, BE), model,
                  run.y, BE, log_schedule(steps, 20), StopRule(steps))


def engine(model: TwoLayer, run: BatchRun, steps: int):
    """The run as the engine records it, with the default kernel."""
    return record_run(model, Logistic(), run.X, run.y, run.params0, RULE, BE, log_schedule(steps, 20),
                      StopRule(steps), kernel_name(None))


def bare_step_seconds(model: TwoLayer, run: BatchRun, steps: int) -> float:
    """Seconds per step of plain numpy GD on the same network (no log domain, no record)."""
    X, y = run.X, run.y
    W, a = run.params0["W"].copy(), run.params0["a"].copy()
    t0 = time.perf_counter()
    for _ in range(steps):
        Z = X @ W.T
        D = np.where(Z >= 0, 1.0, 0.1)
        A = Z * D
        f = A @ a
        g = -y / (1.0 + np.exp(y * f))
        gW = ((D * g[:, None]) * a[None, :]).T @ X
        ga = A.T @ g
        W -= 0.1 * gW
        a -= 0.1 * ga
    return (time.perf_counter() - t0) / steps


def best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def same(a, b) -> bool:
    return a.stopped == b.stopped and all(
        np.array_equal(a.scalars[k], b.scalars[k], equal_nan=True) for k in b.scalars) and all(
        np.array_equal(c.params[p], e.params[p]) for c, e in zip(a.checkpoints, b.checkpoints)
        for p in e.params)


def batched(model: TwoLayer, runs: list[BatchRun], steps: int) -> list:
    """The runs advanced as the engine does: batches of :func:`batch_size` runs."""
    size = batch_size(runs, len(runs))
    return [t for i in range(0, len(runs), size) for t in record_batch(
        model, Logistic(), runs[i:i + size], RULE, log_schedule(steps, 20), StopRule(steps))]


def batch_figure(n: int, d: int, m: int, count: int, steps: int, sample: int, repeats: int) -> dict:
    model, runs = runs_of(n, d, m, count)
    together = batched(model, runs, steps)
    if not all(same(together[i], one(model, runs[i], steps)) for i in range(sample)):
        raise SystemExit(f"batched and single runs differ at {(n, d, m)}: not timing")
    t_batch = best(lambda: batched(model, runs, steps), repeats)
    t_one = best(lambda: [one(model, r, steps) for r in runs[:sample]], repeats) * count / sample
    return {"size": [n, d, m], "runs": count, "batch": batch_size(runs, count), "steps": steps,
            "sequential_s": t_one,
            "batched_s": t_batch, "ratio": t_one / t_batch}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer steps and repeats")
    ap.add_argument("--json")
    args = ap.parse_args()
    steps, repeats = (200, 2) if args.quick else (1000, 3)
    model, runs = runs_of(20, 200, 50, 1)
    engine(model, runs[0], 2)  # compiled (or loaded) before timing
    fused = best(lambda: engine(model, runs[0], steps), repeats) / steps
    numpy_path = best(lambda: one(model, runs[0], steps), repeats) / steps
    bare = min(bare_step_seconds(model, runs[0], steps) for _ in range(repeats))
    print(f"engine step ({kernel_name(None)} kernel) {fused * 1e6:.1f} us, bare numpy step "
          f"{bare * 1e6:.1f} us at (20, 200, 50): engine/bare = {fused / bare:.2f} (target <= 1.5); "
          f"numpy path {numpy_path * 1e6:.1f} us ({numpy_path / bare:.2f})")
    out = {"engine_step_s": fused, "kernel": kernel_name(None), "numpy_path_step_s": numpy_path,
           "bare_step_s": bare, "engine_over_bare": fused / bare, "batches": []}
    for n, d, m, count in ((20, 200, 50, 100), (10, 5, 3, 80), (40, 25, 64, 10)):
        fig = batch_figure(n, d, m, count, steps, sample=min(count, 10), repeats=repeats)
        out["batches"].append(fig)
        print(f"{count} runs of (n, d, m) = ({n}, {d}, {m}), {steps} steps: sequential "
              f"{fig['sequential_s']:.2f} s, batched ({fig['batch']} a batch) {fig['batched_s']:.2f} s, throughput x{fig['ratio']:.1f}"
              f"{' (target >= 10)' if (n, d, m, count) == (20, 200, 50, 100) else ''}; identical")
    write_json(args.json, out)


if __name__ == "__main__":
    main()
