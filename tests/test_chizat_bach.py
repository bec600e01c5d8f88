"""Chizat & Bach (2020): the F1 dictionary LP, the kernel SVM target, normalizations, data, runs.

Known answers: the F1 max margin by the pattern program (exact) against the dictionary LP
(certified sandwich, converging as the grid refines) and against closed forms; the kernel SVM
against the 2-point closed form and the linear SVM on explicit features; the arc-cosine kernel
against Monte Carlo; the mean-field time scaling against a direct computation.
"""
from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

import numpy as np
import pytest

from theorems import _chizat_bach as cb
from verify.spec import registry
from verify.spec.cases import Case
from verify.problem.data import Dataset
from verify.engine.case import run_case
from verify.problem.losses import make_loss
from verify.problem.models import TwoLayer
from verify.problem.seeds import seed_streams
from verify.spec.params import validate
from verify.problem.quantities import Point
from verify.targets.arrangement import activation_patterns
from verify.targets.dictionary import cube_sphere_grid, f1_dictionary_margin
from verify.targets.kernel_svm import arccos_kernel, kernel_svm, relu_feature_limit_kernel
from verify.targets.svm import hard_margin_svm
from verify.targets.twolayer import max_margin_two_layer


def _params(tid: str, **over):
    return validate(registry.get(tid).schema, over, tid)


def _clusters(n: int, d: int = 3, seed: int = 0) -> Dataset:
    return cb.cluster_data(_params("chizat-bach2020-f1", n=n, d=d, n_test=50), np.random.default_rng(seed))


# -- the F1 max margin: factor 2, dictionary LP, closed forms -------------------------------------


def test_f1_margin_is_twice_the_pattern_programs_gamma():
    # relu(x1) - relu(-x1) = x1 has path norm 2 and margins 1: F1-normalized margin 1/2, which
    # is optimal (the pattern program reports P* = 2 and gamma* = 1/(2 P*) = 1/4).
    X, y = np.array([[1.0, 0.0], [-1.0, 0.0]]), np.array([1.0, -1.0])
    t = max_margin_two_layer(X, y, 0.0)
    assert t["path_norm"] == pytest.approx(2.0, rel=1e-9) and t["gamma"] == pytest.approx(0.25, rel=1e-9)
    model = TwoLayer(m=2, alpha=0.0)
    params = {"W": np.array([[1.0, 0.0], [-1.0, 0.0]]), "a": np.array([1.0, -1.0])}
    pt = Point(1, 0.0, params, model, make_loss("logistic"), Dataset(X, y))
    assert cb.f1_margin(pt) == pytest.approx(2.0 * t["gamma"], rel=1e-12)
    lp = f1_dictionary_margin(X, y, side=3)
    assert lp.ok and lp["gamma"] == pytest.approx(0.5, rel=1e-9)


def test_dictionary_lp_orthogonal_closed_form():
    # Orthogonal unit inputs, labels (+, +, -): min path norm sqrt(2) + 1 (two positive samples
    # share one neuron along (e1 + e2)/sqrt 2, the negative one its own), so gamma_1 = 1/(1 + sqrt 2);
    # both optimal directions lie on the cube grid with an odd side.
    X, y = np.eye(3), np.array([1.0, 1.0, -1.0])
    exact = 1.0 / (1.0 + np.sqrt(2.0))
    assert 1.0 / max_margin_two_layer(X, y, 0.0)["path_norm"] == pytest.approx(exact, rel=1e-8)
    lp = f1_dictionary_margin(X, y, side=5)
    assert lp.ok and lp["gamma"] == pytest.approx(exact, rel=1e-9)
    assert lp["gamma"] <= exact * (1 + 1e-12) <= lp["gamma_upper"] * (1 + 1e-12)


def test_cube_sphere_grid_covering_radius():
    U, delta = cube_sphere_grid(3, 9)
    assert np.allclose(np.linalg.norm(U, axis=1), 1.0)
    probe = np.random.default_rng(0).standard_normal((4000, 3))
    probe /= np.linalg.norm(probe, axis=1, keepdims=True)
    assert (np.sqrt(np.maximum(2 - 2 * probe @ U.T, 0)).min(axis=1)).max() <= delta


