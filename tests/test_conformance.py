"""Every registered theorem passes every conformance check (verify.testing).

The mutation check (:func:`verify.testing.check_mutation`) and the reproducibility check
(:func:`verify.testing.check_quick_reproducible`) run in tests/test_mutation.py, on one quick
run per theorem shared by the module (the reproducibility check compares a second, fresh run
with it).
"""
from __future__ import annotations

import pytest

from verify.spec import registry
from verify.testing import check_mutation, check_quick_reproducible, checks

PAIRS = [(tid, check) for tid in registry.theorems() for check in checks()
         if check not in (check_mutation, check_quick_reproducible)]


@pytest.mark.parametrize("tid,check", PAIRS, ids=[f"{t}-{c.__name__}" for t, c in PAIRS])
def test_theorem_conforms(tid, check):
    check(registry.get(tid))
