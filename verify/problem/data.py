"""Datasets: the typed value, generators built to satisfy assumptions, and user data.

Generators take the case parameters and a seeded :class:`numpy.random.Generator`, so
the same case and seed give the same data bit for bit.
"""
from __future__ import annotations

import hashlib
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from verify.errors import UserError


@dataclass(frozen=True)
class Dataset:
    """Inputs ``X`` (n x d, float64), labels ``y`` (n,), and how they were made."""

    X: np.ndarray
    y: np.ndarray
    source: str = "generated"
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        X = np.ascontiguousarray(self.X, dtype=float)
        y = np.ascontiguousarray(self.y, dtype=float).ravel()
        if X.ndim != 2 or len(y) != X.shape[0]:
            raise UserError(f"data shapes X{X.shape} and y{y.shape} do not match; X must be (n, d), y (n,)")
        if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
            raise UserError("data contain NaN or inf; clean X and y before running")
        X.setflags(write=False)
        y.setflags(write=False)
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "y", y)

    @property
    def n(self) -> int:
        """Number of samples."""
        return self.X.shape[0]

    @property
    def d(self) -> int:
        """Input dimension."""
        return self.X.shape[1]

    def fingerprint(self) -> str:
        """SHA-256 of the exact bytes of X and y (first 16 hex digits)."""
        h = hashlib.sha256(self.X.tobytes() + self.y.tobytes())
        return h.hexdigest()[:16]


def separable_gaussian(n: int, d: int, rng: np.random.Generator, margin: float = 0.1) -> Dataset:
    """Gaussian inputs labelled by a random unit teacher, keeping ``|<u, x>| >= margin``.

    Rejection sampling guarantees linear separability through the origin with
    normalized margin at least ``margin / max ||x||``; both labels appear.
    """
    if n < 2 or d < 1:
        raise UserError(f"need n >= 2 and d >= 1 samples/dimensions, got n={n}, d={d}")
    u = rng.standard_normal(d)
    u /= np.linalg.norm(u)
    rows: list[np.ndarray] = []
    while len(rows) < n:
        x = rng.standard_normal(d)
        if abs(x @ u) >= margin:
            rows.append(x)
    X = np.array(rows)
    y = np.sign(X @ u)
    if len(set(y)) < 2:  # force both labels, still separable by u
        X[0] = -X[0]
        y[0] = -y[0]
    return Dataset(X, y, "separable_gaussian", {"teacher": u.tolist(), "margin": margin})


def symmetric(data: Dataset) -> Dataset:
    """Close a dataset under ``(x, y) -> (-x, -y)`` (Lyu et al. 2021 symmetry)."""
    return Dataset(np.vstack([data.X, -data.X]), np.concatenate([data.y, -data.y]),
                   data.source + "+symmetric", dict(data.meta))


def _real(p: Path, name: str, a: np.ndarray) -> np.ndarray:
    """``a`` if it holds real numbers (bool, int or float), else a UserError naming its dtype."""
    if a.dtype.kind == "c":
        raise UserError(f"{p}: {name} is complex ({a.dtype}); verify needs real data: save "
                        f"{name}.real if the imaginary part is zero")
    if a.dtype.kind not in "biuf":
        raise UserError(f"{p}: {name} has dtype {a.dtype} (not real numbers); save {name} as floats"
                        + (", labels as +1/-1" if name == "y" else ""))
    return a


#: What reading a damaged or foreign file through :func:`numpy.load` raises.
_UNREADABLE = (OSError, ValueError, EOFError, KeyError, TypeError, zipfile.BadZipFile, zlib.error)


