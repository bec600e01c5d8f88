"""Stress sweeps: a grid of cases run with every claim evaluated, whatever the assumption audit says.

A sweep is a base profile of the theorem's case file (default ``quick``) with some parameters
varied: a ``[grids.NAME]`` table of the case file and/or ``--vary param=v1,v2,...`` on the command
line; lists expand to their Cartesian product, times ``K`` seeds. Each case is a
:class:`verify.engine.runner.Job` with ``stress=True`` run through :func:`verify.engine.runner.run_jobs`, so
finished cases are cached one file each under ``OUT/cases`` (an interrupted sweep resumes),
locally or on a Dask cluster (:mod:`verify.engine.cluster`). The results document is an ordinary
results.json plus a ``"stress"`` block; phase diagrams and the summary are rendered from it
(:mod:`verify.report.phase`). Cases where every assumption HOLDS and a claim FAILs are written
as case files ``OUT/counterexamples/<name>/<theorem>.toml`` that ``verify run`` reproduces.
"""
from __future__ import annotations

import dataclasses
import shlex
import traceback
from pathlib import Path
from typing import Any, Mapping, Sequence

import tomli_w

from verify.spec import registry
from verify.spec.cases import MAX_CASES, Case, case_file, case_table, load_file, profile_cases
from verify.errors import UserError, one_line
from verify.outcome import ClaimResult, Outcome
from verify.spec.params import Param
from verify.engine.results import assemble, package_versions
from verify.io import atomic_write_text
from verify.engine.runner import Executor, Job, Progress, case_work, pool_executor, run_jobs
from verify.spec.theorem import Theorem
from verify.explore.analysis import Summary
from verify.explore.paths import check_key, inside, theorem_file

CX_PROFILE = "counterexample"


@dataclasses.dataclass(frozen=True)
class StressGrid:
    """The cases of a sweep and what was varied (``varied``: parameter -> validated values)."""

    theorem: str
    profile: str
    varied: Mapping[str, list]
    fixed: Mapping[str, Any]
    seeds: tuple[int, ...]
    cases: tuple[Case, ...]


def _check_keys(thm: Theorem, keys: Sequence[str], where: str) -> None:
    for key in keys:
        if key not in thm.schema or key == "seed":
            known = ", ".join(sorted(set(thm.schema) - {"seed"}))
            raise UserError(f"{where}: {key!r} is not a parameter of {thm.id}; known: {known} "
                            "(use --seeds for seeds)")


def grid(thm: Theorem, name: str, path: Path | None = None) -> dict[str, list]:
    """The ``[grids.NAME]`` table of the theorem's case file, every value as a list."""
    path, table = case_table(thm, "grids", name, path)
    _check_keys(thm, list(table), f"{path} [grids.{name}]")
    return {k: list(v) if isinstance(v, list) else [v] for k, v in table.items()}


def _parse(param: Param, key: str, text: str) -> Any:
    text = text.strip()
    try:
        if param.type is bool:
            return {"true": True, "false": False}[text.lower()]
        if param.type is int:
            value = float(text)
            return int(value) if value.is_integer() else value
        return param.type(text)
    except (ValueError, KeyError):
        raise UserError(f"--vary {key}={text!r} is not a {param.type.__name__}") from None


def parse_vary(thm: Theorem, specs: Sequence[str]) -> dict[str, list]:
    """``["C=1,2", "alpha=0.1"]`` -> ``{"C": [1.0, 2.0], "alpha": [0.1]}`` (typed, range-checked)."""
    out: dict[str, list] = {}
    for spec in specs:
        key, sep, values = spec.partition("=")
        key = key.strip()
        if not sep or not values.strip():
            raise UserError(f"--vary {spec!r}: write PARAM=V1,V2,... (e.g. --vary C=1,2,5)")
        _check_keys(thm, [key], "--vary")
        if key in out:
            raise UserError(f"--vary {key} given twice; list all its values once: {key}=V1,V2,...")
        param = thm.schema[key]
        out[key] = [param.check(key, _parse(param, key, v)) for v in values.split(",")]
    return out


