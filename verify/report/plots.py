"""Plots of the evidence behind each claim, as PNG bytes.

Uses matplotlib's object API (:class:`matplotlib.figure.Figure`, Agg canvas): no pyplot,
no global state, nothing shown.  The x axis is ``log10 t`` (``log_t / ln 10``) because
``t`` itself may overflow a float.  Everything drawn is read from the results
dictionary; the only arithmetic is evaluating the fit the claim already recorded.
"""
from __future__ import annotations

import io
import math
from typing import Any, Mapping

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.mathtext import MathTextParser

from verify.claims.rates import RATES
from verify.report.io import as_float, fmt

#: Colour of each outcome (and assumption status), shared with the HTML badges.
OUTCOME_COLORS = {"PASS": "#1a7f37", "FAIL": "#cf222e", "XFAIL": "#8250df",
                  "UNDECIDED": "#b08800", "SKIPPED": "#6e7781",
                  "HOLDS": "#1a7f37", "VIOLATED": "#cf222e"}

LN10 = math.log(10.0)

#: Kinds whose ``expected`` is not a value of the quantity (Bound: a worst bound ratio).
NOT_ON_QUANTITY_SCALE = frozenset({"Bound", "Monotone", "Scaling", "Frequency"})


def floats(values: Any) -> np.ndarray:
    """A float array from a JSON list (``"nan"``/``"inf"`` strings decoded, junk to NaN)."""
    if not isinstance(values, (list, tuple)):
        return np.array([], dtype=float)
    return np.array([math.nan if (x := as_float(v)) is None else x for v in values], dtype=float)


def math_label(label: str, fallback: str) -> str:
    """``$label$`` when matplotlib's mathtext can draw it, else plain ``label``/``fallback``."""
    if not label:
        return fallback
    try:
        MathTextParser("path").parse(f"${label}$")
    except Exception:  # mathtext raises ValueError or pyparsing errors
        return label
    return f"${label}$"


def _figure(title: str, outcome: str) -> tuple[Figure, Any]:
    fig = Figure(figsize=(5.0, 3.2), dpi=100)  # fixed margins: constrained layout doubles the cost
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.15, 0.14, 0.82, 0.77))
    ax.set_title(title, fontsize=9, color=OUTCOME_COLORS.get(outcome, "black"))
    ax.tick_params(labelsize=7)
    ax.grid(True, alpha=0.3, linewidth=0.5)
    return fig, ax


def _row_figure(row: Mapping[str, Any]) -> tuple[Mapping[str, Any], Figure, Any]:
    """The row's evidence and a figure titled ``claim: OUTCOME`` in the outcome's colour."""
    outcome = str(row.get("outcome", ""))
    fig, ax = _figure(f"{row.get('claim', '')}: {outcome}", outcome)
    return row.get("evidence") or {}, fig, ax


def _png(fig: Figure, ax: Any) -> bytes:
    handles, _ = ax.get_legend_handles_labels()
    if handles:
        ax.legend(fontsize=6, loc="best", framealpha=0.8)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def _hline(ax: Any, value: Any, label: str, **style: Any) -> None:
    y = as_float(value)
    if y is not None and math.isfinite(y):
        ax.axhline(y, label=f"{label} = {fmt(y, 5)}", **({"linewidth": 1} | style))


def _window(ax: Any, ev: Mapping[str, Any]) -> None:
    lo, hi = (list(floats(ev.get("window_log_t", ev.get("window")))) + [math.nan, math.nan])[:2]
    if math.isfinite(lo) and math.isfinite(hi):
        ax.axvspan(lo / LN10, hi / LN10, color="0.5", alpha=0.15, label="decision window")


