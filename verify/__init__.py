"""verify: numerical verification of implicit-bias theorems for two-layer networks.

This module is the authoring API: a theorem module (``theorems/<paper>_<claim>.py``) imports
everything it needs from here, in one line, and nothing from the layers below::

    from verify import Theorem, Citation, Param, Assumption, Quantity, Limit, Bound

The names are loaded lazily (:pep:`562`): ``import verify`` imports nothing heavy, so a
module such as :mod:`verify.engine.blas` can fix the BLAS thread count before numpy loads.
``verify.run``, ``verify.load`` and ``verify.Results`` are the Python API of
:mod:`verify.api` (run a theorem or read a report from a notebook).
The layers themselves (``verify.arith`` ... ``verify.cli``) are described in
``docs/design.md``; the numeric core prints nothing, the CLI (:mod:`verify.cli.main`) owns
the terminal.

Examples
--------
>>> import verify
>>> verify.Theorem.__module__
'verify.spec.theorem'
>>> "Limit" in dir(verify)
True
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: Public name -> the module that defines it (the layer it lives in).
_EXPORTS: dict[str, str] = {
    # the declarative theorem object
    "Theorem": "verify.spec.theorem",
    "Citation": "verify.spec.theorem",
    "Quantity": "verify.spec.theorem",
    "Param": "verify.spec.params",
    "Assumption": "verify.spec.assumptions",
    "Status": "verify.spec.assumptions",
    "certified_margin": "verify.spec.assumptions",
    "Sweep": "verify.spec.sweep",
    # claim kinds
    "Bound": "verify.claims",
    "Eventually": "verify.claims",
    "horizon_deadline": "verify.claims.eventually",
    "Expected": "verify.claims",
    "Frequency": "verify.claims",
    "Limit": "verify.claims",
    "Monotone": "verify.claims",
    "Scaling": "verify.claims",
    "OneSidedScaling": "verify.claims",
    "Prefactor": "verify.claims",
    "Trend": "verify.claims",
    # exact statistics and errors
    "Stat": "verify.arith.interval",
    "UserError": "verify.errors",
    "TargetFailed": "verify.errors",
    # data, its statistics, models, losses, quantities
    "Dataset": "verify.problem.data",
    "separable_gaussian": "verify.problem.data",
    "symmetric": "verify.problem.data",
    "nearly_orthogonal": "verify.problem.data",
    "load_npz": "verify.problem.data",
    "DataSpec": "verify.problem.dataspec",
    "gram_exact": "verify.problem.datastats",
    "is_symmetric_pairs": "verify.problem.datastats",
    "near_orthogonality_C": "verify.problem.datastats",
    "norm_ratio": "verify.problem.datastats",
    "sigma_max_sq": "verify.problem.datastats",
    "stable_rank": "verify.problem.rank",
    "tail_energy": "verify.problem.rank",
    "Model": "verify.problem.models",
    "Linear": "verify.problem.models",
    "TwoLayer": "verify.problem.models",
    "SmoothedLeakyTwoLayer": "verify.problem.models",
    "Loss": "verify.problem.losses",
    "make_loss": "verify.problem.losses",
    "Point": "verify.problem.quantities",
    "direction_gap": "verify.problem.quantities",
    "kkt_residual": "verify.problem.quantities",
    "kkt_scaled": "verify.problem.quantities",
    "kkt_target": "verify.problem.quantities",
    "normalized_margin": "verify.problem.quantities",
    "smoothed_margin": "verify.problem.quantities",
    "initial_params": "verify.problem.seeds",
    "STEP_RULES": "verify.dynamics.gd",
    # reference targets (certified convex programs)
    "Target": "verify.targets.base",
    "solve_clarabel": "verify.targets.solve",  # a theorem's own certified program (cvxpy)
    "activation_patterns": "verify.targets.arrangement",
    "f1_dictionary_margin": "verify.targets.dictionary",
    "cube_sphere_grid": "verify.targets.dictionary",
    "svm_expansion": "verify.targets.expansion",
    "kernel_svm": "verify.targets.kernel_svm",
    "relu_feature_limit_kernel": "verify.targets.kernel_svm",
    "min_norm_single_neuron": "verify.targets.neuron",
    "neuron_certificate": "verify.targets.neuron",
    "hard_margin_svm": "verify.targets.svm",
    "max_margin_two_layer": "verify.targets.twolayer",
    "min_norm_interpolator_two_layer": "verify.targets.twolayer",
    # the Python API: run a theorem or read a report (verify.api)
    "run": "verify.api",
    "load": "verify.api",
    "Results": "verify.api",
}

__all__ = list(_EXPORTS)  # grouped as above; dir(verify) sorts


def __getattr__(name: str) -> Any:
    """Import the module that defines ``name`` on first use (:pep:`562`)."""
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'verify' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
