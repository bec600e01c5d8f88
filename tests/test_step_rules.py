"""Loss-dependent step rules track the same gradient flow (lyu-li2020-homogeneous, quick data).

The default profile of lyu-li2020-homogeneous uses ``log-normalized`` steps,
``eta / (L log(1/L))``, to reach ``log t`` in the tens of thousands; Lyu & Li's GD step
(``lyu-li``, ``eta / (L log^2(1/L))``) reaches only hundreds in the same budget.  Both
relative steps vanish, so both track gradient flow: at the same ``log t`` their directions
must agree far more closely than the direction moves (plain constant-step GD lags behind).
"""
from __future__ import annotations

import numpy as np
import pytest

from verify.spec import cases, registry

from verify.engine.descent import descend
from verify.problem.seeds import seed_streams
from verify.dynamics.gd import StepRule
from verify.arith.backends import Float64


def _direction_at(rule: str, steps: int, log_t: float) -> tuple[float, np.ndarray]:
    thm = registry.get("lyu-li2020-homogeneous")
    over = {"step_rule": rule, "steps": steps, "max_log_t": log_t, "eta": 0.5}
    case = [c for c in cases.profile_cases(thm, "quick", over) if c.params["alpha"] == 0.2][0]
    p = case.params
    data = thm.generate(p, seed_streams(case.seed)[0])
    traj = descend(case, data, thm.model(p), thm.loss(p)).trajectory
    ck = traj.checkpoints[-1]
    theta = np.concatenate([np.ravel(ck.params["W"]), np.ravel(ck.params["a"])])
    return ck.log_t, theta / np.linalg.norm(theta)


def test_log_normalized_step_is_between_normalized_and_lyu_li():
    be = Float64()
    log_loss = be.const(-50.0)  # L = e^-50, log(1/L) = 50
    logs = {r: float(StepRule(1.0, r, 2).log_eta(log_loss, be))
            for r in ("normalized", "log-normalized", "lyu-li")}
    assert logs["normalized"] == pytest.approx(50.0)
    assert logs["log-normalized"] == pytest.approx(50.0 - np.log(50.0))
    assert logs["lyu-li"] == pytest.approx(50.0 - 2.0 * np.log(50.0))


def test_log_normalized_and_lyu_li_steps_reach_the_same_direction():
    s1, u1 = _direction_at("lyu-li", 40000, 40.0)
    s2, u2 = _direction_at("log-normalized", 4000, 40.0)
    assert abs(s1 - s2) < 0.1
    _, u0 = _direction_at("log-normalized", 4000, 20.0)
    moved = np.linalg.norm(u2 - u0)  # how far the direction still travels from log t 20 to 40
    assert np.linalg.norm(u1 - u2) < 2e-3 < moved / 10
