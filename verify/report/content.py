"""The content model of a report: what it shows, as plain-text tables and (label, value) lists.

Everything a report shows is read from the results dictionary (the parsed
results.json): nothing is recomputed except display summaries (a minimum over the
audited digits, a maximum over certificate residuals, outcome counts).  The renderers
:mod:`verify.report.markdown` (summary.md) and :mod:`verify.report.html` (index.html) mark
up the same model, so both pages show the same numbers.

Examples
--------
>>> rows = [{"theorem": "t", "case": "c", "claim": "a", "outcome": "PASS"},
...         {"theorem": "t", "case": "c", "claim": "b", "outcome": "FAIL", "reading": True}]
>>> groups = group({"cases": [], "rows": rows})
>>> [(g.name, [c.name for c in g.cases]) for g in groups]
[('t', ['c'])]
>>> counts_table(groups).rows[-1]
('all', '1', '1', '0', '0', '0', '0', '2')
>>> name_of(rows[1], "claim"), split_reading(name_of(rows[1], "claim"))
('b (our reading)', ('b', ' (our reading)'))
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from verify.outcome import Resolution
from verify.report.evidence import evidence_of, read
from verify.report.fields import evidence_fields
from verify.report.format import MISSING, as_float, fmt
from verify.report.reasons import reason_of

OUTCOMES = ("PASS", "FAIL", "XFAIL", "UNDECIDED", "SKIPPED")
READING = " (our reading)"
PREAMBLE = ("Rendered from results.json alone; nothing was recomputed. `log_t` is the natural "
            "logarithm of the time t; plots use log10 t.")


@dataclass(frozen=True)
class Table:
    """A table of plain-text cells; ``kinds`` says how each column is marked up.

    Kinds: ``text`` (prose), ``code`` (identifiers), ``latex`` (math) and ``status``
    (an outcome or an assumption status, shown bold or as a badge).
    """

    header: tuple[str, ...]
    kinds: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class CaseGroup:
    """One case: its record (None when results.json has rows but no record) and rows."""

    name: str
    record: Mapping[str, Any] | None
    rows: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class TheoremGroup:
    """One theorem: the first case record describing it and its cases, in file order."""

    name: str
    info: Mapping[str, Any]
    cases: tuple[CaseGroup, ...]


def group(results: Mapping[str, Any]) -> list[TheoremGroup]:
    """Group cases and rows by theorem, then by case, keeping the order of the file."""
    records = {c.get("case", ""): c for c in results.get("cases", [])}
    order: dict[str, dict[str, list[Mapping[str, Any]]]] = {}
    for c in results.get("cases", []):
        order.setdefault(c.get("theorem", ""), {}).setdefault(c.get("case", ""), [])
    for r in results.get("rows", []):
        order.setdefault(r.get("theorem", ""), {}).setdefault(r.get("case", ""), []).append(r)
    out = []
    for thm, cases in order.items():
        groups = tuple(CaseGroup(n, records.get(n), tuple(rs)) for n, rs in cases.items())
        info = next((g.record for g in groups if g.record is not None), {})
        out.append(TheoremGroup(thm, info, groups))
    return out


def worst(values: Iterable[Any], pick: Callable[[list[float]], float]) -> float | None:
    """``pick`` (min or max) over decoded numbers; NaN if any is NaN; None if empty."""
    nums = [x for x in (as_float(v) for v in values) if x is not None]
    if not nums:
        return None
    return math.nan if any(math.isnan(x) for x in nums) else pick(nums)


def max_residual(certificate: Mapping[str, Any]) -> float | None:
    """Largest absolute certificate residual (NaN if any is NaN, None if there are none)."""
    nums = [as_float(v) for v in certificate.values()]
    return worst((abs(x) for x in nums if x is not None), max)


def name_of(item: Mapping[str, Any], key: str) -> str:
    """``item[key]`` with the reading marker when the item is the suite's reading."""
    return f"{item.get(key, '')}{READING if item.get('reading') else ''}"


