"""Known-answer tests of the two-layer convex-reformulation targets and the pattern enumeration.

Pilanci & Ergen (2020, arXiv:2002.10553) reformulation, checked against: the symmetric-data
formula of Lyu, Li, Wang & Arora (2021, arXiv:2110.13905), gamma* = (1 + alpha) gamma_lin / 4;
closed forms on orthogonal inputs (Boursier et al. 2022, arXiv:2206.00939, and the leaky
extension derived in ``verify.targets.pathnorm``); Zaslavsky's chamber count; hand examples.
Every expected value is derived in a comment or comes from a closed form.
"""
from __future__ import annotations

import numpy as np
import pytest

from verify.errors import TargetFailed
from verify.targets import groupdual, groupsocp
from verify.targets.arrangement import activation_patterns, chamber_bound
from verify.targets.svm import hard_margin_svm
from verify.targets.twolayer import (
    max_margin_two_layer,
    min_norm_interpolator_two_layer,
    min_norm_single_neuron,
    orthogonal_min_path_norm,
)

REL = 1e-8  # relative agreement expected of a certified target


def _separable(rng: np.random.Generator, n: int, d: int, gap: float = 0.2):
    """n Gaussian points labelled by a random teacher, keeping |<w_t, x>| >= gap."""
    wt = rng.standard_normal(d)
    wt /= np.linalg.norm(wt)
    X = rng.standard_normal((4 * n, d))
    X = X[np.abs(X @ wt) >= gap][:n]
    return X, np.sign(X @ wt)


def _symmetric(seed: int):
    """4 separable points in d = 2 and their negations with flipped labels (n = 8)."""
    X0, y0 = _separable(np.random.default_rng(seed), 4, 2)
    return np.vstack([X0, -X0]), np.concatenate([y0, -y0])


def _orthogonal_rows(rng: np.random.Generator, radii: np.ndarray, d: int) -> np.ndarray:
    """Rows r_i q_i with q_i orthonormal."""
    Q, _ = np.linalg.qr(rng.standard_normal((d, radii.size)))
    return radii[:, None] * Q.T


def _margins(a: np.ndarray, W: np.ndarray, X: np.ndarray, y: np.ndarray, alpha: float):
    """y_i sum_k a_k max(z, alpha z), z = <w_k, x_i>, recomputed here."""
    Z = X @ W.T
    return y * (np.maximum(Z, alpha * Z) @ a)


# (a) symmetric data: gamma* = (1 + alpha) gamma_lin / 4 ------------------------------------------


@pytest.mark.parametrize("alpha", [0.0, 0.1, 0.5])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_symmetric_data_global_margin(seed, alpha):
    # Upper bound: min_i q_i <= (q(x) + q(-x))/2 = (1 + alpha)/2 y <sum_k a_k w_k, x>, and
    # |sum a_k w_k| <= ||theta||^2/2, so gamma* <= (1 + alpha) gamma_lin / 4; attained by
    # the pair relu-like neurons +-c w_hat, a = +-c (alpha = 0 included). So P* = 2||w_hat||/(1+alpha).
    X, y = _symmetric(seed)
    svm = hard_margin_svm(X, y).require()
    t = max_margin_two_layer(X, y, alpha).require()
    assert t["exact"] and t["n_patterns"] == 8  # 4 distinct lines in the plane
    assert t["gamma"] == pytest.approx((1 + alpha) * svm["gamma"] / 4, rel=REL)
    assert t["path_norm"] == pytest.approx(2 * svm["norm_w"] / (1 + alpha), rel=REL)
    assert t["gamma_upper"] == pytest.approx(t["gamma"], rel=REL)  # certified from above too


# (b) orthogonal inputs: closed forms ------------------------------------------------------------


def test_orthogonal_closed_form_by_hand():
    # x = e1, 2 e2, e3; y = 1, -2, 0.5: S+ = 1 + 0.25, S- = 4/4 = 1, P* = sqrt(1.25) + 1.
    X = np.array([[1.0, 0, 0], [0, 2.0, 0], [0, 0, 1.0]])
    y = np.array([1.0, -2.0, 0.5])
    assert orthogonal_min_path_norm(X, y) == pytest.approx(np.sqrt(1.25) + 1, rel=1e-15)
    t = min_norm_interpolator_two_layer(X, y, 0.0).require()
    assert t["path_norm"] == pytest.approx(np.sqrt(1.25) + 1, rel=REL)
    assert t["theta_norm_sq"] == pytest.approx(2 * (np.sqrt(1.25) + 1), rel=REL)


