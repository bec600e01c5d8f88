"""mpmath matrix products: exact integer sums rounded once against numpy's object-array product.

Usage: python benchmarks/mp_matmul.py [--json out.json]
For the two products of a two-layer GD step (X W^T and the pullback M X) at a few sizes
(n, d, m), prints milliseconds per product for ``A @ B`` on object arrays of ``mpf`` (the
baseline, one mpmath multiplication and addition per term) and for
:func:`verify.arith.mpmatmul.exact_matmul`, and their ratio, measured in the same run. Also
one full mpmath GD step of the two-layer net, with ``MPMath.matmul`` replaced by the plain
product (the baseline) and as shipped.
"""
from __future__ import annotations

import argparse

import numpy as np

from verify.arith.backends import MPMath
from verify.arith.mpmatmul import exact_matmul
from verify.dynamics.gd import StepRule, gradient_descent
from verify.problem.losses import make_loss
from verify.problem.models import TwoLayer
from batch_speed import best  # this folder's benchmark (its folder is on sys.path)
from common import write_json

SIZES = ((20, 200, 50), (360, 64, 12), (50, 1000, 100))


def _best(f, repeats: int = 3) -> float:
    return best(f, repeats)


class _Plain(MPMath):
    """The baseline: numpy's object-array product."""

    def matmul(self, a, b):
        return a @ b


def _step(be, n: int, d: int, m: int) -> float:
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(n, d)), np.where(rng.normal(size=n) > 0, 1.0, -1.0)
    model = TwoLayer(m=m, alpha=0.2)
    p0 = model.init(d, 0.5, rng)
    it = gradient_descent(model, make_loss("logistic"), X, y, p0, StepRule(0.1), be)
    next(it)
    return _best(lambda: next(it), repeats=2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json")
    ap.add_argument("--quick", action="store_true", help="skip the largest size")
    args = ap.parse_args()
    be = MPMath(dps=40)
    rng = np.random.default_rng(0)
    rows = []
    for n, d, m in SIZES[:2] if args.quick else SIZES:
        X = be.asarray(rng.normal(size=(n, d)))
        W = be.asarray(rng.normal(size=(m, d)) * 1e-2)
        M = be.asarray(rng.normal(size=(m, n)) * np.exp(-rng.uniform(0, 50, size=n)))
        for name, (A, B) in {"X W^T": (X, W.T), "M X": (M, X)}.items():
            base = _best(lambda: A @ B)
            fast = _best(lambda: exact_matmul(A, B, be.ctx))
            rows.append({"n": n, "d": d, "m": m, "product": name, "object_ms": 1e3 * base,
                         "exact_ms": 1e3 * fast, "ratio": base / fast})
            print(f"({n},{d},{m}) {name:6s} object {1e3 * base:9.1f} ms  exact {1e3 * fast:8.1f} ms"
                  f"  x{base / fast:.1f}")
        if n * d * m <= 400_000:
            base, fast = _step(_Plain(dps=40), n, d, m), _step(be, n, d, m)
            rows.append({"n": n, "d": d, "m": m, "product": "GD step", "object_ms": 1e3 * base,
                         "exact_ms": 1e3 * fast, "ratio": base / fast})
            print(f"({n},{d},{m}) GD step object {1e3 * base:9.1f} ms  exact {1e3 * fast:8.1f} ms"
                  f"  x{base / fast:.1f}")
    write_json(args.json, rows)


if __name__ == "__main__":
    main()
