"""What a run may take from the machine: memory, checked before it starts, and worker processes
that end with their parent.

**Memory.**  :func:`estimate` bounds the memory of one case from its parameters before it
runs; :func:`check_memory` refuses (a one-line :class:`~verify.errors.UserError`) a set of
cases whose largest ``workers`` estimates, run at once, exceed what the machine has, and
:func:`fitting_workers` lowers a default worker count (``--jobs`` not given: every usable
core) to the most whose cases fit, so a run that fits serially is never refused for a default.  The
estimate assumes the run reaches its horizon (``steps``; a stop rule that ends it sooner
cannot be known in advance) and counts, in bytes, with ``N`` = ``steps + 1``, ``P`` the
parameters (``m (d + 1)``, or ``d + 1`` without ``m``), ``b`` the bytes of one number of the
backend (:data:`NUMBER_BYTES`) and ``q`` the theorem's per-step quantities:

- ``per-step``: ``8 N (18 + 4 q)``: the per-step table (6 scalars, up to twice its rows while
  it doubles, :class:`verify.dynamics.trajectory.ScalarLog`, plus the final columns) and the
  per-step series with their temporaries; three times that with ``step_check`` (the half-step
  rerun has ``2 N`` rows, while the first run's are still held), once more with
  ``perturb_check``;
- ``checkpoints``: ``(checkpoints + 2) P (8 + b)``: each kept iterate in float64 and in the
  backend's own numbers;
- ``data and step``: ``8 n d`` for the data and ``b (n d + 4 n m + 4 P)`` for one step's arrays;
- ``audit``: the mpmath replays of ``audit_steps`` steps (per-step rows and one step's arrays
  at :data:`NUMBER_BYTES` ``["mpmath"]``);
- ``sweep run``: the largest run of the case's sweep claims (run one at a time while the
  case's own run is held).

The limit is ``$VERIFY_MEMORY_LIMIT`` when set (a size such as ``16G``, ``512M``, a number of
bytes, or ``off`` to skip the check), else the machine's ``MemAvailable``
(``/proc/meminfo``; elsewhere the available physical pages, ``os.sysconf``).

**Workers.**  :func:`watch_parent` is the initializer of every local pool worker: a daemon
thread polls the worker's parent and ends the worker (``os._exit``) once the parent is gone,
so a ``kill -9`` of ``verify run --jobs N`` leaves no worker behind (and the
``multiprocessing`` resource tracker, which exits when the last process holding its pipe
does).
"""
from __future__ import annotations

import os
import re
import threading
import time
from dataclasses import dataclass
from typing import Iterable, Mapping

from verify.engine import autobackend
from verify.engine.sweeps import sweep_cases
from verify.errors import UserError
from verify.problem.data import Dataset
from verify.spec.cases import Case
from verify.spec.theorem import Theorem

#: Environment variable overriding the memory limit (a size, or ``off``).
LIMIT_VAR = "VERIFY_MEMORY_LIMIT"

#: Bytes of one number in a backend's arrays (object arrays: the pointer and the object;
#: mpmath grows with ``dps``, :func:`number_bytes`).
NUMBER_BYTES: Mapping[str, int] = {"float64": 8, "f64dd": 16, "dd": 16, "arb": 160, "mpmath": 200}

#: Memory of one spawned worker process before its first case (numpy, scipy, cvxpy loaded).
WORKER_BYTES = 200 * 2**20

_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d*)?)\s*([KMGT]?)(?:I?B)?\s*$", re.IGNORECASE)


def parse_size(text: str) -> int | None:
    """Bytes of a size such as ``16G``, ``512M``, ``1.5GiB`` or ``1000000``; None for ``off``.

    Examples
    --------
    >>> parse_size("16G"), parse_size("512 MiB"), parse_size("1000"), parse_size("off")
    (17179869184, 536870912, 1000, None)
    >>> parse_size("lots")
    Traceback (most recent call last):
    ...
    verify.errors.UserError: memory limit 'lots' is not a size; use e.g. 16G, 512M, a number of bytes, or off
    """
    if text.strip().lower() in ("off", "none", "unlimited"):
        return None
    found = _SIZE.match(text)
    size = float(found.group(1)) * _UNITS[found.group(2).upper()] if found else 0.0
    if size < 1:
        raise UserError(f"memory limit {text!r} is not a size; use e.g. 16G, 512M, a number of "
                        "bytes, or off")
    return int(size)


def human(size: float) -> str:
    """A byte count for people (binary units).

    Examples
    --------
    >>> human(3 * 2**30), human(5 * 2**20), human(100)
    ('3.0 GiB', '5.0 MiB', '100 B')
    """
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{int(size)} B"


