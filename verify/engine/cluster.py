"""Run jobs on a Dask distributed cluster (the optional ``[dask]`` extra).

:func:`dask_executor` returns an executor for :func:`verify.engine.runner.run_jobs`: every job is
submitted to the scheduler at once and results come back as they finish, so the caller
caches each one (atomically) the moment it arrives. A worker that dies loses only the job it
was running, which the scheduler reschedules; finished results are already on disk, and an
interrupted sweep resumes from them. Workers must be able to import ``verify`` and the
theorem packages (the same environment as the client).

A scheduler left with no worker would hold the jobs forever: once it has had none for
``worker_timeout`` seconds, the run ends with a :class:`~verify.errors.UserError` (the cases
that finished are cached; the same command resumes once workers are back).

``distributed`` is imported only when a scheduler is used; a missing extra, a malformed
address (checked at once, before ``distributed.Client`` sees it: a client that fails on one
hangs 40 s when collected) or an unreachable scheduler is a
:class:`~verify.errors.UserError` (one line, exit code 2).
"""
from __future__ import annotations

import functools
import importlib
import time
from typing import Any, Iterator

from verify.engine.runner import Executor, Job, Work, quietly
from verify.errors import UserError

INSTALL = "pip install 'verify[dask]' (or pip install 'dask[distributed]')"
START = "start one with `dask scheduler` (and `dask worker ADDRESS`)"


def _distributed() -> Any:
    try:
        return importlib.import_module("distributed")
    except ImportError:
        raise UserError("--scheduler needs Dask's distributed scheduler, which is not installed: "
                        f"{INSTALL}") from None


def _check_address(distributed: Any, address: str) -> None:
    """A UserError unless ``address`` is a scheduler address ``[scheme://]host:port``."""
    try:
        scheme, _ = distributed.comm.parse_address(address)
        if scheme != "inproc":
            distributed.comm.get_address_host_port(address)
    except (ValueError, TypeError) as exc:
        raise UserError(f"--scheduler {address!r} is not a scheduler address ({exc}); give "
                        "tcp://HOST:PORT, e.g. tcp://127.0.0.1:8786") from None


def _connect(distributed: Any, address: str, timeout: float) -> Any:
    try:
        return distributed.Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UserError(f"cannot reach the Dask scheduler at {address!r} ({msg}); {START} "
                        "or fix --scheduler") from None


def _workers(client: Any, address: str) -> int:
    """Workers the scheduler has now."""
    try:
        return len(client.nthreads())
    except (OSError, TimeoutError) as exc:
        raise UserError(f"lost the Dask scheduler at {address!r} ({type(exc).__name__}); the "
                        "cases that finished are kept: rerun the same command to resume") from None


def _finished(distributed: Any, client: Any, futures: list[Any], address: str,
              worker_timeout: float, poll: float) -> Iterator[tuple[int, Any]]:
    """``(position, result)`` of each future as it finishes; a UserError once the scheduler
    has had no worker for ``worker_timeout`` seconds."""
    position = {f.key: i for i, f in enumerate(futures)}
    pending, idle_since = set(futures), None
    while pending:
        try:
            with client.as_current():
                done, pending = distributed.wait(pending, timeout=poll,
                                                 return_when="FIRST_COMPLETED")
        except TimeoutError:
            done = set()
        for fut in done:
            result = fut.result()
            fut.release()
            yield position[fut.key], result
        if done or _workers(client, address):
            idle_since = None
            continue
        idle_since = idle_since or time.monotonic()
        if time.monotonic() - idle_since >= worker_timeout:
            raise UserError(f"the Dask scheduler at {address!r} has had no worker for "
                            f"{worker_timeout:g} s with {len(pending)} job(s) left; start workers "
                            "(`dask worker ADDRESS`) and rerun the same command: the cases that "
                            "finished are kept")


def dask_executor(address: str, timeout: float = 20.0, worker_timeout: float = 60.0,
                  poll: float = 1.0) -> Executor:
    """An executor that runs jobs on the Dask scheduler at ``address``.

    Parameters
    ----------
    address
        Scheduler address, e.g. ``tcp://127.0.0.1:8786``.
    timeout
        Seconds to wait for the connection.
    worker_timeout
        Seconds the scheduler may have no worker, with jobs left, before the run ends.
    poll
        Seconds between checks of the worker count while no job finishes.

    Returns
    -------
    Executor
        ``executor(work, jobs)`` yields ``(position, result)`` in completion order.

    Raises
    ------
    UserError
        When ``distributed`` is not installed or ``address`` is malformed (checked at once),
        when the scheduler cannot be reached (checked when the executor runs), or when it has
        no worker for ``worker_timeout`` seconds.
    """
    distributed = _distributed()
    _check_address(distributed, address)

    def run(work: Work, jobs: list[Job]) -> Iterator[tuple[int, dict[str, Any]]]:
        if not jobs:
            return
        client = _connect(distributed, address, timeout)
        try:
            futures = client.map(functools.partial(quietly, work), jobs, pure=False)
            yield from _finished(distributed, client, futures, address, worker_timeout, poll)
        finally:
            client.close()

    return run
