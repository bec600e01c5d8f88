"""``verify list``: every theorem in brief, or named theorems in full.

In full (``verify list ID``): title, citation, statement, formalization, assumptions,
claims (kind, formal statement, flags), parameters with their defaults, ranges and
meaning, and the profiles and grids of the theorem's case file.  The text is plain, with
the LaTeX of statements as written, so it can be read in a terminal or piped.
"""
from __future__ import annotations

import textwrap
from typing import Iterator

from verify.errors import UserError
from verify.spec.cases import case_file, load_file
from verify.spec.params import ENGINE_PARAMETERS, Param
from verify.spec.theorem import Theorem

_INDENT = "    "


def brief(thm: Theorem) -> Iterator[str]:
    """The lines of ``verify list`` (no ids) for one theorem."""
    yield f"{thm.id}: {thm.title}\n  {thm.citation}"
    for a in thm.assumptions:
        yield f"  assumption {a.name}: {a.latex}{' (our reading)' if a.reading else ''}"
    for c in thm.claims:
        xf = " [expected failure]" if c.name in thm.expected_failures else ""
        yield f"  claim {c.name} ({c.kind}): {c.statement}{xf}"


def _block(text: str, indent: str = _INDENT) -> str:
    return textwrap.indent(textwrap.dedent(text).strip(), indent)


def param_range(p: Param) -> str:
    """The values a parameter allows, e.g. ``> 0.0``, ``in [1, 100]``, ``one of [...]``.

    Examples
    --------
    >>> param_range(Param(int, 8, low=2, high=100, low_open=False))
    'in [2, 100]'
    >>> param_range(Param(float, 0.1, low=0.0))
    '> 0.0'
    >>> param_range(Param(str, "a", choices=("a", "b")))
    "one of ['a', 'b']"
    """
    if p.choices is not None:
        return f"one of {list(p.choices)}"
    if p.low is not None and p.high is not None:
        return f"in {'(' if p.low_open else '['}{p.low}, {p.high}]"
    if p.low is not None:
        return f"{'>' if p.low_open else '>='} {p.low}"
    if p.high is not None:
        return f"<= {p.high}"
    return ""


def param_line(name: str, p: Param) -> str:
    """``name = default  (type, range)  doc`` for one parameter."""
    default = "unset" if p.default is None else repr(p.default)
    rng = param_range(p)
    kind = p.type.__name__ + (f", {rng}" if rng else "")
    return f"{_INDENT}{name} = {default}  ({kind})  {p.doc}".rstrip()


def _profiles(thm: Theorem) -> Iterator[str]:
    path = case_file(thm)
    if not path.is_file():
        yield f"case file: none (looked for {path})"
        return
    try:
        data = load_file(path)
    except UserError as exc:
        yield f"case file: {exc}"
        return
    yield f"case file: {path}"
    for kind in ("profiles", "grids"):
        for name, table in data.get(kind, {}).items():
            values = ", ".join(f"{k}={v}" for k, v in table.items())
            yield f"{_INDENT}{kind[:-1]} {name}: {values}"


def full(thm: Theorem) -> Iterator[str]:
    """The lines of ``verify list ID``: one theorem in full."""
    yield f"{thm.id}: {thm.title}"
    yield f"citation: {thm.citation}"
    yield "statement:"
    yield _block(thm.statement)
    if thm.formalization.strip():
        yield "formalization (what is published, what is our reading):"
        yield _block(thm.formalization)
    yield "assumptions:"
    for a in thm.assumptions:
        flags = [f for f, on in (("our reading", a.reading), ("structural", a.structural)) if on]
        yield f"{_INDENT}{a.name}: {a.latex}" + (f"  [{', '.join(flags)}]" if flags else "")
        if a.description:
            yield _block(a.description, 2 * _INDENT)
    yield "claims:"
    for c in thm.claims:
        flags = [f for f, on in (("our reading", c.reading), ("diagnostic", c.diagnostic),
                                 ("sweep", c.sweep is not None)) if on]
        if c.name in thm.expected_failures:
            flags.append(f"expected failure: {thm.expected_failures[c.name]}")
        yield f"{_INDENT}{c.name} ({c.kind} of {c.quantity})" + (f"  [{'; '.join(flags)}]" if flags else "")
        if c.statement:
            yield _block(c.statement, 2 * _INDENT)
    yield "parameters of the theorem:"
    for name, p in thm.parameters.items():
        yield param_line(name, p)
    yield "engine parameters (every theorem; set any with --set KEY=VALUE):"
    for name, p in ENGINE_PARAMETERS.items():
        if name not in thm.parameters:
            yield param_line(name, p)
    yield from _profiles(thm)
