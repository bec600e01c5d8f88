"""Certified gradient descent in arb ball arithmetic (backend ``"arb"``).

Every iterate is a ball enclosure of the *exact-arithmetic* GD iterate started from the
float64 data and initialization converted exactly (:mod:`verify.dynamics.arbnet`). The step size is the
nominal ``eta`` (``log eta`` is not rounded to float64 first, unlike
:meth:`verify.dynamics.gd.StepRule.log_eta`). Where a ReLU pre-activation ball straddles 0, the
activation pattern -- hence the exact trajectory -- is not decided by the computation. Then

1. the step is retried from the same iterate at doubled precision (helps when the radius comes
   from this step's rounding), then
2. the run is replayed from step 0 at that precision (helps when the radius is inherited),

doubling up to ``max_prec`` bits (the run then continues at the raised precision, recorded in
:attr:`BallState.prec`); if still undecided, :class:`UndecidedSign` is raised (never a
silent branch). A pre-activation that is *exactly* 0 is decided by the Clarke convention
``phi'(0) = 1`` of :mod:`verify.problem.models` and reported in :attr:`BallState.ties`.

The same retries apply when the ``log L`` ball is wider than ``loss_tol`` (:class:`PrecisionLost`
at the cap). Componentwise balls overestimate (the wrapping effect: ``rad(theta - eta g)``
adds ``eta rad(g)`` even where the GD map contracts). Radii then grow like
``prod_t (1 + eta ||H_t||)`` instead of ``prod_t ||I - eta H_t||``: slowly for the two-layer
benchmark net (docs/numerics.md A4; 1e-31 after 1e5 steps at (20,200,50)), but geometrically
near the edge of stability ``eta ~ 2/beta`` (the soudry2018-linear quick case loses all digits in ~2400
steps at 128 bits) and for normalized steps (docs/numerics.md B). :func:`certified_run` records the
radii per checkpoint.

References
----------
F. Johansson, "Arb: efficient arbitrary-precision midpoint-radius interval arithmetic",
IEEE Trans. Computers 66(8) (2017). S. M. Rump, "Verification methods: rigorous results using
floating-point arithmetic", Acta Numerica 19 (2010).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from flint import arb, arb_mat, ctx

from verify.dynamics import arbnet
from verify.dynamics.arbnet import Blur, Consts, Evaluation, Iterate, NetSpec, Straddle, Wide
from verify.errors import UserError
from verify.dynamics.gd import State, StepRule
from verify.problem.losses import Loss
from verify.problem.models import Model
from verify.dynamics.trajectory import StopRule, Trajectory, record


class Uncertified(Exception):
    """The balls no longer decide the next step, up to the precision cap: UNDECIDED from ``step`` on.

    Attributes: ``step`` and ``prec`` (the highest precision tried, bits).
    """

    def __init__(self, step: int, prec: int, message: str) -> None:
        self.step, self.prec = step, prec
        super().__init__(message)


class UndecidedSign(Uncertified):
    """A ReLU sign that no precision up to the cap decides.

    Extra attributes: ``neuron``, ``sample`` and ``ball`` (the last ``<w_neuron, x_sample>``
    ball, as text).
    """

    def __init__(self, step: int, straddle: Straddle, prec: int) -> None:
        self.neuron, self.sample, self.ball = straddle.neuron, straddle.sample, str(straddle.ball)
        super().__init__(step, prec, f"sign of <w_{self.neuron}, x_{self.sample}> undecidable at "
                         f"step {step}: {self.ball} contains 0 at {prec} bits")


class PrecisionLost(Uncertified):
    """The ``log L`` ball outgrew its tolerance (or became infinite) at every precision tried."""

    def __init__(self, step: int, wide: Wide, prec: int) -> None:
        self.ball = str(wide.ball)
        super().__init__(step, prec, f"ball radii outgrew the tolerance at step {step}: "
                         f"log L = {self.ball} at {prec} bits")


@dataclass
class BallState(State):
    """A :class:`~verify.dynamics.gd.State` with float64 midpoints in ``params`` and the balls behind them.

    ``f`` and ``a`` are midpoints rounded to float64; ``W`` (or ``w``) is :class:`Rendered`
    (formed in float64 within a few ulps; ``ArbBall.to_float`` rounds the ball midpoint
    correctly); ``prec`` is the working precision of the step;
    ``ties`` the ``(neuron, sample)`` pairs whose pre-activation is exactly 0.
    """

    prec: int = 0
    ties: tuple[tuple[int, int], ...] = ()
    balls: Any = field(default=None, repr=False)

    def enclosure(self) -> dict[str, arb_mat]:
        """Balls of the trained arrays (``'W'``/``'a'``, or ``'w'`` for the linear model)."""
        spec, c, it = self.balls
        with ctx.workprec(self.prec):
            W = c.W0 + it.C * c.X
        if spec.linear:
            return {"w": W}
        return {"W": W, "a": it.a} if spec.train_outer else {"W": W}

    def radii(self) -> dict[str, float]:
        """``max_rad`` (largest radius, rounded to float64), ``rel_rad`` (over the largest
        ``|midpoint|``) and ``min_bits`` (worst relative accuracy of an inexact entry, ``inf`` if
        all are exact) of :meth:`enclosure`."""
        entries = [e for M in self.enclosure().values() for e in M.entries()]
        rad = max(float(e.rad()) for e in entries)
        big = max(abs(float(e.mid())) for e in entries)
        bits = [e.rel_accuracy_bits() for e in entries if not e.is_exact()]
        return {"max_rad": rad, "rel_rad": rad / big if big else 0.0,
                "min_bits": float(min(bits)) if bits else math.inf}


class Rendered(np.ndarray):
    """Ball midpoints formed in float64 (within a few ulps: cheap, for per-step scalars).

    :meth:`ArbBall.to_float` (called by :func:`verify.dynamics.trajectory.record` at checkpoints) replaces
    them by the correctly rounded midpoints, ``exact()``; arrays derived from this one by numpy
    operations carry ``exact = None``.
    """

    exact: Callable[[], np.ndarray] | None = None

    @classmethod
    def of(cls, values: np.ndarray, exact: Callable[[], np.ndarray]) -> Rendered:
        """``values`` viewed as :class:`Rendered` with the thunk ``exact``."""
        out = np.asarray(values, dtype=float).view(cls)
        out.exact = exact
        return out


def _midpoints_W(c: Consts, it: Iterate, prec: int) -> np.ndarray:
    """Midpoints of the ball ``W_0 + C X`` rounded to float64 (``O(m n d)`` ball products)."""
    with ctx.workprec(prec):
        return arbnet.floats(c.W0 + it.C * c.X)


class _Engine:
    """The iterate with its constants at one precision."""

    def __init__(self, spec: NetSpec, data: tuple, it: Iterate, prec: int, cache: dict) -> None:
        self.spec, self.data, self.it, self.prec, self.cache = spec, data, it, prec, cache
        if prec not in cache:
            X, y, W0 = data
            cache[prec] = Consts.build(X, y, W0, prec)
        self.c: Consts = cache[prec]

    def evaluate(self) -> Evaluation:
        with ctx.workprec(self.prec):
            return arbnet.evaluate(self.spec, self.c, self.it)

    def advance(self, ev: Evaluation) -> None:
        with ctx.workprec(self.prec):
            self.it = arbnet.advance(self.spec, self.it, ev)

    def at(self, prec: int, it: Iterate) -> _Engine:
        return _Engine(self.spec, self.data, it, prec, self.cache)

    def state(self, ev: Evaluation) -> BallState:
        spec, c, it = self.spec, self.c, self.it
        W = Rendered.of(c.W0f + arbnet.floats(it.C) @ c.Xf, lambda: _midpoints_W(c, it, self.prec))
        if spec.linear:
            params = {"w": Rendered.of(W[0], lambda: _midpoints_W(c, it, self.prec)[0])}
        else:
            params = {"W": W, "a": arbnet.floats(it.a)[:, 0]}
        log_t = float(it.t.log()) if it.step > 0 else -math.inf
        return BallState(it.step, log_t, params, arbnet.floats(ev.f), float(ev.log_loss),
                         float(ev.log_eta), arbnet.grad_norm_log(spec, c, it, ev),
                         prec=self.prec, ties=tuple(ev.ties), balls=(spec, c, it))


def _replayed(eng: _Engine, prec: int, it0: Iterate) -> _Engine:
    """A fresh engine at ``prec`` brought from step 0 to ``eng``'s step (may raise Straddle)."""
    new = eng.at(prec, it0)
    while new.it.step < eng.it.step:
        new.advance(new.evaluate())
    return new


