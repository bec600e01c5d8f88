"""Hunt for counterexamples: hypothesis searches parameters and data seeds that make a claim fail.

The search space (:mod:`verify.explore.searchspace`) ranges over the parameters the case file's
``[grids.*]`` tables vary, the base profile's lists and the data seed; the theorem's own
thresholds stay fixed. With ``perturb`` (the default when an assumption is dropped) a
candidate also perturbs the generated data (drop a fraction of the points, add relative
jitter), since a generator built to satisfy the assumptions cannot leave their region by itself.

Each candidate becomes a case of the base profile (default ``quick``); its data are generated
and audited, and candidates where an assumption other than the dropped ones is not HOLDS are
rejected (:func:`hypothesis.assume`). The others run, with every claim evaluated
(``stress``), and one whose claim is FAIL or XFAIL is *found*. :func:`hypothesis.find`
(no database, seeded) then shrinks it to a minimal one. Inside the assumption region a found
case is a counterexample to the theorem as formalized; with an assumption dropped it shows
what that assumption protects against. Every found failure is saved as a case file that
``verify run`` reproduces (:func:`verify.explore.stress.write_case_file`; perturbed data are saved
beside it as ``data.npz`` for ``verify run --data``; generator metadata such as held-out
inputs is not carried by the .npz).
"""
from __future__ import annotations

import dataclasses
import io
import random
import shlex
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from verify.spec.cases import Case, profile_cases
from verify.problem.data import Dataset
from verify.errors import UserError
from verify.engine.case import run_case, sized
from verify.problem.seeds import seed_streams
from verify.explore.searchspace import PERTURB, Dim, perturb, search_space
from verify.explore.paths import inside, slug
from verify.explore.stress import write_case_file
from verify.engine.results import assemble, provenance, write
from verify.io import atomic_write_bytes, atomic_write_text, dumps
from verify.spec.theorem import Theorem

FOUND = ("FAIL", "XFAIL")


@dataclasses.dataclass(frozen=True)
class Trial:
    """One candidate: drawn values, its case label, what happened, and the claims found."""

    values: Mapping[str, Any]
    label: str = ""
    status: str = "rejected"  # "rejected" (audit), "error", "run", "skipped" (shrink budget spent)
    note: str = ""
    outcomes: Mapping[str, str] = dataclasses.field(default_factory=dict)
    result: Mapping[str, Any] | None = None
    data: Dataset | None = None  # perturbed data (None: the generator's)

    @property
    def found(self) -> tuple[str, ...]:
        """Claims whose outcome is FAIL or XFAIL."""
        return tuple(c for c, o in self.outcomes.items() if o in FOUND)


@dataclasses.dataclass(frozen=True)
class HuntResult:
    """Everything a hunt tried and the failing cases it kept (``findings``: minimal first)."""

    theorem: str
    drop: tuple[str, ...]
    budget: int
    seed: int
    space: Mapping[str, Dim]
    trials: tuple[Trial, ...]
    findings: tuple[Trial, ...]
    unsatisfiable: bool = False
    interrupted: bool = False


def _label(label: str, values: Mapping[str, Any]) -> str:
    shake = [f"{k}={values[k]}" for k in PERTURB if values.get(k)]
    return label + (f"+perturbed[{','.join(shake)}]" if shake else "")


def _relabel(res: dict[str, Any], label: str) -> dict[str, Any]:
    """``res`` with its case label (and its rows') replaced: perturbed data share a case."""
    return res | {"case": label, "rows": [r | {"case": label} for r in res["rows"]]}


