"""Cases: named parameter sets from ``cases/<theorem-id>.toml``, validated into a theorem's schema.

Spec layer: the case files are read here (:func:`case_file`, :func:`load_file`,
:func:`profile_cases`) and every case handed to the engine is a :class:`Case`.

File format::

    [profiles.quick]          # quick (CI), default, full, or any name
    n = 8
    loss = ["logistic", "exponential"]   # a list expands into one case per value

Unknown tables and keys are errors. A case prints as ``theorem[k=v,...,seed=S]`` with the
keys its profile set (docs/design.md, convention 8); that string is its row key in results.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from verify.errors import UserError
from verify.spec.registry import defining_module
from verify.spec.params import FrozenParams, RunSettings, problem_params, validate
from verify.spec.theorem import Theorem

PROFILES = ("quick", "default", "full")
#: Most cases one profile or sweep may expand to (lists multiply): more is a typo, not a plan.
MAX_CASES = 100_000
_TABLES = ("profiles", "grids")


def case_dirs(thm: Theorem) -> tuple[Path, ...]:
    """Where the case file of ``thm`` is looked for, first match wins.

    1. ``$VERIFY_CASES_DIR``, when set: an override directory (a theorem without a file
       there falls through to its own);
    2. the theorem's package: ``cases/`` beside its module, then the module's directory
       itself (a theorem package ships its case files as package data, e.g.
       ``mypkg/cases/<id>.toml``; the built-in ones are installed as ``theorems/cases/``);
    3. the ``cases/`` directory of a source checkout of verify (an editable install).
    """
    dirs = [Path(os.environ["VERIFY_CASES_DIR"])] if os.environ.get("VERIFY_CASES_DIR") else []
    mod = defining_module(thm)
    if mod is not None and getattr(mod, "__file__", None):
        here = Path(mod.__file__).resolve().parent
        dirs += [here / "cases", here]
    dirs.append(Path(__file__).resolve().parents[2] / "cases")
    return tuple(dict.fromkeys(dirs))


def case_file(thm: Theorem, path: Path | None = None) -> Path:
    """The case file of ``thm``: ``path`` if given, else ``<id>.toml`` in the first of
    :func:`case_dirs` that has it (the first directory when none has it, for the message)."""
    if path is not None:
        return path
    candidates = [d / f"{thm.id}.toml" for d in case_dirs(thm)]
    return next((c for c in candidates if c.exists()), candidates[0])  # a directory: its error


def missing_case_file(thm: Theorem, kind: str = "profiles", name: str = "quick") -> str:
    """One line: where the case file of ``thm`` was looked for, and the fix."""
    where = ", ".join(str(d) for d in case_dirs(thm))
    return (f"no case file {thm.id}.toml for theorem {thm.id!r} (looked in {where}); create it "
            f"with [{kind}.{name}] beside the theorem's module or in its cases/ folder "
            "(see `verify new`)")


@dataclass(frozen=True)
class Case:
    """A theorem with fully validated parameters.

    ``params`` (all of them, immutable) is the case's identity: its label, its
    :meth:`config_hash` and the ``params`` of its record.  The engine reads two typed views
    of it: ``settings`` (:class:`~verify.spec.params.RunSettings`, how to run) and
    ``problem`` (:func:`~verify.spec.params.problem_params`, what the theorem's callables
    receive).

    Examples
    --------
    >>> from verify.spec.params import ENGINE_PARAMETERS, Param
    >>> schema = {**ENGINE_PARAMETERS, "n": Param(int, 8, low=1)}
    >>> case = Case("demo", validate(schema, {"n": 4, "steps": 50}, "example"), ("n", "steps"))
    >>> case.label, case.settings.steps, case.problem["n"], "steps" in case.problem
    ('demo[n=4,steps=50,seed=0]', 50, 4, False)
    >>> case.config_hash() == Case("demo", dict(case.params), ("n",)).config_hash()
    True
    """

    theorem: str
    params: Mapping[str, Any]
    shown: tuple[str, ...]
    profile: str = ""
    settings: RunSettings = field(init=False, repr=False, compare=False)
    problem: FrozenParams = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", FrozenParams(self.params))
        object.__setattr__(self, "settings", RunSettings.of(self.params))
        object.__setattr__(self, "problem", problem_params(self.params))

    @property
    def label(self) -> str:
        """Printed form, e.g. ``soudry2018-linear[loss=logistic,n=8,seed=0]``."""
        keys = sorted(set(self.shown) - {"seed"}) + ["seed"]
        return f"{self.theorem}[{','.join(f'{k}={self.params[k]}' for k in keys)}]"

    @property
    def seed(self) -> int:
        """Seed of data and initialization."""
        return int(self.params["seed"])

    def config_hash(self, extra: str = "") -> str:
        """SHA-256 over theorem id and every parameter (and ``extra``, e.g. a data fingerprint)."""
        blob = json.dumps([self.theorem, dict(sorted(self.params.items())), extra], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _text(path: Path) -> str:
    """The file as text: UTF-8 (a byte-order mark is allowed); anything else is a UserError."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read case file {path} ({exc.strerror or exc}); check that it is a "
                        "readable file") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UserError(f"{path} is UTF-16 text; save it as UTF-8")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(f"{path} is not UTF-8 text (byte {raw[exc.start]:#04x} at offset {exc.start}); "
                        "save it as UTF-8") from None


