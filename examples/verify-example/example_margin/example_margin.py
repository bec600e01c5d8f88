r"""Example package: GD on separable data converges in direction to the hard-margin SVM

Written by ``verify new example-margin``: a complete, running theorem module to edit.  This
docstring is the *formalization* the report prints beside the claims: say what the paper
states (with the theorem number), what is your reading of it, and why.

Published (replace): Soudry, Hoffer, Nacson, Gunasekar & Srebro (2018), *The implicit bias of
gradient descent on separable data*, JMLR 19(70), Theorem 3: for linearly separable data and
an exponential-tail loss, GD with a small enough constant step converges in direction to the
hard-margin SVM, so the normalized margin ``min_i y_i <w, x_i> / ||w||`` tends to the SVM's
margin ``gamma`` (at rate ``1/log t``).

Our reading (replace): the data are separable Gaussian points scaled to ``sigma_max(X) = 1``;
"converges in direction at rate 1/log t" is read as "the part of ``w(t)`` orthogonal to the
SVM direction stays bounded", a :class:`~verify.Limit` with no named value whose late window
is fitted with a decaying ``t^-a``; "the normalized margin never exceeds gamma" is a
:class:`~verify.Bound` (true for any ``w``: a check of the run and of the target).
"""
from __future__ import annotations

import numpy as np
import sympy as sp

# The authoring API: everything a theorem module needs comes from ``verify``.
#   Theorem, Citation   the theorem and where it is published
#   Param               a validated parameter (type, default, range, doc); unknown keys are errors
#   Assumption          a sympy relation whose symbols are measured on the data (or read from
#                       the parameters, e.g. ``eta``); a violated one SKIPs the claims
#   Stat                a measured number with its error bars (Stat.exact / Stat.approx)
#   certified_margin    the margin of a solved program, or UNDECIDED when the solver failed
#   Dataset             X (n x d), y (n,), a source name and meta data
#   separable_gaussian  a data generator (others: nearly_orthogonal, symmetric, load_npz)
#   Linear, TwoLayer    models (Linear(): f(x) = <w, x>; TwoLayer(m=..., alpha=...))
#   hard_margin_svm     a certified target (cvxpy/Clarabel, independent certificate, mpmath polish)
#   Quantity            a number measured along the trajectory, fn(point) -> float
#   normalized_margin   a ready-made quantity: min_i q_i / ||theta||^L
#   Expected            an expectation computed from the case: Expected(latex, fn(case) -> float)
#   Limit, Bound, ...   claim kinds (also Monotone, Eventually, Scaling, Frequency, Trend)
#   DataSpec            what ``--data FILE.npz`` must be (labels, n and d ranges)
from verify import (Assumption, Bound, Citation, DataSpec, Dataset, Expected, Limit, Linear, Param,
                    Quantity, Stat, Theorem, certified_margin, hard_margin_svm, normalized_margin,
                    separable_gaussian)

gamma = sp.Symbol("gamma")  # a symbol of an assumption, measured by its ``measure`` function


def generate(p, rng: np.random.Generator) -> Dataset:
    """The data of a case: ``p`` holds the validated parameters, ``rng`` is seeded by ``seed``.

    Separable Gaussian points, scaled to ``sigma_max(X) = 1`` so that ``eta < 2`` is a
    stable step for the summed logistic loss.
    """
    data = separable_gaussian(p["n"], p["d"], rng, p["margin"])
    return Dataset(data.X / np.linalg.norm(data.X, 2), data.y, data.source + "/sigma_max", data.meta)


def svm(data: Dataset, p):
    """A target: a program solved once per case.  ``hard_margin_svm`` returns a certified
    :class:`~verify.targets.base.Target`; claims read its values as ``c.targets["svm"]["gamma"]``
    (``w``, ``w_unit``, ``gamma``, ``dual``, ``support``, ...).  A solve that does not reach a
    certified optimum makes every claim that reads it UNDECIDED, never PASS."""
    return hard_margin_svm(data.X, data.y)


def separability(data: Dataset, p):
    """Measure the assumption's symbols: ``{name: Stat}``; a failed solve is UNDECIDED."""
    return {"gamma": certified_margin(svm(data, p), data.X)}


