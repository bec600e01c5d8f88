"""A memo scoped to one ``with`` block, for re-judging a claim on the same series.

The resolution of a verdict (:mod:`verify.claims.resolution`) re-judges a claim a few dozen
times with only its expected value moved.  The costly part of a judgement (a
:class:`~verify.claims.limit.Limit`'s rate fits, a least-squares problem profiled over a
grid of exponents, about a second on a 20,000-point window) does not depend on the
expected value, so within :func:`memoizing` a function decorated with :func:`scoped`
returns the remembered result for arguments equal to an earlier call's (arrays compared by
dtype, shape and bytes).

Outside a :func:`memoizing` block nothing is remembered: the memo lives in a
:class:`contextvars.ContextVar` set only for the block's duration, so no state outlives a
judgement and every verdict outside it is computed exactly as without the decorator.  The
decorated functions must be pure (their result a function of their arguments only) and
their results must not be mutated by callers.

Examples
--------
>>> calls = []
>>> @scoped
... def square(x):
...     calls.append(x)
...     return x * x
>>> with memoizing():
...     square(np.arange(3.0)).tolist(), square(np.arange(3.0)).tolist()
([0.0, 1.0, 4.0], [0.0, 1.0, 4.0])
>>> len(calls), square(2.0), len(calls)
(1, 4.0, 2)
"""
from __future__ import annotations

import functools
import math
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Callable, Iterator, TypeVar

import numpy as np

_F = TypeVar("_F", bound=Callable[..., Any])

#: The memo of the innermost :func:`memoizing` block (None outside any block).
_MEMO: ContextVar[dict | None] = ContextVar("verify_claims_memo", default=None)


def _key(value: Any) -> Any:
    """A hashable key equal for equal arguments (arrays by dtype, shape and bytes)."""
    if isinstance(value, np.ndarray):
        return ("ndarray", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_key(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((k, _key(v)) for k, v in value.items())))
    return value


def scoped(fn: _F) -> _F:
    """Remember ``fn``'s results inside :func:`memoizing` blocks (``fn`` must be pure)."""
    return bounded(math.inf, lambda _: 0)(fn)


def bounded(max_bytes: float, size: Callable[[Any], int]) -> Callable[[_F], _F]:
    """Like :func:`scoped`, but a block remembers results of ``fn`` only while their
    ``size`` (bytes) adds up to at most ``max_bytes``; a result beyond that is returned
    without being kept (the same value: ``fn`` is pure).

    Examples
    --------
    >>> @bounded(16, lambda r: r.nbytes)
    ... def ones(n):
    ...     return np.ones(n)
    >>> with memoizing():
    ...     ones(2) is ones(2), ones(3) is ones(3)
    (True, False)
    """
    def decorate(fn: _F) -> _F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            memo = _MEMO.get()
            if memo is None:
                return fn(*args, **kwargs)
            key = (fn.__module__, fn.__qualname__, _key(args), _key(kwargs))
            if key in memo:
                return memo[key]
            out = fn(*args, **kwargs)
            used = (fn.__module__, fn.__qualname__, "bytes kept")
            nbytes = memo.get(used, 0) + size(out)
            if nbytes <= max_bytes:
                memo[key], memo[used] = out, nbytes
            return out
        return wrapper  # type: ignore[return-value]
    return decorate


@contextmanager
def memoizing() -> Iterator[None]:
    """A block inside which :func:`scoped` functions remember their results (nested blocks
    share the outer memo)."""
    if _MEMO.get() is not None:
        yield
        return
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)
