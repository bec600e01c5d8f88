r"""Precision audit: the digits of every quantity that hold over the whole run.

Three sources, and the digits of a quantity are the least of them:

1. **Early window** (replayed): the first ``W`` steps from the initialization, in the run's
   backend and in mpmath at ``dps`` digits (the exact run to ``dps`` digits), compared at
   every checkpoint of the run inside the window and at every step;
2. **Late window** (replayed): ``W`` steps from the last checkpoint at least ``W`` steps
   before the end, in both arithmetics from the same iterate (the local drift there);
3. **Drift bound** between and after the windows (:mod:`verify.dynamics.driftbound`): the
   error of the iterate measured at step ``W`` against the mpmath replay is propagated to
   every later step, :math:`\|\hat\theta_k - \theta_k\| \le \varepsilon_k`. A checkpoint
   quantity ``q`` then errs by at most (first order)
   :math:`\|\nabla_\theta q\|\,\varepsilon_k + |\partial_{\log t} q|\,\Delta_{\log t, k}`,
   the gradient taken by finite differences of step :math:`\varepsilon_k` along every
   coordinate of the trained parameters (past :data:`MAX_COORDS` of them, along
   :data:`SAMPLED` random orthonormal directions scaled by :math:`\sqrt{\dim/k}`: an
   estimate), at every checkpoint past the window or, past an evaluation budget
   (:func:`probed`), at a log-spaced subset of them (an estimate); a probe at which a
   finite quantity cannot be measured (a target's solver fails at the moved iterate) is
   left out and the others rescaled to all directions (an estimate; counted in
   ``audit.bound.probes.failed_measurements``), and only when every probe of a checkpoint
   fails does the quantity err without limit there; a per-step quantity errs
   by at most the sum over the scalars it reads of its change when that scalar moves by
   its bound (:func:`verify.dynamics.driftbound.scalar_drift`).

For every compared point :math:`\text{digits} = -\log_{10} |q_{\text{run}} - q_{\text{ref}}| /
|q_{\text{ref}}|` (an error bound in place of the difference for source 3), capped at the
float64 resolution the quantities are computed in (docs/numerics.md B: the stall of a
fixed precision is faithful; what matters is how far the run drifted) and floored at 0.
Both sides are float64 evaluations of float64-rounded iterates: the quantity's own
evaluation error is not counted, as before.

Each quantity's digits are of one *kind* (the record's ``audit.bound.kinds``):
``"reference"`` (the run lies inside the early window: compared with mpmath throughout),
``"propagated bound"`` (a rigorous drift bound, first order in the unit roundoff and in the
drift, every checkpoint and coordinate probed), or ``"estimate"`` (a step map without a
Lipschitz bound, e.g. a ReLU network, or sampled directions or checkpoints). The record
keeps the windows' own digits (``audit.bound.window_digits``): they estimate the drift,
they do not bound it. Against a full mpmath run of Soudry's linear model (exponential
loss, 40,000 steps) they claimed 15.01 digits of the normalized margin where 14.26 held,
and more than held for every quantity; the bound claims 10.69 (``tests/test_audit.py``,
docs/numerics.md E).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from verify.arith.backends import Backend, MPMath
from verify.dynamics import driftbound as db
from verify.dynamics.compiled import record_run
from verify.dynamics.gd import StepRule
from verify.dynamics.trajectory import Checkpoint, StopRule, Trajectory

CAP = 15.95  # quantities are evaluated in float64
REFERENCE = "reference"
MAX_COORDS = 16  # probe every coordinate up to this many trained parameters
SAMPLED = 8  # else this many random orthonormal directions

MeasureCk = Callable[[int, float, Mapping[str, np.ndarray]], dict[str, float]]
MeasureSteps = Callable[[Mapping[str, np.ndarray]], dict[str, np.ndarray]]


@dataclass(frozen=True)
class AuditReport:
    """Digits per quantity, of which kind, and how they were obtained (see module docstring).

    ``bound`` is the JSON form of the drift bound and of the probes (empty when the run
    lies inside the early window or the audit did not run).
    """

    dps: int
    windows: tuple[tuple[int, int], ...]
    digits: Mapping[str, float] = field(default_factory=dict)
    note: str = ""
    kinds: Mapping[str, str] = field(default_factory=dict)
    bound: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self, log_t: np.ndarray) -> dict[str, Any]:
        """JSON form (windows also in log time for the report)."""
        lt = [[float(log_t[a]) if a > 0 else None, float(log_t[b])] for a, b in self.windows]
        return {"backend": "mpmath", "dps": self.dps, "steps": sum(b - a for a, b in self.windows),
                "windows": [list(w) for w in self.windows], "window_log_t": lt,
                "digits": dict(self.digits), "note": self.note,
                "bound": {"kinds": dict(self.kinds), **self.bound}}


def digits_of(rel: np.ndarray, cap: float = CAP) -> float:
    """``min(cap, -log10 max rel)`` over the entries that are not NaN, floored at 0 (an
    infinite error is 0 digits); NaN if every entry is NaN.

    Examples
    --------
    >>> digits_of(np.array([1e-12, 1e-10, np.nan]))
    10.0
    >>> digits_of(np.array([0.0])), digits_of(np.array([np.inf])), digits_of(np.array([np.nan]))
    (15.95, 0.0, nan)
    """
    rel = np.asarray(rel, float)
    rel = rel[~np.isnan(rel)]
    if not rel.size:
        return math.nan
    worst = float(np.max(rel))
    return cap if worst == 0 else float(max(0.0, min(cap, -math.log10(worst))))


def agreed_digits(a: np.ndarray, b: np.ndarray, cap: float = CAP) -> float:
    """Min over points of ``-log10(|a-b|/|b|)``; NaN pairs are ignored; capped at ``cap``."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    ok = np.isfinite(a) & np.isfinite(b)
    if not ok.any():
        return math.nan
    rel = np.abs(a[ok] - b[ok]) / np.maximum(np.abs(b[ok]), np.finfo(float).tiny)
    worst = float(np.max(rel))
    return cap if worst == 0 else float(min(cap, -math.log10(worst)))


