"""Command line: ``verify list | run | report | stress | hunt | export | diff``.

Exit codes:

* 0: nothing failed;
* 1: a claim FAILed (including an unexpected pass of an expected failure) or, with
  ``--strict``, was UNDECIDED; ``verify diff``: a verdict changed or a row is in one run only;
* 2: bad input, as one line ``verify: error: <the value and the fix>`` on stderr and never a
  traceback: an unknown theorem or flag, a malformed case, data or results file, an output
  directory that cannot be written or is in use by another run, a closed output pipe;
* 3: an internal error (a bug in verify): one line naming the exception and the log file
  holding its traceback (``OUT/verify-error.log``, else one in the system temp directory);
* 130: interrupted (Ctrl-C); finished cases are kept.

:func:`main` is the one error boundary: every command runs inside it.
"""
from __future__ import annotations

import argparse
import os
import select
import shlex
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any, Sequence

# ruff: noqa: E402  (BLAS threads are fixed before numpy loads, below)
from verify.engine.blas import single_threaded

single_threaded()  # before numpy loads: results independent of --jobs (see verify.engine.blas)

from verify.spec import registry
from verify.spec.cases import PROFILES
from verify.problem.data import load_npz
from verify.errors import UserError, one_line
from verify.cli.args import Parser, Version, add_set, add_workers, executor, usable_cores
from verify.cli.progress import RunProgress
from verify.engine.results import assemble, load, merge, provenance, write
from verify.engine.case import sized
from verify.engine.fingerprint import Reuse
from verify.engine.runner import Job, run_jobs
from verify.cli import hunt, outdir, stress
from verify.cli import export
from verify.cli import listing, new, overrides, reasons
from verify.cli.version import version_text
from verify.io import atomic_write_text
from verify.report import render
from verify.spec.assign import parse_sets

#: What rendering a results.json that passed :func:`verify.engine.results.load` but holds
#: values of unexpected form raises (``verify report`` turns these into exit 2).
RENDER_ERRORS = (TypeError, AttributeError, KeyError, ValueError, IndexError, ArithmeticError,
                 RecursionError)


def _parser() -> argparse.ArgumentParser:
    ap = Parser(prog="verify", description=__doc__.splitlines()[0])
    ap.add_argument("--version", action=Version, text=version_text)
    sub = ap.add_subparsers(dest="command", required=True)
    lst = sub.add_parser("list", help="theorems with their assumptions and claims; with ids, "
                         "those theorems in full")
    lst.add_argument("ids", nargs="*", metavar="THEOREM")
    run = sub.add_parser("run", help="verify theorems and write results + report")
    run.add_argument("theorems", nargs="*", metavar="THEOREM")
    run.add_argument("--all", action="store_true", help="every registered theorem")
    run.add_argument("--profile", default="default", help=f"case profile ({', '.join(PROFILES)})")
    run.add_argument("--out", default="reports/latest", type=Path, help="output directory")
    run.add_argument("--backend", help="trajectory arithmetic: float64, f64dd, dd, arb, mpmath, or auto "
                     "(the fastest whose audited digits every claim can decide on)")
    run.add_argument("--dps", type=int, help="mpmath digits (backend and audit)")
    run.add_argument("--seed", type=int, help="override every case's seed")
    add_set(run)
    add_workers(run)
    run.add_argument("--strict", action="store_true", help="exit 1 on UNDECIDED too")
    run.add_argument("--data", type=Path, help=".npz with X and y instead of the generator")
    run.add_argument("--stress", action="store_true", help="evaluate claims even if assumptions fail")
    run.add_argument("--fresh", action="store_true", help="ignore cached finished cases in OUT and "
                     "replace the report there, whatever command made it")
    run.add_argument("--append", action="store_true", help="merge these rows into the report in OUT "
                     "made by another command (other theorems or profile)")
    rep = sub.add_parser("report", help="re-render a results directory without recomputing")
    rep.add_argument("dir", type=Path)
    stress.add_arguments(sub.add_parser("stress", help="sweep a grid of cases, evaluate every claim, "
                                        "draw phase diagrams against the assumptions"))
    hunt.add_arguments(sub.add_parser("hunt", help="search (hypothesis) for cases that make a claim fail"))
    export.add_export_arguments(sub.add_parser("export", help="LaTeX table / CSV of a report's "
                                               "verdicts"))
    new.add_arguments(sub.add_parser("new", help="write a theorem package to edit (module, case "
                                     "file, pyproject) that runs as written"))
    export.add_diff_arguments(sub.add_parser("diff", help="verdicts that changed between two runs "
                                             "(exit 1 if any)"))
    return ap


