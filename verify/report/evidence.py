"""A row's evidence read back by name: one typed reader per claim kind.

The claims write their evidence as JSON objects whose keys are the fields of
:mod:`verify.claims.evidence`; the engine adds the sweep keys (``points``, ``x_label``,
``seeds``, ``sweep_runs``).  :func:`read` turns a row's ``evidence`` into the typed values
the report draws, with explicit defaults, so that a results.json from an older verify or
edited by hand renders instead of failing: a number is decoded by
:func:`~verify.report.format.as_float` (None when absent or not numeric), a list of
numbers by :func:`~verify.report.figures.floats` (empty when absent), a pair is padded
with NaN.  A kind without a reader of its own (Eventually, Trend, a theorem's own kind)
is read as :class:`Reading`: the sweep keys only.

Examples
--------
>>> r = read({"kind": "Limit", "evidence": {"L_hat": "nan", "ci": [0.1], "basis": ["1/t"]}})
>>> r.L_hat, r.ci, r.basis, r.points
(nan, (0.1, nan), ('1/t',), None)
>>> read({"kind": "Scaling", "evidence": {"slope": 0.5}}).slope  # older files: "slope"
0.5
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from verify.report.figures import floats
from verify.report.format import as_float

#: A pair of floats (an interval or a window); NaN where not recorded.
Pair = tuple[float, float]


def _pair(value: Any) -> Pair:
    """The first two numbers of a JSON list, padded with NaN."""
    lo, hi = (list(floats(value)) + [math.nan, math.nan])[:2]
    return float(lo), float(hi)


def evidence_of(row: Mapping[str, Any]) -> Mapping[str, Any]:
    """The row's ``evidence`` object (empty when absent or not an object)."""
    ev = row.get("evidence")
    return ev if isinstance(ev, Mapping) else {}


@dataclass(frozen=True)
class Points:
    """A sweep's points: the swept ``x`` and the quantity ``y`` at the end of each run,
    and the claim's ``show`` quantities of the same runs (name and values), in file order."""

    x: np.ndarray
    y: np.ndarray
    show: tuple[tuple[str, np.ndarray], ...]


@dataclass(frozen=True)
class SweepRuns:
    """Provenance of a sweep claim's runs: how many ``seeds`` and each target's statuses."""

    n_seeds: int
    targets: Mapping[str, Any]


@dataclass(frozen=True)
class Reading:
    """What any row's evidence may carry: the keys the engine adds to a claim judged on a sweep.

    Parameters
    ----------
    points
        The sweep's points (None: not judged on a sweep).
    x_label
        Label of the swept parameter (default ``"parameter"``).
    sweep_runs
        Provenance of the runs (None when not recorded).
    """

    points: Points | None = None
    x_label: str = "parameter"
    sweep_runs: SweepRuns | None = None


def _sweep_fields(ev: Mapping[str, Any]) -> dict[str, Any]:
    pts = ev.get("points")
    points = None
    if isinstance(pts, Mapping):
        show = pts.get("show")
        show = show if isinstance(show, Mapping) else {}
        points = Points(floats(pts.get("x")), floats(pts.get("y")),
                        tuple((str(k), floats(v)) for k, v in show.items()))
    prov = ev.get("sweep_runs")
    runs = None
    if isinstance(prov, Mapping):
        targets = prov.get("targets")
        runs = SweepRuns(len(prov.get("seeds") or []),
                         targets if isinstance(targets, Mapping) else {})
    return {"points": points, "x_label": str(ev.get("x_label", "parameter")), "sweep_runs": runs}


@dataclass(frozen=True)
class LimitReading(Reading):
    """A Limit's fit (:class:`verify.claims.evidence.LimitEvidence`).

    ``window`` is ``window_log_t`` (older files: ``window``); ``L_hat`` None when no fit was
    recorded; ``basis`` None unless a list; ``exponent`` and ``shift`` 0 when absent.
    """

    window: Pair = (math.nan, math.nan)
    L_hat: float | None = None
    ci: Pair = (math.nan, math.nan)
    basis: tuple[str, ...] | None = None
    amplitudes: np.ndarray = field(default_factory=lambda: np.zeros(0))
    exponent: float = 0.0
    shift: float = 0.0


def _window(ev: Mapping[str, Any]) -> Pair:
    return _pair(ev.get("window_log_t", ev.get("window")))


def read_limit(ev: Mapping[str, Any]) -> LimitReading:
    """The :class:`LimitReading` of a Limit row's evidence."""
    basis = ev.get("basis")
    return LimitReading(
        **_sweep_fields(ev), window=_window(ev), L_hat=as_float(ev.get("L_hat")),
        ci=_pair(ev.get("ci")),
        basis=tuple(str(b) for b in basis) if isinstance(basis, list) else None,
        amplitudes=floats(ev.get("amplitudes")),
        exponent=as_float(ev.get("exponent")) or 0.0, shift=as_float(ev.get("shift")) or 0.0)