def _replay(model, loss, X, y, start, rule, be, steps, schedule=(), kernel="numpy") -> Trajectory:
    """``steps`` steps from ``start`` in ``be``, by the kernel that computed the run."""
    return record_run(model, loss, X, y, start, rule, be, np.array(sorted({*schedule, steps})),
                      StopRule(steps), kernel)


def _shifted(scalars: Mapping[str, np.ndarray], log_t0: float) -> dict[str, np.ndarray]:
    return {**scalars, "log_t": np.logaddexp(log_t0, scalars["log_t"])}


def _compare(run: Trajectory, ref: Trajectory, offset: int, log_t0: float, ck: MeasureCk,
             st: MeasureSteps, out: dict[str, list[float]]) -> None:
    for c_run, c_ref in zip(run.checkpoints, ref.checkpoints):
        if c_run.step == 0 and offset == 0:
            continue
        lt = float(np.logaddexp(log_t0, c_run.log_t))
        a = ck(c_run.step + offset, lt, c_run.params)
        b = ck(c_ref.step + offset, lt, c_ref.params)
        for k in set(a) & set(b):
            out.setdefault(k, []).append(agreed_digits([a[k]], [b[k]]))
    a, b = st(_shifted(run.scalars, log_t0)), st(_shifted(ref.scalars, log_t0))
    for k in set(a) & set(b):
        out.setdefault(k, []).append(agreed_digits(a[k][1:], b[k][1:]))


def _distance(a: Checkpoint, b: Checkpoint, trained: tuple[str, ...]) -> float:
    """``||theta_a - theta_b||_2``, ``b`` in its own (mpmath) numbers, rounded up."""
    sq = 0.0
    for k in trained:
        diff = np.asarray(b.native[k], dtype=object).ravel() - np.asarray(a.params[k], float).ravel()
        sq += float(sum(float(v) ** 2 for v in diff))
    return math.sqrt(sq) * (1 + 1e-12)


