"""``verify new ID``: write a theorem package to edit (a module, its case file, a pyproject).

The package runs as written: ``pip install DIR`` registers it through the ``verify.theorems``
entry point, and ``verify run ID --profile quick`` verifies its (template) theorem, the
directional convergence of GD on separable data to the hard-margin SVM (Soudry et al. 2018,
Theorem 3).  Every import and the quantities/targets API are explained in the module's
comments.  The templates are ``verify/cli/templates/*.tmpl`` (:class:`string.Template`);
``examples/verify-example`` is this command's output for ``example-margin``, kept in sync by
a test.

Layout written, for ``verify new my-theorem``::

    my-theorem/pyproject.toml                     # entry point verify.theorems
    my-theorem/my_theorem/__init__.py
    my-theorem/my_theorem/my_theorem.py           # THEOREM = Theorem(...)
    my-theorem/my_theorem/cases/my-theorem.toml   # profiles quick, default, full
"""
from __future__ import annotations

import argparse
import re
import string
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from verify.errors import UserError
from verify.io import atomic_write_text
from verify.spec import registry

#: A theorem id: lowercase words and digits joined by hyphens, starting with a letter.
ID_PATTERN = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")

TITLE = "GD on separable data converges in direction to the hard-margin SVM"


@dataclass(frozen=True)
class Scaffold:
    """What ``verify new`` writes: file path (relative to the package root) -> text."""

    root: Path
    files: dict[str, str]


def add_arguments(ap: argparse.ArgumentParser) -> None:
    """The arguments of ``verify new``."""
    ap.add_argument("theorem_id", metavar="ID", help="id of the new theorem, e.g. my-theorem")
    ap.add_argument("--dir", type=Path, help="where to write the package (default: ./ID); must not "
                    "exist or be empty")
    ap.add_argument("--title", default=TITLE, help="one-line title of the theorem")


def _check_id(theorem_id: str) -> None:
    if not ID_PATTERN.fullmatch(theorem_id):
        raise UserError(f"theorem id {theorem_id!r} is not lowercase words joined by hyphens "
                        "(e.g. my-theorem2024); choose such an id")
    if theorem_id in registry.theorems():
        raise UserError(f"theorem id {theorem_id!r} is already registered; choose another id")


def _check_dir(root: Path) -> None:
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise UserError(f"{root} exists and is not an empty directory; give --dir a new path")


def scaffold(theorem_id: str, root: Path, title: str = TITLE) -> Scaffold:
    """The files of a new theorem package ``theorem_id`` rooted at ``root`` (nothing written).

    Examples
    --------
    >>> s = scaffold("my-theorem", Path("my-theorem"))
    >>> sorted(s.files)  # doctest: +NORMALIZE_WHITESPACE
    ['my_theorem/__init__.py', 'my_theorem/cases/my-theorem.toml', 'my_theorem/my_theorem.py',
     'pyproject.toml']
    >>> 'id="my-theorem"' in s.files["my_theorem/my_theorem.py"]
    True
    """
    package = theorem_id.replace("-", "_")
    if any(c in title for c in '"\\\n'):
        raise UserError(f"--title {title!r} holds a quote, backslash or newline; give a plain title")
    values = {"theorem_id": theorem_id, "package": package, "title": title,
              "dist_name": f"verify-{theorem_id}"}
    text = {name: string.Template(resources.files("verify.cli").joinpath("templates", name)
                                  .read_text("utf-8")).substitute(values)
            for name in ("theorem.py.tmpl", "case.toml.tmpl", "pyproject.toml.tmpl")}
    init = f'"""Theorem package {package} for verify (written by `verify new {theorem_id}`)."""\n'
    return Scaffold(root, {"pyproject.toml": text["pyproject.toml.tmpl"],
                           f"{package}/__init__.py": init,
                           f"{package}/{package}.py": text["theorem.py.tmpl"],
                           f"{package}/cases/{theorem_id}.toml": text["case.toml.tmpl"]})


def write(s: Scaffold) -> list[Path]:
    """Write the scaffold's files (each atomically), returning their paths."""
    _check_dir(s.root)
    return [atomic_write_text(s.root / rel, text) for rel, text in s.files.items()]


def command(args: argparse.Namespace) -> int:
    """``verify new``: write the package and say how to run it."""
    _check_id(args.theorem_id)
    root = args.dir if args.dir is not None else Path(args.theorem_id)
    _check_dir(root)
    paths = write(scaffold(args.theorem_id, root, args.title))
    print("\n".join(f"wrote {p}" for p in paths))
    where = root if root.is_absolute() or str(root).startswith(".") else f"./{root}"  # a path to pip
    print(f"next: pip install {where} && verify run {args.theorem_id} --profile quick --out "
          f"reports/{args.theorem_id}   (edit {paths[2]}; `pip install -e` to skip reinstalling)")
    return 0
