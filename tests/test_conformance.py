"""Every registered theorem passes every conformance check (verify.testing)."""
from __future__ import annotations

import pytest

from verify.spec import registry
from verify.testing import checks

PAIRS = [(tid, check) for tid in registry.theorems() for check in checks()]


@pytest.mark.parametrize("tid,check", PAIRS, ids=[f"{t}-{c.__name__}" for t, c in PAIRS])
def test_theorem_conforms(tid, check):
    check(registry.get(tid))
