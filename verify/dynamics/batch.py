"""Batched trajectories: ``b`` float64 GD runs of one shape advance as one computation.

The runs of a sweep (its seeds, its values) share the model, the loss, the step rule and the
shapes of ``X`` and of the parameters; they differ in data and initialization.  Stacked along a
leading batch axis they take one numpy call where ``b`` runs took ``b``: a GD step at
``(n, d, m) = (20, 200, 50)`` is about 25 small calls, so the per-step Python overhead, not the
arithmetic, is what a sweep pays (docs/numerics.md, Speed).

Each run keeps its own stopping rule: a run that stops (horizon, ``max_log_t``, ``stop_loss``,
divergence, the wall deadline) leaves the batch at that step, with the same ``stopped`` reason,
checkpoints and per-step table as if it had run alone; the others go on.

Row ``r`` of every batched operation is bit for bit the single run's
(:func:`verify.dynamics.gd.gradient_descent` with :class:`~verify.arith.backends.Float64`):
``matmul`` over a stack makes the same BLAS call per row (gemv or gemm, same transposition
flags), every elementwise ufunc is the same per element, maxima are exact and each row's sum
is the same pairwise reduction; the scalar logs that the single run takes with :mod:`math`
are taken with :mod:`math` here too.  ``tests/test_batch.py`` checks the equality on the sweeps
of every theorem's quick profile.

Only float64 runs in full coordinates of a model with a batched form
(:attr:`verify.problem.models.Model.batches`) batch; :func:`batchable` says which.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from verify.arith.backends import Float64
from verify.dynamics.gd import StepRule
from verify.dynamics.trajectory import (FIRST_ROWS, SCALARS, BudgetExhausted, Checkpoint, StopRule,
                                        Trajectory, current_deadline, out_of_time)
from verify.problem.losses import Loss
from verify.problem.models import Model

_F64 = Float64()


@dataclass(frozen=True)
class BatchRun:
    """One run of a batch: its data and initial parameters (float64)."""

    X: np.ndarray
    y: np.ndarray
    params0: Mapping[str, np.ndarray]


def batchable(model: Model, loss: Loss, runs: Sequence[BatchRun]) -> bool:
    """Whether ``runs`` can advance as one batch: the model has a batched form, the loss its
    row forms, and every run has the same data and parameter shapes."""
    if len(runs) < 2 or not model.batches or not hasattr(loss, "dloss_rows"):
        return False
    first = runs[0]
    same = (lambda r: r.X.shape == first.X.shape and r.y.shape == first.y.shape
            and {k: np.shape(v) for k, v in r.params0.items()}
            == {k: np.shape(v) for k, v in first.params0.items()})
    return all(same(r) for r in runs)


#: Floats a batch's stacked arrays may hold (about 2 MB, within a core's L2 cache): beyond it
#: a batch of large runs is memory-bound and slower per run than smaller batches
#: (benchmarks/batch_speed.py: at (n, d, m) = (20, 200, 50), 101 us a run-step in batches of
#: 10 against 127 in one batch of 100).
WORKING_SET = 1 << 18


def batch_size(runs: Sequence[BatchRun], most: int) -> int:
    """How many of ``runs`` to advance together: at most ``most``, and few enough that the
    stacked data, parameters, gradients and activations fit :data:`WORKING_SET`.

    Examples
    --------
    >>> small = BatchRun(np.zeros((10, 5)), np.zeros(10), {"W": np.zeros((3, 5)), "a": np.zeros(3)})
    >>> big = BatchRun(np.zeros((20, 200)), np.zeros(20), {"W": np.zeros((50, 200)), "a": np.zeros(50)})
    >>> batch_size([small] * 80, 40), batch_size([big] * 100, 40)
    (40, 10)
    """
    r = runs[0]
    width = max((np.shape(v)[0] for v in r.params0.values() if np.ndim(v) == 2), default=1)
    per_run = r.X.size + 2 * sum(np.size(v) for v in r.params0.values()) + 2 * len(r.y) * width
    return max(1, min(most, WORKING_SET // max(1, per_run)))


class _Table:
    """Per-step scalars of every run of the batch: one ``rows x runs`` array per name of
    :data:`SCALARS`, NaN until written, its rows doubling when full (as
    :class:`verify.dynamics.trajectory.ScalarLog`)."""

    def __init__(self, runs: int, limit: int) -> None:
        self.limit = limit
        self.cols = [np.full((max(1, min(FIRST_ROWS, limit)), runs), np.nan) for _ in SCALARS]

    def put(self, k: int, who: np.ndarray, values: Sequence[np.ndarray]) -> None:
        """Row ``k`` of the runs ``who``: one array per name of :data:`SCALARS`."""
        if k >= len(self.cols[0]) and k < self.limit:
            size = min(max(2 * len(self.cols[0]), k + 1), self.limit)
            self.cols = [np.concatenate([c, np.full((size - len(c), c.shape[1]), np.nan)])
                         for c in self.cols]
        where = slice(None) if len(who) == self.cols[0].shape[1] else who  # every run: a view
        for col, v in zip(self.cols, values):
            col[k, where] = v

    def columns(self, run: int, rows: int) -> dict[str, np.ndarray]:
        return {name: col[:rows, run].copy() for name, col in zip(SCALARS, self.cols)}


def _row_sums(arrays: Sequence[np.ndarray]) -> np.ndarray:
    """``sum_k sum(a_k * a_k)`` per run, in the single run's order (``0 + s_1 + s_2 ...``;
    ``0 + s_1 = s_1`` exactly, the sums being >= 0)."""
    total = None
    for a in arrays:
        part = (a * a).reshape(len(a), -1).sum(axis=1)
        total = part if total is None else total + part
    return total


def _grad_log_norms(s: np.ndarray, grads: Mapping[str, np.ndarray]) -> np.ndarray:
    """``log ||grad L||`` per run: ``s + log(sum g^2)/2``, the log taken as the single run
    takes it (:func:`math.log`)."""
    gsq = _row_sums(list(grads.values())).tolist()
    return np.array([si + 0.5 * math.log(g) if g > 0 else -math.inf
                     for si, g in zip(s.tolist(), gsq)])


def _stop_reasons(stop: StopRule, k: int, log_t: np.ndarray, ll: np.ndarray, sq: np.ndarray,
                  end: float | None) -> list[str] | None:
    """:meth:`StopRule.why` (or the deadline's reason) of each run at step ``k``, or None
    when no run stops (the common case, tested vectorized: finite squared norm, a loss that
    is finite or ``-inf`` and above the floor, ``log t`` below its cap); the scalar rule is
    asked only for the runs that may stop."""
    every = k >= stop.max_steps or (end is not None and time.monotonic() >= end)
    if not every:
        going = ((ll > stop.min_log_loss) & (log_t < stop.max_log_t) & np.isfinite(sq)
                 & ~np.isnan(ll) & (ll != np.inf))
        if going.all():
            return None
    why = [""] * len(log_t)
    for r in range(len(log_t)) if every else np.flatnonzero(~going):
        why[r] = stop.why(k, float(log_t[r]), ll[r], sq[r]) or out_of_time(end, stop, float(log_t[r]), k)
    return why


class _Batch:
    """The live state of a batch: stacked data and parameters of the runs still going."""

    def __init__(self, model: Model, runs: Sequence[BatchRun]) -> None:
        self.who = np.arange(len(runs))
        self.X = np.stack([r.X for r in runs]).astype(float)
        self.y = np.stack([r.y for r in runs]).astype(float)
        self.params = {k: np.stack([np.array(r.params0[k], dtype=float) for r in runs])
                       for k in runs[0].params0}
        self.trained = model.trained
        self.log_t = np.full(len(runs), -math.inf)

    def keep(self, mask: np.ndarray) -> None:
        """Drop the runs where ``mask`` is False."""
        self.who, self.X, self.y, self.log_t = (self.who[mask], self.X[mask], self.y[mask],
                                                self.log_t[mask])
        self.params = {k: v[mask] for k, v in self.params.items()}

    def checkpoint(self, k: int, r: int) -> Checkpoint:
        """Row ``r``'s iterate as the single run's :class:`Checkpoint` (copies)."""
        mine = {n: v[r].copy() for n, v in self.params.items()}
        return Checkpoint(k, float(self.log_t[r]), mine, dict(mine))


def record_batch(model: Model, loss: Loss, runs: Sequence[BatchRun], rule: StepRule,
                 schedule: np.ndarray, stop: StopRule) -> list[Trajectory]:
    """Run GD on every run of ``runs`` together until each one's ``stop`` fires; return each
    run's :class:`Trajectory`, equal to :func:`verify.dynamics.trajectory.record` of its own
    :func:`verify.dynamics.gd.gradient_descent` in float64.

    Parameters
    ----------
    model, loss
        Shared by every run (``model.batches`` must hold, see :func:`batchable`).
    runs
        Data and initialization of each run.
    rule
        Step size rule, ``eta_k`` per run from its own loss.
    schedule, stop
        Checkpoint steps and stop rule, shared.

    Raises
    ------
    BudgetExhausted
        The deadline of :func:`verify.dynamics.trajectory.wall_deadline` passed and
        ``stop.deadline_stops`` is False.
    """
    live = _Batch(model, runs)
    table = _Table(len(runs), stop.max_steps + 1)
    wanted = set(int(k) for k in schedule)
    kept: list[list[Checkpoint]] = [[] for _ in runs]
    done: dict[int, tuple[str, int]] = {}
    end = current_deadline()
    log_n = _F64.log_scalar(_F64.const(runs[0].y.shape[-1]))
    k = 0
    while len(live.who):
        f, pullback = model.forward_vjp_rows(live.params, live.X)
        log_loss = loss.log_total_rows(f, live.y)
        s, w = loss.dloss_rows(f, live.y)
        if loss.reduction == "mean":
            s = s - log_n
        grads = pullback(w)
        log_eta = rule.log_eta_rows(log_loss)
        sq = _row_sums([live.params[n] for n in live.trained])
        table.put(k, live.who, (live.log_t, log_loss, sq, (live.y * f).min(axis=-1), log_eta,
                                _grad_log_norms(s, grads)))
        if k in wanted or k == 0:
            for r, run in enumerate(live.who):
                kept[run].append(live.checkpoint(k, r))
        why = _stop_reasons(stop, k, live.log_t, log_loss, sq, end)
        ending = [] if why is None else [r for r, reason in enumerate(why) if reason]
        for r in ending:
            run = int(live.who[r])
            if kept[run][-1].step != k:
                kept[run].append(live.checkpoint(k, r))
            done[run] = (why[r], k)
        factor = np.exp(log_eta + s)
        for n, g in grads.items():
            live.params[n] = live.params[n] - (factor[:, None] if g.ndim == 2 else
                                               factor.reshape((-1,) + (1,) * (g.ndim - 1))) * g
        live.log_t = np.logaddexp(live.log_t, log_eta)
        if ending:
            going = np.ones(len(why), dtype=bool)
            going[ending] = False
            live.keep(going)
        k += 1
    return [Trajectory(table.columns(i, done[i][1] + 1), tuple(kept[i]), done[i][0], _F64.name,
                       _F64.precision) for i in range(len(runs))]


__all__ = ["BatchRun", "BudgetExhausted", "batchable", "record_batch"]
