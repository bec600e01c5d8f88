"""Tests of the assumption layer: exact three-valued verdicts and exact data statistics."""
from __future__ import annotations

import doctest
import json
import time
from fractions import Fraction
from types import SimpleNamespace

import mpmath
import numpy as np
import pytest
import sympy

import verify.spec.assumptions as va
from verify.arith.interval import Stat
from verify.spec.assumptions import (Assumption, AssumptionResult, Status, all_hold, audit,
                                evaluate)
from verify.problem.datastats import (gram_exact, is_symmetric_pairs, near_orthogonality_C, norm_ratio,
                              sigma_max_sq)

x, y, eta, s = sympy.symbols("x y eta sigma_max_sq", positive=True)
DATA = SimpleNamespace(X=np.eye(3), y=np.array([1.0, -1.0, 1.0]))


def verdict(relation, **params) -> AssumptionResult:
    return evaluate(Assumption("a", relation), DATA, params)


def test_docstring_examples_run():
    import verify.problem.datastats as ds

    results = [doctest.testmod(m, optionflags=doctest.NORMALIZE_WHITESPACE) for m in (va, ds)]
    assert sum(r.attempted for r in results) > 10 and sum(r.failed for r in results) == 0


@pytest.mark.parametrize("relation, status", [
    (2 * x < 3, Status.VIOLATED), (2 * x <= 3, Status.HOLDS), (2 * x > 3, Status.VIOLATED),
    (2 * x >= 3, Status.HOLDS), (sympy.Eq(2 * x, 3), Status.HOLDS)])
def test_knife_edge_is_exact(relation, status):
    r = verdict(relation, x=Fraction(3, 2))
    assert r.status is status and r.exact and r.slack_interval == (0.0, 0.0) and r.note == ""
    # a hair away from the edge, far below float resolution
    r = verdict(relation.subs(x, x + sympy.Rational(1, 10**40)), x=Fraction(3, 2))
    assert r.status is (Status.HOLDS if relation.rel_op[0] == ">" else Status.VIOLATED)


def test_floats_are_their_exact_binary_values():
    # with the binary values, 3 * 0.1 = 0.3 + 2**-55 = 0.30000000000000004 - 2**-55
    assert verdict(3 * x <= sympy.Rational(0.3), x=0.1).status is Status.VIOLATED
    assert verdict(3 * x <= sympy.Rational(0.30000000000000004), x=0.1).status is Status.HOLDS
    assert Stat.exact(0.1).lo == sympy.Rational(3602879701896397, 2**55)


def test_inexact_statistic_straddling_boundary_is_undecided():
    r = verdict(x < 3, x=Stat.approx(2.95, 0.1))
    assert r.status is Status.UNDECIDED and not r.exact
    assert r.note.startswith("slack interval [-0.05") and r.note.endswith("contains 0")
    assert r.slack_interval[0] < 0 < r.slack_interval[1]
    clear = verdict(x < 3, x=Stat.approx(2.5, 0.1))
    assert clear.status is Status.HOLDS and not clear.exact and clear.slack == pytest.approx(0.5)
    assert verdict(x < 3, x=Stat.approx(3.5, 0.1)).status is Status.VIOLATED


def test_sqrt_max_and_abs_propagate_intervals():
    # x in [0.81, 1.21] so sqrt(x) in [0.9, 1.1]; y in [1, 2] so Max(x, y) in [1, 2]
    params = dict(x=Stat(Fraction(81, 100), Fraction(121, 100)), y=Stat(1, 2))
    r = verdict(sympy.sqrt(x) + sympy.Max(x, y) < 4, **params)
    assert r.status is Status.HOLDS and r.note == ""
    assert r.slack_interval == pytest.approx((0.9, 2.1))
    assert verdict(sympy.sqrt(x) + sympy.Max(x, y) < 2.5, **params).status is Status.UNDECIDED
    # |x - y| over x - y in [-1.19, 0.21] is [0, 1.19]; Min(x, y) is in [0.81, 1.21]
    r = verdict(sympy.Abs(x - y) + sympy.Min(x, y) <= sympy.Rational(24, 10), **params)
    assert r.status is Status.HOLDS and r.slack_interval == pytest.approx((0.0, 1.59))


