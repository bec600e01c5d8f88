"""Formatting values read from results.json, and naming plot files.

results.json stores non-finite floats as the strings ``"nan"``, ``"inf"`` and
``"-inf"`` (encoded by :func:`verify.io.json_safe`, the one encoder); :func:`as_float` is
the one decoder, and :func:`fmt` prints any JSON value the same way in every report.
Files are written by :mod:`verify.io`.
"""
from __future__ import annotations

import hashlib
import math
import re
from typing import Any, Mapping

#: Strings that stand for non-finite floats in results.json.
_NONFINITE = {"nan": math.nan, "inf": math.inf, "+inf": math.inf, "-inf": -math.inf,
              "infinity": math.inf, "-infinity": -math.inf}

#: Printed form of a missing value.
MISSING = "—"


def as_float(value: Any) -> float | None:
    """Decode a JSON number, or a non-finite float stored as a string.

    Parameters
    ----------
    value
        A JSON value.

    Returns
    -------
    float or None
        The number (possibly NaN or infinite); None when ``value`` is not numeric.

    Examples
    --------
    >>> as_float("-inf"), as_float(2), as_float("svm"), as_float(None)
    (-inf, 2.0, None, None)
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        return _NONFINITE.get(value.strip().lower())
    return None


def fmt(value: Any, digits: int = 6) -> str:
    """Print a JSON value compactly: numbers to ``digits`` significant digits.

    Parameters
    ----------
    value
        Number, non-finite string, string, bool, list, mapping or None.
    digits
        Significant digits of floats.

    Returns
    -------
    str
        One line of text (no markup).

    Examples
    --------
    >>> fmt(0.123456789), fmt("nan"), fmt([1, 2.5]), fmt(None), fmt({"C": 3})
    ('0.123457', 'nan', '[1, 2.5]', '—', 'C=3')
    """
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    number = as_float(value)
    if number is not None:
        return repr(number) if not math.isfinite(number) else f"{number + 0.0:.{digits}g}"
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={fmt(v, digits)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        shown = ", ".join(fmt(v, digits) for v in value[:6])
        return f"[{shown}, … {len(value)} items]" if len(value) > 6 else f"[{shown}]"
    return str(value)


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)


def plot_filename(case: str, claim: str, max_len: int = 80) -> str:
    """A portable, unique SVG file name for the plot of ``claim`` on ``case``.

    Characters outside ``[A-Za-z0-9_.-]`` become ``_``; the readable part is at most
    ``max_len`` characters, cut from the case id after a whole parameter (never inside a
    name or value) so that the claim's name stays whole (a reader of ``plots/`` finds a
    claim's figure by its name), and is followed by a hash of the exact pair.

    Examples
    --------
    >>> plot_filename("thm[n=8,seed=0]", "direction")
    'thm_n_8_seed_0___direction-f8e999f3.svg'
    >>> plot_filename("thm[" + "alpha=1," * 30 + "]", "kernel_degrades")[:24]
    'thm_alpha_1_alpha_1_alph'
    >>> plot_filename("thm[" + "alpha=1," * 30 + "]", "kernel_degrades")[-37:]
    'alpha_1__kernel_degrades-14fc6a3f.svg'
    """
    safe = [_safe(part) for part in (case, claim)]
    room = max(0, max_len - len(safe[1]) - 2)
    head = safe[0]
    if len(head) > room:  # the longest run of whole parameters that fits
        cuts = [_safe(case[:m.start()]) for m in re.finditer(r"[\[,]", case)]
        head = max((c for c in cuts if len(c) <= room), key=len, default=head[:room])
    stem = f"{head}__{safe[1]}".strip("._-")[:max_len]
    digest = hashlib.sha1(f"{case}\0{claim}".encode("utf-8")).hexdigest()[:8]
    return f"{stem or 'plot'}-{digest}.svg"


def case_label(theorem: str, case: str) -> str:
    """A case's parameters, spaced after each comma so the label wraps between parameters.

    Examples
    --------
    >>> case_label("t", "t[n=8,seed=0]"), case_label("t", "other")
    ('n=8, seed=0', 'other')
    """
    if case.startswith(theorem + "[") and case.endswith("]"):
        return case[len(theorem) + 1:-1].replace(",", ", ")
    return case