def _start(traj: Trajectory, run: Trajectory, ref: Trajectory,
           trained: tuple[str, ...]) -> tuple[int, float]:
    """Step where the drift bound starts, and the run's distance there to the mpmath replay.

    The end of the early window if the replay in the run's backend reproduces the run
    (bit for bit at the run's last checkpoint inside the window), else that checkpoint (a
    run in span coordinates, replayed in full ones).
    """
    main = {c.step: c for c in traj.checkpoints if c.step <= run.steps}
    mine, theirs = {c.step: c for c in run.checkpoints}, {c.step: c for c in ref.checkpoints}
    s0 = max(main)
    same = all(np.array_equal(main[s0].params[k], mine[s0].params[k]) for k in trained)
    at = run.steps if same else s0
    return at, _distance(mine[at] if same else main[s0], theirs[at], trained)


def _flat(params: Mapping[str, np.ndarray], trained: tuple[str, ...]) -> np.ndarray:
    return np.concatenate([np.asarray(params[k], float).ravel() for k in trained])


def _unflat(params: Mapping[str, np.ndarray], trained: tuple[str, ...], v: np.ndarray) -> dict:
    out, i = dict(params), 0
    for k in trained:
        shape = np.shape(params[k])
        size = int(np.prod(shape))
        out[k] = v[i:i + size].reshape(shape)
        i += size
    return out


@dataclass(frozen=True)
class Directions:
    """Probe directions (rows, unit norm) and the factor that turns their root sum of
    squares into a gradient norm (1 for coordinates, ``sqrt(dim/k)`` when sampled)."""

    rows: np.ndarray
    scale: float

    @property
    def sampled(self) -> bool:
        """Random directions instead of every coordinate."""
        return self.scale != 1.0

    @classmethod
    def of(cls, dim: int) -> Directions:
        """Every coordinate if ``dim <= MAX_COORDS``, else ``SAMPLED`` random orthonormal
        directions (seeded: the same every run).

        Examples
        --------
        >>> Directions.of(3).rows.shape, Directions.of(3).sampled
        ((3, 3), False)
        >>> d = Directions.of(100); d.rows.shape, round(d.scale, 3)
        ((8, 100), 3.536)
        """
        if dim <= MAX_COORDS:
            return cls(np.eye(dim), 1.0)
        q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((dim, SAMPLED)))
        return cls(q.T, math.sqrt(dim / SAMPLED))


