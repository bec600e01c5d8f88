"""The Python API: run a theorem, or read a report, into a :class:`Results` value.

Made for a notebook: edit a :class:`~verify.spec.theorem.Theorem`, run it, look at it::

    import verify
    r = verify.run("soudry2018-linear", profile="quick", steps=2000)
    r.verdict("direction", case="loss=logistic")   # 'PASS', 'FAIL', ...
    r.plot("direction", case="loss=logistic")      # a matplotlib Figure
    r.to_frame()                                   # a pandas DataFrame (pandas optional)

:func:`run` runs the cases of one profile in this process (or, with ``jobs > 1`` and a
registered theorem, in the local pool of :mod:`verify.engine.runner`) and prints nothing;
it writes ``results.json`` only when given ``out`` (the writer of ``verify run``, so
``verify report OUT`` renders it).  :func:`load` reads a ``results.json`` back.  Bad input
(an unknown theorem, profile or parameter, a malformed file) is a
:class:`~verify.errors.UserError`.

Examples
--------
>>> doc = {"schema_version": 1, "provenance": {"profile": "quick"},
...        "cases": [{"case": "t[n=1,seed=0]", "series": {}}],
...        "rows": [{"theorem": "t", "case": "t[n=1,seed=0]", "claim": "c", "outcome": "PASS",
...                  "reason": "", "measured": 1.0, "expected": 1.0}]}
>>> r = Results.of(doc)
>>> r
Results(t: 1 case, 1 row: PASS=1)
>>> r.verdict("c")
'PASS'
"""
from __future__ import annotations

import dataclasses
import json
import math
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

# BLAS threads are fixed before numpy loads (as the CLI does), hence the imports below this call
from verify.engine.blas import single_threaded

single_threaded()  # one BLAS thread when this import loads numpy: the CLI's bits (verify.engine.blas)

from matplotlib.figure import Figure

from verify.engine.case import run_case
from verify.engine.fingerprint import package_versions
from verify.engine.resources import check_memory, estimate
from verify.engine.results import assemble, check_document, provenance, write
from verify.engine.results import load as load_dir
from verify.engine.runner import Job, run_jobs
from verify.errors import UserError
from verify.io import SCHEMA_VERSION, dumps
from verify.report.figures import math_label
from verify.spec import registry
from verify.spec.cases import Case, case_file, missing_case_file, profile_cases, table_cases
from verify.spec.theorem import Theorem

#: ``cases=`` of :func:`run`: a case file, or its ``[profiles]`` tables as a mapping.
Cases = str | Path | Mapping[str, Mapping[str, Any]] | None


