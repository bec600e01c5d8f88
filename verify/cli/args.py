"""Command-line arguments: a parser whose every error is one line, and checks of flag values.

:class:`Parser` turns argparse's usage-and-exit into a :class:`~verify.errors.UserError`, so
a bad flag reads like every other bad input (``verify: error: ...``, exit 2) rather than a
usage block.
"""
from __future__ import annotations

import argparse
import os
from typing import Callable, NoReturn

from verify.engine.cluster import dask_executor
from verify.engine.runner import Executor, pool_executor
from verify.errors import UserError


class Parser(argparse.ArgumentParser):
    """An :class:`argparse.ArgumentParser` (and its sub-parsers) raising UserError on bad input.

    Examples
    --------
    >>> ap = Parser(prog="verify run")
    >>> _ = ap.add_argument("--jobs", type=int)
    >>> ap.parse_args(["--jobs", "two"])
    Traceback (most recent call last):
    ...
    verify.errors.UserError: argument --jobs: invalid int value: 'two'; see `verify run --help`
    """

    def error(self, message: str) -> NoReturn:
        raise UserError(f"{message}; see `{self.prog} --help`")


def usable_cores() -> int:
    """Cores this process may run on: its CPU affinity (``os.sched_getaffinity``) where the
    system reports one, else ``os.cpu_count()``; the default of ``--jobs``.

    Examples
    --------
    >>> 1 <= usable_cores() <= (os.cpu_count() or 1)
    True
    """
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except (AttributeError, OSError):  # no affinity on this system (macOS, Windows)
        return os.cpu_count() or 1


def jobs_or_default(jobs: int | None, local: bool = True) -> int:
    """``--jobs`` as given (:func:`check_jobs`), or :func:`usable_cores` when not given.

    Examples
    --------
    >>> jobs_or_default(1), jobs_or_default(None) == usable_cores()
    (1, True)
    """
    return usable_cores() if jobs is None else check_jobs(jobs, local)


def max_jobs() -> int:
    """Most local worker processes a command may start: 4 per core."""
    return 4 * (os.cpu_count() or 1)


def check_jobs(jobs: int, local: bool = True) -> int:
    """``--jobs``: at least 1 and, for local workers, at most :func:`max_jobs`.

    Examples
    --------
    >>> check_jobs(1)
    1
    """
    most = max_jobs() if local else None
    if jobs < 1 or (most is not None and jobs > most):
        bound = f"between 1 and {most} (4 per core)" if most is not None else ">= 1"
        raise UserError(f"--jobs {jobs} must be {bound}")
    return jobs


def add_workers(ap: argparse.ArgumentParser) -> None:
    """``--jobs N`` (default: every usable core) and ``--scheduler ADDRESS`` (Dask)."""
    ap.add_argument("--jobs", type=int, help="local worker processes (default: the usable cores, "
                    f"here {usable_cores()}; 1 runs everything in this process)")
    ap.add_argument("--scheduler", metavar="ADDRESS", help="run on the Dask scheduler at ADDRESS, "
                    "e.g. tcp://HOST:8786 (needs the [dask] extra: pip install 'verify[dask]')")


def executor(jobs: int | None, scheduler: str | None) -> tuple[Executor, int]:
    """Where the runs of a command go, from ``--jobs`` and ``--scheduler``, and the worker
    count its provenance records.

    A Dask scheduler when given (:func:`verify.engine.cluster.dask_executor`; a UserError,
    exit 2, when Dask is not installed or the address is malformed), else a local pool of
    ``jobs`` workers, or of every usable core when ``jobs`` is None, then lowered to what
    fits in memory (:func:`verify.engine.runner.pool_executor` with ``fit``).

    Examples
    --------
    >>> executor(1, None)
    (LocalPool(workers=1, fit=False), 1)
    """
    workers = jobs_or_default(jobs, local=not scheduler)
    if scheduler:
        return dask_executor(scheduler), workers
    return pool_executor(workers, fit=jobs is None), workers


class Version(argparse.Action):
    """``--version``: print ``text()`` (computed only when asked) and exit 0.

    Examples
    --------
    >>> ap = Parser(prog="verify")
    >>> _ = ap.add_argument("--version", action=Version, text=lambda: "verify 1.0")
    >>> ap.parse_args(["--version"])
    Traceback (most recent call last):
    ...
    SystemExit: 0
    """

    def __init__(self, option_strings: list[str], dest: str, text: Callable[[], str],
                 help: str = "print the version (and git commit of a checkout) and exit") -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)
        self.text = text

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        print(self.text())
        parser.exit(0)


def add_set(ap: argparse.ArgumentParser) -> None:
    """The repeatable ``--set KEY=VALUE`` option (parsed by :mod:`verify.cli.overrides`)."""
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="set",
                    help="set a parameter in every case, on top of the case file (repeatable; the "
                    "value is a TOML scalar: --set eta=0.1 --set m=20 --set loss=exponential)")
