"""Gradient descent and its record: the iterator, the trajectory driver, exact coordinates,
compensated and certified runs, the precision audit and the step-halving check.

Hands up a :class:`~verify.dynamics.trajectory.Trajectory`; knows nothing of claims or theorems.
"""
