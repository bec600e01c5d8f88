"""Chizat & Bach (2020), adaptivity in margin form: the certified F1 max margin of the
informative coordinates, the quantity that compares a network with it, and the claims' wrong
twins (issue 21)."""
from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest

import theorems.chizat_bach2020_f1 as f1
from theorems import _chizat_bach as cb
from verify import Target, TargetFailed, max_margin_two_layer
from verify.claims import Series


def _data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    p = {k: v.default for k, v in cb.PARAMETERS.items()} | {"n": n, "d": 3, "n_test": 1}
    X, y, _, _ = cb.clusters(p, np.random.default_rng(seed))
    return X, y


def _claim(name: str):
    return next(c for c in f1.THEOREM.claims if c.name == name)


def test_sphere_sup_is_the_supremum():
    X, y = _data(20, 1)
    w = np.random.default_rng(2).standard_normal(20)
    s, U, v = cb.sphere_sup(X, w)
    G = np.random.default_rng(3).standard_normal((200_000, 3))
    G /= np.linalg.norm(G, axis=1, keepdims=True)
    dense = np.abs(np.maximum(G @ X.T, 0.0) @ w).max()
    assert dense <= s * (1 + 1e-12)          # an upper bound on every sphere point ...
    assert s <= dense * (1 + 2e-3)           # ... and attained (dense sampling comes close)
    assert np.allclose(np.linalg.norm(U, axis=1), 1.0)   # candidates are sphere points


def test_sphere_sup_refuses_degenerate_inputs():
    X = np.array([[1.0, 0.0, 0.0], [1.0, 0.5, 0.0], [1.0, -0.5, 0.0], [1.0, 0.0, 0.4]])
    with pytest.raises(ValueError, match="general position"):
        cb.sphere_sup(X, np.ones(4))       # three collinear inputs: three planes, one line


def test_sandwich_contains_the_exact_f1_max_margin():
    X, y = _data(16, 4)
    t = cb.f1_sandwich(X, y)
    exact = 2.0 * float(max_margin_two_layer(X, y, 0.0)["gamma"])
    assert t.ok and t["gamma"] <= exact * (1 + 1e-6) and exact <= t["gamma_upper"] * (1 + 1e-6)
    assert t["gamma_upper"] <= 1.001 * t["gamma"]


def _pt(margin: float, target: Target) -> SimpleNamespace:
    """A one-neuron network of path norm 1 whose F1 margin is ``margin``."""
    return SimpleNamespace(margins=np.array([margin, 2 * margin]),
                           params={"W": np.array([[1.0, 0.0, 0.0]]), "a": np.array([1.0])},
                           targets={"f1_informative": target})


def test_quantity_decides_only_outside_the_certified_sandwich():
    t = Target("f1_sandwich", "optimal", "test", {"gamma": 0.10, "gamma_upper": 0.11})
    assert f1.margin_over_informative(_pt(0.121, t)) == pytest.approx(1.1)
    assert f1.margin_over_informative(_pt(0.09, t)) == pytest.approx(0.9)
    with pytest.raises(TargetFailed, match="undecidable"):
        f1.margin_over_informative(_pt(0.105, t))
    bad = dataclasses.replace(t, status="gap_open")
    with pytest.raises(TargetFailed):             # a non-optimal solve never decides
        f1.margin_over_informative(_pt(0.5, bad))


def test_margin_adaptivity_and_its_wrong_twin():
    claim = _claim("margin_adaptivity")
    x = np.log(np.repeat([5.0, 15.0, 25.0], 2))
    s = Series("margin_over_informative", x, np.array([1.3, 1.2, 1.25, 1.4, 1.1, 1.3]))
    assert claim.evaluate(s, {}).outcome.value == "PASS"
    twin = dataclasses.replace(claim, lower=1.5)   # gamma_F1 >= 1.5 gamma_1(x_{1,2}): false
    assert twin.evaluate(s, {}).outcome.value == "FAIL"
    s_nan = Series(s.name, x, np.array([1.3, 1.2, np.nan, 1.4, 1.1, 1.3]))
    assert claim.evaluate(s_nan, {}).outcome.value == "UNDECIDED"


@pytest.mark.parametrize("name", ["kernel_margin_decays", "attainment_trend"])
def test_trend_claims_have_failing_twins(name):
    claim = _claim(name)
    x = np.log(np.repeat([5.0, 10.0, 20.0, 40.0], 3))
    rising = np.repeat([0.1, 0.2, 0.3, 0.4], 3) + np.tile([0.0, 0.01, 0.02], 4)
    up, down = Series(claim.quantity, x, rising), Series(claim.quantity, x, -rising)
    good, bad = (down, up) if claim.direction == "decreasing" else (up, down)
    assert claim.evaluate(good, {}).outcome.value == "PASS"
    assert claim.evaluate(bad, {}).outcome.value == "FAIL"


@pytest.mark.parametrize("factor, outcome", [(1.0, "PASS"), (1.5, "FAIL")])
def test_margin_adaptivity_end_to_end_and_its_wrong_twin(factor, outcome):
    """`margin_adaptivity` on a small version of its sweep (d = 5, 25; 3 inits; n = 64): the
    network's F1 margin beats the certified informative-coordinates margin; the twin against
    1.5 x that value FAILs (the ratio stays below 1.5 on these data)."""
    from verify.engine.case import run_case
    from verify.spec import registry
    from verify.spec.cases import Case
    from verify.spec.params import validate
    from verify.spec.sweep import Sweep
    sw = Sweep("d", (5, 25), seeds=3, x_label="d",
               overrides=dict(f1.MARGIN_D.overrides) | {"n": 64, "steps": 4000})
    thm = registry.get("chizat-bach2020-f1")
    claim = dataclasses.replace(thm.claim("margin_adaptivity"), lower=factor, sweep=sw)
    thm = dataclasses.replace(thm, claims=(claim,))
    over = dict(data_seed=0, n=20, m=16, eta=1.0, steps=200, checkpoints=8, audit_steps=0, n_test=100)
    row = run_case(thm, Case(thm.id, validate(thm.schema, over, thm.id), tuple(sorted(over))))["rows"][0]
    assert row["outcome"] == outcome, row["reason"]
    assert row["evidence"]["sweep_runs"]["targets"]["f1_informative"].startswith("6/6 optimal")
