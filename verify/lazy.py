"""Modules imported on first use, so that starting verify does not pay for what it may not need.

cvxpy (with the scipy.stats it imports) and matplotlib are about a second of start-up together;
``verify list``, ``--help`` and every exit-2 message need neither.  ``cp = lazy("cvxpy")`` at
the top of a module keeps the dependency visible where it is used and imports it at the first
attribute access (``cp.Variable``, ``cp.error.SolverError``), once: Python keeps the module.
"""
from __future__ import annotations

import importlib
from typing import Any


class LazyModule:
    """A stand-in for module ``name`` that imports it when an attribute is first read."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)

    def __repr__(self) -> str:
        return f"<module {self._name!r}, imported on first use>"


def lazy(name: str) -> Any:
    """Module ``name``, imported when first used (typed ``Any``, as the module would be).

    >>> m = lazy("json")
    >>> m.dumps([1])
    '[1]'
    """
    return LazyModule(name)


def load(*modules: Any) -> None:
    """Import each of ``modules`` (stand-ins from :func:`lazy`) now, e.g. before forking
    workers that use them, so that each inherits the import instead of repeating it."""
    for module in modules:
        importlib.import_module(module._name)
