r"""The fused float64 GD step: forward pass, log-domain loss, gradient and update in one loop.

The same mathematics as :func:`verify.dynamics.gd.gradient_descent` on the float64 backend,
for the models :class:`~verify.problem.models.Linear` and
:class:`~verify.problem.models.TwoLayer` and the losses of :mod:`verify.problem.losses`:

.. math:: f_i = s \sum_k a_k \phi(\langle w_k, x_i\rangle), \quad
          \log L = \operatorname{LSE}_i \log l_i, \quad
          \nabla L = e^{\sigma} J^\top v,\ \max_i |v_i| = 1, \quad
          \theta_{k+1} = \theta_k - e^{\log\eta_k + \sigma} J^\top v,

with :math:`\log t_{k+1} = \operatorname{logaddexp}(\log t_k, \log\eta_k)` and the per-step
scalars of :mod:`verify.dynamics.trajectory` (``log t, log L, ||theta||^2, min_i q_i,
log eta_k, log ||grad L||``).  Each sum runs in a fixed order (samples, then coordinates),
so the result depends on neither the BLAS library nor the CPU; it differs from the numpy
path's (BLAS) sums by rounding only, which the precision audit bounds like any float64
trajectory.  :func:`advance` is compiled by numba when numba is installed
(:data:`COMPILED`); without it the numpy path of :mod:`verify.dynamics.gd` runs instead
(:mod:`verify.dynamics.compiled` chooses).  The body is plain Python over scalars and
arrays, so it also runs uncompiled (slowly), which the tests use to check it.

Codes: ``kind`` 0 linear, 1 two-layer; ``loss`` 0 logistic, 1 exponential, 2 squared;
``rule`` 0 constant, 1 normalized, 2 ``lyu-li`` / ``log-normalized`` (power ``log_power``).
"""
from __future__ import annotations

import math

import numpy as np

from verify.dynamics.jit import COMPILED  # noqa: F401 - whether advance is compiled (compiled.py)
from verify.dynamics.jit import jit as _jit
from verify.dynamics.kernelnorms import grad_sq, outer_squares, sq_norm, step_and_norms

LOG2 = math.log(2.0)

#: Return codes of :func:`advance` besides 0 (paused at ``target``): why the run stops, in
#: the order :meth:`verify.dynamics.trajectory.StopRule.why` tests them.
STOP_LOSS_NONFINITE, STOP_NORM_NONFINITE, STOP_MAX_STEPS, STOP_MAX_LOG_T, STOP_MIN_LOSS = 1, 2, 3, 4, 5


@_jit
def logaddexp(x: float, y: float) -> float:
    """``log(e^x + e^y)`` as numpy computes it (``npy_logaddexp``)."""
    if x == y:
        return x + LOG2
    tmp = x - y
    if tmp > 0:
        return x + math.log1p(math.exp(-tmp))
    if tmp <= 0:
        return y + math.log1p(math.exp(tmp))
    return tmp


@_jit
def dw_plus_fp(hi: float, lo: float, u: float) -> tuple[float, float]:
    """``hi + lo + u`` as a normalized double word: the operations, in order, of
    :func:`verify.dynamics.compensated.dw_plus_fp` (TwoSum, then Fast2Sum)."""
    s = hi + u
    bb = s - hi
    e = (hi - (s - bb)) + (u - bb)
    e += lo
    h = s + e
    return h, e - (h - s)


@_jit
def advance_log_t(hi: float, lo: float, log_eta: float) -> tuple[float, float]:
    """:func:`verify.dynamics.compensated.advance_log_t`: ``log(t + eta)`` as a double word."""
    if hi == -math.inf:
        return log_eta, 0.0
    return dw_plus_fp(hi, lo, logaddexp(0.0, (log_eta - hi) - lo))  # the same operations


@_jit
def log_term(loss: int, f: float, y: float) -> float:
    """``log l_i`` (:meth:`verify.problem.losses.Loss.log_terms`, float64 branch)."""
    if loss == 2:
        r = f - y
        return math.log(r * r) - LOG2 if r != 0.0 else -math.inf
    q = y * f
    if loss == 1:
        return -q
    if q > 30.0:
        return -q - math.exp(-q) / 2.0
    return math.log(logaddexp(0.0, -q))


