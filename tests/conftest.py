"""Shared fixtures: the tiny case files and the one-line error check of the CLI."""
from __future__ import annotations

from pathlib import Path

import pytest

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
