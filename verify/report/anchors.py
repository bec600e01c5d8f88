"""Readable, unique names for the report's pages and anchors.

Every theorem gets a page ``theorems/<theorem id>.html``; on it, a case is the anchor
``<theorem>/<case parameters>`` and a claim ``<theorem>/<claim>``, qualified by its case
(``<theorem>/<case parameters>/<claim>``) when the theorem has several cases, so a link
such as ``theorems/kou2023-leaky.html#kou2023-leaky/stable_rank`` says what it points to.
Characters other than letters, digits and ``_.=,+-`` become ``-``; a name that would repeat
another gets ``-2``, ``-3``, ... so every id is unique across the report (the report may be
read as one page set) and contains no space (a valid HTML id and URL fragment).

Examples
--------
>>> from verify.report.content import group
>>> rows = [{"theorem": "t", "case": "t[n=8,seed=0]", "claim": "gap"},
...         {"theorem": "t", "case": "t[n=8,seed=1]", "claim": "gap"}]
>>> a = anchors(group({"cases": [], "rows": rows}))
>>> a.pages["t"], a.cases["t[n=8,seed=1]"], a.claims[("t[n=8,seed=0]", "gap")]
('theorems/t.html', 't/n=8,seed=1', 't/n=8,seed=0/gap')
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

from verify.report.content import TheoremGroup

__all__ = ["Anchors", "anchors", "slug"]

_UNSAFE = re.compile(r"[^A-Za-z0-9_.=,+-]+")


def slug(text: str) -> str:
    """``text`` with runs of unsafe characters replaced by ``-`` (``"-"`` when empty).

    Examples
    --------
    >>> slug("a b/c[d=1]"), slug("")
    ('a-b-c-d=1', '-')
    """
    return _UNSAFE.sub("-", str(text)).strip("-") or "-"


def case_part(theorem: str, case: str) -> str:
    """The parameters of a case label ``theorem[p=1,q=2]`` (the whole label otherwise)."""
    if case.startswith(theorem + "[") and case.endswith("]"):
        return slug(case[len(theorem) + 1:-1])
    return slug(case)


@dataclass(frozen=True)
class Anchors:
    """The page of each theorem (relative to the report directory) and the anchor of each
    case and of each ``(case, claim)`` on it."""

    pages: Mapping[str, str]
    theorems: Mapping[str, str]
    cases: Mapping[str, str]
    claims: Mapping[tuple[str, str], str]

    def href(self, theorem: str, anchor: str = "", from_page: bool = False) -> str:
        """A link to ``anchor`` on the page of ``theorem``, from the index (or from a
        theorem page when ``from_page``)."""
        page = self.pages.get(theorem, "")
        page = page.rsplit("/", 1)[-1] if from_page else page
        return f"{page}#{anchor}" if anchor else page


def _unique(name: str, used: set[str]) -> str:
    out, n = name, 1
    while out in used:
        n += 1
        out = f"{name}-{n}"
    used.add(out)
    return out


def anchors(groups: list[TheoremGroup]) -> Anchors:
    """The :class:`Anchors` of grouped results (:func:`verify.report.content.group`)."""
    files: set[str] = set()
    used: set[str] = {"top", "verdicts", "provenance", "outcomes", "formalization",
                      "assumptions"}
    pages, theorems, cases, claims = {}, {}, {}, {}
    for g in groups:
        pages[g.name] = f"theorems/{_unique(slug(g.name), files)}.html"
        theorems[g.name] = _unique(slug(g.name), used)
        several = len(g.cases) > 1
        for c in g.cases:
            base = f"{slug(g.name)}/{case_part(g.name, c.name)}"
            cases[c.name] = _unique(base, used)
            for r in c.rows:
                key = (c.name, str(r.get("claim", "")))
                if key not in claims:
                    head = base if several else slug(g.name)
                    claims[key] = _unique(f"{head}/{slug(key[1])}", used)
    return Anchors(pages, theorems, cases, claims)
