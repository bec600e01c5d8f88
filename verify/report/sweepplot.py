"""The plot of a claim judged on a parameter sweep (one point per run) that is not a Scaling law.

A :class:`~verify.claims.bound.Bound` or :class:`~verify.claims.limit.Limit` with a
:class:`~verify.spec.sweep.Sweep` records its points (``evidence["points"]``: the swept abscissa
``x`` and the quantity ``y`` at the end of each run, and ``show``: the claim's ``show``
quantities of the same runs).  They are drawn on a linear ``y`` axis against ``x`` (log
scale), with the per-value medians joined, the bounds, the expected limit and
the Limit's extrapolated value and confidence band.  Read from the results dictionary only.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from verify.report.io import as_float, fmt
from verify.report.plots import _hline, _limit_hat, _png, _row_figure, floats, math_label


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
        A results row whose ``evidence["points"]`` holds ``{"x": [...], "y": [...]}``.
    record
        The case record; its series labels name the quantities in the legend and on the
        ``y`` axis (the names are used without it).

    Returns
    -------
    bytes
        A PNG image of 500 x 320 pixels.
    """
    ev, fig, ax = _row_figure(row)
    pts = ev.get("points") or {}
    x, y = floats(pts.get("x")), floats(pts.get("y"))
    ok = (np.isfinite(x) & np.isfinite(y) & (x > 0)) if x.shape == y.shape else np.zeros(0, bool)
    if np.any(ok):
        name = quantity_label(record, str(row.get("quantity", "")))
        _runs(ax, x[ok], y[ok], "C0", name if pts.get("show") else "")
        for i, (name, vals) in enumerate((pts.get("show") or {}).items()):
            v = floats(vals)
            if v.shape == x.shape:
                keep = ok & np.isfinite(v)
                _runs(ax, x[keep], v[keep], f"C{i + 1}", quantity_label(record, str(name)),
                      marker="^")
        xs = np.unique(x[ok])
        ax.set_xscale("log")
        ax.set_xticks(xs, [fmt(v, 4) for v in xs])
        ax.minorticks_off()
    else:
        ax.text(0.5, 0.5, "no finite points", transform=ax.transAxes, ha="center", fontsize=8)
    for key in ("upper", "lower"):
        _hline(ax, ev.get(key), f"{key} bound", color="C3", linestyle="-.")
    expected = as_float(row.get("expected"))
    if row.get("kind") == "Limit" and expected is not None and math.isfinite(expected):
        _hline(ax, expected, "expected", color="black", linestyle="--")
    _limit_hat(ax, ev)
    ax.set_xlabel(str(ev.get("x_label", "parameter")), fontsize=8)
    ax.set_ylabel(quantity_label(record, str(row.get("quantity", ""))), fontsize=8)
    return _png(fig, ax)


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
        A :class:`~verify.claims.frequency.Frequency` row whose ``evidence["groups"]`` holds
        ``x``, ``k``, ``n``, the prediction ``p`` and the Clopper-Pearson interval ``ci``.

    Returns
    -------
    bytes
        A PNG image of 500 x 320 pixels.
    """
    ev, fig, ax = _row_figure(row)
    groups = [g for g in ev.get("groups") or [] if isinstance(g, Mapping)]
    if groups:
        x = np.array([float(g["x"]) for g in groups])
        frac = np.array([g["k"] / g["n"] for g in groups])
        lo = np.array([float(g["ci"][0]) for g in groups])
        hi = np.array([float(g["ci"][1]) for g in groups])
        ax.errorbar(x, frac, yerr=[frac - lo, hi - frac], fmt="o", color="C0", capsize=3,
                    label="observed k/N (exact interval)")
        ax.plot(x, [float(g["p"]) for g in groups], "s--", color="black", markersize=4,
                label="predicted p(x)")
        for xi, g in zip(x, groups):
            ax.annotate(f"{g['k']}/{g['n']}", (xi, g["k"] / g["n"]), fontsize=6,
                        xytext=(4, 4), textcoords="offset points")
        ax.set_xticks(x, [fmt(v, 4) for v in x])
        ax.set_ylim(-0.02, 1.02)
        ax.legend(fontsize=6)
    else:
        ax.text(0.5, 0.5, "no groups recorded", transform=ax.transAxes, ha="center", fontsize=8)
    ax.set_xlabel(str(ev.get("x_label", "parameter")), fontsize=8)
    ax.set_ylabel(f"fraction of runs: {row.get('quantity', '')}", fontsize=8)
    return _png(fig, ax)