@_jit
def log_weight(loss: int, f: float, y: float) -> float:
    """``log|l'(q_i)|`` of the margin losses (logistic: ``-softplus(q)``; exponential: ``-q``)."""
    q = y * f
    return -q if loss == 1 else -logaddexp(0.0, q)


@_jit
def forward(kind: int, Xt: np.ndarray, Wt: np.ndarray, a: np.ndarray, alpha: float, scale: float,
            Z0: np.ndarray, Z: np.ndarray, f: np.ndarray) -> None:
    """``Z = Z0 + X W^T`` (two-layer) and ``f`` in place, from ``Xt = X^T`` (``(d, n)``).

    Coordinates outermost: each row of ``W^T`` is read once while ``Z`` (``(n, m)``) stays in
    the first-level cache, and each entry still sums over the coordinates in order
    ``j = 0, 1, ...`` (the same additions in the same order as samples outermost)."""
    d, n = Xt.shape
    m = Wt.shape[1]
    for i in range(n):
        for k in range(m):
            Z[i, k] = Z0[i, k]
    for j in range(d):
        for i in range(n):
            xij = Xt[j, i]
            for k in range(m):
                Z[i, k] += xij * Wt[j, k]
    for i in range(n):
        if kind == 0:
            f[i] = Z[i, 0]
            continue
        acc = 0.0
        for k in range(m):
            z = Z[i, k]
            acc += (z if z >= 0.0 else alpha * z) * a[k]
        f[i] = scale * acc


@_jit
def log_total(loss: int, f: np.ndarray, y: np.ndarray, mean: bool) -> float:
    """``log L``: the log-sum-exp of the terms shifted by their maximum (NaN propagates)."""
    n = len(f)
    terms = np.empty(n)
    top = -math.inf
    for i in range(n):
        terms[i] = log_term(loss, f[i], y[i])
        if terms[i] > top or math.isnan(terms[i]):
            top = terms[i] if not math.isnan(top) else top
    if not math.isfinite(top):
        total = top
    else:
        acc = 0.0
        for i in range(n):
            acc += math.exp(terms[i] - top)
        total = top + math.log(acc)
    return total - math.log(n) if mean else total


@_jit
def dloss(loss: int, f: np.ndarray, y: np.ndarray, v: np.ndarray) -> float:
    """``(s, v)`` with ``dl_i/df_i = e^s v_i`` (:meth:`verify.problem.losses.Loss.dloss`);
    fills ``v`` and returns ``s``."""
    n = len(f)
    if loss == 2:
        for i in range(n):
            v[i] = f[i] - y[i]
        return 0.0
    s = -math.inf
    for i in range(n):
        v[i] = log_weight(loss, f[i], y[i])
        if v[i] > s or math.isnan(v[i]):
            s = v[i] if not math.isnan(s) else s
    for i in range(n):
        v[i] = -y[i] * math.exp(v[i] - s)
    return s


@_jit
def pullback(kind: int, Xt: np.ndarray, Z: np.ndarray, a: np.ndarray, v: np.ndarray, alpha: float,
             scale: float, GWt: np.ndarray, Ga: np.ndarray, C: np.ndarray) -> None:
    """``J^T v`` into ``GWt`` (the first layer's gradient transposed, ``(d, m)``) and ``Ga``
    (its squared norm: :func:`~verify.dynamics.kernelnorms.grad_sq`, or
    :func:`~verify.dynamics.kernelnorms.step_and_norms` fused with the update).

    The per-sample coefficients first (``C``, ``(n, m)`` scratch), then coordinates outermost:
    each row of ``GWt`` is summed in the first-level cache over the samples in order
    ``i = 0, 1, ...`` and written once (the same additions in the same order as samples
    outermost, which streamed all of ``GWt`` once per sample); ``Xt = X^T``, ``(d, n)``."""
    d, n = Xt.shape
    m = GWt.shape[1]
    for k in range(m):
        Ga[k] = 0.0
    for i in range(n):
        vi = v[i]
        for k in range(m):
            if kind == 0:
                C[i, k] = vi
            else:
                z = Z[i, k]
                C[i, k] = scale * ((1.0 if z >= 0.0 else alpha) * vi * a[k])
                Ga[k] += (z if z >= 0.0 else alpha * z) * vi
    for j in range(d):
        for k in range(m):
            GWt[j, k] = 0.0
        for i in range(n):
            xij = Xt[j, i]
            for k in range(m):
                GWt[j, k] += C[i, k] * xij
    for k in range(m):
        Ga[k] *= scale


