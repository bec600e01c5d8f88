"""How often the two-layer convex-program targets certify, and at what cost, with and without
the parallel-group merge (``verify.targets.groupsocp``) and the dual refinement
(``verify.targets.groupdual``).

Usage: python benchmarks/group_polish.py [--draws N] [--json out.json]

Workloads (n = 8, exact enumeration of the chambers, Clarabel at 1e-12):

* ``near-orthogonal``: min-norm interpolator, x ~ N(0, I_d / d) with d in {16, 128, 4096},
  labels +-1, solved in row-space coordinates (as Lai et al. 2026's two-layer reading does);
* ``orthogonal``: min-norm interpolator, orthogonal rows of norms U(0.5, 2), labels +-1,
  leaky slope 0 or 0.3 (closed form known);
* ``max-margin``: global max-margin net, x ~ N(0, I_2), labels +-1 (Lyu et al. 2021's size).

Each workload runs twice in the same process: the baseline (one polish round, no dual
refinement: the code before these two changes; the retry after a full-program
``solver_error`` stays on in both) and the current code. Rows: draws certified
(status ``optimal`` and every certificate entry within tolerance), seconds per draw, and the
time ratio current / baseline. BLAS runs single-threaded.
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from typing import Callable, Iterator  # noqa: E402

import numpy as np  # noqa: E402

from verify.targets import groupdual, groupsocp  # noqa: E402
from verify.targets.base import Target  # noqa: E402
from verify.targets.twolayer import max_margin_two_layer, min_norm_interpolator_two_layer  # noqa: E402

Draw = Callable[[int], Target]


def _near_orthogonal(d: int) -> Draw:
    def draw(seed: int) -> Target:
        rng = np.random.default_rng(seed)
        X, y = rng.standard_normal((8, d)) / np.sqrt(d), np.sign(rng.standard_normal(8))
        return min_norm_interpolator_two_layer(np.linalg.qr(X.T)[1].T, y, 0.0)
    return draw


def _orthogonal(seed: int) -> Target:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 9))
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    X = rng.uniform(0.5, 2.0, n)[:, None] * Q.T
    y, alpha = np.sign(rng.standard_normal(n)), float(rng.choice([0.0, 0.3]))
    return min_norm_interpolator_two_layer(X, y, alpha)


def _max_margin(seed: int) -> Target:
    rng = np.random.default_rng(seed)
    return max_margin_two_layer(rng.standard_normal((8, 2)), np.sign(rng.standard_normal(8)), 0.0)


WORKLOADS: dict[str, Draw] = {
    "near-orthogonal d=16": _near_orthogonal(16),
    "near-orthogonal d=128": _near_orthogonal(128),
    "near-orthogonal d=4096": _near_orthogonal(4096),
    "orthogonal": _orthogonal,
    "max-margin d=2": _max_margin,
}


@contextmanager
def _settings(baseline: bool) -> Iterator[None]:
    """The code before the two changes (baseline) or as it is, for one workload run.

    Baseline: one polish round (no merge) and the polished program's multipliers only.
    """
    saved = groupsocp.POLISH_ROUNDS, groupdual._candidates
    if baseline:
        groupsocp.POLISH_ROUNDS, groupdual._candidates = 1, lambda *args: iter(())
    try:
        yield
    finally:
        groupsocp.POLISH_ROUNDS, groupdual._candidates = saved


def _run(draw: Draw, draws: int, baseline: bool) -> dict[str, float]:
    with _settings(baseline):
        start = time.perf_counter()
        ok = sum(bool(draw(seed).ok) for seed in range(draws))
    return {"certified": ok, "seconds_per_draw": (time.perf_counter() - start) / draws}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=100)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    rows = []
    print("| workload | draws | certified (baseline) | certified | s/draw (baseline) | s/draw "
          "| ratio |")
    print("|---|---|---|---|---|---|---|")
    for name, draw in WORKLOADS.items():
        base, cur = _run(draw, args.draws, True), _run(draw, args.draws, False)
        ratio = cur["seconds_per_draw"] / base["seconds_per_draw"]
        rows.append({"workload": name, "draws": args.draws, "baseline": base, "current": cur})
        print(f"| {name} | {args.draws} | {base['certified']} | {cur['certified']} | "
              f"{base['seconds_per_draw']:.3f} | {cur['seconds_per_draw']:.3f} | {ratio:.2f} |",
              flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=2)


if __name__ == "__main__":
    main()