def _fit(ax: Any, row: Mapping[str, Any], lt: np.ndarray) -> None:
    """Draw ``L_hat + sum_k c_k r_k(log t)`` (the Limit fit, :data:`verify.claims.rates.RATES`
    relative to the window start), extrapolated half the range to the right."""
    ev = row.get("evidence") or {}
    limit, basis, coef = as_float(ev.get("L_hat")), ev.get("basis"), floats(ev.get("amplitudes"))
    window = list(floats(ev.get("window_log_t")))
    finite = lt[np.isfinite(lt)]
    if (limit is None or not isinstance(basis, list) or len(basis) != len(coef) or len(window) != 2
            or not finite.size or any(b not in RATES for b in basis)):
        return
    a, b = as_float(ev.get("exponent")) or 0.0, as_float(ev.get("shift")) or 0.0
    stop = finite.max() + 0.5 * (finite.max() - window[0])
    s = np.linspace(window[0], stop, 200)
    with np.errstate(all="ignore"):
        curve = limit + sum(c * RATES[k](s, a, b, window[0]) for k, c in zip(basis, coef))
    if np.isfinite(curve).any():
        ax.plot(s / LN10, curve, "--", color="C1", linewidth=1, label="fit (extrapolated)")


def _limit_hat(ax: Any, ev: Mapping[str, Any]) -> None:
    """The extrapolated limit ``L_hat`` (dotted) and its confidence interval (band)."""
    if "L_hat" not in ev:
        return
    _hline(ax, ev.get("L_hat"), "L_hat", color="C1", linestyle=":")
    lo, hi = (list(floats(ev.get("ci"))) + [math.nan, math.nan])[:2]
    if math.isfinite(lo) and math.isfinite(hi):
        ax.axhspan(lo, hi, color="C1", alpha=0.15, label="CI of L_hat")


def _bound(ax: Any, value: Any, lt: np.ndarray, label: str) -> None:
    style = {"color": "C3", "linestyle": "-.", "linewidth": 1}
    if isinstance(value, Mapping):
        x, y = floats(value.get("log_t")) / LN10, floats(value.get("values"))
        if x.shape == y.shape:
            ax.plot(x, y, label=label, **style)
    elif isinstance(value, list) and len(value) == len(lt):
        ax.plot(lt / LN10, floats(value), label=label, **style)
    else:
        _hline(ax, value, label, **style)


def _witness(ax: Any, ev: Mapping[str, Any], lt: np.ndarray, y: np.ndarray) -> None:
    wit = ev.get("witness")
    if not isinstance(wit, Mapping) or as_float(wit.get("log_t")) is None:
        return
    at = as_float(wit.get("log_t"))
    ok = np.isfinite(lt) & np.isfinite(y)
    value = as_float(wit.get("value"))
    if value is None and ok.any():
        value = float(np.interp(at, lt[ok], y[ok]))
    if value is not None and math.isfinite(at) and math.isfinite(value):
        ax.plot([at / LN10], [value], "o", color="red", markersize=6, label="witness", zorder=5)


def series_plot(row: Mapping[str, Any], series: Mapping[str, Any],
                record: Mapping[str, Any] | None = None) -> bytes:
    """The quantity of ``row`` against log10 t, with everything that decided the claim.

    Drawn when present: the decision ``window`` (shaded), a numeric ``expected`` (dashed;
    not for Bound, Monotone and Scaling rows, whose ``expected`` is not a value of the
    quantity), the Limit fit ``L_hat + sum_k c_k phi_k(log t)`` extrapolated to the right,
    ``L_hat`` and its ``ci``, ``upper``/``lower`` bounds, the Monotone ``onset_log_t``
    (vertical) and the ``witness`` (red dot).

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
        A PNG image of 500 x 320 pixels.
    """
    ev, fig, ax = _row_figure(row)
    lt, y = floats(series.get("log_t")), floats(series.get("values"))
    y = y if y.shape == lt.shape else np.full(lt.shape, math.nan)
    _window(ax, ev)
    ax.plot(lt / LN10, y, "-" if series.get("per_step") else ".-", color="C0", linewidth=1.2,
            markersize=4, label=str(row.get("quantity", "")))
    if row.get("kind") not in NOT_ON_QUANTITY_SCALE:
        _hline(ax, row.get("expected"), "expected", color="black", linestyle="--")
    _fit(ax, row, lt)
    _limit_hat(ax, ev)
    for key in ("upper", "lower"):
        if key in ev:
            _bound(ax, ev[key], lt, f"{key} bound")
    onset = as_float(ev.get("onset_log_t"))
    if onset is not None and math.isfinite(onset):
        ax.axvline(onset / LN10, color="C2", linestyle=":", linewidth=1.2, label="onset")
    _witness(ax, ev, lt, y)
    if not np.isfinite(y).any():
        ax.text(0.5, 0.5, "no finite values", transform=ax.transAxes, ha="center", fontsize=8)
    ax.set_xlabel("log10 t", fontsize=8)
    ax.set_ylabel(math_label(str(series.get("label", "")), str(row.get("quantity", ""))),
                  fontsize=8)
    _companions(ax, row, record)
    return _png(fig, ax)


