"""The GD driver: a log-spaced checkpoint schedule, a stopping rule, and the record.

Per-step scalars (log time, log loss, squared norm, min margin, log step) are kept for
every step in float64 arrays (cheap); iterates are kept only at checkpoints, as float64
arrays (for quantities) and as backend arrays (for the precision audit's windows).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

import numpy as np

from verify.arith.backends import Backend
from verify.dynamics.gd import State

SCALARS = ("log_t", "log_loss", "sq_norm", "q_min", "log_eta", "log_grad_norm")


def log_schedule(steps: int, count: int) -> np.ndarray:
    """About ``count`` checkpoint steps, log-spaced in ``[1, steps]``, always with ``steps``.

    Examples
    --------
    >>> log_schedule(1000, 4).tolist()
    [1, 10, 100, 1000]
    """
    if steps < 1 or count < 2:
        raise ValueError(f"need steps >= 1 and count >= 2, got {steps}, {count}")
    ks = np.unique(np.round(np.logspace(0, math.log10(steps), count)).astype(int))
    return np.unique(np.append(ks, steps))


@dataclass(frozen=True)
class StopRule:
    """When the driver ends the run.

    Parameters
    ----------
    max_steps
        Hard horizon.
    max_log_t
        Stop once ``log t`` exceeds this (loss-normalized steps grow ``t`` fast).
    min_log_loss
        Stop once ``log L`` is below this (e.g. regression reached interpolation).
    """

    max_steps: int
    max_log_t: float = math.inf
    min_log_loss: float = -math.inf

    def why(self, k: int, log_t: float, log_loss: float) -> str:
        """Reason to stop at this state, or '' to continue."""
        if not math.isfinite(log_loss) and not log_loss == -math.inf:
            return f"non-finite loss {log_loss} at step {k}"
        if k >= self.max_steps:
            return f"max_steps={self.max_steps}"
        if log_t >= self.max_log_t:
            return f"log t = {log_t:.4g} >= max_log_t={self.max_log_t:g}"
        if log_loss <= self.min_log_loss:
            return f"log L = {log_loss:.4g} <= min_log_loss={self.min_log_loss:g}"
        return ""


@dataclass(frozen=True)
class Checkpoint:
    """An iterate kept by the schedule."""

    step: int
    log_t: float
    params: Mapping[str, np.ndarray]
    native: Mapping[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True)
class Trajectory:
    """What a GD run leaves behind.

    ``scalars[name][k]`` is the value after ``k`` steps, for ``name`` in :data:`SCALARS`.
    """

    scalars: Mapping[str, np.ndarray]
    checkpoints: tuple[Checkpoint, ...]
    stopped: str
    backend: str
    precision: str

    @property
    def steps(self) -> int:
        """Number of updates applied to the last recorded state."""
        return len(self.scalars["log_t"]) - 1


def _scalars_of(state: State, model: Any, y: np.ndarray, be: Backend) -> tuple[float, ...]:
    f = be.to_float(state.f)
    return (
        state.log_t,
        float(state.log_loss),
        float(model.sq_norm(state.params)),
        float(np.min(y * f)),
        float(state.log_eta),
        state.log_grad_norm,
    )


def record(
    states: Iterator[State],
    model: Any,
    y: np.ndarray,
    be: Backend,
    schedule: np.ndarray,
    stop: StopRule,
    progress: Callable[[int, int], None] | None = None,
) -> Trajectory:
    """Drive ``states`` until ``stop`` says so, keeping scalars and checkpoints.

    ``progress(k, max_steps)`` is called every few hundred steps (the library prints
    nothing itself; the CLI passes a progress bar).
    """
    buf = np.full((stop.max_steps + 1, len(SCALARS)), np.nan)
    wanted = set(int(k) for k in schedule)
    kept: list[Checkpoint] = []
    stopped = ""
    for state in states:
        k = state.step
        buf[k] = _scalars_of(state, model, y, be)
        if k in wanted or k == 0:
            flt = {n: be.to_float(v) for n, v in state.params.items()}
            kept.append(Checkpoint(k, state.log_t, flt, dict(state.params)))
        stopped = stop.why(k, state.log_t, buf[k, 1])
        if progress is not None and (k % 500 == 0 or stopped):
            progress(k, stop.max_steps)
        if stopped:
            if kept[-1].step != k:
                flt = {n: be.to_float(v) for n, v in state.params.items()}
                kept.append(Checkpoint(k, state.log_t, flt, dict(state.params)))
            break
    scalars = {name: buf[: k + 1, i].copy() for i, name in enumerate(SCALARS)}
    return Trajectory(scalars, tuple(kept), stopped, be.name, be.precision)
