"""verify hunt: the search space, bad input, finding and shrinking a failure, and reproducing it."""
from __future__ import annotations

import dataclasses
import doctest
import json
from pathlib import Path

import pytest

from verify.explore import hunt

from verify.spec import registry
from verify.explore import searchspace as ss
from verify.claims import Expected
from verify.cli.main import main
from verify.errors import TargetFailed
from verify.engine.results import load

TINY = Path(__file__).parent / "cases"
SOUDRY = "soudry2018-linear"
GRID = "\n[grids.default]\nmargin = [0.05, 0.4]\nmin_rate = [0.0, 0.5]\n"


def test_search_space_spans_the_grids_and_keeps_thresholds_fixed():
    kou = ss.search_space(registry.get("kou2023-leaky"))
    assert set(kou) == {"C", "sigma0", "alpha", "seed"}
    assert (kou["C"].low, kou["C"].high, kou["C"].log) == (0.5, 10.0, False)
    assert kou["sigma0"].log and kou["sigma0"].low == 1e-4
    thm = registry.get("kou2023-leaky")
    defaults = {k: p.default for k, p in thm.schema.items()}
    assert ss.constants(thm, defaults) == {"C_min", "R2_max", "init_ratio_max", "c_eta"}
    soudry = ss.search_space(registry.get(SOUDRY))
    assert soudry["loss"].choices == ("logistic", "exponential")  # a list of the quick profile
    assert "min_rate" not in soudry  # the threshold a_min of 'visible rate': part of the formalization


def test_dim_draws_stay_in_range():
    from hypothesis import find, settings

    d = ss.Dim("x", "float", 1e-4, 1.0, log=True)
    tiny = find(d.strategy(), lambda v: v < 1e-3, settings=settings(database=None, max_examples=200))
    assert 1e-4 <= tiny < 1e-3


