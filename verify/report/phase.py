"""Stress sweeps rendered from results.json alone: phase diagrams and the sweep summary.

A stress sweep (``verify stress``) runs a grid of cases with every claim evaluated whatever
the assumption audit says. Its results.json is an ordinary one plus a ``"stress"`` block
(``varied``: the swept parameters and their values, ``axes``: the two drawn by default).
Here, from that document alone:

* :func:`summarize` counts, per assumption, how often each claim still PASSed where the
  assumption was VIOLATED (how conservative it is), and lists the claims that FAILed where
  every assumption HOLDS (potential counterexamples to the theorem as formalized), split
  by their confirmation at a longer horizon;
* :func:`phase_plots` draws, per claim, the fraction of seeds that PASS over two swept
  parameters, with each assumption's region hatched where it is not HOLDS and its boundary
  (HOLDS next to not HOLDS) drawn as a line: the gap between the proven region (no hatch)
  and the observed one (green) is what the picture shows.

The Markdown summary is :mod:`verify.report.stressmd`.
"""
from __future__ import annotations

import io
import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from verify.report.io import fmt

MAX_FACETS = 12
HATCHES = ("///", "\\\\\\", "...", "xxx", "---", "|||", "ooo", "+++")
LINESTYLES = ("-", "--", ":", "-.")
COLORS = ("#0550ae", "#111111", "#bc4c00", "#8250df", "#1b7c83", "#6e7781", "#116329", "#953800")


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
        """Directory name of its reproducing case file."""
        return f"{self.theorem}-{self.config_hash[:12]}"


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


def _ordered(values: Iterable[Any]) -> list[Any]:
    vals = list(dict.fromkeys(values))
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
        return sorted(vals)
    return vals


def varied(doc: Mapping[str, Any]) -> dict[str, list]:
    """Swept parameters and their values: the ``stress`` block, else those that vary across cases."""
    spec = (doc.get("stress") or {}).get("varied")
    if spec:
        return {k: _ordered(v) for k, v in spec.items()}
    params = [c.get("params") or {} for c in doc.get("cases") or []]
    keys = sorted({k for p in params for k in p} - {"seed"})
    found = {k: _ordered(p.get(k) for p in params) for k in keys}
    return {k: v for k, v in found.items() if len(v) > 1}


def _names(recs: Sequence[Record], attr: str) -> tuple[str, ...]:
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
    claims, assumptions = _names(recs, "outcomes"), _names(recs, "status")
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


def phase_filename(claim: str) -> str:
    """``phase-<claim>.png`` with unsafe characters replaced."""
    return "phase-" + re.sub(r"[^A-Za-z0-9_.-]+", "_", claim) + ".png"


def _status_grid(recs: Sequence[Record], assumption: str) -> bool | None:
    vals = [r.status.get(assumption) for r in recs if r.status]
    return None if not vals else all(v == "HOLDS" for v in vals)


def _cells(recs: Sequence[Record], x: str, y: str | None, xs: list, ys: list) -> dict:
    cells: dict[tuple[int, int], list[Record]] = {}
    for r in recs:
        i = xs.index(r.params.get(x)) if r.params.get(x) in xs else None
        j = ys.index(r.params.get(y)) if y is not None and r.params.get(y) in ys else 0
        if i is not None:
            cells.setdefault((i, j), []).append(r)
    return cells


def _boundary(holds: np.ndarray) -> list[list[tuple[float, float]]]:
    """Cell edges between a cell where the assumption HOLDS and one where it does not."""
    segs = []
    ny, nx = holds.shape
    for j, i in itertools.product(range(ny), range(nx)):
        if i + 1 < nx and holds[j, i] != holds[j, i + 1] and -1 not in (holds[j, i], holds[j, i + 1]):
            segs.append([(i + 0.5, j - 0.5), (i + 0.5, j + 0.5)])
        if j + 1 < ny and holds[j, i] != holds[j + 1, i] and -1 not in (holds[j, i], holds[j + 1, i]):
            segs.append([(i - 0.5, j + 0.5), (i + 0.5, j + 0.5)])
    return segs


def _draw_assumptions(ax: Any, cells: dict, shape: tuple[int, int], drawn: Sequence[str]) -> None:
    for k, a in enumerate(drawn):
        holds = np.full(shape, -1)
        for (i, j), rs in cells.items():
            h = _status_grid(rs, a)
            holds[j, i] = -1 if h is None else int(h)
        color = COLORS[k % len(COLORS)]
        for j, i in zip(*np.nonzero(holds == 0)):
            ax.add_patch(Rectangle((i - 0.5, j - 0.5), 1, 1, fill=False, hatch=HATCHES[k % len(HATCHES)],
                                   edgecolor=color, linewidth=0))
        ax.add_collection(LineCollection(_boundary(holds), colors=color, linewidths=2.5,
                                         linestyles=LINESTYLES[k % len(LINESTYLES)]))