class _Search:
    """The condition hypothesis calls: memoized, with a cap on the runs spent shrinking."""

    def __init__(self, thm: Theorem, profile: str, drop: Sequence[str], shrink_budget: int,
                 path: Path | None, progress: Callable[[str, float], None] | None) -> None:
        self.thm, self.profile, self.drop, self.path = thm, profile, tuple(drop), path
        self.shrink_budget, self.progress = shrink_budget, progress
        self.memo: dict[tuple, Trial] = {}
        self.trials: list[Trial] = []
        self.runs = 0
        self.found_at: int | None = None

    def case(self, values: Mapping[str, Any]) -> tuple[Case, Dataset | None]:
        params = {k: v for k, v in values.items() if k not in PERTURB}
        case = profile_cases(self.thm, self.profile, params, self.path)[0]
        case = dataclasses.replace(case, shown=tuple(sorted(set(case.shown) | set(params))))
        shake = {k: values[k] for k in PERTURB if values.get(k)}
        if not shake:
            return case, None
        data = self.thm.generate(case.params, seed_streams(case.seed)[0])
        data = perturb(data, values.get("drop_frac", 0.0), values.get("jitter", 0.0), case.seed)
        return sized(self.thm, case, data), data  # n of the data, as `verify run --data` sees it

    def _run(self, values: Mapping[str, Any]) -> Trial:
        try:
            case, data = self.case(values)
            res = run_case(self.thm, case, data=data, stress=False)
        except Exception as exc:  # invalid values or a generator that gives up: not a candidate
            note = f"{type(exc).__name__}: {exc}".splitlines()[0]
            return Trial(dict(values), status="error", note=note)
        label = _label(case.label, values)
        status = {a["name"]: a["status"] for a in res["assumptions"]}
        bad = [f"{a} {s}" for a, s in status.items() if a not in self.drop and s != "HOLDS"]
        if bad:
            return Trial(dict(values), label, note="; ".join(bad))
        if any(status.get(a) != "HOLDS" for a in self.drop):
            res = run_case(self.thm, case, data=data, stress=True)
        self.runs += 1
        res = _relabel(res, label)
        outcomes = {r["claim"]: r["outcome"] for r in res["rows"]}
        trial = Trial(dict(values), label, "run", outcomes=outcomes, result=res, data=data)
        if trial.found and self.found_at is None:
            self.found_at = self.runs
        if self.progress:
            self.progress(f"{label}: {', '.join(trial.found) or 'nothing'}", self.runs)
        return trial

    def evaluate(self, values: Mapping[str, Any]) -> Trial:
        key = tuple(sorted(values.items()))
        if key not in self.memo:
            if self.found_at is not None and self.runs - self.found_at >= self.shrink_budget:
                self.memo[key] = Trial(dict(values), status="skipped", note="shrink budget spent")
            else:
                self.memo[key] = self._run(values)
            self.trials.append(self.memo[key])
        return self.memo[key]

    def condition(self, values: Mapping[str, Any]) -> bool:
        from hypothesis import assume

        trial = self.evaluate(values)
        assume(trial.status not in ("rejected", "error"))
        return bool(trial.found)


def _findings(search: _Search, minimal: Mapping[str, Any] | None) -> tuple[Trial, ...]:
    """The minimal failing trial, then for each other failing claim its last (most shrunk) trial."""
    out = [search.memo[tuple(sorted(minimal.items()))]] if minimal is not None else []
    covered = set(out[0].found) if out else set()
    for t in reversed(search.trials):
        if t.status == "run" and set(t.found) - covered:
            out.append(t)
            covered |= set(t.found)
    return tuple(out)


def check_arguments(thm: Theorem, budget: int = 20, drop: Sequence[str] = (), seed: int = 0,
                    profile: str = "quick", shrink_budget: int = 20, path: Path | None = None,
                    space: Mapping[str, Dim] | None = None) -> dict[str, Dim]:
    """Check the arguments of :func:`hunt` before anything runs; returns the search space.

    An unknown assumption in ``drop``, a budget below 1, a negative shrink budget or seed,
    or a profile the case file lacks is a UserError naming the value and the fix.
    """
    names = [a.name for a in thm.assumptions]
    if unknown := [d for d in drop if d not in names]:
        raise UserError(f"--drop {unknown[0]!r} is not an assumption of {thm.id}; "
                        f"choose from {', '.join(names)}")
    if budget < 1 or shrink_budget < 0:
        raise UserError(f"--budget {budget} must be >= 1 and the shrink budget {shrink_budget} >= 0")
    if seed < 0:
        raise UserError(f"--seed {seed} must be >= 0")
    return dict(space) if space is not None else search_space(thm, profile, path)