@pytest.mark.parametrize("alpha", [0.0, 0.3, 0.7])
@pytest.mark.parametrize("small_negative", [False, True])
def test_orthogonal_closed_form_random(alpha, small_negative):
    # small_negative puts q = sqrt(S-) below alpha^2 p for alpha = 0.7: the second branch
    # sqrt(p^2 + q^2/alpha^2) of the leaky closed form.
    rng = np.random.default_rng(7)
    X = _orthogonal_rows(rng, rng.uniform(0.5, 2.0, 4), 6)
    y = np.array([1.3, -0.7, 0.4, 2.0]) if not small_negative else np.array([1.3, -0.05, 0.4, 2.0])
    t = min_norm_interpolator_two_layer(X, y, alpha).require()
    assert t["exact"] and t["n_patterns"] == chamber_bound(4, 4) == 16
    assert t["path_norm"] == pytest.approx(orthogonal_min_path_norm(X, y, alpha), rel=REL)
    assert t["closed_form"] == orthogonal_min_path_norm(X, y, alpha)
    relu = orthogonal_min_path_norm(X, y, 0.0)
    assert t["path_norm"] <= relu * (1 + REL)  # the ReLU value is an upper bound for leaky
    if alpha > 0:
        assert t["path_norm"] < relu * (1 - 1e-3)  # ... and not the leaky value


# (c) the recovered network ----------------------------------------------------------------------


@pytest.mark.parametrize("n, d, alpha", [(8, 2, 0.0), (10, 3, 0.3)])
def test_recovered_network_is_feasible_and_optimal(n, d, alpha):
    rng = np.random.default_rng(n + d)
    X, y = rng.standard_normal((n, d)), np.sign(rng.standard_normal(n))
    t = max_margin_two_layer(X, y, alpha).require()
    a, W = t["a"], t["W"]
    q = _margins(a, W, X, y, alpha)
    theta_sq = a @ a + np.sum(W * W)
    assert q.min() >= 1 - 1e-9
    assert q.min() / theta_sq == pytest.approx(t["gamma"], rel=REL)
    assert theta_sq == pytest.approx(2 * t["path_norm"], rel=REL)  # balanced: |a_k| = ||w_k||
    np.testing.assert_allclose(np.abs(a), np.linalg.norm(W, axis=1), rtol=1e-12)
    assert t["dual_bound"] <= t["path_norm"] * (1 + 1e-12)
    assert t["dual_bound"] == pytest.approx(t["path_norm"], rel=REL)


def test_xor_by_hand():
    # +-e1 labelled +1, +-e2 labelled -1. f = c(phi(x1) + phi(-x1) - phi(x2) - phi(-x2))
    # = c(1 - alpha)(|x1| - |x2|) has path norm 4c and margin c(1 - alpha). The dual
    # lambda = 1/4 each gives g(u) = (1 - alpha)(|u1| - |u2|)/4, sup |g| = (1 - alpha)/4, so
    # P* >= 1/((1 - alpha)/4) = 4/(1 - alpha): P* = 4/(1 - alpha), gamma* = (1 - alpha)/8.
    X = np.array([[1.0, 0], [-1.0, 0], [0, 1.0], [0, -1.0]])
    y = np.array([1.0, 1.0, -1.0, -1.0])
    for alpha in (0.0, 0.5):
        t = max_margin_two_layer(X, y, alpha).require()
        assert t["gamma"] == pytest.approx((1 - alpha) / 8, rel=REL)


def test_column_generation_matches_full_program(monkeypatch):
    # Same optimum either way; at (20, 3) the first restricted ReLU interpolation program is
    # infeasible, so the Farkas-ray step is exercised too.
    from verify.targets import groupsocp

    rng = np.random.default_rng(203)
    X = rng.standard_normal((20, 3))
    rng.standard_normal(20)  # (keeps the instance whose first restricted program is infeasible)
    y = rng.standard_normal(20)
    arr = activation_patterns(X)
    full = min_norm_interpolator_two_layer(X, y, 0.0, arr).require()
    monkeypatch.setattr(groupsocp, "CG_MIN_PATTERNS", 0)
    cg = min_norm_interpolator_two_layer(X, y, 0.0, arr).require()
    assert "column generation" in cg.note and "column generation" not in full.note
    assert cg["path_norm"] == pytest.approx(full["path_norm"], rel=REL)


# (d) sampled patterns ---------------------------------------------------------------------------


