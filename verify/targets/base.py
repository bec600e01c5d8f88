"""The value every target returns: solution, solver status and an independent certificate.

Following cvxpy's own test helpers, a target is trusted only when (a) the solver says
``optimal`` and (b) a certificate computed by us, not by the solver, is below tolerance:
primal feasibility, dual feasibility, complementarity, stationarity, duality gap.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from verify.errors import TargetFailed


@dataclass(frozen=True)
class Target:
    """A solved reference program.

    Parameters
    ----------
    name
        Program name, e.g. ``"svm"`` or ``"kkt"``.
    status
        The solver's status string (``"optimal"``, ``"optimal_inaccurate"``, ...).
    solver
        Solver name and settings, e.g. ``"CLARABEL(tol=1e-12)"``.
    values
        Named results (arrays or floats), e.g. ``w``, ``gamma``, ``dual``.
    certificate
        Residuals computed independently of the solver (all >= 0, smaller is better).
    tolerance
        Threshold each certificate entry must be below.
    polished
        True when the active-set KKT system was re-solved in mpmath.
    note
        Anything a reader must know (e.g. how the support set was identified).
    """

    name: str
    status: str
    solver: str
    values: Mapping[str, Any]
    certificate: Mapping[str, float] = field(default_factory=dict)
    tolerance: float = 1e-8
    polished: bool = False
    note: str = ""

    @property
    def ok(self) -> bool:
        """True iff the status is ``optimal`` and every certificate entry is below tolerance."""
        if self.status != "optimal":
            return False
        return all(np.isfinite(v) and v <= self.tolerance for v in self.certificate.values())

    def failure(self) -> str:
        """Why the target is not trusted ('' when it is)."""
        if self.status != "optimal":
            return f"{self.name}: solver {self.solver} returned status {self.status!r}"
        bad = {k: v for k, v in self.certificate.items() if not (np.isfinite(v) and v <= self.tolerance)}
        if bad:
            k, v = max(bad.items(), key=lambda kv: kv[1] if np.isfinite(kv[1]) else np.inf)
            return f"{self.name}: certificate {k} = {v:.3g} exceeds tolerance {self.tolerance:.1g}"
        return ""

    def require(self) -> "Target":
        """Return self, or raise :class:`TargetFailed` naming the failing status/residual."""
        reason = self.failure()
        if reason:
            raise TargetFailed(reason)
        return self

    def __getitem__(self, key: str) -> Any:
        """Value by name after :meth:`require` (dependent numbers never come from a failed solve)."""
        return self.require().values[key]

    def provenance(self) -> dict[str, Any]:
        """JSON-safe summary for results.json (no large arrays)."""
        scalars = {k: float(v) for k, v in self.values.items() if np.ndim(v) == 0}
        return {
            "name": self.name,
            "status": self.status,
            "solver": self.solver,
            "ok": self.ok,
            "certificate": {k: float(v) for k, v in self.certificate.items()},
            "tolerance": self.tolerance,
            "polished": self.polished,
            "values": scalars,
            "note": self.note,
        }
