"""Names that become paths: safe slugs, confined to the output directory.

Counterexample directories and case files are named after a theorem id and a config hash,
which ``verify report`` reads from a results.json that may be damaged or crafted.  Every
such name goes through :func:`slug` (one path component, no separator, no ``..``) or, where
the name must stay exact to be reproducible (the case file ``<theorem>.toml``),
:func:`theorem_file` (refused unless it already is a safe id); every path built from them
through :func:`inside`, which refuses a path that resolves (symbolic links followed)
outside the output directory.
"""
from __future__ import annotations

import re
from pathlib import Path

from verify.errors import UserError, one_line

#: A theorem id usable as a file name: letters, digits, ``.``, ``_``, ``-``; not starting with a dot.
SAFE_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,119}")
#: A parameter name usable as a TOML bare key (and a Python identifier).
PARAM_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def slug(text: str, limit: int = 120) -> str:
    """``text`` as one safe path component.

    Runs of characters outside ``[A-Za-z0-9._-]`` become ``_``; leading dots and dashes
    are dropped (no ``..``, no hidden file, no option-like name); at most ``limit``
    characters; never empty.

    Examples
    --------
    >>> slug("soudry2018-linear-0123456789ab")
    'soudry2018-linear-0123456789ab'
    >>> slug("/tmp/other/pyproject"), slug("../.."), slug("a\\nb c")
    ('_tmp_other_pyproject', '_..', 'a_b_c')
    """
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", str(text)).lstrip(".-")
    return safe[:limit] or "_"


def theorem_file(theorem: str) -> str:
    """``<theorem>.toml``, the case file name ``verify run`` looks up; a theorem id that is
    not a safe file name is a UserError (it cannot come from the registry).

    Examples
    --------
    >>> theorem_file("kou2023-leaky")
    'kou2023-leaky.toml'
    """
    if not isinstance(theorem, str) or not SAFE_ID.fullmatch(theorem):
        raise UserError(f"theorem id {one_line(repr(theorem), 80)} cannot name a case file (letters, "
                        "digits, '.', '_' and '-' only); the results file is damaged or was not "
                        "written by verify: re-run the command that made it")
    return f"{theorem}.toml"


def inside(root: Path, *parts: str) -> Path:
    """``root / parts``, refused (UserError) unless it resolves inside ``root``.

    Examples
    --------
    >>> str(inside(Path("out"), "counterexamples", "a"))
    'out/counterexamples/a'
    >>> inside(Path("out"), "/etc")
    Traceback (most recent call last):
    ...
    verify.errors.UserError: /etc would be written outside out; names from the results file are \
damaged or crafted: re-run the command that made it
    """
    path = Path(root).joinpath(*parts)
    if not path.resolve().is_relative_to(Path(root).resolve()):
        raise UserError(f"{one_line(str(path), 200)} would be written outside {root}; names from the "
                        "results file are damaged or crafted: re-run the command that made it")
    return path


def check_key(key: str) -> str:
    """A parameter name that can be written as a TOML key, else a UserError.

    Examples
    --------
    >>> check_key("sigma0")
    'sigma0'
    """
    if not isinstance(key, str) or not PARAM_KEY.fullmatch(key):
        raise UserError(f"parameter name {one_line(repr(key), 80)} is not an identifier; the results "
                        "file is damaged or was not written by verify: re-run the command that made it")
    return key
