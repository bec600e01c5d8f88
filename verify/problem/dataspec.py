r"""What a theorem's data must be: a frozen :class:`DataSpec`, checked before anything runs.

Each theorem declares one (``Theorem.data_spec``; the default suits binary classification
with labels :math:`\pm1`).  ``verify run --data FILE`` checks the file against it
(:meth:`verify.spec.theorem.Theorem.check_data`) and stops with a one-line
:class:`~verify.errors.UserError` (exit 2) naming the value and the fix, so no verdict is
ever computed on data the theorem does not speak about.  What is checked, in order:

1. ``meta``: the generator-only metadata the theorem reads (a test set, the raw inputs
   behind features); a data file has none, so such a theorem cannot take ``--data``;
2. the label set (default :math:`\{-1, +1\}`; None for real-valued labels);
3. the numbers of samples ``n`` and of dimensions ``d``, each in a closed range;
4. a finite Gram matrix: :math:`\|X\|_F^2` finite in float64, which bounds every entry
   :math:`|\langle x_i, x_k\rangle| \le \|x_i\|\|x_k\| \le \|X\|_F^2` and
   :math:`\sigma_{\max}(X)^2 \le \|X\|_F^2` (``X * 1e200`` overflows it);
5. no conflicting duplicates: two equal inputs with different labels (``distinct``);
6. a size the machine can hold: ``copies`` float64 copies of ``X`` (``8 copies n d``
   bytes) within the memory available.

Real, finite entries and matching shapes are checked when the file is read
(:func:`verify.problem.data.load_npz`, :class:`verify.problem.data.Dataset`).  Whether the
data satisfy a theorem's *assumptions* (separable, nearly orthogonal, ...) is not checked
here: an all-zero ``X`` is valid data that no linear predictor separates, so a separability
assumption is VIOLATED on it and the claims are SKIPPED with the reason.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from verify.errors import UserError
from verify.problem.data import Dataset

#: Half-open ranges are written with None: ``(2, None)`` is ``n >= 2``.
Range = tuple[int, "int | None"]
PM1 = frozenset({-1.0, 1.0})


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux ``MemAvailable``, else the free
    physical pages), or None when the platform does not say."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _show(values: Any, most: int = 6) -> str:
    """Distinct values, sorted, as a short list: ``-1, 0.5, 3``.

    Examples
    --------
    >>> _show([3.0, -1.0, 0.5, 3.0])
    '-1, 0.5, 3'
    """
    vals = sorted(set(float(v) for v in values))
    text = ", ".join(f"{v:g}" for v in vals[:most])
    return text + (f", ... ({len(vals)} values)" if len(vals) > most else "")


def _label_fix(found: set[float], allowed: frozenset[float]) -> str:
    """How to turn ``found`` labels into ``allowed`` ones."""
    if allowed == PM1 and found <= {0.0, 1.0}:
        return "for 0/1 labels save y = 2*y - 1"
    if allowed == PM1 and len({abs(v) for v in found}) == 1 and 0.0 not in found:
        return "save y = np.sign(y)"
    return f"save y with values in {{{_show(allowed)}}}"


def _in(value: int, rng: Range) -> bool:
    lo, hi = rng
    return value >= lo and (hi is None or value <= hi)


def _range_text(rng: Range) -> str:
    lo, hi = rng
    return f">= {lo}" if hi is None else (f"= {lo}" if lo == hi else f"in [{lo}, {hi}]")


def conflicting_duplicates(X: np.ndarray, y: np.ndarray) -> tuple[int, int] | None:
    """The first two rows with the same ``x`` and different labels, or None.

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    >>> conflicting_duplicates(X, np.array([1.0, -1.0, -1.0]))
    (0, 2)
    >>> conflicting_duplicates(X, np.array([1.0, -1.0, 1.0])) is None
    True
    """
    _, group = np.unique(X, axis=0, return_inverse=True)
    group = np.ravel(group)
    first: dict[int, int] = {}
    for i, g in enumerate(group.tolist()):
        j = first.setdefault(g, i)
        if y[i] != y[j]:
            return j, i
    return None


@dataclass(frozen=True)
class DataSpec:
    """What a theorem's data must be (module docstring).

    Parameters
    ----------
    labels
        The allowed label values; None: any real number (regression).
    n, d
        Closed ranges of the numbers of samples and dimensions (``None``: no upper end);
        :meth:`verify.spec.theorem.Theorem.check_data` narrows them to the ranges of the
        theorem's ``n`` and ``d`` parameters.
    distinct
        Reject two equal inputs with different labels (no classifier fits both).
    meta
        Keys of ``Dataset.meta`` the theorem reads, which only its generator makes: a
        theorem with any cannot take ``--data``.
    copies
        Float64 copies of ``X`` a run holds at once, for the memory check (the dataset,
        ``Z = y x`` of the targets, the backend's and the solver's working arrays).

    Examples
    --------
    >>> spec = DataSpec(n=(2, 100))
    >>> spec.check(Dataset(np.eye(3), [1.0, -1.0, 1.0]), "demo")
    >>> try:
    ...     spec.check(Dataset(np.eye(3), [0.0, 1.0, 1.0]), "demo")
    ... except UserError as exc:
    ...     print(exc)
    generated: labels 0, 1 are not all in {-1, 1} as demo needs; for 0/1 labels save y = 2*y - 1
    """

    labels: frozenset[float] | None = PM1
    n: Range = (2, None)
    d: Range = (1, None)
    distinct: bool = True
    meta: tuple[str, ...] = ()
    copies: int = 4

    def check(self, data: Dataset, theorem: str, available: int | None = None) -> None:
        """Raise a one-line UserError if ``data`` is not data ``theorem`` speaks about.

        ``available`` (bytes) replaces :func:`available_memory`, e.g. in tests.
        """
        where = data.source.removeprefix("file:")
        if self.meta:
            raise UserError(f"{theorem} reads {', '.join(self.meta)} made by its own generator "
                            "(not in a data file); run it without --data")
        found = set(np.unique(data.y).tolist())
        if self.labels is not None and not found <= self.labels:
            raise UserError(f"{where}: labels {_show(found)} are not all in "
                            f"{{{_show(self.labels)}}} as {theorem} needs; "
                            f"{_label_fix(found, self.labels)}")
        for name, value, rng in (("n", data.n, self.n), ("d", data.d, self.d)):
            if not _in(value, rng):
                what = "samples (rows of X)" if name == "n" else "dimensions (columns of X)"
                raise UserError(f"{where}: {name} = {value} {what}, but {theorem} needs {name} "
                                f"{_range_text(rng)}; use data of that size")
        self._check_numbers(data, where)
        self._check_memory(data, where, available_memory() if available is None else available)

    def _check_numbers(self, data: Dataset, where: str) -> None:
        with np.errstate(over="ignore"):
            frob = float(np.sum(np.square(data.X)))
        if not math.isfinite(frob):
            big = float(np.max(np.abs(data.X)))
            raise UserError(f"{where}: the Gram matrix X X^T overflows float64 (|x| up to "
                            f"{big:.3g}, ||X||_F^2 = inf); rescale X, e.g. X / {big:.3g}")
        if self.distinct and (pair := conflicting_duplicates(data.X, data.y)) is not None:
            i, k = pair
            raise UserError(f"{where}: rows {i} and {k} have the same x but labels "
                            f"{data.y[i]:g} and {data.y[k]:g}; remove one of them")

    def _check_memory(self, data: Dataset, where: str, available: int | None) -> None:
        need = 8 * self.copies * data.n * data.d
        if available is not None and need > available:
            raise UserError(f"{where}: n x d = {data.n} x {data.d} needs about "
                            f"{need / 2**30:.3g} GiB ({self.copies} float64 copies of X), more than "
                            f"the {available / 2**30:.3g} GiB available; use fewer samples or "
                            "dimensions")
