"""Parameter sweeps: a claim judged across many runs instead of one trajectory.

A Scaling claim ("the gap scales like (n/d)^(1/2)", "the phase time grows like
ln(1/sigma0)"), a Frequency claim (how often an event occurs across seeds), a Trend, or any
other claim given a ``sweep`` is about many runs.  A :class:`Sweep` names the swept
parameter, its values and the number of seeds per value; the engine
(:func:`verify.engine.sweeps.sweep_series`) reruns the case once per (value, seed) with fresh
data and initialization, evaluates the claim's quantity at the last checkpoint of each
run, and hands the claim the points ``(log x, q)``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

import numpy as np


@dataclass(frozen=True)
class Sweep:
    """What to vary for a claim judged over many runs.

    Parameters
    ----------
    parameter
        A case parameter of the theorem, e.g. ``"d"``.
    values
        Its values (validated like case values).
    seeds
        Independent runs per value.
    x
        The abscissa of the power law from the run's parameters (default: the swept
        parameter itself), e.g. ``lambda p: p["n"] / p["d"]``.
    x_label
        Name of the abscissa for reports, e.g. ``"n/d"``.
    overrides
        Parameters set for every sweep run (e.g. a shorter horizon than the main case).

    Examples
    --------
    >>> sweep = Sweep("d", (16, 64), seeds=2, x=lambda p: p["n"] / p["d"], x_label="n/d")
    >>> runs = sweep.runs({"n": 8, "d": 32, "seed": 0})
    >>> [(r["d"], r["n"]) for r in runs]
    [(16, 8), (16, 8), (64, 8), (64, 8)]
    >>> len({r["seed"] for r in runs})  # a fresh seed per (value, seed) pair
    4
    >>> sweep.abscissa(runs[0])
    0.5
    """

    parameter: str
    values: tuple[Any, ...]
    seeds: int = 3
    x: Callable[[Mapping[str, Any]], float] | None = None
    x_label: str = ""
    overrides: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", tuple(self.values))
        if len(self.values) < 2 or self.seeds < 1:
            raise ValueError(f"Sweep over {self.parameter!r}: need >= 2 values and >= 1 seed")

    def abscissa(self, params: Mapping[str, Any]) -> float:
        """``x(params)`` (the swept value by default)."""
        return float(self.x(params) if self.x is not None else params[self.parameter])

    def runs(self, base: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Parameters of every run: one per (value, seed), seeds derived from the case seed."""
        out = []
        for i, v in enumerate(self.values):
            for k in range(self.seeds):
                seed = int(np.random.SeedSequence([int(base["seed"]), i, k]).generate_state(1)[0])
                out.append(dict(base) | dict(self.overrides or {}) | {self.parameter: v, "seed": seed})
        return out
