"""``verify export DIR`` (a LaTeX table and a CSV of the verdicts) and ``verify diff A B``.

Both read results alone (:mod:`verify.report.export`, :mod:`verify.report.diff`); bad
input (not a report, a malformed results.json, a target that cannot be written) is a
:class:`~verify.errors.UserError`, exit 2.  ``verify diff`` exits 0 when no verdict
changed and no row is in only one run, 1 otherwise.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from verify.errors import UserError
from verify.report.diff import compare
from verify.report.export import load_results, write_export

#: Default file names in DIR, per format.
NAMES = {"latex": "verdicts.tex", "csv": "verdicts.csv"}


def add_export_arguments(ap: argparse.ArgumentParser) -> None:
    """The arguments of ``verify export``."""
    ap.add_argument("dir", type=Path, metavar="DIR",
                    help="report directory (or results.json) of `verify run`")
    ap.add_argument("--latex", action="store_true",
                    help=f"booktabs table of verdicts (theorem, claim, verdict, resolution): "
                    f"DIR/{NAMES['latex']}")
    ap.add_argument("--csv", action="store_true",
                    help=f"the rows, evidence as a JSON column: DIR/{NAMES['csv']}")
    ap.add_argument("--out", type=Path, metavar="FILE",
                    help="write to FILE instead (with exactly one of --latex, --csv)")


def add_diff_arguments(ap: argparse.ArgumentParser) -> None:
    """The arguments of ``verify diff``."""
    ap.add_argument("a", type=Path, metavar="A",
                    help="earlier run: report directory or results.json")
    ap.add_argument("b", type=Path, metavar="B", help="later run: report directory or results.json")


def _targets(args: argparse.Namespace) -> list[tuple[str, Path]]:
    kinds = [k for k in ("latex", "csv") if getattr(args, k)] or ["latex", "csv"]
    if args.out is not None:
        if len(kinds) != 1:
            raise UserError("--out names one file: pass exactly one of --latex or --csv with it")
        return [(kinds[0], args.out)]
    home = args.dir if args.dir.is_dir() else args.dir.parent
    return [(k, home / NAMES[k]) for k in kinds]


def cmd_export(args: argparse.Namespace) -> int:
    """Write the requested exports (both when neither flag is given); exit code 0."""
    results = load_results(args.dir)
    for path in write_export(results, _targets(args)):
        print(f"wrote {path}")
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    """Print the changed verdicts; 1 when something changed, else 0."""
    result = compare(load_results(args.a), load_results(args.b))
    for line in result.lines():
        print(line)
    return 1 if result.changed else 0
