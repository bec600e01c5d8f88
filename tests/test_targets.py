"""Tests of the cvxpy targets.

Hard-margin SVM (Soudry et al. 2018) and KKT multipliers (Lyu & Li 2020, arXiv:1906.05890).

Every expected value below is derived by hand in a comment, or from a closed form.
"""
from __future__ import annotations

import numpy as np
import pytest

from verify.errors import TargetFailed
from verify.targets.kkt import kkt_multipliers, nnls_certificate
from verify.targets.svm import hard_margin_svm, svm_certificate

EXACT = 1e-10


def _orthogonal_z(rng: np.random.Generator, radii: np.ndarray, d: int) -> np.ndarray:
    """Rows r_i q_i with q_i orthonormal (n <= d)."""
    Q, _ = np.linalg.qr(rng.standard_normal((d, radii.size)))
    return radii[:, None] * Q.T


def _relu_net(W: np.ndarray, a: np.ndarray, X: np.ndarray, y: np.ndarray):
    """theta, G = dq/dtheta and margins q of f(x) = sum_k a_k relu(w_k.x).

    Rescaled so that min q = 1 (q is 2-homogeneous).
    """
    H = X @ W.T
    q = y * (np.maximum(H, 0) @ a)
    GW = y[:, None, None] * (a * (H > 0))[:, :, None] * X[:, None, :]
    G = np.hstack([GW.reshape(len(y), -1), y[:, None] * np.maximum(H, 0)])
    c = 1 / np.sqrt(q.min())  # q is 2-homogeneous, so dq/dtheta is 1-homogeneous
    return c * np.concatenate([W.ravel(), a]), c * G, q / q.min()


def test_svm_four_points_by_hand():
    # z_i = y_i x_i: z1 = (2,1), z2 = (1,2), z3 = (1,3), z4 = (4,1).
    # Guess support {z1, z2}: K_SS = [[5,4],[4,5]], K beta = 1 -> beta = (1/9, 1/9) > 0,
    # w = (z1 + z2)/9 = (1/3, 1/3). Margins <w, z> = 1, 1, 4/3, 5/3 >= 1, so all KKT
    # conditions hold: w is optimal, gamma = 1/||w|| = 3/sqrt(2).
    X = np.array([[2.0, 1.0], [1.0, 2.0], [-1.0, -3.0], [4.0, 1.0]])
    y = np.array([1.0, 1.0, -1.0, 1.0])
    t = hard_margin_svm(X, y)
    assert t.ok and t.polished and t.status == "optimal"
    np.testing.assert_allclose(t["w"], [1 / 3, 1 / 3], rtol=0, atol=EXACT)
    np.testing.assert_allclose(t["dual"], [1 / 9, 1 / 9, 0, 0], rtol=0, atol=EXACT)
    assert t["gamma"] == pytest.approx(3 / np.sqrt(2), abs=EXACT)
    np.testing.assert_array_equal(t["support"], [0, 1])
    assert t["gamma_mp"].startswith("2.12132034355964257320253308631454711785450781")  # 3/sqrt(2)
    np.testing.assert_allclose(t["w_unit"], [2**-0.5, 2**-0.5], atol=EXACT)


@pytest.mark.parametrize("r, s", [(1.0, 0.5), (2.5, 3.0)])
def test_svm_symmetric_closed_form(r, s):
    # Points r(+-1, +-s) with label sign(x_1): z = r(1, s), r(1, -s), each twice. By the
    # reflection symmetry w = (c, 0) and <w, z> = r c = 1, so w = (1/r, 0), gamma = r.
    # The multipliers are not unique (duplicated z); any valid set has sum beta = ||w||^2.
    X = r * np.array([[1, s], [1, -s], [-1, s], [-1, -s]])
    y = np.array([1.0, 1.0, -1.0, -1.0])
    t = hard_margin_svm(X, y)
    assert t.ok and t.polished
    np.testing.assert_allclose(t["w"], [1 / r, 0.0], atol=EXACT)
    assert t["gamma"] == pytest.approx(r, abs=EXACT)
    assert t["dual"].sum() == pytest.approx(1 / r**2, abs=EXACT)
    assert max(svm_certificate(X, y, t["w"], t["dual"]).values()) < 1e-14


def test_svm_symmetrized_data_same_as_half():
    # Adding (-x, -y) duplicates every z_i, so the program (and gamma) is unchanged.
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((8, 5)), rng.choice([-1.0, 1.0], 8)
    half = hard_margin_svm(X, y)
    full = hard_margin_svm(np.vstack([X, -X]), np.concatenate([y, -y]))
    assert full["gamma"] == pytest.approx(half["gamma"], rel=EXACT)
    np.testing.assert_allclose(full["w"], half["w"], atol=EXACT)