def test_sampled_patterns_bound_the_optimum():
    rng = np.random.default_rng(4)
    X, y = _separable(rng, 10, 2)
    exact = max_margin_two_layer(X, y, 0.3).require()
    arr = activation_patterns(X, method="sample", n_samples=6, seed=2)
    assert not arr.exact and arr.n_patterns < arr.bound
    t = max_margin_two_layer(X, y, 0.3, arr)
    assert not t.ok and t.values["exact"] is False
    with pytest.raises(TargetFailed, match="optimal_sampled"):
        t.require()
    assert t.status == "optimal_sampled"
    assert t.values["path_norm"] > exact["path_norm"] * (1 + 1e-3)  # strictly worse here
    assert t.values["gamma"] < exact["gamma"]
    assert t.values["gamma_network"] <= exact["gamma_upper"] * (1 + 1e-12)  # a real network
    assert "upper bound on the min path norm" in t.note


def test_sample_reaching_the_bound_is_complete():
    X = np.random.default_rng(5).standard_normal((6, 2))
    arr = activation_patterns(X, method="sample", n_samples=20_000, seed=0)
    assert arr.exact and arr.n_patterns == chamber_bound(6, 2) == 12


# (e) arrangement counts -------------------------------------------------------------------------


@pytest.mark.parametrize("n, d", [(9, 2), (7, 3), (12, 3), (8, 4), (3, 5)])
def test_general_position_count_is_zaslavsky(n, d):
    # Gaussian rows are in general position almost surely: 2 sum_{k<d} C(n-1, k) chambers
    # (rank min(n, d)).
    X = np.random.default_rng(10 * n + d).standard_normal((n, d))
    arr = activation_patterns(X)
    assert arr.exact and arr.n_patterns == chamber_bound(n, min(n, d)) == arr.bound
    assert np.all(arr.margins > 0)
    signs = arr.signs
    assert np.all((signs * (arr.witnesses @ X.T)) > 0)  # every witness strictly interior
    assert len({tuple(r) for r in arr.patterns}) == arr.n_patterns
    W = np.random.default_rng(1).standard_normal((20_000, d))
    sampled = {tuple(r) for r in (W @ X.T >= 0)}
    assert sampled <= {tuple(r) for r in arr.patterns}


def test_degenerate_arrangement_matches_dense_sampling():
    # Four normals in the plane z = 0 pass through one line (the e3 axis) and two rows are
    # parallel (2 x2 = x1 scaled): the recursion and the dedupe are exercised; below the bound.
    X = np.array([[1, 0, 0], [0, 1, 0], [1, 1, 0], [1, -1, 0], [0, 0, 1], [1, 2, 3],
                  [2, -1, 1.0], [-2, 0, 0], [0, 3, 0]])
    arr = activation_patterns(X)
    assert arr.exact and arr.n_hyperplanes == 7 and arr.n_patterns < arr.bound
    W = np.random.default_rng(0).standard_normal((100_000, 3))
    sampled = {tuple(r) for r in (W @ X.T >= 0)}
    assert sampled == {tuple(r) for r in arr.patterns}


def test_symmetric_and_rank_deficient_counts():
    X = np.random.default_rng(2).standard_normal((5, 2))
    assert activation_patterns(np.vstack([X, -2 * X])).n_patterns == 10  # 5 lines
    # -3 * X is rounded, so its rows are *not* exactly parallel to X: the float data have 10
    # distinct (nearly coincident) lines and 20 chambers, 10 of them too thin for a witness.
    near = activation_patterns(np.vstack([X, -3 * X]))
    assert near.n_patterns == 20 and "too thin" in near.note
    Xr = np.random.default_rng(3).standard_normal((6, 2)) @ np.array([[1.0, 0, 2.0], [0, 1.0, 0]])
    arr = activation_patterns(Xr)  # rank 2 exactly: the chambers of 6 lines in the plane
    assert arr.rank == 2 and arr.n_patterns == 12
    z = activation_patterns(np.array([[0.0, 0.0], [1.0, 1.0]]))
    assert z.n_patterns == 2 and z.patterns[:, 0].all()  # zero row: D_ii = 1 by convention


