"""Content addresses of cached results: the hash of everything that decides a case or a sweep run.

A finished case is cached as ``OUT/cases/<key>.json`` and a sweep run as
``OUT/sweeps/<code>/<key>.json`` (:mod:`verify.engine.runner`, :mod:`verify.engine.sweepjobs`).
Both are reused only when the hash of everything that decides them is unchanged:

- the case's parameters (and the data's fingerprint with ``--data``): the key proper;
- :meth:`Fingerprints.code` of its theorem, which hashes

  * the source of the module defining the theorem and of every module of the same package
    it imports, transitively (:func:`theorem_sources`: the ``import`` statements of the
    source are read, not executed, so an import inside a function counts too; imports by
    name at run time, ``importlib.import_module("theorems._x")``, are not seen), together
    with the ``__init__.py`` of each package on their paths, which runs on import;
  * the bytes of the theorem's case file (``cases/<theorem-id>.toml``);
  * the engine: every ``.py`` file of the installed ``verify`` package (:func:`engine_sources`),
    so an edit anywhere in ``verify`` invalidates every cached result (conservative: a change
    of the report's wording recomputes too);
  * the versions of Python and of the dependencies (:func:`package_versions`).

Files read by a theorem at run time (other than its case file) are not hashed.  A theorem
that no loaded module defines (one built in memory, e.g. by ``dataclasses.replace`` in a
test) is hashed by its ``repr``, which names its functions by address: such a key holds for
the process that made it and is never met by another, so its results are reused within that
process only.

A :class:`Fingerprints` object hashes each input once in its lifetime (the engine once, each
theorem once): the runner makes one per call of :func:`verify.engine.runner.run_jobs`; no
module-level cache is kept, so a theorem module edited and re-imported within a process is
seen by the next run.  :class:`Reuse` counts what a run reused.
"""
from __future__ import annotations

import ast
import ctypes
import functools
import hashlib
import importlib.util
import json
import os
import platform
import re
import sys
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, requires, version
from pathlib import Path
from types import ModuleType
from typing import Any, Iterable

import numpy

import verify
from verify.spec import registry
from verify.spec.cases import case_file
from verify.spec.registry import defining_module
from verify.spec.theorem import Theorem

try:  # optional, not a dependency: the most precise report of the BLAS in use
    import threadpoolctl
except ImportError:
    threadpoolctl = None

#: The distributions whose versions decide a result: every direct dependency and verify
#: (with any other run-time requirement the installed verify declares, :func:`dependencies`).
PACKAGES = ("numpy", "scipy", "sympy", "mpmath", "python-flint", "cvxpy", "clarabel",
            "matplotlib", "hypothesis", "tomli-w", "verify")
DIGITS = 16  # hex digits of a code hash


def dependencies() -> tuple[str, ...]:
    """:data:`PACKAGES` and the run-time requirements of the installed verify (not extras)."""
    try:
        declared = [r for r in (requires("verify") or []) if "extra ==" not in r]
    except PackageNotFoundError:
        declared = []
    names = [re.split(r"[<>=!~;\[ ]", r, maxsplit=1)[0].strip().lower() for r in declared]
    return tuple(dict.fromkeys([*PACKAGES, *(n for n in names if n)]))


@functools.cache
def _installed() -> tuple[tuple[str, str], ...]:
    """:func:`package_versions`, read once per process (reading the metadata of every package
    takes about 40 ms, and every sweep run's cache key asks for it)."""
    out = {}
    for name in dependencies():
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return tuple(out.items())


def package_versions() -> dict[str, str]:
    """Installed versions of the packages results depend on (``"not installed"`` if absent)."""
    return dict(_installed())


