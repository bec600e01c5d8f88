"""Run jobs on a Dask distributed cluster (the optional ``[dask]`` extra).

:func:`dask_executor` returns an executor for :func:`verify.engine.runner.run_jobs`: every job is
submitted to the scheduler at once and results come back as they finish, so the caller
caches each one (atomically) the moment it arrives. A worker that dies loses only the job it
was running, which the scheduler reschedules; finished results are already on disk, and an
interrupted sweep resumes from them. Workers must be able to import ``verify`` and the
theorem packages (the same environment as the client).

``distributed`` is imported only when a scheduler is used; a missing extra or an unreachable
scheduler is a :class:`~verify.errors.UserError` (one line, exit code 2).
"""
from __future__ import annotations

import importlib
from typing import Any, Iterator

from verify.errors import UserError
from verify.engine.runner import Executor, Job, Work

INSTALL = "pip install 'verify[dask]' (or pip install 'dask[distributed]')"


def _distributed() -> Any:
    try:
        return importlib.import_module("distributed")
    except ImportError:
        raise UserError("--scheduler needs Dask's distributed scheduler, which is not installed: "
                        f"{INSTALL}") from None


def _connect(distributed: Any, address: str, timeout: float) -> Any:
    try:
        return distributed.Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UserError(f"cannot reach the Dask scheduler at {address!r} ({msg}); start one with "
                        "`dask scheduler` (and `dask worker ADDRESS`) or fix --scheduler") from None


def dask_executor(address: str, timeout: float = 20.0) -> Executor:
    """An executor that runs jobs on the Dask scheduler at ``address``.

    Parameters
    ----------
    address
        Scheduler address, e.g. ``tcp://127.0.0.1:8786``.
    timeout
        Seconds to wait for the connection.

    Returns
    -------
    Executor
        ``executor(work, jobs)`` yields ``(position, result)`` in completion order.

    Raises
    ------
    UserError
        When ``distributed`` is not installed (checked at once) or the scheduler cannot be
        reached (checked when the executor runs).
    """
    distributed = _distributed()

    def run(work: Work, jobs: list[Job]) -> Iterator[tuple[int, dict[str, Any]]]:
        if not jobs:
            return
        client = _connect(distributed, address, timeout)
        try:
            futures = client.map(work, jobs, pure=False)
            position = {f.key: i for i, f in enumerate(futures)}
            for fut in distributed.as_completed(futures, loop=client.loop):
                result = fut.result()
                fut.release()
                yield position[fut.key], result
        finally:
            client.close()

    return run
