"""The one way verify writes files and JSON: atomic writes, JSON-safe values, the schema version.

Every file verify writes (results.json, cached cases and sweep runs, reports, plots, case
files) goes through :func:`atomic_write_bytes`: a temporary file in the destination's
directory, flushed and ``fsync``-ed, then moved into place with :func:`os.replace`, so a
reader sees the old file or the new one, never half of one.  JSON has no NaN: non-finite
floats are stored as the strings ``"nan"``, ``"inf"`` and ``"-inf"`` (:func:`json_safe`).
"""
from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any, Mapping

#: Version of the results.json layout; readers refuse any other.
SCHEMA_VERSION = 1


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file, ``fsync``, :func:`os.replace`).

    The parent directory is created if needed.  A new file gets mode ``0o666`` less the
    process umask (``0o644`` under the usual umask 022); a replaced file keeps its mode.

    Parameters
    ----------
    path
        Destination.
    data
        Content.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a" / "b.txt"
    >>> atomic_write_bytes(p, b"x").read_bytes()
    b'x'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: Path, text: str) -> Path:
    """Write ``text`` as UTF-8, atomically (see :func:`atomic_write_bytes`)."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def json_safe(value: Any) -> Any:
    """``value`` with numpy values as Python ones and non-finite floats as strings.

    Examples
    --------
    >>> import numpy as np
    >>> json_safe({"a": np.float64("nan"), "b": (1, np.inf), 3: np.arange(2)})
    {'a': 'nan', 'b': [1, 'inf'], '3': [0, 1]}
    """
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def dumps(obj: Any) -> str:
    """Deterministic JSON: sorted keys, one-space indent, non-finite floats as strings.

    Examples
    --------
    >>> print(dumps({"b": float("inf"), "a": 1}))
    {
     "a": 1,
     "b": "inf"
    }
    """
    return json.dumps(json_safe(obj), indent=1, sort_keys=True)
