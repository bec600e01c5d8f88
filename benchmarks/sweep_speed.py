"""The fixed per-run costs of sweep runs and cases, the current code against the old way, in one run.

Usage: python benchmarks/sweep_speed.py [--quick]

Each line times one part both ways in this process and prints the ratio old/new (above 1:
faster now) and whether both ways give the same numbers bit for bit:

- ``gd float64 step``: one GD step of a small two-layer net (the shape of the sweep runs of
  lyu2021-symmetric), the old loop (``forward`` then ``vjp``, each computing ``X W^T`` and the
  activations, ``np.sum`` dispatch, the step size's log every step) against
  :func:`verify.dynamics.gd.gradient_descent` (``Model.forward_vjp``, the constant step's log once).
- ``gd mpmath step``: one step of the precision audit's mpmath replay; the old way lets mpmath
  print the whole object array in the error message of ``mpf * array`` before numpy computes
  the product (:func:`verify.arith.backends._array_refusing` refuses at once).
- ``refits``: the rate fits of a resolution bisection (the same grid, values drifted), with
  the factored designs remembered (:func:`verify.claims.batchls.factors` inside
  ``memoizing``) against rebuilding and decomposing them at every probe.
- ``clarabel check``: ``require_clarabel`` once a process against at every target solve.

No timing is asserted anywhere; the ratios depend on the machine and its load.
"""
from __future__ import annotations

import argparse
import math
import time
import types
from typing import Any, Callable

import numpy as np

from verify.arith.backends import Float64, MPMath
from verify.claims.batchls import rss_on_grid
from verify.claims.memo import memoizing
from verify.dynamics.gd import State, StepRule, gradient_descent
from verify.problem.losses import make_loss
from verify.problem.models import TwoLayer
from verify.targets.solve import require_clarabel


def old_descent(model: Any, loss: Any, X: np.ndarray, y: np.ndarray, params0: dict,
                rule: StepRule, be: Any, steps: int) -> dict:
    """The GD loop before the change (its float64 and mpmath path, a :class:`State` a step),
    run for ``steps`` updates."""
    Xb, yb = be.asarray(X), be.asarray(y)
    params = {k: be.asarray(v) for k, v in params0.items()}
    log_t = -math.inf
    for step in range(steps + 1):
        f = model.forward(params, Xb, be)
        log_loss = loss.log_total(f, yb, be)
        s, w = loss.dloss(f, yb, be)
        grads = model.vjp(params, Xb, w, be)
        gsq = float(sum(np.sum(g * g) for g in grads.values()))
        log_grad_norm = float(s) + 0.5 * math.log(gsq) if gsq > 0 else -math.inf
        log_eta = rule.log_eta(log_loss, be)
        State(step, log_t, params, f, log_loss, log_eta, log_grad_norm)
        if step == steps:
            return params
        factor = be.exp(log_eta + s)
        params = dict(params)
        for k, g in grads.items():
            params[k] = params[k] - factor * g
        log_t = float(np.logaddexp(log_t, float(log_eta)))
    raise AssertionError("unreachable")


def new_descent(model: Any, loss: Any, X: np.ndarray, y: np.ndarray, params0: dict,
                rule: StepRule, be: Any, steps: int) -> dict:
    """The current loop, ``steps`` updates."""
    for state in gradient_descent(model, loss, X, y, params0, rule, be):
        if state.step == steps:
            return state.params
    raise AssertionError("unreachable")


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Best wall seconds of ``repeats`` calls, and the last result."""
    best, out = math.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def same(a: dict, b: dict) -> bool:
    """Whether two parameter dicts are equal entry for entry (bit for bit)."""
    return all(np.array_equal(np.asarray(a[k]), np.asarray(b[k])) for k in a)


def line(name: str, unit: str, old: float, new: float, identical: bool | str) -> None:
    print(f"{name:18} old {old:10.1f} {unit:8} new {new:10.1f} {unit:8} ratio {old / new:6.2f}x"
          f"   identical: {identical}")


def problem(seed: int, n: int, d: int, m: int, alpha: float) -> tuple:
    """A two-layer logistic problem of the given size: model, loss, X, y, init, step rule."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) / np.sqrt(d)
    y = np.sign(rng.standard_normal(n))
    model = TwoLayer(m=m, alpha=alpha)
    return model, make_loss("logistic"), X, y, model.init(d, 0.1, rng), StepRule(0.5)


def bench_gd(steps: int, repeats: int) -> None:
    model, loss, X, y, p0, rule = problem(seed=0, n=12, d=3, m=4, alpha=0.2)
    run = (model, loss, X, y, p0, rule, Float64(), steps)
    t_old = t_new = math.inf
    for _ in range(repeats):  # alternate, so both ways see the same load
        t, a = timed(lambda: old_descent(*run), 1)
        t_old = min(t_old, t)
        t, b = timed(lambda: new_descent(*run), 1)
        t_new = min(t_new, t)
    line("gd float64 step", "us/step", t_old / steps * 1e6, t_new / steps * 1e6, same(a, b))


def bench_mpmath(steps: int) -> None:
    model, loss, X, y, p0, rule = problem(seed=1, n=8, d=10, m=5, alpha=0.0)
    new_be = MPMath(dps=40)
    old_be = MPMath(dps=40)
    old_be.ctx.convert = types.MethodType(type(old_be.ctx).convert, old_be.ctx)  # mpmath's own
    t_old, a = timed(lambda: new_descent(model, loss, X, y, p0, rule, old_be, steps), 1)
    t_new, b = timed(lambda: new_descent(model, loss, X, y, p0, rule, new_be, steps), 1)
    line("gd mpmath step", "ms/step", t_old / steps * 1e3, t_new / steps * 1e3, same(a, b))


def bench_refits(probes: int) -> None:
    s = np.linspace(1.0, 12.0, 4000)
    q = 0.5 + 2.0 / s + 1e-3 * np.sin(7 * s)
    a = np.linspace(0.2, 3.0, 60)
    b = np.zeros_like(a)
    drifts = [q + k * 1e-4 * s for k in range(probes)]

    def each(memo: bool) -> list[np.ndarray]:
        if not memo:
            return [rss_on_grid(s, v, ("t^-a",), a, b) for v in drifts]
        with memoizing():
            return [rss_on_grid(s, v, ("t^-a",), a, b) for v in drifts]

    t_old, x = timed(lambda: each(False), 1)
    t_new, z = timed(lambda: each(True), 1)
    ok = all(np.array_equal(u, v) for u, v in zip(x, z))
    line("refits", "ms/probe", t_old / probes * 1e3, t_new / probes * 1e3, ok)


def bench_clarabel(calls: int) -> None:
    unchecked = require_clarabel.__wrapped__  # type: ignore[attr-defined]
    t_old, _ = timed(lambda: [unchecked() for _ in range(calls)], 1)
    t_new, _ = timed(lambda: [require_clarabel() for _ in range(calls)], 1)
    line("clarabel check", "ms/call", t_old / calls * 1e3, t_new / calls * 1e3, "n/a (no numbers)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer steps and probes")
    args = ap.parse_args()
    k = 1 if args.quick else 4
    bench_gd(500 * k, 5)
    bench_mpmath(5 * k)
    bench_refits(10 * k)
    bench_clarabel(5 * k)


if __name__ == "__main__":
    main()