def load_npz(path: str | Path) -> Dataset:
    """User data from an ``.npz`` with arrays ``X`` (n x d) and ``y`` (n,) of real numbers.

    A missing, unreadable or foreign file (a plain ``.npy``, a pickle, a damaged archive),
    a missing array, or an array that is complex, of strings, objects or records, is a
    UserError naming the file and the fix.
    """
    p = Path(path)
    if not p.is_file():
        raise UserError(f"data file {str(p)!r} does not exist; pass an .npz with arrays X and y")
    fix = "save with np.savez(path, X=X, y=y)"
    try:
        z = np.load(p, allow_pickle=False)
        if not isinstance(z, np.lib.npyio.NpzFile):
            raise UserError(f"{p} holds a single array, not an .npz archive with X and y; {fix}")
        with z:
            missing = {"X", "y"} - set(z.files)
            if missing:
                raise UserError(f"{p}: missing array(s) {sorted(missing)}; {fix}")
            X, y = np.array(z["X"]), np.array(z["y"])
    except _UNREADABLE as exc:
        raise UserError(f"{p} is not a readable .npz file ({type(exc).__name__}: {exc}); {fix}") from None
    return Dataset(_real(p, "X", X), _real(p, "y", y), f"file:{p.name}")


def _labels(n: int, positive_fraction: float, rng: np.random.Generator) -> np.ndarray:
    """``round(n * positive_fraction)`` labels +1 (at least one of each), shuffled."""
    k = min(max(int(round(n * positive_fraction)), 1), n - 1)
    return rng.permutation(np.r_[np.ones(k), -np.ones(n - k)])


def nearly_orthogonal(n: int, d: int, rng: np.random.Generator, *, kind: str = "construction",
                      C: float = 10.0, norm_ratio: float = 1.0,
                      positive_fraction: float = 0.5) -> Dataset:
    r"""Nearly-orthogonal inputs (Frei et al. 2022; Kou et al. 2023), labels +-1.

    ``kind="gaussian"``: rows :math:`x_i \sim N(0, I_d/d)` scaled by norms in
    ``[1, norm_ratio]``; the constant :math:`C` of
    :math:`\|x_i\|^2 \ge C n \max_{k\ne i}|\langle x_i, x_k\rangle|` is whatever the draw
    gives (about :math:`\sqrt d/(3n)`), so ``C`` is ignored.
    ``kind="construction"`` (needs ``d > n``): :math:`x_i = r_i Q (e_i + c\, e_{n+1})`
    with a random rotation :math:`Q`, norms :math:`r_i \in [1, R]` (``R = norm_ratio``,
    :math:`r_{min} = 1`, :math:`r_{max} = R`) and :math:`c^2 = 1/(nCR - 1)`, so that
    :math:`\langle x_i, x_k\rangle = r_i r_k c^2` and the worst row has exactly
    :math:`\|x_i\|^2/(n\max_k|\langle x_i,x_k\rangle|) = (1+c^2)/(nRc^2) = C` (up to the
    rounding of :math:`Q`, which the exact audit measures).  Labels: a fraction
    ``positive_fraction`` of +1, placed at random.
    """
    if kind not in ("construction", "gaussian"):
        raise UserError(f"kind={kind!r}: use 'construction' or 'gaussian'")
    if n < 2 or d < 1 or norm_ratio < 1.0:
        raise UserError(f"need n >= 2, d >= 1, norm_ratio >= 1; got n={n}, d={d}, norm_ratio={norm_ratio}")
    r = np.r_[1.0, norm_ratio, rng.uniform(1.0, norm_ratio, n - 2)][rng.permutation(n)]
    if kind == "gaussian":
        G = rng.standard_normal((n, d))
        X = G / np.linalg.norm(G, axis=1, keepdims=True) * r[:, None]
        meta: dict[str, Any] = {"kind": kind}
    else:
        if d <= n:
            raise UserError(f"the exact construction needs d > n, got d={d}, n={n}; raise d")
        if not n * C * norm_ratio > 1.0:
            raise UserError(f"C={C} too small: the construction needs n C R > 1")
        c = 1.0 / np.sqrt(n * C * norm_ratio - 1.0)
        B = np.zeros((n, d))
        B[np.arange(n), np.arange(n)] = 1.0
        B[:, n] = c
        Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
        X = (B * r[:, None]) @ Q.T
        meta = {"kind": kind, "C": C, "c": c}
    meta |= {"norm_ratio": norm_ratio, "positive_fraction": positive_fraction}
    return Dataset(X, _labels(n, positive_fraction, rng), f"nearly_orthogonal/{kind}", meta)