def hunt(thm: Theorem, budget: int = 20, drop: Sequence[str] = (), seed: int = 0, profile: str = "quick",
         shrink_budget: int = 20, path: Path | None = None, space: Mapping[str, Dim] | None = None,
         perturb_data: bool | None = None,
         progress: Callable[[str, float], None] | None = None) -> HuntResult:
    """Search for a case of ``thm`` where a claim FAILs (or XFAILs), keeping all but ``drop``.

    Parameters
    ----------
    thm
        The theorem.
    budget
        Candidates run in the generation phase (rejected ones do not count).
    drop
        Names of assumptions that candidates need not satisfy.
    seed
        Seed of the search (same seed, same candidates).
    profile
        Base profile of the case file: horizons and everything not searched.
    shrink_budget
        Further runs allowed for shrinking once a failure is found.
    path
        Case file (default ``cases_dir()/<id>.toml``).
    space
        The searched parameters (default :func:`search_space`).
    perturb_data
        Add the data perturbations :data:`PERTURB` to the space (default: when ``drop``).
    progress
        Called with ``(note, runs so far)``.

    Returns
    -------
    HuntResult
        With no findings if nothing failed; ``unsatisfiable`` when no candidate satisfied
        the kept assumptions.
    """
    from hypothesis import HealthCheck, Phase, Verbosity, find, settings
    from hypothesis import strategies as st
    from hypothesis.errors import NoSuchExample, Unsatisfiable

    space = check_arguments(thm, budget, drop, seed, profile, shrink_budget, path, space)
    if bool(drop) if perturb_data is None else perturb_data:
        space = PERTURB | space
    search = _Search(thm, profile, drop, shrink_budget, path, progress)
    opts = settings(max_examples=budget, database=None, deadline=None, derandomize=False,
                    print_blob=False, phases=(Phase.generate, Phase.shrink), verbosity=Verbosity.quiet,
                    suppress_health_check=list(HealthCheck))
    strategy = st.fixed_dictionaries({k: d.strategy() for k, d in space.items()})
    minimal, unsat, interrupted = None, False, False
    try:
        minimal = find(strategy, search.condition, settings=opts, random=random.Random(seed))
    except NoSuchExample:
        pass
    except Unsatisfiable:
        unsat = True
    except KeyboardInterrupt:  # keep what was found so far
        interrupted = True
    return HuntResult(thm.id, tuple(drop), budget, seed, space, tuple(search.trials),
                      _findings(search, minimal), unsat or search.runs == 0, interrupted)


def save(result: HuntResult, out: Path, argv: Sequence[str] = (), wall: float = 0.0) -> list[str]:
    """Write hunt.json, results.json (every run case) and a case file per finding; returns commands."""

    out = Path(out)
    commands = []
    for k, t in enumerate(result.findings):
        res = t.result or {}
        outside = [a["name"] for a in res.get("assumptions", []) if a["status"] != "HOLDS"]
        kind = "minimal" if k == 0 and not result.interrupted else "shrunk"
        note = "\n".join([f"found by verify hunt ({kind}): {t.label}",
                          *(f"{c} {t.outcomes[c]}: {r['reason']}" for c in t.found
                            for r in res.get("rows", []) if r["claim"] == c),
                          f"assumptions not holding: {', '.join(outside) or 'none'}"])
        name = slug(f"{result.theorem}-{str(res.get('config_hash', k))[:12]}")
        where = inside(out, "counterexamples", name)
        data_file = None
        if t.data is not None:
            data_file = where / "data.npz"
            buf = io.BytesIO()
            np.savez(buf, X=t.data.X, y=t.data.y)
            atomic_write_bytes(data_file, buf.getvalue())
        commands.append(write_case_file(result.theorem, res.get("params", {}), where, note,
                                        stress=bool(outside), data_file=data_file)[1])
    log = {"theorem": result.theorem, "drop": list(result.drop), "budget": result.budget,
           "seed": result.seed,
           "space": {k: dataclasses.asdict(d) for k, d in result.space.items()},
           "trials": [{"values": dict(t.values), "case": t.label, "status": t.status, "note": t.note,
                       "outcomes": dict(t.outcomes)} for t in result.trials],
           "findings": [t.label for t in result.findings], "commands": commands}
    atomic_write_text(out / "hunt.json", dumps(log))
    cases = [dict(t.result) for t in result.trials if t.result is not None]
    prov = provenance("verify " + shlex.join(argv), "hunt", 1, wall)
    write(assemble(cases, prov), out)
    return commands


def digest(result: HuntResult) -> str:
    """One line: candidates run and rejected, and what was found."""
    runs = sum(t.status == "run" for t in result.trials)
    rejected = sum(t.status == "rejected" for t in result.trials)
    errors = sum(t.status == "error" for t in result.trials)
    where = f"with {', '.join(result.drop)} dropped" if result.drop else "inside the assumption region"
    first = result.findings[0] if result.findings else None
    found = (f"FOUND {len(result.findings)} failing case(s) {where}; minimal: {first.label} "
             f"({', '.join(first.found)})" if first else f"nothing found {where}")
    notes = [f"{errors} candidate(s) raised (notes in hunt.json)"] * bool(errors)
    notes += ["no candidate satisfied the kept assumptions"] * result.unsatisfiable
    notes += ["INTERRUPTED: not shrunk, search incomplete"] * result.interrupted
    return (f"hunt {result.theorem}: {runs} case(s) run, {rejected} rejected by the audit; {found}"
            + "".join(f"; {n}" for n in notes))
