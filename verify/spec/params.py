"""Typed, range-checked parameters: the schema cases are validated against (spec layer).

A bad value is a :class:`~verify.errors.UserError` naming the parameter, the value and
the allowed range (exit code 2 at the CLI), never a silent clamp.

The validated parameters of a case come in two kinds, handed to different readers:

- the *run settings* (:class:`RunSettings`): how the engine runs and checks the
  trajectory (horizon, checkpoints, arithmetic, audit, step rule); no theorem callable
  reads them;
- the *problem parameters* (:class:`FrozenParams`): the theorem's own parameters plus the
  engine parameters that define the problem, :data:`PROBLEM` (seed, step size,
  initialization scale, loss).  These are what the theorem's callables receive.

Both are views of one validated mapping, which stays the case's identity (label, hash,
``params`` in results.json).
"""
from __future__ import annotations

import math
from dataclasses import MISSING, dataclass, fields
from typing import Any, Iterator, Mapping

from verify.arith.backends import backend_names
from verify.dynamics.gd import STEP_RULES
from verify.errors import UserError
from verify.problem.losses import LOSSES, REDUCTIONS


@dataclass(frozen=True)
class Param:
    """One parameter: type, default, allowed range or choices, and meaning.

    Examples
    --------
    >>> Param(float, 0.1, low=0.0, doc="step").check("eta", 0.5)
    0.5
    """

    type: type
    default: Any
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] | None = None
    doc: str = ""
    low_open: bool = True

    def check(self, name: str, value: Any) -> Any:
        """Return ``value`` converted to the type, or raise a UserError saying what is allowed."""
        value = self._convert(name, value)
        if self.choices is not None and value not in self.choices:
            raise UserError(f"{name}={value!r} is not allowed; choose one of {list(self.choices)}")
        if self.type in (int, float):
            if not math.isfinite(value):
                raise UserError(f"{name}={value} must be finite")
            if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
                rel = ">" if self.low_open else ">="
                raise UserError(f"{name}={value} is out of range; it must be {rel} {self.low}")
            if self.high is not None and value > self.high:
                raise UserError(f"{name}={value} is out of range; it must be <= {self.high}")
        return value

    def _convert(self, name: str, value: Any) -> Any:
        if self.type is bool:
            if isinstance(value, bool):
                return value
            raise UserError(f"{name}={value!r} must be true or false")
        if self.type is int and isinstance(value, float) and value.is_integer():
            value = int(value)
        if self.type is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, self.type) or isinstance(value, bool):
            raise UserError(f"{name}={value!r} must be of type {self.type.__name__}")
        return value


#: Parameters every theorem has (a theorem may override their defaults).
ENGINE_PARAMETERS: Mapping[str, Param] = {
    "seed": Param(int, 0, low=0, low_open=False, doc="seed of data and initialization"),
    "steps": Param(int, 10_000, low=1, low_open=False, high=10**8, doc="maximum GD steps"),
    "eta": Param(float, 0.1, low=0.0, doc="step size (base step of the rule)"),
    "step_rule": Param(str, "constant", choices=STEP_RULES, doc="constant | normalized | lyu-li"),
    "max_log_t": Param(float, 1e300, low=0.0, doc="stop when log t exceeds this"),
    "stop_loss": Param(float, 0.0, low=0.0, low_open=False,
                       doc="stop once the training loss is below this (0: never)"),
    "checkpoints": Param(int, 60, low=4, low_open=False, high=10_000, doc="log-spaced checkpoints"),
    "sigma0": Param(float, 0.1, low=0.0, doc="initialization scale"),
    "loss": Param(str, "logistic", choices=tuple(LOSSES), doc="loss function"),
    "reduction": Param(str, "sum", choices=REDUCTIONS, doc="sum or mean over samples"),
    "backend": Param(str, "float64", choices=(*backend_names(), "auto"),
                     doc="trajectory arithmetic (auto: verify.engine.autobackend)"),
    "coords": Param(str, "full", choices=("full", "span"),
                    doc="two-layer W in full or data-span coordinates (verify.dynamics.span)"),
    "kernel": Param(str, None, choices=("numba", "numpy"),
                    doc="float64 step code: numba (fused compiled kernel) or numpy (array "
                        "operations, BLAS); none: numba when installed (verify.dynamics.compiled)"),
    "dps": Param(int, 40, low=10, low_open=False, high=10_000, doc="mpmath digits"),
    "step_check": Param(bool, False, doc="rerun at eta/2 (same horizon); a verdict that moves is withheld"),
    "perturb_check": Param(bool, None,
                           doc="rerun from the initialization moved by <= 4 ulps; a verdict that "
                               "moves is withheld (verify.dynamics.stepcheck)"),
    "seeds": Param(int, None, low=1, low_open=False, high=100,
                   doc="independent seeds the claims are judged on (none: 1); a claim PASSes "
                       "only if it PASSes on every seed (verify.engine.replicas)"),
    "audit_steps": Param(int, 200, low=0, low_open=False, doc="steps per mpmath audit window"),
    "budget_s": Param(float, None, low=0.0,
                      doc="wall-time budget of a case in seconds (none: unlimited); once spent, "
                          "the run ends and every claim is UNDECIDED (verify.engine.budget)"),
}


