"""The HTML report: ``index.html`` (the overview) and one page per theorem.

index.html keeps the overview: the outcome counts per theorem, the table of every verdict
(theorem, case, claim, verdict, resolution, one sentence of reason; each claim links to
its card) and the provenance.  Each theorem has its page ``theorems/<id>.html``
(:mod:`verify.report.pages`) with readable anchors (:mod:`verify.report.anchors`).  Pages
are static (:mod:`verify.report.markup`: inline CSS, plots as SVG ``data:`` URIs, math as
MathML, no JavaScript, no external request); every text from the results is escaped.

Examples
--------
>>> rows = [{"theorem": "t", "case": "t[n=1]", "claim": "gap", "outcome": "PASS"}]
>>> pages = render_pages({"provenance": {}, "cases": [], "rows": rows})
>>> sorted(pages), 'href="theorems/t.html#t/gap"' in pages["index.html"]
(['index.html', 'theorems/t.html'], True)
"""
from __future__ import annotations

from html import escape
from typing import Any, Mapping

from verify.report.anchors import Anchors, anchors
from verify.report.content import (
    PREAMBLE,
    Table,
    TheoremGroup,
    counts_table,
    group,
    provenance_items,
    resolution_text,
)
from verify.report.format import MISSING, case_label
from verify.report.markup import badge, code, document, table
from verify.report.pages import theorem_page
from verify.report.reasons import reason_of

__all__ = ["render_html", "render_pages"]


def _counts(groups: list[TheoremGroup], ids: Anchors) -> str:
    """The outcome counts, each theorem's name linking to its page."""
    t = counts_table(groups)
    html = table(Table(t.header, ("text",) + t.kinds[1:], t.rows))
    for g in groups:
        html = html.replace(f"<tr><td>{escape(g.name)}</td>",
                            f'<tr><td><a href="{escape(ids.href(g.name))}">{code(g.name)}</a></td>',
                            1)
    return html.replace("<tr><td>all</td>", "<tr><td><strong>all</strong></td>", 1)


def _verdict_rows(g: TheoremGroup, ids: Anchors) -> str:
    rows = []
    for c in g.cases:
        for i, r in enumerate(c.rows):
            claim = str(r.get("claim", ""))
            link = escape(ids.href(g.name, ids.claims[(c.name, claim)]))
            res = resolution_text(r)
            case = (f'<td class="case" rowspan="{len(c.rows)}"><a href="'
                    f'{escape(ids.href(g.name, ids.cases[c.name]))}">'
                    f"{escape(case_label(g.name, c.name))}</a></td>") if i == 0 else ""
            rows.append(
                f"<tr>{case}"
                f'<td><a href="{link}"><code>{escape(claim)}</code></a>'
                f"{' (our reading)' if r.get('reading') else ''}</td>"
                f"<td>{badge(str(r.get('outcome', '')))}</td>"
                f"<td>{'' if res == MISSING else escape(res)}</td>"
                f"<td>{escape(reason_of(r))}</td></tr>")
    return "".join(rows)


def _verdicts(groups: list[TheoremGroup], ids: Anchors) -> str:
    """Every verdict, one table per theorem, each claim linking to its card."""
    head = "".join(f"<th>{h}</th>" for h in ("case", "claim", "verdict", "resolution",
                                             "reason"))
    parts = ['<h2 id="verdicts">Verdicts</h2>']
    for g in groups:
        parts.append(f'<h3><a href="{escape(ids.href(g.name))}">{code(g.name)}</a></h3>'
                     f'<div class="scroll"><table class="verdicts"><thead><tr>{head}</tr></thead>'
                     f"<tbody>{_verdict_rows(g, ids)}</tbody></table></div>")
    return "".join(parts)


def _nav(groups: list[TheoremGroup], ids: Anchors) -> str:
    items = "".join(f'<li><a href="{escape(ids.href(g.name))}">{code(g.name)}</a>'
                    + (f": {escape(str(g.info['title']))}" if g.info.get("title") else "")
                    + "</li>" for g in groups)
    return f'<h2>Theorems</h2><ul class="theorems">{items}</ul>' if items else ""


def render_html(results: Mapping[str, Any], groups: list[TheoremGroup] | None = None,
                ids: Anchors | None = None) -> str:
    """The text of index.html (the same input gives the same text)."""
    groups = group(results) if groups is None else groups
    ids = anchors(groups) if ids is None else ids
    prov = Table(("field", "value"), ("text", "text"),
                 tuple(provenance_items(results.get("provenance") or {})))
    body = ['<h1 id="top">Verification report</h1>',
            f'<p class="note">{escape(PREAMBLE.replace("`", ""))} Each theorem has a page '
            "with its statement, formalization, assumptions and one card per claim.</p>",
            f'<h2 id="outcomes">Outcomes</h2>{_counts(groups, ids)}', _nav(groups, ids),
            _verdicts(groups, ids) if groups else "",
            f'<h2 id="provenance">Provenance</h2>{table(prov)}']
    return document("Verification report", "\n".join(b for b in body if b))


def render_pages(results: Mapping[str, Any],
                 images: Mapping[tuple[str, str], bytes] | None = None) -> dict[str, str]:
    """Every page of the HTML report, keyed by its path relative to the report directory.

    Parameters
    ----------
    results
        The parsed results.json (schema version 1).
    images
        SVG bytes of the plot of each ``(case, claim)``, embedded in its card.

    Returns
    -------
    dict
        ``theorems/<id>.html`` for each theorem, then ``index.html``.
    """
    groups = group(results)
    ids = anchors(groups)
    pages = {ids.pages[g.name]: theorem_page(g, images or {}, ids) for g in groups}
    pages["index.html"] = render_html(results, groups, ids)
    return pages
