"""Figure primitives shared by the claim plots: a titled figure, reference lines, SVG bytes.

Uses matplotlib's object API (:class:`matplotlib.figure.Figure` on an Agg canvas): no
pyplot, nothing shown.  Time axes are :math:`\\log_{10} t = \\log t / \\ln 10`
because :math:`t` itself may overflow a float.  A figure is written as SVG (text drawn as
paths, so it looks the same without the fonts), cropped to what is drawn so that no label
is clipped, without date or software stamp and with fixed element ids: the same figure
gives the same bytes.

Examples
--------
>>> fig, ax = row_figure({"claim": "gap", "outcome": "PASS"})
>>> hline(ax, "inf", "expected")  # non-finite: nothing drawn
>>> limit_band(ax, 0.5, (0.4, 0.6))
>>> svg(fig, ax)[:5]
b'<?xml'
"""
from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from verify.lazy import lazy, load
from verify.report.format import as_float, fmt

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# matplotlib is imported when the first plot is drawn, not when verify starts (verify.lazy)
mpl, mpl_figure = lazy("matplotlib"), lazy("matplotlib.figure")
agg, mathtext = lazy("matplotlib.backends.backend_agg"), lazy("matplotlib.mathtext")

def load_matplotlib() -> None:
    """Import the matplotlib modules the plots use now (before forking workers that draw
    them: each inherits the import instead of repeating it)."""
    load(mpl, mpl_figure, agg, mathtext)


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
    """``$label$`` when matplotlib's mathtext can draw it, else the plain ``fallback`` (the
    quantity's name: never raw LaTeX code on an axis).

    Examples
    --------
    >>> math_label(r"\\|w\\|", "norm"), math_label(r"\\begin{cases} a \\end{cases}", "norm")
    ('$\\\\|w\\\\|$', 'norm')
    """
    if not label:
        return fallback
    try:
        mathtext.MathTextParser("path").parse(f"${label}$")
    except Exception:  # mathtext raises ValueError or pyparsing errors
        return fallback
    return f"${label}$"


#: Font sizes (points) of the title, the axis labels, the ticks and the legend.
TITLE, LABEL, TICK, LEGEND = 12, 11, 10, 9

#: Figure size in inches (shown at 96 px per inch: about 620 x 400 pixels before cropping).
SIZE = (6.4, 4.2)


def figure(title: str, outcome: str) -> tuple[Figure, Any]:
    """A figure of :data:`SIZE` with one axes, titled in the colour of ``outcome``."""
    fig = mpl_figure.Figure(figsize=SIZE, dpi=100)  # fixed axes; the saved image is cropped to the ink
    agg.FigureCanvasAgg(fig)
    ax = fig.add_axes((0.14, 0.13, 0.82, 0.78))
    ax.set_title(title, fontsize=TITLE, color=OUTCOME_COLORS.get(outcome, "black"))
    ax.tick_params(labelsize=TICK)
    ax.grid(True, alpha=0.3, linewidth=0.5)
    return fig, ax


def row_figure(row: Mapping[str, Any]) -> tuple[Figure, Any]:
    """The :func:`figure` of a results row, titled ``claim: OUTCOME``."""
    outcome = str(row.get("outcome", ""))
    return figure(f"{row.get('claim', '')}: {outcome}", outcome)


def svg(fig: Figure, ax: Any) -> bytes:
    """The figure as SVG bytes, with one legend on ``ax`` when anything drawn is labelled.

    Cropped to the drawn extent (``bbox_inches="tight"``), so a long tick or axis label is
    never cut; ``svg.hashsalt`` fixes the element ids and the date is left out, so the
    bytes depend on the figure only.
    """
    handles, labels = [], []
    for axes in fig.axes:  # one legend, also for a second y axis (its labels say so)
        h, lab = axes.get_legend_handles_labels()
        handles, labels = handles + h, labels + lab
    if handles:
        ax.legend(handles, labels, fontsize=LEGEND, loc="best", framealpha=0.8)
    buf = io.BytesIO()
    with mpl.rc_context({"svg.hashsalt": "verify-report", "svg.fonttype": "path"}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None},
                    bbox_inches="tight", pad_inches=0.05)
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
    hline(ax, limit, r"$\hat{L}$", color="C1", linestyle=":")
    lo, hi = ci
    if math.isfinite(lo) and math.isfinite(hi):
        ax.axhspan(lo, hi, color="C1", alpha=0.15, label=r"CI of $\hat{L}$")
