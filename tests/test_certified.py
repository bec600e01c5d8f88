"""Backend "arb": ball enclosures of exact GD, checked against mpmath at 60 digits; sign ties."""
from __future__ import annotations

import numpy as np
import pytest
from flint import arb, arf, fmpz

from verify.arith.backends import MPMath, backend_names, make_backend
from verify.dynamics.certified import (
    ArbBall,
    BallState,
    PrecisionLost,
    UndecidedSign,
    certified_descent,
    certified_run,
)
from verify.errors import UserError
from verify.dynamics.gd import StepRule, gradient_descent
from verify.problem.losses import make_loss
from verify.problem.models import Linear, TwoLayer
from verify.dynamics.span import span_descent
from verify.dynamics.trajectory import StopRule, log_schedule, record

MP = MPMath(dps=60)


def _arb(v) -> arb:
    """An mpf as an exact ball."""
    sign, man, exp, _ = v._mpf_
    return arb(arf((fmpz(man) * (-1 if sign else 1), exp)))


def _small(model):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((6, 5)), np.sign(rng.standard_normal(6))
    return X, y, model.init(5, 0.5, np.random.default_rng(1))


CASES = [  # eta = 1: log(eta) is exact, so gd's float log_eta gives mpmath the nominal step
    (TwoLayer(m=4, alpha=0.1), "logistic", "sum", StepRule(1.0)),
    (TwoLayer(m=3, alpha=0.0, train_outer=False, outer_init="signs", mean_field=True),
     "logistic", "mean", StepRule(1.0)),
    (Linear(), "exponential", "sum", StepRule(1.0)),
]


@pytest.mark.parametrize("model,loss,reduction,rule", CASES)
def test_enclosure_contains_mpmath_trajectory_at_every_checkpoint(model, loss, reduction, rule):
    X, y, p0 = _small(model)
    lossf = make_loss(loss, reduction)
    steps = 150
    sched = log_schedule(steps, 4)
    ref = record(gradient_descent(model, lossf, X, y, p0, rule, MP), model, y, MP, sched,
                 StopRule(steps))
    want = {c.step: c.native for c in ref.checkpoints}
    seen = 0
    for st in certified_descent(model, lossf, X, y, p0, rule):
        if st.step in want:
            balls, seen = st.enclosure(), seen + 1
            for key, M in balls.items():
                mp_vals = np.asarray(want[st.step][key], dtype=object).ravel()
                assert all(b.contains(_arb(v)) for b, v in zip(M.entries(), mp_vals)), (st.step, key)
                if st.step > 0:  # the balls are tight: a 1e-22 relative nudge falls outside
                    assert not all(b.contains(_arb(v * (1 + MP.ctx.mpf(1e-22))))
                                   for b, v in zip(M.entries(), mp_vals))
            assert st.radii()["rel_rad"] < 1e-25
        if st.step >= steps:
            break
    assert seen == len(want)
    got = record(gradient_descent(model, lossf, X, y, p0, rule, make_backend("arb")), model, y,
                 make_backend("arb"), sched, StopRule(steps))
    for c_arb, c_mp in zip(got.checkpoints, ref.checkpoints):  # both correctly rounded
        assert all(np.array_equal(c_arb.params[k], c_mp.params[k]) for k in c_mp.params)


def test_registered_and_driven_by_gradient_descent():
    assert "arb" in backend_names()
    be = make_backend("arb")
    assert isinstance(be, ArbBall) and be.prec == 128
    X, y, p0 = _small(Linear())
    it = gradient_descent(Linear(), make_loss("logistic"), X, y, p0, StepRule(0.5), be)
    st = next(it)
    assert isinstance(st, BallState) and st.params["w"].shape == (5,)


def test_unsupported_combinations_are_user_errors():
    X, y, p0 = _small(TwoLayer(m=2))
    with pytest.raises(UserError):
        next(certified_descent(TwoLayer(m=2), make_loss("squared"), X, y, p0, StepRule(0.1)))
    states, _ = span_descent(TwoLayer(m=2), make_loss("logistic"), X, y, p0, StepRule(0.1),
                             make_backend("arb"))
    with pytest.raises(UserError):
        next(states)


