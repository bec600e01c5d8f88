"""Theorem modules of the suite, one per (paper, claim set).

Each module defines a module-level ``THEOREM`` (:class:`verify.Theorem`); the registry
(:mod:`verify.spec.registry`) discovers them through the ``verify.theorems`` entry point, so
``verify`` itself never imports a specific theorem. A module imports only from ``verify``
(the authoring API) and from the shared setups ``theorems._*`` (checked by
``tests/test_layers.py``). Its docstring is the formalization: what is published, what is
our reading, and why; measurement notes live in ``docs/notes/<theorem-id>.md``, and the
catalogue of papers in ``docs/theorems.md``.
"""
