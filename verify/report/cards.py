"""One claim as a card on its theorem's page: verdict, reason, resolution, plot, evidence.

The card shows what a reader of a paper wants first: the claim's name and statement (as
MathML), its verdict badge, one sentence of reason (:func:`verify.report.reasons.reason_of`),
its resolution (:func:`verify.report.content.resolution_text`: how far the evidence would
have to move to change the verdict), the measured and expected values, and its plot at the
plot's own aspect ratio.  The evidence follows as labelled fields
(:func:`verify.report.fields.evidence_fields`) inside a collapsed ``<details>`` section,
each label with its key in results.json.

Examples
--------
>>> row = {"claim": "gap", "kind": "Limit", "outcome": "PASS", "statement": r"\\hat w",
...        "evidence": {"L_hat": 0.0, "sigma_sys": 1e-9}}
>>> html = claim_card(row, None, "t/gap")
>>> html.startswith('<article class="card" id="t/gap">'), "<math" in html, "<details>" in html
(True, True, True)
"""
from __future__ import annotations

import base64
from html import escape
from typing import Any, Mapping

from verify.report.content import READING, resolution_text
from verify.report.fields import evidence_fields
from verify.report.format import MISSING, fmt
from verify.report.markup import badge, code
from verify.report.mathml import math_html
from verify.report.reasons import reason_of

__all__ = ["claim_card", "image"]


def image(svg: bytes | None, alt: str) -> str:
    """An ``<img>`` of SVG bytes as a ``data:`` URI (``""`` when there is no plot)."""
    if not svg:
        return ""
    data = base64.b64encode(svg).decode("ascii")
    return f'<img class="plot" src="data:image/svg+xml;base64,{data}" alt="{escape(alt)}">'


def _expected(row: Mapping[str, Any]) -> str:
    """The expected value, with its formula when the claim recorded one (``expected_label``)."""
    labels = row.get("expected_label")
    tex = next((str(v) for v in labels.values() if v), "") if isinstance(labels, Mapping) else ""
    value = escape(fmt(row.get("expected")))
    return f"{math_html(tex)} = {value}" if tex else value


def _values(row: Mapping[str, Any]) -> str:
    parts = [("measured", escape(fmt(row.get("measured")))), ("expected", _expected(row)),
             ("quantity", code(str(row.get("quantity") or MISSING)))]
    return "; ".join(f"{k} {v}" for k, v in parts)


def _details(row: Mapping[str, Any]) -> str:
    items = [("trusted digits of the quantity", "digits", fmt(row.get("digits"), 3)),
             ("backend", "backend", fmt(row.get("backend"))),
             ("seed", "seed", fmt(row.get("seed"))),
             ("solver status", "solver_status", fmt(row.get("solver_status")))]
    items += [(label, f"evidence.{key}", value) for label, key, value in evidence_fields(row)]
    body = "".join(f'<dt>{escape(label)} <span class="key">({escape(key)})</span></dt>'
                   f"<dd>{escape(value)}</dd>" for label, key, value in items)
    return (f"<details><summary>Evidence: {len(items)} recorded fields</summary>"
            f"<dl>{body}</dl></details>")


def claim_card(row: Mapping[str, Any], svg: bytes | None, anchor: str) -> str:
    """The card of one results row.

    Parameters
    ----------
    row
        One row of results.json.
    svg
        The claim's plot (None: no plot).
    anchor
        The card's id (:func:`verify.report.anchors.anchors`).

    Returns
    -------
    str
        An ``<article>`` element.
    """
    outcome = str(row.get("outcome", ""))
    mark = f' <span class="note">{READING.strip()}</span>' if row.get("reading") else ""
    head = (f'<h4><a href="#{escape(anchor)}"><code>{escape(str(row.get("claim", "")))}</code></a>'
            f"{mark} {badge(outcome)} <span class=\"kind\">{escape(str(row.get('kind', '')))}"
            "</span></h4>")
    text = [head]
    if row.get("statement"):
        text.append(f'<p class="statement">{math_html(str(row["statement"]))}</p>')
    reason = reason_of(row) or "no reason recorded"
    text.append(f'<p class="reason"><strong>Why:</strong> {escape(reason)}</p>')
    res = resolution_text(row)
    if res != MISSING:
        text.append(f'<p class="resolution"><strong>Resolution:</strong> {escape(res)}</p>')
    text.append(f'<p class="values">{_values(row)}</p>')
    figure = image(svg, f"plot of {row.get('claim', '')}: {outcome}")
    figure = f"<figure>{figure}</figure>" if figure else ""
    return (f'<article class="card" id="{escape(anchor)}"><div class="text">{"".join(text)}</div>'
            f"{figure}{_details(row)}</article>")
