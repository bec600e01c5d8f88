"""``--set KEY=VALUE``: parameter overrides from the command line.

Each value is read as a TOML scalar, as the case file would hold it (``--set eta=0.1`` is
a float, ``--set m=20`` an int, ``--set step_check=true`` a bool, ``--set loss=logistic``
or ``--set 'loss="logistic"'`` a string), then checked against the theorem's schema
(:meth:`verify.spec.params.Param.check`) before any case is built.  The overrides apply to
every case of the chosen profile, on top of the case file, and their keys are shown in the
case label, so a run with another value is another case (another row, another cache entry).
"""
from __future__ import annotations

import dataclasses
from typing import Any, Mapping

from verify.errors import UserError
from verify.spec.cases import Case, profile_cases
from verify.spec.theorem import Theorem

def checked(thm: Theorem, sets: Mapping[str, Any], several: bool = False) -> dict[str, Any]:
    """``sets`` typed and range-checked against ``thm``'s schema.

    An unknown key or a bad value is a UserError naming the flag, the theorem when
    ``several`` theorems run, and the fix.
    """
    schema = thm.schema
    which = f" of theorem {thm.id!r}" if several else ""
    out = {}
    for key, value in sets.items():
        if key not in schema:
            raise UserError(f"--set {key}: no such parameter{which}; known parameters: "
                            f"{', '.join(sorted(schema))} (see `verify list {thm.id}`)")
        try:
            out[key] = schema[key].check(key, value)
        except UserError as exc:
            raise UserError(f"--set {key}{which}: {exc}") from None
    return out


def merge(flags: Mapping[str, Any], sets: Mapping[str, Any]) -> dict[str, Any]:
    """The dedicated flags (``--seed``, ``--backend``, ``--dps``) with ``sets``; a key given both
    ways is a UserError.

    Examples
    --------
    >>> merge({"seed": 1}, {"eta": 0.5})
    {'seed': 1, 'eta': 0.5}
    """
    both = sorted(set(flags) & set(sets))
    if both:
        raise UserError(f"--{both[0]} and --set {both[0]}=... both given; use one of them")
    return {**flags, **sets}


def cases(thm: Theorem, profile: str, flags: Mapping[str, Any], sets: Mapping[str, Any]) -> list[Case]:
    """The cases of ``profile`` with the flag overrides and the checked ``sets`` applied.

    The keys of ``sets`` join the case label (``thm[eta=0.5,...,seed=0]``), so a case run
    with another value is another row of the results, never the cached one.
    """
    found = profile_cases(thm, profile, merge(flags, sets))
    if not sets:
        return found
    return [dataclasses.replace(c, shown=tuple(sorted(set(c.shown) | set(sets)))) for c in found]


def fixed(thm: Theorem, sets: Mapping[str, Any], spec: Mapping[str, list]) -> dict[str, list]:
    """``verify stress``: the checked ``sets`` as one-value entries of a sweep ``spec``
    (parameter -> values); a parameter both swept and set is a UserError.

    Examples
    --------
    >>> from verify.spec import registry
    >>> fixed(registry.get("soudry2018-linear"), {"eta": 1}, {"n": [4, 8]})
    {'eta': [1.0]}
    """
    both = sorted(set(sets) & set(spec))
    if both:
        raise UserError(f"--set {both[0]}: {both[0]} is also swept (--vary or --grid); "
                        "give it one way")
    return {k: [v] for k, v in checked(thm, sets).items()}
