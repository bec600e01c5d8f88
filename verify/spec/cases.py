"""Cases: named parameter sets from ``cases/<theorem-id>.toml``, validated into a theorem's schema.

File format::

    [profiles.quick]          # quick (CI), default, full, or any name
    n = 8
    loss = ["logistic", "exponential"]   # a list expands into one case per value

Unknown tables and keys are errors. A case prints as ``theorem[k=v,...,seed=S]`` with the
keys its profile set (STYLE.md item 8); that string is its row key in results.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from verify.errors import UserError
from verify.spec.params import validate
from verify.spec.theorem import Theorem

PROFILES = ("quick", "default", "full")
_TABLES = ("profiles", "grids")


def cases_dir() -> Path:
    """Directory of case files: ``$VERIFY_CASES_DIR`` or the repository's ``cases/``."""
    env = os.environ.get("VERIFY_CASES_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "cases"


@dataclass(frozen=True)
class Case:
    """A theorem with fully validated parameters."""

    theorem: str
    params: Mapping[str, Any]
    shown: tuple[str, ...]
    profile: str = ""

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


def load_file(path: Path) -> dict[str, Any]:
    """Parse a case file, checking its top-level structure."""
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path}: malformed TOML ({exc}); fix the syntax") from None
    for key, val in data.items():
        if key not in _TABLES or not isinstance(val, dict):
            raise UserError(f"{path}: unknown top-level key {key!r}; use [profiles.NAME] or [grids.NAME]")
    return data


def _expand(values: Mapping[str, Any]) -> list[dict[str, Any]]:
    keys = [k for k, v in values.items() if isinstance(v, list)]
    if not keys:
        return [dict(values)]
    out = []
    for combo in itertools.product(*(values[k] for k in keys)):
        out.append({**values, **dict(zip(keys, combo))})
    return out


def profile_cases(thm: Theorem, profile: str, overrides: Mapping[str, Any] | None = None,
                  path: Path | None = None) -> list[Case]:
    """The validated cases of one profile of ``thm``, with CLI ``overrides`` applied."""
    path = path or cases_dir() / f"{thm.id}.toml"
    if not path.is_file():
        raise UserError(f"no case file {path} for theorem {thm.id!r}; create it with [profiles.{profile}]")
    profiles = load_file(path).get("profiles", {})
    if profile not in profiles:
        raise UserError(f"{path}: no profile {profile!r}; available: {', '.join(profiles) or 'none'}")
    where = f"{path} [profiles.{profile}]"
    raw = dict(profiles[profile])
    shown = tuple(sorted(raw))
    raw.update(overrides or {})
    cases = []
    for values in _expand(raw):
        params = validate(thm.schema, values, where)
        cases.append(Case(thm.id, params, shown, profile))
    return cases