def _digest(parts: Iterable[tuple[str, bytes]]) -> str:
    """SHA-256 over ``(name, bytes)`` pairs, each length-prefixed (no two inputs collide by
    concatenation), as :data:`DIGITS` hex digits.

    Examples
    --------
    >>> _digest([("a", b"bc")]) != _digest([("ab", b"c")])
    True
    """
    h = hashlib.sha256()
    for name, blob in parts:
        for piece in (name.encode(), blob):
            h.update(len(piece).to_bytes(8, "little"))
            h.update(piece)
    return h.hexdigest()[:DIGITS]


def engine_sources(root: Path | None = None) -> dict[str, bytes]:
    """Every ``.py`` file of the installed ``verify`` package (or of ``root``), by path
    relative to it."""
    root = Path(root or Path(verify.__file__).parent)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.py"))
            if "__pycache__" not in p.parts}


def _origin(name: str) -> Path | None:
    """The source file of module ``name``, or None (not found, not a module, no file)."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError, AttributeError):
        return None
    origin = getattr(spec, "origin", None)
    return Path(origin) if origin and origin.endswith(".py") and Path(origin).is_file() else None


def _imported(source: str, name: str, is_package: bool) -> set[str]:
    """Absolute names ``source`` (of module ``name``) imports: ``import a.b`` gives ``a.b``;
    ``from a import b`` gives ``a`` and ``a.b`` (``b`` may be a submodule); relative imports
    are resolved against the module's package.

    Examples
    --------
    >>> sorted(_imported("from theorems import _x as x\\nfrom . import _y", "theorems.t", False))
    ['theorems', 'theorems._x', 'theorems._y']
    """
    package = name if is_package else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = ("." * node.level + (node.module or "")) if node.level else node.module or ""
            try:
                base = importlib.util.resolve_name(base, package) if node.level else base
            except (ImportError, ValueError):
                continue
            out.add(base)
            out |= {f"{base}.{a.name}" for a in node.names if a.name != "*"}
    return out


def _parents(name: str) -> list[str]:
    """The packages above ``name``: ``a.b.c`` gives ``a``, ``a.b``."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def theorem_sources(module: str) -> dict[str, bytes]:
    """The source of ``module`` and of every module of its top-level package it imports,
    transitively, with the ``__init__.py`` of each package on their paths, by module name.

    Examples
    --------
    >>> sorted(theorem_sources("theorems.lyu2021_fragile"))
    ['theorems', 'theorems._lyu2021', 'theorems.lyu2021_fragile']
    """
    top = module.split(".")[0]
    found: dict[str, bytes] = {}
    todo = [module, *_parents(module)]
    while todo:
        name = todo.pop()
        if name in found or name.split(".")[0] != top:
            continue
        path = _origin(name)
        if path is None:
            continue
        found[name] = path.read_bytes()
        is_package = path.name == "__init__.py"
        todo += [*_imported(found[name].decode(), name, is_package), *_parents(name)]
    return dict(sorted(found.items()))


def _corenames() -> list[str]:
    """OpenBLAS core names of the loaded OpenBLAS libraries (Linux: read from
    ``/proc/self/maps``; each library asked through its ``*get_corename*`` function)."""
    try:
        with open("/proc/self/maps") as f:
            libs = sorted({ln.split()[-1] for ln in f if "openblas" in ln.lower() and "/" in ln})
    except OSError:
        return []
    names = []
    for lib in libs:
        try:
            handle = ctypes.CDLL(lib)
        except OSError:
            continue
        for sym in ("openblas_get_corename", "scipy_openblas_get_corename64_",
                    "scipy_openblas_get_corename", "openblas_get_corename64_"):
            fn = getattr(handle, sym, None)
            if fn is not None:
                fn.restype = ctypes.c_char_p
                names.append(f"{Path(lib).name}: {fn().decode()}")
                break
    return names


def _cpu() -> str:
    """The CPU's model name (Linux ``/proc/cpuinfo``), or ``"unknown"``."""
    try:
        with open("/proc/cpuinfo") as f:
            return next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")),
                        "unknown")
    except OSError:
        return "unknown"


