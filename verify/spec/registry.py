"""Explicit, side-effect-free theorem registry (docs/design.md, convention 7).

Theorem packages are declared under the ``verify.theorems`` entry-point group (this
project's own ``theorems`` package is one); each public module of such a package (a name
not starting with ``_``) that defines ``THEOREM`` contributes it. Nothing is probed at import
time of :mod:`verify`, and nothing is memoized here: the modules themselves are imported
once (Python's module cache), and a look-up walks the entry points again (a few ms), so a
caller gets a fresh mapping it may change freely.
"""
from __future__ import annotations

import importlib
import pkgutil
import sys
from types import ModuleType
from importlib.metadata import entry_points

from verify.errors import UserError
from verify.spec.theorem import Theorem

GROUP = "verify.theorems"


def _modules(package_name: str) -> list[str]:
    pkg = importlib.import_module(package_name)
    return [f"{package_name}.{m.name}" for m in pkgutil.iter_modules(pkg.__path__)
            if not m.name.startswith("_")]


def theorems() -> dict[str, Theorem]:
    """All registered theorems by id, sorted."""
    found: dict[str, Theorem] = {}
    for ep in entry_points(group=GROUP):
        for modname in _modules(ep.value):
            thm = getattr(importlib.import_module(modname), "THEOREM", None)
            if isinstance(thm, Theorem):
                if thm.id in found:
                    raise RuntimeError(f"theorem id {thm.id!r} registered twice ({modname})")
                found[thm.id] = thm
    return dict(sorted(found.items()))


def get(theorem_id: str) -> Theorem:
    """Theorem by id; an unknown id is a UserError listing the known ones.

    Examples
    --------
    >>> get("soudry2018-linear").citation.year
    2018
    >>> get("soudry2018")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    verify.errors.UserError: unknown theorem 'soudry2018'; known theorems: ... (see `verify list`)
    """
    all_ = theorems()
    if theorem_id not in all_:
        known = ", ".join(all_) or "(none registered: is the package installed?)"
        raise UserError(f"unknown theorem {theorem_id!r}; known theorems: {known} "
                        "(see `verify list`)")
    return all_[theorem_id]


def defining_module(thm: Theorem) -> ModuleType | None:
    """The loaded module whose ``THEOREM`` is ``thm`` (the very object), or None.

    A theorem built in memory (a notebook, ``dataclasses.replace``) has none.  A script that
    imported it (``from pkg.mod import THEOREM``) holds it too: ``__main__`` comes last.
    """
    holders = [mod for mod in list(sys.modules.values())  # no module __getattr__ runs
               if getattr(mod, "__dict__", {}).get("THEOREM") is thm]
    holders.sort(key=lambda mod: mod.__name__ == "__main__")
    return holders[0] if holders else None
