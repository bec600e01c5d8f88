"""The declarative theorem object: citation, setup, assumptions, targets, quantities, claims.

A theorem module in ``theorems/`` builds one :class:`Theorem` and assigns it to
``THEOREM``; everything generic (running, auditing, judging, reporting) is the engine's.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping

import numpy as np

from verify.spec.assumptions import Assumption
from verify.claims.base import Claim
from verify.problem.data import Dataset
from verify.problem.dataspec import DataSpec
from verify.problem.losses import Loss, make_loss
from verify.problem.models import Model
from verify.spec.params import ENGINE_PARAMETERS, Param
from verify.targets.base import Target


@dataclass(frozen=True)
class Citation:
    """Where the theorem is published.

    Examples
    --------
    >>> c = Citation("D. Soudry et al", "The implicit bias of gradient descent on separable data",
    ...              "JMLR", 2018, where="Theorem 3")
    >>> print(c)
    D. Soudry et al. The implicit bias of gradient descent on separable data. JMLR 2018. Theorem 3.
    """

    authors: str
    title: str
    venue: str
    year: int
    arxiv: str = ""
    where: str = ""  # e.g. "Theorem 3" or "abstract (theorem body not consulted)"

    def __str__(self) -> str:
        arxiv = f" arXiv:{self.arxiv}." if self.arxiv else ""
        where = f" {self.where}." if self.where else ""
        return f"{self.authors}. {self.title}. {self.venue} {self.year}.{arxiv}{where}"


@dataclass(frozen=True)
class Quantity:
    """A number the claims read, computed along the trajectory.

    Parameters
    ----------
    label
        LaTeX for reports.
    fn
        Checkpoint quantities: ``fn(point) -> float`` with a :class:`verify.problem.quantities.Point`.
        Per-step quantities: ``fn(scalars, point) -> ndarray`` over the per-step scalar
        table of :class:`verify.dynamics.trajectory.Trajectory` (``point`` is the final one).
    per_step
        Which of the two.
    """

    label: str
    fn: Callable[..., Any]
    per_step: bool = False


def _narrow(rng: tuple[int, int | None], param: Param | None) -> tuple[int, int | None]:
    """The integer range ``rng`` intersected with the range of ``param`` (if any).

    Examples
    --------
    >>> _narrow((2, None), Param(int, 8, low=1, high=100)), _narrow((1, 5), None)
    ((2, 100), (1, 5))
    """
    if param is None:
        return rng
    lo, hi = rng
    if param.low is not None:
        lo = max(lo, math.floor(param.low) + 1 if param.low_open else math.ceil(param.low))
    if param.high is not None:
        hi = math.floor(param.high) if hi is None else min(hi, math.floor(param.high))
    return lo, hi


@dataclass(frozen=True)
class Theorem:
    """A theorem as a declarative object (README, "Adding a theorem"; ``docs/design.md``).

    ``model``, ``generate`` and the target builders receive the validated case
    parameters; ``expected_failures`` maps claim names to the published reason they
    fail (XFAIL). ``formalization`` is the theorem module's docstring: what is published,
    what is this suite's reading, and why; measurement notes live in
    ``docs/notes/<theorem-id>.md``, not here, since every case record carries this text.
    ``data_spec`` says what data the theorem speaks about (labels, sizes, ...): a user's
    ``--data`` is checked against it before anything runs (:meth:`check_data`).
    """

    id: str
    title: str
    citation: Citation
    statement: str
    formalization: str
    model: Callable[[Mapping[str, Any]], Model]
    generate: Callable[[Mapping[str, Any], np.random.Generator], Dataset]
    assumptions: tuple[Assumption, ...]
    quantities: Mapping[str, Quantity]
    claims: tuple[Claim, ...]
    parameters: Mapping[str, Param] = field(default_factory=dict)
    targets: Mapping[str, Callable[[Dataset, Mapping[str, Any]], Target]] = field(default_factory=dict)
    expected_failures: Mapping[str, str] = field(default_factory=dict)
    data_spec: DataSpec = DataSpec()

    def __post_init__(self) -> None:
        names = [c.name for c in self.claims]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.id}: duplicate claim names {names}")
        for c in self.claims:
            for q in (c.quantity, *c.show):
                if q not in self.quantities:
                    raise ValueError(f"{self.id}: claim {c.name!r} reads unknown quantity {q!r}")
        for name in self.expected_failures:
            if name not in names:
                raise ValueError(f"{self.id}: expected failure names unknown claim {name!r}")

    @property
    def schema(self) -> dict[str, Param]:
        """Engine parameters overlaid with the theorem's own."""
        return {**ENGINE_PARAMETERS, **self.parameters}

    def check_data(self, data: Dataset, available: int | None = None) -> None:
        """Raise a one-line UserError unless ``data`` is data this theorem speaks about:
        :meth:`DataSpec.check <verify.problem.dataspec.DataSpec.check>` with the ``n`` and ``d``
        ranges narrowed to those of the theorem's ``n`` and ``d`` parameters."""
        spec = self.data_spec
        narrowed = {k: _narrow(getattr(spec, k), self.schema.get(k)) for k in ("n", "d")}
        replace(spec, **narrowed).check(data, self.id, available)

    def loss(self, params: Mapping[str, Any]) -> Loss:
        """The loss named by the case."""
        return make_loss(params["loss"], params["reduction"])

    def claim(self, name: str) -> Claim:
        """Claim by name."""
        for c in self.claims:
            if c.name == name:
                return c
        raise KeyError(name)
