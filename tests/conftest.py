"""Shared fixtures: the tiny case files and the one-line error check of the CLI; one cache
of the compiled GD kernels for the whole session."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from verify.dynamics.jit import enable_cache

#: Set in the controlling pytest process when it made the session's kernel cache.
_OWN_CACHE = "VERIFY_TEST_KERNEL_CACHE"


def pytest_configure(config):
    """Compile the GD kernels once per session, not once per process: the controlling
    process makes a temporary ``NUMBA_CACHE_DIR`` that the xdist workers, the pool workers and
    the ``python -m verify`` subprocesses of the tests inherit (a user's own setting is kept).
    Loaded kernels are the compiled code, so no result depends on it; removed at the end."""
    if not os.environ.get("NUMBA_CACHE_DIR"):
        os.environ[_OWN_CACHE] = tempfile.mkdtemp(prefix="verify-tests-numba-")
        os.environ["NUMBA_CACHE_DIR"] = os.environ[_OWN_CACHE]
    enable_cache(os.environ["NUMBA_CACHE_DIR"])


def pytest_unconfigure(config):
    if not hasattr(config, "workerinput") and os.environ.get(_OWN_CACHE):
        shutil.rmtree(os.environ.pop(_OWN_CACHE), ignore_errors=True)

TINY = Path(__file__).parent / "cases"


@pytest.fixture
def tiny_cases(monkeypatch):
    """Point the CLI at the tiny case files of ``tests/cases``."""
    monkeypatch.setenv("VERIFY_CASES_DIR", str(TINY))


@pytest.fixture
def one_line_error(capsys):
    """A function returning stderr, asserting it is one ``verify: error:`` line."""
    def check() -> str:
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("verify: error:"), err
        return err[0]
    return check
