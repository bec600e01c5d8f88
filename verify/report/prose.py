r"""A theorem's formalization (its module docstring, reStructuredText-like) as HTML.

The formalization says what is published and what is this suite's reading.  It is plain
text with a few marks: blank-line separated paragraphs, bullet items (``* `` or ``- ``),
````code````, ``**bold**``, ``:math:`x``` and roles such as ``:mod:`x```.  Those marks
become ``<p>``, ``<ul>``, ``<code>``, ``<strong>`` and MathML; everything else is escaped
text, so any docstring renders.

Examples
--------
>>> prose_html("Published: ``w(t)``.\n\n* **Loss.**  :math:`L = 1/t`.")[:59]
'<p>Published: <code>w(t)</code>.</p><ul><li><strong>Loss.</'
>>> prose_html("")
''
"""
from __future__ import annotations

import re
from html import escape

from verify.report.mathml import math_html

__all__ = ["prose_html"]

_INLINE = re.compile(r"``(.+?)``|\*\*(.+?)\*\*|:math:`(.+?)`|:[a-z:]+:`~?(.+?)`", re.S)
_BULLET = re.compile(r"^\s*[*-]\s+")


def inline_html(text: str) -> str:
    """One paragraph's text with its inline marks as HTML, the rest escaped."""
    out, pos = [], 0
    for m in _INLINE.finditer(text):
        out.append(escape(text[pos:m.start()]))
        literal, bold, tex, role = m.groups()
        if literal is not None:
            out.append(f"<code>{escape(literal)}</code>")
        elif bold is not None:
            out.append(f"<strong>{escape(bold)}</strong>")
        elif tex is not None:
            out.append(math_html(tex))
        else:
            out.append(f"<code>{escape(role)}</code>")
        pos = m.end()
    return "".join(out) + escape(text[pos:])


def _block(lines: list[str]) -> str:
    """A paragraph, or a list when its lines start with bullets."""
    if not _BULLET.match(lines[0]):
        return f"<p>{inline_html(' '.join(s.strip() for s in lines))}</p>"
    items: list[list[str]] = []
    for line in lines:
        if _BULLET.match(line):
            items.append([_BULLET.sub("", line)])
        else:
            items[-1].append(line.strip())
    return "<ul>" + "".join(f"<li>{inline_html(' '.join(i))}</li>" for i in items) + "</ul>"


def prose_html(text: str) -> str:
    """``text`` (a docstring) as paragraphs and lists of HTML."""
    blocks: list[list[str]] = [[]]
    for line in str(text).splitlines():
        if line.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return "".join(_block(b) for b in blocks if b)