def _decide(eng: _Engine, it0: Iterate, max_prec: int) -> tuple[_Engine, Evaluation]:
    """Evaluate the step, raising the precision as the module docstring describes."""
    try:
        return eng, eng.evaluate()
    except Blur as exc:
        last = exc
    prec = eng.prec
    while 2 * prec <= max_prec:
        prec *= 2
        for replay in (False, True):
            try:
                cand = _replayed(eng, prec, it0) if replay else eng.at(prec, eng.it)
                return cand, cand.evaluate()
            except Blur as exc:
                last = exc
    if isinstance(last, Straddle):
        raise UndecidedSign(eng.it.step, last, prec)
    raise PrecisionLost(eng.it.step, last, prec)


def certified_descent(model: Model, loss: Loss, X: np.ndarray, y: np.ndarray,
                      params0: Mapping[str, np.ndarray], rule: StepRule, prec: int = 128,
                      max_prec: int = 512, loss_tol: float = 1e-8) -> Iterator[BallState]:
    """Yield certified GD states forever (like :func:`verify.dynamics.gd.gradient_descent`).

    Parameters
    ----------
    model, loss, X, y, params0, rule
        As for :func:`verify.dynamics.gd.gradient_descent`; ``Linear`` or ``TwoLayer`` (full
        coordinates), logistic or exponential loss, any :class:`~verify.dynamics.gd.StepRule`.
    prec, max_prec
        Working precision in bits and the cap of the retries.
    loss_tol
        Largest radius of the ``log L`` ball accepted (the midpoints that quantities see are
        then about that accurate); beyond it the step is retried like a sign.

    Yields
    ------
    BallState
        The iterate after ``step`` updates.

    Raises
    ------
    UndecidedSign, PrecisionLost
        When the step after the last yielded state cannot be decided (see module docstring).
    """
    spec = arbnet.net_spec(model, loss, rule, loss_tol)
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    W0, it0 = arbnet.start(spec, params0, len(y))
    eng = _Engine(spec, (X, y, W0), it0, prec, {})
    while True:
        eng, ev = _decide(eng, it0, max_prec)
        yield eng.state(ev)
        eng.advance(ev)


