r"""Export the verdicts of a results.json: a booktabs LaTeX table and a CSV of the rows.

Both read the results alone (nothing is recomputed).  :func:`latex_table` is one row per
verdict with the columns theorem, claim, verdict and resolution (and the case, when a
theorem has more than one), every value escaped for LaTeX; it needs
``\usepackage{booktabs}``.  :func:`csv_text` is one line per row: the identifiers, the
verdict, the reason shown in the report, the resolution as text, the numbers, and every
nested value (the evidence, the raw resolution) as a JSON string column.
:func:`load_results` reads a report directory or a results.json file.

Examples
--------
>>> rows = [{"theorem": "t_1", "case": "c", "claim": "a&b", "outcome": "PASS", "reason": "",
...          "measured": 0.5, "expected": None, "evidence": {"n": 1}}]
>>> print(latex_table({"rows": rows}).splitlines()[8])
t\_1 & a\&b & PASS & --- \\
>>> csv_text({"rows": rows}).splitlines()[1].endswith('"{""n"": 1}"')
True
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, Iterable, Mapping

from verify.engine.results import check_document, load
from verify.errors import UserError
from verify.report.format import case_label
from verify.io import atomic_write_text
from verify.report.content import name_of, resolution_text
from verify.report.format import MISSING
from verify.report.reasons import reason_of

__all__ = ["CSV_COLUMNS", "csv_text", "latex_escape", "latex_table", "load_results", "write_export"]

#: LaTeX's special characters (and the non-ASCII ones the report prints) and their escapes.
_LATEX = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
          "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}",
          "<": r"\textless{}", ">": r"\textgreater{}", "±": r"$\pm$", "—": "---", "–": "--",
          "→": r"$\to$", "≤": r"$\le$", "≥": r"$\ge$", "×": r"$\times$", "−": "-"}

#: The CSV columns, in order: scalar fields as they are, the rest as JSON text.
CSV_COLUMNS = ("theorem", "case", "claim", "kind", "outcome", "reading", "diagnostic", "reason",
               "resolution", "measured", "expected", "digits", "quantity", "backend", "seed",
               "config_hash", "solver_status", "statement", "resolution_json", "evidence")


def latex_escape(text: Any) -> str:
    r"""``text`` with every LaTeX special character escaped (safe in a tabular cell).

    Examples
    --------
    >>> print(latex_escape(r"50% of {a_b} & #1 costs $2"))
    50\% of \{a\_b\} \& \#1 costs \$2
    >>> print(latex_escape(r"~ x^2 \ y ± 0.3"))
    \textasciitilde{} x\textasciicircum{}2 \textbackslash{} y $\pm$ 0.3
    """
    return "".join(_LATEX.get(ch, ch) for ch in str(text))


def load_results(path: Path) -> dict[str, Any]:
    """The checked results of a report directory (its results.json) or of a results.json file.

    Raises
    ------
    UserError
        When ``path`` is neither, or the file is unreadable, not JSON or not a results file.
    """
    path = Path(path)
    if path.is_dir():
        return load(path)
    if not path.is_file():
        raise UserError(f"{path} is neither a report directory nor a results.json file; pass the "
                        "--out directory of `verify run` or its results.json")
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise UserError(f"cannot read {path} ({exc.strerror or exc}); check its "
                        "permissions") from None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise UserError(f"{path} is not a results.json ({type(exc).__name__}); pass the "
                        "results.json that `verify run` wrote, or re-run it") from None
    return check_document(doc, path)


def _rows(results: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [r for r in results.get("rows") or [] if isinstance(r, Mapping)]


def _verdict(row: Mapping[str, Any]) -> str:
    outcome = str(row.get("outcome", ""))
    return f"{outcome} (diagnostic)" if row.get("diagnostic") else outcome


def latex_table(results: Mapping[str, Any]) -> str:
    """A booktabs table of the verdicts (``\\usepackage{booktabs}``), as LaTeX source.

    One line per row: theorem (on its first line only), claim (marked when it is the
    suite's reading), verdict and resolution; a case column when a theorem has more than one
    case; a ``\\midrule`` between theorems.
    """
    rows = _rows(results)
    cases: dict[str, set] = {}
    for r in rows:
        cases.setdefault(str(r.get("theorem", "")), set()).add(r.get("case"))
    with_case = any(len(c) > 1 for c in cases.values())
    head = ["Theorem", *(["Case"] if with_case else []), "Claim", "Verdict", "Resolution"]
    spec = "l" + (r"p{0.22\linewidth}" if with_case else "") + r"llp{0.36\linewidth}"
    lines = [r"% verdicts exported by `verify export`; needs \usepackage{booktabs}",
             r"\begin{table}[ht]", r"\centering", r"\small", rf"\begin{{tabular}}{{{spec}}}",
             r"\toprule", " & ".join(head) + r" \\", r"\midrule"]
    previous: tuple[str, str] | None = None
    for r in rows:
        thm, case = str(r.get("theorem", "")), str(r.get("case", ""))
        if previous is not None and thm != previous[0]:
            lines.append(r"\midrule")
        shown = [] if not with_case else [case_label(thm, case) if previous != (thm, case) else ""]
        cells = [thm if previous is None or thm != previous[0] else "", *shown,
                 name_of(r, "claim"), _verdict(r), resolution_text(r)]
        lines.append(" & ".join(latex_escape(c) for c in cells) + r" \\")
        previous = (thm, case)
    caption = (r"\caption{Verdicts of the claims (resolution: how far the measured values could "
               r"move before the verdict changes).}")
    lines += [r"\bottomrule", r"\end{tabular}", caption, r"\end{table}", ""]
    return "\n".join(lines)


def _cell(value: Any) -> Any:
    """A CSV cell: None empty, scalars as they are, nested values as JSON text."""
    if value is None:
        return ""
    if isinstance(value, (Mapping, list, tuple)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value


def csv_row(row: Mapping[str, Any]) -> list[Any]:
    """The :data:`CSV_COLUMNS` of one row."""
    derived = {"reason": reason_of(row), "resolution_json": row.get("resolution"),
               "reading": bool(row.get("reading")), "diagnostic": bool(row.get("diagnostic"))}
    res = resolution_text(row)
    derived["resolution"] = "" if res == MISSING else res
    return [_cell(derived[c] if c in derived else row.get(c)) for c in CSV_COLUMNS]


def csv_text(results: Mapping[str, Any]) -> str:
    """The rows as CSV (header :data:`CSV_COLUMNS`; RFC 4180 quoting, ``\\n`` line ends)."""
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(CSV_COLUMNS)
    out.writerows(csv_row(r) for r in _rows(results))
    return buf.getvalue()


def write_export(results: Mapping[str, Any], targets: Iterable[tuple[str, Path]]) -> list[Path]:
    """Write each ``(format, path)`` (format ``latex`` or ``csv``) atomically.

    Raises
    ------
    UserError
        When a target cannot be written.
    """
    render = {"latex": latex_table, "csv": csv_text}
    written = []
    for kind, path in targets:
        try:
            written.append(atomic_write_text(Path(path), render[kind](results)))
        except OSError as exc:
            raise UserError(f"cannot write {path} ({exc.strerror or exc}); choose a writable "
                            "--out file or directory") from None
    return written
