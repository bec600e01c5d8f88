"""Reports rendered from a results dictionary (the parsed results.json) alone.

:func:`render` writes ``summary.md``, ``index.html`` (the overview: counts, every verdict,
provenance), one page ``theorems/<id>.html`` per theorem (statement and formalization,
math as MathML, one card per claim; self-contained: inline CSS, plots as SVG data URIs,
no JavaScript, no external request) and ``plots/*.svg`` (one per claim whose quantity has
a series, or per sweep claim with points).  Nothing is
recomputed: a report can be regenerated from results.json without rerunning anything
(docs/design.md, convention 9).  Every file is written atomically.

Examples
--------
>>> import json, pathlib, tempfile
>>> from verify.report import render
>>> results = {"schema_version": 1, "provenance": {}, "cases": [], "rows": []}
>>> with tempfile.TemporaryDirectory() as tmp:
...     [p.name for p in render(results, pathlib.Path(tmp))]
['summary.md', 'index.html']
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from verify.errors import UserError
from verify.report.html import render_pages
from verify.io import SCHEMA_VERSION, atomic_write_bytes, atomic_write_text
from verify.report.figures import load_matplotlib
from verify.report.format import plot_filename
from verify.report.markdown import render_markdown
from verify.report.parallel import draw_all
from verify.report.plots import plot_row

__all__ = ["render", "render_plots"]


def render_plots(results: Mapping[str, Any], jobs: int = 1) -> dict[tuple[str, str], tuple[str, bytes]]:
    """The plot of every ``(case, claim)`` that has one, as ``(file name, SVG bytes)``.

    Parameters
    ----------
    results
        The parsed results.json.
    jobs
        Processes drawing them (:func:`verify.report.parallel.draw_all`; same bytes).

    Returns
    -------
    dict
        Keyed by ``(case, claim)`` in row order; rows without a series are absent.
    """
    records = {c.get("case", ""): c for c in results.get("cases") or []}
    rows: dict[tuple[str, str], Mapping[str, Any]] = {}
    for row in results.get("rows") or []:
        rows.setdefault((str(row.get("case", "")), str(row.get("claim", ""))), row)
    load_matplotlib()  # once here, not in every forked worker
    svgs = draw_all(plot_row, [(row, records.get(key[0])) for key, row in rows.items()], jobs)
    return {key: (plot_filename(*key), svg) for key, svg in zip(rows, svgs) if svg is not None}


def _check(results: Any) -> None:
    if not isinstance(results, Mapping):
        kind = type(results).__name__
        raise UserError(f"results must be a dict (the parsed results.json), got a {kind}")
    version = results.get("schema_version")
    if version != SCHEMA_VERSION:
        raise UserError(f"results.json has schema_version {version!r}; this verify reads "
                        f"version {SCHEMA_VERSION}: re-run `verify run` or upgrade verify")


def render(results: dict, out_dir: Path, jobs: int = 1) -> list[Path]:
    """Write summary.md, the HTML pages and plots/*.svg for ``results`` into ``out_dir``.

    Parameters
    ----------
    results
        The parsed results.json (schema version 1).  Not modified.
    out_dir
        Output directory, created if needed.  Existing files of the same names are
        replaced atomically; other files are left alone.
    jobs
        Processes drawing the plots (:func:`render_plots`).

    Returns
    -------
    list of Path
        The written files in write order: the plots (row order), then summary.md, the
        theorem pages and index.html last, so that no page links to one not yet there.

    Raises
    ------
    UserError
        When ``results`` is not a dict of schema version 1.
    """
    _check(results)
    out_dir = Path(out_dir)
    plots = render_plots(results, jobs)
    written = [atomic_write_bytes(out_dir / "plots" / name, svg) for name, svg in plots.values()]
    names = {key: name for key, (name, _) in plots.items()}
    written.append(atomic_write_text(out_dir / "summary.md", render_markdown(results, names)))
    images = {key: svg for key, (_, svg) in plots.items()}
    pages = render_pages(results, images)
    written += [atomic_write_text(out_dir / path, text) for path, text in pages.items()]
    return written
