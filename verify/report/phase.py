"""Stress sweeps rendered from results.json alone: phase diagrams and the sweep summary.

A stress sweep (``verify stress``) runs a grid of cases with every claim evaluated whatever
the assumption audit says. Its results.json is an ordinary one plus a ``"stress"`` block
(``varied``: the swept parameters and their values, ``axes``: the two drawn by default).
Here, from that document alone:

* the counts and counterexamples are :func:`verify.explore.analysis.summarize`;
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
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

from verify.explore.analysis import Record, claim_names, records, varied
from verify.lazy import lazy
from verify.report.format import fmt

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# matplotlib is imported when a phase diagram is drawn, not when verify starts (verify.lazy)
agg, mpl_figure = lazy("matplotlib.backends.backend_agg"), lazy("matplotlib.figure")
mcollections, mlines, mpatches = (lazy(f"matplotlib.{m}") for m in ("collections", "lines", "patches"))

MAX_FACETS = 12
HATCHES = ("///", "\\\\\\", "...", "xxx", "---", "|||", "ooo", "+++")
LINESTYLES = ("-", "--", ":", "-.")
COLORS = ("#0550ae", "#111111", "#bc4c00", "#8250df", "#1b7c83", "#6e7781", "#116329", "#953800")


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
            ax.add_patch(mpatches.Rectangle((i - 0.5, j - 0.5), 1, 1, fill=False, hatch=HATCHES[k % len(HATCHES)],
                                   edgecolor=color, linewidth=0))
        ax.add_collection(mcollections.LineCollection(_boundary(holds), colors=color, linewidths=2.5,
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
    handles = [mpatches.Patch(facecolor="white", edgecolor=COLORS[k % len(COLORS)],
                     hatch=HATCHES[k % len(HATCHES)], label=f"{a}: not HOLDS (hatched), boundary (line)")
               for k, a in enumerate(drawn)]
    if not drawn:
        handles = [mlines.Line2D([], [], color="none", label="every assumption HOLDS in every cell")]
    fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), 2), fontsize=7, frameon=False)


def phase_figure(doc: Mapping[str, Any], claim: str, axes: tuple[str, str | None]) -> bytes:
    """PNG of the fraction of seeds that PASS ``claim`` over ``axes``, one panel per other combination.

    Each assumption that is not HOLDS somewhere is hatched over the cells where it is not
    HOLDS for every seed, and its boundary is drawn between neighbouring cells.
    """
    recs, values = records(doc), varied(doc)
    others = {k: v for k, v in values.items() if k not in axes}
    facets, pooled = _facets(recs, others)
    drawn = [a for a in claim_names(recs, "status") if any(r.status.get(a, "HOLDS") != "HOLDS" for r in recs)]
    ncols = min(len(facets), 3)
    nrows = math.ceil(len(facets) / ncols)
    fig = mpl_figure.Figure(figsize=(3.3 * ncols + 1.0, 2.7 * nrows + 1.1), dpi=100)
    agg.FigureCanvasAgg(fig)
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
    claims = claim_names(records(doc), "outcomes")
    return {c: (phase_filename(c), phase_figure(doc, c, axes)) for c in claims}
