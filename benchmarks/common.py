"""Shared by the benchmark scripts of this folder (run as scripts: the folder is on sys.path)."""
from __future__ import annotations

import json
from typing import Any


def write_json(path: str | None, figures: Any) -> None:
    """Write ``figures`` to ``path`` (the scripts' ``--json``) when one was given."""
    if path:
        with open(path, "w") as fh:
            json.dump(figures, fh, indent=1)
