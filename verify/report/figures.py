"""Figure primitives shared by the claim plots: a titled figure, reference lines, PNG bytes.

Uses matplotlib's object API (:class:`matplotlib.figure.Figure` on an Agg canvas): no
pyplot, no global state, nothing shown.  Time axes are :math:`\\log_{10} t = \\log t / \\ln 10`
because :math:`t` itself may overflow a float.  A PNG is written without the software
stamp, so the same figure gives the same bytes.

Examples
--------
>>> fig, ax = row_figure({"claim": "gap", "outcome": "PASS"})
>>> hline(ax, "inf", "expected")  # non-finite: nothing drawn
>>> limit_band(ax, 0.5, (0.4, 0.6))
>>> png(fig, ax)[:4]
b'\\x89PNG'
"""
from __future__ import annotations

import io
import math
from typing import Any, Mapping

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.mathtext import MathTextParser

from verify.report.format import as_float, fmt

#: Colour of each outcome (and assumption status), shared with the HTML badges.
OUTCOME_COLORS = {"PASS": "#1a7f37", "FAIL": "#cf222e", "XFAIL": "#8250df",
                  "UNDECIDED": "#b08800", "SKIPPED": "#6e7781",
                  "HOLDS": "#1a7f37", "VIOLATED": "#cf222e"}

#: :math:`\ln 10`, to draw :math:`\log t` as :math:`\log_{10} t`.
LN10 = math.log(10.0)


def floats(values: Any) -> np.ndarray:
    """A float array from a JSON list (``"nan"``/``"inf"`` strings decoded, junk to NaN).

    Examples
    --------
    >>> floats([1, "inf", "x", None]).tolist(), floats(None).size
    ([1.0, inf, nan, nan], 0)
    """
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


def figure(title: str, outcome: str) -> tuple[Figure, Any]:
    """A 500 x 320 pixel figure with one axes, titled in the colour of ``outcome``."""
    fig = Figure(figsize=(5.0, 3.2), dpi=100)  # fixed margins: constrained layout doubles the cost
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.15, 0.14, 0.82, 0.77))
    ax.set_title(title, fontsize=9, color=OUTCOME_COLORS.get(outcome, "black"))
    ax.tick_params(labelsize=7)
    ax.grid(True, alpha=0.3, linewidth=0.5)
    return fig, ax


def row_figure(row: Mapping[str, Any]) -> tuple[Figure, Any]:
    """The :func:`figure` of a results row, titled ``claim: OUTCOME``."""
    outcome = str(row.get("outcome", ""))
    return figure(f"{row.get('claim', '')}: {outcome}", outcome)


def png(fig: Figure, ax: Any) -> bytes:
    """The figure as PNG bytes, with a legend when anything drawn on ``ax`` is labelled."""
    handles, _ = ax.get_legend_handles_labels()
    if handles:
        ax.legend(fontsize=6, loc="best", framealpha=0.8)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def hline(ax: Any, value: Any, label: str, **style: Any) -> None:
    """A horizontal line at ``value`` labelled ``label = value``; nothing unless finite."""
    y = as_float(value)
    if y is not None and math.isfinite(y):
        ax.axhline(y, label=f"{label} = {fmt(y, 5)}", **({"linewidth": 1} | style))


def limit_band(ax: Any, limit: float | None, ci: tuple[float, float]) -> None:
    r"""The extrapolated limit :math:`\hat L` (dotted) and its confidence interval (band).

    Nothing when ``limit`` is None (no fit recorded); the line and the band are each drawn
    only where finite.
    """
    if limit is None:
        return
    hline(ax, limit, "L_hat", color="C1", linestyle=":")
    lo, hi = ci
    if math.isfinite(lo) and math.isfinite(hi):
        ax.axhspan(lo, hi, color="C1", alpha=0.15, label="CI of L_hat")