def available() -> int:
    """Memory the machine can give now: ``MemAvailable`` of ``/proc/meminfo`` (Linux), else
    the available physical pages (``os.sysconf``)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def memory_limit(setting: str | None = None) -> tuple[int | None, str]:
    """The limit in bytes (None: no check) and where it comes from: ``setting`` if given,
    else ``$VERIFY_MEMORY_LIMIT``, else :func:`available`."""
    if setting is None:
        setting = os.environ.get(LIMIT_VAR) or None
        where = LIMIT_VAR
    else:
        where = "the memory limit"
    if setting is not None:
        return parse_size(setting), f"{where}={setting}"
    return available(), "available (MemAvailable)"


def number_bytes(backend: str, dps: int = 40) -> int:
    """Bytes of one number of ``backend`` (``auto``: its largest rung)."""
    if backend == autobackend.AUTO:
        return max(NUMBER_BYTES[b] for b in autobackend.LADDER)
    return NUMBER_BYTES.get(backend, NUMBER_BYTES["mpmath"]) + (dps // 2 if backend == "mpmath" else 0)


@dataclass(frozen=True)
class Estimate:
    """Memory of one case, in bytes, by part (see the module docstring)."""

    label: str
    parts: Mapping[str, int]

    @property
    def total(self) -> int:
        """Bytes of every part."""
        return sum(self.parts.values())

    def describe(self) -> str:
        """The parts, largest first, e.g. ``per-step 4.5 GiB, checkpoints 1.0 MiB``."""
        big = sorted(self.parts.items(), key=lambda kv: -kv[1])
        return ", ".join(f"{k} {human(v)}" for k, v in big if v >= 2**20) or "under 1 MiB"


def _sizes(case: Case, data: Dataset | None) -> tuple[int, int, int]:
    """``n``, ``d``, ``m`` of a case (the data's when given; 1 for what the theorem lacks)."""
    p = case.params
    n = data.n if data is not None else int(p.get("n", 1))
    d = data.d if data is not None else int(p.get("d", 1))
    return n, d, int(p.get("m", 1))


def _run_parts(thm: Theorem, case: Case, data: Dataset | None) -> dict[str, int]:
    """Per-step, checkpoint and step memory of one run of ``case``."""
    s = case.settings
    n, d, m = _sizes(case, data)
    params = m * (d + 1) if "m" in case.params else d + 1
    b = number_bytes(s.backend, s.dps)
    q = sum(1 for v in thm.quantities.values() if v.per_step)
    per_step = 8 * (s.steps + 1) * (18 + 4 * q) * (1 + 2 * bool(s.step_check)
                                                + bool(s.perturb_check))
    step = 8 * n * d + b * (n * d + 4 * n * m + 4 * params)
    return {"per-step": per_step, "checkpoints": (s.checkpoints + 2) * params * (8 + b),
            "data and step": step}


def estimate(thm: Theorem, case: Case, data: Dataset | None = None) -> Estimate:
    """Memory of ``case`` of ``thm`` (on ``data`` if given), before it runs."""
    parts = _run_parts(thm, case, data)
    s = case.settings
    n, d, m = _sizes(case, data)
    params = m * (d + 1) if "m" in case.params else d + 1
    mp = number_bytes("mpmath", s.dps)
    parts["audit"] = 2 * 8 * 18 * (s.audit_steps + 1) + mp * (n * d + 4 * n * m + 4 * params)
    sweeps = [sum(_run_parts(thm, c, None).values())
              for claim in thm.claims if getattr(claim, "sweep", None) is not None
              for c in sweep_cases(thm, case, claim)]
    parts["sweep run"] = max(sweeps, default=0)
    return Estimate(case.label, parts)


def _need(ranked: list[Estimate], workers: int) -> tuple[list[Estimate], int, int]:
    """The cases run at once by ``workers`` (the largest of ``ranked``, sorted largest first),
    the worker processes spawned for them and the bytes they need together."""
    at_once = ranked[:max(1, workers)]
    spawned = len(at_once) if workers > 1 and len(at_once) > 1 else 0
    return at_once, spawned, sum(e.total for e in at_once) + spawned * WORKER_BYTES


def fitting_workers(estimates: Iterable[Estimate], workers: int,
                    setting: str | None = None) -> int:
    """The most workers, at most ``workers`` and at least 1, whose cases fit in the limit
    (:func:`memory_limit` of ``setting``) when run at once: the number of worker processes
    a default ``--jobs`` (every core) lowers itself to; 1 when not even one fits
    (:func:`check_memory` then refuses).

    Examples
    --------
    >>> e = Estimate("big", {"per-step": 2**30})
    >>> fitting_workers([e, e, e], 3, "2.5G"), fitting_workers([e, e, e], 3, "off")
    (2, 3)
    >>> fitting_workers([e], 3, "100M")
    1
    """
    limit, _ = memory_limit(setting)
    ranked = sorted(estimates, key=lambda e: -e.total)
    for n in range(max(1, workers), 1, -1):
        if limit is None or _need(ranked, n)[2] <= limit:
            return n
    return 1


def check_memory(estimates: Iterable[Estimate], workers: int = 1,
                 setting: str | None = None) -> None:
    """Refuse (UserError) cases whose ``workers`` largest estimates exceed the limit
    (:func:`memory_limit` of ``setting``); spawned workers add :data:`WORKER_BYTES` each."""
    limit, where = memory_limit(setting)
    ranked = sorted(estimates, key=lambda e: -e.total)
    if limit is None or not ranked:
        return
    at_once, spawned, need = _need(ranked, workers)
    if need <= limit:
        return
    big = at_once[0]
    many = (f" ({len(at_once)} cases at once in {spawned} worker processes of about "
            f"{human(WORKER_BYTES)} each, --jobs {workers})" if spawned else "")
    raise UserError(
        f"{big.label} needs about {human(big.total)} of memory ({big.describe()}){many}, "
        f"{human(need)} in all, more than the {human(limit)} {where}; lower steps, n, d or m"
        f"{', or --jobs' if many else ''}, or set {LIMIT_VAR}=SIZE (e.g. 64G) or "
        f"{LIMIT_VAR}=off to run anyway")


def watch_parent(parent: int, poll: float = 0.5) -> None:
    """Worker initializer: end this process (``os._exit(1)``) once ``parent`` is no longer its
    parent (killed: the worker was handed to init or a subreaper), checked every ``poll``
    seconds by a daemon thread."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll)
        os._exit(1)

    threading.Thread(target=watch, name="verify-parent-watch", daemon=True).start()

