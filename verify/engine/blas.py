"""One BLAS thread per process, fixed before numpy loads (imports nothing heavy).

A threaded BLAS sums in a thread-dependent order, so the last bits of a least-squares fit
depend on the thread count; and two ``--jobs`` workers each running a threaded BLAS on 2
cores oversubscribe them (measured: one chizat-bach2020-f1 sweep run took 154 s instead of
5 s).  The CLI and every pool worker therefore run with one BLAS thread, so a case gives
the same bits whatever ``--jobs`` is.  A user who sets these variables keeps their values
(and the provenance records them).
"""
from __future__ import annotations

import os

#: Environment variables that cap the threads of OpenBLAS, OpenMP and MKL.
BLAS_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def single_threaded() -> dict[str, str]:
    """Set each variable to 1 unless already set; returns the values now in force.

    Effective only in processes whose BLAS has not loaded yet (call before importing numpy),
    and in every process started afterwards.
    """
    for var in BLAS_THREAD_VARS:
        os.environ.setdefault(var, "1")
    return {var: os.environ[var] for var in BLAS_THREAD_VARS}
