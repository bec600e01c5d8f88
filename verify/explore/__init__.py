"""Exploring a theorem beyond its cases: stress grids, confirmation of a counterexample at a
longer horizon, the hypothesis hunt and its search spaces, the counterexample analysis.

Drives :mod:`verify.engine`; prints nothing (the terminal side is :mod:`verify.cli`).
"""
