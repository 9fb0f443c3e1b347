"""e05 with one concurrent.futures.Future per key: the first caller computes, the rest wait."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def memoize(fn: Callable[[K], V]) -> Callable[[K], V]:
    futures: dict[K, Future] = {}
    lock = threading.Lock()

    def cached(key: K) -> V:
        with lock:
            future = futures.get(key)
            owner = future is None
            if owner:
                future = futures[key] = Future()
        if owner:
            try:
                future.set_result(fn(key))
            except BaseException as exc:
                with lock:
                    del futures[key]  # an error is not cached
                future.set_exception(exc)
        return future.result()

    return cached