@_jit
def compensated_update(Wt: np.ndarray, Wt_lo: np.ndarray, GWt: np.ndarray, a: np.ndarray,
                       a_lo: np.ndarray, Ga: np.ndarray, factor: float, outer: bool) -> None:
    """``theta += factor * g`` on the double-word iterate (``u = factor * g`` in float64, then
    :func:`dw_plus_fp`), as :func:`verify.dynamics.compensated.compensated_descent` does."""
    d, m = Wt.shape
    for j in range(d):
        for kk in range(m):
            Wt[j, kk], Wt_lo[j, kk] = dw_plus_fp(Wt[j, kk], Wt_lo[j, kk], factor * GWt[j, kk])
    if outer:
        for kk in range(m):
            a[kk], a_lo[kk] = dw_plus_fp(a[kk], a_lo[kk], factor * Ga[kk])


@_jit
def write_row(table: np.ndarray, k: int, log_t: float, log_loss: float, norm2: float, q_min: float,
              log_eta: float, s: float, gsq: float) -> None:
    """Row ``k`` of the per-step table (:data:`verify.dynamics.trajectory.SCALARS`); the
    gradient norm is ``e^s sqrt(gsq)`` in logs."""
    table[k, 0], table[k, 1], table[k, 2] = log_t, log_loss, norm2
    table[k, 3], table[k, 4] = q_min, log_eta
    table[k, 5] = s + 0.5 * math.log(gsq) if gsq > 0 else -math.inf


@_jit
def stop_code(k: int, log_t: float, log_loss: float, norm2: float, max_steps: int,
              max_log_t: float, min_log_loss: float) -> int:
    """:meth:`verify.dynamics.trajectory.StopRule.why` as a code (0: go on)."""
    if not math.isfinite(log_loss) and not log_loss == -math.inf:
        return STOP_LOSS_NONFINITE
    if not math.isfinite(norm2):
        return STOP_NORM_NONFINITE
    if k >= max_steps:
        return STOP_MAX_STEPS
    if log_t >= max_log_t:
        return STOP_MAX_LOG_T
    if log_loss <= min_log_loss:
        return STOP_MIN_LOSS
    return 0


