"""Reference targets: certified convex programs (SVMs, KKT multipliers, the two-layer convex
reformulation, min-norm interpolators, kernel SVMs, the F1 dictionary LP).

Each returns a :class:`~verify.targets.base.Target`: solution, solver status and a certificate
computed independently of the solver (docs/design.md, "Targets"). Only :mod:`verify.arith`
and the base modules lie below.
"""
