"""The plot of a claim judged on a parameter sweep (one point per run) that is not a Scaling law.

A :class:`~verify.claims.bound.Bound`, :class:`~verify.claims.limit.Limit` or
:class:`~verify.claims.trend.Trend` with a :class:`~verify.spec.sweep.Sweep` records its
points (:class:`verify.report.evidence.Points`: the swept abscissa ``x`` and the quantity
``y`` at the end of each run, and ``show``: the claim's ``show`` quantities of the same
runs).  They are drawn on a linear ``y`` axis against ``x`` (log scale), with the per-value
medians joined, the bounds, the expected limit and the Limit's extrapolated value and
confidence band.  A :class:`~verify.claims.frequency.Frequency` is drawn as the observed
fraction per value against its prediction.  Read from the results dictionary only.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from verify.report.evidence import BoundReading, FrequencyReading, LimitReading, read
from verify.report.figures import LABEL, LEGEND, hline, limit_band, math_label, row_figure, svg
from verify.report.format import as_float, fmt


def quantity_label(record: Mapping[str, Any] | None, name: str) -> str:
    """The quantity's LaTeX label from the case record, as mathtext, else its name."""
    series = ((record or {}).get("series") or {}).get(name) or {}
    text = math_label(str(series.get("label") or ""), name) if isinstance(series, Mapping) else name
    return text if text.startswith("$") else name


def sweep_plot(row: Mapping[str, Any], record: Mapping[str, Any] | None = None) -> bytes:
    """Points ``y`` against the swept ``x`` (log axis) with bounds, expected value and fit.

    Parameters
    ----------
    row
        A results row whose evidence holds ``points`` (``{"x": [...], "y": [...]}``).
    record
        The case record; its series labels name the quantities in the legend and on the
        ``y`` axis (the names are used without it).

    Returns
    -------
    bytes
        An SVG image (:func:`verify.report.figures.svg`).
    """
    ev = read(row)
    fig, ax = row_figure(row)
    x = ev.points.x if ev.points is not None else np.zeros(0)
    y = ev.points.y if ev.points is not None else np.zeros(0)
    show = ev.points.show if ev.points is not None else ()
    ok = (np.isfinite(x) & np.isfinite(y) & (x > 0)) if x.shape == y.shape else np.zeros(0, bool)
    if np.any(ok):
        name = quantity_label(record, str(row.get("quantity", "")))
        _runs(ax, x[ok], y[ok], "C0", name if show else "")
        for i, (name, v) in enumerate(show):
            if v.shape == x.shape:
                keep = ok & np.isfinite(v)
                _runs(ax, x[keep], v[keep], f"C{i + 1}", quantity_label(record, str(name)),
                      marker="^")
        xs = np.unique(x[ok])
        ax.set_xscale("log")
        ax.set_xticks(xs, [fmt(v, 4) for v in xs])
        ax.minorticks_off()
    else:
        ax.text(0.5, 0.5, "no finite points", transform=ax.transAxes, ha="center",
                fontsize=LABEL)
    if isinstance(ev, BoundReading):
        for key, line in (("upper", ev.upper), ("lower", ev.lower)):
            hline(ax, line.level if line is not None else None, f"{key} bound", color="C3",
                  linestyle="-.")
    expected = as_float(row.get("expected"))
    if row.get("kind") == "Limit" and expected is not None and math.isfinite(expected):
        hline(ax, expected, "expected", color="black", linestyle="--")
    if isinstance(ev, LimitReading):
        limit_band(ax, ev.L_hat, ev.ci)
    ax.set_xlabel(ev.x_label, fontsize=LABEL)
    ax.set_ylabel(quantity_label(record, str(row.get("quantity", ""))), fontsize=LABEL)
    return svg(fig, ax)


def _runs(ax, x: np.ndarray, y: np.ndarray, color: str, label: str, marker: str = "o") -> None:
    """One point per run and the per-value median, joined (legend ``label (runs)``, or
    ``runs`` and ``median`` when ``label`` is empty)."""
    ax.scatter(x, y, s=14, color=color, marker=marker, label=f"{label} (runs)" if label else "runs",
               zorder=3)
    xs = np.unique(x)
    ax.plot(xs, [np.median(y[x == v]) for v in xs], "-", color=color, linewidth=1,
            label=f"{label} (median)" if label else "median")


def frequency_plot(row: Mapping[str, Any]) -> bytes:
    """Observed event fraction per swept value with its exact interval, against ``p(x)``.

    Parameters
    ----------
    row
        A :class:`~verify.claims.frequency.Frequency` row whose evidence's ``groups`` hold
        ``x``, ``k``, ``n``, the prediction ``p`` and the Clopper-Pearson interval ``ci``.

    Returns
    -------
    bytes
        An SVG image (:func:`verify.report.figures.svg`).
    """
    ev = read(row)
    fig, ax = row_figure(row)
    groups = ev.groups if isinstance(ev, FrequencyReading) else ()
    if groups:
        x = np.array([g.x for g in groups])
        frac = np.array([g.k / g.n for g in groups])
        lo = np.array([g.ci[0] for g in groups])
        hi = np.array([g.ci[1] for g in groups])
        ax.errorbar(x, frac, yerr=[frac - lo, hi - frac], fmt="o", color="C0", capsize=3,
                    label="observed k/N (exact interval)")
        ax.plot(x, [g.p for g in groups], "s--", color="black", markersize=4,
                label="predicted p(x)")
        for xi, g in zip(x, groups):
            ax.annotate(f"{g.k}/{g.n}", (xi, g.k / g.n), fontsize=LEGEND,
                        xytext=(4, 4), textcoords="offset points")
        ax.set_xticks(x, [fmt(v, 4) for v in x])
        ax.set_ylim(-0.02, 1.02)
        ax.legend(fontsize=LEGEND)
    else:
        ax.text(0.5, 0.5, "no groups recorded", transform=ax.transAxes, ha="center",
                fontsize=LABEL)
    ax.set_xlabel(ev.x_label, fontsize=LABEL)
    ax.set_ylabel(f"fraction of runs: {row.get('quantity', '')}", fontsize=LABEL)
    return svg(fig, ax)
