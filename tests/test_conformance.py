"""Every registered theorem passes every conformance check (verify.testing).

The mutation check (:func:`verify.testing.check_mutation`) runs in tests/test_mutation.py,
on one quick run per theorem shared across the session.
"""
from __future__ import annotations

import pytest

from verify.spec import registry
from verify.testing import check_mutation, checks

PAIRS = [(tid, check) for tid in registry.theorems() for check in checks()
         if check is not check_mutation]


@pytest.mark.parametrize("tid,check", PAIRS, ids=[f"{t}-{c.__name__}" for t, c in PAIRS])
def test_theorem_conforms(tid, check):
    check(registry.get(tid))
