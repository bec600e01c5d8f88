"""The output directory of a command: writable before any work, owned by one run at a time.

* :func:`prepare` creates ``--out`` and proves it writable (a probe file) before anything
  is computed, so a file in its place, a read-only directory or a path under ``/proc`` is
  one line and exit 2 at once, not a traceback after the run.
* :func:`lock` holds ``OUT/.verify.lock`` for the command's lifetime: an advisory
  ``flock`` on a file holding the pid and the command.  A second command into the same
  directory while the first runs is refused, naming that pid.  The kernel drops the lock
  when its process dies, even by ``kill -9``, so the lock file of a dead pid is simply
  taken over.
* :func:`claim` compares the report already in OUT (its :class:`Scope`: command kind,
  theorems and profile) with the command about to replace it: the same scope resumes;
  another is refused with the fix, unless ``--fresh`` (replace it) or, for ``verify run``,
  ``--append`` (merge the rows: :func:`verify.engine.results.merge`).
* :func:`prune_plots` removes the plots the rendered report no longer references.
* :func:`cache_kernels` keeps the compiled GD kernels in ``OUT/.cache/numba`` (unless
  ``NUMBA_CACHE_DIR`` names another place), so the worker processes of a run, and later runs
  into the same directory, load them instead of compiling them again.
"""
from __future__ import annotations

import fcntl
import json
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from verify.dynamics.jit import enable_cache
from verify.engine.results import load
from verify.errors import UserError, one_line

LOCK = ".verify.lock"
#: Folders and files verify keeps in an output directory (a wrong kind of entry there is refused).
FOLDERS = ("cases", "sweeps", "plots", "counterexamples", ".cache")
#: Where the compiled kernels are cached in an output directory (:func:`cache_kernels`).
KERNEL_CACHE = Path(".cache") / "numba"
FILES = ("results.json", "summary.md", "index.html", "stress.md", "hunt.json", LOCK)


def prepare(out: Path, flag: str = "--out") -> Path:
    """Create ``out`` if needed and check it is a writable directory; returns it.

    Parameters
    ----------
    out
        The output directory.
    flag
        How the user named it (for the message).

    Raises
    ------
    UserError
        A file in its place, a directory that cannot be created or written (read-only,
        ``/proc``), or a file where verify keeps a folder (or the reverse).
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UserError(f"{flag} {out} is a file, not a directory; pass a directory (or a new path)")
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=out, prefix=".verify-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise UserError(f"{flag} {out} is not a writable directory ({exc.strerror or exc}); choose a "
                        "directory you can write to") from None
    for name in FOLDERS:
        if (out / name).exists() and not (out / name).is_dir():
            raise UserError(f"{out / name} is a file where verify keeps a folder; move it away or "
                            f"choose another {flag}")
    for name in FILES:
        if (out / name).is_dir():
            raise UserError(f"{out / name} is a folder where verify writes a file; move it away or "
                            f"choose another {flag}")
    return out


def cache_kernels(out: Path) -> None:
    """Cache the compiled GD kernels in ``out/.cache/numba`` for this command and the worker
    processes it starts (:func:`verify.dynamics.jit.enable_cache`), unless the user's
    ``NUMBA_CACHE_DIR`` names another place.  Results never depend on it."""
    if not os.environ.get("NUMBA_CACHE_DIR"):
        enable_cache(out / KERNEL_CACHE)


def _holder(fd: int) -> str:
    """What the lock file says about its holder (its first line)."""
    os.lseek(fd, 0, os.SEEK_SET)
    text = os.read(fd, 4096).decode("utf-8", "replace").strip()
    return one_line(text.splitlines()[0] if text else "an unknown process", 200)


def _same_file(fd: int, path: Path) -> bool:
    """``fd`` is still the file at ``path`` (not unlinked by a holder that just finished)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    return os.fstat(fd).st_ino == st.st_ino and os.fstat(fd).st_dev == st.st_dev


def _acquire(path: Path, command: str) -> int:
    for _ in range(10):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)  # the umask applies: 0644 under 022
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise UserError(f"{path.parent} is in use by another verify run ({holder}); wait for it to "
                            "finish, or pass another --out") from None
        except OSError:  # a file system without flock: the pid in the file is all there is
            pass
        if _same_file(fd, path):
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, f"pid {os.getpid()}: {one_line(command, 300)}\n".encode())
            return fd
        os.close(fd)
    raise UserError(f"could not take the lock {path}; another verify run keeps replacing it: "
                    "pass another --out")