def test_dictionary_lp_converges_to_the_pattern_program():
    """LP value <= exact, rising to it as the grid refines; the certified sandwich holds."""
    data = _clusters(20)
    exact = 1.0 / max_margin_two_layer(data.X, data.y, 0.0)["path_norm"]
    arr = activation_patterns(data.X)
    gaps = []
    for side in (5, 9, 17, 33, 65):
        lp = f1_dictionary_margin(data.X, data.y, side, patterns=arr)
        assert lp.ok, lp.failure()
        assert lp["gamma"] <= exact * (1 + 1e-9) <= lp["gamma_upper"] * (1 + 1e-9)
        assert lp["gamma_dual"] == pytest.approx(lp["gamma"], rel=1e-7)
        gaps.append(exact - lp["gamma"])
    assert all(b <= a + 1e-12 for a, b in pairwise(gaps)), gaps
    assert gaps[-1] <= 0.02 * exact and gaps[-1] <= 0.25 * gaps[0], gaps


# -- the kernel SVM target and the arc-cosine kernel --------------------------------------------


def test_kernel_svm_two_orthogonal_points_closed_form():
    # Unit x1 ⟂ x2, labels +-1, k1: K11 = K22 = 1, K12 = 1/pi.  Both constraints active:
    # beta = M^{-1} 1 with M = [[1, -1/pi], [-1/pi, 1]], 1^T beta = 2/(1 - 1/pi), so
    # gamma = 1/sqrt(1^T beta) = sqrt((1 - 1/pi)/2).
    X, y = np.eye(2), np.array([1.0, -1.0])
    K = arccos_kernel(X)
    assert K == pytest.approx(np.array([[1.0, 1 / np.pi], [1 / np.pi, 1.0]]), abs=1e-15)
    t = kernel_svm(K, y)
    assert t.ok and t.polished
    assert t["gamma"] == pytest.approx(np.sqrt((1 - 1 / np.pi) / 2), rel=1e-12)
    assert t["dual"] == pytest.approx(np.full(2, 1 / (1 - 1 / np.pi)), rel=1e-10)


def test_kernel_svm_equals_linear_svm_on_features():
    rng = np.random.default_rng(3)
    data = _clusters(30, seed=3)
    A = rng.standard_normal((300, 3))
    F = np.maximum(data.X @ A.T, 0.0) / np.sqrt(300)
    lin, ker = hard_margin_svm(F, data.y), kernel_svm(F @ F.T, data.y)
    assert lin.ok and ker.ok, (lin.failure(), ker.failure())
    assert ker["gamma"] == pytest.approx(lin["gamma"], rel=1e-8)
    assert F.T @ (ker["dual"] * data.y) == pytest.approx(lin["w"], rel=1e-6, abs=1e-8)


def test_arccos_kernel_is_the_random_relu_feature_limit():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((4, 3))
    A = rng.standard_normal((400_000, 3))
    Phi = np.maximum(X @ A.T, 0.0)
    mc, se = Phi @ Phi.T / A.shape[0], np.sqrt(((Phi[:, None] * Phi[None]) ** 2).mean(-1) / A.shape[0])
    assert np.all(np.abs(mc - relu_feature_limit_kernel(X)) <= 4 * se)


def test_kernel_svm_reports_inseparable_labels():
    X, y = np.array([[1.0, 0.0], [1.0, 0.0]]), np.array([1.0, -1.0])
    assert not kernel_svm(arccos_kernel(X), y).ok


# -- data, model and normalizations ---------------------------------------------------------------


