"""Terminal progress lines (the library itself prints nothing; the CLI owns this).

:class:`Bar` draws ``done / total`` units with the elapsed time and an ETA; :class:`RunProgress`
is the line of ``verify run``: the runs of the whole command (sweep runs, then cases) done out of
their total, and an ETA for all of them (:func:`seconds_left`, from the wall time the finished
runs took).  Both draw on stderr, and only when it is a terminal, so logs, pipes and CI output
stay clean.
"""
from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, replace
from typing import Callable, Sequence, TextIO

#: Width of the bar, in characters.
WIDTH = 30


def format_eta(seconds: float | None) -> str:
    """The time left as people read it; ``ETA --`` when unknown.

    Examples
    --------
    >>> format_eta(None), format_eta(float("nan")), format_eta(0.2), format_eta(42.3)
    ('ETA --', 'ETA --', 'ETA 0s', 'ETA 42s')
    >>> format_eta(312), format_eta(3725), format_eta(90000)
    ('ETA 5m12s', 'ETA 1h02m', 'ETA 25h00m')
    """
    if seconds is None or not math.isfinite(seconds):
        return "ETA --"
    s = max(0, round(seconds))
    if s < 60:
        return f"ETA {s}s"
    if s < 3600:
        return f"ETA {s // 60}m{s % 60:02d}s"
    return f"ETA {s // 3600}h{s % 3600 // 60:02d}m"


@dataclass(frozen=True)
class Phase:
    """The runs of one kind (the sweep runs, or the cases) of a command, as seen so far.

    ``total`` runs (cached ones included) of ``steps`` steps on average; ``done`` finished,
    ``cached`` of them read from the cache at no cost; ``seconds`` of wall time spent on the
    others (the time between one finished run and the next, all workers together).
    """

    total: int
    steps: float = 1.0
    done: int = 0
    cached: int = 0
    seconds: float = 0.0

    @property
    def ran(self) -> int:
        """Runs finished by running them (not read from the cache)."""
        return max(self.done - self.cached, 0)

    @property
    def left(self) -> int:
        """Runs still to finish."""
        return max(self.total - self.done, 0)


def seconds_left(phases: Sequence[Phase], min_runs: int = 2, since: float = 0.0) -> float | None:
    r"""Estimated wall time until every run of ``phases`` has finished; None until ``min_runs``
    runs have finished (cached ones do not count) while some are left.

    Each phase's wall time per step, :math:`r_k = s_k / (\mathrm{ran}_k\, \bar S_k)`, comes from
    its own finished runs (so it includes the parallelism of the workers); a phase none of whose
    runs finished yet borrows the rate of all finished runs, :math:`\sum s / \sum \mathrm{ran}\,
    \bar S`, and so is scaled by its runs' steps.  The estimate is
    :math:`\sum_k \mathrm{left}_k\, \bar S_k\, r_k`, less ``since``, the seconds since the last run
    finished (never below 0).

    Examples
    --------
    Ten sweep runs of 1000 steps, four done in 8 s; five cases of 10000 steps, none done: the
    sweep runs take 2 s each, so a case is guessed at 20 s.

    >>> sweeps, cases = Phase(10, 1000, done=4, seconds=8.0), Phase(5, 10000)
    >>> seconds_left([sweeps, cases])
    112.0
    >>> seconds_left([sweeps, cases], since=2.0)
    110.0
    >>> seconds_left([Phase(10, 1000, done=1, seconds=2.0), cases]) is None
    True
    >>> seconds_left([Phase(10, 1000, done=10, seconds=20.0), Phase(5, 10000, done=1, seconds=30.0)])
    120.0
    >>> seconds_left([Phase(3, 1, done=3, cached=3)])
    0.0
    """
    left = [p for p in phases if p.left]
    if not left:
        return 0.0
    ran = [p for p in phases if p.ran]
    if sum(p.ran for p in ran) < min_runs:
        return None
    pooled = sum(p.seconds for p in ran) / sum(p.ran * p.steps for p in ran)
    total = sum(p.left * p.steps * (p.seconds / (p.ran * p.steps) if p.ran else pooled)
                for p in left)
    return max(total - since, 0.0)


