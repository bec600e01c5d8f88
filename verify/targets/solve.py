"""Run a cvxpy problem with Clarabel at tight tolerances, and nothing else.

Every reference program of the suite (the hard-margin SVM of Soudry et al. 2018 and the
KKT-multiplier NNLS of Lyu & Li 2020, arXiv:1906.05890) is solved here. Clarabel at
``tol_gap_abs = tol_gap_rel = tol_feas = 1e-12`` gives 13.7--14.8 correct digits on these
QPs in under 0.1 s (docs/numerics.md, section C). There is deliberately **no fallback** to
another solver: if Clarabel is not installed, :func:`solve_clarabel` raises, because a
silent switch to a less accurate solver would change every digit downstream.

A solver *status* is never an exception: :class:`SolveInfo` carries it and the caller
turns it into a :class:`verify.targets.base.Target`, whose ``ok`` decides.
"""
from __future__ import annotations

import functools
import time
import warnings
from dataclasses import dataclass
from typing import Any

from verify.lazy import lazy

cp = lazy("cvxpy")  # imported when the first program is built (verify.lazy)


@dataclass(frozen=True)
class SolveInfo:
    """What one Clarabel run reported.

    Parameters
    ----------
    status
        cvxpy's status string (``"optimal"``, ``"infeasible"``, ``"optimal_inaccurate"``,
        ..., or ``"solver_error"`` when Clarabel raised).
    solver
        Solver name, version and the tolerances used, e.g. ``"CLARABEL 0.11.1(tol=1e-12)"``.
    seconds
        Wall time of compile plus solve.
    iterations
        Interior-point iterations (``None`` when unknown).
    warnings
        Text of any warnings cvxpy emitted (e.g. "Solution may be inaccurate").
    """

    status: str
    solver: str
    seconds: float
    iterations: int | None
    warnings: tuple[str, ...] = ()


@functools.cache
def require_clarabel() -> str:
    """Return Clarabel's version, or raise if it is not usable by cvxpy.

    Checked once a process (a success is remembered: ``cvxpy.installed_solvers`` tries to
    import every solver cvxpy knows, tens of milliseconds, and sweeps solve thousands of
    targets); a failure is not remembered and raises again at the next call.

    Returns
    -------
    str
        The installed ``clarabel`` version.

    Raises
    ------
    RuntimeError
        If Clarabel is not installed or cvxpy does not list it. No other solver is tried.
    """
    try:
        import clarabel
    except ImportError as exc:  # pragma: no cover - depends on the environment
        msg = "Clarabel is not installed; install it with `pip install clarabel`"
        raise RuntimeError(msg) from exc
    if "CLARABEL" not in cp.installed_solvers():  # pragma: no cover
        raise RuntimeError("cvxpy does not list CLARABEL among its installed solvers")
    return str(getattr(clarabel, "__version__", "?"))


def solve_clarabel(
    problem: cp.Problem, *, tol: float = 1e-12, settings: dict[str, Any] | None = None
) -> SolveInfo:
    """Solve ``problem`` in place with Clarabel at ``tol_gap_abs = tol_gap_rel = tol_feas = tol``,
    starting cold every time (so solving one problem again equals solving a fresh copy).

    Parameters
    ----------
    problem
        A cvxpy problem; its variables and constraint duals are filled in by cvxpy.
    tol
        Clarabel's absolute/relative duality-gap and feasibility tolerance.
    settings
        Further Clarabel settings (e.g. ``{"equilibrate_enable": False}``); they are named
        in the solver string, so a result records how it was obtained.

    Returns
    -------
    SolveInfo
        Status, solver string, wall time, iterations and warnings.

    Raises
    ------
    RuntimeError
        If Clarabel is missing (see :func:`require_clarabel`).
    ValueError
        If ``tol`` is not positive.
    """
    if not tol > 0:
        raise ValueError(f"tol must be positive, got {tol!r}")
    version = require_clarabel()
    extra = dict(settings or {})
    kwargs = {"tol_gap_abs": tol, "tol_gap_rel": tol, "tol_feas": tol} | extra
    solver = f"CLARABEL {version}(tol={tol:.0e}" + "".join(f", {k}={v}" for k, v in extra.items()) + ")"
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            # cold start: a problem solved again (a tolerance ladder) gives a fresh problem's
            # point; cvxpy's default warm start would reuse the previous Clarabel solver
            problem.solve(solver=cp.CLARABEL, warm_start=False, **kwargs)
            status = str(problem.status)
        except cp.error.SolverError as exc:
            status = "solver_error"
            caught.append(warnings.WarningMessage(str(exc), RuntimeWarning, "", 0))
    seconds = time.perf_counter() - start
    messages = tuple(str(w.message) for w in caught)
    return SolveInfo(status, solver, seconds, _iterations(problem), messages)


def _iterations(problem: cp.Problem) -> int | None:
    """Clarabel's iteration count, when cvxpy recorded one."""
    stats = problem.solver_stats
    return None if stats is None else stats.num_iters
