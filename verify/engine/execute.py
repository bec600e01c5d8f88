"""Run one case end to end: data, assumption audit, targets, GD, audit, claims, rows.

The result is a JSON-ready dictionary (one entry of ``results.json["cases"]`` plus its
rows). Nothing here prints; ``progress`` is an optional callback.
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from verify.spec import assumptions as asm
from verify.engine import autobackend
from verify.dynamics import stepcheck
from verify.dynamics.audit import precision_audit
from verify.arith.backends import make_backend
from verify.spec.cases import Case
from verify.dynamics.certified import Uncertified
from verify.claims.base import Context, Series, label_of, resolve
from verify.problem.data import Dataset
from verify.errors import TargetFailed
from verify.dynamics.gd import StepRule, gradient_descent
from verify.outcome import ClaimResult, Outcome, undecided
from verify.spec.params import validate
from verify.problem.quantities import Point
from verify.dynamics.span import span_descent
from verify.spec.theorem import Theorem
from verify.dynamics.trajectory import StopRule, Trajectory, log_schedule, record

MAX_STORED = 1500  # per-step series are thinned to this many points in results.json


def _rngs(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    data_ss, init_ss = np.random.SeedSequence(seed).spawn(2)
    return np.random.default_rng(data_ss), np.random.default_rng(init_ss)


def initial_params(model, d: int, p: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """The initialization a run with parameters ``p`` starts from (its seed's init stream)."""
    return model.init(d, p["sigma0"], _rngs(int(p["seed"]))[1])


def _measure_checkpoint(thm: Theorem, base: dict[str, Any]) -> Callable[..., dict[str, float]]:
    """Evaluate every checkpoint quantity at an iterate; failures become NaN + note."""
    notes: dict[str, str] = base.setdefault("notes", {})

    def measure(step: int, log_t: float, params: Mapping[str, np.ndarray]) -> dict[str, float]:
        p = Point(step, log_t, params, base["model"], base["loss"], base["data"], base["targets"], base["case"])
        out = {}
        for name, q in thm.quantities.items():
            if q.per_step:
                continue
            try:
                out[name] = float(q.fn(p))
            except (TargetFailed, ValueError, FloatingPointError) as exc:
                out[name] = math.nan
                notes.setdefault(name, str(exc))
        return out

    return measure


def _measure_steps(thm: Theorem, base: dict[str, Any]) -> Callable[[Mapping[str, np.ndarray]], dict[str, np.ndarray]]:
    def measure(scalars: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        p = Point(0, 0.0, {}, base["model"], base["loss"], base["data"], base["targets"], base["case"])
        with np.errstate(all="ignore"):
            return {n: np.asarray(q.fn(scalars, p), float) for n, q in thm.quantities.items() if q.per_step}

    return measure


def _series(thm: Theorem, traj: Trajectory, ck, st, digits: Mapping[str, float], notes) -> dict[str, Series]:
    cks = [c for c in traj.checkpoints if c.step > 0]
    lt = np.array([c.log_t for c in cks])
    values = [ck(c.step, c.log_t, c.params) for c in cks]
    out = {}
    for name, q in thm.quantities.items():
        if q.per_step:
            continue
        v = np.array([row.get(name, math.nan) for row in values])
        out[name] = Series(name, lt, v, digits.get(name), notes.get(name, ""))
    s = traj.scalars
    for name, arr in st(s).items():
        out[name] = Series(name, s["log_t"][1:], arr[1:], digits.get(name), notes.get(name, ""),
                           log_eta=s["log_eta"][1:])
    return out


def _onsets(traj: Trajectory, loss, n: int) -> dict[str, float]:
    s = traj.scalars
    below = np.nonzero(s["log_loss"][1:] < loss.zero_margin_log_loss(n))[0]
    first = float(s["log_t"][1:][below[0]]) if len(below) else math.inf
    return {"zero_margin_log_t": first}


def _judge(thm: Theorem, series: Mapping[str, Series], ctx: Context) -> list[ClaimResult]:
    results = []
    for claim in thm.claims:
        try:
            expected = {k: resolve(v, ctx) for k, v in claim.expected_specs().items()}
        except TargetFailed as exc:
            results.append(undecided(claim.name, claim.kind, f"expected value unavailable: {exc}"))
            continue
        s = series.get(f"sweep:{claim.name}", series.get(claim.quantity))
        if s is None:
            results.append(undecided(claim.name, claim.kind, f"no series for {claim.quantity!r}"))
            continue
        result = claim.evaluate(s, expected)
        if s.name.startswith("sweep:"):
            sw = claim.sweep
            pts = {"x": np.exp(s.log_t).tolist(), "y": s.values.tolist(), "show": {
                q: series[f"{s.name}:{q}"].values.tolist() for q in claim.show
                if f"{s.name}:{q}" in series}}
            result = replace(result, evidence=dict(result.evidence or {}) | {
                "points": pts, "x_label": sw.x_label or sw.parameter, "seeds": sw.seeds})
        results.append(result)
    return results


def _last_values(thm: Theorem, base: dict[str, Any], traj: Trajectory) -> dict[str, float]:
    """Every quantity at the end of a run (checkpoint and per-step quantities)."""
    last = traj.checkpoints[-1]
    out = _measure_checkpoint(thm, base)(last.step, last.log_t, last.params)
    out |= {k: float(v[-1]) for k, v in _measure_steps(thm, base)(traj.scalars).items()}
    return out


#: End-of-run quantities of sweep runs by (theorem, parameters): two claims sweeping the
#: same runs (e.g. an event and its predictor) share them instead of recomputing.
_SWEEP_MEMO: dict[tuple[str, str], dict[str, Any]] = {}
_MEMO_MAX = 4096


def sweep_params(thm: Theorem, case: Case, claim) -> list[dict[str, Any]]:
    """Validated parameters of every run of ``claim.sweep`` around ``case``."""
    return [autobackend.concrete(validate(thm.schema, raw, f"sweep of {thm.id}"))
            for raw in claim.sweep.runs(case.params)]


def sweep_end(thm: Theorem, p: dict[str, Any]) -> dict[str, Any]:
    """Run ``thm`` with parameters ``p`` (fresh data, init and targets): ``values``, every
    quantity at the end of the run, and ``targets``, each target's status and solver."""
    sub = Case(thm.id, p, tuple(sorted(p)))
    data = thm.generate(p, _rngs(p["seed"])[0])
    model, loss = thm.model(p), thm.loss(p)
    targets = {name: build(data, p) for name, build in thm.targets.items()}
    base = {"model": model, "loss": loss, "data": data, "targets": targets, "case": p}
    traj, *_ = _trajectory(thm, sub, data, model, loss, None, p)
    return {"values": _last_values(thm, base, traj),
            "targets": {k: f"{t.status} ({t.solver})" for k, t in targets.items()}}


def _sweep_run(thm: Theorem, p: dict[str, Any], sweep_dir: Path | None) -> dict[str, Any]:
    """:func:`sweep_end` of one sweep run: memoized per process, read from the sweep cache
    (:mod:`verify.engine.sweepjobs`) when it was run there, computed otherwise."""
    from verify.engine import sweepjobs  # it imports this module

    key = (thm.id, json.dumps(p, sort_keys=True, default=repr))
    if key not in _SWEEP_MEMO:
        end = sweepjobs.load(sweep_dir, sweepjobs.run_key(thm.id, p))
        if len(_SWEEP_MEMO) >= _MEMO_MAX:
            _SWEEP_MEMO.clear()
        _SWEEP_MEMO[key] = end if end is not None else sweep_end(thm, p)
    return _SWEEP_MEMO[key]


def sweep_series(thm: Theorem, case: Case, claim, sweep_dir: Path | None = None,
                 provenance: dict[str, Any] | None = None) -> dict[str, Series]:
    """Points ``(log x, q)`` of a sweep claim: its quantity at the end of one run per
    (value, seed) of ``claim.sweep`` (fresh data, init and targets per run), keyed
    ``sweep:<claim>``, and those of its ``show`` quantities from the same runs, keyed
    ``sweep:<claim>:<quantity>``.  ``provenance[claim.name]`` receives the runs' seeds and,
    per target, how many runs ended with each status and solver (``"50/50 optimal (...)"``)."""
    names = (claim.quantity, *claim.show)
    xs, qs, seeds, status = [], {q: [] for q in names}, [], {}
    for p in sweep_params(thm, case, claim):
        xs.append(math.log(claim.sweep.abscissa(p)))
        end = _sweep_run(thm, p, sweep_dir)
        seeds.append(p["seed"])
        for t, st in end["targets"].items():
            status.setdefault(t, {}).setdefault(st, 0)
            status[t][st] += 1
        for q in names:
            qs[q].append(end["values"].get(q, math.nan))
    if provenance is not None:
        provenance[claim.name] = {"seeds": seeds, "targets": {
            t: "; ".join(f"{k}/{len(seeds)} {st}" for st, k in c.items()) for t, c in status.items()}}
    key = f"sweep:{claim.name}"
    out = {key: Series(key, np.array(xs), np.array(qs[claim.quantity]))}
    return out | {f"{key}:{q}": Series(f"{key}:{q}", np.array(xs), np.array(qs[q])) for q in claim.show}


def _certified(targets: Mapping[str, Any]) -> str:
    """How the case's targets were certified, for an XFAIL reason (a gap is only as good as
    the reference it is measured against)."""
    parts = []
    for t in targets.values():
        if not hasattr(t, "certificate"):
            continue
        worst = max(t.certificate.values(), default=0.0)
        v = t.values
        bracket = (f", value in [{float(v['gamma_network']):.15g}, {float(v['gamma_upper']):.15g}]"
                   if "gamma_network" in v and "gamma_upper" in v else "")
        parts.append(f"{t.name} {t.status}, {'certified' if t.ok else 'NOT certified'} "
                     f"(largest residual {worst:.2g} <= {t.tolerance:.0e}){bracket}")
    return "; targets: " + "; ".join(parts) if parts else ""


def apply_policy(thm: Theorem, result: ClaimResult, audit: tuple, stress: bool,
                 targets: Mapping[str, Any] | None = None) -> ClaimResult:
    """SKIPPED when assumptions fail (normal runs); XFAIL for published counterexamples
    (with the certificates of the targets the failure is measured against)."""
    bad = [a for a in audit if a.status is not asm.Status.HOLDS]
    if bad and not stress:
        a = bad[0]
        verb = "is violated" if a.status is asm.Status.VIOLATED else "could not be decided"
        reason = f"assumption {a.name!r} {verb} (slack {a.slack:.4g}){': ' + a.note if a.note else ''}"
        outcome = Outcome.SKIPPED if a.status is asm.Status.VIOLATED else Outcome.UNDECIDED
        return result.with_outcome(outcome, reason)
    why = thm.expected_failures.get(result.claim)
    if why is None:
        return result
    if result.outcome is Outcome.FAIL:
        return result.with_outcome(Outcome.XFAIL, f"expected failure ({why}); observed: "
                                   f"{result.reason}{_certified(targets or {})}")
    if result.outcome is Outcome.PASS:
        return result.with_outcome(Outcome.FAIL, f"UNEXPECTED PASS of an expected failure ({why})")
    return result


def _trajectory(thm: Theorem, case: Case, data: Dataset, model, loss, progress,
                p: Mapping[str, Any] | None = None) -> tuple:
    p = case.params if p is None else p
    params0 = model.init(data.d, p["sigma0"], _rngs(case.seed)[1])
    rule = StepRule(p["eta"], p["step_rule"], model.homogeneity)
    be = make_backend(p["backend"], p["dps"])
    if p.get("coords", "full") == "span":  # W = W0 + B Q, O(m n^2) a step (verify.dynamics.span)
        states, rec_model = span_descent(model, loss, data.X, data.y, params0, rule, be)
    else:
        states, rec_model = gradient_descent(model, loss, data.X, data.y, params0, rule, be), model
    floor = math.log(p["stop_loss"]) if p["stop_loss"] > 0 else -math.inf
    stop = StopRule(p["steps"], p["max_log_t"], floor)
    traj = record(states, rec_model, data.y, be, log_schedule(p["steps"], p["checkpoints"]), stop,
                  progress)
    return traj, params0, rule, be


def _half_step(thm: Theorem, case: Case, data: Dataset, base: dict[str, Any], ctx: Context,
               digits: Mapping[str, float], sweeps: Mapping[str, Series]) -> dict[str, ClaimResult]:
    """Claim results of the same case at step ``eta/2`` over the same horizon (sweeps are
    not rerun: their points are reused)."""
    hp = stepcheck.half_step_params(case.params)
    traj, *_ = _trajectory(thm, case, data, base["model"], base["loss"], None, hp)
    series = _series(thm, traj, _measure_checkpoint(thm, base), _measure_steps(thm, base), digits, {})
    series |= sweeps
    half_ctx = Context(hp, ctx.targets, data, _onsets(traj, base["loss"], data.n))
    return {r.claim: r for r in _judge(thm, series, half_ctx)}


def run_case(thm: Theorem, case: Case, data: Dataset | None = None, stress: bool = False,
             progress: Callable[[int, int], None] | None = None,
             sweep_dir: Path | None = None) -> dict[str, Any]:
    """Run ``case`` of ``thm`` and return its JSON-ready result (see results.json schema);
    sweep runs are read from ``sweep_dir`` where :mod:`verify.engine.sweepjobs` cached them."""
    if case.params.get("backend") == autobackend.AUTO:
        return autobackend.run_auto(thm, case, run_case, data=data, stress=stress, progress=progress,
                                    sweep_dir=sweep_dir)
    t0 = time.perf_counter()
    p = case.params
    data = data if data is not None else thm.generate(p, _rngs(case.seed)[0])
    model, loss = thm.model(p), thm.loss(p)
    audit = asm.audit(thm.assumptions, data, p)
    run = stress or all(a.status is asm.Status.HOLDS for a in audit)
    targets = {name: build(data, p) for name, build in thm.targets.items()}
    base = {"model": model, "loss": loss, "data": data, "targets": targets, "case": p}
    series: dict[str, Series] = {}
    prec_dict, traj_info, onsets, sweep_prov = None, {}, {}, {}
    why_not = "not run"
    if run:
        try:
            traj, params0, rule, be = _trajectory(thm, case, data, model, loss, progress)
        except Uncertified as exc:  # a certified run that cannot decide a sign or keep precision
            run, why_not = False, f"certified trajectory undecided: {exc}"
    if run:
        ck, st = _measure_checkpoint(thm, base), _measure_steps(thm, base)
        prec = precision_audit(model, loss, data.X, data.y, params0, rule, traj, be, p["dps"],
                               p["audit_steps"], ck, st)
        series = _series(thm, traj, ck, st, prec.digits, base.get("notes", {}))
        prec_dict = prec.to_dict(traj.scalars["log_t"])
        onsets = _onsets(traj, loss, data.n)
        traj_info = {"steps": traj.steps, "final_log_t": float(traj.scalars["log_t"][-1]),
                     "final_log_loss": float(traj.scalars["log_loss"][-1]), "stopped": traj.stopped}
    if run:
        for c in thm.claims:
            if getattr(c, "sweep", None) is not None:
                series |= sweep_series(thm, case, c, sweep_dir, sweep_prov)
    ctx = Context(p, targets, data, onsets)
    results = _judge(thm, series, ctx) if run else [
        ClaimResult(c.name, c.kind, Outcome.UNDECIDED, why_not) for c in thm.claims]
    if run and p["step_check"]:
        half = _half_step(thm, case, data, base, ctx, prec.digits,
                          {k: v for k, v in series.items() if k.startswith("sweep:")})
        results = [stepcheck.compare(r, half.get(r.claim)) for r in results]
    results = [apply_policy(thm, r, audit, stress, targets) for r in results]
    results = [replace(r, evidence=dict(r.evidence or {}) | {"sweep_runs": sweep_prov[r.claim]})
               if r.claim in sweep_prov else r for r in results]
    return _case_dict(thm, case, data, audit, targets, series, prec_dict, traj_info, results,
                      stress, time.perf_counter() - t0, be_name=p["backend"], dps=p["dps"])


def _thin(s: Series) -> dict[str, Any]:
    idx = np.arange(len(s.values))
    if len(idx) > MAX_STORED:
        idx = np.unique(np.round(np.geomspace(1, len(idx), MAX_STORED)).astype(int) - 1)
    return {"log_t": s.log_t[idx].tolist(), "values": s.values[idx].tolist()}


def _case_dict(thm, case, data, audit, targets, series, prec, traj_info, results, stress, wall,
               be_name: str, dps: int) -> dict[str, Any]:
    precision = make_backend(be_name, dps).precision
    solver = ";".join(f"{n}:{t.status}" for n, t in targets.items())
    rows = []
    for r in results:
        claim = thm.claim(r.claim)
        s = series.get(claim.quantity)
        rows.append({"theorem": thm.id, "case": case.label, **r.to_row(), "quantity": claim.quantity,
                     "show": list(claim.show), "statement": claim.statement, "reading": claim.reading, "seed": case.seed,
                     "backend": be_name, "digits": None if s is None else s.digits,
                     "solver_status": solver, "config_hash": case.config_hash(data.fingerprint()),
                     "expected_label": {k: label_of(v) for k, v in claim.expected_specs().items()}})
    return {
        "theorem": thm.id, "case": case.label, "title": thm.title, "citation": str(thm.citation),
        "statement": thm.statement, "formalization": thm.formalization, "params": dict(case.params),
        "seed": case.seed, "config_hash": case.config_hash(data.fingerprint()), "profile": case.profile,
        "data": {"source": data.source, "n": data.n, "d": data.d, "fingerprint": data.fingerprint()},
        "backend": be_name, "precision": precision, "wall_time_s": wall, "stress": stress,
        "assumptions": [a.to_dict() for a in audit], "audit": prec,
        "targets": [t.provenance() for t in targets.values()],
        "series": {n: {"label": thm.quantities[n].label, "per_step": thm.quantities[n].per_step, **_thin(s)}
                   for n, s in series.items() if n in thm.quantities},
        "trajectory": traj_info, "rows": rows,
    }