def _panel(ax: Any, recs: Sequence[Record], claim: str, axes: tuple[str, str | None],
           values: Mapping[str, list], drawn: Sequence[str]) -> Any:
    x, y = axes
    xs, ys = values[x], values[y] if y else [None]
    cells = _cells(recs, x, y, xs, ys)
    share = np.full((len(ys), len(xs)), np.nan)
    for (i, j), rs in cells.items():
        outs = [r.outcomes.get(claim) for r in rs if claim in r.outcomes]
        if outs:
            share[j, i] = outs.count("PASS") / len(outs)
            fails = outs.count("FAIL")
            text = f"{outs.count('PASS')}/{len(outs)}" + (f"\n{fails} FAIL" if fails else "")
            ax.text(i, j, text, ha="center", va="center", fontsize=7, zorder=5,
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "alpha": 0.75,
                          "linewidth": 0})
    mesh = ax.pcolormesh(np.arange(len(xs) + 1) - 0.5, np.arange(len(ys) + 1) - 0.5,
                         np.ma.masked_invalid(share), cmap="RdYlGn", vmin=0.0, vmax=1.0)
    _draw_assumptions(ax, cells, share.shape, drawn)
    ax.set_xticks(range(len(xs)), [fmt(v, 3) for v in xs], fontsize=7)
    ax.set_yticks(range(len(ys)), [fmt(v, 3) if y else "" for v in ys], fontsize=7)
    ax.set_xlabel(x, fontsize=8)
    ax.set_ylabel(y or "", fontsize=8)
    ax.set_xlim(-0.5, len(xs) - 0.5)
    ax.set_ylim(-0.5, len(ys) - 0.5)
    return mesh


def _facets(recs: Sequence[Record], others: Mapping[str, list]) -> tuple[list[tuple[str, list]], str]:
    combos = list(itertools.product(*others.values()))
    if len(combos) > MAX_FACETS or not others:
        pooled = f" (pooled over {', '.join(others)})" if others else ""
        return [("", list(recs))], pooled
    keys = list(others)
    out = []
    for combo in combos:
        rs = [r for r in recs if all(r.params.get(k) == v for k, v in zip(keys, combo))]
        out.append((", ".join(f"{k}={fmt(v, 3)}" for k, v in zip(keys, combo)), rs))
    return out, ""


def _legend(fig: Figure, drawn: Sequence[str]) -> None:
    handles = [Patch(facecolor="white", edgecolor=COLORS[k % len(COLORS)],
                     hatch=HATCHES[k % len(HATCHES)], label=f"{a}: not HOLDS (hatched), boundary (line)")
               for k, a in enumerate(drawn)]
    if not drawn:
        handles = [Line2D([], [], color="none", label="every assumption HOLDS in every cell")]
    fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), 2), fontsize=7, frameon=False)


def phase_figure(doc: Mapping[str, Any], claim: str, axes: tuple[str, str | None]) -> bytes:
    """PNG of the fraction of seeds that PASS ``claim`` over ``axes``, one panel per other combination.

    Each assumption that is not HOLDS somewhere is hatched over the cells where it is not
    HOLDS for every seed, and its boundary is drawn between neighbouring cells.
    """
    recs, values = records(doc), varied(doc)
    others = {k: v for k, v in values.items() if k not in axes}
    facets, pooled = _facets(recs, others)
    drawn = [a for a in _names(recs, "status") if any(r.status.get(a, "HOLDS") != "HOLDS" for r in recs)]
    ncols = min(len(facets), 3)
    nrows = math.ceil(len(facets) / ncols)
    fig = Figure(figsize=(3.3 * ncols + 1.0, 2.7 * nrows + 1.1), dpi=100)
    FigureCanvasAgg(fig)
    grid = fig.subplots(nrows, ncols, squeeze=False)
    mesh = None
    for ax, (title, rs) in zip(grid.flat, facets):
        mesh = _panel(ax, rs, claim, axes, values, drawn)
        ax.set_title(title, fontsize=8)
    for ax in list(grid.flat)[len(facets):]:
        ax.set_visible(False)
    fig.subplots_adjust(left=0.1, right=0.82, bottom=0.12 + 0.1 / nrows + 0.03 * len(drawn) / 2,
                        top=0.9 - 0.02 * nrows, wspace=0.35, hspace=0.45)
    fig.colorbar(mesh, cax=fig.add_axes((0.85, 0.3, 0.02, 0.5))).set_label("fraction PASS", fontsize=7)
    fig.suptitle(f"{claim}: fraction of seeds that PASS{pooled}", fontsize=9)
    _legend(fig, drawn)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def default_axes(doc: Mapping[str, Any]) -> tuple[str, str | None] | None:
    """The ``stress`` block's axes, else the first two varied parameters (None: nothing varies)."""
    axes = (doc.get("stress") or {}).get("axes")
    names = list(varied(doc))
    if axes:
        return (axes[0], axes[1] if len(axes) > 1 else None)
    return (names[0], names[1] if len(names) > 1 else None) if names else None


def phase_plots(doc: Mapping[str, Any], axes: tuple[str, str | None] | None = None
                ) -> dict[str, tuple[str, bytes]]:
    """``{claim: (file name, PNG bytes)}`` for every claim of the sweep (empty if nothing varies)."""
    axes = axes or default_axes(doc)
    if axes is None:
        return {}
    claims = _names(records(doc), "outcomes")
    return {c: (phase_filename(c), phase_figure(doc, c, axes)) for c in claims}
