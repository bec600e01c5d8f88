"""One sentence of reason for a verdict, read from the row's evidence when the claim gave none.

The claims write a reason for every FAIL, UNDECIDED and SKIPPED, but most PASS verdicts
carry an empty one: the evidence says why.  :func:`reason_of` shows the claim's own
reason when there is one, else one sentence built from the evidence of the claim kinds
that have one (Bound, Limit, Monotone, Eventually, Scaling, Frequency, Trend); a kind
without a sentence, or evidence that lacks the numbers, gives ``""``.  Nothing is
recomputed: every number is copied from results.json.

Examples
--------
>>> row = {"outcome": "PASS", "kind": "Bound", "quantity": "margin", "reason": "",
...        "evidence": {"n_checked": 46, "window_log_t": [0.37, 167.7],
...                     "closest": {"side": "upper", "value": 0.186, "bound": 0.2,
...                                 "log_t": 167.7, "slack": 0.014}}}
>>> print(reason_of(row))  # doctest: +NORMALIZE_WHITESPACE
margin stays within its upper bound at all 46 checked points (log t in [0.37, 167.7]);
closest: 0.186 at log t = 167.7, 0.014 from the bound 0.2.
>>> reason_of({"outcome": "FAIL", "reason": "too big"}), reason_of({"outcome": "PASS"})
('too big', '')
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

from verify.report.evidence import evidence_of
from verify.report.format import as_float, fmt

__all__ = ["reason_of"]


def _g(value: Any, digits: int = 4) -> str:
    """A number to ``digits`` significant digits (KeyError when not numeric: no sentence)."""
    x = as_float(value)
    if x is None:
        raise KeyError(value)
    return f"{x:.{digits}g}"


def _window(ev: Mapping[str, Any]) -> str:
    lo, hi = (list(ev.get("window_log_t") or []) + [None, None])[:2]
    return f" (log t in [{_g(lo)}, {_g(hi)}])" if as_float(lo) is not None and \
        as_float(hi) is not None else ""


def _bound(row: Mapping[str, Any], ev: Mapping[str, Any]) -> str:
    c = ev["closest"]
    return (f"{row.get('quantity') or 'the quantity'} stays within its {c['side']} bound at all "
            f"{int(ev['n_checked'])} checked points{_window(ev)}; closest: {_g(c['value'], 6)} at "
            f"log t = {_g(c['log_t'])}, {_g(c['slack'], 3)} from the bound {_g(c['bound'], 6)}.")


def _limit(row: Mapping[str, Any], ev: Mapping[str, Any]) -> str:
    lo, hi = ev["ci"][:2]
    target = (f"within the tolerance {_g(ev['tol'], 3)} of the expected {fmt(row.get('expected'))}"
              if as_float(row.get("expected")) is not None else
              f"narrower than the tolerance {_g(ev['tol'], 3)}: the limit is finite")
    return (f"extrapolated limit {_g(ev['L_hat'], 6)} with 3-sigma interval [{_g(lo, 6)}, "
            f"{_g(hi, 6)}] {target}, from {int(ev['n_points'])} points{_window(ev)}.")


def _monotone(row: Mapping[str, Any], ev: Mapping[str, Any]) -> str:
    return (f"{row.get('quantity') or 'the quantity'} is {fmt(row.get('expected'))} over "
            f"{int(ev['n_steps'])} steps{_window(ev)}: no step moves against it beyond its "
            f"allowance (largest ratio to the allowance {_g(ev['max_ratio'], 3)}).")


def _eventually(row: Mapping[str, Any], ev: Mapping[str, Any]) -> str:
    return (f"holds from log t = {_g(ev['T_hat_log_t'])} to the end of the run "
            f"({float(ev['held_fraction']):.0%} of the log-time range).")


def _scaling(row: Mapping[str, Any], ev: Mapping[str, Any]) -> str:
    lo, hi = ev["ci"][:2]
    return (f"slope {_g(ev['a_hat'])} in {ev.get('parameter') or 'the parameter'}, "
            f"{float(ev['level']):.0%} CI [{_g(lo)}, {_g(hi)}], contains the exponent "
            f"{fmt(row.get('expected'))} and is within ±{_g(ev['atol'], 3)}.")


def _frequency(row: Mapping[str, Any], ev: Mapping[str, Any]) -> str:
    return (f"no group of the {int(ev['n_runs'])} runs rejects the claimed frequency at level "
            f"{_g(ev['level'], 3)}, and the test has power {_g(ev['power'], 3)} against "
            f"{ev.get('alternative') or 'the alternative'}.")


def _trend(row: Mapping[str, Any], ev: Mapping[str, Any]) -> str:
    return (f"Kendall tau_b = {_g(ev['tau_b'], 3)} over {int(ev['n_points'])} runs: significantly "
            f"{ev['direction']} (one-sided p = {_g(ev['p_claimed'], 3)} < {_g(ev['level'], 3)}).")


#: The sentence of a PASS, per claim kind.
PASS_SENTENCES: dict[str, Callable[[Mapping[str, Any], Mapping[str, Any]], str]] = {
    "Bound": _bound, "Limit": _limit, "Monotone": _monotone, "Eventually": _eventually,
    "Scaling": _scaling, "Frequency": _frequency, "Trend": _trend}


def reason_of(row: Mapping[str, Any]) -> str:
    """The row's reason, else (a PASS) one sentence from its evidence, else ``""``.

    Parameters
    ----------
    row
        One row of results.json.

    Returns
    -------
    str
        One line of plain text (no markup).
    """
    own = row.get("reason")
    if own:
        return str(own)
    sentence = PASS_SENTENCES.get(str(row.get("kind")))
    if row.get("outcome") != "PASS" or sentence is None:
        return ""
    try:
        return sentence(row, evidence_of(row))
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, OverflowError):
        return ""  # evidence from another verify or edited by hand: no sentence
