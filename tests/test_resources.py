"""Bounded resources: chunked per-step recording, the memory check, the wall-time budget, and
divergence (issue 20)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from verify.arith.backends import Float64
from verify.dynamics import trajectory
from verify.dynamics.gd import StepRule, gradient_descent
from verify.dynamics.trajectory import SCALARS, ScalarLog, StopRule, log_schedule, record
from verify.engine import resources
from verify.engine.case import run_case
from verify.engine.runner import Job, run_jobs
from verify.errors import UserError
from verify.problem.losses import make_loss
from verify.problem.models import TwoLayer
from verify.spec import registry
from verify.spec.cases import profile_cases

SOUDRY = "soudry2018-linear"


def _run(steps: int, stop: StopRule | None = None):
    rng = np.random.default_rng(5)
    X = rng.standard_normal((6, 3))
    y = np.sign(rng.standard_normal(6)) + 0.0
    model, loss, be = TwoLayer(m=3, alpha=0.2), make_loss("logistic"), Float64()
    states = gradient_descent(model, loss, X, y, model.init(3, 0.5, rng), StepRule(0.5), be)
    return states, model, y, be, log_schedule(steps, 8), stop or StopRule(steps)


def _preallocated(states, model, y, be, schedule, stop):
    """The recorder as it was: a table of ``max_steps + 1`` rows allocated up front."""
    buf = np.full((stop.max_steps + 1, len(SCALARS)), np.nan)
    for state in states:
        k = state.step
        buf[k] = trajectory._scalars_of(state, model, y, be)
        if stop.why(k, state.log_t, buf[k, 1]):
            break
    return {name: buf[: k + 1, i].copy() for i, name in enumerate(SCALARS)}


@pytest.mark.parametrize("first", [1, 2, 7, 10_000])
def test_chunked_recording_equals_the_preallocated_table(monkeypatch, first):
    monkeypatch.setattr(trajectory, "FIRST_ROWS", first)
    chunked = record(*_run(300)).scalars
    reference = _preallocated(*_run(300))
    assert list(chunked) == list(reference)
    for name in SCALARS:
        a, b = chunked[name], reference[name]
        assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes(), name
        assert a.flags.c_contiguous


def test_a_long_horizon_that_stops_early_holds_few_rows(monkeypatch):
    tables: list[ScalarLog] = []

    class Spy(ScalarLog):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            tables.append(self)

    monkeypatch.setattr(trajectory, "ScalarLog", Spy)
    stop = StopRule(10**8, max_log_t=math.log(20.0))  # a horizon of 1e8 steps, ended early
    traj = record(*_run(10**8, stop))
    assert traj.stopped.startswith("log t") and traj.steps < 100
    assert tables[0].nbytes <= 2 * 48 * max(trajectory.FIRST_ROWS, traj.steps + 1)  # not 4.8 GB
    assert sum(v.nbytes for v in traj.scalars.values()) == 48 * (traj.steps + 1)


def test_the_table_doubles_and_never_passes_its_limit():
    log = ScalarLog(1, limit=5, first=2)
    for k in range(5):
        log.put(k, (float(k),))
    assert log.capacity == 5
    with pytest.raises(IndexError):
        log.put(5, (5.0,))


def test_memory_refusal_is_a_one_line_user_error(tiny_cases, monkeypatch, tmp_path):
    thm = registry.get(SOUDRY)
    huge = profile_cases(thm, "quick", {"steps": 10**8})
    monkeypatch.setenv(resources.LIMIT_VAR, "1G")
    with pytest.raises(UserError) as err:
        run_jobs([Job(c) for c in huge], tmp_path / "out")
    msg = str(err.value)
    assert "\n" not in msg and "steps=10" in msg and resources.LIMIT_VAR in msg and "GiB" in msg
    assert not (tmp_path / "out" / "cases").exists()  # refused before any work
    monkeypatch.setenv(resources.LIMIT_VAR, "off")
    resources.check_memory([resources.estimate(thm, huge[0])], 1)  # the override lets it run


def test_memory_estimate_grows_with_steps_and_jobs(tiny_cases):
    thm = registry.get(SOUDRY)
    small, big = (profile_cases(thm, "quick", {"steps": s})[0] for s in (1000, 10**6))
    assert resources.estimate(thm, big).total > 100 * resources.estimate(thm, small).total
    e = resources.estimate(thm, big)
    with pytest.raises(UserError, match="--jobs 2"):
        resources.check_memory([e, e], 2, str(int(1.5 * e.total)))
    resources.check_memory([e, e], 1, str(int(1.5 * e.total)))
    with pytest.raises(UserError, match="not a size"):
        resources.parse_size("12 parsecs")


def test_a_spent_budget_ends_the_case_undecided(tiny_cases):
    thm = registry.get(SOUDRY)
    case = profile_cases(thm, "quick", {"steps": 10**7, "checkpoints": 20, "budget_s": 1.0})[0]
    rec = run_case(thm, case)
    assert rec["budget"] == {"budget_s": 1.0, "exhausted": True}
    assert rec["trajectory"]["stopped"].startswith("budget exhausted at log t = ")
    assert rec["trajectory"]["steps"] < 10**7
    for row in rec["rows"]:
        assert row["outcome"] == "UNDECIDED" and row["reason"].startswith("budget exhausted at log t = ")
    assert "budget_s = 1 s" in rec["rows"][0]["reason"]


def test_no_budget_changes_no_identity(tiny_cases):
    thm = registry.get(SOUDRY)
    case = profile_cases(thm, "quick")[0]
    assert "budget_s" not in case.params and case.settings.budget_s is None
    timed = profile_cases(thm, "quick", {"budget_s": 30})[0]
    assert timed.config_hash() != case.config_hash() and timed.settings.budget_s == 30.0


def test_a_budget_spent_in_the_cases_is_not_cached(tiny_cases, tmp_path, monkeypatch):
    monkeypatch.setenv(resources.LIMIT_VAR, "off")
    thm = registry.get(SOUDRY)
    cases = profile_cases(thm, "quick", {"steps": 10**7, "checkpoints": 20, "budget_s": 0.5})
    out = tmp_path / "out"
    [rec] = run_jobs([Job(c) for c in cases], out)
    assert rec["budget"]["exhausted"]
    assert not list((out / "cases").glob("*.json"))  # a rerun retries it


@pytest.mark.parametrize("loss", ["logistic", "exponential"])
def test_a_huge_step_diverges_at_once_and_prints_no_warning(tiny_cases, capfd, loss):
    thm = registry.get(SOUDRY)
    case = profile_cases(thm, "quick", {"eta": 1e300, "loss": loss})[0]
    rec = run_case(thm, case, stress=True)
    stopped = rec["trajectory"]["stopped"]
    assert stopped.startswith("diverged at step ") and rec["trajectory"]["steps"] <= 2
    assert rec["audit"]["note"].startswith("not run: the trajectory ended early (diverged")
    for row in rec["rows"]:
        assert row["outcome"] in ("UNDECIDED", "FAIL")
        assert stopped in row["reason"] and "run too short" not in row["reason"]
    out, err = capfd.readouterr()
    assert "RuntimeWarning" not in err + out and "overflow" not in err + out


def test_a_nan_loss_is_a_divergence_not_a_short_run():
    stop = StopRule(100)
    assert stop.why(7, 1.0, math.nan) == "diverged at step 7 (loss non-finite)"
    assert stop.why(7, 1.0, math.inf) == "diverged at step 7 (loss non-finite)"
    assert stop.why(7, 1.0, -math.inf, math.inf).endswith("(squared parameter norm non-finite)")


def test_a_replay_past_the_deadline_raises_instead_of_stopping_short():
    with trajectory.wall_deadline(0.0):
        with pytest.raises(trajectory.BudgetExhausted):
            record(*_run(50))
        states, model, y, be, schedule, _ = _run(50)
        traj = record(states, model, y, be, schedule, StopRule(50, deadline_stops=True))
    assert traj.out_of_time and traj.steps == 0


def test_nested_deadlines_keep_the_earlier_one():
    with trajectory.wall_deadline(0.0), trajectory.wall_deadline(3600.0):
        assert trajectory.deadline_passed()
    with trajectory.wall_deadline(None):
        assert not trajectory.deadline_passed()

