"""summary.md: the report's content model (:mod:`verify.report.content`) as GitHub Markdown.

Tables become pipe tables whose cells are marked up by column kind (identifiers as code,
LaTeX between dollars, outcomes bold); ``|`` and newlines inside a cell are escaped.
Everything copied from results.json (names, reasons, file names in the command) is escaped
so that it stays text: no raw HTML (a ``<`` that could open a tag becomes ``&lt;``, or
``< `` inside LaTeX, where the space is invisible), no link (``](`` is escaped), and a code
span is fenced by more backticks than it contains (:func:`md_text`, :func:`md_code`,
:func:`md_math`).  index.html escapes the same values as HTML (:mod:`verify.report.html`).

Examples
--------
>>> print(md_table(Table(("claim", "outcome"), ("code", "status"), (("a|b", "PASS"),))))
| claim | outcome |
|---|---|
| `a\\|b` | **PASS** |
>>> md_text("file '<img src=x onerror=alert(1)>.npz' < 0")
"file '&lt;img src=x onerror=alert(1)>.npz' < 0"
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from verify.report.content import (PREAMBLE, READING, CaseGroup, Table, TheoremGroup, case_facts,
                                   case_tables, claim_details, claims_table, counts_table, group,
                                   provenance_items, resolution_text, split_reading)
from verify.report.format import MISSING
from verify.report.reasons import reason_of

_TAG = re.compile(r"<(?=[A-Za-z/!?])")  # what could open an HTML tag, comment or autolink
_SPACE = re.compile(r"\s*\n\s*")


def md_text(text: str) -> str:
    """``text`` from data as inline Markdown text: one line, no HTML tag, no link."""
    text = _SPACE.sub(" ", str(text))
    return _TAG.sub("&lt;", text).replace("](", "\\](")


def md_code(text: str) -> str:
    """``text`` as a code span, fenced by one backtick more than its longest run of them.

    Examples
    --------
    >>> md_code("thm[n=8]"), md_code("a`b")
    ('`thm[n=8]`', '``a`b``')
    """
    text = _SPACE.sub(" ", str(text))
    fence = "`" * (max((len(r) for r in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_math(text: str) -> str:
    """LaTeX from data between dollars; a ``<`` before a letter gets a space (invisible in math)."""
    return "$" + _TAG.sub("< ", _SPACE.sub(" ", str(text))) + "$"


def _cell(text: str, kind: str) -> str:
    """Mark up one cell; ``|`` and newlines would break the table."""
    text = text.replace("|", "\\|").replace("\n", " ")
    if not text or text == MISSING:
        return text
    if kind == "code":
        name, mark = split_reading(text)
        return f"{md_code(name)}{mark}"
    if kind == "latex":
        return md_math(text)
    return f"**{md_text(text)}**" if kind == "status" else md_text(text)


def md_table(table: Table) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = ["| " + " | ".join(table.header) + " |", "|" + "---|" * len(table.header)]
    lines += ["| " + " | ".join(_cell(c, k) for c, k in zip(row, table.kinds)) + " |"
              for row in table.rows]
    return "\n".join(lines)


def _md_list(items: list[tuple[str, str]]) -> str:
    return "\n".join(f"- **{label}**: {md_text(value)}" for label, value in items)


def _alt(text: str) -> str:
    """Image alt text: no bracket (it would end the alt text) and no tag."""
    return md_text(re.sub(r"[\[\]]", "", text))


def _md_claim(row: Mapping[str, Any], plot: str | None) -> str:
    mark = READING if row.get("reading") else ""
    res = resolution_text(row)  # beside the verdict: "PASS, would FAIL beyond ..."
    beside = "" if res == MISSING else f", {md_text(res)}"
    parts = [f"#### Claim {md_code(row.get('claim', ''))}{mark}: **{md_text(row.get('outcome', ''))}**"
             f"{beside} ({md_text(row.get('kind', ''))})"]
    if row.get("statement"):
        parts.append(md_math(row["statement"]))
    reason = reason_of(row)  # the claim's own, else one sentence from the evidence
    items = ([("reason", reason)] if reason else []) + claim_details(row)
    parts.append(_md_list(items))
    if plot:
        alt = _alt(f"{row.get('claim', '')}: {row.get('outcome', '')}")
        parts.append(f"![{alt}](plots/{plot})")
    return "\n\n".join(parts)


def _md_case(case: CaseGroup, plots: Mapping[tuple[str, str], str]) -> list[str]:
    parts = [f"### Case {md_code(case.name)}", _md_list(case_facts(case.record))]
    parts += [f"**{title}**\n\n{md_table(t)}" for title, t in case_tables(case.record, case.rows)]
    if case.rows:
        parts.append(f"**Claims**\n\n{md_table(claims_table(case.rows))}")
        parts += [_md_claim(r, plots.get((case.name, r.get("claim", "")))) for r in case.rows]
    return parts


def _md_theorem(thm: TheoremGroup, plots: Mapping[tuple[str, str], str]) -> list[str]:
    title = thm.info.get("title")
    parts = [f"## {md_code(thm.name)}" + (f": {md_text(title)}" if title else "")]
    if thm.info.get("citation"):
        parts.append(f"*{md_text(thm.info['citation'])}*")
    if thm.info.get("statement"):
        parts.append(f"Statement: {md_math(thm.info['statement'])}")
    for case in thm.cases:
        parts += _md_case(case, plots)
    return parts


def render_markdown(results: Mapping[str, Any],
                    plots: Mapping[tuple[str, str], str] | None = None) -> str:
    """The text of summary.md.

    Parameters
    ----------
    results
        The parsed results.json (schema version 1).
    plots
        File name (inside ``plots/``) of the plot of each ``(case, claim)``.

    Returns
    -------
    str
        Markdown ending in a newline; the same input gives the same text.
    """
    groups = group(results)
    parts = ["# Verification report", PREAMBLE, "## Provenance",
             md_table(Table(("field", "value"), ("text", "text"),
                            tuple(provenance_items(results.get("provenance") or {})))),
             "## Outcomes", md_table(counts_table(groups))]
    for thm in groups:
        parts += _md_theorem(thm, plots or {})
    return "\n\n".join(parts) + "\n"