# (f) infeasible data ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "X, y",
    [
        # the same input with both labels
        ([[1.0, 2.0], [1.0, 2.0], [0.0, 1.0]], [1.0, -1.0, 1.0]),
        # positively parallel inputs with opposite labels: f(2x) = 2 f(x)
        ([[1.0, 2.0], [2.0, 4.0], [0.0, 1.0]], [1.0, -1.0, 1.0]),
        # a zero input: f(0) = 0 < 1
        ([[0.0, 0.0], [1.0, 0.0]], [1.0, 1.0]),
        # symmetric but not linearly separable: the odd part of f is linear, (1+alpha)/2 <v, x>
        ([[1.0, 0], [0, 1.0], [1.0, 1.0], [-1.0, 0], [0, -1.0], [-1.0, -1.0]],
         [1.0, 1.0, -1.0, -1.0, -1.0, 1.0]),
    ],
)
def test_infeasible_classification(X, y):
    for alpha in (0.0, 0.5):
        t = max_margin_two_layer(np.array(X), np.array(y), alpha)
        assert t.status == "infeasible" and not t.ok


def test_same_label_antipodal_pair_is_feasible():
    # relu(x1) + relu(-x1) = |x1| >= 1 on both points: P* = 2 (dual lambda = (1, 1)/... ),
    # indeed (1 - alpha)|x1| needs path norm 2/(1 - alpha).
    X, y = np.array([[1.0, 0.0], [-1.0, 0.0]]), np.array([1.0, 1.0])
    for alpha in (0.0, 0.5):
        t = max_margin_two_layer(X, y, alpha).require()
        assert t["path_norm"] == pytest.approx(2 / (1 - alpha), rel=REL)


def test_infeasible_regression():
    # f(2 x1) = 2 f(x1) for every bias-free ReLU net, so y = (1, 1) on (x1, 2 x1) is impossible.
    X, y = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0]]), np.array([1.0, 1.0, 0.0])
    t = min_norm_interpolator_two_layer(X, y, 0.0)
    assert t.status == "infeasible" and not t.ok


# single neuron ----------------------------------------------------------------------------------


def test_single_neuron_by_hand():
    # w1 = 1 (y = 1 on e1) and w1 + w2 <= 0 (y = 0 on (1, 1)): w = (1, -1), ||w||^2 = 2,
    # multipliers nu = 2, mu = 1 (w = nu e1 - mu (1, 1)).
    X, y = np.array([[1.0, 0.0], [1.0, 1.0]]), np.array([1.0, 0.0])
    t = min_norm_single_neuron(X, y).require()
    np.testing.assert_allclose(t["w"], [1, -1], atol=1e-10)
    np.testing.assert_allclose(t["nu"], [2], atol=1e-8)
    np.testing.assert_allclose(t["mu"], [1], atol=1e-8)
    np.testing.assert_allclose(t["outputs"], y, atol=1e-10)


def test_single_neuron_orthogonal():
    # Orthogonal inputs: w = sum_{y>0} y_i x_i/|x_i|^2 is orthogonal to the y = 0 inputs, so
    # ||w|| = sqrt(S+).
    rng = np.random.default_rng(11)
    X = _orthogonal_rows(rng, np.array([1.0, 2.0, 0.5, 3.0]), 5)
    y = np.array([1.0, 0.0, 2.0, 0.0])
    t = min_norm_single_neuron(X, y).require()
    assert t["norm_w"] == pytest.approx(np.sqrt(1.0 + 16.0), rel=1e-9)


def test_single_neuron_infeasible_and_bad_labels():
    X = np.array([[1.0, 0.0], [-1.0, 0.0]])
    t = min_norm_single_neuron(X, np.array([1.0, 1.0]))  # <w, x> = 1 and = -1 at once
    assert t.status == "infeasible" and not t.ok
    with pytest.raises(ValueError, match="y >= 0"):
        min_norm_single_neuron(X, np.array([1.0, -1.0]))


# timing -----------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("n, d", [(20, 3), (30, 4)])
def test_larger_instances_certify(n, d):
    rng = np.random.default_rng(n * 10 + d)
    X, y = rng.standard_normal((n, d)), np.sign(rng.standard_normal(n))
    t = max_margin_two_layer(X, y, 0.3).require()
    assert t["n_patterns"] == chamber_bound(n, d)
    r = min_norm_interpolator_two_layer(X, rng.standard_normal(n), 0.3).require()
    assert r["exact"]


# (d) the polish on a non-unique optimum ----------------------------------------------------------


def test_parallel_groups_are_merged():
    # Rows 0, 1 and 3 point the same way (3 up to a 1e-7 tilt, cosine 1 - O(1e-14)); the
    # largest of them (row 1) represents the direction, row 2 its own, the zero row none.
    u, w = np.array([3.0, 4.0, 0.0]), np.array([0.0, 1.0, 1.0])
    M = np.vstack([u, 2 * u, w, 0.5 * u + [0.0, 0.0, 1e-7], np.zeros(3)])
    assert groupsocp.merge_parallel(M).tolist() == [1, 2]
    assert groupsocp.merge_parallel(M[[4]]).tolist() == [0]  # one row at least (cvxpy needs it)