def test_generator_follows_the_authors_code():
    p = _params("chizat-bach2020-f1", n=400, d=6, k=3, n_test=400)
    X, y, Xt, yt = cb.clusters(p, np.random.default_rng(1))
    assert X.shape == (400, 6) and np.all(X[:, 0] == 1.0)
    assert np.all(np.abs(X[:, 3:]) <= 0.5)
    delta = 1.0 / 8.0
    centers = np.array([[delta * (1 + 3 * i) - 0.5, delta * (1 + 3 * j) - 0.5]
                        for j in range(3) for i in range(3)])
    for Z, lab in ((X, y), (Xt, yt)):
        dist = np.linalg.norm(Z[:, None, 1:3] - centers[None], axis=2)
        assert np.all(dist.min(axis=1) <= delta + 1e-12)
        c = dist.argmin(axis=1)
        for k in range(9):  # one label per disk
            assert len(set(lab[c == k])) <= 1
    again = cb.clusters(p | {"data_seed": 5}, np.random.default_rng(2))
    assert np.array_equal(again[0], cb.clusters(p | {"data_seed": 5}, np.random.default_rng(3))[0])


def test_mean_field_time_scaling_is_plain_gd_on_rescaled_weights():
    """One mean-field step theta_j -= eta m grad_{theta_j} L of h = (1/m) sum b_j relu(a_j x)
    equals one GD step on theta' = theta/sqrt(m) for the unscaled network (rescaled back)."""
    rng = np.random.default_rng(0)
    m, data = 7, _clusters(10)
    loss, eta = make_loss("logistic", "mean"), 0.3
    model = cb.MeanField(m=m, alpha=0.0, train_outer=True)
    p1 = model.init(3, 1.0, rng)
    theta = {k: v * np.sqrt(m) for k, v in p1.items()}
    mf = TwoLayer(m=m, alpha=0.0, train_outer=True, mean_field=True)
    assert mf.forward(theta, data.X) == pytest.approx(model.forward(p1, data.X), rel=1e-12)

    def grad(mod, prm):
        s, w = loss.dloss(mod.forward(prm, data.X), data.y, _be())
        return {k: np.exp(s) * g / data.n for k, g in mod.vjp(prm, data.X, w, _be()).items()}

    g_mf, g_p = grad(mf, theta), grad(model, p1)
    for k in ("W", "a"):
        assert (theta[k] - eta * m * g_mf[k]) / np.sqrt(m) == pytest.approx(p1[k] - eta * g_p[k], rel=1e-10)


def _be():
    from verify.arith.backends import make_backend
    return make_backend("float64", 30)


def test_gaussian_init_is_the_papers_standard_normal_on_the_mean_field_scale():
    """The paper's experiments draw every entry of (a_j, b_j) from N(0, 1); on our theta/sqrt(m)
    scale (module docstring of _chizat_bach) that is N(0, 1/m) per entry."""
    m, d = 4000, 6
    p = cb.MeanField(m=m, alpha=0.0, init_kind="gaussian").init(d, 1.0, np.random.default_rng(0))
    z = np.concatenate([p["W"].ravel(), p["a"]]) * np.sqrt(m)
    assert p["W"].shape == (m, d) and p["a"].shape == (m,)
    assert abs(z.mean()) < 4 / np.sqrt(z.size) and abs(z.var() - 1.0) < 6 * np.sqrt(2 / z.size)


def test_dimension_sweep_follows_the_authors_exp2():
    """`adaptivity` sweeps the authors' Exp. 2 (notes section 3.8): d = 5..25 with n = 256,
    Gaussian init and fresh data per seed, over several seeds, at a gradient-flow horizon."""
    from theorems import chizat_bach2020_f1 as f1
    sw = registry.get("chizat-bach2020-f1").claim("adaptivity").sweep
    assert sw is f1.DIMENSION and sw.parameter == "d" and sw.values == (5, 10, 15, 20, 25)
    assert sw.seeds >= 3
    ov = dict(sw.overrides)
    assert ov["n"] == 256 and ov["init"] == "gaussian" and ov["data_seed"] == -1
    assert not ov["exact_targets"] and ov["max_log_t"] > 0
    thm = registry.get("chizat-bach2020-f1")
    shape = [thm.claim(n) for n in ("kernel_degrades", "gap_widens")]
    assert all(c.kind == "Trend" and c.sweep is sw and c.direction == "increasing" for c in shape)
    assert shape[0].quantity == "kernel_error" and shape[0].show == ("test_error",)
    assert shape[1].quantity == "kernel_excess"