def test_unboundable_expression_falls_back_to_mpmath_corners():
    dps = mpmath.mp.dps
    r = verdict(sympy.gamma(x) < 2, x=Stat(Fraction(3, 2), 2))  # sympy leaves gamma(AccumBounds)
    assert r.status is Status.HOLDS and not r.exact and "mpmath" in r.note
    assert r.slack_interval == pytest.approx((1.0, 2 - 0.886226925452758))
    assert mpmath.mp.dps == dps
    r = verdict(sympy.sqrt(x - 2) < 1, x=Stat(1, 3))  # complex at a corner
    assert r.status is Status.UNDECIDED and "could not be evaluated" in r.note


def test_near_orthogonality_hand_example():
    # rows (2,1,0), (0,1,1), (1,0,-1): squared norms 5, 2, 2; <x1,x2> = 1, <x1,x3> = 2,
    # <x2,x3> = -1; C_i = ||x_i||^2 / (3 max_k |<x_i,x_k>|) = 5/6, 2/3, 2/6 -> C = 1/3
    X = np.array([[2.0, 1.0, 0.0], [0.0, 1.0, 1.0], [1.0, 0.0, -1.0]])
    assert near_orthogonality_C(X) == Stat.exact(Fraction(1, 3))
    # with t the double nearest 0.1: (1 + t^2) / (2 * 2t) exactly, not the float 101/40
    t = Fraction(0.1)
    c = near_orthogonality_C(np.array([[1.0, 0.1], [0.1, 1.0]]))
    assert c.is_exact and c.lo == sympy.Rational((1 + t * t) / (4 * t)) != sympy.Rational(101, 40)


def test_orthogonal_data_has_infinite_C_and_holds_for_any_C():
    X = np.diag([1.0, 3.0, 0.5])
    assert near_orthogonality_C(X).lo == sympy.oo
    C, n = sympy.symbols("C n")
    a = Assumption("near-orthogonal", sympy.Ge(C, 10**6 * n),
                   measure=lambda data, params: {"C": near_orthogonality_C(data.X)})
    r = evaluate(a, SimpleNamespace(X=X, y=np.ones(3)), {})
    assert r.status is Status.HOLDS and r.exact and r.values == {"C": np.inf, "n": 3.0}
    assert r.slack == np.inf and r.relative_slack == 1.0  # (oo - 3e6) / oo


def test_exact_helpers_norm_ratio_gram_symmetry():
    X = np.array([[0.1, 0.2], [0.3, -0.4], [-0.1, -0.2]])
    G = gram_exact(X)
    q = [[Fraction(v) for v in row] for row in X.tolist()]
    assert G[0, 1] == sympy.Rational(q[0][0] * q[1][0] + q[0][1] * q[1][1]) and G.is_symmetric()
    sq = [a * a + b * b for a, b in q]
    assert norm_ratio(X).lo == sympy.Rational(sq[1] / sq[0])
    assert is_symmetric_pairs(X, [1, 1, -1]).lo == 0  # (0.3, -0.4) has no mirror
    Xs = np.vstack([X[:2], -X[:2]])
    assert is_symmetric_pairs(Xs, [1, -1, -1, 1]).lo == 1
    assert is_symmetric_pairs(Xs, [1, -1, 1, 1]).lo == 0
    assert is_symmetric_pairs(np.vstack([Xs, [[0.0, 0.0]]]), [1, -1, -1, 1, 0]).lo == 1


