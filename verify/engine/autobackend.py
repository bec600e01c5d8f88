"""``--backend auto``: the fastest backend whose audited digits every claim can decide on.

Part of the case stage of the engine (:func:`verify.engine.case.run_case` hands an ``auto``
case here, and this module calls it back once per rung).

The backends form a ladder from fastest to most precise, :data:`LADDER`: numpy float64 with
log-domain loss weights, float64 with compensated (double-double) accumulation, and the
vectorized double-double backend (about 106 bits).  A case with ``backend = "auto"`` is run
on the first rung; its precision audit (:mod:`verify.dynamics.audit`, an mpmath replay) gives the
digits each quantity carries, and every claim compares its tolerance with the resulting
precision floor (:func:`verify.claims.guards.digits_result`, and the Bound and Monotone
rules).  If some claim is UNDECIDED only for lack of audited digits, the case is rerun on
the next rung, and so on.  The case record keeps what was tried and why the pick was made
(``backend_choice``), and the report prints it.  mpmath stays the reference of the audit,
not a rung: a full mpmath trajectory of a default case is hours.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, Mapping, Sequence

#: Rungs of ``auto``, fastest first.
LADDER = ("float64", "f64dd", "dd")

AUTO = "auto"


def digit_limited(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Claims UNDECIDED because the audited digits cannot resolve their tolerance.

    Examples
    --------
    >>> digit_limited([{"claim": "a", "outcome": "UNDECIDED", "reason": "needs 17 audited digits"},
    ...                {"claim": "b", "outcome": "UNDECIDED", "reason": "too short"}])
    ['a']
    """
    return [r["claim"] for r in rows
            if r.get("outcome") == "UNDECIDED" and "audited digits" in str(r.get("reason", ""))]


def _min_digits(res: Mapping[str, Any]) -> float | None:
    vals = [v for v in ((res.get("audit") or {}).get("digits") or {}).values() if v is not None]
    return min(vals) if vals else None


def run_auto(thm: Any, case: Any, run: Callable[..., dict[str, Any]], **kw: Any) -> dict[str, Any]:
    """Run ``case`` on each rung of :data:`LADDER` until no claim is digit-limited.

    Parameters
    ----------
    thm, case
        The theorem and a case whose ``backend`` parameter is ``"auto"``.
    run
        :func:`verify.engine.case.run_case` (passed in: the case stage imports this module).
    **kw
        Passed to ``run``.

    Returns
    -------
    dict
        The case result of the picked rung, with ``backend_choice``: the rungs tried, their
        digit-limited claims, minimum audited digits and wall times, the pick and why.
    """
    tried: list[dict[str, Any]] = []
    for name in LADDER:
        sub = dataclasses.replace(case, params=dict(case.params) | {"backend": name})
        res = run(thm, sub, **kw)
        short = digit_limited(res["rows"])
        tried.append({"backend": name, "digit_limited": short, "min_audited_digits": _min_digits(res),
                      "wall_time_s": res.get("wall_time_s")})
        if not short:
            break
    if short:
        why = (f"no rung of {list(LADDER)} carries the digits {short} need; they stay UNDECIDED "
               f"on {name}, the most precise")
    elif len(tried) == 1:
        why = (f"{name}: the audit shows at least {_fmt(tried[0]['min_audited_digits'])} digits, "
               "enough for every claim's tolerance")
    else:
        why = (f"{name}: {', '.join(t['backend'] for t in tried[:-1])} left "
               f"{sorted({c for t in tried[:-1] for c in t['digit_limited']})} short of digits")
    res["backend_choice"] = {"requested": AUTO, "picked": name, "ladder": list(LADDER),
                             "tried": tried, "why": why}
    return res


def _fmt(x: float | None) -> str:
    return "?" if x is None else f"{x:.3g}"


def concrete(params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` with ``backend = "auto"`` replaced by the first rung (for runs that are not
    audited on their own, e.g. sweep runs).

    Examples
    --------
    >>> concrete({"backend": "auto", "n": 4})
    {'backend': 'float64', 'n': 4}
    """
    p = dict(params)
    if p.get("backend") == AUTO:
        p["backend"] = LADDER[0]
    return p
