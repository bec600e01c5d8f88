"""The record stage: a judged case as the JSON-ready record and rows of ``results.json``.

Last stage of the engine's pipe (descent -> measure -> judge -> sweeps -> case -> record).
:class:`CaseOutcome` is everything a finished case hands over; :func:`case_record` lays
it out as one entry of ``results.json["cases"]`` with its ``rows`` (one per claim, the
tidy table every report is rendered from).  Per-step series are thinned to
:data:`MAX_STORED` log-spaced points.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from verify.arith.backends import make_backend
from verify.claims.base import Series, label_of
from verify.dynamics.trajectory import Trajectory
from verify.outcome import ClaimResult
from verify.problem.data import Dataset
from verify.spec.assumptions import AssumptionResult
from verify.spec.cases import Case
from verify.spec.theorem import Theorem

MAX_STORED = 1500  # per-step series are thinned to this many points in results.json


@dataclass(frozen=True)
class RunFacts:
    """How the case's trajectory ended."""

    steps: int
    final_log_t: float
    final_log_loss: float
    stopped: str
    kernel: str = "numpy"

    @classmethod
    def of(cls, traj: Trajectory) -> RunFacts:
        """The facts of ``traj``."""
        s = traj.scalars
        return cls(traj.steps, float(s["log_t"][-1]), float(s["log_loss"][-1]), traj.stopped,
                   traj.kernel)

    def to_json(self) -> dict[str, Any]:
        """JSON form (the record's ``trajectory``): ``kernel`` is the code that computed the
        float64 steps (numpy arrays or the fused numba kernel)."""
        return {"steps": self.steps, "final_log_t": self.final_log_t,
                "final_log_loss": self.final_log_loss, "stopped": self.stopped,
                "kernel": self.kernel}


@dataclass(frozen=True)
class CaseOutcome:
    """A judged case: its data, assumption audit, targets, series and claim results.

    ``precision`` is the precision audit's JSON form (None when the trajectory did not
    run) and ``trajectory`` the run's :class:`RunFacts` (None likewise).
    """

    data: Dataset
    audit: tuple[AssumptionResult, ...]
    targets: Mapping[str, Any]
    series: Mapping[str, Series]
    precision: Mapping[str, Any] | None
    trajectory: RunFacts | None
    results: tuple[ClaimResult, ...]
    stress: bool
    wall_time_s: float


def thin(s: Series) -> dict[str, Any]:
    """``log_t`` and ``values`` of ``s``, at most :data:`MAX_STORED` log-spaced indices.

    Examples
    --------
    >>> s = Series("q", np.log(np.arange(1.0, 3001.0)), np.arange(3000.0))
    >>> t = thin(s)
    >>> len(t["values"]) <= MAX_STORED, t["values"][:3], t["values"][-1]
    (True, [0.0, 1.0, 2.0], 2999.0)
    """
    idx = np.arange(len(s.values))
    if len(idx) > MAX_STORED:
        idx = np.unique(np.round(np.geomspace(1, len(idx), MAX_STORED)).astype(int) - 1)
    return {"log_t": s.log_t[idx].tolist(), "values": s.values[idx].tolist()}


def _rows(thm: Theorem, case: Case, out: CaseOutcome, config_hash: str) -> list[dict[str, Any]]:
    """One row per claim result."""
    backend = case.settings.backend
    solver = ";".join(f"{n}:{t.status}" for n, t in out.targets.items())
    rows = []
    for r in out.results:
        claim = thm.claim(r.claim)
        s = out.series.get(claim.quantity)
        rows.append({"theorem": thm.id, "case": case.label, **r.to_row(),
                     "quantity": claim.quantity, "show": list(claim.show),
                     "statement": claim.statement, "reading": claim.reading, "seed": case.seed,
                     "backend": backend, "digits": None if s is None else s.digits,
                     "solver_status": solver, "config_hash": config_hash,
                     "expected_label": {k: label_of(v) for k, v in claim.expected_specs().items()}})
    return rows


def case_record(thm: Theorem, case: Case, out: CaseOutcome) -> dict[str, Any]:
    """The JSON-ready record of ``case`` (see the results.json schema), rows included."""
    s = case.settings
    data = out.data
    config_hash = case.config_hash(data.fingerprint())
    return {
        "theorem": thm.id, "case": case.label, "title": thm.title, "citation": str(thm.citation),
        "statement": thm.statement, "formalization": thm.formalization, "params": dict(case.params),
        "seed": case.seed, "config_hash": config_hash, "profile": case.profile,
        "data": {"source": data.source, "n": data.n, "d": data.d,
                 "fingerprint": data.fingerprint()},
        "backend": s.backend, "precision": make_backend(s.backend, s.dps).precision,
        "wall_time_s": out.wall_time_s, "stress": out.stress,
        "assumptions": [a.to_dict() for a in out.audit],
        "audit": None if out.precision is None else dict(out.precision),
        "targets": [t.provenance() for t in out.targets.values()],
        "series": {n: {"label": thm.quantities[n].label, "per_step": thm.quantities[n].per_step,
                       **thin(v)} for n, v in out.series.items() if n in thm.quantities},
        "trajectory": {} if out.trajectory is None else out.trajectory.to_json(),
        "rows": _rows(thm, case, out, config_hash),
    }