def cmd_list(ids: Sequence[str] = ()) -> int:
    """Print every theorem, its assumptions and claims; or the theorems ``ids`` in full."""
    thms = [registry.get(i) for i in ids]  # an unknown id fails before anything is printed
    for k, thm in enumerate(thms):
        print("\n".join((["", ""] if k else []) + list(listing.full(thm))))
    for thm in registry.theorems().values() if not ids else ():
        print("\n".join(listing.brief(thm)))
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
    ids = list(registry.theorems()) if args.all else args.theorems
    thms = [registry.get(i) for i in ids]
    data = load_npz(args.data) if args.data else None
    jobs = []
    sets = parse_sets(args.set)
    checked = [overrides.checked(thm, sets, len(thms) > 1) for thm in thms]  # all before any runs
    for thm, values in zip(thms, checked):
        if data is not None:
            thm.check_data(data)  # before anything runs: data the theorem speaks about
        for case in overrides.cases(thm, args.profile, _overrides(args), values):
            jobs.append(Job(case if data is None else sized(thm, case, data), args.stress, data))
    return jobs


def publish(doc: dict[str, Any], out: Path, jobs: int | None = None) -> None:
    """Render the report of ``doc`` into ``out`` (and the stress pages when it is a sweep),
    its plots drawn by ``jobs`` processes (default: every usable core); plots the report no
    longer references are removed."""
    keep = {p.name for p in render(doc, out, min(jobs or usable_cores(), usable_cores()))}
    if "stress" in doc:
        keep |= set(stress.render(doc, out)[2])
    outdir.prune_plots(out, keep)


