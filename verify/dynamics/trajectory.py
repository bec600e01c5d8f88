"""The GD driver: a log-spaced checkpoint schedule, a stopping rule, and the record.

Per-step scalars (log time, log loss, squared norm, min margin, log step) are kept for
every step in float64 arrays (cheap); iterates are kept only at checkpoints, as float64
arrays (for quantities) and as backend arrays (for the precision audit's windows).

The per-step table grows in chunks (its capacity doubles when full, :class:`ScalarLog`), so
a run with a horizon of ``steps = 10**8`` that stops after 20 steps holds 20 rows, not a
preallocated ``steps``; the arrays handed back are the same, bit for bit.

Three rules end a run besides the horizon (:class:`StopRule`): divergence (a non-finite
loss, or a squared parameter norm beyond float64, ends the run at once, ``"diverged at
step k (...)"``), and a wall-clock deadline set around the run by :func:`wall_deadline`
(``"budget exhausted at log t = ..."``), which every run recorded inside the block obeys
(the case's trajectory, the precision audit's replays, sweep runs, the half-step rerun).
"""
from __future__ import annotations

import math
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

import numpy as np

from verify.arith.backends import Backend
from verify.dynamics.gd import State

SCALARS = ("log_t", "log_loss", "sq_norm", "q_min", "log_eta", "log_grad_norm")

#: Rows of the per-step table before its first doubling.
FIRST_ROWS = 1024

#: Prefix of the ``stopped`` reason of a diverged run.
DIVERGED = "diverged at step"

