"""Errors that are the user's to fix (exit code 2) and errors of a computation.

A :class:`UserError` carries a one-line message that names the offending value and
the fix; the CLI (:func:`verify.cli.main.main`, the one place that turns exceptions into
exit codes) prints it as ``verify: error: <message>`` and exits with status 2, never with a
traceback.  :func:`one_line` makes any text, including values copied from a user's file,
safe to print as that one line.
"""
from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")


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


def one_line(text: str, limit: int = 600) -> str:
    """``text`` as one printable line of at most ``limit`` characters.

    Runs of whitespace (newlines included) become one space; other control and format
    characters become their ``\\x``/``\\u`` escapes, so a value copied from a file can
    neither break the line nor drive the terminal.

    Examples
    --------
    >>> one_line("a\\n  b\\x1b[31m c")
    'a b\\\\x1b[31m c'
    >>> one_line("x" * 10, limit=6)
    'xxx...'
    """
    text = _SPACE.sub(" ", str(text)).strip()
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else ascii(ch)[1:-1] for ch in text)
    return text if len(text) <= limit else text[: max(limit - 3, 0)] + "..."
