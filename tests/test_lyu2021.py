"""Lyu et al. (2021) modules: global margin target, brute force, a mutated claim fails."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from verify.spec import registry
from verify.spec.cases import Case
from verify.claims import Expected, Limit
from verify.problem.data import separable_gaussian, symmetric
from verify.engine.case import run_case
from verify.spec.params import validate
from verify.targets.twolayer import max_margin_two_layer


def _case(thm, **over) -> Case:
    raw = {"n": 12, "d": 3, "m": 8, "eta": 0.5, "steps": 6000, "checkpoints": 40, "audit_steps": 20} | over
    return Case(thm.id, validate(thm.schema, raw, thm.id), tuple(sorted(raw)))


@pytest.mark.parametrize("seed", [0, 1])
def test_random_networks_never_beat_the_exact_target(seed):
    rng = np.random.default_rng(seed)
    data = separable_gaussian(6, 2, rng, 0.3)
    best = max_margin_two_layer(data.X, data.y, 0.2)["gamma"]
    W, a = rng.standard_normal((20000, 3, 2)), rng.standard_normal((20000, 3))
    Z = np.einsum("rkd,nd->rnk", W, data.X)
    f = np.einsum("rnk,rk->rn", np.where(Z >= 0, Z, 0.2 * Z), a)
    gam = (data.y * f).min(axis=1) / ((W ** 2).sum(axis=(1, 2)) + (a ** 2).sum(axis=1))
    assert gam.max() <= best * (1 + 1e-9)
    assert gam.max() > 0.3 * best  # the search is not vacuous


def test_mutated_limit_twice_the_truth_fails():
    thm = registry.get("lyu2021-symmetric")
    wrong = Expected("(1+alpha) gamma_lin / 2", lambda c: (1 + c.params["alpha"]) * c.targets["svm"]["gamma"] / 2)
    claim = Limit("global_margin", "normalized_margin", limit=wrong, rate=("1/log t", "1/log^2 t"), rtol=1e-2)
    mutated = dataclasses.replace(thm, claims=(claim,))
    res = run_case(mutated, _case(mutated))
    assert res["rows"][0]["outcome"] == "FAIL", res["rows"][0]["reason"]


def test_symmetric_case_target_is_the_closed_form():
    rng = np.random.default_rng(3)
    data = symmetric(separable_gaussian(5, 3, rng, 0.3))
    thm = registry.get("lyu2021-symmetric")
    p = _case(thm).params
    svm, two = thm.targets["svm"](data, p), thm.targets["two_layer"](data, p)
    assert two["gamma"] == pytest.approx((1 + p["alpha"]) * svm["gamma"] / 4, rel=1e-8)