def test_gram_exact_is_fast():
    X = np.random.default_rng(0).standard_normal((50, 1000))
    start = time.perf_counter()
    G = gram_exact(X)
    assert time.perf_counter() - start < 2.0
    assert abs(float(G[3, 7]) - X[3] @ X[7]) < 1e-10 and G[3, 7].q & (G[3, 7].q - 1) == 0


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (30, 200)])
def test_sigma_max_sq_encloses_the_true_value_tightly(shape):
    X = np.random.default_rng(sum(shape)).standard_normal(shape)
    st = sigma_max_sq(X)
    lo, hi = float(st.lo), float(st.hi)
    assert lo <= np.linalg.eigvalsh(X.T @ X)[-1] <= hi and (hi - lo) / lo < 1e-9
    padded = sigma_max_sq(X, exact_up_to=0)  # float backward-error pad instead of exact products
    assert not padded.is_exact and padded.lo < st.lo <= st.hi < padded.hi
    assert float(padded.hi - padded.lo) / lo < 1e-9
    if shape[0] < 10:  # the exact Gram's top eigenvalue at 40 digits, independently of numpy
        ctx = mpmath.MPContext()
        ctx.dps = 40
        G = gram_exact(X.T)  # X^T X
        rows = [[ctx.mpf(v.p) / v.q for v in G.row(i)] for i in range(G.rows)]
        top = max(ctx.eigsy(ctx.matrix(rows), eigvals_only=True))
        assert st.lo <= sympy.Rational(str(ctx.nstr(top, 35))) <= st.hi


def test_sigma_max_sq_known_values():
    for X, top in [(np.array([[3.0, 4.0]]), 25), (np.diag([1.0, 2.0, 0.5]), 4)]:
        st = sigma_max_sq(X)
        assert st.lo <= top <= st.hi and float(st) == pytest.approx(top, rel=1e-14)


def test_step_size_relation_on_both_sides():
    X = np.random.default_rng(1).standard_normal((20, 60))
    data = SimpleNamespace(X=X, y=np.ones(20))
    step = Assumption("step size", sympy.Lt(eta, 8 / s),
                      measure=lambda data, params: {"sigma_max_sq": sigma_max_sq(data.X)})
    top = np.linalg.eigvalsh(X @ X.T)[-1]
    ok, bad, edge = (evaluate(step, data, {"eta": c * 8 / top}) for c in (0.99, 1.01, 1.0))
    assert ok.status is Status.HOLDS and ok.relative_slack == pytest.approx(0.01, rel=1e-6)
    assert bad.status is Status.VIOLATED and bad.slack < 0 and not bad.exact
    assert edge.status is Status.UNDECIDED and "contains 0" in edge.note
    assert not all_hold(audit([step], data, {"eta": 8 / top})) and all_hold((ok,))


def test_latex_and_symbols():
    beta, sigma = sympy.symbols("beta sigma_max", positive=True)
    a = Assumption("step", sympy.Lt(eta, 2 / (beta * sigma**2)), reading=True)
    assert a.latex == r"\eta < \frac{2}{\beta \sigma_{max}^{2}}"
    assert a.symbols == ("beta", "eta", "sigma_max")
    r = evaluate(a, DATA, {"eta": 0.5, "beta": 1, "sigma_max": Fraction(1, 2)})
    assert r.latex == a.latex and r.reading and r.status is Status.HOLDS and r.slack == 7.5


def test_missing_symbol_raises_naming_it_and_none_is_undecided():
    zeta = sympy.Symbol("zeta")
    with pytest.raises(ValueError, match="zeta"):
        verdict(x + zeta < 1, x=1)
    r = verdict(x + zeta < 1, x=0, zeta=None)
    assert r.status is Status.UNDECIDED and r.note == "no value for zeta"


def test_bad_inputs_are_rejected():
    with pytest.raises(TypeError):
        Assumption("constant", sympy.Lt(1, 2))  # evaluates to sympy.true
    with pytest.raises(ValueError):
        Stat.approx(1.0, -0.1)
    with pytest.raises(ValueError):
        Stat(2, 1)
    with pytest.raises(ValueError):
        Stat.exact(float("nan"))
    with pytest.raises(TypeError):
        Stat.exact(sympy.sqrt(2))
    assert Stat.exact(float("-inf")).lo == -sympy.oo