def test_svm_orthogonal_closed_form():
    # z_i = r_i q_i, q_i orthonormal: w = sum z_i / r_i^2 gives <w, z_i> = 1 for all i and
    # w = Z^T beta with beta_i = 1/r_i^2 > 0: every point is a support vector.
    rng = np.random.default_rng(0)
    radii = np.array([0.5, 1.0, 2.0, 3.0, 7.0])
    Z = _orthogonal_z(rng, radii, d=9)
    y = rng.choice([-1.0, 1.0], radii.size)
    t = hard_margin_svm(y[:, None] * Z, y)
    assert t.ok and t.polished
    np.testing.assert_allclose(t["dual"], 1 / radii**2, rtol=EXACT)
    np.testing.assert_allclose(t["w"], Z.T @ (1 / radii**2), atol=EXACT)
    assert t["gamma"] == pytest.approx(1 / np.sqrt(np.sum(radii**-2.0)), rel=EXACT)
    np.testing.assert_array_equal(t["support"], np.arange(radii.size))


def test_svm_non_separable_is_not_ok():
    # z1 = (1,0) and z2 = (-2,0): <w,z1> >= 1 and <w,z2> >= 1 contradict each other.
    X = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0]])
    y = np.array([1.0, -1.0, 1.0])
    t = hard_margin_svm(X, y)
    assert t.status != "optimal" and t.status.startswith("infeasible")
    assert not t.ok
    with pytest.raises(TargetFailed, match="infeasible"):
        t.require()
    with pytest.raises(TargetFailed):
        t["gamma"]
    assert t.values["ray_residual"] < 1e-6  # Farkas ray: beta >= 0, Z^T beta ~ 0


@pytest.mark.parametrize(
    "X, y",
    [
        (np.ones((3, 2)), np.array([1.0, 0.0, -1.0])),  # label not +-1
        (np.ones((3, 2)), np.array([1.0, -1.0])),  # length mismatch
        (np.ones(3), np.array([1.0, -1.0, 1.0])),  # X not 2-D
        (np.array([[np.nan, 1.0]]), np.array([1.0])),  # non-finite
    ],
)
def test_svm_malformed_input_raises(X, y):
    with pytest.raises(ValueError):
        hard_margin_svm(X, y)


def test_svm_certificate_flags_perturbations():
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((15, 6)), rng.choice([-1.0, 1.0], 15)
    X = X + 0.5 * y[:, None] * np.ones(6)  # make it comfortably separable
    t = hard_margin_svm(X, y).require()
    w, beta, tol = t["w"], t["dual"], t.tolerance
    assert max(svm_certificate(X, y, w, beta).values()) < 1e-12
    off = np.setdiff1d(np.arange(15), t["support"])[0]
    bad = {
        "w": (w + 1e-3 * rng.standard_normal(6), beta),
        "scaled dual": (w, beta * (1 + 1e-3)),
        "off-support dual": (w, beta + 1e-3 * np.eye(15)[off]),
        "negative dual": (w, beta - 1e-3 * np.eye(15)[off]),
    }
    for what, (w_bad, beta_bad) in bad.items():
        cert = svm_certificate(X, y, w_bad, beta_bad)
        assert max(cert.values()) > 100 * tol, what


def test_svm_polished_agrees_with_solver_to_10_digits():
    rng = np.random.default_rng(20)
    X, y = rng.standard_normal((20, 50)), rng.choice([-1.0, 1.0], 20)
    t = hard_margin_svm(X, y)
    assert t.ok and t.polished
    assert abs(t["gamma_solver"] / t["gamma"] - 1) < 1e-10
    assert np.linalg.norm(t["w_solver"] - t["w"]) < 1e-10 * t["norm_w"]
    np.testing.assert_allclose(t["dual_solver"], t["dual"], atol=1e-10 * t["dual"].max())
    assert float(t["gamma_mp"]) == t["gamma"]


def _linear_kkt_case(lam_star: np.ndarray, radii: np.ndarray, seed: int = 0):
    """theta = sum lam*_i z_i (z orthogonal) plus one far point; rescaled so min q = 1 (L = 1)."""
    rng = np.random.default_rng(seed)
    Z = _orthogonal_z(rng, np.append(radii, 1.0), d=radii.size + 3)
    theta = Z[:-1].T @ lam_star
    c = (lam_star * radii**2).min()  # q_i = <theta, z_i> = lam*_i r_i^2
    theta = theta / c
    e = Z[-1] / np.linalg.norm(Z[-1])  # orthogonal to all support z_i and to theta
    far = 3 * theta / (theta @ theta) + e  # <theta, far> = 3, far not in span(z_S)
    G = np.vstack([Z[:-1], far])
    return theta, G, G @ theta, lam_star / c


