"""Plots drawn on several cores: the rows of a report split among forked worker processes.

Drawing a claim's plot (matplotlib, two passes for the tight crop, then SVG) costs about
0.2 s, and a default run has a hundred of them: drawn one after another they were a third of
``verify run --all --profile quick`` (21 s of 71 s on 2 cores, the cores otherwise idle).
Each plot depends on its row and case record only (:func:`verify.report.plots.plot_row`), so
:func:`draw_all` hands contiguous blocks of them to ``jobs`` processes forked from this one
(the results are already in their memory; nothing but the SVG bytes comes back) and returns
them in row order: the bytes are the same as drawn in turn (``tests/test_report.py``).

Forking is used only where it is safe and cheap: on a platform with ``fork`` and while this
process runs a single thread (a Dask client's threads would be copied mid-state); otherwise,
and for ``jobs == 1`` or a handful of plots, they are drawn in this process.
"""
from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Sequence

#: Fewest plots worth a pool (forking costs milliseconds; a plot about 200).
MIN_PARALLEL = 8

_TODO: Sequence[tuple[Any, ...]] = ()
_DRAW: Callable[..., bytes | None] | None = None


def _draw_at(i: int) -> bytes | None:
    """Worker side: draw item ``i`` of the list the parent set before forking."""
    assert _DRAW is not None
    return _DRAW(*_TODO[i])


def can_fork() -> bool:
    """Whether plots may be drawn in forked processes (``fork`` exists, one thread runs)."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def draw_all(draw: Callable[..., bytes | None], items: Sequence[tuple[Any, ...]],
             jobs: int) -> list[bytes | None]:
    """``[draw(*item) for item in items]``, on up to ``jobs`` forked processes.

    Parameters
    ----------
    draw
        A module-level function (e.g. :func:`verify.report.plots.plot_row`).
    items
        Its argument tuples, in output order.
    jobs
        Processes to use (1: this process only).

    Returns
    -------
    list
        ``draw(*item)`` for each item, in order.

    Examples
    --------
    >>> draw_all(lambda a, b: bytes([a + b]), [(1, 2), (3, 4)], jobs=2)
    [b'\\x03', b'\\x07']
    """
    workers = min(jobs, len(items))
    if workers < 2 or len(items) < MIN_PARALLEL or not can_fork():
        return [draw(*item) for item in items]
    global _TODO, _DRAW
    _TODO, _DRAW = items, draw
    try:
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
            chunk = max(1, len(items) // (4 * workers))
            return list(pool.map(_draw_at, range(len(items)), chunksize=chunk))
    finally:
        _TODO, _DRAW = (), None