def test_sphere_init_is_balanced():
    p = cb.MeanField(m=6, alpha=0.0, init_kind="sphere").init(4, 1.0, np.random.default_rng(0))
    assert np.allclose(np.abs(p["a"]), np.linalg.norm(p["W"], axis=1))
    assert np.allclose(np.abs(p["a"]), 1 / np.sqrt(6))


# -- runs (claims filtered so that no sweep runs) -------------------------------------------------


def _run(tid: str, claims: tuple[str, ...], **over):
    thm = registry.get(tid)
    thm = replace(thm, claims=tuple(c for c in thm.claims if c.name in claims))
    p = validate(thm.schema, over, tid)
    return run_case(thm, Case(tid, p, tuple(sorted(over))))


def test_f1_short_run_never_above_and_increasing():
    res = _run("chizat-bach2020-f1", ("never_above", "margin_increases"), data_seed=0, n=20, m=32,
               eta=1.0, steps=3000, checkpoints=30, audit_steps=0, n_test=100)
    rows = {r["claim"]: r for r in res["rows"]}
    assert rows["never_above"]["outcome"] == "PASS", rows["never_above"]["reason"]
    # Issue 19: the Monotone tolerance is the step's smooth second-order term, so GD's
    # step-scale jitter under the loss-dependent step (26 of 2832 steps here, each a dip of
    # about 5% of the typical increment) is a violation; the margin still rises overall.
    mono = rows["margin_increases"]
    assert mono["evidence"]["total_change"] > 0, mono["reason"]
    assert mono["outcome"] == "PASS" or (
        mono["outcome"] == "FAIL"
        and mono["evidence"]["n_violations"] < 0.02 * mono["evidence"]["n_steps"]), mono["reason"]
    f1 = next(t for t in res["targets"] if t["name"] == "two_layer_max_margin")
    lp = next(t for t in res["targets"] if t["name"] == "f1_dictionary")
    assert f1["ok"] and lp["ok"]
    g1 = 2 * f1["values"]["gamma"]
    assert lp["values"]["gamma"] <= g1 * (1 + 1e-9) <= lp["values"]["gamma_upper"] * (1 + 1e-9)
    ratio = res["series"]["f1_ratio"]["values"][-1]
    assert 0.5 < ratio <= 1.0
    # normalization trap: ||theta'||^2 >= 2 x path norm, so the code-style (smoothed) margin
    # 2 l^{-1}(L)/||theta'||^2 <= 2 min q/||theta'||^2 <= min q/path norm <= gamma_1 (final step)
    assert res["series"]["smoothed_f1"]["values"][-1] <= res["series"]["f1_margin"]["values"][-1] <= g1


KERNEL_RUN = dict(data_seed=0, n=20, m=100, eta=8.0, steps=4000, checkpoints=30, audit_steps=0,
                  n_test=100)