def test_kkt_known_multipliers_at_kkt_point():
    # lam*_i = 1/r_i^2 makes every q_i = 1: theta is the SVM solution of the z_i, so
    # residual = 0, lambda = (lam*, 0) and kkt_margin (L = 1) = 1/||theta|| = SVM gamma.
    radii = np.array([1.0, 2.0, 0.5])
    theta, G, q, lam = _linear_kkt_case(1 / radii**2, radii)
    t = kkt_multipliers(theta, G, q, homogeneity=1)
    assert t.ok and t.polished
    np.testing.assert_allclose(q, [1, 1, 1, 3], atol=1e-12)
    np.testing.assert_allclose(t["lambda"], np.append(lam, 0.0), rtol=0, atol=EXACT)
    assert t["residual"] < 1e-12
    assert t["kkt_margin"] == pytest.approx(1 / np.linalg.norm(theta), rel=EXACT)
    svm = hard_margin_svm(G, np.ones(4))
    assert t["kkt_margin"] == pytest.approx(svm["gamma"], rel=EXACT)
    np.testing.assert_allclose(t["lambda"], svm["dual"], atol=EXACT)


def test_kkt_known_multipliers_off_kkt_point():
    # Arbitrary lam*: stationarity is still 0 with lambda = lam*/c, but complementarity is
    # sum lambda_i (q_i - 1)/||theta||^2 > 0 because the q_i differ.
    radii = np.array([1.0, 2.0, 0.5])
    theta, G, q, lam = _linear_kkt_case(np.array([0.3, 1.0, 2.0]), radii, seed=4)
    t = kkt_multipliers(theta, G, q, homogeneity=1)
    assert t.ok
    np.testing.assert_allclose(t["lambda"], np.append(lam, 0.0), atol=EXACT)
    assert t["stationarity"] < 1e-12
    expected = lam @ (q[:-1] - 1) / (theta @ theta)
    assert expected > 0.1
    assert t["complementarity"] == pytest.approx(expected, rel=1e-12)


def test_kkt_relu_two_neurons():
    # Data x1=(1,0) y=+1, x2=(-1,0) y=-1, x3=(2,1) y=+1, x4=(-1.5,0.5) y=-1 (2-homogeneous net).
    X = np.array([[1.0, 0.0], [-1.0, 0.0], [2.0, 1.0], [-1.5, 0.5]])
    y = np.array([1.0, -1.0, 1.0, -1.0])
    W = np.array([[1.0, 0.0], [-1.0, 0.0]])
    # KKT point: a = (1,-1). q = (1, 1, 2, 1.5); g1 = (1,0, 0,0, 1,0), g2 = (0,0, -1,0, 0,-1),
    # theta = (1,0,-1,0,1,-1) = g1 + g2, so lambda = (1,1,0,0), ||theta||^2 = 4 = 2 sum lambda,
    # kkt_margin = 1/(2*2) = 1/4 (= (1+alpha)/4 * gamma_lin with alpha = 0, gamma_lin = 1).
    theta, G, q = _relu_net(W, np.array([1.0, -1.0]), X, y)
    t = kkt_multipliers(theta, G, q)
    assert t.ok and t.polished
    np.testing.assert_allclose(t["lambda"], [1, 1, 0, 0], atol=EXACT)
    assert t["residual"] < 1e-8 and t["euler_residual"] < 1e-15
    assert t["kkt_margin"] == pytest.approx(0.25, abs=EXACT)
    # Non-KKT point: a = (2,-1). q = (2, 1, 4, 1.5), theta = (1,0,-1,0,2,-1),
    # g1 = (2,0,0,0,1,0), g2 = (0,0,-1,0,0,-1); far rows g3, g4 are not used (lambda = 0).
    # lambda2 = 1 fits the 2nd neuron; lambda1 = <(1,2),(2,1)>/5 = 4/5 leaves (-0.6, 1.2):
    # eps = sqrt(1.8/7), delta = 0.8*(2-1)/7.
    theta, G, q = _relu_net(W, np.array([2.0, -1.0]), X, y)
    t = kkt_multipliers(theta, G, q)
    assert t.ok
    np.testing.assert_allclose(t["lambda"], [0.8, 1, 0, 0], atol=EXACT)
    assert t["stationarity"] == pytest.approx(np.sqrt(1.8 / 7), rel=1e-12)
    assert t["residual"] == pytest.approx(np.sqrt(1.8 / 7) + 0.8 / 7, rel=1e-12)
    assert t["residual"] > 0.1


