r"""Shared setup of the Chizat & Bach (2020) modules.  Not a theorem module.

**Data** (the authors' generator ``experiment_2NN``, code ``lchizat/2020-implicit-bias-wide-2NN``,
docs/papers/lyu2021_chizat2020.md section 3.8): :math:`k^2` disks of radius
:math:`\Delta = 1/(3k-1)` on a grid in :math:`[-\frac12, \frac12]^2`, a random half
(:math:`\lfloor k^2/2\rfloor`) of them labelled :math:`-1`; a point picks a disk uniformly, an
angle :math:`T \sim U[0, 2\pi]` and a radius :math:`\Delta U[0,1]`; then :math:`d-3` spurious
coordinates :math:`U[-\frac12,\frac12]` and the constant 1, so that a neuron
:math:`(\langle a, \tilde x\rangle)_+` has a bias.  As in the code, ``d`` counts every coordinate
(constant first); ``d = 3`` is the two informative coordinates alone.  A test set of ``n_test``
points uses the same disk labels.

**Networks.**  The mean-field network :math:`h(x) = \frac1m\sum_j b_j(\langle a_j, \tilde x
\rangle)_+`, :math:`\theta_j = (a_j, b_j)` of order 1, trained on the mean-field time scale
(:math:`\dot\theta_j = -m\nabla_{\theta_j}L`, the code's gradient without the :math:`1/m`), is
exactly the network :math:`\sum_j b'_j(\langle a'_j, \tilde x\rangle)_+` with
:math:`\theta'_j = \theta_j/\sqrt m` trained by plain gradient descent (derived here: the
gradient in :math:`\theta'` is :math:`\sqrt m` times the one in :math:`\theta`).  We run the latter,
:class:`MeanField`, with the same step; the functions, margins and F1 norms are identical, and
:math:`\|\theta'\|^2 = \frac1m\sum_j(\|a_j\|^2 + b_j^2)` is the code's normalizer :math:`\beta`.
Initialization ``sphere`` (the authors' blog code): :math:`a_j` uniform on the unit sphere,
:math:`b_j = \pm1` alternately (balanced, :math:`|b_j| = \|a_j\|`, which gradient flow keeps);
``gaussian`` (the paper's experiments): all entries :math:`N(0,1)`; both scaled by ``sigma0``.
Output layer only: the first layer is fixed at random, :math:`a_j \sim N(0, I)`, so the model is
linear in :math:`b` on the features :math:`\psi_j(x) = (\langle a_j, \tilde x\rangle)_+/\sqrt m`,
:math:`b(0) = 0` as in the code; these features are drawn with the data (own random stream)
so that the random-feature kernel :math:`K_m = \Psi\Psi^\top` and its SVM are targets.

**Normalizations** (the trap of section 3.5 of the notes).  The F1 norm of a network is at most
its path norm :math:`\sum_k|b'_k|\|a'_k\| = \frac1m\sum_j|b_j|\|a_j\|`; the F1-normalized margin
is :math:`\gamma_{F1}(\theta) = \min_iy_ih(x_i)/\sum_k|b'_k|\|a'_k\| \le \gamma_1`, the F1 max
margin :math:`\gamma_1 = 1/P^\star` with :math:`P^\star` the min path norm at margins :math:`\ge 1`.
:func:`verify.targets.twolayer.max_margin_two_layer` reports :math:`\gamma^\star = 1/(2P^\star)`
(normalized by :math:`\|\theta\|^2`), so :math:`\gamma_1 = 2\gamma^\star` (a test checks the
factor on a closed form).  The code's plotted margin :math:`\min_iq_i/\|\theta'\|^2` tends to
:math:`\gamma_1/2` at best.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from verify import (Assumption, Dataset, Param, Point, Stat, Target, TwoLayer, UserError,
                    activation_patterns, cube_sphere_grid, f1_dictionary_margin, kernel_svm,
                    max_margin_two_layer, relu_feature_limit_kernel)

TITLE = ("Implicit bias of gradient descent for wide two-layer neural networks trained with "
         "the logistic loss")
CITATION_ARGS = ("L. Chizat, F. Bach", TITLE, "COLT (PMLR 125)", 2020, "2002.04486")

PARAMETERS: dict[str, Param] = {
    "n": Param(int, 40, low=2, low_open=False, high=5_000, doc="training samples"),
    "d": Param(int, 3, low=3, low_open=False, high=1_000,
               doc="input length: constant 1, 2 informative, d - 3 spurious coordinates"),
    "k": Param(int, 3, low=2, low_open=False, high=10, doc="disks per axis (k^2 clusters)"),
    "m": Param(int, 100, low=1, low_open=False, high=100_000, doc="width"),
    "n_test": Param(int, 4000, low=1, low_open=False, doc="test points (same disk labels)"),
    "data_seed": Param(int, -1, low=-1, low_open=False,
                       doc="fixed data (>= 0) whatever the run seed, so a sweep varies only the init"),
    "exact_targets": Param(bool, True, doc="build the exact F1 targets (d = 3 or 4 only)"),
    "informative_f1": Param(bool, False, doc="build the certified F1 max margin of the informative coordinates"),
    "loss": Param(str, "logistic", choices=("logistic", "exponential"), doc="exponential-tail loss"),
    "reduction": Param(str, "mean", choices=("sum", "mean"), doc="loss averaged over samples"),
}

_CACHE: dict[tuple[str, str], Target] = {}  # targets by (name, data fingerprint): sweeps reuse data
#: Kernel SVM predictions by the digest of their inputs (:func:`kernel_predict`).
_PREDICTED: dict[str, np.ndarray] = {}
PREDICTED_MAX = 64


def clusters(p: Mapping[str, Any], rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Training and test inputs and labels of the authors' generator (module docstring)."""
    if p["data_seed"] >= 0:
        rng = np.random.default_rng(p["data_seed"])
    k, d = p["k"], p["d"]
    label_rng, train_rng, test_rng = rng.spawn(3)
    labels = np.ones(k * k)
    labels[label_rng.permutation(k * k)[: (k * k) // 2]] = -1.0

    def draw(n: int, g: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        delta = 1.0 / (3 * k - 1)
        c = g.integers(0, k * k, n)
        T, R = g.uniform(0.0, 2 * np.pi, n), delta * g.uniform(0.0, 1.0, n)
        X = np.empty((n, d))
        X[:, 0] = 1.0
        X[:, 1] = delta * (1 + 3 * (c % k)) - 0.5 + R * np.cos(T)
        X[:, 2] = delta * (1 + 3 * (c // k)) - 0.5 + R * np.sin(T)
        X[:, 3:] = g.uniform(-0.5, 0.5, (n, d - 3))
        return X, labels[c]

    X, y = draw(p["n"], train_rng)
    if np.all(y == y[0]):
        raise UserError(f"all {p['n']} samples drew clusters of one label; raise n or change the seed")
    return (X, y, *draw(p["n_test"], test_rng))


def cluster_data(p: Mapping[str, Any], rng: np.random.Generator) -> Dataset:
    """The authors' clusters as a :class:`Dataset` (test set in ``meta``)."""
    X, y, Xt, yt = clusters(p, rng)
    return Dataset(X, y, f"chizat-bach clusters k={p['k']} d={p['d']}", {"X_test": Xt, "y_test": yt})


@dataclass(frozen=True)
class MeanField(TwoLayer):
    r"""Mean-field ReLU network on the :math:`\theta/\sqrt m` scale (module docstring)."""

    init_kind: str = "sphere"

    def init(self, d: int, sigma0: float, rng: np.random.Generator) -> dict[str, np.ndarray]:
        A = rng.standard_normal((self.m, d))
        if self.init_kind == "sphere":
            A /= np.linalg.norm(A, axis=1, keepdims=True)
            b = np.where(np.arange(self.m) % 2 == 0, 1.0, -1.0)
        else:
            b = rng.standard_normal(self.m)
        s = sigma0 / np.sqrt(self.m)
        return {"W": s * A, "a": s * b}


def path_norm(pt: Point) -> float:
    r""":math:`\sum_k|b'_k|\|a'_k\|`, an upper bound on the F1 norm of the network."""
    W, a = np.asarray(pt.params["W"], float), np.asarray(pt.params["a"], float)
    return float(np.abs(a) @ np.linalg.norm(W, axis=1))


def f1_margin(pt: Point) -> float:
    r""":math:`\gamma_{F1} = \min_iq_i / \sum_k|b'_k|\|a'_k\|`."""
    return float(np.min(pt.margins)) / path_norm(pt)


def test_error(pt: Point) -> float:
    """Fraction of test points with ``y f(x) <= 0`` (the network of the run)."""
    Xt, yt = pt.data.meta["X_test"], pt.data.meta["y_test"]
    return float(np.mean(yt * np.asarray(pt.model.forward(pt.params, Xt), float) <= 0))


def _off(name: str, why: str) -> Target:
    return Target(name, "not_requested", "-", {}, {}, 0.0, False, why)


def cached(name: str, data: Dataset, build) -> Target:
    """``build()`` once per (name, data fingerprint): sweeps and step checks reuse the data."""
    key = (name, data.fingerprint())
    if key not in _CACHE:
        _CACHE[key] = build()
    return _CACHE[key]


def f1_exact(data: Dataset, p: Mapping[str, Any]) -> Target:
    r"""The exact F1 max margin through all activation patterns (:math:`\gamma_1 = 2\gamma^\star`)."""
    if not p["exact_targets"]:
        return _off("two_layer_max_margin", "exact targets switched off for this run")
    return cached("f1", data, lambda: max_margin_two_layer(data.X, data.y, 0.0))


def f1_dictionary(data: Dataset, p: Mapping[str, Any]) -> Target:
    """The dictionary LP cross-check (grid of ``dictionary_side`` points per axis, d <= 4)."""
    if not p["exact_targets"] or data.d > 4:
        return _off("f1_dictionary", "dictionary LP only for d <= 4 with exact targets on")
    def build() -> Target:
        arr = activation_patterns(data.X)
        return f1_dictionary_margin(data.X, data.y, p["dictionary_side"], patterns=arr)
    return cached(f"dict{p['dictionary_side']}", data, build)


def arccos_svm(data: Dataset, p: Mapping[str, Any], X: np.ndarray | None = None) -> Target:
    r"""Hard-margin SVM of the kernel :math:`k = k_1/2` (infinite-width output-layer training)."""
    X = data.X if X is None else X
    return cached("arccos", Dataset(X, data.y), lambda: kernel_svm(relu_feature_limit_kernel(X), data.y))


def kernel_predict(svm: Target, X: np.ndarray, y: np.ndarray, Xnew: np.ndarray) -> np.ndarray:
    r""":math:`f(x) = \sum_i\beta_iy_ik(x, x_i)` of a kernel SVM with :math:`k = k_1/2`.

    It does not change along a trajectory (the data and the SVM are fixed), yet the quantities
    using it are evaluated at every checkpoint: the values are kept by the bytes of every
    input (:data:`_PREDICTED`, at most :data:`PREDICTED_MAX` entries, oldest dropped first)."""
    beta_y = np.asarray(svm["dual"], float) * y
    digest = hashlib.blake2b(digest_size=16)
    for a in (X, beta_y, Xnew):
        a = np.ascontiguousarray(a, float)
        digest.update(repr(a.shape).encode())
        digest.update(a.tobytes())
    key = digest.hexdigest()
    if key not in _PREDICTED:
        if len(_PREDICTED) >= PREDICTED_MAX:
            del _PREDICTED[next(iter(_PREDICTED))]
        _PREDICTED[key] = relu_feature_limit_kernel(Xnew, X) @ beta_y
    return _PREDICTED[key].copy()


def consistent(data: Dataset, p: Mapping[str, Any]) -> dict[str, Stat]:
    """Smallest distance between two inputs of opposite labels (> 0: some network separates)."""
    X = data.meta.get("X_raw", data.X)
    Xp, Xm = X[data.y > 0], X[data.y < 0]
    dist = np.sqrt(np.maximum(((Xp[:, None, :] - Xm[None, :, :]) ** 2).sum(-1), 0.0)).min()
    return {"dist_pm": Stat.approx(float(dist), 1e-12 * max(1.0, float(dist)))}


CONSISTENT = Assumption("consistent", sp.Gt(sp.Symbol("dist_pm"), 0), consistent,
                        "no input carries both labels, so the data are separable by a (wide) "
                        "ReLU network with bias")


def _arc_points(X: np.ndarray, w: np.ndarray, i: int) -> np.ndarray:
    r"""Candidate maximizers of :math:`\pm g` on the great circle :math:`x_i^\perp` (D = 3): on
    each arc between two breakpoints :math:`g = A\cos\phi + B\sin\phi`, stationary at
    :math:`\phi = \operatorname{atan2}(B, A)` and :math:`+\pi`."""
    e1 = np.linalg.svd(X[i][None, :])[2][1:]  # orthonormal basis of x_i^perp (2, 3)
    ab = X @ e1.T  # (n, 2): x_k . u(phi) = a_k cos phi + b_k sin phi
    phi = np.arctan2(-ab[:, 0], ab[:, 1])
    br = np.sort(np.concatenate([phi, phi + np.pi]) % (2 * np.pi))
    mid = (br + np.roll(br, -1) + np.where(np.arange(br.size) == br.size - 1, 2 * np.pi, 0.0)) / 2
    act = (np.cos(mid)[:, None] * ab[:, 0] + np.sin(mid)[:, None] * ab[:, 1]) > 0
    AB = (act * w) @ ab  # (intervals, 2)
    star = np.arctan2(AB[:, 1], AB[:, 0])
    ang = np.concatenate([star, star + np.pi])
    return np.cos(ang)[:, None] * e1[0] + np.sin(ang)[:, None] * e1[1]


def _abs_g(U: np.ndarray, X: np.ndarray, w: np.ndarray, chunk: int) -> np.ndarray:
    r""":math:`|g(u)|` at each row of ``U``, ``chunk`` rows at a time (the (rows, n) products
    stay in cache)."""
    return np.concatenate([np.abs(np.maximum(U[lo:lo + chunk] @ X.T, 0.0) @ w)
                           for lo in range(0, U.shape[0], chunk)] or [np.zeros(0)])


def sphere_sup(X: np.ndarray, w: np.ndarray, chunk: int = 4096) -> tuple[float, np.ndarray, np.ndarray]:
    r""":math:`\sup_{\|u\|=1}|g(u)|`, :math:`g(u) = \sum_iw_i(\langle x_i, u\rangle)_+`, exactly in
    :math:`\mathbb R^3` for inputs in general position (derived here).

    :math:`g` is linear, :math:`g = \langle c_K, u\rangle`, on each chamber :math:`K` of the
    arrangement of the planes :math:`x_i^\perp`, so :math:`|g|` peaks on the sphere at a vertex
    (:math:`\pm x_i\times x_j`), at a stationary point of an arc of a great circle, or at
    :math:`\pm c_K/\|c_K\|` inside :math:`K`.  Every chamber touches a vertex, and the four
    chambers at a vertex are its four sign choices for :math:`i, j`; so evaluating :math:`|g|`
    at all these candidates (each a point of the sphere, so the maximum is never above the
    supremum) gives the supremum; a chamber point with :math:`\|c_K\|` at most the best value
    so far is skipped (inside :math:`K` it cannot beat it).  General position (no three planes through one line) is
    checked: otherwise ``ValueError``.

    Returns
    -------
    sup, U, values
        The supremum, the candidate unit vectors and :math:`|g|` at each.

    Examples
    --------
    >>> X = np.array([[1.0, 0.3, 0.1], [1.0, -0.2, 0.4], [1.0, 0.1, -0.5]])
    >>> s, U, v = sphere_sup(X, np.array([1.0, -1.0, 1.0]))
    >>> G = np.random.default_rng(0).standard_normal((20000, 3))
    >>> G /= np.linalg.norm(G, axis=1, keepdims=True)
    >>> bool(np.abs(np.maximum(G @ X.T, 0) @ [1.0, -1.0, 1.0]).max() <= s + 1e-12)
    True
    """
    n = X.shape[0]
    i, j = np.triu_indices(n, 1)
    V = np.cross(X[i], X[j])
    V /= np.linalg.norm(V, axis=1, keepdims=True)
    V = np.concatenate([V, -V])
    i, j = np.concatenate([i, i]), np.concatenate([j, j])
    P = V @ X.T
    if np.any(np.count_nonzero(np.abs(P) <= 1e-10 * np.linalg.norm(X, axis=1).max(), axis=1) > 2):
        raise ValueError("inputs not in general position (three planes through one line)")
    arcs = np.concatenate([_arc_points(X, w, k) for k in range(n)])
    U = np.concatenate([V, arcs])
    vals = np.concatenate([np.abs(np.maximum(P, 0.0) @ w), _abs_g(arcs, X, w, chunk)])
    best = float(vals.max())
    wX, keep_U, keep_v = w[:, None] * X, [U], [vals]
    for lo in range(0, V.shape[0], chunk):
        sl = slice(lo, lo + chunk)
        S = (P[sl] > 0).astype(float)
        r = np.arange(S.shape[0])
        S[r, i[sl]] = 0.0
        S[r, j[sl]] = 0.0
        base = S @ wX
        for si in (0.0, 1.0):
            for sj in (0.0, 1.0):
                c = base + si * wX[i[sl]] + sj * wX[j[sl]]
                nc = np.linalg.norm(c, axis=1)
                c = c[nc > best] / nc[nc > best, None]  # |c_K| <= best cannot raise the sup
                C = np.concatenate([c, -c])
                v = np.abs(np.maximum(C @ X.T, 0.0) @ w)
                keep_U.append(C)
                keep_v.append(v)
                best = max(best, float(v.max(initial=0.0)))
    U, vals = np.concatenate(keep_U), np.concatenate(keep_v)
    return float(vals.max()), U, vals


def f1_sandwich(X: np.ndarray, y: np.ndarray, side: int = 13, rounds: int = 12,
                rtol: float = 1e-3, add: int = 1000) -> Target:
    r"""Certified :math:`\gamma_p \le \gamma_1 \le \gamma_u` for inputs in :math:`\mathbb R^3`
    (constant coordinate first): the dictionary LP (:func:`verify.f1_dictionary_margin`,
    :math:`\gamma_p` a network's margin) with column generation, the upper bound
    :math:`\gamma_u = \sup_{\|u\|=1}|\sum_i\lambda_iy_i(\langle x_i,u\rangle)_+|`
    (:func:`sphere_sup`) for the LP's dual :math:`\lambda` (weak duality: every F1 network of
    norm 1 has :math:`\min_iq_i \le \sum_i\lambda_iq_i \le \gamma_u`).  Each round adds the
    ``add`` best candidates of :func:`sphere_sup` to the dictionary (first: the
    :func:`verify.targets.dictionary.cube_sphere_grid` of ``side``); ``optimal`` once
    :math:`\gamma_u \le (1 + \mathrm{rtol})\gamma_p`, else status ``gap_open`` (not trusted).
    """
    U = cube_sphere_grid(3, side)[0]
    lo, up, status = -np.inf, np.inf, "gap_open"
    for _ in range(rounds):
        lp = f1_dictionary_margin(X, y, U=U)
        if not lp.ok:
            return Target("f1_sandwich", "lp_failed", lp.solver, {}, {}, 0.0, False, lp.failure())
        lo = max(lo, lp["gamma"])
        try:
            s, C, v = sphere_sup(X, lp["lam"] * y)
        except ValueError as exc:
            return Target("f1_sandwich", "degenerate", "sphere_sup", {}, {}, 0.0, False, str(exc))
        up = min(up, s * (1 + 1e-9))
        if up <= (1 + rtol) * lo:
            status = "optimal"
            break
        U = np.concatenate([U, C[np.argsort(-v)[:add]]])
    return Target("f1_sandwich", status, "HiGHS LP + exact sphere sup (D = 3)",
                  {"gamma": lo, "gamma_upper": up, "n_atoms": U.shape[0]}, {}, 0.0, False,
                  f"certified {lo:.6g} <= gamma_1 <= {up:.6g}")


def f1_informative(data: Dataset, p: Mapping[str, Any]) -> Target:
    r"""Certified F1 max margin of the informative coordinates alone (constant and
    :math:`x_1, x_2`: the first three columns), :func:`f1_sandwich`; only when
    ``informative_f1`` is on (the d-sweep)."""
    if not p["informative_f1"]:
        return _off("f1_sandwich", "informative-coordinates target switched off for this run")
    X3 = np.ascontiguousarray(data.X[:, :3])
    return cached("f1_informative", Dataset(X3, data.y), lambda: f1_sandwich(X3, data.y))