@pytest.mark.parametrize("args, needle", [
    (["hunt", "no-such-theorem"], "no-such-theorem"),
    (["hunt", SOUDRY, "--drop", "nope"], "'nope' is not an assumption"),
    (["hunt", SOUDRY, "--budget", "0"], "--budget 0"),
])
def test_bad_input_is_one_line_exit_2(args, needle, capsys, tmp_path):
    assert main(args + ["--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0], err


SEED_MIN = 100


def _ten_times_from_seed_100(ctx):
    if ctx.params["seed"] < SEED_MIN:
        raise TargetFailed("the mutant tests seeds >= 100 only")  # the claim is UNDECIDED
    return 10 * ctx.targets["svm"]["norm_w"] ** 2


@pytest.fixture
def mutant(monkeypatch, tmp_path):
    """soudry2018-linear reduced to loss_rate, expecting 10x the true limit of t L(t) when
    seed >= 100 (FAIL) and undecidable below (so the simplest candidate, seed 0, does not fail)."""
    thm = registry.get(SOUDRY)
    ten = Expected("10|w|^2", _ten_times_from_seed_100)
    claims = tuple(dataclasses.replace(c, limit=ten) for c in thm.claims if c.name == "loss_rate")
    bad = dataclasses.replace(thm, id="soudry-mutant", claims=claims)
    monkeypatch.setattr(registry, "theorems", lambda: {bad.id: bad})
    (tmp_path / "soudry-mutant.toml").write_text((TINY / f"{SOUDRY}.toml").read_text() + GRID)
    monkeypatch.setenv("VERIFY_CASES_DIR", str(tmp_path))
    return bad


def test_hunt_finds_shrinks_and_saves_a_reproducible_failure(mutant, tmp_path, monkeypatch, capsys):
    out = tmp_path / "h"
    assert main(["hunt", mutant.id, "--budget", "5", "--shrink", "5", "--seed", "1", "--out", str(out)]) == 1
    log = json.loads((out / "hunt.json").read_text())
    runs = [t for t in log["trials"] if t["status"] == "run"]
    assert runs[0]["values"]["seed"] == 0 and runs[0]["outcomes"] == {"loss_rate": "UNDECIDED"}
    first = next(t for t in runs if t["outcomes"]["loss_rate"] == "FAIL")
    minimal = next(t for t in log["trials"] if t["case"] == log["findings"][0])
    assert minimal["outcomes"]["loss_rate"] == "FAIL"
    assert SEED_MIN <= minimal["values"]["seed"] < first["values"]["seed"]  # shrunk towards 100
    assert len(load(out)["cases"]) == len(runs)  # every run case is in results.json
    command = log["commands"][0]
    assert "VERIFY_CASES_DIR=" in command and "--profile counterexample" in command
    assert "--stress" not in command  # found inside the assumption region
    case_dir = Path(command.split()[0].split("=", 1)[1])
    monkeypatch.setenv("VERIFY_CASES_DIR", str(case_dir))
    assert main(["run", mutant.id, "--profile", "counterexample", "--out", str(tmp_path / "r")]) == 1
    rows = {r["claim"]: r["outcome"] for r in load(tmp_path / "r")["rows"]}
    assert rows["loss_rate"] == "FAIL"
    assert "FOUND" in capsys.readouterr().err


def test_a_perturbed_failure_is_saved_with_its_data(monkeypatch, tmp_path, mutant, capsys):
    """A claim that fails once a point is dropped: found through the perturbation, saved as
    case file + data.npz, and reproduced by `verify run --data`."""
    def fewer_than_six_points(ctx):
        if ctx.dataset.n >= 6:
            raise TargetFailed("the mutant tests perturbed data only")
        return 10 * ctx.targets["svm"]["norm_w"] ** 2

    claims = tuple(dataclasses.replace(c, limit=Expected("10|w|^2", fewer_than_six_points))
                   for c in mutant.claims)
    thm = dataclasses.replace(mutant, claims=claims)
    monkeypatch.setattr(registry, "theorems", lambda: {thm.id: thm})
    space = {"seed": ss.Dim("seed", "int", 0, 0)}
    result = hunt.hunt(thm, budget=4, shrink_budget=4, space=space, perturb_data=True)
    best = result.findings[0]
    assert best.data is not None and best.data.n < 6 and "+perturbed[drop_frac=" in best.label
    commands = hunt.save(result, tmp_path / "h")
    assert "--data" in commands[0] and "--stress" not in commands[0]
    case_dir = tmp_path / "h" / "counterexamples" / f"{thm.id}-{best.result['config_hash'][:12]}"
    monkeypatch.setenv("VERIFY_CASES_DIR", str(case_dir))
    args = ["run", thm.id, "--profile", "counterexample", "--data", str(case_dir / "data.npz")]
    assert main(args + ["--out", str(tmp_path / "r")]) == 1
    again = load(tmp_path / "r")
    assert again["cases"][0]["config_hash"] == best.result["config_hash"]


def test_same_seed_same_search(mutant):
    a = hunt.hunt(mutant, budget=2, shrink_budget=0, seed=3)
    b = hunt.hunt(mutant, budget=2, shrink_budget=0, seed=3)
    assert [t.values for t in a.trials] == [t.values for t in b.trials] and a.trials


def test_candidates_outside_the_kept_assumptions_are_rejected(mutant):
    """eta = 10 breaks 'step size' (eta < 8): kept, nothing runs; dropped, the failure is found."""
    space = {"eta": ss.Dim("eta", "choice", choices=(10.0,)), "seed": ss.Dim("seed", "int", SEED_MIN, SEED_MIN + 3)}
    kept = hunt.hunt(mutant, budget=2, shrink_budget=0, space=space)
    assert kept.unsatisfiable and not kept.findings
    assert all(t.status == "rejected" and "step size VIOLATED" in t.note for t in kept.trials)
    dropped = hunt.hunt(mutant, budget=2, shrink_budget=0, drop=("step size",), space=space)
    assert dropped.findings and dropped.findings[0].result["stress"]


@pytest.mark.slow
def test_soudry_inside_the_assumptions_finds_nothing():
    """The quick profile, every assumption kept: a small budget finds no failing claim (~25 s)."""
    result = hunt.hunt(registry.get(SOUDRY), budget=4, seed=0)
    assert sum(t.status == "run" for t in result.trials) == 4
    assert not result.findings, [(t.label, t.outcomes) for t in result.findings]


@pytest.mark.slow
def test_lyu2021_symmetric_fails_without_its_symmetry_assumption(tmp_path):
    """Kept: a few seeds of symmetric data pass; dropped: perturbed (asymmetric) data fail (~60 s)."""
    if "lyu2021-symmetric" not in registry.theorems():
        pytest.skip("theorem lyu2021-symmetric is not registered yet")
    thm = registry.get("lyu2021-symmetric")
    drop = [a.name for a in thm.assumptions if "symmetr" in a.name.lower()]
    if not drop:
        pytest.skip("lyu2021-symmetric has no assumption named after symmetry")
    kept = hunt.hunt(thm, budget=2, shrink_budget=0, seed=0)
    assert not kept.findings, [(t.label, t.outcomes) for t in kept.findings]
    dropped = hunt.hunt(thm, budget=8, drop=drop[:1], seed=0, shrink_budget=3)
    assert dropped.findings and dropped.findings[0].data is not None
    status = {a["name"]: a["status"] for a in dropped.findings[0].result["assumptions"]}
    assert status[drop[0]] == "VIOLATED"


def test_doctests():
    res = doctest.testmod(ss)
    assert res.attempted and not res.failed