def _to_float(a: Any) -> Any:
    if isinstance(a, Rendered) and a.exact is not None:
        return a.exact()
    if isinstance(a, arb_mat):
        return arbnet.floats(a)
    if isinstance(a, arb):
        return float(a)
    return np.asarray(a, dtype=float)


@dataclass(frozen=True)
class ArbBall:
    """Backend ``"arb"``: GD runs through :func:`certified_descent` (no generic arithmetic).

    Parameters
    ----------
    prec, max_prec, loss_tol
        As for :func:`certified_descent`.
    """

    prec: int = 128
    max_prec: int = 512
    loss_tol: float = 1e-8
    name: str = "arb"

    def __post_init__(self) -> None:
        if not 30 <= self.prec <= self.max_prec <= 1 << 16:
            raise UserError(f"arb precision {self.prec} (cap {self.max_prec}) must satisfy "
                            "30 <= prec <= max_prec <= 65536")

    @property
    def precision(self) -> str:
        """Human-readable precision."""
        return f"arb balls, {self.prec} bits (sign retries up to {self.max_prec})"

    @property
    def digits(self) -> float:
        """Decimal digits of the working precision (the balls say how many are certified)."""
        return self.prec * math.log10(2.0)

    def to_float(self, a: Any) -> Any:
        """Midpoints rounded to float64 (correctly, for :class:`Rendered`; float arrays pass)."""
        return _to_float(a)

    def descend(self, model: Model, loss: Loss, X: np.ndarray, y: np.ndarray,
                params0: Mapping[str, np.ndarray], rule: StepRule) -> Iterator[BallState]:
        """The GD iterator for this backend (see :func:`certified_descent`)."""
        return certified_descent(model, loss, X, y, params0, rule, self.prec, self.max_prec,
                                 self.loss_tol)


@dataclass(frozen=True)
class CertifiedRun:
    """A :class:`~verify.dynamics.trajectory.Trajectory` plus what the balls certify.

    ``radii[j]`` belongs to ``trajectory.checkpoints[j]`` (keys ``step``, ``prec`` and those of
    :meth:`BallState.radii`); ``ties`` lists ``(step, neuron, sample)`` exact zeros decided by
    the Clarke convention; ``undecided`` is the :class:`Uncertified` (:class:`UndecidedSign` or
    :class:`PrecisionLost`) that ended the run early (then ``trajectory.stopped`` starts with
    ``UNDECIDED``), else ``None``.
    """

    trajectory: Trajectory
    radii: tuple[dict[str, float], ...]
    ties: tuple[tuple[int, int, int], ...]
    undecided: Uncertified | None


def certified_run(model: Model, loss: Loss, X: np.ndarray, y: np.ndarray,
                  params0: Mapping[str, np.ndarray], rule: StepRule, schedule: np.ndarray,
                  stop: StopRule, be: ArbBall = ArbBall(),
                  progress: Callable[[int, int], None] | None = None) -> CertifiedRun:
    """Run :func:`certified_descent` through :func:`verify.dynamics.trajectory.record`; see :class:`CertifiedRun`."""
    box: dict[str, Any] = {"ties": [], "states": {}}
    wanted = {int(k) for k in schedule} | {0}

    def tap() -> Iterator[BallState]:
        try:
            for st in be.descend(model, loss, X, y, params0, rule):
                box["ties"] += [(st.step, k, i) for k, i in st.ties]
                box["last"] = st
                if st.step in wanted:
                    box["states"][st.step] = st
                yield st
        except Uncertified as exc:
            box["undecided"] = exc

    traj = record(tap(), model, np.asarray(y, dtype=float), be, schedule, stop, progress)
    if "last" not in box:  # undecided before the first state: there is no trajectory
        raise box["undecided"]
    box["states"].setdefault(box["last"].step, box["last"])
    radii = tuple({"step": c.step, "prec": box["states"][c.step].prec,
                   **box["states"][c.step].radii()} for c in traj.checkpoints)
    exc = box.get("undecided")
    if exc is not None:
        traj = replace(traj, stopped=f"UNDECIDED: {exc}")
    return CertifiedRun(traj, radii, tuple(box["ties"]), exc)
