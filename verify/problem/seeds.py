"""Seed streams of a run: one integer seed, two independent random generators (problem layer).

A case's ``seed`` is turned into two streams by :class:`numpy.random.SeedSequence`:
``SeedSequence(seed).spawn(2)`` gives two children whose states are hashed apart, so
the first (``data``) draws the dataset and the second (``init``) the initial
parameters, and neither stream depends on how much the other one was used.  Changing
the data generator therefore never changes a run's initialization, and a theorem that
needs the initialization of a run (e.g. an assumption on the initial neurons) can redraw
it exactly with :func:`initial_params`.  Reference: NumPy, "Parallel random number
generation" (``SeedSequence.spawn``).
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from verify.problem.models import Model


def seed_streams(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """The ``(data, init)`` generators of ``seed``: children 0 and 1 of its SeedSequence.

    Examples
    --------
    >>> data, init = seed_streams(0)
    >>> data.integers(0, 100, 3).tolist(), init.integers(0, 100, 3).tolist()
    ([80, 94, 0], [66, 67, 35])
    >>> seed_streams(0)[1].integers(0, 100, 3).tolist()  # init does not depend on data's use
    [66, 67, 35]
    """
    data_ss, init_ss = np.random.SeedSequence(int(seed)).spawn(2)
    return np.random.default_rng(data_ss), np.random.default_rng(init_ss)


def initial_params(model: Model, d: int, params: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """The initialization a run with parameters ``params`` starts from.

    ``model.init(d, sigma0, init)`` with the init stream of ``params["seed"]``
    (:func:`seed_streams`): the same arrays the engine's run starts from.

    Examples
    --------
    >>> from verify.problem.models import Linear
    >>> initial_params(Linear(), 3, {"seed": 0, "sigma0": 0.1})["w"].round(4).tolist()
    [0.0805, -0.1912, -0.3497]
    """
    return model.init(d, params["sigma0"], seed_streams(int(params["seed"]))[1])