def sweep(thm: Theorem, profile: str, spec: Mapping[str, list], seeds: int = 1,
          path: Path | None = None) -> StressGrid:
    """Expand ``spec`` (parameter -> values) over the base ``profile`` and ``seeds`` seeds.

    Parameters with one value are fixed overrides; those with several are the sweep's
    axes, followed by any list of the base profile itself. Every value is validated against
    the theorem's schema (UserError otherwise).
    """
    if not 1 <= seeds <= MAX_CASES:
        raise UserError(f"--seeds {seeds} must be between 1 and {MAX_CASES}")
    _check_keys(thm, list(spec), "sweep")
    spec = {k: list(dict.fromkeys(thm.schema[k].check(k, v) for v in vals)) for k, vals in spec.items()}
    base = profile_cases(thm, profile, path=path)
    seed_list = tuple(base[0].seed + k for k in range(seeds))
    overrides = {**{k: v if len(v) > 1 else v[0] for k, v in spec.items()}, "seed": list(seed_list)}
    cases = profile_cases(thm, profile, overrides, path)
    varied = {k: v for k, v in spec.items() if len(v) > 1}
    for key in cases[0].params:
        values = list(dict.fromkeys(c.params[key] for c in cases))
        if key != "seed" and key not in varied and len(values) > 1:
            varied[key] = values  # a list of the profile, e.g. two losses
    shown = tuple(sorted(set(cases[0].shown) | set(spec) | {"seed"}))
    cases = [dataclasses.replace(c, shown=shown) for c in cases]
    fixed = {k: v[0] for k, v in spec.items() if len(v) == 1}
    return StressGrid(thm.id, profile, varied, fixed, seed_list, tuple(cases))


def base_profile(thm: Theorem, path: Path | None = None) -> str:
    """``stress`` when the theorem's case file has that profile, else ``quick``."""
    path = case_file(thm, path)
    return "stress" if path.is_file() and "stress" in load_file(path).get("profiles", {}) else "quick"


def choose_axes(varied: Mapping[str, list], axes: str | None) -> tuple[str, str | None] | None:
    """``--axes x,y`` checked against the varied parameters; default: the first two.

    Examples
    --------
    >>> choose_axes({"C": [1, 2], "alpha": [0.1, 0.2], "m": [5, 10]}, "m,C")
    ('m', 'C')
    >>> choose_axes({"C": [1, 2]}, None)
    ('C', None)
    """
    names = list(varied)
    if not axes:
        return (names[0], names[1] if len(names) > 1 else None) if names else None
    chosen = [a.strip() for a in axes.split(",")]
    bad = [a for a in chosen if a not in varied]
    if bad or not 1 <= len(chosen) <= 2 or len(set(chosen)) != len(chosen):
        raise UserError(f"--axes {axes!r}: name one or two varied parameters "
                        f"({', '.join(names) or 'none'})")
    return (chosen[0], chosen[1] if len(chosen) > 1 else None)


def _error_result(job: Job, exc: BaseException) -> dict[str, Any]:
    """A case record for a case that raised: every claim UNDECIDED, marked so it is not cached."""
    thm = registry.get(job.case.theorem)
    msg = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
    why = f"the case raised {msg}; rerun to retry"
    rows = [{"theorem": thm.id, "case": job.case.label, "quantity": c.quantity, "statement": c.statement,
             "seed": job.case.seed, "config_hash": job.case.config_hash(),
             **ClaimResult(c.name, c.kind, Outcome.UNDECIDED, why).to_row()} for c in thm.claims]
    return {"theorem": thm.id, "case": job.case.label, "title": thm.title,
            "params": dict(job.case.params), "seed": job.case.seed,
            "config_hash": job.case.config_hash(), "profile": job.case.profile,
            "stress": True, "assumptions": [], "series": {}, "rows": rows, "error": msg,
            "traceback": traceback.format_exc(limit=5), "verify_version": package_versions()["verify"]}


def stress_work(job: Job) -> dict[str, Any]:
    """Run one case (worker side); an exception becomes an UNDECIDED, uncached record."""
    try:
        return case_work(job)
    except Exception as exc:  # a generator that cannot satisfy a cell must not end the sweep
        return _error_result(job, exc)


