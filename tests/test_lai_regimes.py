"""Lai et al. 2026: both step regimes in the default profile, the O and Omega halves judged in
each, and the derived prefactor (eta^2 - 1)/2 as a claim that can FAIL (issue 21)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from theorems import lai2026_min_norm_gap as lai
from verify.spec import registry
from verify.spec.cases import profile_cases
from verify.spec.sweep import Sweep

from lai_runs import TID, lai_case, lai_rows
# 3 values x 4 seeds of d at n = 64: a short sweep (the default one has 5 x 8).
SHORT = dict(values=(2048, 8192, 32768), seeds=4, x=lai._x, x_label="n/d")


_case, _run = lai_case, lai_rows


def test_default_profile_has_both_regimes_and_both_halves():
    """One default case per regime (eta ||x||^2 above and below 1, both by a margin), and the
    O and Omega claims exist on the case's own d-sweep (so each is judged in each regime)."""
    thm = registry.get(TID)
    etas = sorted(c.params["eta"] for c in profile_cases(thm, "default"))
    assert len(etas) == 2 and etas[0] < 0.8 and etas[1] > 1.2, etas
    names = {c.name: c for c in thm.claims}
    assert names["gap_d_upper"].side == "O" and names["gap_d_lower"].side == "Omega"
    assert names["gap_d_upper"].sweep is names["gap_d_lower"].sweep is lai.SWEEP_D
    assert "eta" not in (lai.SWEEP_D.overrides or {})  # the sweep runs at the case's step
    assert lai.SWEEP_LARGE.overrides["eta"] == lai.ETA_LARGE > 1.0


def test_small_step_case_is_run_not_skipped():
    """The small-step default case satisfies the 'step regime' assumption (no SKIPPED row)
    and GD reaches a global minimum there."""
    rows = _run([registry.get(TID).claim("global_min")], eta=0.5, steps=400, checkpoints=30)
    assert rows["_audit"]["step regime"] == "HOLDS"
    assert rows["global_min"]["outcome"] == "PASS", rows["global_min"]["reason"]


def test_transition_band_violates_the_regime():
    """eta ||x_i||^2 - 1 changing sign over i (eta = 1 at E||x||^2 = 1) is neither regime."""
    rows = _run([registry.get(TID).claim("global_min")], eta=1.0, steps=20, checkpoints=5)
    assert rows["_audit"]["step regime"] == "VIOLATED"


def test_omega_fails_and_o_holds_near_gradient_flow():
    """Small step: the gap falls faster than sqrt(n/d) (slope > 1/2), so the Omega half
    FAILs and the O half PASSes on a short sweep; a large step keeps Omega (the control)."""
    thm = registry.get(TID)
    sweep = Sweep("d", overrides=lai.ISO | {"n": 64}, **SHORT)
    up, low = (replace(thm.claim(k), sweep=sweep) for k in ("gap_d_upper", "gap_d_lower"))
    small = _run([up, low], eta=0.5)
    assert small["gap_d_lower"]["outcome"] == "FAIL", small["gap_d_lower"]["reason"]
    assert small["gap_d_upper"]["outcome"] == "PASS", small["gap_d_upper"]["reason"]
    large = _run([low], eta=1.25)
    assert large["gap_d_lower"]["outcome"] != "FAIL", large["gap_d_lower"]["reason"]


def test_prefactor_wrong_twin_fails():
    """The derived (eta^2 - 1)/2 at eta = 1.25 is not refuted; twice it FAILs."""
    base = registry.get(TID).claim("gap_prefactor")
    sweep = Sweep("d", overrides=lai.ISO | {"n": 64, "eta": lai.ETA_LARGE}, **SHORT)
    right = replace(base, sweep=sweep)
    wrong = replace(base, name="gap_prefactor_x2", sweep=sweep, prefactor=2 * (lai.ETA_LARGE**2 - 1) / 2)
    rows = _run([right, wrong])
    assert rows["gap_prefactor_x2"]["outcome"] == "FAIL", rows["gap_prefactor_x2"]["reason"]
    assert rows["gap_prefactor"]["outcome"] in ("PASS", "UNDECIDED"), rows["gap_prefactor"]["reason"]
    ev = rows["gap_prefactor"]["evidence"]
    assert np.isclose(ev["predicted"], (lai.ETA_LARGE**2 - 1) / 2)
    assert ev["ci"][1] >= ev["band"][0] and ev["ci"][0] <= ev["band"][1]
