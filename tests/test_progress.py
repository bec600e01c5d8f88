"""The progress line of ``verify run``: runs done / total and the ETA of the whole command
(pure estimate, formatting, and the line drawn only on a terminal)."""
from __future__ import annotations

import io

import pytest

from verify.cli.progress import Phase, RunProgress, format_eta, seconds_left


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("seconds, text", [(None, "ETA --"), (float("inf"), "ETA --"), (-3, "ETA 0s"),
                                           (59.4, "ETA 59s"), (59.6, "ETA 1m00s"), (61, "ETA 1m01s"),
                                           (3599, "ETA 59m59s"), (3600, "ETA 1h00m"),
                                           (7322, "ETA 2h02m")])
def test_eta_reads_as_hours_minutes_seconds(seconds, text):
    assert format_eta(seconds) == text


def test_eta_is_unknown_until_enough_runs_finished_by_running():
    assert seconds_left([Phase(10, 100, done=5, cached=5)]) is None  # cached runs cost nothing
    assert seconds_left([Phase(10, 100, done=6, cached=5, seconds=3.0)]) is None
    assert seconds_left([Phase(10, 100, done=7, cached=5, seconds=4.0)]) == pytest.approx(6.0)
    assert seconds_left([Phase(10, 100, done=7, cached=5, seconds=4.0)], min_runs=3) is None


def test_eta_uses_each_kinds_own_rate_and_lends_it_by_steps():
    sweeps = Phase(100, 1000, done=50, seconds=25.0)  # 0.5 s a run
    # no case finished: 10 cases of 20000 steps borrow the sweep runs' rate (10 s each)
    assert seconds_left([sweeps, Phase(10, 20000)]) == pytest.approx(25.0 + 100.0)
    # two finished in 60 s: their own rate (30 s each) replaces the borrowed one
    assert seconds_left([sweeps, Phase(10, 20000, done=2, seconds=60.0)]) == pytest.approx(25.0 + 240.0)
    # time since the last finished run counts down, never below 0
    assert seconds_left([sweeps], since=5.0) == pytest.approx(20.0)
    assert seconds_left([sweeps], since=500.0) == 0.0


def test_the_line_counts_every_run_of_the_command_and_its_eta():
    clock, term = Clock(), Terminal()
    bar = RunProgress(stream=term, clock=clock)
    bar.cases("1 cached", 1)  # the runner first reports what it found cached
    bar.plan([1000] * 4, [4000] * 3)
    bar.sweeps("0 cached", 0)
    for k in range(1, 5):
        clock.now += 2.0
        bar.sweeps("sweep runs", k)
        if k == 1:
            assert "ETA --" in term.getvalue().split("\r")[-1]
    line = term.getvalue().split("\r")[-1]
    assert "verify 5/7 runs" in line  # 4 sweep runs and the cached case
    assert "ETA 16s" in line  # 2 cases of 4000 steps at 2 s per 1000 steps
    clock.now += 20.0  # one case took 20 s: 20 s more for the other
    bar.cases("t[case]", 2)
    assert "verify 6/7 runs" in term.getvalue().split("\r")[-1]
    assert "ETA 20s" in term.getvalue().split("\r")[-1]
    bar.close()
    assert term.getvalue().endswith("\n")


def test_nothing_is_drawn_when_stderr_is_not_a_terminal():
    plain = io.StringIO()
    bar = RunProgress(stream=plain)
    bar.plan([10], [10])
    bar.sweeps("0 cached", 0)
    bar.sweeps("sweep runs", 1)
    bar.cases("t[case]", 1)
    bar.close()
    assert plain.getvalue() == ""