@_jit
def advance(X: np.ndarray, y: np.ndarray, W: np.ndarray, a: np.ndarray, codes: np.ndarray,
            consts: np.ndarray, Z0: np.ndarray, P: np.ndarray, k: int, log_t: float, target: int,
            max_steps: int, table: np.ndarray, W_lo: np.ndarray, a_lo: np.ndarray,
            log_t_lo: float) -> tuple[int, float, float, int]:
    """Run GD from state ``k`` (parameters ``W``, ``a`` updated in place) until a stop rule
    fires or state ``target`` is reached, writing row ``j`` of ``table`` for each state ``j``.

    Parameters
    ----------
    X, y
        Data, ``(n, d)`` and ``(n,)``.
    W, a
        Trained first layer ``(m, d)`` (the linear model: ``(1, d)``) and outer layer ``(m,)``;
        the call works on ``W`` transposed and writes it back when it returns.
    codes
        int64 ``[kind, loss, rule, mean, train_outer, compensated]`` (see the module
        docstring; ``compensated``: backend ``f64dd``).
    consts
        float64 ``[alpha, scale, log eta, log_power, max_log_t, min_log_loss, w0_sq]``.
    Z0, P
        Pre-activation offset ``(n, m)`` and norm cross term ``(m, d)``: zeros in full
        coordinates; in data-span coordinates (:mod:`verify.dynamics.span`: ``X`` is ``L``,
        ``W`` is ``B``) ``X W0^T`` and ``W0 Q^T``, with ``w0_sq = ||W0||_F^2``.
    k, log_t
        The current state's step and ``log t``.
    target
        Return at this state, before its update (a checkpoint or the end of a chunk).
    max_steps
        Horizon.
    table
        ``(rows, 6)`` per-step scalars, rows beyond ``target`` need not exist.
    W_lo, a_lo, log_t_lo
        Low words of the iterate and of ``log t`` when ``compensated`` (backend ``f64dd``,
        :mod:`verify.dynamics.compensated`: the gradient at the high words in float64, the
        update added by DWPlusFP, ``log t`` accumulated in double word); ignored otherwise.

    Returns
    -------
    tuple
        ``(k, log_t, log_t_lo, code)`` of the state where it returned; ``code`` 0 at
        ``target``, else the ``STOP_*`` reason (the state is then the last one, not updated).
    """
    kind, loss, rule, mean, train_outer = codes[0], codes[1], codes[2], codes[3] == 1, codes[4] == 1
    comp, outer = codes[5] == 1, codes[0] == 1 and codes[4] == 1
    alpha, scale, base, power, max_log_t, min_log_loss, w0_sq = (
        consts[0], consts[1], consts[2], consts[3], consts[4], consts[5], consts[6])
    n = X.shape[0]
    m, d = W.shape
    Z, f, v = np.empty((n, m)), np.empty(n), np.empty(n)
    Wt, GWt, Ga, C = np.ascontiguousarray(W.T), np.empty((d, m)), np.empty(m), np.empty(m)
    Xt, Cs = np.ascontiguousarray(X.T), np.empty((n, m))
    gacc, wacc, pacc = np.empty(m), np.empty(m), np.empty(m)
    Pt, span = np.ascontiguousarray(P.T), P.size > 0
    Wt_lo = np.ascontiguousarray(W_lo.T)
    log_n = math.log(n)
    norm2 = sq_norm(Wt, a, kind, train_outer, Pt, w0_sq, span, C)  # then with each update
    while True:
        forward(kind, Xt, Wt, a, alpha, scale, Z0, Z, f)
        log_loss = log_total(loss, f, y, mean)
        s = dloss(loss, f, y, v)
        if mean:
            s = s - log_n
        pullback(kind, Xt, Z, a, v, alpha, scale, GWt, Ga, Cs)
        if rule == 0:
            log_eta = base
        elif rule == 1:
            log_eta = base - log_loss
        else:
            log_eta = base - log_loss - power * math.log(max(-log_loss, 1.0))
        q_min = math.inf
        for i in range(n):
            q = y[i] * f[i]
            if q < q_min or math.isnan(q):
                q_min = q if not math.isnan(q_min) else q_min
        code = stop_code(k, log_t, log_loss, norm2, max_steps, max_log_t, min_log_loss)
        if code != 0 or k == target or comp:
            gsq = grad_sq(GWt, Ga, kind, train_outer, C)
            write_row(table, k, log_t, log_loss, norm2, q_min, log_eta, s, gsq)
        if code != 0 or k == target:
            W[:, :] = Wt.T
            if comp:
                W_lo[:, :] = Wt_lo.T
            return k, log_t, log_t_lo, code
        factor = math.exp(log_eta + s)
        if comp:
            compensated_update(Wt, Wt_lo, GWt, a, a_lo, Ga, -factor, outer)
            log_t, log_t_lo = advance_log_t(log_t, log_t_lo, log_eta)
            norm2 = sq_norm(Wt, a, kind, train_outer, Pt, w0_sq, span, C)
            k += 1
            continue
        gsq, wsq, psum = step_and_norms(Wt, GWt, factor, Pt, span, gacc, wacc, pacc)
        write_row(table, k, log_t, log_loss, norm2, q_min, log_eta, s, outer_squares(gsq, Ga, outer))
        if outer:
            for kk in range(m):
                a[kk] -= factor * Ga[kk]
        norm2 = outer_squares(w0_sq + 2.0 * psum + wsq if span else wsq, a, outer)
        log_t = logaddexp(log_t, log_eta)
        k += 1
