"""``verify hunt``: options and terminal output of the counterexample search (:mod:`verify.explore.hunt`)."""
from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path
from typing import Sequence

from verify.cli import outdir
from verify.cli.progress import Bar
from verify.explore.hunt import check_arguments, digest, hunt, save
from verify.spec import registry


def add_arguments(ap: argparse.ArgumentParser) -> None:
    """The ``verify hunt`` options."""
    ap.add_argument("theorem", metavar="THEOREM")
    ap.add_argument("--budget", type=int, default=20,
                    help="candidate cases to run (rejected ones excluded)")
    ap.add_argument("--shrink", type=int, default=20, help="further runs allowed to shrink a failure")
    ap.add_argument("--drop", action="append", default=[], metavar="ASSUMPTION",
                    help="an assumption candidates need not satisfy (repeatable)")
    ap.add_argument("--perturb", action=argparse.BooleanOptionalAction, default=None,
                    help="also drop points / jitter the generated data (default: with --drop)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the search")
    ap.add_argument("--profile", default="quick", help="base profile (default quick)")
    ap.add_argument("--out", default="reports/hunt", type=Path, help="output directory")


def command(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """``verify hunt``: search, save findings, print them; exit 1 when a failure was found.

    The output directory, then the arguments, are checked before the search starts. An
    interrupt (Ctrl-C) ends the search early: what was found is saved, exit code 130.
    """
    out = outdir.prepare(args.out)  # before anything is read or run
    outdir.cache_kernels(out)
    thm = registry.get(args.theorem)
    check_arguments(thm, args.budget, args.drop, args.seed, args.profile, args.shrink)
    cmd = "verify " + shlex.join(argv)
    with outdir.lock(out, cmd):
        outdir.claim(out, outdir.Scope("hunt", (thm.id,), "hunt"))
        bar = Bar(args.budget + args.shrink, f"hunt {thm.id}")
        t0 = time.perf_counter()
        result = hunt(thm, args.budget, args.drop, args.seed, args.profile, args.shrink,
                      perturb_data=args.perturb, progress=lambda note, done: bar.update(done, note))
        bar.close()
        commands = save(result, out, argv, time.perf_counter() - t0)
    for t, cmd in zip(result.findings, commands):
        claims = ", ".join(f"{c} {t.outcomes[c]}" for c in t.found)
        print(f"FOUND: {t.label}: {claims}\n  reproduce: {cmd}", file=sys.stderr)
    print(digest(result) + f"  -> {args.out}/hunt.json")
    return 130 if result.interrupted else 1 if result.findings else 0
