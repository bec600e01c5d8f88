"""The run stage: one gradient-descent trajectory of a case.

First stage of the engine's pipe (descent -> measure -> judge -> sweeps -> case -> record).
The initial parameters come from the case's init stream
(:func:`verify.problem.seeds.initial_params`), the step rule from ``eta`` and the
``step_rule`` setting, the arithmetic from the ``backend`` and ``dps`` settings.  GD runs in
full coordinates or, for a two-layer network with ``coords = "span"``, in data-span
coordinates ``W = W0 + B Q`` (:mod:`verify.dynamics.span`, ``O(m n^2)`` a step), and is
recorded at ``checkpoints`` log-spaced steps until the ``steps``/``max_log_t``/``stop_loss``
stop rule fires (:mod:`verify.dynamics.trajectory`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np

from verify.arith.backends import Backend, make_backend
from verify.dynamics.batch import BatchRun, batch_size, batchable, record_batch
from verify.dynamics.compiled import (COMPILED_BACKENDS, compilable, kernel_name, record_compiled,
                                      record_run)
from verify.dynamics.gd import StepRule
from verify.dynamics.span import span_descent
from verify.dynamics.trajectory import StopRule, Trajectory, log_schedule, record
from verify.problem.data import Dataset
from verify.problem.losses import Loss
from verify.problem.models import Model, TwoLayer
from verify.problem.seeds import initial_params
from verify.spec.cases import Case


@dataclass(frozen=True)
class Descent:
    """A recorded GD run and what the precision audit needs to replay it."""

    trajectory: Trajectory
    params0: Mapping[str, np.ndarray]
    rule: StepRule
    backend: Backend


def stop_rule(case: Case) -> StopRule:
    """The stop rule of ``case``: ``steps``, ``max_log_t`` and ``log(stop_loss)`` (0: never);
    the case's budget (:func:`verify.dynamics.trajectory.wall_deadline`) ends the run too."""
    s = case.settings
    floor = math.log(s.stop_loss) if s.stop_loss > 0 else -math.inf
    return StopRule(s.steps, s.max_log_t, floor, deadline_stops=True)


def descend(case: Case, data: Dataset, model: Model, loss: Loss,
            progress: Callable[[int, int], None] | None = None,
            params0: Mapping[str, np.ndarray] | None = None) -> Descent:
    """Run GD for ``case`` on ``data`` from the case's initialization (or ``params0``) and
    record it.

    ``progress(k, max_steps)`` is called every few hundred steps.
    """
    s = case.settings
    params0 = initial_params(model, data.d, case.problem) if params0 is None else params0
    rule = StepRule(case.problem["eta"], s.step_rule, model.homogeneity)
    be = make_backend(s.backend, s.dps)
    schedule = log_schedule(s.steps, s.checkpoints)
    if s.coords == "span" and compiled_kernel(case, model, loss):
        traj = record_compiled(model, loss, data.X, data.y, params0, rule, schedule,
                               stop_rule(case), progress, span=True, backend=s.backend)
    elif s.coords == "span":
        states, rec_model = span_descent(model, loss, data.X, data.y, params0, rule, be)
        traj = record(states, rec_model, data.y, be, schedule, stop_rule(case), progress)
    else:
        traj = record_run(model, loss, data.X, data.y, params0, rule, be, schedule,
                          stop_rule(case), kernel_name(s.kernel), progress)
    return Descent(traj, params0, rule, be)


def compiled_kernel(case: Case, model: Model, loss: Loss) -> bool:
    """Whether :func:`descend` runs ``case`` through the fused compiled kernel
    (:mod:`verify.dynamics.compiled`): float64 or f64dd, a model and loss it knows (in span
    coordinates a two-layer network), and the ``kernel`` setting resolving to numba."""
    s = case.settings
    return (s.backend in COMPILED_BACKENDS and compilable(model, loss)
            and (s.coords == "full" or isinstance(model, TwoLayer))
            and kernel_name(s.kernel) == "numba")


#: Settings that batched runs must share (the rest of a case may differ: seed, sigma0, ...).
SHARED = ("eta", "step_rule", "steps", "checkpoints", "max_log_t", "stop_loss", "backend",
          "coords", "dps", "kernel")


def _joint(cases: Sequence[Case], models: Sequence[Model], losses: Sequence[Loss]) -> bool:
    """Whether ``cases`` may advance as one float64 batch (:mod:`verify.dynamics.batch`)."""
    first = cases[0]
    return (first.settings.backend == "float64" and first.settings.coords == "full"
            and all(c.params.get(k) == first.params.get(k) for c in cases for k in SHARED)
            and all(m == models[0] for m in models) and all(l_ == losses[0] for l_ in losses))


def descend_many(cases: Sequence[Case], datas: Sequence[Dataset], models: Sequence[Model],
                 losses: Sequence[Loss]) -> list[Descent]:
    """:func:`descend` of every case, as one batch where they allow it.

    Runs of the fused compiled kernel (:func:`compiled_kernel`) go one by one: without the
    per-step Python work a batch has nothing left to share.  Otherwise cases that share the
    model, the loss, the shapes and the step and stop settings
    (:data:`SHARED`) in float64 and full coordinates run as one batched computation
    (:func:`verify.dynamics.batch.record_batch`, in batches that fit the cache,
    :func:`verify.dynamics.batch.batch_size`), each with its own stopping; the trajectories are
    bit for bit those of :func:`descend`.  Other cases run one by one.
    """
    runs = [BatchRun(d.X, d.y, initial_params(m, d.d, c.problem))
            for c, d, m in zip(cases, datas, models)]
    model, loss = models[0], losses[0]
    if (compiled_kernel(cases[0], model, loss)
            or not (_joint(cases, models, losses) and batchable(model, loss, runs))):
        return [descend(c, d, m, l_, params0=r.params0)
                for c, d, m, l_, r in zip(cases, datas, models, losses, runs)]
    s = cases[0].settings
    rule = StepRule(cases[0].problem["eta"], s.step_rule, model.homogeneity)
    size = batch_size(runs, len(runs))
    trajs = [t for i in range(0, len(runs), size)
             for t in record_batch(model, loss, runs[i:i + size], rule,
                                   log_schedule(s.steps, s.checkpoints), stop_rule(cases[0]))]
    be = make_backend(s.backend, s.dps)
    return [Descent(t, r.params0, rule, be) for t, r in zip(trajs, runs)]