def probed(steps: list[int], total: int, per: int) -> list[int]:
    """The checkpoint steps the probes visit: all of them if the evaluation budget
    ``clip(total // 100, 24, 400)`` allows ``per`` evaluations each, else a log-spaced
    subset that keeps the last.

    Examples
    --------
    >>> probed([10, 20, 40, 80], 400, 5)
    [10, 20, 40, 80]
    >>> probed(list(range(1, 101)), 2400, 5)
    [1, 5, 22, 100]
    """
    room = max(1, int(np.clip(total // 100, 24, 400)) // per)
    if len(steps) <= room:
        return list(steps)
    idx = np.unique(np.round(np.geomspace(1, len(steps), room)).astype(int) - 1)
    return sorted({steps[i] for i in idx} | {steps[-1]})


def _probe_one(ck: MeasureCk, step: int, log_t: float, params: Mapping[str, np.ndarray],
               trained: tuple[str, ...], h: float, d_lt: float,
               dirs: Directions) -> tuple[dict[str, float], dict[str, int]]:
    """Relative error bound of every checkpoint quantity at one iterate (first order), and
    per quantity the number of probe directions whose measurement failed.

    A direction in which a finite quantity cannot be measured (a target's solver fails at
    the moved iterate: NaN) carries no information on the quantity's sensitivity; the root
    sum of squares is taken over the other directions and rescaled to all of them (the
    digits are then an estimate).  When every direction fails, or the bound is not finite,
    the quantity errs without limit."""
    base = ck(step, log_t, params)
    if not (math.isfinite(h) and math.isfinite(d_lt)):
        return {k: math.inf if math.isfinite(v) else math.nan for k, v in base.items()}, {}
    theta = _flat(params, trained)
    gaps: dict[str, list[float]] = {k: [] for k in base}
    for v in dirs.rows:
        moved = ck(step, log_t, _unflat(params, trained, theta + h * v))
        for k in base:
            gaps[k].append(float(_gap(moved.get(k, math.nan), base[k])))
    late = ck(step, log_t + d_lt, params) if d_lt > 0 else base
    rel, failed = {}, {}
    for k in base:
        g = np.array(gaps[k])
        fail = int(np.sum(np.isinf(g)))
        kept = g[np.isfinite(g)]
        spread = (math.sqrt(float(kept @ kept) * g.size / kept.size) if kept.size
                  else (math.nan if np.isnan(g).all() else math.inf))
        if fail:
            failed[k] = fail
        rel[k] = ((dirs.scale * spread + _gap(late.get(k, math.nan), base[k]))
                  / max(abs(base[k]), np.finfo(float).tiny))
    return rel, failed


def _gap(moved: Any, base: Any) -> Any:
    """``|moved - base|``, infinite where ``base`` is finite and ``moved`` is not (NaN where
    ``base`` is not finite: that point is not compared)."""
    with np.errstate(invalid="ignore"):
        diff = np.abs(np.asarray(moved, float) - np.asarray(base, float))
        return np.where(np.isfinite(base), np.where(np.isfinite(moved), diff, np.inf), np.nan)


def _probe_checkpoints(traj: Trajectory, bound: db.DriftBound, d_lt: np.ndarray,
                       trained: tuple[str, ...], ck: MeasureCk, out: dict[str, list[float]]
                       ) -> tuple[Directions, bool, dict[str, int]]:
    """Digits of the checkpoint quantities past the early window under the drift bound;
    the directions used, whether every checkpoint was probed, and per quantity how many
    probe measurements failed (see :func:`_probe_one`)."""
    after = [c for c in traj.checkpoints if c.step > bound.start]
    dirs = Directions.of(sum(int(np.size(traj.checkpoints[0].params[k])) for k in trained))
    visit = set(probed([c.step for c in after], traj.steps, len(dirs.rows) + 2))
    failed: dict[str, int] = {}
    for c in (c for c in after if c.step in visit):
        rel, fails = _probe_one(ck, c.step, c.log_t, c.params, trained, bound.at(c.step),
                                float(d_lt[c.step]), dirs)
        for k, r in rel.items():
            out.setdefault(k, []).append(digits_of(np.array([r])))
        for k, n in fails.items():
            failed[k] = failed.get(k, 0) + n
    return dirs, len(visit) == len(after), failed


def _probe_steps(scalars: Mapping[str, np.ndarray], drift: Mapping[str, np.ndarray], start: int,
                 st: MeasureSteps, out: dict[str, list[float]]) -> None:
    """Digits of the per-step quantities after step ``start``: each scalar moved by its bound."""
    with np.errstate(all="ignore"):
        base = st(scalars)
        err = {k: np.zeros(len(v)) for k, v in base.items()}
        for name, d in drift.items():
            moved = st({**scalars, name: np.asarray(scalars[name], float) + d})
            for k in base:
                err[k] = err[k] + _gap(moved[k], base[k])
        for k, v in base.items():
            rel = err[k][start + 1:] / np.maximum(np.abs(v[start + 1:]), np.finfo(float).tiny)
            out.setdefault(k, []).append(digits_of(rel))


def _drift_digits(model, loss, X, rule, traj, backends: tuple[Backend, MPMath],
                  early: tuple[Trajectory, Trajectory], ck: MeasureCk, st: MeasureSteps,
                  out: dict[str, list[float]]) -> tuple[dict[str, str], dict[str, Any]]:
    """Source 3 of the module docstring: kinds per quantity and the bound's JSON form.

    The error where the bound starts (:func:`_start`) is the distance to the mpmath replay
    plus that replay's own drift (the same recursion at mpmath's unit roundoff).
    """
    run, ref = early
    trained = tuple(model.trained)
    ro, ro_kind = db.roundoff(backends[0])
    mp_err = db.drift_bound(model, loss, rule, X, ref.scalars, 0, 0.0, db.roundoff(backends[1])[0])
    at, dist = _start(traj, run, ref, trained)
    bound = db.drift_bound(model, loss, rule, X, traj.scalars, at, dist + mp_err.at(at), ro,
                           ro_kind)
    drift = db.scalar_drift(bound, traj.scalars, X, rule, ro)
    dirs, every, failed = _probe_checkpoints(traj, bound, drift["log_t"], trained, ck, out)
    _probe_steps(traj.scalars, drift, at, st, out)
    per_ck = bound.kind if every and not dirs.sampled else db.ESTIMATE
    kinds = {k: db.ESTIMATE if k in failed else per_ck
             for k in ck(traj.checkpoints[-1].step, traj.checkpoints[-1].log_t,
                         traj.checkpoints[-1].params)}
    kinds |= {k: bound.kind for k in st(traj.scalars)}
    norm_end = math.sqrt(max(float(traj.scalars["sq_norm"][-1]), 0.0))
    info = {"drift": bound.to_dict(norm_end),
            "probes": {"dim": int(dirs.rows.shape[1]), "directions": int(dirs.rows.shape[0]),
                       "sampled": dirs.sampled, "every_checkpoint": every,
                       "failed_measurements": dict(failed),
                       "max_log_t_error": float(np.max(drift["log_t"]))}}
    return kinds, info


def precision_audit(model, loss, X: np.ndarray, y: np.ndarray, params0: Mapping[str, np.ndarray],
                    rule: StepRule, traj: Trajectory, run_backend: Backend, dps: int, window: int,
                    measure_ck: MeasureCk, measure_steps: MeasureSteps) -> AuditReport:
    """Digits of every quantity over the whole run; see module docstring."""
    if window <= 0:
        return AuditReport(dps, (), {}, "audit disabled (audit_steps = 0)")
    if isinstance(run_backend, MPMath):
        return AuditReport(dps, (), {}, f"run is itself in mpmath ({run_backend.precision}); "
                           f"quantities carry float64's {CAP} digits")
    mp = MPMath(dps=dps)
    total = traj.steps
    found: dict[str, list[float]] = {}
    w0 = min(window, total)
    windows = [(0, w0)]
    inside = [c.step for c in traj.checkpoints if c.step <= w0]
    run = _replay(model, loss, X, y, params0, rule, run_backend, w0, inside, traj.kernel)
    ref = _replay(model, loss, X, y, params0, rule, mp, w0, inside)
    _compare(run, ref, 0, -math.inf, measure_ck, measure_steps, found)
    late = [c for c in traj.checkpoints if c.step <= total - window and c.step >= w0]
    if late:
        start = late[-1]
        windows.append((start.step, start.step + window))
        run_l = _replay(model, loss, X, y, start.params, rule, run_backend, window,
                        kernel=traj.kernel)
        ref_l = _replay(model, loss, X, y, start.params, rule, mp, window)
        _compare(run_l, ref_l, start.step, start.log_t, measure_ck, measure_steps, found)
    kinds: dict[str, str] = {k: REFERENCE for k in found}
    info: dict[str, Any] = {}
    if w0 < total:
        replayed = _least(found)
        kinds, info = _drift_digits(model, loss, X, rule, traj, (run_backend, mp), (run, ref),
                                    measure_ck, measure_steps, found)
        info["window_digits"] = replayed
    return AuditReport(dps, tuple(windows), _least(found), "", kinds, info)


def _least(found: Mapping[str, list[float]]) -> dict[str, float]:
    """The least digits per quantity (NaN if none is finite)."""
    return {k: float(np.nanmin(v)) if np.isfinite(v).any() else math.nan for k, v in found.items()}
