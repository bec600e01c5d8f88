"""The judging stage: claims -> :class:`~verify.outcome.ClaimResult`, then the suite's policy.

Third stage of the engine's pipe (descent -> measure -> judge -> sweeps -> case -> record).

- :func:`judge` resolves each claim's expected values in a
  :class:`~verify.claims.base.Context` and lets the claim decide on its series (a sweep
  claim on its sweep points, which join its evidence), then finds the verdict's
  resolution (:func:`verify.claims.resolution.resolution_of`: the smallest move of the
  expectation that turns it, by re-judging the same series);
- :func:`recording` lets a caller (the mutation check of :mod:`verify.testing`) see each
  :class:`Judgement`, the claim with the series and expected values it was judged on;
- :func:`step_checked` withholds a verdict that moves when the step is halved
  (:func:`verify.dynamics.stepcheck.compare`);
- :func:`apply_policy`: SKIPPED (or UNDECIDED) when an assumption does not hold in a
  normal run; XFAIL for a published counterexample that fails as expected, FAIL for one
  that passes;
- :func:`with_sweep_runs` adds the provenance of a sweep claim's runs.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np

from verify.claims.base import Claim, Context, Series, resolve
from verify.claims.memo import memoizing
from verify.claims.resolution import resolution_of
from verify.dynamics import stepcheck
from verify.errors import TargetFailed
from verify.outcome import ClaimResult, Outcome, Resolution, undecided
from verify.spec import assumptions as asm
from verify.spec.theorem import Theorem

#: Prefix of the series keys of sweep claims: ``sweep:<claim>`` and ``sweep:<claim>:<quantity>``.
SWEEP = "sweep:"


def _sweep_evidence(claim: Any, s: Series, series: Mapping[str, Series]) -> dict[str, Any]:
    """The points of a sweep claim (``x``, ``y`` and its ``show`` quantities) for the report."""
    sw = claim.sweep
    shown = {q: series[f"{s.name}:{q}"].values.tolist()
             for q in claim.show if f"{s.name}:{q}" in series}
    pts = {"x": np.exp(s.log_t).tolist(), "y": s.values.tolist(), "show": shown}
    return {"points": pts, "x_label": sw.x_label or sw.parameter, "seeds": sw.seeds}


@dataclass(frozen=True)
class Judgement:
    """One claim judged: the series and resolved expected values it was judged on, and its
    result (with its resolution), as :func:`recording` hands them over."""

    claim: Claim
    series: Series
    expected: Mapping[str, float | None]
    result: ClaimResult


#: The list :func:`recording` collects judgements into (None outside a recording block).
_RECORDING: ContextVar[list[Judgement] | None] = ContextVar("verify_judgements", default=None)


@contextmanager
def recording() -> Iterator[list[Judgement]]:
    """Collect every :class:`Judgement` of :func:`judge` made inside the block, in order.

    For checks that re-judge a claim on the evidence of a real run (the mutation check of
    :mod:`verify.testing`) without keeping every series in the results; a case run with a
    step check judges twice (at ``eta``, then at ``eta/2``), and ``--backend auto`` once per
    rung, so a block may see a claim more than once.  Outside a block nothing is kept.
    """
    log: list[Judgement] = []
    token = _RECORDING.set(log)
    try:
        yield log
    finally:
        _RECORDING.reset(token)


def _unjudged(claim: Claim, reason: str, diagnostic: bool = False) -> ClaimResult:
    """UNDECIDED before the claim could judge: no resolution (``reason``); flagged diagnostic
    when the claim is one or ``diagnostic`` says so (a claim that does not apply)."""
    return undecided(claim.name, claim.kind, reason).with_resolution(
        Resolution.none(Outcome.UNDECIDED.value, f"not judged: {reason}"),
        claim.diagnostic or diagnostic)


def _judged(claim: Claim, s: Series, expected: Mapping[str, float | None],
            wanted: Callable[[ClaimResult], bool]) -> ClaimResult:
    """The claim's verdict on ``s`` with its resolution when ``wanted(verdict)`` (one memo for
    the fit and the re-judgements, :mod:`verify.claims.memo`)."""
    with memoizing():
        result = claim.evaluate(s, expected)
        resolution = resolution_of(claim, s, expected, result) if wanted(result) else None
    result = result.with_resolution(resolution, claim.diagnostic)
    log = _RECORDING.get()
    if log is not None:
        log.append(Judgement(claim, s, dict(expected), result))
    return result


def _always(result: ClaimResult) -> bool:
    return True


def judge(thm: Theorem, series: Mapping[str, Series], ctx: Context,
          resolved: Callable[[ClaimResult], bool] = _always) -> list[ClaimResult]:
    """Every claim of ``thm`` decided on its series (``sweep:<claim>`` before its quantity),
    each with its :class:`~verify.outcome.Resolution` where ``resolved(verdict)`` says so
    (default: every one; the replicas of :mod:`verify.engine.replicas` skip the PASSes)."""
    results = []
    for claim in thm.claims:
        if not claim.applies_to(ctx.params):
            results.append(_unjudged(claim, "not applicable to this case (the claim's `applies` "
                                            "excludes its parameters); shown, not counted", True))
            continue
        try:
            expected = {k: resolve(v, ctx) for k, v in claim.expected_specs().items()}
        except TargetFailed as exc:
            results.append(_unjudged(claim, f"expected value unavailable: {exc}"))
            continue
        s = series.get(f"{SWEEP}{claim.name}", series.get(claim.quantity))
        if s is None:
            results.append(_unjudged(claim, f"no series for {claim.quantity!r}"))
            continue
        result = _judged(claim, s, expected, resolved)
        if s.name.startswith(SWEEP):
            result = result.with_evidence(**_sweep_evidence(claim, s, series))
        results.append(result)
    return results


def not_run(thm: Theorem, why: str) -> list[ClaimResult]:
    """Every claim UNDECIDED because the run did not happen (``why``)."""
    return [ClaimResult(c.name, c.kind, Outcome.UNDECIDED, why).with_resolution(
        Resolution.none(Outcome.UNDECIDED.value, f"not judged: {why}"), c.diagnostic)
        for c in thm.claims]


def step_checked(results: Sequence[ClaimResult], half: Sequence[ClaimResult]) -> list[ClaimResult]:
    """``results`` compared claim by claim with those of the half-step rerun."""
    by_claim = {r.claim: r for r in half}
    return [stepcheck.compare(r, by_claim.get(r.claim)) for r in results]


def perturb_checked(results: Sequence[ClaimResult],
                    moved: Sequence[ClaimResult]) -> list[ClaimResult]:
    """``results`` compared claim by claim with those of the perturbed-initialization rerun."""
    by_claim = {r.claim: r for r in moved}
    return [stepcheck.compare_perturbed(r, by_claim.get(r.claim)) for r in results]


def _certified(targets: Mapping[str, Any]) -> str:
    """How the case's targets were certified, for an XFAIL reason (a gap is only as good as
    the reference it is measured against)."""
    parts = []
    for t in targets.values():
        if not hasattr(t, "certificate"):
            continue
        worst = max(t.certificate.values(), default=0.0)
        v = t.values
        bracket = (f", value in [{float(v['gamma_network']):.15g}, {float(v['gamma_upper']):.15g}]"
                   if "gamma_network" in v and "gamma_upper" in v else "")
        parts.append(f"{t.name} {t.status}, {'certified' if t.ok else 'NOT certified'} "
                     f"(largest residual {worst:.2g} <= {t.tolerance:.0e}){bracket}")
    return "; targets: " + "; ".join(parts) if parts else ""


def apply_policy(thm: Theorem, result: ClaimResult, audit: tuple, stress: bool,
                 targets: Mapping[str, Any] | None = None) -> ClaimResult:
    """SKIPPED when assumptions fail (normal runs); XFAIL for published counterexamples
    (with the certificates of the targets the failure is measured against).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> thm = SimpleNamespace(expected_failures={"c": "published counterexample"})
    >>> fail = ClaimResult("c", "Limit", Outcome.FAIL, "limit 1 excludes 2")
    >>> apply_policy(thm, fail, (), stress=False).outcome.value
    'XFAIL'
    >>> apply_policy(thm, ClaimResult("c", "Limit", Outcome.PASS, ""), (), False).reason
    'UNEXPECTED PASS of an expected failure (published counterexample)'
    """
    bad = [a for a in audit if a.status is not asm.Status.HOLDS]
    if bad and not stress:  # a violated assumption decides (SKIPPED) over an undecided one
        a = next((a for a in bad if a.status is asm.Status.VIOLATED), bad[0])
        verb = "is violated" if a.status is asm.Status.VIOLATED else "could not be decided"
        note = f": {a.note}" if a.note else ""
        reason = f"assumption {a.name!r} {verb} (slack {a.slack:.4g}){note}"
        outcome = Outcome.SKIPPED if a.status is asm.Status.VIOLATED else Outcome.UNDECIDED
        return result.with_outcome(outcome, reason)
    why = thm.expected_failures.get(result.claim)
    if why is None:
        return result
    if result.outcome is Outcome.FAIL:
        return result.with_outcome(Outcome.XFAIL, f"expected failure ({why}); observed: "
                                   f"{result.reason}{_certified(targets or {})}")
    if result.outcome is Outcome.PASS:
        return result.with_outcome(Outcome.FAIL, f"UNEXPECTED PASS of an expected failure ({why})")
    return result


def with_sweep_runs(results: Sequence[ClaimResult],
                    runs: Mapping[str, Mapping[str, Any]]) -> list[ClaimResult]:
    """``results`` with ``evidence["sweep_runs"]``, the provenance of each sweep claim's runs."""
    return [r.with_evidence(sweep_runs=dict(runs[r.claim])) if r.claim in runs else r
            for r in results]