def split_reading(text: str) -> tuple[str, str]:
    """Split ``"name (our reading)"`` into the name and the marker (``""`` if absent)."""
    return (text[: -len(READING)], READING) if text.endswith(READING) else (text, "")


def provenance_items(prov: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The provenance block as (label, value) pairs."""
    pkgs = prov.get("packages") or {}
    keys = [("command", "command"), ("created", "created"), ("git sha", "git_sha"),
            ("verify", "verify_version"), ("python", "python"), ("platform", "platform"),
            ("profile", "profile"), ("jobs", "jobs")]
    items = [(label, fmt(prov.get(key))) for label, key in keys]
    items.append(("wall time", f"{fmt(prov.get('wall_time_s'), 4)} s"))
    items.append(("packages", ", ".join(f"{k} {v}" for k, v in pkgs.items()) or MISSING))
    return items


def counts_table(groups: list[TheoremGroup]) -> Table:
    """Outcome counts per theorem and in total; a diagnostic claim's row is counted under
    ``diagnostic``, not under its outcome (it is shown, not a verdict)."""
    def counts(rows: Iterable[Mapping[str, Any]]) -> list[int]:
        rows = list(rows)
        found = [r.get("outcome") for r in rows if not r.get("diagnostic")]
        return [found.count(o) for o in OUTCOMES] + [len(rows) - len(found), len(rows)]

    body = [(g.name, *map(str, counts(r for c in g.cases for r in c.rows))) for g in groups]
    every = [r for g in groups for c in g.cases for r in c.rows]
    body.append(("all", *map(str, counts(every))))
    header = ("theorem", *OUTCOMES, "diagnostic", "total")
    return Table(header, ("code",) + ("text",) * (len(header) - 1), tuple(body))


def resolution_text(row: Mapping[str, Any]) -> str:
    """The row's resolution in one line (:meth:`verify.outcome.Resolution.text`), naming the
    judged verdict it is of when the row shows another (an XFAIL, a withheld verdict), and
    the diagnostic flag; :data:`~verify.report.format.MISSING` when the row has none.

    Examples
    --------
    >>> shift = {"what": "limit", "sign": 1, "absolute": 0.1, "relative": 0.003,
    ...          "relative_to": "expected value"}
    >>> resolution_text({"outcome": "XFAIL", "resolution": {"verdict": "FAIL",
    ...                  "turns_to": "not FAIL", "shifts": [shift]}})
    'would no longer FAIL beyond limit +0.3% (of the judged FAIL)'
    >>> resolution_text({"outcome": "PASS"})
    '—'
    """
    data = row.get("resolution")
    if not isinstance(data, Mapping):
        return MISSING
    try:
        res = Resolution.from_json(data)
    except (TypeError, ValueError, KeyError):
        return MISSING
    text = res.text()
    if res.verdict and res.verdict != row.get("outcome"):
        text += f" (of the judged {res.verdict})"
    return f"diagnostic, not counted: {text}" if row.get("diagnostic") else text


def verdict_text(row: Mapping[str, Any]) -> str:
    """The outcome with its resolution beside it: ``PASS, would FAIL beyond limit ±0.3%``.

    Examples
    --------
    >>> verdict_text({"outcome": "UNDECIDED"})
    'UNDECIDED'
    """
    res = resolution_text(row)
    outcome = str(row.get("outcome", ""))
    return outcome if res == MISSING else f"{outcome}, {res}"


def case_facts(record: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """Backend, precision, audited digits, parameters and the run, as (label, value)."""
    if record is None:
        return [("record", "no case record in results.json")]
    audit = record.get("audit") or {}
    digits = "not audited" if not audit else (
        f"{audited_summary(audit)} (audit: {fmt(audit.get('backend'))}, "
        f"dps={fmt(audit.get('dps'))}, "
        f"{fmt(audit.get('steps'))} steps, windows log_t {audit_windows(audit)})")
    traj = record.get("trajectory") or {}
    run = MISSING if not traj else (
        f"{fmt(traj.get('steps'))} steps, final log_t {fmt(traj.get('final_log_t'), 5)}, "
        f"final log loss {fmt(traj.get('final_log_loss'), 5)}, stopped: {fmt(traj.get('stopped'))}")
    choice = record.get("backend_choice") or {}
    picked = f"; picked by --backend auto: {choice.get('why')}" if choice else ""
    return [("backend", f"{fmt(record.get('backend'))} ({fmt(record.get('precision'))}){picked}"),
            ("audited digits", digits), ("parameters", fmt(record.get("params") or {})),
            ("seed", fmt(record.get("seed"))), ("config hash", fmt(record.get("config_hash"))),
            ("stress", fmt(bool(record.get("stress")))), ("trajectory", run),
            ("wall time", f"{fmt(record.get('wall_time_s'), 4)} s")]


def audit_windows(audit: Mapping[str, Any]) -> str:
    """The audit's compared windows in log time (``window_log_t``, as the audit writes it: a
    list of ``[start, end]``, start None for the run's start; older files: ``window``).

    Examples
    --------
    >>> audit_windows({"window_log_t": [[None, 13.66], [151.1, 152.1]]})
    '[start, 13.66], [151.1, 152.1]'
    >>> audit_windows({"window": [0.5, 2]}), audit_windows({})
    ('[0.5, 2]', '—')
    """
    spans = audit.get("window_log_t", audit.get("window"))
    if not isinstance(spans, list) or not spans:
        return MISSING
    if not all(isinstance(s, list) for s in spans):
        spans = [spans]
    return ", ".join("[" + ", ".join("start" if v is None else fmt(v, 4) for v in s) + "]"
                     for s in spans)


def shown_digits(value: Any) -> tuple[str, str]:
    """Audited digits as shown, floored at 0, and a note when the float64 value is not
    meaningful (negative digits: the run's value is off by more than the value itself,
    as a float64 loss near 0 measured against mpmath).

    Examples
    --------
    >>> shown_digits(11.23), shown_digits(-26.3)[0]
    (('11.2', ''), '0')
    >>> shown_digits(-26.3)[1]
    'value below float64 resolution: off by 10^26.3 times itself, not meaningful in float64'
    """
    x = as_float(value)
    if x is None or math.isnan(x) or x >= 0:
        return fmt(value, 3), ""
    return "0", (f"value below float64 resolution: off by 10^{fmt(-x, 3)} times itself, "
                 "not meaningful in float64")


def audited_summary(audit: Mapping[str, Any]) -> str:
    """Least audited digits over the quantities, floored at 0, naming the quantities whose
    float64 value is not meaningful (:func:`shown_digits`)."""
    per = audit.get("digits") or {}
    bad = [q for q, d in per.items() if shown_digits(d)[1]]
    text = f"min {shown_digits(worst(per.values(), min))[0]}"
    text += "".join(f"; {q}: value below float64 resolution (not meaningful in float64)"
                    for q in bad)
    rest = worst((d for q, d in per.items() if q not in bad), min)
    return text + (f"; min of the others {fmt(rest, 3)}" if bad and rest is not None else "")


def digits_table(record: Mapping[str, Any]) -> Table | None:
    """Audited digits per quantity (floored at 0, with a note where the float64 value is not
    meaningful) and their kind: ``propagated bound``, ``estimate`` or ``reference``
    (:mod:`verify.dynamics.audit`; None when the case was not audited)."""
    audit = record.get("audit") or {}
    kinds = (audit.get("bound") or {}).get("kinds") or {}
    rows = tuple((q, *shown_digits(d), fmt(kinds.get(q)))
                 for q, d in (audit.get("digits") or {}).items())
    return Table(("quantity", "audited digits", "note", "kind"), ("code", "text", "text", "text"),
                 rows) if rows else None


def targets_table(record: Mapping[str, Any]) -> Table | None:
    """Targets with status, solver and the largest certificate residual."""
    rows = tuple(
        (t.get("name", ""), fmt(t.get("status")), fmt(t.get("solver")), fmt(t.get("ok")),
         fmt(max_residual(t.get("certificate") or {}), 3),
         fmt(t.get("tolerance"), 3), fmt(t.get("polished")), fmt(t.get("values") or {}),
         fmt(t.get("note") or ""))
        for t in record.get("targets") or [])
    header = ("target", "status", "solver", "ok", "max certificate residual", "tolerance",
              "polished", "values", "note")
    return Table(header, ("code", "status") + ("text",) * 7, rows) if rows else None


def sweep_targets_table(rows: Iterable[Mapping[str, Any]]) -> Table | None:
    """Targets of every sweep claim's runs: how many ended with each status, and the solver.

    From the rows' ``evidence["sweep_runs"]`` (one line per claim and target), so the solver
    status behind every point of a sweep plot is in the report, not only in results.json.
    """
    body = tuple(
        (name_of(r, "claim"), str(runs.n_seeds), name, fmt(text))
        for r in rows
        for runs in [read(r).sweep_runs] if runs is not None
        for name, text in runs.targets.items())
    header = ("claim", "runs", "target", "statuses (solver)")
    return Table(header, ("code", "text", "code", "text"), body) if body else None


def case_tables(record: Mapping[str, Any] | None,
                rows: Iterable[Mapping[str, Any]]) -> list[tuple[str, Table]]:
    """The titled tables of a case section, in order (those with no rows left out)."""
    tables = [("Audited digits", digits_table(record)), ("Targets", targets_table(record)),
              ("Assumptions", assumptions_table(record))] if record is not None else []
    tables.append(("Targets of the sweep runs", sweep_targets_table(rows)))
    return [(title, t) for title, t in tables if t is not None]


def assumptions_table(record: Mapping[str, Any]) -> Table | None:
    """The assumption audit, with the measured values (the effective constants)."""
    rows = tuple(
        (name_of(a, "name"), a.get("latex", ""), a.get("status", ""), fmt(a.get("slack")),
         fmt(a.get("relative_slack"), 3), fmt(a.get("values") or {}), fmt(a.get("exact")),
         fmt(a.get("note") or ""))
        for a in record.get("assumptions") or [])
    header = ("assumption", "statement", "status", "slack", "relative slack",
              "measured values", "exact", "note")
    return Table(header, ("code", "latex", "status") + ("text",) * 5, rows) if rows else None


def claims_table(rows: Iterable[Mapping[str, Any]]) -> Table:
    """One line per claim: kind, outcome, its resolution, measured, expected, digits and
    reason."""
    body = tuple(
        (name_of(r, "claim"), fmt(r.get("kind")), fmt(r.get("outcome")), resolution_text(r),
         fmt(r.get("measured")), fmt(r.get("expected")), fmt(r.get("digits"), 3),
         reason_of(r))
        for r in rows)
    header = ("claim", "kind", "outcome", "resolution", "measured", "expected", "digits", "reason")
    return Table(header, ("code", "text", "status") + ("text",) * 5, body)


def claim_details(row: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Quantity, solver status and evidence of one claim, as (label, value); the evidence
    labelled in words with its key in results.json
    (:func:`verify.report.fields.evidence_fields`)."""
    items = [("resolution", resolution_text(row)), ("quantity", fmt(row.get("quantity"))),
             ("backend", fmt(row.get("backend"))), ("seed", fmt(row.get("seed")))]
    if row.get("solver_status"):
        items.append(("solver", fmt(row.get("solver_status"))))
    ev = evidence_of(row)
    items += [(label if label == key else f"{label} ({key})", value)
              for label, key, value in evidence_fields(row)]
    if "points" in ev:
        points = read(row).points
        items.append(("points", f"{0 if points is None else points.x.size} points"))
    return items
