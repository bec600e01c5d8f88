"""Errors that are the user's to fix (exit code 2) and errors of a computation.

A :class:`UserError` carries a one-line message that names the offending value and
the fix; the CLI prints it and exits with status 2, never with a traceback.
"""
from __future__ import annotations


class UserError(Exception):
    """Bad input: an unknown theorem, a malformed case file, a parameter out of range.

    Parameters
    ----------
    message
        One line naming the value and how to fix it.
    """


class TargetFailed(Exception):
    """A target (cvxpy program) did not reach a certified optimum.

    Quantities and expected values that depend on the target raise this; the claims
    that need them become UNDECIDED with this message as the reason.
    """
