"""Search spaces of ``verify hunt``: parameter ranges, fixed constants, data perturbations.

:func:`search_space` builds the space from the theorem's case file: every parameter a
``[grids.*]`` table varies ranges over the hull of its grid values (log scale when they span
two decades or more, clipped to the parameter's declared range), every list of the base
profile is a choice, and the data seed is an integer (a theorem without a grid is searched
over seeds only). The theorem's own constants that only its assumptions read (thresholds such
as ``C_min``) stay at the profile's value: they are part of the theorem as formalized
(:func:`constants`). :data:`PERTURB` adds data perturbations (:func:`perturb`).
"""
from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from verify.spec.cases import case_file, load_file, profile_cases
from verify.problem.data import Dataset
from verify.errors import UserError
from verify.spec.params import ENGINE_PARAMETERS
from verify.spec.theorem import Theorem

SEED_HIGH = 2**16 - 1


@dataclasses.dataclass(frozen=True)
class Dim:
    """One searched parameter: integers or floats in ``[low, high]`` (log scale), or choices."""

    name: str
    kind: str  # "int", "float" or "choice"
    low: float = 0.0
    high: float = 0.0
    log: bool = False
    choices: tuple[Any, ...] = ()

    def strategy(self) -> Any:
        """The hypothesis strategy drawing this parameter (floats rounded to 3 digits)."""
        from hypothesis import strategies as st

        if self.kind == "choice":
            return st.sampled_from(self.choices)
        if self.kind == "int":
            return st.integers(int(self.low), int(self.high))
        lo, hi = (math.log(self.low), math.log(self.high)) if self.log else (self.low, self.high)
        draw = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
        return draw.map(lambda v: min(max(_round3(math.exp(v) if self.log else v), self.low), self.high))


def _round3(v: float) -> float:
    return float(f"{v:.3g}")


def _clip(p: Any, low: float, high: float) -> tuple[float, float]:
    """``[low, high]`` inside the parameter's range (an open lower end moved up by one ulp)."""
    floor = p.low if p.low is None or not p.low_open else math.nextafter(p.low, math.inf)
    lo = low if floor is None else max(low, floor)
    return lo, high if p.high is None else min(high, p.high)


def _dim(thm: Theorem, name: str, values: Sequence[Any]) -> Dim:
    p = thm.schema[name]
    numeric = p.type in (int, float) and p.choices is None and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    if not numeric or len(set(values)) < 2:
        return Dim(name, "choice", choices=tuple(dict.fromkeys(values)))
    lo, hi = _clip(p, float(min(values)), float(max(values)))
    kind = "int" if p.type is int else "float"
    return Dim(name, kind, lo, hi, log=kind == "float" and lo > 0 and hi / lo >= 100)


class _Reads(dict):
    """A parameter dict that records which keys were read."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.read: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)


def constants(thm: Theorem, params: Mapping[str, Any]) -> set[str]:
    """The theorem's own parameters that only its assumptions use (thresholds such as ``C_min``).

    Found by recording what the assumptions' measures (and relations) read on the data of
    ``params``, minus what the model and the engine use. The hunt keeps them fixed: changing
    a threshold changes the theorem as formalized, not the instance. If the data cannot be
    generated, nothing is excluded.
    """
    run = _Reads(params)
    thm.model(run)
    try:
        data = thm.generate(params, np.random.default_rng(0))
    except Exception:
        return set()
    used: set[str] = set()
    for a in thm.assumptions:
        reads = _Reads(params)
        measured = set(a.measure(data, reads)) if a.measure is not None else set()
        # a symbol named like a parameter counts unless the measure computes it from the data
        used |= reads.read | (set(a.symbols) & set(params)) - measured
    return used & set(thm.parameters) - run.read - set(ENGINE_PARAMETERS)


def search_space(thm: Theorem, profile: str = "quick", path: Path | None = None) -> dict[str, Dim]:
    """The searched parameters of ``thm`` around its base ``profile`` (see the module docstring)."""
    path = case_file(thm, path)
    if not path.is_file():
        raise UserError(f"no case file {path} for theorem {thm.id!r}; "
                        f"create it with [profiles.{profile}]")
    tables = load_file(path)
    base = tables.get("profiles", {}).get(profile)
    if base is None:
        known = ", ".join(tables.get("profiles", {})) or "none"
        raise UserError(f"{path}: no profile {profile!r}; available: {known}")
    ranges: dict[str, list] = {k: list(v) for k, v in base.items() if isinstance(v, list)}
    for g in tables.get("grids", {}).values():
        for k, v in g.items():
            ranges.setdefault(k, []).extend(v if isinstance(v, list) else [v])
    bad = sorted(k for k in ranges if k not in thm.schema)
    if bad:
        raise UserError(f"{path}: {bad[0]!r} is not a parameter of {thm.id}")
    fixed = constants(thm, profile_cases(thm, profile, path=path)[0].params)
    space = {k: _dim(thm, k, v) for k, v in ranges.items() if k != "seed" and k not in fixed}
    return space | {"seed": Dim("seed", "int", 0, SEED_HIGH)}


#: Data perturbations a candidate may carry (searched when ``perturb`` is on).
PERTURB = {"drop_frac": Dim("drop_frac", "float", 0.0, 0.5), "jitter": Dim("jitter", "float", 0.0, 0.1)}


def perturb(data: Dataset, drop_frac: float, jitter: float, seed: int) -> Dataset:
    """``data`` without ``round(drop_frac n)`` random points and with relative Gaussian jitter.

    At least two points are kept; the jitter of a row is ``jitter ||x_i|| / sqrt(d)`` per
    coordinate. Deterministic in ``seed``.

    Examples
    --------
    >>> d = Dataset(np.eye(4), np.array([1.0, -1.0, 1.0, -1.0]))
    >>> perturb(d, 0.5, 0.0, seed=0).n, perturb(d, 0.9, 0.0, seed=0).n
    (2, 2)
    >>> perturb(d, 0.0, 0.1, seed=1).fingerprint() == perturb(d, 0.0, 0.1, seed=1).fingerprint()
    True
    """
    rng = np.random.default_rng([seed, 7])
    k = min(int(round(drop_frac * data.n)), data.n - 2)
    keep = np.sort(rng.permutation(data.n)[k:])
    X = data.X[keep]
    if jitter:
        scale = jitter * np.linalg.norm(X, axis=1, keepdims=True) / math.sqrt(data.d)
        X = X + scale * rng.standard_normal(X.shape)
    note = f"/perturbed(drop_frac={drop_frac},jitter={jitter})"
    return Dataset(X, data.y[keep], data.source + note, dict(data.meta))
