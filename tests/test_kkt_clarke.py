"""Known-answer tests of the Clarke (eps, delta)-KKT program (Lyu & Li 2020, arXiv:1906.05890)."""
from __future__ import annotations

import numpy as np
import pytest

from verify.problem.data import Dataset
from verify.problem.models import Linear, TwoLayer
from verify.problem.quantities import Point, kkt_target
from verify.targets.clarke import clarke_certificate, clarke_kkt
from verify.targets.kinks import KinkTerms, relu_kinks
from verify.targets.kkt import kkt_multipliers

EXACT = 1e-10


def _point(model, params, X, y) -> Point:
    """A checkpoint at ``params`` (no loss needed by the KKT target)."""
    data = Dataset(np.asarray(X, float), np.asarray(y, float), "hand")
    return Point(1, 0.0, params, model, None, data)


def _one_sided(p: Point):
    """theta, one-sided Jacobian rows y_i df/dtheta and margins, rescaled to min q = 1 (L = 2)."""
    c = 1 / np.sqrt(p.margins.min())
    G = p.data.y[:, None] * p.model.jacobian(p.params, p.data.X)
    return p.theta * c, G * c, p.margins / p.margins.min()


def _kink_example() -> Point:
    # ReLU net, x1 = (1, -1/2), x2 = (0, 1), y = (1, 1); w1 = (1, 0), w2 = (0, 1), a = (1, 1).
    # <w1, x2> = 0: neuron 1 sits exactly on its kink for sample 2. q = (1, 1).
    # theta = (1,0, 0,1, 1,1) = h1 + h2 with h1 = (1,-1/2, 0,0, 1,0) and, with slope s = 1/2 in
    # the Clarke set [0, 1] of relu'(0), h2 = (0,1/2, 0,1, 0,1): an exact KKT point with
    # lambda = (1, 1). The one-sided derivative relu'(0) = 1 gives h2 = (0,1, 0,1, 0,1) instead.
    X = np.array([[1.0, -0.5], [0.0, 1.0]])
    params = {"W": np.array([[1.0, 0.0], [0.0, 1.0]]), "a": np.array([1.0, 1.0])}
    return _point(TwoLayer(m=2, alpha=0.0), params, X, [1.0, 1.0])


def test_exact_kink_kkt_point_needs_the_clarke_slope():
    p = _kink_example()
    old = kkt_multipliers(*_one_sided(p))
    assert old.ok and old["residual"] > 0.1  # 0.196: one-sided Jacobian, no certificate of KKT
    t = kkt_target(p)
    assert t.ok and t.polished
    assert t["residual"] < 1e-8
    np.testing.assert_allclose(t["lambda"], [1.0, 1.0], atol=EXACT)
    assert t["n_kinks"] == 1 and t["n_kinks_active"] == 1
    np.testing.assert_allclose(t["slopes"], [0.5], atol=EXACT)
    assert t["kkt_margin"] == pytest.approx(1 / 4, abs=EXACT)  # (2 * sum lambda)^-1
    assert t["euler_residual"] < 1e-15
    assert t["nnls_residual"] == pytest.approx(old["residual"], rel=1e-9)


def test_relu_kinks_splits_the_one_sided_jacobian():
    # g0 + one-sided slope * c_j must give back the model's Jacobian row by row.
    rng = np.random.default_rng(3)
    X, W, a = rng.standard_normal((7, 4)), rng.standard_normal((5, 4)), rng.standard_normal(5)
    W[2] -= (W[2] @ X[4]) / (X[4] @ X[4]) * X[4]  # exact kink pair (4, 2), up to rounding
    model = TwoLayer(m=5, alpha=0.3)
    y = np.sign(model.forward({"W": W, "a": a}, X))
    G = y[:, None] * model.jacobian({"W": W, "a": a}, X)
    G0, kinks = relu_kinks(G, W, a, X, y, alpha=0.3, tau=1e-9)
    assert [tuple(pq) for pq in kinks.pairs] == [(4, 2)] and kinks.lo == 0.3
    back = G0.copy()
    np.add.at(back, kinks.rows, kinks.onesided[:, None] * kinks.vectors)
    np.testing.assert_allclose(back, G, rtol=0, atol=1e-15)