def test_to_dict_round_trips_through_json():
    zeta = sympy.Symbol("zeta")
    results = (verdict(x >= 4, x=sympy.oo), verdict(x + zeta < 1, x=0, zeta=None),
               verdict(x < 3, x=Stat.approx(2.95, 0.1)))
    for r in results:
        row = r.to_dict()
        assert json.loads(json.dumps(row, allow_nan=False)) == row
        assert row["status"] == r.status.value and row["latex"] == r.latex
    assert results[0].to_dict()["slack"] == "inf" and results[1].to_dict()["slack"] == "nan"


def test_a_failed_solve_in_a_measurement_is_undecided_with_the_solvers_status():
    """Three-valued: a measurement whose solver fails proves nothing, so the assumption is
    UNDECIDED (never VIOLATED) and its note carries the solver's status."""
    from verify.errors import TargetFailed

    def failing(data, params):
        raise TargetFailed("svm: solver CLARABEL returned status 'infeasible'")

    gamma = sympy.Symbol("gamma_lin")
    r = evaluate(Assumption("separable", gamma > 0, failing), DATA, {})
    assert r.status is Status.UNDECIDED and "status 'infeasible'" in r.note, r.note
    assert not all_hold([r])


def test_certified_margin_on_the_svm_of_separable_xor_and_zero_data():
    """The four theorem modules' separability measurement: a certified SVM gives its margin;
    XOR (not separable through the origin, solver status infeasible) is UNDECIDED; a zero
    input row makes it VIOLATED exactly (y_i <w, x_i> = 0 for every w)."""
    from verify.spec.assumptions import certified_margin
    from verify.targets.svm import hard_margin_svm

    gamma = sympy.Symbol("gamma_lin")
    sep = Assumption("separable", gamma > 0,
                     lambda d, p: {"gamma_lin": certified_margin(hard_margin_svm(d.X, d.y), d.X)})
    Xs = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -0.5]])
    ok = evaluate(sep, SimpleNamespace(X=Xs, y=np.array([1.0, 1.0, -1.0])), {})
    assert ok.status is Status.HOLDS and ok.values["gamma_lin"] > 0
    xor = SimpleNamespace(X=np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]]),
                          y=np.array([1.0, 1.0, -1.0, -1.0]))
    r = evaluate(sep, xor, {})
    assert r.status is Status.UNDECIDED and "infeasible" in r.note, r.note
    zero_row = SimpleNamespace(X=np.vstack([Xs, np.zeros(2)]), y=np.array([1.0, 1.0, -1.0, 1.0]))
    r = evaluate(sep, zero_row, {})
    assert r.status is Status.VIOLATED and r.slack_interval[1] == 0.0  # rigorous: gamma <= 0


def test_a_violated_assumption_decides_over_an_undecided_one():
    """SKIPPED (an assumption is violated) does not depend on the order of the assumptions:
    an earlier one that could not be decided (its solver failed) does not hide it."""
    from verify.engine.judge import apply_policy
    from verify.outcome import ClaimResult, Outcome
    und = AssumptionResult("separable", "", Status.UNDECIDED, float("nan"), (float("nan"),) * 2,
                           float("nan"), note="solver failed")
    bad = AssumptionResult("n_small", "", Status.VIOLATED, -1.0, (-1.0, -1.0), -0.5)
    thm = SimpleNamespace(expected_failures={})
    ok = ClaimResult("c", "Limit", Outcome.PASS, "")
    for order in ((und, bad), (bad, und)):
        assert apply_policy(thm, ok, order, stress=False).outcome is Outcome.SKIPPED
    assert apply_policy(thm, ok, (und,), stress=False).outcome is Outcome.UNDECIDED