def step_size(data: Dataset, p):
    """``eta`` comes from the parameters; the bound ``2/sigma_max^2`` is exact here (= 2)."""
    return {"eta_max": Stat.exact(2)}


def direction_perp(pt) -> float:
    """A quantity: ``||P_perp w||``, the part of ``w`` orthogonal to the SVM direction.

    ``pt`` is a :class:`~verify.problem.quantities.Point`: ``pt.theta`` (parameters),
    ``pt.margins`` (``y_i f(x_i)``), ``pt.norm``, ``pt.log_t``, ``pt.data``, ``pt.targets``
    (solved programs by name), ``pt.case`` (parameters).
    """
    u = np.asarray(pt.targets["svm"]["w_unit"])
    return float(np.linalg.norm(pt.theta - (u @ pt.theta) * u))


# A target's value as the expectation of a claim: Expected(LaTeX for the report, fn(case)).
GAMMA = Expected(r"\gamma_{svm}", lambda c: c.targets["svm"]["gamma"])

THEOREM = Theorem(
    id="example-margin",
    title="Example package: GD on separable data converges in direction to the hard-margin SVM",
    citation=Citation("D. Soudry, E. Hoffer, M. S. Nacson, S. Gunasekar, N. Srebro",
                      "The implicit bias of gradient descent on separable data", "JMLR 19(70)", 2018,
                      "1710.10345", "Theorem 3"),
    statement=r"\lim_{t\to\infty} \min_i \frac{y_i\langle w(t), x_i\rangle}{\|w(t)\|} = \gamma_{svm}",
    formalization=__doc__ or "",
    model=lambda p: Linear(),
    generate=generate,
    # Parameters of this theorem; the engine's own (seed, steps, eta, loss, checkpoints,
    # backend, ...) exist already: `verify list example-margin` shows them all.
    parameters={
        "n": Param(int, 8, low=2, low_open=False, high=10_000, doc="samples"),
        "d": Param(int, 3, low=1, low_open=False, high=100_000, doc="dimension"),
        "margin": Param(float, 0.2, low=0.0, low_open=False, doc="teacher margin of the generator"),
    },
    assumptions=(
        Assumption("separable", sp.Gt(gamma, 0), separability, "linearly separable through the origin"),
        Assumption("step size", sp.Lt(sp.Symbol("eta"), sp.Symbol("eta_max")), step_size,
                   "eta < 2/sigma_max(X)^2 for the summed logistic loss (smoothness 1/4 would allow 8)"),
    ),
    targets={"svm": svm},
    # Quantities are measured at log-spaced checkpoints; a function of a Point (``theta``,
    # ``margins``, ``norm``, ``log_t``, ``data``, ``targets``, ``case``) returning a float.
    quantities={
        "normalized_margin": Quantity(r"\min_i y_i\langle w,x_i\rangle/\|w\|", normalized_margin),
        "direction_perp": Quantity(r"\|P^\perp_{\hat w} w(t)\|", direction_perp),
    },
    # Every claim can FAIL: its expectation is a number, and the report says how far it could
    # move before the verdict turns (the resolution).  The conformance tests check it.
    claims=(
        # w(t)/||w(t)|| -> w_hat/||w_hat|| at rate 1/log t  <=>  the part of w(t) orthogonal to
        # w_hat stays bounded: a Limit with no named value (limit=None), its late window fitted
        # with t^-a (a free); a quantity still growing FAILs.  (The margin itself converges
        # like 1/log t: "normalized_margin -> gamma" is UNDECIDED within any affordable run.)
        Limit("direction", "direction_perp",
              r"\left\|\frac{w(t)}{\|w(t)\|} - \frac{\hat w}{\|\hat w\|}\right\| = O\Big(\frac{1}{\log t}\Big)"
              r" \iff \|P^\perp_{\hat w} w(t)\| = O(1)",
              limit=None, rate=("t^-a",), rtol=1e-2, window=0.3, show=("normalized_margin",)),
        Bound("below_max", "normalized_margin", r"\bar\gamma(t) \le \gamma_{svm}", upper=GAMMA,
              rtol=1e-6),
    ),
    expected_failures={},  # {claim name: published reason}: a known counterexample, judged XFAIL
    data_spec=DataSpec(labels=(-1.0, 1.0)),  # what --data must be
)
