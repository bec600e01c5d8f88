"""Command line: ``verify list | run | report | stress | hunt``.

Exit codes: 0 nothing failed; 1 a claim FAILed (including an unexpected pass of an
expected failure) or, with ``--strict``, was UNDECIDED; 2 bad input (one-line error).
"""
from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path
from typing import Any, Sequence

# ruff: noqa: E402  (BLAS threads are fixed before numpy loads, below)
from verify.engine.blas import single_threaded

single_threaded()  # before numpy loads: results independent of --jobs (see verify.engine.blas)

from verify.spec import registry
from verify.spec.cases import PROFILES, profile_cases
from verify.problem.data import load_npz
from verify.errors import UserError
from verify.cli.progress import Bar
from verify.engine.results import assemble, load, provenance, write
from verify.engine.runner import Job, run_jobs
from verify.engine.sweepjobs import count
from verify.cli import hunt, stress
from verify.report import render


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="verify", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="theorems with their assumptions and claims")
    run = sub.add_parser("run", help="verify theorems and write results + report")
    run.add_argument("theorems", nargs="*", metavar="THEOREM")
    run.add_argument("--all", action="store_true", help="every registered theorem")
    run.add_argument("--profile", default="default", help=f"case profile ({', '.join(PROFILES)})")
    run.add_argument("--out", default="reports/latest", type=Path, help="output directory")
    run.add_argument("--backend", help="trajectory arithmetic: float64, f64dd, dd, arb, mpmath, or auto "
                     "(the fastest whose audited digits every claim can decide on)")
    run.add_argument("--dps", type=int, help="mpmath digits (backend and audit)")
    run.add_argument("--seed", type=int, help="override every case's seed")
    run.add_argument("--jobs", type=int, default=1, help="parallel worker processes")
    run.add_argument("--strict", action="store_true", help="exit 1 on UNDECIDED too")
    run.add_argument("--data", type=Path, help=".npz with X and y instead of the generator")
    run.add_argument("--stress", action="store_true", help="evaluate claims even if assumptions fail")
    run.add_argument("--fresh", action="store_true", help="ignore cached finished cases in OUT")
    rep = sub.add_parser("report", help="re-render a results directory without recomputing")
    rep.add_argument("dir", type=Path)
    stress.add_arguments(sub.add_parser("stress", help="sweep a grid of cases, evaluate every claim, "
                                        "draw phase diagrams against the assumptions"))
    hunt.add_arguments(sub.add_parser("hunt", help="search (hypothesis) for cases that make a claim fail"))
    return ap


def cmd_list() -> int:
    """Print every theorem, its assumptions and claims."""
    for thm in registry.theorems().values():
        print(f"{thm.id}: {thm.title}\n  {thm.citation}")
        for a in thm.assumptions:
            print(f"  assumption {a.name}: {a.latex}{' (our reading)' if a.reading else ''}")
        for c in thm.claims:
            xf = " [expected failure]" if c.name in thm.expected_failures else ""
            print(f"  claim {c.name} ({c.kind}): {c.statement}{xf}")
    return 0


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    out = {}
    for key in ("backend", "dps", "seed"):
        if getattr(args, key) is not None:
            out[key] = getattr(args, key)
    return out


def _jobs(args: argparse.Namespace) -> list[Job]:
    if args.all == bool(args.theorems):
        raise UserError("name theorems to run, or pass --all (not both); see `verify list`")
    if args.jobs < 1:
        raise UserError(f"--jobs {args.jobs} must be >= 1")
    ids = list(registry.theorems()) if args.all else args.theorems
    thms = [registry.get(i) for i in ids]
    data = load_npz(args.data) if args.data else None
    jobs = []
    for thm in thms:
        for case in profile_cases(thm, args.profile, _overrides(args)):
            jobs.append(Job(case, args.stress, data))
    return jobs


def _sweep_bar(jobs: list[Job]):
    """Progress of the sweep runs (made on first use: counting them validates every run)."""
    state: dict[str, Bar] = {}

    def update(note: str, done: float) -> None:
        if "bar" not in state:
            state["bar"] = Bar(count([j.case for j in jobs]), "sweep runs")
        state["bar"].update(done, note)
        if done >= state["bar"].total:
            state["bar"].close()

    return update


def cmd_run(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Run, write results.json and the report; return the exit code."""
    jobs = _jobs(args)
    t0 = time.perf_counter()
    bar = Bar(len(jobs), "verify")
    sweeps = _sweep_bar(jobs)
    cases = run_jobs(jobs, args.out, args.jobs, lambda note, done: bar.update(done, note), not args.fresh,
                     sweep_progress=sweeps)
    bar.close()
    prov = provenance("verify " + shlex.join(argv), args.profile, args.jobs, time.perf_counter() - t0)
    doc = assemble(cases, prov)
    write(doc, args.out)
    render(doc, args.out)
    return _summarize(doc, args.strict, args.out)


def _summarize(doc: dict[str, Any], strict: bool, out: Path) -> int:
    counts: dict[str, int] = {}
    for row in doc["rows"]:
        counts[row["outcome"]] = counts.get(row["outcome"], 0) + 1
        if row["outcome"] in ("FAIL", "UNDECIDED"):
            print(f"{row['outcome']}: {row['case']} {row['claim']}: {row['reason']}", file=sys.stderr)
    print(" ".join(f"{k}={v}" for k, v in sorted(counts.items())) + f"  -> {out}/index.html")
    if counts.get("FAIL") or (strict and counts.get("UNDECIDED")):
        return 1
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Re-render a results directory from its results.json alone."""
    doc = load(args.dir)
    render(doc, args.dir)
    if "stress" in doc:
        stress.render(doc, args.dir)
    print(f"rendered {args.dir}/index.html and {args.dir}/summary.md")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``verify`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parser().parse_args(argv)
        if args.command == "list":
            return cmd_list()
        if args.command == "run":
            return cmd_run(args, argv)
        if args.command in ("stress", "hunt"):
                    return {"stress": stress, "hunt": hunt}[args.command].command(args, argv)
        return cmd_report(args)
    except UserError as exc:
        print(f"verify: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("verify: interrupted; finished cases are kept, rerun the same command to resume",
              file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
