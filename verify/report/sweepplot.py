"""The plot of a claim judged on a parameter sweep (one point per run) that is not a Scaling law.

A :class:`~verify.claims.bound.Bound` or :class:`~verify.claims.limit.Limit` with a
:class:`~verify.sweep.Sweep` records its points (``evidence["points"]``: the swept abscissa
``x`` and the quantity ``y`` at the end of each run).  They are drawn on a linear ``y`` axis
against ``x`` (log scale), with the per-value median joined, the bounds, the expected limit and
the Limit's extrapolated value and confidence band.  Read from the results dictionary only.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from verify.report.io import as_float, fmt
from verify.report.plots import _hline, _limit_hat, _png, _row_figure, floats


def sweep_plot(row: Mapping[str, Any]) -> bytes:
    """Points ``y`` against the swept ``x`` (log axis) with bounds, expected value and fit.

    Parameters
    ----------
    row
        A results row whose ``evidence["points"]`` holds ``{"x": [...], "y": [...]}``.

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
        ax.scatter(x[ok], y[ok], s=14, color="C0", label="runs", zorder=3)
        xs = np.unique(x[ok])
        ax.plot(xs, [np.median(y[ok][x[ok] == v]) for v in xs], "-", color="C0", linewidth=1,
                label="median")
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
    ax.set_ylabel(str(row.get("quantity", "")), fontsize=8)
    return _png(fig, ax)


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