#: Prefix of the ``stopped`` reason of a run ended by the wall-clock deadline.
BUDGET = "budget exhausted"


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
    deadline_stops
        What the deadline of :func:`wall_deadline` does to the run: end it like the horizon
        (True: a case's own trajectory, recorded up to there), or raise
        :class:`BudgetExhausted` (False: a replay that must not be cut short silently).

    Examples
    --------
    >>> rule = StopRule(100)
    >>> rule.why(3, 1.0, float("nan")), rule.why(1, 0.5, -2.0, float("inf"))
    ('diverged at step 3 (loss non-finite)', 'diverged at step 1 (squared parameter norm non-finite)')
    >>> rule.why(100, 4.0, -2.0), rule.why(5, 1.0, -3.0)
    ('max_steps=100', '')
    """

    max_steps: int
    max_log_t: float = math.inf
    min_log_loss: float = -math.inf
    deadline_stops: bool = False

    def why(self, k: int, log_t: float, log_loss: float, sq_norm: float = 0.0) -> str:
        """Reason to stop at this state, or '' to continue.

        A loss that is NaN or ``+inf`` (``log L = -inf`` is a loss that underflowed every
        float, not a divergence), or a squared norm that is not finite, ends the run at once:
        the iterate has left what float64 represents, and every later step and every
        quantity of it would be NaN or infinite.
        """
        if not math.isfinite(log_loss) and not log_loss == -math.inf:
            return f"{DIVERGED} {k} (loss non-finite)"
        if not math.isfinite(sq_norm):
            return f"{DIVERGED} {k} (squared parameter norm non-finite)"
        if k >= self.max_steps:
            return f"max_steps={self.max_steps}"
        if log_t >= self.max_log_t:
            return f"log t = {log_t:.4g} >= max_log_t={self.max_log_t:g}"
        if log_loss <= self.min_log_loss:
            return f"log L = {log_loss:.4g} <= min_log_loss={self.min_log_loss:g}"
        return ""


class BudgetExhausted(RuntimeError):
    """The deadline of :func:`wall_deadline` passed during a run whose :class:`StopRule` does
    not stop there (``deadline_stops`` False)."""


#: Monotonic time at which runs recorded now must stop (None: no deadline).
_DEADLINE: ContextVar[float | None] = ContextVar("verify_deadline", default=None)


@contextmanager
def wall_deadline(seconds: float | None) -> Iterator[None]:
    """Within the block, :func:`record` ends every run once ``seconds`` of wall time have
    passed since the block was entered (``stopped``: ``"budget exhausted at log t = ..."``).

    ``None`` sets no deadline; a nested block keeps the earlier of its deadline and the
    enclosing one.  The deadline is a :class:`contextvars.ContextVar`: threads (a Dask
    worker's) and other contexts do not see it.
    """
    outer = _DEADLINE.get()
    mine = None if seconds is None else time.monotonic() + seconds
    token = _DEADLINE.set(mine if outer is None else outer if mine is None else min(outer, mine))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def deadline_passed() -> bool:
    """Whether the deadline of the enclosing :func:`wall_deadline` block has passed.

    Examples
    --------
    >>> deadline_passed()
    False
    >>> with wall_deadline(0.0):
    ...     deadline_passed()
    True
    """
    end = _DEADLINE.get()
    return end is not None and time.monotonic() >= end


def current_deadline() -> float | None:
    """Monotonic time at which the enclosing :func:`wall_deadline` block ends runs (None: no
    deadline)."""
    return _DEADLINE.get()


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

    ``scalars[name][k]`` is the value after ``k`` steps, for ``name`` in :data:`SCALARS`;
    ``kernel`` is the code that computed the float64 steps (``numpy``: the array path of
    :mod:`verify.dynamics.gd`; ``numba``: the fused kernel of :mod:`verify.dynamics.compiled`).
    """

    scalars: Mapping[str, np.ndarray]
    checkpoints: tuple[Checkpoint, ...]
    stopped: str
    backend: str
    precision: str
    kernel: str = "numpy"

    @property
    def steps(self) -> int:
        """Number of updates applied to the last recorded state."""
        return len(self.scalars["log_t"]) - 1

    @property
    def diverged(self) -> bool:
        """Whether the run ended by divergence (see :meth:`StopRule.why`)."""
        return self.stopped.startswith(DIVERGED)

    @property
    def out_of_time(self) -> bool:
        """Whether the run ended at the wall-clock deadline (see :func:`wall_deadline`)."""
        return self.stopped.startswith(BUDGET)


class ScalarLog:
    """The per-step table: row ``k`` holds the :data:`SCALARS` after ``k`` steps.

    Rows are float64, NaN until written.  The capacity starts at ``first`` rows and doubles
    when a row beyond it is written (amortized constant cost a step), never past ``limit``
    rows (a row at or beyond ``limit`` is an IndexError, as in a table of ``limit`` rows).

    Examples
    --------
    >>> log = ScalarLog(2, limit=10, first=2)
    >>> for k in range(5):
    ...     log.put(k, (k, -k))
    >>> log.capacity, log.row(4).tolist(), log.columns(("a", "b"), 3)["b"].tolist()
    (8, [4.0, -4.0], [0.0, -1.0, -2.0])
    """

    def __init__(self, width: int, limit: int, first: int = FIRST_ROWS) -> None:
        self.limit = limit
        self._buf = np.full((max(1, min(first, limit)), width), np.nan)

    @property
    def capacity(self) -> int:
        """Rows allocated now."""
        return len(self._buf)

    @property
    def nbytes(self) -> int:
        """Bytes held by the table."""
        return self._buf.nbytes

    def put(self, k: int, row: tuple[float, ...]) -> None:
        """Write row ``k`` (growing the table if needed)."""
        if k >= len(self._buf) and k < self.limit:
            grown = np.full((min(max(2 * len(self._buf), k + 1), self.limit), self._buf.shape[1]),
                            np.nan)
            grown[: len(self._buf)] = self._buf
            self._buf = grown
        self._buf[k] = row

    @property
    def buffer(self) -> np.ndarray:
        """The whole table, rows beyond the written ones included (a compiled kernel writes
        rows in place, :mod:`verify.dynamics.compiled`)."""
        return self._buf

    def row(self, k: int) -> np.ndarray:
        """Row ``k`` (a view)."""
        return self._buf[k]

    def columns(self, names: tuple[str, ...], rows: int) -> dict[str, np.ndarray]:
        """The first ``rows`` rows, one contiguous array per column, by name."""
        return {name: self._buf[:rows, i].copy() for i, name in enumerate(names)}


def _scalars_of(state: State, model: Any, y: np.ndarray, be: Backend) -> tuple[float, ...]:
    f = be.to_float(state.f)
    return (
        state.log_t,
        float(state.log_loss),
        float(model.sq_norm(state.params)),
        float((y * f).min()),
        float(state.log_eta),
        state.log_grad_norm,
    )


def _checkpoint(state: State, be: Backend) -> Checkpoint:
    flt = {n: be.to_float(v) for n, v in state.params.items()}
    return Checkpoint(state.step, state.log_t, flt, dict(state.params))


def out_of_time(end: float | None, stop: StopRule, log_t: float, k: int) -> str:
    """The ``stopped`` reason once ``end`` (monotonic time) has passed, else ''; raises
    :class:`BudgetExhausted` instead when ``stop.deadline_stops`` is False."""
    if end is None or time.monotonic() < end:
        return ""
    why = f"{BUDGET} at log t = {log_t:.4g} (step {k})"
    if not stop.deadline_stops:
        raise BudgetExhausted(why)
    return why


def record(
    states: Iterator[State],
    model: Any,
    y: np.ndarray,
    be: Backend,
    schedule: np.ndarray,
    stop: StopRule,
    progress: Callable[[int, int], None] | None = None,
) -> Trajectory:
    """Drive ``states`` until ``stop`` (or the deadline of :func:`wall_deadline`) says so,
    keeping scalars and checkpoints.

    Raises :class:`BudgetExhausted` when the deadline passes and ``stop.deadline_stops`` is
    False.

    ``progress(k, max_steps)`` is called every few hundred steps (the library prints
    nothing itself; the CLI passes a progress bar).
    """
    table = ScalarLog(len(SCALARS), stop.max_steps + 1, FIRST_ROWS)
    wanted = set(int(k) for k in schedule)
    end = current_deadline()
    kept: list[Checkpoint] = []
    stopped = ""
    k = -1
    for state in states:
        k = state.step
        table.put(k, _scalars_of(state, model, y, be))
        if k in wanted or k == 0:
            kept.append(_checkpoint(state, be))
        row = table.row(k)
        stopped = stop.why(k, state.log_t, row[1], row[2]) or out_of_time(end, stop, state.log_t, k)
        if progress is not None and (k % 500 == 0 or stopped):
            progress(k, stop.max_steps)
        if stopped:
            if kept[-1].step != k:
                kept.append(_checkpoint(state, be))
            break
    return Trajectory(table.columns(SCALARS, k + 1), tuple(kept), stopped, be.name, be.precision)
