"""summary.md: the report's content model (:mod:`verify.report.content`) as GitHub Markdown.

Tables become pipe tables whose cells are marked up by column kind (identifiers as code,
LaTeX between dollars, outcomes bold); ``|`` and newlines inside a cell are escaped.

Examples
--------
>>> print(md_table(Table(("claim", "outcome"), ("code", "status"), (("a|b", "PASS"),))))
| claim | outcome |
|---|---|
| `a\\|b` | **PASS** |
"""
from __future__ import annotations

from typing import Any, Mapping

from verify.report.content import (PREAMBLE, READING, CaseGroup, Table, TheoremGroup, case_facts,
                                   case_tables, claim_details, claims_table, counts_table, group,
                                   provenance_items, split_reading)
from verify.report.format import MISSING


def _cell(text: str, kind: str) -> str:
    """Mark up one cell; ``|`` and newlines would break the table."""
    text = text.replace("|", "\\|").replace("\n", " ")
    if not text or text == MISSING:
        return text
    if kind == "code":
        name, mark = split_reading(text)
        return f"`{name}`{mark}"
    return {"latex": f"${text}$", "status": f"**{text}**"}.get(kind, text)


def md_table(table: Table) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = ["| " + " | ".join(table.header) + " |", "|" + "---|" * len(table.header)]
    lines += ["| " + " | ".join(_cell(c, k) for c, k in zip(row, table.kinds)) + " |"
              for row in table.rows]
    return "\n".join(lines)


def _md_list(items: list[tuple[str, str]]) -> str:
    return "\n".join(f"- **{label}**: {value}" for label, value in items)


def _md_claim(row: Mapping[str, Any], plot: str | None) -> str:
    mark = READING if row.get("reading") else ""
    parts = [f"#### Claim `{row.get('claim', '')}`{mark}: **{row.get('outcome', '')}** "
             f"({row.get('kind', '')})"]
    if row.get("statement"):
        parts.append(f"${row['statement']}$")
    items = ([("reason", str(row["reason"]))] if row.get("reason") else []) + claim_details(row)
    parts.append(_md_list(items))
    if plot:
        parts.append(f"![{row.get('claim', '')}: {row.get('outcome', '')}](plots/{plot})")
    return "\n\n".join(parts)


def _md_case(case: CaseGroup, plots: Mapping[tuple[str, str], str]) -> list[str]:
    parts = [f"### Case `{case.name}`", _md_list(case_facts(case.record))]
    parts += [f"**{title}**\n\n{md_table(t)}" for title, t in case_tables(case.record, case.rows)]
    if case.rows:
        parts.append(f"**Claims**\n\n{md_table(claims_table(case.rows))}")
        parts += [_md_claim(r, plots.get((case.name, r.get("claim", "")))) for r in case.rows]
    return parts


def _md_theorem(thm: TheoremGroup, plots: Mapping[tuple[str, str], str]) -> list[str]:
    title = thm.info.get("title")
    parts = [f"## `{thm.name}`" + (f": {title}" if title else "")]
    if thm.info.get("citation"):
        parts.append(f"*{thm.info['citation']}*")
    if thm.info.get("statement"):
        parts.append(f"Statement: ${thm.info['statement']}$")
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
