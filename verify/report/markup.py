"""HTML building blocks shared by the report's pages: the document, tables, badges, lists.

Every page is static: inline CSS, images as ``data:`` URIs, no JavaScript and no request
to anywhere (the Content-Security-Policy :data:`CSP` forbids them), math as MathML
(:func:`verify.report.mathml.math_html`).  Every text copied from the results is escaped
with :func:`html.escape`; callers pass already-marked-up HTML only where a name says so
(``*_html``).

Examples
--------
>>> badge("PASS")
'<span class="badge b-PASS">PASS</span>'
>>> table(Table(("a", "b"), ("code", "latex"), (("x<y", r"\\alpha"),)))[:61]
'<div class="scroll"><table><thead><tr><th>a</th><th>b</th></t'
"""
from __future__ import annotations

from html import escape

from verify.report.content import Table, split_reading
from verify.report.figures import OUTCOME_COLORS
from verify.report.format import MISSING
from verify.report.mathml import math_html

__all__ = ["CSP", "badge", "code", "dl", "document", "table"]

#: Only inline styles and ``data:`` images; no script, font, frame or connection.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

_CSS = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328;
       max-width: 1180px; margin: 1.5em auto; padding: 0 1.2em; }
h1, h2, h3, h4 { line-height: 1.25; } h2 { border-bottom: 1px solid #d0d7de;
       padding-bottom: .2em; margin-top: 1.8em; } h3 { margin-top: 1.6em; }
h4 { margin: 0 0 .3em; font-size: 16px; }
h1 code, h2 code, h3 code { font-size: .85em; }
a { color: #0969da; text-decoration: none; } a:hover { text-decoration: underline; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: .5em 0 1em; font-size: 13.5px; }
th, td { border: 1px solid #d0d7de; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
code { font: 12.5px ui-monospace, SFMono-Regular, Menlo, monospace; background: #f6f8fa;
       padding: 0 3px; border-radius: 3px; overflow-wrap: break-word; }
math { font-size: 1.08em; } math[display="block"] { margin: .6em 0; overflow-x: auto; }
dl { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 3px 14px;
     margin: .5em 0; } dt { font-weight: 600; } dd { margin: 0; overflow-wrap: anywhere; }
dt .key { font-weight: 400; color: #57606a; }
.badge { display: inline-block; color: #fff; font-weight: 700; font-size: 12px;
         padding: 1px 8px; border-radius: 10px; letter-spacing: .03em; vertical-align: 2px; }
.citation { font-style: italic; } .note, .kind { color: #57606a; font-weight: 400; }
.kind { font-size: 13px; }
.card { display: grid; grid-template-columns: minmax(300px, 1fr) minmax(0, 600px);
        gap: .3em 1.4em; align-items: start; border: 1px solid #d0d7de; border-radius: 8px;
        padding: .8em 1em; margin: 1em 0; }
.card > .text { grid-column: 1; min-width: 0; } .card > figure { grid-column: 2; margin: 0; }
.card > details { grid-column: 1 / -1; }
.card figure img, .plot { display: block; width: 100%; max-width: 600px; height: auto; }
.card p { margin: .35em 0; }
@media (max-width: 900px) { .card { grid-template-columns: minmax(0, 1fr); }
  .card > figure { grid-column: 1; } }
details { margin: .4em 0; } summary { cursor: pointer; color: #0969da; }
.formalization { background: #f6f8fa; border-left: 3px solid #d0d7de; padding: .3em 1em; }
nav.crumbs { font-size: 13px; }
nav ul.theorems { columns: 2; }
table.verdicts td.case { font-size: 12.5px; color: #57606a; min-width: 12em; }
table.verdicts td:nth-child(2) { white-space: nowrap; }
table.verdicts td:last-child { min-width: 24em; }
"""


#: Badge colours: outcomes, assumption statuses and the one good solver status.
COLORS = {**OUTCOME_COLORS, "optimal": OUTCOME_COLORS["PASS"]}


def badge(status: str) -> str:
    """An outcome or status as a coloured badge (``""`` for an empty status)."""
    key = status if status in COLORS else "other"
    return f'<span class="badge b-{key}">{escape(status)}</span>' if status else ""


def _badge_css() -> str:
    rules = [f".b-{k} {{ background: {v}; }}" for k, v in COLORS.items()]
    return "\n".join(rules + [".b-other { background: #57606a; }"])


def code(text: str) -> str:
    """An identifier as code, with the reading marker ``(our reading)`` as text after it."""
    name, mark = split_reading(str(text))
    return f"<code>{escape(name)}</code>{escape(mark)}" if name else escape(mark)


def cell(text: str, kind: str) -> str:
    """One table cell marked up by its column kind (:class:`verify.report.content.Table`)."""
    if kind == "status":
        return badge(text)
    if not text or text == MISSING:
        return escape(text)
    if kind == "code":
        return code(text)
    return math_html(text) if kind == "latex" else escape(text)


def table(t: Table) -> str:
    """An HTML table (scrolling sideways when wider than the page)."""
    head = "".join(f"<th>{escape(h)}</th>" for h in t.header)
    body = "".join("<tr>" + "".join(f"<td>{cell(c, k)}</td>" for c, k in zip(row, t.kinds))
                   + "</tr>" for row in t.rows)
    return (f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody>'
            "</table></div>")


def dl(items: list[tuple[str, str]]) -> str:
    """A definition list of plain-text (label, value) pairs."""
    body = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in items)
    return f"<dl>{body}</dl>"


def document(title: str, body: str) -> str:
    """A complete HTML5 page with the report's CSS and :data:`CSP`."""
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{escape(title)}</title><style>{_CSS}{_badge_css()}</style></head>"
            "<body>\n" + body + "\n</body></html>\n")
