"""The reasons of the rows that did not pass, one terminal line each.

After a run the CLI prints, for every SKIPPED, UNDECIDED or FAIL row (a diagnostic row
included: its reason is what it shows), one line ``  FAIL  theorem[case] claim: reason``,
the reason cut to :data:`WIDTH` characters; the full text stays in the report.  At most
:data:`LIMIT` lines are printed, then a count of the rest.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from verify.errors import one_line

#: Outcomes whose reason is printed, in this order.
SHOWN = ("FAIL", "UNDECIDED", "SKIPPED")
#: Most reason lines printed after a run.
LIMIT = 40
#: Most characters of one reason line.
WIDTH = 200


def reason_line(row: Mapping[str, Any], width: int = WIDTH) -> str:
    """One row as ``  OUTCOME  case claim: reason``, at most ``width`` characters.

    Examples
    --------
    >>> reason_line({"outcome": "SKIPPED", "case": "t[n=8,seed=0]", "claim": "rate",
    ...              "reason": "assumption step fails"})
    '  SKIPPED  t[n=8,seed=0] rate: assumption step fails'
    >>> len(reason_line({"outcome": "FAIL", "case": "c", "claim": "k", "reason": "x" * 500}))
    200
    """
    fields = [one_line(row.get(k) or "", 10 * width) for k in ("outcome", "case", "claim")]
    reason = one_line(row.get("reason") or "(no reason given)", 10 * width)
    line = f"  {fields[0]}  {fields[1]} {fields[2]}: {reason}"
    return line if len(line) <= width else line[:width - 1] + "…"


def reason_lines(rows: Iterable[Mapping[str, Any]], see: str = "summary.md",
                 limit: int = LIMIT, width: int = WIDTH) -> list[str]:
    """The lines for every row whose outcome is in :data:`SHOWN`, worst first, at most
    ``limit`` of them, then ``... and K more (see <see>)``.

    Examples
    --------
    >>> rows = [{"outcome": o, "case": "c", "claim": str(i), "reason": "r"}
    ...         for i, o in enumerate(["PASS", "SKIPPED", "FAIL", "UNDECIDED"])]
    >>> reason_lines(rows)
    ['  FAIL  c 2: r', '  UNDECIDED  c 3: r', '  SKIPPED  c 1: r']
    >>> reason_lines(rows, limit=1)
    ['  FAIL  c 2: r', '... and 2 more (see summary.md)']
    """
    picked = [r for r in rows if r.get("outcome") in SHOWN]
    picked.sort(key=lambda r: SHOWN.index(r["outcome"]))
    lines = [reason_line(r, width) for r in picked[:limit]]
    if len(picked) > limit:
        lines.append(f"... and {len(picked) - limit} more (see {see})")
    return lines