def validate(schema: Mapping[str, Param], values: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Defaults overlaid with ``values``; unknown keys and bad values are UserErrors.

    A parameter whose default is None (e.g. ``budget_s``) is absent unless given, so a
    case that does not set it keeps its identity (label, hash, record) when one is added.
    """
    unknown = sorted(set(values) - set(schema))
    if unknown:
        raise UserError(
            f"{where}: unknown key {unknown[0]!r}; known keys are {', '.join(sorted(schema))}"
        )
    out = {k: p.default for k, p in schema.items() if p.default is not None}  # None: unset
    for k, v in values.items():
        out[k] = schema[k].check(k, v)
    return out


#: Engine parameters that define the problem (what theorem callables read), not the run.
PROBLEM = ("seed", "eta", "sigma0", "loss", "reduction")


@dataclass(frozen=True)
class RunSettings:
    """How the engine runs a case: the engine parameters outside :data:`PROBLEM`.

    Each field is the validated value of the engine parameter of the same name (see
    :data:`ENGINE_PARAMETERS` for meanings and ranges; a theorem may override a default).

    Examples
    --------
    >>> p = validate(ENGINE_PARAMETERS, {"steps": 500}, "example")
    >>> s = RunSettings.of(p)
    >>> s.steps, s.backend, s.step_check
    (500, 'float64', False)
    >>> set(RunSettings.names()) | set(PROBLEM) == set(ENGINE_PARAMETERS)
    True
    """

    steps: int
    step_rule: str
    max_log_t: float
    stop_loss: float
    checkpoints: int
    backend: str
    coords: str
    dps: int
    step_check: bool
    audit_steps: int
    budget_s: float | None = None
    perturb_check: bool | None = None
    seeds: int | None = None
    kernel: str | None = None

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The settings' parameter names."""
        return tuple(f.name for f in fields(cls))

    @classmethod
    def of(cls, params: Mapping[str, Any]) -> RunSettings:
        """The settings of validated ``params``; a missing one is a ValueError."""
        missing = [f.name for f in fields(cls) if f.name not in params and f.default is MISSING]
        if missing:
            raise ValueError(f"parameters lack the run settings {missing}; validate them against "
                             "the theorem's schema first")
        return cls(**{k: params[k] for k in cls.names() if k in params})


class FrozenParams(Mapping[str, Any]):
    """An immutable, picklable mapping of parameter values (insertion order kept).

    Examples
    --------
    >>> p = FrozenParams({"n": 8, "eta": 0.1})
    >>> p["n"], list(p), p == {"n": 8, "eta": 0.1}
    (8, ['n', 'eta'], True)
    >>> p["n"] = 9
    Traceback (most recent call last):
    ...
    TypeError: 'FrozenParams' object does not support item assignment
    """

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Any] = ()) -> None:
        object.__setattr__(self, "_values", dict(values))

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __reduce__(self) -> tuple:
        return (type(self), (self._values,))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._values!r})"


def problem_params(params: Mapping[str, Any]) -> FrozenParams:
    """The problem parameters of validated ``params``: everything but the run settings.

    Examples
    --------
    >>> sorted(problem_params(validate(ENGINE_PARAMETERS, {}, "example")))
    ['eta', 'loss', 'reduction', 'seed', 'sigma0']
    """
    settings = set(RunSettings.names())
    return FrozenParams({k: v for k, v in params.items() if k not in settings})
