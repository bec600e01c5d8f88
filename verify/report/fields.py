"""A row's evidence as labelled fields: what each key of the claims' evidence means.

The claims write their evidence under the field names of :mod:`verify.claims.evidence` and
:mod:`verify.claims.sweepevidence` (``L_hat``, ``sigma_sys``, ``alternatives``, ...).  A
reader of the report needs words: :data:`LABELS` names each key, and :func:`evidence_fields`
gives the row's evidence as ``(label, key, value)``, the fields a reader looks at first
(:data:`PRIMARY`) before the fit internals.  The raw key stays beside its label, so that a
value can be found in results.json; a key without a label is shown under its own name.

Examples
--------
>>> row = {"evidence": {"sigma_sys": 0.1, "L_hat": 1.0, "custom": "x", "points": {}}}
>>> [(label, key) for label, key, _ in evidence_fields(row)]
[('extrapolated limit', 'L_hat'), ('model error (largest change over refits)', 'sigma_sys'), \
('custom', 'custom')]
"""
from __future__ import annotations

from typing import Any, Mapping

from verify.report.evidence import evidence_of
from verify.report.format import fmt

__all__ = ["LABELS", "PRIMARY", "evidence_fields", "seeds_text"]

#: What each evidence key means, in words.
LABELS: dict[str, str] = {
    "L_hat": "extrapolated limit", "ci": "confidence interval",
    "tol": "tolerance", "window_log_t": "decision window (log t)",
    "window": "decision window (log t)", "n_points": "points in the window",
    "last_value": "last value", "sigma": "total uncertainty (with precision floor)",
    "sigma_stat": "statistical error of the fit", "sigma_sys": "model error (largest change "
    "over refits)", "basis": "rate terms of the fit",
    "amplitudes": "coefficients of the rate terms",
    "coefficients": "coefficients of the rate terms", "exponent": "fitted rate exponent",
    "shift": "fitted rate shift", "alternatives": "refits with other rate models",
    "extrapolation_ratio": "extrapolation over change across the window",
    "digits": "trusted digits of the quantity", "distance": "distance from the expected value",
    "distance_start": "distance from the limit at the window start",
    "distance_end": "distance from the limit at the window end",
    "remaining_move": "largest remaining move of the fit", "converged": "already converged",
    "slope_first_third": "slope over the first third", "slope_last_third":
    "slope over the last third", "total_change": "total change over the window",
    "tol_divergence": "tolerance of the divergence rule", "growth": "refits with a growing term",
    "drift": "pre-asymptotic drift",
    "excludes_limit": "interval within the tolerance that excludes the limit",
    "over_seeds": "verdict on every seed (the case's own and its replicas)",
    "n_checked": "checkpoints checked",
    "rtol": "allowed relative slack", "upper": "upper bound", "lower": "lower bound",
    "closest": "closest approach to the bound", "witness": "violating checkpoint",
    "n_violations": "violations", "n_nonfinite": "non-finite values",
    "onset_log_t": "onset (log t)", "n_steps": "steps checked", "worst": "step closest to a "
    "violation", "largest_decrease": "largest step against the direction",
    "max_ratio": "largest ratio to the allowance", "eta_rel_change": "largest relative change "
    "of the step size", "first_violation_log_t": "first violation (log t)",
    "T_hat_log_t": "holds from (log t)", "held_fraction": "fraction of log time it holds",
    "by_log_t": "claimed onset (log t)", "run_log_t": "run (log t)",
    "min_hold": "required fraction", "last_false_log_t": "last failure (log t)",
    "witness_log_t": "first failure after the onset (log t)", "n_false": "failing checkpoints",
    "a_hat": "fitted slope", "slope": "fitted slope", "se": "standard error of the slope",
    "half_width": "half width of the interval", "level": "level", "df": "degrees of freedom",
    "t_quantile": "t quantile", "intercept": "intercept", "precision_floor": "precision floor",
    "n_distinct": "distinct swept values", "parameter": "swept parameter",
    "atol": "absolute tolerance", "groups": "groups (one per swept value)",
    "confidence": "confidence", "n_runs": "runs", "power": "power of the test",
    "alternative": "alternative tested against", "min_power": "required power",
    "tau_b": "Kendall tau_b", "p_claimed": "p-value of the claimed direction",
    "p_opposite": "p-value of the opposite direction", "direction": "direction",
    "theil_sen_per_log_x": "Theil-Sen slope per log x", "medians": "medians per swept value",
    "method": "method", "x_label": "swept parameter", "seeds": "seeds",
    "sweep_runs": "runs of the sweep"}

#: Keys shown first: what the verdict rests on, before the internals of the fit.
PRIMARY = ("over_seeds", "L_hat", "ci", "tol", "window_log_t", "window", "n_points", "last_value",
           "distance", "closest", "witness", "n_checked", "n_violations", "upper", "lower",
           "onset_log_t", "n_steps", "max_ratio", "T_hat_log_t", "held_fraction", "a_hat",
           "slope", "level", "n_runs", "power", "tau_b", "p_claimed", "direction", "digits")


def evidence_fields(row: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """The row's evidence as ``(label, key, value)``: :data:`PRIMARY` keys first, then the
    rest in file order; ``points`` (drawn in the plot) is left out."""
    ev = evidence_of(row)
    keys = [k for k in PRIMARY if k in ev] + [k for k in ev if k not in PRIMARY and k != "points"]
    return [(LABELS.get(k, k), k, seeds_text(ev[k]) if k == "over_seeds" else fmt(ev[k], 5))
            for k in keys]


def seeds_text(value: Any) -> str:
    """The verdict on every seed in one line: ``seed: outcome (measured)``, the left-out
    seeds with their reason.

    Examples
    --------
    >>> seeds_text({"judged": 2, "left_out": 0, "table": [
    ...     {"seed": 0, "outcome": "PASS", "measured": 0.5},
    ...     {"seed": 9, "outcome": "FAIL", "measured": 0.25, "reason": "x"}]})
    'PASS on 1 of 2 seeds: 0 PASS (0.5); 9 FAIL (0.25)'
    """
    if not isinstance(value, Mapping) or not isinstance(value.get("table"), list):
        return fmt(value, 5)
    table = value["table"]
    passed = sum(1 for e in table if e.get("outcome") == "PASS")
    parts = []
    for e in table:
        got = f" ({fmt(e['measured'], 5)})" if e.get("measured") is not None else ""
        why = f": {e.get('reason')}" if e.get("outcome") == "left out" else ""
        parts.append(f"{e.get('seed')} {e.get('outcome')}{got}{why}")
    return f"PASS on {passed} of {value.get('judged', len(table))} seeds: " + "; ".join(parts)
