"""Recording a float64 GD run through the fused kernel of :mod:`verify.dynamics.kernel`.

:func:`record_compiled` is :func:`verify.dynamics.trajectory.record` of
:func:`verify.dynamics.gd.gradient_descent` for the models and losses the kernel knows
(:func:`compilable`): the same schedule, stop rules, checkpoints and per-step scalars, with the
per-step Python work gone.  The kernel runs until the next checkpoint or for at most
:data:`CHUNK` steps; between calls the driver keeps the checkpoint, reports progress and
checks the wall-clock deadline (so a deadline ends a run within one chunk).

Which arithmetic ran is part of the record: :func:`kernel_name` resolves the ``kernel`` run
setting (``numba``, ``numpy``, or unset: numba when it is installed), and the trajectory
carries it (``Trajectory.kernel``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np

from verify.dynamics import kernel as kn
from verify.dynamics.compensated import Float64DD
from verify.arith.backends import Backend, Float64
from verify.dynamics.gd import StepRule, gradient_descent
from verify.dynamics.span import SpanTwoLayer
from verify.dynamics.trajectory import (FIRST_ROWS, SCALARS, Checkpoint, ScalarLog, StopRule,
                                        Trajectory, current_deadline, out_of_time, record)
from verify.errors import UserError
from verify.problem.losses import Exponential, Logistic, Loss, Squared
from verify.problem.models import Linear, Model, TwoLayer

#: Backends the fused kernel computes (``f64dd``: with a double-word iterate).
COMPILED_BACKENDS = ("float64", "f64dd")
#: Most steps per kernel call (the deadline and the progress bar are looked at in between).
CHUNK = 4096

_LOSS_CODES = {Logistic: 0, Exponential: 1, Squared: 2}
_RULE_CODES = {"constant": 0, "normalized": 1, "lyu-li": 2, "log-normalized": 2}


def kernel_name(setting: str | None) -> str:
    """The kernel a run uses: ``setting`` if given, else numba when installed, else numpy.

    Examples
    --------
    >>> kernel_name("numpy")
    'numpy'
    >>> kernel_name(None) == ("numba" if kn.COMPILED else "numpy")
    True
    """
    if setting == "numba" and not kn.COMPILED:
        raise UserError("kernel=numba needs numba, which is not installed; "
                        "pip install numba, or set kernel=numpy")
    if setting is None:
        return "numba" if kn.COMPILED else "numpy"
    return setting


def compilable(model: Model, loss: Loss) -> bool:
    """Whether the fused kernel computes ``model`` on ``loss`` (an exact :class:`Linear`, or a
    :class:`TwoLayer` whose class keeps the base mathematics; a loss of the three built-in
    classes)."""
    return (type(loss) in _LOSS_CODES and model.batches
            and (isinstance(model, Linear) or isinstance(model, TwoLayer)))


def _layout(model: Model, params0: Mapping[str, np.ndarray]
            ) -> tuple[np.ndarray, np.ndarray, list[int], float, float]:
    """The kernel's ``W``, ``a``, model codes, ``alpha`` and output scale."""
    if isinstance(model, Linear):
        w = np.array(params0["w"], dtype=float)
        return w.reshape(1, -1).copy(), np.zeros(1), [0, 0], 0.0, 1.0
    tl: Any = model
    return (np.array(params0["W"], dtype=float, order="C"), np.array(params0["a"], dtype=float),
            [1, int(tl.train_outer)], float(tl.alpha), tl.output_scale)


def _params(model: Model, W: np.ndarray, a: np.ndarray) -> dict[str, np.ndarray]:
    """Copies of the current parameters, named as the model names them."""
    return {"w": W[0].copy()} if isinstance(model, Linear) else {"W": W.copy(), "a": a.copy()}


def _codes(model_codes: list[int], loss: Loss, rule: StepRule, compensated: bool) -> np.ndarray:
    kind, train_outer = model_codes
    return np.array([kind, _LOSS_CODES[type(loss)], _RULE_CODES[rule.rule],
                     int(loss.reduction == "mean"), train_outer, int(compensated)], dtype=np.int64)


def _consts(alpha: float, scale: float, rule: StepRule, stop: StopRule, w0_sq: float) -> np.ndarray:
    base = float(np.log(float(rule.eta)))  # log eta as StepRule.log_eta takes it
    return np.array([alpha, scale, base, rule.log_power, stop.max_log_t, stop.min_log_loss, w0_sq])


@dataclass(frozen=True)
class Coordinates:
    """What the kernel computes in: its data ``X`` and pre-activation offset ``Z0``, the norm's
    cross term ``P`` and constant ``w0_sq``, and the map from its ``W`` to the model's
    parameters (full coordinates: the identity; data-span coordinates,
    :mod:`verify.dynamics.span`: ``W = W0 + B Q`` from ``B``)."""

    X: np.ndarray
    Z0: np.ndarray
    P: np.ndarray
    w0_sq: float
    to_params: Callable[[np.ndarray, np.ndarray], dict[str, np.ndarray]]
    W: np.ndarray


def _frozen(a: np.ndarray) -> np.ndarray:
    """``a`` as a read-only C-contiguous float64 array (a view when it already is one).

    The kernel's read-only operands are always passed read-only: numba compiles one
    specialization per writeable flag, so a caller's writable ``X`` would cost a second
    compilation (about 2 s a process)."""
    a = np.ascontiguousarray(a, dtype=float)
    if a.flags.writeable:
        a = a.view()
        a.flags.writeable = False
    return a