def _linear_case(lam_star: np.ndarray, radii: np.ndarray, seed: int):
    """L = 1: theta = sum lam*_i z_i with orthogonal z_i, plus one far point; min q = 1."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((radii.size + 3, radii.size + 1)))
    Z = Q.T * np.append(radii, 1.0)[:, None]
    theta = Z[:-1].T @ lam_star
    c = (lam_star * radii**2).min()
    theta = theta / c
    far = 3 * theta / (theta @ theta) + Q[:, -1]  # <theta, far> = 3
    G = np.vstack([Z[:-1], far])
    return theta, G, G @ theta, lam_star / c


def test_known_multipliers_linear_model_reduces_to_nnls():
    # lam*_i = 1/r_i^2: every support margin is 1, theta is the SVM solution; the joint
    # program without kink terms returns the NNLS multipliers (lam*, 0) and residual 0.
    radii = np.array([1.0, 2.0, 0.5])
    theta, G, q, lam = _linear_case(1 / radii**2, radii, seed=0)
    t = clarke_kkt(theta, G, KinkTerms.none(theta.size), q, homogeneity=1)
    old = kkt_multipliers(theta, G, q, homogeneity=1)
    assert t.ok and old.ok
    np.testing.assert_allclose(t["lambda"], np.append(lam, 0.0), atol=EXACT)
    np.testing.assert_allclose(t["lambda"], old["lambda"], atol=EXACT)
    assert t["residual"] < 1e-12
    assert t["kkt_margin"] == pytest.approx(1 / np.linalg.norm(theta), rel=EXACT)
    # Through the quantity: a Linear model at the same point gives the same numbers.
    X = G  # y = 1, so the rows g_i = x_i
    p = _point(Linear(), {"w": theta}, X, np.ones(len(X)))
    tq = kkt_target(p)
    assert tq.ok and tq["n_kinks"] == 0
    np.testing.assert_allclose(tq["lambda"], t["lambda"], atol=EXACT)


def test_known_multipliers_two_layer_kkt_point():
    # The 4-point ReLU net of test_targets.py at its KKT point a = (1, -1): lambda = (1,1,0,0).
    X = np.array([[1.0, 0.0], [-1.0, 0.0], [2.0, 1.0], [-1.5, 0.5]])
    params = {"W": np.array([[1.0, 0.0], [-1.0, 0.0]]), "a": np.array([1.0, -1.0])}
    t = kkt_target(_point(TwoLayer(m=2, alpha=0.0), params, X, [1.0, -1.0, 1.0, -1.0]))
    assert t.ok and t["n_kinks"] == 0
    np.testing.assert_allclose(t["lambda"], [1, 1, 0, 0], atol=EXACT)
    assert t["residual"] < 1e-12 and t["kkt_margin"] == pytest.approx(0.25, abs=EXACT)


def test_non_kkt_point_has_the_closed_form_residual():
    # Same net at a = (2, -1), q = (2, 1, 4, 1.5), ||theta||^2 = 7. lambda_2 = 1 fits neuron 2;
    # neuron 1 leaves (1,0,2) - lambda_1 (2,0,1): minimising sqrt(5l^2 - 8l + 5)/sqrt(7) + l/7
    # gives l = (4 - 3/sqrt(34))/5 and eps + delta = (4 + 3 sqrt(34))/35 = 0.6141 (NNLS: 0.6213).
    X = np.array([[1.0, 0.0], [-1.0, 0.0], [2.0, 1.0], [-1.5, 0.5]])
    params = {"W": np.array([[1.0, 0.0], [-1.0, 0.0]]), "a": np.array([2.0, -1.0])}
    t = kkt_target(_point(TwoLayer(m=2, alpha=0.0), params, X, [1.0, -1.0, 1.0, -1.0]))
    assert t.ok
    np.testing.assert_allclose(t["lambda"], [(4 - 3 / np.sqrt(34)) / 5, 1, 0, 0], atol=EXACT)
    assert t["residual"] == pytest.approx((4 + 3 * np.sqrt(34)) / 35, rel=1e-12)
    assert t["residual"] > 0.5
    assert t["nnls_residual"] == pytest.approx(np.sqrt(1.8 / 7) + 0.8 / 7, rel=1e-9)


@pytest.mark.parametrize("seed, alpha", [(7, 0.0), (11, 0.2)])
def test_joint_clarke_residual_not_above_nnls(seed, alpha):
    # Random net with one forced kink pair: the certified optimum of the eps + delta program
    # over Clarke subgradients is <= the old one-sided, eps-only NNLS residual.
    rng = np.random.default_rng(seed)
    X, W, a = rng.standard_normal((12, 5)), rng.standard_normal((8, 5)), rng.standard_normal(8)
    W[0] -= (W[0] @ X[0]) / (X[0] @ X[0]) * X[0]
    model = TwoLayer(m=8, alpha=alpha)
    y = np.sign(model.forward({"W": W, "a": a}, X))
    p = _point(model, {"W": W, "a": a}, X, y)
    old = kkt_multipliers(*_one_sided(p))
    t = kkt_target(p)
    assert t.ok and old.ok and t["n_kinks"] >= 1
    assert t["residual"] <= old["residual"] + 1e-12
    assert t["nnls_residual"] == pytest.approx(old["residual"], rel=1e-8)
    assert t["residual"] > 1e-3  # a random point is not a KKT point


def test_certificate_flags_perturbed_points():
    p = _kink_example()
    theta, G, q = _one_sided(p)
    G0, kinks = relu_kinks(G, p.params["W"], p.params["a"], p.data.X, p.data.y, alpha=0.0)
    t = clarke_kkt(theta, G0, kinks, q)
    lam, mu = t["lambda"], t["mu"]
    assert max(clarke_certificate(theta, G0, kinks, q, lam, mu).values()) < 1e-14
    for bad_lam, bad_mu in ((lam + [0.01, 0], mu), (lam, mu + 0.01), (lam, mu + 2.0)):
        assert max(clarke_certificate(theta, G0, kinks, q, bad_lam, bad_mu).values()) > 1e-3


def test_non_optimal_status_is_not_ok():
    # An unattainable tolerance: Clarabel stops without "optimal", so the target is not ok
    # whatever the certificate says.
    t = clarke_kkt(*_one_sided(_kink_example())[:2], KinkTerms.none(6), np.ones(2), tols=(1e-300,))
    assert t.status != "optimal" and not t.ok


def _kinks(row: int, p: int, lo: float, hi: float) -> KinkTerms:
    """One kink term with c = 0 (only the shapes and bounds matter)."""
    pairs = np.zeros((1, 2), int)
    return KinkTerms(np.array([row]), np.zeros((1, p)), lo, hi, np.ones(1), pairs, np.zeros(1), 0.0)


@pytest.mark.parametrize(
    "row, p, lo, hi",
    [(2, 6, 0.0, 1.0), (0, 5, 0.0, 1.0), (0, 6, 1.0, 0.5)],  # row out of range, p, lo > hi
)
def test_malformed_kinks_raise(row, p, lo, hi):
    theta, G, q = _one_sided(_kink_example())
    kinks = _kinks(row, p, lo, hi)
    with pytest.raises(ValueError):
        clarke_kkt(theta, G, kinks, q)


def _wide_point(rng) -> Point:
    """Orthogonal samples in d = 40 (n = 4), a near-KKT two-layer net with an off-span
    component and one exact kink (neuron 0 orthogonal to sample 3)."""
    n, d, alpha = 4, 40, 0.2
    X = np.zeros((n, d))
    X[np.arange(n), np.arange(n)] = [1.0, 1.3, 0.8, 1.1]
    y = np.array([1.0, 1.0, -1.0, -1.0])
    plus = X[0] + X[1] - alpha * (X[2] + X[3])
    minus = X[2] + X[3] - alpha * (X[0] + X[1])
    W = np.array([plus, minus, plus, minus])
    off = rng.standard_normal((4, d))
    off[:, :n] = 0.0
    W = W + 0.05 * off + 0.01 * rng.standard_normal((4, d)) * (np.arange(d) < n)
    W[0, 3] = 0.0  # keep the kink exact
    model = TwoLayer(m=4, alpha=alpha, train_outer=False, outer_init="signs", scale=0.5)
    return _point(model, {"W": W, "a": np.array([1.0, -1.0, 1.0, -1.0])}, X, y)


def test_span_reduced_kkt_program_is_the_same_program(monkeypatch):
    """In d >= 4n the program is solved in data-span coordinates (verify.targets.rowspace):
    same value, multipliers and kinks as the program as written."""
    from verify.targets import rowspace
    p = _wide_point(np.random.default_rng(3))
    reduced = kkt_target(p)
    monkeypatch.setattr(rowspace, "SPAN_MIN_RATIO", 10 ** 9)
    full = kkt_target(_point(p.model, p.params, p.data.X, p.data.y))
    assert "data-span coordinates" in reduced.note and "data-span" not in full.note
    assert reduced.ok and full.ok and reduced.values["n_kinks"] == full.values["n_kinks"] >= 1
    assert reduced.values["residual"] == pytest.approx(full.values["residual"], rel=1e-7)
    assert np.allclose(reduced.values["lambda"], full.values["lambda"], rtol=1e-6, atol=1e-9)


def test_dropping_the_off_span_part_changes_the_program(monkeypatch):
    """Wrong twin: a reduction that forgets ||P_perp w_k|| gives another residual, so the
    test above can fail."""
    from verify.problem import quantities
    from verify.targets import rowspace
    p = _wide_point(np.random.default_rng(3))
    right = kkt_target(p).values["residual"]

    def forgetful(W, X):
        aug = rowspace.span_augmented(W, X)
        return rowspace.Augmented(np.hstack([aug.W[:, :-1], 0 * aug.W[:, -1:]]), aug.X, 0.0)
    monkeypatch.setattr(quantities, "span_augmented", forgetful)
    wrong = kkt_target(_point(p.model, p.params, p.data.X, p.data.y)).values["residual"]
    assert abs(wrong - right) > 1e-3 * right


def test_a_program_solved_again_equals_a_fresh_one():
    """The tolerance ladder re-solves one cvxpy problem (its canonical form is kept); each
    solve starts cold (no warm start from the previous rung), so it gives the fresh
    problem's point bit for bit.  With cvxpy's default warm start the points differ
    (by 1e-14 to 1e-8 on these draws)."""
    from verify.targets import clarke, groupsocp
    rng = np.random.default_rng(0)
    for _ in range(5):
        theta, G0 = rng.standard_normal(40), 0.3 * rng.standard_normal((8, 40))
        margins = np.r_[1.0, 1.0 + rng.random(7)]
        none = KinkTerms.none(40)
        again = clarke._program(theta, G0, none, margins)
        clarke._solve(again, none, 1e-12, {})
        lam_a, _, info_a = clarke._solve(again, none, 1e-10, {})
        lam_f, _, info_f = clarke._solve(clarke._program(theta, G0, none, margins), none, 1e-10, {})
        assert np.array_equal(lam_a, lam_f) and (info_a.status, info_a.iterations) == (
            info_f.status, info_f.iterations)
    X, y = rng.standard_normal((6, 3)), np.sign(rng.standard_normal(6))
    D = (X @ rng.standard_normal((3, 5)) > 0).T.astype(float)
    S = 2.0 * D - 1.0
    prog = groupsocp.group_program(X, y, D, S, D, S, "margin")
    groupsocp.solve_program(prog, 1e-12)
    U_a, V_a, lam_a, _ = groupsocp.solve_program(prog, 1e-9)
    U_f, V_f, lam_f, _ = groupsocp.solve_groups(X, y, D, S, D, S, "margin", 1e-9)
    assert all(np.array_equal(a, f) for a, f in ((U_a, U_f), (V_a, V_f), (lam_a, lam_f)))
