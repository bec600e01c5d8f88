"""The declarative theorem object: citation, setup, assumptions, targets, quantities, claims.

A theorem module in ``theorems/`` builds one :class:`Theorem` and assigns it to
``THEOREM``; everything generic (running, auditing, judging, reporting) is the engine's.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from verify.spec.assumptions import Assumption
from verify.claims.base import Claim
from verify.problem.data import Dataset
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


@dataclass(frozen=True)
class Theorem:
    """A theorem as a declarative object (README, "Adding a theorem"; ``docs/design.md``).

    ``model``, ``generate`` and the target builders receive the validated case
    parameters; ``expected_failures`` maps claim names to the published reason they
    fail (XFAIL). ``formalization`` is the theorem module's docstring: what is published,
    what is this suite's reading, and why; measurement notes live in
    ``docs/notes/<theorem-id>.md``, not here, since every case record carries this text.
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

    def loss(self, params: Mapping[str, Any]) -> Loss:
        """The loss named by the case."""
        return make_loss(params["loss"], params["reduction"])

    def claim(self, name: str) -> Claim:
        """Claim by name."""
        for c in self.claims:
            if c.name == name:
                return c
        raise KeyError(name)