def _check_value(key: str, value: Any, where: str) -> None:
    """Lists must list something; integers must fit in 64 bits (before any arithmetic on them)."""
    if isinstance(value, list):
        if not value:
            raise UserError(f"{where}: {key} = [] lists no value; give at least one value or remove "
                            f"the key")
        for item in value:
            _check_value(key, item, where)
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**63:
        raise UserError(f"{where}: {key} is an integer of {value.bit_length()} bits, beyond 64 bits; "
                        "use a value in range")


def load_file(path: Path) -> dict[str, Any]:
    """Parse a case file, checking its structure.

    Every top-level key is ``profiles`` or ``grids``, a table of tables; a list is not empty
    and an integer fits in 64 bits.  A file that is unreadable, not UTF-8 or not TOML, and
    any of these, is a UserError naming the file and the fix.
    """
    try:
        data = tomllib.loads(_text(path))
    except ValueError as exc:  # TOMLDecodeError, or an integer too long to convert
        raise UserError(f"{path}: malformed TOML ({exc}); fix the syntax") from None
    for key, val in data.items():
        if key not in _TABLES or not isinstance(val, dict):
            raise UserError(f"{path}: unknown top-level key {key!r}; use [profiles.NAME] or [grids.NAME]")
        for name, table in val.items():
            where = f"{path} [{key}.{name}]"
            if not isinstance(table, dict):
                raise UserError(f"{where} is not a table; write [{key}.{name}] followed by key = value lines")
            for k, v in table.items():
                _check_value(k, v, where)
    return data


def case_table(thm: Theorem, kind: str, name: str, path: Path | None = None
               ) -> tuple[Path, dict[str, Any]]:
    """The ``[<kind>.<name>]`` table of the theorem's case file (``kind``: profiles or grids).

    Returns the file's path with the table; a missing file or table is a UserError naming
    what exists.
    """
    found = case_file(thm, path)
    if not found.exists():
        raise UserError(missing_case_file(thm, kind, name) if path is None else
                        f"no case file {path} for theorem {thm.id!r}; create it with [{kind}.{name}]")
    path = found
    tables = load_file(path).get(kind, {})
    if name not in tables:
        noun = kind[:-1] if kind.endswith("s") else kind
        raise UserError(f"{path}: no {noun} {name!r}; available: {', '.join(tables) or 'none'}")
    return path, tables[name]


def _expand(values: Mapping[str, Any], where: str = "") -> list[dict[str, Any]]:
    keys = [k for k, v in values.items() if isinstance(v, list)]
    if not keys:
        return [dict(values)]
    if math.prod(len(values[k]) for k in keys) > MAX_CASES:
        raise UserError(f"{where}: the lists of {', '.join(keys)} expand to more than {MAX_CASES} cases; "
                        "list fewer values")
    out = []
    for combo in itertools.product(*(values[k] for k in keys)):
        out.append({**values, **dict(zip(keys, combo))})
    return out


def profile_cases(thm: Theorem, profile: str, overrides: Mapping[str, Any] | None = None,
                  path: Path | None = None) -> list[Case]:
    """The validated cases of one profile of ``thm``, with CLI ``overrides`` applied."""
    path, table = case_table(thm, "profiles", profile, path)
    return table_cases(thm, table, profile, f"{path} [profiles.{profile}]", overrides)


def table_cases(thm: Theorem, table: Mapping[str, Any], profile: str, where: str,
                overrides: Mapping[str, Any] | None = None) -> list[Case]:
    """The validated cases of one profile ``table`` (a case file's ``[profiles.<name>]``,
    or the same mapping given in Python), with ``overrides`` applied; a list value expands
    into one case per value.  ``where`` names the table in error messages."""
    raw = {str(k): v for k, v in table.items()}
    for key, value in raw.items():
        _check_value(key, value, where)
    shown = tuple(sorted(raw))
    for key, value in (overrides or {}).items():
        _check_value(key, value, "command line")
    raw.update(overrides or {})
    cases = []
    for values in _expand(raw, where):
        params = validate(thm.schema, values, where)
        cases.append(Case(thm.id, params, shown, profile))
    return cases
