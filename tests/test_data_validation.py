"""``--data`` is checked against the theorem before anything runs (issue 19, "PASS from invalid
data"), and a failed solve inside an assumption is UNDECIDED, never SKIPPED or a traceback.

Invalid data: a one-line error naming the value and the fix, exit 2, no results written.
Valid data that violates an assumption: SKIPPED with the reason.  Data on which a solver
fails (XOR, not separable through the origin): UNDECIDED with the solver's status.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from verify.cli.main import main
from verify.engine.case import run_case, sized
from verify.errors import UserError
from verify.problem.data import Dataset
from verify.problem.dataspec import DataSpec, conflicting_duplicates
from verify.spec import registry
from verify.spec.cases import profile_cases

RNG = np.random.default_rng(0)
X6 = RNG.standard_normal((6, 3))
PM = np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0])
#: XOR, scaled to sigma_max(X) = 1 so that the step-size assumption holds and only the solve fails.
XOR = (np.array([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]]) / 2, np.array([1.0, 1.0, -1.0, -1.0]))

INVALID = {  # name: (theorem, X, y, words the one-line error must contain)
    "labels +-2": ("kou2023-leaky", X6, 2 * PM, ["labels -2, 2", "np.sign(y)"]),
    "labels 1,-1,3,0.5": ("kou2023-leaky", X6[:4], np.array([1.0, -1.0, 3.0, 0.5]), ["0.5, 1, 3"]),
    "one point": ("soudry2018-linear", X6[:1], np.array([1.0]), ["n = 1", "[2, 10000]"]),
    "labels 0,1": ("soudry2018-linear", X6, (PM + 1) / 2, ["labels 0, 1", "2*y - 1"]),
    "complex X": ("soudry2018-linear", X6 + 1j, PM, ["complex"]),
    "string labels": ("soudry2018-linear", X6, np.array(list("ababab")), ["dtype"]),
    "Gram overflows": ("soudry2018-linear", X6 * 1e200, PM, ["overflows", "rescale X"]),
    "conflicting duplicates": ("soudry2018-linear", np.vstack([X6[:3], X6[:1]]),
                               np.array([1.0, -1.0, 1.0, -1.0]), ["rows 0 and 3", "same x"]),
    "n fixed by the theorem": ("lyu2021-fragile", X6[:4, :2], PM[:4], ["n = 4", "needs n = 3"]),
    "d above the range": ("lyu2021-fragile", X6[:3], PM[:3], ["d = 3", "needs d = 2"]),
    "generator-only inputs": ("chizat-bach2020-kernel", X6, PM, ["X_raw", "without --data"]),
}


def _run(tmp_path, theorem: str, X, y, *extra: str) -> tuple[int, str]:
    path = tmp_path / "data.npz"
    np.savez(path, X=X, y=y)
    return main(["run", theorem, "--profile", "quick", "--data", str(path),
                 "--out", str(tmp_path / "out"), *extra]), str(path)


@pytest.mark.parametrize("name", list(INVALID))
def test_invalid_data_is_a_one_line_error_and_never_a_run(name, tmp_path, capsys):
    theorem, X, y, words = INVALID[name]
    code, _ = _run(tmp_path, theorem, X, y)
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert err.startswith("verify: error: ") and "\n" not in err, err
    assert all(w in err for w in words), err
    assert "Traceback" not in err and not (tmp_path / "out" / "results.json").exists()


def test_xor_data_is_undecided_with_the_solver_status(tmp_path, capsys):
    """Not separable through the origin: the SVM program is infeasible, so the separability
    assumption is UNDECIDED (a failed solve proves nothing) and so is every claim; the rows
    name the data's n and d, not the profile's."""
    code, _ = _run(tmp_path, "soudry2018-linear", *XOR)
    assert code == 0, capsys.readouterr().err
    doc = json.loads((tmp_path / "out" / "results.json").read_text())
    assert {r["outcome"] for r in doc["rows"]} == {"UNDECIDED"}
    for row in doc["rows"]:
        assert "separable" in row["reason"] and "status 'infeasible'" in row["reason"], row["reason"]
        assert "n=4" in row["case"] and "d=2" in row["case"], row["case"]
    for case in doc["cases"]:
        status = {a["name"]: a["status"] for a in case["assumptions"]}
        assert status["separable"] == "UNDECIDED" and "VIOLATED" not in status.values(), status


def test_an_assumption_violated_by_valid_data_is_skipped_with_its_reason(tmp_path, capsys):
    """All-zero inputs with one label are valid data (no conflicting duplicates) that no
    linear predictor separates: a zero row has margin 0 for every w, exactly."""
    code, _ = _run(tmp_path, "soudry2018-linear", np.zeros((5, 3)), np.ones(5))
    assert code == 0, capsys.readouterr().err
    doc = json.loads((tmp_path / "out" / "results.json").read_text())
    assert {r["outcome"] for r in doc["rows"]} == {"SKIPPED"}
    assert all("assumption 'separable' is violated" in r["reason"] for r in doc["rows"])


def test_a_valid_data_run_labels_rows_with_the_datas_size():
    """40 x 12 data (the issue saw 360 x 64): the case label says n=40, d=12, not the profile's
    n=8, d=3, and the theorem's callables see that size."""
    thm = registry.get("soudry2018-linear")
    X = np.random.default_rng(1).standard_normal((40, 12))
    data = Dataset(X, np.sign(X[:, 0]), "file:big.npz")
    thm.check_data(data)  # valid: nothing raised
    [case] = [c for c in profile_cases(thm, "quick", {"steps": 20, "checkpoints": 4, "audit_steps": 0})
              if c.params["loss"] == "logistic"]
    assert (case.params["n"], case.params["d"]) == (8, 3)
    res = run_case(thm, sized(thm, case, data), data=data)  # as `verify run --data` does
    assert res["params"]["n"] == 40 and res["params"]["d"] == 12
    assert all("n=40" in r["case"] and "d=12" in r["case"] for r in res["rows"])


def test_dataspec_checks():
    spec = DataSpec(n=(2, 10))
    spec.check(Dataset(X6, PM), "demo")  # valid: nothing raised
    with pytest.raises(UserError, match="GiB available"):
        spec.check(Dataset(X6, PM), "demo", available=100)
    DataSpec(labels=None).check(Dataset(X6, np.linspace(0, 1, 6)), "regression")
    assert conflicting_duplicates(np.zeros((3, 2)), np.ones(3)) is None
    assert conflicting_duplicates(np.array([[0.0], [-0.0]]), np.array([1.0, -1.0])) == (0, 1)