def run_sweep(sw: StressGrid, out: Path, executor: Executor | None = None, progress: Progress | None = None,
              resume: bool = True) -> list[dict[str, Any]]:
    """Run every case of ``sw`` (cached under ``out/cases``); returns the case results in order."""
    jobs = [Job(c, stress=True) for c in sw.cases]
    return run_jobs(jobs, Path(out), progress=progress, resume=resume,
                    executor=executor or pool_executor(1), work=stress_work)


def document(sw: StressGrid, results: list[dict[str, Any]], prov: dict[str, Any],
             axes: tuple[str, str | None] | None) -> dict[str, Any]:
    """results.json of the sweep: the usual document plus the ``stress`` block."""
    doc = assemble(results, prov)
    doc["stress"] = {"theorem": sw.theorem, "profile": sw.profile, "varied": dict(sw.varied),
                     "fixed": dict(sw.fixed), "seeds": list(sw.seeds), "axes": list(axes or [])}
    return doc


def _comment(note: str) -> list[str]:
    """``note`` as TOML comment lines: control characters escaped, so no line can end the comment."""
    return [f"# {one_line(line, 2000)}" for line in note.splitlines()]


def _toml_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` sorted, each key an identifier and each value a TOML scalar, else a UserError."""
    out = {}
    for key in sorted(params, key=str):
        value = params[check_key(key)]
        if not isinstance(value, (bool, int, float, str)):
            raise UserError(f"parameter {key}={one_line(repr(value), 80)} is not a number, string or "
                            "boolean; the results file is damaged: re-run the command that made it")
        out[key] = value
    return out


def case_file_text(theorem: str, params: Mapping[str, Any], note: str = "") -> str:
    """A cases/ TOML file with the single profile ``counterexample`` holding every parameter.

    Written by a TOML writer (``tomli_w``), never by string formatting: a parameter name
    that is not an identifier, or a value that is not a TOML scalar, is a UserError, and a
    note (comment lines) cannot inject a table.

    Examples
    --------
    >>> print(case_file_text("thm", {"n": 8, "eta": 0.5, "loss": "logistic", "fast": False}, "why"))
    # why
    # theorem thm; written by verify
    [profiles.counterexample]
    eta = 0.5
    fast = false
    loss = "logistic"
    n = 8
    <BLANKLINE>
    >>> case_file_text("thm", {"n\\n[build-system]": 1})
    Traceback (most recent call last):
    ...
    verify.errors.UserError: parameter name 'n\\n[build-system]' is not an identifier; the results \
file is damaged or was not written by verify: re-run the command that made it
    """
    head = _comment(note) + _comment(f"theorem {theorem}; written by verify")
    body = tomli_w.dumps({"profiles": {CX_PROFILE: _toml_params(params)}})
    return "\n".join(head) + "\n" + body


def write_case_file(theorem: str, params: Mapping[str, Any], directory: Path, note: str = "",
                    stress: bool = False, data_file: Path | None = None) -> tuple[Path, str]:
    """Write ``directory/<theorem>.toml`` and return it with the command that reproduces the case.

    ``stress``: the case violates an assumption (``verify run --stress``); ``data_file``: an
    .npz with the case's data (``verify run --data``) instead of the generator's.
    """
    path = inside(Path(directory), theorem_file(theorem))
    atomic_write_text(path, case_file_text(theorem, params, note))
    cmd = ["verify", "run", theorem, "--profile", CX_PROFILE, "--out", str(Path(directory) / "run")]
    cmd += ["--stress"] * stress + (["--data", str(data_file)] if data_file else [])
    return path, f"VERIFY_CASES_DIR={shlex.quote(str(directory))} {shlex.join(cmd)}"


def write_counterexamples(summary: Summary, out: Path) -> dict[str, str]:
    """A case file per counterexample under ``out/counterexamples``; returns name -> command."""
    commands = {}
    for cx in summary.counterexamples:
        note = "\n".join([f"counterexample from a stress sweep: {cx.case}"] +
                         [f"{claim} FAIL: {reason}" for claim, reason in cx.failures])
        where = inside(Path(out), "counterexamples", cx.name)
        _, commands[cx.name] = write_case_file(cx.theorem, cx.params, where, note)
    return commands
