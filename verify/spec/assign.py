"""``KEY=VALUE`` parameter assignments, as ``verify run --set`` and ``pytest --verify-set`` read them.

Each value is read as a TOML scalar, as a case file would hold it (``eta=0.1`` is a float,
``m=20`` an int, ``step_check=true`` a bool, ``loss=logistic`` or ``loss="logistic"`` a
string); the keys and values are checked against a theorem's schema later, when its cases
are built (:func:`verify.spec.cases.profile_cases`).
"""
from __future__ import annotations

import datetime
import tomllib
from typing import Any, Sequence

from verify.errors import UserError

#: Types an assigned value may have once parsed.
SCALARS = (bool, int, float, str)


def parse_value(text: str) -> Any:
    """``text`` as a TOML scalar; anything that is not one is the bare string.

    Examples
    --------
    >>> [parse_value(v) for v in ("0.1", "20", "true", "1e-3", "logistic", '"20"')]
    [0.1, 20, True, 0.001, 'logistic', '20']
    >>> parse_value("[1, 2]"), parse_value("1\\nx = 2")
    ('[1, 2]', '1\\nx = 2')
    """
    try:
        data = tomllib.loads(f"v = {text}")
    except (tomllib.TOMLDecodeError, ValueError):
        return text
    value = data.get("v")
    if set(data) != {"v"} or isinstance(value, (datetime.date, datetime.time)):
        return text
    return value if isinstance(value, SCALARS) else text


def parse_sets(items: Sequence[str], flag: str = "--set") -> dict[str, Any]:
    """``["eta=0.1", "m=20"]`` -> ``{"eta": 0.1, "m": 20}``; a malformed item is a UserError
    naming ``flag`` (the option the items came from).

    Examples
    --------
    >>> parse_sets(["eta=0.1", " m = 20 "])
    {'eta': 0.1, 'm': 20}
    >>> parse_sets(["eta"])
    Traceback (most recent call last):
    ...
    verify.errors.UserError: --set 'eta': write KEY=VALUE, e.g. --set eta=0.1
    """
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value:
            raise UserError(f"{flag} {item!r}: write KEY=VALUE, e.g. {flag} eta=0.1")
        if key in out:
            raise UserError(f"{flag} {key} given twice; give each parameter once")
        out[key] = parse_value(value)
    return out