@dataclass(frozen=True)
class BoundLine:
    """A bound as recorded: a ``level`` (a number), or values per checkpoint of the series
    (``log_t`` None), or a curve of its own (``log_t`` and ``values``; older files)."""

    level: float | None = None
    log_t: np.ndarray | None = None
    values: np.ndarray | None = None


def _bound_line(value: Any) -> BoundLine | None:
    if value is None:
        return None
    if isinstance(value, Mapping):
        return BoundLine(log_t=floats(value.get("log_t")), values=floats(value.get("values")))
    if isinstance(value, list):
        return BoundLine(values=floats(value))
    return BoundLine(level=as_float(value))


@dataclass(frozen=True)
class Witness:
    """The checkpoint a FAIL names: where (``log_t``) and the value there (None: not recorded)."""

    log_t: float
    value: float | None


@dataclass(frozen=True)
class BoundReading(Reading):
    """A Bound's bounds and witness (:class:`verify.claims.evidence.BoundEvidence`);
    ``upper``/``lower`` None when absent."""

    window: Pair = (math.nan, math.nan)
    upper: BoundLine | None = None
    lower: BoundLine | None = None
    witness: Witness | None = None


def _witness(ev: Mapping[str, Any]) -> Witness | None:
    wit = ev.get("witness")
    at = as_float(wit.get("log_t")) if isinstance(wit, Mapping) else None
    return Witness(at, as_float(wit.get("value"))) if at is not None else None


def read_bound(ev: Mapping[str, Any]) -> BoundReading:
    """The :class:`BoundReading` of a Bound row's evidence."""
    return BoundReading(**_sweep_fields(ev), window=_window(ev),
                        upper=_bound_line(ev.get("upper")), lower=_bound_line(ev.get("lower")),
                        witness=_witness(ev))


@dataclass(frozen=True)
class MonotoneReading(Reading):
    """A Monotone's window and onset :math:`\\log T` (None: from the start).

    ``witness`` is the violating step older files name (the current
    :class:`verify.claims.evidence.MonotoneEvidence` records it as ``worst``, not drawn).
    """

    window: Pair = (math.nan, math.nan)
    onset_log_t: float | None = None
    witness: Witness | None = None


def read_monotone(ev: Mapping[str, Any]) -> MonotoneReading:
    """The :class:`MonotoneReading` of a Monotone row's evidence."""
    return MonotoneReading(**_sweep_fields(ev), window=_window(ev),
                           onset_log_t=as_float(ev.get("onset_log_t")), witness=_witness(ev))


@dataclass(frozen=True)
class ScalingReading(Reading):
    """A Scaling's fitted slope ``a_hat`` (older files: ``slope``) and its interval ``ci``."""

    slope: float | None = None
    ci: Pair = (math.nan, math.nan)


def read_scaling(ev: Mapping[str, Any]) -> ScalingReading:
    """The :class:`ScalingReading` of a Scaling row's evidence."""
    return ScalingReading(**_sweep_fields(ev), slope=as_float(ev.get("a_hat", ev.get("slope"))),
                          ci=_pair(ev.get("ci")))


@dataclass(frozen=True)
class Group:
    """One abscissa ``x`` of a Frequency sweep: ``k`` events in ``n`` runs, the prediction
    ``p`` and the exact interval ``ci``."""

    x: float
    k: int
    n: int
    p: float
    ci: Pair


@dataclass(frozen=True)
class FrequencyReading(Reading):
    """A Frequency's groups (:class:`verify.claims.sweepevidence.FrequencyGroup`); malformed ones
    are left out."""

    groups: tuple[Group, ...] = ()


def _group(g: Any) -> Group | None:
    if not isinstance(g, Mapping):
        return None
    x, p, k, n = (as_float(g.get(key)) for key in ("x", "p", "k", "n"))
    if x is None or p is None or k is None or not n:
        return None
    return Group(x, int(k), int(n), p, _pair(g.get("ci")))


def read_frequency(ev: Mapping[str, Any]) -> FrequencyReading:
    """The :class:`FrequencyReading` of a Frequency row's evidence."""
    groups = ev.get("groups") if isinstance(ev.get("groups"), list) else []
    return FrequencyReading(**_sweep_fields(ev),
                            groups=tuple(g for g in map(_group, groups) if g is not None))


def read_other(ev: Mapping[str, Any]) -> Reading:
    """The :class:`Reading` (sweep keys only) of a kind the report draws nothing else of."""
    return Reading(**_sweep_fields(ev))


#: The reader of each claim kind; any other kind is read by :func:`read_other`.
READERS: dict[str, Callable[[Mapping[str, Any]], Reading]] = {
    "Limit": read_limit, "Bound": read_bound, "Monotone": read_monotone,
    "Scaling": read_scaling, "Frequency": read_frequency}


def read(row: Mapping[str, Any]) -> Reading:
    """The typed evidence of a results row, by the reader of its ``kind``."""
    return READERS.get(str(row.get("kind", "")), read_other)(evidence_of(row))