@contextmanager
def lock(out: Path, command: str) -> Iterator[Path]:
    """Hold ``out/.verify.lock`` while the block runs (see the module docstring).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> with lock(out, "verify run x"):
    ...     with lock(out, "verify run y"):
    ...         pass  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    verify.errors.UserError: ... is in use by another verify run (pid ...: verify run x); wait for it to finish, or pass another --out
    >>> (out / LOCK).exists()
    False
    """
    path = Path(out) / LOCK
    fd = _acquire(path, command)
    try:
        yield path
    finally:
        if _same_file(fd, path):
            path.unlink(missing_ok=True)
        os.close(fd)


@dataclass(frozen=True)
class Scope:
    """What a report directory holds: the command kind, its theorems and profile."""

    kind: str  # run | stress | hunt
    theorems: tuple[str, ...]
    profile: str

    def describe(self) -> str:
        """E.g. ``verify run of a, b (profile quick)``."""
        names = ", ".join(self.theorems) or "no theorem"
        return f"`verify {self.kind}` of {one_line(names, 200)} (profile {one_line(self.profile, 40)})"


def scope_of(doc: Mapping[str, Any], hunt_theorem: str | None = None) -> Scope:
    """The :class:`Scope` of a results document (``hunt_theorem``: from hunt.json)."""
    cases = [c for c in doc.get("cases") or [] if isinstance(c, Mapping)]
    theorems = tuple(sorted({str(c.get("theorem", "")) for c in cases}))
    stress = doc.get("stress")
    if isinstance(stress, Mapping):
        return Scope("stress", theorems, str(stress.get("profile", "")))
    profile = str((doc.get("provenance") or {}).get("profile", ""))
    if profile == "hunt" or hunt_theorem is not None:
        return Scope("hunt", (hunt_theorem,) if hunt_theorem else theorems, "hunt")
    return Scope("run", theorems, profile)


def _hunt_theorem(out: Path) -> str | None:
    try:
        log = json.loads((out / "hunt.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    return str(log.get("theorem")) if isinstance(log, dict) and log.get("theorem") else None


def _either(options: list[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    return " or ".join([", ".join(options[:-1]), options[-1]] if len(options) > 1 else options)


def claim(out: Path, scope: Scope, fresh: bool = False, append: bool = False) -> dict[str, Any] | None:
    """Check that this command may write the report in ``out``; returns the document to
    merge into with ``append`` (None otherwise, or when ``out`` holds no report).

    The same scope resumes; another is refused (UserError with the fix) unless ``fresh``
    (the report is replaced) or ``append`` (``verify run`` only: rows are merged).
    """
    if not (out / "results.json").exists() or (fresh and not append):
        return None
    fresh_fix = ["--fresh to replace it"] * (scope.kind != "hunt")
    try:
        doc = load(out)
    except UserError as exc:
        raise UserError(f"{out} holds a results.json verify cannot read ({exc}); pass "
                        f"{_either(['--out NEW for a separate report', *fresh_fix])}") from None
    old = scope_of(doc, _hunt_theorem(out))
    if append:
        if scope.kind != "run" or old.kind != "run":
            raise UserError(f"--append merges `verify run` reports; {out} holds a {old.describe()}: "
                            "pass --out NEW")
        return doc
    if old != scope:
        fixes = ["--out NEW for a separate report", *["--append to add these rows to it"] *
                 (scope.kind == "run"), *fresh_fix]
        raise UserError(f"{out} holds the report of {old.describe()}; this {scope.describe()} would "
                        f"replace it: pass {_either(fixes)}")
    return None


def prune_plots(out: Path, keep: Iterable[str], pattern: str = "*.[ps][nv]g") -> list[Path]:
    """Remove the plots (``plots/<pattern>``: SVG and older PNG) of ``out`` not named in
    ``keep``; returns them.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> (out / "plots").mkdir()
    >>> for name in ("a.png", "b.png", "notes.txt"):
    ...     _ = (out / "plots" / name).write_text("x")
    >>> [p.name for p in prune_plots(out, ["a.png"])], sorted(p.name for p in (out / "plots").iterdir())
    (['b.png'], ['a.png', 'notes.txt'])
    """
    folder = Path(out) / "plots"
    if not folder.is_dir():
        return []
    keep = set(keep)
    removed = [p for p in sorted(folder.glob(pattern)) if p.name not in keep and not p.is_dir()]
    for p in removed:
        p.unlink(missing_ok=True)
    return removed
