"""Kou et al. (2023) / Frei et al. (2023): data generator, audit, contrast, stress policy."""
from __future__ import annotations

import numpy as np
import pytest

from verify.spec import registry
from verify.spec.cases import Case
from verify.problem.data import nearly_orthogonal
from verify.problem.datastats import near_orthogonality_C
from verify.errors import UserError
from verify.engine.case import run_case
from verify.spec.params import validate
from verify.problem.rank import stable_rank


def _case(tid: str, **over) -> Case:
    thm = registry.get(tid)
    base = {"n": 6, "d": 8, "m": 4, "eta": 1.5, "steps": 3000, "checkpoints": 30, "audit_steps": 20}
    p = validate(thm.schema, base | over, tid)
    return Case(tid, p, tuple(sorted(base | over)))


@pytest.mark.parametrize("C", [0.5, 2.0, 10.0])
def test_construction_meets_prescribed_C(C):
    d = nearly_orthogonal(6, 9, np.random.default_rng(1), C=C, norm_ratio=1.5)
    c_eff = float(near_orthogonality_C(d.X).lo)
    assert c_eff == pytest.approx(C, rel=1e-9)
    assert set(d.y) == {-1.0, 1.0}


def test_construction_needs_d_above_n():
    with pytest.raises(UserError, match="d > n"):
        nearly_orthogonal(6, 6, np.random.default_rng(0))


def _final(res, name) -> float:
    return float(res["series"][name]["values"][-1])


def test_leaky_ends_closer_to_rank_one_than_relu():
    """Same data, init and horizon: leaky blocks end nearer srank 1 than ReLU blocks."""
    leaky = run_case(registry.get("kou2023-leaky"), _case("kou2023-leaky", alpha=0.2))
    relu = run_case(registry.get("kou2023-relu"), _case("kou2023-relu"))
    assert leaky["data"]["fingerprint"] == relu["data"]["fingerprint"]
    gap_leaky = _final(leaky, "srank_blocks") - 1.0
    gap_relu = _final(relu, "srank_blocks") - 1.0
    assert 0.0 <= gap_leaky < gap_relu, (gap_leaky, gap_relu)


def test_correlated_data_skipped_normally_evaluated_under_stress():
    thm = registry.get("kou2023-leaky")
    case = _case("kou2023-leaky", alpha=0.2, C=0.3)
    normal = run_case(thm, case)
    audit = {a["name"]: a for a in normal["assumptions"]}
    assert audit["near-orthogonal"]["status"] == "VIOLATED"
    assert audit["near-orthogonal"]["values"]["C_eff"] == pytest.approx(0.3, rel=1e-9)
    assert {r["outcome"] for r in _rows(normal)} == {"SKIPPED"}
    stressed = run_case(thm, case, stress=True)
    assert all(r["outcome"] != "SKIPPED" for r in _rows(stressed))
    assert stressed["series"]["srank_blocks"]["values"]


def _rows(res):
    return res["rows"]


def test_stable_rank_of_stacked_two_block_limit():
    """Our derivation: blocks 1 v_+^T and 1 v_-^T with v_+ = P - aN, v_- = N - aP, P _|_ N."""
    a, P, N = 0.2, np.array([1.0, 0.0]), np.array([0.0, 1.0])
    W = np.vstack([np.tile(P - a * N, (3, 1)), np.tile(N - a * P, (3, 1))])
    assert stable_rank(W) == pytest.approx(2 * (1 + a * a) / (1 + a) ** 2)
    assert stable_rank(W[:3]) == pytest.approx(1.0)


@pytest.mark.parametrize("sigma0, status", [(1e-6, "HOLDS"), (1e-4, "VIOLATED")])
def test_small_init_scales_with_the_dimension(sigma0, status):
    """The default's Gaussian data (n = m = 10, d = 2^15, eta = 2): sigma0 = 1e-4 is not small
    there (ratio sigma0 sqrt(d) m sqrt(n)/(eta R_min) = 0.29 > 0.1), though it is at d = 10."""
    from verify.spec.assumptions import evaluate
    thm = registry.get("kou2023-leaky")
    p = validate(thm.schema, {"kind": "gaussian", "n": 10, "d": 32768, "m": 10, "eta": 2.0,
                              "sigma0": sigma0}, "test")
    data = thm.generate(p, np.random.default_rng(0))
    small = next(a for a in thm.assumptions if a.name == "small init")
    result = evaluate(small, data, p)
    assert result.status == status
    ratio = sigma0 * np.sqrt(32768) * 10 * np.sqrt(10) / (2.0 * np.sqrt(np.min(np.sum(data.X**2, 1))))
    assert (ratio <= 0.1) == (status == "HOLDS")
