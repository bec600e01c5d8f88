"""Theorem modules of the suite, one per (paper, claim set).

Each module defines a module-level ``THEOREM`` (:class:`verify.spec.theorem.Theorem`); the
registry (:mod:`verify.spec.registry`) discovers them through the ``verify.theorems``
entry point, so ``verify`` itself never imports a specific theorem.
"""
