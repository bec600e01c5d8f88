"""What a stress sweep found, from its results.json alone: the counterexample analysis.

A stress sweep (``verify stress``) runs a grid of cases with every claim evaluated whatever
the assumption audit says.  :func:`summarize` counts, per assumption, how often each claim
still PASSed where the assumption was VIOLATED (how conservative it is), and lists the
claims that FAILed where every assumption HOLDS (potential counterexamples to the theorem
as formalized), split by their confirmation at a longer horizon
(:mod:`verify.explore.confirm`).  The pages that show it are :mod:`verify.report.phase`
and :mod:`verify.report.stressmd`.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from verify.explore.paths import slug


@dataclass(frozen=True)
class Record:
    """One case of a sweep: its parameters, audit statuses and claim outcomes."""

    label: str
    params: Mapping[str, Any]
    status: Mapping[str, str]
    outcomes: Mapping[str, str]
    reasons: Mapping[str, str]
    config_hash: str = ""
    error: str = ""

    @property
    def all_hold(self) -> bool:
        """True when the audit ran and every assumption HOLDS."""
        return bool(self.status) and all(s == "HOLDS" for s in self.status.values())


@dataclass(frozen=True)
class Counterexample:
    """A case where every assumption HOLDS and at least one claim FAILed."""

    theorem: str
    case: str
    config_hash: str
    params: Mapping[str, Any]
    failures: tuple[tuple[str, str], ...]  # (claim, reason)
    vanished: tuple[tuple[str, str], ...] = ()  # (claim, outcome and reason at a longer horizon)

    @property
    def name(self) -> str:
        """Directory name of its reproducing case file: ``<theorem>-<hash>`` as a safe slug
        (:func:`verify.explore.paths.slug`: both parts come from results.json)."""
        return slug(f"{self.theorem}-{str(self.config_hash)[:12]}")


@dataclass(frozen=True)
class Summary:
    """Outcome counts of a sweep, inside the proven region and where each assumption fails."""

    theorem: str
    varied: Mapping[str, list]
    seeds: int
    cases: int
    claims: tuple[str, ...]
    assumptions: tuple[str, ...]
    in_region: Mapping[str, Counter] = field(default_factory=dict)
    violated: Mapping[str, Mapping[str, Counter]] = field(default_factory=dict)
    violated_cases: Mapping[str, int] = field(default_factory=dict)
    counterexamples: tuple[Counterexample, ...] = ()
    errors: int = 0
    pre_asymptotic: tuple[Counterexample, ...] = ()


def records(doc: Mapping[str, Any]) -> list[Record]:
    """The cases of ``doc`` joined with their rows, in case order."""
    rows: dict[str, list] = {}
    for row in doc.get("rows") or []:
        rows.setdefault(row.get("case", ""), []).append(row)
    out = []
    for case in doc.get("cases") or []:
        label = case.get("case", "")
        rs = rows.get(label, [])
        out.append(Record(label, case.get("params") or {},
                          {a["name"]: a["status"] for a in case.get("assumptions") or []},
                          {r["claim"]: r["outcome"] for r in rs}, {r["claim"]: r["reason"] for r in rs},
                          case.get("config_hash", ""), case.get("error") or ""))
    return out


def ordered(values: Iterable[Any]) -> list[Any]:
    vals = list(dict.fromkeys(values))
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
        return sorted(vals)
    return vals


def varied(doc: Mapping[str, Any]) -> dict[str, list]:
    """Swept parameters and their values: the ``stress`` block, else those that vary across cases."""
    spec = (doc.get("stress") or {}).get("varied")
    if spec:
        return {k: ordered(v) for k, v in spec.items()}
    params = [c.get("params") or {} for c in doc.get("cases") or []]
    keys = sorted({k for p in params for k in p} - {"seed"})
    found = {k: ordered(p.get(k) for p in params) for k in keys}
    return {k: v for k, v in found.items() if len(v) > 1}


def claim_names(recs: Sequence[Record], attr: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(k for r in recs for k in getattr(r, attr)))


def _counterexamples(theorem: str, recs: Sequence[Record], confirmations: Mapping[str, Any]
                     ) -> tuple[tuple[Counterexample, ...], tuple[Counterexample, ...]]:
    """Cases where every assumption HOLDS and a claim FAILed, split by their confirmation
    rerun at a longer horizon (``stress.confirmations``, :mod:`verify.explore.confirm`): a FAIL that
    persists stays a counterexample, one that does not is pre-asymptotic.  Cases without a
    confirmation stay counterexamples."""
    found, pre = [], []
    for r in recs:
        fails = tuple((c, r.reasons.get(c, "")) for c, o in r.outcomes.items() if o == "FAIL")
        if not (r.all_hold and fails):
            continue
        conf = confirmations.get(r.label)
        if not conf:
            found.append(Counterexample(theorem, r.label, r.config_hash, dict(r.params), fails))
            continue
        later = conf.get("outcomes") or {}
        keep = tuple((c, why) for c, why in fails if later.get(c) == "FAIL")
        gone = tuple((c, f"{later.get(c, 'missing')} at steps = {conf.get('steps')}: "
                         f"{(conf.get('reasons') or {}).get(c, '')}")
                     for c, _ in fails if later.get(c) != "FAIL")
        cx = Counterexample(theorem, r.label, r.config_hash, dict(r.params), keep or fails, gone)
        (found if keep else pre).append(cx)
    return tuple(found), tuple(pre)


def summarize(doc: Mapping[str, Any]) -> Summary:
    """Count outcomes per claim inside the proven region and where each assumption is VIOLATED.

    Parameters
    ----------
    doc
        The parsed results.json of a stress sweep.

    Returns
    -------
    Summary
        ``in_region[claim]`` and ``violated[assumption][claim]`` are Counters of outcomes
        over cases (cells times seeds); ``counterexamples`` lists the cases where every
        assumption HOLDS and a claim FAILed (and still FAILs at a longer horizon, when a
        confirmation was run); ``pre_asymptotic`` those whose FAILs all vanished there.
    """
    recs = records(doc)
    claims, assumptions = claim_names(recs, "outcomes"), claim_names(recs, "status")
    in_region: dict[str, Counter] = {c: Counter() for c in claims}
    viol: dict[str, dict[str, Counter]] = {a: {c: Counter() for c in claims} for a in assumptions}
    viol_cases: Counter = Counter()
    for r in recs:
        if r.all_hold:
            for c, o in r.outcomes.items():
                in_region[c][o] += 1
        for a, s in r.status.items():
            if s == "VIOLATED":
                viol_cases[a] += 1
                for c, o in r.outcomes.items():
                    viol[a][c][o] += 1
    theorem = next((c.get("theorem", "") for c in doc.get("cases") or []), "")
    seeds = len({r.params.get("seed") for r in recs})
    found, pre = _counterexamples(theorem, recs, (doc.get("stress") or {}).get("confirmations") or {})
    return Summary(theorem, varied(doc), seeds, len(recs), claims, assumptions, in_region, viol,
                   dict(viol_cases), found, sum(bool(r.error) for r in recs), pre)
