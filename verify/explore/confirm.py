"""Confirming a stress-sweep counterexample at a longer horizon.

A Limit claim judged on a short run can FAIL because the run has not reached the regime
where the theorem's rate describes it (e.g. ``soudry2018-linear`` at 2000 steps: the margin
deviation crosses 0 and keeps falling for a while before it turns back).  A counterexample
is a strong statement, so before :func:`verify.cli.stress.command` reports one it reruns every
case in the proven region with a FAIL at ``HORIZON_FACTOR`` times its steps, through the
same executor and cache as the sweep.  A FAIL that persists stays a counterexample; one that
does not is reported as pre-asymptotic, with both verdicts (see
:func:`verify.explore.analysis.summarize`).  Nothing is dropped: the first run's rows stay in
results.json, the reruns go into ``stress.confirmations``.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Mapping, Sequence

from verify.spec.cases import Case
from verify.explore.analysis import Summary
from verify.engine.runner import Executor, Job, Progress, run_jobs

#: Steps of the confirmation rerun, as a multiple of the case's.
HORIZON_FACTOR = 4


def longer(case: Case, factor: int = HORIZON_FACTOR) -> Case:
    """``case`` with ``factor`` times its steps (and ``steps`` shown in its label)."""
    params = dict(case.params) | {"steps": int(case.params["steps"]) * factor}
    return dataclasses.replace(case, params=params, shown=tuple(sorted({*case.shown, "steps"})))


def confirm(cases: Sequence[Case], summary: Summary, out: Path, executor: Executor,
            progress: Progress | None = None, work: Any = None,
            factor: int = HORIZON_FACTOR) -> dict[str, dict[str, Any]]:
    """Rerun every counterexample of ``summary`` at ``factor`` times its steps.

    Parameters
    ----------
    cases
        The sweep's cases (matched to the counterexamples by label).
    summary
        The sweep's summary without confirmations.
    out, executor, progress, work
        As for :func:`verify.engine.runner.run_jobs` (the reruns are cached like sweep cells, so
        an interrupted confirmation resumes).

    Returns
    -------
    dict
        ``{label: {"steps", "factor", "case", "outcomes", "reasons"}}`` per rerun case.
    """
    by_label = {c.label: c for c in cases}
    todo = [by_label[cx.case] for cx in summary.counterexamples if cx.case in by_label]
    if not todo:
        return {}
    jobs = [Job(longer(c, factor), stress=True) for c in todo]
    kw: dict[str, Any] = {"work": work} if work is not None else {}
    results = run_jobs(jobs, Path(out), progress=progress, executor=executor, **kw)
    return {c.label: _record(job, res, factor) for c, job, res in zip(todo, jobs, results)}


def _record(job: Job, res: Mapping[str, Any], factor: int) -> dict[str, Any]:
    rows = res.get("rows") or []
    return {"steps": int(job.case.params["steps"]), "factor": factor, "case": job.case.label,
            "outcomes": {r["claim"]: r["outcome"] for r in rows},
            "reasons": {r["claim"]: r.get("reason", "") for r in rows}}
