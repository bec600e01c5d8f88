"""Compiling the fused kernels with numba, and caching what was compiled.

:func:`jit` compiles a function with ``numba.njit`` (no fastmath: IEEE order kept, no
contraction into FMA), so the compiled code computes what the Python source says, in its
order, on every CPU; without numba (a platform without its wheels) the function stays plain
Python and :data:`COMPILED` is false (:mod:`verify.dynamics.compiled` then runs the numpy
path).  :func:`enable_cache` switches on numba's on-disk cache for every function compiled here.
"""
from __future__ import annotations

import os
from typing import Any, Callable

try:  # numba is a dependency; a platform without its wheels falls back to numpy
    import numba
except ImportError:  # pragma: no cover - exercised by the fallback test with a blocked import
    numba = None

#: Whether the kernels are compiled (numba installed).
COMPILED = numba is not None

#: The functions compiled through :func:`jit` (their on-disk cache is switched on by :func:`enable_cache`).
_JITTED: list[Any] = []


def _cache_dir() -> str | None:
    """Where compiled kernels are cached: ``NUMBA_CACHE_DIR`` when set (by the user, or by
    :func:`enable_cache` in a parent process), else nowhere: nothing is written."""
    return os.environ.get("NUMBA_CACHE_DIR") or None


def jit(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``numba.njit`` (no fastmath: IEEE order kept, no contraction into FMA) when available,
    cached on disk only where :func:`_cache_dir` names a directory."""
    if numba is None:
        return fn
    where = _cache_dir()
    if where is not None:
        numba.config.CACHE_DIR = where  # numba read its settings when first imported
    jitted = numba.njit(cache=where is not None, fastmath=False)(fn)
    _JITTED.append(jitted)
    return jitted


def enable_cache(path: str | os.PathLike[str]) -> None:
    """Cache the compiled kernels in ``path``, in this process and in the processes it starts.

    Compiling them costs about 6 s per process (every pool worker, every subprocess); with a
    cache, a process whose CPU, numba version and kernel source match a cached entry loads it
    instead (numba checks all three: an entry never outlives a change of any).  The code
    loaded is the code compiled, so results do not depend on the cache.  ``verify run``,
    ``stress`` and ``hunt`` cache in their output directory (``OUT/.cache/numba``) unless
    ``NUMBA_CACHE_DIR`` is set; without either nothing is written.
    """
    if numba is None:
        return
    os.environ["NUMBA_CACHE_DIR"] = str(path)
    numba.config.CACHE_DIR = str(path)
    for fn in _JITTED:
        fn.enable_caching()
