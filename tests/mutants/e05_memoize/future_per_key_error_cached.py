# rejects: test_error_is_not_cached
"""A Future per key (single flight, no lock held while computing), but a failed Future stays."""

import threading
from concurrent.futures import Future


def memoize(fn):
    futures = {}
    lock = threading.Lock()

    def wrapper(key):
        with lock:
            fut = futures.get(key)
            mine = fut is None
            if mine:
                fut = futures[key] = Future()
        if mine:
            try:
                fut.set_result(fn(key))
            except Exception as exc:
                fut.set_exception(exc)
        return fut.result()

    return wrapper
