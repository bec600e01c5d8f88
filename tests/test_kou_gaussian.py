"""Kou 2023 / Frei 2022 (issue 21): Gaussian nearly-orthogonal data in the default profile,
and the ReLU stable rank judged against growth (with a wrong twin that must FAIL)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from verify.claims import Series
from verify.spec.assumptions import evaluate
from verify.spec.cases import profile_cases
from verify.spec.registry import get

IDS = ("kou2023-leaky", "kou2023-relu")  # frei2022-leaky: Gaussian default too slow (report)


def _default(tid: str):
    thm = get(tid)
    (case,) = profile_cases(thm, "default")
    return thm, case


@pytest.mark.parametrize("tid", IDS)
def test_default_is_gaussian_with_mixed_signs_and_holds(tid: str) -> None:
    """The default case draws Gaussian data whose correlations take both signs and whose
    exact C_eff is >= C_min (the d of the case file comes from the tail bound)."""
    thm, case = _default(tid)
    p = case.params
    assert p["kind"] == "gaussian" and p["coords"] == "span" and p["seeds"] >= 3
    bound = 2 * (p["C_min"] * p["n"] * p["norm_ratio"]) ** 2 * math.log(p["n"] * (p["n"] - 1) / 1e-3)
    assert p["d"] >= bound
    for seed in range(3):
        data = thm.generate(p, np.random.default_rng(seed))
        G = data.X @ data.X.T
        off = G[~np.eye(p["n"], dtype=bool)]
        assert (off > 0).any() and (off < 0).any()
        near = next(a for a in thm.assumptions if a.name == "near-orthogonal")
        assert evaluate(near, data, p).status.value == "HOLDS"


def test_gaussian_below_the_bound_is_violated() -> None:
    """Wrong twin of the derivation: at the old d = 400 (n = 10) the assumption is VIOLATED."""
    thm, case = _default("kou2023-leaky")
    p = dict(case.params) | {"d": 400}
    data = thm.generate(p, np.random.default_rng(0))
    near = next(a for a in thm.assumptions if a.name == "near-orthogonal")
    assert evaluate(near, data, p).status.value == "VIOLATED"


def _claim(name: str):
    return next(c for c in get("kou2023-relu").claims if c.name == name)


@pytest.mark.parametrize("name", ("srank_vs_horizon", "srank_vs_n", "srank_vs_m", "srank_vs_d"))
def test_srank_growth_fails(name: str) -> None:
    """A stable rank that grows with the swept parameter FAILs the claim; one that falls PASSes."""
    claim = _claim(name)
    assert claim.sweep is not None and len(claim.sweep.values) >= 3
    lx = np.log(np.repeat([5.0, 10.0, 20.0, 40.0], 3))
    noise = np.tile([0.0, 0.01, 0.02], 4)
    up = Series("s", lx, 1.2 + 0.1 * lx + noise)
    down = Series("s", lx, 2.0 - 0.1 * lx + noise)
    assert claim.evaluate(up, {}).outcome.value == "FAIL"
    assert claim.evaluate(down, {}).outcome.value == "PASS"