def _coordinates(model: Model, X: np.ndarray, params0: Mapping[str, np.ndarray], W: np.ndarray,
                 span: bool) -> Coordinates:
    X = _frozen(X)
    if not span:
        return Coordinates(X, _frozen(np.zeros((len(X), W.shape[0]))), _frozen(np.zeros((0, 0))),
                           0.0, lambda W_, a_: _params(model, W_, a_), W)
    sm = SpanTwoLayer(model, X, np.asarray(params0["W"], dtype=float))
    c = sm.consts(Float64())
    B = np.zeros((W.shape[0], len(X)))
    return Coordinates(_frozen(c.L), _frozen(c.P0T), _frozen(c.P), float(c.w0_sq),
                       lambda B_, a_: {"W": c.W0 + B_ @ c.Q, "a": a_.copy()}, B)


def record_compiled(model: Model, loss: Loss, X: np.ndarray, y: np.ndarray,
                    params0: Mapping[str, np.ndarray], rule: StepRule, schedule: np.ndarray,
                    stop: StopRule, progress: Callable[[int, int], None] | None = None,
                    span: bool = False, backend: str = "float64") -> Trajectory:
    """Record GD from ``params0`` with the fused kernel (full coordinates, or the data-span
    coordinates of :mod:`verify.dynamics.span` with ``span``: the same iterates in ``O(m n^2)``
    a step, checkpoints kept as the full ``W = W0 + B Q``), in ``backend`` ``float64`` or
    ``f64dd`` (:mod:`verify.dynamics.compensated`: float64 gradient, double-word iterate and
    ``log t``; checkpoints keep the high words, as that backend's numpy path records them).

    Parameters
    ----------
    model, loss
        A pair :func:`compilable` accepts.
    X, y
        Float64 data.
    params0
        Initial parameters.
    rule
        Step size rule.
    schedule
        Checkpoint steps (state 0 is always kept).
    stop
        Stop rule (the deadline of :func:`verify.dynamics.trajectory.wall_deadline` is obeyed).
    progress
        ``progress(k, max_steps)`` after every kernel call.

    Returns
    -------
    Trajectory
        As :func:`verify.dynamics.trajectory.record` returns it, with ``kernel`` set.
    """
    W, a, model_codes, alpha, scale = _layout(model, params0)
    where = _coordinates(model, X, params0, W, span)
    W, X = where.W, where.X
    fixed = {k: np.array(v, dtype=float) for k, v in params0.items() if k not in ("W", "a", "w")}
    codes = _codes(model_codes, loss, rule, backend == "f64dd")
    consts = _consts(alpha, scale, rule, stop, where.w0_sq)
    W_lo, a_lo, log_t_lo = np.zeros_like(W), np.zeros_like(a), 0.0
    y = _frozen(y)
    table = ScalarLog(len(SCALARS), stop.max_steps + 1, FIRST_ROWS)
    wanted = sorted({0, *(int(s) for s in schedule)})
    end = current_deadline()
    kept: list[Checkpoint] = []
    k, log_t, stopped, target = 0, -math.inf, "", 0
    while True:
        table.put(min(target, stop.max_steps), (math.nan,) * len(SCALARS))  # room up to target
        k, log_t, log_t_lo, code = kn.advance(X, y, W, a, codes, consts, where.Z0, where.P, k,
                                              log_t, target, stop.max_steps, table.buffer,
                                              W_lo, a_lo, log_t_lo)
        row = table.row(k)
        stopped = stop.why(k, log_t, row[1], row[2]) if code else out_of_time(end, stop, log_t, k)
        if (code == 0 and k in wanted) or stopped:
            params = {**fixed, **where.to_params(W, a)}
            kept.append(Checkpoint(k, log_t, params, dict(params)))
        if progress is not None:
            progress(k, stop.max_steps)
        if stopped:
            break
        target = min([s for s in wanted if s > k] + [k + CHUNK])
    precision = "53 bits" if backend == "float64" else Float64DD().precision
    return Trajectory(table.columns(SCALARS, k + 1), tuple(kept), stopped, backend, precision,
                      kernel="numba" if kn.COMPILED else "python")


def record_run(model: Model, loss: Loss, X: np.ndarray, y: np.ndarray,
               params0: Mapping[str, np.ndarray], rule: StepRule, be: Backend,
               schedule: np.ndarray, stop: StopRule, kernel: str = "numpy",
               progress: Callable[[int, int], None] | None = None) -> Trajectory:
    """A recorded GD run in full coordinates: through the fused kernel when ``kernel`` is
    ``numba``, the backend is float64 or f64dd (:data:`COMPILED_BACKENDS`) and
    :func:`compilable` accepts the pair; otherwise :func:`verify.dynamics.trajectory.record` of
    :func:`verify.dynamics.gd.gradient_descent`.
    """
    if kernel == "numba" and be.name in COMPILED_BACKENDS and compilable(model, loss):
        return record_compiled(model, loss, X, y, params0, rule, schedule, stop, progress,
                               backend=be.name)
    states = gradient_descent(model, loss, X, y, params0, rule, be)
    return record(states, model, y, be, schedule, stop, progress)
