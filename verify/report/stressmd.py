"""stress.md and the one-line digest of a stress sweep, from its :class:`~verify.explore.analysis.Summary`."""
from __future__ import annotations

from collections import Counter
from typing import Iterable, Mapping, Sequence

from verify.report.format import fmt
from verify.report.markdown import md_code, md_text
from verify.explore.analysis import Summary


def rate(counts: Counter) -> str:
    """``"k/N PASS"`` with the FAIL and UNDECIDED counts when there are any.

    Examples
    --------
    >>> rate(Counter(PASS=3, FAIL=1)), rate(Counter())
    ('3/4 PASS (75%); 1 FAIL', '—')
    """
    n = sum(counts.values())
    if not n:
        return "—"
    extra = ", ".join(f"{counts[o]} {o}" for o in ("FAIL", "XFAIL", "UNDECIDED") if counts[o])
    return f"{counts['PASS']}/{n} PASS ({counts['PASS'] / n:.0%})" + (f"; {extra}" if extra else "")


def digest(s: Summary) -> str:
    """One line: sweep size, counterexamples, and per violated assumption the PASS share."""
    total = sum(sum(c.values()) for c in s.in_region.values())
    passed = sum(c["PASS"] for c in s.in_region.values())
    parts = [f"{s.cases} cases ({', '.join(s.varied) or 'no varied parameter'}; {s.seeds} seed(s))",
             f"proven region {passed}/{total} claim checks PASS",
             f"{len(s.counterexamples)} COUNTEREXAMPLE(S)" if s.counterexamples else "no counterexample"]
    if s.pre_asymptotic:
        parts.append(f"{len(s.pre_asymptotic)} pre-asymptotic FAIL case(s) (gone at a longer horizon)")
    for a in s.assumptions:
        counts = sum(s.violated[a].values(), Counter())
        if counts:
            parts.append(f"{a} violated: {counts['PASS']}/{sum(counts.values())} PASS")
    if s.errors:
        parts.append(f"{s.errors} case(s) raised")
    return f"stress {s.theorem}: " + "; ".join(parts)


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    esc = lambda x: md_text(str(x).replace("|", "\\|"))  # noqa: E731 (data: no tag, no link)
    lines = ["| " + " | ".join(map(esc, header)) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(map(esc, r)) + " |" for r in rows]


def _counterexample_lines(s: Summary, commands: Mapping[str, str]) -> list[str]:
    lines = []
    if not s.counterexamples:
        lines.append("None: no claim FAILed in a case where every assumption HOLDS"
                     + (" and kept failing at a longer horizon." if s.pre_asymptotic else "."))
    else:
        lines += [f"**{len(s.counterexamples)} case(s) FAILed a claim while every assumption "
                  "HOLDS: potential counterexamples to the theorem as formalized.**", ""]
    for cx in s.counterexamples:
        lines.append(f"- {md_code(cx.case)}")
        lines += [f"  - **{md_text(claim)}** FAIL: {md_text(reason)}" for claim, reason in cx.failures]
        lines += [f"  - {md_text(claim)}: FAIL did not persist, {md_text(why)}" for claim, why in cx.vanished]
        if cx.name in commands:
            lines.append(f"  - reproduce: {md_code(commands[cx.name])}")
    if s.pre_asymptotic:
        lines += ["", f"{len(s.pre_asymptotic)} case(s) FAILed in the proven region at the sweep's "
                  "horizon but not when rerun longer (pre-asymptotic, not counterexamples):", ""]
        for cx in s.pre_asymptotic:
            lines.append(f"- {md_code(cx.case)}")
            lines += [f"  - {md_text(claim)}: FAIL ({md_text(reason)}); rerun: {md_text(why)}"
                      for (claim, reason), (_, why) in zip(cx.failures, cx.vanished)]
    return lines


def stress_markdown(s: Summary, images: Mapping[str, str], commands: Mapping[str, str]) -> str:
    """stress.md: counterexamples, the proven region, conservativeness per assumption, plots."""
    sweep = "; ".join(f"{k} = {fmt(v, 4)}" for k, v in s.varied.items()) or "no varied parameter"
    out = [f"# Stress sweep of {s.theorem}", "",
           f"{s.cases} cases: {sweep}; {s.seeds} seed(s) per cell. Every claim was evaluated whatever "
           "the assumption audit said. Rendered from results.json alone.", ""]
    if s.errors:
        out += [f"{s.errors} case(s) raised an error (their claims are UNDECIDED; rerun to retry).", ""]
    out += ["## Counterexamples (every assumption HOLDS, a claim FAILed)", "",
            *_counterexample_lines(s, commands), "", "## Inside the proven region", ""]
    out += _table(("claim", "outcomes where every assumption HOLDS"),
                  ((c, rate(s.in_region[c])) for c in s.claims))
    out += ["", "## Where an assumption is violated: how conservative is it?", "",
            "Share of cases that still PASS each claim among the cases where the assumption is "
            "VIOLATED (other assumptions may fail too).", ""]
    out += _table(("assumption", "violated in", *s.claims),
                  ((a, f"{s.violated_cases.get(a, 0)}/{s.cases}",
                    *(rate(s.violated[a][c]) for c in s.claims)) for a in s.assumptions))
    if images:
        out += ["", "## Phase diagrams", ""]
        out += [f"![{claim}]({name})" for claim, name in images.items()]
    return "\n".join(out) + "\n"