# x_3 = (0, 1) and x_4 = (0, -1) are orthogonal to w(0) = (1, 0), and the data are symmetric
# about the first axis, so exact GD keeps w_2 = 0: both pre-activations stay exactly 0 (the
# ReLU kink). Ball arithmetic cannot see that the v_1 - v_2 it computes is exactly 0.
X_TIE = np.array([[1.0, 1.0], [1.0, -1.0], [0.0, 1.0], [0.0, -1.0]])
NET_TIE = TwoLayer(m=1, alpha=0.0, train_outer=False, outer_init="signs")
P_TIE = {"W": np.array([[1.0, 0.0]]), "a": np.array([1.0])}


def test_preactivation_exactly_at_zero_is_undecided():
    states = certified_descent(NET_TIE, make_loss("logistic"), X_TIE, np.ones(4), P_TIE,
                               StepRule(1.0))
    first = next(states)
    assert first.step == 0 and first.ties == ((0, 2), (0, 3))  # exact zeros: Clarke phi'(0) = 1
    with pytest.raises(UndecidedSign) as info:
        next(states)
    assert (info.value.step, info.value.neuron, info.value.sample, info.value.prec) == (1, 0, 2, 512)


def test_certified_run_reports_undecided_and_radii():
    run = certified_run(NET_TIE, make_loss("logistic"), X_TIE, np.ones(4), P_TIE, StepRule(1.0),
                        log_schedule(10, 3), StopRule(10))
    assert run.trajectory.stopped.startswith("UNDECIDED") and run.trajectory.steps == 0
    assert isinstance(run.undecided, UndecidedSign)
    assert run.ties == ((0, 0, 2), (0, 0, 3)) and run.radii[0]["max_rad"] == 0.0
    X, y, p0 = _small(TwoLayer(m=4, alpha=0.1))
    run = certified_run(TwoLayer(m=4, alpha=0.1), make_loss("logistic"), X, y, p0, StepRule(1.0),
                        log_schedule(100, 3), StopRule(100))
    assert run.undecided is None and run.trajectory.stopped == "max_steps=100"
    assert [r["step"] for r in run.radii] == [c.step for c in run.trajectory.checkpoints]
    rads = [r["max_rad"] for r in run.radii]
    assert rads[0] == 0.0 and 0.0 < rads[1] and rads == sorted(rads) and rads[-1] < 1e-25


def test_tiny_preactivation_is_decided_at_a_higher_precision():
    """Perturbing x_4 by 2^-30 breaks the symmetry: w_2(1) ~ 1e-10, undecidable at 32 bits."""
    X = X_TIE.copy()
    X[3, 1] = -1.0 + 2.0**-30
    args = (NET_TIE, make_loss("logistic"), X, np.ones(4), P_TIE, StepRule(1.0))
    with pytest.raises(UndecidedSign):
        for st in certified_descent(*args, prec=32, max_prec=32):
            assert st.step < 20
    ref = record(gradient_descent(*args, MP), NET_TIE, np.ones(4), MP, np.array([20]), StopRule(20))
    for st in certified_descent(*args, prec=32, max_prec=128):
        if st.step == 20:
            break
    assert st.prec == 64
    W = st.enclosure()["W"].entries()
    assert all(b.contains(_arb(v)) for b, v in zip(W, ref.checkpoints[-1].native["W"].ravel()))


def test_balls_outgrowing_the_tolerance_are_retried_then_reported():
    """At 32 bits the log-loss ball of this linear run passes 1e-6 at step 152; 64 bits suffice."""
    X = np.array([[1.0, 0.5], [0.75, -0.25], [-1.0, -0.25], [-0.5, 0.75]])
    y = np.array([1.0, 1.0, -1.0, -1.0])
    args = (Linear(), make_loss("logistic"), X, y, {"w": np.zeros(2)}, StepRule(1.0))
    with pytest.raises(PrecisionLost) as info:
        for _ in certified_descent(*args, prec=32, max_prec=32, loss_tol=1e-6):
            pass
    assert info.value.step == 152 and info.value.prec == 32
    for st in certified_descent(*args, prec=32, max_prec=64, loss_tol=1e-6):
        if st.step == 300:
            break
    assert st.prec == 64 and st.radii()["rel_rad"] < 1e-15
    run = certified_run(*args, log_schedule(300, 3), StopRule(300), ArbBall(32, 32, 1e-6))
    assert isinstance(run.undecided, PrecisionLost) and run.trajectory.steps == 151
