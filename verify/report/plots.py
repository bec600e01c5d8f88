"""Plots of the evidence behind each claim, as SVG bytes.

A claim judged on a trajectory is drawn against :math:`\\log_{10} t` with everything that
decided it (:func:`series_plot`); a claim judged on a sweep by :mod:`verify.report.sweepplot`
(:func:`scaling_plot` for a power law).  Everything drawn is read from the results dictionary
through :func:`verify.report.evidence.read`; the only arithmetic is evaluating the fit the
claim already recorded, :math:`\\hat L + \\sum_k c_k r_k(\\log t)`.
"""
from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from verify.claims.rates import RATES
from verify.report.evidence import (BoundLine, BoundReading, LimitReading, MonotoneReading,
                                    Pair, Reading, ScalingReading, Witness, read)
from verify.report.figures import (LABEL, LN10, TICK, floats, hline, limit_band,
                                   math_label, row_figure, svg)
from verify.report.format import as_float, fmt
from verify.report.sweepplot import frequency_plot, sweep_plot

#: Kinds whose ``expected`` is not a value of the quantity (Bound: a worst bound ratio;
#: Eventually: a time :math:`\\log T`, drawn as a vertical line by :func:`_onset`).
NOT_ON_QUANTITY_SCALE = frozenset({"Bound", "Monotone", "Scaling", "Frequency", "Eventually"})


def _onset(ax: Any, row: Mapping[str, Any]) -> None:
    """An Eventually's claimed time :math:`\\log T` (``expected``) and the time from which the
    property held (``T_hat_log_t``), as vertical lines."""
    if row.get("kind") != "Eventually":
        return
    ev = row.get("evidence") if isinstance(row.get("evidence"), Mapping) else {}
    for value, label, style in ((row.get("expected"), "claimed log T", "--"),
                                (ev.get("T_hat_log_t"), "holds from", ":")):
        x = as_float(value)
        if x is not None and math.isfinite(x):
            ax.axvline(x / LN10, color="black" if style == "--" else "C2", linestyle=style,
                       linewidth=1.2, label=f"{label} = {fmt(x, 4)} (log t)")


def _window(ax: Any, window: Pair) -> None:
    lo, hi = window
    if math.isfinite(lo) and math.isfinite(hi):
        ax.axvspan(lo / LN10, hi / LN10, color="0.5", alpha=0.15, label="decision window")


def _fit(ax: Any, ev: LimitReading, lt: np.ndarray) -> None:
    """Draw ``L_hat + sum_k c_k r_k(log t)`` (the Limit fit, :data:`verify.claims.rates.RATES`
    relative to the window start), extrapolated half the range to the right."""
    finite = lt[np.isfinite(lt)]
    basis, coef, start = ev.basis, ev.amplitudes, ev.window[0]
    if (ev.L_hat is None or basis is None or len(basis) != len(coef) or not finite.size
            or any(b not in RATES for b in basis)):
        return
    stop = finite.max() + 0.5 * (finite.max() - start)
    s = np.linspace(start, stop, 200)
    with np.errstate(all="ignore"):
        curve = ev.L_hat + sum(c * RATES[k](s, ev.exponent, ev.shift, start)
                               for k, c in zip(basis, coef))
    if np.isfinite(curve).any():
        ax.plot(s / LN10, curve, "--", color="C1", linewidth=1, label="fit (extrapolated)")


def _bound(ax: Any, line: BoundLine, lt: np.ndarray, label: str) -> None:
    style = {"color": "C3", "linestyle": "-.", "linewidth": 1}
    if line.log_t is not None:
        if line.log_t.shape == line.values.shape:
            ax.plot(line.log_t / LN10, line.values, label=label, **style)
    elif line.values is not None:
        if len(line.values) == len(lt):
            ax.plot(lt / LN10, line.values, label=label, **style)
    else:
        hline(ax, line.level, label, **style)


def _witness(ax: Any, wit: Witness | None, lt: np.ndarray, y: np.ndarray) -> None:
    if wit is None:
        return
    ok = np.isfinite(lt) & np.isfinite(y)
    value = wit.value
    if value is None and ok.any():
        value = float(np.interp(wit.log_t, lt[ok], y[ok]))
    if value is not None and math.isfinite(wit.log_t) and math.isfinite(value):
        ax.plot([wit.log_t / LN10], [value], "o", color="red", markersize=6, label="witness",
                zorder=5)


def _marks(ax: Any, ev: Reading, lt: np.ndarray, y: np.ndarray) -> None:
    """What the kind recorded about the trajectory: fit and limit, bounds and witness, onset."""
    if isinstance(ev, LimitReading):
        _fit(ax, ev, lt)
        limit_band(ax, ev.L_hat, ev.ci)
    if isinstance(ev, BoundReading):
        for key, line in (("upper", ev.upper), ("lower", ev.lower)):
            if line is not None:
                _bound(ax, line, lt, f"{key} bound")
    if isinstance(ev, MonotoneReading) and ev.onset_log_t is not None \
            and math.isfinite(ev.onset_log_t):
        ax.axvline(ev.onset_log_t / LN10, color="C2", linestyle=":", linewidth=1.2, label="onset")
    if isinstance(ev, (BoundReading, MonotoneReading)):
        _witness(ax, ev.witness, lt, y)