def scaling_plot(row: Mapping[str, Any]) -> bytes:
    """Log-log scatter of a Scaling claim's points with the recorded slope.

    The line has the recorded ``slope``; its intercept is the least-squares one for that
    slope, fitted for display only.  Dotted lines show the ends of the slope's ``ci``.
    """
    ev, fig, ax = _row_figure(row)
    pts = ev.get("points") or {}
    x, y = floats(pts.get("x")), floats(pts.get("y"))
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
                fontsize=8)
    ax.set_xlabel(str(ev.get("x_label", "parameter")), fontsize=8)
    ax.set_ylabel(str(row.get("quantity", "")), fontsize=8)
    return _png(fig, ax)


def _slopes(ev: Mapping[str, Any], expected: Any = None) -> list[tuple[float, str, str]]:
    out = []
    slope = as_float(ev.get("a_hat", ev.get("slope")))  # Scaling evidence records "a_hat"
    if slope is not None and math.isfinite(slope):
        out.append((slope, "-", "slope"))
    ref = as_float(expected)
    if ref is not None and math.isfinite(ref):
        out.append((ref, "--", "reference"))
    for bound, name in zip(floats(ev.get("ci"))[:2], ("ci low", "ci high")):
        if math.isfinite(bound):
            out.append((float(bound), ":", name))
    return out


def _companions(ax: Any, row: Mapping[str, Any], record: Mapping[str, Any] | None) -> None:
    """Draw the row's ``show`` quantities on a second y axis (they do not decide the claim)."""
    names = [n for n in row.get("show") or [] if n in ((record or {}).get("series") or {})]
    if not names:
        return
    ax.set_position((0.13, 0.14, 0.74, 0.77))  # room for the right axis labels
    twin = ax.twinx()
    for i, name in enumerate(names):
        ser = record["series"][name]
        lt, y = floats(ser.get("log_t")), floats(ser.get("values"))
        if lt.shape == y.shape:
            twin.plot(lt / LN10, y, ":", color=f"C{4 + i}", linewidth=1.2,
                      label=f"{name} (right axis)")
    twin.tick_params(labelsize=7)
    twin.legend(fontsize=6, loc="upper right")


def plot_row(row: Mapping[str, Any], record: Mapping[str, Any] | None) -> bytes | None:
    """The PNG for one row, or None when there is nothing to plot.

    Scaling rows with ``evidence["points"]`` get :func:`scaling_plot`, other sweep rows
    :func:`verify.report.sweepplot.sweep_plot`; other rows whose
    quantity has a series in the case record get :func:`series_plot`.
    """
    if isinstance((row.get("evidence") or {}).get("points"), Mapping):
        if row.get("kind") == "Scaling":
            return scaling_plot(row)
        from verify.report.sweepplot import frequency_plot, sweep_plot  # they import this module
        return frequency_plot(row) if row.get("kind") == "Frequency" else sweep_plot(row, record)
    series = ((record or {}).get("series") or {}).get(row.get("quantity", ""))
    if isinstance(series, Mapping) and floats(series.get("log_t")).size:
        return series_plot(row, series, record)
    return None