@pytest.mark.parametrize("seed", [4, 17, 31])
def test_kink_degenerate_interpolation_certifies(seed):
    # n = 8 near-orthogonal points (d = 1024, in row-space coordinates), labels +-1: the
    # optimal neuron of each sign sits on the kinks of other samples, so the interior point
    # spreads it over every chamber containing it; the support re-solve stalls until the
    # parallel groups are merged (these draws ended optimal_inaccurate before, 3 of 40).
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((8, 1024)) / 32.0, np.sign(rng.standard_normal(8))
    L = np.linalg.qr(X.T)[1].T  # L L^T = X X^T: the same chambers and min path norm
    t = min_norm_interpolator_two_layer(L, y, 0.0).require()
    assert "(round 2)" in t.note or "(round 3)" in t.note
    assert t.certificate["duality_gap"] <= 1e-7
    assert np.abs(t["outputs"] - y).max() <= 1e-7


def _orthogonal_signs(seed: int):
    """The draw of ``seed``: n in [4, 8] orthogonal rows, labels +-1, alpha in {0, 0.3}."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 9))
    X = _orthogonal_rows(rng, rng.uniform(0.5, 2.0, n), n)
    return X, np.sign(rng.standard_normal(n)), float(rng.choice([0.0, 0.3]))


@pytest.mark.parametrize("seed", [0, 1, 2, 18, 19, 25, 29])
def test_orthogonal_signs_certify_by_the_dual_refinement(seed):
    # Orthogonal inputs, labels +-1: the positive neuron sits on the kinks of the negative
    # samples and vice versa, so the multipliers are not unique and those of the polished
    # program were not dual feasible on the neighbouring chambers. Before the refinement
    # 8 of seeds 0..29 failed their certificate (duality gap 0.0016 to 0.77; here 2, 18,
    # 19, 25, 29), after it 3 (12, 20, 26: gap 0.0016, 0.042, 0.020); 0 and 1 passed before.
    X, y, alpha = _orthogonal_signs(seed)
    t = min_norm_interpolator_two_layer(X, y, alpha).require()
    closed = orthogonal_min_path_norm(X, y, alpha)
    assert t["path_norm"] == pytest.approx(closed, rel=REL)
    assert closed * (1 - 1e-7) <= t["dual_bound"] <= closed * (1 + 1e-9)  # a lower bound


def test_every_candidate_multiplier_gives_a_lower_bound():
    # The bound of any multiplier vector is rigorous: polished, first solve, each refinement
    # round, and random ones, all stay below the closed form.
    X, y, alpha = _orthogonal_signs(3)
    arr = activation_patterns(X)
    sol = groupsocp.solve_group_program(X, y, alpha, arr, "equal", 1e-12)
    closed = orthogonal_min_path_norm(X, y, alpha)
    lams = [sol.lam, sol.lam_first, *groupdual.refined_multipliers(X, y, alpha, arr, "equal", sol)]
    lams += list(np.random.default_rng(0).standard_normal((5, y.size)))
    bounds = [groupdual.bound_from(X, y, alpha, arr, "equal", lam)[0] for lam in lams]
    assert len(bounds) >= 8 and max(bounds) <= closed * (1 + 1e-9)


def test_full_program_solver_error_is_retried():
    # This draw (n = 8, d = 128, row-space coordinates of Lai et al. 2026's two-layer
    # reading) makes Clarabel fail numerically (solver_error) on the full program at every
    # tolerance; without equilibration it returns a point, which the polish certifies.
    from theorems._squared_relu import row_space

    rng = np.random.default_rng(123)
    X, y = rng.standard_normal((8, 128)) / np.sqrt(128), np.sign(rng.standard_normal(8))
    t = min_norm_interpolator_two_layer(row_space(X)[0], y, 0.0).require()
    assert "full program: solver_error" in t.note and "equilibrate_enable" in t.note
    assert t.certificate["duality_gap"] <= 1e-7


def test_clarabel_settings_are_named_in_the_solver_string():
    import cvxpy as cp

    from verify.targets.solve import solve_clarabel

    x = cp.Variable(2)
    info = solve_clarabel(cp.Problem(cp.Minimize(cp.sum_squares(x - 1))), tol=1e-9,
                          settings={"equilibrate_enable": False})
    assert info.status == "optimal" and info.solver.endswith("(tol=1e-09, equilibrate_enable=False)")