def test_kkt_random_relu_net_certified():
    # A generic point: no closed form, but the NNLS certificate and the scipy cross-check hold.
    rng = np.random.default_rng(7)
    X, W, a = rng.standard_normal((12, 5)), rng.standard_normal((8, 5)), rng.standard_normal(8)
    y = np.sign(np.maximum(X @ W.T, 0) @ a)
    theta, G, q = _relu_net(W, a, X, y)
    t = kkt_multipliers(theta, G, q)
    assert t.ok and t.polished
    assert np.linalg.norm(t["lambda"] - t["lambda_scipy"]) < 1e-8 * np.linalg.norm(t["lambda"])
    assert t["euler_residual"] < 1e-14
    assert t["residual"] > 1e-3  # a random point is not a KKT point


def test_nnls_certificate_flags_perturbations():
    X = np.array([[1.0, 0.0], [-1.0, 0.0], [2.0, 1.0], [-1.5, 0.5]])
    y = np.array([1.0, -1.0, 1.0, -1.0])
    theta, G, q = _relu_net(np.array([[1.0, 0.0], [-1.0, 0.0]]), np.array([2.0, -1.0]), X, y)
    lam = kkt_multipliers(theta, G, q)["lambda"]
    assert max(nnls_certificate(theta, G, lam, lam).values()) < 1e-14
    for bad in (lam + [1e-3, 0, 0, 0], lam + [0, 0, 0, 1e-3], lam - [0, 0, 1e-3, 0]):
        assert max(nnls_certificate(theta, G, bad, lam).values()) > 1e-5


@pytest.mark.parametrize(
    "theta, G, q, L",
    [
        (np.ones(3), np.ones((2, 3)), np.array([2.0, 3.0]), 2),  # min margin not rescaled to 1
        (np.ones(3), np.ones((2, 4)), np.ones(2), 2),  # G columns != len(theta)
        (np.ones(3), np.ones((2, 3)), np.ones(3), 2),  # margins length
        (np.zeros(3), np.ones((2, 3)), np.ones(2), 2),  # theta = 0
        (np.ones(3), np.ones((2, 3)), np.ones(2), 0),  # homogeneity
    ],
)
def test_kkt_malformed_input_raises(theta, G, q, L):
    with pytest.raises(ValueError):
        kkt_multipliers(theta, G, q, homogeneity=L)


def test_polish_rejects_wrong_active_sets():
    # SVM of the 4-point case: on S = {0} alone beta = 1/5, w = z1/5 = (0.4, 0.2) and the
    # margin of z2 = (1,2) is 0.8 < 1, so the exact check must reject; S = {0,1} is right.
    from verify.targets import polish as P
    from verify.targets.svm import _polish_on as svm_polish_on
    from verify.targets.kkt import _polish as kkt_polish

    Z = np.array([[2.0, 1.0], [1.0, 2.0], [1.0, 3.0], [4.0, 1.0]])
    Kint, e = P.exact_products(Z, Z)
    ctx = P.mp_context(50)
    assert svm_polish_on(ctx, Z, Kint, e, np.array([0])) is None
    assert svm_polish_on(ctx, Z, Kint, e, np.array([0, 1])) is not None
    # NNLS of the non-KKT ReLU point: the support {1} alone leaves grad_0 = -4 < 0.
    X = np.array([[1.0, 0.0], [-1.0, 0.0], [2.0, 1.0], [-1.5, 0.5]])
    y = np.array([1.0, -1.0, 1.0, -1.0])
    theta, G, _ = _relu_net(np.array([[1.0, 0.0], [-1.0, 0.0]]), np.array([2.0, -1.0]), X, y)
    assert kkt_polish(theta, G, [np.array([0.0, 1.0, 0.0, 0.0])], 50) is None
    lam = kkt_polish(theta, G, [np.array([0.8, 1.0, 0, 0])], 50)
    np.testing.assert_allclose(lam, [0.8, 1, 0, 0], atol=1e-15)


def test_solve_clarabel_reports_status_and_rejects_bad_tol():
    import cvxpy as cp

    from verify.targets.solve import solve_clarabel

    x = cp.Variable(2)
    info = solve_clarabel(cp.Problem(cp.Minimize(cp.sum_squares(x - 1))), tol=1e-12)
    assert info.status == "optimal"
    assert info.solver.startswith("CLARABEL") and "1e-12" in info.solver
    np.testing.assert_allclose(x.value, [1.0, 1.0], atol=1e-10)
    bad = solve_clarabel(cp.Problem(cp.Minimize(cp.sum(x)), [x >= 1, x <= 0]))
    assert bad.status == "infeasible"
    with pytest.raises(ValueError):
        solve_clarabel(cp.Problem(cp.Minimize(cp.sum_squares(x))), tol=0.0)
