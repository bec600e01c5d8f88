"""Precision audit: replay windows of a run in mpmath and count the agreed digits.

Two windows: the first ``W`` steps from the initialization, and a late window of ``W``
steps started from the last checkpoint at least ``W`` steps before the end, replayed in
both the run's backend and mpmath from the same (exactly converted) iterate. For every
reported quantity the audit records

.. math:: \\text{digits} = \\min_{\\text{compared points}} -\\log_{10}
          \\frac{|q_{\\text{run}} - q_{\\text{mp}}|}{|q_{\\text{mp}}|},

capped at the float64 resolution the quantities are computed in (docs/numerics.md B: the
stall of a fixed precision is faithful; what matters is how far the run drifted).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from verify.arith.backends import Backend, MPMath
from verify.dynamics.gd import StepRule, gradient_descent
from verify.dynamics.trajectory import StopRule, Trajectory, record

CAP = 15.95  # quantities are evaluated in float64

MeasureCk = Callable[[int, float, Mapping[str, np.ndarray]], dict[str, float]]
MeasureSteps = Callable[[Mapping[str, np.ndarray]], dict[str, np.ndarray]]


@dataclass(frozen=True)
class AuditReport:
    """Agreed digits per quantity and how they were obtained."""

    dps: int
    windows: tuple[tuple[int, int], ...]
    digits: Mapping[str, float] = field(default_factory=dict)
    note: str = ""

    def to_dict(self, log_t: np.ndarray) -> dict[str, Any]:
        """JSON form (windows also in log time for the report)."""
        lt = [[float(log_t[a]) if a > 0 else None, float(log_t[b])] for a, b in self.windows]
        return {"backend": "mpmath", "dps": self.dps, "steps": sum(b - a for a, b in self.windows),
                "windows": [list(w) for w in self.windows], "window_log_t": lt,
                "digits": dict(self.digits), "note": self.note}


def agreed_digits(a: np.ndarray, b: np.ndarray, cap: float = CAP) -> float:
    """Min over points of ``-log10(|a-b|/|b|)``; NaN pairs are ignored; capped at ``cap``."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    ok = np.isfinite(a) & np.isfinite(b)
    if not ok.any():
        return math.nan
    rel = np.abs(a[ok] - b[ok]) / np.maximum(np.abs(b[ok]), np.finfo(float).tiny)
    worst = float(np.max(rel))
    return cap if worst == 0 else float(min(cap, -math.log10(worst)))


def _replay(model, loss, X, y, start, rule, be, steps) -> Trajectory:
    states = gradient_descent(model, loss, X, y, start, rule, be)
    return record(states, model, y, be, np.array([steps]), StopRule(steps))


def _shifted(scalars: Mapping[str, np.ndarray], log_t0: float) -> dict[str, np.ndarray]:
    return {**scalars, "log_t": np.logaddexp(log_t0, scalars["log_t"])}


def _compare(run: Trajectory, ref: Trajectory, offset: int, log_t0: float, ck: MeasureCk,
             st: MeasureSteps, out: dict[str, list[float]]) -> None:
    for c_run, c_ref in zip(run.checkpoints, ref.checkpoints):
        if c_run.step == 0 and offset == 0:
            continue
        lt = float(np.logaddexp(log_t0, c_run.log_t))
        a = ck(c_run.step + offset, lt, c_run.params)
        b = ck(c_ref.step + offset, lt, c_ref.params)
        for k in set(a) & set(b):
            out.setdefault(k, []).append(agreed_digits([a[k]], [b[k]]))
    a, b = st(_shifted(run.scalars, log_t0)), st(_shifted(ref.scalars, log_t0))
    for k in set(a) & set(b):
        out.setdefault(k, []).append(agreed_digits(a[k][1:], b[k][1:]))


def precision_audit(model, loss, X: np.ndarray, y: np.ndarray, params0: Mapping[str, np.ndarray],
                    rule: StepRule, traj: Trajectory, run_backend: Backend, dps: int, window: int,
                    measure_ck: MeasureCk, measure_steps: MeasureSteps) -> AuditReport:
    """Replay an early and a late window in mpmath at ``dps`` digits; see module docstring."""
    if window <= 0:
        return AuditReport(dps, (), {}, "audit disabled (audit_steps = 0)")
    if isinstance(run_backend, MPMath):
        return AuditReport(dps, (), {}, f"run is itself in mpmath ({run_backend.precision}); "
                           f"quantities carry float64's {CAP} digits")
    mp = MPMath(dps=dps)
    total = traj.steps
    found: dict[str, list[float]] = {}
    w0 = min(window, total)
    windows = [(0, w0)]
    run = _replay(model, loss, X, y, params0, rule, run_backend, w0)
    ref = _replay(model, loss, X, y, params0, rule, mp, w0)
    _compare(run, ref, 0, -math.inf, measure_ck, measure_steps, found)
    late = [c for c in traj.checkpoints if c.step <= total - window and c.step >= w0]
    if late:
        start = late[-1]
        windows.append((start.step, start.step + window))
        run = _replay(model, loss, X, y, start.params, rule, run_backend, window)
        ref = _replay(model, loss, X, y, start.params, rule, mp, window)
        _compare(run, ref, start.step, start.log_t, measure_ck, measure_steps, found)
    digits = {k: float(np.nanmin(v)) if np.isfinite(v).any() else math.nan for k, v in found.items()}
    return AuditReport(dps, tuple(windows), digits, "")