class Bar:
    """Progress over ``total`` units with elapsed time and an estimate of the time left.

    Draws only when ``stream`` is a terminal, so logs and CI output stay clean; ``clock`` is
    the time source (for tests).
    """

    def __init__(self, total: int, label: str = "", stream: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.total = max(int(total), 1)
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.clock = clock
        self.start = clock()
        self.done = 0.0
        self._last = 0.0

    def update(self, done: float, note: str = "", left: float | None | str = "rate") -> None:
        """Set progress to ``done`` units (redraws at most 10 times a second); ``left`` is the
        time left in seconds (None: unknown), by default ``elapsed`` times the fraction left."""
        self.done = min(float(done), self.total)
        now = self.clock()
        if not self.enabled or (now - self._last < 0.1 and self.done < self.total):
            return
        self._last = now
        frac = self.done / self.total
        elapsed = now - self.start
        if left == "rate":
            left = elapsed * (1 - frac) / frac if frac > 0 else None
        bar = "#" * int(WIDTH * frac) + "-" * (WIDTH - int(WIDTH * frac))
        self.stream.write(f"\r{self.label} [{bar}] {frac:6.1%} {elapsed:6.1f}s "
                          f"{format_eta(left if isinstance(left, (int, float)) else None):11s} "
                          f"{note[:40]:40s}")
        self.stream.flush()

    def close(self) -> None:
        """Finish the line."""
        if self.enabled:
            self.update(self.total, left=0.0)
            self.stream.write("\n")
            self.stream.flush()


class RunProgress:
    """The progress line of ``verify run``: runs done / total, sweep runs and cases together,
    and the ETA of the whole command (:func:`seconds_left`).

    Hand :meth:`plan` to :func:`verify.engine.runner.run_jobs` as ``plan``, :meth:`sweeps` as
    ``sweep_progress`` and :meth:`cases` as ``progress``.  ``clock`` is the time source (for
    tests).
    """

    def __init__(self, label: str = "verify", stream: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.label, self.clock = label, clock
        self.phases = {"sweeps": Phase(0), "cases": Phase(0)}
        self.bar: Bar | None = None
        self.stream = stream
        self._mark = clock()  # the last event: a run finished, or a phase started

    def plan(self, sweep_steps: list[int], case_steps: list[int]) -> None:
        """The runs of the command (and their steps), before any of them runs."""
        for kind, steps in (("sweeps", sweep_steps), ("cases", case_steps)):
            mean = sum(steps) / len(steps) if steps else 1.0
            self.phases[kind] = replace(self.phases[kind], total=len(steps), steps=max(mean, 1.0))
        self.bar = Bar(self.total, self.label, self.stream, self.clock)
        self._mark = self.clock()
        self.draw("starting")

    @property
    def total(self) -> int:
        """Runs of the command, cached ones included."""
        return sum(p.total for p in self.phases.values())

    def sweeps(self, note: str, done: float) -> None:
        """``sweep_progress``: ``done`` sweep runs finished (the first call: those cached)."""
        self._event("sweeps", note, int(done))

    def cases(self, note: str, done: float) -> None:
        """``progress``: ``done`` cases finished (the first call: those cached)."""
        self._event("cases", note, int(done))

    def _event(self, kind: str, note: str, done: int) -> None:
        now, phase = self.clock(), self.phases[kind]
        if note.endswith(" cached"):  # the phase starts: what it finds cached costs nothing
            phase = replace(phase, done=done, cached=done)
        else:
            phase = replace(phase, done=done, seconds=phase.seconds + now - self._mark)
        self.phases[kind], self._mark = phase, now
        self.draw(note)

    def left(self) -> float | None:
        """Seconds left (:func:`seconds_left`), None while unknown."""
        return seconds_left(list(self.phases.values()), since=self.clock() - self._mark)

    def draw(self, note: str = "") -> None:
        """Redraw the line (nothing before :meth:`plan`, or when stderr is not a terminal)."""
        if self.bar is None or not self.bar.enabled:
            return
        done = sum(p.done for p in self.phases.values())
        self.bar.label = f"{self.label} {done}/{self.total} runs"
        self.bar.update(done, note, left=self.left())

    def close(self) -> None:
        """Finish the line."""
        if self.bar is not None:
            self.bar.close()
