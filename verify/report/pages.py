"""The page of one theorem: citation, statement, formalization, assumptions, cases, claims.

``theorems/<theorem id>.html`` (:mod:`verify.report.anchors`) shows, from the case records
of results.json: the citation; the statement as MathML; the formalization (what is
published, what is this suite's reading; :mod:`verify.report.prose`); the assumptions with
their audited status in every case; then each case with its facts and audited digits per
quantity, and each claim as a card (:func:`verify.report.cards.claim_card`).  The run's
detail tables (targets, assumption values, sweep targets) are in a collapsed section.
"""
from __future__ import annotations

from collections import Counter
from html import escape
from typing import Any, Mapping

from verify.report.anchors import Anchors
from verify.report.cards import claim_card
from verify.report.content import (
    CaseGroup,
    TheoremGroup,
    case_facts,
    case_tables,
    digits_table,
    name_of,
)
from verify.report.markup import badge, code, dl, document, table
from verify.report.mathml import math_html
from verify.report.prose import prose_html

__all__ = ["theorem_page"]

Images = Mapping[tuple[str, str], bytes]


def _assumptions(thm: TheoremGroup) -> str:
    """Each assumption once, with its statement and its status counted over the cases."""
    seen: dict[str, tuple[Mapping[str, Any], Counter[str]]] = {}
    for case in thm.cases:
        for a in (case.record or {}).get("assumptions") or []:
            name = name_of(a, "name")
            seen.setdefault(name, (a, Counter()))[1][str(a.get("status", ""))] += 1
    if not seen:
        return ""
    rows = "".join(
        f"<tr><td>{code(name)}</td><td>{math_html(str(a.get('latex', '')))}</td><td>"
        + " ".join(f"{badge(s)} in {n} of {len(thm.cases)} case{'s' * (len(thm.cases) > 1)}"
                   for s, n in sorted(counts.items()))
        + f"</td><td>{escape(str(a.get('note') or ''))}</td></tr>"
        for name, (a, counts) in seen.items())
    return ('<h2 id="assumptions">Assumptions</h2><div class="scroll"><table><thead><tr>'
            "<th>assumption</th><th>statement</th><th>audited status</th><th>note</th></tr>"
            f"</thead><tbody>{rows}</tbody></table></div>")


def _case(thm: TheoremGroup, case: CaseGroup, images: Images, ids: Anchors) -> str:
    label = case.name[len(thm.name):] if case.name.startswith(thm.name + "[") else case.name
    parts = [f'<h2 id="{escape(ids.cases[case.name])}">Case <code>{escape(label)}</code></h2>',
             dl(case_facts(case.record))]
    digits = digits_table(case.record) if case.record is not None else None
    if digits is not None:
        parts.append(f"<h3>Audited digits per quantity</h3>{table(digits)}")
    rest = [(t, tab) for t, tab in case_tables(case.record, case.rows)
            if t != "Audited digits"]
    if rest:
        inner = "".join(f"<h4>{escape(title)}</h4>{table(t)}" for title, t in rest)
        parts.append(f"<details><summary>Targets and assumption values of this case"
                     f"</summary>{inner}</details>")
    parts += [claim_card(r, images.get((case.name, str(r.get("claim", "")))),
                         ids.claims[(case.name, str(r.get("claim", "")))]) for r in case.rows]
    return "\n".join(parts)


def _contents(thm: TheoremGroup, ids: Anchors) -> str:
    items = []
    for case in thm.cases:
        names = [str(r.get("claim", "")) for r in case.rows]
        claims = "".join(f'<li><a href="#{escape(ids.claims[(case.name, n)])}"><code>{escape(n)}'
                         f'</code></a> {badge(str(r.get("outcome", "")))}</li>'
                         for n, r in zip(names, case.rows))
        items.append(f'<li><a href="#{escape(ids.cases[case.name])}">'
                     f"<code>{escape(case.name)}</code></a><ul>{claims}</ul></li>")
    return f"<h2>Contents</h2><ul>{''.join(items)}</ul>"


def theorem_page(thm: TheoremGroup, images: Images, ids: Anchors) -> str:
    """The HTML text of the page of ``thm``.

    Parameters
    ----------
    thm
        The theorem's cases and rows (:func:`verify.report.content.group`).
    images
        SVG bytes of the plot of each ``(case, claim)``.
    ids
        The report's pages and anchors.

    Returns
    -------
    str
        A complete HTML5 document.
    """
    info = thm.info
    title = f": {escape(str(info['title']))}" if info.get("title") else ""
    parts = ['<nav class="crumbs"><a href="../index.html">Report index</a> · '
             '<a href="../index.html#verdicts">all verdicts</a></nav>',
             f'<h1 id="{escape(ids.theorems[thm.name])}"><code>{escape(thm.name)}</code>'
             f"{title}</h1>"]
    if info.get("citation"):
        parts.append(f'<p class="citation">{escape(str(info["citation"]))}</p>')
    if info.get("statement"):
        parts.append(f"<h2>Statement</h2>{math_html(str(info['statement']), display=True)}")
    if info.get("formalization"):
        parts.append('<h2 id="formalization">Formalization</h2><div class="formalization">'
                     f"{prose_html(str(info['formalization']))}</div>")
    parts += [_assumptions(thm), _contents(thm, ids)]
    parts += [_case(thm, c, images, ids) for c in thm.cases]
    return document(f"{thm.name}: verification report", "\n".join(p for p in parts if p))

