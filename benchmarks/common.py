"""Shared by the benchmark scripts of this folder (run as scripts: the folder is on sys.path)."""
from __future__ import annotations

import json
from typing import Any, Callable, Sequence


def write_json(path: str | None, figures: Any) -> None:
    """Write ``figures`` to ``path`` (the scripts' ``--json``) when one was given."""
    if path:
        with open(path, "w") as fh:
            json.dump(figures, fh, indent=1)


def print_rows(rows: Sequence[dict[str, Any]], line: Callable[[dict[str, Any]], str],
               path: str | None) -> None:
    """Print ``line(row)`` for each row, then write the rows to ``path`` (:func:`write_json`)."""
    for r in rows:
        print(line(r))
    write_json(path, rows)