def series_plot(row: Mapping[str, Any], series: Mapping[str, Any],
                record: Mapping[str, Any] | None = None) -> bytes:
    """The quantity of ``row`` against log10 t, with everything that decided the claim.

    Drawn when recorded: the decision window (shaded), a numeric ``expected`` (dashed;
    not for Bound, Monotone and Scaling rows, whose ``expected`` is not a value of the
    quantity), the Limit fit ``L_hat + sum_k c_k phi_k(log t)`` extrapolated to the right,
    ``L_hat`` and its ``ci``, the Bound's ``upper``/``lower`` bounds and ``witness`` (red
    dot), the Monotone ``onset_log_t`` (vertical).

    Parameters
    ----------
    row
        A results row (claim, outcome, expected and evidence).
    series
        ``{"label", "log_t", "values", "per_step"}`` of the row's quantity.
    record
        The case record; the series of the row's ``show`` quantities are drawn from it on
        a second axis.

    Returns
    -------
    bytes
        An SVG image (:func:`verify.report.figures.svg`).
    """
    ev = read(row)
    fig, ax = row_figure(row)
    lt, y = floats(series.get("log_t")), floats(series.get("values"))
    y = y if y.shape == lt.shape else np.full(lt.shape, math.nan)
    if isinstance(ev, (LimitReading, BoundReading, MonotoneReading)):
        _window(ax, ev.window)
    ax.plot(lt / LN10, y, "-" if series.get("per_step") else ".-", color="C0", linewidth=1.2,
            markersize=4, label=str(row.get("quantity", "")))
    if row.get("kind") not in NOT_ON_QUANTITY_SCALE:
        hline(ax, row.get("expected"), "expected", color="black", linestyle="--")
    _marks(ax, ev, lt, y)
    _onset(ax, row)
    if not np.isfinite(y).any():
        ax.text(0.5, 0.5, "no finite values", transform=ax.transAxes, ha="center",
                fontsize=LABEL)
    ax.set_xlabel("log10 t", fontsize=LABEL)
    ax.set_ylabel(math_label(str(series.get("label", "")), str(row.get("quantity", ""))),
                  fontsize=LABEL)
    _companions(ax, row, record)
    return svg(fig, ax)


def scaling_plot(row: Mapping[str, Any]) -> bytes:
    """Log-log scatter of a Scaling claim's points with the recorded slope.

    The line has the recorded slope ``a_hat``; its intercept is the least-squares one for
    that slope, fitted for display only.  Dotted lines show the ends of the slope's ``ci``.
    """
    ev = read(row)
    fig, ax = row_figure(row)
    pts = ev.points
    x, y = (pts.x, pts.y) if pts is not None else (floats(None), floats(None))
    ok = (np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)) if x.shape == y.shape else []
    if np.any(ok):
        lx, ly = np.log(x[ok]), np.log(y[ok])
        ax.scatter(x[ok], y[ok], s=12, color="C0", label="points", zorder=3)
        grid = np.linspace(lx.min(), lx.max(), 50)
        for slope, style, name in _slopes(ev, row.get("expected")):
            b = float(np.mean(ly - slope * lx))
            ax.plot(np.exp(grid), np.exp(b + slope * grid), style, color="C1", linewidth=1,
                    label=f"{name} {fmt(slope, 4)}")
        ax.set_xscale("log")
        ax.set_yscale("log")
    else:
        ax.text(0.5, 0.5, "no positive finite points", transform=ax.transAxes, ha="center",
                fontsize=LABEL)
    ax.set_xlabel(ev.x_label, fontsize=LABEL)
    ax.set_ylabel(str(row.get("quantity", "")), fontsize=LABEL)
    return svg(fig, ax)


def _slopes(ev: Reading, expected: Any = None) -> list[tuple[float, str, str]]:
    out = []
    scaling = ev if isinstance(ev, ScalingReading) else ScalingReading()
    if scaling.slope is not None and math.isfinite(scaling.slope):
        out.append((scaling.slope, "-", "slope"))
    ref = as_float(expected)
    if ref is not None and math.isfinite(ref):
        out.append((ref, "--", "reference"))
    for bound, name in zip(scaling.ci, ("ci low", "ci high")):
        if math.isfinite(bound):
            out.append((float(bound), ":", name))
    return out


def _companions(ax: Any, row: Mapping[str, Any], record: Mapping[str, Any] | None) -> None:
    """Draw the row's ``show`` quantities on a second y axis (they do not decide the claim)."""
    names = [n for n in row.get("show") or [] if n in ((record or {}).get("series") or {})]
    if not names:
        return
    ax.set_position((0.13, 0.13, 0.72, 0.78))  # room for the right axis labels
    twin = ax.twinx()
    for i, name in enumerate(names):
        ser = record["series"][name]
        lt, y = floats(ser.get("log_t")), floats(ser.get("values"))
        if lt.shape == y.shape:
            twin.plot(lt / LN10, y, ":", color=f"C{4 + i}", linewidth=1.2,
                      label=f"{name} (right axis)")
    twin.tick_params(labelsize=TICK)
    ax.set_zorder(twin.get_zorder() + 1)  # the legend (drawn on ax) above the right axis lines
    ax.patch.set_visible(False)


def plot_row(row: Mapping[str, Any], record: Mapping[str, Any] | None) -> bytes | None:
    """The SVG for one row, or None when there is nothing to plot.

    Rows judged on a sweep (with points) get :func:`scaling_plot` (Scaling),
    :func:`verify.report.sweepplot.frequency_plot` (Frequency) or
    :func:`verify.report.sweepplot.sweep_plot`; other rows whose quantity has a series in the
    case record get :func:`series_plot`.
    """
    if read(row).points is not None:
        if row.get("kind") == "Scaling":
            return scaling_plot(row)
        return frequency_plot(row) if row.get("kind") == "Frequency" else sweep_plot(row, record)
    series = ((record or {}).get("series") or {}).get(row.get("quantity", ""))
    if isinstance(series, Mapping) and floats(series.get("log_t")).size:
        return series_plot(row, series, record)
    return None
