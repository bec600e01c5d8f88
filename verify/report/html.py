"""index.html: the report's content model (:mod:`verify.report.content`) as one static page.

Inline CSS, plots embedded as base64 ``data:`` URIs, no JavaScript and no external
request (a Content-Security-Policy forbids them).  LaTeX is shown as code text.  Every
piece of text from the results is escaped with :func:`html.escape`.
"""
from __future__ import annotations

import base64
import hashlib
from html import escape
from typing import Any, Mapping

from verify.report.content import (PREAMBLE, CaseGroup, Table, TheoremGroup, case_facts,
                                   case_tables, claim_details, claims_table, counts_table, group,
                                   name_of, provenance_items, resolution_text, split_reading)
from verify.report.figures import OUTCOME_COLORS
from verify.report.format import MISSING
from verify.report.reasons import reason_of

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

_CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328;
       max-width: 1200px; margin: 1.5em auto; padding: 0 1em; }
h1, h2, h3 { line-height: 1.2; } h2 { border-bottom: 1px solid #d0d7de; padding-bottom: .2em; }
h3 { margin-top: 1.6em; }
table { border-collapse: collapse; margin: .5em 0 1em; font-size: 13px; }
th, td { border: 1px solid #d0d7de; padding: 3px 7px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; background: #f6f8fa;
       padding: 0 3px; border-radius: 3px; word-break: break-word; }
dl { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; margin: .5em 0; }
dt { font-weight: 600; } dd { margin: 0; }
.badge { display: inline-block; color: #fff; font-weight: 700; font-size: 11px;
         padding: 1px 7px; border-radius: 10px; letter-spacing: .03em; }
.citation { font-style: italic; } .note { color: #57606a; }
.claim { display: flex; flex-wrap: wrap; gap: 1em; border: 1px solid #d0d7de;
         border-radius: 6px; padding: .6em .8em; margin: .6em 0; }
.claim .text { flex: 1 1 380px; min-width: 0; } .claim img { flex: 0 0 auto; width: 500px;
         max-width: 100%; height: auto; }
nav ul { columns: 2; }
"""


#: Badge colours: outcomes, assumption statuses and the one good solver status.
_COLORS = {**OUTCOME_COLORS, "optimal": OUTCOME_COLORS["PASS"]}


def _badge(status: str) -> str:
    key = status if status in _COLORS else "other"
    return f'<span class="badge b-{key}">{escape(status)}</span>' if status else ""


def _badge_css() -> str:
    rules = [f".b-{k} {{ background: {v}; }}" for k, v in _COLORS.items()]
    return "\n".join(rules + [".b-other { background: #57606a; }"])


def _cell(text: str, kind: str) -> str:
    if kind == "status":
        return _badge(text)
    if kind in ("code", "latex") and text:
        name, mark = split_reading(text) if kind == "code" else (text, "")
        return f"<code>{escape(name)}</code>{escape(mark)}"
    return escape(text)


def table(t: Table) -> str:
    """An HTML table whose cells are escaped and marked up by column kind."""
    head = "".join(f"<th>{escape(h)}</th>" for h in t.header)
    body = "".join("<tr>" + "".join(f"<td>{_cell(c, k)}</td>" for c, k in zip(row, t.kinds))
                   + "</tr>" for row in t.rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _dl(items: list[tuple[str, str]]) -> str:
    body = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in items)
    return f"<dl>{body}</dl>"


def anchor(kind: str, name: str) -> str:
    """A stable, HTML-safe id for a theorem or case."""
    return f"{kind}-{hashlib.sha1(name.encode('utf-8')).hexdigest()[:10]}"


def _img(png: bytes | None, alt: str) -> str:
    if not png:
        return ""
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{escape(alt)}" width="500">'


def _claim(row: Mapping[str, Any], png: bytes | None) -> str:
    name, mark = split_reading(name_of(row, "claim"))
    outcome = str(row.get("outcome", ""))
    res = resolution_text(row)  # beside the verdict: "PASS, would FAIL beyond ..."
    beside = "" if res == MISSING else f", {escape(res)}"
    parts = [f"<h4><code>{escape(name)}</code>{escape(mark)} {_badge(outcome)}{beside} "
             f"<span class=\"note\">{escape(str(row.get('kind', '')))}</span></h4>"]
    if row.get("statement"):
        parts.append(f"<div><code>{escape(str(row['statement']))}</code></div>")
    reason = reason_of(row)  # the claim's own, else one sentence from the evidence
    if reason:
        parts.append(f"<p><strong>Reason:</strong> {escape(reason)}</p>")
    parts.append(_dl(claim_details(row)))
    image = _img(png, f"{row.get('claim', '')}: {outcome}")
    return f'<div class="claim"><div class="text">{"".join(parts)}</div>{image}</div>'


def _case(case: CaseGroup, images: Mapping[tuple[str, str], bytes]) -> str:
    parts = [f'<h3 id="{anchor("case", case.name)}">Case <code>{escape(case.name)}</code></h3>',
             _dl(case_facts(case.record))]
    parts += [f"<h4>{title}</h4>{table(t)}" for title, t in case_tables(case.record, case.rows)]
    if case.rows:
        parts.append(f"<h4>Claims</h4>{table(claims_table(case.rows))}")
        parts += [_claim(r, images.get((case.name, r.get("claim", "")))) for r in case.rows]
    return "\n".join(parts)


def _theorem(thm: TheoremGroup, images: Mapping[tuple[str, str], bytes]) -> str:
    title = f": {escape(str(thm.info['title']))}" if thm.info.get("title") else ""
    parts = [f'<section><h2 id="{anchor("thm", thm.name)}"><code>{escape(thm.name)}</code>'
             f"{title}</h2>"]
    if thm.info.get("citation"):
        parts.append(f'<p class="citation">{escape(str(thm.info["citation"]))}</p>')
    if thm.info.get("statement"):
        parts.append(f"<p>Statement: <code>{escape(str(thm.info['statement']))}</code></p>")
    parts += [_case(c, images) for c in thm.cases]
    return "\n".join(parts) + "</section>"


def _nav(groups: list[TheoremGroup]) -> str:
    items = "".join(f'<li><a href="#{anchor("case", c.name)}"><code>{escape(c.name)}</code>'
                    "</a></li>" for g in groups for c in g.cases)
    return f"<nav><h2>Cases</h2><ul>{items}</ul></nav>" if items else ""


def render_html(results: Mapping[str, Any],
                images: Mapping[tuple[str, str], bytes] | None = None) -> str:
    """The text of index.html.

    Parameters
    ----------
    results
        The parsed results.json (schema version 1).
    images
        PNG bytes of the plot of each ``(case, claim)``, embedded next to the claim.

    Returns
    -------
    str
        A complete HTML5 document; the same input gives the same text.
    """
    groups = group(results)
    prov = Table(("field", "value"), ("text", "text"),
                 tuple(provenance_items(results.get("provenance") or {})))
    preamble = escape(PREAMBLE.replace("`", ""))
    body = [f'<h1>Verification report</h1><p class="note">{preamble}</p>',
            f"<h2>Provenance</h2>{table(prov)}", f"<h2>Outcomes</h2>{table(counts_table(groups))}",
            _nav(groups)] + [_theorem(g, images or {}) for g in groups]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{_CSP}\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>Verification report</title><style>{_CSS}{_badge_css()}</style></head>"
            "<body>\n" + "\n".join(body) + "\n</body></html>\n")
