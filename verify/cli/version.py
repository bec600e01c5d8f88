"""``verify --version``: the installed version, and the git commit of a source checkout.

The version is the installed distribution's (:func:`importlib.metadata.version`).  When the
package is imported from a git checkout (the folder above ``verify/`` holds ``.git``), the
short commit is added, with ``+dirty`` when the work tree has changes; without git, or
outside a checkout, nothing is added and nothing fails.
"""
from __future__ import annotations

import subprocess
from importlib import metadata
from pathlib import Path

#: The distribution whose version is printed.
DISTRIBUTION = "verify"
#: Seconds git may take before the commit is left out.
GIT_TIMEOUT_S = 5.0


def installed_version() -> str:
    """Version of the installed ``verify`` distribution, or ``unknown`` when not installed."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown"


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                              timeout=GIT_TIMEOUT_S, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def git_commit(root: Path | None = None) -> str | None:
    """Short commit of the checkout ``root`` (default: the one holding this package), with
    ``+dirty`` for uncommitted changes; None outside a checkout or without git."""
    root = root or Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        return None
    sha = _git(root, "rev-parse", "--short", "HEAD")
    if not sha:
        return None
    status = _git(root, "status", "--porcelain", "--untracked-files=no")
    return f"{sha}+dirty" if status else sha


def version_text() -> str:
    """``verify 0.1.0`` or, from a git checkout, ``verify 0.1.0 (git 61f9677)``.

    Examples
    --------
    >>> version_text().startswith("verify ")
    True
    """
    commit = git_commit()
    return f"verify {installed_version()}" + (f" (git {commit})" if commit else "")