def _frozen(value: Any) -> Any:
    """A read-only view of a JSON value (objects as mapping proxies, lists as tuples)."""
    if isinstance(value, dict):
        return MappingProxyType({k: _frozen(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


def _thawed(value: Any) -> Any:
    """The JSON value behind :func:`_frozen`."""
    if isinstance(value, Mapping):
        return {k: _thawed(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_thawed(v) for v in value]
    return value


def _flat(row: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects flattened into dotted keys (``evidence.L_hat``); lists kept whole.

    >>> _flat({"a": 1, "e": {"x": 2, "y": {"z": [3]}}})
    {'a': 1, 'e.x': 2, 'e.y.z': [3]}
    """
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, Mapping):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = _thawed(value)
    return out


@dataclass(frozen=True)
class Results:
    """What a run found: the rows (one per claim and case), the case records, the provenance.

    The values are read-only views of the ``results.json`` document (objects as mappings,
    lists as tuples).

    Attributes
    ----------
    rows : tuple of Mapping
        One row per (case, claim): ``theorem``, ``case`` (the case's label), ``claim``,
        ``outcome``, ``reason``, ``measured``, ``expected``, ``evidence``, ...
    cases : tuple of Mapping
        One record per case: ``case`` (label), ``params``, ``series`` (quantity ->
        ``log_t`` and ``values``), ``assumptions``, ``targets``, ``audit``, ...
    provenance : Mapping
        How the results were made (command, profile, versions, wall time).
    """

    rows: tuple[Mapping[str, Any], ...]
    cases: tuple[Mapping[str, Any], ...]
    provenance: Mapping[str, Any]

    @classmethod
    def of(cls, doc: Mapping[str, Any]) -> Results:
        """The results of a ``results.json`` document (already checked)."""
        return cls(_frozen(list(doc.get("rows") or [])), _frozen(list(doc.get("cases") or [])),
                   _frozen(dict(doc.get("provenance") or {})))

    def to_json(self) -> dict[str, Any]:
        """The ``results.json`` document (what :func:`load` reads back)."""
        return {"schema_version": SCHEMA_VERSION, "provenance": _thawed(self.provenance),
                "cases": _thawed(self.cases), "rows": _thawed(self.rows)}

    def __repr__(self) -> str:
        counts: dict[str, int] = {}
        for row in self.rows:
            counts[row["outcome"]] = counts.get(row["outcome"], 0) + 1
        theorems = sorted({str(r["theorem"]) for r in self.rows} |
                          {str(c.get("theorem")) for c in self.cases if c.get("theorem")})
        n, m = len(self.cases), len(self.rows)
        tally = " ".join(f"{k}={v}" for k, v in sorted(counts.items()))
        return (f"Results({', '.join(theorems) or 'nothing'}: {n} case{'s' * (n != 1)}, "
                f"{m} row{'s' * (m != 1)}{': ' + tally if tally else ''})")

    def row(self, claim: str, case: str | None = None) -> Mapping[str, Any]:
        """The row of ``claim`` on one case.

        ``case`` is a case label or any part of it that names one case (e.g.
        ``"loss=exponential"``); it may be left out when one case has the claim.  A claim
        no row has, or several cases when ``case`` does not choose one, is a UserError
        listing the choices: the verdict of a claim is never merged across cases.
        """
        rows = [r for r in self.rows if r["claim"] == claim]
        if not rows:
            known = sorted({str(r["claim"]) for r in self.rows})
            raise UserError(f"no claim {claim!r} in these results; claims: "
                            f"{', '.join(known) or 'none'}")
        if case is not None:
            exact = [r for r in rows if r["case"] == case]
            rows = exact or [r for r in rows if case in r["case"]]
            if not rows:
                raise UserError(f"no case matching {case!r} has claim {claim!r}; cases: "
                                f"{', '.join(str(r['case']) for r in self._rows_of(claim))}")
        if len(rows) > 1:
            raise UserError(f"claim {claim!r} was judged on {len(rows)} cases; choose one with "
                            f"case=... (a label or part of one): "
                            f"{'; '.join(str(r['case']) for r in rows)}")
        return rows[0]

    def _rows_of(self, claim: str) -> list[Mapping[str, Any]]:
        return [r for r in self.rows if r["claim"] == claim]

    def verdict(self, claim: str, case: str | None = None) -> str:
        """The outcome of ``claim`` on one case: PASS, FAIL, XFAIL, UNDECIDED or SKIPPED.

        ``case`` as in :meth:`row`: with several cases it must be given (a UserError lists
        them otherwise), since one verdict per claim would hide the others.
        """
        return str(self.row(claim, case)["outcome"])

    def record(self, case: str) -> Mapping[str, Any]:
        """The case record whose label is ``case``."""
        for rec in self.cases:
            if rec.get("case") == case:
                return rec
        raise UserError(f"no case record {case!r}; cases: "
                        f"{', '.join(str(c.get('case')) for c in self.cases) or 'none'}")

    def to_frame(self) -> Any:
        """The rows as a :class:`pandas.DataFrame`, nested objects flattened into dotted
        columns (``evidence.L_hat``, ``resolution.verdict``, ...).  Needs pandas."""
        try:
            import pandas  # optional dependency: imported only when asked for
        except ImportError:
            raise UserError("pandas is not installed; pip install pandas") from None
        return pandas.DataFrame([_flat(r) for r in self.rows])

    def plot(self, claim: str, case: str | None = None) -> Any:
        """A :class:`matplotlib.figure.Figure` of the claim's quantity against
        :math:`\\log_{10} t` (from the case record's series), with the expected value as a
        line when it is a number.  Nothing is written; ``fig.savefig(...)`` saves it.

        ``case`` as in :meth:`row`.  A claim without a series (judged on a sweep, or not
        run) is a UserError.
        """
        row = self.row(claim, case)
        return _figure(row, self.record(str(row["case"])))


def _number(value: Any) -> float | None:
    """``value`` as a float when it is a finite number (an expected value may be a word)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _figure(row: Mapping[str, Any], record: Mapping[str, Any]) -> Figure:
    """The quantity of ``row`` against log10 t from ``record``'s series, expected value dashed."""
    quantity = row.get("quantity")
    series = (record.get("series") or {}).get(quantity) if quantity else None
    if not series or not series.get("log_t"):
        raise UserError(f"claim {row['claim']!r} on {row['case']} has no series to plot (quantity "
                        f"{quantity!r}; judged on a sweep, or not run: {row['outcome']})")
    fig = Figure(figsize=(6.4, 4.0), layout="constrained")
    ax = fig.add_subplot()
    log10_t = [math.nan if v is None else v / math.log(10) for v in series["log_t"]]
    values = [math.nan if v is None else v for v in series["values"]]
    ax.plot(log10_t, values, ".-", label=math_label(str(series.get("label") or ""), str(quantity)))
    expected = _number(row.get("expected"))
    if expected is not None:
        ax.axhline(expected, color="C3", linestyle="--", label=f"expected {expected:.6g}")
    ax.set_xlabel(r"$\log_{10} t$")
    ax.set_ylabel(str(quantity))
    case = textwrap.fill(str(row["case"]).replace(",", ", "), 90)
    ax.set_title(f"{row['claim']}: {row['outcome']}\n{case}", fontsize=8)
    ax.legend(fontsize=8)
    return fig


def _read_cases(thm: Theorem, cases: Cases, profile: str, params: Mapping[str, Any]
                ) -> list[Case]:
    """The validated cases of ``profile`` from ``cases`` (a path, a mapping, or None: the
    registered case file)."""
    if cases is None:
        if not case_file(thm).is_file():  # looked for beside its module too, registered or not
            raise UserError(f"{missing_case_file(thm, 'profiles', profile)}; or pass cases=PATH "
                            "(a case file) or cases={'quick': {'n': 8, ...}}")
        return profile_cases(thm, profile, params)
    if isinstance(cases, (str, Path)):
        return profile_cases(thm, profile, params, Path(cases))
    if not isinstance(cases, Mapping) or not all(isinstance(v, Mapping) for v in cases.values()):
        raise UserError(f"cases={cases!r} is neither a case file nor a mapping of profile -> "
                        "parameters; pass e.g. cases={'quick': {'n': 8}}")
    if profile not in cases:
        raise UserError(f"cases has no profile {profile!r}; it has "
                        f"{', '.join(map(str, cases)) or 'none'}: "
                        f"pass profile= one of them or add it")
    return table_cases(thm, cases[profile], profile, f"cases[{profile!r}]", params)


def _theorem(theorem: str | Theorem) -> Theorem:
    if isinstance(theorem, Theorem):
        return theorem
    if isinstance(theorem, str):
        return registry.get(theorem)
    raise UserError(f"theorem={theorem!r} is neither a theorem id nor a verify.Theorem; pass e.g. "
                    "'soudry2018-linear' (see `verify list`)")


def _records(thm: Theorem, cases: list[Case], jobs: int) -> list[dict[str, Any]]:
    """Each case's record: through the runner's pool when ``jobs > 1`` and ``thm`` is the
    registered theorem of its id (workers look theorems up by id), else in this process.
    Either way, cases that would not fit in memory are refused first
    (:mod:`verify.engine.resources`)."""
    if jobs > 1 and registry.theorems().get(thm.id) is thm:  # the pool hands records over
        with tempfile.TemporaryDirectory(prefix="verify-api-") as scratch:  # as files: removed
            return run_jobs([Job(c) for c in cases], Path(scratch), jobs, resume=False)
    check_memory([estimate(thm, c) for c in cases])  # as the runner does: refuse what won't fit
    out = []
    for case in cases:
        res = run_case(thm, case)
        res["verify_version"] = package_versions()["verify"]
        out.append(json.loads(dumps(res)))
    return out


def run(theorem: str | Theorem, profile: str = "quick", out: str | Path | None = None,
        jobs: int = 1, cases: Cases = None, **params: Any) -> Results:
    """Run every case of one profile of a theorem and return the :class:`Results`.

    Parameters
    ----------
    theorem : str or Theorem
        A registered theorem id (``verify list``), or a :class:`~verify.spec.theorem.Theorem`
        object, run as it is without registering it.
    profile : str
        The case profile (``quick``, ``default``, ``full`` or any the case file has).
    out : path, optional
        If given, ``out/results.json`` is written (as ``verify run`` writes it; render the
        report with ``verify report OUT``).  Otherwise nothing is written.
    jobs : int
        Worker processes for a registered theorem (an object runs in this process).  The
        default, 1, runs in this process, with one BLAS thread when importing verify's API
        loaded numpy (as ``verify run`` does, so the bits are the CLI's; a process that loaded
        numpy before keeps its BLAS threads: set ``OPENBLAS_NUM_THREADS=1`` before importing
        numpy for the same bits); workers always run with one BLAS thread.
    cases : path or mapping, optional
        The case file, or its profiles as ``{profile: {param: value, ...}}``; by default the
        case file of the registered theorem of the same id.
    **params
        Override the profile's parameters (``steps=2000``, ``eta=0.5``, ``seed=3``),
        validated against the theorem's schema: an unknown key or a value out of range is
        a UserError.  A list expands into one case per value, as in a case file.  The keys
        given join the case labels (``theorem[...,steps=2000,...]``), as with
        ``verify run --set``.
    """
    thm = _theorem(theorem)
    unknown = sorted(set(params) - set(thm.schema))
    if unknown:
        raise UserError(f"verify.run: {unknown[0]}= is not a parameter of {thm.id}; known: "
                        f"{', '.join(sorted(thm.schema))}")
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise UserError(f"jobs={jobs!r} must be a positive integer")
    t0 = time.perf_counter()
    # the overridden keys join the case label, as with `verify run --set`
    todo = [dataclasses.replace(c, shown=tuple(sorted({*c.shown, *params})))
            for c in _read_cases(thm, cases, profile, params)]
    records = _records(thm, todo, jobs)
    given = [f"{k}={v!r}" for k, v in params.items()]
    call = ", ".join([repr(thm.id), f"profile={profile!r}", *given])
    prov = provenance(f"verify.run({call})", profile, jobs, time.perf_counter() - t0)
    doc = assemble(records, prov)
    if out is not None:
        _write(doc, Path(out))
    return Results.of(doc)


def _write(doc: dict[str, Any], out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        write(doc, out)
    except OSError as exc:
        raise UserError(f"cannot write {out / 'results.json'} ({exc.strerror or exc}); choose a "
                        "writable out=") from None


def load(path: str | Path) -> Results:
    """The :class:`Results` of a report directory (its ``results.json``) or of a results file.

    A missing, unreadable or malformed file is a UserError naming it.
    """
    path = Path(path)
    if path.is_dir() or path.name == "results.json":
        return Results.of(load_dir(path if path.is_dir() else path.parent))
    if not path.is_file():
        raise UserError(f"{path} is neither a report directory nor a results file; pass the "
                        "directory `verify run --out` wrote")
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        raise UserError(f"cannot read {path} as results JSON ({type(exc).__name__}); pass the "
                        "results.json `verify run` wrote") from None
    return Results.of(check_document(doc, path))