def cmd_run(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Run, write results.json and the report; return the exit code."""
    out = outdir.prepare(args.out)  # before anything is read or run
    outdir.cache_kernels(out)
    submit, workers = executor(args.jobs, args.scheduler)
    jobs = _jobs(args)
    command = "verify " + shlex.join(argv)
    scope = outdir.Scope("run", tuple(sorted({j.case.theorem for j in jobs})), args.profile)
    with outdir.lock(out, command):
        previous = outdir.claim(out, scope, args.fresh, args.append)
        t0 = time.perf_counter()
        bar, reuse = RunProgress(), Reuse()  # runs done / total and the ETA, on a terminal
        cases = run_jobs(jobs, out, workers, bar.cases, not args.fresh, executor=submit,
                         sweep_progress=bar.sweeps, reuse=reuse, plan=bar.plan)
        bar.close()
        prov = provenance(command, args.profile, workers, time.perf_counter() - t0)
        prov["reused"] = reuse.to_json()
        if reuse.cases or reuse.sweep_runs:
            print(reuse)
        doc = assemble(cases, prov)
        report = merge(previous, doc) if previous is not None else doc
        write(report, out)
        publish(report, out, workers)
    return _summarize(doc, args.strict, out)


def _summarize(doc: dict[str, Any], strict: bool, out: Path) -> int:
    counts: dict[str, int] = {}
    for row in doc["rows"]:  # a diagnostic is shown, not counted as a verdict
        key = "DIAGNOSTIC" if row.get("diagnostic") else row["outcome"]
        counts[key] = counts.get(key, 0) + 1
    for line in reasons.reason_lines(doc["rows"], see=f"{out}/summary.md"):
        print(line, file=sys.stderr)
    print(" ".join(f"{k}={v}" for k, v in sorted(counts.items())) + f"  -> {out}/index.html")
    if counts.get("FAIL") or (strict and counts.get("UNDECIDED")):
        return 1
    return 0


def cmd_report(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Re-render a results directory from its results.json alone."""
    doc = load(args.dir)
    out = outdir.prepare(args.dir, "report directory")
    with outdir.lock(out, "verify " + shlex.join(argv)):
        try:
            publish(doc, out)
        except RENDER_ERRORS as exc:
            raise UserError(f"{out / 'results.json'}: a value cannot be rendered ({type(exc).__name__}: "
                            f"{one_line(str(exc), 200)}); the file is damaged or was not written by this "
                            "verify: re-run the command that made it") from None
    print(f"rendered {args.dir}/index.html and {args.dir}/summary.md")
    return 0


def _dispatch(args: argparse.Namespace, argv: Sequence[str]) -> int:
    if args.command == "list":
        return cmd_list(args.ids)
    if args.command == "run":
        return cmd_run(args, argv)
    if args.command in ("stress", "hunt"):
        return {"stress": stress, "hunt": hunt}[args.command].command(args, argv)
    if args.command == "new":
        return new.command(args)
    if args.command in ("export", "diff"):
        return export.cmd_export(args) if args.command == "export" else export.cmd_diff(args)
    return cmd_report(args, argv)


def _say(line: str) -> None:
    """Print one line on stderr (nothing if stderr is gone too)."""
    try:
        print(one_line(line, 2000), file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def _error(message: str) -> int:
    _say(f"verify: error: {message}")
    return 2


def _os_error(exc: OSError) -> str:
    """An OS error on an input file or the output directory, as the value and the fix."""
    where = exc.filename if exc.filename is not None else "a file or directory"
    return (f"{where}: {exc.strerror or exc}; check that the path exists and that you may read it "
            "(inputs) or write it (--out), or choose another path")


def _stdout_closed() -> bool:
    """Whether stdout is a pipe whose reader has gone; if so, stdout is pointed at /dev/null
    (so the interpreter's last flush does not fail again)."""
    try:
        fd = sys.stdout.fileno()
        poll = select.poll()
        poll.register(fd, select.POLLOUT)
        closed = any(ev & (select.POLLERR | select.POLLHUP) for _, ev in poll.poll(0))
    except (OSError, ValueError, AttributeError):
        return False
    if closed:
        os.dup2(os.open(os.devnull, os.O_WRONLY), fd)
    return closed


def _log(text: str, out: Path | None) -> Path | None:
    """Write ``text`` to ``out/verify-error.log``, else to a new file in the temp directory."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    places = [out / "verify-error.log"] if out is not None and out.is_dir() else []
    places.append(Path(tempfile.gettempdir()) / f"verify-error-{stamp}-{os.getpid()}.log")
    for path in places:
        try:
            return atomic_write_text(path, text)
        except OSError:
            continue
    return None


def _internal(exc: BaseException, out: Path | None) -> int:
    """A bug: one line with the exception and the log holding its traceback; exit code 3."""
    log = _log("".join(traceback.format_exception(exc)), out)
    where = f"the traceback is in {log}" if log else "no log file could be written"
    _say(f"verify: internal error: {type(exc).__name__}: {one_line(str(exc), 200)}; this is a bug in "
         f"verify, not in your input: please report it ({where})")
    return 3


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``verify`` console script: the one error boundary (exit codes above)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    out: Path | None = None
    try:
        try:
            args = _parser().parse_args(argv)
        except SystemExit as exc:  # --help
            return exc.code if isinstance(exc.code, int) else 0
        out = getattr(args, "out", None) or getattr(args, "dir", None)
        code = _dispatch(args, argv)
        sys.stdout.flush()
        return code
    except UserError as exc:
        return _error(str(exc))
    except KeyboardInterrupt:
        _say("verify: interrupted; finished cases are kept, rerun the same command to resume")
        return 130
    except BrokenPipeError as exc:
        if _stdout_closed():
            return _error("stdout was closed before verify finished writing (a reader such as `head` "
                          "exited); redirect the output to a file or a pager to read all of it")
        return _error(_os_error(exc))
    except MemoryError:
        return _error("out of memory; reduce n, d, m, steps or checkpoints, or run fewer --jobs")
    except UnicodeError as exc:
        return _error(f"an input is not valid UTF-8 text ({one_line(str(exc), 200)}); save it as UTF-8")
    except OSError as exc:
        return _error(_os_error(exc))
    except Exception as exc:  # a bug: exit 3 with the traceback in a log, never on the terminal
        return _internal(exc, out)


if __name__ == "__main__":
    sys.exit(main())
