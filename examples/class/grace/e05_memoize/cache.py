"""A thread-safe memoizer with single flight (reference solution).

The lock only guards the two dicts, never a call of ``fn``: the first caller
of a key registers a "flight" and computes outside the lock; later callers of
that key wait on the flight's event and share its result or its exception.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _Flight:
    """One computation in progress: its waiters block on ``done``."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None


def memoize(fn: Callable[[K], V]) -> Callable[[K], V]:
    """Cache ``fn`` per key; each key is computed once even when many threads ask at once."""
    lock = threading.Lock()
    results: dict[K, V] = {}
    flights: dict[K, _Flight] = {}

    @functools.wraps(fn)
    def cached(key: K) -> V:
        with lock:
            if key in results:
                return results[key]
            flight = flights.get(key)
            owner = flight is None
            if owner:
                flight = flights[key] = _Flight()
        if not owner:
            flight.done.wait()
            if flight.error is not None:
                raise flight.error
            return flight.value
        try:
            value = fn(key)
        except BaseException as exc:
            flight.error = exc
            with lock:
                del flights[key]  # nothing cached: the next caller computes again
            flight.done.set()
            raise
        flight.value = value
        with lock:
            results[key] = value
            del flights[key]
        flight.done.set()
        return value

    return cached
