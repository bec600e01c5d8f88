"""``verify stress``: options, progress, and the pages a stress sweep writes.

The sweep itself is :mod:`verify.explore.stress`; the counterexample analysis
:mod:`verify.explore.analysis`; the pages :mod:`verify.report.phase` and
:mod:`verify.report.stressmd`.
"""
from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path
from typing import Any, Sequence

from verify.cli import outdir, overrides, reasons
from verify.cli.args import add_set, add_workers, executor
from verify.cli.progress import Bar
from verify.engine.results import provenance, write
from verify.engine.runner import Progress
from verify.explore.analysis import Summary, summarize
from verify.explore.confirm import confirm
from verify.explore.stress import (base_profile, choose_axes, document, grid, parse_vary, run_sweep,
                                   stress_work, sweep, write_counterexamples)
from verify.io import atomic_write_bytes, atomic_write_text
from verify.report import phase, stressmd
from verify.spec import registry
from verify.spec.assign import parse_sets


def render(doc: dict[str, Any], out: Path, axes: tuple[str, str | None] | None = None
           ) -> tuple[Summary, dict[str, str], list[str]]:
    """Write the phase diagrams, the counterexample case files and stress.md from ``doc``.

    Returns the summary, the command reproducing each counterexample, and the file names
    of the phase diagrams (in ``out/plots``).
    """
    out = Path(out)
    summary = summarize(doc)
    images = {}
    for claim, (name, png) in phase.phase_plots(doc, axes).items():
        atomic_write_bytes(out / "plots" / name, png)
        images[claim] = f"plots/{name}"
    commands = write_counterexamples(summary, out)
    atomic_write_text(out / "stress.md", stressmd.stress_markdown(summary, images, commands))
    return summary, commands, [Path(p).name for p in images.values()]


def add_arguments(ap: argparse.ArgumentParser) -> None:
    """The ``verify stress`` options."""
    ap.add_argument("theorem", metavar="THEOREM")
    ap.add_argument("--grid", help="a [grids.NAME] table of the case file (default: 'default' "
                    "unless --vary is given)")
    ap.add_argument("--vary", action="append", default=[], metavar="PARAM=V1,V2,...",
                    help="vary a parameter (repeatable; one value: a fixed override)")
    add_set(ap)
    ap.add_argument("--seeds", type=int, default=1, help="seeds per cell")
    ap.add_argument("--profile",
                    help="base profile (default: 'stress' if the case file has it, else 'quick')")
    ap.add_argument("--axes", help="the two parameters of the phase diagrams, x,y")
    ap.add_argument("--out", default="reports/stress", type=Path, help="output directory")
    add_workers(ap)
    ap.add_argument("--fresh", action="store_true", help="ignore cached finished cases in OUT and "
                    "replace the report there, whatever command made it")


def _bar(total: int) -> Progress:
    """Cases done / total and an ETA over the cases still to run (cached ones excluded)."""
    state: dict[str, Any] = {}

    def update(note: str, done: float) -> None:
        if "bar" not in state:
            state["offset"] = done
            state["bar"] = Bar(max(total - int(done), 1), f"stress {int(done)}/{total} cached")
        bar = state["bar"]
        bar.update(done - state["offset"], f"{int(done)}/{total} {note}")
        if done >= total:
            bar.close()

    return update


def command(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """``verify stress``: run the sweep, write results, phase diagrams, stress.md; exit code."""
    out = outdir.prepare(args.out)  # before anything is read or run
    outdir.cache_kernels(out)
    thm = registry.get(args.theorem)
    submit, workers = executor(args.jobs, args.scheduler)
    spec = grid(thm, args.grid or "default") if args.grid or not args.vary else {}
    spec.update(parse_vary(thm, args.vary))
    spec.update(overrides.fixed(thm, parse_sets(args.set), spec))
    profile = args.profile or base_profile(thm)
    sw = sweep(thm, profile, spec, args.seeds)
    axes = choose_axes(sw.varied, args.axes)
    cmd = "verify " + shlex.join(argv)
    with outdir.lock(out, cmd):
        outdir.claim(out, outdir.Scope("stress", (thm.id,), profile), fresh=args.fresh)
        t0 = time.perf_counter()
        results = run_sweep(sw, out, submit, _bar(len(sw.cases)), not args.fresh)
        prov = provenance(cmd, profile, workers, time.perf_counter() - t0)
        doc = document(sw, results, prov, axes)
        first = summarize(doc)
        if first.counterexamples:  # a FAIL in the proven region must persist at a longer horizon
            doc["stress"]["confirmations"] = confirm(sw.cases, first, out, submit,
                                                     _bar(len(first.counterexamples)), stress_work)
        write(doc, out)
        summary, commands, plots = render(doc, out, axes)
        outdir.prune_plots(out, plots, pattern="phase-*.png")
    for cx in summary.counterexamples:
        for claim, reason in cx.failures:
            print(f"COUNTEREXAMPLE: {cx.case} {claim} FAILed with every assumption holding: {reason}",
                  file=sys.stderr)
        print(f"  reproduce: {commands[cx.name]}", file=sys.stderr)
    for line in reasons.reason_lines(doc["rows"], see=f"{args.out}/results.json"):
        print(line, file=sys.stderr)
    print(stressmd.digest(summary) + f"  -> {args.out}/stress.md")
    return 1 if summary.counterexamples else 0
