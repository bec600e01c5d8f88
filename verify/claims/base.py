"""What every claim shares: the series it reads and the expected value it compares with.

A claim is a declaration (frozen dataclass) in a theorem module; ``evaluate`` turns the
recorded series of its quantity into a :class:`~verify.outcome.ClaimResult`.  Claims
only ever return PASS, FAIL or UNDECIDED; the runner turns FAIL into XFAIL for
expected failures and any result into SKIPPED when the assumptions do not hold.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Union

import numpy as np

from verify.outcome import ClaimResult

#: How many digits of a quantity are trusted when no precision audit is available.
FLOAT64_DIGITS = 15.0


@dataclass(frozen=True)
class Series:
    """A quantity recorded along one trajectory.

    Parameters
    ----------
    name
        Name of the quantity.
    log_t
        Natural log of the (gradient-flow) time ``t = sum_s eta_s`` at each point,
        strictly increasing.  Log time, because loss-normalized steps make ``t``
        overflow any float.
    values
        The quantity at each point; NaN where it could not be computed.
    digits
        Decimal digits of ``values`` confirmed by the precision audit (``None``: not
        audited, :data:`FLOAT64_DIGITS` is assumed).
    note
        Why values are missing (e.g. the target's failure), used as an UNDECIDED reason.
    log_eta
        Log of the step size at each point (for claims whose evidence derives from it), or
        None; kept as a log because loss-normalized steps exceed the float range.
    log_grad_norm
        Log of the gradient norm at each point (per-step series), or None: with ``log_eta``
        it gives the length ``eta_k ||grad L(theta_k)||`` of the step leaving the point
        (:class:`~verify.claims.monotone.Monotone`'s tolerance).
    """

    name: str
    log_t: np.ndarray
    values: np.ndarray
    digits: float | None = None
    note: str = ""
    log_eta: np.ndarray | None = None
    log_grad_norm: np.ndarray | None = None

    def __post_init__(self) -> None:
        lt = np.asarray(self.log_t, dtype=float)
        v = np.asarray(self.values, dtype=float)
        if lt.shape != v.shape or lt.ndim != 1:
            raise ValueError(f"series {self.name!r}: log_t {lt.shape} and values {v.shape} differ")
        object.__setattr__(self, "log_t", lt)
        object.__setattr__(self, "values", v)
        if self.log_eta is not None:
            object.__setattr__(self, "log_eta", np.asarray(self.log_eta, dtype=float))
        if self.log_grad_norm is not None:
            object.__setattr__(self, "log_grad_norm",
                               np.asarray(self.log_grad_norm, dtype=float))

    @property
    def trusted_digits(self) -> float:
        """Digits to trust: the audited ones, else float64's."""
        return FLOAT64_DIGITS if self.digits is None else float(self.digits)

    def precision_floor(self, scale: Any) -> Any:
        """Absolute uncertainty of a value of size ``scale`` from limited digits (a number,
        or an array of them elementwise)."""
        return abs(scale) * 10.0 ** (-self.trusted_digits) + np.finfo(float).tiny

    def after(self, log_t0: float) -> "Series":
        """The part of the series with ``log_t >= log_t0``."""
        keep = self.log_t >= log_t0
        log_eta = None if self.log_eta is None else self.log_eta[keep]
        log_grad = None if self.log_grad_norm is None else self.log_grad_norm[keep]
        return Series(self.name, self.log_t[keep], self.values[keep], self.digits, self.note,
                      log_eta, log_grad)


@dataclass(frozen=True)
class Context:
    """What expected values are computed from: targets, parameters, data, run facts.

    ``targets`` maps target names to :class:`verify.targets.base.Target`; ``values``
    holds named scalars the runner computed (e.g. ``"onset_log_t"``).
    """

    params: Mapping[str, Any]
    targets: Mapping[str, Any] = field(default_factory=dict)
    dataset: Any = None
    values: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Expected:
    """An expected value that comes from the run: a label for reports and a function.

    Examples
    --------
    >>> e = Expected(r"\\gamma_{lin}", lambda c: c.params["g"])
    >>> e.resolve(Context(params={"g": 0.5}))
    0.5
    """

    label: str
    fn: Callable[[Context], float]

    def resolve(self, ctx: Context) -> float:
        """Evaluate; may raise :class:`verify.errors.TargetFailed`."""
        return float(self.fn(ctx))


ExpectedSpec = Union[float, int, Expected, None]


def resolve(spec: ExpectedSpec, ctx: Context) -> float | None:
    """Turn a declared expected value into a number (None stays None)."""
    if spec is None:
        return None
    if isinstance(spec, Expected):
        return spec.resolve(ctx)
    return float(spec)


def label_of(spec: ExpectedSpec) -> str:
    """LaTeX label of an expected value, for reports."""
    if isinstance(spec, Expected):
        return spec.label
    return "" if spec is None else f"{spec:g}"


@dataclass(frozen=True)
class Claim:
    """Base of all claim kinds.

    Parameters
    ----------
    name
        Identifier, unique within the theorem (used in rows and ``expected_failures``).
    quantity
        Name of the theorem quantity the claim reads.
    statement
        The claim in LaTeX, as the report prints it.
    reading
        True when this is the suite's formalization rather than the published statement.
    show
        Further quantities drawn beside this one in the claim's plot (on a second axis),
        e.g. the ratio whose limit the claim decides through its decomposition.  They do
        not enter the verdict.
    sweep
        A :class:`verify.spec.sweep.Sweep`: the claim is judged on one point per run of the
        sweep (the quantity at the end of each run, against ``log x``) instead of on the
        case's trajectory, e.g. a Scaling law, or a Bound that must hold at every value.
    diagnostic
        The claim is shown but is not a verdict: its row is flagged ``diagnostic``, it is
        left out of the outcome totals and the exit code, and the mutation check
        (:func:`verify.testing.check_mutation`) does not require a finite resolution of it.
        For a claim whose verdict cannot turn FAIL on its default profile whatever its
        expectation says (:mod:`verify.claims.resolution`).
    applies
        The cases the claim speaks about, as a predicate of the case's parameters (None:
        every case), e.g. a gradient-flow claim stated for a homogeneous activation only.
        On another case the claim is not judged: its row reads UNDECIDED "not applicable to
        this case" and is flagged ``diagnostic`` (shown, not counted).
    """

    name: str
    quantity: str
    statement: str = ""
    reading: bool = False
    show: tuple[str, ...] = ()
    sweep: Any = None
    diagnostic: bool = False
    applies: Callable[[Mapping[str, Any]], bool] | None = None

    def applies_to(self, params: Mapping[str, Any]) -> bool:
        """Whether the claim speaks about a case with these parameters (see ``applies``)."""
        return self.applies is None or bool(self.applies(params))

    @property
    def kind(self) -> str:
        """Kind name shown in reports (the class name)."""
        return type(self).__name__

    def expected_specs(self) -> Mapping[str, ExpectedSpec]:
        """Declared expected values by field name, resolved by the runner."""
        return {}

    def evaluate(self, series: Series, expected: Mapping[str, float | None]) -> ClaimResult:
        """Judge the claim on ``series``; ``expected`` holds the resolved specs."""
        raise NotImplementedError