def blas_kernel() -> dict[str, Any]:
    """The BLAS in use and the kernel it picked for this CPU (summation order, hence last bits).

    From threadpoolctl when installed; else the core names OpenBLAS reports for the loaded
    libraries; else numpy's build configuration.  ``OPENBLAS_CORETYPE`` (which forces a
    kernel) is recorded either way.
    """
    out: dict[str, Any] = {"OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "unset"),
                           "machine": platform.machine(), "cpu": _cpu()}
    if threadpoolctl is not None:
        info = threadpoolctl.threadpool_info()
        out["libraries"] = [{k: i.get(k) for k in ("internal_api", "version", "architecture",
                                                   "filepath")} for i in info]
        return out
    cores = _corenames()
    if cores:
        out["openblas_cores"] = cores
        return out
    try:
        cfg = numpy.show_config(mode="dicts")["Build Dependencies"]["blas"]
        out["numpy_blas_build"] = " ".join(str(cfg.get(k, "")) for k in
                                           ("name", "version", "openblas configuration"))
    except (KeyError, TypeError):
        out["numpy_blas_build"] = "unknown"
    return out


@dataclass
class Fingerprints:
    """The code hashes of one run: each input hashed once in this object's lifetime.

    Examples
    --------
    >>> fp = Fingerprints()
    >>> fp.code("soudry2018-linear") == fp.code("soudry2018-linear") != fp.code("lyu2021-fragile")
    True
    >>> len(fp.code("soudry2018-linear"))
    16
    """

    _engine: str = field(default="", init=False, repr=False)
    _codes: dict[str, str] = field(default_factory=dict, init=False, repr=False)

    def engine(self) -> str:
        """Hash of the engine's source and of the versions of Python and the dependencies."""
        if not self._engine:
            env = {"python": platform.python_version(), **package_versions()}
            self._engine = _digest([*engine_sources().items(),
                                    ("versions", json.dumps(env, sort_keys=True).encode())])
        return self._engine

    def theorem(self, thm: Theorem) -> str:
        """Hash of the theorem's sources (module and helpers) and of its case file."""
        mod = defining_module(thm)
        sources = theorem_sources(mod.__name__) if mod is not None else {}
        if mod is None or mod.__name__ not in sources:  # no source file (e.g. built in memory)
            sources = {"in memory": repr(thm).encode(), **sources}
        path = case_file(thm)
        cases = path.read_bytes() if path.is_file() else b"(no case file)"
        return _digest([*sources.items(), ("case file", cases)])

    def code(self, theorem_id: str) -> str:
        """Everything but the parameters that decides a result of ``theorem_id``."""
        if theorem_id not in self._codes:
            thm = registry.get(theorem_id)
            self._codes[theorem_id] = _digest([("theorem", self.theorem(thm).encode()),
                                               ("engine", self.engine().encode())])
        return self._codes[theorem_id]


@dataclass
class Reuse:
    """How many cached cases and sweep runs a run reused (filled in by the runner).

    Examples
    --------
    >>> r = Reuse(cases=3, case_total=4, sweep_runs=0, sweep_total=10)
    >>> str(r)
    'reused 3 of 4 cases and 0 of 10 sweep runs from the cache (same parameters, code and inputs)'
    >>> r.to_json()["cases"]
    3
    """

    cases: int = 0
    case_total: int = 0
    sweep_runs: int = 0
    sweep_total: int = 0

    def to_json(self) -> dict[str, int]:
        """The counts, for the provenance of results.json."""
        return {"cases": self.cases, "case_total": self.case_total,
                "sweep_runs": self.sweep_runs, "sweep_total": self.sweep_total}

    def __str__(self) -> str:
        runs = (f" and {self.sweep_runs} of {self.sweep_total} sweep runs" if self.sweep_total
                else "")
        return (f"reused {self.cases} of {self.case_total} cases{runs} from the cache "
                "(same parameters, code and inputs)")