def kernel_run_properties(res) -> None:
    r"""What every trajectory of the short kernel run satisfies, whatever the last bits.

    The min-margin ratio :math:`\min_iq_i/(\|b\|\gamma_m)` is not one of them: along the run
    the minimizing sample alternates between two support vectors, so the ratio jumps between
    two branches, and which one holds at step 4000 depends on the last bits of the BLAS
    reductions: 0.8857 or 0.9013 (an Intel Xeon measured the first, this AMD EPYC with its
    OpenBLAS Haswell kernel gives the second; features perturbed by <= 4 ulps give either, 8 of
    30 the first, and so do forced kernels; docs/numerics.md D1,
    tests/test_machine_independence.py).  Asserted instead, on every trajectory:

    - never above: ratio <= 1 at every checkpoint (``gamma_m`` is the max margin; the claim);
    - the hard min is above the soft one: ``l^{-1}(L) <= min_i q_i`` for the summed logistic
      loss (``L >= l(q_min)``, ``l`` decreasing), so ratio >= smoothed ratio at the last step;
    - the smoothed ratio (a smooth function of ``b``, no branch) ends above 0.85: it ended in
      [0.8638, 0.8644] on all 30 perturbed runs and 4 OpenBLAS kernels, so 0.85 is 25x its
      spread below; with the line above, ratio > 0.85 on both branches;
    - the direction gap to the SVM halves from mid-run and ends below 0.1 (0.0727 +- 2e-5).
    """
    row = res["rows"][0]
    assert row["outcome"] == "PASS", row["reason"]
    ratio = res["series"]["margin_ratio"]["values"]
    smooth = res["series"]["smoothed_ratio"]["values"]
    assert max(ratio) <= 1.0 + 1e-8, max(ratio)
    assert ratio[-1] >= smooth[-1] > 0.85, (ratio[-1], smooth[-1])
    gap = res["series"]["direction_gap"]["values"]
    assert gap[-1] < 0.5 * gap[len(gap) // 2] and gap[-1] < 0.1, gap


def test_kernel_short_run_tracks_the_rf_svm():
    kernel_run_properties(_run("chizat-bach2020-kernel", ("never_above",), **KERNEL_RUN))


def test_kernel_excess_is_the_kernel_limits_test_error_minus_the_networks():
    """Sign and content of the `adaptivity` quantity on a short run with spurious coordinates:
    the arc-cosine SVM's test error (recomputed here from the same data) minus the network's."""
    over = dict(data_seed=3, d=8, n=60, m=32, init="gaussian", exact_targets=False, eta=1.0,
                steps=400, checkpoints=8, audit_steps=0, n_test=500)
    res = _run("chizat-bach2020-f1", ("never_above",), **over)
    thm = registry.get("chizat-bach2020-f1")
    p = validate(thm.schema, over, thm.id)
    data = thm.generate(p, seed_streams(p["seed"])[0])
    svm = kernel_svm(relu_feature_limit_kernel(data.X), data.y)
    f = relu_feature_limit_kernel(data.meta["X_test"], data.X) @ (np.asarray(svm["dual"]) * data.y)
    kernel_err = float(np.mean(data.meta["y_test"] * f <= 0))
    ex, err = res["series"]["kernel_excess"]["values"], res["series"]["test_error"]["values"]
    assert ex[-1] == pytest.approx(kernel_err - err[-1], abs=1e-12)
    assert 0.0 <= kernel_err <= 1.0 and len(ex) == len(err)


@pytest.mark.parametrize("direction, outcome", [("increasing", "PASS"), ("decreasing", "FAIL")])
def test_kernel_degrades_end_to_end_and_its_mutation_fails(direction, outcome):
    """The `kernel_degrades` Trend on a small version of the d sweep (d = 5, 25; 4 datasets
    each; n = 128): the arc-cosine kernel's test error rises with d, so the claim PASSes and
    the reversed claim FAILs; every run's kernel SVM is recorded as optimal."""
    from verify.spec.sweep import Sweep
    from theorems import chizat_bach2020_f1 as f1
    sw = Sweep("d", (5, 25), seeds=4, x_label="d",
               overrides=dict(f1.DIMENSION.overrides) | {"n": 128, "m": 8, "max_log_t": 3.0})
    thm = registry.get("chizat-bach2020-f1")
    claim = replace(thm.claim("kernel_degrades"), direction=direction, sweep=sw)
    thm = replace(thm, claims=(claim,))
    over = dict(data_seed=0, n=20, m=16, eta=1.0, steps=200, checkpoints=8, audit_steps=0, n_test=100)
    row = run_case(thm, Case(thm.id, validate(thm.schema, over, thm.id), tuple(sorted(over))))["rows"][0]
    assert row["outcome"] == outcome, row["reason"]
    ev = row["evidence"]
    assert ev["n_points"] == 8 and ev["medians"]["median"][1] > ev["medians"]["median"][0]
    assert ev["sweep_runs"]["targets"]["kernel"].startswith("8/8 optimal")
    assert len(ev["points"]["show"]["test_error"]) == 8
