"""The Clarke-KKT program of many samples solved on a working set is the whole program's optimum."""
from __future__ import annotations

import numpy as np
import pytest

import verify.targets.clarke as clarke
import verify.targets.workingset as ws
from verify.problem.models import TwoLayer
from verify.targets.clarke import clarke_certificate, clarke_kkt
from verify.targets.kinks import relu_kinks


def _program(seed: int, n: int = 160, d: int = 6, m: int = 5, alpha: float = 0.2):
    """A random leaky-ReLU net labelled by itself (every margin positive), one forced kink,
    rescaled to min q = 1: ``(theta, G0, kinks, margins)``."""
    rng = np.random.default_rng(seed)
    X, W, a = rng.standard_normal((n, d)), rng.standard_normal((m, d)), rng.standard_normal(m)
    W[0] -= (W[0] @ X[0]) / (X[0] @ X[0]) * X[0]
    model = TwoLayer(m=m, alpha=alpha)
    y = np.sign(model.forward({"W": W, "a": a}, X))
    c = 1 / np.sqrt((y * model.forward({"W": W, "a": a}, X)).min())
    W, a = W * c, a * c  # 2-homogeneous: min q = 1 at the rescaled point
    params = {"W": W, "a": a}
    q = y * model.forward(params, X)
    G = y[:, None] * model.jacobian(params, X)
    G0, kinks = relu_kinks(G, W, a, X, y, alpha=alpha)
    return np.concatenate([W.ravel(), a]), G0, kinks, q


def _whole(monkeypatch, *program):
    with monkeypatch.context() as mp:
        mp.setattr(ws, "MIN_SAMPLES", 10**9)
        mp.setattr(clarke, "MIN_SAMPLES", 10**9)
        return clarke_kkt(*program)


@pytest.mark.parametrize("seed", [0, 1])
def test_working_set_gives_the_whole_programs_optimum(seed, monkeypatch):
    program = _program(seed)
    fast, whole = clarke_kkt(*program), _whole(monkeypatch, *program)
    assert "working set of" in fast.note and "working set" not in whole.note
    assert fast.ok and whole.ok and program[2].count >= 1
    assert fast["residual"] == pytest.approx(whole["residual"], rel=1e-9)
    assert np.allclose(fast["lambda"], whole["lambda"], rtol=1e-6, atol=1e-9 * whole["lambda"].max())
    assert set(fast["support"]) == set(whole["support"])


def test_a_small_start_grows_until_nothing_outside_violates():
    theta, G0, kinks, q = _program(2)
    solve = lambda *p: clarke._solve_first_optimal(*p[:4], clarke.SOLVE_TOLS if p[4] else clarke.SCREEN_TOLS,
                                                   True)
    lam, mu, info, note = ws.solve_on_working_set(theta, G0, kinks, q, solve, clarke._support, start=3)
    solves = int(note.rsplit(", ", 1)[1].split()[0])
    assert info.status == "optimal" and solves >= 3
    cert = clarke_certificate(theta, G0, kinks, q, *clarke._feasible(lam, mu, kinks))
    assert max(cert.values()) < 1e-7
    # the first working set alone is not the optimum: the growth is what certifies it
    S = np.sort(np.argsort(q, kind="stable")[:3])
    sub, where = ws.restrict(kinks, S)
    lam_s, mu_s, _, _ = solve(theta, G0[S], sub, q[S], True)
    lam3, mu3 = np.zeros(len(q)), np.zeros(kinks.count)
    lam3[S], mu3[where] = lam_s, mu_s
    assert clarke_certificate(theta, G0, kinks, q, lam3, mu3)["dual_infeasibility"] > 1e-4


def test_restrict_renumbers_the_kink_rows():
    theta, G0, kinks, q = _program(0, n=80)
    keep = np.array([0, 5, 9])
    sub, where = ws.restrict(kinks, keep)
    assert np.array_equal(keep[sub.rows], kinks.rows[where])
    assert np.array_equal(sub.vectors, kinks.vectors[where]) and sub.lo == kinks.lo


def test_small_programs_are_solved_whole():
    program = _program(0, n=40)
    assert "working set" not in clarke_kkt(*program).note
